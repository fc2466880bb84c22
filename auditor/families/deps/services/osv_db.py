"""An offline OSV database: a directory of OSV JSON/YAML files, or an OSV ``all.zip``.

Loading reads every record once and indexes the PyPI ``affected`` entries by PEP 503
name; ranges and version lists are parsed only for the packages that are queried.
OSV semantics:

- ``withdrawn`` records are ignored;
- a version is affected when it is in the entry's ``versions`` list, or inside an
  ``ECOSYSTEM`` range (events ``introduced``/``fixed``/``last_affected``/``limit``,
  evaluated in version order as the OSV schema describes); ``GIT`` ranges carry no
  PyPI versions and are not used;
- a file that cannot be read or decoded, or a record without an id, stops the audit
  (``DatabaseError``, exit 2): nobody can tell which package it covers, so a
  dependency could pass unaudited (fail closed; a real export has none);
- malformed parts of a readable record (empty events, an entry without ranges or
  versions, an unparsable version) are skipped with a warning.
"""

from __future__ import annotations

import bisect
import json
import re
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from auditor.families.deps.services.errors import DatabaseError

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

    def intervals(self) -> Iterator[tuple[Version, Version | None, bool]]:
        """The affected spans as (low inclusive, high or None for unbounded, high inclusive)."""
        cap = max(self.limits) if self.limits else None
        start: Version | None = None
        spans: list[tuple[Version, Version | None, bool]] = []
        for kind, at in self.events:
            if kind == "introduced":
                if start is None:
                    start = at
            elif start is not None:
                spans.append((start, at, kind == "last_affected"))
                start = None
        if start is not None:
            spans.append((start, None, False))
        for low, high, inclusive in spans:
            if cap is not None and (high is None or high >= cap):
                high, inclusive = cap, False
            yield low, high, inclusive

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
    versions: frozenset[str]
    """The listed versions in PEP 440 normal form (see :func:`normal_set`)."""
    listed: tuple[str, ...] = ()
    """The first few listed versions as written, for display."""

    def contains(self, version: Version) -> bool:
        if self.versions and any(text in self.versions for text in spellings(version)):
            return True
        return any(r.contains(version) for r in self.ranges)

    def fixed(self) -> tuple[Version, ...]:
        return tuple(at for r in self.ranges for kind, at in r.events if kind == "fixed")

    def describe(self) -> str:
        parts = [r.describe() for r in self.ranges]
        if self.versions:
            more = ", ..." if len(self.versions) > len(self.listed) else ""
            parts.append(f"versions [{', '.join(self.listed)}{more}] ({len(self.versions)} listed)")
        return "; ".join(parts)


_N = r"(?:0|[1-9][0-9]*)"
_NORMAL = (
    rf"(?:{_N}!)?{_N}(?:\.{_N})*(?:(?:a|b|rc){_N})?(?:\.post{_N})?(?:\.dev{_N})?"
    r"(?:\+[a-z0-9]+(?:\.[a-z0-9]+)*)?"
)
_NORMAL_LINES = re.compile(rf"(?:{_NORMAL}\n)*{_NORMAL}")
"""Newline-joined versions that are all already in PEP 440 normal form."""


def normal_set(texts: list[str]) -> tuple[frozenset[str], list[str]]:
    """The listed versions in PEP 440 normal form (``str(Version(x))``), and the unparsable.

    OSV lists are long (hundreds of releases) and almost always normal already: one
    regular-expression match over the joined list proves it, and only a list that
    is not gets parsed version by version.
    """
    if not texts or _NORMAL_LINES.fullmatch("\n".join(texts)):
        return frozenset(texts), []
    normal: set[str] = set()
    bad: list[str] = []
    for text in texts:
        try:
            normal.add(str(Version(text)))
        except InvalidVersion:
            bad.append(text)
    return frozenset(normal), bad


@lru_cache(maxsize=8192)
def spellings(version: Version) -> tuple[str, ...]:
    """The normal forms equal to ``version`` (``1.0`` == ``1`` == ``1.0.0`` in PEP 440)."""
    release = list(version.release)
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    text = str(version)
    epoch = f"{version.epoch}!" if version.epoch else ""
    suffix = text[len(epoch) + len(".".join(map(str, version.release))) :]
    return tuple(
        epoch + ".".join(map(str, release + [0] * (size - len(release)))) + suffix
        for size in range(len(release), max(len(release), 6) + 1)
    )


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
    """A record as loaded: fields are read from ``doc`` only for queried packages."""

    id: str
    doc: Mapping[str, Any]
    entries: dict[str, list[Mapping[str, Any]]] = field(default_factory=dict)
    """The PyPI ``affected`` entries, by normalised package name."""


@dataclass
class _Pending:
    """A JSON record not decoded yet."""

    name: str
    data: bytes
    done: bool = False


_NAME = re.compile(rb'"name"\s*:\s*"([^"\\]*)"')
_MODIFIED = re.compile(rb'"modified"\s*:\s*"([^"\\]*)"')
_WITHDRAWN = re.compile(rb'"withdrawn"\s*:\s*"[^"]')


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
        self._safe: dict[str, tuple[Version, ...]] = {}
        self._pending: dict[str, list[_Pending]] = {}
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
                        raise DatabaseError(
                            f"advisory database {path}: {item.name} cannot be read"
                            f" ({exc.strerror}); fix or re-download the database"
                        ) from None
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
            if name.endswith(".json") and self._defer(name, data):
                continue
            document = self._decode(name, data)
            if document is not None:
                self._index(name, document)

    def _defer(self, name: str, data: bytes) -> bool:
        """Index a JSON record by the package names it mentions, decoding it only when queried.

        Decoding every record is most of the cost of opening an export; a record is
        decoded when one of its packages is queried. Withdrawn records are counted and
        dropped here. A record whose names or date cannot be read this way (no name,
        escapes) is decoded at once, so a malformed one is still reported.
        """
        names = _NAME.findall(data)
        if not names or data.count(b'"name"') != len(names):
            return False
        modified = _MODIFIED.search(data)
        if modified is not None:
            self._seen_modified(modified.group(1).decode("utf-8", "replace"))
        if _WITHDRAWN.search(data):
            self.withdrawn += 1
            return True
        pending = _Pending(name, data)
        for raw_name in set(names):
            key = canonicalize_name(raw_name.decode("utf-8", "replace"))
            self._pending.setdefault(key, []).append(pending)
        return True

    def _seen_modified(self, text: str) -> None:
        stamp = _parse_time(text)
        if stamp is not None and (self.newest is None or stamp > self.newest):
            self.newest = stamp

    def _decode_pending(self, key: str) -> None:
        for pending in self._pending.pop(key, []):
            if pending.done:
                continue
            pending.done = True
            document = self._decode(pending.name, pending.data)
            if document is not None:
                self._index(pending.name, document)

    def _decode(self, name: str, data: bytes) -> Mapping[str, Any] | None:
        try:
            if name.endswith(".json"):
                document = json.loads(data)
            else:
                import yaml

                document = yaml.safe_load(data)
        except Exception as exc:  # any decoder error: the database is damaged
            raise DatabaseError(
                f"advisory database {self.path}: {name} cannot be decoded"
                f" ({type(exc).__name__}); fix or re-download the database"
            ) from None
        if not isinstance(document, Mapping) or not isinstance(document.get("id"), str):
            raise DatabaseError(
                f"advisory database {self.path}: {name} is not an OSV record (no id);"
                " fix or re-download the database"
            )
        return document

    def _index(self, name: str, doc: Mapping[str, Any]) -> None:
        record_id = str(doc["id"])
        modified = doc.get("modified")
        if isinstance(modified, datetime):  # YAML reads unquoted timestamps as datetimes
            modified = modified.isoformat()
        if isinstance(modified, str):
            self._seen_modified(modified)
        if doc.get("withdrawn"):
            self.withdrawn += 1
            return
        affected = doc.get("affected")
        if not isinstance(affected, list) or not affected:
            self.warn(f"{record_id}: record without 'affected' entries skipped")
            return
        raw = _Raw(id=record_id, doc=doc)
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
            raw.entries.setdefault(key, []).append(entry)

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
        self._decode_pending(key)
        parsed: list[Record] = []
        for raw in self._raw.get(key, []):
            entries = tuple(
                a
                for a in (self._affected(raw.id, e) for e in raw.entries.get(key, []))
                if a is not None
            )
            if not entries:
                self.warn(f"{raw.id}: no usable ranges or versions for {key} (record skipped)")
                continue
            aliases = raw.doc.get("aliases") or []
            parsed.append(
                Record(
                    raw.id,
                    tuple(str(a) for a in aliases if isinstance(a, str)),
                    _summary(raw.doc),
                    _entry_severity(raw),
                    entries,
                )
            )
        result = tuple(parsed)
        self._parsed[key] = result
        return result

    def affecting(self, name: str, version: Version) -> list[Record]:
        """The records whose affected versions include ``version``."""
        return [r for r in self.records_for(name) if any(a.contains(version) for a in r.affected)]

    def smallest_safe(self, name: str, version: Version) -> Version | None:
        """The smallest fixed version above ``version`` that no known record affects."""
        for candidate in self._safe_fixes(name):
            if candidate > version:
                return candidate
        return None

    def _safe_fixes(self, name: str) -> tuple[Version, ...]:
        """The package's fixed versions that no record affects, ascending (cached).

        Every range becomes spans, and each span marks the candidates inside it
        (found by bisection), so a package with hundreds of records stays fast.
        """
        key = canonicalize_name(name)
        cached = self._safe.get(key)
        if cached is not None:
            return cached
        affected = [a for r in self.records_for(key) for a in r.affected]
        candidates = sorted({v for a in affected for v in a.fixed()})
        unsafe = [False] * len(candidates)
        for entry in affected:
            for span in (s for r in entry.ranges for s in r.intervals()):
                low, high, inclusive = span
                first = bisect.bisect_left(candidates, low)
                if high is None:
                    last = len(candidates)
                elif inclusive:
                    last = bisect.bisect_right(candidates, high)
                else:
                    last = bisect.bisect_left(candidates, high)
                for index in range(first, last):
                    unsafe[index] = True
        listed = frozenset(v for a in affected for v in a.versions)
        cached = tuple(
            c
            for c, bad in zip(candidates, unsafe, strict=True)
            if not bad and not any(text in listed for text in spellings(c))
        )
        self._safe[key] = cached
        return cached

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
        versions, bad = normal_set([str(v) for v in raw_versions])
        for text in bad:
            self.warn(f"{record_id}: unparsable version {text!r} ignored")
        if not ranges and not versions:
            if not raw_ranges and not raw_versions:
                self.warn(f"{record_id}: affected entry without ranges or versions skipped")
            return None
        return Affected(tuple(ranges), frozenset(versions), tuple(str(v) for v in raw_versions[:5]))

    def _range(self, record_id: str, events: object) -> Range | None:
        if not isinstance(events, list) or not events:
            self.warn(f"{record_id}: range without events skipped")
            return None
        parsed: list[tuple[Version, int, str]] = []
        limits: list[Version] = []
        # At one version, introduced and fixed apply from it and last_affected only above
        # it: in this order the events that apply to any version form a prefix.
        order = {"introduced": 0, "fixed": 1, "last_affected": 2}
        for event in events:
            if not isinstance(event, Mapping) or len(event) != 1:
                self.warn(f"{record_id}: malformed event {event!r} ignored")
                continue
            ((kind, text),) = event.items()
            if kind not in (*order, "limit"):
                self.warn(f"{record_id}: unknown event {kind!r} ignored")
                continue
            try:
                at = _version(str(text))
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


@lru_cache(maxsize=65536)
def _version(text: str) -> Version:
    """A parsed version; the same strings recur across records and packages."""
    return Version(text)


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
    severity = _severity(raw.doc.get("severity"))
    if severity:
        return severity
    found: list[tuple[str, str]] = []
    for entry in (e for group in raw.entries.values() for e in group):
        found += _severity(entry.get("severity"))
    return tuple(found)
