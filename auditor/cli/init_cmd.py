"""``auditor init``: write a commented starter configuration."""

from __future__ import annotations

import re
from pathlib import Path

import click

from auditor.cli.common import UsageFailure, settings, write_output
from auditor.core.config import load_config
from auditor.families.starter import PACK_TEMPLATE, detect, pack_template, starter_config


@click.command()
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write it [default: auditor.toml in the project root].",
)
@click.option("--stdout", "to_stdout", is_flag=True, help="Print it instead of writing a file.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.pass_context
def init(ctx: click.Context, output: Path | None, to_stdout: bool, force: bool) -> None:
    """Write a commented starter auditor.toml for this repository.

    Detects the migrations directory and its layout, and the dependency files; with
    migrations, also writes auditor-schema.toml: a commented rule pack of candidate
    requirements inferred from the project's tables.

    \b
    Example:
        auditor init
        auditor --project ../app init --stdout
    """
    root = settings(ctx).project.resolve()
    found = detect(root)
    text = starter_config(found)
    if to_stdout:
        click.echo(text, nl=False)
        return
    target = output or root / "auditor.toml"
    if target.exists() and not force:
        raise UsageFailure(f"{target} exists; use --force to overwrite it")
    pyproject = root / "pyproject.toml"
    if (
        output is None
        and pyproject.is_file()
        and re.search(
            r"^\[\[?tool\.auditor[\].]",
            pyproject.read_text(encoding="utf-8", errors="replace"),
            re.MULTILINE,
        )
    ):
        raise UsageFailure(
            f"{pyproject} already has [tool.auditor]; an auditor.toml would take precedence "
            "(use --output to write one anyway)"
        )
    write_output(text, target)
    load_config(target)  # what we wrote must load: fail loudly if not
    click.echo(f"wrote {target}")
    template = pack_template(root, found)
    pack = target.parent / PACK_TEMPLATE
    if template is not None and (force or not pack.exists()):
        write_output(template, pack)
        click.echo(f"wrote {pack} (candidate requirements from your tables, commented out)")
