"""``auditor schema check``: are the required constraints enforced by the database?"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

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
from auditor.cli.drift import layout_option
from auditor.cli.lazy import LazyGroup

if TYPE_CHECKING:
    from auditor.core.family import Family


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
@fail_on_option("Exit 1 at or above this severity.")
@report_options
@policy_options()
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
    report_baseline: Path | None,
    fail_on_new: bool,
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
    from auditor.core.policy import threshold
    from auditor.families.schema.live_family import SchemaFamily
    from auditor.families.schema.rulepacks import RulePackError, load_rule_packs
    from auditor.families.schema.settings import SchemaOptions
    from auditor.families.schema.static_family import (
        NO_DATABASE_NOTE,
        StaticOptions,
        StaticSchemaFamily,
    )

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
    family: Family = (
        StaticSchemaFamily(StaticOptions(layout=layout, force=True, schema=options))
        if static
        else SchemaFamily(options)
    )
    run_standalone(
        ctx,
        opts,
        config,
        family,
        fail_on=threshold(config, fail_on),
        fmt=fmt,
        output=output,
        report_baseline=report_baseline,
        fail_on_new=fail_on_new,
        database=not static,
        notices=(NO_DATABASE_NOTE,) if static else (),
    )
