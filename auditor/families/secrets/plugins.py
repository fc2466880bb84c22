"""Extra detect-secrets plugins for the gaps in its default set.

They are ordinary detect-secrets plugins (``RegexBasedDetector`` subclasses): the
scanner registers this file in detect-secrets' settings with a ``file://`` path, as
detect-secrets does for ``--plugin``, so a ``.secrets.baseline`` records them under
``plugins_used`` and detect-secrets itself can load them.

This module must import nothing but the standard library and detect-secrets:
detect-secrets imports it by file path, outside the ``auditor`` package.
"""

from __future__ import annotations

import math
import os
import re
from typing import Any

from detect_secrets.core.potential_secret import PotentialSecret
from detect_secrets.plugins.base import RegexBasedDetector


class GitHubFineGrainedTokenDetector(RegexBasedDetector):
    """Fine-grained GitHub personal access tokens (``github_pat_...``)."""

    secret_type = "GitHub Fine-Grained Token"  # pragma: allowlist secret
    denylist = (re.compile(r"github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}"),)


class StripeTestKeyDetector(RegexBasedDetector):
    """Stripe secret and restricted test keys (``sk_test_``, ``rk_test_``).

    Live keys (``sk_live_``, ``rk_live_``) are detect-secrets' ``Stripe Access Key``.
    """

    secret_type = "Stripe Test Key"  # pragma: allowlist secret
    denylist = (re.compile(r"(?:r|s)k_test_[0-9a-zA-Z]{24,}"),)


class PemPrivateKeyDetector(RegexBasedDetector):
    """PEM private-key headers that detect-secrets' ``Private Key`` plugin misses.

    ``BEGIN ENCRYPTED PRIVATE KEY``, ``BEGIN ANY PRIVATE KEY`` and other
    ``BEGIN <algorithm> PRIVATE KEY`` headers. The headers detect-secrets already
    knows (RSA, DSA, EC, OPENSSH, PGP, SSH2 ENCRYPTED and plain) are left to it.
    """

    secret_type = "PEM Private Key"  # pragma: allowlist secret
    denylist = (
        re.compile(
            r"BEGIN (?!(?:DSA |EC |OPENSSH |RSA |PGP |SSH2 ENCRYPTED )?PRIVATE KEY)"
            r"(?:[A-Z0-9]+ ){1,3}PRIVATE KEY(?: BLOCK)?-----"
        ),
    )


class DatabaseConnectionStringDetector(RegexBasedDetector):
    """PostgreSQL, MySQL and Redis connection URLs that carry a password.

    The password is the secret (as for detect-secrets' ``Basic Auth Credentials``,
    which the scanner prefers when both find the same password on a line).
    """

    secret_type = "Database Connection String"  # pragma: allowlist secret
    denylist = (
        re.compile(
            r"(?:postgres(?:ql)?|pgsql|mysql|mariadb|rediss?)(?:\+[A-Za-z0-9]+)?://"
            r"[^:/@\s'\"]*:([^@\s'\"/]+)@",
            re.IGNORECASE,
        ),
    )


def is_env_file(filename: str) -> bool:
    """``.env``, ``.env.local``, ``prod.env``, ``.envrc``: files of ``KEY=value`` lines."""
    name = os.path.basename(filename).lower()
    return name in (".env", ".envrc") or name.startswith(".env.") or name.endswith(".env")


def shannon_entropy(value: str) -> float:
    """Shannon entropy of ``value`` in bits per character."""
    if not value:
        return 0.0
    counts: dict[str, int] = {}
    for char in value:
        counts[char] = counts.get(char, 0) + 1
    size = len(value)
    return -sum(n / size * math.log2(n / size) for n in counts.values())


class EnvFileHighEntropyDetector(RegexBasedDetector):
    """Unquoted random-looking values in ``.env``-style files (``KEY=value``).

    detect-secrets' entropy plugins only look inside quotes; ``.env`` files rarely
    quote. A value counts when it is at least 16 characters from the base64/url
    alphabet, mixes letters and digits, and has an entropy above 3.5 bits/char.
    """

    secret_type = "Env File High Entropy Value"  # pragma: allowlist secret
    min_length = 16
    limit = 3.5
    denylist = (
        re.compile(
            r"^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_.\-]*\s*=\s*([A-Za-z0-9+/=_\-.]{16,})\s*(?:#.*)?$"
        ),
    )

    def analyze_line(
        self, filename: str, line: str, line_number: int = 0, context: Any = None, **kwargs: Any
    ) -> set[PotentialSecret]:
        if not is_env_file(filename):
            return set()
        found = super().analyze_line(
            filename=filename, line=line, line_number=line_number, context=context, **kwargs
        )
        return {
            secret
            for secret in found
            if secret.secret_value
            and re.search(r"[A-Za-z]", secret.secret_value)
            and re.search(r"\d", secret.secret_value)
            and shannon_entropy(secret.secret_value) > self.limit
        }


CUSTOM_PLUGINS = (
    GitHubFineGrainedTokenDetector,
    StripeTestKeyDetector,
    PemPrivateKeyDetector,
    DatabaseConnectionStringDetector,
    EnvFileHighEntropyDetector,
)
"""Every extra plugin, by class."""
