"""The replay cache: a second lint of an unchanged history skips the replay; any edit replays."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import auditor.families.lint.history as history_module
from auditor.families.lint.engine import collect, lint_units
from auditor.families.lint.history_cache import CACHE_NAME, HistoryCache, git_dir
from auditor.families.lint.settings import LintConfig

UP_1 = "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\n"
DOWN_1 = "DROP TABLE users;\n"
UP_2 = "ALTER TABLE users ADD COLUMN nick text;\n"
DOWN_2_FORGETS = "SELECT 1;\n"
DOWN_2_REVERTS = "ALTER TABLE users DROP COLUMN nick;\n"


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    for name, up, down in (
        ("2024-01-01-000000_one", UP_1, DOWN_1),
        ("2024-01-02-000000_two", UP_2, DOWN_2_FORGETS),
    ):
        folder = tmp_path / "migrations" / name
        folder.mkdir(parents=True)
        (folder / "up.sql").write_text(up, encoding="utf-8")
        (folder / "down.sql").write_text(down, encoding="utf-8")
    return tmp_path


class Counter:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        real = history_module.replay

        def counting(*args: object, **kwargs: object) -> history_module.History:
            self.calls += 1
            return real(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(history_module, "replay", counting)


def _lnt037(project: Path, use_cache: bool = True) -> list[str]:
    config = LintConfig()
    units = collect([project / "migrations"], project, config)
    run = lint_units(units, config, (), project, use_cache=use_cache)
    assert not run.errors
    return sorted(f.location.file or "" for f in run.findings if f.rule_id == "LNT037")


def test_second_run_reads_the_cache_and_an_edit_replays(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = Counter(monkeypatch)
    first = _lnt037(project)
    assert first == ["migrations/2024-01-02-000000_two/down.sql"]
    assert counter.calls == 1
    assert (project / ".git" / CACHE_NAME).is_file()

    assert _lnt037(project) == first
    assert counter.calls == 1  # from the cache

    (project / "migrations" / "2024-01-02-000000_two" / "down.sql").write_text(
        DOWN_2_REVERTS, encoding="utf-8"
    )
    assert _lnt037(project) == []
    assert counter.calls == 2  # the edit changed the key

    (project / "migrations" / "2024-01-02-000000_two" / "down.sql").write_text(
        DOWN_2_FORGETS, encoding="utf-8"
    )
    assert _lnt037(project) == first
    assert counter.calls == 2  # the earlier history is still kept


def test_without_cache_every_run_replays(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    counter = Counter(monkeypatch)
    _lnt037(project, use_cache=False)
    _lnt037(project, use_cache=False)
    assert counter.calls == 2
    assert not (project / ".git" / CACHE_NAME).exists()


def test_a_damaged_cache_is_no_cache(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    counter = Counter(monkeypatch)
    first = _lnt037(project)
    (project / ".git" / CACHE_NAME).write_text('{"entries": [{"key": 1, "facts": 3}', "utf-8")
    assert _lnt037(project) == first
    assert counter.calls == 2


def test_without_a_cache_file_nothing_is_kept() -> None:
    cache = HistoryCache(None)
    cache.put("k", history_module.History())  # no error, nothing written
    assert cache.get("k") is None


def test_git_dir_follows_a_worktree_file(tmp_path: Path) -> None:
    real = tmp_path / "repo.git"
    real.mkdir()
    (tmp_path / "wt").mkdir()
    (tmp_path / "wt" / ".git").write_text(f"gitdir: {real}\n", encoding="utf-8")
    assert git_dir(tmp_path / "wt") == real
