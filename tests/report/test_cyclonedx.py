"""The CycloneDX SBOM: every audited pin a component, the advisories found, valid CycloneDX 1.6.

The schema is the one ``cyclonedx-python-lib`` ships (installed with pip-audit); its
strict validator resolves the SPDX and JSF schemas the BOM schema refers to.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from packageurl import PackageURL

from auditor.cli import cli
from auditor.families.deps.inventory import purl
from auditor.families.deps.model import Origin, Pin
from tests.families.deps.osv_fixtures import record, write_db
from tests.families.deps.test_ecosystems import databases, project

VALIDATOR = JsonStrictValidator(SchemaVersion.V1_6)


def valid(text: str) -> dict[str, Any]:
    """The BOM, after checking it against the CycloneDX 1.6 schema."""
    error = VALIDATOR.validate_str(text)
    assert error is None, str(error)[:2000]
    document: dict[str, Any] = json.loads(text)
    return document


def sbom(root: Path, *dbs: Path, command: str = "deps", config: str = "") -> tuple[int, str]:
    out = root / "sbom.cdx.json"
    if command == "deps":
        args = ["--project", str(root), "deps", "audit", "--format", "cyclonedx"]
        args += [a for db in dbs for a in ("--advisory-db", str(db))]
        args += ["--output", str(out)]
        if config:
            (root / "auditor.toml").write_text(config, encoding="utf-8")
            args[:0] = ["--config", str(root / "auditor.toml")]
    else:
        listed = ", ".join(json.dumps(str(db)) for db in dbs)
        (root / "auditor.toml").write_text(f"[deps]\nadvisory-db = [{listed}]\n{config}")
        args = ["--project", str(root), "--config", str(root / "auditor.toml"), "audit",
                "--no-db", "--only", "dependencies", "--format", f"cyclonedx={out}"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    return result.exit_code, out.read_text(encoding="utf-8") if out.exists() else result.output


def test_the_validator_rejects_what_the_schema_does_not_allow() -> None:
    """The check below can fail: a component without a name is not CycloneDX."""
    broken = {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"type": "library"}]}
    assert VALIDATOR.validate_str(json.dumps(broken)) is not None


@pytest.mark.parametrize("command", ["deps", "audit"])
def test_every_audited_pin_is_a_component_and_every_advisory_a_vulnerability(
    tmp_path: Path, command: str
) -> None:
    root = project(tmp_path, smallvec="1.6.0", lodash="4.17.20")
    code, text = sbom(root, *databases(tmp_path), command=command)
    assert code == 1
    bom = valid(text)
    assert bom["specVersion"] == "1.6" and bom["serialNumber"].startswith("urn:uuid:")
    components = {c["purl"]: c for c in bom["components"]}
    # the workspace crate "app" is the project's own code: not a dependency
    assert set(components) == {
        "pkg:cargo/smallvec@1.6.0",
        "pkg:cargo/yaml-rust@0.4.5",
        "pkg:npm/lodash@4.17.20",
    }
    lodash = components["pkg:npm/lodash@4.17.20"]
    assert lodash["evidence"]["occurrences"] == [{"location": "web/package-lock.json", "line": 3}]
    assert {"name": "auditor:ecosystem", "value": "npm"} in lodash["properties"]
    smallvec = components["pkg:cargo/smallvec@1.6.0"]
    assert smallvec["evidence"]["occurrences"][0]["location"] == "Cargo.lock"
    assert {"name": "auditor:upgrade", "value": "1.6.1"} in smallvec["properties"]
    vulns = {v["id"]: v for v in bom["vulnerabilities"]}
    assert set(vulns) == {"RUSTSEC-2021-0003", "RUSTSEC-2024-0320", "GHSA-35jh-r3h4-6jhm"}
    critical = vulns["RUSTSEC-2021-0003"]
    assert critical["affects"] == [
        {"ref": smallvec["bom-ref"], "versions": [{"version": "1.6.0", "status": "affected"}]}
    ]
    assert critical["ratings"] == [
        {
            "method": "CVSSv31",
            "vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "score": 9.8,
            "severity": "critical",
        }
    ]
    assert critical["recommendation"].endswith("1.6.1")
    assert vulns["GHSA-35jh-r3h4-6jhm"]["ratings"] == [{"severity": "unknown"}]
    unmaintained = vulns["RUSTSEC-2024-0320"]
    assert unmaintained["properties"] == [
        {"name": "auditor:informational", "value": "unmaintained"}
    ]
    assert {"name": "auditor:verdict", "value": "failed"} in bom["metadata"]["properties"]


def test_a_clean_audit_lists_components_and_no_vulnerability(tmp_path: Path) -> None:
    root = project(tmp_path, smallvec="1.6.1", lodash="4.17.21")
    crates, npm = databases(tmp_path)
    (crates / "RUSTSEC-2024-0320.json").unlink()
    code, text = sbom(root, crates, npm)
    assert code == 0
    bom = valid(text)
    assert len(bom["components"]) == 3 and bom["vulnerabilities"] == []


def test_an_ignored_advisory_carries_the_ignore_as_its_analysis(tmp_path: Path) -> None:
    root = project(tmp_path, smallvec="1.6.1", lodash="4.17.20")
    ignore = '[[deps.ignore]]\nid = "GHSA-35jh-r3h4-6jhm"\nreason = "not reachable"\nexpires = 2999-01-01\n'
    code, text = sbom(root, *databases(tmp_path), config=ignore)
    bom = valid(text)
    lodash = next(v for v in bom["vulnerabilities"] if v["id"] == "GHSA-35jh-r3h4-6jhm")
    assert lodash["analysis"] == {
        "response": ["will_not_fix"],
        "detail": "ignored until 2999-01-01: not reachable",
    }
    assert code == 0  # the unmaintained crate is low; the ignored lodash does not fail


def test_an_incomplete_audit_says_so_in_the_bom(tmp_path: Path) -> None:
    root = project(tmp_path, smallvec="1.6.0", lodash="4.17.20")
    crates, _ = databases(tmp_path)
    code, text = sbom(root, crates)  # no npm source: exit 2
    assert code == 2
    bom = valid(text)
    incomplete = [p for p in bom["metadata"]["properties"] if p["name"] == "auditor:incomplete"]
    assert incomplete and "no advisory source for npm" in incomplete[0]["value"]
    assert bom["components"] == []


def test_the_same_pin_in_two_lock_files_is_two_components(tmp_path: Path) -> None:
    root = project(tmp_path, smallvec="1.6.0", lodash="4.17.20")
    (root / "admin").mkdir()
    (root / "admin" / "package-lock.json").write_text(
        (root / "web" / "package-lock.json").read_text(), encoding="utf-8"
    )
    crates, npm = databases(tmp_path)
    bom = valid(sbom(root, crates, npm)[1])
    lodash = [c for c in bom["components"] if c["name"] == "lodash"]
    assert sorted(c["evidence"]["occurrences"][0]["location"] for c in lodash) == [
        "admin/package-lock.json",
        "web/package-lock.json",
    ]
    assert len({c["bom-ref"] for c in bom["components"]}) == len(bom["components"])
    ghsa = next(v for v in bom["vulnerabilities"] if v["id"] == "GHSA-35jh-r3h4-6jhm")
    assert sorted(a["ref"] for a in ghsa["affects"]) == sorted(c["bom-ref"] for c in lodash)


@pytest.mark.parametrize(
    ("ecosystem", "name", "version", "namespace", "expected_name"),
    [
        ("npm", "@types/node", "20.1.0", "@types", "node"),
        ("npm", "lodash", "4.17.21", None, "lodash"),
        ("Go", "github.com/jackc/pgx/v5", "v5.5.4", "github.com/jackc/pgx", "v5"),
        ("Go", "golang.org/x/net", "v0.0.0-20220722155237-a158d28d115b", "golang.org/x", "net"),
        ("Go", "github.com/docker/docker", "v20.10.0+incompatible", "github.com/docker", "docker"),
        ("PyPI", "Typing_Extensions", "4.12.2", None, "typing-extensions"),
        ("crates.io", "tokio", "1.0.0-alpha.1+build.5", None, "tokio"),
    ],
)
def test_purls_parse_back_to_their_parts(
    ecosystem: str, name: str, version: str, namespace: str | None, expected_name: str
) -> None:
    """An independent parser (packageurl-python) reads back what ``purl`` wrote."""
    text = purl(Pin(name, version, Origin("lock"), ecosystem=ecosystem))
    assert text is not None
    parsed = PackageURL.from_string(text)
    assert (parsed.namespace, parsed.name, parsed.version) == (namespace, expected_name, version)


def test_an_unpinned_dependency_is_a_component_without_a_version(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "requirements.txt").write_text("requests>=2\n", encoding="utf-8")
    db = write_db(tmp_path / "pypi", record("PYSEC-0-1", "PyPI", "other", [{"introduced": "0"}]))
    code, text = sbom(root, db)
    assert code == 1  # DEP002: not pinned
    (component,) = valid(text)["components"]
    assert component["purl"] == "pkg:pypi/requests" and "version" not in component
    assert component["properties"][1]["name"] == "auditor:skipped"
