"""The audited dependencies as report components (for the CycloneDX SBOM), with package URLs.

A package URL (purl, https://github.com/package-url/purl-spec) names a package across
tools: ``pkg:TYPE/NAMESPACE/NAME@VERSION``, each part percent-encoded. The type comes
from the ecosystem; npm scopes and Go module paths split into namespace and name.
"""

from __future__ import annotations

from urllib.parse import quote

from auditor.core.findings import Component
from auditor.families.deps.model import DepsAudit, Pin
from auditor.families.deps.rules import active_ignore

PURL_TYPES = {
    "PyPI": "pypi",
    "crates.io": "cargo",
    "npm": "npm",
    "Go": "golang",
    "RubyGems": "gem",
    "Packagist": "composer",
}
"""OSV ecosystem to purl type."""


def purl(pin: Pin) -> str | None:
    """The package URL of ``pin`` (without a version when it has none); None for an unknown ecosystem."""
    kind = PURL_TYPES.get(pin.ecosystem)
    if kind is None or not pin.name:
        return None
    name = pin.name.lower().replace("_", "-") if kind == "pypi" else pin.name
    namespace, _, name = (
        name.rpartition("/") if kind in ("npm", "golang", "composer") else ("", "", name)
    )
    parts = [quote(part, safe="") for part in (*namespace.split("/"), name) if part]
    text = f"pkg:{kind}/{'/'.join(parts)}"
    return f"{text}@{quote(pin.version, safe='')}" if pin.version else text


def inventory(audit: DepsAudit) -> tuple[Component, ...]:
    """One component per audited pin, with the advisories found for it."""
    return tuple(
        Component(
            name=dep.pin.name,
            version=dep.pin.version,
            ecosystem=dep.pin.ecosystem,
            file=dep.pin.origin.file,
            line=dep.pin.origin.line,
            purl=purl(dep.pin),
            vulnerabilities=dep.advisories,
            ignored=tuple(
                (a.id, f"until {ignore.expires.isoformat()}: {ignore.reason}")
                for a in dep.advisories
                if (ignore := active_ignore(audit, a)) is not None
            ),
            skip_reason=dep.skip_reason,
            upgrade=dep.upgrade,
        )
        for dep in audit.dependencies
    )
