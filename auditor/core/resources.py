"""Locate the data that ships with the tool (migrations, rule packs, templates).

In a wheel they live in ``auditor/_data``; in a source checkout (editable install)
they live at the repository root. Both are found through ``importlib.resources``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_CHECKOUT_NAMES = {"migrations": "migrations", "rules": "rules", "templates": "reports/templates"}


def data_dir(name: str) -> Path:
    """The directory of shipped data ``name``: ``migrations``, ``rules`` or ``templates``."""
    if name not in _CHECKOUT_NAMES:
        raise ValueError(f"unknown data directory {name!r}")
    packaged = Path(str(resources.files("auditor"))) / "_data" / name
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / _CHECKOUT_NAMES[name]
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(
        f"shipped data {name!r} not found (looked in {packaged} and {checkout})"
    )


def reference_migrations() -> Path:
    """The reference schema's migrations (Diesel layout)."""
    return data_dir("migrations")


def rule_packs() -> Path:
    """The directory of shipped declarative rule packs."""
    return data_dir("rules")


def templates() -> Path:
    """The directory of shipped jinja2 report templates."""
    return data_dir("templates")
