"""An independent matcher of RustSec advisories, to check the dependency audit against.

It shares no code with auditor: it reads the raw OSV events and asks ``semver``'s own
range expressions (``Version.match(">=1.0.0")``), where auditor orders parsed versions.
Used by the optional snapshot test and by ``bench/deps_ecosystems.py``.
"""

from __future__ import annotations

import json
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import semver

CRATES_IO = (
    "registry+https://github.com/rust-lang/crates.io-index",
    "sparse+https://index.crates.io/",
)


def affects(entry: dict[str, Any], version: semver.Version) -> bool:
    """True when the OSV ``affected`` entry covers ``version``."""
    if str(version) in (entry.get("versions") or []):
        return True
    for span in entry.get("ranges") or []:
        low = None
        for event in span["events"]:
            ((kind, at),) = event.items()
            at = "0.0.0-0" if at == "0" else at
            if kind == "introduced":
                low = at
            elif low is not None:
                upper = f"<{at}" if kind == "fixed" else f"<={at}"
                if version.match(f">={low}") and version.match(upper):
                    return True
                low = None
        if low is not None and version.match(f">={low}"):
            return True
    return False


def rustsec_matches(lock: Path, snapshot: Path) -> set[tuple[str, str, str]]:
    """(crate, version, advisory id) of every record affecting a crates.io crate of ``lock``."""
    by_name: dict[str, list[str]] = {}
    for package in tomllib.loads(lock.read_text(encoding="utf-8")).get("package", []):
        if package.get("source") in CRATES_IO:
            by_name.setdefault(package["name"], []).append(package["version"])
    found: set[tuple[str, str, str]] = set()
    with zipfile.ZipFile(snapshot) as archive:
        for member in archive.namelist():
            doc = json.loads(archive.read(member))
            if doc.get("withdrawn"):
                continue
            for entry in doc.get("affected", []):
                for version in by_name.get(entry["package"]["name"], []):
                    if affects(entry, semver.Version.parse(version)):
                        found.add((entry["package"]["name"], version, doc["id"]))
    return found


def reported(report: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(package, version, id or alias) of every advisory finding of a JSON report."""
    found: set[tuple[str, str, str]] = set()
    for finding in report["findings"]:
        if finding["rule_id"] not in ("DEP001", "DEP005", "DEP006", "DEP007"):
            continue
        evidence = finding["evidence"]
        name, _, version = evidence["package"].rpartition("@")
        for ident in (evidence["id"], *evidence.get("aliases", "").split(", ")):
            if ident and ident != "-":
                found.add((name, version, ident))
    return found
