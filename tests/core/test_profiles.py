"""Profiles choose families; a profile without a database never starts one."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest

from auditor.core import pipeline as audit_module
from auditor.core.config import Config
from auditor.core.family import AuditContext, Family
from auditor.core.findings import FamilyResult, Severity
from auditor.core.pipeline import AuditRequest, SelectionError, run, select_families
from auditor.core.profiles import PRE_PUSH, PROFILES, Profile, get_profile
from auditor.core.registry import registered_families


class NeedsDatabase(Family):
    name = "livecheck"
    title = "Live check"
    needs_database = True

    def run(self, ctx: AuditContext) -> FamilyResult:
        raise AssertionError("must not run without a database")


class Recorder(Family):
    name = "recorder"
    title = "Recorder"
    seen: ClassVar[list[AuditContext]] = []

    def run(self, ctx: AuditContext) -> FamilyResult:
        self.seen.append(ctx)
        return FamilyResult(self.name, self.title)


@pytest.fixture
def families(monkeypatch: pytest.MonkeyPatch) -> None:
    Recorder.seen = []
    monkeypatch.setattr(
        audit_module,
        "registered_families",
        lambda: [*registered_families(), ("livecheck", NeedsDatabase), ("recorder", Recorder)],
    )


def request(tmp_path: Path, profile: Profile, **extra: object) -> AuditRequest:
    return AuditRequest(
        project=tmp_path,
        migrations=tmp_path,
        config=Config(),
        profile=profile,
        fail_on=Severity.HIGH,
        **extra,  # type: ignore[arg-type]
    )


NO_DB_ALL = Profile("nodb", "test", families=None, database=False, network=False)


def test_profile_without_database_leaves_out_families_that_need_one(
    tmp_path: Path, families: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://x:y@127.0.0.1:1/none")
    report = run(request(tmp_path, NO_DB_ALL, changed_since="abc123", changed_until="def456"))
    assert "livecheck" not in [f.family for f in report.families]
    assert any("livecheck not run" in n for n in report.metadata.notices)
    assert report.metadata.target is None
    (ctx,) = Recorder.seen
    assert ctx.database is None
    assert (ctx.profile, ctx.changed_since, ctx.changed_until, ctx.offline) == (
        "nodb",
        "abc123",
        "def456",
        True,
    )


def test_asking_for_a_database_family_without_a_database_is_an_error(
    tmp_path: Path, families: None
) -> None:
    with pytest.raises(SelectionError, match="livecheck needs a database, but profile nodb"):
        run(request(tmp_path, NO_DB_ALL, only=("livecheck",)))


def test_pre_push_profile_selects_its_families(tmp_path: Path, families: None) -> None:
    names = [f.name for f in select_families(request(tmp_path, PRE_PUSH))]
    assert "recorder" not in names and "livecheck" not in names
    assert set(names) <= set(PRE_PUSH.families or ())
    assert {"migrations", "gates"} <= set(names)
    everything = [f.name for f in select_families(request(tmp_path, PROFILES["ci"]))]
    assert {"recorder", "livecheck", "migrations", "gates"} <= set(everything)


def test_only_and_skip_refine_a_profile(tmp_path: Path, families: None) -> None:
    only = select_families(request(tmp_path, PRE_PUSH, only=("recorder",)))
    assert [f.name for f in only] == ["recorder"]
    skipped = select_families(request(tmp_path, PRE_PUSH, skip=("gates",)))
    assert "gates" not in [f.name for f in skipped]


def test_get_profile() -> None:
    assert get_profile("ci").database is True
    assert PRE_PUSH.database is False and PRE_PUSH.network is False
    with pytest.raises(ValueError, match="unknown profile 'fast'"):
        get_profile("fast")
