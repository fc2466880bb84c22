"""The mutable records the builder replays statements on (frozen by :mod:`.freeze`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from auditor.catalog.fastddl import Reference
from auditor.catalog.model import (
    Origin,
    Trigger,
)


class _Unsupported(Exception):
    """The statement cannot be modeled; the message is the reason."""


class _NotInModel(Exception):
    """The statement only touches objects the model leaves out (materialized views)."""


@dataclass
class _Col:
    name: str
    type: str
    not_null: bool = False
    default: str | None = None
    collation: str | None = None
    identity: str | None = None
    generated: exp.Expr | None = None
    sequence: str | None = None
    origin: Origin | None = None


@dataclass
class _Key:
    expr: exp.Expr
    descending: bool = False
    opclass: str | None = None
    collation: str | None = None
    name: str | None = None
    """What PostgreSQL calls the key when it names the index (``FigureIndexColname``),
    from the expression as written."""


@dataclass
class _Index:
    name: str
    keys: list[_Key]
    unique: bool = False
    method: str = "btree"
    predicate: exp.Expr | None = None
    constraint: str | None = None
    deferrable: bool = False
    initially_deferred: bool = False
    nulls_not_distinct: bool = False
    include: list[str] = field(default_factory=list)
    origin: Origin | None = None


@dataclass
class _Check:
    name: str
    expr: exp.Expr
    validated: bool = True
    origin: Origin | None = None


@dataclass
class _Fk:
    name: str
    columns: list[str]
    ref: _Table
    ref_columns: list[str]
    on_delete: str = "no action"
    on_update: str = "no action"
    validated: bool = True
    deferrable: bool = False
    initially_deferred: bool = False
    match: str = "simple"
    origin: Origin | None = None


@dataclass
class _Table:
    schema: str
    name: str
    columns: list[_Col] = field(default_factory=list)
    checks: dict[str, _Check] = field(default_factory=dict)
    indexes: dict[str, _Index] = field(default_factory=dict)
    fks: dict[str, _Fk] = field(default_factory=dict)
    triggers: dict[str, Trigger] = field(default_factory=dict)
    rls_enabled: bool = False
    rls_forced: bool = False
    origin: Origin | None = None
    referenced_by: list[_Table] = field(default_factory=list)
    """Tables whose foreign keys reference this one (may hold stale entries)."""

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    def col(self, name: str) -> _Col:
        for c in self.columns:
            if c.name == name:
                return c
        raise _Unsupported(f"column {name} of {self.qualified} is not known")

    def has_col(self, name: str) -> bool:
        return name in [c.name for c in self.columns]

    def primary_key_name(self) -> str | None:
        return next((n for n, i in self.indexes.items() if i.constraint == "primary key"), None)


@dataclass
class _Domain:
    schema: str
    name: str
    base_type: str
    not_null: bool = False
    default: str | None = None
    checks: dict[str, _Check] = field(default_factory=dict)
    origin: Origin | None = None


@dataclass
class _IndexSpec:
    name: str | None
    columns: list[str]
    constraint: str
    include: list[str] = field(default_factory=list)
    nulls_not_distinct: bool = False
    options: list[object] = field(default_factory=list)


@dataclass
class _Pending:
    checks: list[tuple[str | None, exp.Expr, bool]] = field(default_factory=list)
    indexes: list[_IndexSpec] = field(default_factory=list)
    fks: list[tuple[str | None, list[str], Reference, bool]] = field(default_factory=list)
    new_columns: list[_Col] = field(default_factory=list)
