"""The history replay with cheap snapshots gives what a deep copy per migration gives.

The reference here is the replay as it was: a fresh freeze of the whole builder after
every up.sql and a ``copy.deepcopy`` of the builder to apply each down.sql to. The
history below touches tables through every path the builder has (lookups, index
lookups, referrers of a dropped column or table, renames that rewrite expressions,
enums and domains outside the tables), and its down scripts do not all revert.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from auditor.catalog.model import diff_models
from auditor.catalog.static import StaticBuilder
from auditor.families.lint.history import replay
from auditor.families.lint.snapshots import ReplayBuilder
from auditor.families.schema.rulepacks import load_rule_packs
from auditor.migrate.layouts import Migration, load_migrations

HISTORY: list[tuple[str, str]] = [
    (
        "CREATE TYPE mood AS ENUM ('sad', 'ok');\n"
        "CREATE DOMAIN handle AS text CHECK (length(VALUE) BETWEEN 3 AND 64);\n"
        "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL UNIQUE, "
        "name handle, m mood, CHECK (length(email) > 3));",
        "DROP TABLE users; DROP TYPE mood;",  # leaves the domain: LNT037,
    ),
    (
        "CREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id), "
        "title text NOT NULL CHECK (title <> ''));\n"
        "CREATE INDEX posts_title_idx ON posts (lower(title)) WHERE title IS NOT NULL;",
        "DROP TABLE posts;",
    ),
    (
        "CREATE TABLE comments (id bigint PRIMARY KEY, post_id bigint NOT NULL "
        "REFERENCES posts (id) ON DELETE CASCADE, user_id bigint REFERENCES users (id), body text);",
        "DROP TABLE comments;",
    ),
    (
        "ALTER TABLE posts RENAME COLUMN title TO headline;",
        "ALTER TABLE posts RENAME COLUMN headline TO title;",
    ),
    (
        "ALTER TABLE users ADD COLUMN nick text; CREATE INDEX users_nick_idx ON users (nick);",
        "DROP INDEX users_nick_idx;",  # forgets the column: LNT037
    ),
    (
        "ALTER TYPE mood ADD VALUE 'glad';",
        "SELECT 1;",
    ),
    (
        "ALTER TABLE users RENAME TO members;",  # the foreign keys to it now name members
        "ALTER TABLE members RENAME TO users;",
    ),
    (
        "ALTER TABLE members DROP CONSTRAINT users_email_key;",
        "ALTER TABLE members ADD CONSTRAINT users_email_key UNIQUE (email);",
    ),
    (
        "ALTER TABLE comments DROP COLUMN user_id;",
        "ALTER TABLE comments ADD COLUMN user_id bigint REFERENCES members (id);",
    ),
    (
        "CREATE TABLE tags (id bigint PRIMARY KEY, post_id bigint REFERENCES posts (id));",
        "DROP TABLE posts CASCADE; DROP TABLE tags;",  # drops far more than it should
    ),
    (
        "DO $$ BEGIN PERFORM 1; END $$;\nALTER TABLE posts ADD COLUMN extra int;",
        "ALTER TABLE posts DROP COLUMN extra; ALTER TABLE members DROP COLUMN nick;",
    ),
    (
        "ALTER TABLE members ALTER COLUMN email DROP NOT NULL; ALTER TABLE members DROP COLUMN id CASCADE;",
        "ALTER TABLE members ALTER COLUMN email SET NOT NULL;",
    ),
]


@pytest.fixture()
def migrations(tmp_path: Path) -> list[Migration]:
    root = tmp_path / "migrations"
    for n, (up, down) in enumerate(HISTORY, 1):
        folder = root / f"2024-01-{n:02d}-000000_step_{n}"
        folder.mkdir(parents=True)
        (folder / "up.sql").write_text(up + "\n", encoding="utf-8")
        (folder / "down.sql").write_text(down + "\n", encoding="utf-8")
    return load_migrations(root, "diesel")


def test_every_snapshot_equals_a_fresh_freeze(migrations: list[Migration], tmp_path: Path) -> None:
    reference, cheap = StaticBuilder(tmp_path), ReplayBuilder(tmp_path)
    reverted_differs = 0
    for migration in migrations:
        reference.add_script(migration.up)
        cheap.add_script(migration.up)
        assert cheap.snapshot() == reference.build(), migration.label
        assert migration.down is not None
        fork = copy.deepcopy(reference)
        fork.add_script(migration.down)
        expected = fork.build()
        reverted, mark = cheap.revert_model(migration.down)
        assert reverted == expected, migration.label
        assert mark == len(reference.unmodeled)
        reverted_differs += reverted != reference.build()
        # undone: the builder is as after up.sql, and keeps replaying the same way
        assert cheap.snapshot() == reference.build(), migration.label
        assert vars(cheap).keys() - {"_frozen", "_dirty"} == vars(reference).keys()
    assert reverted_differs >= len(migrations) - 2  # the down scripts did change the builder


def _reference_diffs(migrations: list[Migration], root: Path) -> dict[str, tuple[str, ...]]:
    builder = StaticBuilder(root)
    diffs: dict[str, tuple[str, ...]] = {}
    for migration in migrations:
        before = builder.build()
        builder.add_script(migration.up)
        assert migration.down is not None
        fork = copy.deepcopy(builder)
        fork.add_script(migration.down)
        diffs[migration.label] = tuple(
            diff_models(before.model, fork.build().model, ("before up.sql", "after down.sql"))
        )
    return diffs


def test_replay_facts_match_the_deep_copy_replay(
    migrations: list[Migration], tmp_path: Path
) -> None:
    requirements = load_rule_packs([])
    history = replay(migrations, tmp_path, requirements)
    expected = _reference_diffs(migrations, tmp_path)
    checked = 0
    for migration in migrations:
        facts = history.facts[migration.label]
        if facts.uncertain is None:
            assert facts.reversal_diff == expected[migration.label], migration.label
            checked += 1
    assert checked == len(migrations) - 1
    assert any(history.facts[m.label].reversal_diff for m in migrations)  # LNT037 material
    assert history.facts[migrations[10].label].uncertain  # the DO block


def test_only_some_migrations_are_judged(migrations: list[Migration], tmp_path: Path) -> None:
    wanted = frozenset({migrations[4].label, migrations[9].label})
    full = replay(migrations, tmp_path, ())
    some = replay(migrations, tmp_path, (), only=wanted)
    assert some.facts.keys() == wanted
    assert all(some.facts[label] == full.facts[label] for label in wanted)
