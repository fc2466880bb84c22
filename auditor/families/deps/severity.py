"""Severity from a CVSS vector, computed with the ``cvss`` library (never by hand)."""

from __future__ import annotations

from collections.abc import Iterable

from cvss import CVSS2, CVSS3, CVSS4
from cvss.exceptions import CVSSError

from auditor.core.findings import Severity

_PREFERENCE = {"CVSS_V4": 3, "CVSS_V3": 2, "CVSS_V2": 1}


def base_score(kind: str, vector: str) -> float | None:
    """The CVSS base score of ``vector`` (``kind`` is OSV's CVSS_V2/V3/V4), or None."""
    try:
        if kind == "CVSS_V4":
            return float(CVSS4(vector).base_score)
        if kind == "CVSS_V3":
            return float(CVSS3(vector).base_score)
        if kind == "CVSS_V2":
            return float(CVSS2(vector).base_score)
    except (CVSSError, ValueError, KeyError, TypeError):
        return None
    return None


def from_score(score: float) -> Severity:
    """The CVSS qualitative rating as a tool severity (None 0.0 becomes info)."""
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    if score > 0.0:
        return Severity.LOW
    return Severity.INFO


def best_vector(entries: Iterable[tuple[str, str]]) -> tuple[str, float] | None:
    """The newest-version CVSS vector that scores, with its score; None when none does."""
    ranked = sorted(
        ((kind, vector) for kind, vector in entries if kind in _PREFERENCE),
        key=lambda item: -_PREFERENCE[item[0]],
    )
    for kind, vector in ranked:
        score = base_score(kind, vector)
        if score is not None:
            return vector, score
    return None
