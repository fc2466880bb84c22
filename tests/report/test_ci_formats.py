"""The CI-facing formats, checked against what GitHub, reviewdog and GitLab accept."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.core.findings import AuditError, FamilyResult, Location, Report, Severity
from auditor.report import RenderOptions, render
from auditor.report.github import escape_data, escape_property
from auditor.report.placement import stand_in_file
from tests.paths import TEST_DATA
from tests.report.ci_checks import (
    CODEQUALITY_SCHEMA,
    RDJSON_SCHEMA,
    github_sarif_problems,
    gitlab_schema,
    parse_workflow_commands,
)
from tests.report_samples import big_report, finding, sample_report

SARIF_SCHEMA = json.loads((TEST_DATA / "report" / "sarif-schema-2.1.0.json").read_text())
OPTIONS = RenderOptions(stand_in="auditor.toml")


def ci_report() -> Report:
    """The sample report plus server-level and dependency findings (no file of their own)."""
    base = sample_report()
    hardening = FamilyResult(
        "hardening",
        "Server hardening",
        findings=(
            finding(
                "HRD001", Severity.HIGH, "hardening", "ssl is off", Location(object="setting:ssl")
            ),
            finding(
                "HRD002",
                Severity.MEDIUM,
                "hardening",
                "role app is superuser",
                Location(object="role:app"),
            ),
        ),
    )
    dep = replace(
        finding(
            "DEP001",
            Severity.CRITICAL,
            "dependencies",
            "jinja2==2.10 has GHSA-462w-v97r-4m45 (CVE-2019-10906)",
            Location(file="requirements.txt", line=4),
            fix="upgrade jinja2 to 2.10.1 or later",
        ),
        evidence=(
            ("id", "GHSA-462w-v97r-4m45"),
            ("aliases", "CVE-2019-10906"),
            ("package", "jinja2==2.10"),
        ),
    )
    deps = FamilyResult("dependencies", "Dependencies", findings=(dep,))
    families = tuple(f for f in base.families if f.family != "hardening")
    return Report(base.metadata, (*families, hardening, deps), base.waived)


def test_sarif_every_result_has_a_physical_location_and_meets_github_limits() -> None:
    report = ci_report()
    log = json.loads(render(report, "sarif", options=OPTIONS))
    jsonschema.Draft7Validator(SARIF_SCHEMA).validate(log)
    assert github_sarif_problems(log) == []
    results = [r for run in log["runs"] for r in run["results"]]
    assert len(results) == len(report.findings)
    ssl = next(r for r in results if r["ruleId"] == "HRD001")
    loc = ssl["locations"][0]
    assert loc["physicalLocation"]["artifactLocation"]["uri"] == "auditor.toml"
    assert loc["logicalLocations"][0]["fullyQualifiedName"] == "setting:ssl"
    big = json.loads(render(big_report(3000), "sarif"))
    assert github_sarif_problems(big) == []


def test_the_github_check_catches_what_github_rejects() -> None:
    """The limits check can fail: each broken copy is reported."""
    log = json.loads(render(ci_report(), "sarif", options=OPTIONS))
    no_file = json.loads(json.dumps(log))
    del no_file["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert any("no physical location" in p for p in github_sarif_problems(no_file))
    score = json.loads(json.dumps(log))
    score["runs"][0]["tool"]["driver"]["rules"][0]["properties"]["security-severity"] = "high"
    assert any("security-severity" in p for p in github_sarif_problems(score))
    twice = json.loads(json.dumps(log))
    twice["runs"].append(twice["runs"][0])
    assert any("category" in p for p in github_sarif_problems(twice))
    many = json.loads(json.dumps(log))
    many["runs"] = [dict(many["runs"][0], automationDetails={"id": f"a/{i}/"}) for i in range(21)]
    assert any("runs over" in p for p in github_sarif_problems(many))


def test_stand_in_prefers_the_workflow_then_the_config_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ref = {"GITHUB_WORKFLOW_REF": "octo/app/.github/workflows/audit.yml@refs/pull/7/merge"}
    assert stand_in_file(tmp_path, ref) == ".github/workflows/audit.yml"
    assert stand_in_file(tmp_path, {}) == "auditor.toml"
    (tmp_path / "pyproject.toml").write_text("")
    assert stand_in_file(tmp_path, {}) == "pyproject.toml"
    (tmp_path / "auditor.toml").write_text("")
    assert stand_in_file(tmp_path, {"GITHUB_WORKFLOW_REF": "garbage"}) == "auditor.toml"


def test_github_annotations_one_per_finding_with_file_and_line() -> None:
    report = ci_report()
    commands = parse_workflow_commands(render(report, "github", options=OPTIONS))
    located = [c for c in commands if "file" in c["properties"]]
    assert len(located) == len(report.findings)
    for command, f in zip(located, report.findings, strict=True):
        assert int(command["properties"]["line"]) >= 1
        assert command["properties"]["title"].startswith(f.rule_id)
        assert command["message"].startswith(f.message)
    levels = {c["properties"]["title"].split()[0]: c["command"] for c in located}
    assert levels["DEP001"] == "error" and levels["HRD002"] == "warning"
    assert levels["TSE001"] == "notice"
    hostile = next(c for c in located if c["properties"]["title"].startswith("TMG001"))
    assert hostile["properties"]["file"].startswith("a|b`<img")
    assert "\nFix: " in hostile["message"]
    errors = [c for c in commands if "file" not in c["properties"]]
    assert [c["command"] for c in errors] == ["error"] * len(report.errors)


@pytest.mark.parametrize("text", ["a,b:c", "100% done\nnext\r", "::error::x", "%0A literal"])
def test_workflow_command_escapes_round_trip(text: str) -> None:
    line = (
        f"::warning file={escape_property(text)},title={escape_property(text)}::{escape_data(text)}"
    )
    assert "\n" not in line and "\r" not in line
    (parsed,) = parse_workflow_commands(line)
    assert parsed["properties"] == {"file": text, "title": text}
    assert parsed["message"] == text


def test_rdjson_matches_reviewdogs_format() -> None:
    report = ci_report()
    data = json.loads(render(report, "rdjson", options=OPTIONS))
    jsonschema.Draft7Validator(RDJSON_SCHEMA).validate(data)
    assert len(data["diagnostics"]) == len(report.findings)
    assert {d["code"]["value"] for d in data["diagnostics"]} == {f.rule_id for f in report.findings}
    broken = dict(data, diagnostics=[{"message": "x", "location": {"path": "a"}}])
    assert not jsonschema.Draft7Validator(RDJSON_SCHEMA).is_valid(broken)


def test_codequality_matches_gitlabs_format_with_unique_fingerprints() -> None:
    report = ci_report()
    issues = json.loads(render(report, "codequality", options=OPTIONS))
    jsonschema.Draft7Validator(CODEQUALITY_SCHEMA).validate(issues)
    assert len(issues) == len(report.findings)
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    again = json.loads(render(report, "codequality", options=OPTIONS))
    assert [i["fingerprint"] for i in again] == [i["fingerprint"] for i in issues]
    severities = {i["check_name"]: i["severity"] for i in issues}
    assert severities["DEP001"] == "blocker" and severities["TSE001"] == "info"


@pytest.mark.parametrize(
    ("fmt", "report_type", "families"),
    [
        ("gitlab-sast", "sast", {"schema", "migrations", "hardening"}),
        ("gitlab-secrets", "secret_detection", {"secrets"}),
        ("gitlab-deps", "dependency_scanning", {"dependencies"}),
    ],
)
def test_gitlab_security_reports_match_the_documented_schema(
    fmt: str, report_type: str, families: set[str]
) -> None:
    report = ci_report()
    data = json.loads(render(report, fmt, options=OPTIONS))
    schema = gitlab_schema(report_type)
    jsonschema.Draft7Validator(schema).validate(data)
    expected = [f for f in report.findings if f.family in families]
    assert len(data["vulnerabilities"]) == len(expected) >= 1
    assert [v["identifiers"][0]["value"] for v in data["vulnerabilities"]] == [
        f.rule_id for f in expected
    ]
    ids = [v["id"] for v in data["vulnerabilities"]]
    assert len(set(ids)) == len(ids)
    assert ids == [
        v["id"] for v in json.loads(render(report, fmt, options=OPTIONS))["vulnerabilities"]
    ]
    broken = json.loads(json.dumps(data))
    del broken["vulnerabilities"][0]["location"]["file"]
    assert not jsonschema.Draft7Validator(schema).is_valid(broken)


def test_gitlab_deps_names_the_package_and_its_advisories() -> None:
    data = json.loads(render(ci_report(), "gitlab-deps", options=OPTIONS))
    (vuln,) = data["vulnerabilities"]
    assert vuln["location"] == {
        "file": "requirements.txt",
        "dependency": {"package": {"name": "jinja2"}, "version": "2.10"},
    }
    assert [i["value"] for i in vuln["identifiers"]] == [
        "DEP001",
        "GHSA-462w-v97r-4m45",
        "CVE-2019-10906",
    ]
    assert data["scan"]["status"] == "success"


def test_gitlab_scan_fails_when_its_family_could_not_complete() -> None:
    sast = json.loads(render(ci_report(), "gitlab-sast", options=OPTIONS))
    assert sast["scan"]["status"] == "success"  # the hardening error went with the old family
    base = ci_report()
    broken = replace(base.families[-2], errors=(AuditError("hardening", "permission denied"),))
    report = Report(base.metadata, (*base.families[:-2], broken, base.families[-1]))
    sast = json.loads(render(report, "gitlab-sast", options=OPTIONS))
    assert sast["scan"]["status"] == "failure"
    assert "permission denied" in sast["scan"]["messages"][0]["value"]
    secrets = json.loads(render(report, "gitlab-secrets", options=OPTIONS))
    assert secrets["scan"]["status"] == "success"


def test_live_hardening_audit_sarif_is_accepted_by_github(
    fresh_db: str, reference_migrations: Path, tmp_path: Path
) -> None:
    """The reference project on a real server: server-level findings get a file too."""
    out = tmp_path / "auditor.sarif"
    args = ["--db", fresh_db, "--migrations", str(reference_migrations), "--project", str(tmp_path)]
    args += ["audit", "--only", "hardening", "--format", f"sarif={out}"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code in (0, 1), result.output
    log = json.loads(out.read_text())
    jsonschema.Draft7Validator(SARIF_SCHEMA).validate(log)
    results = [r for run in log["runs"] for r in run["results"]]
    assert results, "a test server as superuser has hardening findings"
    assert github_sarif_problems(log) == []
    assert all(r["properties"].get("standInLocation") for r in results)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert uris <= {"auditor.toml", ".github/workflows/auditor.yml"}
