"""Renderers: every output format renders from one :class:`~auditor.core.findings.Report`.

``md`` (PR markdown), ``json`` (versioned, documented in ``docs/report-json.md``),
``sarif`` (SARIF 2.1.0, one run per family), ``junit`` (JUnit XML, one suite per
family) and ``text`` (the terminal view).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from auditor.core.findings import Report

Renderer = Callable[[Report], str]

FORMATS = ("text", "md", "json", "sarif", "junit")
ALIASES = {"markdown": "md", "xml": "junit", "terminal": "text"}


def format_name(fmt: str) -> str:
    """The canonical format name (aliases resolved); ``ValueError`` for an unknown one."""
    name = ALIASES.get(fmt.strip().lower(), fmt.strip().lower())
    if name not in FORMATS:
        choices = ", ".join(sorted((*FORMATS, *ALIASES)))
        raise ValueError(f"unknown format {fmt!r} (choose from {choices})")
    return name


def render(
    report: Report,
    fmt: str,
    *,
    template: str | Path | None = None,
    color: bool = False,
    full_report: str | None = None,
) -> str:
    """Render ``report`` in format ``fmt``; raise ``ValueError`` for an unknown format.

    ``template`` and ``full_report`` apply to ``md``; ``color`` to ``text``.
    """
    name = format_name(fmt)
    if name == "md":
        from auditor.report.markdown import render_markdown  # jinja2: only for markdown

        return render_markdown(report, template, full_report=full_report)
    if name == "text":
        from auditor.report.text import render_text

        return render_text(report, color=color)
    if name == "json":
        from auditor.report.json_report import render_json

        return render_json(report)
    if name == "sarif":
        from auditor.report.sarif import render_sarif

        return render_sarif(report)
    from auditor.report.junit import render_junit

    return render_junit(report)
