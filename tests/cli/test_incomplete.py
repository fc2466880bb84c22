"""A run that cannot complete still writes every requested report, stating the error."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from auditor.cli import cli

UNREACHABLE = "postgresql://nobody:hunter2@127.0.0.1:1/x"


def test_unreachable_database_writes_every_report_with_the_error(tmp_path: Path) -> None:
    md, js = tmp_path / "r.md", tmp_path / "r.json"
    result = CliRunner().invoke(
        cli, ["audit", "--format", f"md={md}", "--format", f"json={js}", "--db", UNREACHABLE]
    )
    assert result.exit_code == 2, result.output
    report = json.loads(js.read_text())
    assert report["verdict"] == "incomplete" and report["exit_code"] == 2
    assert report["errors"] and all("127.0.0.1:1/x" in e["message"] for e in report["errors"])
    assert {e["family"] for e in report["errors"]} >= {"schema", "hardening"}
    families = {f["name"]: f for f in report["families"]}
    assert families["secrets"]["errors"] == 0, "the families that need no database still ran"
    assert families["secrets"]["checked"]
    text = md.read_text()
    assert "incomplete" in text and "127.0.0.1:1/x" in text
    for output in (text, js.read_text(), result.output):
        assert "hunter2" not in output


def test_a_usage_error_before_any_work_writes_nothing(tmp_path: Path) -> None:
    md = tmp_path / "r.md"
    result = CliRunner().invoke(
        cli, ["audit", "--format", f"md={md}", "--format", "nope", "--db", UNREACHABLE]
    )
    assert result.exit_code == 2
    assert not md.exists()
