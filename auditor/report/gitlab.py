"""GitLab security reports: SAST, secret detection and dependency scanning JSON.

Written to the Security Report Schemas version :data:`SCHEMA_VERSION` (15.x) as
documented for integrators: ``version``, ``scan`` (``analyzer`` and ``scanner`` with
``id``, ``name``, ``version``, ``vendor.name``; ``type``; ``start_time`` and
``end_time`` as ``YYYY-MM-DDTHH:MM:SS``; ``status``) and ``vulnerabilities``, each with
a stable ``id`` (a UUID from the fingerprint), ``name``, ``description``,
``severity``, ``solution``, ``identifiers`` (the rule id first, the primary identifier
GitLab tracks by; then CVE/GHSA ids) and a ``location`` of the report type's shape:

- SAST (every family but secrets and dependencies): ``file``, ``start_line``, ``end_line``;
- secret detection: ``file``, ``start_line``, ``commit.sha`` (the finding's commit in
  history, else all zeros: the work tree);
- dependency scanning: ``file`` (the lock file) and ``dependency.package.name``,
  ``dependency.version``.

A family that could not complete makes ``scan.status`` ``failure`` with its error
in ``scan.messages``.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from auditor.core.findings import Finding, Report, Severity
from auditor.report.formats import RenderOptions
from auditor.report.jsonfmt import dumps
from auditor.report.placement import Placed, described, placed_findings

SCHEMA_VERSION = "15.0.7"
NAMESPACE = uuid.UUID("6f1d3c1e-5b0a-4f44-9f5e-6175646974f0")
"""uuid5 namespace of the vulnerability ids (fixed: ids must not change between runs)."""
SEVERITY = {
    Severity.CRITICAL: "Critical",
    Severity.HIGH: "High",
    Severity.MEDIUM: "Medium",
    Severity.LOW: "Low",
    Severity.INFO: "Info",
}
NO_COMMIT = "0" * 40
REPORT_TYPES = {
    "sast": None,
    "secret_detection": ("secrets",),
    "dependency_scanning": ("dependencies",),
}
"""Report type to the families it carries (None: every family the others do not)."""
ADVISORY = re.compile(r"^(CVE-\d{4}-\d+|GHSA(-[0-9a-z]{4}){3}|PYSEC-\d{4}-\d+)$", re.IGNORECASE)


def _families(report_type: str) -> tuple[str, ...] | None:
    return REPORT_TYPES[report_type]


def _belongs(family: str, report_type: str) -> bool:
    wanted = _families(report_type)
    if wanted is not None:
        return family in wanted
    taken = {f for fams in REPORT_TYPES.values() if fams for f in fams}
    return family not in taken


def _time(iso: str) -> str:
    """``YYYY-MM-DDTHH:MM:SS`` (the schema's pattern: no fraction, no zone)."""
    return iso[:19]


def _evidence(f: Finding, name: str) -> str | None:
    return next((v for k, v in f.evidence if k == name), None)


def _identifiers(f: Finding) -> list[dict[str, str]]:
    ids = [
        {
            "type": "auditor_rule_id",
            "name": f"auditor {f.rule_id}",
            "value": f.rule_id,
        }
    ]
    advisories = [_evidence(f, "id") or "", *(_evidence(f, "aliases") or "").split(", ")]
    for value in dict.fromkeys(a.strip() for a in advisories if ADVISORY.match(a.strip())):
        kind = value.split("-", 1)[0].lower()
        ids.append({"type": kind, "name": value, "value": value})
    return ids[:20]


def _location(p: Placed, report_type: str) -> dict[str, Any]:
    f = p.finding
    if report_type == "dependency_scanning":
        label = _evidence(f, "package") or p.object or f.rule_id
        name, _, version = label.partition("==")
        return {
            "file": p.file,
            "dependency": {"package": {"name": name}, "version": version or "unknown"},
        }
    location: dict[str, Any] = {"file": p.file, "start_line": p.line}
    if report_type == "secret_detection":
        location["commit"] = {"sha": f.location.commit or NO_COMMIT}
    else:
        location["end_line"] = p.line
    return location


def _vulnerability(p: Placed, report_type: str) -> dict[str, Any]:
    f = p.finding
    vuln: dict[str, Any] = {
        "id": str(uuid.uuid5(NAMESPACE, f"{report_type}\0{f.rule_id}\0{f.fingerprint}")),
        "name": f"{f.rule_id}: {f.message}"[:255],
        "description": described(p)[:1_048_576],
        "severity": SEVERITY[f.severity],
        "identifiers": _identifiers(f),
        "location": _location(p, report_type),
    }
    if f.fix:
        vuln["solution"] = f.fix[:7000]
    return vuln


def security_report(
    report: Report, report_type: str, stand_in: str | None = None
) -> dict[str, Any]:
    """The GitLab security report of ``report_type`` as plain data."""
    tool = {
        "id": "auditor",
        "name": "auditor",
        "version": report.metadata.tool_version,
        "vendor": {"name": "auditor"},
    }
    errors = [e for e in report.errors if _belongs(e.family, report_type)]
    scan: dict[str, Any] = {
        "analyzer": tool,
        "scanner": tool,
        "type": report_type,
        "start_time": _time(report.metadata.started_at),
        "end_time": _time(report.metadata.finished_at),
        "status": "failure" if errors else "success",
    }
    if errors:
        scan["messages"] = [{"level": "fatal", "value": f"{e.family}: {e.message}"} for e in errors]
    vulns = [
        _vulnerability(p, report_type)
        for p in placed_findings(report, stand_in)
        if _belongs(p.finding.family, report_type)
    ]
    return {"version": SCHEMA_VERSION, "scan": scan, "vulnerabilities": vulns}


def _render(report: Report, report_type: str, options: RenderOptions) -> str:
    return dumps(security_report(report, report_type, options.stand_in), depth=3) + "\n"


def render_sast(report: Report, options: RenderOptions) -> str:
    """``gitlab-sast``: every family but secrets and dependencies."""
    return _render(report, "sast", options)


def render_secrets(report: Report, options: RenderOptions) -> str:
    """``gitlab-secrets``: the secrets family."""
    return _render(report, "secret_detection", options)


def render_deps(report: Report, options: RenderOptions) -> str:
    """``gitlab-deps``: the dependencies family."""
    return _render(report, "dependency_scanning", options)
