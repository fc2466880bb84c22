"""``auditor migrations lint``: lint migration files before review (no database needed)."""

from __future__ import annotations

from pathlib import Path

import click

from auditor.cli.common import (
    fail_on_option,
    policy_options,
    report_options,
    run_standalone,
    settings,
)


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
    help="The base (e.g. origin/main): only migrations added or modified since it gate; "
    "findings on the others are reported as history.",
)
@fail_on_option("Exit 1 at or above this severity [default: configured, else high].")
@report_options
@policy_options()
@click.pass_context
def lint(
    ctx: click.Context,
    paths: tuple[Path, ...],
    changed_since: str | None,
    fail_on: str | None,
    fmt: str,
    output: Path | None,
    report_baseline: Path | None,
    fail_on_new: bool,
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
    from auditor.core.policy import threshold
    from auditor.families.lint.family import LintFamily, LintOptions

    opts = settings(ctx)
    config = opts.config()
    run_standalone(
        ctx,
        opts,
        config,
        LintFamily(LintOptions(paths=paths, changed_since=changed_since)),
        fail_on=threshold(config, fail_on),
        fmt=fmt,
        output=output,
        report_baseline=report_baseline,
        fail_on_new=fail_on_new,
        database=False,
    )
