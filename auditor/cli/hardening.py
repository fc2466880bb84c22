"""``auditor hardening check``: the server hardening controls on one database."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import click

from auditor.cli.common import db_option, report_options, settings, write_output
from auditor.core.findings import Severity
from auditor.report import render

SEVERITIES = [s.label for s in Severity]


@click.group()
def hardening() -> None:
    """Server hardening: roles, settings, pg_hba.conf, privileges (read-only).

    \b
    Example:
        auditor --db "$DATABASE_URL" hardening check
    """


@hardening.command()
@db_option
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    help="Exit 1 at or above this severity [default: high].",
)
@report_options
@click.pass_context
def check(
    ctx: click.Context, db: str | None, fail_on: str | None, fmt: str, output: Path | None
) -> None:
    """Check the server against the hardening controls (HRD rules) in a read-only session.

    A control the auditing role cannot read is reported as skipped with the privilege
    it needs (see the README's minimal auditing role), never as passed.
    Exit 0 clean, 1 findings at or above --fail-on, 2 not completed.

    \b
    Example:
        auditor hardening check --db postgresql://auditor@db.internal/app
        auditor hardening check --fail-on medium --format md --output hardening.md
    """
    # the checks and the database layer load only when this command runs
    from auditor.core.family import AuditContext, run_families
    from auditor.db.target import READ_ONLY_NOTICE, connect
    from auditor.families.hardening.family import HardeningFamily
    from auditor.families.hardening.rules import HardeningPolicy
    from auditor.migrate.selection import selected_target

    opts = settings(ctx, db)
    config = opts.config()
    HardeningPolicy.from_config(config)  # configuration errors: one line, exit 2
    threshold = Severity.parse(fail_on) if fail_on else (config.fail_on() or Severity.HIGH)
    migrations = opts.migrations_dir(config)
    with ExitStack() as stack:
        target = stack.enter_context(selected_target(opts.db_value(config), migrations))
        connect(target.dsn).close()  # unreachable: one-line error, exit 2
        notices = (
            ("embedded throwaway database: its server settings are the tool's own, not yours",)
            if target.disposable
            else (READ_ONLY_NOTICE,)
        )
        report = run_families(
            [HardeningFamily()],
            AuditContext(
                project=opts.project,
                migrations=migrations,
                config=config,
                database=target,
                fail_on=threshold,
            ),
            notices=notices,
        )
    write_output(render(report, fmt), output)
    ctx.exit(report.exit_code)
