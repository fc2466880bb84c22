"""The markdown report (jinja2), for pull requests."""

from __future__ import annotations

import re

import jinja2

from auditor.findings import Report, Severity
from auditor.resources import templates

DEFAULT_TEMPLATE = "report.md.j2"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def md_escape(value: object) -> str:
    """Escape text taken from input so it cannot break a table or inject markup."""
    text = " ".join(str(value).split())
    return _MD_SPECIAL.sub(r"\\\1", text.replace("&", "&amp;"))


def environment() -> jinja2.Environment:
    """The jinja2 environment over the shipped templates."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates())),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_escape
    return env


def render_markdown(report: Report, template: str = DEFAULT_TEMPLATE) -> str:
    """Render the markdown report with ``template``."""
    counts = report.counts()
    return (
        environment()
        .get_template(template)
        .render(
            report=report,
            meta=report.metadata,
            counts=[(s.label, counts[s]) for s in reversed(Severity)],
            findings=report.findings,
        )
    )
