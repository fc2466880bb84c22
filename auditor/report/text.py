"""The terminal view: a compact summary, most severe first, coloured on a terminal.

Colour is used only when asked for (:func:`use_color`: a TTY, and ``NO_COLOR`` unset),
so logs and files get plain text.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import IO

import click

from auditor.core.findings import Report, Severity
from auditor.report.formats import RenderOptions

COLORS = {
    Severity.CRITICAL: "magenta",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "white",
}
VERDICT_COLORS = {"passed": "green", "failed": "red", "incomplete": "yellow"}
MAX_LISTED = 200
"""Findings listed on the terminal at most; the rest are counted."""


def use_color(stream: IO[str] | None = None, env: Mapping[str, str] | None = None) -> bool:
    """True when ``stream`` is a terminal and ``NO_COLOR`` is not set (https://no-color.org)."""
    env = os.environ if env is None else env
    if env.get("NO_COLOR"):
        return False
    target: IO[str] = stream if stream is not None else sys.stdout
    try:
        return bool(target.isatty())
    except (AttributeError, ValueError):
        return False


def render_text(report: Report, color: bool = False) -> str:
    """Plain-text report for a terminal or a log; ANSI colours only when ``color``."""

    def style(text: str, fg: str, bold: bool = False) -> str:
        return click.style(text, fg=fg, bold=bold) if color else text

    meta = report.metadata
    findings = report.findings
    counts = dict.fromkeys(Severity, 0)
    for f in findings:
        counts[f.severity] += 1
    summary = ", ".join(
        style(f"{counts[s]} {s.label}", COLORS[s]) for s in reversed(Severity) if counts[s]
    )
    verdict = style(report.verdict.upper(), VERDICT_COLORS[report.verdict], bold=True)
    lines = [
        f"auditor {meta.tool_version}: {verdict} (fail-on {meta.fail_on.label})"
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
        lines.append(style(f"ERROR    [{error.family}] {error.message}", "red", bold=True))
    for finding in findings[:MAX_LISTED]:
        label = style(f"{finding.severity.label.upper():8}", COLORS[finding.severity])
        new = " (new)" if finding.baseline == "new" else ""
        lines.append(f"{label} {finding.rule_id}{new} {finding.location}: {finding.message}")
        if finding.fix:
            lines.append(f"         fix: {' '.join(finding.fix.split())}")
    if len(findings) > MAX_LISTED:
        lines.append(
            f"... and {len(findings) - MAX_LISTED} more findings (use --format json for all)"
        )
    for waived in report.waived:
        f = waived.finding
        lines.append(
            f"WAIVED   {f.rule_id} {f.location}: {f.message} "
            f"(until {waived.expires}: {waived.reason})"
        )
    for item in report.skipped:
        lines.append(style(f"SKIPPED  [{item.family}] {item.what}: {item.reason}", "yellow"))
    for proof in report.verified:
        lines.append(
            style("OK", "green") + f"       [{proof.family}] {proof.what} ({proof.evidence})"
        )
    return "\n".join(lines) + "\n"


def render_format(report: Report, options: RenderOptions) -> str:
    """The registered renderer (see :mod:`auditor.report.formats`)."""
    return render_text(report, color=options.color)
