"""sqlglot's PostgreSQL dialect with a tokenizer, parser and generator reused per thread.

``Dialect.parse`` and ``Expression.sql`` build new ones on every call, which costs about
as much as parsing a short statement; the static model parses thousands.
"""

from __future__ import annotations

import threading
from typing import ClassVar

from sqlglot import TokenType, exp
from sqlglot.dialects.postgres import Postgres

NOT_POSTGRESQL_TYPES = frozenset(
    [
        "BIGDECIMAL",
        "BIGNUM",
        "BIGNUMERIC",
        "BINARY",
        "BLOB",
        "BYTE",
        "CLOB",
        "DATETIME",
        "DECFLOAT",
        "DECIMAL128",
        "DECIMAL256",
        "DECIMAL32",
        "DECIMAL64",
        "FIXED",
        "HUGEINT",
        "INT1",
        "INT128",
        "INT16",
        "INT256",
        "INT32",
        "INT64",
        "LONG",
        "LONGBLOB",
        "LONGTEXT",
        "LONGVARCHAR",
        "MEDIUMBLOB",
        "MEDIUMINT",
        "MEDIUMTEXT",
        "NUMBER",
        "NVARCHAR",
        "NVARCHAR2",
        "SHORT",
        "STR",
        "STRING",
        "TIMESTAMPLTZ",
        "TIMESTAMPNTZ",
        "TIMESTAMP_LTZ",
        "TIMESTAMP_NTZ",
        "TIME_NS",
        "TINYBLOB",
        "TINYINT",
        "TINYTEXT",
        "UHUGEINT",
        "UINT",
        "UINT128",
        "UINT256",
        "VARBINARY",
        "VARCHAR2",
        "VARIANT",
    ]
)
"""Type names of other databases that sqlglot's PostgreSQL tokenizer still reads as types
(``short`` as smallint, ``string`` as text) and PostgreSQL rejects (``SELECT NULL::short``
fails on PostgreSQL 15): a domain or enum of that name would be read as the builtin type."""


class PostgreSQL(Postgres):
    """sqlglot's PostgreSQL dialect, where those words are plain names (a user type)."""

    class Tokenizer(Postgres.Tokenizer):
        KEYWORDS: ClassVar[dict[str, TokenType]] = {
            word: token
            for word, token in Postgres.Tokenizer.KEYWORDS.items()
            if word not in NOT_POSTGRESQL_TYPES
        }


PG = PostgreSQL()
"""One PostgreSQL dialect instance for every parse and render."""

KEYWORDS = frozenset(k.lower() for k in PG.tokenizer_class.KEYWORDS if k.isidentifier())
"""Words sqlglot's tokenizer reads as keywords (as a bare name they may mean more)."""


class _Parsers(threading.local):
    def __init__(self) -> None:
        self.tokenizer = PG.tokenizer()
        self.parser = PG.parser()
        self.generator = PG.generator(comments=False)  # a comment is never part of a value


_PARSERS = _Parsers()


def parse(text: str) -> list[exp.Expr | None]:
    """``Dialect.parse`` with the thread's reused tokenizer and parser."""
    parsers = _PARSERS
    return parsers.parser.parse(parsers.tokenizer.tokenize(text), text)


def render(node: exp.Expr) -> str:
    """``node.sql(dialect="postgres", copy=False)`` with the thread's reused generator."""
    return _PARSERS.generator.generate(node, copy=False)
