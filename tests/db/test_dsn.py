"""DSN redaction: a password never survives into anything we print."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from auditor.db.dsn import describe, password_of, redact_dsn, scrub
from tests.pg import PgServer


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


# issue 24, row 1: redaction works on the URL's structure, never by substring replacement

URL_SPECIAL = "@:/?#%&=[] +'\"\\"
UNENCODED = "postgresql://rel_special:p@ss:w/rd%@127.0.0.1:5432/db"


def leaks(secret: str, text: str, size: int = 4) -> int:
    """How many ``size``-character pieces of ``secret`` appear in ``text`` (0 is safe)."""
    pieces = {secret[i : i + size] for i in range(max(len(secret) - size + 1, 1))}
    return sum(piece in text for piece in pieces)


def test_unencoded_password_is_redacted_whole() -> None:
    shown = redact_dsn(UNENCODED)
    assert shown == "postgresql://rel_special:***@127.0.0.1:5432/db"
    assert leaks("p@ss:w/rd%", describe(UNENCODED)) == 0


def test_scrub_does_not_replace_letters_of_a_short_password() -> None:
    dsn = "postgresql://rel_special:p@127.0.0.1/db"
    text = scrub(f"connect {dsn} failed: python 3.11 in /home/p", dsn)
    assert (
        text == "connect postgresql://rel_special:***@127.0.0.1/db failed: python 3.11 in /home/p"
    )


def test_scrub_replaces_a_password_only_as_a_whole_word() -> None:
    dsn = "postgresql://app:postgres@db/app"
    text = scrub("postgresql server said: bad password postgres", dsn)
    assert text == "postgresql server said: bad password ***"


def _password() -> SearchStrategy[str]:
    alphabet = st.sampled_from(list(URL_SPECIAL) + list("abcXYZ019_-.~é"))
    return st.text(alphabet, min_size=1, max_size=24)


def test_redactor_property_over_url_special_passwords() -> None:
    from urllib.parse import quote

    from hypothesis import given, settings

    @settings(max_examples=400, deadline=None)
    @given(password=_password())
    def check(password: str) -> None:
        for spelled in (password, quote(password, safe="")):
            dsn = f"postgresql://alice:{spelled}@127.0.0.1:5432/app?sslmode=disable"
            assert redact_dsn(dsn) == "postgresql://alice:***@127.0.0.1:5432/app?sslmode=disable"
            text = scrub(f"error in {dsn}: password {spelled} refused", dsn)
            assert "alice:***@127.0.0.1" in text
            if len(password) >= 5:
                assert spelled not in text

    check()


def test_unencoded_password_against_a_real_server_is_one_safe_line(pg_server: PgServer) -> None:
    from click.testing import CliRunner
    from psycopg.conninfo import conninfo_to_dict as parse

    from auditor.cli import cli

    params = parse(pg_server.admin_dsn)
    host, port = params.get("host", "127.0.0.1"), params.get("port", "5432")
    for password in ("p@ss:w/rd%", "s3cr#t?x/y@z"):
        dsn = f"postgresql://rel_special:{password}@{host}:{port}/postgres"
        result = CliRunner().invoke(cli, ["--db", dsn, "schema", "check"])
        assert result.exit_code == 2
        assert leaks(password, result.output) == 0
        assert result.output.strip().splitlines()[-1].startswith("auditor: error: ")
