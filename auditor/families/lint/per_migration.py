"""Per-migration lint settings: Diesel's ``metadata.toml`` and ``start-after``.

A Diesel migration's ``metadata.toml`` may carry an ``[auditor]`` table::

    run_in_transaction = false

    [auditor]
    disable = ["LNT001"]  # rule ids not to run on this migration's up.sql and down.sql

Diesel reads only ``run_in_transaction`` and leaves other tables alone.
``start-after`` in ``[tool.auditor.lint]`` names a version: migrations at or before
it are not linted (diesel-guard's ``start_after``), compared the way the migration
tool orders its versions.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from auditor.core.errors import AuditorError
from auditor.migrate.layouts import diesel_version, flyway_version_key

METADATA_KEYS = frozenset({"disable"})


class MigrationSettingsError(AuditorError, ValueError):
    """A migration's ``metadata.toml`` or ``start-after`` is invalid; the message names where."""


def metadata_disable(folder: Path, known: frozenset[str], shown: str) -> frozenset[str]:
    """The rule ids ``folder/metadata.toml``'s ``[auditor] disable`` switches off.

    ``shown`` is the file's path as reported. An unknown key or rule id is an error
    naming the file and the line.
    """
    path = folder / "metadata.toml"
    if not path.is_file():
        return frozenset()
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise MigrationSettingsError(f"{shown}: cannot read ({exc})") from None
    table = data.get("auditor")
    if table is None:
        return frozenset()
    if not isinstance(table, dict):
        raise MigrationSettingsError(f"{shown}:{_line(text, 'auditor')}: auditor must be a table")
    for key in table:
        if key not in METADATA_KEYS:
            raise MigrationSettingsError(
                f"{shown}:{_line(text, key)}: [auditor] {key}: unknown key (known: disable)"
            )
    values = table.get("disable", [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise MigrationSettingsError(
            f"{shown}:{_line(text, 'disable')}: [auditor] disable must be a list of rule ids"
        )
    ids = [v.strip().upper() for v in values]
    for value, rule_id in zip(values, ids, strict=True):
        if rule_id not in known:
            raise MigrationSettingsError(
                f"{shown}:{_line(text, value)}: [auditor] disable: unknown lint rule {rule_id}"
            )
    return frozenset(ids)


def _line(text: str, needle: str) -> int:
    """The first line of ``text`` that holds ``needle`` (1 when none does)."""
    pattern = re.compile(re.escape(needle), re.IGNORECASE)
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.search(line.split("#", 1)[0]):
            return number
    return 1


def at_or_before(version: str, tool: str, start_after: str) -> bool:
    """True when migration ``version`` of ``tool`` comes at or before ``start_after``."""
    if tool == "flyway":
        try:
            return flyway_version_key(version) <= flyway_version_key(start_after)
        except ValueError:
            raise MigrationSettingsError(
                f"lint.start-after: {start_after!r} is not a Flyway version such as 1.2"
            ) from None
    if tool == "diesel":
        return version <= diesel_version(start_after)
    if version.isdigit() and start_after.isdigit():
        return int(version) <= int(start_after)
    return version <= start_after
