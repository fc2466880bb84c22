"""``auditor audit``: every family, one report, one exit code."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import click

from auditor.cli.common import UsageFailure, db_option, settings
from auditor.cli.outputs import (
    announce_families,
    output_options,
    parse_outputs,
    write_reports,
)
from auditor.database import READ_ONLY_NOTICE, connect, selected_target
from auditor.engine import AuditContext, run_families
from auditor.families import all_families, family_names
from auditor.findings import Severity

SEVERITIES = [s.label for s in Severity]


@click.command()
@db_option
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    help="Exit 1 at or above this severity [default: high].",
)
@output_options
@click.option(
    "--only", multiple=True, metavar="FAMILY", help="Run only these families (repeatable)."
)
@click.option(
    "--skip", multiple=True, metavar="FAMILY", help="Do not run these families (repeatable)."
)
@click.pass_context
def audit(
    ctx: click.Context,
    db: str | None,
    fail_on: str | None,
    fmt: tuple[str, ...],
    output: Path | None,
    template: Path | None,
    only: tuple[str, ...],
    skip: tuple[str, ...],
) -> None:
    """Audit everything: schema, migrations, secrets, dependencies, hardening.

    Exit 0 when nothing is at or above --fail-on, 1 when something is, 2 when the
    audit could not be completed.

    \b
    Example:
        auditor audit
        auditor --db postgresql://app@db/app audit --fail-on medium --format md --output report.md
        auditor audit --format md=report.md --format sarif=auditor.sarif --format junit=junit.xml
    """
    opts = settings(ctx, db)
    config = opts.config()
    threshold = Severity.parse(fail_on) if fail_on else (config.fail_on() or Severity.HIGH)
    known = set(family_names())
    for name in (*only, *skip):
        if name not in known:
            raise UsageFailure(f"unknown family {name!r} (choose from {', '.join(sorted(known))})")
    families = [f for f in all_families() if (not only or f.name in only) and f.name not in skip]
    outputs = parse_outputs(fmt, output, template)
    migrations = opts.migrations_dir(config)
    with ExitStack() as stack:
        target = stack.enter_context(selected_target(opts.db_value(config), migrations))
        connect(target.dsn).close()  # unreachable: one-line error, exit 2
        notices = (
            ("embedded throwaway database; the project's migrations were applied to it",)
            if target.disposable
            else (READ_ONLY_NOTICE,)
        )
        report = run_families(
            announce_families(families),
            AuditContext(
                project=opts.project,
                migrations=migrations,
                config=config,
                database=target,
                fail_on=threshold,
            ),
            notices=notices,
        )
    write_reports(report, outputs)
    ctx.exit(report.exit_code)
