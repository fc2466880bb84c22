"""Project configuration: ``[tool.auditor]`` in ``pyproject.toml`` or an ``auditor.toml``.

Found by walking up from the working directory (``--config`` chooses a file). Errors
name the file, the key and, where it can be found, the line.

The keys this module owns are declared in :data:`KNOWN_KEYS` and validated by
:data:`VALIDATORS`. Every other top-level key is a family's section, declared in
:data:`auditor.core.registry.SETTINGS` as ``"module:function"`` (this module imports no
family): :func:`load_config` runs each present section's parser once and keeps the
result, which the family reads with :meth:`Config.settings`. Unknown keys are errors.
The validating getters of :class:`Section` give every family the same messages.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from auditor.core.errors import AuditorError
from auditor.core.findings import Severity
from auditor.core.redact import redact_text
from auditor.core.registry import SETTINGS, settings_parser

T = TypeVar("T")

KNOWN_KEYS: dict[str, str] = {
    "fail-on": "severity threshold for exit code 1 (info, low, medium, high, critical)",
    "migrations": "path of the migrations directory, relative to the configuration file",
    "database": "DSN of the database to audit (prefer DATABASE_URL for secrets)",
    "families": "table of family name = true/false: turn families on or off",
    "rule-packs": "list of extra rule pack files (TOML), relative to the configuration file",
    "severity": 'table of rule id = severity: per-rule severity overrides ("MIG004" = "high")',
    "exclude": "list of path globs (relative to the project root) whose findings are dropped",
    "waivers": "array of tables: accepted findings, each with a reason and an expiry date",
}
"""Top-level keys this module owns, with their meaning; the families' keys are in
:data:`auditor.core.registry.SETTINGS`."""


def known_keys() -> dict[str, str]:
    """Every accepted top-level key with its meaning: this module's and the families'."""
    return {**KNOWN_KEYS, **{key: entry[0] for key, entry in SETTINGS.items()}}


class ConfigError(AuditorError, ValueError):
    """Invalid configuration; the message names file, key and line."""


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
    parsed: dict[str, object] = field(default_factory=dict, compare=False, repr=False)
    """The families' sections, parsed once (by :func:`load_config`, or on first use)."""
    deprecations: list[str] = field(default_factory=list, compare=False, repr=False)
    """One notice per old spelling in the file (shown in the report and on stderr)."""

    def settings(self, key: str, kind: type[T]) -> T:
        """The family section ``key`` as parsed by its owner (registry), parsed once."""
        parser = SETTINGS[key][1]
        if parser not in self.parsed:
            self.parsed[parser] = settings_parser(key)(self)
        value = self.parsed[parser]
        if not isinstance(value, kind):
            raise TypeError(f"settings {key!r} are {type(value).__name__}, not {kind.__name__}")
        return value

    def table(self, name: str) -> Section:
        """The sub-table ``name`` (empty when absent) with validating getters."""
        return Section(self, name, self.section(name))

    def top(self) -> Section:
        """The top-level table with validating getters."""
        return Section(self, "", self.data)

    def deprecated(self, old: str, new: str) -> None:
        """Note that the file uses the old spelling ``old`` of ``new`` (still accepted)."""
        line = self.line_of(old)
        where = f"{self.path}:{line}" if line else str(self.path or "configuration")
        notice = (
            f"{where}: {old} is deprecated, use {new} instead "
            "(the old spelling is accepted for one release)"
        )
        if notice not in self.deprecations:
            self.deprecations.append(notice)

    def layout(self) -> str | None:
        """The configured migration layout (``layout``), or None to detect it."""
        value = self.settings("layout", object)
        return value if isinstance(value, str) else None

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
        return self.top().severity("fail-on")

    def path_option(self, key: str) -> Path | None:
        """A path-valued key resolved against :attr:`root`, or None."""
        return self.top().path(key)

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
        table = self.table("families")
        return {str(name): table.flag(name) for name in table.values}

    def severity_at(self, key: str, value: object) -> Severity:
        """``value`` (found at ``key``) as a severity; raise naming the key otherwise."""
        if not isinstance(value, str):
            raise self.error(key, "must be a severity name")
        try:
            return Severity.parse(value)
        except ValueError as exc:
            raise self.error(key, str(exc)) from None

    def severity_overrides(self) -> dict[str, Severity]:
        """``[tool.auditor.severity]``: rule id to the severity that replaces its default."""
        return {
            str(rule_id).upper(): self.severity_at(f"severity.{rule_id}", value)
            for rule_id, value in self.section("severity").items()
        }

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

    def waivers(self) -> tuple[Waiver, ...]:
        """The waivers, in file order."""
        items = self.top().tables("waivers", "[[tool.auditor.waivers]]")
        return tuple(_waiver(self, index, item) for index, item in enumerate(items))

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
        return ConfigError(f"{where}: {key}: {redact_text(message)}")  # it may echo a value


@dataclass(frozen=True)
class Section:
    """A table of the configuration with getters that validate, in the same words everywhere.

    Errors name ``name.key`` and its line (:meth:`Config.error`).
    """

    config: Config
    name: str
    """Dotted key of the table (empty for the top level)."""
    values: Mapping[str, Any]

    def key(self, item: str) -> str:
        """The dotted key of ``item`` in this table."""
        return f"{self.name}.{item}" if self.name else item

    def error(self, item: str, message: str) -> ConfigError:
        """A :class:`ConfigError` for ``item`` of this table."""
        return self.config.error(self.key(item), message)

    def only(self, known: Iterable[str]) -> None:
        """Raise for the first key that is not in ``known``."""
        allowed = sorted(known)
        for item in self.values:
            if item not in allowed:
                raise self.error(item, f"unknown key (known keys: {', '.join(allowed)})")

    def strings(
        self, item: str, what: str = "strings", default: tuple[str, ...] = ()
    ) -> tuple[str, ...]:
        """A list of strings (``default`` when absent)."""
        value = self.values.get(item)
        if value is None:
            return default
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(item, f"must be a list of {what}")
        return tuple(value)

    def flag(self, item: str, default: bool = False) -> bool:
        """A boolean (``default`` when absent)."""
        value = self.values.get(item, default)
        if not isinstance(value, bool):
            raise self.error(item, "must be true or false")
        return value

    def integer(self, item: str, default: int | None, minimum: int = 1) -> int | None:
        """An integer of at least ``minimum`` (``default`` when absent)."""
        value = self.values.get(item, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            kind = (
                "positive" if minimum == 1 else "non-negative" if minimum == 0 else f">= {minimum}"
            )
            raise self.error(item, f"must be a {kind} integer")
        return value

    def severity(self, item: str, default: Severity | None = None) -> Severity | None:
        """A severity name (``default`` when absent)."""
        value = self.values.get(item)
        if value is None:
            return default
        return self.config.severity_at(self.key(item), value)

    def path(self, item: str) -> Path | None:
        """A path relative to the configuration file, resolved (None when absent)."""
        value = self.values.get(item)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.error(item, "must be a non-empty string path")
        return (self.config.root / value).resolve()

    def mapping(self, item: str, what: str = "a table") -> Mapping[str, Any]:
        """A sub-table (empty when absent)."""
        value = self.values.get(item, {})
        if not isinstance(value, Mapping):
            raise self.error(item, f"must be {what}")
        return value

    def tables(self, item: str, what: str) -> list[Any]:
        """An array of tables (empty when absent); ``what`` spells its header."""
        value = self.values.get(item, [])
        if not isinstance(value, list):
            raise self.error(item, f"must be an array of tables ({what})")
        return value


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


_WAIVER_KEYS = ("rule", "reason", "expires", "object", "path", "fingerprint")


def _waiver(config: Config, index: int, item: Any) -> Waiver:
    from auditor.core.rules import RULE_ID, get_rule

    key = f"waivers[{index}]"
    if not isinstance(item, Mapping):
        raise config.error(key, "must be a table")
    Section(config, key, item).only(_WAIVER_KEYS)
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
        reason=redact_text(reason.strip()),  # shown in reports: a pasted token must not be
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


VALIDATORS: dict[str, Callable[[Config], object]] = {
    "fail-on": Config.fail_on,
    "migrations": lambda c: c.path_option("migrations"),
    "database": Config.database,
    "families": _check_families,
    "rule-packs": _check_rule_packs,
    "severity": _check_severity,
    "exclude": Config.exclude,
    "waivers": Config.waivers,
}
"""Validator per top-level key of :data:`KNOWN_KEYS`: raises :class:`ConfigError` naming
file, key and line. The families' sections are parsed by their registered parsers."""

_WARNED: set[str] = set()
"""Deprecation notices already written to stderr in this process (each is written once)."""


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
    config.top().only(known_keys())
    for key in data:
        validate = VALIDATORS.get(key)
        if validate is not None:
            validate(config)
        elif key in SETTINGS:  # parsed now, so that a bad key fails every run up front
            config.settings(key, object)
    for notice in config.deprecations:
        if notice not in _WARNED:
            _WARNED.add(notice)
            print(f"auditor: warning: {notice}", file=sys.stderr)
    return config
