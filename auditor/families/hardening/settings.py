"""``[tool.auditor.hardening]``: the server hardening policy the project requires.

The policy record and its validation live with the rules that read it
(:class:`auditor.families.hardening.rules.HardeningPolicy`); this module is the
family's entry in the settings registry, parsed once per configuration.
"""

from __future__ import annotations

from auditor.core.config import Config
from auditor.families.hardening.rules import HardeningPolicy


def parse_settings(config: Config) -> HardeningPolicy:
    """Read and validate ``[tool.auditor.hardening]``; raise ``ConfigError`` naming the key."""
    return HardeningPolicy.from_config(config)


def hardening_policy(config: Config) -> HardeningPolicy:
    """The configuration's hardening policy (parsed once per configuration)."""
    return config.settings("hardening", HardeningPolicy)
