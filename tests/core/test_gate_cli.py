"""``auditor audit`` exit codes through the gate: thresholds, waivers, baseline, errors."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from auditor.cli import cli

SECRET = "hunter2-Zx9Qw7Lp3Vb8Nm4K"


def make_project(tmp_path: Path, config: str = "", down: bool = False) -> Path:
    """A project with one migration (with or without down.sql) and an auditor.toml."""
    folder = tmp_path / "migrations" / "2024-01-01-000001_create_a"
    folder.mkdir(parents=True)
    (folder / "up.sql").write_text("CREATE TABLE a (id bigint PRIMARY KEY);\n")
    if down:
        (folder / "down.sql").write_text("DROP TABLE a;\n")
    (tmp_path / "auditor.toml").write_text(textwrap.dedent(config))
    return tmp_path


OWN_FAMILIES = ("--only", "migrations", "--only", "gates")
"""The families these tests exercise (other families land in other branches)."""


def audit(project: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    if not any(a in args for a in ("--only", "--profile", "--skip")):
        args = (*OWN_FAMILIES, *args)
    return CliRunner().invoke(
        cli, ["--project", str(project), "audit", *args], env=env, catch_exceptions=False
    )


def audit_json(project: Path, *args: str) -> tuple[int, dict[str, object]]:
    result = audit(project, "--format", "json", *args)
    return result.exit_code, json.loads(result.output)


def test_clean_project_exits_0(tmp_path: Path) -> None:
    project = make_project(tmp_path, down=True)
    result = audit(project)
    assert result.exit_code == 0, result.output
    assert "PASSED" in result.output


def test_finding_at_threshold_exits_1(tmp_path: Path) -> None:
    project = make_project(tmp_path)  # no down.sql: MIG004, medium
    result = audit(project, "--fail-on", "medium")
    assert result.exit_code == 1, result.output
    assert "MIG004" in result.output


def test_finding_below_threshold_exits_0_and_is_shown(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    result = audit(project, "--fail-on", "high")
    assert result.exit_code == 0, result.output
    assert "MIG004" in result.output


def test_fail_on_from_configuration(tmp_path: Path) -> None:
    project = make_project(tmp_path, 'fail-on = "medium"\n')
    assert audit(project).exit_code == 1


def test_waived_finding_exits_0_and_is_listed(tmp_path: Path) -> None:
    project = make_project(
        tmp_path,
        """
        fail-on = "medium"
        [[waivers]]
        rule = "MIG004"
        path = "migrations/2024-*"
        reason = "legacy migration, cannot be reverted"
        expires = 2999-12-31
        """,
    )
    code, report = audit_json(project)
    assert code == 0
    assert report["findings"] == []
    waived = report["waived"]
    assert isinstance(waived, list) and len(waived) == 1
    assert waived[0]["rule_id"] == "MIG004"
    assert waived[0]["waiver"] == {
        "reason": "legacy migration, cannot be reverted",
        "expires": "2999-12-31",
    }
    text = audit(project).output
    assert "WAIVED   MIG004" in text


def test_expired_waiver_stops_applying_and_is_reported(tmp_path: Path) -> None:
    project = make_project(
        tmp_path,
        """
        fail-on = "medium"
        [[waivers]]
        rule = "MIG004"
        reason = "was fine last year"
        expires = 2020-01-31
        """,
    )
    code, report = audit_json(project)
    assert code == 1
    rules = sorted(f["rule_id"] for f in report["findings"])  # type: ignore[index, union-attr]
    assert rules == ["MIG004", "WVR001"]
    assert report["waived"] == []
    wvr = next(f for f in report["findings"] if f["rule_id"] == "WVR001")  # type: ignore[union-attr, index]
    assert wvr["location"] == {"file": "auditor.toml", "line": 3, "object": "waiver:MIG004"}


def test_stale_waiver_is_reported(tmp_path: Path) -> None:
    project = make_project(
        tmp_path,
        """
        [[waivers]]
        rule = "MIG004"
        reason = "down.sql was missing"
        expires = 2999-01-01
        """,
        down=True,
    )
    code, report = audit_json(project)
    assert code == 0  # WVR002 is low: reported, below the default threshold
    assert [f["rule_id"] for f in report["findings"]] == ["WVR002"]  # type: ignore[union-attr, index]
    assert audit(project, "--fail-on", "low").exit_code == 1


def test_stale_waiver_not_judged_when_its_family_did_not_run(tmp_path: Path) -> None:
    project = make_project(
        tmp_path,
        """
        [[waivers]]
        rule = "MIG004"
        reason = "x"
        expires = 2999-01-01
        """,
        down=True,
    )
    _, report = audit_json(project, "--only", "gates")
    assert report["findings"] == []


def test_config_error_exits_2_naming_file_key_and_line(tmp_path: Path) -> None:
    project = make_project(tmp_path, 'fail-on = "high"\nfial-on = "low"\n')
    result = audit(project)
    assert result.exit_code == 2
    assert f"{project / 'auditor.toml'}:2: fial-on: unknown key" in result.output
    assert "Traceback" not in result.output


def test_waiver_without_reason_is_a_config_error(tmp_path: Path) -> None:
    project = make_project(tmp_path, '[[waivers]]\nrule = "MIG004"\nexpires = 2999-01-01\n')
    result = audit(project)
    assert result.exit_code == 2
    assert "auditor.toml:1: waivers[0].reason: required" in result.output


def test_family_error_exits_2(tmp_path: Path) -> None:
    project = make_project(
        tmp_path, '[gates]\nmissing = "definitely-not-a-command-auditor-9"\n', down=True
    )
    result = audit(project)
    assert result.exit_code == 2, result.output
    assert "INCOMPLETE" in result.output
    assert "gate missing could not start" in result.output


def test_broken_migrations_layout_is_a_family_error(tmp_path: Path) -> None:
    project = make_project(tmp_path, down=True)
    bad = project / "migrations" / "2024-01-01-000002_bad"
    bad.mkdir()
    (bad / "up.sql").write_bytes(b"\xff\xfe not utf-8")
    assert audit(project).exit_code == 2


def test_gate_timeout_is_an_error_not_a_pass(tmp_path: Path) -> None:
    project = make_project(
        tmp_path, '[gates]\nslow = { command = ["sleep", "30"], timeout = 0.5 }\n', down=True
    )
    result = audit(project)
    assert result.exit_code == 2
    assert "gate slow timed out" in result.output


def test_failing_gate_reports_redacted_tail(tmp_path: Path) -> None:
    project = make_project(
        tmp_path,
        f"""
        [gates]
        tests = {{ command = ["sh", "-c", "echo connecting with password={SECRET}; echo 2 failed; exit 1"], timeout = 20 }}
        ok = {{ command = ["true"] }}
        """,
        down=True,
    )
    code, report = audit_json(project)
    assert code == 1
    (finding,) = report["findings"]  # type: ignore[misc]
    assert finding["rule_id"] == "GATE001"
    assert finding["message"].endswith("2 failed")
    assert "password=***" in finding["evidence"]["output_tail"]
    text = audit(project, "--format", "text").output + json.dumps(report)
    assert SECRET not in text
    assert "gate ok passed" in json.dumps(report["verified"])


def test_gate_profiles_limit_where_it_runs(tmp_path: Path) -> None:
    project = make_project(
        tmp_path, '[gates]\nslowtests = { command = ["false"], profiles = ["ci"] }\n', down=True
    )
    assert audit(project, "--profile", "pre-push", "--only", "gates").exit_code == 0
    assert audit(project, "--profile", "ci", "--only", "gates").exit_code == 1


def test_severity_override_and_exclude(tmp_path: Path) -> None:
    project = make_project(tmp_path, '[severity]\nMIG004 = "critical"\n')
    code, report = audit_json(project)
    assert code == 1
    assert report["findings"][0]["severity"] == "critical"  # type: ignore[index]
    excluded = make_project(tmp_path / "x", 'exclude = ["migrations/**"]\nfail-on = "info"\n')
    code, report = audit_json(excluded)
    assert code == 0 and report["findings"] == []


def test_families_can_be_turned_off(tmp_path: Path) -> None:
    project = make_project(tmp_path, 'fail-on = "low"\n[families]\nmigrations = false\n')
    _, report = audit_json(project, "--profile", "pre-push")
    names = [f["name"] for f in report["families"]]  # type: ignore[union-attr, index]
    assert "migrations" not in names and "gates" in names


def test_baseline_marks_new_and_existing_and_fail_on_new(tmp_path: Path) -> None:
    project = make_project(tmp_path, 'fail-on = "medium"\n')
    base = tmp_path / "base.json"
    assert audit(project, "--format", "json", "--output", str(base)).exit_code == 1
    # the base branch's finding stays; a new migration without down.sql appears
    newer = project / "migrations" / "2024-01-02-000001_create_b"
    newer.mkdir()
    (newer / "up.sql").write_text("CREATE TABLE b (id bigint);\n")
    code, report = audit_json(project, "--baseline", str(base))
    assert code == 1
    status = {f["location"]["file"]: f["baseline"] for f in report["findings"]}  # type: ignore[union-attr, index]
    assert status == {
        "migrations/2024-01-01-000001_create_a/down.sql": "existing",
        "migrations/2024-01-02-000001_create_b/down.sql": "new",
    }
    assert audit(project, "--baseline", str(base), "--fail-on-new").exit_code == 1
    (newer / "down.sql").write_text("DROP TABLE b;\n")
    code, report = audit_json(project, "--baseline", str(base), "--fail-on-new")
    assert code == 0, report  # only an existing finding remains
    assert report["fail_on_new"] is True
    assert len(report["findings"]) == 1  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "baseline is not a JSON report"),
        ('{"findings": []}', "no schema_version"),
        ('{"schema_version": 99, "findings": []}', "schema_version 99 is not supported"),
    ],
)
def test_bad_baseline_exits_2(tmp_path: Path, content: str, message: str) -> None:
    project = make_project(tmp_path, down=True)
    base = tmp_path / "base.json"
    base.write_text(content)
    result = audit(project, "--baseline", str(base))
    assert result.exit_code == 2
    assert message in result.output


def test_fail_on_new_needs_a_baseline(tmp_path: Path) -> None:
    result = audit(make_project(tmp_path, down=True), "--fail-on-new")
    assert result.exit_code == 2
    assert "--fail-on-new needs --baseline" in result.output


BOGUS_DSN = "postgresql://auditor:topsecret@127.0.0.1:1/nowhere"


def test_pre_push_profile_never_contacts_a_database(tmp_path: Path) -> None:
    project = make_project(tmp_path, down=True)
    # the same DSN is used (and fails) when the profile allows a database ...
    full = audit(project, "--only", "migrations", env={"DATABASE_URL": BOGUS_DSN})
    assert full.exit_code == 2
    assert "cannot connect" in full.output and "topsecret" not in full.output
    # ... and never touched by the pre-push profile
    result = audit(project, "--profile", "pre-push", *OWN_FAMILIES, env={"DATABASE_URL": BOGUS_DSN})
    assert result.exit_code == 0, result.output
    assert "database: none" in result.output
    assert "uses no database" in result.output
    # every family of the profile (other families land in other branches: their
    # findings may fail the run, but nothing may try the database)
    everything = audit(project, "--profile", "pre-push", env={"DATABASE_URL": BOGUS_DSN})
    assert everything.exit_code in (0, 1), everything.output
    assert "cannot connect" not in everything.output


def test_no_family_needs_a_database_so_none_is_started(tmp_path: Path) -> None:
    result = audit(make_project(tmp_path, down=True), "--format", "json", *OWN_FAMILIES)
    assert json.loads(result.output)["target"] is None


def test_unknown_family_exits_2(tmp_path: Path) -> None:
    result = audit(make_project(tmp_path, down=True), "--only", "nope")
    assert result.exit_code == 2
    assert "unknown family 'nope'" in result.output


@pytest.mark.parametrize(
    "command",
    [
        ["audit"],
        ["init"],
        ["hook"],
        ["hook", "install"],
        ["hook", "uninstall"],
        ["hook", "run"],
    ],
)
def test_commands_have_help_with_an_example(command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output


def test_waiver_and_gate_rules_are_explained() -> None:
    for rule_id in ("WVR001", "WVR002", "GATE001"):
        result = CliRunner().invoke(cli, ["explain", rule_id])
        assert result.exit_code == 0 and "Bad:" in result.output


def test_explicit_database_is_used_read_only_even_when_no_family_needs_it(
    tmp_path: Path, fresh_db: str
) -> None:
    project = make_project(tmp_path, down=True)
    code, report = audit_json(project, "--db", fresh_db, "--only", "migrations")
    assert code == 1  # the migration is not applied on that database: MIG001, high
    assert [f["rule_id"] for f in report["findings"]] == ["MIG001"]  # type: ignore[union-attr, index]
    assert report["target"] and "read-only" in " ".join(report["notices"])  # type: ignore[arg-type]
