"""What a vulnerability service says about one pin, and how the answers become advisories.

An offline OSV record and a pip-audit result both become a :class:`Found`; results that
share any id or alias are merged into one :class:`~..model.Advisory`. This module does
not import pip-audit (its import alone takes about half a second), so an offline audit
never loads it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from auditor.families.deps.model import Advisory
from auditor.families.deps.services.osv_db import Record
from auditor.families.deps.services.versions import PYPI, sort_key
from auditor.families.deps.severity import best_vector, from_score

NATIVE = ("PYSEC-", "RUSTSEC-", "GO-")
"""Ids of an ecosystem's own advisory database, preferred as the primary id."""


def id_order(item: str) -> tuple[int, str]:
    """The ecosystem's own id first (PYSEC, RUSTSEC, GO), then CVE, then the rest, then by text.

    pip-audit's preference, extended to the databases of the other ecosystems: cargo-audit
    names a RustSec advisory by its RUSTSEC id.
    """
    rank = 0 if item.startswith(NATIVE) else 1 if item.startswith("CVE") else 2
    return rank, item


@dataclass(frozen=True)
class Found:
    """One advisory affecting a pin, as a service reported it."""

    id: str
    aliases: frozenset[str]
    description: str
    fixed: tuple[str, ...]
    """Fixed versions as written."""
    affected: str = ""
    """The affected versions as the record states them (offline only)."""
    severity: tuple[tuple[str, str], ...] = ()
    """(type, vector) pairs (offline only)."""
    informational: str | None = None
    """RustSec's informational kind (``unmaintained``, ``unsound``, ``notice``), if any."""


def from_record(record: Record) -> Found:
    """A :class:`Found` from an offline OSV record (its primary id by :func:`id_order`)."""
    ids = sorted({record.id, *record.aliases} - {""}, key=id_order)
    return Found(
        id=ids[0],
        aliases=frozenset(ids[1:]),
        description=record.summary,
        fixed=tuple(dict.fromkeys(t for a in record.affected for t in a.fixed_texts())),
        affected="; ".join(a.describe() for a in record.affected),
        severity=record.severity,
        informational=record.informational,
    )


def from_pip_audit(result: Any) -> Found:
    """A :class:`Found` from a pip-audit ``VulnerabilityResult`` (or the offline ``OsvResult``)."""
    return Found(
        id=str(result.id),
        aliases=frozenset(str(a) for a in result.aliases),
        description=str(result.description or ""),
        fixed=tuple(str(v) for v in result.fix_versions),
        affected=str(getattr(result, "affected", "")),
        severity=tuple(getattr(result, "severity", ())),
        informational=getattr(result, "informational", None),
    )


def merge(results: Iterable[Found], ecosystem: str = PYPI) -> list[Advisory]:
    """One :class:`Advisory` per vulnerability: results sharing any id or alias are merged."""
    items = list(results)
    parent = list(range(len(items)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for index, result in enumerate(items):
        for ident in (result.id, *result.aliases):
            if ident in owner:
                parent[root(index)] = root(owner[ident])
            else:
                owner[ident] = index
    groups: dict[int, list[Found]] = {}
    for index, result in enumerate(items):
        groups.setdefault(root(index), []).append(result)
    return sorted((_advisory(g, ecosystem) for g in groups.values()), key=lambda a: a.id)


def _advisory(group: list[Found], ecosystem: str) -> Advisory:
    ids = sorted({i for r in group for i in (r.id, *r.aliases)}, key=id_order)
    fixed = sorted({t for r in group for t in r.fixed}, key=lambda text: sort_key(ecosystem, text))
    scored = best_vector([pair for r in group for pair in r.severity])
    affected = "; ".join(dict.fromkeys(r.affected for r in group if r.affected))
    described = sorted(group, key=lambda r: id_order(r.id))  # the primary id's text first
    summary = next(
        (r.description for r in described if r.description and r.description != "N/A"), ""
    )
    return Advisory(
        id=ids[0],
        aliases=tuple(sorted(ids[1:])),
        summary=summary,
        affected=affected,
        fixed=tuple(fixed),
        severity=from_score(scored[1]) if scored else None,
        score=scored[1] if scored else None,
        vector=scored[0] if scored else None,
        informational=next((r.informational for r in group if r.informational), None),
    )
