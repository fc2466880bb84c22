"""The registry of report formats: each format is registered once, here.

A format is one module of :mod:`auditor.report` with a renderer
``render_format(report, options) -> str``; this table gives its name, description,
aliases and file extension, and names the renderer as ``"module:function"`` so that
listing the formats (``--format`` choices and help) imports no renderer (jinja2,
xml). Dispatch goes through :func:`get_format`: an unknown name is an error, never a
silent fallback to another format, and a test checks that every entry's renderer
resolves.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from auditor.core.findings import Report


@dataclass(frozen=True)
class RenderOptions:
    """What a caller may tune; each renderer reads only the fields it needs."""

    template: str | Path | None = None
    """Jinja2 template (``md``)."""
    color: bool = False
    """ANSI colours (``text``)."""
    full_report: str | None = None
    """Where the complete reports are, for the markdown's cut note (``md``)."""
    stand_in: str | None = None
    """The file a finding with no file of its own is placed at (formats whose consumers
    need a file for every result: SARIF, annotations, GitLab); None chooses one, see
    :func:`auditor.report.placement.stand_in_file`."""


Renderer = Callable[["Report", RenderOptions], str]


@dataclass(frozen=True)
class Format:
    """One report format."""

    name: str
    """Canonical name given to ``--format``."""
    description: str
    """One line for ``--help`` and the README."""
    extension: str
    """Usual file name ending (``.sarif``), for documentation and defaults."""
    renderer: str
    """``"module:function"`` of the renderer, imported only when used."""
    aliases: tuple[str, ...] = ()
    """Other accepted names."""

    def load(self) -> Renderer:
        """The renderer function (imports its module)."""
        module_name, _, attr = self.renderer.partition(":")
        fn: Renderer = getattr(importlib.import_module(module_name), attr)
        return fn


def _fmt(name: str, description: str, extension: str, target: str, *aliases: str) -> Format:
    """A registry entry; ``target`` is ``module`` (its ``render_format``) or ``module:function``."""
    module, _, function = target.partition(":")
    renderer = f"auditor.report.{module}:{function or 'render_format'}"
    return Format(name, description, extension, renderer, aliases)


REGISTRY: tuple[Format, ...] = (
    _fmt("text", "terminal summary", ".txt", "text", "terminal"),
    _fmt("md", "pull-request markdown report", ".md", "markdown", "markdown"),
    _fmt("json", "versioned JSON report (docs/report-json.md)", ".json", "json_report"),
    _fmt("sarif", "SARIF 2.1.0 for GitHub code scanning", ".sarif", "sarif"),
    _fmt("junit", "JUnit XML, one suite per family", ".xml", "junit", "xml"),
    _fmt(
        "github",
        "GitHub Actions workflow commands (annotations)",
        ".txt",
        "github",
        "annotations",
        "gha",
    ),
    _fmt("rdjson", "reviewdog Diagnostic Format (rdjson)", ".json", "rdjson", "reviewdog"),
    _fmt(
        "codequality",
        "GitLab Code Quality (CodeClimate JSON)",
        ".json",
        "codequality",
        "codeclimate",
        "gitlab-codequality",
    ),
    _fmt("gitlab-sast", "GitLab SAST security report", ".json", "gitlab:render_sast", "gl-sast"),
    _fmt(
        "gitlab-secrets",
        "GitLab secret detection security report",
        ".json",
        "gitlab:render_secrets",
        "gl-secrets",
        "gitlab-secret-detection",
    ),
    _fmt(
        "gitlab-deps",
        "GitLab dependency scanning security report",
        ".json",
        "gitlab:render_deps",
        "gl-deps",
        "gitlab-dependency-scanning",
    ),
    _fmt(
        "cyclonedx",
        "CycloneDX 1.6 SBOM of the audited dependencies, with their vulnerabilities",
        ".cdx.json",
        "cyclonedx",
        "sbom",
        "cdx",
    ),
)
"""Every format, in the order ``--help`` lists them."""

BY_NAME: dict[str, Format] = {f.name: f for f in REGISTRY}
ALIASES: dict[str, str] = {a: f.name for f in REGISTRY for a in f.aliases}
FORMATS: tuple[str, ...] = tuple(BY_NAME)
"""The canonical names."""


def get_format(name: str) -> Format:
    """The format called ``name`` (or an alias, any case); ``ValueError`` naming the choices."""
    key = name.strip().lower()
    found = BY_NAME.get(ALIASES.get(key, key))
    if found is None:
        choices = ", ".join(sorted((*FORMATS, *ALIASES)))
        raise ValueError(f"unknown format {name!r} (choose from {choices})")
    return found


def help_text() -> str:
    """``name (description)`` for every format, for ``--format`` help."""
    return "; ".join(f"{f.name} ({f.description})" for f in REGISTRY)
