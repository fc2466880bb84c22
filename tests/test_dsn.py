"""DSN redaction: a password never survives into anything we print."""

from __future__ import annotations

import pytest

from auditor.dsn import describe, password_of, redact_dsn, scrub


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
