"""One forward replay with cheap snapshots: the static builder as the history rules need it.

LNT035 and LNT037 compare the schema before a migration, after its up.sql and after
its up.sql then its down.sql. A deep copy of the whole builder per migration (to
apply the down.sql to) and a fresh freeze of every table per model made the replay
quadratic in the history's length. Here:

- the builder's tables sit in a :class:`WatchedTables` mapping that notes every table
  it hands out; every change to a table goes through a table obtained from it (or from
  ``_referrers``, which notes its tables too), so the untouched tables are known;
- a table is frozen again only when it was handed out since its last freeze
  (:meth:`ReplayBuilder.snapshot`); the other frozen records are reused as they are;
- a down.sql is applied to the builder itself (:meth:`ReplayBuilder.revert_model`):
  each table is copied the first time the down.sql touches it, with every other table
  kept by identity, and put back in place afterwards, as are the builder's other
  attributes (names, domains, enums...: small, copied whole).

The per-migration cost is then the cost of the tables the migration touches, plus a
dictionary copy of the catalog's names, instead of a copy and a freeze of everything.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlglot import exp

from auditor.catalog.model import Table
from auditor.catalog.static import StaticBuilder, StaticModel
from auditor.catalog.static.freeze import freeze, freeze_table
from auditor.catalog.static.records import _Index, _Table
from auditor.core.collector import collector
from auditor.migrate.layouts import Script

_ATOMIC = (str, int, float, bool, type(None), bytes, Path, type(Path()))


class WatchedTables(dict[tuple[str, str], _Table]):
    """The builder's tables; every table handed out is noted (and backed up while saving)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.touched: dict[int, _Table] = {}
        """Tables handed out since :meth:`take_touched`, by identity."""
        self.quiet = 0
        """While above zero, reads are not noted (read-only scans)."""
        self.saving: dict[int, tuple[_Table, dict[str, Any]]] | None = None
        """While a down.sql is applied: each touched table's state before it."""
        self.memo: dict[int, Any] = {}

    def note(self, table: _Table) -> None:
        """``table`` may change: refreeze it, and back it up first while saving."""
        if self.quiet:
            return
        key = id(table)
        if key not in self.touched:
            self.touched[key] = table
        if self.saving is not None and key not in self.saving:
            self.saving[key] = (table, {k: _clone(v, self.memo) for k, v in vars(table).items()})

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its tables only (nothing is noted or saved between runs)."""
        return (WatchedTables, (dict(dict.items(self)),))

    def take_touched(self) -> dict[int, _Table]:
        touched, self.touched = self.touched, {}
        return touched

    def get(self, key: tuple[str, str], default: Any = None) -> Any:
        table = super().get(key, default)
        if isinstance(table, _Table):
            self.note(table)
        return table

    def __getitem__(self, key: tuple[str, str]) -> _Table:
        table = super().__getitem__(key)
        self.note(table)
        return table

    def pop(self, key: tuple[str, str], *default: Any) -> Any:
        table = super().pop(key, *default)
        if isinstance(table, _Table):
            self.note(table)
        return table

    def setdefault(self, key: tuple[str, str], default: Any = None) -> Any:
        table = super().setdefault(key, default)
        self.note(table)
        return table

    def popitem(self) -> tuple[tuple[str, str], _Table]:
        item = super().popitem()
        self.note(item[1])
        return item

    def __setitem__(self, key: tuple[str, str], table: _Table) -> None:
        super().__setitem__(key, table)
        self.note(table)

    def values(self) -> Any:
        for table in super().values():
            self.note(table)
        return super().values()

    def items(self) -> Any:
        for table in super().values():
            self.note(table)
        return super().items()

    @contextmanager
    def reading(self) -> Iterator[None]:
        """A read-only scan: what is read is not noted (note what is returned yourself)."""
        self.quiet += 1
        try:
            yield
        finally:
            self.quiet -= 1


_Frozen = tuple[_Table, Table, tuple[_Table, ...]]
"""A table, its frozen record, and the tables its foreign keys name (their names are in it)."""


class ReplayBuilder(StaticBuilder):
    """A :class:`StaticBuilder` whose models are incremental and whose down.sql is undone."""

    def __init__(self, root: Path | None = None) -> None:
        super().__init__(root)
        self.tables: WatchedTables = WatchedTables(self.tables)
        self._frozen: dict[int, _Frozen] = {}
        self._dirty: dict[int, _Table] = {}

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the frozen records (keyed by object ids, which do not survive)."""
        return {**vars(self), "_frozen": {}, "_dirty": {}}

    # The builder's read-only scans of every table: note only the table they return.

    def _lookup_index(self, schema: str | None, name: str) -> tuple[_Table, _Index] | None:
        with self.tables.reading():
            found = super()._lookup_index(schema, name)
        if found is not None:
            self.tables.note(found[0])
        return found

    def _mentioned_tables(self, text: str) -> tuple[str, ...]:
        with self.tables.reading():
            return super()._mentioned_tables(text)

    def _referrers(self, table: _Table) -> list[_Table]:
        found: list[_Table] = super()._referrers(table)
        self.tables.note(table)
        for other in found:
            self.tables.note(other)
        return found

    def _freeze(self, keep: bool) -> StaticModel:
        """The model now; ``keep``: remember the tables' records for the next models."""
        dirty = {**self._dirty, **self.tables.take_touched()}
        frozen = self._frozen
        fresh: dict[int, _Frozen] = {}

        def table(t: _Table) -> Table:
            key = id(t)
            hit = frozen.get(key)
            if (
                hit is None
                or hit[0] is not t
                or key in dirty
                or any(id(ref) in dirty for ref in hit[2])
            ):
                hit = (
                    t,
                    freeze_table(t),
                    tuple({id(f.ref): f.ref for f in t.fks.values()}.values()),
                )
            fresh[key] = hit
            return hit[1]

        with self.tables.reading(), collector(on=False):
            model = freeze(self, table)
        if keep:
            self._frozen, self._dirty = fresh, {}
        return model

    def snapshot(self) -> StaticModel:
        """The model after the statements replayed so far."""
        return self._freeze(keep=True)

    def revert_model(self, script: Script) -> tuple[StaticModel, int]:
        """The model after ``script`` (a down.sql), then the builder as before it.

        Also returns where ``script``'s unmodeled statements start in the model's list.
        """
        self._dirty.update(self.tables.take_touched())
        memo: dict[int, Any] = {id(t): t for t in dict.values(self.tables)}
        attributes = {
            name: _copy(value, memo) for name, value in vars(self).items() if name not in _OWN
        }
        tables = dict(dict.items(self.tables))
        watched = self.tables
        watched.saving, watched.memo = {}, memo
        mark = len(self.unmodeled)
        try:
            self.add_script(script)
            reverted = self._freeze(keep=False)
        finally:
            saved, watched.saving, watched.memo = watched.saving, None, {}
            for table, state in saved.values():
                vars(table).clear()
                vars(table).update(state)
            for name in [n for n in vars(self) if n not in attributes and n not in _OWN]:
                delattr(self, name)
            vars(self).update(attributes)
            dict.clear(watched)
            dict.update(watched, tables)
            watched.take_touched()
        return reverted, mark


_OWN = frozenset({"tables", "_frozen", "_dirty"})
"""Attributes :meth:`ReplayBuilder.revert_model` restores itself (or need no restoring)."""

_FROZEN_TYPES: dict[type, bool] = dict.fromkeys(_ATOMIC, True)
"""Whether a type's values never change: plain values and frozen dataclasses."""


def _immutable(value: object) -> bool:
    kind = type(value)
    known = _FROZEN_TYPES.get(kind)
    if known is None:
        params = getattr(kind, "__dataclass_params__", None)
        known = _FROZEN_TYPES[kind] = bool(
            dataclasses.is_dataclass(kind) and params is not None and params.frozen
        )
    return known


def _clone(value: Any, memo: dict[int, Any]) -> Any:
    """A copy of a table's field: records and containers copied, tables and values kept.

    ``memo`` maps the id of every table to the table itself (they are never copied);
    sqlglot trees are copied (a column rename rewrites them in place).
    """
    if _immutable(value):
        return value
    key = id(value)
    hit = memo.get(key)
    if hit is not None:
        return hit
    kind = type(value)
    out: Any
    if kind is list:
        out = [_clone(item, memo) for item in value]
    elif kind is dict:
        out = {k: _clone(item, memo) for k, item in value.items()}
    elif kind is tuple:
        out = tuple(_clone(item, memo) for item in value)
    elif kind is set or kind is frozenset or isinstance(value, exp.Expr):
        out = value.copy()
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = copy.copy(value)
        fields = vars(out)
        for name, item in list(fields.items()):
            if not _immutable(item):
                fields[name] = _clone(item, memo)
    else:
        out = copy.deepcopy(value, memo)
    memo[key] = out
    memo.setdefault(id(memo), []).append(value)  # keep the original alive: its id stays its own
    return out


def _copy(value: Any, memo: dict[int, Any]) -> Any:
    """A copy of one builder attribute: containers of plain values copied flat, the rest deep."""
    if _immutable(value):
        return value
    kind = type(value)
    if kind is set or kind is frozenset:
        return set(value) if kind is set else value  # elements are hashable names
    if kind is list:
        if all(_immutable(item) for item in value):
            return list(value)
        return copy.deepcopy(value, memo)
    if kind is dict:
        return {key: item if _immutable(item) else _copy(item, memo) for key, item in value.items()}
    return copy.deepcopy(value, memo)
