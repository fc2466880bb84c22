"""The server facts the hardening rules read: frozen records, no I/O.

Built by :func:`auditor.families.hardening.collect.collect_facts` from a read-only session.
A fact the auditing role could not read is not a default value: it is listed in
:attr:`ServerFacts.unreadable` with the exact privilege needed, and the rules that
depend on it are reported as skipped, never as passed.
"""

from __future__ import annotations

from dataclasses import dataclass

PG_AUTHID = "pg_authid"
"""Fact key: stored password hashes (md5 or SCRAM), superuser-only."""
PG_HBA = "pg_hba_file_rules"
"""Fact key: the parsed pg_hba.conf."""


def setting_key(name: str) -> str:
    """The fact key of a server setting (``setting:ssl``)."""
    return f"setting:{name}"


@dataclass(frozen=True)
class RoleFact:
    """A role (``pg_roles``), with the roles it is a member of, directly or not."""

    name: str
    superuser: bool
    login: bool
    createrole: bool
    createdb: bool
    replication: bool
    bypassrls: bool
    connection_limit: int
    """-1 means no limit."""
    valid_until: str | None
    """Password expiry as text; None (or ``infinity``) means it never expires."""
    member_of: tuple[str, ...] = ()
    """Every role reachable through ``pg_auth_members``, transitively (from PostgreSQL 16
    on, only through memberships granted WITH SET, the ones that allow ``SET ROLE``)."""


@dataclass(frozen=True)
class HbaLine:
    """One line of pg_hba.conf as ``pg_hba_file_rules`` parses it."""

    line_number: int
    type: str
    """``local``, ``host``, ``hostssl``, ``hostnossl``, ``hostgssenc``, ``hostnogssenc``."""
    databases: tuple[str, ...]
    users: tuple[str, ...]
    address: str | None
    netmask: str | None
    method: str
    error: str | None = None


@dataclass(frozen=True)
class SchemaGrant:
    """A privilege on a schema granted to PUBLIC."""

    schema: str
    privilege: str
    """``CREATE`` or ``USAGE``."""


@dataclass(frozen=True)
class PublicGrant:
    """Privileges on a table, view, sequence or function granted to PUBLIC."""

    kind: str
    """``table``, ``view``, ``materialized view``, ``foreign table``, ``sequence`` or ``function``."""
    schema: str
    name: str
    """Relation name, or ``name(argument types)`` for a function."""
    privileges: tuple[str, ...]


@dataclass(frozen=True)
class DefinerFunction:
    """A ``SECURITY DEFINER`` function not owned by an extension."""

    schema: str
    name: str
    """``name(argument types)``."""
    owner: str
    config: tuple[str, ...]
    """``proconfig`` entries such as ``search_path=app, pg_temp``."""


@dataclass(frozen=True)
class TableFact:
    """An ordinary or partitioned table with its row-level security flags."""

    schema: str
    name: str
    owner: str
    rls_enabled: bool
    rls_forced: bool
    policies: int
    columns: tuple[str, ...]


@dataclass(frozen=True)
class ExtensionFact:
    """An installed extension."""

    name: str
    version: str
    schema: str


@dataclass(frozen=True)
class UntrustedFunction:
    """A function in an untrusted language owned by a role that is not a superuser."""

    language: str
    schema: str
    name: str
    owner: str


@dataclass(frozen=True)
class TablespaceFact:
    """A tablespace and its directory (``pg_tablespace_location``; empty for the built-in ones)."""

    name: str
    location: str


@dataclass(frozen=True)
class Unreadable:
    """A fact the auditing role could not read, and the privilege that would allow it."""

    fact: str
    """Fact key: ``pg_hba_file_rules``, ``pg_authid`` or ``setting:NAME``."""
    privilege: str
    """Exactly what to grant, e.g. ``pg_read_all_settings``."""


@dataclass(frozen=True)
class ServerFacts:
    """Everything the hardening rules look at, as read from one database of one server."""

    database: str
    user: str
    """The auditing role."""
    superuser: bool
    version: str
    """``server_version``, e.g. ``15.20 (Debian 15.20-0+deb12u1)``."""
    version_num: int
    """``server_version_num``, e.g. 150020."""
    settings: tuple[tuple[str, str], ...] = ()
    """(name, value) of every setting read."""
    setting_sources: tuple[tuple[str, str], ...] = ()
    """(name, ``pg_settings.source``): ``configuration file``, ``database``, ``default``...
    Settings are read as the auditing session sees them, so per-database values count."""
    absent_settings: tuple[str, ...] = ()
    """Settings this server version does not have (not a privilege problem)."""
    roles: tuple[RoleFact, ...] = ()
    md5_roles: tuple[str, ...] | None = None
    """Roles whose stored password is an md5 hash; None when pg_authid was unreadable."""
    hba: tuple[HbaLine, ...] | None = None
    """None when pg_hba_file_rules was unreadable."""
    schema_grants: tuple[SchemaGrant, ...] = ()
    public_grants: tuple[PublicGrant, ...] = ()
    definer_functions: tuple[DefinerFunction, ...] = ()
    tables: tuple[TableFact, ...] = ()
    extensions: tuple[ExtensionFact, ...] = ()
    untrusted_functions: tuple[UntrustedFunction, ...] = ()
    tablespaces: tuple[TablespaceFact, ...] = ()
    unreadable: tuple[Unreadable, ...] = ()

    def setting(self, name: str) -> str | None:
        """The value of setting ``name``, or None when unreadable or absent."""
        for key, value in self.settings:
            if key == name:
                return value
        return None

    def setting_source(self, name: str) -> str | None:
        """Where the value of setting ``name`` comes from, or None when unread."""
        for key, value in self.setting_sources:
            if key == name:
                return value
        return None

    def preloaded(self) -> tuple[str, ...] | None:
        """The libraries in ``shared_preload_libraries`` (lower case), None when unread."""
        value = self.setting("shared_preload_libraries")
        if value is None:
            return None
        return tuple(p.strip().strip('"').lower() for p in value.split(",") if p.strip())

    def missing(self, keys: tuple[str, ...]) -> tuple[Unreadable, ...]:
        """The unreadable facts among ``keys``."""
        wanted = set(keys)
        return tuple(u for u in self.unreadable if u.fact in wanted)

    def role(self, name: str) -> RoleFact | None:
        for item in self.roles:
            if item.name == name:
                return item
        return None
