"""An offline OSV database: a directory of OSV JSON/YAML files, or an OSV ``all.zip``.

Loading reads every record once and indexes the PyPI ``affected`` entries by PEP 503
name; ranges and version lists are parsed only for the packages that are queried.
OSV semantics:

- ``withdrawn`` records are ignored;
- a version is affected when it is in the entry's ``versions`` list, or inside an
  ``ECOSYSTEM`` range (events ``introduced``/``fixed``/``last_affected``/``limit``,
  evaluated in version order as the OSV schema describes); ``GIT`` ranges carry no
  PyPI versions and are not used;
- malformed parts (an unreadable file, a record without id, empty events, an entry
  without ranges or versions, an unparsable version) are skipped with a warning,
  never aborting the audit.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from auditor.scanners.deps.services.errors import DatabaseError

Event = tuple[str, Version]
"""(kind, version) of a range event; kind is introduced, fixed or last_affected."""


@dataclass(frozen=True)
class Range:
    """One ECOSYSTEM range, events in version order."""

    events: tuple[Event, ...]
    limits: tuple[Version, ...] = ()

    def contains(self, version: Version) -> bool:
        """True when ``version`` is affected by this range (OSV's evaluation)."""
        if self.limits and not any(version < limit for limit in self.limits):
            return False
        affected = False
        for kind, at in self.events:
            if kind == "introduced":
                if version >= at:
                    affected = True
            elif kind == "fixed":
                if version >= at:
                    affected = False
            elif kind == "last_affected" and version > at:
                affected = False
        return affected

    def describe(self) -> str:
        parts: list[str] = []
        for kind, at in self.events:
            if kind == "introduced":
                parts.append(f">={at}" if str(at) != "0" else ">=0")
            elif kind == "fixed":
                parts.append(f"<{at}")
            else:
                parts.append(f"<={at}")
        parts += [f"<{limit} (limit)" for limit in self.limits]
        return ",".join(parts)


@dataclass(frozen=True)
class Affected:
    """What one record says about one package."""

    ranges: tuple[Range, ...]
    versions: frozenset[Version]

    def contains(self, version: Version) -> bool:
        return version in self.versions or any(r.contains(version) for r in self.ranges)

    def fixed(self) -> tuple[Version, ...]:
        return tuple(at for r in self.ranges for kind, at in r.events if kind == "fixed")

    def describe(self) -> str:
        parts = [r.describe() for r in self.ranges]
        if self.versions:
            listed = sorted(self.versions)
            shown = ", ".join(str(v) for v in listed[:5]) + (", ..." if len(listed) > 5 else "")
            parts.append(f"versions [{shown}] ({len(listed)} listed)")
        return "; ".join(parts)


@dataclass(frozen=True)
class Record:
    """A non-withdrawn OSV record, with what it says about one package."""

    id: str
    aliases: tuple[str, ...]
    summary: str
    severity: tuple[tuple[str, str], ...]
    """(type, score) pairs such as ("CVSS_V3", "CVSS:3.1/AV:N/...")."""
    affected: tuple[Affected, ...]


@dataclass
class _Raw:
    id: str
    aliases: tuple[str, ...]
    summary: str
    severity: tuple[tuple[str, str], ...]
    entries: list[Mapping[str, Any]] = field(default_factory=list)


class OsvDatabase:
    """The records of an OSV export, indexed by normalised PyPI package name."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.warnings: list[str] = []
        self.records = 0
        """Number of records read (withdrawn and malformed included)."""
        self.withdrawn = 0
        self.newest: datetime | None = None
        """The most recent ``modified`` timestamp: how fresh the database is."""
        self._raw: dict[str, list[_Raw]] = {}
        self._parsed: dict[str, tuple[Record, ...]] = {}
        self._load()

    # -- loading ------------------------------------------------------------
    def _documents(self) -> Iterator[tuple[str, bytes]]:
        path = self.path
        if not path.exists():
            raise DatabaseError(f"advisory database {path} does not exist")
        if path.is_dir():
            for item in sorted(path.rglob("*")):
                if item.suffix in (".json", ".yaml", ".yml") and item.is_file():
                    try:
                        yield item.relative_to(path).as_posix(), item.read_bytes()
                    except OSError as exc:
                        self.warn(f"{item.name}: cannot read ({exc.strerror})")
            return
        try:
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    if name.endswith((".json", ".yaml", ".yml")):
                        yield name, archive.read(name)
        except (zipfile.BadZipFile, OSError) as exc:
            raise DatabaseError(
                f"advisory database {path} is neither a directory nor a readable zip ({exc})"
            ) from None

    def _load(self) -> None:
        for name, data in self._documents():
            self.records += 1
            document = self._decode(name, data)
            if document is not None:
                self._index(name, document)

    def _decode(self, name: str, data: bytes) -> Mapping[str, Any] | None:
        try:
            if name.endswith(".json"):
                document = json.loads(data)
            else:
                import yaml

                document = yaml.safe_load(data)
        except Exception as exc:  # any decoder error: skip this record, keep going
            self.warn(f"{name}: unreadable record skipped ({type(exc).__name__})")
            return None
        if not isinstance(document, Mapping) or not isinstance(document.get("id"), str):
            self.warn(f"{name}: record without an id skipped")
            return None
        return document

    def _index(self, name: str, doc: Mapping[str, Any]) -> None:
        record_id = str(doc["id"])
        modified = doc.get("modified")
        if isinstance(modified, str):
            stamp = _parse_time(modified)
            if stamp is not None and (self.newest is None or stamp > self.newest):
                self.newest = stamp
        if doc.get("withdrawn"):
            self.withdrawn += 1
            return
        affected = doc.get("affected")
        if not isinstance(affected, list) or not affected:
            self.warn(f"{record_id}: record without 'affected' entries skipped")
            return
        aliases = doc.get("aliases") or []
        raw = _Raw(
            id=record_id,
            aliases=tuple(str(a) for a in aliases if isinstance(a, str)),
            summary=_summary(doc),
            severity=_severity(doc.get("severity")),
        )
        for entry in affected:
            package = entry.get("package") if isinstance(entry, Mapping) else None
            if not isinstance(package, Mapping) or package.get("ecosystem") != "PyPI":
                continue
            package_name = package.get("name")
            if not isinstance(package_name, str) or not package_name:
                self.warn(f"{record_id}: affected entry without a package name skipped")
                continue
            key = canonicalize_name(package_name)
            bucket = self._raw.setdefault(key, [])
            if not bucket or bucket[-1] is not raw:
                bucket.append(raw)
            raw.entries.append(entry)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    # -- queries ------------------------------------------------------------
    def age_days(self, now: datetime | None = None) -> int | None:
        """Whole days since the newest record was modified (None when unknown)."""
        if self.newest is None:
            return None
        return ((now or datetime.now(UTC)) - self.newest).days

    def records_for(self, name: str) -> tuple[Record, ...]:
        """Every usable record about package ``name`` (parsed once, then cached)."""
        key = canonicalize_name(name)
        cached = self._parsed.get(key)
        if cached is not None:
            return cached
        parsed: list[Record] = []
        for raw in self._raw.get(key, []):
            entries = tuple(
                a for a in (self._affected(raw.id, e) for e in raw.entries) if a is not None
            )
            if not entries:
                self.warn(f"{raw.id}: no usable ranges or versions for {key} (record skipped)")
                continue
            parsed.append(Record(raw.id, raw.aliases, raw.summary, _entry_severity(raw), entries))
        result = tuple(parsed)
        self._parsed[key] = result
        return result

    def affecting(self, name: str, version: Version) -> list[Record]:
        """The records whose affected versions include ``version``."""
        return [r for r in self.records_for(name) if any(a.contains(version) for a in r.affected)]

    def smallest_safe(self, name: str, version: Version) -> Version | None:
        """The smallest fixed version above ``version`` that no known record affects."""
        records = self.records_for(name)
        candidates = sorted({v for r in records for a in r.affected for v in a.fixed()})
        for candidate in candidates:
            if candidate <= version:
                continue
            if not any(a.contains(candidate) for r in records for a in r.affected):
                return candidate
        return None

    def _affected(self, record_id: str, entry: Mapping[str, Any]) -> Affected | None:
        ranges: list[Range] = []
        raw_ranges = entry.get("ranges") or []
        raw_versions = entry.get("versions") or []
        if not isinstance(raw_ranges, list) or not isinstance(raw_versions, list):
            self.warn(f"{record_id}: 'ranges' and 'versions' must be lists; entry skipped")
            return None
        for raw_range in raw_ranges:
            if not isinstance(raw_range, Mapping):
                self.warn(f"{record_id}: malformed range skipped")
                continue
            if raw_range.get("type") not in ("ECOSYSTEM", "SEMVER"):
                continue  # GIT ranges name commits, not PyPI versions
            parsed = self._range(record_id, raw_range.get("events"))
            if parsed is not None:
                ranges.append(parsed)
        versions: set[Version] = set()
        for text in raw_versions:
            try:
                versions.add(Version(str(text)))
            except InvalidVersion:
                self.warn(f"{record_id}: unparsable version {text!r} ignored")
        if not ranges and not versions:
            if not raw_ranges and not raw_versions:
                self.warn(f"{record_id}: affected entry without ranges or versions skipped")
            return None
        return Affected(tuple(ranges), frozenset(versions))

    def _range(self, record_id: str, events: object) -> Range | None:
        if not isinstance(events, list) or not events:
            self.warn(f"{record_id}: range without events skipped")
            return None
        parsed: list[tuple[Version, int, str]] = []
        limits: list[Version] = []
        order = {"introduced": 0, "last_affected": 1, "fixed": 2}
        for event in events:
            if not isinstance(event, Mapping) or len(event) != 1:
                self.warn(f"{record_id}: malformed event {event!r} ignored")
                continue
            ((kind, text),) = event.items()
            if kind not in (*order, "limit"):
                self.warn(f"{record_id}: unknown event {kind!r} ignored")
                continue
            try:
                at = Version(str(text))
            except InvalidVersion:
                self.warn(f"{record_id}: unparsable version {text!r} in range; range skipped")
                return None
            if kind == "limit":
                limits.append(at)
            else:
                parsed.append((at, order[kind], kind))
        if not any(kind == "introduced" for _, _, kind in parsed):
            self.warn(f"{record_id}: range without an 'introduced' event skipped")
            return None
        parsed.sort()
        return Range(tuple((kind, at) for at, _, kind in parsed), tuple(limits))


def _parse_time(text: str) -> datetime | None:
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def _summary(doc: Mapping[str, Any]) -> str:
    text = doc.get("summary") or doc.get("details") or ""
    line = " ".join(str(text).split())
    return line if len(line) <= 200 else line[:197] + "..."


def _severity(value: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list):
        return ()
    return tuple(
        (str(item.get("type")), str(item.get("score")))
        for item in value
        if isinstance(item, Mapping) and item.get("type") and item.get("score")
    )


def _entry_severity(raw: _Raw) -> tuple[tuple[str, str], ...]:
    """The record's severity, else the severities given per affected entry."""
    if raw.severity:
        return raw.severity
    found: list[tuple[str, str]] = []
    for entry in raw.entries:
        found += _severity(entry.get("severity"))
    return tuple(found)
