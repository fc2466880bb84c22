"""The one pipeline every report comes from: choose families and database, run, apply policy.

``run(request) -> Report``: families selected -> each run, isolated (a family that
raised is an error entry, exit 2) -> policy (severity overrides, excludes, waivers
with expiry, baseline new/existing) -> report. ``auditor audit``, every standalone
command (``schema check`` is ``audit --only schema`` with its own options) and the
pre-push hook all call it. The
database is used only when the profile allows one and either a selected family
needs it (then the embedded server starts when no DSN is given) or a DSN was given
explicitly; otherwise ``AuditContext.database`` is None and no server starts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

from auditor.core.baseline import Baseline
from auditor.core.config import Config
from auditor.core.errors import AuditorError
from auditor.core.family import AuditContext, Family, run_families
from auditor.core.findings import AuditError, FamilyResult, Report, Severity
from auditor.core.policy import apply_policy
from auditor.core.profiles import Profile
from auditor.core.registry import registered_families
from auditor.db.dsn import redact_dsn
from auditor.db.target import (
    READ_ONLY_NOTICE,
    DatabaseTarget,
    DatabaseUnavailable,
    connect,
    explicit_dsn,
)
from auditor.migrate.layouts import remembered
from auditor.migrate.selection import selected_target


class SelectionError(AuditorError, ValueError):
    """The requested families, profile and options do not fit together."""


@dataclass(frozen=True)
class AuditRequest:
    """Everything one audit run needs, already parsed."""

    project: Path
    migrations: Path
    config: Config
    profile: Profile
    fail_on: Severity
    db_value: str | None = None
    """``--db`` or the configured DSN (``DATABASE_URL`` is read by the selection)."""
    only: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    changed_since: str | None = None
    changed_until: str | None = None
    baseline: Baseline | None = None
    fail_on_new: bool = False
    today: dt.date | None = None
    """The date waivers are judged against (None: today)."""
    configured: tuple[Family, ...] = ()
    """Families already made with a standalone command's options; they replace the
    default instance of the family of the same name."""
    notices: tuple[str, ...] = ()
    """Notices the command adds to the report (after the pipeline's own)."""
    standalone: bool = False
    """A standalone command (``schema check``, ``secrets scan`` ...): its report names no
    profile, since the command chose the family and its options itself."""


def select_families(request: AuditRequest) -> list[Family]:
    """The families to run: the profile's, minus the ones turned off, refined by --only/--skip.

    Only the selected families are imported and instantiated.
    """
    given = {family.name: family for family in request.configured}
    registered = [
        (name, (lambda family=given[name]: family) if name in given else make)
        for name, make in registered_families()
    ]
    known = {name for name, _ in registered}
    for name in (*request.only, *request.skip):
        if name not in known:
            raise SelectionError(
                f"unknown family {name!r} (choose from {', '.join(sorted(known))})"
            )
    if request.only:
        return [
            make() for name, make in registered if name in request.only and name not in request.skip
        ]
    switched = request.config.families()
    wanted = request.profile.families
    return [
        make()
        for name, make in registered
        if (wanted is None or name in wanted)
        and switched.get(name, True)
        and name not in request.skip
    ]


def _wants_database(request: AuditRequest, families: list[Family]) -> tuple[bool, bool]:
    """(use a database at all, an explicit DSN was given)."""
    explicit = explicit_dsn(request.db_value) is not None
    needing = [f.name for f in families if f.needs_database]
    if not request.profile.database:
        if needing and request.only:
            raise SelectionError(
                f"famil{'y' if len(needing) == 1 else 'ies'} {', '.join(needing)} "
                f"need{'s' if len(needing) == 1 else ''} a database, but profile "
                f"{request.profile.name} uses none"
            )
        return False, explicit
    return bool(needing) or explicit, explicit


def _database_error(exc: Exception) -> bool:
    """The database could not be had: unreachable, or the migrations could not be applied."""
    from auditor.migrate.layouts import LayoutError
    from auditor.migrate.runner import MigrationError

    return isinstance(exc, DatabaseUnavailable | MigrationError | LayoutError)


class _Unavailable(Family):
    """A family that needs the database, which could not be had: its result is the error."""

    def __init__(self, inner: Family, reason: str) -> None:
        self.name = inner.name
        self.title = inner.title
        self.needs_database = True
        self.reason = reason

    def run(self, ctx: AuditContext) -> FamilyResult:
        return FamilyResult(self.name, self.title, errors=(AuditError(self.name, self.reason),))


def run(
    request: AuditRequest, wrap: Callable[[list[Family]], list[Family]] | None = None
) -> Report:
    """Run the audit described by ``request`` and return the report with policy applied.

    ``wrap`` may decorate the selected families (the CLI announces each as it starts).
    """
    families = select_families(request)
    use_database, explicit = _wants_database(request, families)
    notices: list[str] = list(request.config.deprecations)  # old spellings in the file
    if not request.profile.database:
        left_out = [f.name for f in families if f.needs_database]
        if left_out:
            notices.append(
                f"profile {request.profile.name} uses no database: {', '.join(left_out)} not run"
            )
            families = [f for f in families if not f.needs_database]
    if not families:  # fail closed: an audit that checks nothing must not pass
        raise SelectionError(
            "no family left to run (--only/--skip, [tool.auditor.families] and the profile "
            "exclude them all): nothing would be checked"
        )
    turned_off = sorted(name for name, on in request.config.families().items() if not on)
    if turned_off and not request.only:
        notices.append(f"turned off in the configuration: {', '.join(turned_off)}")
    if request.profile.name != "full":
        notices.append(f"profile {request.profile.name}: {request.profile.description}")
    if request.changed_since:
        notices.append(f"only changes since {request.changed_since[:12]} were checked")
    with ExitStack() as stack:
        stack.enter_context(remembered())  # the families read the migrations once
        target: DatabaseTarget | None = None
        if use_database:
            try:
                target = stack.enter_context(selected_target(request.db_value, request.migrations))
                connect(target.dsn).close()
            except Exception as exc:  # unreachable, or migrations failed: still a report, exit 2
                if not _database_error(exc):
                    raise
                # the families that need it; with none, the ones that would have used the
                # DSN given (fail closed: never a run that silently went without it)
                blocked = {f.name for f in families if f.needs_database} or {
                    f.name for f in families
                }
                families = [_Unavailable(f, str(exc)) if f.name in blocked else f for f in families]
                chosen = explicit_dsn(request.db_value)
                label = redact_dsn(chosen[0]) if chosen else "embedded PostgreSQL"
                notices.append(f"database {label} not audited: see the errors")
                target = None
            else:
                notices.append(
                    "embedded throwaway database; the project's migrations were applied to it"
                    if target.disposable
                    else READ_ONLY_NOTICE
                )
        elif explicit and not request.profile.database:
            notices.append(f"profile {request.profile.name} uses no database: none was contacted")
        ctx = AuditContext(
            project=request.project,
            migrations=request.migrations,
            config=request.config,
            database=target,
            fail_on=request.fail_on,
            profile=request.profile.name,
            changed_since=request.changed_since,
            changed_until=request.changed_until,
            offline=not request.profile.network,
        )
        for family in families:
            notices.extend(family.prepare(ctx))
        notices.extend(request.notices)
        report = run_families(wrap(families) if wrap else families, ctx, notices=tuple(notices))
    report = replace(
        report,
        metadata=replace(
            report.metadata, profile=None if request.standalone else request.profile.name
        ),
    )
    return apply_policy(
        report,
        request.config,
        project=request.project,
        today=request.today,
        baseline=request.baseline,
        fail_on_new=request.fail_on_new,
        partial=bool(request.changed_since),
    )
