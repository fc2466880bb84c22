"""Find the dependency inputs of a project, and build a source for a given file."""

from __future__ import annotations

from pathlib import Path

from auditor.families.deps.sources.interface import DependencySource, SourceError
from auditor.families.deps.sources.locks import PoetryLockSource, PylockSource, UvLockSource
from auditor.families.deps.sources.pyproject import PyprojectSource
from auditor.families.deps.sources.requirements import RequirementsSource


def detect_inputs(project: Path) -> list[Path]:
    """Lock and requirements files at the project root; else ``pyproject.toml``.

    ``requirements*.txt`` (and ``requirements/*.txt``), ``pylock.toml`` and
    ``pylock.*.toml``, ``uv.lock``, ``poetry.lock``. A ``pyproject.toml`` with
    ``[project].dependencies`` is used only when none of those exists.
    """
    found: list[Path] = []
    found += sorted(project.glob("requirements*.txt"))
    found += sorted((project / "requirements").glob("*.txt"))
    found += sorted(project.glob("pylock.toml")) + sorted(project.glob("pylock.*.toml"))
    found += [p for p in (project / "uv.lock", project / "poetry.lock") if p.is_file()]
    found = [p for p in found if p.is_file()]
    if not found and (project / "pyproject.toml").is_file():
        import tomllib

        try:
            data = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            data = {}
        if data.get("project", {}).get("dependencies"):
            found.append(project / "pyproject.toml")
    return found


def source_for(path: Path, project: Path, resolve: bool = False) -> DependencySource:
    """The source that reads ``path``, chosen by its name."""
    name = path.name
    if name == "uv.lock":
        return UvLockSource(path, project)
    if name == "poetry.lock":
        return PoetryLockSource(path, project)
    if name == "pylock.toml" or (name.startswith("pylock.") and name.endswith(".toml")):
        return PylockSource(path, project)
    if name == "pyproject.toml":
        return PyprojectSource(path, project, resolve=resolve)
    if name.endswith((".txt", ".in")):
        return RequirementsSource(path, project)
    raise SourceError(
        f"{path}: unknown dependency file (expected requirements*.txt, pylock.toml, "
        "uv.lock, poetry.lock or pyproject.toml)"
    )
