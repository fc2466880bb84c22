"""reviewdog's Diagnostic Format (``rdjson``): ``reviewdog -f=rdjson`` posts it as
review comments or check annotations on any forge reviewdog supports.

One ``diagnostics`` entry per finding with ``location.path`` and
``location.range.start.line``, ``severity`` (``ERROR``, ``WARNING``, ``INFO``), ``code``
(the rule id) and the fix in the message.
"""

from __future__ import annotations

from typing import Any

from auditor.core.findings import Report, Severity
from auditor.report.formats import RenderOptions
from auditor.report.jsonfmt import dumps
from auditor.report.placement import described, placed_findings

LEVEL = {
    Severity.CRITICAL: "ERROR",
    Severity.HIGH: "ERROR",
    Severity.MEDIUM: "WARNING",
    Severity.LOW: "INFO",
    Severity.INFO: "INFO",
}


def rdjson_dict(report: Report, stand_in: str | None = None) -> dict[str, Any]:
    """The rdjson document as plain data."""
    diagnostics = []
    for p in placed_findings(report, stand_in):
        f = p.finding
        message = described(p) + (f"\nFix: {f.fix}" if f.fix else "")
        diagnostics.append(
            {
                "message": message,
                "location": {"path": p.file, "range": {"start": {"line": p.line}}},
                "severity": LEVEL[f.severity],
                "code": {"value": f.rule_id},
                "original_output": f"{f.rule_id} {f.severity.label} {f.fingerprint}",
            }
        )
    return {
        "source": {"name": "auditor"},
        "severity": "ERROR" if report.failing() else "INFO",
        "diagnostics": diagnostics,
    }


def render_format(report: Report, options: RenderOptions) -> str:
    """The registered renderer (see :mod:`auditor.report.formats`)."""
    return dumps(rdjson_dict(report, options.stand_in), depth=3) + "\n"
