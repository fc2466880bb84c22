"""``auditor schema drift``: compare a live database with the static model of its migrations."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import click

from auditor.cli.common import UsageFailure, db_option, report_options, settings, write_output
from auditor.core.findings import Severity
from auditor.migrate.layouts import LAYOUTS
from auditor.report import render

SEVERITIES = [s.label for s in Severity]


def layout_option(fn: click.decorators.FC) -> click.decorators.FC:
    """``--layout``: force a migration layout instead of detecting it."""
    return click.option(
        "--layout",
        type=click.Choice(LAYOUTS),
        help="Migration layout [default: detected from the directory].",
    )(fn)


@click.command()
@db_option
@layout_option
@click.option("--fail-on", type=click.Choice(SEVERITIES), help="Exit 1 at or above this severity.")
@report_options
@click.pass_context
def drift(
    ctx: click.Context,
    db: str | None,
    layout: str | None,
    fail_on: str | None,
    fmt: str,
    output: Path | None,
) -> None:
    """Report every difference between a live database and its applied migrations.

    Replays the migrations the database records as applied (no database writes) and
    compares that static model with pg_catalog: objects made by hand (DRF001), objects
    dropped out of band or never created (DRF002), objects changed (DRF003). Each
    difference names the database object and the migration file and line.

    \b
    Example:
        auditor schema drift --db "$DATABASE_URL"
        auditor --migrations db/migrations schema drift --db postgresql://app@prod/app --format md
    """
    # psycopg and sqlglot load only when this command runs
    from auditor.core.family import AuditContext, run_families
    from auditor.db.target import READ_ONLY_NOTICE, connect, explicit_dsn
    from auditor.families.drift.family import DriftFamily
    from auditor.migrate.selection import selected_target

    opts = settings(ctx, db)
    config = opts.config()
    dsn_value = opts.db_value(config)
    if explicit_dsn(dsn_value) is None:
        raise UsageFailure("schema drift needs a database: give --db DSN or set DATABASE_URL")
    threshold = Severity.parse(fail_on) if fail_on else (config.fail_on() or Severity.HIGH)
    migrations = opts.migrations_dir(config)
    with ExitStack() as stack:
        target = stack.enter_context(selected_target(dsn_value, migrations))
        connect(target.dsn).close()  # unreachable: one-line error, exit 2 (as `audit` does)
        report = run_families(
            [DriftFamily(layout)],
            AuditContext(
                project=opts.project,
                migrations=migrations,
                config=config,
                database=target,
                fail_on=threshold,
            ),
            notices=(READ_ONLY_NOTICE,),
        )
    write_output(render(report, fmt), output)
    ctx.exit(report.exit_code)
