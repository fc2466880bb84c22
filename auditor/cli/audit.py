"""``auditor audit``: every family, one report, one exit code."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import click

from auditor.cli.common import UsageFailure, db_option, settings, write_output
from auditor.database import READ_ONLY_NOTICE, connect, selected_target
from auditor.engine import AuditContext, run_families
from auditor.families import all_families, family_names
from auditor.families.static_schema import NO_DATABASE_NOTE
from auditor.findings import Severity
from auditor.report import render, renderers

SEVERITIES = [s.label for s in Severity]


@click.command()
@db_option
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    help="Exit 1 at or above this severity [default: high].",
)
@click.option(
    "--format", "fmt", type=click.Choice(sorted(renderers())), default="text", show_default=True
)
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here."
)
@click.option(
    "--only", multiple=True, metavar="FAMILY", help="Run only these families (repeatable)."
)
@click.option(
    "--skip", multiple=True, metavar="FAMILY", help="Do not run these families (repeatable)."
)
@click.option(
    "--no-db",
    "no_db",
    is_flag=True,
    help="No database: the schema is audited from the migration files (static model).",
)
@click.pass_context
def audit(
    ctx: click.Context,
    db: str | None,
    fail_on: str | None,
    fmt: str,
    output: Path | None,
    only: tuple[str, ...],
    skip: tuple[str, ...],
    no_db: bool,
) -> None:
    """Audit everything: schema, migrations, secrets, dependencies, hardening.

    Exit 0 when nothing is at or above --fail-on, 1 when something is, 2 when the
    audit could not be completed.

    \b
    Example:
        auditor audit
        auditor --db postgresql://app@db/app audit --fail-on medium --format md --output report.md
        auditor audit --no-db              # pre-push: migrations read statically
    """
    opts = settings(ctx, db)
    config = opts.config()
    threshold = Severity.parse(fail_on) if fail_on else (config.fail_on() or Severity.HIGH)
    known = set(family_names())
    for name in (*only, *skip):
        if name not in known:
            raise UsageFailure(f"unknown family {name!r} (choose from {', '.join(sorted(known))})")
    families = [f for f in all_families() if (not only or f.name in only) and f.name not in skip]
    migrations = opts.migrations_dir(config)
    if no_db:
        report = run_families(
            families,
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
        notices = (
            ("embedded throwaway database; the project's migrations were applied to it",)
            if target.disposable
            else (READ_ONLY_NOTICE,)
        )
        report = run_families(
            families,
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
