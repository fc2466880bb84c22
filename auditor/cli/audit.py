"""``auditor audit``: every family, one report, one exit code."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from auditor.cli.common import UsageFailure, db_option, echo_errors, fail_on_option, settings
from auditor.cli.outputs import output_options, parse_outputs
from auditor.core.profiles import DEFAULT_PROFILE, PROFILES


@click.command()
@db_option
@fail_on_option("Exit 1 at or above this severity [default: high].")
@output_options
@click.option(
    "--profile",
    type=click.Choice(list(PROFILES)),
    default=DEFAULT_PROFILE,
    show_default=True,
    help="Families and limits: pre-push (fast, no database, no network), ci, full.",
)
@click.option(
    "--only", multiple=True, metavar="FAMILY", help="Run only these families (repeatable)."
)
@click.option(
    "--skip", multiple=True, metavar="FAMILY", help="Do not run these families (repeatable)."
)
@click.option(
    "--changed-since",
    metavar="REF",
    help="Families that can look only at what changed since this git ref do so.",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A JSON report of the base branch: mark each finding new or existing.",
)
@click.option(
    "--fail-on-new",
    is_flag=True,
    help="Gate only on findings that are new versus --baseline (the report shows both).",
)
@click.option(
    "--no-db",
    "no_db",
    is_flag=True,
    help="No database: the schema is audited from the migration files (static model).",
)
@click.option(
    "--by",
    type=click.Choice(["control"]),
    help="Group the markdown report by CIS PostgreSQL control, with a status per control.",
)
@click.pass_context
def audit(
    ctx: click.Context,
    db: str | None,
    fail_on: str | None,
    fmt: tuple[str, ...],
    output: Path | None,
    profile: str,
    template: Path | None,
    only: tuple[str, ...],
    skip: tuple[str, ...],
    changed_since: str | None,
    baseline: Path | None,
    fail_on_new: bool,
    no_db: bool,
    by: str | None,
) -> None:
    """Audit everything: schema, migrations, secrets, dependencies, hardening, gates.

    Exit 0 when nothing is at or above --fail-on, 1 when something is, 2 when the
    audit could not be completed. Waived findings never fail; with --fail-on-new
    only findings absent from --baseline do.

    \b
    Example:
        auditor audit
        auditor --db postgresql://app@db/app audit --fail-on medium --format md --output report.md
        auditor audit --profile pre-push --changed-since origin/main
        auditor audit --format json --baseline main.json --fail-on-new
        auditor audit --format md=report.md --format sarif=auditor.sarif --format junit=junit.xml
        auditor audit --no-db              # no database: the schema from the migration files
        auditor --db postgresql://auditor@db/app audit --format md --by control
    """
    # the families, the database layer and the renderers load only when an audit runs
    from auditor.cli.outputs import announce_families, write_reports
    from auditor.core.baseline import load_baseline
    from auditor.core.pipeline import AuditRequest, run
    from auditor.core.policy import threshold

    opts = settings(ctx, db)
    config = opts.config()
    if fail_on_new and baseline is None:
        raise UsageFailure("--fail-on-new needs --baseline FILE (a JSON report of the base)")
    outputs = parse_outputs(fmt, output, template, by)
    migrations = opts.migrations_dir(config)
    from auditor.core.pipeline import select_families
    from auditor.families.starter import audited_project, nothing_to_audit

    request = AuditRequest(
        project=opts.project,
        migrations=migrations,
        config=config,
        profile=replace(PROFILES[profile], database=False) if no_db else PROFILES[profile],
        fail_on=threshold(config, fail_on),
        db_value=opts.db_value(config),
        only=only,
        skip=skip,
        changed_since=changed_since,
        baseline=load_baseline(baseline) if baseline else None,
        fail_on_new=fail_on_new,
        notices=(audited_project(opts.project, migrations),),
    )
    # --only: the chosen families report their own missing inputs; no family: run() says so
    empty = None if only else nothing_to_audit(opts.project, migrations)
    runnable = [
        f for f in select_families(request) if request.profile.database or not f.needs_database
    ]
    if empty is not None and runnable:
        raise UsageFailure(empty)
    report = run(request, wrap=announce_families)
    write_reports(report, outputs)
    echo_errors(report)
    ctx.exit(report.exit_code)
