"""Matching advisories of every ecosystem in its own version order, and failing closed.

The OSV records are small fixtures written by each test; the real RustSec snapshot is
used only by the optional test at the end.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.families.deps.services.osv_db import OsvDatabase
from auditor.families.deps.services.versions import parse_version
from tests.families.deps.independent import reported, rustsec_matches
from tests.families.deps.osv_fixtures import CRITICAL, record, write_db
from tests.paths import REPO_ROOT

RUSTSEC = REPO_ROOT.parent / "shared" / "osv" / "crates.io-all.zip"


def affected(database: OsvDatabase, ecosystem: str, name: str, version: str) -> list[str]:
    found = database.affecting(name, parse_version(ecosystem, version), ecosystem)
    return sorted(r.id for r in found)


@pytest.mark.parametrize(
    ("ecosystem", "events", "version", "hit"),
    [
        # SemVer: a pre-release orders below its release, build metadata is ignored
        ("crates.io", [{"introduced": "0.0.0-0"}, {"fixed": "1.0.0"}], "1.0.0-alpha.1", True),
        ("crates.io", [{"introduced": "0.0.0-0"}, {"fixed": "1.0.0"}], "1.0.0", False),
        ("crates.io", [{"introduced": "0.0.0-0"}, {"fixed": "1.0.0"}], "1.0.0+build.5", False),
        ("crates.io", [{"introduced": "0.8.0"}, {"fixed": "0.10.0"}], "0.9.9", True),
        ("crates.io", [{"introduced": "0.8.0"}, {"fixed": "0.10.0"}], "0.10.0", False),
        ("crates.io", [{"introduced": "0.8.0"}], "0.7.9", False),
        ("npm", [{"introduced": "0"}, {"fixed": "4.17.21"}], "4.17.20", True),
        ("npm", [{"introduced": "0"}, {"fixed": "4.17.21"}], "4.17.21", False),
        ("npm", [{"introduced": "0"}, {"last_affected": "2.0.0"}], "2.0.0", True),
        ("npm", [{"introduced": "0"}, {"last_affected": "2.0.0"}], "2.0.1-rc.1", False),
        ("npm", [{"introduced": "1.0.0"}, {"limit": "1.5.0"}], "1.4.0", True),
        ("npm", [{"introduced": "1.0.0"}, {"limit": "1.5.0"}], "1.5.0", False),
        # Go: pseudo-versions are pre-releases of their base, +incompatible is build metadata
        ("Go", [{"introduced": "0"}, {"fixed": "0.0.0-20220906165146-f3363e06e74c"}],
         "v0.0.0-20220722155237-a158d28d115b", True),
        ("Go", [{"introduced": "0"}, {"fixed": "0.0.0-20220906165146-f3363e06e74c"}],
         "v0.0.0-20221001000000-aaaaaaaaaaaa", False),
        ("Go", [{"introduced": "2.0.0"}, {"fixed": "2.0.1"}], "v2.0.0+incompatible", True),
        ("Go", [{"introduced": "0"}, {"fixed": "1.9.1"}], "v1.10.0", False),
        # PEP 440 stays PEP 440: 1.10 > 1.9, 2.0rc1 < 2.0
        ("PyPI", [{"introduced": "0"}, {"fixed": "2.0"}], "2.0rc1", True),
        ("PyPI", [{"introduced": "0"}, {"fixed": "1.9"}], "1.10", False),
        # RubyGems: a letter makes a pre-release (1.0.a < 1.0), segments compare as numbers
        ("RubyGems", [{"introduced": "0"}, {"fixed": "2.2.3.1"}], "2.2.3", True),
        ("RubyGems", [{"introduced": "0"}, {"fixed": "2.2.3.1"}], "2.2.10", False),
        ("RubyGems", [{"introduced": "0"}, {"fixed": "6.0.0"}], "6.0.0.rc1", True),
        ("RubyGems", [{"introduced": "1.12.0"}, {"fixed": "1.13.10"}], "1.13.9", True),
        # Composer: -beta < -RC < release, a v prefix is the same release
        ("Packagist", [{"introduced": "0"}, {"fixed": "5.4.20"}], "5.4.0", True),
        ("Packagist", [{"introduced": "0"}, {"fixed": "5.4.20"}], "5.4.100", False),
        ("Packagist", [{"introduced": "0"}, {"fixed": "3.0.0"}], "3.0.0-RC1", True),
        ("Packagist", [{"introduced": "0"}, {"fixed": "v3.0.0"}], "3.0.0", False),
    ],
)  # fmt: skip
def test_version_order_per_ecosystem(
    tmp_path: Path, ecosystem: str, events: list[dict[str, str]], version: str, hit: bool
) -> None:
    database = OsvDatabase(write_db(tmp_path, record("X-1", ecosystem, "pkg", events)))
    assert affected(database, ecosystem, "pkg", version) == (["X-1"] if hit else [])


def test_listed_versions_and_ecosystems_do_not_mix(tmp_path: Path) -> None:
    database = OsvDatabase(
        write_db(
            tmp_path,
            record("N-1", "npm", "left-pad", versions=["1.0.0", "1.1.0"]),
            record("C-1", "crates.io", "left-pad", [{"introduced": "0"}]),
        )
    )
    assert database.ecosystems == {"npm", "crates.io"}
    assert affected(database, "npm", "left-pad", "1.1.0") == ["N-1"]
    assert affected(database, "npm", "left-pad", "1.2.0") == []
    assert affected(database, "crates.io", "left-pad", "9.9.9") == ["C-1"]
    assert affected(database, "PyPI", "left-pad", "1.0.0") == []  # no PyPI record at all


def test_several_exports_load_as_one_database_and_the_stalest_sets_the_age(tmp_path: Path) -> None:
    old = write_db(tmp_path / "a", record("A-1", "npm", "x", [{"introduced": "0"}],
                                          modified="2026-01-01T00:00:00Z"))  # fmt: skip
    new = write_db(tmp_path / "b", record("B-1", "crates.io", "y", [{"introduced": "0"}]))
    database = OsvDatabase([old, new])
    assert database.ecosystems == {"npm", "crates.io"}
    assert database.stalest == old
    assert database.newest is not None and database.newest.month == 1


CARGO = """version = 4

[[package]]
name = "app"
version = "0.1.0"

[[package]]
name = "smallvec"
version = "{smallvec}"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "yaml-rust"
version = "0.4.5"
source = "registry+https://github.com/rust-lang/crates.io-index"
"""

PACKAGE_LOCK = """{{"lockfileVersion": 3, "packages": {{
  "": {{"name": "web"}},
  "node_modules/lodash": {{"version": "{lodash}"}}
}}}}
"""


def project(tmp_path: Path, smallvec: str, lodash: str) -> Path:
    root = tmp_path / "repo"
    (root / "web").mkdir(parents=True)
    (root / "Cargo.lock").write_text(CARGO.format(smallvec=smallvec), encoding="utf-8")
    (root / "web" / "package-lock.json").write_text(
        PACKAGE_LOCK.format(lodash=lodash), encoding="utf-8"
    )
    return root


def databases(tmp_path: Path) -> tuple[Path, Path]:
    crates = write_db(
        tmp_path / "crates",
        record("RUSTSEC-2021-0003", "crates.io", "smallvec",
               [{"introduced": "1.0.0"}, {"fixed": "1.6.1"}], severity=CRITICAL),
        record("RUSTSEC-2024-0320", "crates.io", "yaml-rust", [{"introduced": "0.0.0-0"}],
               informational="unmaintained"),
    )  # fmt: skip
    npm = write_db(
        tmp_path / "npm",
        record("GHSA-35jh-r3h4-6jhm", "npm", "lodash", [{"introduced": "0"}, {"fixed": "4.17.21"}]),
    )
    return crates, npm


def deps_audit(root: Path, *dbs: Path, command: str = "deps") -> tuple[int, str]:
    args = ["--project", str(root)]
    if command == "deps":
        args += ["deps", "audit", "--format", "json"]
        for db in dbs:
            args += ["--advisory-db", str(db)]
    else:
        listed = ", ".join(json.dumps(str(db)) for db in dbs)
        (root / "auditor.toml").write_text(f"[deps]\nadvisory-db = [{listed}]\n", encoding="utf-8")
        args += ["--config", str(root / "auditor.toml"), "audit", "--no-db", "--only",
                 "dependencies", "--format", "json"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    return result.exit_code, result.output


@pytest.mark.parametrize("command", ["deps", "audit"])
def test_an_ecosystem_without_an_advisory_source_exits_2_naming_it(
    tmp_path: Path, command: str
) -> None:
    root = project(tmp_path, smallvec="1.6.0", lodash="4.17.20")
    crates, _ = databases(tmp_path)
    code, output = deps_audit(root, crates, command=command)
    assert code == 2, output
    assert "no advisory source for npm" in output
    assert "web/package-lock.json" in output
    assert '"passed"' not in output and "PASSED" not in output


@pytest.mark.parametrize("command", ["deps", "audit"])
def test_with_a_source_per_ecosystem_the_real_findings(tmp_path: Path, command: str) -> None:
    root = project(tmp_path, smallvec="1.6.0", lodash="4.17.20")
    code, output = deps_audit(root, *databases(tmp_path), command=command)
    assert code == 1, output
    report = json.loads(output)
    found = {(f["rule_id"], f["location"]["file"], f["severity"]) for f in report["findings"]}
    assert ("DEP001", "Cargo.lock", "critical") in found  # CVSS 9.8
    assert ("DEP001", "web/package-lock.json", "high") in found  # no CVSS: unknown-severity
    assert ("DEP005", "Cargo.lock", "low") in found  # unmaintained, not a vulnerability
    assert not any(f[0] == "DEP001" and "yaml-rust" in str(f) for f in found)
    smallvec = next(f for f in report["findings"] if "smallvec" in f["message"])
    assert "upgrade smallvec to 1.6.1" in smallvec["fix"]
    lodash = next(f for f in report["findings"] if "lodash" in f["message"])
    assert "4.17.21" in lodash["fix"]


def test_clean_pins_pass_and_say_what_was_checked(tmp_path: Path) -> None:
    root = project(tmp_path, smallvec="1.6.1", lodash="4.17.21")
    crates, npm = databases(tmp_path)
    (crates / "RUSTSEC-2024-0320.json").unlink()
    code, output = deps_audit(root, crates, npm)
    assert code == 0, output
    report = json.loads(output)
    family = report["families"][0]
    assert family["verified"], family
    notes = " ".join(family["notes"])
    assert "Cargo.lock" in notes and "web/package-lock.json" in notes
    assert any("app@0.1.0" in s["what"] for s in report["skipped"])  # the workspace crate


@pytest.mark.parametrize(
    ("name", "text"),
    [("package-lock.json", "{not json"), ("Gemfile.lock", "GEM\n"), ("Pipfile.lock", "{}")],
)
def test_an_input_that_cannot_be_read_exits_2_naming_it(
    tmp_path: Path, name: str, text: str
) -> None:
    root = project(tmp_path, smallvec="1.6.1", lodash="4.17.21")
    (root / "sub").mkdir()
    (root / "sub" / name).write_text(text, encoding="utf-8")
    code, output = deps_audit(root, *databases(tmp_path))
    assert code == 2, output
    assert f"sub/{name}" in output


def test_online_service_covers_pypi_only(tmp_path: Path) -> None:
    root = project(tmp_path, smallvec="1.6.1", lodash="4.17.21")
    result = CliRunner().invoke(cli, ["--project", str(root), "deps", "audit"])
    assert result.exit_code == 2, result.output
    assert "no advisory source for crates.io" in result.output
    assert "Cargo.lock" in result.output


@pytest.mark.skipif(not RUSTSEC.is_file(), reason="the RustSec OSV snapshot is not here")
def test_real_rustsec_snapshot_matches_an_independent_matcher(tmp_path: Path) -> None:
    """Every crate version of the fixture, checked against the snapshot by another matcher."""
    pins = {"smallvec": "1.6.0", "hyper": "0.14.9", "time": "0.1.44", "tokio": "1.0.0"}
    body = "version = 3\n" + "".join(
        f'\n[[package]]\nname = "{n}"\nversion = "{v}"\n'
        'source = "registry+https://github.com/rust-lang/crates.io-index"\n'
        for n, v in pins.items()
    )
    (tmp_path / "Cargo.lock").write_text(body, encoding="utf-8")
    code, output = deps_audit(tmp_path, RUSTSEC)
    assert code == 1, output
    expected = rustsec_matches(tmp_path / "Cargo.lock", RUSTSEC)
    assert len(expected) >= 5, expected
    found = reported(json.loads(output))
    assert expected <= found
    primary = {(f["evidence"]["package"], f["evidence"]["id"]) for f in json.loads(output)["findings"]
               if f["rule_id"] != "DEP004"}  # fmt: skip
    assert {(f"{n}@{v}", i) for n, v, i in expected} == primary  # RUSTSEC ids are primary


@pytest.mark.parametrize(
    ("kind", "rule", "severity"),
    [
        ("unmaintained", "DEP005", "low"),
        ("unsound", "DEP006", "medium"),
        ("notice", "DEP007", "low"),
    ],
)
def test_informational_advisories_have_their_own_rules(
    tmp_path: Path, kind: str, rule: str, severity: str
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "Cargo.lock").write_text(
        CARGO.format(smallvec="1.6.1").replace("yaml-rust", "other"), encoding="utf-8"
    )
    db = write_db(
        tmp_path / "db",
        record("RUSTSEC-2099-0001", "crates.io", "other", [{"introduced": "0.0.0-0"}],
               informational=kind),
    )  # fmt: skip
    code, output = deps_audit(root, db)
    findings = [f for f in json.loads(output)["findings"] if f["rule_id"] != "DEP004"]  # age
    assert [(f["rule_id"], f["severity"]) for f in findings] == [(rule, severity)]
    assert code == 0, output  # below the default fail-on (high): not a vulnerability
