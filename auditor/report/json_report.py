"""The JSON report: a documented, versioned, stably ordered document.

The schema is documented in ``docs/report-json.md``; :data:`SCHEMA_VERSION` changes
only when a field is removed or changes meaning (adding fields keeps the version).
"""

from __future__ import annotations

from typing import Any

from auditor.core.findings import Finding, Location, Report, Severity
from auditor.report.formats import RenderOptions
from auditor.report.jsonfmt import dumps

SCHEMA_VERSION = 1


def _location(location: Location) -> dict[str, Any]:
    return {
        key: value
        for key, value in (
            ("file", location.file),
            ("line", location.line),
            ("object", location.object),
            ("commit", location.commit),
        )
        if value is not None
    }


def _finding(finding: Finding) -> dict[str, Any]:
    refs = {"references": list(finding.references)} if finding.references else {}
    return {
        "rule_id": finding.rule_id,
        "severity": finding.severity.label,
        "family": finding.family,
        "message": finding.message,
        "location": _location(finding.location),
        "fingerprint": finding.fingerprint,
        "fix": finding.fix,
        "evidence": dict(finding.evidence),
        "baseline": finding.baseline,
        **refs,
    }


def report_dict(report: Report) -> dict[str, Any]:
    """The report as plain data (the JSON document before serialisation)."""
    meta = report.metadata
    findings = report.findings
    counts = dict.fromkeys(Severity, 0)
    for f in findings:
        counts[f.severity] += 1
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "auditor", "version": meta.tool_version},
        "verdict": report.verdict,
        "exit_code": report.exit_code,
        "fail_on": meta.fail_on.label,
        "fail_on_new": meta.fail_on_new,
        "profile": meta.profile,
        "baseline": meta.baseline,
        "started_at": meta.started_at,
        "finished_at": meta.finished_at,
        "project": meta.project,
        "target": meta.target,
        "notices": list(meta.notices),
        "counts": {s.label: counts[s] for s in reversed(Severity)},
        "families": [
            {
                "name": fam.family,
                "title": fam.title,
                "checked": dict(fam.checked),
                "notes": list(fam.notes),
                "counts": _counts(fam.findings),
                "findings": len(fam.findings),
                "history": len(fam.history),
                "skipped": len(fam.skipped),
                "errors": len(fam.errors),
                "verified": len(fam.verified),
            }
            for fam in report.families
        ],
        "findings": [_finding(f) for f in findings],
        "history": [
            _finding(f)
            for f in sorted(
                (f for fam in report.families for f in fam.history), key=Finding.sort_key
            )
        ],
        "waived": [
            {**_finding(w.finding), "waiver": {"reason": w.reason, "expires": w.expires}}
            for w in report.waived
        ],
        "verified": [
            {"family": v.family, "what": v.what, "evidence": v.evidence} for v in report.verified
        ],
        "skipped": [
            {"family": s.family, "what": s.what, "reason": s.reason} for s in report.skipped
        ],
        "errors": [{"family": e.family, "message": e.message} for e in report.errors],
    }


def _counts(findings: tuple[Finding, ...]) -> dict[str, int]:
    counts = dict.fromkeys(Severity, 0)
    for f in findings:
        counts[f.severity] += 1
    return {s.label: counts[s] for s in reversed(Severity)}


def render_json(report: Report) -> str:
    """The JSON report text."""
    return dumps(report_dict(report), depth=2) + "\n"


def render_format(report: Report, options: RenderOptions) -> str:
    """The registered renderer (see :mod:`auditor.report.formats`)."""
    return render_json(report)
