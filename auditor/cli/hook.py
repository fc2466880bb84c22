"""``auditor hook install|uninstall|run``: the local pre-push check."""

from __future__ import annotations

import sys

import click

from auditor.cli.common import UsageFailure, settings
from auditor.core.findings import Severity
from auditor.core.profiles import PROFILES
from auditor.hook.install import HookError, install, uninstall


@click.group()
def hook() -> None:
    """Install or remove the git pre-push hook, or run it by hand.

    \b
    Example:
        auditor hook install
        git push            # runs `auditor hook run`: blocked when the check fails
        auditor hook uninstall
    """


@hook.command("install")
@click.option("--force", is_flag=True, help="Replace a pre-push hook auditor did not write.")
@click.pass_context
def install_cmd(ctx: click.Context, force: bool) -> None:
    """Write .git/hooks/pre-push (a foreign hook is kept as pre-push.auditor-backup).

    \b
    Example:
        auditor hook install
        auditor hook install --force   # replace an existing hook, keeping a backup
    """
    opts = settings(ctx)
    try:
        path, backup = install(opts.project.resolve(), force=force)
    except HookError as exc:
        raise UsageFailure(str(exc)) from None
    click.echo(f"installed pre-push hook: {path}")
    if backup is not None:
        click.echo(f"previous hook kept as {backup}; `auditor hook uninstall` restores it")


@hook.command("uninstall")
@click.pass_context
def uninstall_cmd(ctx: click.Context) -> None:
    """Remove the pre-push hook auditor wrote, restoring any hook it replaced.

    \b
    Example:
        auditor hook uninstall
    """
    opts = settings(ctx)
    try:
        path, restored = uninstall(opts.project.resolve())
    except HookError as exc:
        raise UsageFailure(str(exc)) from None
    click.echo(f"removed pre-push hook: {path}")
    if restored:
        click.echo("restored the hook it had replaced")


@hook.command("run")
@click.argument("remote", required=False)
@click.argument("url", required=False)
@click.option(
    "--pre-commit",
    "from_env",
    is_flag=True,
    help="Take the range from PRE_COMMIT_FROM_REF/PRE_COMMIT_TO_REF (pre-commit framework).",
)
@click.option(
    "--profile",
    type=click.Choice(list(PROFILES)),
    default="pre-push",
    show_default=True,
    help="Profile to run.",
)
@click.option(
    "--fail-on", type=click.Choice([s.label for s in Severity]), help="Override the threshold."
)
@click.pass_context
def run_cmd(
    ctx: click.Context,
    remote: str | None,
    url: str | None,
    from_env: bool,
    profile: str,
    fail_on: str | None,
) -> None:
    """Check what a push adds; git calls this with the pushed refs on stdin.

    Reads git's pre-push lines (`<local ref> <local sha> <remote ref> <remote sha>`)
    and runs the pre-push profile once per pushed ref on base..sha: no database, no
    network. Exit 0 lets the push through; anything else blocks it.

    \b
    Example:
        echo "refs/heads/main $(git rev-parse HEAD) refs/heads/main $(git rev-parse origin/main)" \\
          | auditor hook run origin
    """
    from auditor.hook.prepush import run_hook  # the audit and its families load only here

    opts = settings(ctx)
    code = run_hook(
        opts.project,
        stdin_text="" if from_env else sys.stdin.read(),
        remote=remote,
        from_env=from_env,
        profile=profile,
        fail_on=fail_on,
        config_path=opts.config_path,
        migrations=opts.migrations,
        db=opts.db,
    )
    ctx.exit(code)
