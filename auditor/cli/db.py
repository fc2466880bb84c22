"""``auditor db``: apply, revert and inspect migrations (the only commands that write)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from auditor.cli.common import UsageFailure, db_option, settings

if TYPE_CHECKING:
    from auditor.migrate.runner import Runner
    from auditor.migrate.state import MigrationStatus


@click.group()
def db() -> None:
    """Apply, revert and inspect migrations, with the project's own tool's bookkeeping.

    Diesel, golang-migrate, sqlx, Flyway and dbmate: each layout's own table and
    transaction rules, so the project can switch between its tool and these commands.

    \b
    Example:
        auditor --db "$DATABASE_URL" db migrate
        auditor db status
    """


def _runner(ctx: click.Context, db_value: str | None) -> tuple[Runner, str]:
    # psycopg loads only when a db command runs
    from auditor.migrate.layouts import load_migrations
    from auditor.migrate.runner import Runner
    from auditor.migrate.selection import selected_target

    opts = settings(ctx, db_value)
    config = opts.config()
    migrations = load_migrations(opts.migrations_dir(config), config.layout())
    target = ctx.with_resource(selected_target(opts.db_value(config), opts.migrations_dir(config)))
    return Runner(target.dsn, migrations), target.label


@db.command()
@db_option
@click.pass_context
def migrate(ctx: click.Context, db: str | None) -> None:
    """Apply every pending migration, in order, with its tool's transaction rules.

    Refuses to run while the tool's table records a failed (dirty) migration.

    \b
    Example:
        auditor --db postgresql://app@localhost/app db migrate
    """
    runner, label = _runner(ctx, db)
    done = runner.migrate()
    for migration in done:
        click.echo(f"applied  {migration.label}")
    click.echo(f"{len(done)} migration(s) applied to {label}")


@db.command()
@db_option
@click.option(
    "-n",
    "count",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="How many to revert.",
)
@click.pass_context
def rollback(ctx: click.Context, db: str | None, count: int) -> None:
    """Revert the latest applied migrations with their down.sql.

    \b
    Example:
        auditor db rollback -n 2
    """
    runner, label = _runner(ctx, db)
    done = runner.rollback(count)
    for migration in done:
        click.echo(f"reverted {migration.label}")
    click.echo(f"{len(done)} migration(s) reverted on {label}")


@db.command()
@db_option
@click.option(
    "-n", "count", type=click.IntRange(min=1), default=None, help="How many to redo [default: 1]."
)
@click.option("--all", "redo_all", is_flag=True, help="Redo every applied migration.")
@click.pass_context
def redo(ctx: click.Context, db: str | None, count: int | None, redo_all: bool) -> None:
    """Revert then re-apply the latest applied migrations (proves down and up run).

    -n N redoes the N latest applied migrations, --all every applied one; only the
    reverted ones are re-applied: pending migrations stay pending (use migrate).

    \b
    Example:
        auditor db redo --all
    """
    if redo_all and count is not None:
        raise UsageFailure("give either -n or --all, not both")
    runner, label = _runner(ctx, db)
    done = runner.redo(None if redo_all else (count or 1))
    for migration in reversed(done):
        click.echo(f"redone   {migration.label}")
    click.echo(f"{len(done)} migration(s) redone on {label}")


def _state(status: MigrationStatus) -> str:
    if status.dirty:
        return "FAILED (dirty)"
    if status.missing_locally:
        return "applied, missing locally"
    if not status.applied:
        return "pending"
    if status.edited:
        return "applied, EDITED since"
    return "applied" if status.checksum_known else "applied (no checksum)"


@db.command()
@db_option
@click.pass_context
def status(ctx: click.Context, db: str | None) -> None:
    """List every migration and whether it is applied or edited since (read-only).

    Reads the tool's own table. Exit 1 when a migration is pending, edited, failed
    (dirty) or missing locally.

    \b
    Example:
        auditor db status
    """
    runner, label = _runner(ctx, db)
    statuses = runner.status()
    click.echo(f"database: {label}")
    for item in statuses:
        run_on = item.run_on.isoformat(sep=" ", timespec="seconds") if item.run_on else ""
        click.echo(f"{item.version:<16} {item.name:<32} {_state(item):<26} {run_on}".rstrip())
    problems = [s for s in statuses if not s.applied or s.edited or s.missing_locally or s.dirty]
    ctx.exit(1 if problems else 0)


@db.command()
@db_option
@click.pass_context
def verify(ctx: click.Context, db: str | None) -> None:
    """Prove every migration reversible on a scratch database (never the one given).

    Applies every migration, then from the last to the first runs down.sql and
    compares the schema with the one before up.sql, re-applies up.sql and compares
    again. With --db (or DATABASE_URL) the scratch database is created on that server
    and dropped afterwards (needs CREATEDB); otherwise an embedded server is used. Column
    order is not compared: a down.sql that re-adds a column cannot restore its place
    (printed as a note). Exit 1 when a migration is not exactly reversible.

    \b
    Example:
        auditor db verify
        auditor --db postgresql://postgres@localhost/postgres db verify
    """
    from auditor.db.target import explicit_dsn, target_for
    from auditor.migrate.layouts import load_migrations
    from auditor.migrate.verify import scratch_database, verify_reversibility

    opts = settings(ctx, db)
    config = opts.config()
    migrations = load_migrations(opts.migrations_dir(config), config.layout())
    chosen = explicit_dsn(opts.db_value(config))
    target = target_for(*chosen) if chosen else None
    with scratch_database(target) as (dsn, where):
        click.echo(f"scratch: {where}")
        report = verify_reversibility(dsn, migrations)
    for issue in report.issues:
        state = "note" if issue.kind == "order" else "FAIL"
        click.echo(f"{state:<8} {issue.migration.label}: {issue.kind} ({issue.script})")
        for line in issue.differences:
            click.echo(f"         {line}")
    click.echo(
        f"{report.checked} of {len(migrations)} migration(s) reverted and re-applied; "
        f"{len(report.problems)} problem(s)"
    )
    ctx.exit(1 if report.problems else 0)
