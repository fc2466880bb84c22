"""Functions, triggers, sequences, types and materialized views, read from their text.

sqlglot parses none of these forms (or only as an opaque command), and each changes the
model in a known way: ``DROP FUNCTION f, g CASCADE`` drops the triggers that call them,
``ALTER FUNCTION f() RENAME TO g`` renames the function those triggers call, ``ALTER
SEQUENCE s RENAME TO t`` renames it in every ``nextval()`` default, ``ALTER TYPE``
renames a type (in every column of it), a label (in every default naming it) or moves
it to another schema. Statements with no field in the model (``SET``, ``LOCK``,
``TRUNCATE``, sequence options, ``REFRESH MATERIALIZED VIEW``) are modeled as no-ops.
"""

from __future__ import annotations

import re

from auditor.catalog.model import Trigger
from auditor.catalog.names import quote_ident
from auditor.catalog.normalize import normalize_expr
from auditor.catalog.static.other import _OtherStatements
from auditor.catalog.static.parsing import _fold_text, _split_qname
from auditor.catalog.static.records import _Unsupported
from auditor.catalog.static.types import _type_text_of
from auditor.sql.ident import IDENT, QNAME
from auditor.sql.split import split_top_level

_NO_EFFECT = re.compile(
    r"(?:SET|RESET|LOCK|TRUNCATE|NOTIFY|LISTEN|DISCARD|CLUSTER|REINDEX|CHECKPOINT|"
    r"REFRESH\s+MATERIALIZED\s+VIEW|SECURITY\s+LABEL|ALTER\s+(?:VIEW|MATERIALIZED\s+VIEW|"
    r"SCHEMA\s+\S+\s+OWNER|DATABASE|EXTENSION|LARGE\s+OBJECT)|CREATE\s+(?:OR\s+REPLACE\s+)?"
    r"(?:AGGREGATE|OPERATOR|CAST|TEXT\s+SEARCH|PUBLICATION|STATISTICS)|"
    r"DROP\s+(?:POLICY|AGGREGATE|OPERATOR|CAST|PUBLICATION|STATISTICS|ROLE))\b",
    re.IGNORECASE,
)
"""Statements that change nothing the model holds (``SET search_path`` is read before).
A rule is not one of them: it can swallow writes, which the schema rules look for."""

OBJECT_FORMS = re.compile(
    r"(?:DROP\s+(?:FUNCTION|PROCEDURE|ROUTINE|MATERIALIZED)|ALTER\s+(?:FUNCTION|PROCEDURE|"
    r"ROUTINE|TRIGGER|SEQUENCE|TYPE)|CREATE\s+(?:TYPE|MATERIALIZED))\b|" + _NO_EFFECT.pattern,
    re.IGNORECASE,
)
"""Statements :meth:`_Objects._apply_object_text` may handle (the builder routes them)."""

_ROUTINE = r"(?:FUNCTION|PROCEDURE|ROUTINE)"
_SIGNATURE = rf"({QNAME})\s*(?:\((?:[^()]|\([^()]*\))*\))?"
"""A routine name with its optional argument list (types may have a precision)."""


class _Objects(_OtherStatements):
    """Routines, triggers, sequences, types, materialized views; no-op statements."""

    def _apply_object_text(self, flat: str) -> bool:
        """Model ``flat`` (one statement, blank space collapsed); False if not one of these."""
        m = re.fullmatch(
            rf"DROP\s+{_ROUTINE}\s+(IF\s+EXISTS\s+)?(.+?)(\s+CASCADE|\s+RESTRICT)?", flat, re.I
        )
        if m:
            for item in split_top_level(m.group(2)):
                sig = re.fullmatch(_SIGNATURE, item.strip())
                if sig is None:
                    raise _Unsupported(f"routine name {item.strip()[:40]} not understood")
                self._drop_triggers_of(sig.group(1))
            return True
        m = re.fullmatch(rf"ALTER\s+{_ROUTINE}\s+{_SIGNATURE}\s+(.+)", flat, re.I)
        if m:
            return self._alter_routine(m.group(1), m.group(2))
        m = re.fullmatch(
            rf"ALTER\s+TRIGGER\s+({IDENT})\s+ON\s+({QNAME})\s+RENAME\s+TO\s+({IDENT})", flat, re.I
        )
        if m:
            table = self._table(m.group(2))
            old, new = _fold_text(m.group(1)), _fold_text(m.group(3))
            trigger = table.triggers.pop(old, None)
            if trigger is None:
                raise _Unsupported(f"trigger {old} on {table.qualified} is not known")
            table.triggers[new] = Trigger(
                new, trigger.function, trigger.enabled, trigger.timing, trigger.events
            )
            return True
        m = re.fullmatch(rf"ALTER\s+SEQUENCE\s+(IF\s+EXISTS\s+)?({QNAME})\s+(.+)", flat, re.I)
        if m:
            return self._alter_sequence(m.group(2), m.group(3), bool(m.group(1)))
        m = re.fullmatch(rf"ALTER\s+TYPE\s+({QNAME})\s+(.+)", flat, re.I)
        if m:
            return self._alter_type(m.group(1), m.group(2))
        m = re.fullmatch(
            rf"CREATE\s+TYPE\s+({QNAME})(?:\s+AS\s+(?:RANGE\s*)?\(.*|\s*\(.*)?", flat, re.I
        )
        if m and not re.match(rf"CREATE\s+TYPE\s+{QNAME}\s+AS\s+ENUM\b", flat, re.I):
            parts = _split_qname(m.group(1))
            schema = parts[0] if len(parts) == 2 else self._creation_schema()
            self.other_types.add((schema, parts[-1]))
            return True
        m = re.fullmatch(
            rf"CREATE\s+MATERIALIZED\s+VIEW\s+(IF\s+NOT\s+EXISTS\s+)?({QNAME})\b.*", flat, re.I
        )
        if m:
            parts = _split_qname(m.group(2))
            schema = parts[0] if len(parts) == 2 else self._creation_schema()
            self.matviews.add((schema, parts[-1]))
            self._rel(schema).add(parts[-1])
            return True
        m = re.fullmatch(
            r"DROP\s+MATERIALIZED\s+VIEW\s+(IF\s+EXISTS\s+)?(.+?)(\s+CASCADE|\s+RESTRICT)?",
            flat,
            re.I,
        )
        if m:
            for item in split_top_level(m.group(2)):
                key = self._matview(item.strip())
                if key is None and not m.group(1):
                    raise _Unsupported(f"materialized view {item.strip()} is not known")
                if key is not None:
                    self.matviews.discard(key)
                    self._rel(key[0]).discard(key[1])
            return True
        return bool(_NO_EFFECT.match(flat))

    def _matview(self, qname: str) -> tuple[str, str] | None:
        """The materialized view ``qname`` (along search_path), or None."""
        parts = _split_qname(qname)
        schemas = [parts[0]] if len(parts) == 2 else self.search_path
        return next(((s, parts[-1]) for s in schemas if (s, parts[-1]) in self.matviews), None)

    def _trigger_function(self, qname: str) -> str | None:
        """``schema.name`` of the routine ``qname`` as the triggers record it: the schema
        along search_path of a trigger that calls it; None when no trigger does."""
        parts = _split_qname(qname)
        schemas = [parts[0]] if len(parts) == 2 else self.search_path
        used = {t.function for table in self.tables.values() for t in table.triggers.values()}
        return next((f"{s}.{parts[-1]}" for s in schemas if f"{s}.{parts[-1]}" in used), None)

    def _drop_triggers_of(self, qname: str) -> None:
        """A dropped routine takes the triggers calling it (PostgreSQL refuses without
        CASCADE, so a migration that ran had none, or said CASCADE)."""
        function = self._trigger_function(qname)
        if function is None:
            return
        for table in self.tables.values():
            for name, trigger in list(table.triggers.items()):
                if trigger.function == function:
                    del table.triggers[name]

    def _alter_routine(self, qname: str, rest: str) -> bool:
        m = re.fullmatch(rf"(RENAME\s+TO|SET\s+SCHEMA)\s+({IDENT})", rest, re.I)
        if m is None:
            return True  # OWNER TO, SET search_path, SECURITY DEFINER...: nothing modeled
        function = self._trigger_function(qname)
        if function is None:
            return True
        schema, name = function.split(".", 1)
        if m.group(1).upper().startswith("RENAME"):
            name = _fold_text(m.group(2))
        else:
            schema = _fold_text(m.group(2))
        for table in self.tables.values():
            for key, t in list(table.triggers.items()):
                if t.function == function:
                    table.triggers[key] = Trigger(
                        t.name, f"{schema}.{name}", t.enabled, t.timing, t.events
                    )
        return True

    def _alter_sequence(self, qname: str, rest: str, if_exists: bool) -> bool:
        m = re.fullmatch(rf"RENAME\s+TO\s+({IDENT})", rest, re.I)
        if m is None:
            if re.match(r"SET\s+SCHEMA\b", rest, re.I):
                raise _Unsupported("ALTER SEQUENCE SET SCHEMA is not modeled")
            return True  # OWNED BY, AS, RESTART, INCREMENT...: the model keeps none of them
        parts = _split_qname(qname)
        schemas = [parts[0]] if len(parts) == 2 else self.search_path
        schema = next((s for s in schemas if parts[-1] in self._rel(s)), None)
        if schema is None:
            if if_exists:
                return True
            raise _Unsupported(f"sequence {qname} is not known")
        old, new = parts[-1], _fold_text(m.group(1))
        rel = self._rel(schema)
        if new in rel:
            raise _Unsupported(f"relation {new} already exists")
        rel.discard(old)
        rel.add(new)
        old_default, new_default = _nextval(schema, old), _nextval(schema, new)
        for table in self.tables.values():
            for col in table.columns:
                if col.default == old_default:
                    col.default = new_default
                if table.schema == schema and col.sequence == old:
                    col.sequence = new
        return True

    def _alter_type(self, qname: str, rest: str) -> bool:
        if re.match(r"ADD\s+VALUE\b", rest, re.I):
            return False  # read by _apply_text
        key = self._lookup_type(qname)
        m = re.fullmatch(rf"(RENAME\s+TO|SET\s+SCHEMA)\s+({IDENT})", rest, re.I)
        if m:
            target = _fold_text(m.group(2))
            moved = (
                (key[0], target) if m.group(1).upper().startswith("RENAME") else (target, key[1])
            )
            self._move_type(key, moved)
            return True
        m = re.fullmatch(r"RENAME\s+VALUE\s+'((?:[^']|'')*)'\s+TO\s+'((?:[^']|'')*)'", rest, re.I)
        if m:
            labels = self.enums.get(key)
            old, new = m.group(1).replace("''", "'"), m.group(2).replace("''", "'")
            if labels is None or old not in labels:
                raise _Unsupported(f"enum label {old!r} is not known")
            labels[labels.index(old)] = new
            shown = _type_text_of(*key)
            for table in self.tables.values():
                for col in table.columns:
                    if col.type == shown and col.default == _quoted(old):
                        col.default = _quoted(new)
            return True
        if key in self.enums or key in self.domains:
            raise _Unsupported("ALTER TYPE form is not modeled")
        return True  # a composite type's attributes, owner: not in the model

    def _move_type(self, key: tuple[str, str], new: tuple[str, str]) -> None:
        if key in self.enums:
            self.enums[new] = self.enums.pop(key)
        if key in self.enum_origin:
            self.enum_origin[new] = self.enum_origin.pop(key)
        if key in self.domains:
            self.domains[new] = self.domains.pop(key)
        if key in self.other_types:
            self.other_types.discard(key)
            self.other_types.add(new)
        domain = self.domains.get(new)
        if domain is not None:
            domain.schema, domain.name = new
        old_text, new_text = _type_text_of(*key), _type_text_of(*new)
        for table in self.tables.values():
            for col in table.columns:
                if col.type == old_text or col.type.startswith(old_text + "["):
                    col.type = new_text + col.type[len(old_text) :]
        for other in self.domains.values():
            if other.base_type == old_text:
                other.base_type = new_text


def _nextval(schema: str, sequence: str) -> str:
    """The default of a column owning ``schema.sequence``, as :meth:`_reserve_sequences` writes it."""
    qualified = (
        quote_ident(sequence)
        if schema == "public"
        else f"{quote_ident(schema)}.{quote_ident(sequence)}"
    )
    return normalize_expr(f"nextval('{qualified}'::regclass)")


def _quoted(label: str) -> str:
    return "'" + label.replace("'", "''") + "'"
