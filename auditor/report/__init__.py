"""Renderers: every output format renders from one :class:`~auditor.findings.Report`."""

from __future__ import annotations

from collections.abc import Callable

from auditor.findings import Report

Renderer = Callable[[Report], str]


def renderers() -> dict[str, Renderer]:
    """Format name to renderer."""
    from auditor.report.json_report import render_json
    from auditor.report.markdown import render_markdown
    from auditor.report.text import render_text

    return {"text": render_text, "md": render_markdown, "json": render_json}


def render(report: Report, fmt: str) -> str:
    """Render ``report`` in format ``fmt``; raise ``ValueError`` for an unknown format."""
    table = renderers()
    if fmt not in table:
        raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(sorted(table))})")
    return table[fmt](report)
