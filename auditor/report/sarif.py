"""SARIF 2.1.0 for code-scanning services: one run per family.

Each run has its own ``automationDetails.id`` (``auditor/<family>/``) so a service
tracks the families' alerts separately; rules carry short and full descriptions,
help markdown (the rule's documentation) and ``security-severity``; results carry
``partialFingerprints.primaryLocationLineHash`` built from the line-independent
fingerprint. A run lists at most :data:`MAX_RESULTS` results (the published limit),
most severe first, and says so in a notification when it had to cut.

Every result has a physical location, as GitHub requires: a finding that names only
a database object or a server setting is placed by :mod:`auditor.report.placement`
(the creating migration, else the stand-in file at line 1, marked
``properties.standInLocation``), with the object in ``logicalLocations``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from auditor.core.findings import FamilyResult, Finding, Report, Severity
from auditor.core.references import references_of
from auditor.core.rules import Rule, get_rule
from auditor.report.formats import RenderOptions
from auditor.report.jsonfmt import dumps
from auditor.report.placement import Placed, described, place, stand_in_file

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
MAX_RESULTS = 25_000
"""Results per run accepted by GitHub code scanning."""

SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}
"""CVSS-like scores in the bands code scanning maps to critical/high/medium/low."""

LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}


def _rule_descriptor(rule_id: str, rule: Rule | None, severity: Severity) -> dict[str, Any]:
    if rule is None:
        title = f"auditor rule {rule_id}"
        doc = f"{title}: run `auditor explain {rule_id}` for its documentation."
    else:
        title = rule.title
        doc = rule.doc or rule.title
        severity = rule.severity
    first = doc.strip().splitlines()[0] if doc.strip() else title
    return {
        "id": rule_id,
        "name": rule_id,
        "shortDescription": {"text": title},
        "fullDescription": {"text": first},
        "help": {
            "text": doc,
            "markdown": f"**{rule_id}: {title}**\n\n{doc}\n\nMore: `auditor explain {rule_id}`",
        },
        "defaultConfiguration": {"level": LEVEL[severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[severity],
            "tags": ["security", *references_of(rule_id, rule.family if rule else "")],
            "precision": "high",
        },
    }


def _artifact(file: str) -> dict[str, str]:
    """A project-relative file against ``%SRCROOT%``; an absolute one as a ``file:`` URI."""
    if file.startswith("/"):
        return {"uri": "file://" + quote(file, safe="/")}
    return {"uri": quote(file, safe="/"), "uriBaseId": "%SRCROOT%"}


def _locations(p: Placed) -> dict[str, Any]:
    """Always a physical location (GitHub rejects a result without one); the database
    object, if any, as a logical location beside it."""
    physical = {"artifactLocation": _artifact(p.file), "region": {"startLine": p.line}}
    location: dict[str, Any] = {"physicalLocation": physical}
    if p.object:
        location["logicalLocations"] = [{"fullyQualifiedName": p.object, "kind": "object"}]
    return {"locations": [location]}


def _message(p: Placed) -> str:
    finding = p.finding
    text = described(p)
    if finding.fix:
        text += f"\nFix: {finding.fix}"
    return text


def _run(fam: FamilyResult, report: Report, stand_in: str) -> dict[str, Any]:
    findings = sorted(fam.findings + fam.history, key=Finding.sort_key)
    shown = findings[:MAX_RESULTS]
    rule_ids: dict[str, Severity] = {}
    for f in shown:
        rule_ids.setdefault(f.rule_id, f.severity)
    ordered = sorted(rule_ids)
    index = {rid: i for i, rid in enumerate(ordered)}
    results = []
    for f in shown:
        p = place(f, fam, stand_in)
        result: dict[str, Any] = {
            "ruleId": f.rule_id,
            "ruleIndex": index[f.rule_id],
            "level": LEVEL[f.severity],
            "message": {"text": _message(p)},
            **_locations(p),
            "partialFingerprints": {
                "primaryLocationLineHash": f"{f.fingerprint}:1",
                "auditorFingerprint/v1": f.fingerprint,
            },
            "properties": {
                "severity": f.severity.label,
                "security-severity": SECURITY_SEVERITY[f.severity],
                **({"references": list(f.references)} if f.references else {}),
                **({"standInLocation": True} if p.stand_in else {}),
            },
        }
        if f.baseline:
            result["baselineState"] = "new" if f.baseline == "new" else "unchanged"
        results.append(result)
    notifications: list[dict[str, Any]] = [
        {"level": "error", "message": {"text": e.message}} for e in fam.errors
    ]
    notifications += [
        {"level": "note", "message": {"text": f"skipped {s.what}: {s.reason}"}} for s in fam.skipped
    ]
    if len(findings) > len(shown):
        notifications.append(
            {
                "level": "warning",
                "message": {
                    "text": f"{len(findings) - len(shown)} of {len(findings)} results not included "
                    f"(limit {MAX_RESULTS} per run; least severe cut); see the JSON report"
                },
            }
        )
    invocation: dict[str, Any] = {"executionSuccessful": not fam.errors}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return {
        "tool": {
            "driver": {
                "name": "auditor",
                "version": report.metadata.tool_version,
                "rules": [_rule_descriptor(rid, get_rule(rid), rule_ids[rid]) for rid in ordered],
            }
        },
        "automationDetails": {"id": f"auditor/{fam.family}/"},
        "invocations": [invocation],
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {"family": fam.family, "title": fam.title},
    }


def sarif_dict(report: Report, stand_in: str | None = None) -> dict[str, Any]:
    """The SARIF log as plain data; ``stand_in`` places findings with no file
    (:mod:`auditor.report.placement`)."""
    chosen = stand_in or stand_in_file(report.metadata.project)
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [_run(fam, report, chosen) for fam in report.families],
    }


def render_sarif(report: Report, stand_in: str | None = None) -> str:
    """The SARIF 2.1.0 log text."""
    return dumps(sarif_dict(report, stand_in), depth=4) + "\n"


def render_format(report: Report, options: RenderOptions) -> str:
    """The registered renderer (see :mod:`auditor.report.formats`)."""
    return render_sarif(report, stand_in=options.stand_in)
