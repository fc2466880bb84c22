"""``auditor secrets scan``: committed credentials, fast enough for a pre-push hook."""

from __future__ import annotations

from pathlib import Path

import click

from auditor.cli.common import (
    UsageFailure,
    policy_options,
    report_options,
    run_standalone,
    settings,
)
from auditor.core.findings import Severity

DEFAULT_BASELINE = ".secrets.baseline"
SEVERITIES = [s.label for s in Severity]


@click.group()
def secrets() -> None:
    """Find committed credentials (detect-secrets' plugins, git-aware, parallel).

    \b
    Example:
        auditor secrets scan
        auditor secrets scan --since origin/main     # what a push would publish
    """


@secrets.command("scan")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--staged", is_flag=True, help="Scan the git index (what would be committed).")
@click.option(
    "--since",
    metavar="REF",
    help="Scan every line added by the commits REF..HEAD (pre-push), with commit ids.",
)
@click.option(
    "--history",
    is_flag=True,
    help="Scan every line ever added by a commit reachable from HEAD, with commit ids.",
)
@click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"detect-secrets baseline [default: {DEFAULT_BASELINE} when present].",
)
@click.option(
    "--update-baseline",
    is_flag=True,
    help="Add new secrets to the baseline (keeps audited flags) instead of failing.",
)
@click.option("--exclude", multiple=True, metavar="GLOB", help="Do not scan these paths.")
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    help="Skip files larger than this [default: 2097152].",
)
@click.option("--jobs", type=click.IntRange(min=1), help="Worker processes [default: cores].")
@click.option("--no-cache", is_flag=True, help="Do not use the blob-id result cache.")
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default="low",
    show_default=True,
    help="Exit 1 when a new secret is at or above this severity.",
)
@report_options
@policy_options("--baseline-report")
@click.pass_context
def scan_command(
    ctx: click.Context,
    paths: tuple[Path, ...],
    staged: bool,
    since: str | None,
    history: bool,
    baseline_path: Path | None,
    update_baseline: bool,
    exclude: tuple[str, ...],
    max_bytes: int | None,
    jobs: int | None,
    no_cache: bool,
    fail_on: str,
    fmt: str,
    output: Path | None,
    report_baseline: Path | None,
    fail_on_new: bool,
) -> None:
    """Scan for committed secrets; exit 1 when one is not in the baseline.

    By default: the files git tracks plus untracked files it does not ignore
    (outside git, a directory walk). Values are never printed: only the type,
    the place, at most the first 4 characters and a fingerprint.

    \b
    Example:
        auditor secrets scan
        auditor secrets scan src/ --exclude 'tests/fixtures/*'
        auditor secrets scan --staged                 # pre-commit
        auditor secrets scan --since origin/main      # pre-push: every added line
        auditor secrets scan --history                # every commit, as gitleaks does
        auditor secrets scan --update-baseline        # accept what is there now
    """
    # the scanner (detect-secrets and its imports) loads only when this command runs
    from auditor.families.secrets.family import ScanRequest, SecretsFamily
    from auditor.families.secrets.settings import secrets_config

    if sum((staged, since is not None, history)) > 1:
        raise UsageFailure("give one of --staged, --since and --history")
    if (staged or since or history) and paths:
        raise UsageFailure("PATHS cannot be combined with --staged, --since or --history")
    opts = settings(ctx)
    config = opts.config()
    root = opts.project.resolve()
    explicit = baseline_path.resolve() if baseline_path else secrets_config(config).baseline
    if explicit is not None and not explicit.exists() and not update_baseline:
        raise UsageFailure(f"baseline {baseline_path or explicit} does not exist")
    default_baseline = root / DEFAULT_BASELINE
    mode = "staged" if staged else "since" if since else "history" if history else "files"
    request = ScanRequest(
        paths=paths,
        mode=mode,
        since=since,
        exclude=exclude,
        max_bytes=max_bytes,
        jobs=jobs,
        use_cache=not no_cache,
        baseline=explicit,
        update_baseline=(explicit or default_baseline) if update_baseline else None,
    )
    run_standalone(
        ctx,
        opts,
        config,
        SecretsFamily(request),
        fail_on=Severity.parse(fail_on),
        fmt=fmt,
        output=output,
        report_baseline=report_baseline,
        fail_on_new=fail_on_new,
        database=False,
    )
