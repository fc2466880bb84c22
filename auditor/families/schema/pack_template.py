"""A commented rule pack inferred from a schema: candidates a team tightens into requirements.

``auditor init`` writes it: for each column or table a generic rule looks at, the
explicit requirement that would pin it down (with the value found today), commented out.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from auditor.catalog.model import CatalogModel, Table
from auditor.catalog.semantics import base_type
from auditor.families.schema.settings import DEFAULT_EXEMPT, DEFAULT_PATTERNS

_HEADER = """\
# Rule pack template written by `auditor init` from the project's migrations.
# Every requirement is a candidate, commented out: uncomment what the schema must
# promise, tighten the values, and list this file in [schema] rules of auditor.toml.
# Keys per kind: see the README ("Rule packs").

[pack]
name = "project-schema"
"""


def _matches(name: str, pattern_set: str) -> bool:
    return any(fnmatchcase(name.lower(), p) for p in DEFAULT_PATTERNS[pattern_set])


def _block(lines: list[str], **keys: object) -> None:
    lines.append("")
    lines.append("# [[requirement]]")
    for key, value in keys.items():
        shown = f'"{value}"' if isinstance(value, str) else str(value).lower()
        if isinstance(value, list):
            shown = "[" + ", ".join(f'"{v}"' for v in value) + "]"
        lines.append(f"# {key} = {shown}")


def _table(lines: list[str], model: CatalogModel, table: Table) -> None:
    name = table.name if table.schema == "public" else table.qualified
    slug = table.qualified.replace("public.", "").replace(".", "-").replace("_", "-")
    pk = table.primary_key
    _block(
        lines,
        id=f"{slug}-primary-key",
        kind="primary-key",
        table=name,
        columns=list(pk.column_names or ()) if pk else ["id"],
        severity="high",
        reason=f"every row of {name} is addressable",
    )
    for column in table.columns:
        col = column.name.lower()
        cid = f"{slug}-{col.replace('_', '-')}"
        typ = base_type(model, column)
        if _matches(col, "login"):
            _block(
                lines,
                id=f"{cid}-unique-ci",
                kind="unique-ci",
                table=name,
                column=col,
                severity="high",
                reason=f"no two {col} values differing only by case",
            )
        if _matches(col, "bounded-text") and typ.split("(")[0] in (
            "text",
            "character varying",
            "citext",
        ):
            _block(
                lines,
                id=f"{cid}-length",
                kind="length",
                table=name,
                column=col,
                min=1,
                max=255,
                severity="medium",
                reason=f"{col} is bounded (found: {typ})",
            )
        if _matches(col, "money"):
            _block(
                lines,
                id=f"{cid}-exact",
                kind="type",
                table=name,
                column=col,
                family="exact-numeric",
                severity="high",
                reason=f"money is exact (found: {typ})",
            )
        if (_matches(col, "money") and not _matches(col, "signed-money")) or _matches(
            col, "quantity"
        ):
            _block(
                lines,
                id=f"{cid}-non-negative",
                kind="lower-bound",
                table=name,
                column=col,
                min=0,
                severity="medium",
                reason=f"{col} is never negative",
            )
    for fk in table.foreign_keys:
        _block(
            lines,
            id=f"{slug}-{'-'.join(fk.columns).replace('_', '-')}-fk",
            kind="foreign-key",
            table=name,
            columns=list(fk.columns),
            references=fk.ref_table.replace("public.", ""),
            on_delete=fk.on_delete,
            severity="medium",
            reason=f"({', '.join(fk.columns)}) refer to {fk.ref_table} (ON DELETE as found)",
        )


def render_template(model: CatalogModel) -> str:
    """The commented pack for every table of ``model`` (bookkeeping tables left out)."""
    lines = [_HEADER.rstrip("\n")]
    for table in model.tables:
        if any(fnmatchcase(table.qualified, g) for g in DEFAULT_EXEMPT):
            continue
        lines += ["", f"# --- {table.qualified} " + "-" * max(3, 60 - len(table.qualified))]
        _table(lines, model, table)
    return "\n".join(lines) + "\n"
