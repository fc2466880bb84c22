"""``auditor migrations lint``: lint migration files before review (no database needed)."""

from __future__ import annotations

from pathlib import Path

import click

from auditor import __version__
from auditor.cli.common import UsageFailure, settings, write_output
from auditor.core.findings import Metadata, Report, Severity
from auditor.report import render


@click.group()
def migrations() -> None:
    """Check migration files without a database.

    \b
    Example:
        auditor migrations lint
    """


@migrations.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--changed-since",
    metavar="REF",
    help="Lint only files added or modified since this git ref (e.g. origin/main).",
)
@click.option(
    "--fail-on",
    type=click.Choice([s.label for s in Severity]),
    help="Exit 1 at or above this severity [default: configured, else high].",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "md", "json"]), default="text", show_default=True
)
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here."
)
@click.pass_context
def lint(
    ctx: click.Context,
    paths: tuple[Path, ...],
    changed_since: str | None,
    fail_on: str | None,
    fmt: str,
    output: Path | None,
) -> None:
    """Lint migrations for lock-taking, destructive and insecure statements.

    PATHS are migration directories, migration folders or .sql files (default:
    the migrations directory). Silence a finding with a reason in the SQL, right
    above the statement: `-- auditor-ignore LNT001: table has 40 rows`.

    \b
    Example:
        auditor migrations lint
        auditor migrations lint --changed-since origin/main
        auditor migrations lint migrations/2024-05-01-120000_add_orders --format json
    """
    # the linter and its rules load only when this command runs
    from auditor.core.family import now_iso
    from auditor.families.lint.engine import (
        LintInputError,
        changed_files,
        collect,
        family_result,
        lint_units,
        only_changed,
    )
    from auditor.families.lint.packs import configured_layout, configured_requirements
    from auditor.families.lint.settings import load_lint_config
    from auditor.families.schema.rulepacks import RulePackError

    opts = settings(ctx)
    config = opts.config()
    lint_config = load_lint_config(config)
    threshold = Severity.parse(fail_on) if fail_on else (config.fail_on() or Severity.HIGH)
    targets = list(paths) or [opts.migrations_dir(config)]
    started = now_iso()
    try:
        requirements = configured_requirements(config)
        units = collect(targets, opts.project, lint_config, configured_layout(config))
        notes: tuple[str, ...] = ()
        if changed_since is not None:
            changed = changed_files(opts.project, changed_since)
            total = len(units)
            units = only_changed(units, opts.project, changed)
            notes = (f"--changed-since {changed_since}: {len(units)} of {total} file(s) changed",)
    except (LintInputError, RulePackError) as exc:
        raise UsageFailure(str(exc)) from None
    result = family_result(lint_units(units, lint_config, requirements, opts.project), notes)
    report = Report(
        metadata=Metadata(
            tool_version=__version__,
            started_at=started,
            finished_at=now_iso(),
            project=str(opts.project),
            target=None,
            fail_on=threshold,
            notices=result.notes,
        ),
        families=(result,),
    )
    write_output(render(report, fmt), output)
    ctx.exit(report.exit_code)
