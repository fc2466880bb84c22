"""``Gemfile.lock`` (Bundler 1 and 2): the gems of every ``GEM``, ``GIT`` and ``PATH`` section.

Each section lists its gems under ``specs:``, one ``name (version)`` at four spaces
(their own dependencies follow at six, and are listed again at four). A gem from
rubygems.org is audited; its version may carry a platform (``1.13.10-x86_64-linux``),
which is dropped (a RubyGems version has no ``-``). A gem from another gem server or
from git has no rubygems.org release an advisory could name (DEP002); a ``PATH`` gem
is the project's own code, listed as skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.families.deps.model import Pin
from auditor.families.deps.sources.interface import FileSource, SourceError, once, read_text

RUBYGEMS = "RubyGems"
RUBYGEMS_ORG = ("https://rubygems.org", "http://rubygems.org")
"""The ``remote:`` of rubygems.org (with or without a final slash)."""
_SECTIONS = ("GEM", "GIT", "PATH", "PLUGIN SOURCE")
_SPEC = re.compile(r"^    ([^\s(]+) \(([^)\s]+)\)$")
_REMOTE = re.compile(r"^  remote: (\S+)$")


class GemfileLockSource(FileSource):
    """Bundler's lock file."""

    def collect(self) -> Iterator[Pin]:
        text = read_text(self.path)
        section: str | None = None
        remote = ""
        found = False
        pins: list[Pin] = []
        for number, line in enumerate(text.splitlines(), 1):
            if line and not line[0].isspace():
                section = line.strip() if line.strip() in _SECTIONS else None
                remote = ""
                continue
            if section is None:
                continue
            found = found or line == "  specs:"
            match = _REMOTE.match(line)
            if match is not None:
                remote = match.group(1)
                continue
            match = _SPEC.match(line)
            if match is not None:
                pins.append(self._pin(section, remote, match.group(1), match.group(2), number))
        if not found:
            raise SourceError(
                f"{self.path}: not a Gemfile.lock (no specs: in a GEM, GIT or PATH section)"
            )
        yield from once(pins)

    def _pin(self, section: str, remote: str, name: str, version: str, line: int) -> Pin:
        where = self.where(line)
        version = version.partition("-")[0]
        if section == "PATH":
            return Pin(name, version, where, f"path gem ({remote})", RUBYGEMS, local=True)
        if section == "GEM" and remote.rstrip("/") in RUBYGEMS_ORG:
            return Pin(name, version, where, ecosystem=RUBYGEMS)
        source = "git" if section == "GIT" else "gem server"
        reason = f"from a {source} ({remote or 'unknown'}): not a rubygems.org release"
        return Pin(name, None, where, reason, RUBYGEMS)
