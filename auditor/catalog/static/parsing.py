"""Reading statement text: sqlglot parsing, name folding, identifier patterns."""

from __future__ import annotations

import functools
import re

from sqlglot import exp

from auditor.catalog.names import clip_bytes
from auditor.catalog.normalize import normalize_expr, normalize_identifier
from auditor.catalog.pgsql import parse, render
from auditor.catalog.static.records import _Unsupported
from auditor.core.redact import redact_sql
from auditor.sql.ident import IDENT
from auditor.sql.split import (
    SqlSyntaxError,
    Statement,
    block_comment_end,
    is_escape_string,
    paren_end,
    quoted_end,
    split_statements,
)


def _parse_one(text: str) -> exp.Expr:
    """Parse one statement or expression with the PostgreSQL dialect."""
    trees = parse(text)
    if not trees or trees[0] is None:
        raise _Unsupported("empty statement")
    if len(trees) > 1:
        raise _Unsupported("more than one statement")
    tree: exp.Expr = trees[0]
    return tree


def _fold_id(node: exp.Expr | str | None) -> str:
    if node is None:
        raise _Unsupported("missing name")
    if isinstance(node, str):
        return clip_bytes(node.lower())
    if isinstance(node, exp.Identifier):
        return clip_bytes(str(node.this) if node.quoted else str(node.this).lower())
    if isinstance(node, exp.Column | exp.Table):
        return _fold_id(node.this)
    if isinstance(node, exp.Dot | exp.Expr):
        return node.name.lower()
    raise _Unsupported("name not understood")


def _fold_text(name: str) -> str:
    """A name as written, folded as PostgreSQL folds it and cut to 63 bytes."""
    return clip_bytes(normalize_identifier(name))


def _split_qname(text: str) -> list[str]:
    parts = re.findall(IDENT, text)
    return [_fold_text(p) for p in parts]


def _first_words(text: str) -> str:
    words = redact_sql(" ".join(text.split()[:6]))
    return words if len(words) <= 80 else words[:77] + "..."


def _split_prefix(text: str, bad_line: int) -> list[Statement]:
    """The statements that end before ``bad_line`` (the part of a broken file still readable)."""
    lines = text.splitlines(keepends=True)
    prefix = "".join(lines[: max(bad_line - 1, 0)])
    while prefix:
        try:
            return split_statements(prefix)
        except SqlSyntaxError as exc:
            prefix = "".join(prefix.splitlines(keepends=True)[: max(exc.line - 1, 0)])
    return []


def _matching_paren(text: str, start: int) -> int:
    """Index of the ``)`` closing the parenthesis at ``start``."""
    end = paren_end(text, start)
    if end is None:
        raise _Unsupported("unbalanced parentheses")
    return end


def _detach(node: exp.Expr) -> exp.Expr:
    """``node`` cut loose from its statement's tree, which the model keeps: without the
    back-reference the rest of the tree is garbage as soon as the statement is replayed
    (instead of staying alive, and re-scanned by the collector, for the whole build)."""
    node.parent = None
    return node


def _norm(node: exp.Expr) -> str:
    return normalize_expr(render(node))


@functools.lru_cache(maxsize=4096)
def _default_text(literal: str) -> str:
    """The canonical text of a literal default, as the tree of its statement gives it."""
    return normalize_expr(render(_parse_one(literal)))


def _without_comments(text: str) -> str:
    """``text`` with its ``--`` and ``/* */`` comments replaced by a space (strings and
    quoted names kept); unchanged when it has none or holds dollar quotes."""
    if ("--" not in text and "/*" not in text) or "$" in text:
        return text
    out: list[str] = []
    i = start = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in "'\"":
            end = quoted_end(text, i, ch, backslash=ch == "'" and is_escape_string(text, i))
            i = n if end is None else end
        elif text.startswith("--", i):
            out.append(text[start:i] + " ")
            newline = text.find("\n", i)
            i = start = n if newline == -1 else newline
        elif text.startswith("/*", i):
            out.append(text[start:i] + " ")
            end = block_comment_end(text, i)
            i = start = n if end is None else end
        else:
            i += 1
    out.append(text[start:])
    return "".join(out).strip()
