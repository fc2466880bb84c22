"""New versus existing findings: compare with a previous JSON report (``--baseline``).

The baseline is a JSON report of the base branch (``auditor audit --format json``,
``schema_version`` 1). A finding is *existing* when the baseline holds a finding (or
a waived finding) with the same rule id and fingerprint; fingerprints do not depend
on line numbers, so moving code does not make a finding new.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from auditor.core.errors import AuditorError
from auditor.core.findings import Finding

SUPPORTED_SCHEMA_VERSIONS = (1,)


class BaselineError(AuditorError, ValueError):
    """The baseline file cannot be used; the message names the file."""


@dataclass(frozen=True)
class Baseline:
    """The findings of a previous report, by (rule id, fingerprint)."""

    path: str
    """The file as given on the command line."""
    keys: frozenset[tuple[str, str]]

    def status(self, finding: Finding) -> str:
        """``existing`` when the baseline has this finding, else ``new``."""
        return "existing" if (finding.rule_id, finding.fingerprint) in self.keys else "new"

    def mark(self, finding: Finding) -> Finding:
        """``finding`` with :attr:`Finding.baseline` set."""
        return replace(finding, baseline=self.status(finding))


def _keys(items: Any, where: str, path: Path) -> set[tuple[str, str]]:
    if not isinstance(items, list):
        raise BaselineError(f"{path}: '{where}' must be a list")
    keys: set[tuple[str, str]] = set()
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("finding"), dict):
            item = item["finding"]  # a waived entry
        if not isinstance(item, dict):
            raise BaselineError(f"{path}: '{where}' holds a non-object entry")
        rule_id, fingerprint = item.get("rule_id"), item.get("fingerprint")
        if not isinstance(rule_id, str) or not isinstance(fingerprint, str):
            raise BaselineError(f"{path}: an entry of '{where}' lacks rule_id or fingerprint")
        keys.add((rule_id, fingerprint))
    return keys


def load_baseline(path: Path) -> Baseline:
    """Read a JSON report; raise :class:`BaselineError` when it is not one we can use."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read baseline ({exc.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"{path}: baseline is not a JSON report ({exc})") from None
    if not isinstance(data, dict) or "schema_version" not in data:
        raise BaselineError(f"{path}: baseline is not an auditor JSON report (no schema_version)")
    if data["schema_version"] not in SUPPORTED_SCHEMA_VERSIONS:
        raise BaselineError(
            f"{path}: baseline schema_version {data['schema_version']!r} is not supported "
            f"(supported: {', '.join(map(str, SUPPORTED_SCHEMA_VERSIONS))})"
        )
    keys = _keys(data.get("findings", []), "findings", path)
    keys |= _keys(data.get("waived", []), "waived", path)
    return Baseline(path=str(path), keys=frozenset(keys))
