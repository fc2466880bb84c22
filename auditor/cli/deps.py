"""``auditor deps audit``: known-vulnerable and unauditable dependencies."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from auditor.cli.common import (
    UsageFailure,
    fail_on_option,
    policy_options,
    report_options,
    run_standalone,
    settings,
)
from auditor.families.deps.services import SERVICES
from auditor.families.deps.sources.registry import INPUTS, names

FILE = click.Path(dir_okay=False, exists=True, path_type=Path)


@click.group()
def deps() -> None:
    """Audit dependencies for known vulnerabilities (OSV offline, or pip-audit online).

    \b
    Example:
        auditor deps audit --advisory-db osv/PyPI-all.zip --advisory-db osv/crates.io-all.zip
    """


INPUTS_HELP = "\b\nInputs (file: ecosystem, what is read):\n" + "\n".join(
    f"  {', '.join(i.patterns)}: {i.ecosystem}, {i.versions}" for i in INPUTS
)


@deps.command("audit", epilog=INPUTS_HELP)
@click.option(
    "-r",
    "--requirement",
    "requirements",
    multiple=True,
    type=FILE,
    help="A pinned requirements file (repeatable).",
)
@click.option(
    "--lock",
    "locks",
    multiple=True,
    type=FILE,
    help=f"A lock file (repeatable): {names()}.",
)
@click.option(
    "--pyproject", type=FILE, help="A pyproject.toml whose [project].dependencies to audit."
)
@click.option(
    "--env",
    "environment",
    is_flag=True,
    help="Audit the distributions installed in this Python environment.",
)
@click.option(
    "--advisory-db",
    "advisory_dbs",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Offline OSV database: a directory of OSV JSON/YAML files or an OSV all.zip "
    "(repeatable: each ecosystem of the project needs one).",
)
@click.option(
    "--service",
    type=click.Choice(SERVICES),
    help="Online service when no --advisory-db [default: pypi]; osv also queries the OSV API for crates.io, npm and Go.",
)
@click.option(
    "--timeout",
    type=click.IntRange(1),
    help="Seconds to wait for the online service [default: 15].",
)
@click.option(
    "--resolve",
    is_flag=True,
    default=None,
    help="Resolve unpinned pyproject.toml dependencies through pip-audit (needs the package index).",
)
@fail_on_option("Exit 1 at or above this severity [default: high].")
@report_options
@policy_options()
@click.pass_context
def audit_deps(
    ctx: click.Context,
    requirements: tuple[Path, ...],
    locks: tuple[Path, ...],
    pyproject: Path | None,
    environment: bool,
    advisory_dbs: tuple[Path, ...],
    service: str | None,
    timeout: int | None,
    resolve: bool | None,
    fail_on: str | None,
    fmt: str,
    output: Path | None,
    report_baseline: Path | None,
    fail_on_new: bool,
) -> None:
    """Audit pinned dependencies against offline OSV databases or pip-audit's services.

    Inputs are the files given, else those found anywhere in the project (INPUTS below).
    A dependency that cannot be audited is a finding; an input that cannot be read, an
    ecosystem without an advisory source, or an unreachable service exits 2 (fail closed).

    \b
    Example:
        auditor deps audit                                  # detected files, online
        auditor deps audit -r requirements.txt --advisory-db osv/PyPI-all.zip
        auditor deps audit --lock uv.lock --advisory-db osv/ --format md --output deps.md
    """
    # the dependency scanner (packaging, the lock-file readers) loads only when this runs
    from auditor.families.deps.settings import load_settings
    from auditor.families.deps.sources.detect import detect_inputs

    opts = settings(ctx)
    config = opts.config()
    conf = load_settings(config)
    overrides: dict[str, object] = {}
    if advisory_dbs:
        overrides["advisory_db"], overrides["more_dbs"] = advisory_dbs[0], advisory_dbs[1:]
    if service is not None:
        overrides["service"] = service
        if not advisory_dbs:
            overrides["advisory_db"], overrides["more_dbs"] = None, ()
    if timeout is not None:
        overrides["timeout"] = timeout
    if resolve is not None:
        overrides["resolve"] = resolve
    conf = replace(conf, **overrides)  # type: ignore[arg-type]
    files = (*requirements, *locks, *((pyproject,) if pyproject else ()))
    if not files and not environment:
        files = conf.inputs or tuple(detect_inputs(opts.project, config.exclude()))
        if not files:
            raise UsageFailure(
                f"no dependency inputs found in {opts.project} ({names()}; "
                "or give -r FILE, --lock FILE, --pyproject FILE or --env)"
            )
    from auditor.core.policy import threshold
    from auditor.families.deps.collect import Inputs
    from auditor.families.deps.family import DependenciesFamily

    run_standalone(
        ctx,
        opts,
        config,
        DependenciesFamily(conf, Inputs(tuple(files), environment)),
        fail_on=threshold(config, fail_on),
        fmt=fmt,
        output=output,
        report_baseline=report_baseline,
        fail_on_new=fail_on_new,
        database=False,
    )
