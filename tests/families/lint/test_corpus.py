"""A realistic migration history (tests/data/lint/corpus) yields exactly the annotated findings.

Each expected finding is written in the SQL right above where it must be reported:
``-- expect: LNT001, LNT022`` for the next statement, ``-- expect-next-line: LNT041``
for the very next line (findings about an ignore pragma sit on the pragma's line).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from auditor.core.rules import rules_of
from auditor.families.lint.engine import collect, lint_units
from auditor.families.lint.rules.meta import HISTORY_TABLES
from auditor.families.lint.settings import OPT_IN, LintConfig
from auditor.families.schema.rulepacks import load_rule_packs
from tests.paths import TEST_DATA

DATA = TEST_DATA / "lint"
CORPUS = DATA / "corpus"
_EXPECT = re.compile(r"^\s*--\s*expect(-next-line)?:\s*(.+)$")


def expected_findings(root: Path, project: Path) -> Counter[tuple[str, int, str]]:
    expected: Counter[tuple[str, int, str]] = Counter()
    for path in sorted(root.rglob("*.sql")):
        rel = path.relative_to(project).as_posix()
        lines = path.read_text(encoding="utf-8").splitlines()
        pending: list[str] = []
        for number, text in enumerate(lines, 1):
            match = _EXPECT.match(text)
            if match:
                ids = [r.strip() for r in match.group(2).split(",")]
                if match.group(1):
                    expected.update((rel, number + 1, r) for r in ids)
                else:
                    pending.extend(ids)
                continue
            stripped = text.strip()
            if pending and stripped and not stripped.startswith("--"):
                expected.update((rel, number, r) for r in pending)
                pending = []
        assert not pending, f"{rel}: expectation without a statement"
    return expected


def test_corpus_has_enough_files_and_covers_every_rule() -> None:
    files = list(CORPUS.rglob("*.sql"))
    assert len(files) >= 50
    expected = {rule for (_, _, rule) in expected_findings(CORPUS, DATA)}
    default_on = {r.id for r in rules_of("lint") if r.id not in OPT_IN or r.id == "LNT017"}
    assert default_on | {"LNT040", "LNT041"} <= expected  # opt-in rules: test_rules.py
    assert HISTORY_TABLES == 5  # the squash migrations are written for this threshold


def test_corpus_produces_exactly_the_expected_findings() -> None:
    config = LintConfig(enable=frozenset({"LNT017"}))
    run = lint_units(collect([CORPUS], DATA, config), config, load_rule_packs(), DATA)
    assert not run.errors
    # an index on a table the history never creates, DETACH PARTITION and ALTER DOMAIN
    # cannot be replayed: skipped, not passed
    assert [s.what for s in run.skipped] == [
        "LNT035/LNT037 for 20230701100000_ignores",
        "LNT035/LNT037 for 20230902100000_parity_locks",
        "LNT035/LNT037 for 20230904100000_parity_objects",
    ]
    got = Counter((f.location.file or "", f.location.line or 0, f.rule_id) for f in run.findings)
    expected = expected_findings(CORPUS, DATA)
    missing = sorted((expected - got).elements())
    unexpected = sorted((got - expected).elements())
    assert (missing, unexpected) == ([], [])
    secret_findings = [f for f in run.findings if f.rule_id == "LNT030"]
    assert secret_findings
    for finding in run.findings:
        assert "changeme" not in finding.message and "w4rehouse" not in finding.message
