"""The control mapping: one table, every hardening rule names its CIS control(s), and
findings carry their references into explain, JSON, SARIF and markdown."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from auditor.cli import cli
from auditor.core.findings import (
    FamilyResult,
    Finding,
    Hit,
    Location,
    Report,
    Severity,
    Skipped,
    Verified,
)
from auditor.core.references import FAMILIES, RULES, cis_controls, references_of
from auditor.core.rules import all_rules
from auditor.families.hardening.cis import CONTROLS, OS, control_statuses
from auditor.report.json_report import render_json
from auditor.report.sarif import render_sarif
from tests.report_samples import metadata

REFERENCE = re.compile(r"^(CIS \d+(\.\d+)*|CWE-\d+|ASVS \d+\.\d+\.\d+)$")
NO_CONTROL = {"lint", "reversibility", "static", "gates", "waivers"}
"""Families whose rules (beyond those RULES names) are about safety, not a security control."""


def test_every_reference_is_well_formed_and_names_a_rule() -> None:
    ids = {r.id for r in all_rules()}
    assert set(RULES) <= ids
    for refs in (*RULES.values(), *FAMILIES.values()):
        for ref in refs:
            assert REFERENCE.match(ref), ref


def test_every_rule_has_references_or_its_family_has_none_that_fits() -> None:
    for item in all_rules():
        if item.family in NO_CONTROL and item.id not in RULES:
            continue
        assert references_of(item.id, item.family), item.id


def test_every_hardening_rule_evidences_a_known_cis_control() -> None:
    known = {c.id for c in CONTROLS}
    for item in all_rules():
        if item.family == "hardening":
            controls = cis_controls(references_of(item.id, item.family))
            assert set(controls) <= known, item.id
            if item.id not in ("HRD003", "HRD004", "HRD007"):  # no CIS control asks for them
                assert controls, item.id


def sample_report() -> Report:
    hit = Hit("superuser postgres may connect remotely", Location(object="pg_hba.conf:3"))
    finding = Finding.from_hit("HRD037", Severity.HIGH, "hardening", hit)
    verified = tuple(
        Verified("hardening", f"{rid} title", f"evidence of {rid}")
        for rid in ("HRD020", "HRD022", "HRD023", "HRD032")
    )
    skipped = (
        Skipped(
            "hardening",
            "HRD038 title: setting:shared_preload_libraries",
            "needs pg_read_all_settings",
        ),
    )
    result = FamilyResult(
        "hardening", "Server hardening", findings=(finding,), verified=verified, skipped=skipped
    )
    return Report(metadata(), families=(result,))


def test_findings_carry_references_into_json_and_sarif() -> None:
    report = sample_report()
    assert report.families[0].findings[0].references == ("CIS 5.8", "CWE-250")
    [finding] = json.loads(render_json(report))["findings"]
    assert finding["references"] == ["CIS 5.8", "CWE-250"]
    sarif = json.loads(render_sarif(report))
    run = sarif["runs"][0]
    assert "CIS 5.8" in run["tool"]["driver"]["rules"][0]["properties"]["tags"]
    assert run["results"][0]["properties"]["references"] == ["CIS 5.8", "CWE-250"]


def test_explain_shows_references() -> None:
    result = CliRunner().invoke(cli, ["explain", "HRD037"])
    assert result.exit_code == 0
    assert "references: CIS 5.8, CWE-250" in result.output
    assert "CIS PostgreSQL 16 Benchmark" in result.output


def test_status_per_control() -> None:
    statuses = {s.control.id: s for s in control_statuses(sample_report())}
    assert [c.id for c in CONTROLS] == list(statuses)
    assert statuses["5.8"].status == "failed" and statuses["5.8"].findings
    assert statuses["1.3.3"].status == "passed"
    assert "evidence of HRD020" in statuses["1.3.3"].why
    assert statuses["3.2"].status == "passed"
    assert statuses["5.3"].status == "not checked"
    assert "needs pg_read_all_settings" in statuses["5.3"].why
    assert statuses["3.1.10"].status == "not checked"  # syslog: no rule yet
    assert statuses["2.2"].status == "not checkable from SQL"
    assert statuses["3.1.2"].status == "passed"  # HRD022 is its only rule
    assert statuses["3.1.14"].why.endswith("not run (not selected)")
    os_controls = [c for c in CONTROLS if c.checkable == OS]
    assert all(statuses[c.id].status == "not checkable from SQL" for c in os_controls)


def test_a_setting_finding_names_only_its_control() -> None:
    assert references_of("HRD022", "hardening", "setting:logging_collector") == (
        "CIS 3.1.3",
        "CWE-778",
        "ASVS 7.1.3",
    )
    assert cis_controls(references_of("HRD022", "hardening")) == ("3.1.2", "3.1.3")
    assert references_of("HRD020", "hardening", "setting:data_checksums") == RULES["HRD020"]
