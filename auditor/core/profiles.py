"""Audit profiles: which families run, and within which limits.

A profile is data. ``auditor audit --profile NAME`` picks one; ``--only``/``--skip``
and ``[tool.auditor.families]`` refine its family list. Families read the profile's
name and the push range from :class:`~auditor.core.family.AuditContext` (``profile``,
``changed_since``, ``changed_until``, ``offline``); a family named here that is not
installed is simply not run.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """A named selection of families and limits."""

    name: str
    description: str
    families: tuple[str, ...] | None
    """Families to run, by name (None: every registered family). In a profile without a
    database, a listed family that needs one is left out with a notice."""
    database: bool
    """May use a database: an explicit one, or the embedded default when a family needs one."""
    network: bool
    """May use the network (e.g. the online vulnerability service)."""
    gate_timeout: float | None = None
    """Upper bound, in seconds, on any quality gate's timeout (None: the gate's own)."""
    secrets_history: bool = False
    """Also scan every line ever committed (reachable from HEAD) for secrets, not only
    the work tree: a credential removed from the files is still in every clone."""


PRE_PUSH = Profile(
    name="pre-push",
    description=(
        "fast local check before a push: secrets on the added lines, lint of the changed "
        "migrations, static schema check, migration files, quality gates; no database, no network"
    ),
    families=("secrets", "lint", "static", "migrations", "gates"),
    database=False,
    network=False,
    gate_timeout=120.0,
)
CI = Profile(
    name="ci",
    description=(
        "the CI gate: every family, on the database given (--db / DATABASE_URL), else the "
        "embedded one when a family needs it; secrets in the work tree"
    ),
    families=None,
    database=True,
    network=True,
)
FULL = Profile(
    name="full",
    description=(
        "everything (the default): every family, database and network allowed; secrets in "
        "the work tree and in every commit of the git history"
    ),
    families=None,
    database=True,
    network=True,
    secrets_history=True,
)

PROFILES: dict[str, Profile] = {p.name: p for p in (PRE_PUSH, CI, FULL)}
"""Every profile by name; ``full`` is the default."""

DEFAULT_PROFILE = "full"


def get_profile(name: str) -> Profile:
    """The profile ``name``; raise ``ValueError`` naming the choices."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r} (choose from {', '.join(PROFILES)})") from None
