"""Every registered rule is documented, with a bad and a good example, and explainable."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.core.rules import (
    RULE_ID,
    Rule,
    all_rules,
    documentation_problems,
    example_files,
    examples,
    iter_examples,
)

RULES = all_rules()


def test_registry_is_not_empty() -> None:
    assert RULES, "no rules registered"


@pytest.mark.parametrize("item", RULES, ids=[r.id for r in RULES])
def test_rule_is_documented(item: Rule) -> None:
    assert RULE_ID.match(item.id)
    assert item.title.strip()
    assert documentation_problems(item) == []
    kinds = {kind for kind, text in iter_examples(item) if text.strip()}
    assert kinds == {"Bad", "Good"}


@pytest.mark.parametrize("item", RULES, ids=[r.id for r in RULES])
def test_explain_every_rule(item: Rule) -> None:
    result = CliRunner().invoke(cli, ["explain", item.id.lower()])
    assert result.exit_code == 0, result.output
    assert item.id in result.output
    assert "Bad:" in result.output and "Good:" in result.output


def test_documentation_problems_catches_missing_examples() -> None:
    bare = Rule(
        id="XX001", family="x", severity=RULES[0].severity, title="t", doc="Only a summary."
    )
    assert documentation_problems(bare) == ["no 'Bad:' example", "no 'Good:' example"]


def test_explain_unknown_rule_exits_2() -> None:
    result = CliRunner().invoke(cli, ["explain", "MIG999"])
    assert result.exit_code == 2
    assert "unknown rule id" in result.output


TESTS = Path(__file__).resolve().parent.parent
EXAMPLE_RUNNERS = sorted(TESTS.glob("**/test_*examples.py"))
"""The example runners: each names in FAMILIES the rule families whose examples it runs."""


def runner_families() -> dict[str, str]:
    covered: dict[str, str] = {}
    for path in EXAMPLE_RUNNERS:
        name = ".".join(path.relative_to(TESTS.parent).with_suffix("").parts)
        for family in importlib.import_module(name).FAMILIES:
            assert family not in covered, f"{family} has two example runners"
            covered[family] = name
    return covered


def test_every_rule_family_has_an_example_runner() -> None:
    """A new rule (or family) cannot land without its Bad:/Good: examples being run."""
    covered = runner_families()
    missing = sorted({f"{r.id} ({r.family})" for r in RULES if r.family not in covered})
    assert missing == [], f"rules whose family has no tests/**/test_*examples.py: {missing}"


def test_example_files_and_good_inheritance() -> None:
    text = "-- metadata.toml: run_in_transaction = false\nSELECT 1;\n-- down.sql (why)\nSELECT 2;"
    assert example_files(text) == {
        "metadata.toml": "run_in_transaction = false",
        "": "SELECT 1;",
        "down.sql": "SELECT 2;",
    }
    doc = "T.\n\nBad:\n\n    -- up.sql\n    A;\n    -- down.sql\n    B;\n\nGood:\n\n    -- down.sql\n    C;\n"
    item = Rule(id="XX001", family="x", severity=RULES[0].severity, title="t", doc=doc)
    assert examples(item) == {
        "Bad": {"up.sql": "A;", "down.sql": "B;"},
        "Good": {"up.sql": "A;", "down.sql": "C;"},
    }
