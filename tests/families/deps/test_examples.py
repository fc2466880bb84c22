"""The Bad:/Good: example of every dependency (DEP) rule, audited offline.

An example is a project: its ``requirements.txt`` and ``pyproject.toml`` (its
``[tool.auditor.deps]`` settings), audited on :data:`TODAY` against a small OSV
database written by the test (:data:`RECORDS`, which an example's ``osv/NAME.json``
file replaces). An example without a requirements.txt audits :data:`CLEAN`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from auditor.core.config import load_config
from auditor.families.deps.family import audit_project
from auditor.families.deps.rules import FAMILY
from auditor.families.deps.settings import load_settings
from tests.rule_examples import Example, cases, found, write_files

FAMILIES = (FAMILY,)
TODAY = dt.date(2026, 11, 25)
CLEAN = "requests==2.32.3"
RECORDS = {
    "PYSEC-2019-217.json": {
        "id": "PYSEC-2019-217",
        "modified": "2026-11-24T00:00:00Z",
        "aliases": ["CVE-2019-10906"],
        "summary": "jinja2: sandbox escape through str.format",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "jinja2"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.10.1"}]}
                ],
            }
        ],
    },
    **{
        f"{advisory}.json": {
            "id": advisory,
            "modified": "2026-01-01T00:00:00Z",
            "summary": f"{crate}: {kind}",
            "affected": [
                {
                    "package": {"ecosystem": "crates.io", "name": crate},
                    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, *fixed]}],
                    "database_specific": {"informational": kind},
                }
            ],
        }
        for advisory, crate, kind, fixed in (
            ("RUSTSEC-2024-0320", "yaml-rust", "unmaintained", []),
            ("RUSTSEC-2026-0190", "anyhow", "unsound", [{"fixed": "1.0.103"}]),
            ("RUSTSEC-2026-0001", "example", "notice", [{"fixed": "1.1.0"}]),
        )
    },
}
"""The advisories the examples are audited against: one PyPI vulnerability and
RustSec's three kinds of informational advisory."""


def audit_example(example: Example, project: Path) -> set[str]:
    osv = project / "osv"
    osv.mkdir()
    for name, record in RECORDS.items():
        (osv / name).write_text(json.dumps(record), encoding="utf-8")
    files = {"requirements.txt": CLEAN, **example.files}
    for name in files:
        assert name in ("requirements.txt", "pyproject.toml", "Cargo.lock") or name.startswith(
            "osv/"
        ), name
    write_files(project, files)
    pyproject = project / "pyproject.toml"
    config = load_config(pyproject) if pyproject.exists() else load_config(start=project)
    settings = dataclasses.replace(load_settings(config), advisory_db=osv)
    result = audit_project(project, settings, today=TODAY)
    assert result.errors == ()
    return {f.rule_id for f in result.findings}


@pytest.mark.parametrize("example", cases(FAMILY))
def test_example(example: Example, tmp_path: Path) -> None:
    found(example, audit_example(example, tmp_path))
