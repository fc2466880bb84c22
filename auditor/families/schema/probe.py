"""Proof by probing: ask PostgreSQL itself whether each requirement is enforced.

For each requirement, insert rows that violate it and rows on its boundary, each in
its own savepoint, inside one transaction that is always rolled back. A requirement
is *proven* when every violating row is rejected and every boundary row accepted.

Nothing is left behind: the outer transaction is rolled back, and no sequence is
advanced because identity and serial columns always get explicit values
(``OVERRIDING SYSTEM VALUE``), far outside the ranges sequences hand out.

This writes to the database (then rolls back): callers allow it only on a disposable
database or with an explicit ``--allow-writes``.
"""

from __future__ import annotations

import itertools
import secrets
import string
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql

from auditor.catalog.model import CatalogModel, Column, Table
from auditor.catalog.semantics import base_type, column_bounds, effective, strongest
from auditor.db.target import connect
from auditor.families.schema.rulepacks import Requirement
from auditor.families.schema.rules import ProbeResult

Conn = psycopg.Connection[Any]

_INTEGRAL = ("smallint", "integer", "bigint")
_NUMERIC = (*_INTEGRAL, "numeric", "real", "double precision", "decimal")
_TEXT = ("text", "character varying", "character", "citext", "varchar", "bpchar")
_FIXED = {
    "boolean": "false",
    "uuid": None,
    "json": "{}",
    "jsonb": "{}",
    "date": "2000-01-01",
    "timestamp with time zone": "2000-01-01 00:00:00+00",
    "timestamp without time zone": "2000-01-01 00:00:00",
    "time without time zone": "00:00",
    "time with time zone": "00:00+00",
    "interval": "1 day",
    "bytea": "\\x00",
    "inet": "127.0.0.1",
    "cidr": "127.0.0.0/8",
}
_REJECTIONS = {
    "23502": "not_null_violation",
    "23503": "foreign_key_violation",
    "23505": "unique_violation",
    "23514": "check_violation",
    "22001": "string_data_right_truncation",
    "22003": "numeric_value_out_of_range",
    "23P01": "exclusion_violation",
}


Outcome = tuple[list[str], list[str], list[str]]
"""(rejected as required, accepted as required, what went wrong)."""


def _empty_outcome() -> Outcome:
    """A fresh outcome for a probe to fill: three empty lists."""
    return [], [], []


class CannotProbe(Exception):
    """No valid row could be built for a table; the probe is skipped with this reason."""


class Rejected(Exception):
    """PostgreSQL rejected a probe row."""

    def __init__(self, sqlstate: str, message: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate

    @property
    def label(self) -> str:
        return _REJECTIONS.get(self.sqlstate, self.sqlstate)


def prove(dsn: str, model: CatalogModel, requirements: list[Requirement]) -> list[ProbeResult]:
    """Probe every requirement that can be probed; always rolls back."""
    conn = connect(dsn, read_only=False, autocommit=False)
    try:
        conn.execute("SET LOCAL lock_timeout = '1s'")
        prober = _Prober(conn, model)
        results = []
        for req in requirements:
            result = prober.probe(req)
            if result is not None:
                results.append(result)
        return results
    finally:
        conn.rollback()
        conn.close()


class _Prober:
    def __init__(self, conn: Conn, model: CatalogModel) -> None:
        self.conn = conn
        self.model = model
        self.counter = itertools.count(1)

    # --- row building -------------------------------------------------------

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        try:
            with self.conn.transaction():
                yield
        except psycopg.Error as exc:
            state = exc.sqlstate or "?????"
            raise Rejected(state, (exc.diag.message_primary or str(exc)).strip()) from None

    def table(self, name: str) -> Table:
        table = self.model.table(name)
        if table is None:
            raise CannotProbe(f"table {name} does not exist")
        return table

    def value(self, table: Table, column: Column, length: int | None = None) -> str | None:
        """A text literal valid for ``column`` (cast to its type on insert)."""
        typ = base_type(self.model, column)
        bare = typ.split("(")[0].strip().split(".")[-1]
        n = next(self.counter)
        if bare in _NUMERIC:
            integral = bare in _INTEGRAL
            bounds = column_bounds(self.model, table, column.name, length=False)
            low = strongest(bounds, "lower", integral=integral, validated_only=False)
            high = strongest(bounds, "upper", integral=integral, validated_only=False)
            sequence = column.identity is not None or "nextval(" in (column.default or "")
            if low is not None:
                lo, inclusive = effective(low, integral=integral)
                value = lo + n if integral or not inclusive else lo + n - 1
            elif sequence:  # far from anything a sequence hands out
                value = -1_000_000_000 - n if bare != "smallint" else -30_000 - n
            else:
                value = n
            if high is not None:
                value = min(value, effective(high, integral=integral)[0])
            return str(int(value)) if float(value).is_integer() else str(value)
        if bare in _TEXT:
            bounds = column_bounds(self.model, table, column.name, length=True)
            low = strongest(bounds, "lower", integral=True, validated_only=False)
            high = strongest(bounds, "upper", integral=True, validated_only=False)
            lo = int(effective(low, integral=True)[0]) if low else 1
            hi = int(effective(high, integral=True)[0]) if high else 24
            size = length if length is not None else max(lo, min(12, hi))
            return random_text(size)
        if bare == "uuid":
            import uuid

            return str(uuid.uuid4())
        if bare in _FIXED:
            return _FIXED[bare]
        for enum in self.model.enums:
            if enum.name == bare and enum.labels:
                return enum.labels[0]
        if typ.endswith("[]"):
            return "{}"
        raise CannotProbe(f"no probe value for column {column.name} of type {typ}")

    def insert(
        self,
        table: Table,
        overrides: dict[str, str | None],
        depth: int = 0,
        *,
        returning: bool = True,
    ) -> dict[str, Any]:
        """Insert a valid row (with ``overrides``) in a savepoint; return the inserted row.

        ``returning=False`` sends a plain INSERT: PostgreSQL refuses RETURNING on a table
        with conditional DO INSTEAD rules, and such a rule is what a probe must expose.
        """
        values = self.row_values(table, overrides, depth)
        columns = list(values)
        query = sql.SQL("INSERT INTO {} ({}) OVERRIDING SYSTEM VALUE VALUES ({})").format(
            sql.Identifier(table.schema, table.name),
            sql.SQL(", ").join(sql.Identifier(c) for c in columns),
            sql.SQL(", ").join(self.literal(table, c, values[c]) for c in columns),
        )
        if not columns:
            query = sql.SQL("INSERT INTO {} DEFAULT VALUES").format(
                sql.Identifier(table.schema, table.name)
            )
        if returning:
            query = sql.SQL("{} RETURNING *").format(query)
        with self.savepoint():
            cur = self.conn.execute(query)
            if not returning:
                return {}
            row = cur.fetchone()
            names = [d.name for d in cur.description or ()]
        return dict(zip(names, row or (), strict=False))

    def valid_row(
        self, table: Table, overrides: dict[str, str | None], *, returning: bool = True
    ) -> dict[str, Any]:
        """Insert a row that must be accepted: if it is not, nothing can be proven."""
        try:
            return self.insert(table, overrides, returning=returning)
        except Rejected as exc:
            raise CannotProbe(f"a valid row was rejected ({exc.label}: {exc})") from None

    def expect_duplicate(
        self, table: Table, overrides: dict[str, str | None], label: str, *, row: str, accepted: str
    ) -> Outcome:
        """Insert a row that must be refused as a duplicate (unique_violation)."""
        try:
            self.insert(table, overrides)
        except Rejected as exc:
            if exc.sqlstate != "23505":
                raise CannotProbe(f"{row} was rejected for another reason ({exc.label})") from None
            return [f"{label} ({exc.label})"], [], []
        return [], [], [accepted]

    def literal(self, table: Table, column: str, value: str | None) -> sql.Composable:
        col = table.column(column)
        if value is None or col is None:
            return sql.SQL("NULL")
        # an untyped literal: PostgreSQL applies the column's assignment coercion, which
        # rejects a too-long varchar (an explicit ::varchar(n) cast would truncate it)
        return sql.Literal(value)

    def row_values(
        self, table: Table, overrides: dict[str, str | None], depth: int
    ) -> dict[str, str | None]:
        if depth > 6:
            raise CannotProbe(f"foreign keys nest too deeply at {table.qualified}")
        values: dict[str, str | None] = {}
        for fk in table.foreign_keys:
            if any(c in overrides for c in fk.columns):
                continue
            cols = [table.column(c) for c in fk.columns]
            if not any(c is not None and c.not_null for c in cols):
                continue
            parent = self.table(fk.ref_table)
            try:
                row = self.insert(parent, {}, depth + 1)
            except Rejected as exc:
                raise CannotProbe(
                    f"a valid parent row in {parent.qualified} was rejected ({exc.label}: {exc})"
                ) from None
            for col, ref in zip(fk.columns, fk.ref_columns, strict=True):
                values[col] = None if row.get(ref) is None else str(row[ref])
        for column in table.columns:
            if column.name in overrides or column.name in values or column.generated:
                continue
            sequence = column.identity is not None or "nextval(" in (column.default or "")
            if sequence or (column.not_null and column.default is None):
                values[column.name] = self.value(table, column)
        values.update(overrides)
        return values

    # --- probes ------------------------------------------------------------

    def probe(self, req: Requirement) -> ProbeResult | None:
        handler = {
            "not-null": self.not_null,
            "length": self.length,
            "lower-bound": self.lower_bound,
            "unique-ci": self.unique_ci,
            "unique": self.unique,
            "primary-key": self.primary_key,
            "foreign-key": self.foreign_key,
        }.get(req.kind)
        if handler is None:
            return None  # table existence and types: the catalog is the proof
        try:
            table = self.table(req.table)
            for name in req.columns:
                if table.column(name) is None:
                    raise CannotProbe(f"column {req.table}.{name} does not exist")
            # a baseline row must be accepted, or no rejection proves anything
            self.valid_row(table, {}, returning=False)
            rejected, accepted, wrong = handler(req, table)
        except CannotProbe as exc:
            return ProbeResult(req.id, False, "", skipped=str(exc))
        if wrong:
            return ProbeResult(req.id, False, "; ".join(wrong))
        parts = []
        if rejected:
            parts.append("rejected " + ", ".join(rejected))
        if accepted:
            parts.append("accepted " + ", ".join(accepted))
        return ProbeResult(req.id, True, "; ".join(parts))

    def expect(
        self,
        table: Table,
        overrides: dict[str, str | None],
        label: str,
        *,
        reject: bool,
        outcome: Outcome,
    ) -> None:
        """Insert a probe row; record in ``outcome`` whether PostgreSQL did as required."""
        rejected, accepted, wrong = outcome
        try:
            self.insert(table, overrides, returning=False)
        except Rejected as exc:
            if reject and exc.sqlstate != "23505":
                rejected.append(f"{label} ({exc.label})")
            elif reject or exc.sqlstate == "23505":
                raise CannotProbe(f"probe row {label} collided with existing data") from None
            else:
                wrong.append(f"rejected {label}, which the requirement allows ({exc.label}: {exc})")
            return
        if reject:
            wrong.append(f"accepted {label}")
        else:
            accepted.append(label)

    def not_null(self, req: Requirement, table: Table) -> Outcome:
        outcome = _empty_outcome()
        self.expect(
            table,
            {req.column: None},
            f"{req.column} = NULL",
            reject=True,
            outcome=outcome,
        )
        return outcome

    def length(self, req: Requirement, table: Table) -> Outcome:
        outcome = _empty_outcome()
        column = req.column
        tries: list[tuple[int, bool]] = []
        if req.min is not None and req.min > 0:
            tries += [(int(req.min) - 1, True), (int(req.min), False)]
        if req.max is not None:
            tries += [(int(req.max), False), (int(req.max) + 1, True)]
        for size, reject in tries:
            self.expect(
                table,
                {column: random_text(size)},
                f"length {size}",
                reject=reject,
                outcome=outcome,
            )
        return outcome

    def lower_bound(self, req: Requirement, table: Table) -> Outcome:
        outcome = _empty_outcome()
        assert req.min is not None
        low = req.min
        bad, good = (low - 1, low) if req.inclusive else (low, low + 1)
        for value, reject in ((bad, True), (good, False)):
            text = str(int(value)) if float(value).is_integer() else str(value)
            self.expect(
                table,
                {req.column: text},
                f"{req.column} = {text}",
                reject=reject,
                outcome=outcome,
            )
        return outcome

    def unique_ci(self, req: Requirement, table: Table) -> Outcome:
        column = table.column(req.column)
        assert column is not None
        first = self.value(table, column) or "ab"
        first = first[0].upper() + first[1:].lower()
        self.valid_row(table, {req.column: first})
        second = first.swapcase()
        return self.expect_duplicate(
            table,
            {req.column: second},
            "the same value in another case",
            row="the second row",
            accepted=f"accepted the same value in another case ({first!r}, then {second!r})",
        )

    def duplicate(self, req: Requirement, table: Table, columns: tuple[str, ...]) -> Outcome:
        row = self.valid_row(table, {})
        same = {c: None if row.get(c) is None else str(row[c]) for c in columns}
        label = "a second row with the same (" + ", ".join(columns) + ")"
        return self.expect_duplicate(table, same, label, row=label, accepted=f"accepted {label}")

    def unique(self, req: Requirement, table: Table) -> Outcome:
        return self.duplicate(req, table, req.columns)

    def primary_key(self, req: Requirement, table: Table) -> Outcome:
        pk = table.primary_key
        columns = req.columns or (pk.column_names if pk and pk.column_names else ())
        if not columns:
            raise CannotProbe("no primary key columns to probe")
        return self.duplicate(req, table, tuple(columns))

    def foreign_key(self, req: Requirement, table: Table) -> Outcome:
        rejected, accepted, wrong = outcome = _empty_outcome()
        parent = self.table(req.references or "")
        ref_cols = req.ref_columns or (
            parent.primary_key.column_names
            if parent.primary_key and parent.primary_key.column_names
            else ()
        )
        if len(ref_cols) != len(req.columns):
            raise CannotProbe("referenced columns unknown")
        # 1. an orphan row must be rejected
        orphan: dict[str, str | None] = {}
        for col, ref in zip(req.columns, ref_cols, strict=True):
            ref_column = parent.column(ref)
            if ref_column is None:
                raise CannotProbe(f"column {parent.qualified}.{ref} does not exist")
            orphan[col] = self.value(parent, ref_column)
        self.expect(
            table,
            orphan,
            "a row referencing a missing parent",
            reject=True,
            outcome=outcome,
        )
        # 2. deleting the parent must do what ON DELETE says
        if req.on_delete is not None:
            try:
                parent_row = self.insert(parent, {})
                link: dict[str, str | None] = {
                    c: str(parent_row[r]) for c, r in zip(req.columns, ref_cols, strict=True)
                }
                child = self.insert(table, link)
            except Rejected as exc:
                raise CannotProbe(f"a valid parent/child pair was rejected ({exc.label})") from None
            where = sql.SQL(" AND ").join(
                sql.SQL("{} = {}").format(sql.Identifier(r), sql.Literal(str(parent_row[r])))
                for r in ref_cols
            )
            delete = sql.SQL("DELETE FROM {} WHERE {}").format(
                sql.Identifier(parent.schema, parent.name), where
            )
            action = req.on_delete
            try:
                with self.savepoint():
                    self.conn.execute(delete)
                    state = self.child_state(table, child, req.columns)
            except Rejected as exc:
                if action in ("restrict", "no action") and exc.sqlstate == "23503":
                    rejected.append(f"deleting a referenced parent ({exc.label})")
                else:
                    wrong.append(f"rejected deleting the parent ({exc.label}: {exc})")
                return rejected, accepted, wrong
            expected = {
                "cascade": "deleted",
                "set null": "set null",
                "set default": "set default",
            }.get(action)
            if expected is None:
                wrong.append(f"allowed deleting a referenced parent (child row {state})")
            elif state == expected or (expected == "set default" and state != "kept"):
                accepted.append(f"deleting the parent (child row {state})")
            else:
                wrong.append(f"deleting the parent left the child row {state}, not {expected}")
        return rejected, accepted, wrong

    def child_state(self, table: Table, child: dict[str, Any], fk_cols: tuple[str, ...]) -> str:
        pk = table.primary_key
        key_cols = pk.column_names if pk and pk.column_names else None
        if key_cols is None:
            raise CannotProbe(f"{table.qualified} has no primary key to find the probe row")
        where = sql.SQL(" AND ").join(
            sql.SQL("{} = {}").format(sql.Identifier(c), sql.Literal(str(child[c])))
            for c in key_cols
        )
        query = sql.SQL("SELECT {} FROM {} WHERE {}").format(
            sql.SQL(", ").join(sql.Identifier(c) for c in fk_cols),
            sql.Identifier(table.schema, table.name),
            where,
        )
        row = self.conn.execute(query).fetchone()
        if row is None:
            return "deleted"
        if all(v is None for v in row):
            return "set null"
        if [str(v) for v in row] == [str(child[c]) for c in fk_cols]:
            return "kept"
        return "changed"


def random_text(size: int) -> str:
    """A random lower-case string of ``size`` characters (letters and digits)."""
    if size <= 0:
        return ""
    alphabet = string.ascii_lowercase + string.digits
    return "p" + "".join(secrets.choice(alphabet) for _ in range(size - 1)) if size > 1 else "p"
