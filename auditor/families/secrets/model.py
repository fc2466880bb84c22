"""What the secrets scanner finds, as plain values: the rules and the baseline read these
without importing detect-secrets."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class SecretHit:
    """One secret found: never the value, only its hash and a short preview."""

    file: str
    """Path relative to the scanned root, forward slashes."""
    line: int
    type: str
    """detect-secrets secret type (``AWS Access Key``...)."""
    hashed_secret: str
    """SHA-1 of the value, as detect-secrets stores it in a baseline."""
    preview: str
    """At most the first 4 characters of the value, followed by an ellipsis."""
    commit: str | None = None
    """The commit that added the line, for history scans."""
