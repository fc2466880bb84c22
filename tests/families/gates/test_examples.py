"""The Bad:/Good: example of the gates rule: a project whose pyproject.toml configures a
gate, with the files the gate's command runs, audited by ``auditor audit --only gates``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from auditor.families.gates.rules import FAMILY
from tests.rule_examples import Example, audit_with_config, cases, found, write_files

FAMILIES = (FAMILY,)


@pytest.mark.parametrize("example", cases(FAMILY))
def test_example(example: Example, tmp_path: Path) -> None:
    write_files(tmp_path, example.files)
    report = audit_with_config(tmp_path, FAMILY, dt.date(2026, 11, 25))
    assert [e.message for f in report.families for e in f.errors] == []
    found(example, {f.rule_id for f in report.findings})
