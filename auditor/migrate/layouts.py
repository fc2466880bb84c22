"""Migration layouts on disk, read into one ordered list of :class:`Migration`.

Diesel: ``<version>_<name>/up.sql`` and ``down.sql`` (optional ``metadata.toml`` with
``run_in_transaction = false``). The version is the folder name before the first
``_`` with every ``-`` removed; migrations run in version order (string order, as
Diesel sorts them).
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path


class LayoutError(ValueError):
    """The migrations directory is not a layout we can read; the message names the path."""


@dataclass(frozen=True)
class Script:
    """The SQL of one direction of a migration."""

    path: Path
    text: str
    first_line: int = 1
    """Line of ``path`` where ``text`` starts (sections of a single-file layout)."""

    @property
    def is_empty(self) -> bool:
        """True when the script holds no SQL (only blanks and comments)."""
        from auditor.migrate.sqlfile import SqlSyntaxError, split_statements

        try:
            return not split_statements(self.text)
        except SqlSyntaxError:
            return False


@dataclass(frozen=True)
class Migration:
    """One migration: its version, name, up and (optional) down script."""

    version: str
    name: str
    up: Script
    down: Script | None
    run_in_transaction: bool = True

    @property
    def label(self) -> str:
        """``<version>_<name>`` as shown to users."""
        return f"{self.version}_{self.name}"

    @property
    def checksum(self) -> str:
        """SHA-256 of the up script's text: detects a migration edited after it ran."""
        return hashlib.sha256(self.up.text.encode()).hexdigest()


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise LayoutError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise LayoutError(f"{path}: cannot read ({exc.strerror})") from None


def diesel_version(folder_name: str) -> str:
    """Diesel's version of a migration folder: the part before ``_``, without ``-``."""
    return folder_name.split("_", 1)[0].replace("-", "")


def load_diesel(root: Path) -> list[Migration]:
    """Read a Diesel migrations directory."""
    migrations: list[Migration] = []
    seen: dict[str, Path] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        up_path = folder / "up.sql"
        if not up_path.is_file():
            raise LayoutError(f"{folder}: Diesel migration folder has no up.sql")
        version = diesel_version(folder.name)
        if not version:
            raise LayoutError(f"{folder}: cannot read a version from the folder name")
        if version in seen:
            raise LayoutError(f"{folder}: version {version} also used by {seen[version]}")
        seen[version] = folder
        name = folder.name.split("_", 1)[1] if "_" in folder.name else ""
        down_path = folder / "down.sql"
        down = Script(down_path, _read(down_path)) if down_path.is_file() else None
        migrations.append(
            Migration(
                version=version,
                name=name,
                up=Script(up_path, _read(up_path)),
                down=down,
                run_in_transaction=_diesel_run_in_transaction(folder / "metadata.toml"),
            )
        )
    return sorted(migrations, key=lambda m: m.version)


def _diesel_run_in_transaction(path: Path) -> bool:
    if not path.is_file():
        return True
    try:
        data = tomllib.loads(_read(path))
    except tomllib.TOMLDecodeError as exc:
        raise LayoutError(f"{path}: invalid TOML: {exc}") from None
    value = data.get("run_in_transaction", True)
    if not isinstance(value, bool):
        raise LayoutError(f"{path}: run_in_transaction must be true or false")
    return value


def load_migrations(root: Path) -> list[Migration]:
    """Read the migrations under ``root`` in the order they run."""
    if not root.is_dir():
        raise LayoutError(f"{root}: migrations directory not found")
    return load_diesel(root)
