"""Statement splitting with line numbers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditor.sql.split import SqlSyntaxError, _split_by_character, split_statements


def test_splits_with_lines_and_leading_comments() -> None:
    source = "-- first\nCREATE TABLE a (x int);\n\n/* block */\nCREATE INDEX i ON a (x);\n"
    first, second = split_statements(source)
    assert (first.text, first.line, first.leading_comments) == (
        "CREATE TABLE a (x int)",
        2,
        ("first",),
    )
    assert (second.text, second.line, second.leading_comments) == (
        "CREATE INDEX i ON a (x)",
        5,
        ("block",),
    )


@pytest.mark.parametrize(
    "source, count",
    [
        ("SELECT ';';SELECT 2", 2),
        ("SELECT 'it''s; fine'; SELECT 2;", 2),
        ("SELECT E'\\'; still string'; SELECT 2;", 2),
        ('CREATE TABLE "we;ird" (x int); SELECT 1;', 2),
        ("CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; SELECT 2; $$ LANGUAGE sql; SELECT 1;", 2),
        ("DO $body$ BEGIN PERFORM 1; END $body$; SELECT 1;", 2),
        ("SELECT 1 /* a /* nested; */ comment; */; SELECT 2;", 2),
        ("-- only a comment; not a statement\n", 0),
        ("SELECT $1::int; SELECT 2;", 2),
    ],
)
def test_statement_counts(source: str, count: int) -> None:
    assert len(split_statements(source)) == count


def test_statement_spanning_lines_records_end_line() -> None:
    (stmt,) = split_statements("\n\nCREATE TABLE t (\n  id int\n);\n")
    assert (stmt.line, stmt.end_line) == (3, 5)


@pytest.mark.parametrize(
    "source, line",
    [("SELECT 1;\nSELECT 'open", 2), ("SELECT 1;\n\n$$ never closed", 3), ("/* open", 1)],
)
def test_unterminated_tokens_name_the_line(source: str, line: int) -> None:
    with pytest.raises(SqlSyntaxError) as info:
        split_statements(source)
    assert info.value.line == line


_pieces = st.sampled_from(
    [
        "SELECT 1",
        "SELECT ';'",
        "SELECT 'a''b;'",
        'CREATE TABLE "x;y" (a int)',
        "DO $$ BEGIN PERFORM 1; END $$",
        "CREATE FUNCTION f() RETURNS int AS $fn$ SELECT 1; $fn$ LANGUAGE sql",
        "SELECT 1 /* c; */ + 2",
        "SELECT E'\\';'",
    ]
)


@given(st.lists(st.tuples(_pieces, st.integers(min_value=0, max_value=2)), min_size=1, max_size=8))
def test_splitting_recovers_joined_statements(parts: list[tuple[str, int]]) -> None:
    """Joining statements with ';' and newlines and splitting again gives them back, with lines."""
    source = ""
    expected_lines = []
    for text, blank_lines in parts:
        source += "\n" * blank_lines
        expected_lines.append(source.count("\n") + 1)
        source += text + ";\n"
    statements = split_statements(source)
    assert [s.text for s in statements] == [text for text, _ in parts]
    assert [s.line for s in statements] == expected_lines


_fragments = st.sampled_from(
    [
        "SELECT 1",
        " ",
        "\n",
        "\r\n",
        ";",
        "(",
        ")",
        "'a;b'",
        "'it''s'",
        "'",
        '"x;y"',
        '"',
        '"a""b"',
        "$$ x; $$",
        "$fn$ y; $fn$",
        "$1",
        "a$b",
        "$",
        "-- note; here\n",
        "--",
        "-",
        "/* c; */",
        "E'\\';'",
        "name",
        "é",
    ]
)


@given(st.lists(_fragments, max_size=14).map("".join))
def test_fast_splitter_matches_the_character_reader(source: str) -> None:
    """The jump-based splitter gives exactly what the character-by-character one gives
    (statements, lines, offsets, leading comments), or the same error line."""
    try:
        expected = _split_by_character(source)
    except SqlSyntaxError as exc:
        with pytest.raises(SqlSyntaxError) as info:
            split_statements(source)
        assert info.value.line == exc.line
        return
    assert split_statements(source) == expected
