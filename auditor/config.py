"""Project configuration: ``[tool.auditor]`` in ``pyproject.toml`` or an ``auditor.toml``.

Found by walking up from the working directory (``--config`` chooses a file). Errors
name the file, the key and, where it can be found, the line.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.findings import Severity

KNOWN_KEYS: dict[str, str] = {
    "fail-on": "severity threshold for exit code 1 (info, low, medium, high, critical)",
    "migrations": "path of the migrations directory, relative to the configuration file",
    "database": "DSN of the database to audit (prefer DATABASE_URL for secrets)",
    "secrets": "table: secret scanning (exclude, max-bytes, baseline, cache, jobs)",  # pragma: allowlist secret
}
"""Top-level keys of ``[tool.auditor]`` with their meaning; families add theirs."""


class ConfigError(ValueError):
    """Invalid configuration; the message names file, key and line."""


@dataclass(frozen=True)
class Config:
    """The loaded configuration (empty when no file was found)."""

    path: Path | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        """Directory the configuration's relative paths are resolved against."""
        return self.path.parent if self.path else Path.cwd()

    def section(self, name: str) -> Mapping[str, Any]:
        """A sub-table such as ``lint`` (empty mapping when absent)."""
        value = self.data.get(name, {})
        if not isinstance(value, Mapping):
            raise self.error(name, "must be a table")
        return value

    def fail_on(self) -> Severity | None:
        """The configured threshold, or None."""
        value = self.data.get("fail-on")
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.error("fail-on", "must be a severity name")
        try:
            return Severity.parse(value)
        except ValueError as exc:
            raise self.error("fail-on", str(exc)) from None

    def path_option(self, key: str) -> Path | None:
        """A path-valued key resolved against :attr:`root`, or None."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.error(key, "must be a string path")
        return (self.root / value).resolve()

    def error(self, key: str, message: str) -> ConfigError:
        """A :class:`ConfigError` naming this file, ``key`` and its line when found."""
        where = str(self.path) if self.path else "configuration"
        line = _line_of(self.path, key.rsplit(".", 1)[-1]) if self.path else None
        if line:
            where += f":{line}"
        return ConfigError(f"{where}: {key}: {message}")


def _line_of(path: Path, key: str) -> int | None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    pattern = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=")
    for number, text in enumerate(lines, 1):
        if pattern.match(text):
            return number
    return None


def find_config(start: Path) -> Path | None:
    """The nearest ``auditor.toml``, or ``pyproject.toml`` with ``[tool.auditor]``."""
    for directory in [start, *start.parents]:
        candidate = directory / "auditor.toml"
        if candidate.is_file():
            return candidate
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and re.search(
            r"^\[tool\.auditor[\].]",
            pyproject.read_text(encoding="utf-8", errors="replace"),
            re.MULTILINE,
        ):
            return pyproject
    return None


def load_config(explicit: Path | None = None, start: Path | None = None) -> Config:
    """Load and validate the configuration; raise :class:`ConfigError` on any problem."""
    path = explicit if explicit is not None else find_config((start or Path.cwd()).resolve())
    if path is None:
        return Config()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    data = raw.get("tool", {}).get("auditor", {}) if path.name == "pyproject.toml" else raw
    config = Config(path=path, data=data)
    for key in data:
        if key not in KNOWN_KEYS:
            known = ", ".join(sorted(KNOWN_KEYS))
            raise config.error(key, f"unknown key (known keys: {known})")
    config.fail_on()
    return config
