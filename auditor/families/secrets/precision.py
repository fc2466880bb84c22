"""Which weak hits are findings: the precision cuts on top of detect-secrets' plugins.

detect-secrets reports every quoted string whose entropy passes its alphabet's limit
(4.5 bits/char for base64, 3.0 for hex) and every value of a ``*secret*``-like key.
Measured on two real projects (``bench/results/secrets_classified.md``), nearly all of
those were hashes, checksums, commit ids, signatures, public keys and references to a
secret stored elsewhere. Here:

- a **generic entropy** hit (``Base64``/``Hex High Entropy String``) is a finding
  only when its value is assigned to a name (``name = "…"``, ``"name": "…"``,
  ``NAME: &str = "…"``, ``('name', '…')``), above its alphabet's limit, the name is not
  one of a hash, id, signature or public value (``sha256``, ``checksum``, ``kid``,
  ``nonce``, ``public_key``, ``example``…), the value is not an SRI/CSP hash
  (``sha256-…``) nor an alphabet (a run of 8 consecutive characters, or 32 distinct ones), and the file is
  not a test snapshot (``*.snap``, ``__snapshots__/``). A value assigned to a
  ``mock``/``fake``/``dummy`` name is a documented fake (info);
- a **keyword** hit whose key names where the secret is, not the secret
  (``from_secret: docker_password``, ``password_file``, ``secretName``), is dropped.

Typed tokens, private keys and URLs with passwords are never cut here.
"""

from __future__ import annotations

import re
from itertools import pairwise

from auditor.families.secrets.plugins import shannon_entropy

GENERIC_TYPES = frozenset({"Base64 High Entropy String", "Hex High Entropy String"})
KEYWORD_TYPE = "Secret Keyword"
DROP, EXAMPLE, KEEP = "drop", "example", "keep"

ENTROPY_LIMITS = {"Base64 High Entropy String": 4.5, "Hex High Entropy String": 3.0}
"""Per-alphabet entropy limits (bits/char): detect-secrets' defaults, applied again here
because a baseline may lower them (its own limits still gate detect-secrets' plugins)."""
NOT_SECRET_WORDS = frozenset(
    {
        "sha", "sha1", "sha224", "sha256", "sha384", "sha512", "md5", "crc", "crc32",
        "hash", "hashes", "digest", "checksum", "cksum", "integrity", "etag",
        "infohash", "fingerprint", "thumbprint", "commit", "rev", "revision", "oid",
        "kid", "id", "ids", "uuid", "guid", "identifier", "nonce", "signature", "sig",
        "proof", "x5c", "x5t", "public", "pubkey", "example", "examples", "sample",
        "alphabet", "charset", "chars", "characters",
    }
)  # fmt: skip
"""Words of a name whose value is a hash, an id, a signature or a public value."""
NOT_SECRET_NAMES = frozenset({"n", "e", "name", "type"})
"""Whole names of public values (a JWK's modulus ``n`` and exponent ``e``...)."""
FAKE_WORDS = frozenset({"mock", "fake", "dummy", "placeholder"})
"""Words of a name whose value is a documented fake: reported at info."""
REFERENCE_FIRST = frozenset({"from"})
REFERENCE_LAST = frozenset({"name", "ref", "arn", "file", "path", "env", "from"})
"""Key words that make a keyword hit a reference (``from_secret``, ``password_file``)."""

_NAME_END = re.compile(
    r"""(?P<name>[A-Za-z_$@][\w$@.\-]*)   # the name
        (?:\\?["'`])?\]?                  # its closing quote or bracket: "name": / ["name"] =
        \s*(?::\s*&?[\w<>\[\]:&' ]{1,40}?\s*(?==))?  # a type annotation: NAME: &str =
        (?::=|=>|\+=|\?=|=|:|,)           # the assignment (a comma: a key-value pair)
        \s*\[?\s*                         # a list: "x5c": ["..."]
        (?:[A-Za-z_][\w:.]*\(\s*)?          # a call: name = String::from("...")
        (?:r\#*|b|br|rb|u|f)?             # a string prefix: r#"..."#, b"..."
        \\?["'`]$""",
    re.VERBOSE,
)
_KEY = re.compile(
    r"""^\s*(?:-\s+)?(?:export\s+)?["']?(?P<name>[A-Za-z_$@][\w$@.\-]*)["']?\s*[:=]"""
)
_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_SNAPSHOT = re.compile(r"(?:^|/)__snapshots__/|\.(?:snap|ambr)$")
_HASH_VALUE = re.compile(r"^(?:sha(?:1|224|256|384|512)|md5)[-:_]", re.IGNORECASE)
SEQUENCE_RUN = 8
"""Consecutive characters (``abcdefgh``, ``01234567``) that make a value an alphabet."""
DISTINCT_RUN = 32


def words(name: str) -> list[str]:
    """The lower-cased words of a name: ``signatureValue`` -> ``signature``, ``value``."""
    return [w.lower() for w in _WORDS.findall(name)]


def name_parts(name: str) -> set[str]:
    """Its words, its ``_``/``-`` separated segments and itself, lower-cased (``eTag``
    is ``e``, ``tag`` and ``etag``; ``x5c`` is ``x5c``)."""
    return {*words(name), *re.split(r"[_\-.]+", name.lower()), name.lower()}


def assigned_name(line: str, value: str) -> str | None:
    """The name ``value`` is assigned to on ``line`` (the first occurrence that has one)."""
    start = line.find(value)
    while start >= 0:
        match = _NAME_END.search(line, 0, start)
        if match is not None:
            return match.group("name").rsplit(".", 1)[-1]
        start = line.find(value, start + 1)
    return None


def is_sequence(value: str, run: int = SEQUENCE_RUN) -> bool:
    """True when ``value`` holds ``run`` consecutive characters, or is 32 or more
    characters that never repeat: an alphabet, not a key (a random 32-character base64
    string repeats a character with probability 0.9996)."""
    if len(value) >= DISTINCT_RUN and len(set(value)) == len(value):
        return True
    length = 1
    for before, after in pairwise(value):
        length = length + 1 if ord(after) == ord(before) + 1 else 1
        if length >= run:
            return True
    return False


def generic_verdict(filename: str, line: str, kind: str, value: str) -> str:
    """DROP, EXAMPLE or KEEP for a generic entropy hit of ``value`` on ``line``."""
    if _SNAPSHOT.search(filename) or _HASH_VALUE.match(value) or is_sequence(value):
        return DROP
    if shannon_entropy(value) <= ENTROPY_LIMITS.get(kind, 0.0):
        return DROP
    name = assigned_name(line, value)
    if name is None or name.lower() in NOT_SECRET_NAMES:
        return DROP
    parts = name_parts(name)
    if parts & NOT_SECRET_WORDS:
        return DROP
    return EXAMPLE if parts & FAKE_WORDS else KEEP


def is_reference(line: str) -> bool:
    """True when the key of ``line`` names where a secret is kept, not the secret."""
    match = _KEY.match(line)
    if match is None:
        return False
    parts = words(match.group("name"))
    return bool(parts) and (parts[0] in REFERENCE_FIRST or parts[-1] in REFERENCE_LAST)


def verdict(filename: str, line: str, kind: str, value: str) -> str:
    """DROP, EXAMPLE or KEEP for one hit detect-secrets' plugins reported."""
    if kind in GENERIC_TYPES:
        return generic_verdict(filename, line, kind, value)
    if kind == KEYWORD_TYPE and is_reference(line):
        return DROP
    return KEEP
