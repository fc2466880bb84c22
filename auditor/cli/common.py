"""Shared pieces of the command line: error handling, reusable options, settings."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from auditor.cli.lazy import LazyGroup
from auditor.core.errors import AuditorError

if TYPE_CHECKING:
    from auditor.core.config import Config
    from auditor.core.family import Family
    from auditor.core.findings import Report, Severity

F = TypeVar("F", bound=Callable[..., Any])


class UsageFailure(click.ClickException):
    """A run that could not be completed: message on one line, exit code 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        from auditor.core.redact import redact_text

        click.echo(f"auditor: error: {redact_text(self.format_message())}", err=True)


_NO_ARGS_IS_HELP: tuple[type[Exception], ...] = tuple(
    getattr(click.exceptions, name)
    for name in ("NoArgsIsHelpError",)
    if hasattr(click.exceptions, name)
)
"""A group called without a subcommand shows its help (click >= 8.2 raises this)."""


class AuditorGroup(LazyGroup):
    """The root group: lazy subcommands; the tool's expected errors become exit code 2
    with one line."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except _NO_ARGS_IS_HELP:
            raise
        except click.UsageError as exc:
            raise _one_line(exc) from None
        except Exception as exc:
            if not isinstance(exc, AuditorError):
                raise
            raise UsageFailure(" ".join(str(exc).split())) from None

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except _NO_ARGS_IS_HELP:
            raise
        except click.UsageError as exc:
            raise _one_line(exc) from None


def _one_line(exc: click.UsageError) -> UsageFailure:
    """A bad option or argument as the contract's one line (exit 2), with where to look."""
    hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
    return UsageFailure(" ".join(exc.format_message().split()) + hint)


@dataclass
class Settings:
    """Options given before the subcommand (``auditor --db X audit``)."""

    db: str | None = None
    config_path: Path | None = None
    migrations: Path | None = None
    project: Path = Path(".")
    reference: bool = False
    """``--reference``: audit the shipped reference project (its migrations and rule pack)."""

    def config(self) -> Config:
        from auditor.core.config import load_config

        return load_config(self.config_path, start=self.project.resolve())

    def migrations_dir(self, config: Config | None = None) -> Path:
        """``--reference``: the shipped reference set; else ``--migrations``, else the
        configured one, else ``./migrations`` (which may not exist: never someone else's)."""
        if self.reference:
            if self.migrations is not None:
                raise UsageFailure("--reference audits the shipped migrations: drop --migrations")
            from auditor.core.resources import reference_migrations

            return reference_migrations()
        if self.migrations is not None:
            return self.migrations
        configured = (config or self.config()).path_option("migrations")
        if configured is not None:
            return configured
        return self.project / "migrations"

    def db_value(self, config: Config | None = None) -> str | None:
        """``--db``, else the configured database (``DATABASE_URL`` is read later)."""
        if self.db:
            return self.db
        if os.environ.get("DATABASE_URL"):
            return None
        return (config or self.config()).database()


def global_options(fn: F) -> F:
    """Options given before the subcommand, shared by every command."""
    decorators = [
        click.option(
            "--db",
            "db",
            metavar="DSN",
            help="Database to use (else DATABASE_URL, else configured, else embedded).",
        ),
        click.option(
            "--config",
            "config_path",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Configuration file (default: nearest auditor.toml or pyproject.toml).",
        ),
        click.option(
            "--migrations",
            type=click.Path(file_okay=False, path_type=Path),
            help="Migrations directory (default: configured, else ./migrations).",
        ),
        click.option(
            "--reference",
            is_flag=True,
            help="Audit the shipped reference project (its migrations and rule pack).",
        ),
        click.option(
            "--project",
            type=click.Path(file_okay=False, exists=True, path_type=Path),
            default=Path("."),
            show_default=True,
            help="Project root to audit.",
        ),
    ]
    for decorate in reversed(decorators):
        fn = decorate(fn)
    return fn


def report_options(fn: F) -> F:
    """``--format`` and ``--output`` of a single-report command (``audit`` has more);
    the choices and their help come from the format registry."""
    from auditor.report.formats import ALIASES, FORMATS, help_text

    fn = click.option(
        "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here."
    )(fn)
    return click.option(
        "--format",
        "fmt",
        type=click.Choice([*FORMATS, *sorted(ALIASES)], case_sensitive=False),
        default="text",
        show_default=True,
        help=f"Report format: {help_text()}.",
    )(fn)


def fail_on_option(
    help: str = "Exit 1 at or above this severity [default: configured, else high].",
    default: str | None = None,
) -> Callable[[F], F]:
    """``--fail-on SEVERITY``: the gate's threshold, the same choices on every command."""
    from auditor.core.findings import Severity

    return click.option(
        "--fail-on",
        type=click.Choice([s.label for s in Severity]),
        default=default,
        show_default=default is not None,
        help=help,
    )


def db_option(fn: F) -> F:
    """``--db`` on a subcommand; overrides the one given before it."""
    return click.option(
        "--db",
        "db",
        metavar="DSN",
        help="Database to use (else DATABASE_URL, else configured, else embedded).",
    )(fn)


def settings(ctx: click.Context, db: str | None = None) -> Settings:
    """The shared settings, with a subcommand's ``--db`` taking precedence."""
    obj = ctx.find_object(Settings) or Settings()
    if db:
        obj.db = db
    return obj


def _write_in_place(text: str, output: Path) -> None:
    """A FIFO, a device (``/dev/null``, ``/dev/stdout``) or a socket is written to, never
    replaced by a regular file."""
    try:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise UsageFailure(f"cannot write {output}: {exc.strerror or exc}") from None


def write_output(text: str, output: Path | None) -> None:
    """Print ``text``, or write it to ``output``.

    A regular file is written atomically (never half-written) and keeps its mode; a new
    one gets the umask's mode (reports are not secrets); anything else is written in place.
    """
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        info = os.stat(output)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise UsageFailure(f"cannot write {output}: {exc.strerror or exc}") from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        if stat.S_ISDIR(info.st_mode):
            raise UsageFailure(f"cannot write {output}: it is a directory")
        _write_in_place(text, output)
        return
    output = output.resolve()
    if info is not None:
        mode = stat.S_IMODE(info.st_mode)
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".tmp")
    except OSError as exc:
        raise UsageFailure(f"cannot write {output}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, output)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UsageFailure(f"cannot write {output}: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def policy_options(baseline_flag: str = "--baseline") -> Callable[[F], F]:
    """``--baseline FILE`` (a JSON report of the base branch) and ``--fail-on-new``: the
    same policy as ``auditor audit``, for a standalone command."""

    def decorate(fn: F) -> F:
        fn = click.option(
            "--fail-on-new",
            is_flag=True,
            help=f"Gate only on findings that are new versus {baseline_flag}.",
        )(fn)
        return click.option(
            baseline_flag,
            "report_baseline",
            type=click.Path(dir_okay=False, path_type=Path),
            help="A JSON report of the base branch: mark each finding new or existing.",
        )(fn)

    return decorate


def run_standalone(
    ctx: click.Context,
    opts: Settings,
    config: Config,
    family: Family,
    *,
    fail_on: Severity,
    fmt: str,
    output: Path | None,
    report_baseline: Path | None = None,
    fail_on_new: bool = False,
    database: bool = True,
    notices: tuple[str, ...] = (),
) -> None:
    """A standalone command is ``audit --only FAMILY`` with its own options: the one
    pipeline (policy included), one report, the exit code."""
    from dataclasses import replace

    from auditor.core.baseline import load_baseline
    from auditor.core.pipeline import AuditRequest, run
    from auditor.core.profiles import FULL
    from auditor.report import render

    if fail_on_new and report_baseline is None:
        raise UsageFailure("--fail-on-new needs a baseline report (a JSON report of the base)")
    request = AuditRequest(
        project=opts.project,
        migrations=opts.migrations_dir(config),
        config=config,
        profile=FULL if database else replace(FULL, database=False),
        fail_on=fail_on,
        db_value=opts.db_value(config) if database else None,
        only=(family.name,),
        baseline=load_baseline(report_baseline) if report_baseline else None,
        fail_on_new=fail_on_new,
        configured=(family,),
        notices=notices,
        standalone=True,
    )
    report = run(request)
    write_output(render(report, fmt), output)
    echo_errors(report)
    ctx.exit(report.exit_code)


def echo_errors(report: Report) -> None:
    """Each error of the report on stderr, one line each, after the report: a CI log
    says why the run exits 2 wherever the report went."""
    from auditor.core.redact import redact_text

    shown: set[str] = set()
    for family in report.families:
        for error in family.errors:
            if error.message not in shown:  # one cause shared by several families: one line
                shown.add(error.message)
                click.echo(f"auditor: error: {redact_text(error.message)}", err=True)
