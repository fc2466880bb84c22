"""The shared SQL text helpers: top-level commas, matching parentheses, PostgreSQL names."""

from __future__ import annotations

import re

import pytest

from auditor.sql.ident import ASCII_IDENT, IDENT, QNAME
from auditor.sql.split import Unbalanced, paren_end, split_top_level


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("a, b", ["a", " b"]),
        ("a, f(b, c), 'x,y'", ["a", " f(b, c)", " 'x,y'"]),
        ('"a,b", c', ['"a,b"', " c"]),
        ("ARRAY[1, 2], x", ["ARRAY[1, 2]", " x"]),
        ("'it''s, ok', y", ["'it''s, ok'", " y"]),
        ("a,", ["a", ""]),
    ],
)
def test_split_top_level(text: str, parts: list[str]) -> None:
    assert split_top_level(text) == parts
    assert split_top_level(text, strict=True) == parts


@pytest.mark.parametrize("text", ["a), b", "(a, b", "'a, b", '"a, b'])
def test_split_top_level_strict_refuses_unbalanced(text: str) -> None:
    with pytest.raises(Unbalanced):
        split_top_level(text, strict=True)


def test_split_top_level_lenient_cuts_only_at_depth_zero() -> None:
    assert split_top_level("a), b, (c, d") == ["a), b, (c", " d"]
    assert split_top_level("a, 'b, c") == ["a", " 'b, c"]


@pytest.mark.parametrize(
    ("text", "open_at", "end"),
    [
        ("f(a, (b))", 1, 8),
        ("(')')", 0, 4),
        ('("a)b")', 0, 6),
        ("(a", 0, None),
        ("(')", 0, None),
    ],
)
def test_paren_end(text: str, open_at: int, end: int | None) -> None:
    assert paren_end(text, open_at) == end


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("users", True),
        ("_x$1", True),
        ("\u212aelvin", True),  # the Kelvin sign is a name character, not a letter
        ("\u0130d", True),  # a dotted capital I
        ("caf\u00e9", True),
        ('"Quoted ""name"""', True),
        ("1abc", False),
        ("$x", False),
        ("a-b", False),
    ],
)
def test_ident_follows_postgresql(text: str, name: bool) -> None:
    assert bool(re.fullmatch(IDENT, text)) is name
    assert bool(re.fullmatch(IDENT, text, re.IGNORECASE)) is name


def test_qname_and_ascii_subset() -> None:
    assert re.fullmatch(QNAME, 'app . "Users"')
    assert not re.fullmatch(QNAME, "a.b.c")
    assert re.fullmatch(ASCII_IDENT, "users", re.ASCII)
    assert not re.fullmatch(ASCII_IDENT, "\u212aelvin", re.ASCII | re.IGNORECASE)
