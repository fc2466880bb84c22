"""``auditor audit`` output options: several formats from one report, step summary, errors."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.report.markdown import MARKER
from tests.paths import TEST_DATA

SARIF_SCHEMA = json.loads((TEST_DATA / "report" / "sarif-schema-2.1.0.json").read_text())


@pytest.fixture(autouse=True)
def _no_ci_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GITHUB_STEP_SUMMARY", "GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"):
        monkeypatch.delenv(name, raising=False)


def test_every_format_from_one_run(
    fresh_db: str, reference_migrations: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    out = {fmt: tmp_path / f"report.{fmt}" for fmt in ("md", "json", "sarif", "junit")}
    args = ["--db", fresh_db, "--migrations", str(reference_migrations), "audit"]
    args += ["--only", "migrations", "--format", "text"]
    for fmt, path in out.items():
        args += ["--format", f"{fmt}={path}"]
    result = CliRunner().invoke(cli, args)
    # an empty database: every migration is pending, a high finding, exit 1
    assert result.exit_code == 1, result.output
    assert "FAILED" in result.output and "\x1b[" not in result.output
    data = json.loads(out["json"].read_text())
    n = len(data["findings"])
    assert n >= 1 and data["verdict"] == "failed"
    log = json.loads(out["sarif"].read_text())
    jsonschema.Draft7Validator(SARIF_SCHEMA).validate(log)
    assert sum(len(run["results"]) for run in log["runs"]) == n
    root = ET.parse(out["junit"]).getroot()
    assert root.find("testsuite[@name='migrations']") is not None
    assert int(root.get("failures", "0")) >= 1
    markdown = out["md"].read_text()
    assert markdown.splitlines()[0].startswith("## ❌ auditor: **failed**")
    assert MARKER in summary.read_text()


def test_plain_format_with_output_still_works(
    fresh_db: str, reference_migrations: Path, tmp_path: Path
) -> None:
    target = tmp_path / "out" / "report.md"
    args = ["--db", fresh_db, "--migrations", str(reference_migrations), "audit"]
    result = CliRunner().invoke(
        cli, [*args, "--only", "migrations", "--format", "md", "--output", str(target)]
    )
    assert result.exit_code == 1, result.output
    assert MARKER in target.read_text()
    assert result.output == ""
    template = tmp_path / "mine.md.j2"
    template.write_text("custom {{ verdict }} {{ total }}\n")
    result = CliRunner().invoke(
        cli, [*args, "--only", "migrations", "--format", "md", "--template", str(template)]
    )
    assert result.exit_code == 1, result.output
    assert result.output.startswith("custom failed ")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--format", "pdf"], "unknown format 'pdf'"),
        (["--format", "md", "--format", "json"], "give each a file"),
        (["--format", "md=x.md", "--output", "y"], "--output needs a plain --format"),
        (["--format", "md=same", "--format", "json=same"], "same file"),
        (["--format", "sarif="], "no file after"),
    ],
)
def test_bad_output_options_exit_2(extra: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["audit", *extra])
    assert result.exit_code == 2
    assert f"auditor: error: {message}" in result.output or message in result.output


def test_template_needs_markdown(tmp_path: Path) -> None:
    template = tmp_path / "t.md.j2"
    template.write_text("{{ verdict }}\n")
    result = CliRunner().invoke(cli, ["audit", "--template", str(template), "--format", "json"])
    assert result.exit_code == 2
    assert "--template applies to the markdown report" in result.output


def test_announced_family_delegates(capsys: pytest.CaptureFixture[str]) -> None:
    from auditor.cli.outputs import _Announced, announce_families
    from auditor.core.family import AuditContext, Family
    from auditor.core.findings import FamilyResult

    class Probe(Family):
        name = "probe"
        title = "Probe"

        def run(self, ctx: AuditContext) -> FamilyResult:
            return FamilyResult(self.name, self.title, checked=(("things", 1),))

    families: list[Family] = [Probe()]
    assert announce_families(families) == families  # not a terminal: unchanged
    wrapped = _Announced(Probe(), 1, 1)
    assert wrapped.name == "probe"
    result = wrapped.run(AuditContext(project=Path("."), migrations=Path(".")))
    assert result.checked == (("things", 1),)
    assert capsys.readouterr().err == ""
