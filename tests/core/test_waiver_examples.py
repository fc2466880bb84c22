"""The Bad:/Good: example of every waiver (WVR) rule: the example's pyproject.toml on a
project whose one migration has no down.sql (a MIG004 finding to waive), audited by
``auditor audit --only migrations`` with the whole policy applied."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from auditor.core.waivers import FAMILY
from tests.rule_examples import Example, audit_with_config, cases, found, write_files

FAMILIES = (FAMILY,)
TODAY = dt.date(2026, 11, 25)
PROJECT = {"migrations/2024-01-01-000001_create_users/up.sql": "CREATE TABLE users (id BIGINT);"}


@pytest.mark.parametrize("example", cases(FAMILY))
def test_example(example: Example, tmp_path: Path) -> None:
    write_files(tmp_path, {**PROJECT, **example.files})
    report = audit_with_config(tmp_path, "migrations", TODAY)
    assert [e.message for f in report.families for e in f.errors] == []
    assert {f.rule_id for f in report.findings} | {w.finding.rule_id for w in report.waived} >= {
        "MIG004"
    }
    found(example, {f.rule_id for f in report.findings})
