"""The schema diagram: a small record of tables, keys and foreign keys, and its mermaid text.

A family that has a schema model (the ``schema`` family) attaches
``schema_diagram(model)`` to its :class:`~auditor.core.findings.FamilyResult`; the markdown
report draws it as a mermaid ER diagram with the failing requirements marked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from auditor.catalog.model import CatalogModel, Origin, Table
from auditor.core.findings import (
    DiagramColumn,
    DiagramRelation,
    DiagramTable,
    FamilyResult,
    Finding,
    Location,
    SchemaDiagram,
)

MAX_TABLES = 60
"""Past this many tables the diagram is left out (it would not be readable)."""

_UNSAFE = re.compile(r"[^A-Za-z0-9_]+")


def _table(table: Table) -> DiagramTable:
    pk = table.primary_key
    pk_cols = set(pk.column_names or ()) if pk else set()
    fk_cols = {c for fk in table.foreign_keys for c in fk.columns}
    unique_cols = {
        names[0]
        for index in table.indexes
        if index.unique and index.valid and index.predicate is None
        for names in [index.column_names]
        if names is not None and len(names) == 1
    }
    return DiagramTable(
        name=table.qualified,
        columns=tuple(
            DiagramColumn(
                name=c.name,
                type=c.type,
                primary_key=c.name in pk_cols,
                foreign_key=c.name in fk_cols,
                unique=c.name in unique_cols and c.name not in pk_cols,
                not_null=c.not_null,
            )
            for c in table.columns
        ),
    )


def _origins(model: CatalogModel, root: Path | None) -> tuple[tuple[str, str, int], ...]:
    """(object, file, line) for every object of ``model`` whose origin is known."""

    def rel(file: str) -> str:
        if root is not None:
            try:
                return Path(file).resolve().relative_to(root.resolve()).as_posix()
            except ValueError:
                pass
        return Path(file).as_posix()

    out: list[tuple[str, str, int]] = []
    for table in model.tables:
        named: list[tuple[str, Origin | None]] = [(table.qualified, table.origin)]
        for group in (table.columns, table.checks, table.indexes, table.foreign_keys):
            named += [(f"{table.qualified}.{item.name}", item.origin) for item in group]
        out += [(obj, rel(o.file), o.line) for obj, o in named if o is not None]
    out += [(d.qualified, rel(d.origin.file), d.origin.line) for d in model.domains if d.origin]
    return tuple(out)


def schema_diagram(model: CatalogModel, project: Path | None = None) -> SchemaDiagram:
    """The diagram record of ``model``: every table, its key columns and foreign keys,
    and where each object was created (paths made relative to ``project`` when given)."""
    relations = []
    for table in model.tables:
        for fk in table.foreign_keys:
            optional = any(
                (col := table.column(name)) is not None and not col.not_null for name in fk.columns
            )
            relations.append(
                DiagramRelation(
                    child=table.qualified,
                    parent=fk.ref_table,
                    columns=fk.columns,
                    name=fk.name,
                    on_delete=fk.on_delete,
                    optional=optional,
                )
            )
    return SchemaDiagram(
        tables=tuple(_table(t) for t in model.tables),
        relations=tuple(relations),
        origins=_origins(model, project),
    )


def _ident(name: str) -> str:
    """A mermaid-safe entity or attribute token (letters, digits, underscores)."""
    token = _UNSAFE.sub("_", name).strip("_") or "x"
    return token if not token[0].isdigit() else f"_{token}"


def _comment(text: str) -> str:
    return _UNSAFE.sub(" ", text).strip()


def failing_marks(diagram: SchemaDiagram, findings: Iterable[Finding]) -> dict[str, list[str]]:
    """Object (``schema.table`` or ``schema.table.column``) to the rule ids failing on it."""
    tables = {t.name: t for t in diagram.tables}
    marks: dict[str, list[str]] = {}

    def add(obj: str, rule_id: str) -> None:
        ids = marks.setdefault(obj, [])
        if rule_id not in ids:
            ids.append(rule_id)

    for obj, rule_id in diagram.failing:
        add(obj, rule_id)
    for finding in findings:
        if not finding.location.object:
            continue
        obj = finding.location.object
        if "." not in obj:
            obj = f"public.{obj}"
        if obj in tables:
            add(obj, finding.rule_id)
            continue
        table, _, column = obj.rpartition(".")
        if "." not in table:
            table = f"public.{table}"
        if table in tables and any(c.name == column for c in tables[table].columns):
            add(f"{table}.{column}", finding.rule_id)
    return marks


def render_mermaid(diagram: SchemaDiagram, findings: Iterable[Finding] = ()) -> str:
    """The mermaid ``erDiagram`` text; columns and tables with failing rules are marked."""
    marks = failing_marks(diagram, findings)
    lines = ["erDiagram"]
    for table in diagram.tables:
        lines.append(f"    {_ident(table.name)} {{")
        table_marks = marks.get(table.name)
        if table_marks:
            lines.append(f'        table FAILS "{_comment(" ".join(table_marks))}"')
        for column in table.columns:
            keys = [
                k
                for k, on in (
                    ("PK", column.primary_key),
                    ("FK", column.foreign_key),
                    ("UK", column.unique),
                )
                if on
            ]
            line = f"        {_ident(column.type)} {_ident(column.name)}"
            if keys:
                line += " " + ", ".join(keys)
            column_marks = marks.get(f"{table.name}.{column.name}")
            if column_marks:
                line += f' "FAILS {_comment(" ".join(column_marks))}"'
            lines.append(line)
        lines.append("    }")
    for rel in diagram.relations:
        parent_side = "o|" if rel.optional else "||"
        label = _comment(", ".join(rel.columns)) or "fk"
        lines.append(f'    {_ident(rel.child)} }}o--{parent_side} {_ident(rel.parent)} : "{label}"')
    return "\n".join(lines)


def located(finding: Finding, fam: FamilyResult) -> Location:
    """The finding's location, with the creating migration's file and line filled in
    when it names only a database object and the family's diagram knows its origin."""
    loc = finding.location
    if loc.file or not loc.object or fam.schema_diagram is None:
        return loc
    origin = fam.schema_diagram.origin_of(loc.object)
    if origin is None:
        return loc
    return Location(file=origin[0], line=origin[1], object=loc.object, commit=loc.commit)
