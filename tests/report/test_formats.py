"""JSON, SARIF, JUnit and terminal renderers, golden files, the schema diagram, step summary."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest

from auditor.core.findings import FamilyResult, Location, Report, Severity, Skipped
from auditor.report import RenderOptions, render, sarif
from auditor.report.diagram import schema_diagram
from auditor.report.json_report import SCHEMA_VERSION
from auditor.report.markdown import render_markdown
from auditor.report.step_summary import MAX_BYTES, append_step_summary
from auditor.report.text import use_color
from tests.paths import REPO_ROOT, TEST_DATA
from tests.report_samples import big_report, catalog, finding, metadata, sample_report

DATA = TEST_DATA / "report"
SARIF_SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
UPDATE = bool(os.environ.get("AUDITOR_UPDATE_GOLDEN"))
STAND_IN = "auditor.toml"
GOLDEN = {
    "md": "golden.md",
    "json": "golden.json",
    "sarif": "golden.sarif",
    "junit": "golden.xml",
    "text": "golden.txt",
}


def rendered(fmt: str) -> str:
    report = sample_report()
    if fmt == "md":
        return render_markdown(report, env={})
    return render(report, fmt, options=RenderOptions(stand_in=STAND_IN))


@pytest.mark.parametrize("fmt", sorted(GOLDEN))
def test_golden(fmt: str) -> None:
    """Each format of the fixed report matches its reviewed golden file.

    Regenerate after an intended change: ``AUDITOR_UPDATE_GOLDEN=1 pytest tests/report/test_formats.py``.
    """
    text = rendered(fmt)
    path = DATA / GOLDEN[fmt]
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")
    assert "/work/" not in text and "/tmp/" not in text


def test_all_formats_agree_on_the_counts() -> None:
    report = sample_report()
    data = json.loads(render(report, "json"))
    log = json.loads(render(report, "sarif"))
    root = ET.fromstring(render(report, "junit"))
    assert len(data["findings"]) == len(report.findings) == 5
    assert sum(len(run["results"]) for run in log["runs"]) == 5
    assert len(root.findall("testsuite")) == len(data["families"]) == len(log["runs"]) == 4
    assert data["verdict"] == "incomplete"
    assert render(report, "md").count("`TSC001`") >= 1


REPORT_SCHEMA = json.loads((REPO_ROOT / "docs" / "report-json.schema.json").read_text())


def test_json_matches_its_documented_schema() -> None:
    validator = jsonschema.Draft7Validator(REPORT_SCHEMA)
    validator.validate(json.loads(render(sample_report(), "json")))
    validator.validate(json.loads(render(big_report(300), "json")))
    broken = json.loads(render(sample_report(), "json"))
    broken["findings"][0]["severity"] = "severe"
    assert not validator.is_valid(broken)


def test_json_is_versioned_and_complete() -> None:
    data = json.loads(render(sample_report(), "json"))
    assert data["schema_version"] == SCHEMA_VERSION
    first = data["findings"][0]
    assert set(first) >= {"rule_id", "severity", "location", "fingerprint", "message", "fix"}
    assert [f["severity"] for f in data["findings"]] == [
        "critical",
        "high",
        "medium",
        "low",
        "info",
    ]
    assert data["waived"][0]["waiver"] == {
        "reason": "test fixture, not a real key",
        "expires": "2027-01-31",
    }
    assert data["findings"][1]["baseline"] == "new"


def test_sarif_validates_against_the_schema() -> None:
    log = json.loads(render(sample_report(), "sarif"))
    jsonschema.Draft7Validator(SARIF_SCHEMA).validate(log)
    assert log["version"] == "2.1.0"
    ids = [run["automationDetails"]["id"] for run in log["runs"]]
    assert ids == [
        "auditor/schema/",
        "auditor/migrations/",
        "auditor/secrets/",
        "auditor/hardening/",
    ]
    for run in log["runs"]:
        rules = run["tool"]["driver"]["rules"]
        for rule in rules:
            assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
            assert rule["help"]["markdown"]
            assert float(rule["properties"]["security-severity"]) >= 0
        for result in run["results"]:
            assert result["partialFingerprints"]["primaryLocationLineHash"]
            assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    hardening = log["runs"][3]
    assert hardening["invocations"][0]["executionSuccessful"] is False


def test_sarif_locates_database_objects_at_their_migration() -> None:
    log = json.loads(render(sample_report(), "sarif"))
    schema_results = log["runs"][0]["results"]
    located = schema_results[0]["locations"][0]
    assert located["physicalLocation"]["artifactLocation"]["uri"] == (
        "migrations/2024-01-01-000001_users/up.sql"
    )
    assert located["physicalLocation"]["region"]["startLine"] == 3
    assert located["logicalLocations"][0]["fullyQualifiedName"] == "public.users.username"
    # an object-only finding is placed at the migration that created the object ...
    from_origin = schema_results[1]["locations"][0]
    assert from_origin["physicalLocation"]["artifactLocation"]["uri"] == (
        "migrations/2024-01-01-000003_carts/up.sql"
    )
    assert from_origin["physicalLocation"]["region"]["startLine"] == 3
    assert from_origin["logicalLocations"][0]["fullyQualifiedName"] == "public.carts.user_id"
    # ... and at the stand-in file, line 1, when its origin is unknown (GitHub needs a file)
    object_only = schema_results[2]["locations"][0]
    assert object_only["physicalLocation"]["artifactLocation"]["uri"] == "pyproject.toml"
    assert object_only["physicalLocation"]["region"]["startLine"] == 1
    assert object_only["logicalLocations"][0]["fullyQualifiedName"] == "public.carts"
    assert schema_results[2]["properties"]["standInLocation"] is True
    assert "standInLocation" not in schema_results[0]["properties"]


def test_sarif_absolute_paths_are_file_uris() -> None:
    fam = FamilyResult(
        "migrations",
        "Migrations",
        findings=(
            finding(
                "TMG001", Severity.LOW, "migrations", "m", Location(file="/srv/m up.sql", line=2)
            ),
        ),
    )
    log = json.loads(render(Report(metadata(), (fam,)), "sarif"))
    jsonschema.Draft7Validator(SARIF_SCHEMA).validate(log)
    artifact = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": "file:///srv/m%20up.sql"}


def test_sarif_help_comes_from_the_rule_documentation() -> None:
    fam = FamilyResult(
        "migrations",
        "Migrations",
        findings=(
            finding("MIG001", Severity.HIGH, "migrations", "pending", Location(file="m/up.sql")),
        ),
    )
    log = json.loads(render(Report(metadata(), (fam,)), "sarif"))
    jsonschema.Draft7Validator(SARIF_SCHEMA).validate(log)
    rule = log["runs"][0]["tool"]["driver"]["rules"][0]
    assert "Bad:" in rule["help"]["markdown"] and "Good:" in rule["help"]["markdown"]
    assert rule["properties"]["security-severity"] == "8.0"


def test_sarif_caps_results_per_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sarif, "MAX_RESULTS", 50)
    log = json.loads(render(big_report(300), "sarif"))
    jsonschema.Draft7Validator(SARIF_SCHEMA).validate(log)
    for run in log["runs"]:
        assert len(run["results"]) == 50
        assert run["results"][0]["level"] == "error"  # most severe kept
        notes = run["invocations"][0]["toolExecutionNotifications"]
        assert any("not included" in n["message"]["text"] for n in notes)


def test_junit_suites_and_cases() -> None:
    root = ET.fromstring(render(sample_report(), "junit"))
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == ["schema", "migrations", "secrets", "hardening"]
    schema = suites["schema"]
    assert len(schema.findall("testcase")) == int(schema.get("tests", "")) == 4
    failed = [c.get("name") for c in schema.findall("testcase") if c.find("failure") is not None]
    assert failed == ["TSC001", "TSC002"]
    failure = schema.find("testcase/failure")
    assert failure is not None and "no length check" in (failure.text or "")
    assert suites["migrations"].get("skipped") == "1"
    assert suites["migrations"].get("tests") == "3"
    assert suites["hardening"].get("errors") == "1"
    assert root.get("failures") == "2"


def test_junit_marks_rules_named_by_a_skipped_item() -> None:
    fam = FamilyResult(
        "migrations",
        "Migrations",
        skipped=(Skipped("migrations", "applied state (TMG001-TMG003)", "no database audited"),),
        rules=("TMG001", "TMG002", "TMG003", "TMG004"),
    )
    root = ET.fromstring(render(Report(metadata(), (fam,)), "junit"))
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("tests") == "4" and suite.get("skipped") == "3"
    skipped = [c.get("name") for c in suite.findall("testcase") if c.find("skipped") is not None]
    assert skipped == ["TMG001", "TMG002", "TMG003"]


def test_junit_survives_control_characters() -> None:
    fam = FamilyResult(
        "secrets",
        "Secrets",
        findings=(
            finding("TSE001", Severity.HIGH, "secrets", "bad \x00\x1b byte", Location(file="x")),
        ),
        rules=("TSE001",),
    )
    ET.fromstring(render(Report(metadata(), (fam,)), "junit"))


def test_text_colour_only_when_asked() -> None:
    report = sample_report()
    assert "\x1b[" not in render(report, "text")
    assert "\x1b[" in render(report, "text", color=True)


class FakeTty:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_use_color_honours_no_color_and_non_tty() -> None:
    assert use_color(FakeTty(True), env={}) is True  # type: ignore[arg-type]
    assert use_color(FakeTty(True), env={"NO_COLOR": "1"}) is False  # type: ignore[arg-type]
    assert use_color(FakeTty(False), env={}) is False  # type: ignore[arg-type]


def test_schema_diagram_from_a_catalog_model() -> None:
    diagram = schema_diagram(catalog())
    assert [t.name for t in diagram.tables] == ["public.carts", "public.users"]
    users = diagram.tables[1]
    flags = {c.name: (c.primary_key, c.unique, c.foreign_key) for c in users.columns}
    assert flags == {
        "id": (True, False, False),
        "email": (False, True, False),
        "username": (False, False, False),
    }
    assert diagram.origin_of("public.carts.user_id") == (
        "migrations/2024-01-01-000003_carts/up.sql",
        3,
    )
    assert diagram.origin_of("public.users.email") is None
    (rel,) = diagram.relations
    assert (rel.child, rel.parent, rel.columns, rel.optional) == (
        "public.carts",
        "public.users",
        ("user_id",),
        True,
    )


def test_step_summary_appends_within_the_cap(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    assert append_step_summary("# one\n", env={}) is None
    append_step_summary("# one\n", env={"GITHUB_STEP_SUMMARY": str(summary)})
    append_step_summary("# two", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert summary.read_text() == "# one\n# two\n"
    summary.write_text("x" * (MAX_BYTES - 100))
    append_step_summary("y" * 1000, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert summary.stat().st_size <= MAX_BYTES
    assert "y" * 1000 not in summary.read_text()


def test_waived_and_skipped_have_their_own_sections() -> None:
    report = replace(sample_report())
    text = render_markdown(report, env={})
    waived = text.split("### Waived", 1)[1]
    assert "AWS access key" in waived and "2027-01-31" in waived
    assert "AWS access key" not in text.split("### Waived", 1)[0]


@pytest.mark.parametrize("depth", [0, 1, 2, 5])
def test_jsonfmt_round_trips(depth: int) -> None:
    from auditor.report.jsonfmt import dumps

    value = {"a": [1, 2.5, 'é"\n', None, True, {"b": [], "c": {}}], "d": {"e": "<x|y>"}, "f": []}
    assert json.loads(dumps(value, depth)) == value
