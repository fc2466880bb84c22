"""PostgreSQL's rules for the names it chooses and prints, reproduced for the static model.

- :func:`make_object_name` is ``makeObjectName``: ``name1_name2_label`` cut to 63 bytes by
  shortening the longer of ``name1``/``name2`` first, never splitting a UTF-8 character.
- :func:`choose_name` is ``ChooseRelationName``/``ChooseConstraintName``: on a collision
  the label gets a numeric suffix (``users_email_key1``, ``users_email_key2``, ...).
- :func:`name_addition` is ``ChooseIndexNameAddition``: column names joined by ``_``.
- :func:`quote_ident` quotes a name the way ``format_type``/``regclass`` print it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

NAMEDATALEN = 64
MAX_NAME_BYTES = NAMEDATALEN - 1

_PLAIN = re.compile(r"^[a-z_][a-z0-9_$]*$")
# Reserved words that format_type / quote_ident would quote (the common ones).
_RESERVED = frozenset(
    [
        "all",
        "analyse",
        "analyze",
        "and",
        "any",
        "array",
        "as",
        "asc",
        "asymmetric",
        "authorization",
        "binary",
        "both",
        "case",
        "cast",
        "check",
        "collate",
        "collation",
        "column",
        "concurrently",
        "constraint",
        "create",
        "cross",
        "current_catalog",
        "current_date",
        "current_role",
        "current_schema",
        "current_time",
        "current_timestamp",
        "current_user",
        "default",
        "deferrable",
        "desc",
        "distinct",
        "do",
        "else",
        "end",
        "except",
        "false",
        "fetch",
        "for",
        "foreign",
        "freeze",
        "from",
        "full",
        "grant",
        "group",
        "having",
        "ilike",
        "in",
        "initially",
        "inner",
        "intersect",
        "into",
        "is",
        "isnull",
        "join",
        "lateral",
        "leading",
        "left",
        "like",
        "limit",
        "localtime",
        "localtimestamp",
        "natural",
        "not",
        "notnull",
        "null",
        "offset",
        "on",
        "only",
        "or",
        "order",
        "outer",
        "overlaps",
        "placing",
        "primary",
        "references",
        "returning",
        "right",
        "select",
        "session_user",
        "similar",
        "some",
        "symmetric",
        "system_user",
        "table",
        "tablesample",
        "then",
        "to",
        "trailing",
        "true",
        "union",
        "unique",
        "user",
        "using",
        "variadic",
        "verbose",
        "when",
        "where",
        "window",
        "with",
    ]
)


def clip_bytes(name: str, limit: int = MAX_NAME_BYTES) -> str:
    """``name`` cut to at most ``limit`` UTF-8 bytes without splitting a character."""
    if len(name) <= limit and name.isascii():
        return name  # one byte per character: nothing to cut
    data = name.encode()
    if len(data) <= limit:
        return name
    return data[:limit].decode("utf-8", "ignore")


def make_object_name(name1: str, name2: str | None, label: str | None) -> str:
    """PostgreSQL's ``makeObjectName``: ``name1[_name2][_label]`` within 63 bytes."""
    n1 = len(name1.encode())
    n2 = len(name2.encode()) if name2 is not None else 0
    overhead = (1 if name2 is not None else 0) + (len(label) + 1 if label else 0)
    available = MAX_NAME_BYTES - overhead
    while n1 + n2 > available:
        if n1 > n2:
            n1 -= 1
        else:
            n2 -= 1
    result = clip_bytes(name1, n1)
    if name2 is not None:
        result += "_" + clip_bytes(name2, n2)
    if label:
        result += "_" + label
    return result


def choose_name(name1: str, name2: str | None, label: str, taken: Callable[[str], bool]) -> str:
    """The first of ``name1_name2_label``, ``..._label1``, ``..._label2`` ... not ``taken``."""
    candidate = make_object_name(name1, name2, label)
    suffix = 0
    while taken(candidate):
        suffix += 1
        candidate = make_object_name(name1, name2, f"{label}{suffix}")
    return candidate


def name_addition(names: Iterable[str]) -> str:
    """``ChooseIndexNameAddition``: names joined by ``_``, stopping once 63 bytes are reached."""
    buf = ""
    for name in names:
        if buf:
            buf += "_"
        buf += clip_bytes(name)
        if len(buf.encode()) >= NAMEDATALEN:
            break
    return buf


def quote_ident(name: str) -> str:
    """``name`` as PostgreSQL prints an identifier: quoted unless plain lower case."""
    if _PLAIN.match(name) and name not in _RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'
