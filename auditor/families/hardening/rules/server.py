"""Hardening rules on server settings: logging, and switches that risk data loss."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.core.findings import Hit, Location, Severity
from auditor.core.rules import rule
from auditor.families.hardening.policy import FAMILY, HardeningAudit
from auditor.families.hardening.rules.common import (
    flag,
    is_off,
    is_on,
    less_verbose,
    reload_fix,
    restart_fix,
    setting_evidence,
    setting_hit,
    setting_location,
)

# --- logging ---------------------------------------------------------------------


@rule(
    "HRD014", FAMILY, Severity.LOW, "Connections, disconnections and failing statements are logged"
)
def logging_settings(audit: HardeningAudit) -> Iterator[Hit]:
    """``log_connections`` or ``log_disconnections`` is off; ``log_statement`` is
    ``none`` while ``require-statement-logging = true``; ``log_min_error_statement``
    is above ``error`` (failing statements are not logged).

    Without these, an incident leaves no trace of who connected when, or of the
    statements that probed the schema.

    Bad:

        log_connections = off
        log_min_error_statement = fatal

    Good:

        log_connections = on
        log_disconnections = on
        log_statement = 'ddl'
        log_min_error_statement = error
    """
    facts = audit.facts
    for name in ("log_connections", "log_disconnections"):
        value = facts.setting(name)
        if value is not None and is_off(value):
            yield Hit(
                message=f"{name} is off",
                location=setting_location(name),
                fix=f"ALTER SYSTEM SET {name} = on; SELECT pg_reload_conf();",
                evidence=setting_evidence(audit, name),
            )
    statement = facts.setting("log_statement")
    if statement is not None and audit.policy.require_statement_logging and statement == "none":
        yield Hit(
            message="log_statement is 'none' but statement logging is required",
            location=setting_location("log_statement"),
            fix="ALTER SYSTEM SET log_statement = 'ddl'; SELECT pg_reload_conf();",
            evidence=setting_evidence(audit, "log_statement"),
        )
    level = facts.setting("log_min_error_statement")
    if level is not None and less_verbose(level, "error"):
        yield Hit(
            message=f"log_min_error_statement is {level}: statements that fail are not logged",
            location=setting_location("log_min_error_statement"),
            fix="ALTER SYSTEM SET log_min_error_statement = error; SELECT pg_reload_conf();",
            evidence=setting_evidence(audit, "log_min_error_statement"),
        )


# --- dangerous settings ----------------------------------------------------------

_MUST_BE_ON = {"fsync": Severity.HIGH, "full_page_writes": Severity.HIGH}
_MUST_BE_OFF = {
    "ignore_system_indexes": Severity.MEDIUM,
    "allow_system_table_mods": Severity.HIGH,
    "jit_debugging_support": Severity.MEDIUM,
}


@rule("HRD015", FAMILY, Severity.HIGH, "No setting that risks data loss or catalog damage is on")
def dangerous_settings(audit: HardeningAudit) -> Iterator[Hit]:
    """``fsync`` or ``full_page_writes`` is off, or ``ignore_system_indexes``,
    ``allow_system_table_mods`` or ``jit_debugging_support`` is on.

    With fsync or full-page writes off a crash can corrupt the cluster beyond repair;
    the others are debugging switches that allow catalog damage or slow everything.

    Bad:

        fsync = off
        allow_system_table_mods = on

    Good:

        fsync = on
        full_page_writes = on
        allow_system_table_mods = off
    """
    facts = audit.facts
    for name, severity in _MUST_BE_ON.items():
        value = facts.setting(name)
        if value is not None and is_off(value):
            yield Hit(
                message=f"{name} is off: a crash can corrupt the database",
                location=setting_location(name),
                fix=f"ALTER SYSTEM SET {name} = on; SELECT pg_reload_conf();",
                evidence=setting_evidence(audit, name),
                severity=severity,
            )
    for name, severity in _MUST_BE_OFF.items():
        value = facts.setting(name)
        if value is not None and is_on(value):
            yield Hit(
                message=f"{name} is on (a debugging setting)",
                location=setting_location(name),
                fix=f"ALTER SYSTEM RESET {name};  -- and restart where required",
                evidence=setting_evidence(audit, name),
                severity=severity,
            )


# --- data integrity and locations (CIS 1.3.3, 1.6, 8.1) --------------------------


@rule("HRD020", FAMILY, Severity.MEDIUM, "Data checksums are enabled")
def data_checksums(audit: HardeningAudit) -> Iterator[Hit]:
    """``data_checksums`` is off: PostgreSQL cannot detect a page silently corrupted on disk.

    Without checksums a failing disk or controller corrupts rows unnoticed until the
    damage has reached every backup.

    Bad:

        data_checksums = off

    Good:

        data_checksums = on      # initdb --data-checksums, or pg_checksums --enable
    """
    value = audit.facts.setting("data_checksums")
    if value is not None and is_off(value):
        yield setting_hit(
            audit,
            "data_checksums",
            "data_checksums is off: corrupted pages go undetected",
            "stop the server and run pg_checksums --enable -D <data directory>",
        )


def inside(path: str, directory: str) -> bool:
    """True when absolute ``path`` is ``directory`` or below it."""
    base = directory.rstrip("/")
    return path.rstrip("/") == base or path.startswith(base + "/")


@rule("HRD021", FAMILY, Severity.LOW, "Tablespaces live outside the data directory")
def tablespace_locations(audit: HardeningAudit) -> Iterator[Hit]:
    """A tablespace's directory is inside ``data_directory`` (needs
    ``pg_read_all_settings`` to read the data directory).

    A tablespace inside the data cluster shares its disk and its backups and defeats
    the point of a tablespace; PostgreSQL warns when one is created there.

    Bad:

        data_directory = '/var/lib/postgresql/16/main'
        tablespace fast = '/var/lib/postgresql/16/main/fast'

    Good:

        data_directory = '/var/lib/postgresql/16/main'
        tablespace fast = '/srv/pg_fast'
    """
    data = audit.facts.setting("data_directory")
    if not data:
        return
    for space in audit.facts.tablespaces:
        if space.location and inside(space.location, data):
            yield Hit(
                message=f"tablespace {space.name} is inside the data directory ({space.location})",
                location=Location(object=f"tablespace:{space.name}"),
                fix=f"move tablespace {space.name} to a directory outside {data}",
                evidence=(
                    ("tablespace", space.name),
                    ("location", space.location),
                    ("data_directory", data),
                ),
            )


# --- where the server log goes (CIS 3.1.2-3.1.9, 3.1.27) --------------------------

_COLLECTED = {"stderr", "csvlog", "jsonlog"}


def _destinations(audit: HardeningAudit) -> set[str]:
    value = audit.facts.setting("log_destination") or ""
    return {p.strip().lower() for p in value.split(",") if p.strip()}


@rule("HRD022", FAMILY, Severity.MEDIUM, "Server log messages are kept (destination and collector)")
def log_destination(audit: HardeningAudit) -> Iterator[Hit]:
    """``log_destination`` is empty, or it writes ``stderr``/``csvlog``/``jsonlog`` while
    ``logging_collector`` is off (the messages then go wherever the server's stderr goes,
    and csvlog/jsonlog go nowhere).

    Bad:

        log_destination = 'stderr'
        logging_collector = off

    Good:

        log_destination = 'stderr'
        logging_collector = on
    """
    facts = audit.facts
    value = facts.setting("log_destination")
    if value is not None and not _destinations(audit):
        yield setting_hit(
            audit,
            "log_destination",
            "log_destination is empty: server log messages are lost",
            reload_fix("log_destination", "'stderr'"),
        )
    collector = facts.setting("logging_collector")
    if collector is not None and is_off(collector) and _destinations(audit) & _COLLECTED:
        yield setting_hit(
            audit,
            "logging_collector",
            "logging_collector is off: log files are not written by the server",
            restart_fix("logging_collector", "on"),
            severity=Severity.LOW,
        )


def _collector_on(audit: HardeningAudit) -> bool:
    value = audit.facts.setting("logging_collector")
    return value is not None and is_on(value)


@rule("HRD023", FAMILY, Severity.LOW, "Log files are private and outside the data directory")
def log_files(audit: HardeningAudit) -> Iterator[Hit]:
    """With ``logging_collector`` on: ``log_directory`` or ``log_filename`` is empty,
    ``log_directory`` is inside the data directory (a relative path is), or
    ``log_file_mode`` lets others than the server's user and group read the logs.

    Logs hold statements, user names and client addresses: they leave the data
    directory's disk and backups, and only the server's account reads them.

    Bad:

        logging_collector = on
        log_directory = 'log'          # inside the data directory
        log_file_mode = 0644

    Good:

        logging_collector = on
        log_directory = '/var/log/postgresql'
        log_file_mode = 0600
    """
    if not _collector_on(audit):
        return
    facts = audit.facts
    directory = facts.setting("log_directory")
    data = facts.setting("data_directory")
    if directory is not None:
        if not directory.strip():
            yield setting_hit(
                audit,
                "log_directory",
                "log_directory is empty",
                reload_fix("log_directory", "'/var/log/postgresql'"),
            )
        elif not directory.startswith("/") or (data and inside(directory, data)):
            yield setting_hit(
                audit,
                "log_directory",
                f"log_directory {directory!r} is inside the data directory",
                reload_fix("log_directory", "'/var/log/postgresql'"),
            )
    filename = facts.setting("log_filename")
    if filename is not None and not filename.strip():
        yield setting_hit(
            audit,
            "log_filename",
            "log_filename is empty",
            reload_fix("log_filename", "'postgresql-%Y-%m-%d_%H%M%S.log'"),
        )
    mode = facts.setting("log_file_mode")
    if mode is not None and mode.strip() not in ("0600", "0640", "600", "640"):
        yield setting_hit(
            audit,
            "log_file_mode",
            f"log_file_mode is {mode}: other accounts can read the server log",
            reload_fix("log_file_mode", "0600"),
        )


@rule("HRD024", FAMILY, Severity.LOW, "Log files rotate at least daily and are not appended to")
def log_rotation(audit: HardeningAudit) -> Iterator[Hit]:
    """With ``logging_collector`` on: ``log_truncate_on_rotation`` is off, or
    ``log_rotation_age`` is 0 or longer than a day, or ``log_rotation_size`` is 0.

    Without rotation one file grows until the disk is full; a recurring file name
    without truncation mixes days in one file.

    Bad:

        logging_collector = on
        log_truncate_on_rotation = off
        log_rotation_age = 0

    Good:

        logging_collector = on
        log_truncate_on_rotation = on
        log_rotation_age = 1440       # minutes
        log_rotation_size = 1048576   # kB
    """
    if not _collector_on(audit):
        return
    yield from flag(
        audit,
        "log_truncate_on_rotation",
        is_off,
        "log_truncate_on_rotation is off: a reused log file name is appended to",
        "on",
    )
    yield from flag(
        audit,
        "log_rotation_age",
        lambda v: v.isdigit() and (int(v) == 0 or int(v) > 1440),
        "log_rotation_age is {value} minutes: log files are not rotated daily",
        "'1d'",
    )
    yield from flag(
        audit,
        "log_rotation_size",
        lambda v: v.strip() == "0",
        "log_rotation_size is 0: a log file grows without limit",
        "'1GB'",
    )


# --- what the server log says (CIS 3.1.14, 3.1.16-3.1.26, 7.2) --------------------


@rule("HRD025", FAMILY, Severity.LOW, "Warnings and worse reach the server log")
def log_min_messages(audit: HardeningAudit) -> Iterator[Hit]:
    """``log_min_messages`` is less verbose than ``warning`` (``error``, ``log``,
    ``fatal`` or ``panic``): warnings about the server's state are dropped.

    Bad:

        log_min_messages = fatal

    Good:

        log_min_messages = warning
    """
    yield from flag(
        audit,
        "log_min_messages",
        lambda v: less_verbose(v, "warning"),
        "log_min_messages is {value}: warnings are not logged",
        "warning",
    )


_DEBUG_PRINTS = ("debug_print_parse", "debug_print_rewritten", "debug_print_plan")


@rule("HRD026", FAMILY, Severity.MEDIUM, "No query trees are printed to the log")
def debug_prints(audit: HardeningAudit) -> Iterator[Hit]:
    """``debug_print_parse``, ``debug_print_rewritten`` or ``debug_print_plan`` is on,
    or ``debug_pretty_print`` is off.

    The printed trees carry the statements' constants (passwords, personal data) past
    every other logging setting; unindented, they are unreadable in an incident.

    Bad:

        debug_print_plan = on

    Good:

        debug_print_parse = off
        debug_print_rewritten = off
        debug_print_plan = off
        debug_pretty_print = on
    """
    for name in _DEBUG_PRINTS:
        yield from flag(audit, name, is_on, f"{name} is on: query trees go to the log", "off")
    yield from flag(
        audit,
        "debug_pretty_print",
        is_off,
        "debug_pretty_print is off: debug output is not indented",
        "on",
        Severity.LOW,
    )


@rule("HRD027", FAMILY, Severity.LOW, "Log messages carry enough detail (not terse)")
def log_error_verbosity(audit: HardeningAudit) -> Iterator[Hit]:
    """``log_error_verbosity`` is ``terse``: DETAIL, HINT, QUERY and CONTEXT are left out.

    Bad:

        log_error_verbosity = terse

    Good:

        log_error_verbosity = verbose
    """
    yield from flag(
        audit,
        "log_error_verbosity",
        lambda value: value.strip().lower() == "terse",
        "log_error_verbosity is terse: error details are not logged",
        "verbose",
    )


@rule("HRD028", FAMILY, Severity.INFO, "Client host names are not resolved for the log")
def log_hostname(audit: HardeningAudit) -> Iterator[Hit]:
    """``log_hostname`` is on: every connection waits for a reverse DNS lookup, and the
    log records a name an attacker controlling DNS chooses instead of the address.

    Bad:

        log_hostname = on

    Good:

        log_hostname = off
    """
    yield from flag(
        audit,
        "log_hostname",
        is_on,
        "log_hostname is on: the log records resolved names, not addresses",
        "off",
    )


_PREFIX_ESCAPES = {
    "time (%m or %t)": ("%m", "%t", "%n"),
    "process id (%p)": ("%p",),
    "database (%d)": ("%d",),
    "user (%u)": ("%u",),
    "client address (%h or %r)": ("%h", "%r"),
}


@rule(
    "HRD029", FAMILY, Severity.LOW, "Each log line says when, who, where from and in which database"
)
def log_line_prefix(audit: HardeningAudit) -> Iterator[Hit]:
    """``log_line_prefix`` lacks the time, process id, database, user or client address.

    Without them a log line cannot be tied to a session, a person or a machine.

    Bad:

        log_line_prefix = '%m [%p] '

    Good:

        log_line_prefix = '%m [%p]: db=%d,user=%u,app=%a,client=%h '
    """
    value = audit.facts.setting("log_line_prefix")
    if value is None:
        return
    missing = [
        what for what, escapes in _PREFIX_ESCAPES.items() if not any(e in value for e in escapes)
    ]
    if missing:
        yield setting_hit(
            audit,
            "log_line_prefix",
            f"log_line_prefix lacks {', '.join(missing)}",
            reload_fix("log_line_prefix", "'%m [%p]: db=%d,user=%u,app=%a,client=%h '"),
        )


_UTC = {
    "utc",
    "gmt",
    "etc/utc",
    "etc/gmt",
    "etc/universal",
    "universal",
    "zulu",
    "etc/zulu",
    "uct",
    "etc/uct",
    "gmt0",
    "etc/gmt0",
}


@rule("HRD030", FAMILY, Severity.INFO, "Log timestamps are in UTC")
def log_timezone(audit: HardeningAudit) -> Iterator[Hit]:
    """``log_timezone`` is not UTC/GMT: log times shift with daylight saving time and do
    not line up with the other systems' logs in an incident timeline.

    Bad:

        log_timezone = 'Europe/Berlin'

    Good:

        log_timezone = 'UTC'
    """
    yield from flag(
        audit,
        "log_timezone",
        lambda value: value.strip().lower() not in _UTC,
        "log_timezone is '{value}', not UTC",
        "'UTC'",
    )


@rule("HRD031", FAMILY, Severity.LOW, "Replication commands are logged")
def log_replication_commands(audit: HardeningAudit) -> Iterator[Hit]:
    """``log_replication_commands`` is off: a replication connection can copy the whole
    cluster to another host and leave no trace of its commands.

    Bad:

        log_replication_commands = off

    Good:

        log_replication_commands = on
    """
    yield from flag(
        audit, "log_replication_commands", is_off, "log_replication_commands is off", "on"
    )


@rule("HRD032", FAMILY, Severity.MEDIUM, "pgAudit is loaded and logs something")
def pgaudit(audit: HardeningAudit) -> Iterator[Hit]:
    """``pgaudit`` is not in ``shared_preload_libraries``, or ``pgaudit.log`` is ``none``
    (needs ``pg_read_all_settings`` to read the preloaded libraries).

    The standard log records statements, not which objects a session read or changed;
    pgAudit writes the session and object audit trail compliance reviews ask for.

    Bad:

        shared_preload_libraries = ''

    Good:

        shared_preload_libraries = 'pgaudit'
        pgaudit.log = 'ddl, role, write'
    """
    preloaded = audit.facts.preloaded()
    if preloaded is None:
        return
    if "pgaudit" not in preloaded:
        yield setting_hit(
            audit,
            "shared_preload_libraries",
            "pgaudit is not loaded: there is no session or object audit log",
            restart_fix("shared_preload_libraries", "'pgaudit'") + "; CREATE EXTENSION pgaudit;",
        )
        return
    classes = audit.facts.setting("pgaudit.log")
    if classes is None or classes.strip().lower() in ("", "none"):
        yield Hit(
            message="pgaudit is loaded but pgaudit.log is none: nothing is audited",
            location=setting_location("pgaudit.log"),
            fix=reload_fix("pgaudit.log", "'ddl, role, write'"),
            evidence=(("pgaudit.log", classes or "none"),),
        )


# --- WAL archiving (CIS 7.4) -------------------------------------------------------


@rule("HRD033", FAMILY, Severity.MEDIUM, "WAL is archived")
def wal_archiving(audit: HardeningAudit) -> Iterator[Hit]:
    """``archive_mode`` is off, or on with neither an ``archive_command`` nor an
    ``archive_library`` (needs superuser or ``pg_read_all_settings`` for the command).

    Without archived WAL there is no point-in-time recovery: a dropped table or a
    ransomware ``UPDATE`` is lost back to the last base backup.

    Bad:

        archive_mode = off

    Good:

        archive_mode = on
        archive_command = 'pgbackrest --stanza=main archive-push %p'
    """
    facts = audit.facts
    mode = facts.setting("archive_mode")
    if mode is None:
        return
    if is_off(mode):
        yield setting_hit(
            audit,
            "archive_mode",
            "archive_mode is off: WAL is not archived, no point-in-time recovery",
            restart_fix("archive_mode", "on") + "  -- with an archive_command",
        )
        return
    command = (facts.setting("archive_command") or "").strip()
    library = (facts.setting("archive_library") or "").strip()
    if command in ("", "(disabled)") and not library:
        yield setting_hit(
            audit,
            "archive_command",
            "archive_mode is on but no archive_command or archive_library is set",
            reload_fix("archive_command", "'<copy %p to the archive>'"),
        )
