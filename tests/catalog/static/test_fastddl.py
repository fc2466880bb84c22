"""The static builder's fast path (auditor.catalog.fastddl) against its sqlglot path.

Every corpus the static tests use is built twice, with the fast path and with it
turned off, and the two models must be identical: objects, origins, unmodeled
statements and their reasons. A table of tricky statements checks which ones the
fast path takes and which it leaves to sqlglot.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from auditor.catalog import fastddl
from auditor.catalog.model import CatalogModel
from auditor.catalog.static import StaticBuilder, StaticModel, build_static_model
from auditor.catalog.static import builder as static_module
from auditor.migrate.layouts import load_migrations
from tests.paths import REPO_ROOT
from tests.static_corpus import write_corpus, write_corpus_of_size
from tests.static_support import assert_static_equals_live

REPO = REPO_ROOT
LINT_CORPUS = REPO / "tests" / "data" / "lint"


def _origins(model: CatalogModel) -> list[tuple[str, object]]:
    """Every object of the model with where it came from (equality ignores origins)."""
    found: list[tuple[str, object]] = []
    for table in model.tables:
        found.append((table.qualified, table.origin))
        for group in (table.columns, table.checks, table.indexes, table.foreign_keys):
            found += [(f"{table.qualified}.{item.name}", item.origin) for item in group]
    return found


def live_and_static(dsn: str, root: Path, sql: str) -> StaticModel:
    """``sql`` as one migration, applied to PostgreSQL and replayed statically: the
    models must be equal (see ``assert_static_equals_live``)."""
    migration = root / "2024-01-01-000000_case"
    migration.mkdir()
    (migration / "up.sql").write_text(sql)
    (migration / "down.sql").write_text("SELECT 1;")
    return assert_static_equals_live(dsn, root)


def _assert_same(fast: StaticModel, slow: StaticModel) -> None:
    assert fast.model == slow.model
    assert _origins(fast.model) == _origins(slow.model)
    assert fast.unmodeled == slow.unmodeled
    assert (fast.statements, fast.files, fast.bytes) == (slow.statements, slow.files, slow.bytes)


@pytest.fixture
def both_ways(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., tuple[StaticModel, ...]]]:
    """Build with the fast path (counting the statements it took), then without it."""
    taken: list[str] = []

    def counting(text: str) -> fastddl.Common | None:
        result = fastddl.read_common(text)
        if result is not None:
            taken.append(text)
        return result

    def build(make: Callable[[], StaticModel]) -> tuple[StaticModel, StaticModel, int]:
        taken.clear()
        monkeypatch.setattr(static_module, "read_common", counting)
        fast = make()
        count = len(taken)
        monkeypatch.setattr(static_module, "read_common", lambda text: None)
        slow = make()
        monkeypatch.setattr(static_module, "read_common", fastddl.read_common)
        return fast, slow, count

    yield build


def test_reference_migrations_same_both_ways(both_ways: Callable[..., tuple]) -> None:
    migrations = load_migrations(REPO / "migrations")
    fast, slow, taken = both_ways(lambda: build_static_model(migrations))
    _assert_same(fast, slow)
    assert taken > 0


def test_generated_corpus_same_both_ways(tmp_path: Path, both_ways: Callable[..., tuple]) -> None:
    write_corpus(tmp_path / "a", 220)
    write_corpus_of_size(tmp_path / "b", 150_000, seed=7)
    for root in (tmp_path / "a", tmp_path / "b"):
        migrations = load_migrations(root)
        fast, slow, taken = both_ways(lambda m=migrations: build_static_model(m))
        _assert_same(fast, slow)
        assert taken > fast.statements // 2, "the fast path took less than half the statements"


_TOKEN = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|[A-Za-z_][A-Za-z0-9_]*|\s+|.""", re.S)
_KEYWORDS = {
    "add", "alter", "always", "and", "between", "cascade", "check", "column", "concurrently",
    "constraint", "create", "default", "delete", "drop", "exists", "foreign", "generated",
    "identity", "if", "index", "key", "not", "null", "on", "or", "primary", "references",
    "rename", "restrict", "set", "table", "to", "type", "unique", "update", "using", "valid",
    "where",
}  # fmt: skip


def _respell(text: str, rng: random.Random) -> str:
    """The same SQL spelled differently: keyword case, blank space, generated names
    upper-cased or quoted (all of which PostgreSQL reads the same way)."""
    out = []
    for token in _TOKEN.findall(text):
        if token.isspace() and "\n" not in token:
            out.append(rng.choice([" ", "  ", "\n   ", "\t", token]))
        elif re.fullmatch(r"[a-z]+[0-9]+", token) and rng.random() < 0.3:
            out.append(rng.choice([token.upper(), f'"{token}"', token.capitalize()]))
        elif token.lower() in _KEYWORDS:
            out.append(rng.choice([token.upper(), token.lower(), token.capitalize()]))
        else:
            out.append(token)
    return "".join(out)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_respelled_corpus_same_both_ways(
    tmp_path: Path, seed: int, both_ways: Callable[..., tuple]
) -> None:
    rng = random.Random(seed)
    write_corpus_of_size(tmp_path, 60_000, seed=seed)
    for path in tmp_path.rglob("up.sql"):
        path.write_text(_respell(path.read_text(), rng))
    migrations = load_migrations(tmp_path)
    fast, slow, taken = both_ways(lambda: build_static_model(migrations))
    _assert_same(fast, slow)
    assert taken > fast.statements // 2


def test_lint_corpus_same_both_ways(both_ways: Callable[..., tuple]) -> None:
    """The lint corpus: realistic files, comments, unmodeled and failing statements."""
    files = sorted(LINT_CORPUS.rglob("*.sql"))
    assert len(files) > 50

    def make() -> StaticModel:
        builder = StaticBuilder(LINT_CORPUS)
        for path in files:
            builder.add_sql(path.read_text(), path.relative_to(LINT_CORPUS).as_posix())
        return builder.build()

    fast, slow, taken = both_ways(make)
    _assert_same(fast, slow)
    assert fast.unmodeled, "the corpus should exercise failing statements too"
    assert taken > 0


SETUP = """
CREATE SCHEMA app;
CREATE TYPE mood AS ENUM ('ok', 'sad');
CREATE TABLE parent (id bigint PRIMARY KEY, code text UNIQUE);
CREATE TABLE app."Kid" (id serial PRIMARY KEY, parent_id bigint, note text NOT NULL);
CREATE INDEX kid_note_idx ON app."Kid" (note);
"""

# (statement, taken by the fast path)
CASES = [
    ("ALTER TABLE parent ADD COLUMN n integer NOT NULL DEFAULT 0", True),
    ("ALTER TABLE parent ADD n numeric(10, 2) NULL DEFAULT -1.5 NOT NULL", True),
    ("ALTER TABLE parent ADD COLUMN IF NOT EXISTS code text", True),
    ("ALTER TABLE parent ADD COLUMN code text", True),  # fails: exists
    ("ALTER TABLE parent ADD COLUMN m mood DEFAULT 'ok'", True),
    ("ALTER TABLE parent ADD COLUMN s bigserial", True),
    ("ALTER TABLE parent ADD COLUMN t timestamp with time zone DEFAULT now()", True),
    ("ALTER TABLE parent ADD COLUMN a text[]", True),
    ("ALTER TABLE parent ADD COLUMN c varchar(20) DEFAULT 'x'::text", True),
    ("ALTER TABLE IF EXISTS nowhere ADD COLUMN n int", True),
    ("ALTER TABLE nowhere ADD COLUMN n int", True),  # fails: unknown table
    ('ALTER TABLE app."Kid" ALTER COLUMN note DROP NOT NULL', True),
    ('ALTER TABLE app."Kid" ALTER COLUMN id DROP NOT NULL', True),  # fails: primary key
    ("ALTER TABLE app.\"Kid\" ALTER note SET DEFAULT 'n/a'", True),
    ('ALTER TABLE app."Kid" ALTER COLUMN note TYPE varchar(100)', True),
    ('ALTER TABLE app."Kid" ALTER COLUMN note SET DATA TYPE text', True),
    ('ALTER TABLE app."Kid" ALTER COLUMN id TYPE serial', True),  # fails: serial
    ('ALTER TABLE parent RENAME COLUMN code TO "Code"', True),
    ("ALTER TABLE parent RENAME TO parents", True),
    ("ALTER TABLE parent DROP COLUMN IF EXISTS nothing", True),
    ("ALTER TABLE parent DROP COLUMN code CASCADE", True),
    ("ALTER TABLE parent DROP CONSTRAINT parent_code_key", True),
    ("ALTER TABLE parent DROP CONSTRAINT parent_pkey", True),
    ('ALTER TABLE app."Kid" ADD FOREIGN KEY (parent_id) REFERENCES parent', True),
    (
        'ALTER TABLE app."Kid" ADD CONSTRAINT kid_fk FOREIGN KEY (parent_id) REFERENCES '
        "public.parent (id) ON DELETE SET NULL ON UPDATE CASCADE NOT VALID",
        True,
    ),
    ('ALTER TABLE app."Kid" ADD CONSTRAINT u UNIQUE (parent_id, note)', True),
    ('ALTER TABLE app."Kid" ADD PRIMARY KEY (note)', True),  # fails: has one
    ('CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS kid_note_idx ON app."Kid" (note)', True),
    ('CREATE INDEX ON app."Kid" USING hash (note)', True),
    ("CREATE INDEX ON parent (code DESC, id)", True),
    ("DROP INDEX CONCURRENTLY IF EXISTS app.kid_note_idx", True),
    ("DROP INDEX CONCURRENTLY app.kid_note_idx, app.nothing", False),
    ("DROP INDEX parent_pkey", True),  # fails: backs a constraint
    ('DROP TABLE IF EXISTS app."Kid", nothing CASCADE', True),
    ("DROP TABLE parent", True),
    ("ALTER INDEX IF EXISTS app.kid_note_idx RENAME TO kid_note", True),
    ("ALTER INDEX nothing RENAME TO x", True),  # fails: unknown index
    ("ALTER TABLE parent ADD COLUMN n int CHECK (n > 0)", True),
    (
        "ALTER TABLE parent ADD COLUMN p bigint CONSTRAINT p_fk REFERENCES parent ON DELETE CASCADE",
        True,
    ),
    ("ALTER TABLE parent ADD COLUMN u text CONSTRAINT u_key UNIQUE NOT NULL", True),
    ("ALTER TABLE parent ADD CHECK (length(code) < 10) NOT VALID", True),
    ("ALTER TABLE parent ADD CONSTRAINT c CHECK (code <> 'x' AND (id > 0))", True),
    ("ALTER TABLE parent ADD CONSTRAINT c CHECK (code <> ')')", True),
    ("ALTER TABLE parent ADD CONSTRAINT parent_pkey CHECK (id > 0)", True),  # fails: name taken
    (
        "CREATE TABLE app.child (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
        " parent_id bigint NOT NULL REFERENCES parent (id) ON DELETE CASCADE,"
        ' "Amount" numeric(12, 2) NOT NULL DEFAULT 0 CHECK ("Amount" >= 0),'
        " code varchar(20) CONSTRAINT child_code UNIQUE, m mood DEFAULT 'ok',"
        " CHECK (code <> '' OR code IS NULL), UNIQUE (parent_id, code),"
        " CONSTRAINT child_fk FOREIGN KEY (parent_id) REFERENCES public.parent)",
        True,
    ),
    ("CREATE TABLE IF NOT EXISTS parent (id int)", True),
    ("CREATE TABLE parent (id int)", True),  # fails: exists
    ("CREATE TABLE nowhere.t (id int)", True),  # fails: no such schema
    ("CREATE TABLE t (id serial PRIMARY KEY, b int UNIQUE, PRIMARY KEY (id), UNIQUE (b))", True),
    ("CREATE TABLE t (id int REFERENCES nothing)", True),  # fails: unknown table
    ("CREATE TABLE t (id int CHECK (id > 0), CHECK (id < 9), CHECK (id <> 5))", True),
    # left to sqlglot
    ("CREATE TABLE t (id int) WITH (fillfactor = 70)", False),
    ("CREATE TABLE t (LIKE parent)", False),
    ("CREATE UNLOGGED TABLE t (id int)", False),
    ("CREATE TABLE t (id int GENERATED BY DEFAULT AS IDENTITY (START WITH 10))", False),
    ("CREATE TABLE t (id int, name text)", False),  # a keyword as a bare name
    ("CREATE TABLE t (id int /* note */)", False),
    ("CREATE TABLE t (a int, EXCLUDE USING gist (a WITH =))", False),
    ("ALTER TABLE parent ADD COLUMN n int, ADD COLUMN m int", False),
    ("ALTER TABLE parent ADD COLUMN n int -- a comment\n", False),
    ("ALTER TABLE parent ADD COLUMN type text", False),  # a keyword as a bare name
    ("ALTER TABLE parent RENAME code TO code2", True),
    ("ALTER TABLE parent RENAME code TO code2 -- without COLUMN", False),
    ("ALTER TABLE parent RENAME CONSTRAINT parent_code_key TO k", False),
    ("ALTER TABLE parent ALTER COLUMN code SET DEFAULT lower('X')", False),
    ('ALTER TABLE parent ADD COLUMN n int COLLATE "C"', False),
    ("CREATE INDEX ON parent (lower(code))", True),
    ("CREATE UNIQUE INDEX ON parent ((lower(code)) DESC, id)", True),
    ("CREATE UNIQUE INDEX p_i ON parent USING btree (code) WHERE code IS NOT NULL", True),
    ("CREATE INDEX ON parent (lower(nothing))", True),  # fails: unknown column
    ("ALTER TABLE parent ADD COLUMN d app.short_text", True),  # fails: unknown domain
    ("CREATE INDEX ON parent (code text_pattern_ops)", False),
    ("CREATE INDEX ON parent (code) INCLUDE (id)", False),
    ("CREATE INDEX ON parent (code) WHERE code <> '' -- partial", False),
    ("DROP TABLE CONCURRENTLY parent", False),
]


@pytest.mark.parametrize(("statement", "common"), CASES)
def test_statement_same_both_ways(
    statement: str, common: bool, both_ways: Callable[..., tuple]
) -> None:
    assert (fastddl.read_common(statement) is not None) is common

    def make() -> StaticModel:
        builder = StaticBuilder()
        builder.add_sql(SETUP, "setup.sql")
        builder.add_sql(statement, "change.sql")
        return builder.build()

    fast, slow, _ = both_ways(make)
    _assert_same(fast, slow)


def test_dropping_several_indexes_is_modeled_like_postgresql(fresh_db: str, tmp_path: Path) -> None:
    """``DROP INDEX a, b``: sqlglot cannot parse it (the statement would be unmodeled);
    the fast path reads it, and the result is what PostgreSQL does."""
    statement = "DROP INDEX IF EXISTS app.kid_note_idx, app.nothing, parent_code_idx"
    assert fastddl.read_common(statement) is not None
    static = live_and_static(
        fresh_db, tmp_path, SETUP + "CREATE INDEX parent_code_idx ON parent (code);\n" + statement
    )
    kid = static.model.table("app.Kid")
    assert kid is not None and [i.name for i in kid.indexes] == ["Kid_pkey"]


def test_rename_without_column_keyword_renames_the_column(fresh_db: str, tmp_path: Path) -> None:
    """``ALTER TABLE t RENAME a TO b`` renames a column; sqlglot reads it as a table
    rename, which the tree path corrects (the statement with a comment takes it)."""
    static = live_and_static(
        fresh_db,
        tmp_path,
        SETUP
        + "ALTER TABLE parent RENAME code TO label;\n"
        + 'ALTER TABLE app."Kid" RENAME note TO remark -- old name\n;\n',
    )
    parent, kid = static.model.table("parent"), static.model.table("app.Kid")
    assert parent is not None and [c.name for c in parent.columns] == ["id", "label"]
    assert kid is not None and "remark" in [c.name for c in kid.columns]


EXPRESSION_INDEXES = """
CREATE TABLE t (x text, t timestamp, n numeric);
CREATE INDEX ON t (char_length(x));
CREATE INDEX ON t (substr(x, 1, 2));
CREATE INDEX ON t (ceiling(n));
CREATE INDEX ON t ((x || 'a'));
CREATE INDEX ON t (lower(x), upper(x));
CREATE INDEX ON t (coalesce(x, 'a'));
CREATE INDEX ON t (date_trunc('Day', t));
CREATE INDEX ON t (pg_catalog.btrim(x));
CREATE INDEX ON t (trim(x));
CREATE INDEX ON t (position('a' in x));
CREATE INDEX ON t (((x || 'a')::text));
CREATE INDEX ON t (((n + 1)::bigint));
CREATE INDEX ON t ((x COLLATE "C"));
"""


@pytest.mark.parametrize("comment", ["", " -- the tree path"])
def test_unnamed_expression_indexes_are_named_like_postgresql(
    fresh_db: str, tmp_path: Path, comment: str
) -> None:
    """PostgreSQL names them from the function as written (``t_char_length_idx``), where
    sqlglot's node says LENGTH, SUBSTRING, CEIL or TIMESTAMP_TRUNC."""
    static = live_and_static(fresh_db, tmp_path, EXPRESSION_INDEXES.replace(";", comment + "\n;"))
    table = static.model.table("t")
    assert table is not None
    names = {i.name for i in table.indexes}
    assert {"t_char_length_idx", "t_substr_idx", "t_ceiling_idx", "t_btrim_idx"} <= names
    assert {"t_btrim_idx1", "t_position_idx", "t_text_idx", "t_int8_idx", "t_x_idx"} <= names


# Python's case-insensitive [A-Za-z] also matches the Kelvin sign, dotless i, dotted
# capital I and long s, and its \s and str.strip() take non-ASCII blank space; to
# PostgreSQL all of them are identifier characters (bytes >= 0x80).
@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE \u212aparent ADD COLUMN n int",  # Kelvin sign: not table parent
        "CREATE TABLE t (\u212ax int, \u0130y int)",
        "CREATE TABLE t (\u00a0x int)",  # the column is named "\u00a0x"
        "ALTER TABLE parent ADD COLUMN\u00a0n int",  # the column is named "column\u00a0n"
        "DROP TABLE\u00a0parent",
    ],
)
def test_non_ascii_names_and_blanks_stay_with_sqlglot(statement: str) -> None:
    assert fastddl.read_common(statement) is None


def test_parenthesized_column_index_key_is_a_column(both_ways: Callable[..., tuple]) -> None:
    """``((("code")))`` is the column itself to PostgreSQL (and to the tree path)."""

    def make() -> StaticModel:
        builder = StaticBuilder()
        builder.add_sql(SETUP, "setup.sql")
        builder.add_sql('CREATE INDEX ON parent ((("code")))', "change.sql")
        return builder.build()

    fast, slow, taken = both_ways(make)
    _assert_same(fast, slow)
    assert taken
    parent = fast.model.table("parent")
    assert parent is not None
    [key] = next(i for i in parent.indexes if i.name == "parent_code_idx").keys
    assert key.is_column


EXISTING_RELATION = """
CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE IF NOT EXISTS parent_pkey (x int);
CREATE INDEX parent_id_idx ON parent (id);
CREATE TABLE IF NOT EXISTS parent_id_idx (y int);
"""


@pytest.mark.parametrize("comment", ["", " -- the tree path"])
def test_create_table_if_not_exists_skips_any_relation_of_that_name(
    fresh_db: str, tmp_path: Path, comment: str
) -> None:
    """``CREATE TABLE IF NOT EXISTS`` skips a name any relation has (here an index)."""
    static = live_and_static(fresh_db, tmp_path, EXISTING_RELATION.replace(";", comment + "\n;"))
    assert [t.name for t in static.model.tables] == ["parent"]


def test_create_table_over_another_relation_is_unmodeled() -> None:
    """Without IF NOT EXISTS PostgreSQL refuses it; the static model says so."""
    builder = StaticBuilder()
    builder.add_sql("CREATE TABLE p (id int PRIMARY KEY);\nCREATE TABLE p_pkey (x int);", "m.sql")
    static = builder.build()
    assert [u.line for u in static.unmodeled] == [2]
    assert static.model.table("p_pkey") is None


DEFAULTS = """
CREATE TABLE d (
    a int DEFAULT 1 -- one
    , b int DEFAULT 010, c int DEFAULT -0, n numeric(6, 2) DEFAULT 00.10, m int
);
ALTER TABLE d ALTER COLUMN m SET DEFAULT 0 -- a comment on the statement
;
"""


def test_defaults_are_stored_as_postgresql_stores_them(fresh_db: str, tmp_path: Path) -> None:
    """Comments are no part of a default; ``010``, ``-0`` and ``00.10`` are ``10``, ``0``
    and ``0.10`` (the statements with comments go through the sqlglot path)."""
    static = live_and_static(fresh_db, tmp_path, DEFAULTS)
    table = static.model.table("d")
    assert table is not None
    assert [c.default for c in table.columns] == ["1", "10", "0", "0.10", "0"]


NULL_DEFAULTS = """
CREATE DOMAIN code5 AS varchar(5);
CREATE TYPE mood AS ENUM ('ok', 'sad');
CREATE TABLE n (
    a int DEFAULT NULL, b text DEFAULT NULL, c varchar(3) DEFAULT NULL,
    d numeric(5, 2) DEFAULT NULL, e code5 DEFAULT NULL, f mood DEFAULT NULL,
    g varchar DEFAULT NULL, h int DEFAULT 1, i char DEFAULT NULL
);
ALTER TABLE n ALTER COLUMN h SET DEFAULT NULL;
ALTER TABLE n ALTER COLUMN b SET DEFAULT NULL -- the tree path
;
"""


def test_null_defaults_as_postgresql_keeps_them(fresh_db: str, tmp_path: Path) -> None:
    """A bare NULL of the column's own type is no default; a type with a length or
    precision, or a domain, keeps ``NULL::type`` (which both sides read as NULL)."""
    static = live_and_static(fresh_db, tmp_path, NULL_DEFAULTS)
    table = static.model.table("n")
    assert table is not None
    defaults = {c.name: c.default for c in table.columns}
    assert defaults == {
        "a": None, "b": None, "c": "NULL", "d": "NULL", "e": "NULL", "f": None,
        "g": None, "h": None, "i": "NULL",
    }  # fmt: skip


OTHER_DATABASES_TYPE_NAMES = """
CREATE DOMAIN short AS varchar(5);
CREATE TYPE string AS ENUM ('a', 'b');
CREATE TABLE o (s short, t string, long text, number int);
ALTER TABLE o ADD COLUMN u short;
ALTER TABLE o ADD COLUMN v string -- the tree path
;
"""


def test_user_types_named_like_other_databases_types(fresh_db: str, tmp_path: Path) -> None:
    """``short``, ``string``, ``long``: sqlglot's PostgreSQL dialect took them for smallint,
    text and bigint; to PostgreSQL they are names (here a domain, an enum, columns)."""
    static = live_and_static(fresh_db, tmp_path, OTHER_DATABASES_TYPE_NAMES)
    table = static.model.table("o")
    assert table is not None
    assert [(c.name, c.type) for c in table.columns] == [
        ("s", "short"),
        ("t", "string"),
        ("long", "text"),
        ("number", "integer"),
        ("u", "short"),
        ("v", "string"),
    ]


def test_case_without_else_compares_equal(fresh_db: str, tmp_path: Path) -> None:
    """PostgreSQL stores ``CASE WHEN ... END`` with ``ELSE NULL``; both models agree."""
    sql = (
        "CREATE TABLE k (a int, CONSTRAINT k_a CHECK (CASE WHEN a > 0 THEN true END));\n"
        "CREATE INDEX k_case ON k ((CASE WHEN a > 1 THEN a END));\n"
    )
    static = live_and_static(fresh_db, tmp_path, sql)
    table = static.model.table("k")
    assert table is not None and "ELSE NULL" in table.checks[0].expression
