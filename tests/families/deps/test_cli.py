"""``auditor deps audit`` and the dependencies family: configuration, exit codes, fail closed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.core.config import ConfigError, load_config
from auditor.core.family import AuditContext
from auditor.core.findings import Severity
from auditor.families.deps.family import DependenciesFamily
from auditor.families.deps.settings import load_settings
from tests.paths import REPO_ROOT, TEST_DATA

DATA = TEST_DATA / "deps"
OSV = DATA / "osv"
REQS = DATA / "inputs" / "requirements"
REPO = REPO_ROOT
SNAPSHOT = REPO.parent / "shared" / "osv" / "PyPI-all.zip"


def run(*args: str) -> tuple[int, str, dict[str, object] | None]:
    result = CliRunner().invoke(cli, list(args))
    try:
        document = json.loads(result.stdout)
    except ValueError:
        document = None
    return result.exit_code, result.output, document


def test_offline_audit_fails_on_vulnerabilities_and_names_them() -> None:
    code, _, report = run(
        "--project", str(REQS), "deps", "audit", "--advisory-db", str(OSV), "--format", "json"
    )
    assert code == 1 and report is not None
    ids = {f["evidence"].get("id") for f in report["findings"]}  # type: ignore[index,union-attr]
    assert {"PYSEC-0000-1", "PYSEC-0000-2", "PYSEC-0000-3", "PYSEC-0000-8"} <= ids


def test_explicit_requirement_file_and_threshold() -> None:
    code, output, _ = run(
        "deps",
        "audit",
        "-r",
        str(REQS / "requirements-base.txt"),
        "--advisory-db",
        str(OSV),
        "--fail-on",
        "critical",
    )
    assert code == 1, output
    assert "PYSEC-0000-3" in output and "PYSEC-0000-1" not in output


def test_environment_input(tmp_path: Path) -> None:
    code, output, _ = run("deps", "audit", "--env", "--advisory-db", str(OSV), "--format", "json")
    assert code == 0, output
    report = json.loads(output[output.index("{") :])
    assert report["families"][0]["checked"]["dependencies"] > 5


def test_no_inputs_exits_2_with_one_line(tmp_path: Path) -> None:
    code, output, _ = run("--project", str(tmp_path), "deps", "audit", "--advisory-db", str(OSV))
    assert code == 2
    assert output.strip().startswith("auditor: error: no dependency inputs found")
    assert len(output.strip().splitlines()) == 1


def test_unreadable_database_exits_2(tmp_path: Path) -> None:
    bogus = tmp_path / "all.zip"
    bogus.write_text("not a zip", encoding="utf-8")
    code, output, _ = run(
        "deps", "audit", "-r", str(REQS / "requirements.txt"), "--advisory-db", str(bogus)
    )
    assert code == 2
    assert "neither a directory nor a readable zip" in output and "Traceback" not in output


def _config(tmp_path: Path, body: str) -> Path:
    (tmp_path / "requirements.txt").write_text(
        "alpha==1.1.0\nBeta_Pkg==1.0\ninternal-lib==0.1\nzeta>=1\n", encoding="utf-8"
    )
    path = tmp_path / "auditor.toml"
    path.write_text(
        f'[deps]\nadvisory-db = "{OSV.as_posix()}"\nmax-db-age-days = 100000\n{body}',
        encoding="utf-8",
    )
    return path


def _family(
    tmp_path: Path, body: str, fail_on: Severity = Severity.HIGH
) -> list[tuple[str, str, str]]:
    config = load_config(_config(tmp_path, body))
    result = DependenciesFamily().run(
        AuditContext(project=tmp_path, migrations=tmp_path, config=config, fail_on=fail_on)
    )
    assert result.errors == ()
    return sorted(
        (f.rule_id, f.severity.label, dict(f.evidence).get("id") or dict(f.evidence)["package"])
        for f in result.findings
    )


def test_exemption_ignore_and_severity_settings(tmp_path: Path) -> None:
    findings = _family(
        tmp_path,
        'unauditable-severity = "medium"\nunknown-severity = "low"\n'
        '[deps.exempt]\n"Internal_Lib" = "private package on our own index"\n'
        '[[deps.ignore]]\nid = "GHSA-aaaa-bbbb-cccc"\nreason = "loader not used"\nexpires = 2999-01-01\n',
        fail_on=Severity.MEDIUM,  # below it, an unauditable pin is an error (issue 24 row 11)
    )
    # alpha's vulnerability is ignored through an alias; beta's unknown severity is low;
    # internal-lib is exempt; zeta is unauditable at the configured severity
    assert findings == [("DEP001", "low", "PYSEC-0000-2"), ("DEP002", "medium", "zeta")]
    config = load_config(tmp_path / "auditor.toml")
    result = DependenciesFamily().run(
        AuditContext(project=tmp_path, migrations=tmp_path, config=config)
    )
    assert [s.reason for s in result.skipped] == ["exempt: private package on our own index"]
    assert any(
        n.startswith("ignored PYSEC-0000-1 in alpha==1.1.0 until 2999-01-01") for n in result.notes
    )


def test_expired_ignore_stops_ignoring_and_is_reported(tmp_path: Path) -> None:
    findings = _family(
        tmp_path,
        '[[deps.ignore]]\nid = "PYSEC-0000-1"\nreason = "old"\nexpires = 2020-01-01\n',
    )
    assert ("DEP001", "critical", "PYSEC-0000-1") in findings
    assert ("DEP003", "medium", "PYSEC-0000-1") in findings
    assert ("DEP002", "high", "internal-lib") not in findings  # pinned: audited, clean
    assert ("DEP002", "high", "zeta") in findings


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[deps.ignore]]\nid = "X-1"\nexpires = 2999-01-01\n', "a reason is required"),
        ('[[deps.ignore]]\nid = "X-1"\nreason = "r"\n', "an expiry date"),
        ('colour = "red"\n', "deps.colour: unknown key"),
        ('[[deps.ignore]]\nid = "X"\nreason = "r"\nwhy = 1\n', r"ignore\[0\]\.why: unknown key"),
        ('unknown-severity = "severe"\n', "unknown severity"),
        ('[deps.exempt]\nx = ""\n', "a non-empty reason is required"),
    ],
)
def test_configuration_errors_name_the_key(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(load_config(_config(tmp_path, body)))


def test_configuration_error_is_one_line_exit_2(tmp_path: Path) -> None:
    path = _config(tmp_path, 'colour = "red"\n')
    code, output, _ = run("--config", str(path), "--project", str(tmp_path), "deps", "audit")
    assert code == 2 and output.startswith("auditor: error:") and "colour" in output


def _offline_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    closed = "http://127.0.0.1:9"  # the discard port: nothing listens, the connection is refused
    env.update(
        HTTPS_PROXY=closed,
        HTTP_PROXY=closed,
        https_proxy=closed,
        http_proxy=closed,
        NO_PROXY="",
        no_proxy="",
        HOME=str(tmp_path),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
    )
    env.pop("DATABASE_URL", None)
    return env


@pytest.mark.parametrize("service", ["pypi", "osv"])
def test_unreachable_service_exits_2_with_one_line(tmp_path: Path, service: str) -> None:
    (tmp_path / "requirements.txt").write_text("jinja2==2.10\n", encoding="utf-8")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "auditor",
            "--project",
            str(tmp_path),
            "deps",
            "audit",
            "--service",
            service,
            "--timeout",
            "5",
        ],
        capture_output=True,
        text=True,
        env=_offline_env(tmp_path),
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("auditor: error: could not reach")
    assert "--advisory-db" in lines[0] and "Traceback" not in proc.stderr
    assert "INCOMPLETE" in proc.stdout  # the report is still written, naming the error


@pytest.mark.skipif(not SNAPSHOT.is_file(), reason="shared OSV snapshot not present")
def test_shared_snapshot_reports_known_pysec_advisories(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(
        "jinja2==2.10\nrequests==2.19.0\nurllib3==1.23\npyyaml==5.3\n", encoding="utf-8"
    )
    code, _output, report = run(
        "--project",
        str(tmp_path),
        "deps",
        "audit",
        "--advisory-db",
        str(SNAPSHOT),
        "--format",
        "json",
    )
    assert code == 1 and report is not None
    by_package: dict[str, set[str]] = {}
    for finding in report["findings"]:  # type: ignore[union-attr]
        evidence = finding["evidence"]
        if finding["rule_id"] == "DEP001":
            by_package.setdefault(evidence["package"], set()).add(evidence["id"])
    assert {"PYSEC-2019-217", "PYSEC-2021-66"} <= by_package["jinja2==2.10"]
    assert "PYSEC-2018-28" in by_package["requests==2.19.0"]
    assert {"PYSEC-2019-132", "PYSEC-2020-148"} <= by_package["urllib3==1.23"]
    assert {"PYSEC-2020-96", "PYSEC-2021-142"} <= by_package["pyyaml==5.3"]
    assert any(f["rule_id"] == "DEP004" for f in report["findings"])  # type: ignore[union-attr]


def test_audit_runs_the_dependencies_family(tmp_path: Path, fresh_db: str) -> None:
    config = _config(tmp_path, "")
    code, output, report = run(
        "--config",
        str(config),
        "--project",
        str(tmp_path),
        "audit",
        "--db",
        fresh_db,
        "--only",
        "dependencies",
        "--format",
        "json",
    )
    assert code == 1, output
    assert report is not None
    assert [f["name"] for f in report["families"]] == ["dependencies"]  # type: ignore[index,union-attr]
    rules = {f["rule_id"] for f in report["findings"]}  # type: ignore[union-attr]
    assert rules == {"DEP001", "DEP002"}
