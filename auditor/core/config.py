"""Project configuration: ``[tool.auditor]`` in ``pyproject.toml`` or an ``auditor.toml``.

Found by walking up from the working directory (``--config`` chooses a file). Errors
name the file, the key and, where it can be found, the line.

Every top-level key is declared in :data:`KNOWN_KEYS`; unknown keys are errors. The
keys this module owns are validated by the functions in :data:`VALIDATORS`; a
family's sub-table (``lint``, ``secrets``, ``deps``, ``hardening``, ``schema`` ...) is
declared in :data:`KNOWN_KEYS` by its owner and validated by its owner (it may add a
validator to :data:`VALIDATORS`, which :func:`load_config` runs for every present key).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.core.errors import AuditorError
from auditor.core.findings import Severity

KNOWN_KEYS: dict[str, str] = {
    "fail-on": "severity threshold for exit code 1 (info, low, medium, high, critical)",
    "migrations": "path of the migrations directory, relative to the configuration file",
    "database": "DSN of the database to audit (prefer DATABASE_URL for secrets)",
    "hardening": "server hardening policy (sub-table [tool.auditor.hardening])",
    "families": "table of family name = true/false: turn families on or off",
    "rule-packs": "list of extra rule pack files (TOML), relative to the configuration file",
    "severity": 'table of rule id = severity: per-rule severity overrides ("MIG004" = "high")',
    "exclude": "list of path globs (relative to the project root) whose findings are dropped",
    "advisory-database": "path of an offline advisory database for the dependency audit",
    "gates": "table of quality-gate commands that `auditor audit` runs (gates family)",
    "waivers": "array of tables: accepted findings, each with a reason and an expiry date",
    "deps": "table [tool.auditor.deps]: dependency audit settings (advisory-db, ignores, exemptions)",
    "lint": "migration lint settings: enable, disable, severity, exclude, postgres-version, assume-in-transaction",
    "schema": "[tool.auditor.schema] table: rules, schemas, prove, allow-writes",
    "layout": "migration layout: diesel, paired, flyway or dbmate (default: detected)",
    "secrets": "table: secret scanning (exclude, max-bytes, baseline, cache, jobs, history)",  # pragma: allowlist secret
}
"""Top-level keys of ``[tool.auditor]`` with their meaning; families add theirs."""

DEFAULT_GATE_TIMEOUT = 300.0
"""Seconds a quality gate may run when its ``timeout`` is not given."""


class ConfigError(AuditorError, ValueError):
    """Invalid configuration; the message names file, key and line."""


@dataclass(frozen=True)
class GateSpec:
    """One quality-gate command from ``[tool.auditor.gates]``."""

    name: str
    """The gate's key, e.g. ``pytest``."""
    command: tuple[str, ...]
    """argv; a string command is split with shell-like rules (no shell is used)."""
    timeout: float = DEFAULT_GATE_TIMEOUT
    """Seconds before the gate is stopped and reported as an error."""
    profiles: tuple[str, ...] | None = None
    """Profiles the gate runs in (None: every profile)."""
    line: int | None = None
    """Line of the configuration file that defines the gate."""


@dataclass(frozen=True)
class Waiver:
    """An accepted finding from ``[[tool.auditor.waivers]]``, valid until ``expires``."""

    rule: str
    """Rule id the waiver applies to (upper case)."""
    reason: str
    """Why the finding is accepted (required)."""
    expires: dt.date
    """Last day the waiver applies; from the next day on it is reported as expired."""
    object: str | None = None
    """Only findings on this database object (glob, e.g. ``public.users.*``)."""
    path: str | None = None
    """Only findings in files matching this glob (relative to the project root)."""
    fingerprint: str | None = None
    """Only the finding with this fingerprint."""
    index: int = 0
    """Position in the waivers array (0-based), for messages."""
    line: int | None = None
    """Line of the configuration file where the waiver starts."""

    def describe(self) -> str:
        """Short human description: rule and scope."""
        scope = [
            f"{name}={value}"
            for name, value in (
                ("object", self.object),
                ("path", self.path),
                ("fingerprint", self.fingerprint),
            )
            if value
        ]
        return self.rule + (f" ({', '.join(scope)})" if scope else "")


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
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, "must be a non-empty string path")
        return (self.root / value).resolve()

    def database(self) -> str | None:
        """The configured DSN, or None."""
        value = self.data.get("database")
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.error("database", "must be a non-empty string (a DSN)")
        return value

    def families(self) -> dict[str, bool]:
        """``[tool.auditor.families]``: family name to on/off."""
        table = self.section("families")
        result: dict[str, bool] = {}
        for name, value in table.items():
            if not isinstance(value, bool):
                raise self.error(f"families.{name}", "must be true or false")
            result[str(name)] = value
        return result

    def severity_overrides(self) -> dict[str, Severity]:
        """``[tool.auditor.severity]``: rule id to the severity that replaces its default."""
        result: dict[str, Severity] = {}
        for rule_id, value in self.section("severity").items():
            key = f"severity.{rule_id}"
            if not isinstance(value, str):
                raise self.error(key, "must be a severity name")
            try:
                result[str(rule_id).upper()] = Severity.parse(value)
            except ValueError as exc:
                raise self.error(key, str(exc)) from None
        return result

    def string_list(self, key: str) -> tuple[str, ...]:
        """A list-of-strings key (empty when absent)."""
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.error(key, "must be a list of non-empty strings")
        return tuple(value)

    def exclude(self) -> tuple[str, ...]:
        """Path globs whose findings are dropped."""
        return self.string_list("exclude")

    def rule_packs(self) -> tuple[Path, ...]:
        """Extra rule pack files, resolved against :attr:`root`."""
        return tuple((self.root / p).resolve() for p in self.string_list("rule-packs"))

    def advisory_database(self) -> Path | None:
        """Offline advisory database for the dependency audit, or None."""
        return self.path_option("advisory-database")

    def gates(self) -> tuple[GateSpec, ...]:
        """The quality gates, in file order."""
        return tuple(_gate(self, str(name), value) for name, value in self.section("gates").items())

    def waivers(self) -> tuple[Waiver, ...]:
        """The waivers, in file order."""
        value = self.data.get("waivers", [])
        if not isinstance(value, list):
            raise self.error("waivers", "must be an array of tables ([[tool.auditor.waivers]])")
        return tuple(_waiver(self, index, item) for index, item in enumerate(value))

    def line_of(self, key: str) -> int | None:
        """The line of ``key`` (dotted, with ``[n]`` for array items) in the file, if found."""
        if self.path is None:
            return None
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError:
            return None
        prefix = ["tool", "auditor"] if self.path.name == "pyproject.toml" else []
        return locate(text, [*prefix, *split_key(key)])

    def error(self, key: str, message: str) -> ConfigError:
        """A :class:`ConfigError` naming this file, ``key`` and its line when found."""
        where = str(self.path) if self.path else "configuration"
        line = self.line_of(key)
        if line:
            where += f":{line}"
        return ConfigError(f"{where}: {key}: {message}")


# --- locating keys in the file ---------------------------------------------------------

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*=""")
_INDEX = re.compile(r"^(.*)\[(\d+)\]$")


def split_key(key: str) -> list[str | int]:
    """``waivers[1].reason`` → ``["waivers", 1, "reason"]``."""
    parts: list[str | int] = []
    for piece in key.split("."):
        indexes: list[int] = []
        match = _INDEX.match(piece)
        while match:
            indexes.insert(0, int(match.group(2)))
            piece = match.group(1)
            match = _INDEX.match(piece)
        parts.append(piece)
        parts.extend(indexes)
    return parts


def _unquote(name: str) -> str:
    name = name.strip()
    if len(name) >= 2 and name[0] == name[-1] and name[0] in "\"'":
        return name[1:-1]
    return name


def locate(text: str, target: list[str | int]) -> int | None:
    """The 1-based line that defines ``target`` (or its nearest defined ancestor).

    Understands ``[table]`` and ``[[array]]`` headers and ``key = value`` lines; a key
    inside an inline table resolves to the line of the inline table.
    """
    best: tuple[int, int] | None = None  # (matched length, line)
    table: list[str | int] = []
    counts: dict[tuple[str | int, ...], int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        header = _HEADER.match(line)
        if header and not _KEY.match(line):
            names: list[str | int] = [_unquote(n) for n in header.group(2).split(".")]
            if header.group(1) == "[[":
                key = tuple(names)
                index = counts.get(key, 0)
                counts[key] = index + 1
                table = [*names, index]
            else:
                table = names
            candidate = table
        else:
            match = _KEY.match(line)
            if not match:
                continue
            candidate = [*table, _unquote(match.group(1))]
        length = 0
        for mine, wanted in zip(candidate, target, strict=False):
            if mine != wanted:
                break
            length += 1
        if length == len(candidate) and (best is None or length > best[0]):
            best = (length, number)
    if best is None or best[0] == 0:
        return None
    return best[1]


# --- validation --------------------------------------------------------------------------


def _gate(config: Config, name: str, value: Any) -> GateSpec:
    import shlex

    key = f"gates.{name}"
    line = config.line_of(key)
    if isinstance(value, str):
        value = {"command": value}
    if not isinstance(value, Mapping):
        raise config.error(key, 'must be a command string or a table { command = "...", ... }')
    for item in value:
        if item not in ("command", "timeout", "profiles"):
            raise config.error(
                f"{key}.{item}", "unknown key (known keys: command, profiles, timeout)"
            )
    command = value.get("command")
    if isinstance(command, str):
        try:
            argv = tuple(shlex.split(command))
        except ValueError as exc:
            raise config.error(f"{key}.command", f"cannot split the command: {exc}") from None
    elif isinstance(command, list) and all(isinstance(c, str) for c in command):
        argv = tuple(command)
    else:
        raise config.error(f"{key}.command", "required: a string or a list of strings")
    if not argv or not argv[0]:
        raise config.error(f"{key}.command", "must not be empty")
    timeout = value.get("timeout", DEFAULT_GATE_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise config.error(f"{key}.timeout", "must be a positive number of seconds")
    profiles = value.get("profiles")
    if profiles is not None:
        from auditor.core.profiles import PROFILES

        if not isinstance(profiles, list) or not all(isinstance(p, str) for p in profiles):
            raise config.error(f"{key}.profiles", "must be a list of profile names")
        for profile in profiles:
            if profile not in PROFILES:
                raise config.error(
                    f"{key}.profiles",
                    f"unknown profile {profile!r} (choose from {', '.join(PROFILES)})",
                )
        profiles = tuple(profiles)
    return GateSpec(name=name, command=argv, timeout=float(timeout), profiles=profiles, line=line)


_WAIVER_KEYS = ("rule", "reason", "expires", "object", "path", "fingerprint")


def _waiver(config: Config, index: int, item: Any) -> Waiver:
    from auditor.core.rules import RULE_ID, get_rule

    key = f"waivers[{index}]"
    if not isinstance(item, Mapping):
        raise config.error(key, "must be a table")
    for name in item:
        if name not in _WAIVER_KEYS:
            raise config.error(
                f"{key}.{name}", f"unknown key (known keys: {', '.join(sorted(_WAIVER_KEYS))})"
            )
    rule_id = item.get("rule")
    if not isinstance(rule_id, str) or not RULE_ID.match(rule_id.strip().upper()):
        raise config.error(f"{key}.rule", "required: a rule id such as MIG004")
    rule_id = rule_id.strip().upper()
    if get_rule(rule_id) is None:
        raise config.error(f"{key}.rule", f"unknown rule id {rule_id} (see `auditor rules list`)")
    if rule_id.startswith("WVR"):
        raise config.error(f"{key}.rule", "a waiver cannot waive a waiver finding")
    reason = item.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise config.error(f"{key}.reason", "required: why the finding is accepted")
    expires = item.get("expires")
    if isinstance(expires, str):
        try:
            expires = dt.date.fromisoformat(expires.strip())
        except ValueError:
            raise config.error(f"{key}.expires", "must be a date (YYYY-MM-DD)") from None
    if isinstance(expires, dt.datetime):
        expires = expires.date()
    if not isinstance(expires, dt.date):
        raise config.error(f"{key}.expires", "required: the last day the waiver applies")
    scope: dict[str, str | None] = {}
    for name in ("object", "path", "fingerprint"):
        value = item.get(name)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise config.error(f"{key}.{name}", "must be a non-empty string")
        scope[name] = value
    return Waiver(
        rule=rule_id,
        reason=reason.strip(),
        expires=expires,
        object=scope["object"],
        path=scope["path"],
        fingerprint=scope["fingerprint"],
        index=index,
        line=config.line_of(key),
    )


def _check_families(config: Config) -> None:
    from auditor.core.registry import family_names

    known = family_names()
    for name in config.families():
        if name not in known:
            raise config.error(
                f"families.{name}", f"unknown family (choose from {', '.join(sorted(known))})"
            )


def _check_severity(config: Config) -> None:
    from auditor.core.rules import get_rule

    for rule_id in config.severity_overrides():
        if get_rule(rule_id) is None:
            raise config.error(f"severity.{rule_id}", "unknown rule id (see `auditor rules list`)")


def _check_rule_packs(config: Config) -> None:
    for raw, path in zip(config.string_list("rule-packs"), config.rule_packs(), strict=True):
        if not path.is_file():
            raise config.error("rule-packs", f"no such rule pack file: {raw}")


def _check_hardening(config: Config) -> object:
    from auditor.families.hardening.rules import HardeningPolicy

    return HardeningPolicy.from_config(config)


def _check_lint(config: Config) -> object:
    from auditor.families.lint.settings import load_lint_config

    return load_lint_config(config)


def _check_secrets(config: Config) -> object:
    from auditor.families.secrets.family import secrets_config

    return secrets_config(config)


def _check_deps(config: Config) -> object:
    from auditor.families.deps.settings import load_settings

    return load_settings(config)


def _check_schema(config: Config) -> object:
    from auditor.families.schema.settings import SchemaOptions

    return SchemaOptions.from_config(config)


def _check_layout(config: Config) -> None:
    from auditor.migrate.layouts import LAYOUTS

    if config.data.get("layout") not in LAYOUTS:
        raise config.error("layout", f"must be one of {', '.join(LAYOUTS)}")


VALIDATORS: dict[str, Callable[[Config], object]] = {
    "fail-on": Config.fail_on,
    "migrations": lambda c: c.path_option("migrations"),
    "database": Config.database,
    "families": _check_families,
    "rule-packs": _check_rule_packs,
    "severity": _check_severity,
    "exclude": Config.exclude,
    "advisory-database": Config.advisory_database,
    "gates": Config.gates,
    "waivers": Config.waivers,
    # the families' sub-tables, validated by their owners' parsers (imported on use) so
    # that a bad key fails the run up front even when its family is not selected
    "hardening": _check_hardening,
    "lint": _check_lint,
    "secrets": _check_secrets,
    "deps": _check_deps,
    "schema": _check_schema,
    "layout": _check_layout,
}
"""Validator per top-level key: raises :class:`ConfigError` naming file, key and line.

A family's sub-table is validated by its owner's parser, called from here."""


def find_config(start: Path) -> Path | None:
    """The nearest ``auditor.toml``, or ``pyproject.toml`` with ``[tool.auditor]``."""
    for directory in [start, *start.parents]:
        candidate = directory / "auditor.toml"
        if candidate.is_file():
            return candidate
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and _declares_auditor(
            pyproject.read_text(encoding="utf-8", errors="replace")
        ):
            return pyproject
    return None


def _declares_auditor(text: str) -> bool:
    """Whether a pyproject.toml has a ``[tool.auditor]`` table, in any TOML spelling.

    A file that does not parse but looks like it meant one counts, so that
    :func:`load_config` reports the broken TOML instead of silently ignoring it.
    """
    if "auditor" not in text:
        return False
    try:
        tool = tomllib.loads(text).get("tool", {})
    except tomllib.TOMLDecodeError:
        return re.search(r"^\s*\[\[?\s*tool\s*\.\s*auditor\b", text, re.MULTILINE) is not None
    return isinstance(tool, Mapping) and "auditor" in tool


def load_config(explicit: Path | None = None, start: Path | None = None) -> Config:
    """Load and validate the configuration; raise :class:`ConfigError` on any problem."""
    path = explicit if explicit is not None else find_config((start or Path.cwd()).resolve())
    if path is None:
        return Config()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    data = raw.get("tool", {}).get("auditor", {}) if path.name == "pyproject.toml" else raw
    config = Config(path=path, data=data)
    if not isinstance(data, Mapping):
        raise config.error("tool.auditor", "must be a table")
    for key in data:
        if key not in KNOWN_KEYS:
            known = ", ".join(sorted(KNOWN_KEYS))
            raise config.error(key, f"unknown key (known keys: {known})")
    for key in data:
        validate = VALIDATORS.get(key)
        if validate is not None:
            validate(config)
    return config
