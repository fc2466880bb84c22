"""The Bad:/Good: example of every hardening rule.

Server-wide facts are never changed on a shared server, so their examples are pure:
``name = value`` settings lines (``server_version = '15.4'`` sets the version) laid
over a hardened baseline, or pg_hba.conf lines, turned into :class:`ServerFacts`.
The CIS rules' examples run in ``test_cis.py``. Every other example is SQL run as the superuser on a fresh database of a real server,
whose facts are then collected; the roles it creates get unique names (roles are
cluster-wide) and are dropped afterwards, and only findings about them count.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Iterator
from dataclasses import replace

import psycopg
import pytest
from psycopg import sql

from auditor.core.findings import Finding
from auditor.core.rules import rules_of, run_rules
from auditor.families.hardening.collect import collect_facts
from auditor.families.hardening.facts import HbaLine, ServerFacts
from auditor.families.hardening.rules import FAMILY, HardeningAudit, HardeningPolicy
from tests.families.hardening.test_cis import NEW
from tests.families.hardening.test_rules import BASE, TODAY
from tests.pg import PgServer
from tests.rule_examples import Example, cases, found

FAMILIES = (FAMILY,)
SETTINGS = frozenset({"HRD005", "HRD006", "HRD007", "HRD014", "HRD015", "HRD018", "HRD019"})
HBA = frozenset({"HRD008"})
POLICY: dict[str, dict[str, object]] = {"HRD004": {"require_password_expiry": True}}
CREATE_ROLE = re.compile(r"\bCREATE ROLE (\w+)", re.IGNORECASE)
CREATE_EXTENSION = re.compile(r"\bCREATE EXTENSION (\w+)", re.IGNORECASE)


def settings_facts(text: str) -> ServerFacts:
    facts = BASE
    values = dict(BASE.settings)
    for line in text.splitlines():
        setting = line.split("#", 1)[0]
        if not setting.strip():
            continue  # a comment
        name, _, value = setting.partition("=")
        name, value = name.strip(), value.strip().strip("'")
        assert name and value, f"not a setting line: {line!r}"
        if name == "server_version":
            major, minor = (int(part) for part in value.split("."))
            facts = replace(facts, version=value, version_num=major * 10000 + minor)
        else:
            values[name] = value
    return replace(facts, settings=tuple(values.items()))


def hba_facts(text: str) -> ServerFacts:
    lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split("#", 1)[0].split()
        kind, databases, users = fields[0], fields[1], fields[2]
        address = netmask = None
        if kind != "local":
            network = ipaddress.ip_network(fields[3], strict=False)
            address, netmask = str(network.network_address), str(network.netmask)
        method = fields[-1]
        lines.append(HbaLine(number, kind, (databases,), (users,), address, netmask, method))
    return replace(BASE, hba=tuple(lines))


def findings(rule_id: str, facts: ServerFacts) -> list[Finding]:
    policy = HardeningPolicy(today=TODAY, **POLICY.get(rule_id, {}))  # type: ignore[arg-type]
    rules = [r for r in rules_of(FAMILY) if r.id == rule_id]
    found_, errors = run_rules(rules, HardeningAudit(facts, policy))
    assert errors == []
    return found_


@pytest.fixture
def database(pg_server: PgServer, fresh_db: str) -> Iterator[tuple[str, list[str]]]:
    """The fresh database and the roles a test creates (dropped afterwards)."""
    roles: list[str] = []
    yield fresh_db, roles
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        for name in roles:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
    with psycopg.connect(pg_server.admin_dsn, autocommit=True) as admin:
        for name in roles:
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


def sql_findings(example: Example, dsn: str, roles: list[str]) -> list[Finding]:
    text = example.main()
    unique = {name: f"hrd_{uuid.uuid4().hex[:8]}_{name}" for name in CREATE_ROLE.findall(text)}
    for name, new in unique.items():
        text = re.sub(rf"\b{name}\b", new, text)
    roles.extend(unique.values())
    with psycopg.connect(dsn, autocommit=True) as conn:
        for name in CREATE_EXTENSION.findall(text):  # contrib is not on every server
            row = conn.execute(
                "SELECT count(*) FROM pg_available_extensions WHERE name = %s", (name,)
            ).fetchone()
            if not row or not row[0]:
                pytest.skip(f"extension {name} is not available on this server")
        conn.execute(text.encode())
    got = findings(example.rule.id, collect_facts(dsn))
    if not unique:
        return got
    return [f for f in got if any(n in repr((f.location, f.evidence)) for n in unique.values())]


CIS = frozenset(r.id for r in NEW)
"""The CIS controls' rules (HRD020-HRD041): their examples are facts fragments run by
``tests/families/hardening/test_cis.py::test_example``."""
PURE = SETTINGS | HBA | CIS


@pytest.mark.parametrize("example", cases(*FAMILIES, where=lambda r: r.id in SETTINGS | HBA))
def test_server_example(example: Example) -> None:
    facts = settings_facts if example.rule.id in SETTINGS else hba_facts
    got = findings(example.rule.id, facts(example.main()))
    found(example, {f.rule_id for f in got})


@pytest.mark.parametrize("example", cases(*FAMILIES, where=lambda r: r.id not in PURE))
def test_database_example(example: Example, database: tuple[str, list[str]]) -> None:
    dsn, roles = database
    found(example, {f.rule_id for f in sql_findings(example, dsn, roles)})
