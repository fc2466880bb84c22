"""Collect :class:`ServerFacts` from a live server: a few set-based, read-only queries.

Every statement is a ``SELECT`` (or ``WITH ... SELECT``) on the system catalogs in
the read-only session of :func:`auditor.db.target.connect`. Facts that need a
privilege the role lacks are probed first (``has_table_privilege`` and friends),
not attempted, and recorded as :class:`Unreadable` with the privilege to grant.
"""

from __future__ import annotations

from typing import Any

import psycopg

from auditor.db.target import connect
from auditor.families.hardening.facts import (
    PG_AUTHID,
    PG_HBA,
    DefinerFunction,
    ExtensionFact,
    HbaLine,
    PublicGrant,
    RoleFact,
    SchemaGrant,
    ServerFacts,
    TableFact,
    TablespaceFact,
    Unreadable,
    UntrustedFunction,
    setting_key,
)

Conn = psycopg.Connection[Any]

SETTINGS = (
    "ssl",
    "ssl_min_protocol_version",
    "listen_addresses",
    "password_encryption",
    "log_connections",
    "log_disconnections",
    "log_statement",
    "log_min_error_statement",
    "fsync",
    "full_page_writes",
    "ignore_system_indexes",
    "allow_system_table_mods",
    "jit_debugging_support",
    # CIS PostgreSQL 16, sections 1, 3, 5, 6 and 7 (HRD020-HRD040)
    "data_checksums",
    "data_directory",
    "log_destination",
    "logging_collector",
    "log_directory",
    "log_filename",
    "log_file_mode",
    "log_truncate_on_rotation",
    "log_rotation_age",
    "log_rotation_size",
    "log_min_messages",
    "log_error_verbosity",
    "log_hostname",
    "log_line_prefix",
    "log_timezone",
    "log_replication_commands",
    "debug_print_parse",
    "debug_print_rewritten",
    "debug_print_plan",
    "debug_pretty_print",
    "shared_preload_libraries",
    "authentication_timeout",
    "ssl_ciphers",
    "archive_mode",
    "archive_command",
    "archive_library",
)
"""The server settings the rules read."""

SETTING_PREFIXES = ("pgaudit.%", "set_user.%", "auth_delay.%")
"""Settings of loadable modules, read when present (they exist only once the module is loaded)."""

READ_ALL_SETTINGS = "pg_read_all_settings"
AUTHID_PRIVILEGE = (
    "superuser (pg_authid, which holds the password hashes, is readable only by superusers)"
)
HBA_PRIVILEGE = (
    "superuser, or in the audited database: GRANT SELECT ON pg_catalog.pg_hba_file_rules "
    "and GRANT EXECUTE ON FUNCTION pg_catalog.pg_hba_file_rules()"
)

# Schemas that belong to PostgreSQL itself; everything else is an application schema.
_APP_SCHEMA = (
    "{ns}.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND {ns}.nspname !~ '^pg_(toast|temp_|toast_temp_)'"
)
_NOT_EXTENSION_MEMBER = (
    "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = {cls}::regclass "
    "AND d.objid = {oid} AND d.deptype = 'e')"
)

Q_SESSION = """
SELECT current_user, current_database(),
       current_setting('server_version'), current_setting('server_version_num')::int,
       (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user),
       pg_catalog.pg_has_role(current_user, 'pg_read_all_settings', 'USAGE'),
       pg_catalog.has_table_privilege('pg_catalog.pg_authid', 'SELECT'),
       pg_catalog.has_table_privilege('pg_catalog.pg_hba_file_rules', 'SELECT')
         AND pg_catalog.has_function_privilege('pg_catalog.pg_hba_file_rules()', 'EXECUTE')
"""

Q_SETTINGS = """
SELECT name, setting, source FROM pg_catalog.pg_settings
WHERE name = ANY(%s) OR name LIKE ANY(%s)
"""

Q_TABLESPACES = """
SELECT spcname, pg_catalog.pg_tablespace_location(oid) FROM pg_catalog.pg_tablespace ORDER BY 1
"""

Q_ROLES = """
SELECT r.rolname, r.rolsuper, r.rolcanlogin, r.rolcreaterole, r.rolcreatedb,
       r.rolreplication, r.rolbypassrls, r.rolconnlimit, r.rolvaliduntil::text,
       ARRAY(
         WITH RECURSIVE up(roleid) AS (
           SELECT m.roleid FROM pg_catalog.pg_auth_members m WHERE m.member = r.oid{set_option}
           UNION
           SELECT m.roleid FROM pg_catalog.pg_auth_members m JOIN up ON m.member = up.roleid{set_option}
         )
         SELECT g.rolname::text FROM up JOIN pg_catalog.pg_roles g ON g.oid = up.roleid ORDER BY 1
       )
FROM pg_catalog.pg_roles r
WHERE r.rolname !~ '^pg_'
ORDER BY r.rolname
"""

# Only a yes/no per role leaves the server: never the hash itself.
Q_MD5 = """
SELECT rolname FROM pg_catalog.pg_authid
WHERE rolpassword LIKE 'md5%' ORDER BY rolname
"""

Q_HBA = """
SELECT line_number, type, database, user_name, address, netmask, auth_method, error
FROM pg_catalog.pg_hba_file_rules ORDER BY line_number
"""

Q_SCHEMA_GRANTS = f"""
SELECT n.nspname, a.privilege_type
FROM pg_catalog.pg_namespace n
CROSS JOIN LATERAL pg_catalog.aclexplode(COALESCE(n.nspacl, pg_catalog.acldefault('n', n.nspowner))) a
WHERE a.grantee = 0 AND {_APP_SCHEMA.format(ns="n")}
ORDER BY 1, 2
"""

Q_PUBLIC_GRANTS = f"""
SELECT CASE c.relkind WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view'
                      WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table'
                      ELSE 'table' END,
       n.nspname, c.relname::text, ARRAY_AGG(a.privilege_type ORDER BY a.privilege_type)
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) a
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND a.grantee = 0
  AND {_APP_SCHEMA.format(ns="n")}
  AND {_NOT_EXTENSION_MEMBER.format(cls="'pg_catalog.pg_class'", oid="c.oid")}
GROUP BY 1, 2, 3
UNION ALL
SELECT 'function', n.nspname,
       p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')',
       ARRAY_AGG(a.privilege_type ORDER BY a.privilege_type)
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
CROSS JOIN LATERAL pg_catalog.aclexplode(COALESCE(p.proacl, pg_catalog.acldefault('f', p.proowner))) a
WHERE a.grantee = 0 AND p.prokind IN ('f', 'p')
  AND {_APP_SCHEMA.format(ns="n")}
  AND {_NOT_EXTENSION_MEMBER.format(cls="'pg_catalog.pg_proc'", oid="p.oid")}
GROUP BY 1, 2, 3
ORDER BY 2, 3
"""

Q_DEFINER = f"""
SELECT n.nspname, p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')',
       pg_catalog.pg_get_userbyid(p.proowner), COALESCE(p.proconfig, '{{}}')
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE p.prosecdef AND {_APP_SCHEMA.format(ns="n")}
  AND {_NOT_EXTENSION_MEMBER.format(cls="'pg_catalog.pg_proc'", oid="p.oid")}
ORDER BY 1, 2
"""

Q_TABLES = f"""
SELECT n.nspname, c.relname, pg_catalog.pg_get_userbyid(c.relowner),
       c.relrowsecurity, c.relforcerowsecurity,
       (SELECT count(*) FROM pg_catalog.pg_policy pol WHERE pol.polrelid = c.oid)::int,
       ARRAY(SELECT a.attname::text FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum)
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND {_APP_SCHEMA.format(ns="n")}
  AND {_NOT_EXTENSION_MEMBER.format(cls="'pg_catalog.pg_class'", oid="c.oid")}
ORDER BY 1, 2
"""

Q_EXTENSIONS = """
SELECT e.extname, e.extversion, n.nspname
FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
ORDER BY 1
"""

Q_UNTRUSTED = f"""
SELECT l.lanname, n.nspname,
       p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')', r.rolname
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_language l ON l.oid = p.prolang
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
JOIN pg_catalog.pg_roles r ON r.oid = p.proowner
WHERE NOT l.lanpltrusted AND l.lanname <> 'internal' AND NOT r.rolsuper
  AND {_APP_SCHEMA.format(ns="n")}
  AND {_NOT_EXTENSION_MEMBER.format(cls="'pg_catalog.pg_proc'", oid="p.oid")}
ORDER BY 2, 3
"""


def roles_query(version_num: int) -> str:
    """:data:`Q_ROLES` for this server: from 16 on, only memberships that allow ``SET ROLE``."""
    return Q_ROLES.replace("{set_option}", " AND m.set_option" if version_num >= 160000 else "")


QUERIES = (
    Q_SESSION,
    Q_SETTINGS,
    Q_ROLES,
    Q_MD5,
    Q_HBA,
    Q_SCHEMA_GRANTS,
    Q_PUBLIC_GRANTS,
    Q_DEFINER,
    Q_TABLES,
    Q_EXTENSIONS,
    Q_UNTRUSTED,
    Q_TABLESPACES,
)
"""Every statement the collector may send (all reads)."""


def _text_tuple(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    return (str(value),)


def collect_facts(dsn: str) -> ServerFacts:
    """Read the facts from the database at ``dsn`` (read-only session, timeouts)."""
    with connect(dsn) as conn:
        return read_facts(conn)


def read_facts(conn: Conn) -> ServerFacts:
    """Read the facts on an open (read-only) connection."""
    session = conn.execute(Q_SESSION).fetchone()
    assert session is not None
    user, database, version, version_num, superuser, all_settings, authid_ok, hba_ok = session
    unreadable: list[Unreadable] = []

    rows = conn.execute(Q_SETTINGS, (list(SETTINGS), list(SETTING_PREFIXES))).fetchall()
    settings = tuple((str(name), str(value)) for name, value, _ in rows)
    sources = tuple((str(name), str(source)) for name, _, source in rows)
    seen = {name for name, _ in settings}
    absent: list[str] = []
    for name in SETTINGS:
        if name in seen:
            continue
        if superuser or all_settings:
            absent.append(name)  # this server version has no such setting
        else:
            unreadable.append(Unreadable(setting_key(name), READ_ALL_SETTINGS))

    roles = tuple(
        RoleFact(
            name=str(r[0]),
            superuser=bool(r[1]),
            login=bool(r[2]),
            createrole=bool(r[3]),
            createdb=bool(r[4]),
            replication=bool(r[5]),
            bypassrls=bool(r[6]),
            connection_limit=int(r[7]),
            valid_until=None if r[8] in (None, "infinity") else str(r[8]),
            member_of=_text_tuple(r[9]),
        )
        for r in conn.execute(roles_query(int(version_num))).fetchall()
    )

    md5_roles: tuple[str, ...] | None = None
    if authid_ok:
        md5_roles = tuple(str(r[0]) for r in conn.execute(Q_MD5).fetchall())
    else:
        unreadable.append(Unreadable(PG_AUTHID, AUTHID_PRIVILEGE))

    hba: tuple[HbaLine, ...] | None = None
    if hba_ok:
        hba = tuple(
            HbaLine(
                line_number=int(r[0]),
                type=str(r[1]),
                databases=_text_tuple(r[2]),
                users=_text_tuple(r[3]),
                address=None if r[4] is None else str(r[4]),
                netmask=None if r[5] is None else str(r[5]),
                method=str(r[6]),
                error=None if r[7] is None else str(r[7]),
            )
            for r in conn.execute(Q_HBA).fetchall()
        )
    else:
        unreadable.append(Unreadable(PG_HBA, HBA_PRIVILEGE))

    return ServerFacts(
        database=str(database),
        user=str(user),
        superuser=bool(superuser),
        version=str(version),
        version_num=int(version_num),
        settings=settings,
        setting_sources=sources,
        absent_settings=tuple(absent),
        roles=roles,
        md5_roles=md5_roles,
        hba=hba,
        schema_grants=tuple(
            SchemaGrant(str(r[0]), str(r[1])) for r in conn.execute(Q_SCHEMA_GRANTS).fetchall()
        ),
        public_grants=tuple(
            PublicGrant(str(r[0]), str(r[1]), str(r[2]), _text_tuple(r[3]))
            for r in conn.execute(Q_PUBLIC_GRANTS).fetchall()
        ),
        definer_functions=tuple(
            DefinerFunction(str(r[0]), str(r[1]), str(r[2]), _text_tuple(r[3]))
            for r in conn.execute(Q_DEFINER).fetchall()
        ),
        tables=tuple(
            TableFact(
                schema=str(r[0]),
                name=str(r[1]),
                owner=str(r[2]),
                rls_enabled=bool(r[3]),
                rls_forced=bool(r[4]),
                policies=int(r[5]),
                columns=_text_tuple(r[6]),
            )
            for r in conn.execute(Q_TABLES).fetchall()
        ),
        extensions=tuple(
            ExtensionFact(str(r[0]), str(r[1]), str(r[2]))
            for r in conn.execute(Q_EXTENSIONS).fetchall()
        ),
        untrusted_functions=tuple(
            UntrustedFunction(str(r[0]), str(r[1]), str(r[2]), str(r[3]))
            for r in conn.execute(Q_UNTRUSTED).fetchall()
        ),
        tablespaces=tuple(
            TablespaceFact(str(r[0]), str(r[1] or ""))
            for r in conn.execute(Q_TABLESPACES).fetchall()
        ),
        unreadable=tuple(unreadable),
    )
