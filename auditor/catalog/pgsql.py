"""sqlglot's PostgreSQL dialect with a tokenizer, parser and generator reused per thread.

``Dialect.parse`` and ``Expression.sql`` build new ones on every call, which costs about
as much as parsing a short statement; the static model parses thousands.
"""

from __future__ import annotations

import threading

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

PG = Dialect.get_or_raise("postgres")
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
