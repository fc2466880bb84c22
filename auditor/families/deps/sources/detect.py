"""Find the dependency inputs of a project, and build a source for a given file.

Every directory under the project is searched (workspaces and monorepos hold several
lock files), except version-control, virtual-environment, dependency and build
directories and the configured excludes. What a file is comes from :mod:`.registry`.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Sequence
from pathlib import Path, PurePath

from auditor.families.deps.sources.interface import FileSource, relative
from auditor.families.deps.sources.registry import INPUTS, InputFormat, format_for

SKIP_DIRS = frozenset(
    {"node_modules", "target", "venv", "__pycache__", "dist", "build", "vendor", "site-packages"}
)
"""Directories never searched (besides hidden ones such as ``.git`` and ``.venv``)."""


def detect_inputs(project: Path, exclude: Sequence[str] = ()) -> list[Path]:
    """Every input file under ``project``, directory by directory, in registry order."""
    found: list[Path] = []
    for current, dirs, files in os.walk(project):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS)
        here = Path(current)
        if here != project and _excluded(relative(here, project), exclude):
            dirs[:] = []
            continue
        found += _inputs_in(here, sorted(files), project, exclude)
    return found


def _inputs_in(
    directory: Path, files: list[str], project: Path, exclude: Sequence[str]
) -> list[Path]:
    matched: list[tuple[InputFormat, Path]] = []
    for item in INPUTS:
        paths = [directory / f for f in files if item.matches(PurePath(directory.name, f))]
        matched += [(item, p) for p in paths if not _excluded(relative(p, project), exclude)]
    present = {item.name for item, _ in matched}
    chosen: list[Path] = []
    for item, path in matched:
        if any(name in present for name in item.superseded_by):
            continue
        if item.fallback and any(
            other.ecosystem == item.ecosystem
            and not other.fallback
            and other.source_class().detectable(other_path)
            for other, other_path in matched
        ):
            continue
        if item.source_class().detectable(path):
            chosen.append(path)
    return list(dict.fromkeys(chosen))


def _excluded(path: str, exclude: Sequence[str]) -> bool:
    return any(
        fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(path, pattern.rstrip("/") + "/*")
        for pattern in exclude
    )


def source_for(path: Path, project: Path, resolve: bool = False) -> FileSource:
    """The source that reads ``path``, chosen by its name (see :mod:`.registry`)."""
    return format_for(path).source(path, project, resolve=resolve)
