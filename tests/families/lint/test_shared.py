"""The shared replay: the builder state after a prefix of the history, kept and reused."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from auditor.catalog.static import build_static_model
from auditor.families.lint import shared
from auditor.families.lint.history import replay
from auditor.families.lint.snapshots import ReplayBuilder
from auditor.migrate.layouts import load_migrations

STEPS = (
    "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);",
    "CREATE UNIQUE INDEX users_email_key ON users (lower(email));",
    "ALTER TABLE users ADD COLUMN nick text CHECK (char_length(nick) <= 20);",
    "CREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint REFERENCES users ON DELETE CASCADE);",
)


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(shared, "_STATES", {})  # each test starts with an empty process
    monkeypatch.setattr(shared, "_MODELS", {})
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    for n, up in enumerate(STEPS, 1):
        folder = tmp_path / "migrations" / f"2024-01-0{n}-000000_step{n}"
        folder.mkdir(parents=True)
        (folder / "up.sql").write_text(up + "\n", encoding="utf-8")
        (folder / "down.sql").write_text("", encoding="utf-8")
    return tmp_path


class Replayed:
    """Counts the up.sql files the builders replay."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.files = 0
        real = ReplayBuilder.add_script

        def counting(builder: ReplayBuilder, script: object) -> None:
            self.files += 1
            real(builder, script)  # type: ignore[arg-type]

        monkeypatch.setattr(ReplayBuilder, "add_script", counting)


def _fresh_process() -> None:
    shared._STATES.clear()
    shared._MODELS.clear()


def test_the_shared_model_equals_the_static_build(project: Path) -> None:
    series = load_migrations(project / "migrations")
    assert shared.static_model(series, project) == build_static_model(series, project)


def test_a_kept_prefix_replays_only_the_rest(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    series = load_migrations(project / "migrations")
    counted = Replayed(monkeypatch)
    shared.builder_at(series, project, 3)
    assert counted.files == 3
    assert len(list((project / ".git" / shared.STORE).iterdir())) == 2  # after 2 and 3
    _fresh_process()  # the next run reads the state from the git directory
    model = shared.static_model(series, project)
    assert counted.files == 4  # only the last migration
    assert model == build_static_model(series, project)


def test_an_edit_invalidates_the_states_after_it(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    series = load_migrations(project / "migrations")
    shared.static_model(series, project)
    _fresh_process()
    second = project / "migrations" / "2024-01-02-000000_step2" / "up.sql"
    second.write_text("CREATE INDEX users_email_idx ON users (email);\n", encoding="utf-8")
    edited = load_migrations(project / "migrations")
    counted = Replayed(monkeypatch)
    model = shared.static_model(edited, project)
    assert counted.files == 4  # nothing kept matches: the whole history replays
    assert model == build_static_model(edited, project)
    assert model != build_static_model(series, project)


def test_a_damaged_state_is_replayed(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    series = load_migrations(project / "migrations")
    shared.builder_at(series, project, 4)
    _fresh_process()
    for state in (project / ".git" / shared.STORE).iterdir():
        state.write_bytes(b"not a pickle")
    counted = Replayed(monkeypatch)
    assert shared.static_model(series, project) == build_static_model(series, project)
    assert counted.files == 4


def test_the_lint_replay_starts_from_the_kept_state(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    series = load_migrations(project / "migrations")
    everything = replay(series, project, ())
    replay(series[:-1], project, ())  # an earlier full lint, before the newest migration
    _fresh_process()
    counted = Replayed(monkeypatch)
    last = replay(series, project, (), only=frozenset({series[-1].label}))
    assert counted.files == 1  # the state after the history before it was kept
    assert last.facts == {series[-1].label: everything.facts[series[-1].label]}


def test_the_static_replay_keeps_the_state_before_the_newest(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    series = load_migrations(project / "migrations")
    shared.static_model(series, project)  # the static family runs first in a push
    counted = Replayed(monkeypatch)
    replay(series, project, (), only=frozenset({series[-1].label}))
    assert counted.files == 1
