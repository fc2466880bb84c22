"""An offline OSV database: directories of OSV JSON/YAML files, or OSV ``all.zip`` exports.

Loading reads every record once and indexes the ``affected`` entries by ecosystem and
package name (PEP 503 normalised for PyPI, as written elsewhere); ranges and version
lists are parsed only for the packages that are queried, in the version order of their
ecosystem (:mod:`.versions`). Several exports load into one database, and the database
knows which ecosystems it covers. OSV semantics:

- ``withdrawn`` records are ignored;
- a version is affected when it is in the entry's ``versions`` list, or inside an
  ``ECOSYSTEM`` or ``SEMVER`` range (events ``introduced``/``fixed``/``last_affected``/
  ``limit``, evaluated in version order as the OSV schema describes); ``GIT`` ranges
  name commits, not versions, and are not used;
- a file that cannot be read or decoded, or a record without an id, stops the audit
  (``DatabaseError``, exit 2): nobody can tell which package it covers, so a
  dependency could pass unaudited (fail closed; a real export has none);
- malformed parts of a readable record (empty events, an entry without ranges or
  versions, an unparsable version) are skipped with a warning; a part that held data
  (an unparsable version, an unknown event, a range without its start) also makes
  the result for that record's package unknown (:meth:`OsvDatabase.malformed`, DEP002).
"""

from __future__ import annotations

import bisect
import json
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import Version

from auditor.families.deps.services.errors import DatabaseError
from auditor.families.deps.services.versions import PYPI, parse_version

Event = tuple[str, Any, str]
"""(kind, version, text) of a range event; kind is introduced, fixed or last_affected.

The version is of the ecosystem's scheme (:func:`.versions.parse_version`)."""

Key = tuple[str, str]
"""(ecosystem, package key): the package key is PEP 503 normalised for PyPI."""


def package_key(ecosystem: str, name: str) -> Key:
    """The index key of package ``name`` in ``ecosystem``."""
    return ecosystem, str(canonicalize_name(name)) if ecosystem == PYPI else name


@dataclass(frozen=True)
class Range:
    """One ECOSYSTEM range, events in version order."""

    events: tuple[Event, ...]
    limits: tuple[Any, ...] = ()

    def contains(self, version: Any) -> bool:
        """True when ``version`` is affected by this range (OSV's evaluation)."""
        if self.limits and not any(version < limit for limit in self.limits):
            return False
        affected = False
        for kind, at, _ in self.events:
            if kind == "introduced":
                if version >= at:
                    affected = True
            elif kind == "fixed":
                if version >= at:
                    affected = False
            elif kind == "last_affected" and version > at:
                affected = False
        return affected

    def intervals(self) -> Iterator[tuple[Any, Any | None, bool]]:
        """The affected spans as (low inclusive, high or None for unbounded, high inclusive)."""
        cap = max(self.limits) if self.limits else None
        start: Any | None = None
        spans: list[tuple[Any, Any | None, bool]] = []
        for kind, at, _ in self.events:
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
        for kind, _, text in self.events:
            if kind == "introduced":
                parts.append(f">={text}")
            elif kind == "fixed":
                parts.append(f"<{text}")
            else:
                parts.append(f"<={text}")
        parts += [f"<{limit} (limit)" for limit in self.limits]
        return ",".join(parts)


@dataclass(frozen=True)
class Affected:
    """What one record says about one package."""

    ranges: tuple[Range, ...]
    versions: frozenset[str]
    """The listed versions in normal form (PEP 440: see :func:`normal_set`)."""
    listed: tuple[str, ...] = ()
    """The first few listed versions as written, for display."""

    def contains(self, version: Any) -> bool:
        if self.versions and any(text in self.versions for text in spellings(version)):
            return True
        return any(r.contains(version) for r in self.ranges)

    def fixed(self) -> tuple[Any, ...]:
        return tuple(at for r in self.ranges for kind, at, _ in r.events if kind == "fixed")

    def fixed_texts(self) -> tuple[str, ...]:
        """The fixed versions as the record writes them."""
        return tuple(text for r in self.ranges for kind, _, text in r.events if kind == "fixed")

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


def normal_set(texts: list[str], ecosystem: str = PYPI) -> tuple[frozenset[str], list[str]]:
    """The listed versions in normal form (``str(Version(x))`` for PyPI), and the unparsable.

    OSV lists are long (hundreds of releases) and almost always normal already: one
    regular-expression match over the joined list proves it, and only a list that
    is not gets parsed version by version.
    """
    if ecosystem == PYPI and (not texts or _NORMAL_LINES.fullmatch("\n".join(texts))):
        return frozenset(texts), []
    normal: set[str] = set()
    bad: list[str] = []
    for text in texts:
        try:
            version = _version(ecosystem, text)
        except ValueError:
            bad.append(text)
            continue
        normal.add(str(version) if ecosystem == PYPI else spellings(version)[0])
    return frozenset(normal), bad


@lru_cache(maxsize=8192)
def spellings(version: Any) -> tuple[str, ...]:
    """The normal forms equal to ``version`` (``1.0`` == ``1`` == ``1.0.0`` in PEP 440).

    A SemVer version has one normal form, its text without build metadata.
    """
    if not isinstance(version, Version):
        return (str(version).partition("+")[0],)
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
    informational: str | None = None
    """RustSec's kind of informational advisory (``unmaintained``, ``unsound``, ``notice``),
    from ``database_specific.informational``; None for a vulnerability."""


@dataclass
class _Raw:
    """A record as loaded: fields are read from ``doc`` only for queried packages."""

    id: str
    doc: Mapping[str, Any]
    entries: dict[Key, list[Mapping[str, Any]]] = field(default_factory=dict)
    """The ``affected`` entries, by ecosystem and package key."""


@dataclass
class _Pending:
    """A JSON record not decoded yet."""

    name: str
    data: bytes
    done: bool = False


_NAME = re.compile(rb'"name"\s*:\s*"([^"\\]*)"')
_MODIFIED = re.compile(rb'"modified"\s*:\s*"([^"\\]*)"')
_WITHDRAWN = re.compile(rb'"withdrawn"\s*:\s*"[^"]')
_ECOSYSTEM = re.compile(rb'"ecosystem"\s*:\s*"([^"\\:]*)')


class OsvDatabase:
    """The records of one or more OSV exports, indexed by ecosystem and package name."""

    def __init__(
        self, paths: Path | Sequence[Path], documents: Sequence[tuple[str, bytes]] | None = None
    ) -> None:
        """Load the exports at ``paths``; or, with ``documents`` (``(file name, bytes)`` pairs
        already in memory, e.g. fetched online), those, ``paths`` naming where they came from."""
        self._given = documents
        self.paths: tuple[Path, ...] = (paths,) if isinstance(paths, Path) else tuple(paths)
        self.path = self.paths[0]
        """The first export (the one named in messages about the whole database)."""
        self.warnings: list[str] = []
        self.records = 0
        """Number of records read (withdrawn and malformed included)."""
        self.withdrawn = 0
        self.ecosystems: set[str] = set()
        """Every ecosystem some record has an ``affected`` entry for (``Debian:11`` -> ``Debian``)."""
        self.freshest: dict[Path, datetime | None] = {}
        """Per export, its most recent ``modified`` timestamp."""
        self._raw: dict[Key, list[_Raw]] = {}
        self._parsed: dict[Key, tuple[Record, ...]] = {}
        self._safe: dict[Key, tuple[Any, ...]] = {}
        self._pending: dict[str, list[_Pending]] = {}
        self._malformed: dict[Key, tuple[str, ...]] = {}
        self._flagged = False
        for path in self.paths:
            self.path = path
            self.freshest[path] = None
            self._load()
        self.path = self.paths[0]

    @property
    def newest(self) -> datetime | None:
        """How fresh the database is: the oldest of the exports' newest ``modified`` times.

        None when some export has no dates at all (its age is unknown).
        """
        stamps = list(self.freshest.values())
        if not stamps or any(stamp is None for stamp in stamps):
            return None
        return min(stamp for stamp in stamps if stamp is not None)

    @property
    def stalest(self) -> Path:
        """The export whose age :meth:`age_days` reports."""
        return min(self.paths, key=lambda p: (self.freshest[p] is not None, self.freshest[p] or 0))

    # -- loading ------------------------------------------------------------
    def _documents(self) -> Iterator[tuple[str, bytes]]:
        if self._given is not None:
            yield from self._given
            return
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
        self.ecosystems.update(e.decode("utf-8", "replace") for e in _ECOSYSTEM.findall(data))
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
        known = self.freshest.get(self.path)
        if stamp is not None and (known is None or stamp > known):
            self.freshest[self.path] = stamp

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
            ecosystem = package.get("ecosystem") if isinstance(package, Mapping) else None
            if not isinstance(package, Mapping) or not isinstance(ecosystem, str):
                continue
            ecosystem = ecosystem.partition(":")[0]
            self.ecosystems.add(ecosystem)
            package_name = package.get("name")
            if not isinstance(package_name, str) or not package_name:
                self.warn(f"{record_id}: affected entry without a package name skipped")
                continue
            key = package_key(ecosystem, package_name)
            bucket = self._raw.setdefault(key, [])
            if not bucket or bucket[-1] is not raw:
                bucket.append(raw)
            raw.entries.setdefault(key, []).append(entry)

    def lost(self, message: str) -> None:
        """Warn about a part of a record that held data and could not be read (an empty
        part loses nothing): the record's package gets an unknown result."""
        self._flagged = True
        self.warn(message)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    # -- queries ------------------------------------------------------------
    def age_days(self, now: datetime | None = None) -> int | None:
        """Whole days since the newest record was modified (None when unknown)."""
        if self.newest is None:
            return None
        return ((now or datetime.now(UTC)) - self.newest).days

    def covers(self, ecosystem: str) -> bool:
        """True when some record of the database is about ``ecosystem``."""
        return ecosystem in self.ecosystems

    def records_for(self, name: str, ecosystem: str = PYPI) -> tuple[Record, ...]:
        """Every usable record about package ``name`` (parsed once, then cached)."""
        key = package_key(ecosystem, name)
        cached = self._parsed.get(key)
        if cached is not None:
            return cached
        self._decode_pending(str(canonicalize_name(name)))
        parsed: list[Record] = []
        malformed: list[str] = []
        for raw in self._raw.get(key, []):
            self._flagged = False
            entries = tuple(
                a
                for a in (self._affected(raw.id, e, ecosystem) for e in raw.entries.get(key, []))
                if a is not None
            )
            if self._flagged:  # part of this package's record could not be read
                malformed.append(raw.id)
            if not entries:
                self.warn(f"{raw.id}: no usable ranges or versions for {name} (record skipped)")
                continue
            aliases = raw.doc.get("aliases") or []
            parsed.append(
                Record(
                    raw.id,
                    tuple(str(a) for a in aliases if isinstance(a, str)),
                    _summary(raw.doc),
                    _entry_severity(raw),
                    entries,
                    _informational(raw.entries.get(key, [])),
                )
            )
        result = tuple(parsed)
        self._parsed[key] = result
        self._malformed[key] = tuple(malformed)
        return result

    def malformed(self, name: str, ecosystem: str = PYPI) -> tuple[str, ...]:
        """The ids of records about ``name`` with a part that could not be read: whether
        they affect a version is unknown, so the package cannot be called safe."""
        self.records_for(name, ecosystem)
        return self._malformed.get(package_key(ecosystem, name), ())

    def affecting(self, name: str, version: Any, ecosystem: str = PYPI) -> list[Record]:
        """The records whose affected versions include ``version`` (of ``ecosystem``'s scheme)."""
        return [
            r
            for r in self.records_for(name, ecosystem)
            if any(a.contains(version) for a in r.affected)
        ]

    def smallest_safe(self, name: str, version: Any, ecosystem: str = PYPI) -> Any | None:
        """The smallest fixed version above ``version`` that no known record affects."""
        for candidate in self._safe_fixes(name, ecosystem):
            if candidate > version:
                return candidate
        return None

    def _safe_fixes(self, name: str, ecosystem: str = PYPI) -> tuple[Any, ...]:
        """The package's fixed versions that no record affects, ascending (cached).

        Every range becomes spans, and each span marks the candidates inside it
        (found by bisection), so a package with hundreds of records stays fast.
        """
        key = package_key(ecosystem, name)
        cached = self._safe.get(key)
        if cached is not None:
            return cached
        affected = [a for r in self.records_for(name, ecosystem) for a in r.affected]
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

    def _affected(
        self, record_id: str, entry: Mapping[str, Any], ecosystem: str
    ) -> Affected | None:
        ranges: list[Range] = []
        raw_ranges = entry.get("ranges") or []
        raw_versions = entry.get("versions") or []
        if not isinstance(raw_ranges, list) or not isinstance(raw_versions, list):
            self.lost(f"{record_id}: 'ranges' and 'versions' must be lists; entry skipped")
            return None
        for raw_range in raw_ranges:
            if not isinstance(raw_range, Mapping):
                self.lost(f"{record_id}: malformed range skipped")
                continue
            if raw_range.get("type") not in ("ECOSYSTEM", "SEMVER"):
                continue  # GIT ranges name commits, not versions
            parsed = self._range(record_id, raw_range.get("events"), ecosystem)
            if parsed is not None:
                ranges.append(parsed)
        versions, bad = normal_set([str(v) for v in raw_versions], ecosystem)
        for text in bad:
            self.lost(f"{record_id}: unparsable version {text!r} ignored")
        if not ranges and not versions:
            if not raw_ranges and not raw_versions:
                self.warn(f"{record_id}: affected entry without ranges or versions skipped")
            return None
        return Affected(tuple(ranges), frozenset(versions), tuple(str(v) for v in raw_versions[:5]))

    def _range(self, record_id: str, events: object, ecosystem: str = PYPI) -> Range | None:
        if not isinstance(events, list) or not events:
            self.warn(f"{record_id}: range without events skipped")
            return None
        parsed: list[tuple[Any, int, str, str]] = []
        limits: list[Any] = []
        # At one version, introduced and fixed apply from it and last_affected only above
        # it: in this order the events that apply to any version form a prefix.
        order = {"introduced": 0, "fixed": 1, "last_affected": 2}
        for event in events:
            if not isinstance(event, Mapping) or len(event) != 1:
                report = self.warn if event == {} else self.lost  # {} holds nothing
                report(f"{record_id}: malformed event {event!r} ignored")
                continue
            ((kind, text),) = event.items()
            if kind not in (*order, "limit"):
                self.lost(f"{record_id}: unknown event {kind!r} ignored")
                continue
            try:
                at = _version(ecosystem, str(text))
            except ValueError:
                self.lost(f"{record_id}: unparsable version {text!r} in range; range skipped")
                return None
            if kind == "limit":
                limits.append(at)
            else:
                parsed.append((at, order[kind], kind, str(text)))
        if not any(kind == "introduced" for _, _, kind, _ in parsed):
            (self.lost if parsed else self.warn)(
                f"{record_id}: range without an 'introduced' event skipped"
            )
            return None
        parsed.sort(key=lambda item: (item[0], item[1]))
        return Range(tuple((kind, at, text) for at, _, kind, text in parsed), tuple(limits))


def _version(ecosystem: str, text: str) -> Any:
    """A parsed version of ``ecosystem`` (cached: the same strings recur across records)."""
    return parse_version(ecosystem, text)


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


def _informational(entries: list[Mapping[str, Any]]) -> str | None:
    for entry in entries:
        specific = entry.get("database_specific")
        kind = specific.get("informational") if isinstance(specific, Mapping) else None
        if isinstance(kind, str) and kind:
            return kind
    return None


def _entry_severity(raw: _Raw) -> tuple[tuple[str, str], ...]:
    """The record's severity, else the severities given per affected entry."""
    severity = _severity(raw.doc.get("severity"))
    if severity:
        return severity
    found: list[tuple[str, str]] = []
    for entry in (e for group in raw.entries.values() for e in group):
        found += _severity(entry.get("severity"))
    return tuple(found)
