"""Types as ``format_type`` prints them; CREATE TYPE (enums), CREATE DOMAIN, CREATE COLLATION."""

from __future__ import annotations

import functools
import re

from sqlglot import exp

from auditor.catalog.model import Collation
from auditor.catalog.names import choose_name, quote_ident
from auditor.catalog.normalize import normalize_expr
from auditor.catalog.pgsql import render
from auditor.catalog.static.catalog import _Catalog
from auditor.catalog.static.parsing import _fold_text, _matching_paren, _parse_one, _split_qname
from auditor.catalog.static.records import (
    _Check,
    _Domain,
    _Unsupported,
)
from auditor.sql.ident import IDENT, QNAME

_T = exp.DataType.Type


_SERIAL_TYPES = {_T.SERIAL: "integer", _T.BIGSERIAL: "bigint", _T.SMALLSERIAL: "smallint"}


_SIMPLE_TYPES = {
    _T.INT: "integer",
    _T.BIGINT: "bigint",
    _T.SMALLINT: "smallint",
    _T.TEXT: "text",
    _T.BOOLEAN: "boolean",
    _T.DATE: "date",
    _T.INTERVAL: "interval",
    _T.UUID: "uuid",
    _T.JSON: "json",
    _T.JSONB: "jsonb",
    _T.VARBINARY: "bytea",
    _T.FLOAT: "real",
    _T.INET: "inet",
    _T.MONEY: "money",
    _T.XML: "xml",
}


_TIME_TYPES = {
    _T.TIMESTAMP: ("timestamp", " without time zone"),
    _T.TIMESTAMPTZ: ("timestamp", " with time zone"),
    _T.TIME: ("time", " without time zone"),
    _T.TIMETZ: ("time", " with time zone"),
}


_BUILTIN_TYPES: dict[str, tuple[str, str | None]] = {}
"""``format_type`` text and serial kind of type spellings that name no user type."""


@functools.lru_cache(maxsize=4096)
def _type_node(text: str) -> exp.DataType:
    """sqlglot's node for a type as written (the builder only reads it, so it is shared)."""
    cast = _parse_one(f"CAST(NULL AS {text})")
    if not isinstance(cast, exp.Cast) or not isinstance(cast.to, exp.DataType):
        raise _Unsupported(f"type {text} not understood")
    return cast.to


def _type_text_of(schema: str, name: str) -> str:
    """``format_type`` of a user type (enum or domain) ``schema.name``."""
    if schema in ("public", "pg_catalog"):
        return quote_ident(name)
    return f"{quote_ident(schema)}.{quote_ident(name)}"


class _Types(_Catalog):
    """Column types, enums, domains and collations."""

    def _type(self, dt: exp.DataType) -> tuple[str, str | None]:
        """``format_type`` text of a column type, and the serial kind if any."""
        t = dt.this
        T = exp.DataType.Type
        params = [render(p) for p in dt.expressions]
        if t in _SERIAL_TYPES:
            return _SERIAL_TYPES[t], _SERIAL_TYPES[t]
        if t == T.ARRAY:
            inner = dt.expressions[0]
            if not isinstance(inner, exp.DataType):
                raise _Unsupported("array type not understood")
            return self._type(inner)[0] + "[]", None
        if t == T.USERDEFINED:
            kind = str(dt.args.get("kind") or "")
            return self._user_type(kind), None
        if t in _SIMPLE_TYPES and not params:
            return _SIMPLE_TYPES[t], None
        if t == T.DOUBLE:
            if params and int(params[0]) <= 24:
                return "real", None
            return "double precision", None
        if t == T.VARCHAR:
            return "character varying" + (f"({params[0]})" if params else ""), None
        if t == T.CHAR:
            return f"character({params[0] if params else 1})", None
        if t == T.DECIMAL:
            if not params:
                return "numeric", None
            return f"numeric({params[0]},{params[1] if len(params) > 1 else 0})", None
        if t in _TIME_TYPES:
            base, zone = _TIME_TYPES[t]
            return base + (f"({params[0]})" if params else "") + zone, None
        if t == T.BIT:
            return f"bit({params[0] if params else 1})", None
        # Any other built-in or extension type (ranges, geometric, hstore, vector, oid...):
        # format_type prints its name as written, lower case, with its modifiers.
        return render(dt).lower(), None

    def _type_text(self, text: str) -> tuple[str, str | None]:
        """:meth:`_type` of a type as written (remembered when no user type is in it)."""
        known = _BUILTIN_TYPES.get(text)
        if known is not None:
            return known
        node = _type_node(text)
        result = self._type(node)
        user = any(d.this == exp.DataType.Type.USERDEFINED for d in node.find_all(exp.DataType))
        if not user and len(_BUILTIN_TYPES) < 4096:
            _BUILTIN_TYPES[text] = result
        return result

    def _user_type(self, kind: str) -> str:
        parts = _split_qname(kind)
        bare = {"cidr": "cidr", "citext": "citext", "varbit": "bit varying", "tsvector": "tsvector"}
        if len(parts) == 1 and parts[0] in bare:
            return bare[parts[0]]
        try:
            return _type_text_of(*self._lookup_type(kind))
        except _Unsupported:
            # A type no statement defined here (an extension's, a built-in sqlglot does
            # not know): recorded by its name, as format_type prints a visible type.
            return _type_text_of(parts[0] if len(parts) == 2 else "public", parts[-1])

    def _parse_type(self, text: str) -> tuple[str, str | None]:
        cast = _parse_one(f"CAST(NULL AS {text})")
        if not isinstance(cast, exp.Cast):
            raise _Unsupported(f"type {text} not understood")
        return self._type(cast.to)

    def _create_type(self, tree: exp.Create) -> None:
        expression = tree.args.get("expression")
        schema, name = self._target(tree.this)
        if not isinstance(expression, exp.DataType) or expression.this != exp.DataType.Type.ENUM:
            # A composite (or base) type: the model keeps no fields of it, only that it
            # exists, so that columns of it and DROP TYPE resolve.
            self.other_types.add((schema, name))
            return
        self.enums[(schema, name)] = [str(e.this) for e in expression.expressions]
        self.enum_origin[(schema, name)] = self._origin()

    def _add_enum_value(self, m: re.Match[str]) -> bool:
        """``ALTER TYPE t ADD VALUE [IF NOT EXISTS] 'x' [BEFORE|AFTER 'y']`` (groups of the match)."""
        key = self._lookup_type(m.group(1))
        labels = self.enums[key]
        label = m.group(3).replace("''", "'")
        if label in labels:
            if m.group(2):
                return True
            raise _Unsupported(f"enum label {label!r} already exists")
        if m.group(4):
            other = labels.index(m.group(5).replace("''", "'"))
            labels.insert(other if m.group(4).upper() == "BEFORE" else other + 1, label)
        else:
            labels.append(label)
        return True

    def _create_domain(self, flat: str) -> None:
        m = re.fullmatch(rf"CREATE\s+DOMAIN\s+({QNAME})\s+(?:AS\s+)?(.+)", flat, re.IGNORECASE)
        if m is None:
            raise _Unsupported("CREATE DOMAIN not understood")
        parts = _split_qname(m.group(1))
        schema = parts[0] if len(parts) == 2 else self._creation_schema()
        name = parts[-1]
        rest = m.group(2)
        type_end = re.search(
            r"\s(?:DEFAULT|NOT\s+NULL|NULL|CHECK|CONSTRAINT|COLLATE)\b", " " + rest, re.I
        )
        type_text = rest[: type_end.start() - 1].strip() if type_end else rest
        clauses = rest[len(type_text) :].strip()
        base, _ = self._parse_type(type_text)
        domain = _Domain(schema, name, base, origin=self._origin())
        cons = self._cons(schema)
        pending_name: str | None = None
        while clauses:
            cm = re.match(rf"CONSTRAINT\s+({IDENT})\s*", clauses, re.I)
            if cm:
                pending_name = _fold_text(cm.group(1))
                clauses = clauses[cm.end() :]
                continue
            cm = re.match(r"NOT\s+NULL\s*", clauses, re.I)
            if cm:
                domain.not_null = True
                clauses = clauses[cm.end() :]
                continue
            cm = re.match(r"NULL\s*", clauses, re.I)
            if cm:
                clauses = clauses[cm.end() :]
                continue
            if re.match(r"CHECK\s*\(", clauses, re.I):
                start = clauses.index("(")
                end = _matching_paren(clauses, start)
                expr = clauses[start + 1 : end]
                check_name = pending_name or choose_name(name, None, "check", lambda n: n in cons)
                domain.checks[check_name] = _Check(
                    check_name, _parse_one(expr), True, self._origin()
                )
                self._add_con(schema, check_name)
                pending_name = None
                clauses = clauses[end + 1 :].strip()
                continue
            cm = re.match(r"DEFAULT\s+", clauses, re.I)
            if cm:
                stop = re.search(
                    r"\s(?:NOT\s+NULL|NULL|CHECK|CONSTRAINT)\b", clauses[cm.end() :], re.I
                )
                value = clauses[cm.end() : cm.end() + stop.start()] if stop else clauses[cm.end() :]
                domain.default = normalize_expr(value)
                clauses = clauses[cm.end() + len(value) :].strip()
                continue
            raise _Unsupported(f"CREATE DOMAIN clause not understood: {clauses[:30]}")
        self.domains[(schema, name)] = domain

    def _create_collation(self, qname: str, options: str, if_not_exists: bool) -> None:
        parts = _split_qname(qname)
        schema = parts[0] if len(parts) == 2 else self._creation_schema()
        key = (schema, parts[-1])
        if key in self.collations:
            if if_not_exists:
                return
            raise _Unsupported(f"collation {qname} already exists")
        values: dict[str, str] = {}
        for item in re.finditer(r"(\w+)\s*=\s*('(?:[^']|'')*'|[^,\s]+)", options):
            value = item.group(2)
            values[item.group(1).lower()] = (
                value[1:-1].replace("''", "'") if value.startswith("'") else value.lower()
            )
        provider = values.get("provider", "libc")
        locale = values.get("locale", values.get("lc_collate", ""))
        deterministic = values.get("deterministic", "true") not in ("false", "off", "0", "no")
        self.collations[key] = Collation(
            schema, parts[-1], provider, locale, deterministic, self._origin()
        )
