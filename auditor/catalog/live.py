"""Build the :class:`~auditor.catalog.model.CatalogModel` of a live database from ``pg_catalog``.

A fixed number of set-based queries (:data:`QUERY_COUNT`), whatever the number of
tables: one each for tables, columns, constraints, operator classes and collations,
indexes, triggers, domains, enums, user collations and extensions. Objects owned by an extension and the migration
runner's bookkeeping tables are left out. Reads only the catalog, so a role that
cannot read the tables can still be audited.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

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
from auditor.migrate.runner import BOOKKEEPING_TABLES

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
_RELS_BY_OID = "rels AS (SELECT unnest(%(oids)s::oid[]) AS oid)"

Q_TABLES = f"""WITH {_RELS}
SELECT oid, nspname, relname, relrowsecurity, relforcerowsecurity FROM rels"""

Q_COLUMNS = f"""WITH {_RELS_BY_OID}
SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, ad.adrelid) END,
       CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN co.collname END,
       a.attidentity::text,
       CASE WHEN a.attgenerated <> '' THEN pg_get_expr(ad.adbin, ad.adrelid) END,
       a.attnum, a.attcollation
FROM pg_attribute a
JOIN rels ON rels.oid = a.attrelid
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_collation co ON co.oid = a.attcollation
WHERE a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum"""

# Column numbers are mapped to names in Python (from Q_COLUMNS); only a foreign key to
# a table outside the audited schemas needs its referenced names looked up here.
Q_CONSTRAINTS = f"""WITH {_RELS_BY_OID}
SELECT con.conrelid, con.conname, con.contype::text, con.convalidated,
       con.condeferrable, con.condeferred,
       CASE WHEN con.contype = 'c' THEN pg_get_expr(con.conbin, con.conrelid) END,
       con.conkey::int2[], fn.nspname || '.' || fc.relname, con.confrelid, con.confkey::int2[],
       CASE WHEN con.contype = 'f' AND con.confrelid NOT IN (SELECT oid FROM rels) THEN
            ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
                  JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n
                  ORDER BY k.i) END,
       con.confupdtype::text, con.confdeltype::text, con.confmatchtype::text
FROM pg_constraint con
JOIN rels ON rels.oid = con.conrelid
LEFT JOIN pg_class fc ON fc.oid = con.confrelid
LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
WHERE con.contype IN ('c', 'f')"""

# Raw key, collation, operator class and option vectors, decoded in Python; the key
# expressions as one list (pg_get_expr on indexprs is ten times cheaper than
# pg_get_indexdef per key), split at top-level commas.
Q_INDEXES = f"""WITH {_RELS_BY_OID}
SELECT i.indrelid, ic.relname, i.indisunique, am.amname, pg_get_expr(i.indpred, i.indrelid),
       i.indisvalid AND i.indisready, con.contype::text,
       coalesce(con.condeferrable, false), coalesce(con.condeferred, false),
       {{NULLS_NOT_DISTINCT}},
       i.indnkeyatts, i.indkey::int2[],
       pg_get_expr(i.indexprs, i.indrelid),
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
    stats.queries += 1
    tables = conn.execute(Q_TABLES.encode(), params).fetchall()
    params["oids"] = [row[0] for row in tables]
    # Pipeline mode: the other queries are sent at once; the server works on the next
    # ones while the rows of the first are turned into records here.
    with conn.pipeline():
        cursors: dict[str, Any] = {Q_TABLES: tables}
        for query in QUERIES[1:]:
            text = _for_version(query, version)
            cursors[query] = conn.execute(text.encode(), params if "%(" in text else None)
            stats.queries += 1

        def run(query: str) -> list[tuple[Any, ...]]:
            found = cursors[query]
            return found if isinstance(found, list) else list(found.fetchall())

        return _assemble(run, stats)


def _assemble(run: Callable[[str], list[tuple[Any, ...]]], stats: BuildStats) -> CatalogModel:
    """Turn the rows of :data:`QUERIES` into the model."""
    tables = {row[0]: row for row in run(Q_TABLES)}
    columns: dict[int, list[Column]] = defaultdict(list)
    attnames: dict[int, dict[int, str]] = defaultdict(dict)
    attcolls: dict[int, dict[int, int]] = defaultdict(dict)
    for row in run(Q_COLUMNS):
        relid, name, typ, notnull, default, coll, identity, generated, attnum, collid = row
        attnames[relid][attnum] = name
        attcolls[relid][attnum] = collid
        columns[relid].append(
            Column(
                name=name,
                type=typ,
                not_null=bool(notnull),
                default=normalize_expr(default) if default is not None else None,
                collation=coll,
                identity=_IDENTITY.get(identity or ""),
                generated=normalize_expr(generated) if generated is not None else None,
            )
        )
    checks: dict[int, list[Check]] = defaultdict(list)
    fkeys: dict[int, list[ForeignKey]] = defaultdict(list)
    for row in run(Q_CONSTRAINTS):
        relid, name, kind, validated, deferrable, deferred, expr, conkey = row[:8]
        ref_table, ref_relid, confkey, outside_names, upd, dele, match = row[8:]
        if kind == "c":
            checks[relid].append(Check(name, normalize_expr(expr), validated=bool(validated)))
            continue
        names = attnames[relid]
        ref_names = attnames.get(ref_relid, {})
        fkeys[relid].append(
            ForeignKey(
                name=name,
                columns=tuple(names[n] for n in conkey),
                ref_table=ref_table,
                ref_columns=tuple(outside_names or (ref_names[n] for n in confkey)),
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
    for row in run(Q_INDEXES):
        relid, name, unique, method, pred, valid, contype, deferrable, deferred, nnd = row[:10]
        nkeys, indkey, exprs, colls, classes, options = row[10:]
        names = attnames[relid]
        pending = split_top_level(exprs) if exprs else []
        keys = []
        for n in range(nkeys):
            attnum = indkey[n]
            coll = colls[n] if n < len(colls) else 0
            default_coll = attcolls[relid].get(attnum, 0) if attnum else 0
            opclass = opclasses.get(classes[n]) if n < len(classes) else None
            keys.append(
                IndexKey(
                    expression=names[attnum] if attnum else normalize_expr(pending.pop(0)),
                    is_column=attnum != 0,
                    collation=None
                    if coll in (0, 100, default_coll)
                    else collations_by_oid.get(coll),
                    opclass=opclass[0] if opclass and not opclass[1] else None,
                    descending=bool(options[n] & 1) if n < len(options) else False,
                )
            )
        indexes[relid].append(
            Index(
                name=name,
                keys=tuple(keys),
                unique=bool(unique),
                method=method,
                predicate=normalize_expr(pred) if pred is not None else None,
                valid=bool(valid),
                constraint=_CONSTRAINT_KIND.get(contype or ""),
                deferrable=bool(deferrable),
                initially_deferred=bool(deferred),
                nulls_not_distinct=bool(nnd),
                include=tuple(names[a] for a in indkey[nkeys:] if a),
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
    built = []
    for relid, (_, schema, name, rls, forced) in tables.items():
        built.append(
            Table(
                schema=schema,
                name=name,
                columns=tuple(columns[relid]),
                checks=tuple(sorted(checks[relid], key=lambda c: c.name)),
                indexes=tuple(sorted(indexes[relid], key=lambda i: i.name)),
                foreign_keys=tuple(sorted(fkeys[relid], key=lambda f: f.name)),
                triggers=tuple(sorted(triggers[relid], key=lambda t: t.name)),
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
            default=normalize_expr(default) if default is not None else None,
            checks=tuple(Check(c[0], normalize_expr(c[1]), validated=bool(c[2])) for c in cons),
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


def split_top_level(text: str) -> list[str]:
    """Split ``a, f(b, c), 'x,y'`` at the commas outside parentheses, brackets and quotes."""
    parts: list[str] = []
    depth = 0
    quote = ""
    start = 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return parts


def _timing(tgtype: int) -> str:
    if tgtype & 64:
        return "instead of"
    return "before" if tgtype & 2 else "after"


def _events(tgtype: int) -> tuple[str, ...]:
    names = {4: "insert", 8: "delete", 16: "update", 32: "truncate"}
    return tuple(sorted(name for bit, name in names.items() if tgtype & bit))
