"""The terminal view: a compact summary, most severe first."""

from __future__ import annotations

from auditor.findings import Report, Severity


def render_text(report: Report) -> str:
    """Plain-text report for a terminal or a log."""
    meta = report.metadata
    counts = report.counts()
    summary = ", ".join(f"{counts[s]} {s.label}" for s in reversed(Severity) if counts[s])
    lines = [
        f"auditor {meta.tool_version}: {report.verdict.upper()} (fail-on {meta.fail_on.label})"
        + (f" - {summary}" if summary else " - no findings"),
        f"project: {meta.project}",
        f"database: {meta.target or 'none (static checks only)'}",
    ]
    lines += [f"note: {n}" for n in meta.notices]
    for fam in report.families:
        checked = ", ".join(f"{n} {what}" for what, n in fam.checked)
        lines.append(
            f"[{fam.family}] {fam.title}: {len(fam.findings)} findings, {len(fam.skipped)} skipped, "
            f"{len(fam.errors)} errors" + (f" ({checked})" if checked else "")
        )
    for error in report.errors:
        lines.append(f"ERROR [{error.family}] {error.message}")
    for finding in report.findings:
        new = f" [{finding.baseline}]" if finding.baseline else ""
        lines.append(
            f"{finding.severity.label.upper():8} {finding.rule_id}{new} {finding.location}: {finding.message}"
        )
        if finding.fix:
            lines.append(f"         fix: {finding.fix}")
    for waived in report.waived:
        lines.append(
            f"WAIVED   {waived.finding.rule_id} {waived.finding.location}: {waived.finding.message}"
            f" (until {waived.expires}: {waived.reason})"
        )
    for item in report.skipped:
        lines.append(f"SKIPPED  [{item.family}] {item.what}: {item.reason}")
    for proof in report.verified:
        lines.append(f"OK       [{proof.family}] {proof.what} ({proof.evidence})")
    return "\n".join(lines) + "\n"
