"""Migration layouts on disk, read into one ordered list of :class:`Migration`.

Each layout follows its tool's own naming and ordering rules:

- ``diesel``: ``<version>_<name>/up.sql`` and ``down.sql`` (optional ``metadata.toml``
  with ``run_in_transaction = false``). The version is the folder name before the
  first ``_`` with every ``-`` removed; string order, as Diesel sorts them.
- ``paired`` (golang-migrate, sqlx): ``<version>_<name>.up.sql`` and
  ``<version>_<name>.down.sql``; the version is an integer, numeric order.
- ``flyway``: ``V<version>__<name>.sql`` with optional ``U<version>__<name>.sql`` undo
  scripts; versions like ``1.2.10`` or ``1_2`` compare part by part, numerically.
- ``dbmate``: one ``<version>_<name>.sql`` file per migration with ``-- migrate:up``
  and ``-- migrate:down`` sections (``transaction:false`` honoured); version string order.

:func:`detect_layout` picks the layout from the directory's contents;
:func:`load_migrations` accepts ``layout=`` to force one.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from auditor.core.config import Config
from auditor.core.errors import AuditorError


class LayoutError(AuditorError, ValueError):
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
        from auditor.sql.split import SqlSyntaxError, split_statements

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


_PAIRED = re.compile(r"^(\d+)_(.*)\.(up|down)\.sql$")
_FLYWAY = re.compile(r"^([VU])(\d+(?:[._]\d+)*)__(.*)\.sql$")
_DBMATE = re.compile(r"^(\d+)_?(.*)\.sql$")
_DBMATE_MARK = re.compile(r"^--\s*migrate:(up|down)\b(.*)$", re.MULTILINE)

LAYOUTS = ("diesel", "paired", "flyway", "dbmate")
"""Names accepted by ``--layout``."""


def parse_layout(config: Config) -> str | None:
    """The ``layout`` key of the configuration: one of :data:`LAYOUTS`, or None to detect."""
    value = config.data.get("layout")
    if value is not None and value not in LAYOUTS:
        raise config.error("layout", f"must be one of {', '.join(LAYOUTS)}")
    return value if isinstance(value, str) else None


def _entries(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if not p.name.startswith("."))


def load_paired(root: Path) -> list[Migration]:
    """Read golang-migrate / sqlx ``<version>_<name>.up.sql|.down.sql`` pairs."""
    ups: dict[int, tuple[str, Path]] = {}
    downs: dict[int, Path] = {}
    for path in _entries(root):
        if not path.is_file() or not path.name.endswith(".sql"):
            continue
        match = _PAIRED.match(path.name)
        if match is None:
            raise LayoutError(f"{path}: not a <version>_<name>.up.sql or .down.sql file")
        version, name, direction = int(match.group(1)), match.group(2), match.group(3)
        target = ups if direction == "up" else downs
        if version in target:
            raise LayoutError(f"{path}: version {version} has two {direction} scripts")
        if direction == "up":
            ups[version] = (name, path)
        else:
            downs[version] = path
    for version, path in downs.items():
        if version not in ups:
            raise LayoutError(f"{path}: down script without an up script")
    result = []
    for version in sorted(ups):
        name, up_path = ups[version]
        down_path = downs.get(version)
        result.append(
            Migration(
                version=str(version),
                name=name,
                up=Script(up_path, _read(up_path)),
                down=Script(down_path, _read(down_path)) if down_path else None,
            )
        )
    return result


def flyway_version_key(version: str) -> tuple[int, ...]:
    """Flyway's version order: parts split on ``.``/``_``, compared numerically."""
    parts = [int(p) for p in re.split(r"[._]", version)]
    while len(parts) > 1 and parts[-1] == 0:  # 1.0 == 1
        parts.pop()
    return tuple(parts)


def load_flyway(root: Path) -> list[Migration]:
    """Read Flyway ``V<version>__<name>.sql`` scripts and their ``U`` undo scripts."""
    ups: dict[tuple[int, ...], tuple[str, str, Path]] = {}
    undos: dict[tuple[int, ...], Path] = {}
    for path in _entries(root):
        if not path.is_file() or not path.name.endswith(".sql"):
            continue
        if path.name.startswith("R__"):
            raise LayoutError(f"{path}: Flyway repeatable migrations are not supported")
        match = _FLYWAY.match(path.name)
        if match is None:
            raise LayoutError(f"{path}: not a Flyway V<version>__<name>.sql file")
        kind, version, name = match.groups()
        key = flyway_version_key(version)
        if kind == "V":
            if key in ups:
                raise LayoutError(f"{path}: version {version} also used by {ups[key][2]}")
            ups[key] = (version.replace("_", "."), name, path)
        else:
            undos[key] = path
    for key, path in undos.items():
        if key not in ups:
            raise LayoutError(f"{path}: undo script without a versioned script")
    result = []
    for key in sorted(ups):
        version, name, up_path = ups[key]
        undo = undos.get(key)
        result.append(
            Migration(
                version=version,
                name=name,
                up=Script(up_path, _read(up_path)),
                down=Script(undo, _read(undo)) if undo else None,
            )
        )
    return result


def load_dbmate(root: Path) -> list[Migration]:
    """Read dbmate single files with ``-- migrate:up`` / ``-- migrate:down`` sections."""
    result: list[Migration] = []
    seen: dict[str, Path] = {}
    for path in _entries(root):
        if not path.is_file() or not path.name.endswith(".sql"):
            continue
        match = _DBMATE.match(path.name)
        if match is None:
            raise LayoutError(f"{path}: not a dbmate <version>_<name>.sql file")
        version, name = match.groups()
        if version in seen:
            raise LayoutError(f"{path}: version {version} also used by {seen[version]}")
        seen[version] = path
        up, down, in_tx = _dbmate_sections(path, _read(path))
        result.append(Migration(version, name, up, down, run_in_transaction=in_tx))
    return sorted(result, key=lambda m: m.version)


def _dbmate_sections(path: Path, text: str) -> tuple[Script, Script | None, bool]:
    marks = list(_DBMATE_MARK.finditer(text))
    ups = [m for m in marks if m.group(1) == "up"]
    if len(ups) != 1:
        raise LayoutError(f"{path}: expected exactly one '-- migrate:up' line, found {len(ups)}")
    sections: dict[str, Script] = {}
    in_tx = True
    for i, mark in enumerate(marks):
        start = mark.end()
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        first_line = text.count("\n", 0, start) + 1
        if start < len(text) and text[start] == "\n":
            start += 1
            first_line += 1
        sections[mark.group(1)] = Script(path, text[start:end], first_line=first_line)
        if mark.group(1) == "up" and "transaction:false" in mark.group(2).replace(" ", ""):
            in_tx = False
    return sections["up"], sections.get("down"), in_tx


def detect_layout(root: Path) -> str:
    """The layout of the migrations directory ``root``; raise :class:`LayoutError` if unclear."""
    entries = _entries(root)
    found: set[str] = set()
    for path in entries:
        if path.is_dir():
            if (path / "up.sql").is_file():
                found.add("diesel")
        elif path.name.endswith(".sql"):
            if _PAIRED.match(path.name):
                found.add("paired")
            elif _FLYWAY.match(path.name) or path.name.startswith("R__"):
                found.add("flyway")
            elif _DBMATE.match(path.name) and _DBMATE_MARK.search(_read(path)):
                found.add("dbmate")
    if len(found) > 1:
        raise LayoutError(
            f"{root}: mixes migration layouts ({', '.join(sorted(found))}); pass --layout"
        )
    if not found:
        if not entries or all(p.is_dir() for p in entries):
            return "diesel"  # an empty directory: nothing to run in any layout
        raise LayoutError(
            f"{root}: no migrations in a known layout ({', '.join(LAYOUTS)}); pass --layout"
        )
    return found.pop()


_LOADERS = {
    "diesel": load_diesel,
    "paired": load_paired,
    "flyway": load_flyway,
    "dbmate": load_dbmate,
}


def load_migrations(root: Path, layout: str | None = None) -> list[Migration]:
    """Read the migrations under ``root`` in the order they run.

    ``layout`` forces one of :data:`LAYOUTS`; by default it is detected.
    """
    if not root.is_dir():
        raise LayoutError(f"{root}: migrations directory not found")
    if layout is None:
        layout = detect_layout(root)
    if layout not in _LOADERS:
        raise LayoutError(f"unknown layout {layout!r} (choose from {', '.join(LAYOUTS)})")
    return _LOADERS[layout](root)
