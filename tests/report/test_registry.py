"""The format registry: every format registered once, dispatch exhaustive, CLI and README from it."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.report import FORMATS, REGISTRY, get_format, render, renderers
from auditor.report.formats import ALIASES
from tests.paths import REPO_ROOT
from tests.report_samples import sample_report


@pytest.mark.parametrize("fmt", [f.name for f in REGISTRY])
def test_every_registered_format_has_a_renderer(fmt: str) -> None:
    entry = get_format(fmt)
    renderer = entry.load()
    assert callable(renderer)
    assert entry.description and entry.extension.startswith(".")
    assert render(sample_report(), fmt).strip()


def test_renderers_are_distinct_and_names_unambiguous() -> None:
    table = renderers()
    assert list(table) == list(FORMATS)
    assert len({f.renderer for f in REGISTRY}) == len(REGISTRY)
    assert not set(ALIASES) & set(FORMATS)
    assert len(ALIASES) == sum(len(f.aliases) for f in REGISTRY)


def test_unknown_format_is_an_error_not_a_fallback() -> None:
    with pytest.raises(ValueError, match="unknown format 'pdf'"):
        render(sample_report(), "pdf")
    assert get_format(" Markdown ").name == "md"
    assert get_format("reviewdog").name == "rdjson"


def test_cli_format_help_lists_every_format() -> None:
    for command in (["audit", "--help"], ["hardening", "check", "--help"]):
        result = CliRunner().invoke(cli, command)
        assert result.exit_code == 0, result.output
        text = " ".join(result.output.split())
        for entry in REGISTRY:
            assert entry.name in text, (command, entry.name)


def test_single_report_commands_accept_every_format_and_alias() -> None:
    import click

    from auditor.cli.common import report_options

    @click.command()
    @report_options
    def probe(fmt: str, output: object) -> None:
        click.echo(get_format(fmt).name)

    for name in (*FORMATS, *ALIASES):
        result = CliRunner().invoke(probe, ["--format", name])
        assert result.exit_code == 0, (name, result.output)
        assert result.output.strip() == get_format(name).name


def test_readme_documents_every_format() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("**Report formats.**", 1)[1].split("\n### ", 1)[0]
    bullets = "\n".join(line for line in section.splitlines() if line.startswith("- **"))
    documented = set(re.findall(r"\*\*([a-z-]+)\*\*", bullets))
    assert documented == set(FORMATS)
