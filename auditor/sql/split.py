"""Split a SQL file into statements with their line numbers, as PostgreSQL's lexer would.

Handles single-quoted strings (``''`` escapes), ``E''`` strings (backslash escapes),
double-quoted identifiers, dollar-quoted bodies (``$$`` and ``$tag$``), ``--`` line
comments and nested ``/* */`` block comments. Comments right before a statement are
kept as its ``leading_comments`` (ignore pragmas live there).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from auditor.core.errors import AuditorError
from auditor.core.redact import redact_sql

DOLLAR_TAG = re.compile(
    r"\$([^\x00-\x40\x5b-\x5e\x60\x7b-\x7f][^\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]*)?\$"
)
"""A dollar-quote delimiter: ``$$`` or ``$tag$``, the tag a letter, ``_`` or any character
past ASCII, then those and digits (spelled as the complement of the ASCII characters that
cannot appear: an explicit range up to U+FFFF is slow to compile)."""


@dataclass(frozen=True)
class Statement:
    """One SQL statement of a file."""

    text: str
    """The statement without its trailing semicolon and surrounding blank space."""
    line: int
    """1-based line where the statement's first token is."""
    end_line: int
    """1-based line of the statement's last character."""
    offset: int
    """0-based character offset of the first token in the file."""
    leading_comments: tuple[str, ...] = ()
    """Comment texts (without ``--``/``/* */`` markers) between the previous statement and this one."""

    @property
    def first_words(self) -> str:
        """The first few words, for messages about the statement."""
        words = redact_sql(" ".join(self.text.split()[:6]))
        return words if len(words) <= 80 else words[:77] + "..."


class SqlSyntaxError(AuditorError, ValueError):
    """The file cannot be split (an unterminated string, identifier or comment)."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


def split_statements(source: str) -> list[Statement]:
    """Split ``source`` into statements; raise :class:`SqlSyntaxError` if a token never ends.

    Remembered per text (the families of one run read the same files; statements are
    frozen, the list is the caller's own).
    """
    return list(_remembered(source))


@functools.lru_cache(maxsize=4096)
def _remembered(source: str) -> tuple[Statement, ...]:
    return tuple(_split(source))


def _split(source: str) -> list[Statement]:
    """:func:`split_statements`, computed.

    The common case jumps from one special token (quote, ``$``, parenthesis, ``;``,
    ``--``) to the next with a regular expression; a file with a ``/*`` comment or an
    ``E''`` string, or one that does not split cleanly, goes through the character-by-
    character :func:`_split_by_character`, which gives the same statements and raises
    with the line of an unterminated token.
    """
    if "E'" in source or "e'" in source or "/*" in source:
        return _split_by_character(source)
    statements: list[Statement] = []
    lines = _Lines(source)
    start = 0
    depth = 0
    pos = 0
    n = len(source)
    search = _SPECIAL.search
    while True:
        m = search(source, pos)
        if m is None:
            break
        tok = m.group(0)
        i = m.start()
        if tok == ";":
            pos = i + 1
            if depth <= 0:
                _add_statement(statements, source, start, i, lines)
                start = pos
                depth = 0
        elif tok == "(":
            depth += 1
            pos = i + 1
        elif tok == ")":
            depth -= 1
            pos = i + 1
        elif tok == "--":
            end = source.find("\n", i)
            pos = n if end == -1 else end
        elif tok == "'" or tok == '"':
            j = i + 1
            while True:
                j = source.find(tok, j)
                if j == -1:
                    return _split_by_character(source)  # raises with the line
                if source.startswith(tok, j + 1):
                    j += 2
                    continue
                break
            pos = j + 1
        else:  # $
            d = DOLLAR_TAG.match(source, i)
            if d is None or (i > 0 and (source[i - 1].isalnum() or source[i - 1] == "_")):
                pos = i + 1
                continue
            close = source.find(d.group(0), d.end())
            if close == -1:
                return _split_by_character(source)  # raises with the line
            pos = close + len(d.group(0))
    _add_statement(statements, source, start, n, lines)
    return statements


_SPECIAL = re.compile(r"--|[';\"$()]")


class _Lines:
    """The 1-based line of an offset, counted on from the last one asked (offsets mostly
    grow): counting from the file's start for every statement was quadratic."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.pos = 0
        self.line = 1

    def at(self, pos: int) -> int:
        if pos < self.pos:
            self.pos, self.line = 0, 1
        self.line += self.source.count("\n", self.pos, pos)
        self.pos = pos
        return self.line


def _add_statement(
    statements: list[Statement], source: str, start: int, end: int, lines: _Lines
) -> None:
    """The statement in ``source[start:end]`` (if any), after blanks and ``--`` comments,
    which become its leading comments."""
    chunk = source[start:end]
    offset = 0
    comments: list[str] = []
    while True:
        offset = len(chunk) - len(chunk[offset:].lstrip())
        if chunk.startswith("--", offset):
            newline = chunk.find("\n", offset)
            if newline == -1:
                return
            comments.append(chunk[offset + 2 : newline].strip())
            offset = newline + 1
            continue
        break
    text = chunk[offset:].rstrip()
    if not text:
        return
    first = start + offset
    line = lines.at(first)
    statements.append(Statement(text, line, line + text.count("\n"), first, tuple(comments)))


def _split_by_character(source: str) -> list[Statement]:
    """:func:`split_statements` reading every character (nested ``/* */`` comments,
    ``E''`` strings with backslash escapes, error lines)."""
    statements: list[Statement] = []
    comments: list[str] = []
    start: int | None = None
    i = 0
    n = len(source)
    depth_parens = 0

    line_at = _Lines(source).at

    def finish(end: int) -> None:
        nonlocal start, comments
        if start is not None:
            text = source[start:end].strip()
            if text:
                statements.append(
                    Statement(
                        text=text,
                        line=line_at(start),
                        end_line=line_at(start + len(source[start:end].rstrip())),
                        offset=start,
                        leading_comments=tuple(comments),
                    )
                )
        start = None
        comments = []

    while i < n:
        ch = source[i]
        if ch == "-" and source.startswith("--", i):
            end = source.find("\n", i)
            end = n if end == -1 else end
            if start is None:
                comments.append(source[i + 2 : end].strip())
            i = end
            continue
        if ch == "/" and source.startswith("/*", i):
            close = block_comment_end(source, i)
            if close is None:
                raise SqlSyntaxError("unterminated /* comment", line_at(i))
            j = close
            if start is None:
                comments.append(source[i + 2 : j - 2].strip())
            i = j
            continue
        if ch.isspace():
            i += 1
            continue
        if start is None:
            start = i
        if ch == ";" and depth_parens <= 0:
            finish(i)
            depth_parens = 0
            i += 1
            continue
        if ch == "(":
            depth_parens += 1
        elif ch == ")":
            depth_parens -= 1
        if ch == "'":
            i = _end_of_quoted(source, i, "'", backslash=is_escape_string(source, i))
            continue
        if ch == '"':
            i = _end_of_quoted(source, i, '"', backslash=False)
            continue
        if ch == "$":
            match = DOLLAR_TAG.match(source, i)
            if match and not (i > 0 and (source[i - 1].isalnum() or source[i - 1] == "_")):
                tag = match.group(0)
                close = source.find(tag, match.end())
                if close == -1:
                    raise SqlSyntaxError(f"unterminated dollar-quoted string {tag}", line_at(i))
                i = close + len(tag)
                continue
        i += 1
    finish(n)
    return statements


def is_escape_string(text: str, i: int) -> bool:
    """True when the quote at ``i`` opens an ``E''`` string (backslash escapes)."""
    return i > 0 and text[i - 1] in "eE" and (i < 2 or not text[i - 2].isalnum())


def quoted_end(text: str, i: int, quote: str, backslash: bool) -> int | None:
    """Index just past the quoted token starting at ``i``, or None when it never ends."""
    n = len(text)
    j = i + 1
    if not backslash:
        while True:
            k = text.find(quote, j)
            if k == -1:
                return None
            if k + 1 < n and text[k + 1] == quote:
                j = k + 2
                continue
            return k + 1
    while j < n:
        ch = text[j]
        if ch == "\\":
            j += 2
            continue
        if ch == quote:
            if j + 1 < n and text[j + 1] == quote:
                j += 2
                continue
            return j + 1
        j += 1
    return None


def block_comment_end(text: str, i: int) -> int | None:
    """Index just past the (nested) ``/* */`` comment starting at ``i``, or None."""
    j, depth, n = i + 2, 1, len(text)
    while j < n and depth:
        if text.startswith("/*", j):
            depth, j = depth + 1, j + 2
        elif text.startswith("*/", j):
            depth, j = depth - 1, j + 2
        else:
            j += 1
    return None if depth else j


def _end_of_quoted(source: str, i: int, quote: str, *, backslash: bool) -> int:
    """Index just past the closing quote of the quoted token starting at ``i``."""
    end = quoted_end(source, i, quote, backslash)
    if end is None:
        kind = "string" if quote == "'" else "quoted identifier"
        raise SqlSyntaxError(f"unterminated {kind}", source.count("\n", 0, i) + 1)
    return end


class Unbalanced(ValueError):
    """A parenthesis or bracket closes one never opened or is left open, or a quoted token never ends."""


_NESTING = re.compile(r"[(),\[\]'\"]")
_PARENS = re.compile(r"[()'\"]")
_NESTED = re.compile(r"[()\[\]'\"]")


def split_top_level(text: str, *, strict: bool = False) -> list[str]:
    """``text`` cut at its commas outside parentheses, brackets, strings and quoted names.

    The parts are not stripped: each reader strips the blank space it means (the fast
    DDL path only ASCII blanks, since PostgreSQL reads a no-break space as part of a
    name). A quoted token ends at its closing quote (a doubled quote is part of it).
    With ``strict``, raise :class:`Unbalanced` when the nesting does not balance or a
    quoted token never ends; otherwise cut only at the commas seen at depth 0 (and none
    after a quote that never ends).
    """
    if _NESTED.search(text) is None:
        return text.split(",")
    parts: list[str] = []
    depth = start = pos = 0
    search = _NESTING.search
    while (m := search(text, pos)) is not None:
        char = m.group(0)
        pos = m.end()
        if char == "'" or char == '"':
            end = quoted_end(text, m.start(), char, backslash=False)
            if end is None:
                if strict:
                    raise Unbalanced(text)
                break
            pos = end
        elif char == "(" or char == "[":
            depth += 1
        elif char == ")" or char == "]":
            depth -= 1
            if depth < 0 and strict:
                raise Unbalanced(text)
        elif depth == 0:
            parts.append(text[start : m.start()])
            start = pos
    if depth != 0 and strict:
        raise Unbalanced(text)
    parts.append(text[start:])
    return parts


def paren_end(text: str, open_at: int) -> int | None:
    """Index of the ``)`` that closes the parenthesis at ``open_at``, skipping strings and
    quoted names (as :func:`split_top_level`); None when it never closes."""
    depth = 0
    pos = open_at
    search = _PARENS.search
    while (m := search(text, pos)) is not None:
        char = m.group(0)
        i = m.start()
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i
        else:
            end = quoted_end(text, i, char, backslash=False)
            if end is None:
                return None
            pos = end
            continue
        pos = i + 1
    return None
