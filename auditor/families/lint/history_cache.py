"""A cache of the history replay's facts, keyed by the content of every migration.

The replay (:mod:`.history`) is the expensive part of a lint of a long history, and
its result depends only on the migrations' text and order, the rule packs, what is
judged (``only``) and the code that replays. A second run on an unchanged history
reads the facts from ``<git dir>/auditor-lint-history.json`` instead (and does not
import sqlglot at all); any edit of any migration, of the packs or of the replaying
code gives another key, so the stale entry is simply not found. Outside a git
repository nothing is cached.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from auditor import __version__
from auditor.families.lint.history import History, LostRequirement, MigrationFacts
from auditor.families.lint.shared import CODE, git_dir
from auditor.migrate.layouts import Migration

CACHE_NAME = "auditor-lint-history.json"
KEPT = 8
"""Entries kept (most recent first): a full lint and a few pre-push subsets."""
FORMAT = 1


def cache_key(
    series: Sequence[Migration],
    root: Path,
    requirements: Sequence[object],
    only: frozenset[str] | None,
) -> str:
    """What the replay's result depends on, hashed."""
    digest = hashlib.sha256()

    def add(*parts: object) -> None:
        for part in parts:
            digest.update(str(part).encode("utf-8", "surrogatepass"))
            digest.update(b"\0")

    add(FORMAT, __version__, root.resolve())
    for path in CODE:
        try:
            stat = path.stat()
        except OSError:
            add(path, "missing")
            continue
        add(path, stat.st_size, stat.st_mtime_ns)
    for requirement in requirements:
        add(repr(requirement))
    add("only", *sorted(only) if only is not None else ["*"])
    for migration in series:
        add(migration.label, migration.run_in_transaction)
        for script in (migration.up, migration.down):
            if script is None:
                add("-")
                continue
            add(script.path, script.first_line, hashlib.sha256(script.text.encode()).hexdigest())
    return digest.hexdigest()


class HistoryCache:
    """The cache file of one repository (``path`` None: no caching)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    @classmethod
    def for_project(cls, project: Path) -> HistoryCache:
        directory = git_dir(project)
        return cls(directory / CACHE_NAME if directory is not None else None)

    def _entries(self) -> list[dict[str, Any]]:
        if self.path is None:
            return []
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        entries = data.get("entries") if isinstance(data, dict) else None
        return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []

    def get(self, key: str) -> History | None:
        """The cached facts for ``key``, or None (missing or unreadable: replay)."""
        for entry in self._entries():
            if entry.get("key") == key:
                try:
                    return _history(entry["facts"])
                except (KeyError, TypeError, ValueError):
                    return None
        return None

    def put(self, key: str, history: History) -> None:
        """Keep ``history`` under ``key`` (best effort: a cache that cannot be written is none)."""
        if self.path is None:
            return
        entry = {"key": key, "facts": _document(history)}
        entries = [entry, *(e for e in self._entries() if e.get("key") != key)][:KEPT]
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps({"entries": entries}, separators=(",", ":")), "utf-8")
            os.replace(tmp, self.path)
        except OSError:
            tmp.unlink(missing_ok=True)


def _document(history: History) -> dict[str, Any]:
    return {
        label: {
            "lost": [[r.id, r.table, r.describe] for r in facts.lost],
            "diff": list(facts.reversal_diff),
            "uncertain": facts.uncertain,
        }
        for label, facts in history.facts.items()
    }


def _history(document: dict[str, Any]) -> History:
    facts: dict[str, MigrationFacts] = {}
    for label, item in document.items():
        uncertain = item["uncertain"]
        if uncertain is not None and not isinstance(uncertain, str):
            raise ValueError("uncertain")
        facts[str(label)] = MigrationFacts(
            lost=tuple(LostRequirement(str(a), str(b), str(c)) for a, b, c in item["lost"]),
            reversal_diff=tuple(str(line) for line in item["diff"]),
            uncertain=uncertain,
        )
    return History(facts)
