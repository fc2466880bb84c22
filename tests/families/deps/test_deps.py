"""Dependency audit: OSV semantics of the offline database, and exact findings per input."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from packaging.version import Version
from pip_audit._service.interface import ResolvedDependency, SkippedDependency

from auditor.core.findings import FamilyResult, Severity
from auditor.families.deps.family import audit_project
from auditor.families.deps.rules import FAMILY
from auditor.families.deps.services.errors import DatabaseError
from auditor.families.deps.services.offline import OfflineOsvService
from auditor.families.deps.services.osv_db import OsvDatabase
from auditor.families.deps.settings import DepsSettings
from tests.paths import TEST_DATA

DATA = TEST_DATA / "deps"
OSV = DATA / "osv"
INPUTS = DATA / "inputs"
TODAY = dt.date(2026, 1, 25)
"""Five days after the newest fixture record: the database is fresh."""


@pytest.fixture(scope="module")
def database() -> OsvDatabase:
    return OsvDatabase(OSV)


@pytest.mark.parametrize(
    ("package", "version", "expected"),
    [
        ("alpha", "0.5", {"PYSEC-0000-1", "GHSA-aaaa-bbbb-cccc"}),
        ("alpha", "1.1.0", {"PYSEC-0000-1", "GHSA-aaaa-bbbb-cccc"}),
        ("alpha", "1.2.0", {"PYSEC-0000-7"}),
        ("alpha", "1.2.1", set()),
        ("alpha", "2.0", {"PYSEC-0000-1"}),
        ("alpha", "2.0.2", {"PYSEC-0000-1"}),
        ("alpha", "2.0.3", set()),
        ("alpha", "3.0", set()),  # only the withdrawn record covers it
        ("Beta.Pkg", "1.0", {"PYSEC-0000-2"}),  # versions list, 1.0 == 1.0.0
        ("beta_pkg", "0.9", {"PYSEC-0000-2"}),
        ("BETA-PKG", "0.95", set()),
        ("gamma", "0.9", set()),
        ("gamma", "1.0", {"PYSEC-0000-3"}),
        ("gamma", "1.4", {"PYSEC-0000-3"}),  # last_affected is inclusive
        ("gamma", "1.4.1", set()),
        ("delta", "1.9", {"PYSEC-0000-8"}),
        ("delta", "2.0", set()),  # limit is exclusive
        ("delta", "5.5", set()),  # epsilon's range in the same record is not delta's
        ("epsilon", "5.5", {"PYSEC-0000-8"}),
        ("epsilon", "1.0", set()),  # an npm package of that name is not PyPI's
    ],
)
def test_osv_semantics(
    database: OsvDatabase, package: str, version: str, expected: set[str]
) -> None:
    assert {r.id for r in database.affecting(package, Version(version))} == expected


def test_withdrawn_and_malformed_records_are_skipped_with_warnings(database: OsvDatabase) -> None:
    for name in ("alpha", "gamma", "delta", "beta-pkg"):
        database.records_for(name)
    assert database.records == 10
    assert database.withdrawn == 1
    warnings = "\n".join(database.warnings)
    assert "PYSEC-0000-5: range without events skipped" in warnings
    assert "PYSEC-0000-6: affected entry without ranges or versions skipped" in warnings
    assert "GHSA-aaaa-bbbb-cccc: malformed event {} ignored" in warnings
    assert "PYSEC-0000-4" not in warnings  # withdrawn is not malformed


def test_a_damaged_database_stops_the_audit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A record that cannot be decoded could cover any package: exit 2, not a pass."""
    with pytest.raises(DatabaseError, match=r"BROKEN-1.json cannot be decoded"):
        OsvDatabase(DATA / "osv-broken")
    result = audit_project(
        INPUTS / "uv", DepsSettings(advisory_db=DATA / "osv-broken"), today=TODAY
    )
    assert result.findings == ()
    assert [e.message for e in result.errors] and "BROKEN-1.json" in result.errors[0].message
    read_bytes = Path.read_bytes

    def failing(path: Path) -> bytes:
        if path.name == "PYSEC-0000-3.json":
            raise PermissionError(13, "Permission denied")
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", failing)
    with pytest.raises(DatabaseError, match=r"PYSEC-0000-3.json cannot be read"):
        OsvDatabase(OSV)


def test_smallest_safe_upgrade_fixes_every_known_vulnerability(database: OsvDatabase) -> None:
    # 1.2.0 fixes PYSEC-0000-1 but is hit by PYSEC-0000-7; 1.2.1 fixes both
    assert database.smallest_safe("alpha", Version("1.1.0")) == Version("1.2.1")
    assert database.smallest_safe("alpha", Version("2.0.1")) == Version("2.0.3")
    assert database.smallest_safe("gamma", Version("1.4")) is None


def test_database_age_is_from_the_newest_record(database: OsvDatabase) -> None:
    now = dt.datetime(2026, 1, 30, tzinfo=dt.UTC)
    assert database.age_days(now) == 10


def test_offline_service_is_a_pip_audit_service(database: OsvDatabase) -> None:
    service = OfflineOsvService(database)
    dep, results = service.query(ResolvedDependency(name="Alpha", version=Version("1.1.0")))
    assert dep.name == "Alpha"
    by_id = {r.id: r for r in results}
    # pip-audit's preference for the primary id: PYSEC, then CVE, then the rest
    assert set(by_id) == {"PYSEC-0000-1", "CVE-0000-1001"}
    assert by_id["PYSEC-0000-1"].aliases == {"CVE-0000-1001"}
    assert by_id["CVE-0000-1001"].aliases == {"GHSA-aaaa-bbbb-cccc"}
    assert by_id["PYSEC-0000-1"].fix_versions == [Version("1.2.0"), Version("2.0.3")]
    skipped = SkippedDependency(name="x", skip_reason="no version")
    assert service.query(skipped) == (skipped, [])


def test_zip_export_reads_like_the_directory(tmp_path: Path) -> None:
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for item in OSV.iterdir():
            handle.write(item, item.name)
    zipped = OsvDatabase(archive)
    plain = OsvDatabase(OSV)
    for name, version in [("alpha", "1.1.0"), ("beta-pkg", "1.0"), ("gamma", "1.4")]:
        assert [r.id for r in zipped.affecting(name, Version(version))] == [
            r.id for r in plain.affecting(name, Version(version))
        ]


def _summary(result: FamilyResult) -> set[tuple[str, str, int | None, str, Severity]]:
    """(rule, file, line, vulnerability id or package, severity) of each finding."""
    ev = [dict(f.evidence) for f in result.findings]
    return {
        (f.rule_id, f.location.file or "", f.location.line, e.get("id") or e["package"], f.severity)
        for f, e in zip(result.findings, ev, strict=True)
    }


C, H = Severity.CRITICAL, Severity.HIGH
EXPECTED = {
    "requirements": {
        ("DEP001", "requirements.txt", 3, "PYSEC-0000-1", C),
        ("DEP001", "requirements.txt", 5, "PYSEC-0000-2", H),
        ("DEP002", "requirements.txt", 6, "zeta", H),
        ("DEP001", "requirements-base.txt", 2, "PYSEC-0000-3", C),
        ("DEP001", "requirements-base.txt", 3, "PYSEC-0000-8", H),
    },
    "pylock": {
        ("DEP001", "pylock.toml", 6, "PYSEC-0000-1", C),
        ("DEP001", "pylock.toml", 10, "PYSEC-0000-2", H),
        ("DEP001", "pylock.toml", 14, "PYSEC-0000-3", C),
        ("DEP001", "pylock.toml", 18, "PYSEC-0000-8", H),
        ("DEP002", "pylock.toml", 26, "zeta", H),
    },
    "uv": {
        ("DEP001", "uv.lock", 5, "PYSEC-0000-1", C),
        ("DEP001", "uv.lock", 10, "PYSEC-0000-2", H),
        ("DEP001", "uv.lock", 15, "PYSEC-0000-8", H),
        ("DEP001", "uv.lock", 25, "PYSEC-0000-3", C),
        ("DEP002", "uv.lock", 43, "zeta", H),
    },
    "poetry": {
        ("DEP001", "poetry.lock", 4, "PYSEC-0000-1", C),
        ("DEP001", "poetry.lock", 14, "PYSEC-0000-2", H),
        ("DEP001", "poetry.lock", 22, "PYSEC-0000-8", H),
        ("DEP001", "poetry.lock", 38, "PYSEC-0000-3", C),
        ("DEP002", "poetry.lock", 49, "zeta", H),
    },
}


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_exact_findings_per_input(kind: str) -> None:
    result = audit_project(INPUTS / kind, DepsSettings(advisory_db=OSV), today=TODAY)
    assert result.family == FAMILY
    assert result.errors == ()
    assert _summary(result) == EXPECTED[kind]
    assert len(result.findings) == len(
        EXPECTED[kind]
    )  # one finding per vulnerability, not per alias
    alpha = next(f for f in result.findings if dict(f.evidence).get("id") == "PYSEC-0000-1")
    evidence = dict(alpha.evidence)
    assert evidence["aliases"] == "CVE-0000-1001, GHSA-aaaa-bbbb-cccc"
    assert evidence["fixed"] == "1.2.0, 2.0.3"
    assert evidence["upgrade"] == "1.2.1"
    assert evidence["severity"] == "critical (CVSS 9.8)"
    assert evidence["cvss"].startswith("CVSS:3.1/")
    assert alpha.message.endswith("[CVSS 9.8]: alpha: remote code execution in the loader")
    assert "upgrade alpha to 1.2.1 or later (fixes the known vulnerability" in (alpha.fix or "")
    zeta = next(f for f in result.findings if f.rule_id == "DEP002")
    assert "zeta" in zeta.message and "could not be audited" in zeta.message
    assert any("malformed parts skipped" in note for note in result.notes)


def test_stale_database_is_reported() -> None:
    later = TODAY + dt.timedelta(days=30)
    result = audit_project(INPUTS / "uv", DepsSettings(advisory_db=OSV), today=later)
    stale = [f for f in result.findings if f.rule_id == "DEP004"]
    assert len(stale) == 1 and "35 days old (limit 7)" in stale[0].message
    relaxed = DepsSettings(advisory_db=OSV, max_db_age_days=60)
    assert not [
        f
        for f in audit_project(INPUTS / "uv", relaxed, today=later).findings
        if f.rule_id == "DEP004"
    ]


def test_pyproject_pins_and_unpinned_dependencies(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "1"\ndependencies = [\n'
        '  "alpha==1.1.0",\n  "gamma>=1.0",\n]\n',
        encoding="utf-8",
    )
    from auditor.families.deps.collect import Inputs

    expected = {
        ("DEP001", "pyproject.toml", 5, "PYSEC-0000-1", C),
        ("DEP002", "pyproject.toml", 6, "gamma", H),
    }
    # auto-detected or given explicitly, it is audited: pins checked, ranges unauditable
    detected = audit_project(tmp_path, DepsSettings(advisory_db=OSV), today=TODAY)
    assert _summary(detected) == expected and detected.skipped == ()
    inputs = Inputs((tmp_path / "pyproject.toml",))
    result = audit_project(tmp_path, DepsSettings(advisory_db=OSV), inputs, today=TODAY)
    assert _summary(result) == expected
    gamma = next(f for f in result.findings if f.rule_id == "DEP002")
    assert "--resolve" in gamma.message


def test_no_inputs_is_skipped_not_passed(tmp_path: Path) -> None:
    result = audit_project(tmp_path, DepsSettings(advisory_db=OSV), today=TODAY)
    assert result.findings == () and len(result.skipped) == 1


def test_yaml_only_database(tmp_path: Path) -> None:
    shutil.copy(OSV / "PYSEC-0000-2.yaml", tmp_path / "PYSEC-0000-2.yaml")
    assert [r.id for r in OsvDatabase(tmp_path).affecting("beta-pkg", Version("1.0"))] == [
        "PYSEC-0000-2"
    ]


def test_safe_upgrades_agree_with_checking_every_candidate(database: OsvDatabase) -> None:
    for name in ("alpha", "beta-pkg", "gamma", "delta"):
        records = database.records_for(name)
        candidates = sorted({v for r in records for a in r.affected for v in a.fixed()})
        brute = tuple(
            c for c in candidates if not any(a.contains(c) for r in records for a in r.affected)
        )
        assert database._safe_fixes(name) == brute


def test_requirements_parsing(tmp_path: Path) -> None:
    from auditor.families.deps.sources.interface import SourceError
    from auditor.families.deps.sources.requirements import RequirementsSource

    (tmp_path / "requirements.txt").write_text(
        "--index-url https://pypi.org/simple\n"
        "-c constraints.txt\n"
        "exact===1.0  # arbitrary equality\n"
        'marked==2.0 ; python_version >= "3.8"\n'
        "-e git+https://example.invalid/repo.git#egg=editable_pkg\n"
        "https://example.invalid/pkg-1.0.tar.gz#egg=urlpkg\n"
        "named @ https://example.invalid/named-1.0.tar.gz\n"
        "wild==1.*\n"
        "ranged>=1,<2\n",
        encoding="utf-8",
    )
    pins = list(RequirementsSource(tmp_path / "requirements.txt", tmp_path).collect())
    summary = [
        (p.name, p.version, p.origin.line, (p.skip_reason or "").split(" ")[0]) for p in pins
    ]
    assert summary == [
        ("exact", "1.0", 3, ""),
        ("marked", "2.0", 4, ""),
        ("editable_pkg", None, 5, "editable"),
        ("urlpkg", None, 6, "URL"),
        ("named", None, 7, "URL"),
        ("wild", None, 8, "not"),
        ("ranged", None, 9, "not"),
    ]
    (tmp_path / "a.txt").write_text("-r b.txt\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("-r a.txt\n", encoding="utf-8")
    with pytest.raises(SourceError, match="include cycle"):
        list(RequirementsSource(tmp_path / "a.txt", tmp_path).collect())
    (tmp_path / "bad.txt").write_text("not a requirement!!\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"bad.txt:1: invalid requirement"):
        list(RequirementsSource(tmp_path / "bad.txt", tmp_path).collect())


def test_clean_pins_are_verified(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("epsilon==1.0\nalpha==1.2.1\n", encoding="utf-8")
    result = audit_project(tmp_path, DepsSettings(advisory_db=OSV), today=TODAY)
    assert result.findings == () and result.errors == ()
    assert [v.what for v in result.verified] == ["no known vulnerability in any pinned dependency"]


EVENTS = st.lists(
    st.tuples(
        st.sampled_from(["introduced", "fixed", "last_affected", "limit"]),
        st.integers(min_value=0, max_value=12),
    ),
    min_size=1,
    max_size=6,
)


@pytest.fixture(scope="module")
def empty_database(tmp_path_factory: pytest.TempPathFactory) -> OsvDatabase:
    return OsvDatabase(tmp_path_factory.mktemp("empty-osv"))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=EVENTS, probe=st.integers(min_value=0, max_value=13))
def test_range_spans_match_event_evaluation(
    empty_database: OsvDatabase, events: list[tuple[str, int]], probe: int
) -> None:
    """The spans used for safe upgrades agree with OSV's event-by-event evaluation."""
    parsed = empty_database._range("T", [{kind: str(at)} for kind, at in events])
    assume(parsed is not None)
    assert parsed is not None
    version = Version(str(probe))
    in_spans = any(
        low <= version and (high is None or version < high or (inclusive and version == high))
        for low, high, inclusive in parsed.intervals()
    )
    assert parsed.contains(version) == in_spans


def test_yaml_timestamps_count_for_the_database_age(tmp_path: Path) -> None:
    (tmp_path / "X-1.yaml").write_text(
        "id: X-1\nmodified: 2026-01-01T00:00:00Z\naffected:\n"
        "  - package: {ecosystem: PyPI, name: x}\n    versions: ['1.0']\n",
        encoding="utf-8",
    )
    database = OsvDatabase(tmp_path)
    assert database.age_days(dt.datetime(2026, 1, 11, tzinfo=dt.UTC)) == 10
    assert [r.id for r in database.affecting("x", Version("1"))] == ["X-1"]
