"""Rules on quality gates: the commands a team's CI already runs (tests, linters).

Input: the :class:`GateOutcome` values the ``gates`` family collected. A gate that
timed out or could not start is not a finding but an error (the audit is incomplete).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from auditor.core.findings import Hit, Location, Severity
from auditor.core.rules import rule

FAMILY = "gates"


@dataclass(frozen=True)
class GateOutcome:
    """How one gate command ended."""

    name: str
    command: str
    """The command as shown to users (shell-quoted argv)."""
    status: str
    """``passed``, ``failed``, ``timeout`` or ``not-started``."""
    duration: float
    """Seconds of wall time."""
    exit_code: int | None = None
    tail: tuple[str, ...] = ()
    """Last lines of combined stdout/stderr, already redacted."""
    detail: str = ""
    """Why it did not start, or its timeout, for error messages."""
    config_file: str | None = None
    line: int | None = None


@rule("GATE001", FAMILY, Severity.HIGH, "Every configured quality gate passes")
def gate_failed(outcomes: tuple[GateOutcome, ...]) -> Iterator[Hit]:
    """A quality-gate command from ``[tool.auditor.gates]`` exited with a non-zero status.

    The gates are the checks the team already relies on (tests, formatters, type
    checkers); the audit runs them so one exit code covers all of it. The finding
    carries the last lines of the command's output, redacted for secrets.

    Bad:

        # pyproject.toml
        [tool.auditor.gates]
        tests = { command = "python3 -m unittest discover -s tests", timeout = 600 }
        # tests/test_cart.py
        import unittest
        class CartTest(unittest.TestCase):
            def test_total(self):
                self.assertEqual(2 * 3, 5)   # fails: the gate exits 1

    Good:

        # tests/test_cart.py
        import unittest
        class CartTest(unittest.TestCase):
            def test_total(self):
                self.assertEqual(2 * 3, 6)   # passes: the gate exits 0
    """
    for outcome in outcomes:
        if outcome.status != "failed":
            continue
        last = next((line for line in reversed(outcome.tail) if line.strip()), "")
        yield Hit(
            message=(
                f"gate {outcome.name} failed (exit {outcome.exit_code}) after "
                f"{outcome.duration:.1f}s" + (f": {last.strip()}" if last else "")
            ),
            location=Location(
                file=outcome.config_file, line=outcome.line, object=f"gate:{outcome.name}"
            ),
            fix=f"run `{outcome.command}` locally and fix what it reports",
            key=outcome.name,
            evidence=(
                ("command", outcome.command),
                ("exit_code", str(outcome.exit_code)),
                ("duration_s", f"{outcome.duration:.2f}"),
                ("output_tail", "\n".join(outcome.tail)),
            ),
        )
