"""``auditor audit --format md --by control`` on a real server: every control of the
benchmark has a row with a status, and every failed control links to its findings."""

from __future__ import annotations

import re

from click.testing import CliRunner

from auditor.cli import cli
from auditor.families.hardening.cis import CONTROLS
from tests.paths import REPO_ROOT

STATUSES = ("failed", "passed", "not checked", "not checkable from SQL")


def test_report_by_control(fresh_db: str) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "--project",
            str(REPO_ROOT),
            "--db",
            fresh_db,
            "audit",
            "--only",
            "hardening",
            "--format",
            "md",
            "--by",
            "control",
        ],
    )
    assert result.exit_code in (0, 1), result.output
    text = result.output
    rows = {}
    for line in text.splitlines():
        match = re.match(r"^\| ([\d.]+) \| .*? \| (.*?) \| (.*) \|$", line)
        if match:
            rows[match.group(1)] = (match.group(2), match.group(3))
    assert list(rows) == [c.id for c in CONTROLS]
    for control, (status, why) in rows.items():
        assert any(s in status for s in STATUSES), control
        assert why.strip(), control
        if "failed" in status:
            target = re.search(r"\(#(cis-[\d-]+)\)", status)
            assert target, control
            section = text.split(f'<a id="{target.group(1)}"></a>', 1)[1].split("<a id=", 1)[0]
            assert re.search(r"^- `[A-Z]+\d{3}`", section, re.MULTILINE), control
    assert "not checkable from SQL" in rows["2.2"][0]


def test_by_control_needs_markdown() -> None:
    result = CliRunner().invoke(cli, ["audit", "--no-db", "--by", "control", "--format", "json"])
    assert result.exit_code == 2
    assert "--by control" in result.output
