"""Where the tests find the repository and their data, wherever a test module lives."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
"""The repository checkout."""
TEST_DATA = REPO_ROOT / "tests" / "data"
"""The tests' own fixtures."""
