"""Small OSV records written by the tests (a user's checkout has no real snapshot)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def record(
    ident: str,
    ecosystem: str,
    name: str,
    events: list[dict[str, str]] | None = None,
    versions: list[str] | None = None,
    informational: str | None = None,
    severity: str | None = None,
    modified: str = "2026-08-20T00:00:00Z",
) -> dict[str, Any]:
    """One OSV record with one affected entry (a SEMVER range, PyPI: ECOSYSTEM)."""
    entry: dict[str, Any] = {"package": {"ecosystem": ecosystem, "name": name}}
    if events is not None:
        kind = "ECOSYSTEM" if ecosystem == "PyPI" else "SEMVER"
        entry["ranges"] = [{"type": kind, "events": events}]
    if versions is not None:
        entry["versions"] = versions
    if informational is not None:
        entry["database_specific"] = {"informational": informational}
    doc: dict[str, Any] = {
        "id": ident,
        "modified": modified,
        "summary": f"{ident} in {name}",
        "affected": [entry],
    }
    if severity is not None:
        doc["severity"] = [{"type": "CVSS_V3", "score": severity}]
    return doc


def write_db(directory: Path, *records: dict[str, Any]) -> Path:
    """A directory database holding ``records``; returns it."""
    directory.mkdir(parents=True, exist_ok=True)
    for item in records:
        (directory / f"{item['id']}.json").write_text(json.dumps(item), encoding="utf-8")
    return directory


CRITICAL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
"""A CVSS 3.1 vector scoring 9.8 (critical)."""
