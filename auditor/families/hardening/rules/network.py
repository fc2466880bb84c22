"""Hardening rules on how clients reach the server: SSL, listen_addresses, pg_hba.conf."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from auditor.core.findings import Hit, Location, Severity
from auditor.core.rules import rule
from auditor.families.hardening.facts import HbaLine
from auditor.families.hardening.policy import FAMILY, HardeningAudit
from auditor.families.hardening.rules.common import is_on, setting_evidence, setting_location

# --- SSL --------------------------------------------------------------------------

_WEAK_TLS = {"", "tlsv1", "tlsv1.1"}


@rule("HRD006", FAMILY, Severity.HIGH, "SSL is on, with TLS 1.2 or later")
def ssl_settings(audit: HardeningAudit) -> Iterator[Hit]:
    """``ssl`` is off, or ``ssl_min_protocol_version`` allows TLS older than 1.2.

    Without SSL, passwords (for ``password`` auth) and all data cross the network in
    clear text; TLS 1.0 and 1.1 are deprecated (RFC 8996).

    Bad:

        ssl = off
        ssl_min_protocol_version = 'TLSv1'

    Good:

        ssl = on
        ssl_min_protocol_version = 'TLSv1.2'
    """
    ssl = audit.facts.setting("ssl")
    if ssl is not None and not is_on(ssl):
        yield Hit(
            message="ssl is off: connections are not encrypted",
            location=setting_location("ssl"),
            fix="configure ssl_cert_file/ssl_key_file and set ssl = on",
            evidence=setting_evidence(audit, "ssl"),
        )
    minimum = audit.facts.setting("ssl_min_protocol_version")
    if minimum is not None and minimum.strip().lower() in _WEAK_TLS:
        yield Hit(
            message=f"ssl_min_protocol_version is {minimum or 'empty'!r}: TLS older than 1.2 is accepted",
            location=setting_location("ssl_min_protocol_version"),
            fix="ALTER SYSTEM SET ssl_min_protocol_version = 'TLSv1.2';",
            evidence=setting_evidence(audit, "ssl_min_protocol_version"),
        )


# --- listen_addresses -------------------------------------------------------------


@rule("HRD007", FAMILY, Severity.INFO, "The server listens only where it must")
def listens_everywhere(audit: HardeningAudit) -> Iterator[Hit]:
    """``listen_addresses`` is ``*`` (or ``0.0.0.0``/``::``): the server accepts
    connections on every interface. Informational, medium when ``require-private = true``.

    A database reachable from every network depends on pg_hba.conf and passwords alone.

    Bad:

        listen_addresses = '*'

    Good:

        listen_addresses = '10.0.3.7'      # the private interface only
    """
    value = audit.facts.setting("listen_addresses")
    if value is None:
        return
    parts = {p.strip() for p in value.split(",")}
    if parts & {"*", "0.0.0.0", "::"}:
        yield Hit(
            message=f"listen_addresses is {value!r}: the server listens on every interface",
            location=setting_location("listen_addresses"),
            fix="set listen_addresses to the private interfaces the clients use",
            evidence=setting_evidence(audit, "listen_addresses"),
            severity=Severity.MEDIUM if audit.policy.require_private else Severity.INFO,
        )


# --- pg_hba.conf ------------------------------------------------------------------


def _prefix_length(netmask: str) -> int:
    packed = ipaddress.ip_address(netmask).packed
    return sum(bin(b).count("1") for b in packed)


def hba_is_local(line: HbaLine) -> bool:
    """True for ``local`` lines and host lines that only match the loopback interface."""
    if line.type == "local":
        return True
    address = (line.address or "").strip()
    if address in ("samehost", "localhost"):
        return True
    network = hba_network(line)
    return network is not None and network.is_loopback  # all, samenet, a host name: not local


_WEAK_METHODS = {
    "trust": "no password at all",
    "password": "the password in clear text",  # pragma: allowlist secret
    "md5": "md5 challenge (pass-the-hash)",
}


@rule(
    "HRD008",
    FAMILY,
    Severity.HIGH,
    "pg_hba.conf has no trust/password/md5 lines and no plain host lines for remote addresses",
)
def hba_rules(audit: HardeningAudit) -> Iterator[Hit]:
    """A pg_hba.conf line uses ``trust``, ``password`` or ``md5``, or a ``host`` line
    (not ``hostssl``) accepts a non-local address. Read from ``pg_hba_file_rules``;
    skipped with the privilege needed when the role cannot read it.

    ``trust`` lets anyone who reaches the socket log in as any role; ``password``
    sends it in clear text; ``md5`` is pass-the-hash; ``host`` lets remote clients
    connect without TLS.

    Bad:

        host    all  all  0.0.0.0/0      md5
        local   all  all                 trust

    Good:

        hostssl all  all  10.0.0.0/8     scram-sha-256
        local   all  all                 peer
    """
    for line in audit.facts.hba or ():
        where, evidence = _hba_where(line)
        if line.error:
            yield Hit(
                message=f"pg_hba.conf line {line.line_number} has an error: {line.error}",
                location=where,
                key="error",
                evidence=(*evidence, ("error", line.error)),
                severity=Severity.LOW,
            )
            continue
        local = hba_is_local(line)
        if line.method in _WEAK_METHODS:
            if line.method == "md5":
                severity = Severity.MEDIUM
            elif local:
                severity = Severity.HIGH
            else:
                severity = Severity.CRITICAL
            yield Hit(
                message=f"pg_hba.conf line {line.line_number} ({line.type}) authenticates with {line.method}: {_WEAK_METHODS[line.method]}",
                location=where,
                fix="use scram-sha-256 (or peer for local lines)",
                key="method",
                evidence=evidence,
                severity=severity,
            )
        if line.type in ("host", "hostnossl") and not local:
            yield Hit(
                message=f"pg_hba.conf line {line.line_number} accepts remote connections without TLS ({line.type})",
                location=where,
                fix="use hostssl for every non-local line",
                key="host",
                evidence=evidence,
            )


# --- ciphers (CIS 6.8) ----------------------------------------------------------------

_WEAK_CIPHERS = {
    "all",
    "default",
    "medium",
    "low",
    "export",
    "null",
    "enull",
    "anull",
    "rc4",
    "des",
    "3des",
    "md5",
    "sha1",
    "idea",
    "seed",
    "psk",
}


def weak_ciphers(value: str) -> list[str]:
    """The OpenSSL cipher-list terms of ``value`` that enable weak suites (not removed
    with ``!`` or ``-``; ``+`` only moves them, so it still enables them)."""
    weak = []
    for term in value.replace(",", ":").replace(" ", ":").split(":"):
        word = term.strip()
        if not word or word[0] in "!-":
            continue
        parts = {p.lower() for p in word.lstrip("+").split("+")}
        if parts & _WEAK_CIPHERS:
            weak.append(word)
    return weak


@rule("HRD034", FAMILY, Severity.MEDIUM, "Only strong TLS cipher suites are enabled")
def ssl_ciphers(audit: HardeningAudit) -> Iterator[Hit]:
    """``ssl_ciphers`` enables weak suites: ``MEDIUM``, ``3DES``, ``RC4``, ``NULL``,
    ``EXPORT``, ``LOW``, ``MD5`` or ``ALL`` without removing them (the default,
    ``HIGH:MEDIUM:+3DES:!aNULL``, still enables MEDIUM and 3DES for TLS 1.2).
    Needs superuser or ``pg_read_all_settings``.

    Bad:

        ssl_ciphers = 'HIGH:MEDIUM:+3DES:!aNULL'

    Good:

        ssl_ciphers = 'HIGH:!aNULL:!eNULL:!MD5:!3DES:!SHA1'
    """
    value = audit.facts.setting("ssl_ciphers")
    if value is None:
        return
    weak = weak_ciphers(value)
    if weak:
        yield Hit(
            message=f"ssl_ciphers enables weak cipher suites: {', '.join(weak)}",
            location=setting_location("ssl_ciphers"),
            fix="ALTER SYSTEM SET ssl_ciphers = 'HIGH:!aNULL:!eNULL:!MD5:!3DES:!SHA1'; SELECT pg_reload_conf();",
            evidence=setting_evidence(audit, "ssl_ciphers"),
        )


# --- who may connect from where (CIS 5.6-5.8) -------------------------------------------

WIDE_PREFIX = {4: 16, 6: 48}
"""Networks wider than these prefixes (a /8, a /0, ...) are "too large" per IP version."""


def hba_network(line: HbaLine) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """The address range of a host line, or None for keywords and host names."""
    address = (line.address or "").strip()
    try:
        if line.netmask:
            return ipaddress.ip_network(f"{address}/{_prefix_length(line.netmask)}", strict=False)
        return ipaddress.ip_network(address, strict=False)
    except ValueError:
        return None


def _hba_where(line: HbaLine) -> tuple[Location, tuple[tuple[str, str], ...]]:
    evidence = (
        ("line", str(line.line_number)),
        ("type", line.type),
        ("database", ",".join(line.databases)),
        ("user", ",".join(line.users)),
        ("address", "/".join(p for p in (line.address, line.netmask) if p) or "-"),
        ("method", line.method),
    )
    return Location(object=f"pg_hba.conf:{line.line_number}"), evidence


def _hba_hit(line: HbaLine, message: str, fix: str, *extra: tuple[str, str]) -> Hit:
    where, evidence = _hba_where(line)
    return Hit(
        message=f"pg_hba.conf line {line.line_number} {message}",
        location=where,
        fix=fix,
        evidence=(*evidence, *extra),
    )


def _remote_lines(audit: HardeningAudit) -> Iterator[HbaLine]:
    """pg_hba.conf lines that admit (not reject) connections from other machines."""
    for line in audit.facts.hba or ():
        if not line.error and line.method != "reject" and not hba_is_local(line):
            yield line


@rule("HRD035", FAMILY, Severity.MEDIUM, "pg_hba.conf admits no address range wider than needed")
def hba_wide_ranges(audit: HardeningAudit) -> Iterator[Hit]:
    """A pg_hba.conf line admits ``all`` addresses or a network wider than a /16
    (IPv4) or /48 (IPv6). Skipped with the privilege needed when the role cannot read
    ``pg_hba_file_rules``.

    Bad:

        hostssl all  all  0.0.0.0/0      scram-sha-256

    Good:

        hostssl all  all  10.0.3.0/24    scram-sha-256
    """
    for line in _remote_lines(audit):
        address = (line.address or "").strip()
        network = hba_network(line)
        if address == "all":
            wide = "every address"
        elif network is not None and network.prefixlen < WIDE_PREFIX[network.version]:
            wide = f"{network} ({network.num_addresses} addresses)"
        else:
            continue
        yield _hba_hit(line, f"admits {wide}", "narrow the address to the clients' subnet")


@rule("HRD036", FAMILY, Severity.LOW, "pg_hba.conf lines name their databases and users")
def hba_all_all(audit: HardeningAudit) -> Iterator[Hit]:
    """A pg_hba.conf line (other than a ``local ... peer`` line) matches ``all``
    databases and ``all`` users: any role may try every database from there.

    Bad:

        hostssl all  all  10.0.3.0/24    scram-sha-256

    Good:

        hostssl app  app_rw  10.0.3.0/24    scram-sha-256
    """
    for line in audit.facts.hba or ():
        if line.error or line.method == "reject":
            continue
        if line.type == "local" and line.method == "peer":
            continue
        if "all" in line.databases and "all" in line.users:
            yield _hba_hit(
                line,
                "matches all databases and all users",
                "name the database(s) and role(s) this line is for",
            )


@rule("HRD037", FAMILY, Severity.HIGH, "Superusers cannot connect from other machines")
def hba_remote_superuser(audit: HardeningAudit) -> Iterator[Hit]:
    """A pg_hba.conf line that admits remote addresses matches a superuser: ``all``
    users, a superuser by name, or ``+group`` of a group a superuser belongs to
    (superusers connect locally, through ``peer``).

    Bad:

        hostssl all  all  10.0.3.0/24    scram-sha-256

    Good:

        local   all  postgres            peer
        hostssl app  app_rw  10.0.3.0/24  scram-sha-256
    """
    superusers = [r for r in audit.facts.roles if r.superuser]
    for line in _remote_lines(audit):
        admitted = []
        for role in superusers:
            for user in line.users:
                group = user[1:] if user.startswith("+") else None
                if (
                    user == "all"
                    or user == role.name
                    or (group and (group == role.name or group in role.member_of))
                ):
                    admitted.append(role.name)
                    break
        if admitted:
            yield _hba_hit(
                line,
                f"lets superuser(s) {', '.join(admitted)} connect remotely",
                "list the application roles on remote lines; superusers connect locally with peer",
                ("superusers", ", ".join(admitted)),
            )
