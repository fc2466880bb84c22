"""GitLab Code Quality: the CodeClimate JSON subset the merge-request widget reads.

An array with one issue per finding: ``description``, ``check_name`` (the rule id),
``fingerprint`` (unique per issue, line-independent), ``severity`` (``info``,
``minor``, ``major``, ``critical``, ``blocker``) and ``location.path`` with
``location.lines.begin``. Job: ``artifacts: reports: codequality: FILE``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from auditor.core.findings import Report, Severity
from auditor.report.formats import RenderOptions
from auditor.report.jsonfmt import dumps
from auditor.report.placement import described, placed_findings

SEVERITY = {
    Severity.CRITICAL: "blocker",
    Severity.HIGH: "critical",
    Severity.MEDIUM: "major",
    Severity.LOW: "minor",
    Severity.INFO: "info",
}


def codequality_list(report: Report, stand_in: str | None = None) -> list[dict[str, Any]]:
    """The Code Quality issues as plain data."""
    issues = []
    seen: set[str] = set()
    for p in placed_findings(report, stand_in):
        f = p.finding
        # unique per issue (GitLab drops duplicates), independent of the line
        digest = hashlib.md5(
            f"{f.family}\0{f.rule_id}\0{f.fingerprint}".encode(), usedforsecurity=False
        )
        fp = digest.hexdigest()
        while fp in seen:
            fp = hashlib.md5(fp.encode(), usedforsecurity=False).hexdigest()
        seen.add(fp)
        issues.append(
            {
                "type": "issue",
                "description": described(p),
                "check_name": f.rule_id,
                "categories": ["Security"],
                "fingerprint": fp,
                "severity": SEVERITY[f.severity],
                "location": {"path": p.file, "lines": {"begin": p.line}},
                **({"content": {"body": f"Fix: {f.fix}"}} if f.fix else {}),
            }
        )
    return issues


def render_format(report: Report, options: RenderOptions) -> str:
    """The registered renderer (see :mod:`auditor.report.formats`)."""
    return dumps(codequality_list(report, options.stand_in), depth=3) + "\n"
