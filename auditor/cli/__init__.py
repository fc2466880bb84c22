"""The command line: a thin click layer over the library.

Parse options, call the library, render, exit with the contract's code:
0 clean, 1 findings at or above ``--fail-on``, 2 the run could not be completed.
"""

from __future__ import annotations

import os
import sys
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
    "publish": "auditor.cli.publish:publish",
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
    reference: bool,
) -> None:
    """Security and compliance audit for PostgreSQL-backed projects.

    \b
    Example:
        auditor audit                      # everything, embedded database
        auditor --db "$DATABASE_URL" audit --format md --output report.md
        auditor --reference audit          # the shipped reference project
    """
    ctx.obj = Settings(
        db=db, config_path=config_path, migrations=migrations, project=project, reference=reference
    )


def main() -> None:
    """Console-script entry point.

    An unexpected exception (a bug) still exits 2, "could not be completed", never 1,
    which a CI gate would read as "findings"; its traceback is printed with any
    password of the DSNs in play redacted.
    """
    from auditor.core import interrupt

    interrupt.install()
    try:
        cli(prog_name="auditor")
    except interrupt.Interrupted as signalled:  # Ctrl-C, SIGTERM: cleaned up, exit 2
        sys.exit(interrupt.report(signalled))
    except SystemExit:
        swallowed = interrupt.received()  # turned into an error on the way (a library)
        if swallowed is not None:
            sys.exit(interrupt.report(swallowed))
        raise
    except Exception as exc:  # a bug, not a user error: fail closed with exit 2
        swallowed = interrupt.received()
        sys.exit(interrupt.report(swallowed) if swallowed is not None else _crash(exc))


def _crash(exc: Exception) -> int:
    from auditor.core.crash import report_crash

    return report_crash(exc, _dsns_in_play())


def _dsns_in_play() -> list[str]:
    """The DSNs given on the command line or in ``DATABASE_URL`` (to scrub a traceback)."""
    args = sys.argv[1:]
    found = [os.environ.get("DATABASE_URL", "")]
    for i, arg in enumerate(args):
        if arg == "--db" and i + 1 < len(args):
            found.append(args[i + 1])
        elif arg.startswith("--db="):
            found.append(arg[len("--db=") :])
    return [d for d in found if d]
