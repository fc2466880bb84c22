"""Output options of ``auditor audit``: several formats at once, each to its own file.

``--format md=report.md --format sarif=auditor.sarif`` writes both from the same
report; a plain ``--format md`` goes to ``--output`` (or standard output).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from auditor.cli.common import UsageFailure, write_output
from auditor.core.family import AuditContext, Family
from auditor.core.findings import FamilyResult, Report
from auditor.report import ALIASES, RenderOptions, format_name, render
from auditor.report.formats import BY_NAME, help_text
from auditor.report.placement import stand_in_file
from auditor.report.progress import interactive, step
from auditor.report.step_summary import append_step_summary
from auditor.report.text import use_color

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class OutputSpec:
    """One requested output: a format and its file (None: standard output)."""

    fmt: str
    path: Path | None


def output_options(fn: F) -> F:
    """``--format`` (repeatable, ``FMT`` or ``FMT=FILE``), ``--output`` and ``--template``."""
    decorators = [
        click.option(
            "--format",
            "fmt",
            multiple=True,
            metavar="FMT[=FILE]",
            help=(
                "Report format [default: text]. Repeatable; FMT=FILE writes that format "
                f"to FILE (e.g. --format sarif=auditor.sarif). Formats: {help_text()}."
            ),
        ),
        click.option(
            "--output",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Write the report given as a plain --format here (atomically).",
        ),
        click.option(
            "--template",
            type=click.Path(dir_okay=False, exists=True, path_type=Path),
            help="Jinja2 template for the markdown report (default: the shipped one).",
        ),
    ]
    for decorate in reversed(decorators):
        fn = decorate(fn)
    return fn


@dataclass(frozen=True)
class Outputs:
    """Every output to write, and the markdown template."""

    specs: tuple[OutputSpec, ...]
    template: Path | None = None
    by: str | None = None
    """``control``: the markdown report is grouped by CIS control (``--by control``)."""


def parse_outputs(
    formats: tuple[str, ...],
    output: Path | None,
    template: Path | None = None,
    by: str | None = None,
) -> Outputs:
    """Validate the output options; a bad combination is a usage error (exit 2)."""
    specs: list[OutputSpec] = []
    for value in formats or ("text",):
        name, sep, file = value.partition("=")
        try:
            fmt = format_name(name)
        except ValueError as exc:
            raise UsageFailure(str(exc)) from None
        if sep and not file.strip():
            raise UsageFailure(f"--format {value!r}: no file after '='")
        specs.append(OutputSpec(fmt, Path(file) if sep else None))
    plain = [s for s in specs if s.path is None]
    if len(plain) > 1:
        names = ", ".join(s.fmt for s in plain)
        raise UsageFailure(
            f"formats {names} would all go to one place; give each a file: --format FMT=FILE"
        )
    if plain and output is not None:
        specs[specs.index(plain[0])] = OutputSpec(plain[0].fmt, output)
    elif output is not None:
        raise UsageFailure("--output needs a plain --format (or use --format FMT=FILE)")
    paths = [s.path.resolve() for s in specs if s.path is not None]
    if len(paths) != len(set(paths)):
        raise UsageFailure("two formats would be written to the same file")
    if template is not None and not any(s.fmt == "md" for s in specs):
        raise UsageFailure("--template applies to the markdown report: add --format md")
    if by is not None and not any(s.fmt == "md" for s in specs):
        raise UsageFailure("--by control groups the markdown report: add --format md")
    return Outputs(tuple(specs), template, by)


def _full_report_hint(specs: tuple[OutputSpec, ...]) -> str | None:
    files = [
        f"`{s.path.as_posix()}` ({BY_NAME[s.fmt].description})"
        for s in specs
        if s.path and s.fmt in ("json", "sarif")
    ]
    return " and ".join(files) if files else None


def write_reports(report: Report, outputs: Outputs) -> None:
    """Render every requested format from the one report and write it; append the step summary."""

    hint = _full_report_hint(outputs.specs)
    stand_in = stand_in_file(report.metadata.project, os.environ)
    markdown: str | None = None
    for spec in outputs.specs:
        if spec.fmt == "md" and outputs.by == "control":
            from auditor.report.controls import render_controls

            text = render_controls(report)
        elif spec.fmt == "md":
            text = markdown = _markdown(report, outputs.template, hint)
        else:
            color = spec.path is None and use_color()
            options = RenderOptions(color=color, stand_in=stand_in)
            text = render(report, spec.fmt, options=options)
        write_output(text, spec.path)
    if markdown is None and _wants_summary():
        markdown = _markdown(report, outputs.template, hint)
    if markdown is not None:
        try:
            append_step_summary(markdown)
        except OSError as exc:
            raise UsageFailure(
                f"cannot append to GITHUB_STEP_SUMMARY: {exc.strerror or exc}"
            ) from None


def _markdown(report: Report, template: Path | None, hint: str | None) -> str:
    """The markdown report; a broken user template is a usage error (exit 2), not a crash."""
    import jinja2

    from auditor.report.markdown import render_markdown

    try:
        return render_markdown(report, template, full_report=hint)
    except jinja2.TemplateError as exc:
        where = f" {template}" if template else ""
        line = f" line {exc.lineno}" if isinstance(exc, jinja2.TemplateSyntaxError) else ""
        raise UsageFailure(f"markdown template{where}{line}: {exc}") from None


def _wants_summary() -> bool:
    return bool(os.environ.get("GITHUB_STEP_SUMMARY"))


class _Announced(Family):
    """A family that says on a terminal when it starts (progress of the audit)."""

    def __init__(self, inner: Family, index: int, total: int) -> None:
        self.inner = inner
        self.name = inner.name
        self.title = inner.title
        self.needs_database = inner.needs_database
        self.index = index
        self.total = total

    def run(self, ctx: AuditContext) -> FamilyResult:
        step(self.title or self.name, self.index, self.total)
        return self.inner.run(ctx)


def announce_families(families: list[Family]) -> list[Family]:
    """``families``, announcing each as it starts when stderr is a terminal."""
    if not interactive():
        return families
    return [_Announced(f, i, len(families)) for i, f in enumerate(families, 1)]


__all__ = [
    "ALIASES",
    "OutputSpec",
    "Outputs",
    "announce_families",
    "output_options",
    "parse_outputs",
    "write_reports",
]
