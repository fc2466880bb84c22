"""The invariant on every weakened (and equivalent) variant of the live schema matrix.

All variants share one database, each in its own schema (``SET search_path`` in its
first migration, versions prefixed so the runner's bookkeeping does not mix them):
creating a database per variant would cost more than the checks themselves.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from auditor.catalog.live import build_live_model
from auditor.catalog.model import diff_models
from auditor.catalog.static import build_static_model
from auditor.db.target import connect
from auditor.migrate.layouts import load_migrations
from auditor.migrate.runner import Runner
from tests.families.schema.test_matrix import CITEXT, ICU, VARIANTS
from tests.pg import PgServer

# Statements the model has no field for (internal FK triggers disabled, a rewrite rule):
# they must be reported as unmodeled, and the rest of the model must still agree.
UNMODELED = {"carts-fk-triggers-disabled", "rule-swallows-negative-prices"}
SHARED = list(VARIANTS)


@pytest.fixture(scope="module")
def shared_db(pg_server: PgServer) -> Iterator[str]:
    name = pg_server.create_database("variants")
    try:
        yield pg_server.dsn_for(name)
    finally:
        pg_server.drop_database(name)


def variant_migrations(reference: Path, root: Path, index: int, schema: str, extra: str) -> Path:
    for n, folder in enumerate(sorted(reference.iterdir())):
        target = root / f"{index:03d}{n}_{folder.name.split('_', 1)[1]}"
        shutil.copytree(folder, target)
    if extra:
        (root / f"{index:03d}9_variant").mkdir()
        (root / f"{index:03d}9_variant" / "up.sql").write_text(extra.replace(";", ";\n"))
    return root


def check(dsn: str, root: Path, schema: str, *, unmodeled: bool = False) -> None:
    """Apply with ``search_path`` set to ``schema`` (the runner's tables go there too)."""
    migrations = load_migrations(root)
    static = build_static_model(migrations, search_path=[schema])
    assert bool(static.unmodeled) == unmodeled, [str(u) for u in static.unmodeled]
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    Runner(make_conninfo(dsn, options=f"-csearch_path={schema}"), migrations).migrate()
    conn = connect(dsn)
    try:
        live = build_live_model(conn, [schema])
    finally:
        conn.close()
    problems = diff_models(live, static.model, names=("live", "static"))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("name", "extra"), [v[:2] for v in SHARED], ids=[v[0] for v in SHARED])
def test_variant_static_equals_live(
    shared_db: str, reference_migrations: Path, tmp_path: Path, name: str, extra: str
) -> None:
    index = [v[0] for v in SHARED].index(name)
    schema = f"v{index}"
    root = variant_migrations(reference_migrations, tmp_path / "m", index, schema, extra)
    check(shared_db, root, schema, unmodeled=name in UNMODELED)


@pytest.mark.parametrize(("name", "extra"), [CITEXT[:2], ICU[:2]], ids=[CITEXT[0], ICU[0]])
def test_server_dependent_variant(
    request: pytest.FixtureRequest,
    shared_db: str,
    reference_migrations: Path,
    tmp_path: Path,
    name: str,
    extra: str,
) -> None:
    with psycopg.connect(shared_db) as conn:
        try:
            conn.execute(extra.split(";")[0])  # needs contrib / ICU: rolled back below
        except psycopg.Error as exc:
            pytest.skip(f"{name}: not available on this server ({exc.diag.message_primary})")
        conn.rollback()
    fresh_db: str = request.getfixturevalue("fresh_db")
    root = variant_migrations(reference_migrations, tmp_path / "m", 0, "public", extra)
    check(fresh_db, root, "public")
