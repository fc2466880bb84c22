"""Renderers: every output format renders from one :class:`~auditor.core.findings.Report`.

The formats are registered once in :mod:`auditor.report.formats` (name, description,
aliases, file extension, renderer); :func:`render` dispatches through that registry,
so an unknown format is an error and a new format is one module plus one entry.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from auditor.core.findings import Report
from auditor.report.formats import (
    ALIASES,
    FORMATS,
    REGISTRY,
    Format,
    Renderer,
    RenderOptions,
    get_format,
)


def renderers() -> dict[str, Renderer]:
    """Format name to renderer; imports every renderer (jinja2 among them): for the
    names alone, use :data:`FORMATS`."""
    return {f.name: f.load() for f in REGISTRY}


def format_name(fmt: str) -> str:
    """The canonical format name (aliases resolved); ``ValueError`` for an unknown one."""
    return get_format(fmt).name


def render(
    report: Report,
    fmt: str,
    *,
    template: str | Path | None = None,
    color: bool = False,
    full_report: str | None = None,
    options: RenderOptions | None = None,
) -> str:
    """Render ``report`` in format ``fmt``; raise ``ValueError`` for an unknown format.

    ``template`` and ``full_report`` apply to ``md``; ``color`` to ``text``; ``options``
    carries them all (the keyword arguments, when given, override it).
    """
    opts = options or RenderOptions()
    if template is not None:
        opts = replace(opts, template=template)
    if full_report is not None:
        opts = replace(opts, full_report=full_report)
    if color:
        opts = replace(opts, color=True)
    return get_format(fmt).load()(report, opts)


__all__ = [
    "ALIASES",
    "FORMATS",
    "REGISTRY",
    "Format",
    "RenderOptions",
    "Renderer",
    "format_name",
    "get_format",
    "render",
    "renderers",
]
