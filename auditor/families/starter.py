"""``auditor init``: a commented starter configuration for the repository at hand.

Detection is read-only: the migrations directory and its layout (Diesel folders,
paired ``.up.sql``/``.down.sql`` files, Flyway ``V1__x.sql``, dbmate sections) and
the dependency files the dependency audit would read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

MIGRATION_DIRS = (
    "migrations",
    "db/migrations",
    "database/migrations",
    "sql/migrations",
    "db/migrate",
    "migrate",
    "schema/migrations",
    "src/main/resources/db/migration",
)
"""Where migrations usually live, most common first."""

PACK_TEMPLATE = "auditor-schema.toml"
"""The commented rule pack ``auditor init`` writes beside the configuration."""
_SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", "build", "dist"}


@dataclass(frozen=True)
class Detected:
    """What :func:`detect` found in a repository."""

    migrations: str | None
    """Migrations directory relative to the root (forward slashes), or None."""
    layout: str | None
    """``diesel``, ``paired``, ``flyway``, ``dbmate``, ``sql`` (unknown), or None."""
    migration_count: int
    dependency_files: tuple[str, ...]
    """Dependency files the dependency audit reads (its input registry decides)."""
    other_dependency_files: tuple[str, ...]
    """Recognised dependency files it has no reader for (they stop the audit until excluded)."""
    has_tests: bool
    has_ruff: bool
    has_mypy: bool


def detect_layout(directory: Path) -> tuple[str | None, int]:
    """The layout of a migrations directory and its number of migrations."""
    try:
        entries = list(directory.iterdir())
    except OSError:
        return None, 0
    folders = [e for e in entries if e.is_dir() and (e / "up.sql").is_file()]
    if folders:
        return "diesel", len(folders)
    sql = sorted(e for e in entries if e.is_file() and e.suffix == ".sql")
    paired = [e for e in sql if e.name.endswith(".up.sql")]
    if paired:
        return "paired", len(paired)
    flyway = [e for e in sql if e.name[:1] == "V" and "__" in e.name]
    if flyway:
        return "flyway", len(flyway)
    for path in sql[:20]:
        try:
            if "-- migrate:up" in path.read_text(encoding="utf-8", errors="replace"):
                return "dbmate", len(sql)
        except OSError:
            continue
    return ("sql", len(sql)) if sql else (None, 0)


def _find_migrations(root: Path) -> tuple[str | None, str | None, int]:
    for name in MIGRATION_DIRS:
        layout, count = detect_layout(root / name)
        if layout:
            return name, layout, count
    for current, dirs, _files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        depth = len(Path(current).relative_to(root).parts)
        if depth >= 3:
            dirs[:] = []
        for name in dirs:
            if name in ("migrations", "migration"):
                path = Path(current) / name
                layout, count = detect_layout(path)
                if layout:
                    return path.relative_to(root).as_posix(), layout, count
    return None, None, 0


def detect(root: Path) -> Detected:
    """Look at the repository at ``root`` (read-only)."""
    migrations, layout, count = _find_migrations(root)
    from auditor.families.deps.sources.detect import detect_inputs
    from auditor.families.deps.sources.registry import format_for

    deps: list[str] = []
    others: list[str] = []
    for path in detect_inputs(root):
        listed = deps if format_for(path, explicit=False).read else others
        listed.append(path.relative_to(root).as_posix())
    pyproject = ""
    if (root / "pyproject.toml").is_file():
        pyproject = (root / "pyproject.toml").read_text(encoding="utf-8", errors="replace")
    return Detected(
        migrations=migrations,
        layout=layout,
        migration_count=count,
        dependency_files=tuple(deps),
        other_dependency_files=tuple(others),
        has_tests=(root / "tests").is_dir() or (root / "test").is_dir(),
        has_ruff="[tool.ruff" in pyproject or (root / "ruff.toml").is_file(),
        has_mypy="[tool.mypy" in pyproject or (root / "mypy.ini").is_file(),
    )


def _in_git(root: Path) -> bool:
    return any((p / ".git").exists() for p in (root.resolve(), *root.resolve().parents))


def nothing_to_audit(root: Path, migrations: Path) -> str | None:
    """Why ``auditor audit`` has nothing to audit in ``root`` (then it exits 2), or None.

    Nothing: no migrations directory, no dependency file, and not a git repository
    (no files for the secret scan). The shipped reference project is audited only when
    asked for (``--reference``), never instead of a missing project.
    """
    found = detect(root)
    if migrations.is_dir() or found.dependency_files or found.other_dependency_files:
        return None
    if _in_git(root):
        return None
    return (
        f"nothing to audit in {root.resolve()}: no migrations directory ({migrations}), "
        "no dependency files, not a git repository; run it in your project (or pass "
        "--project, --migrations), or pass --reference to audit the shipped reference project"
    )


def audited_project(root: Path, migrations: Path) -> str:
    """What the report says was audited."""
    from auditor.families.schema.settings import is_reference

    if is_reference(migrations):
        return "audited: the shipped reference project (its migrations and reference rule pack)"
    shown = migrations if migrations.is_dir() else f"{migrations} (not found)"
    return f"audited: the project at {root.resolve()}, migrations {shown}"


_LAYOUT_NAMES = {
    "diesel": "Diesel folders (<version>_<name>/up.sql, down.sql)",
    "paired": "paired files (<version>_<name>.up.sql / .down.sql)",
    "flyway": "Flyway (V<version>__<name>.sql)",
    "dbmate": "dbmate (-- migrate:up / -- migrate:down sections)",
    "sql": "plain .sql files (layout not recognised)",
}


def starter_config(found: Detected) -> str:
    """The commented ``auditor.toml`` for what was found; it loads without errors."""
    lines = [
        "# auditor configuration (written by `auditor init`; every key is documented in the README).",
        "# Unknown keys are errors. The same keys work under [tool.auditor] in pyproject.toml.",
        "",
        "# Exit 1 when a finding is at or above this severity: info, low, medium, high, critical.",
        'fail-on = "high"',
        "",
    ]
    if found.migrations:
        lines += [
            f"# Detected: {found.migration_count} migration(s), "
            f"{_LAYOUT_NAMES.get(found.layout or '', found.layout or '')}.",
            f'migrations = "{found.migrations}"',
        ]
    else:
        lines += [
            "# No migrations directory was found; point at yours:",
            '# migrations = "db/migrations"',
        ]
    lines += [
        "",
        "# The database to audit. Prefer DATABASE_URL or --db (a DSN may hold a password);",
        "# without one, families that need a database use a throwaway embedded PostgreSQL.",
        '# database = "postgresql://auditor@localhost:5432/app"',
        "",
    ]
    if found.dependency_files:
        lines.append(
            "# Dependency files found (the dependency audit reads them): "
            + ", ".join(found.dependency_files)
        )
    else:
        from auditor.families.deps.sources.registry import names

        lines.append(f"# No dependency file found ({names()}).")
    if found.other_dependency_files:
        lines.append(
            "# Not read by auditor (the dependency audit stops until they are excluded): "
            + ", ".join(found.other_dependency_files)
        )
    lines += [
        "# Paths whose findings are dropped (globs, relative to the project root).",
        'exclude = ["vendor/**", "node_modules/**"]',
        "",
        "# Extra declarative rule packs (TOML files, relative to this file).",
        '# rule-packs = ["rules/extra.toml"]',
        "",
        "# Schema: the generic rules SCH011-SCH020 run on every table; a rule pack adds",
        "# explicit requirements (`auditor init` wrote a commented one from your tables when",
        "# it found migrations). The shipped reference pack applies to the reference schema only.",
        "[schema]",
        f'# rules = ["{PACK_TEMPLATE}"]   # [] runs no pack',
        "# [schema.patterns]               # column-name globs; a set given here replaces its default",
        '# login = ["username", "login", "handle", "email", "*_email"]',
        '# money = ["price", "*_price", "amount", "*_amount", "*_cents"]',
        "# [schema.exempt]                 # object globs a rule (or all) skips",
        '# SCH011 = ["public.posts.title"]',
        '# all = ["audit.*"]',
        "",
        "# Turn families on or off (all are on by default).",
        "[families]",
        "# hardening = false",
        "",
        "# Per-rule severity overrides.",
        "[severity]",
        '# MIG004 = "high"',
        "",
        "# Dependency audit: an offline advisory database needs no network. It must cover",
        "# every ecosystem of the files above: a directory, or one OSV all.zip per ecosystem.",
        "[deps]",
        '# advisory-db = "advisories/osv"',
        '# advisory-db = ["advisories/PyPI-all.zip", "advisories/crates.io-all.zip"]',
        "",
        "# Quality gates: commands `auditor audit` runs (no shell), each with a timeout in",
        "# seconds; `profiles` limits where a gate runs (pre-push, ci, full).",
        "[gates]",
    ]
    gates = []
    if found.has_ruff:
        gates += [
            'ruff-format = { command = "ruff format --check .", timeout = 120 }',
            'ruff = { command = "ruff check .", timeout = 120 }',
        ]
    if found.has_mypy:
        gates.append('mypy = { command = "mypy", timeout = 600, profiles = ["ci", "full"] }')
    if found.has_tests:
        gates.append(
            '# pytest = { command = "pytest -q", timeout = 900, profiles = ["ci", "full"] }'
        )
    lines += gates or ['# tests = { command = "make test", timeout = 900 }']
    lines += [
        "",
        "# Waivers: accept one finding until a date, with a reason. Expired waivers stop",
        "# applying and are reported (WVR001); waivers that match nothing are reported (WVR002).",
        "# [[waivers]]",
        '# rule = "MIG004"',
        '# path = "migrations/2019-*"      # optional scope: path glob, object glob, fingerprint',
        '# reason = "legacy migrations predate down.sql; ticket DB-123"',
        "# expires = 2026-12-31",
        "",
    ]
    return "\n".join(lines)


def pack_template(root: Path, found: Detected) -> str | None:
    """A commented rule pack with candidate requirements inferred from the project's own
    tables (one per generic rule that applies), or None without readable migrations.

    Every requirement is commented out: a team uncomments and tightens what it promises.
    """
    if not found.migrations:
        return None
    from auditor.catalog.static import build_static_model
    from auditor.families.schema.pack_template import render_template
    from auditor.migrate.layouts import LayoutError, load_migrations

    try:
        static = build_static_model(load_migrations(root / found.migrations, found.layout), root)
    except (LayoutError, OSError, ValueError):
        return None
    return render_template(static.model)
