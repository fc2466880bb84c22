"""``auditor schema drift``: compare a live database with the static model of its migrations."""

from __future__ import annotations

from pathlib import Path

import click

from auditor.cli.common import (
    UsageFailure,
    db_option,
    fail_on_option,
    policy_options,
    report_options,
    run_standalone,
    settings,
)
from auditor.migrate.layouts import LAYOUTS


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
@fail_on_option("Exit 1 at or above this severity.")
@report_options
@policy_options()
@click.pass_context
def drift(
    ctx: click.Context,
    db: str | None,
    layout: str | None,
    fail_on: str | None,
    fmt: str,
    output: Path | None,
    report_baseline: Path | None,
    fail_on_new: bool,
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
    from auditor.core.policy import threshold
    from auditor.db.target import explicit_dsn
    from auditor.families.drift.family import DriftFamily

    opts = settings(ctx, db)
    config = opts.config()
    if explicit_dsn(opts.db_value(config)) is None:
        raise UsageFailure("schema drift needs a database: give --db DSN or set DATABASE_URL")
    run_standalone(
        ctx,
        opts,
        config,
        DriftFamily(layout),
        fail_on=threshold(config, fail_on),
        fmt=fmt,
        output=output,
        report_baseline=report_baseline,
        fail_on_new=fail_on_new,
    )
