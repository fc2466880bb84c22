"""Connection strings: redaction and a short, password-free description.

Every DSN that reaches a log, a report or an error message goes through
:func:`redact_dsn` first.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

REDACTED = "***"


def conninfo_to_dict(dsn: str) -> dict[str, Any]:
    """psycopg's DSN parser, imported on first use (start-up stays fast without a database)."""
    from psycopg.conninfo import conninfo_to_dict as parse

    return parse(dsn)


_KV_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)
_URL_QUERY_PASSWORD = re.compile(r"(?i)([?&]password=)[^&#]*")
MIN_SCRUB_LENGTH = 4
"""Shorter values are not replaced in free text: that would mangle the text, not protect it."""


def _userinfo(dsn: str) -> tuple[str, str, str] | None:
    """``(scheme://, userinfo, rest)`` of a URL DSN, or None when there is no ``@``.

    The userinfo ends at the *last* ``@``: a password that was not percent-encoded
    may hold ``@ : / ? #``, so the URL's usual split cannot be trusted. A query value
    with an ``@`` makes this redact too much, never too little.
    """
    head, sep, tail = dsn.partition("://")
    userinfo, at, rest = tail.rpartition("@")
    if not at:
        return None
    return head + sep, userinfo, rest


def redact_dsn(dsn: str) -> str:
    """The DSN with any password replaced by ``***`` (URL and key=value forms).

    Works on the URL's structure: everything between the user name's ``:`` and the
    last ``@`` goes, whatever it holds, plus any ``password=`` query parameter.
    """
    if "://" not in dsn:
        return _KV_PASSWORD.sub(rf"\g<1>{REDACTED}", dsn)
    parts = _userinfo(dsn)
    if parts is None:
        return _URL_QUERY_PASSWORD.sub(rf"\g<1>{REDACTED}", dsn)
    head, userinfo, rest = parts
    user, colon, _password = userinfo.partition(":")
    redacted = f"{head}{user}{colon and ':' + REDACTED}@{rest}"
    return _URL_QUERY_PASSWORD.sub(rf"\g<1>{REDACTED}", redacted)


def password_of(dsn: str) -> str | None:
    """The password a DSN carries, if any (used only to scrub error messages)."""
    try:
        params = conninfo_to_dict(dsn)
    except Exception:
        params = {}
    password = params.get("password")
    if password:
        return str(password)
    parts = _userinfo(dsn) if "://" in dsn else None
    if parts and ":" in parts[1]:
        return unquote(parts[1].partition(":")[2]) or None
    return None


def _secrets_of(dsn: str) -> set[str]:
    """Every spelling of the DSN's password: as libpq reads it, raw and decoded."""
    found = {password_of(dsn) or ""}
    parts = _userinfo(dsn) if "://" in dsn else None
    if parts and ":" in parts[1]:
        raw = parts[1].partition(":")[2]
        found |= {raw, unquote(raw)}
    for match in _URL_QUERY_PASSWORD.finditer(dsn):
        raw = dsn[match.end(1) : match.end()]
        found |= {raw, unquote(raw)}
    return {value for value in found if len(value) >= MIN_SCRUB_LENGTH}


def scrub(text: str, dsn: str) -> str:
    """Remove the DSN's password (raw and URL-encoded) from any text.

    The DSN itself is replaced by its redacted form; a password elsewhere in the text
    is replaced only as a whole word (never inside a longer one) and only when it is
    at least :data:`MIN_SCRUB_LENGTH` long, so a one-letter password cannot turn
    every ``p`` of a message into ``***``.
    """
    text = text.replace(dsn, redact_dsn(dsn))
    for value in sorted(_secrets_of(dsn), key=len, reverse=True):
        word = re.compile(rf"(?<![A-Za-z0-9]){re.escape(value)}(?![A-Za-z0-9])")
        text = word.sub(REDACTED, text)
    return text


def describe(dsn: str) -> str:
    """``host:port/dbname`` (or the socket directory), never the password."""
    try:
        params = conninfo_to_dict(dsn)
    except Exception:
        return redact_dsn(dsn)
    host = str(params.get("host") or "localhost")
    port = str(params.get("port") or "5432")
    dbname = str(params.get("dbname") or params.get("user") or "postgres")
    if host.startswith("/"):
        return f"socket {host} database {dbname}"
    return f"{host}:{port}/{dbname}"
