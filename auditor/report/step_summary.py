"""GitHub Actions step summary: append the markdown report to ``$GITHUB_STEP_SUMMARY``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

MAX_BYTES = 1024 * 1024
"""GitHub's cap on one step's summary file (1 MiB); past it the summary is dropped."""


def append_step_summary(markdown: str, env: Mapping[str, str] | None = None) -> Path | None:
    """Append ``markdown`` to the step summary file when the variable is set.

    Stays within :data:`MAX_BYTES` for the whole file: when the report does not fit,
    a one-line note is appended instead (or nothing, if even that does not fit).
    Returns the file written to, or None.
    """
    env = os.environ if env is None else env
    name = env.get("GITHUB_STEP_SUMMARY", "")
    if not name:
        return None
    path = Path(name)
    used = path.stat().st_size if path.exists() else 0
    text = markdown if markdown.endswith("\n") else markdown + "\n"
    if used + len(text.encode()) > MAX_BYTES:
        text = (
            "auditor: the report does not fit in the step summary (1 MiB cap); "
            "see the report file written by the job.\n"
        )
        if used + len(text.encode()) > MAX_BYTES:
            return None
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)
    return path
