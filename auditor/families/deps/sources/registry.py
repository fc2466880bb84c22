"""The registry of dependency inputs: every file format the dependency audit reads, declared once.

Detection (:mod:`.detect`), ``auditor init``, ``auditor deps audit --help`` and the
README's input table all read :data:`INPUTS`; adding a format is one entry here and
one module beside this one (a :class:`~.interface.FileSource`).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path, PurePath

from auditor.families.deps.sources.interface import FileSource, SourceError

_HERE = "auditor.families.deps.sources"
UNREAD = "not read yet: found, the audit stops (exit 2) until the file is excluded"
"""The :attr:`InputFormat.versions` of a recognised format that has no reader."""


@dataclass(frozen=True)
class InputFormat:
    """One input format of the dependency audit."""

    name: str
    """How reports, ``auditor init`` and the README name it."""
    patterns: tuple[str, ...]
    """Globs matched against a path from the right (``PurePath.match``): a file name or ``dir/name``."""
    ecosystem: str
    """The OSV ecosystem of its packages."""
    parser: str
    """``module:Class`` of the :class:`~.interface.FileSource` that reads it."""
    versions: str
    """Which versions or parts of the format are read (for the README and ``--help``)."""
    explicit: tuple[str, ...] = ()
    """More globs accepted when the file is named on the command line (never detected)."""
    fallback: bool = False
    """Detected only when no other input of its ecosystem is in the same directory."""
    superseded_by: tuple[str, ...] = ()
    """Formats that, found in the same directory, make this one redundant."""

    def matches(self, path: PurePath, explicit: bool = False) -> bool:
        """True when ``path`` is a file of this format by its name."""
        patterns = (*self.patterns, *self.explicit) if explicit else self.patterns
        return any(path.match(pattern) for pattern in patterns)

    @property
    def read(self) -> bool:
        """False for a recognised format that has no reader yet (finding one is an error)."""
        return self.versions != UNREAD

    def source_class(self) -> type[FileSource]:
        """The class named by :attr:`parser` (imported on first use)."""
        module, _, attribute = self.parser.partition(":")
        found = getattr(importlib.import_module(module), attribute)
        if not (isinstance(found, type) and issubclass(found, FileSource)):
            raise TypeError(f"{self.parser} is not a FileSource")
        return found

    def source(self, path: Path, project: Path, resolve: bool = False) -> FileSource:
        """The source that reads ``path``."""
        return self.source_class()(path, project, resolve=resolve)


INPUTS: tuple[InputFormat, ...] = (
    InputFormat(
        "requirements*.txt",
        ("requirements*.txt", "requirements/*.txt"),
        "PyPI",
        f"{_HERE}.requirements:RequirementsSource",
        "exact == pins, -r includes, hashes",
        explicit=("*.txt", "*.in"),
    ),
    InputFormat(
        "pylock.toml",
        ("pylock.toml", "pylock.*.toml"),
        "PyPI",
        f"{_HERE}.pylock:PylockSource",
        "PEP 751 lock files",
    ),
    InputFormat("uv.lock", ("uv.lock",), "PyPI", f"{_HERE}.uvlock:UvLockSource", "uv lock files"),
    InputFormat(
        "poetry.lock",
        ("poetry.lock",),
        "PyPI",
        f"{_HERE}.poetry:PoetryLockSource",
        "Poetry 1 and 2",
    ),
    InputFormat(
        "pyproject.toml",
        ("pyproject.toml",),
        "PyPI",
        f"{_HERE}.pyproject:PyprojectSource",
        "[project].dependencies, when no Python lock file is beside it",
        fallback=True,
    ),
    InputFormat(
        "Cargo.lock", ("Cargo.lock",), "crates.io", f"{_HERE}.cargo:CargoLockSource", "versions 1-4"
    ),
    InputFormat(
        "package-lock.json",
        ("package-lock.json", "npm-shrinkwrap.json"),
        "npm",
        f"{_HERE}.npm:PackageLockSource",
        "lockfileVersion 1, 2, 3 (also npm-shrinkwrap.json)",
    ),
    InputFormat(
        "pnpm-lock.yaml",
        ("pnpm-lock.yaml",),
        "npm",
        f"{_HERE}.pnpm:PnpmLockSource",
        "lockfileVersion 5.x-9.x",
    ),
    InputFormat(
        "yarn.lock", ("yarn.lock",), "npm", f"{_HERE}.yarn:YarnLockSource", "classic (v1) and berry"
    ),
    InputFormat(
        "bun.lock",
        ("bun.lock",),
        "npm",
        f"{_HERE}.bun:BunLockSource",
        "text lock, lockfileVersion 0-1",
    ),
    InputFormat(
        "go.mod",
        ("go.mod",),
        "Go",
        f"{_HERE}.gomod:GoModSource",
        "require and replace directives (the selected versions)",
    ),
    InputFormat(
        "go.sum",
        ("go.sum",),
        "Go",
        f"{_HERE}.gosum:GoSumSource",
        "only without a go.mod beside it: the newest version of each module",
        superseded_by=("go.mod",),
    ),
    InputFormat(
        "Gemfile.lock",
        ("Gemfile.lock",),
        "RubyGems",
        f"{_HERE}.gemfile:GemfileLockSource",
        "Bundler 1 and 2: GEM (rubygems.org), GIT and PATH sections",
    ),
    InputFormat(
        "composer.lock",
        ("composer.lock",),
        "Packagist",
        f"{_HERE}.composer:ComposerLockSource",
        "packages and packages-dev",
    ),
    *(
        InputFormat(name, (name,), ecosystem, f"{_HERE}.unsupported:UnreadSource", UNREAD)
        for name, ecosystem in (
            ("Pipfile.lock", "PyPI"),
            ("pdm.lock", "PyPI"),
        )
    ),
)
"""Every input format, in detection and display order."""


def format_for(path: Path, explicit: bool = True) -> InputFormat:
    """The format of ``path`` by its name; ``SourceError`` naming the known formats if none."""
    pure = PurePath(path.as_posix())
    for item in INPUTS:
        if item.matches(pure, explicit=False):
            return item
    if explicit:
        for item in INPUTS:
            if item.matches(pure, explicit=True):
                return item
    raise SourceError(f"{path}: unknown dependency file (expected {names()})")


def names() -> str:
    """The formats read, for messages: ``requirements*.txt, pylock.toml, ... or go.sum``."""
    listed = [item.name for item in INPUTS if item.read]
    return ", ".join(listed[:-1]) + " or " + listed[-1]
