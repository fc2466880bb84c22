"""CycloneDX 1.6 JSON: a software bill of materials of every dependency audited.

One ``components`` entry per pin and input file (``type`` library, ``name``,
``version``, ``purl``, ``evidence.occurrences`` naming the lock file and line, and
``auditor:ecosystem`` / ``auditor:skipped`` / ``auditor:upgrade`` properties), and one
``vulnerabilities`` entry per advisory found, with its aliases as ``references``, a
rating from the CVSS vector (``unknown`` without one), the fixed versions as the
recommendation and ``affects`` naming every component it was found in. RustSec
informational advisories carry an ``auditor:informational`` property; an advisory
ignored in the configuration carries the ignore as its ``analysis``. An audit that
could not complete says so in ``metadata.properties`` (``auditor:incomplete``).

Written as plain JSON (no serialisation library is imported to render); a test
validates the output against the CycloneDX 1.6 JSON schema.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath
from typing import Any

from auditor.core.findings import Advisory, Component, Report
from auditor.report.formats import RenderOptions
from auditor.report.jsonfmt import dumps

SPEC_VERSION = "1.6"
NAMESPACE = uuid.UUID("2b7c9e64-3f0e-4c52-9a1e-6175646974c0")
"""uuid5 namespace of the BOM serial number (one per report: project and start time)."""
SOURCES = {"RUSTSEC": "RustSec", "PYSEC": "PyPA", "GHSA": "GitHub", "GO": "Go", "CVE": "NVD"}
"""Advisory id prefix to the database that publishes it."""


def _property(name: str, value: str) -> dict[str, str]:
    return {"name": f"auditor:{name}", "value": value}


def _method(vector: str) -> str:
    """The CycloneDX scoring method of a CVSS vector."""
    for prefix, method in (
        ("CVSS:4.0/", "CVSSv4"),
        ("CVSS:3.1/", "CVSSv31"),
        ("CVSS:3.0/", "CVSSv3"),
    ):
        if vector.startswith(prefix):
            return method
    return "CVSSv2" if vector.startswith("AV:") else "other"


def _source(advisory_id: str) -> dict[str, str]:
    prefix = advisory_id.split("-", 1)[0].upper()
    return {
        "name": SOURCES.get(prefix, "OSV"),
        "url": f"https://osv.dev/vulnerability/{advisory_id}",
    }


def _component(item: Component, ref: str) -> dict[str, Any]:
    occurrence: dict[str, Any] = {"location": item.file}
    if item.line is not None:
        occurrence["line"] = item.line
    properties = [_property("ecosystem", item.ecosystem)]
    if item.skip_reason:
        properties.append(_property("skipped", item.skip_reason))
    if item.upgrade:
        properties.append(_property("upgrade", item.upgrade))
    component: dict[str, Any] = {"type": "library", "bom-ref": ref, "name": item.name}
    if item.version:
        component["version"] = item.version
    if item.purl:
        component["purl"] = item.purl
    component["evidence"] = {"occurrences": [occurrence]}
    component["properties"] = properties
    return component


def _rating(known: Advisory) -> dict[str, Any]:
    if known.vector is None:
        return {"severity": known.severity.label if known.severity else "unknown"}
    rating: dict[str, Any] = {"method": _method(known.vector), "vector": known.vector}
    if known.score is not None:
        rating["score"] = known.score
    if known.severity is not None:
        rating["severity"] = known.severity.label
    return rating


def _vulnerability(
    known: Advisory, refs: list[tuple[str, str | None]], ignored: str | None
) -> dict[str, Any]:
    vuln: dict[str, Any] = {
        "bom-ref": f"vulnerability:{known.id}",
        "id": known.id,
        "source": _source(known.id),
    }
    if known.aliases:
        vuln["references"] = [{"id": a, "source": _source(a)} for a in known.aliases]
    vuln["ratings"] = [_rating(known)]
    if known.summary:
        vuln["description"] = known.summary
    if known.fixed:
        vuln["recommendation"] = f"Upgrade to a fixed version: {', '.join(known.fixed)}"
    if ignored:
        vuln["analysis"] = {"response": ["will_not_fix"], "detail": f"ignored {ignored}"}
    affects = []
    for ref, version in refs:
        entry: dict[str, Any] = {"ref": ref}
        if version:
            entry["versions"] = [{"version": version, "status": "affected"}]
        affects.append(entry)
    vuln["affects"] = affects
    if known.informational:
        vuln["properties"] = [_property("informational", known.informational)]
    return vuln


def _refs(items: list[Component]) -> list[str]:
    """A unique ``bom-ref`` per component: its purl (else name) and the file it came from."""
    refs: list[str] = []
    seen: set[str] = set()
    for item in items:
        base = f"{item.purl or item.name}#{item.file}"
        ref, n = base, 1
        while ref in seen:
            n += 1
            ref = f"{base}#{n}"
        seen.add(ref)
        refs.append(ref)
    return refs


def bom(report: Report) -> dict[str, Any]:
    """The CycloneDX document as plain data."""
    meta = report.metadata
    items = [c for fam in report.families for c in fam.inventory]
    refs = _refs(items)
    found: dict[str, tuple[Advisory, list[tuple[str, str | None]]]] = {}
    ignored: dict[str, str] = {}
    for item, ref in zip(items, refs, strict=True):
        ignored.update(item.ignored)
        for known in item.vulnerabilities:
            found.setdefault(known.id, (known, []))[1].append((ref, item.version))
    properties = [_property("verdict", report.verdict)]
    properties += [_property("incomplete", f"{e.family}: {e.message}") for e in report.errors]
    serial = uuid.uuid5(NAMESPACE, f"{meta.project}\0{meta.started_at}")
    document: dict[str, Any] = {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": f"urn:uuid:{serial}",
        "version": 1,
        "metadata": {
            "timestamp": meta.started_at,
            "tools": {
                "components": [
                    {"type": "application", "name": "auditor", "version": meta.tool_version}
                ]
            },
            "component": {
                "type": "application",
                "bom-ref": "project",
                "name": PurePath(meta.project).name or meta.project,
            },
            "properties": properties,
        },
        "components": [_component(item, ref) for item, ref in zip(items, refs, strict=True)],
        "vulnerabilities": [_vulnerability(k, r, ignored.get(i)) for i, (k, r) in found.items()],
    }
    return document


def render_format(report: Report, options: RenderOptions) -> str:
    """The registered renderer (see :mod:`auditor.report.formats`)."""
    return dumps(bom(report), depth=2) + "\n"
