"""Connection strings: redaction and a short, password-free description.

Every DSN that reaches a log, a report or an error message goes through
:func:`redact_dsn` first.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

REDACTED = "***"


def conninfo_to_dict(dsn: str) -> dict[str, Any]:
    """psycopg's DSN parser, imported on first use (start-up stays fast without a database)."""
    from psycopg.conninfo import conninfo_to_dict as parse

    return parse(dsn)


_KV_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)
_URL_USERINFO_PASSWORD = re.compile(r"(://[^:/@?#]*:).*@")
_URL_QUERY_PASSWORD = re.compile(r"(?i)([?&]password=)[^&#]*")


def _split(dsn: str) -> SplitResult | None:
    """``urlsplit(dsn)``, or None when the URL is malformed (e.g. an unclosed ``[``)."""
    try:
        return urlsplit(dsn)
    except ValueError:
        return None


def redact_dsn(dsn: str) -> str:
    """The DSN with any password replaced by ``***`` (URL and key=value forms)."""
    if "://" in dsn:
        split = _split(dsn)
        if split is None:  # malformed: redact by pattern, never raise
            text = _URL_USERINFO_PASSWORD.sub(rf"\g<1>{REDACTED}@", dsn)
            return _URL_QUERY_PASSWORD.sub(rf"\g<1>{REDACTED}", text)
        parts = split
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, _, hostinfo = netloc.rpartition("@")
            if ":" in userinfo:
                user = userinfo.split(":", 1)[0]
                netloc = f"{user}:{REDACTED}@{hostinfo}"
        query = re.sub(r"(?i)(password=)[^&]*", rf"\g<1>{REDACTED}", parts.query)
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    return _KV_PASSWORD.sub(rf"\g<1>{REDACTED}", dsn)


def password_of(dsn: str) -> str | None:
    """The password a DSN carries, if any (used only to scrub error messages)."""
    try:
        params = conninfo_to_dict(dsn)
    except Exception:
        params = {}
    password = params.get("password")
    if password:
        return str(password)
    if "://" in dsn:
        split = _split(dsn)
        netloc = split.netloc if split else dsn.split("://", 1)[1].split("/", 1)[0]
        userinfo = netloc.rpartition("@")[0]
        if ":" in userinfo:
            return unquote(userinfo.split(":", 1)[1]) or None
    return None


def scrub(text: str, dsn: str) -> str:
    """Remove the DSN's password (raw and URL-encoded) from any text."""
    password = password_of(dsn)
    if password:
        text = text.replace(password, REDACTED)
        raw = dsn.split("://", 1)[-1].rpartition("@")[0].partition(":")[2]
        if raw:
            text = text.replace(raw, REDACTED)
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
