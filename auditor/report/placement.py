"""A file and line for every finding, for consumers that accept nothing less.

GitHub code scanning rejects a SARIF result without a physical location, workflow
annotations and GitLab's reports need a file and line too. A finding that names only
a database object is placed, in this order:

1. at the migration file and line that created the object (the static model's
   origins, :func:`auditor.report.diagram.located`);
2. else at the **stand-in** file, line 1: the GitHub workflow that runs the audit
   (``GITHUB_WORKFLOW_REF``: it configures the audited service container), else the
   project's configuration file (``auditor.toml``, else ``pyproject.toml``), else
   ``auditor.toml``. The object stays named (SARIF ``logicalLocations``, the message).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from auditor.core.findings import FamilyResult, Finding, Report
from auditor.report.diagram import located

CONFIG_FILES = ("auditor.toml", "pyproject.toml")
"""The project files tried as the stand-in, in order."""
DEFAULT_STAND_IN = CONFIG_FILES[0]


@dataclass(frozen=True)
class Placed:
    """A finding with the file and line it is shown at."""

    finding: Finding
    file: str
    """Project-relative path with forward slashes (or an absolute path as found)."""
    line: int
    """1-based."""
    object: str | None = None
    """The database object the finding is about, if any."""
    stand_in: bool = False
    """True when ``file`` is the stand-in, not where the problem is."""


def stand_in_file(project: str | Path, env: Mapping[str, str] | None = None) -> str:
    """The stand-in file for findings with no file of their own (see the module doc)."""
    ref = (env or {}).get("GITHUB_WORKFLOW_REF", "")
    # owner/repo/.github/workflows/audit.yml@refs/heads/main
    path = ref.split("@", 1)[0].split("/", 2)[-1] if ref.count("/") >= 2 else ""
    if path.startswith(".github/workflows/"):
        return path
    root = Path(project)
    for name in CONFIG_FILES:
        if (root / name).is_file():
            return name
    return DEFAULT_STAND_IN


def place(finding: Finding, fam: FamilyResult, stand_in: str) -> Placed:
    """Where ``finding`` is shown (its own file, its object's migration, or the stand-in)."""
    loc = located(finding, fam)
    if loc.file:
        return Placed(finding, loc.file, loc.line or 1, loc.object)
    return Placed(finding, stand_in, 1, loc.object, stand_in=True)


def placed_findings(report: Report, stand_in: str | None = None) -> Iterator[Placed]:
    """Every finding of ``report``, most severe first, each with a file and line."""
    chosen = stand_in or stand_in_file(report.metadata.project)
    by_family = {fam.family: fam for fam in report.families}
    for finding in report.findings:
        yield place(finding, by_family[finding.family], chosen)


def described(p: Placed) -> str:
    """The finding's message, naming its object when the file alone does not."""
    text = p.finding.message
    if p.object and p.object not in text:
        text += f" ({p.object})"
    return text
