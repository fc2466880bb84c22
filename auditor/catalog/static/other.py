"""Statements read from their text: SET search_path, extensions, triggers, functions, grants."""

from __future__ import annotations

import re

from sqlglot import exp

from auditor.catalog.model import Trigger
from auditor.catalog.pgsql import render
from auditor.catalog.static.alter import _AlterTable
from auditor.catalog.static.parsing import _fold_id, _fold_text, _split_qname
from auditor.catalog.static.records import _Unsupported
from auditor.sql.ident import IDENT, QNAME
from auditor.sql.split import split_top_level

_ALTER_TABLE_TEXT = re.compile(
    rf"ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?({QNAME})\s+(.+)", re.IGNORECASE
)


_DDL_IN_BODY = re.compile(
    r"\b(?:CREATE|ALTER|DROP)\s+(?:UNIQUE\s+)?(?:TABLE|INDEX|DOMAIN|TYPE|SCHEMA)\b|\bEXECUTE\b",
    re.IGNORECASE,
)


_TRIGGER_TEMPLATE = re.compile(
    r"\bEXECUTE\s+format\s*\(\s*'((?:CREATE|DROP)\s+TRIGGER\b(?:[^']|'')*)'\s*,\s*(\w+)\s*\)\s*;",
    re.IGNORECASE,
)
_FIRST_PARAM = re.compile(r"\(\s*(\w+)\s+\w+")


def trigger_template(text: str) -> str | None:
    """The trigger DDL a helper function runs on the table named by its one argument
    (Diesel's ``diesel_manage_updated_at``), with ``%s`` for it; None for any other body.

    Such a function cannot change columns, constraints or indexes: a call creates (or
    drops) one trigger, which the builder replays instead of calling the call unmodeled.
    """
    body = text.split("$", 1)[1] if "$" in text else ""
    found = _TRIGGER_TEMPLATE.findall(body)
    param = _FIRST_PARAM.search(text)
    if len(found) != 1 or param is None or found[0][1].lower() != param.group(1).lower():
        return None
    template = found[0][0].replace("''", "'")
    if _DDL_IN_BODY.search(_TRIGGER_TEMPLATE.sub("", body)) or template.count("%") != 1:
        return None
    return (
        " ".join(template.replace("%I", "%s").split())
        if "%s" in template or "%I" in template
        else None
    )


class _OtherStatements(_AlterTable):
    """Statements sqlglot parses as a Command, triggers and functions."""

    def _apply_text(self, text: str) -> bool:
        flat = " ".join(text.split())
        # First: the most common form, and no other pattern below can match it.
        m = _ALTER_TABLE_TEXT.fullmatch(flat)
        if m:
            actions = split_top_level(m.group(2))
            if len(actions) > 1:
                # Several actions: each replayed as its own ALTER TABLE, in order (what
                # PostgreSQL's passes give for every combination a migration writes).
                head = flat[: m.start(2)]
                for action in actions:
                    self._apply_part(head + action.strip())
                return True
            return self._alter_table_text(m.group(1), m.group(2))
        m = re.fullmatch(
            r"SET\s+(?:(SESSION|LOCAL)\s+)?search_path\s*(?:TO|=)\s*(.+)", flat, re.IGNORECASE
        )
        if m:
            items = [s.strip() for s in m.group(2).split(",")]
            path = []
            for item in items:
                item = item.strip("'") if item.startswith("'") else item
                if item.lower() in ("default",):
                    path = ["public"]
                    break
                if item != "$user" and item != '"$user"':
                    path.append(_fold_text(item))
            self.search_path = path or ["public"]
            if (m.group(1) or "").upper() == "LOCAL":
                self._local_path = True
            return True
        m = re.fullmatch(
            rf"CREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?({IDENT}).*", flat, re.IGNORECASE
        )
        if m:
            self.extensions.add(_fold_text(m.group(1)))
            return True
        m = re.fullmatch(
            rf"DROP\s+EXTENSION\s+(?:IF\s+EXISTS\s+)?({IDENT})(?:\s+CASCADE|\s+RESTRICT)?",
            flat,
            re.IGNORECASE,
        )
        if m:
            self.extensions.discard(_fold_text(m.group(1)))
            return True
        m = re.fullmatch(
            rf"CREATE\s+COLLATION\s+(IF\s+NOT\s+EXISTS\s+)?({QNAME})\s*\((.*)\)", flat, re.I
        )
        if m:
            self._create_collation(m.group(2), m.group(3), bool(m.group(1)))
            return True
        m = re.fullmatch(
            rf"DROP\s+TRIGGER\s+(IF\s+EXISTS\s+)?({IDENT})\s+ON\s+({QNAME})(?:\s+CASCADE|\s+RESTRICT)?",
            flat,
            re.IGNORECASE,
        )
        if m:
            table = self._table(m.group(3))
            trigger = _fold_text(m.group(2))
            if trigger not in table.triggers and not m.group(1):
                raise _Unsupported(f"trigger {trigger} on {table.qualified} is not known")
            table.triggers.pop(trigger, None)
            return True
        if re.match(r"CREATE\s+DOMAIN\b", flat, re.IGNORECASE):
            self._create_domain(flat)
            return True
        m = re.fullmatch(
            rf"ALTER\s+TYPE\s+({QNAME})\s+ADD\s+VALUE\s+(IF\s+NOT\s+EXISTS\s+)?'((?:[^']|'')*)'"
            rf"(?:\s+(BEFORE|AFTER)\s+'((?:[^']|'')*)')?",
            flat,
            re.IGNORECASE,
        )
        if m:
            return self._add_enum_value(m)
        m = re.fullmatch(
            r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE)\s+(\S+?)\s*\(.*",
            flat,
            re.IGNORECASE | re.DOTALL,
        )
        if m:
            self._note_function(m.group(1), text)
            return True
        return bool(
            re.match(
                r"(GRANT|REVOKE|COMMENT\s+ON|CREATE\s+ROLE|ALTER\s+ROLE|CREATE\s+POLICY|"
                r"ALTER\s+DEFAULT\s+PRIVILEGES|ANALYZE|VACUUM)\b",
                flat,
                re.IGNORECASE,
            )
        )

    def _apply_part(self, text: str) -> None:
        """Replay ``text``, one part of the current statement (the builder's own step)."""
        raise NotImplementedError

    def _create_trigger(self, tree: exp.Create) -> None:
        props = tree.args.get("properties")
        trig = next(
            (
                p
                for p in (props.expressions if props else [])
                if isinstance(p, exp.TriggerProperties)
            ),
            None,
        )
        if trig is None:
            raise _Unsupported("CREATE TRIGGER not understood")
        table = self._table_node(trig.args["table"])
        execute = trig.args.get("execute")
        func = execute.this if execute is not None else None
        if func is None:
            raise _Unsupported("trigger without a function")
        fname = func.name if isinstance(func, exp.Anonymous) else render(func)
        parts = _split_qname(fname.split("(", 1)[0])
        if len(parts) == 2:
            fname = f"{parts[0]}.{parts[1]}"
        else:
            fname = f"{self._creation_schema()}.{parts[-1]}"
        events = tuple(sorted(str(e.this).lower() for e in trig.args.get("events") or []))
        name = _fold_id(tree.this)
        table.triggers[name] = Trigger(
            name, fname, True, str(trig.args.get("timing") or "").lower(), events
        )

    def _create_function(self, tree: exp.Create, text: str) -> None:
        self._note_function(render(tree.this), text)

    def _note_function(self, name: str, text: str) -> None:
        if _DDL_IN_BODY.search(text.split("$", 1)[1] if "$" in text else ""):
            short = name.split("(")[0].split(".")[-1].strip('"').lower()
            template = trigger_template(text)
            if template is not None:
                self.trigger_functions[short] = template
                return
            self.ddl_functions.add(short)
            raise _Unsupported("function body runs DDL (its effect, when called, is not modeled)")
