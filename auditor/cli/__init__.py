"""The command line: a thin click layer over the library.

Parse options, call the library, render, exit with the contract's code:
0 clean, 1 findings at or above ``--fail-on``, 2 the run could not be completed.
"""

from __future__ import annotations

from pathlib import Path

import click

from auditor import __version__
from auditor.cli.common import AuditorGroup, Settings, global_options


@click.group(cls=AuditorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@global_options
@click.version_option(__version__, prog_name="auditor")
@click.pass_context
def cli(
    ctx: click.Context,
    db: str | None,
    config_path: Path | None,
    migrations: Path | None,
    project: Path,
) -> None:
    """Security and compliance audit for PostgreSQL-backed projects.

    \b
    Example:
        auditor audit                      # everything, embedded database
        auditor --db "$DATABASE_URL" audit --format md --output report.md
    """
    ctx.obj = Settings(db=db, config_path=config_path, migrations=migrations, project=project)


def _register() -> None:
    from auditor.cli.audit import audit
    from auditor.cli.db import db
    from auditor.cli.deps import deps
    from auditor.cli.drift import drift
    from auditor.cli.hardening import hardening
    from auditor.cli.hook import hook
    from auditor.cli.init_cmd import init
    from auditor.cli.migrations import migrations
    from auditor.cli.rules_cmd import explain, rules
    from auditor.cli.schema import schema
    from auditor.cli.secrets import secrets

    schema.add_command(drift)

    for command in (
        audit,
        db,
        schema,
        migrations,
        secrets,
        deps,
        hardening,
        rules,
        explain,
        hook,
        init,
    ):
        cli.add_command(command)


_register()


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="auditor")
