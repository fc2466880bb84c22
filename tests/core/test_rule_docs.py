"""Every registered rule is documented, with a bad and a good example, and explainable."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.core.rules import RULE_ID, Rule, all_rules, documentation_problems, iter_examples

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
