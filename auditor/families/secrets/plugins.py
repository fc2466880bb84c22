"""Extra detect-secrets plugins for the gaps in its default set.

They are ordinary detect-secrets plugins (``RegexBasedDetector`` subclasses): the
scanner registers this file in detect-secrets' settings with a ``file://`` path, as
detect-secrets does for ``--plugin``, so a ``.secrets.baseline`` records them under
``plugins_used`` and detect-secrets itself can load them.

This module must import nothing but the standard library, detect-secrets and its
sibling ``detectors.py`` (by file path when the package is not importable):
detect-secrets imports it by file path, outside the ``auditor`` package.
"""

from __future__ import annotations

import importlib.util
import math
import os
import re
import sys
from types import ModuleType
from typing import Any

from detect_secrets.core.potential_secret import PotentialSecret
from detect_secrets.plugins.base import BasePlugin, RegexBasedDetector


def _load_detectors() -> ModuleType:
    """``detectors.py``: the package module when importable, else the sibling file."""
    try:
        from auditor.families.secrets import detectors
    except ImportError:  # loaded by detect-secrets from its file path, outside the package
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "detectors.py")
        spec = importlib.util.spec_from_file_location("_auditor_secret_detectors", path)
        assert spec is not None and spec.loader is not None
        detectors = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = detectors  # dataclasses resolve their module by name
        spec.loader.exec_module(detectors)
    return detectors


_detectors = _load_detectors()


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


class TypedCredentialDetector(BasePlugin):
    """Every typed provider token of ``detectors.py``, in one plugin.

    Each match is reported with its own detector's type (``GCP API Key``...), so one
    plugin entry in a baseline's ``plugins_used`` stands for all of them. Only the
    detectors whose keywords the line holds run their patterns.
    """

    secret_type = "Typed Credential"  # pragma: allowlist secret

    def analyze_string(self, string: str) -> Any:
        for _, value in self.typed_matches(string):
            yield value

    @staticmethod
    def typed_matches(line: str) -> list[tuple[str, str]]:
        """(secret type, value) of every typed token in ``line``."""
        lowered = line.lower()
        found = []
        for detector in _detectors.DETECTORS:
            if any(word in lowered for word in detector.keywords):
                found += [(detector.name, m.group(1)) for m in detector.pattern.finditer(line)]
        return found

    def analyze_line(
        self, filename: str, line: str, line_number: int = 0, context: Any = None, **kwargs: Any
    ) -> set[PotentialSecret]:
        return {
            PotentialSecret(type=kind, filename=filename, secret=value, line_number=line_number)
            for kind, value in self.typed_matches(line)
        }


CUSTOM_PLUGINS = (
    GitHubFineGrainedTokenDetector,
    StripeTestKeyDetector,
    PemPrivateKeyDetector,
    DatabaseConnectionStringDetector,
    EnvFileHighEntropyDetector,
    TypedCredentialDetector,
)
"""Every extra plugin, by class."""
