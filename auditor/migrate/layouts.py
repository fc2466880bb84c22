"""Migration layouts on disk, read into one ordered list of :class:`Migration`.

Each layout follows its tool's own naming and ordering rules:

- ``diesel``: ``<version>_<name>/up.sql`` and ``down.sql`` (optional ``metadata.toml``
  with ``run_in_transaction = false``). The version is the folder name before the
  first ``_`` with every ``-`` removed; string order, as Diesel sorts them.
- ``golang-migrate`` and ``sqlx`` (``paired``: either, told apart by :func:`detect_tool`):
  ``<version>_<name>.up.sql`` and ``<version>_<name>.down.sql``; the version is an
  integer, numeric order. sqlx also reads ``<version>_<name>.sql`` (no down) and honours
  ``-- no-transaction`` as a file's first bytes.
- ``flyway``: ``V<version>__<name>.sql`` with optional ``U<version>__<name>.sql`` undo
  scripts; versions like ``1.2.10`` or ``1_2`` compare part by part, numerically.
  Repeatable ``R__<name>.sql`` scripts run after the versioned ones, in name order.
- ``dbmate``: one ``<version>_<name>.sql`` file per migration with ``-- migrate:up``
  and ``-- migrate:down`` sections (``transaction:false`` per section); version string
  order. A marker must start its line, as dbmate reads it: an indented one is refused.

:func:`detect_layout` picks the layout from the directory's contents;
:func:`load_migrations` accepts ``layout=`` to force one. Every :class:`Migration` names
its ``tool``, whose bookkeeping (:mod:`auditor.migrate.tools`) and transaction rules
(:mod:`auditor.migrate.transactions`) the runner follows.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from auditor.core.config import Config
from auditor.core.errors import AuditorError
from auditor.migrate.transactions import runs_in_transaction


class LayoutError(AuditorError, ValueError):
    """The migrations directory is not a layout we can read; the message names the path."""


_CODE_LINE = re.compile(r"^[ \t;]*[^-\s;]|^[ \t;]*-(?!-)", re.MULTILINE)
"""A line that starts with something besides blanks, ';' and a ``--`` comment."""


@dataclass(frozen=True)
class Script:
    """The SQL of one direction of a migration."""

    path: Path
    text: str
    first_line: int = 1
    """Line of ``path`` where ``text`` starts (sections of a single-file layout)."""
    transaction: bool = True
    """The file's own choice: False for Diesel ``run_in_transaction = false``, sqlx
    ``-- no-transaction``, dbmate ``transaction:false``."""

    @property
    def is_empty(self) -> bool:
        """True when the script holds no SQL (only blanks and comments)."""
        if "/*" not in self.text and _CODE_LINE.search(self.text):
            return False  # a line with something besides a comment or ';': a statement
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
    """Whether the tool runs ``up`` inside a transaction block, explicit or implicit."""
    tool: str = "diesel"
    """The migration tool whose bookkeeping and transactions apply: one of :data:`TOOLS`."""
    repeatable: bool = False
    """A Flyway ``R__`` script: version ``R__<name>``, re-run whenever it changes."""

    @property
    def label(self) -> str:
        """``<version>_<name>`` as shown to users (``R__<name>`` for a repeatable script)."""
        return self.version if self.repeatable else f"{self.version}_{self.name}"

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
        in_tx = _diesel_run_in_transaction(folder / "metadata.toml")
        down_path = folder / "down.sql"
        down = (
            Script(down_path, _read(down_path), transaction=in_tx) if down_path.is_file() else None
        )
        migrations.append(
            Migration(
                version=version,
                name=name,
                up=Script(up_path, _read(up_path), transaction=in_tx),
                down=down,
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
_SIMPLE = re.compile(r"^(\d+)_(.*)\.sql$")
_FLYWAY = re.compile(r"^([VU])(\d+(?:[._]\d+)*)__(.*)\.sql$")
_REPEATABLE = re.compile(r"^R__(.+)\.sql$")
_DBMATE = re.compile(r"^(\d+)_?(.*)\.sql$")
_DBMATE_MARK = re.compile(r"^--\s*migrate:(up|down)\b(.*)$", re.MULTILINE)
_DBMATE_INDENTED = re.compile(r"^[ \t]+--\s*migrate:(?:up|down)\b", re.MULTILINE)

TOOLS = ("diesel", "golang-migrate", "sqlx", "flyway", "dbmate")
"""The migration tools whose bookkeeping and transactions the runner follows."""
LAYOUTS = ("diesel", "paired", "golang-migrate", "sqlx", "flyway", "dbmate")
"""Names accepted by ``--layout`` (``paired``: golang-migrate or sqlx, detected)."""


def parse_layout(config: Config) -> str | None:
    """The ``layout`` key of the configuration: one of :data:`LAYOUTS`, or None to detect."""
    value = config.data.get("layout")
    if value is not None and value not in LAYOUTS:
        raise config.error("layout", f"must be one of {', '.join(LAYOUTS)}")
    return value if isinstance(value, str) else None


def _entries(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if not p.name.startswith("."))


def _sqlx_script(path: Path) -> Script:
    text = _read(path)
    return Script(path, text, transaction=not text.startswith("-- no-transaction"))


def load_paired(root: Path, tool: str = "golang-migrate") -> list[Migration]:
    """Read golang-migrate / sqlx ``<version>_<name>.up.sql|.down.sql`` pairs.

    For sqlx, a ``<version>_<name>.sql`` file is a migration without a down script.
    """
    ups: dict[int, tuple[str, Path]] = {}
    downs: dict[int, Path] = {}
    for path in _entries(root):
        if not path.is_file() or not path.name.endswith(".sql"):
            continue
        match = _PAIRED.match(path.name)
        if match is not None:
            version, name, direction = int(match.group(1)), match.group(2), match.group(3)
        elif tool == "sqlx" and (simple := _SIMPLE.match(path.name)):
            version, name, direction = int(simple.group(1)), simple.group(2), "up"
        else:
            raise LayoutError(f"{path}: not a <version>_<name>.up.sql or .down.sql file")
        target = ups if direction == "up" else downs
        if version in target:
            other = ups[version][1] if direction == "up" else downs[version]
            raise LayoutError(
                f"{path}: version {version} also used by {other.name}; {tool} refuses two "
                f"{direction} scripts with one version (a shared prefix is one version)"
            )
        if direction == "up":
            ups[version] = (name, path)
        else:
            downs[version] = path
    for version, path in downs.items():
        if version not in ups:
            raise LayoutError(f"{path}: down script without an up script")
    read = _sqlx_script if tool == "sqlx" else (lambda p: Script(p, _read(p)))
    result = []
    for version in sorted(ups):
        name, up_path = ups[version]
        down_path = downs.get(version)
        result.append(
            Migration(
                version=str(version),
                name=name,
                up=read(up_path),
                down=read(down_path) if down_path else None,
                tool=tool,
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
    """Read Flyway ``V``/``U`` scripts, then the repeatable ``R__`` ones in name order."""
    ups: dict[tuple[int, ...], tuple[str, str, Path]] = {}
    undos: dict[tuple[int, ...], Path] = {}
    repeatables: list[Migration] = []
    for path in _entries(root):
        if not path.is_file() or not path.name.endswith(".sql"):
            continue
        if repeatable := _REPEATABLE.match(path.name):
            name = repeatable.group(1)
            script = Script(path, _read(path))
            repeatables.append(Migration(f"R__{name}", name, script, None, repeatable=True))
            continue
        match = _FLYWAY.match(path.name)
        if match is None:
            raise LayoutError(f"{path}: not a Flyway V<version>__<name>.sql file")
        kind, version, name = match.groups()
        key = flyway_version_key(version)
        if kind == "V":
            if key in ups:
                raise LayoutError(
                    f"{path}: version {version} also used by {ups[key][2].name}; Flyway "
                    "refuses two migrations with one version"
                )
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
    return result + sorted(repeatables, key=lambda m: m.name)


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
            raise LayoutError(
                f"{path}: version {version} also used by {seen[version].name}; dbmate records "
                "one version per file, so its own run fails on the second one"
            )
        seen[version] = path
        up, down = _dbmate_sections(path, _read(path))
        result.append(Migration(version, name, up, down))
    return sorted(result, key=lambda m: m.version)


def _dbmate_sections(path: Path, text: str) -> tuple[Script, Script | None]:
    indented = _DBMATE_INDENTED.search(text)
    if indented is not None:
        line = text.count("\n", 0, indented.start()) + 1
        raise LayoutError(
            f"{path}:{line}: indented '-- migrate:' marker; dbmate reads a marker only at the "
            "start of a line (it would run this section as part of the previous one): "
            "remove the indentation"
        )
    marks = list(_DBMATE_MARK.finditer(text))
    ups = [m for m in marks if m.group(1) == "up"]
    if len(ups) != 1:
        raise LayoutError(f"{path}: expected exactly one '-- migrate:up' line, found {len(ups)}")
    sections: dict[str, Script] = {}
    for i, mark in enumerate(marks):
        start = mark.end()
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        first_line = text.count("\n", 0, start) + 1
        if start < len(text) and text[start] == "\n":
            start += 1
            first_line += 1
        in_tx = "transaction:false" not in mark.group(2).replace(" ", "")
        sections[mark.group(1)] = Script(path, text[start:end], first_line, transaction=in_tx)
    return sections["up"], sections.get("down")


def detect_tool(root: Path, layout: str) -> str:
    """The tool of a detected ``layout``: ``paired`` is sqlx in a Rust crate using sqlx.

    Looks for a ``Cargo.toml`` naming sqlx in ``root`` and its parents (up to the
    repository root); otherwise a paired layout is golang-migrate's.
    """
    if layout != "paired":
        return layout
    for folder in [root, *root.resolve().parents][:8]:
        cargo = folder / "Cargo.toml"
        if cargo.is_file() and "sqlx" in _read(cargo):
            return "sqlx"
        if (folder / ".git").exists():
            break
    return "golang-migrate"


def detect_layout(root: Path) -> str:
    """The layout of the migrations directory ``root``; raise :class:`LayoutError` if unclear."""
    entries = _entries(root)
    found: set[str] = set()
    simple = False
    for path in entries:
        if path.is_dir():
            if (path / "up.sql").is_file():
                found.add("diesel")
        elif path.name.endswith(".sql"):
            if _PAIRED.match(path.name):
                found.add("paired")
            elif _FLYWAY.match(path.name) or _REPEATABLE.match(path.name):
                found.add("flyway")
            elif _DBMATE.match(path.name) and _DBMATE_MARK.search(_read(path)):
                found.add("dbmate")
            elif _SIMPLE.match(path.name):
                simple = True
    if simple and found <= {"paired"} and detect_tool(root, "paired") == "sqlx":
        found = {"sqlx"}  # sqlx's <version>_<name>.sql files, maybe beside reversible pairs
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


STATEMENT_DECIDES = frozenset({"flyway", "golang-migrate"})
"""Tools whose transaction choice depends on the statements (see ``runs_in_transaction``)."""


def _loader(tool: str) -> Callable[[Path], list[Migration]]:
    if tool in ("golang-migrate", "sqlx"):
        return lambda root: load_paired(root, tool)
    return {"diesel": load_diesel, "flyway": load_flyway, "dbmate": load_dbmate}[tool]


_REMEMBERED: dict[tuple[Path, str | None], list[Migration]] | None = None
"""Inside :func:`remembered`: the migrations read so far (the families of one run)."""


@contextmanager
def remembered() -> Iterator[None]:
    """Within the block, each directory is read once (one audit run: the files stay put)."""
    global _REMEMBERED
    outer, _REMEMBERED = _REMEMBERED, {} if _REMEMBERED is None else _REMEMBERED
    try:
        yield
    finally:
        _REMEMBERED = outer


def load_migrations(root: Path, layout: str | None = None) -> list[Migration]:
    """Read the migrations under ``root`` in the order they run.

    ``layout`` forces one of :data:`LAYOUTS`; by default it is detected. Each migration
    carries its tool and whether that tool runs it in a transaction.
    """
    if _REMEMBERED is None:
        return _load_migrations(root, layout)
    key = (root.resolve(), layout)
    if key not in _REMEMBERED:
        _REMEMBERED[key] = _load_migrations(root, layout)
    return list(_REMEMBERED[key])


def _load_migrations(root: Path, layout: str | None) -> list[Migration]:
    if not root.is_dir():
        raise LayoutError(f"{root}: migrations directory not found")
    if layout is None:
        layout = detect_layout(root)
    if layout not in LAYOUTS:
        raise LayoutError(f"unknown layout {layout!r} (choose from {', '.join(LAYOUTS)})")
    tool = detect_tool(root, layout)
    return [_with_tool(m, tool) for m in _loader(tool)(root)]


def _with_tool(migration: Migration, tool: str) -> Migration:
    from auditor.sql.split import SqlSyntaxError, Statement, split_statements

    statements: list[Statement] = []
    if tool in STATEMENT_DECIDES:  # the others: the file's declaration decides alone
        try:
            statements = split_statements(migration.up.text)
        except SqlSyntaxError:
            statements = []  # the runner and the linters report the file
    in_tx = runs_in_transaction(tool, statements, declared=migration.up.transaction)
    return replace(migration, tool=tool, run_in_transaction=in_tx)
