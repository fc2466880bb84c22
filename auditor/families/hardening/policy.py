"""What the hardening rules read: the project's policy (``[tool.auditor.hardening]``) and,
with the server's facts, the :class:`HardeningAudit` every rule receives."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from auditor.core.config import Config
from auditor.families.hardening.facts import ServerFacts

FAMILY = "hardening"

DEFAULT_PERSONAL_DATA_COLUMNS = (
    "*email*",
    "*password*",
    "ssn",
    "*_ssn",
    "social_security*",
    "national_id*",
    "tax_id*",
    "passport*",
    "date_of_birth",
)
"""Column-name patterns (shell globs, case-insensitive) that mark a table as holding personal data."""

DEFAULT_EXTENSION_DENY_LIST = ("adminpack", "dblink", "file_fdw")
"""Extensions that reach outside the database (files, other servers) unless allowed."""

CONFIG_KEYS: dict[str, str] = {
    "allowed-superusers": "roles allowed to be login superusers (default: postgres)",
    "privileged-roles": "roles allowed BYPASSRLS, CREATEROLE, CREATEDB or REPLICATION",
    "require-password-expiry": "login roles must have VALID UNTIL (default false)",
    "require-private": "the server must not listen on every address (default false)",
    "require-statement-logging": "log_statement must not be 'none' (default false)",
    "personal-data-columns": "column-name globs marking personal data",
    "require-rls": "tables with personal data must have row-level security (default false)",
    "extension-deny-list": "extensions that must not be installed",
}
"""Keys of ``[tool.auditor.hardening]``."""


@dataclass(frozen=True)
class HardeningPolicy:
    """What the project requires of its server (``[tool.auditor.hardening]``)."""

    allowed_superusers: tuple[str, ...] = ("postgres",)
    privileged_roles: tuple[str, ...] = ()
    require_password_expiry: bool = False
    require_private: bool = False
    require_statement_logging: bool = False
    personal_data_columns: tuple[str, ...] = DEFAULT_PERSONAL_DATA_COLUMNS
    require_rls: bool = False
    extension_deny_list: tuple[str, ...] = DEFAULT_EXTENSION_DENY_LIST
    today: date = field(default_factory=date.today)
    """The day the version table is compared with (a field so tests can fix it)."""

    def inactive_rules(self) -> dict[str, str]:
        """Rules this policy turns off, with why (they are then neither run nor verified)."""
        inactive = {}
        if not self.require_password_expiry:
            inactive["HRD004"] = "require-password-expiry is false"
        return inactive

    @classmethod
    def from_config(cls, config: Config) -> HardeningPolicy:
        """Read and validate ``[tool.auditor.hardening]``; raise ConfigError when invalid."""
        section: Mapping[str, Any] = config.section(FAMILY)
        for key in section:
            if key not in CONFIG_KEYS:
                known = ", ".join(sorted(CONFIG_KEYS))
                raise config.error(f"{FAMILY}.{key}", f"unknown key (known keys: {known})")

        def names(key: str, default: tuple[str, ...]) -> tuple[str, ...]:
            value = section.get(key)
            if value is None:
                return default
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise config.error(f"{FAMILY}.{key}", "must be a list of strings")
            return tuple(value)

        def flag(key: str) -> bool:
            value = section.get(key, False)
            if not isinstance(value, bool):
                raise config.error(f"{FAMILY}.{key}", "must be true or false")
            return value

        return cls(
            allowed_superusers=names("allowed-superusers", ("postgres",)),
            privileged_roles=names("privileged-roles", ()),
            require_password_expiry=flag("require-password-expiry"),
            require_private=flag("require-private"),
            require_statement_logging=flag("require-statement-logging"),
            personal_data_columns=names("personal-data-columns", DEFAULT_PERSONAL_DATA_COLUMNS),
            require_rls=flag("require-rls"),
            extension_deny_list=names("extension-deny-list", DEFAULT_EXTENSION_DENY_LIST),
        )


@dataclass(frozen=True)
class HardeningAudit:
    """What the hardening rules read: the server's facts and the project's policy."""

    facts: ServerFacts
    policy: HardeningPolicy = field(default_factory=HardeningPolicy)
