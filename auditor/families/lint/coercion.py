"""Which column type changes PostgreSQL makes without rewriting the table.

``ALTER COLUMN ... TYPE`` rewrites the table (and rebuilds its indexes) unless the
old type converts to the new one without a function call, or through a length
coercion that PostgreSQL can prove a no-op (varchar, numeric, bit varying, time and
timestamp precision). The cases here are the ones the lint rule LNT008 trusts; a
test checks each of them against a live server (``pg_class.relfilenode`` changes
exactly when PostgreSQL rewrites).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TYPE = re.compile(
    r"^(?:PG_CATALOG\.)?([A-Z][A-Z0-9_ ]*?)\s*(?:\(\s*([0-9 ,]+)\s*\))?"
    r"(\s+WITH(?:OUT)?\s+TIME\s+ZONE)?\s*((?:\[\d*\])*)$"
)
_ALIASES = {
    "CHARACTER VARYING": "VARCHAR",
    "DECIMAL": "NUMERIC",
    "BIT VARYING": "VARBIT",
    "INT": "INTEGER",
    "INT4": "INTEGER",
    "INT8": "BIGINT",
    "INT2": "SMALLINT",
    "BOOL": "BOOLEAN",
    "FLOAT8": "DOUBLE PRECISION",
    "FLOAT4": "REAL",
    "CHARACTER": "CHAR",
    "BPCHAR": "CHAR",
}
_ZONED = {"TIMESTAMP": "TIMESTAMPTZ", "TIME": "TIMETZ"}
_LENGTH_TYPES = frozenset({"VARCHAR", "VARBIT"})
"""A larger (or no) length limit is a no-op."""
_PRECISION_TYPES = frozenset({"TIMESTAMP", "TIMESTAMPTZ", "TIME", "TIMETZ", "INTERVAL"})
"""A larger (or no) fractional-seconds precision is a no-op."""
_BINARY = frozenset({("VARCHAR", "TEXT"), ("TEXT", "VARCHAR"), ("CIDR", "INET")})
"""Binary-coercible pairs (the new type has no length limit in the VARCHAR case)."""


@dataclass(frozen=True)
class ColumnType:
    """A column type reduced to its base name and modifiers, for comparison."""

    base: str
    modifiers: tuple[int, ...] = ()
    array: str = ""


def parse_type(text: str) -> ColumnType | None:
    """``VARCHAR(20)`` → ColumnType("VARCHAR", (20,)); None for a type not understood."""
    match = _TYPE.match(" ".join(text.upper().split()))
    if match is None:
        return None
    base = _ALIASES.get(match.group(1).strip(), match.group(1).strip())
    if match.group(3) and "WITHOUT" not in match.group(3):
        base = _ZONED.get(base, base)
    modifiers: tuple[int, ...] = ()
    if match.group(2):
        try:
            modifiers = tuple(int(part) for part in match.group(2).split(","))
        except ValueError:
            return None
    return ColumnType(base, modifiers, match.group(4) or "")


def _not_narrower(old: tuple[int, ...], new: tuple[int, ...]) -> bool:
    """True when a one-number limit ``new`` allows all that ``old`` allows (() is no limit)."""
    if not new:
        return True
    return bool(old) and len(old) == len(new) == 1 and new[0] >= old[0]


def rewrite_reason(old: str, new: str, *, postgres_version: int, utc: bool = False) -> str | None:
    """Why changing a column from ``old`` to ``new`` rewrites the table, or None when it does not.

    ``utc``: the migration sets the session time zone to UTC before the change, which
    makes ``timestamp`` ↔ ``timestamptz`` a catalog-only change on PostgreSQL 12+.
    """
    before, after = parse_type(old), parse_type(new)
    if before is None or after is None:
        return None if " ".join(old.split()) == " ".join(new.split()) else f"{old} → {new}"
    if before.array != after.array:
        return f"{old} → {new}"
    if before == after:
        return None
    if before.base == after.base:
        widens = (
            before.base in _LENGTH_TYPES | _PRECISION_TYPES
            and _not_narrower(before.modifiers, after.modifiers)
        ) or (before.base == "NUMERIC" and _numeric_widens(before, after))
        if widens and not before.array:
            return None
        return f"{old} → {new} changes the length, precision or scale"
    binary = not before.array and (before.base, after.base) in _BINARY
    if binary and (after.base != "VARCHAR" or not after.modifiers):
        return None
    pair = {before.base, after.base}
    if pair == {"TIMESTAMP", "TIMESTAMPTZ"} and not before.array:
        if postgres_version >= 12 and utc and _not_narrower(before.modifiers, after.modifiers):
            return None
        return f"{old} → {new} converts every value (no rewrite only on PostgreSQL 12+ with the session time zone set to UTC)"
    return f"{old} → {new} converts every value"


def _numeric_widens(before: ColumnType, after: ColumnType) -> bool:
    """numeric(p, s) → numeric(q, s) with q ≥ p, or → numeric without a limit."""
    if not after.modifiers:
        return True
    if not before.modifiers:
        return False
    old_p, old_s = (*before.modifiers, 0)[:2]
    new_p, new_s = (*after.modifiers, 0)[:2]
    return new_s == old_s and new_p >= old_p
