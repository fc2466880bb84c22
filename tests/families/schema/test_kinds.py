"""The index, check and trigger requirement kinds: pass and fail cases, each on the live
model (the SQL applied to a real database) and on the static model (the same SQL read
as a migration), which must agree."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.catalog.live import build_live_model
from auditor.catalog.static import build_static_model
from auditor.core.rules import rules_of, run_rules
from auditor.db.target import connect
from auditor.families.schema.kinds import conjuncts
from auditor.families.schema.rulepacks import RulePackError, load_rule_packs
from auditor.families.schema.rules import FAMILY, SchemaSubject, evaluate
from auditor.migrate.layouts import load_migrations
from auditor.migrate.runner import Runner

PACK = """
[pack]
name = "objects"

[[requirement]]
id = "orders-user-index"
kind = "index"
table = "orders"
columns = ["user_id"]
severity = "medium"
reason = "FK column"

[[requirement]]
id = "orders-ref-unique-ci"
kind = "index"
table = "orders"
expression = "lower(ref)"
unique = true
severity = "high"
reason = "references are unique ignoring case"

[[requirement]]
id = "orders-open-partial"
kind = "index"
table = "orders"
columns = ["status"]
where = "status = 'open'"
method = "btree"
severity = "low"
reason = "the open-orders queue"

[[requirement]]
id = "orders-status-values"
kind = "check"
table = "orders"
expression = "status IN ('open', 'paid') AND total >= 0"
severity = "high"
reason = "known states, no negative totals"

[[requirement]]
id = "orders-touch"
kind = "trigger"
table = "orders"
function = "touch"
timing = "before"
events = ["update", "insert"]
severity = "high"
reason = "updated_at is kept by the database"
"""

BASE = """
CREATE TABLE orders (
    id bigint PRIMARY KEY,
    user_id bigint NOT NULL,
    ref text NOT NULL,
    status text NOT NULL,
    total integer NOT NULL,
    updated_at timestamptz
);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql
  AS 'BEGIN NEW.updated_at := now(); RETURN NEW; END';
"""

GOOD = """
CREATE INDEX orders_user_idx ON orders (user_id, id);
CREATE UNIQUE INDEX orders_ref_key ON orders (lower(ref));
CREATE INDEX orders_open_idx ON orders (status) WHERE status = 'open';
ALTER TABLE orders ADD CONSTRAINT orders_status CHECK (status = ANY (ARRAY['open', 'paid']));
ALTER TABLE orders ADD CONSTRAINT orders_total CHECK (total > 0);
CREATE TRIGGER orders_touch BEFORE INSERT OR UPDATE OR DELETE ON orders
  FOR EACH ROW EXECUTE FUNCTION touch();
"""

# (name, SQL after BASE, requirement ids that must fail)
CASES: list[tuple[str, str, set[str]]] = [
    ("all satisfied", GOOD, set()),
    (
        "nothing",
        "",
        {
            "orders-user-index",
            "orders-ref-unique-ci",
            "orders-open-partial",
            "orders-status-values",
            "orders-touch",
        },
    ),
    (
        "index on the second key only",
        GOOD.replace("(user_id, id)", "(id, user_id)"),
        {"orders-user-index"},
    ),
    (
        "not unique, and a full index for a partial requirement",
        GOOD.replace("CREATE UNIQUE INDEX orders_ref_key", "CREATE INDEX orders_ref_key").replace(
            " WHERE status = 'open'", ""
        ),
        {"orders-ref-unique-ci", "orders-open-partial"},
    ),
    (
        "hash method",
        GOOD.replace("ON orders (status) WHERE", "ON orders USING hash (status) WHERE"),
        {"orders-open-partial"},
    ),
    (
        "check written as BETWEEN and IN",
        GOOD.replace(
            "CHECK (total > 0)",
            "CHECK (total BETWEEN 0 AND 1000000 AND status IN ('open', 'paid'))",
        ),
        set(),
    ),
    (
        "check looser than required",
        GOOD.replace("CHECK (total > 0)", "CHECK (total >= -5)"),
        {"orders-status-values"},
    ),
    (
        "check NOT VALID",
        GOOD.replace(
            "CHECK (status = ANY (ARRAY['open', 'paid']))",
            "CHECK (status = ANY (ARRAY['open', 'paid'])) NOT VALID",
        ),
        {"orders-status-values"},
    ),
    (
        "other states allowed",
        GOOD.replace("ARRAY['open', 'paid']", "ARRAY['open', 'paid', 'void']"),
        {"orders-status-values"},
    ),
    (
        "trigger on fewer events",
        GOOD.replace("BEFORE INSERT OR UPDATE OR DELETE", "BEFORE INSERT"),
        {"orders-touch"},
    ),
    ("trigger after", GOOD.replace("BEFORE INSERT", "AFTER INSERT"), {"orders-touch"}),
    (
        "trigger disabled",
        GOOD + "ALTER TABLE orders DISABLE TRIGGER orders_touch;",
        {"orders-touch"},
    ),
]


def write_project(root: Path, sql: str) -> Path:
    folder = root / "migrations" / "2024-01-01-000000_orders"
    folder.mkdir(parents=True)
    (folder / "up.sql").write_text(sql, encoding="utf-8")
    (root / "objects.toml").write_text(PACK, encoding="utf-8")
    return root / "migrations"


@pytest.mark.parametrize(("name", "extra", "failing"), CASES, ids=[c[0] for c in CASES])
def test_kinds_on_both_models(
    tmp_path: Path, fresh_db: str, name: str, extra: str, failing: set[str]
) -> None:
    migrations = write_project(tmp_path, BASE + extra)
    requirements = load_rule_packs([tmp_path / "objects.toml"])
    Runner(fresh_db, load_migrations(migrations)).migrate()
    with connect(fresh_db) as conn:
        live = build_live_model(conn)
    static = build_static_model(load_migrations(migrations), tmp_path)
    assert static.unmodeled == ()
    for model, source in ((live, "live"), (static.model, "static")):
        failed = {r.id for r in requirements if not evaluate(r, model).satisfied}
        assert failed == failing, (source, name)
        subject = SchemaSubject(model, tuple(requirements), source=source)
        findings, errors = run_rules(rules_of(FAMILY), subject)
        assert errors == []
        assert {dict(f.evidence)["requirement"] for f in findings} == failing, source


def test_findings_name_the_kind_rule(tmp_path: Path) -> None:
    (tmp_path / "objects.toml").write_text(PACK, encoding="utf-8")
    migrations = write_project(tmp_path / "p", BASE)
    static = build_static_model(load_migrations(migrations), tmp_path / "p")
    subject = SchemaSubject(static.model, tuple(load_rule_packs([tmp_path / "objects.toml"])))
    findings, _ = run_rules(rules_of(FAMILY), subject)
    by_rule = {f.rule_id: f for f in findings}
    assert set(by_rule) == {"SCH021", "SCH022", "SCH023"}
    assert by_rule["SCH021"].fix is not None and "CREATE" in by_rule["SCH021"].fix
    assert "ADD CONSTRAINT" in (by_rule["SCH022"].fix or "")
    assert "CREATE TRIGGER" in (by_rule["SCH023"].fix or "")


def test_conjuncts_are_normalized() -> None:
    assert conjuncts("total BETWEEN 0 AND 10 AND (status IN ('a'))") == [
        "total >= 0",
        "total <= 10",
        "status = 'a'",  # one value: PostgreSQL stores IN (x) as = x
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('kind = "index"', "needs 'columns' or 'expression'"),
        ('kind = "index"\ncolumns = ["a"]\nmethod = "rtree"', "unknown index method"),
        ('kind = "check"', "needs key 'expression'"),
        ('kind = "trigger"\nevents = ["select"]', "unknown event"),
        ('kind = "trigger"\ntiming = "during"', "unknown timing"),
    ],
)
def test_pack_errors(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "p.toml"
    path.write_text(
        f'[[requirement]]\nid = "x"\ntable = "t"\nseverity = "low"\nreason = "r"\n{body}\n',
        encoding="utf-8",
    )
    with pytest.raises(RulePackError, match=message):
        load_rule_packs([path])
