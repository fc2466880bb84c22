"""Hardening rules on hand-built ServerFacts: the server-wide settings a test must not
change on a shared server (ssl, listen_addresses, fsync, pg_hba.conf), version
arithmetic, and the configuration table."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from auditor.core.config import ConfigError, load_config
from auditor.core.findings import Hit, Severity
from auditor.families.hardening import policy
from auditor.families.hardening.facts import HbaLine, RoleFact, ServerFacts
from auditor.families.hardening.policy import HardeningAudit, HardeningPolicy
from auditor.families.hardening.rules import network, objects, release, server
from auditor.families.hardening.rules import roles as role_rules
from auditor.families.hardening.versions import VERSIONS, major_version, split_version_num

BASE = ServerFacts(
    database="app",
    user="auditor",
    superuser=False,
    version="16.16",
    version_num=160016,
    settings=(
        ("ssl", "on"),
        ("ssl_min_protocol_version", "TLSv1.2"),
        ("listen_addresses", "10.0.0.5"),
        ("password_encryption", "scram-sha-256"),
        ("log_connections", "on"),
        ("log_disconnections", "on"),
        ("log_statement", "ddl"),
        ("log_min_error_statement", "error"),
        ("fsync", "on"),
        ("full_page_writes", "on"),
        ("ignore_system_indexes", "off"),
        ("allow_system_table_mods", "off"),
        ("jit_debugging_support", "off"),
        # CIS-hardened values of the settings HRD020-HRD040 read
        ("data_checksums", "on"),
        ("data_directory", "/var/lib/postgresql/16/main"),
        ("log_destination", "stderr"),
        ("logging_collector", "on"),
        ("log_directory", "/var/log/postgresql"),
        ("log_filename", "postgresql-%Y-%m-%d_%H%M%S.log"),
        ("log_file_mode", "0600"),
        ("log_truncate_on_rotation", "on"),
        ("log_rotation_age", "1440"),
        ("log_rotation_size", "1048576"),
        ("log_min_messages", "warning"),
        ("log_error_verbosity", "verbose"),
        ("log_hostname", "off"),
        ("log_line_prefix", "%m [%p]: db=%d,user=%u,app=%a,client=%h "),
        ("log_timezone", "UTC"),
        ("log_replication_commands", "on"),
        ("debug_print_parse", "off"),
        ("debug_print_rewritten", "off"),
        ("debug_print_plan", "off"),
        ("debug_pretty_print", "on"),
        ("shared_preload_libraries", "pgaudit, set_user, passwordcheck, auth_delay"),
        ("pgaudit.log", "ddl, role, write"),
        ("auth_delay.milliseconds", "500"),
        ("authentication_timeout", "60"),
        ("ssl_ciphers", "HIGH:!aNULL:!eNULL:!MD5:!3DES:!SHA1"),
        ("archive_mode", "on"),
        ("archive_command", "pgbackrest --stanza=main archive-push %p"),
        ("archive_library", ""),
    ),
    md5_roles=(),
    hba=(),
)
TODAY = date(2026, 11, 25)


def run(rule_fn: object, facts: ServerFacts, **policy: object) -> list[Hit]:
    audit = HardeningAudit(facts, HardeningPolicy(today=TODAY, **policy))  # type: ignore[arg-type]
    return list(rule_fn(audit))  # type: ignore[operator]


def with_setting(name: str, value: str) -> ServerFacts:
    settings = tuple((k, value if k == name else v) for k, v in BASE.settings)
    return replace(BASE, settings=settings)


SETTING_CASES = [
    # rule, setting, bad value, expected severity
    (network.ssl_settings, "ssl", "off", Severity.HIGH),
    (network.ssl_settings, "ssl_min_protocol_version", "TLSv1", Severity.HIGH),
    (network.ssl_settings, "ssl_min_protocol_version", "TLSv1.1", Severity.HIGH),
    (network.listens_everywhere, "listen_addresses", "*", Severity.INFO),
    (network.listens_everywhere, "listen_addresses", "localhost, 0.0.0.0", Severity.INFO),
    (role_rules.md5_passwords, "password_encryption", "md5", Severity.HIGH),
    (server.logging_settings, "log_connections", "off", Severity.LOW),
    (server.logging_settings, "log_connections", "", Severity.LOW),  # PostgreSQL 18 list form
    (server.logging_settings, "log_disconnections", "off", Severity.LOW),
    (server.logging_settings, "log_min_error_statement", "fatal", Severity.LOW),
    (server.logging_settings, "log_min_error_statement", "panic", Severity.LOW),
    (server.dangerous_settings, "fsync", "off", Severity.HIGH),
    (server.dangerous_settings, "full_page_writes", "off", Severity.HIGH),
    (server.dangerous_settings, "ignore_system_indexes", "on", Severity.MEDIUM),
    (server.dangerous_settings, "allow_system_table_mods", "on", Severity.HIGH),
    (server.dangerous_settings, "jit_debugging_support", "on", Severity.MEDIUM),
]


@pytest.mark.parametrize(
    ("rule_fn", "name", "bad", "severity"),
    SETTING_CASES,
    ids=[f"{c[1]}={c[2] or 'empty'}" for c in SETTING_CASES],
)
def test_setting_rules_bad_then_good(
    rule_fn: object, name: str, bad: str, severity: Severity
) -> None:
    assert run(rule_fn, BASE) == []
    hits = run(rule_fn, with_setting(name, bad))
    assert len(hits) == 1
    assert hits[0].location.object == f"setting:{name}"
    assert (name, bad or "''") in hits[0].evidence
    assert (hits[0].severity or severity) == severity


def test_listen_everywhere_is_medium_when_server_must_be_private() -> None:
    hits = run(
        network.listens_everywhere, with_setting("listen_addresses", "*"), require_private=True
    )
    assert [h.severity for h in hits] == [Severity.MEDIUM]


def test_statement_logging_only_when_required() -> None:
    facts = with_setting("log_statement", "none")
    assert run(server.logging_settings, facts) == []
    hits = run(server.logging_settings, facts, require_statement_logging=True)
    assert [h.location.object for h in hits] == ["setting:log_statement"]


def test_unread_settings_give_no_hit() -> None:
    facts = replace(BASE, settings=(("ssl", "on"),))
    for rule_fn in (network.ssl_settings, server.logging_settings, server.dangerous_settings):
        assert run(rule_fn, facts) == []


def hba(line: int, kind: str, address: str | None, netmask: str | None, method: str) -> HbaLine:
    return HbaLine(line, kind, ("all",), ("all",), address, netmask, method)


HBA_CASES = [
    # line, expected (key, severity) pairs
    (hba(1, "local", None, None, "peer"), []),
    (hba(2, "local", None, None, "trust"), [("method", Severity.HIGH)]),
    (hba(3, "host", "127.0.0.1", "255.255.255.255", "scram-sha-256"), []),
    (hba(4, "host", "::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "scram-sha-256"), []),
    (hba(5, "host", "127.0.0.1", "255.255.255.255", "trust"), [("method", Severity.HIGH)]),
    (hba(6, "host", "0.0.0.0", "0.0.0.0", "md5"), [("method", Severity.MEDIUM), ("host", None)]),
    (hba(7, "hostssl", "10.0.0.0", "255.0.0.0", "scram-sha-256"), []),
    (hba(8, "hostssl", "10.0.0.0", "255.0.0.0", "trust"), [("method", Severity.CRITICAL)]),
    (hba(9, "host", "all", None, "scram-sha-256"), [("host", None)]),
    (hba(10, "hostssl", "samenet", None, "password"), [("method", Severity.CRITICAL)]),
    (hba(11, "host", "samehost", None, "scram-sha-256"), []),
    (hba(12, "hostnossl", "db.example.com", None, "scram-sha-256"), [("host", None)]),
]


@pytest.mark.parametrize(
    ("line", "expected"), HBA_CASES, ids=[str(c[0].line_number) for c in HBA_CASES]
)
def test_hba_lines(line: HbaLine, expected: list[tuple[str, Severity | None]]) -> None:
    hits = run(network.hba_rules, replace(BASE, hba=(line,)))
    assert [(h.key, h.severity) for h in hits] == expected
    for hit in hits:
        assert hit.location.object == f"pg_hba.conf:{line.line_number}"
        assert ("method", line.method) in hit.evidence


def test_hba_unreadable_gives_no_hit() -> None:
    assert run(network.hba_rules, replace(BASE, hba=None)) == []


def test_superuser_membership_and_allowed_list() -> None:
    roles = (
        RoleFact("postgres", True, True, True, True, True, True, -1, None),
        RoleFact("boss", True, False, False, False, False, False, -1, None),
        RoleFact("app", False, True, False, False, False, False, 10, None, ("boss",)),
    )
    facts = replace(BASE, roles=roles)
    hits = run(role_rules.login_superuser, facts)
    assert [(h.location.object, h.key) for h in hits] == [("role:app", "membership")]
    assert run(role_rules.login_superuser, facts, allowed_superusers=("postgres", "app")) == []


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ((), None),
        (("search_path=app, pg_temp",), None),
        (("search_path=",), None),
        (("search_path=pg_temp, app",), "before the end"),
        (("work_mem=64MB",), "no pinned search_path"),
    ],
)
def test_definer_search_path_parsing(config: tuple[str, ...], expected: str | None) -> None:
    from auditor.families.hardening.facts import DefinerFunction

    fn = DefinerFunction("app", "f()", "owner", config)
    hits = run(objects.definer_search_path, replace(BASE, definer_functions=(fn,)))
    if not config:
        assert len(hits) == 1 and "no pinned search_path" in hits[0].message
    elif expected is None:
        assert hits == []
    else:
        assert len(hits) == 1 and expected in hits[0].message


def test_personal_column_patterns() -> None:
    columns = ("id", "Email_Address", "password_hash", "ssn", "customer_ssn", "assn_count")
    found = objects.personal_columns(columns, policy.DEFAULT_PERSONAL_DATA_COLUMNS)
    assert found == ["Email_Address", "password_hash", "ssn", "customer_ssn"]


# --- version table -------------------------------------------------------------------


def test_version_table_is_ordered_and_dated() -> None:
    majors = [v.major for v in VERSIONS]
    assert majors == sorted(majors) and len(set(majors)) == len(majors)
    eols = [v.end_of_life for v in VERSIONS]
    assert eols == sorted(eols)
    entry13 = major_version(13)
    assert entry13 is not None and entry13.end_of_life < date(2025, 12, 1)
    assert split_version_num(150020) == (15, 20)


@pytest.mark.parametrize(
    ("version_num", "eol", "behind"),
    [
        (130016, True, True),  # 13 reached EOL 2025-11
        (90624, True, False),  # before the table: EOL
        (150004, False, True),
        (160016, False, False),
        (990001, False, False),  # newer than the tool knows: neither
    ],
)
def test_version_rules(version_num: int, eol: bool, behind: bool) -> None:
    facts = replace(BASE, version=str(version_num), version_num=version_num)
    assert bool(run(release.end_of_life, facts)) is eol
    assert bool(run(release.behind_latest_minor, facts)) is behind


def test_latest_known_minor_is_not_behind() -> None:
    for entry in VERSIONS:
        num = entry.major * 10000 + entry.latest_minor
        facts = replace(BASE, version_num=num)
        assert run(release.behind_latest_minor, facts) == []
        assert bool(run(release.end_of_life, facts)) is (entry.end_of_life < TODAY)


# --- configuration -------------------------------------------------------------------


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "auditor.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_policy_from_config(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "[hardening]\n"
        'allowed-superusers = ["postgres", "dba"]\n'
        'privileged-roles = ["migrator"]\n'
        "require-password-expiry = true\n"
        "require-private = true\n"
        "require-statement-logging = true\n"
        'personal-data-columns = ["*phone*"]\n'
        "require-rls = true\n"
        'extension-deny-list = ["dblink"]\n',
    )
    policy = HardeningPolicy.from_config(load_config(path))
    assert policy.allowed_superusers == ("postgres", "dba")
    assert policy.privileged_roles == ("migrator",)
    assert policy.require_password_expiry and policy.require_private and policy.require_rls
    assert policy.require_statement_logging
    assert policy.personal_data_columns == ("*phone*",)
    assert policy.extension_deny_list == ("dblink",)
    assert policy.inactive_rules() == {}
    assert "HRD004" in HardeningPolicy().inactive_rules()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[hardening]\nallowed-superuser = []\n", "unknown key"),
        ("[hardening]\nrequire-rls = 'yes'\n", "must be true or false"),
        ("[hardening]\nextension-deny-list = 'dblink'\n", "must be a list of strings"),
        ("hardening = 3\n", "must be a table"),
    ],
)
def test_policy_config_errors(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(ConfigError, match=message) as info:
        HardeningPolicy.from_config(load_config(path))
    assert str(path) in str(info.value)


def test_collector_queries_are_reads() -> None:
    from auditor.families.hardening.collect import QUERIES

    assert len(QUERIES) >= 10
    for query in QUERIES:
        assert query.split(None, 1)[0].upper() in ("SELECT", "WITH"), query


def test_rule_modules_are_exactly_the_modules_of_the_hardening_rules() -> None:
    from auditor.core.rules import RULE_MODULES as ALL_MODULES
    from auditor.core.rules import all_rules
    from auditor.families.hardening.rules import RULE_MODULES

    rules = [r for r in all_rules() if r.family == policy.FAMILY]
    assert [r.id for r in rules] == [f"HRD{n:03}" for n in range(1, 42)]
    assert {r.check.__module__ for r in rules if r.check} == set(RULE_MODULES)
    assert set(RULE_MODULES) <= set(ALL_MODULES)
