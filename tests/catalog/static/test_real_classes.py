"""Classes of statements found in real migration histories (issue 16), each a small
migration set written here, applied to PostgreSQL and replayed: the models are equal and
nothing is unmodeled."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from auditor.catalog.static import StaticModel, build_static_model
from auditor.migrate.layouts import load_migrations
from tests.static_support import assert_static_equals_live

TRIGGER_FN = "RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n"

CASES: dict[str, list[str]] = {
    "drop-functions-cascade": [
        "CREATE TABLE t (id int PRIMARY KEY);\n"
        f"CREATE FUNCTION f1() {TRIGGER_FN}"
        f"CREATE FUNCTION f2() {TRIGGER_FN}"
        f"CREATE FUNCTION f3() {TRIGGER_FN}"
        "CREATE TRIGGER a BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f1();\n"
        "CREATE TRIGGER b BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f2();\n"
        "CREATE TRIGGER c BEFORE DELETE ON t FOR EACH ROW EXECUTE FUNCTION f3();\n",
        "DROP FUNCTION f1, f2() CASCADE;\nDROP FUNCTION IF EXISTS nothing_here(int, text);\n",
    ],
    "rename-function-and-trigger": [
        "CREATE SCHEMA s;\nCREATE TABLE t (id int);\n"
        f"CREATE FUNCTION s.f() {TRIGGER_FN}"
        f"CREATE FUNCTION g() {TRIGGER_FN}"
        "CREATE TRIGGER a BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION s.f();\n"
        "CREATE TRIGGER b AFTER INSERT ON t FOR EACH ROW EXECUTE PROCEDURE g();\n",
        "ALTER FUNCTION g() RENAME TO h;\nALTER TRIGGER b ON t RENAME TO b2;\n"
        "ALTER FUNCTION s.f() SET SCHEMA public;\nALTER FUNCTION h() OWNER TO CURRENT_USER;\n",
    ],
    "types-not-defined-here": [
        "CREATE TYPE triple AS (major int4, minor int4, patch int4);\n"
        "CREATE TABLE t (id int, r int4range, span tstzrange, p point, box box,\n"
        "  v triple, vs triple[], o oid, n name);\n",
        "ALTER TABLE t ADD COLUMN w triple;\nALTER TABLE t DROP COLUMN v;\n"
        "ALTER TABLE t DROP COLUMN vs, DROP COLUMN w;\nDROP TYPE triple;\n"
        "CREATE TYPE triple AS (major int8, minor int8);\nALTER TABLE t ADD COLUMN x triple;\n",
    ],
    "multi-action-alter-table": [
        "CREATE TABLE p (id int PRIMARY KEY);\n"
        "CREATE TABLE t (id serial PRIMARY KEY, p1 int, p2 int, day date NOT NULL);\n"
        "CREATE UNIQUE INDEX t_p1_day ON t (p1, day);\n",
        "ALTER TABLE t ADD CONSTRAINT t_p1_fkey FOREIGN KEY (p1) REFERENCES p (id) NOT VALID,\n"
        "  ADD CONSTRAINT t_p2_fkey FOREIGN KEY (p2) REFERENCES p (id) NOT VALID;\n"
        "ALTER TABLE t -- a comment between the actions\n"
        "  DROP CONSTRAINT t_pkey,\n  ALTER p1 SET NOT NULL,\n"
        "  ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX t_p1_day,\n  DROP COLUMN id;\n"
        "ALTER TABLE t ADD COLUMN a int, ADD COLUMN b int, ADD CHECK (a > b);\n"
        "ALTER TABLE t ALTER CONSTRAINT t_p2_fkey DEFERRABLE INITIALLY DEFERRED;\n"
        "ALTER TABLE t ALTER CONSTRAINT t_p1_fkey INITIALLY DEFERRED;\n",
    ],
    "types-and-sequences": [
        "CREATE TYPE mode AS ENUM ('closed', 'open');\nCREATE SCHEMA other;\n"
        "CREATE TYPE sort AS ENUM ('hot', 'new');\n"
        "CREATE TABLE t (id serial PRIMARY KEY, m mode NOT NULL DEFAULT 'closed', s sort,\n"
        "  ss sort[]);\nCREATE SEQUENCE counter;\n",
        "ALTER TYPE mode RENAME VALUE 'closed' TO 'Closed';\n"
        "ALTER TYPE mode ADD VALUE 'half' BEFORE 'open';\n"
        "ALTER TYPE sort RENAME TO post_sort;\nALTER TYPE post_sort SET SCHEMA other;\n"
        "ALTER SEQUENCE t_id_seq RENAME TO t_ident_seq;\n"
        "ALTER SEQUENCE counter OWNED BY t.id;\nALTER SEQUENCE t_ident_seq AS bigint;\n"
        "ALTER SEQUENCE IF EXISTS t_ident_seq RESTART WITH 10;\n",
    ],
    "constants-as-stored": [
        "CREATE FUNCTION public.rev(timestamptz) RETURNS double precision IMMUTABLE\n"
        "  LANGUAGE sql AS $$ SELECT -extract(epoch FROM $1)::double precision $$;\n"
        "CREATE TABLE t (a boolean DEFAULT 'f', b boolean DEFAULT 'no', c bool DEFAULT 'T',\n"
        "  d timestamp DEFAULT '1970-01-01', e timestamptz DEFAULT 'epoch',\n"
        "  f timestamp DEFAULT 'epoch', g date DEFAULT 'epoch',\n"
        "  h timestamptz DEFAULT CURRENT_TIMESTAMP - random() * interval '12 months',\n"
        "  i interval DEFAULT '90 seconds', k text CHECK (k IN ('x')), at timestamptz);\n"
        "CREATE INDEX t_rev ON t (public.rev(at) DESC);\n",
    ],
    "no-effect-on-the-model": [
        "CREATE TABLE t (id int PRIMARY KEY, v text);\n"
        f"CREATE FUNCTION f() {TRIGGER_FN}"
        "CREATE TRIGGER a BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();\n"
        "CREATE MATERIALIZED VIEW mv AS SELECT id, v FROM t;\n"
        "CREATE UNIQUE INDEX mv_id ON mv (id);\n",
        "SET timezone = 'UTC';\nLOCK TABLE t IN ACCESS EXCLUSIVE MODE;\nTRUNCATE t;\n"
        "ALTER TABLE t SET (fillfactor = 70);\nALTER TABLE t ALTER COLUMN v SET STATISTICS 500;\n"
        "COMMENT ON TABLE t IS 'x';\nGRANT SELECT ON t TO PUBLIC;\n"
        "REFRESH MATERIALIZED VIEW mv;\nDROP MATERIALIZED VIEW mv;\n"
        "CREATE TEMPORARY TABLE scratch AS SELECT * FROM t;\nDROP TABLE scratch;\n"
        "ALTER TABLE t DISABLE TRIGGER USER;\nALTER TABLE t ENABLE TRIGGER USER;\n",
    ],
    "triggers-all-and-bookkeeping": [
        "CREATE TABLE p (id int PRIMARY KEY);\nCREATE TABLE t (id int REFERENCES p);\n"
        f"CREATE FUNCTION f() {TRIGGER_FN}"
        "CREATE TRIGGER a BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();\n"
        "CREATE TRIGGER guard BEFORE INSERT ON __diesel_schema_migrations\n"
        "  EXECUTE FUNCTION f();\n"
        "ALTER TABLE __diesel_schema_migrations ADD COLUMN note text;\n"
        "CREATE INDEX ON __diesel_schema_migrations (note);\n",
        "CREATE TABLE alone (id int);\n"
        "CREATE TRIGGER b BEFORE INSERT ON alone FOR EACH ROW EXECUTE FUNCTION f();\n",
        "ALTER TABLE t DISABLE TRIGGER ALL;\nALTER TABLE p DISABLE TRIGGER ALL;\n"
        "ALTER TABLE p ENABLE TRIGGER ALL;\nALTER TABLE t ENABLE TRIGGER ALL;\n"
        "ALTER TABLE alone DISABLE TRIGGER ALL;\n",
    ],
    "do-block-guarded-constraint": [
        "CREATE TABLE t (a int, b int);\nCREATE SCHEMA s;\n"
        "CREATE TABLE s.u (x int CONSTRAINT u_check CHECK (x > 0));\n",
        "DO $$\nBEGIN\n    IF NOT EXISTS (SELECT 1\n                   FROM   pg_constraint\n"
        "                   WHERE  conname = 't_ab_key')\n    THEN\n"
        "        ALTER TABLE t\n        ADD CONSTRAINT t_ab_key UNIQUE (a, b);\n"
        "    END IF;\nEND $$;\n"
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 't_ab_key')\n"
        "  THEN ALTER TABLE t ADD CONSTRAINT t_ab_key UNIQUE (b); END IF; END $$;\n"
        "do $g$ begin if not exists (select * from pg_catalog.pg_constraint\n"
        "  where conname = 'u_check') then alter table t add constraint u_check check (a > 0);\n"
        "  end if; end; $g$;\n",
    ],
}
"""The DO block of harbor's history: the guarded ALTER runs unless a constraint of that name
exists in any schema (the second and third are skipped, as PostgreSQL skips them)."""


CREATE_TABLE_AS = [
    "CREATE TYPE mood AS ENUM ('a', 'b');\n"
    'CREATE TABLE src (id int PRIMARY KEY, score smallint, name varchar(20) COLLATE "C",\n'
    "  at timestamp(3), n numeric(10,2), m mood, big bigint, c char(3), flag boolean);\n"
    "CREATE TABLE other (id bigint, at timestamptz);\n",
    "CREATE TABLE agg AS SELECT max(score) AS top, s.id, count(*) AS n, max(name) AS name,\n"
    "  max(at) AS at, sum(score) AS total, max(m) AS m, max(score) = 1 AS upvote,\n"
    "  coalesce(max(big), 0) AS big, max(c) AS c, max(n) AS num, avg(score) AS av,\n"
    "  s.name AS raw, cast(max(flag::int) AS boolean) AS flag\n"
    "FROM (SELECT id, score, name, at, m, big, c, n, flag FROM src\n"
    "  UNION ALL SELECT id, NULL::int, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM src)"
    "{alias}\n"
    "GROUP BY s.id, s.name;\n"
    "CREATE TABLE u (a, b) AS SELECT name, at, c, n, 'x' AS lit, 1 AS one, true, now() AS t\n"
    "  FROM src UNION SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL;\n"
    "CREATE TABLE j AS SELECT o.*, src.id AS src_id, x.at AS other_at\n"
    "  FROM other o JOIN src ON src.id = o.id, other AS x (xid) WITH NO DATA;\n"
    "CREATE TABLE IF NOT EXISTS j AS SELECT 1 AS other;\n"
    "ALTER TABLE agg ALTER COLUMN id SET NOT NULL, ADD PRIMARY KEY (id);\n"
    "CREATE INDEX agg_top ON agg (top) WHERE upvote;\n",
]
"""``CREATE TABLE ... AS``: columns typed as PostgreSQL types a query's result. On
PostgreSQL 16 and later, the subquery in FROM has no alias (lemmy's history)."""


EXTENSION_TYPES = {
    "ltree": "CREATE TABLE t (id int, path ltree, paths ltree[]);\n"
    "CREATE INDEX t_path ON t USING gist (path);\nALTER TABLE t ADD COLUMN more ltree;\n",
    "vector": "CREATE TABLE t (id int, v vector(3), vs vector[]);\n"
    "ALTER TABLE t ADD COLUMN more vector;\n",
}
"""A column of an extension's type, per extension: the machine's server has contrib
(ltree, a name sqlglot does not know), the embedded one pgvector (one it does)."""


@pytest.mark.parametrize("case", sorted(CASES))
def test_real_history_class(fresh_db: str, tmp_path: Path, case: str) -> None:
    write_and_check(fresh_db, tmp_path, case, CASES[case])


def test_create_table_as(fresh_db: str, tmp_path: Path) -> None:
    with psycopg.connect(fresh_db) as conn:
        version = int(str(conn.execute("SHOW server_version_num").fetchone()[0]))  # type: ignore[index]
    # before 16 a subquery in FROM needs an alias; the column reference s.id then needs one too
    alias = " s" if version < 160000 else ""
    texts = [t.replace("{alias}", alias) for t in CREATE_TABLE_AS]
    if not alias:
        texts[1] = texts[1].replace("s.id", "id").replace("s.name", "name")
    write_and_check(fresh_db, tmp_path, "create-table-as", texts)


def test_extension_type(fresh_db: str, tmp_path: Path) -> None:
    with psycopg.connect(fresh_db) as conn:
        available = {
            str(row[0])
            for row in conn.execute("SELECT name FROM pg_available_extensions").fetchall()
        }
    name = next((n for n in EXTENSION_TYPES if n in available), None)
    assert name is not None, f"none of {sorted(EXTENSION_TYPES)} is available on this server"
    text = f"CREATE EXTENSION IF NOT EXISTS {name};\n" + EXTENSION_TYPES[name]
    write_and_check(fresh_db, tmp_path, "extension-type", [text])


def write_and_check(dsn: str, tmp_path: Path, case: str, texts: list[str]) -> None:
    root = tmp_path / "migrations"
    for n, text in enumerate(texts, 1):
        folder = root / f"2024-01-0{n}-000000_{case.replace('-', '_')}"
        folder.mkdir(parents=True)
        (folder / "up.sql").write_text(text)
    static = assert_static_equals_live(dsn, root)
    assert static.modeled == static.statements


def static_of(tmp_path: Path, text: str) -> StaticModel:
    """The static model of one Diesel migration holding ``text``."""
    root = tmp_path / "migrations"
    folder = root / "2024-01-01-000000_one"
    folder.mkdir(parents=True)
    (folder / "up.sql").write_text(text)
    return build_static_model(load_migrations(root), root)


def test_triggers_all_left_off_is_unmodeled_at_its_statement(tmp_path: Path) -> None:
    static = static_of(
        tmp_path,
        "CREATE TABLE p (id int PRIMARY KEY);\nCREATE TABLE t (id int REFERENCES p);\n"
        "ALTER TABLE t DISABLE TRIGGER ALL;\nALTER TABLE t ENABLE TRIGGER ALL;\n"
        "ALTER TABLE t DISABLE TRIGGER ALL;\n",
    )
    assert [(u.file, u.line, u.tables) for u in static.unmodeled] == [
        ("2024-01-01-000000_one/up.sql", 5, ("public.t",))
    ]


def test_other_do_blocks_stay_unmodeled_with_file_and_line(tmp_path: Path) -> None:
    static = static_of(
        tmp_path,
        "CREATE TABLE t (a int);\n"
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'k'\n"
        "  AND conrelid = 't'::regclass) THEN ALTER TABLE t ADD CONSTRAINT k UNIQUE (a);\n"
        "  END IF; END $$;\n"
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'k') THEN\n"
        "  ALTER TABLE t ADD CONSTRAINT k UNIQUE (a); CREATE INDEX i ON t (a); END IF; END $$;\n",
    )
    assert [(u.file, u.line, u.reason) for u in static.unmodeled] == [
        ("2024-01-01-000000_one/up.sql", 2, "DO block: its effect is not modeled"),
        ("2024-01-01-000000_one/up.sql", 5, "DO block: its effect is not modeled"),
    ]
