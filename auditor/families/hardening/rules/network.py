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
    try:
        if line.netmask:
            network = ipaddress.ip_network(
                f"{address}/{_prefix_length(line.netmask)}", strict=False
            )
        else:
            network = ipaddress.ip_network(address, strict=False)
    except ValueError:
        return False  # all, samenet, a host name: not only this machine
    return network.is_loopback


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
        where = Location(object=f"pg_hba.conf:{line.line_number}")
        evidence = (
            ("line", str(line.line_number)),
            ("type", line.type),
            ("database", ",".join(line.databases)),
            ("user", ",".join(line.users)),
            ("address", "/".join(p for p in (line.address, line.netmask) if p) or "-"),
            ("method", line.method),
        )
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
