"""The README's minimal auditing role, created from its SQL verbatim, runs ``auditor --db
... audit`` to completion: every family that reads the database runs, and the one that
needs to write (reversibility: a scratch database) is skipped with the privilege named."""

from __future__ import annotations

import json
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from psycopg import sql
from psycopg.conninfo import make_conninfo

from auditor.cli import cli
from auditor.migrate.layouts import load_migrations
from auditor.migrate.runner import Runner
from auditor.migrate.state import BOOKKEEPING_TABLES
from tests.paths import REPO_ROOT
from tests.pg import PgServer

README = REPO_ROOT / "README.md"
DATABASE_FAMILIES = ("schema", "drift", "migrations", "hardening", "reversibility")


def readme_block(marker: str, role: str) -> str:
    """The README's ```sql block after ``<!-- marker ...-->``, for role ``role``."""
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"<!-- {marker}\b.*?-->\s*```sql\n(.*?)```", text, re.DOTALL)
    assert match, f"README has no {marker} block"
    return re.sub(r"\bauditor\b", role, match.group(1))


@pytest.fixture
def project(tmp_path: Path, reference_migrations: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(reference_migrations, tmp_path / "migrations")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def role(pg_server: PgServer, fresh_db: str) -> Iterator[str]:
    """A unique role name; the role and its grants in ``fresh_db`` are dropped afterwards."""
    name = f"mig_aud_{uuid.uuid4().hex[:10]}"
    try:
        yield name
    finally:
        with psycopg.connect(fresh_db, autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone():
                conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
        with psycopg.connect(pg_server.admin_dsn, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


def _create_role(dsn: str, role: str, *, bookkeeping: bool) -> None:
    """Run the README's blocks as a superuser in the audited database (after migrating)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(readme_block("minimal-auditing-role", role).encode())
        if bookkeeping:
            conn.execute(readme_block("auditing-role-bookkeeping", role).encode())


Entries = dict[str, list[dict[str, str]]]


def _audit(project: Path, dsn: str) -> tuple[int, set[str], dict[str, Entries]]:
    """Exit code, families run, and the report's errors/skipped/verified by family."""
    args = ["--db", dsn, "--migrations", str(project / "migrations"), "audit"]
    args += [arg for family in DATABASE_FAMILIES for arg in ("--only", family)]
    result = CliRunner().invoke(cli, [*args, "--format", "json=report.json"])
    report = json.loads((project / "report.json").read_text(encoding="utf-8"))
    by_family: dict[str, Entries] = {}
    for kind in ("errors", "skipped", "verified"):
        for entry in report[kind]:
            by_family.setdefault(kind, {}).setdefault(entry["family"], []).append(entry)
    return result.exit_code, {f["name"] for f in report["families"]}, by_family


def _audit_as_role(
    project: Path, dsn: str, role: str, migrations: Path, *, bookkeeping: bool
) -> tuple[int, set[str], dict[str, Entries]]:
    """Migrate ``dsn`` as a superuser, create the README's role there, audit as that role."""
    Runner(dsn, load_migrations(migrations)).migrate()
    _create_role(dsn, role, bookkeeping=bookkeeping)
    return _audit(project, make_conninfo(dsn, user=role))


def test_readme_grants_name_every_bookkeeping_table() -> None:
    block = readme_block("auditing-role-bookkeeping", "auditor")
    assert set(re.findall(r"'(\w+)'", block)) == BOOKKEEPING_TABLES


def test_minimal_role_audits_to_completion(
    project: Path, fresh_db: str, role: str, reference_migrations: Path
) -> None:
    code, families, entries = _audit_as_role(
        project, fresh_db, role, reference_migrations, bookkeeping=True
    )
    assert entries.get("errors", {}) == {}
    assert code in (0, 1)
    assert families == set(DATABASE_FAMILIES)
    verified = entries["verified"]
    assert verified["migrations"], "the applied state was not read"
    assert verified["drift"], "the drift check did not run"
    (skip,) = entries["skipped"]["reversibility"]
    assert "needs CREATEDB" in skip["reason"]


def test_without_the_bookkeeping_grants_the_privilege_is_named(
    project: Path, fresh_db: str, role: str, reference_migrations: Path
) -> None:
    code, _, entries = _audit_as_role(
        project, fresh_db, role, reference_migrations, bookkeeping=False
    )
    assert code == 2
    for name in ("migrations", "drift"):
        (error,) = entries["errors"][name]
        assert "needs SELECT on the bookkeeping tables" in error["message"], error
