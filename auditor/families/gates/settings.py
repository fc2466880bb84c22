"""``[tool.auditor.gates]``: the quality-gate commands, validated."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from auditor.core.config import Config, Section
from auditor.core.profiles import PROFILES

DEFAULT_GATE_TIMEOUT = 300.0
"""Seconds a quality gate may run when its ``timeout`` is not given."""
GATE_KEYS = ("command", "timeout", "profiles")


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


def parse_settings(config: Config) -> tuple[GateSpec, ...]:
    """The quality gates, in file order; raise ``ConfigError`` naming the key."""
    return tuple(_gate(config, str(name), value) for name, value in config.section("gates").items())


def gate_specs(config: Config) -> tuple[GateSpec, ...]:
    """The configured gates (parsed once per configuration)."""
    return config.settings("gates", tuple)


def _gate(config: Config, name: str, value: Any) -> GateSpec:
    key = f"gates.{name}"
    if isinstance(value, str):
        value = {"command": value}
    if not isinstance(value, Mapping):
        raise config.error(key, 'must be a command string or a table { command = "...", ... }')
    gate = Section(config, key, value)
    gate.only(GATE_KEYS)
    command = value.get("command")
    if isinstance(command, str):
        try:
            argv = tuple(shlex.split(command))
        except ValueError as exc:
            raise gate.error("command", f"cannot split the command: {exc}") from None
    elif isinstance(command, list) and all(isinstance(c, str) for c in command):
        argv = tuple(command)
    else:
        raise gate.error("command", "required: a string or a list of strings")
    if not argv or not argv[0]:
        raise gate.error("command", "must not be empty")
    timeout = value.get("timeout", DEFAULT_GATE_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise gate.error("timeout", "must be a positive number of seconds")
    profiles = gate.strings("profiles", "profile names") if "profiles" in value else None
    for profile in profiles or ():
        if profile not in PROFILES:
            raise gate.error(
                "profiles", f"unknown profile {profile!r} (choose from {', '.join(PROFILES)})"
            )
    return GateSpec(
        name=name,
        command=argv,
        timeout=float(timeout),
        profiles=profiles,
        line=config.line_of(key),
    )
