"""Issue 24: the shared redactor (SQL excerpts, URL credentials)."""

from __future__ import annotations

import pytest

from auditor.core.redact import redact_sql, redact_url_credentials


@pytest.mark.parametrize(
    "sql, secret",
    [
        ("DO $$ BEGIN PERFORM set_config('app.db_password', 'Hunt3rTw0Secret',", "Hunt3rTw0Secret"),
        ("SELECT set_config('app.api_token', 'abc123xyz', false)", "abc123xyz"),
        ("SET app.api_token TO 'tok-2fa9'", "tok-2fa9"),
        ("SET app.secret = 'a''b-c'", "a''b-c"),
        ("ALTER ROLE app PASSWORD 'plainpw'", "plainpw"),
        ("ALTER ROLE app PASSWORD 'unterminated", "unterminated"),
    ],
)
def test_sql_excerpt_secret_is_redacted(sql: str, secret: str) -> None:
    shown = redact_sql(sql)
    assert secret not in shown
    assert "***" in shown


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO t VALUES ('a', 'b')",
        "SELECT set_config('search_path', 'public', false)",
        "CREATE TABLE tokens (id int)",
    ],
)
def test_ordinary_sql_is_kept(sql: str) -> None:
    assert redact_sql(sql) == sql


@pytest.mark.parametrize(
    "url, shown",
    [
        (
            "git+https://oauth2:glpat-x1@gitlab.com/g/x.git",
            "git+https://oauth2:***@gitlab.com/g/x.git",
        ),
        ("https://T0kenValue99@host/x", "https://***@host/x"),
        ("https://u:p@ss@host/x", "https://u:***@host/x"),
        ("git+ssh://git@github.com/o/r", "git+ssh://git@github.com/o/r"),
        ("see http://host/a@b", "see http://host/a@b"),
    ],
)
def test_url_credentials(url: str, shown: str) -> None:
    assert redact_url_credentials(url) == shown


def test_a_path_ending_in_a_secret_word_is_not_an_assignment() -> None:
    from auditor.core.redact import redact_text

    message = "/repo/.secrets.baseline: plugins_used names code to load"
    assert redact_text(message) == message
    assert "hunter2" not in redact_text("DB_PASSWORD=hunter2 and app.token: hunter2")
