"""``auditor hardening check``: the server hardening controls on one database."""

from __future__ import annotations

from pathlib import Path

import click

from auditor.cli.common import (
    db_option,
    fail_on_option,
    policy_options,
    report_options,
    run_standalone,
    settings,
)


@click.group()
def hardening() -> None:
    """Server hardening: roles, settings, pg_hba.conf, privileges (read-only).

    \b
    Example:
        auditor --db "$DATABASE_URL" hardening check
    """


@hardening.command()
@db_option
@fail_on_option("Exit 1 at or above this severity [default: high].")
@report_options
@policy_options()
@click.pass_context
def check(
    ctx: click.Context,
    db: str | None,
    fail_on: str | None,
    fmt: str,
    output: Path | None,
    report_baseline: Path | None,
    fail_on_new: bool,
) -> None:
    """Check the server against the hardening controls (HRD rules) in a read-only session.

    A control the auditing role cannot read is reported as skipped with the privilege
    it needs (see the README's minimal auditing role), never as passed.
    Exit 0 clean, 1 findings at or above --fail-on, 2 not completed.

    \b
    Example:
        auditor hardening check --db postgresql://auditor@db.internal/app
        auditor hardening check --fail-on medium --format md --output hardening.md
    """
    # the checks and the database layer load only when this command runs
    from auditor.core.policy import threshold
    from auditor.families.hardening.family import HardeningFamily
    from auditor.families.hardening.rules import HardeningPolicy

    opts = settings(ctx, db)
    config = opts.config()
    HardeningPolicy.from_config(config)  # configuration errors: one line, exit 2
    run_standalone(
        ctx,
        opts,
        config,
        HardeningFamily(),
        fail_on=threshold(config, fail_on),
        fmt=fmt,
        output=output,
        report_baseline=report_baseline,
        fail_on_new=fail_on_new,
    )
