"""GitHub Actions workflow commands: one annotation per finding, no GHAS needed.

``::error file=F,line=N,title=T::message`` (critical and high), ``::warning``
(medium), ``::notice`` (low and info), most severe first; an audit error is an
``::error`` without a file. Values are escaped as the runner reads them: ``%``,
CR and LF in the message; also ``:`` and ``,`` in properties. GitHub shows at most
10 annotations of each level per step (50 per job) inline; the rest stay in the log.
"""

from __future__ import annotations

from auditor.core.findings import Report, Severity
from auditor.report.formats import RenderOptions
from auditor.report.placement import described, placed_findings

COMMAND = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "notice",
    Severity.INFO: "notice",
}


def escape_data(text: str) -> str:
    """A command's message, escaped."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command property value (file, title), escaped."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, **props: str | int) -> str:
    """One workflow command line."""
    args = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items())
    return f"::{kind}{' ' + args if args else ''}::{escape_data(message)}"


def render_github(report: Report, stand_in: str | None = None) -> str:
    """The workflow commands, one line each."""
    lines = []
    for p in placed_findings(report, stand_in):
        f = p.finding
        message = described(p) + (f"\nFix: {f.fix}" if f.fix else "")
        title = f"{f.rule_id} ({f.severity.label})"
        lines.append(command(COMMAND[f.severity], message, file=p.file, line=p.line, title=title))
    for error in report.errors:
        lines.append(command("error", error.message, title=f"auditor: {error.family} incomplete"))
    return "".join(line + "\n" for line in lines)


def render_format(report: Report, options: RenderOptions) -> str:
    """The registered renderer (see :mod:`auditor.report.formats`)."""
    return render_github(report, options.stand_in)
