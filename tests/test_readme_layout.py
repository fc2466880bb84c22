"""The README's "Where things live" and "How to add" recipes name files that exist,
and every package of ``auditor/`` is listed there."""

from __future__ import annotations

import re

from tests.paths import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text()


def _section(title: str) -> str:
    start = README.index(f"## {title}\n")
    end = README.index("\n## ", start + 1)
    return README[start:end]


def _paths(text: str) -> set[str]:
    """Every backticked repository path (``auditor/...``, ``tests/...``, ``rules/`` ...)."""
    found = re.findall(r"`((?:auditor|tests|rules|reports|migrations|bench)/[\w./-]*)`", text)
    return {path.rstrip("/") for path in found}


def test_every_path_the_layout_and_recipes_name_exists() -> None:
    named = _paths(_section("Where things live"))
    assert len(named) > 20
    missing = sorted(path for path in named if not (REPO_ROOT / path).exists())
    assert missing == []


def test_every_package_is_listed() -> None:
    listed = _paths(_section("Where things live"))
    packages = {
        init.parent.relative_to(REPO_ROOT).as_posix()
        for init in (REPO_ROOT / "auditor").glob("*/__init__.py")
    } | {
        init.parent.relative_to(REPO_ROOT).as_posix()
        for init in (REPO_ROOT / "auditor" / "families").glob("*/__init__.py")
    }
    assert packages - listed == set()


def test_the_recipes_name_the_registries_they_use() -> None:
    recipes = _section("Where things live")
    for name in ("RULE_MODULES", "REGISTRY"):
        assert name in recipes
    from auditor.core import rules
    from auditor.report import formats

    assert rules.RULE_MODULES and formats.REGISTRY
