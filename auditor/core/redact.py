"""Redact secrets from free text we did not write (a quality gate's output, say).

A safety net, not a scanner: well-known token shapes, credentials in URLs,
``password=...``-style assignments, private-key blocks and long random-looking
strings are replaced by ``***`` before the text reaches any report.
"""

from __future__ import annotations

import math
import re
from collections import Counter

REDACTED = "***"

_PRIVATE_KEY = re.compile(
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\Z)",
    re.DOTALL,
)
_URL_USERINFO = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/\s?#]+)@")
_ASSIGNMENT = re.compile(
    r"(?i)(?P<head>(?<![/\w.-])[\w.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|"
    r"private[_-]?key|credential|auth)[\w.-]*[\"']?\s*[:=]\s*[\"']?)(?P<value>[^\s\"',;]+)"
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}")
_TOKENS = re.compile(
    r"\b(?:"
    r"AKIA[0-9A-Z]{16}"  # AWS access key id
    r"|gh[pousr]_[A-Za-z0-9]{30,}"  # GitHub tokens
    r"|github_pat_[A-Za-z0-9_]{20,}"
    r"|glpat-[A-Za-z0-9_-]{20,}"  # GitLab
    r"|xox[abposr]-[A-Za-z0-9-]{10,}"  # Slack
    r"|[sr]k_(?:live|test)_[A-Za-z0-9]{10,}"  # Stripe
    r"|AIza[0-9A-Za-z_-]{35}"  # Google API key
    r"|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"  # JWT
    r"|npm_[A-Za-z0-9]{36}"
    r")"
)
_PLAIN_NAME = re.compile(r"[A-Za-z][A-Za-z._-]{0,31}")
_LONG_WORD = re.compile(r"[A-Za-z0-9+/_=-]{32,}")
_SQL_PASSWORD = re.compile(
    r"(?i)(?P<head>\bpassword\s+)(?:[EU]&?)?(?:'(?:[^']|'')*(?:'|$)|\$(?P<tag>\w*)\$.*?(?:\$(?P=tag)\$|$))",
    re.DOTALL,
)

_SECRET_WORD = (
    r"(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential)"
)
_SQL_KEYED_LITERAL = re.compile(
    rf"(?i)(?P<head>(?:'[^']*{_SECRET_WORD}[^']*'|\b[\w.]*{_SECRET_WORD}[\w.]*)"
    r"\s*(?:,|:?=|\bTO\b)\s*)(?:[EU]&?)?'(?:[^']|'')*(?:'|$)"
)


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _random_looking(word: str) -> bool:
    has_digit = any(c.isdigit() for c in word)
    has_alpha = any(c.isalpha() for c in word)
    return has_digit and has_alpha and _entropy(word) >= 4.0


def _secret_word(word: str) -> bool:
    """A long random-looking word; an absolute path is judged by its parts (a home
    directory next to a Python version is not a secret)."""
    if word.startswith("/"):
        return any(len(p) >= 32 and _random_looking(p) for p in word.split("/"))
    return _random_looking(word)


def redact_url_credentials(text: str) -> str:
    """URLs in ``text`` without their credentials: ``user:pass@`` becomes ``user:***@``.

    A user name without a password is kept only when it is letters (``git@``): pip and
    git take a token as the user name (``https://TOKEN@host``), which is redacted whole.
    The userinfo ends at the last ``@`` before the path, so a password holding an ``@``
    goes whole too.
    """

    def replace(match: re.Match[str]) -> str:
        user, colon, _password = match.group("userinfo").partition(":")
        if colon:
            secret_user = len(user) > 32 or _TOKENS.search(user) or _random_looking(user)
        else:
            secret_user = not _PLAIN_NAME.fullmatch(user)
        shown = REDACTED if secret_user else user + (f":{REDACTED}" if colon else "")
        return f"{match.group('head')}{shown}@"

    return _URL_USERINFO.sub(replace, text)


def redact_sql(text: str) -> str:
    """A SQL snippet with ``PASSWORD '...'`` literals and any other secret-looking text redacted.

    A literal given to a secret-named key is redacted too, whatever it looks like:
    ``set_config('app.db_password', '...')``, ``SET app.api_token TO '...'``.

    The literal may be cut short (a snippet is the statement's first words): an
    unterminated one is redacted to the end.
    """
    text = _SQL_PASSWORD.sub(rf"\g<head>'{REDACTED}'", text)
    return redact_text(_SQL_KEYED_LITERAL.sub(rf"\g<head>'{REDACTED}'", text))


def redact_text(text: str) -> str:
    """``text`` with anything that looks like a secret replaced by ``***``."""
    text = _PRIVATE_KEY.sub("[private key " + REDACTED + "]", text)
    text = redact_url_credentials(text)
    text = _ASSIGNMENT.sub(rf"\g<head>{REDACTED}", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _TOKENS.sub(REDACTED, text)
    return _LONG_WORD.sub(lambda m: REDACTED if _secret_word(m.group(0)) else m.group(0), text)
