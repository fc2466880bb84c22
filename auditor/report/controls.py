"""The markdown report grouped by CIS control (``auditor audit --format md --by control``).

One row per control of the benchmark, in its order, with its status: failed (linking
to its findings below), passed (with the evidence read), not checked (and why), or
not checkable from SQL. Then the findings of each failed control.
"""

from __future__ import annotations

from auditor.core.findings import Report
from auditor.core.references import CIS_BENCHMARK
from auditor.families.hardening.cis import ControlStatus, control_statuses
from auditor.report.markdown import md_escape, shorten

ICONS = {"failed": "❌", "passed": "✅", "not checked": "⚠️", "not checkable from SQL": "🖥️"}


def anchor(control_id: str) -> str:
    """The HTML anchor of a control's findings section."""
    return "cis-" + control_id.replace(".", "-")


def _row(item: ControlStatus) -> str:
    status = f"{ICONS[item.status]} {item.status}"
    if item.status == "failed":
        status = f"[{status}](#{anchor(item.control.id)})"
    why = md_escape(shorten(item.why, 300))
    return f"| {item.control.id} | {md_escape(item.control.title)} | {status} | {why} |"


def render_controls(report: Report) -> str:
    """The report as markdown, one row per control of :data:`CIS_BENCHMARK`."""
    statuses = control_statuses(report)
    counts = {s: sum(1 for i in statuses if i.status == s) for s in ICONS}
    target = report.metadata.target or "no database"
    lines = [
        "# Compliance by control",
        "",
        f"{CIS_BENCHMARK}, audited on {md_escape(target)}.",
        "",
        ", ".join(f"{n} {s}" for s, n in counts.items()),
        "",
        "| Control | Title | Status | Evidence or reason |",
        "|---|---|---|---|",
        *(_row(item) for item in statuses),
    ]
    failed = [i for i in statuses if i.status == "failed"]
    if failed:
        lines += ["", "## Findings of the failed controls"]
    for item in failed:
        lines += [
            "",
            f'<a id="{anchor(item.control.id)}"></a>',
            f"### CIS {item.control.id}: {md_escape(item.control.title)}",
            "",
        ]
        for f in item.findings:
            where = md_escape(str(f.location))
            lines.append(
                f"- `{f.rule_id}` {f.severity.label} {where}: {md_escape(shorten(f.message))}"
            )
    return "\n".join(lines) + "\n"
