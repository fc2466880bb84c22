"""Version order per OSV ecosystem, from maintained libraries (never hand-written comparisons).

- ``PyPI``: PEP 440, with ``packaging`` (epochs, pre/post/dev releases, local versions);
- ``crates.io``, ``npm``, ``Go``: Semantic Versioning 2.0, with ``semver`` (pre-releases
  order below their release, build metadata is ignored in comparisons as the spec says).
  Go versions carry a ``v`` prefix, which is dropped; a pseudo-version
  (``v0.0.0-20200101120000-abcdef123456``) is a SemVer pre-release and ``+incompatible``
  is build metadata, so both order as Go orders them;
- ``RubyGems`` and ``Packagist`` (Composer): with ``univers`` (its ``RubygemsVersion``
  and ``ComposerVersion``: ``1.0.a`` pre-releases, ``-beta1``/``-RC`` stabilities, a
  ``v`` prefix), imported only when such a version is read.

OSV writes ``"introduced": "0"`` for "every version": it is the smallest version of the
scheme (``0`` in PEP 440, ``0.0.0-0`` in SemVer, below every other SemVer version).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import semver
from packaging.version import Version

PYPI = "PyPI"
SEMVER_ECOSYSTEMS = ("crates.io", "npm", "Go")
UNIVERS_ECOSYSTEMS = {"RubyGems": "RubygemsVersion", "Packagist": "ComposerVersion"}
"""Ecosystem to the ``univers.versions`` class that orders its versions."""
ECOSYSTEMS = (PYPI, *SEMVER_ECOSYSTEMS, *UNIVERS_ECOSYSTEMS)
"""The ecosystems whose versions can be ordered, so whose advisories can be matched."""

_SEMVER_ZERO = semver.Version(0, 0, 0, prerelease="0")


@lru_cache(maxsize=65536)
def parse_version(ecosystem: str, text: str) -> Any:
    """``text`` as an ordered version of ``ecosystem``; ``ValueError`` when it is not one."""
    if ecosystem == PYPI:
        return Version(text)
    if ecosystem in SEMVER_ECOSYSTEMS:
        if text == "0":
            return _SEMVER_ZERO
        if ecosystem == "Go" and text.startswith("v"):
            text = text[1:]
        return semver.Version.parse(text)
    if ecosystem in UNIVERS_ECOSYSTEMS:
        from univers import versions  # ~90 ms: only for a Ruby or PHP project

        return getattr(versions, UNIVERS_ECOSYSTEMS[ecosystem])(text)  # InvalidVersion: ValueError
    raise ValueError(f"no version order known for the {ecosystem} ecosystem")


def sort_key(ecosystem: str, text: str) -> tuple[int, Any]:
    """A key that orders version strings of ``ecosystem``; unparsable ones sort last, by text."""
    try:
        return 0, parse_version(ecosystem, text)
    except ValueError:
        return 1, text


def display(ecosystem: str, version: Any) -> str:
    """A parsed version written as the ecosystem writes it (Go with its ``v``)."""
    text = str(version)
    return f"v{text}" if ecosystem == "Go" and text[:1].isdigit() else text
