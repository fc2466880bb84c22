"""DSN redaction: a password never survives into anything we print."""

from __future__ import annotations

import pytest

from auditor.db.dsn import describe, password_of, redact_dsn, scrub


@pytest.mark.parametrize(
    "dsn, expected",
    [
        ("postgresql://app:hunter2@db:5432/app", "postgresql://app:***@db:5432/app"),
        ("postgresql://app@db/app", "postgresql://app@db/app"),
        (
            "postgres://u:p%40ss@h/d?sslmode=require&password=x",
            "postgres://u:***@h/d?sslmode=require&password=***",
        ),
        (
            "host=db user=app password=hunter2 dbname=app",
            "host=db user=app password=*** dbname=app",
        ),
        ("host=db password='se cret' dbname=app", "host=db password=*** dbname=app"),
    ],
)
def test_redact(dsn: str, expected: str) -> None:
    assert redact_dsn(dsn) == expected


def test_password_of_and_scrub() -> None:
    dsn = "postgresql://app:p%40ss@db/app"
    assert password_of(dsn) == "p@ss"
    assert scrub("failed for p@ss and p%40ss", dsn) == "failed for *** and ***"


def test_describe_has_no_password() -> None:
    assert describe("postgresql://nobody:hunter2@127.0.0.1:1/x") == "127.0.0.1:1/x"
    assert "hunter2" not in describe("host=h port=5 dbname=d password=hunter2")


@pytest.mark.parametrize(
    "dsn",
    ["postgresql://bob:Zz9secret@[::1:9/app", "postgresql://bob:Zz9secret@[fe80::1/app?x=1"],
)
def test_malformed_url_is_redacted_not_raised(dsn: str) -> None:
    assert "Zz9secret" not in redact_dsn(dsn)
    assert "Zz9secret" not in describe(dsn)
    assert scrub(f"bad {dsn}", dsn).count("Zz9secret") == 0


def test_malformed_url_is_one_line_error_without_password() -> None:
    from click.testing import CliRunner

    from auditor.cli import cli

    result = CliRunner().invoke(
        cli, ["--db", "postgresql://bob:Zz9secret@[::1:9/app", "schema", "check"]
    )
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Zz9secret" not in result.output
    assert result.output.strip().splitlines()[-1].startswith("auditor: error: ")
