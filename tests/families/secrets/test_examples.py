"""The Bad:/Good: example of every secret type, run through the secrets engine.

An example is the text of a file (``example.py`` unless it names one, such as
``# .env``). Its ``pragma: allowlist secret`` comment is removed before the scan, so
the Bad example is reported; no value is ever printed (the ids say which case failed).
A typed provider token is documented as its prefix and ``FAKE…``
(:meth:`Detector.fake`): the runner puts a synthetic token of the detector's shape
(:meth:`Detector.sample`) in its place, so no realistic token is committed.
SEC099 (types from a project's own detect-secrets plugin) runs with such a plugin,
written by the test and registered in a baseline the way a project registers it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.families.secrets import engine
from auditor.families.secrets.detectors import DETECTORS
from auditor.families.secrets.rules import OTHER, findings_for
from tests.rule_examples import PRAGMA, Example, cases, found

FAMILIES = ("secrets",)

PLUGIN = """
import re

from detect_secrets.plugins.base import RegexBasedDetector


class ExampleTokenDetector(RegexBasedDetector):
    secret_type = "Example Token"
    denylist = (re.compile(r'token = "([a-z]+)"'),)
"""

DEAD = {
    "SEC013": "detect-secrets' is_not_alphanumeric_string filter drops every value without a"
    " letter, so its Public IP (ipv4) plugin never reports an address (kept for parity)",
    "SEC098": "reported for a file the scan could not read (size, line length), never for a"
    " file's text (tests/families/secrets/test_hostile_inputs.py runs it)",
}
"""Types whose Bad example cannot be reported; strict: the test fails once it is."""


@pytest.fixture
def custom_plugin(tmp_path: Path) -> Iterator[None]:
    path = tmp_path / "example_plugin.py"
    path.write_text(PLUGIN, encoding="utf-8")
    engine.configure({"plugins_used": [{"name": "ExampleTokenDetector", "path": f"file://{path}"}]})
    try:
        yield
    finally:
        engine.configure()


DETECTOR = {d.rule_id: d for d in DETECTORS}


def scan(example: Example) -> set[str]:
    ids: set[str] = set()
    detector = DETECTOR.get(example.rule.id)
    for name, text in example.files.items():
        if detector is not None:
            text = text.replace(detector.fake(), detector.sample(random.Random(detector.rule_id)))
        clean = "\n".join(PRAGMA.sub("", line) for line in text.splitlines()) + "\n"
        ids |= {f.rule_id for f in findings_for(engine.scan_text(name or "example.py", clean))}
    return ids


@pytest.mark.parametrize("example", cases(*FAMILIES, xfail_bad=DEAD))
def test_example(example: Example, request: pytest.FixtureRequest) -> None:
    if example.rule.id == OTHER.rule_id:
        request.getfixturevalue("custom_plugin")
    else:
        engine.configure()
    found(example, scan(example))
