"""The command line: a thin click layer over the library.

Parse options, call the library, render, exit with the contract's code:
0 clean, 1 findings at or above ``--fail-on``, 2 the run could not be completed.
"""

from __future__ import annotations

from pathlib import Path

import click

from auditor import __version__
from auditor.cli.common import AuditorGroup, Settings, global_options

COMMANDS: dict[str, str] = {
    "audit": "auditor.cli.audit:audit",
    "db": "auditor.cli.db:db",
    "schema": "auditor.cli.schema:schema",
    "migrations": "auditor.cli.migrations:migrations",
    "secrets": "auditor.cli.secrets:secrets",  # pragma: allowlist secret
    "deps": "auditor.cli.deps:deps",
    "hardening": "auditor.cli.hardening:hardening",
    "rules": "auditor.cli.rules_cmd:rules",
    "explain": "auditor.cli.rules_cmd:explain",
    "hook": "auditor.cli.hook:hook",
    "init": "auditor.cli.init_cmd:init",
}
"""Subcommand name -> ``"module:attribute"``: a command's module (and what it imports)
is loaded only when that command runs or shows its help (see :mod:`auditor.cli.lazy`)."""


@click.group(
    cls=AuditorGroup,
    lazy_subcommands=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
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


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="auditor")
