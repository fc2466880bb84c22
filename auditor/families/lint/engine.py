"""The lint engine: find the files, build each file's model, run the rules, apply ignores.

Collection does the I/O (reading files, git); :func:`lint_units` is pure over the
collected text, so the benchmark and the tests drive it directly.
"""

from __future__ import annotations

import fnmatch
import gc
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.core.collector import collector
from auditor.core.errors import AuditorError
from auditor.core.findings import AuditError, FamilyResult, Finding, Hit, Location, Skipped
from auditor.core.rules import Rule, run_rules
from auditor.families.lint.model import LintFile, analyze
from auditor.families.lint.per_migration import (
    MigrationSettingsError,
    at_or_before,
    metadata_disable,
)
from auditor.families.lint.rules import FAMILY
from auditor.families.lint.rules.meta import (
    MALFORMED_IGNORE,
    UNPARSABLE,
    UNUSED_IGNORE,
    Pragma,
    find_pragmas,
    transaction_pragma,
)
from auditor.families.lint.settings import LintConfig, lint_rules
from auditor.migrate.layouts import LayoutError, Migration, load_migrations
from auditor.sql.split import SqlSyntaxError, Statement, split_statements

if TYPE_CHECKING:
    from auditor.families.lint.history import History, MigrationFacts
    from auditor.families.schema.rulepacks import Requirement

HISTORY_RULES = frozenset({"LNT035", "LNT037"})
"""Rules that need the static replay of the whole migration history."""

TITLE = "Migration lint"


class LintInputError(AuditorError, ValueError):
    """The files to lint cannot be found or read; the message names the path or ref."""


@dataclass(frozen=True)
class LintUnit:
    """One file to lint, as read from disk."""

    path: str
    """Relative to the project root, forward slashes."""
    text: str
    direction: str = "sql"
    migration: str | None = None
    run_in_transaction: bool = False
    first_line: int = 1
    before: LintUnit | None = None
    """The migration's up.sql when this is its down.sql."""
    series: tuple[Migration, ...] = ()
    """Every migration of the directory this one belongs to, in order (for the static replay)."""
    version: str | None = None
    """The migration's version, as its tool orders it (None: not a versioned migration)."""
    tool: str = "diesel"
    disable: frozenset[str] = frozenset()
    """Rule ids the migration's ``metadata.toml`` switches off (``[auditor] disable``)."""


class _Relative:
    """Paths relative to the project root where possible, with forward slashes.

    Made once per collection: each directory and the project are resolved once
    (resolving a path stats every component of it).
    """

    def __init__(self, project: Path) -> None:
        self.root = project.resolve()
        self.directories: dict[Path, Path] = {}

    def __call__(self, path: Path) -> str:
        try:
            return self.resolve(path).relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def resolve(self, path: Path) -> Path:
        """``path.resolve()``: the resolved directory plus the name, unless the name is a link."""
        if path.name in ("", "..") or path.is_symlink():
            return path.resolve()
        directory = self.directories.get(path.parent)
        if directory is None:
            directory = self.directories[path.parent] = path.parent.resolve()
        return directory / path.name


def _migration_units(
    migration: Migration, relative: _Relative, series: tuple[Migration, ...] = ()
) -> list[LintUnit]:
    disable: frozenset[str] = frozenset()
    if migration.tool == "diesel":
        folder = migration.up.path.parent
        known = frozenset(r.id for r in lint_rules())
        try:
            disable = metadata_disable(folder, known, relative(folder / "metadata.toml"))
        except MigrationSettingsError as exc:
            raise LintInputError(str(exc)) from None
    version = None if migration.repeatable else migration.version
    up = LintUnit(
        path=relative(migration.up.path),
        text=migration.up.text,
        direction="up",
        migration=migration.label,
        run_in_transaction=migration.run_in_transaction,
        first_line=migration.up.first_line,
        series=series,
        version=version,
        tool=migration.tool,
        disable=disable,
    )
    units = [up]
    if migration.down is not None:
        units.append(
            LintUnit(
                path=relative(migration.down.path),
                text=migration.down.text,
                direction="down",
                migration=migration.label,
                run_in_transaction=migration.run_in_transaction,
                first_line=migration.down.first_line,
                before=up,
                series=series,
                version=version,
                tool=migration.tool,
                disable=disable,
            )
        )
    return units


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LintInputError(f"{path}: cannot read ({exc})") from None


def collect(
    paths: Iterable[Path], project: Path, config: LintConfig, layout: str | None = None
) -> list[LintUnit]:
    """The files to lint under ``paths`` (migration roots, migration folders or .sql files).

    ``layout`` forces a migration layout (``diesel``, ``paired``, ``flyway``, ``dbmate``);
    by default it is detected, and a directory in no known layout is linted file by file.
    """
    units: list[LintUnit] = []
    relative = _Relative(project)
    for path in paths:
        if not path.exists():
            raise LintInputError(f"{path}: no such file or directory")
        if path.is_file():
            units.extend(_file_units(path, relative, config))
        elif (path / "up.sql").is_file():
            units.extend(_folder_units(path, relative))
        else:
            try:
                migrations = load_migrations(path, layout)
            except LayoutError as exc:
                if layout is not None or "no migrations in a known layout" not in str(exc):
                    raise
                migrations = []  # plain .sql files: lint each on its own
            if migrations:
                series = tuple(migrations)
                for migration in migrations:
                    units.extend(_migration_units(migration, relative, series))
            else:
                for file in sorted(path.rglob("*.sql")):
                    units.extend(_file_units(file, relative, config))
    seen: set[tuple[str, str]] = set()
    unique: list[LintUnit] = []
    for unit in units:
        if (unit.path, unit.direction) in seen:
            continue
        seen.add((unit.path, unit.direction))
        if not any(fnmatch.fnmatchcase(unit.path, pattern) for pattern in config.exclude):
            unique.append(unit)
    return unique


def _folder_units(folder: Path, relative: _Relative) -> list[LintUnit]:
    series = tuple(load_migrations(folder.parent, "diesel"))
    for migration in series:
        if migration.up.path.resolve().parent == folder.resolve():
            return _migration_units(migration, relative, series)
    raise LintInputError(f"{folder}: not a migration of {folder.parent}")


def _file_units(path: Path, relative: _Relative, config: LintConfig) -> list[LintUnit]:
    if path.name in ("up.sql", "down.sql") and (path.parent / "up.sql").is_file():
        wanted = path.resolve()
        return [
            u
            for u in _folder_units(path.parent, relative)
            if (relative.root / u.path).resolve() == wanted
        ]
    return [
        LintUnit(
            path=relative(path),
            text=_read(path),
            run_in_transaction=config.assume_in_transaction,
        )
    ]


def changed_files(project: Path, ref: str, until: str | None = None) -> set[Path]:
    """Files added or modified since git ``ref``.

    Without ``until``: up to the working tree (committed or not), plus untracked files.
    With ``until`` (a commit, e.g. the sha being pushed): between the two commits only.
    """

    def git(*args: str) -> str:
        try:
            done = subprocess.run(
                ["git", "-C", str(project), *args],
                capture_output=True,
                text=True,
                check=False,
                timeout=60,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise LintInputError(f"git failed: {exc}") from None
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or ["unknown error"])[-1]
            raise LintInputError(f"--changed-since {ref}: git: {reason}")
        return done.stdout

    top = Path(git("rev-parse", "--show-toplevel").strip())
    try:  # a commit, or the empty tree a first push is compared with
        git("rev-parse", "--verify", "--quiet", f"{ref}^{{tree}}")
    except LintInputError:
        raise LintInputError(f"--changed-since {ref}: not a commit of this repository") from None
    if until is not None:
        names = git("diff", "--name-only", "--diff-filter=ACMR", ref, until, "--").splitlines()
    else:
        names = git("diff", "--name-only", "--diff-filter=ACMR", ref, "--").splitlines()
        names += git("ls-files", "--others", "--exclude-standard").splitlines()
    return {(top / name).resolve() for name in names if name.strip()}


def only_changed(units: list[LintUnit], project: Path, changed: set[Path]) -> list[LintUnit]:
    """The units whose file changed; a changed up.sql also brings its down.sql (LNT037)."""
    touched = {u.path for u in units if (project / u.path).resolve() in changed}
    return [
        u for u in units if u.path in touched or (u.before is not None and u.before.path in touched)
    ]


@dataclass(frozen=True)
class LintRun:
    """What one lint run produced."""

    findings: tuple[Finding, ...]
    errors: tuple[AuditError, ...]
    skipped: tuple[Skipped, ...]
    files: int
    statements: int
    suppressed: int
    notes: tuple[str, ...] = ()


def _parse(unit: LintUnit, statements: list[Statement] | None = None) -> list[Statement]:
    """The unit's statements with lines counted from the top of its file."""
    if statements is None:
        statements = split_statements(unit.text)
    if unit.first_line != 1:
        statements = [
            replace(s, line=s.line + unit.first_line - 1, end_line=s.end_line + unit.first_line - 1)
            for s in statements
        ]
    return statements


def lint_units(
    units: Iterable[LintUnit],
    config: LintConfig,
    requirements: Sequence[Requirement] = (),
    project: Path | None = None,
    *,
    use_cache: bool = False,
) -> LintRun:
    """Lint every unit; a file that cannot be split is an error (the run is incomplete).

    ``requirements`` (rule packs) feed LNT035; migrations are replayed with the static
    builder for LNT035/LNT037 only when one of them is active; with ``use_cache`` the
    replay's facts are read from (and kept in) the repository's history cache.

    Python's cyclic garbage collector is paused meanwhile: every file's model stays
    alive for the run, has no cycles (reference counting frees what is dropped), and
    the automatic collections would traverse all of it again and again. The static
    replay (sqlglot trees are cycles) runs with the collector as the caller had it.
    """
    automatic = gc.isenabled()
    with collector(on=False):
        return _lint(list(units), config, requirements, project, automatic, use_cache)


def _lint(
    units: list[LintUnit],
    config: LintConfig,
    requirements: Sequence[Requirement],
    project: Path | None,
    automatic_collection: bool,
    use_cache: bool = False,
) -> LintRun:
    """:func:`lint_units` with the collector paused (``automatic_collection``: the caller's setting)."""
    errors: list[AuditError] = []
    units, notes = _after_start(units, config, errors)
    rules = config.active_rules()
    known = frozenset(r.id for r in lint_rules())
    linted = frozenset(u.migration for u in units if u.migration is not None)
    wants_history = any(r.id in HISTORY_RULES for r in rules)
    histories: dict[int, History | None] = {}
    findings: list[Finding] = []
    skipped: list[Skipped] = []
    models: dict[tuple[str, str], LintFile] = {}
    # per migration series: (table, column) -> type, as the files linted so far left it
    column_types: dict[int, dict[tuple[str, str], str]] = {}
    files = statements_count = suppressed = 0
    for unit in units:
        try:
            raw = split_statements(unit.text)
        except SqlSyntaxError as exc:
            _unparsable(unit, exc, config, findings, errors)
            files += 1
            continue
        unit = _with_transaction_pragma(unit, findings, config)
        unit_config, unit_rules = config, rules
        if unit.disable:
            unit_config = replace(config, disable=config.disable | unit.disable)
            unit_rules = unit_config.active_rules()
        statements = _parse(unit, raw)
        before = None
        if unit.before is not None:
            before = models.get((unit.before.path, unit.before.direction))
            if before is None:
                try:
                    before = _model(unit.before, _parse(unit.before), config, None)
                except SqlSyntaxError:
                    before = None
        facts = None
        if wants_history and unit.series and unit.migration is not None:
            key = id(unit.series)
            if key not in histories:
                with collector(on=automatic_collection):
                    histories[key] = _history(
                        unit.series, project, requirements, errors, linted, use_cache
                    )
            history = histories[key]
            facts = history.facts.get(unit.migration) if history is not None else None
            if facts is not None and facts.uncertain and unit.direction == "up":
                skipped.append(
                    Skipped(FAMILY, f"LNT035/LNT037 for {unit.migration}", facts.uncertain)
                )
        types = column_types.setdefault(id(unit.series), {})
        model = _model(unit, statements, config, before, facts, types)
        models[(unit.path, unit.direction)] = model
        files += 1
        statements_count += len(statements)
        hits, failed = run_rules(unit_rules, model, dict(config.severity))
        errors.extend(failed)
        pragmas = find_pragmas(unit.text, raw, known) if "auditor-ignore" in unit.text else []
        kept, ignored = _apply_pragmas(hits, pragmas, model, unit_config, unit.first_line)
        findings.extend(kept)
        suppressed += ignored
        if unit.direction != "down":  # a down.sql does not run before the next migration
            types.update(((t, c), kind) for _, t, c, kind, _ in model.column_definitions)
    plain = sum(1 for u in units if not u.series)
    if wants_history and plain:
        skipped.append(
            Skipped(
                FAMILY,
                f"LNT035/LNT037 for {plain} file(s)",
                "not part of a migrations directory: no history to replay",
            )
        )
    return LintRun(
        tuple(findings), tuple(errors), tuple(skipped), files, statements_count, suppressed, notes
    )


def _after_start(
    units: list[LintUnit], config: LintConfig, errors: list[AuditError]
) -> tuple[list[LintUnit], tuple[str, ...]]:
    """The units after ``start-after`` (all without it), and the note on what was left out.

    A version the migrations' tool cannot compare is an error (and every unit is linted).
    """
    start = config.start_after
    if start is None:
        return units, ()
    try:
        early = {
            u.migration
            for u in units
            if u.version is not None and at_or_before(u.version, u.tool, start)
        }
    except MigrationSettingsError as exc:
        errors.append(AuditError(FAMILY, str(exc)))
        return units, ()
    if not early:
        return units, (f"start-after {start}: no migration at or before it",)
    kept = [u for u in units if u.version is None or u.migration not in early]
    return kept, (f"start-after {start}: {len(early)} migration(s) at or before it not linted",)


def _unparsable(
    unit: LintUnit,
    exc: SqlSyntaxError,
    config: LintConfig,
    findings: list[Finding],
    errors: list[AuditError],
) -> None:
    """A file that cannot be split: an LNT065 finding, or an error when the rule is off."""
    line = exc.line + unit.first_line - 1
    if not config.is_active(UNPARSABLE.id) or UNPARSABLE.id in unit.disable:
        errors.append(AuditError(FAMILY, f"{unit.path}:{line}: cannot lint: {exc}"))
        return
    hit = Hit(
        message=f"{str(exc).split(': ', 1)[-1]}: PostgreSQL cannot read this statement; "
        "nothing from here on was linted",
        location=Location(file=unit.path, line=line),
        fix="close the string, quoted name, dollar quote or comment",
        key=f"unparsable:{line}",
    )
    findings.append(_finding(UNPARSABLE, hit, config))


def _with_transaction_pragma(
    unit: LintUnit, findings: list[Finding], config: LintConfig
) -> LintUnit:
    """``unit`` as its ``auditor-assume-(in|no)-transaction`` comment says it runs."""
    pragma = transaction_pragma(unit.text)
    if pragma is None:
        return unit
    if pragma.in_transaction is not None:
        return replace(unit, run_in_transaction=pragma.in_transaction)
    if config.is_active(MALFORMED_IGNORE.id):
        hit = Hit(
            message="auditor-assume-in-transaction and auditor-assume-no-transaction both given; "
            "neither applied",
            location=Location(file=unit.path, line=pragma.line + unit.first_line - 1),
            fix="keep one of the two comments",
            key="assume-transaction",
        )
        findings.append(_finding(MALFORMED_IGNORE, hit, config))
    return unit


def _history(
    series: tuple[Migration, ...],
    project: Path | None,
    requirements: Sequence[Requirement],
    errors: list[AuditError],
    linted: frozenset[str],
    use_cache: bool,
) -> History | None:
    from auditor.families.lint.history_cache import HistoryCache, cache_key

    root = project or Path.cwd()
    cache = HistoryCache.for_project(root) if use_cache else HistoryCache(None)
    key = cache_key(series, root, requirements, linted)
    cached = cache.get(key)
    if cached is not None:
        return cached
    from auditor.families.lint.history import replay

    try:
        history = replay(series, root, requirements, only=linted)
    except Exception as exc:  # the replay is best effort per statement; a crash is an error
        errors.append(AuditError(FAMILY, f"static replay for LNT035/LNT037 failed: {exc}"))
        return None
    cache.put(key, history)
    return history


def _model(
    unit: LintUnit,
    statements: list[Statement],
    config: LintConfig,
    before: LintFile | None,
    facts: MigrationFacts | None = None,
    column_types: dict[tuple[str, str], str] | None = None,
) -> LintFile:
    lost: tuple[tuple[str, str, str], ...] = ()
    diff: tuple[str, ...] = ()
    if facts is not None:
        if unit.direction == "up":
            lost = tuple((r.id, r.table, r.describe) for r in facts.lost)
        elif unit.direction == "down":
            diff = facts.reversal_diff
    return analyze(
        unit.path,
        statements,
        direction=unit.direction,
        migration=unit.migration,
        run_in_transaction=unit.run_in_transaction,
        postgres_version=config.postgres_version,
        before=before,
        lost_requirements=lost,
        reversal_diff=diff,
        column_types=dict(column_types) if column_types and "TYPE" in unit.text.upper() else None,
    )


def _finding(item: Rule, hit: Hit, config: LintConfig) -> Finding:
    finding = Finding.from_hit(item.id, item.severity, item.family, hit)
    if item.id in config.severity:
        finding = replace(finding, severity=config.severity[item.id])
    return finding


def _apply_pragmas(
    findings: list[Finding],
    pragmas: list[Pragma],
    model: LintFile,
    config: LintConfig,
    first_line: int,
) -> tuple[list[Finding], int]:
    if not pragmas:
        return findings, 0
    valid = [p for p in pragmas if p.problem is None]
    used: set[tuple[int, str]] = set()
    kept: list[Finding] = []
    silenced_count = 0
    ranges = {s.index: (s.line, s.end_line) for s in model.statements}
    for finding in findings:
        line = finding.location.line or 0
        silenced = False
        for pragma in valid:
            if finding.rule_id not in pragma.rules:
                continue
            target = ranges.get(pragma.target) if pragma.target is not None else None
            if pragma.file_level or (target is not None and target[0] <= line <= target[1]):
                used.add((pragma.line, finding.rule_id))
                silenced = True
        if silenced:
            silenced_count += 1
        else:
            kept.append(finding)
    for pragma in pragmas:
        where = Location(file=model.path, line=pragma.line + first_line - 1)
        scope = "auditor-ignore-file" if pragma.file_level else "auditor-ignore"
        if pragma.problem is not None and config.is_active(MALFORMED_IGNORE.id):
            kept.append(
                _finding(
                    MALFORMED_IGNORE,
                    Hit(
                        message=f"{scope} {', '.join(pragma.rules) or '(no rule)'} {pragma.problem}; not applied",
                        location=where,
                        fix="write `-- auditor-ignore RULE: reason` right above the statement",
                        key=f"{scope}:{','.join(pragma.rules)}",
                    ),
                    config,
                )
            )
            continue
        if pragma.problem is not None or not config.is_active(UNUSED_IGNORE.id):
            continue
        for rule_id in pragma.rules:
            if (pragma.line, rule_id) in used or not config.is_active(rule_id):
                continue
            kept.append(
                _finding(
                    UNUSED_IGNORE,
                    Hit(
                        message=f"{scope} {rule_id} silences nothing (stale ignore)",
                        location=where,
                        fix="remove the ignore (or the rule id from it)",
                        key=f"{scope}:{rule_id}",
                    ),
                    config,
                )
            )
    return kept, silenced_count


def family_result(run: LintRun, notes: tuple[str, ...] = ()) -> FamilyResult:
    """The lint run as the ``lint`` family's result."""
    return FamilyResult(
        family=FAMILY,
        title=TITLE,
        findings=tuple(sorted(run.findings, key=Finding.sort_key)),
        errors=run.errors,
        skipped=run.skipped,
        checked=(("files", run.files), ("statements", run.statements)),
        notes=notes
        + run.notes
        + ((f"{run.suppressed} finding(s) silenced by auditor-ignore",) if run.suppressed else ()),
    )
