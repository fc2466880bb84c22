"""Helpers for the example runners: the Bad:/Good: examples of every rule, as test cases.

Each family's ``tests/families/<family>/test_examples.py`` parametrizes its runner with
:func:`cases` and names the families it runs in ``FAMILIES``;
``tests/core/test_rule_docs.py`` fails if a registered rule's family has no runner.
The example format is documented in :mod:`auditor.core.rules`.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from auditor.core import pipeline
from auditor.core.config import load_config
from auditor.core.findings import Report, Severity
from auditor.core.pipeline import AuditRequest
from auditor.core.profiles import Profile
from auditor.core.rules import Rule, all_rules, examples, rules_of, run_rules

KINDS = ("Bad", "Good")
NO_DATABASE = Profile("examples", "rule examples", families=None, database=False, network=False)

PRAGMA = re.compile(r"\s*(?:#|--|//)\s*pragma: allowlist secret\b")
"""The allowlist comment examples carry so the repository's own secret scan stays clean."""


@dataclass(frozen=True, repr=False)
class Example:
    """One example of one rule."""

    rule: Rule
    kind: str
    """``Bad`` (must produce the rule's finding) or ``Good`` (must not)."""
    files: dict[str, str] = field(repr=False)
    """The example's files by name; ``""`` is the main text (never in a repr: secrets)."""

    def __repr__(self) -> str:  # never the doc or the files: they may hold (fake) secrets
        return f"Example({self.rule.id}, {self.kind})"

    @property
    def bad(self) -> bool:
        return self.kind == "Bad"

    def main(self) -> str:
        """The main text (before any file header)."""
        return self.files.get("", "")


def cases(
    *families: str,
    where: Callable[[Rule], bool] | None = None,
    xfail_bad: Mapping[str, str] | None = None,
) -> list[object]:
    """One pytest param per (rule, kind) for every registered rule of ``families``
    (those ``where`` accepts); ``xfail_bad`` maps a rule id to why its Bad example
    cannot produce its finding (a strict xfail: the case fails once it does)."""
    out: list[object] = []
    for item in all_rules():
        if item.family not in families or (where is not None and not where(item)):
            continue
        found = examples(item)
        for kind in KINDS:
            reason = (xfail_bad or {}).get(item.id) if kind == "Bad" else None
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            example = Example(item, kind, found.get(kind, {}))
            out.append(pytest.param(example, id=f"{item.id}-{kind}", marks=marks))
    return out


def found(example: Example, rule_ids: set[str] | list[str]) -> None:
    """Assert the example's rule is among ``rule_ids`` for Bad, absent for Good."""
    ids = sorted(set(rule_ids))
    rule_id, kind = example.rule.id, example.kind  # plain strings: no doc text in a failure
    has_files = bool(example.files)
    assert has_files, f"{rule_id} has no {kind}: example"
    if example.bad:
        assert rule_id in ids, f"Bad example of {rule_id} gave {ids}"
    else:
        assert rule_id not in ids, f"Good example of {rule_id} is reported"


def write_files(root: Path, files: dict[str, str]) -> None:
    """Write an example's named files under ``root`` (each ends with a newline)."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")


def audit_with_config(project: Path, only: str, today: dt.date) -> Report:
    """The report of ``auditor audit --only ONLY`` on ``project`` without a database, with
    the project's pyproject.toml (and the whole policy: waivers included)."""
    config = load_config(project / "pyproject.toml")
    request = AuditRequest(
        project=project,
        migrations=project / "migrations",
        config=config,
        profile=NO_DATABASE,
        fail_on=Severity.HIGH,
        only=(only,),
        today=today,
    )
    return pipeline.run(request)


def rule_ids(family: str, subject: object) -> set[str]:
    """The rule ids ``family``'s rules find in ``subject`` (no rule may fail)."""
    findings, errors = run_rules(rules_of(family), subject)
    assert errors == []
    return {f.rule_id for f in findings}


def on_reference(project: Path, reference: Path, folder: str, files: dict[str, str]) -> Path:
    """``project/migrations``: the reference migrations plus ``folder`` holding ``files``."""
    root = project / "migrations"
    shutil.copytree(reference, root)
    write_files(root / folder, files)
    return root
