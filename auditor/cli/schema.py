"""``auditor schema check``: are the required constraints enforced by the database?"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import click

from auditor.cli.common import UsageFailure, db_option, report_options, settings, write_output
from auditor.cli.drift import layout_option
from auditor.cli.lazy import LazyGroup
from auditor.core.findings import Severity
from auditor.report import render

SEVERITIES = [s.label for s in Severity]


@click.group(cls=LazyGroup, lazy_subcommands={"drift": "auditor.cli.drift:drift"})
def schema() -> None:
    """Check the database schema against the required constraints.

    \b
    Example:
        auditor schema check
        auditor --db "$DATABASE_URL" schema check --rules rules/ --format md
    """


@schema.command()
@db_option
@click.option(
    "--rules",
    "rules",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Rule pack file or directory (repeatable) [default: the reference pack].",
)
@click.option(
    "--schema", "schemas", multiple=True, metavar="NAME", help="Schema to audit (repeatable)."
)
@click.option(
    "--prove/--no-prove",
    default=None,
    help="Probe each requirement with rows in a rolled-back transaction "
    "[default: on for the embedded database, off otherwise].",
)
@click.option(
    "--allow-writes",
    is_flag=True,
    help="Allow --prove on a database that is not disposable (everything is rolled back).",
)
@click.option(
    "--static",
    "static",
    is_flag=True,
    help="No database: check the static model replayed from the migration files.",
)
@layout_option
@click.option("--fail-on", type=click.Choice(SEVERITIES), help="Exit 1 at or above this severity.")
@report_options
@click.pass_context
def check(
    ctx: click.Context,
    db: str | None,
    rules: tuple[Path, ...],
    schemas: tuple[str, ...],
    prove: bool | None,
    allow_writes: bool,
    static: bool,
    layout: str | None,
    fail_on: str | None,
    fmt: str,
    output: Path | None,
) -> None:
    """Check that every requirement of the rule packs is enforced by the live database.

    Reads pg_catalog in a read-only session and matches constraints semantically
    (BETWEEN or two bounds, lower() or upper() indexes, citext, varchar limits...).
    --prove also asks PostgreSQL itself: it inserts violating and boundary rows in a
    transaction that is always rolled back.

    \b
    Example:
        auditor schema check                       # embedded database, proven
        auditor --db "$DATABASE_URL" schema check --rules rules/ --no-prove
        auditor --db postgresql://app@staging/app schema check --prove --allow-writes
        auditor schema check --static                # no database: the migration files
    """
    # the database layer, sqlglot (static model) and the rule packs load only when this runs
    from auditor.core.family import AuditContext, run_families
    from auditor.db.target import READ_ONLY_NOTICE, connect
    from auditor.families.schema.live_family import SchemaFamily
    from auditor.families.schema.rulepacks import RulePackError, load_rule_packs
    from auditor.families.schema.settings import SchemaOptions
    from auditor.families.schema.static_family import (
        NO_DATABASE_NOTE,
        StaticOptions,
        StaticSchemaFamily,
    )
    from auditor.migrate.selection import selected_target

    opts = settings(ctx, db)
    config = opts.config()
    base = SchemaOptions.from_config(config)
    options = SchemaOptions(
        rules=rules or base.rules,
        schemas=schemas or base.schemas,
        prove=prove if prove is not None else base.prove,
        allow_writes=allow_writes or base.allow_writes,
        extra_rules=base.extra_rules,
    )
    try:
        load_rule_packs(options.pack_paths())
    except RulePackError as exc:
        raise UsageFailure(str(exc)) from None
    threshold = Severity.parse(fail_on) if fail_on else (config.fail_on() or Severity.HIGH)
    migrations = opts.migrations_dir(config)
    if static:
        report = run_families(
            [StaticSchemaFamily(StaticOptions(layout=layout, force=True, schema=options))],
            AuditContext(
                project=opts.project, migrations=migrations, config=config, fail_on=threshold
            ),
            notices=(NO_DATABASE_NOTE,),
        )
        write_output(render(report, fmt), output)
        ctx.exit(report.exit_code)
    with ExitStack() as stack:
        target = stack.enter_context(selected_target(opts.db_value(config), migrations))
        connect(target.dsn).close()  # unreachable: one-line error, exit 2
        wants_prove = options.prove if options.prove is not None else target.disposable
        if wants_prove and not target.disposable and not options.allow_writes:
            raise UsageFailure(
                f"refusing to --prove on {target.label}: probing inserts rows (always rolled "
                "back); add --allow-writes to allow it on a database that is not disposable"
            )
        notices: tuple[str, ...] = (
            ("embedded throwaway database; the project's migrations were applied to it",)
            if target.disposable
            else (READ_ONLY_NOTICE,)
        )
        if wants_prove and not target.disposable:
            notices += ("--prove --allow-writes: probe rows were inserted and rolled back",)
        report = run_families(
            [SchemaFamily(options)],
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
