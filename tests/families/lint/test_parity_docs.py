"""The Bad:/Good: examples of the rules issue 21 added or extended, linted as a Diesel up.sql.

Same convention as the example runners (see :mod:`auditor.core.rules`): the main text
is the up.sql, run in a transaction unless a ``-- metadata.toml:`` line says
``run_in_transaction = false``; every opt-in rule is enabled. Bad must produce the
rule's finding, Good must not.
"""

from __future__ import annotations

import re

import pytest

from auditor.core.rules import get_rule, iter_examples
from auditor.families.lint.engine import LintUnit, lint_units
from auditor.families.lint.settings import OPT_IN, LintConfig

PARITY_RULES = ("LNT004", "LNT007", "LNT008", "LNT009", *(f"LNT{n:03d}" for n in range(43, 65)))
_METADATA = re.compile(r"^--\s*metadata\.toml:\s*(.*)$", re.MULTILINE)


def example_ids(text: str) -> set[str]:
    metadata = " ".join(_METADATA.findall(text))
    unit = LintUnit(
        path="migrations/2024-02-01-000000_example/up.sql",
        text=text + "\n",
        direction="up",
        run_in_transaction="run_in_transaction = false" not in metadata,
    )
    run = lint_units([unit], LintConfig(enable=OPT_IN))
    assert not run.errors
    return {f.rule_id for f in run.findings}


@pytest.mark.parametrize("rule_id", PARITY_RULES)
def test_bad_example_is_reported_and_good_is_not(rule_id: str) -> None:
    item = get_rule(rule_id)
    assert item is not None
    blocks = dict(iter_examples(item))
    assert set(blocks) == {"Bad", "Good"}
    assert rule_id in example_ids(blocks["Bad"]), "Bad example not reported"
    assert rule_id not in example_ids(blocks["Good"]), "Good example reported"
