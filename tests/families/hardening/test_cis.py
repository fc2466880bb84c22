"""The CIS controls HRD020-HRD041: every Bad:/Good: example run as facts, edge cases on
hand-built facts, and the bad state then the good state on the real server wherever a
setting can be changed for one database; server-wide values are read as they are and
the finding must agree with them.

Example format (the one the hardening examples use): ``name = value`` settings lines laid
over the hardened :data:`BASE`, pg_hba.conf lines, ``tablespace NAME = 'path'`` and
``today = 'YYYY-MM-DD'`` (the audit day, for HRD041).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import replace
from datetime import date

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from auditor.core.findings import Finding
from auditor.core.rules import Rule, all_rules, iter_examples, rules_of, run_rules
from auditor.families.hardening.collect import collect_facts
from auditor.families.hardening.facts import HbaLine, RoleFact, ServerFacts, TablespaceFact
from auditor.families.hardening.policy import FAMILY, HardeningAudit, HardeningPolicy
from auditor.families.hardening.rules import network
from tests.families.hardening.test_rules import BASE, TODAY

NEW = [r for r in all_rules() if r.family == FAMILY and 20 <= int(r.id[3:]) <= 41]
HBA_RULES = {"HRD035", "HRD036", "HRD037"}
HBA_TYPES = ("local", "host", "hostssl", "hostnossl")
SUPERUSER = RoleFact("postgres", True, True, True, True, True, True, -1, None)


def example_facts(text: str) -> tuple[ServerFacts, date]:
    """The facts (and audit day) an example describes."""
    values = dict(BASE.settings)
    spaces: list[TablespaceFact] = []
    hba: list[HbaLine] = []
    today = TODAY
    for number, line in enumerate(text.splitlines(), start=1):
        body = line.split("#", 1)[0].strip()
        if not body:
            continue
        fields = body.split()
        if fields[0] in HBA_TYPES:
            address = netmask = None
            if fields[0] != "local":
                network_ = ipaddress.ip_network(fields[3], strict=False)
                address, netmask = str(network_.network_address), str(network_.netmask)
            users = tuple(fields[2].split(","))
            hba.append(
                HbaLine(number, fields[0], (fields[1],), users, address, netmask, fields[-1])
            )
            continue
        name, _, value = body.partition("=")
        name, value = name.strip(), value.strip().strip("'")
        if name.startswith("tablespace "):
            spaces.append(TablespaceFact(name.split()[1], value))
        elif name == "today":
            today = date.fromisoformat(value)
        else:
            values[name] = value
    facts = replace(
        BASE,
        settings=tuple(values.items()),
        tablespaces=tuple(spaces),
        hba=tuple(hba),
        roles=(SUPERUSER,),
    )
    return facts, today


def findings(rule_id: str, facts: ServerFacts, today: date = TODAY) -> list[Finding]:
    rules = [r for r in rules_of(FAMILY) if r.id == rule_id]
    found, errors = run_rules(rules, HardeningAudit(facts, HardeningPolicy(today=today)))
    assert errors == []
    return found


def example_cases() -> list[object]:
    out: list[object] = []
    for item in NEW:
        for kind, text in iter_examples(item):
            out.append(pytest.param(item, kind, text, id=f"{item.id}-{kind}"))
    return out


def test_every_new_rule_has_both_examples() -> None:
    assert [r.id for r in NEW] == [f"HRD{n:03d}" for n in range(20, 42)]
    for item in NEW:
        assert [kind for kind, _ in iter_examples(item)] == ["Bad", "Good"], item.id


@pytest.mark.parametrize(("item", "kind", "text"), example_cases())
def test_example(item: Rule, kind: str, text: str) -> None:
    facts, today = example_facts(text)
    got = findings(item.id, facts, today)
    if kind == "Bad":
        assert got, f"Bad example of {item.id} gave nothing"
    else:
        assert got == [], f"Good example of {item.id} is reported: {[f.message for f in got]}"


def test_hardened_base_passes_every_new_rule() -> None:
    facts, today = example_facts("")
    for item in NEW:
        assert findings(item.id, facts, today) == [], item.id


# --- edge cases on hand-built facts ------------------------------------------------


def settings(**values: str) -> ServerFacts:
    merged = dict(BASE.settings)
    merged.update({k.replace("__", "."): v for k, v in values.items()})
    return replace(BASE, settings=tuple(merged.items()))


@pytest.mark.parametrize(
    ("rule_id", "values", "count"),
    [
        ("HRD022", {"log_destination": ""}, 1),
        ("HRD022", {"log_destination": "syslog", "logging_collector": "off"}, 0),
        ("HRD022", {"log_destination": "csvlog", "logging_collector": "off"}, 1),
        ("HRD023", {"logging_collector": "off", "log_directory": "log"}, 0),  # no files written
        ("HRD023", {"log_directory": "/var/lib/postgresql/16/main/pg_log"}, 1),
        ("HRD023", {"log_file_mode": "0640"}, 0),
        ("HRD023", {"log_file_mode": "0644", "log_filename": ""}, 2),
        ("HRD024", {"log_rotation_age": "10080", "log_rotation_size": "0"}, 2),
        ("HRD025", {"log_min_messages": "error"}, 1),
        ("HRD025", {"log_min_messages": "debug1"}, 0),
        ("HRD026", {"debug_print_parse": "on", "debug_pretty_print": "off"}, 2),
        ("HRD029", {"log_line_prefix": "%t [%p] %r %u@%d "}, 0),
        ("HRD030", {"log_timezone": "Etc/UTC"}, 0),
        ("HRD032", {"pgaudit.log": "none"}, 1),
        ("HRD033", {"archive_command": "(disabled)"}, 1),
        ("HRD033", {"archive_command": "", "archive_library": "basic_archive"}, 0),
        ("HRD034", {"ssl_ciphers": "HIGH:!MEDIUM:-3DES:!aNULL"}, 0),
        ("HRD034", {"ssl_ciphers": "ALL:!aNULL"}, 1),
        ("HRD038", {"shared_preload_libraries": "credcheck"}, 0),
        ("HRD039", {"authentication_timeout": "61"}, 1),
        ("HRD039", {"auth_delay.milliseconds": "0"}, 1),
        ("HRD039", {"shared_preload_libraries": "pgaudit", "authentication_timeout": "600"}, 2),
    ],
)
def test_setting_cases(rule_id: str, values: dict[str, str], count: int) -> None:
    assert len(findings(rule_id, settings(**values))) == count


def test_weak_ciphers_of_the_default() -> None:
    assert network.weak_ciphers("HIGH:MEDIUM:+3DES:!aNULL") == ["MEDIUM", "+3DES"]


def test_unread_preload_reports_nothing() -> None:
    facts = replace(
        BASE, settings=tuple(kv for kv in BASE.settings if kv[0] != "shared_preload_libraries")
    )
    for rule_id in ("HRD032", "HRD038", "HRD040"):
        assert findings(rule_id, facts) == []  # the family skips it, naming the privilege


def hba(*lines: HbaLine, roles: tuple[RoleFact, ...] = (SUPERUSER,)) -> ServerFacts:
    return replace(BASE, hba=lines, roles=roles)


def test_remote_superuser_through_a_group() -> None:
    admin = RoleFact("admin", True, True, False, False, False, False, -1, None, ("ops",))
    app = RoleFact("app", False, True, False, False, False, False, 5, None, ("ops",))
    line = HbaLine(1, "hostssl", ("app",), ("+ops",), "10.0.3.0", "255.255.255.0", "scram-sha-256")
    [hit] = findings("HRD037", hba(line, roles=(admin, app)))
    assert ("superusers", "admin") in hit.evidence
    rejected = replace(line, method="reject")
    assert findings("HRD037", hba(rejected, roles=(admin, app))) == []
    loopback = replace(line, address="127.0.0.1", netmask="255.255.255.255")
    assert findings("HRD037", hba(loopback, roles=(admin, app))) == []


def test_wide_ranges_per_ip_version() -> None:
    v6 = HbaLine(1, "hostssl", ("app",), ("app",), "2001:db8::", "ffff:ffff::", "scram-sha-256")
    [hit] = findings("HRD035", hba(v6))
    assert "2001:db8::/32" in hit.message
    narrow = replace(v6, netmask="ffff:ffff:ffff:ffff::")
    assert findings("HRD035", hba(narrow)) == []
    every = HbaLine(2, "hostssl", ("app",), ("app",), "all", None, "scram-sha-256")
    [hit] = findings("HRD035", hba(every))
    assert "every address" in hit.message


def test_local_peer_all_all_is_accepted() -> None:
    peer = HbaLine(1, "local", ("all",), ("all",), None, None, "peer")
    assert findings("HRD036", hba(peer)) == []
    assert len(findings("HRD036", hba(replace(peer, method="scram-sha-256")))) == 1


# --- on the real server ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule_id", "name", "bad", "good"),
    [
        ("HRD025", "log_min_messages", "fatal", "warning"),
        ("HRD026", "debug_print_plan", "on", "off"),
        ("HRD026", "debug_pretty_print", "off", "on"),
        ("HRD027", "log_error_verbosity", "terse", "verbose"),
        ("HRD031", "log_replication_commands", "off", "on"),
    ],
)
def test_database_scoped_setting_comes_and_goes(
    fresh_db: str, rule_id: str, name: str, bad: str, good: str
) -> None:
    dbname = conninfo_to_dict(fresh_db)["dbname"]
    alter = "ALTER DATABASE {} SET {} = {}"
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        statement = sql.SQL(alter).format(sql.Identifier(dbname), sql.Identifier(name), bad)
        conn.execute(statement)
        [hit] = [
            f
            for f in findings(rule_id, collect_facts(fresh_db))
            if f.location.object == f"setting:{name}"
        ]
        assert (name, bad) in hit.evidence and ("source", "database") in hit.evidence
        statement = sql.SQL(alter).format(sql.Identifier(dbname), sql.Identifier(name), good)
        conn.execute(statement)
        mine = [
            f
            for f in findings(rule_id, collect_facts(fresh_db))
            if f.location.object == f"setting:{name}"
        ]
        assert mine == []


def show(conn: psycopg.Connection[tuple[object, ...]], name: str) -> str:
    row = conn.execute("SELECT setting FROM pg_settings WHERE name = %s", (name,)).fetchone()
    assert row is not None, name
    return str(row[0])


def test_server_wide_settings_read_as_they_are(fresh_db: str) -> None:
    """The findings agree with the real values, computed here independently."""
    facts = collect_facts(fresh_db)
    with psycopg.connect(fresh_db) as conn:
        checksums = show(conn, "data_checksums")
        prefix = show(conn, "log_line_prefix")
        timezone = show(conn, "log_timezone")
        preload = show(conn, "shared_preload_libraries").lower()
        archive = show(conn, "archive_mode")
        ciphers = show(conn, "ssl_ciphers")
        timeout = int(show(conn, "authentication_timeout"))
    expect = {
        "HRD020": checksums == "off",
        "HRD029": not all(re.search(p, prefix) for p in ("%[mtn]", "%p", "%d", "%u", "%[hr]")),
        "HRD030": timezone.lower() not in ("utc", "etc/utc", "gmt", "etc/gmt", "universal"),
        "HRD032": "pgaudit" not in preload,
        "HRD033": archive == "off",
        "HRD034": any(w in ciphers.split(":") for w in ("MEDIUM", "+3DES", "ALL", "LOW")),
        "HRD038": "passwordcheck" not in preload and "credcheck" not in preload,
        "HRD039": timeout > 60 or "auth_delay" not in preload,
        "HRD040": "set_user" not in preload,
    }
    for rule_id, bad in expect.items():
        assert bool(findings(rule_id, facts)) == bad, rule_id


def test_hba_controls_read_as_they_are(fresh_db: str) -> None:
    with psycopg.connect(fresh_db) as conn:
        rows = conn.execute(
            "SELECT line_number, database, user_name, auth_method FROM pg_hba_file_rules "
            "WHERE error IS NULL"
        ).fetchall()
    facts = collect_facts(fresh_db)
    all_all = {
        int(str(n))
        for n, db, users, method in rows
        if "all" in list(db) and "all" in list(users) and method not in ("peer", "reject")
    }
    flagged = {int(str(f.location.object).split(":")[1]) for f in findings("HRD036", facts)}
    # local peer lines are accepted; a host peer line does not exist
    assert flagged == all_all
