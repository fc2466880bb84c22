"""Build the :class:`~auditor.catalog.model.CatalogModel` of a live database from ``pg_catalog``.

A fixed number of set-based queries (:data:`QUERY_COUNT`), whatever the number of
tables: one each for tables, columns, constraints, operator classes and collations,
indexes, triggers, domains, enums, user collations and extensions. Objects owned by an extension and the migration
runner's bookkeeping tables are left out. Reads only the catalog, so a role that
cannot read the tables can still be audited. Expressions are printed by the server
(``pg_get_expr``), each with a table of the same column names as its own (see
:data:`Q_TABLES`), so that many similar tables cost a few relation opens, not one each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import psycopg

from auditor.catalog.model import (
    CatalogModel,
    Check,
    Collation,
    Column,
    Domain,
    EnumType,
    ForeignKey,
    Index,
    IndexKey,
    Table,
    Trigger,
)
from auditor.catalog.normalize import normalize_expr
from auditor.core.collector import collector
from auditor.migrate.state import BOOKKEEPING_TABLES
from auditor.sql.split import split_top_level

Conn = psycopg.Connection[Any]

SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")

# The namespaces audited: the chosen schemas, or every non-system one.
_NSP = """
    SELECT n.oid, n.nspname FROM pg_namespace n
    WHERE (%(schemas)s::text[] IS NULL AND n.nspname <> ALL(%(system)s::text[])
           AND n.nspname NOT LIKE 'pg\\_temp\\_%%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%%')
       OR n.nspname = ANY(%(schemas)s::text[])
"""

_RELS = f"""
    nsp AS ({_NSP}),
    rels AS (
        SELECT c.oid, nsp.nspname, c.relname, c.relrowsecurity, c.relforcerowsecurity
        FROM pg_class c JOIN nsp ON nsp.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p')
          AND NOT c.relispartition
          AND c.relname <> ALL(%(bookkeeping)s::text[])
          AND NOT EXISTS (SELECT 1 FROM pg_depend d
                          WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                            AND d.deptype = 'e')
    )
"""

# The later queries join the table oids found by Q_TABLES (sent as one array) instead
# of re-evaluating the schema and extension filters.
_RELS_BY_OID = "rels AS (SELECT * FROM unnest(%(oids)s::oid[], %(reps)s::oid[]) AS r(oid, rep))"


def _deparse(node: str, relid: str) -> str:
    """SQL printing the expression tree ``node`` of the table ``relid`` (joined as ``rels``).

    A tree without column references is printed without a table (no relation is
    opened); one with a whole-row reference (``t.*``, which prints the table's name)
    with its own table; any other with the table's representative (see Q_TABLES).
    """
    return (
        f"pg_get_expr({node}, CASE WHEN {node}::text NOT LIKE '%%{{VAR %%' THEN 0"
        f" WHEN {node}::text LIKE '%%:varattno 0 %%' THEN {relid} ELSE rels.rep END)"
    )


# The last column: the "representative" of the table, the lowest oid among the tables
# with the same column names (dropped columns included, as their placeholder names).
# pg_get_expr opens (and locks) the relation it is given to name the columns of an
# expression: with a cold relation cache that costs more than the deparsing itself,
# once per table. A CHECK, index expression or predicate reads the same when printed
# with the names of any table that has the same columns, so it is printed with the
# representative's (see :func:`_deparse`); a database of many similar tables then opens
# a few relations instead of all of them.
Q_TABLES = f"""WITH {_RELS},
sig AS (
    SELECT a.attrelid, array_agg(a.attname ORDER BY a.attnum) AS names
    FROM pg_attribute a JOIN rels ON rels.oid = a.attrelid
    WHERE a.attnum > 0
    GROUP BY a.attrelid
)
SELECT rels.oid, rels.nspname, rels.relname, rels.relrowsecurity, rels.relforcerowsecurity,
       CASE WHEN sig.names IS NULL THEN rels.oid
            ELSE min(rels.oid) OVER (PARTITION BY sig.names) END
FROM rels LEFT JOIN sig ON sig.attrelid = rels.oid"""

# The columns after the first three are the Column's fields: equal columns (``id
# bigint``, ``created_at timestamptz DEFAULT now()``) share one record.
Q_COLUMNS = f"""WITH {_RELS_BY_OID}
SELECT a.attrelid, a.attnum, a.attcollation,
       a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       {_deparse("ad.adbin", "ad.adrelid")}, a.attgenerated <> '',
       CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN co.collname END,
       a.attidentity::text
FROM pg_attribute a
JOIN rels ON rels.oid = a.attrelid
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_collation co ON co.oid = a.attcollation
WHERE a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum"""

# Column numbers are mapped to names in Python (from Q_COLUMNS); only a foreign key to
# a table outside the audited schemas needs its referenced names looked up here. The
# redundant ``conrelid = ANY(...)`` makes the planner hash-join the constraints to the
# tables instead of sorting them (expression trees and all, spilled to disk).
Q_CONSTRAINTS = f"""WITH {_RELS_BY_OID}
SELECT con.conrelid, con.conname, con.contype::text, con.convalidated,
       con.condeferrable, con.condeferred,
       CASE WHEN con.contype = 'c' THEN {_deparse("con.conbin", "con.conrelid")} END,
       con.conkey::int2[], fn.nspname || '.' || fc.relname, con.confrelid, con.confkey::int2[],
       CASE WHEN con.contype = 'f' AND con.confrelid <> ALL(%(oids)s::oid[]) THEN
            ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
                  JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n
                  ORDER BY k.i) END,
       con.confupdtype::text, con.confdeltype::text, con.confmatchtype::text
FROM pg_constraint con
JOIN rels ON rels.oid = con.conrelid
LEFT JOIN pg_class fc ON fc.oid = con.confrelid
LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
WHERE con.contype IN ('c', 'f') AND con.conrelid = ANY(%(oids)s::oid[])"""

# Raw key, collation, operator class and option vectors, decoded in Python; the key
# expressions as one list (pg_get_expr on indexprs is ten times cheaper than
# pg_get_indexdef per key), split at top-level commas.
Q_INDEXES = f"""WITH {_RELS_BY_OID}
SELECT i.indrelid, ic.relname, i.indisunique, am.amname, {_deparse("i.indpred", "i.indrelid")},
       i.indisvalid AND i.indisready, con.contype::text,
       coalesce(con.condeferrable, false), coalesce(con.condeferred, false),
       {{NULLS_NOT_DISTINCT}},
       i.indnkeyatts, i.indkey::int2[],
       {_deparse("i.indexprs", "i.indrelid")},
       i.indcollation::oid[], i.indclass::oid[], i.indoption::int2[]
FROM pg_index i
JOIN rels ON rels.oid = i.indrelid
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_am am ON am.oid = ic.relam
LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid
     AND con.contype IN ('p', 'u', 'x')"""

Q_LOOKUPS = """
SELECT 'opclass', oid, opcname::text, opcdefault FROM pg_opclass
UNION ALL
SELECT 'collation', oid, collname::text, true FROM pg_collation"""

Q_TRIGGERS = f"""WITH {_RELS_BY_OID}
SELECT tg.tgrelid, tg.tgname, pn.nspname || '.' || p.proname, tg.tgenabled::text, tg.tgtype
FROM pg_trigger tg
JOIN rels ON rels.oid = tg.tgrelid
JOIN pg_proc p ON p.oid = tg.tgfoid
JOIN pg_namespace pn ON pn.oid = p.pronamespace
WHERE NOT tg.tgisinternal"""

Q_DOMAINS = f"""WITH nsp AS ({_NSP})
SELECT nsp.nspname, t.typname, format_type(t.typbasetype, t.typtypmod), t.typnotnull,
       t.typdefault,
       coalesce((SELECT json_agg(json_build_array(c.conname, pg_get_expr(c.conbin, 0),
                                                  c.convalidated) ORDER BY c.conname)
                 FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c'), '[]')
FROM pg_type t JOIN nsp ON nsp.oid = t.typnamespace
WHERE t.typtype = 'd'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                  AND d.objid = t.oid AND d.deptype = 'e')"""

Q_ENUMS = f"""WITH nsp AS ({_NSP})
SELECT nsp.nspname, t.typname,
       ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid
             ORDER BY e.enumsortorder)
FROM pg_type t JOIN nsp ON nsp.oid = t.typnamespace
WHERE t.typtype = 'e'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                  AND d.objid = t.oid AND d.deptype = 'e')"""

Q_COLLATIONS = f"""WITH nsp AS ({_NSP})
SELECT nsp.nspname, c.collname, c.collprovider::text,
       {{COLLATION_LOCALE}},
       c.collisdeterministic
FROM pg_collation c JOIN nsp ON nsp.oid = c.collnamespace
WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_collation'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')"""

Q_EXTENSIONS = "SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY extname"

QUERIES = (
    Q_TABLES,
    Q_COLUMNS,
    Q_CONSTRAINTS,
    Q_LOOKUPS,
    Q_INDEXES,
    Q_TRIGGERS,
    Q_DOMAINS,
    Q_ENUMS,
    Q_COLLATIONS,
    Q_EXTENSIONS,
)
QUERY_COUNT = len(QUERIES)
"""How many queries :func:`build_live_model` runs: fixed, whatever the schema's size."""

_ACTIONS = {"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}
_MATCH = {"s": "simple", "f": "full", "p": "partial"}
_IDENTITY = {"a": "always", "d": "by default"}
_CONSTRAINT_KIND = {"p": "primary key", "u": "unique", "x": "exclude"}


class _Named(Protocol):
    @property
    def name(self) -> str: ...


_T = TypeVar("_T", bound=_Named)


def _name(item: _Named) -> str:
    return item.name


@dataclass
class BuildStats:
    """What a build cost: filled in by :func:`build_live_model`."""

    queries: int = 0
    tables: int = 0
    notes: list[str] = field(default_factory=list)


def build_live_model(
    conn: Conn, schemas: Sequence[str] | None = None, stats: BuildStats | None = None
) -> CatalogModel:
    """The model of the database behind ``conn`` (schemas: default every non-system one)."""
    stats = stats if stats is not None else BuildStats()
    params = {
        "schemas": list(schemas) if schemas else None,
        "system": list(SYSTEM_SCHEMAS),
        "bookkeeping": sorted(BOOKKEEPING_TABLES),
    }

    version = conn.info.server_version  # known from the connection: no query
    # The build makes tens of thousands of small objects and no reference cycles: the
    # cyclic garbage collector would only walk them again and again (a third of the
    # client time on 5,000 tables).
    with collector(on=False):
        stats.queries += 1
        tables = conn.execute(Q_TABLES.encode(), params, binary=True).fetchall()
        params["oids"] = [row[0] for row in tables]
        params["reps"] = [row[5] for row in tables]
        # Pipeline mode: the other queries are sent at once; the server works on the next
        # ones while the rows of the first are turned into records here.
        with conn.pipeline():
            cursors: dict[str, Any] = {Q_TABLES: tables}
            for query in QUERIES[1:]:
                text = _for_version(query, version)
                cursors[query] = conn.execute(
                    text.encode(), params if "%(" in text else None, binary=True
                )
                stats.queries += 1

            def run(query: str) -> list[tuple[Any, ...]]:
                found = cursors[query]
                return found if isinstance(found, list) else list(found.fetchall())

            return _assemble(run, stats)


def _sorted(items: list[_T], key: Callable[[_T], str]) -> tuple[_T, ...]:
    """``items`` sorted by ``key`` as a tuple (most lists here have 0 or 1 items)."""
    return tuple(items) if len(items) < 2 else tuple(sorted(items, key=key))


def _assemble(run: Callable[[str], list[tuple[Any, ...]]], stats: BuildStats) -> CatalogModel:
    """Turn the rows of :data:`QUERIES` into the model."""
    # One normalize_expr call per distinct text: the same CHECK or default printed for
    # thousands of tables is normalized once (an unbounded memo for this build only).
    normalized: dict[str, str] = {}

    def norm(text: str) -> str:
        found = normalized.get(text)
        if found is None:
            found = normalized[text] = normalize_expr(text)
        return found

    tables = run(Q_TABLES)
    columns: dict[int, list[Column]] = defaultdict(list)
    # Per table: attnum -> (name, collation oid), for keys of indexes and foreign keys.
    attrs: dict[int, dict[int, tuple[str, int]]] = defaultdict(dict)
    shared: dict[tuple[Any, ...], Column] = {}
    for row in run(Q_COLUMNS):
        relid, attnum, collid = row[:3]
        fields = row[3:]
        column = shared.get(fields)
        if column is None:
            name, typ, notnull, expr, generated, coll, identity = fields
            expr = norm(expr) if expr is not None else None
            column = shared[fields] = Column(
                name=name,
                type=typ,
                not_null=bool(notnull),
                default=None if generated else expr,
                collation=coll,
                identity=_IDENTITY.get(identity or ""),
                generated=expr if generated else None,
            )
        attrs[relid][attnum] = (column.name, collid)
        columns[relid].append(column)
    checks: dict[int, list[Check]] = defaultdict(list)
    fkeys: dict[int, list[ForeignKey]] = defaultdict(list)
    for row in run(Q_CONSTRAINTS):
        relid, name, kind, validated, deferrable, deferred, expr, conkey = row[:8]
        if kind == "c":
            checks[relid].append(Check(name, norm(expr), validated=bool(validated)))
            continue
        ref_table, ref_relid, confkey, outside_names, upd, dele, match = row[8:]
        names = attrs[relid]
        ref_names = attrs.get(ref_relid, {})
        fkeys[relid].append(
            ForeignKey(
                name=name,
                columns=tuple(names[n][0] for n in conkey),
                ref_table=ref_table,
                ref_columns=tuple(outside_names or (ref_names[n][0] for n in confkey)),
                on_delete=_ACTIONS[dele],
                on_update=_ACTIONS[upd],
                validated=bool(validated),
                deferrable=bool(deferrable),
                initially_deferred=bool(deferred),
                match=_MATCH.get(match, match),
            )
        )
    opclasses: dict[int, tuple[str, bool]] = {}
    collations_by_oid: dict[int, str] = {}
    for kind, oid, name, default in run(Q_LOOKUPS):
        if kind == "opclass":
            opclasses[oid] = (name, bool(default))
        else:
            collations_by_oid[oid] = name
    indexes: dict[int, list[Index]] = defaultdict(list)
    index_keys: dict[tuple[Any, ...], IndexKey] = {}
    for row in run(Q_INDEXES):
        relid, name, unique, method, pred, valid, contype, deferrable, deferred, nnd = row[:10]
        nkeys, indkey, exprs, colls, classes, options = row[10:]
        names = attrs[relid]
        pending = [p.strip() for p in split_top_level(exprs)] if exprs else []
        keys = []
        for n in range(nkeys):
            attnum = indkey[n]
            if attnum:
                expression, default_coll = names[attnum]
            else:
                expression, default_coll = norm(pending.pop(0)), 0
            coll = colls[n] if n < len(colls) else 0
            opclass = opclasses.get(classes[n]) if n < len(classes) else None
            collation = None if coll in (0, 100, default_coll) else collations_by_oid.get(coll)
            opclass_name = opclass[0] if opclass and not opclass[1] else None
            descending = bool(options[n] & 1) if n < len(options) else False
            spec = (expression, attnum != 0, collation, opclass_name, descending)
            key = index_keys.get(spec)
            if key is None:
                key = index_keys[spec] = IndexKey(*spec)
            keys.append(key)
        indexes[relid].append(
            Index(
                name=name,
                keys=tuple(keys),
                unique=bool(unique),
                method=method,
                predicate=norm(pred) if pred is not None else None,
                valid=bool(valid),
                constraint=_CONSTRAINT_KIND.get(contype or ""),
                deferrable=bool(deferrable),
                initially_deferred=bool(deferred),
                nulls_not_distinct=bool(nnd),
                include=tuple(names[a][0] for a in indkey[nkeys:] if a),
            )
        )
    triggers: dict[int, list[Trigger]] = defaultdict(list)
    for relid, name, function, enabled, tgtype in run(Q_TRIGGERS):
        triggers[relid].append(
            Trigger(
                name=name,
                function=function,
                enabled=enabled != "D",
                timing=_timing(tgtype),
                events=_events(tgtype),
            )
        )
    empty: list[Any] = []
    built = []
    for relid, schema, name, rls, forced, _ in tables:
        built.append(
            Table(
                schema=schema,
                name=name,
                columns=tuple(columns.get(relid, empty)),
                checks=_sorted(checks.get(relid, empty), key=_name),
                indexes=_sorted(indexes.get(relid, empty), key=_name),
                foreign_keys=_sorted(fkeys.get(relid, empty), key=_name),
                triggers=_sorted(triggers.get(relid, empty), key=_name),
                rls_enabled=bool(rls),
                rls_forced=bool(forced),
            )
        )
    domains = [
        Domain(
            schema=schema,
            name=name,
            base_type=base,
            not_null=bool(notnull),
            default=norm(default) if default is not None else None,
            checks=tuple(Check(c[0], norm(c[1]), validated=bool(c[2])) for c in cons),
        )
        for schema, name, base, notnull, default, cons in run(Q_DOMAINS)
    ]
    enums = [EnumType(schema, name, tuple(labels)) for schema, name, labels in run(Q_ENUMS)]
    collations = [
        Collation(
            schema,
            name,
            provider={"i": "icu", "c": "libc", "d": "default"}.get(p, p),
            locale=locale or "",
            deterministic=bool(det),
        )
        for schema, name, p, locale, det in run(Q_COLLATIONS)
    ]
    extensions = tuple(str(r[0]) for r in run(Q_EXTENSIONS))
    stats.tables = len(built)
    return CatalogModel(
        tables=tuple(sorted(built, key=lambda t: t.qualified)),
        domains=tuple(sorted(domains, key=lambda d: d.qualified)),
        enums=tuple(sorted(enums, key=lambda e: (e.schema, e.name))),
        extensions=extensions,
        collations=tuple(sorted(collations, key=lambda c: (c.schema, c.name))),
    )


def _for_version(query: str, version: int) -> str:
    """Fill in the columns that differ between server versions."""
    nnd = "i.indnullsnotdistinct" if version >= 150000 else "false"
    if version >= 170000:
        locale = "coalesce(c.colllocale, c.collcollate)"
    elif version >= 150000:
        locale = "coalesce(c.colliculocale, c.collcollate)"
    else:
        locale = "c.collcollate"
    return query.replace("{NULLS_NOT_DISTINCT}", nnd).replace("{COLLATION_LOCALE}", locale)


def _timing(tgtype: int) -> str:
    if tgtype & 64:
        return "instead of"
    return "before" if tgtype & 2 else "after"


def _events(tgtype: int) -> tuple[str, ...]:
    names = {4: "insert", 8: "delete", 16: "update", 32: "truncate"}
    return tuple(sorted(name for bit, name in names.items() if tgtype & bit))
