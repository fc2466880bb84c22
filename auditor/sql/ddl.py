"""Small, pure text helpers for reading PostgreSQL DDL statements.

Statements come from :func:`auditor.sql.split.split_statements`. Lint rules
match keywords on a *masked* copy of a statement: comments removed, string
literals replaced by ``''`` and dollar-quoted bodies by ``$$ $$``, blank space
collapsed. Keywords can then be matched with a regular expression without
tripping over a keyword inside a string, a comment or a function body, and a
secret in a literal can never leak into a message built from the masked text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from auditor.sql.ident import DOTTED_NAME, IDENT
from auditor.sql.split import (
    DOLLAR_TAG,
    block_comment_end,
    is_escape_string,
    paren_end,
    quoted_end,
)
from auditor.sql.split import split_top_level as split_at_commas

QNAME = DOTTED_NAME
"""A possibly schema-qualified name (PostgreSQL's name rule: :mod:`auditor.sql.ident`)."""


def _collapse(text: str) -> str:
    """Runs of blank space as one space, none at the ends (``str.split`` blanks are ``\\s``)."""
    return " ".join(text.split())


_SPECIAL = re.compile(r"--|/\*|['\"$]")
_SPECIAL_START = re.compile(r"[-/'\"$]")
"""A character that may start a comment, a literal or a quoted identifier (fast to search)."""


def mask(text: str) -> str:
    """``text`` without comments, with literals blanked and blank space collapsed."""
    if _SPECIAL_START.search(text) is None:
        return _collapse(text)  # most statements: nothing to remove or blank
    out: list[str] = []
    i, n = 0, len(text)
    while True:
        match = _SPECIAL.search(text, i)
        if match is None:
            out.append(text[i:])
            break
        j = match.start()
        token = match.group()
        out.append(text[i:j])
        if token == "--":
            end = text.find("\n", j)
            i = n if end == -1 else end
            out.append(" ")
        elif token == "/*":
            i = block_comment_end(text, j) or n
            out.append(" ")
        elif token == "'":
            i = _end_quoted(text, j, "'", is_escape_string(text, j))
            out.append("''")
        elif token == '"':
            i = _end_quoted(text, j, '"', False)
            out.append(text[j:i])
        else:
            tag = DOLLAR_TAG.match(text, j)
            if tag and not (j > 0 and (text[j - 1].isalnum() or text[j - 1] == "_")):
                close = text.find(tag.group(0), tag.end())
                i = n if close == -1 else close + len(tag.group(0))
                out.append("$$ $$")
            else:
                out.append("$")
                i = j + 1
    return _collapse("".join(out))


def _end_quoted(text: str, i: int, quote: str, backslash: bool) -> int:
    """Index just past the quoted token that starts at ``i`` (end of text if unterminated)."""
    return quoted_end(text, i, quote, backslash) or len(text)


def literals(text: str) -> list[str]:
    """The contents of the single-quoted string literals of ``text`` (comments skipped)."""
    found: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "-" and text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end == -1 else end
            continue
        if ch == "'":
            j = _end_quoted(text, i, "'", is_escape_string(text, i))
            found.append(text[i + 1 : j - 1].replace("''", "'"))
            i = j
            continue
        if ch == '"':
            i = _end_quoted(text, i, '"', False)
            continue
        i += 1
    return found


def unquote(name: str) -> str:
    """An identifier as PostgreSQL stores it: quoted kept verbatim, unquoted folded to lower case."""
    name = name.strip()
    if len(name) >= 2 and name[0] == '"' and name[-1] == '"':
        return name[1:-1].replace('""', '"')
    return name.lower()


_NAME_PART = re.compile(IDENT)


def base_name(qualified: str) -> str:
    """The last part of a possibly qualified name, unquoted: ``public."Users"`` → ``Users``."""
    parts = _NAME_PART.findall(qualified)
    return unquote(parts[-1]) if parts else unquote(qualified)


def split_top_level(text: str) -> list[str]:
    """Masked ``text`` cut at its top-level commas (:func:`auditor.sql.split.split_top_level`),
    each item stripped, empty ones dropped."""
    return [p.strip() for p in split_at_commas(text) if p.strip()]


def paren_body(text: str, open_at: int) -> tuple[str, int]:
    """The text inside the parenthesis opening at ``open_at`` and the index after it closes
    (the rest of ``text`` when it never closes)."""
    close = paren_end(text, open_at)
    if close is None:
        return text[open_at + 1 :], len(text)
    return text[open_at + 1 : close], close + 1


_TYPE_STOP = re.compile(
    r"\s+(?:NOT\b|NULL\b|DEFAULT\b|PRIMARY\b|UNIQUE\b|REFERENCES\b|CHECK\b|CONSTRAINT\b|"
    r"GENERATED\b|COLLATE\b|COMPRESSION\b|STORAGE\b|USING\b|DEFERRABLE\b|INITIALLY\b)",
    re.IGNORECASE,
)


_DEFINITION = re.compile(rf"\s*({IDENT})\s*(.*)$", re.DOTALL)
_AROUND_OPEN = re.compile(r"\s*\(\s*")
_BEFORE_CLOSE = re.compile(r"\s*\)")
_AROUND_COMMA = re.compile(r"\s*,\s*")


def column_type(definition: str) -> tuple[str, str]:
    """Split a masked column definition ``name type constraints`` into (name, TYPE).

    The type is upper-cased with single spaces: ``timestamp(3)  without time zone``
    becomes ``TIMESTAMP(3) WITHOUT TIME ZONE``.
    """
    match = _DEFINITION.match(definition)
    if not match:
        return "", ""
    name, rest = match.group(1), match.group(2)
    stop = _TYPE_STOP.search(" " + rest)
    type_text = (rest if stop is None else (" " + rest)[: stop.start()]).strip()
    if "(" in type_text:
        type_text = _AROUND_OPEN.sub("(", type_text)
    if ")" in type_text:
        type_text = _BEFORE_CLOSE.sub(")", type_text)
    if "," in type_text:
        type_text = _AROUND_COMMA.sub(",", type_text)
    return unquote(name), _collapse(type_text).upper()


_DEFAULT = re.compile(r"\bDEFAULT\s+(.*)$", re.IGNORECASE | re.DOTALL)
_DEFAULT_END = re.compile(
    r"[()]|\s(?:NOT\s+NULL|NULL|PRIMARY|UNIQUE|REFERENCES|CHECK|CONSTRAINT|GENERATED|COLLATE)\b",
    re.IGNORECASE,
)
"""A parenthesis, or the start of the constraint after a default (ends it at depth 0)."""


def default_expression(definition: str) -> str | None:
    """The masked ``DEFAULT`` expression of a column definition, or None."""
    match = _DEFAULT.search(definition)
    if not match:
        return None
    rest = match.group(1)
    depth = 0
    for token in _DEFAULT_END.finditer(rest):
        ch = token.group()
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0:
            return rest[: token.start()].strip()
    return rest.strip()


TABLE_CONSTRAINT = re.compile(
    r"^(?:CONSTRAINT\s+\S+\s+)?(?:PRIMARY\s+KEY|UNIQUE|CHECK|FOREIGN\s+KEY|EXCLUDE)\b|^LIKE\b",
    re.IGNORECASE,
)


def is_table_constraint(item: str) -> bool:
    """True when an element of a ``CREATE TABLE`` list is a constraint, not a column."""
    return bool(TABLE_CONSTRAINT.match(item.strip()))


@lru_cache(maxsize=4096)
def function_names(expression: str) -> frozenset[str]:
    """Lower-case names of the functions called in a SQL expression, parsed by sqlglot."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    try:
        tree = sqlglot.parse_one(expression, read="postgres")
    except SqlglotError:
        return frozenset(m.lower() for m in re.findall(r"(\w+)\s*\(", expression))
    names: set[str] = set()
    for node in tree.find_all(exp.Func):
        if isinstance(node, exp.Anonymous):
            names.add(str(node.name).lower())
        else:
            names.add(node.sql_name().lower())
    return frozenset(names)


MAX_IDENTIFIER_BYTES = 63
"""PostgreSQL truncates longer identifiers (NAMEDATALEN - 1)."""

_LONG_NAME = re.compile(r'"(?:[^"]|"")*"|[\w$]{16,}')
"""A quoted identifier, or a run of at least 16 word characters (fewer cannot pass 63 bytes)."""


def long_identifiers(masked: str) -> list[str]:
    """The identifiers of ``masked`` longer than :data:`MAX_IDENTIFIER_BYTES` in UTF-8, unquoted, in order.

    A candidate is a quoted identifier or a whole run of word characters (and ``$``)
    that starts with a letter or ``_``. ASCII text (one byte per character) has none
    when it is no longer than the limit, or has no quoted identifier and no blank-free
    stretch longer than the limit: that common case is answered without the regular
    expression.
    """
    if masked.isascii() and (
        len(masked) <= MAX_IDENTIFIER_BYTES
        or (
            '"' not in masked
            and len(max(masked.split(), key=len, default="")) <= MAX_IDENTIFIER_BYTES
        )
    ):
        return []
    names = []
    for token in _LONG_NAME.findall(masked):
        if token[0] == '"' or (token[0] != "$" and not token[0].isdecimal()):
            name = unquote(token)
            if len(name.encode()) > MAX_IDENTIFIER_BYTES:
                names.append(name)
    return names
