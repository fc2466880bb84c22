"""Every standalone command is ``audit --only FAMILY``: the same severity overrides,
waivers (valid, expired, stale) and baseline, the same findings and exit code."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from auditor.cli import cli
from tests.paths import TEST_DATA

TODAY = dt.date.today()
LATER = (TODAY + dt.timedelta(days=30)).isoformat()
EARLIER = (TODAY - dt.timedelta(days=1)).isoformat()
SECRET_LINE = f'DATABASE_URL = "postgresql://app:{secrets.token_urlsafe(18)}@db.internal/app"'
"""A credential made at run time (a documented fake would be info only)."""


@dataclass(frozen=True)
class Command:
    """One standalone command and the ``audit --only`` run it must equal."""

    family: str
    standalone: tuple[str, ...]
    only: tuple[str, ...]
    make: Callable[[Path, str | None], None]
    """Writes the project (and sets up the database, given its DSN) so that the family
    finds at least one thing."""
    needs_db: bool = False


def _migration(root: Path, sql: str) -> None:
    folder = root / "migrations" / "2024-01-01-000001_first"
    folder.mkdir(parents=True)
    (folder / "up.sql").write_text(sql)
    (folder / "down.sql").write_text("DROP TABLE IF EXISTS t;\n")


def _lint_project(root: Path, dsn: str | None) -> None:
    _migration(
        root, "CREATE TABLE t (id int PRIMARY KEY);\nALTER TABLE t ADD COLUMN n int NOT NULL;\n"
    )


def _static_project(root: Path, dsn: str | None) -> None:
    _migration(root, "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n")


def _secrets_project(root: Path, dsn: str | None) -> None:
    (root / "settings.py").write_text(SECRET_LINE + "\n")


def _deps_project(root: Path, dsn: str | None) -> None:
    shutil.copytree(TEST_DATA / "deps" / "inputs" / "requirements", root, dirs_exist_ok=True)


def _live_project(root: Path, dsn: str | None) -> None:
    assert dsn is not None
    _migration(root, "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE users (id bigint PRIMARY KEY, email text)")
        conn.execute("CREATE TABLE made_by_hand (id int)")


COMMANDS = [
    Command("lint", ("migrations", "lint"), ("--only", "lint"), _lint_project),
    Command(
        "static",
        ("schema", "check", "--static"),
        ("--no-db", "--only", "static"),
        _static_project,
    ),
    Command(
        "secrets",
        ("secrets", "scan", "--no-cache"),
        ("--only", "secrets"),
        _secrets_project,
    ),
    Command("dependencies", ("deps", "audit"), ("--only", "dependencies"), _deps_project),
    Command(
        "schema",
        ("schema", "check", "--no-prove"),
        ("--only", "schema"),
        _live_project,
        needs_db=True,
    ),
    Command("hardening", ("hardening", "check"), ("--only", "hardening"), _live_project, True),
    Command("drift", ("schema", "drift"), ("--only", "drift"), _live_project, needs_db=True),
]


def _run(root: Path, dsn: str | None, *args: str) -> tuple[int, dict[str, object]]:
    db = ("--db", dsn) if dsn else ()
    result = CliRunner().invoke(
        cli,
        ["--project", str(root), *db, *args, "--format", "json", "--fail-on", "low"],
        catch_exceptions=False,
    )
    assert result.exit_code in (0, 1), result.output
    document: dict[str, object] = json.loads(result.stdout)
    return result.exit_code, document


def _findings(document: dict[str, object]) -> set[tuple[str, str, str, object]]:
    found = document["findings"]
    assert isinstance(found, list)
    return {(f["rule_id"], f["severity"], f["fingerprint"], f["baseline"]) for f in found}


def _waived(document: dict[str, object]) -> set[str]:
    waived = document["waived"]
    assert isinstance(waived, list)
    return {w["fingerprint"] for w in waived}


def _both(
    root: Path, dsn: str | None, command: Command, *extra: str
) -> tuple[tuple[int, dict[str, object]], tuple[int, dict[str, object]]]:
    """(standalone, ``audit --only``) with the same extra options."""
    return (
        _run(root, dsn, *command.standalone, *extra),
        _run(root, dsn, "audit", *command.only, *extra),
    )


def _family_finding(document: dict[str, object], family: str) -> dict[str, str]:
    found = document["findings"]
    assert isinstance(found, list)
    mine = [f for f in found if f["family"] == family]
    assert mine, f"the {family} fixture must produce a finding"
    first: dict[str, str] = mine[0]
    return first


def _config(root: Path, body: str) -> None:
    osv = (TEST_DATA / "deps" / "osv").as_posix()
    (root / "auditor.toml").write_text(
        f'[deps]\nadvisory-db = "{osv}"\nmax-db-age-days = 100000\n\n{body}'
    )


WITHOUT_DB = [c for c in COMMANDS if not c.needs_db]
WITH_DB = [c for c in COMMANDS if c.needs_db]


@pytest.mark.parametrize("command", WITHOUT_DB, ids=[c.family for c in WITHOUT_DB])
def test_standalone_command_without_database_applies_the_policy_of_audit_only(
    tmp_path: Path, command: Command
) -> None:
    _same_policy(tmp_path, command, None)


@pytest.mark.parametrize("command", WITH_DB, ids=[c.family for c in WITH_DB])
def test_standalone_command_on_a_database_applies_the_policy_of_audit_only(
    tmp_path: Path, command: Command, fresh_db: str
) -> None:
    _same_policy(tmp_path, command, fresh_db)


def _same_policy(tmp_path: Path, command: Command, database: str | None) -> None:
    root = tmp_path / "project"
    root.mkdir()
    command.make(root, database)
    _config(root, "")
    (code, plain), (audit_code, audited) = _both(root, database, command)
    assert code == audit_code == 1
    assert _findings(plain) == _findings(audited)
    finding = _family_finding(plain, command.family)
    rule, fingerprint = finding["rule_id"], finding["fingerprint"]

    # a severity override
    _config(root, f'[severity]\n{rule} = "info"\n')
    (_, plain), (_, audited) = _both(root, database, command)
    assert _findings(plain) == _findings(audited)
    assert (rule, "info", fingerprint, None) in _findings(plain)

    # a valid waiver for that finding, an expired one for the same rule, and a stale one
    _config(
        root,
        f'[[waivers]]\nrule = "{rule}"\nfingerprint = "{fingerprint}"\n'
        f'reason = "accepted"\nexpires = "{LATER}"\n\n'
        f'[[waivers]]\nrule = "{rule}"\nfingerprint = "{fingerprint}"\n'
        f'reason = "was accepted"\nexpires = "{EARLIER}"\n\n'
        f'[[waivers]]\nrule = "{rule}"\nfingerprint = "0000000000000000"\n'
        f'reason = "fixed long ago"\nexpires = "{LATER}"\n',
    )
    (_, plain), (_, audited) = _both(root, database, command)
    assert fingerprint in _waived(plain) and _waived(plain) == _waived(audited)
    assert _findings(plain) == _findings(audited)
    waiver_rules = {f[0] for f in _findings(plain) if f[0].startswith("WVR")}
    assert len(waiver_rules) == 2, waiver_rules  # expired and stale, each its own rule

    # a baseline: the same report as the base makes every finding existing
    _config(root, "")
    base = tmp_path / "base.json"
    base.write_text(json.dumps(_run(root, database, *command.standalone)[1]))
    flag = "--baseline-report" if command.family == "secrets" else "--baseline"
    code, plain = _run(root, database, *command.standalone, flag, str(base), "--fail-on-new")
    audit_code, audited = _run(
        root, database, "audit", *command.only, "--baseline", str(base), "--fail-on-new"
    )
    assert code == audit_code == 0
    assert _findings(plain) == _findings(audited)
    assert {f[3] for f in _findings(plain)} == {"existing"}
