"""Declarative rule packs: the constraints a security review requires, as TOML.

A pack is a ``*.toml`` file with one ``[[requirement]]`` table per requirement::

    [pack]
    name = "reference-schema"

    [[requirement]]
    id = "users-username-length"
    kind = "length"
    table = "users"
    column = "username"
    min = 3
    max = 64
    severity = "high"
    reason = "usernames are 3 to 64 characters"

Kinds and their keys (``id``, ``kind``, ``table``, ``severity``, ``reason`` always):

- ``table``: the table exists;
- ``type``: ``column`` has a type of ``family`` (:data:`TYPE_FAMILIES`);
- ``not-null``: ``column`` is NOT NULL;
- ``length``: ``column``'s length is within ``min``..``max`` (either may be omitted);
- ``lower-bound``: ``column >= min`` (``inclusive = false``: ``column > min``);
- ``unique-ci``: ``column`` is unique ignoring case;
- ``unique``: the ``columns`` set is unique;
- ``primary-key``: the table has a primary key (on ``columns`` when given);
- ``foreign-key``: ``columns`` reference ``references`` (``ref_columns``) with ``on_delete``;
- ``index``: an index leads with ``columns`` (or the ``expression``), ``unique`` when
  true, of ``method`` when given, partial with predicate ``where`` when given (a partial
  index does not count otherwise);
- ``check``: the table enforces ``expression`` (matched semantically: each ``AND``-ed
  part by a CHECK holding it, or a bound by any stricter enforcing form); ``name``
  names the constraint the fix adds;
- ``trigger``: an enabled trigger, with the ``name``, ``function`` (qualified),
  ``timing`` (``before``, ``after``, ``instead of``) and ``events`` given.

:func:`load_rule_packs` validates everything on load; a :class:`RulePackError` names
file, line and key.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.core.errors import AuditorError
from auditor.core.findings import Severity
from auditor.core.resources import rule_packs

KINDS = (
    "table",
    "type",
    "not-null",
    "length",
    "lower-bound",
    "unique-ci",
    "unique",
    "primary-key",
    "foreign-key",
    "index",
    "check",
    "trigger",
)
TYPE_FAMILIES = {
    "exact-numeric": "numeric / decimal (never real, double precision or money)",
    "integer": "smallint, integer or bigint",
    "text": "text, character varying, character or citext",
    "timestamptz": "timestamp with time zone",
    "boolean": "boolean",
    "uuid": "uuid",
}
ON_DELETE = ("no action", "restrict", "cascade", "set null", "set default")
TIMINGS = ("before", "after", "instead of")
EVENTS = ("insert", "update", "delete", "truncate")
METHODS = ("btree", "hash", "gist", "gin", "spgist", "brin")
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")

_COMMON = {"id", "kind", "table", "severity", "reason"}
_KEYS: dict[str, set[str]] = {
    "table": set(),
    "type": {"column", "family"},
    "not-null": {"column"},
    "length": {"column", "min", "max"},
    "lower-bound": {"column", "min", "inclusive"},
    "unique-ci": {"column", "allow_deferrable"},
    "unique": {"columns", "allow_deferrable"},
    "primary-key": {"columns"},
    "foreign-key": {"columns", "references", "ref_columns", "on_delete"},
    "index": {"columns", "expression", "unique", "method", "where"},
    "check": {"expression", "name"},
    "trigger": {"name", "function", "timing", "events"},
}
_REQUIRED: dict[str, set[str]] = {
    "type": {"column", "family"},
    "not-null": {"column"},
    "length": {"column"},
    "lower-bound": {"column", "min"},
    "unique-ci": {"column"},
    "unique": {"columns"},
    "foreign-key": {"columns", "references", "on_delete"},
    "check": {"expression"},
}


class RulePackError(AuditorError, ValueError):
    """An invalid rule pack; the message names file, line and key."""


@dataclass(frozen=True)
class Requirement:
    """One required property of the schema, from a rule pack."""

    id: str
    """Unique across the loaded packs, e.g. ``users-username-length``."""
    kind: str
    """One of :data:`KINDS`."""
    table: str
    """Qualified ``schema.table`` (``public`` when the pack gave no schema)."""
    severity: Severity
    reason: str
    """Why the review asked for it: one line."""
    columns: tuple[str, ...] = ()
    """The column (one) or column set the requirement is about."""
    min: float | None = None
    max: float | None = None
    inclusive: bool = True
    """For ``lower-bound``: ``>=`` when True, ``>`` when False."""
    family: str | None = None
    references: str | None = None
    """For ``foreign-key``: qualified referenced table."""
    ref_columns: tuple[str, ...] = ()
    on_delete: str | None = None
    allow_deferrable: bool = False
    """Accept a DEFERRABLE unique constraint (it is not checked until commit)."""
    expression: str | None = None
    """For ``index``: the key expression; for ``check``: what the schema must enforce."""
    unique: bool = False
    """For ``index``: the index must be unique."""
    method: str | None = None
    where: str | None = None
    """For ``index``: the required partial-index predicate."""
    name: str | None = None
    """For ``trigger``: its name; for ``check``: the constraint name of the fix."""
    function: str | None = None
    """For ``trigger``: the qualified function it executes."""
    timing: str | None = None
    events: tuple[str, ...] = ()
    pack: str = ""
    """File the requirement came from."""
    line: int | None = None

    @property
    def column(self) -> str:
        """The single column of a column requirement."""
        return self.columns[0] if self.columns else ""

    @property
    def target(self) -> str:
        """The database object the requirement is about: ``public.users.email``."""
        if self.kind in ("table", "primary-key", "check", "trigger"):
            return self.table
        if self.kind == "index" and self.expression is not None:
            return f"{self.table}({self.expression})"
        return f"{self.table}.{','.join(self.columns)}"

    def describe(self) -> str:
        """What is required, in words."""
        col = self.column
        if self.kind == "table":
            return f"table {self.table} exists"
        if self.kind == "type":
            return (
                f"{self.table}.{col} is {self.family} ({TYPE_FAMILIES.get(self.family or '', '')})"
            )
        if self.kind == "not-null":
            return f"{self.table}.{col} is NOT NULL"
        if self.kind == "length":
            return f"length of {self.table}.{col} is within {_num(self.min, '0')}..{_num(self.max, 'unbounded')}"
        if self.kind == "lower-bound":
            op = ">=" if self.inclusive else ">"
            return f"{self.table}.{col} {op} {_num(self.min, '')}"
        if self.kind == "unique-ci":
            return f"{self.table}.{col} is unique ignoring case"
        if self.kind == "unique":
            return f"({', '.join(self.columns)}) is unique in {self.table}"
        if self.kind == "primary-key":
            on = f" on ({', '.join(self.columns)})" if self.columns else ""
            return f"{self.table} has a primary key{on}"
        if self.kind in ("index", "check", "trigger"):
            return self._describe_object()
        ref = (
            f"{self.references}({', '.join(self.ref_columns)})"
            if self.ref_columns
            else str(self.references)
        )
        return f"{self.table}({', '.join(self.columns)}) references {ref} ON DELETE {(self.on_delete or '').upper()}"

    def _describe_object(self) -> str:
        if self.kind == "check":
            return f"{self.table} enforces CHECK ({self.expression})"
        if self.kind == "index":
            keys = self.expression or ", ".join(self.columns)
            unique = "a unique " if self.unique else "an "
            using = f" using {self.method}" if self.method else ""
            where = f" where {self.where}" if self.where else ""
            return f"{self.table} has {unique}index on ({keys}){using}{where}"
        parts = [f"{self.table} has an enabled trigger"]
        if self.name:
            parts.append(self.name)
        if self.timing or self.events:
            parts.append(f"{self.timing or ''} {' or '.join(self.events)}".strip())
        if self.function:
            parts.append(f"executing {self.function}")
        return " ".join(parts)


def _num(value: float | None, missing: str) -> str:
    if value is None:
        return missing
    return str(int(value)) if float(value).is_integer() else str(value)


def default_packs() -> list[Path]:
    """The shipped packs (the reference pack)."""
    return sorted(rule_packs().glob("*.toml"))


def pack_files(paths: Iterable[Path]) -> list[Path]:
    """Every ``*.toml`` under the given files and directories, in order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(path.glob("*.toml"))
            if not found:
                raise RulePackError(f"{path}: no *.toml rule packs in this directory")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise RulePackError(f"{path}: rule pack not found")
    return files


def load_rule_packs(paths: Iterable[Path] | None = None) -> list[Requirement]:
    """The requirements of the packs at ``paths`` (files or directories; None: the shipped
    pack; an empty list: no requirement).

    Raises :class:`RulePackError` naming file, line and key on any problem, and when two
    requirements share an id.
    """
    files = pack_files(paths) if paths is not None else default_packs()
    requirements: list[Requirement] = []
    seen: dict[str, str] = {}
    for file in files:
        for item in load_pack(file):
            if item.id in seen:
                raise RulePackError(
                    f"{file}:{item.line}: id: requirement {item.id!r} already defined in {seen[item.id]}"
                )
            seen[item.id] = f"{file}:{item.line}"
            requirements.append(item)
    return requirements


def load_pack(path: Path) -> list[Requirement]:
    """The requirements of one pack file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulePackError(f"{path}: cannot read ({exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulePackError(f"{path}: invalid TOML: {exc}") from None
    lines = text.splitlines()
    blocks = [n for n, line in enumerate(lines, 1) if line.strip() == "[[requirement]]"]
    for key in data:
        if key not in ("pack", "requirement"):
            raise RulePackError(
                f"{path}:{_find(lines, key, 1, len(lines))}: {key}: unknown top-level key (known: pack, requirement)"
            )
    items = data.get("requirement", [])
    if not isinstance(items, list) or not items:
        raise RulePackError(f"{path}: requirement: no [[requirement]] tables")
    result = []
    for index, raw in enumerate(items):
        start = blocks[index] if index < len(blocks) else 1
        end = blocks[index + 1] if index + 1 < len(blocks) else len(lines) + 1
        result.append(_requirement(path, lines, start, end, raw))
    return result


def _find(lines: list[str], key: str, start: int, end: int) -> int:
    pattern = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=")
    for number in range(start, min(end, len(lines) + 1)):
        if pattern.match(lines[number - 1]):
            return number
    return start


def _requirement(
    path: Path, lines: list[str], start: int, end: int, raw: Mapping[str, Any]
) -> Requirement:
    def fail(key: str, message: str) -> RulePackError:
        line = _find(lines, key, start, end) if key else start
        return RulePackError(f"{path}:{line}: {key or 'requirement'}: {message}")

    def string(key: str, *, required: bool = True) -> str | None:
        value = raw.get(key)
        if value is None:
            if required:
                raise fail("", f"missing key {key!r}")
            return None
        if not isinstance(value, str) or not value.strip():
            raise fail(key, "must be a non-empty string")
        return value.strip()

    kind = string("kind")
    assert kind is not None
    if kind not in KINDS:
        raise fail("kind", f"unknown kind {kind!r} (choose from {', '.join(KINDS)})")
    allowed = _COMMON | _KEYS[kind]
    for key in raw:
        if key not in allowed:
            raise fail(
                key, f"unknown key for kind {kind!r} (allowed: {', '.join(sorted(allowed))})"
            )
    for key in sorted(_REQUIRED.get(kind, set())):
        if key not in raw:
            raise fail("", f"kind {kind!r} needs key {key!r}")
    rid = string("id")
    assert rid is not None
    if not _ID.match(rid):
        raise fail("id", "must be lower-case letters, digits, '.', '_' or '-'")
    table = _qualify(string("table") or "")
    severity_text = string("severity")
    assert severity_text is not None
    try:
        severity = Severity.parse(severity_text)
    except ValueError as exc:
        raise fail("severity", str(exc)) from None
    reason = string("reason") or ""
    if "\n" in reason:
        raise fail("reason", "must be one line")
    columns: tuple[str, ...] = ()
    if "column" in raw:
        columns = (_column(string("column") or ""),)
    if "columns" in raw:
        value = raw["columns"]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise fail("columns", "must be a non-empty list of column names")
        columns = tuple(_column(v) for v in value)
    bounds: dict[str, float | None] = {}
    for key in ("min", "max"):
        value = raw.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise fail(key, "must be a number")
        bounds[key] = float(value) if value is not None else None
    if kind == "length":
        lo, hi = bounds["min"], bounds["max"]
        if lo is None and hi is None:
            raise fail("", "kind 'length' needs 'min', 'max' or both")
        if (lo is not None and lo < 0) or (lo is not None and hi is not None and lo > hi):
            raise fail("min", "must be >= 0 and <= max")
    for key in ("inclusive", "allow_deferrable", "unique"):
        if key in raw and not isinstance(raw[key], bool):
            raise fail(key, "must be true or false")
    family = string("family", required=False)
    if family is not None and family not in TYPE_FAMILIES:
        raise fail(
            "family", f"unknown type family {family!r} (choose from {', '.join(TYPE_FAMILIES)})"
        )
    on_delete = string("on_delete", required=False)
    if on_delete is not None:
        on_delete = " ".join(on_delete.lower().split())
        if on_delete not in ON_DELETE:
            raise fail("on_delete", f"unknown action (choose from {', '.join(ON_DELETE)})")
    ref_columns: tuple[str, ...] = ()
    if "ref_columns" in raw:
        value = raw["ref_columns"]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail("ref_columns", "must be a list of column names")
        ref_columns = tuple(_column(v) for v in value)
        if len(ref_columns) != len(columns):
            raise fail("ref_columns", "must name as many columns as 'columns'")
    references = string("references", required=False)
    objects = _object_keys(raw, string, fail)
    if kind == "index" and ("columns" in raw) == ("expression" in raw):
        raise fail("", "kind 'index' needs 'columns' or 'expression' (one of them)")
    return Requirement(
        id=rid,
        kind=kind,
        table=table,
        severity=severity,
        reason=reason,
        columns=columns,
        min=bounds["min"],
        max=bounds["max"],
        inclusive=bool(raw.get("inclusive", True)),
        family=family,
        references=_qualify(references) if references else None,
        ref_columns=ref_columns,
        on_delete=on_delete,
        allow_deferrable=bool(raw.get("allow_deferrable", False)),
        **objects,
        pack=str(path),
        line=start,
    )


def _object_keys(
    raw: Mapping[str, Any],
    string: Callable[..., str | None],
    fail: Callable[[str, str], RulePackError],
) -> dict[str, Any]:
    """The keys of the index, check and trigger kinds, validated."""
    method = string("method", required=False)
    if method is not None and method.lower() not in METHODS:
        raise fail("method", f"unknown index method (choose from {', '.join(METHODS)})")
    timing = string("timing", required=False)
    if timing is not None:
        timing = " ".join(timing.lower().split())
        if timing not in TIMINGS:
            raise fail("timing", f"unknown timing (choose from {', '.join(TIMINGS)})")
    events: tuple[str, ...] = ()
    if "events" in raw:
        value = raw["events"]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise fail("events", "must be a non-empty list of events")
        events = tuple(sorted({v.strip().lower() for v in value}))
        unknown = [e for e in events if e not in EVENTS]
        if unknown:
            raise fail("events", f"unknown event {unknown[0]!r} (choose from {', '.join(EVENTS)})")
    function = string("function", required=False)
    return {
        "expression": string("expression", required=False),
        "unique": bool(raw.get("unique", False)),
        "method": method.lower() if method else None,
        "where": string("where", required=False),
        "name": string("name", required=False),
        "function": _qualify(function) if function else None,
        "timing": timing,
        "events": events,
    }


def _qualify(name: str) -> str:
    parts = [p.strip() for p in name.split(".")]
    parts = [p[1:-1] if p.startswith('"') and p.endswith('"') else p.lower() for p in parts]
    return ".".join(parts) if len(parts) > 1 else f"public.{parts[0]}"


def _column(name: str) -> str:
    name = name.strip()
    return name[1:-1] if name.startswith('"') and name.endswith('"') else name.lower()
