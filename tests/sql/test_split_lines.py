"""Issue 24 (scale): statement lines are counted on, not from the file's start each time."""

from __future__ import annotations

import pytest

from auditor.sql.split import split_statements


def _naive_line(source: str, offset: int) -> int:
    return source.count("\n", 0, offset) + 1


@pytest.mark.parametrize("prefix", ["", "/* the character-by-character path */\n"])
def test_lines_and_offsets_agree_on_a_large_file(prefix: str) -> None:
    body = "".join(
        f"-- {i}\nINSERT INTO t VALUES ({i}, 'a;b', $x$ ; $x$);\n\n" if i % 3 else f"SELECT {i};\n"
        for i in range(20_000)
    )
    source = prefix + body
    statements = split_statements(source)
    assert len(statements) == 20_000
    for statement in statements[::997] + statements[-3:]:
        assert statement.line == _naive_line(source, statement.offset)
        assert source[statement.offset :].startswith(statement.text)
        assert statement.end_line == statement.line + statement.text.count("\n")
