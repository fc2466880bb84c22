"""``auditor publish``: post the report comment and upload the SARIF from any CI."""

from __future__ import annotations

import os
from pathlib import Path

import click

from auditor.cli.common import UsageFailure


def _read(path: Path | None, default: str) -> tuple[str | None, str]:
    """The file's text (None when not given and the default is absent) and its name."""
    chosen = path or Path(default)
    if not chosen.is_file():
        if path is not None:
            raise UsageFailure(f"cannot read {path}: no such file")
        return None, str(chosen)
    try:
        return chosen.read_text(encoding="utf-8"), str(chosen)
    except OSError as exc:
        raise UsageFailure(f"cannot read {chosen}: {exc.strerror or exc}") from None


@click.command()
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Markdown report to post [default: auditor-report.md when present].",
)
@click.option(
    "--sarif",
    "sarif_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SARIF log to upload to code scanning [default: auditor.sarif when present].",
)
@click.option(
    "--forge",
    type=click.Choice(["github", "gitlab"]),
    help="Default: gitlab under GitLab CI, else github.",
)
@click.option("--repo", help="owner/name (GitHub) or project id (GitLab) [default: from the CI].")
@click.option("--pr", "number", type=int, help="Pull/merge request number [default: from the CI].")
@click.option(
    "--api-url", help="API root [default: GITHUB_API_URL / CI_API_V4_URL, else the public one]."
)
@click.option("--commit", "sha", help="Commit the SARIF is for [default: from the CI].")
@click.option("--ref", help="Ref the SARIF is for, e.g. refs/pull/7/head [default: from the CI].")
@click.option(
    "--alerts/--no-alerts",
    default=True,
    show_default=True,
    help="List the pull request's open code-scanning alerts under the report.",
)
@click.option(
    "--require-publish",
    is_flag=True,
    help="Exit 2 when anything could not be published (default: say so and exit 0).",
)
def publish(
    report_path: Path | None,
    sarif_path: Path | None,
    forge: str | None,
    repo: str | None,
    number: int | None,
    api_url: str | None,
    sha: str | None,
    ref: str | None,
    alerts: bool,
    require_publish: bool,
) -> None:
    """Post or update the one PR/MR comment and upload the SARIF, from any CI.

    The token is read from GITHUB_TOKEN / GH_TOKEN (GitHub) or GITLAB_TOKEN /
    CI_JOB_TOKEN (GitLab), never from an option, and is never printed. What could not
    be published (no token, a fork pull request, an API error) is one line with the
    command to do it by hand.

    Example:

        auditor audit --format md=auditor-report.md --format sarif=auditor.sarif
        auditor publish --repo octo/app --pr 7
    """
    from auditor.report.publish import detect
    from auditor.report.publish import publish as run_publish

    markdown, markdown_file = _read(report_path, "auditor-report.md")
    sarif, sarif_file = _read(sarif_path, "auditor.sarif")
    if markdown is None and sarif is None:
        raise UsageFailure("nothing to publish: give --report and/or --sarif")
    target = detect(
        os.environ, forge=forge, repo=repo, number=number, api=api_url, sha=sha, ref=ref
    )
    outcomes = run_publish(
        target,
        markdown=markdown,
        markdown_file=markdown_file,
        sarif=sarif,
        sarif_file=sarif_file,
        alerts=alerts,
    )
    for outcome in outcomes:
        click.echo(outcome.line(), err=not outcome.done)
    if require_publish and not all(o.done for o in outcomes):
        raise SystemExit(2)
