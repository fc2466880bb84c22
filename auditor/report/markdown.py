"""The markdown report (jinja2), for pull requests: a careful reviewer's summary.

The renderer prepares a view of the :class:`~auditor.core.findings.Report` in which every
piece of text taken from input is already escaped (``*_md`` fields), then renders a
jinja2 template (``reports/templates/report.md.j2`` or one given with ``--template``).
The body never exceeds :data:`MAX_CHARS`: past it, the least severe findings are
counted instead of listed (every critical and high finding is kept), and the report
says what was cut and where the full report is.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2

from auditor.core.findings import FamilyResult, Finding, Location, Report, Severity
from auditor.core.resources import templates
from auditor.report.diagram import MAX_TABLES, failing_marks, located, render_mermaid
from auditor.report.formats import RenderOptions

DEFAULT_TEMPLATE = "report.md.j2"
MARKER = "<!-- auditor-report -->"
"""Hidden comment a CI step searches for to update one PR comment instead of adding more."""
MAX_CHARS = 65_000
"""The forge's comment limit (GitHub: 65,536); the body always stays under it."""
LIST_CAP = 100
"""Verified, waived and skipped items listed at most; the rest are counted."""
LIST_LEVELS = ((30, 300), (10, 200), (0, 0))
"""Smaller (items, characters) caps for those lists, tried in turn when they crowd the body."""
FOLD_AT = 5
"""A findings group longer than this is folded in ``<details>``."""
COMPACT_MESSAGE = 300
"""In compact mode (too many critical/high findings) messages are cut to this length."""
MAX_CELL = 1_500
"""Longest text shown in one table cell or list item; longer text is shortened with '…'."""

_MD_TABLE = {ord(c): "\\" + c for c in "\\`*_{}[]()#+!|~"}
_MD_TABLE.update({ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;"})
_LEADING_LIST = re.compile(r"^(\d+)([.)])")
_SAFE_CODE = re.compile(r"^[A-Za-z0-9_.:/-]+$")
_ICONS = {"passed": "✅", "failed": "❌", "incomplete": "⚠️"}


def shorten(value: object, limit: int = MAX_CELL) -> str:
    """``value`` as one line of at most ``limit`` characters (before escaping)."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def md_escape(value: object) -> str:
    """Escape text taken from input so it cannot break a table or inject markup/HTML.

    Whitespace (newlines included) collapses to single spaces, ``& < >`` become HTML
    entities, markdown punctuation (``|`` and backticks included) is backslash-escaped,
    and a leading list or heading marker is neutralised, so the text renders literally
    inside a table cell or a list item.
    """
    text = " ".join(str(value).split()).translate(_MD_TABLE)
    if text[:1] in ("-", "="):
        return "\\" + text
    if text[:1].isdigit():
        return _LEADING_LIST.sub(r"\1\\\2", text, count=1)
    return text


def code_or_text(value: object) -> str:
    """A code span when the text is plainly safe inside one, else escaped text.

    Backslash escapes do not work inside code spans, so input text never goes there.
    """
    text = str(value)
    return f"`{text}`" if _SAFE_CODE.match(text) else md_escape(text)


def html_escape(value: object) -> str:
    """Escape text for an HTML context such as ``<summary>``."""
    text = " ".join(str(value).split())
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("|", "&#124;")
        .replace("`", "&#96;")
        .replace("*", "&#42;")
        .replace("_", "&#95;")
        .replace("[", "&#91;")
        .replace("]", "&#93;")
    )


@dataclass(frozen=True)
class Forge:
    """Where files can be linked: a repository web address at one commit."""

    server: str
    repository: str
    sha: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Forge | None:
        """GitHub's ``GITHUB_SERVER_URL``/``GITHUB_REPOSITORY``/``GITHUB_SHA``, when all set."""
        env = os.environ if env is None else env
        server = env.get("GITHUB_SERVER_URL", "").rstrip("/")
        repository = env.get("GITHUB_REPOSITORY", "")
        sha = env.get("GITHUB_SHA", "")
        if not (server.startswith(("https://", "http://")) and repository and sha):
            return None
        return cls(server, repository, sha)

    def url(self, location: Location) -> str | None:
        """The web address of a finding's file and line, or None without a file."""
        if not location.file or location.file.startswith("/") or ".." in location.file.split("/"):
            return None  # outside the repository: no page on the forge
        sha = location.commit or self.sha
        path = quote(location.file.lstrip("/"), safe="/")
        anchor = f"#L{location.line}" if location.line else ""
        return (
            f"{quote(self.server, safe=':/')}/{quote(self.repository, safe='/')}"
            f"/blob/{quote(sha, safe='')}/{path}{anchor}"
        )


def location_md(location: Location, forge: Forge | None) -> str:
    """The escaped location text, linked to the forge when one is known."""
    text = md_escape(location)
    url = forge.url(location) if forge else None
    if not url:
        return text
    if location.object:
        where = location.file if location.line is None else f"{location.file}:{location.line}"
        return f"[{md_escape(where)}]({url}) {md_escape(location.object)}"
    return f"[{text}]({url})"


@dataclass(frozen=True)
class Row:
    """One finding as the template shows it; every ``*_md`` field is escaped."""

    finding: Finding
    rule_md: str
    location_md: str
    message_md: str
    fix_md: str
    new: bool

    @property
    def cost(self) -> int:
        """Approximate rendered length."""
        return (
            len(self.rule_md) + len(self.location_md) + len(self.message_md) + len(self.fix_md) + 40
        )


def make_row(
    finding: Finding,
    forge: Forge | None,
    compact: bool = False,
    location: Location | None = None,
) -> Row:
    message = shorten(finding.message)
    fix = shorten(finding.fix or "")
    if compact:
        if len(message) > COMPACT_MESSAGE:
            message = message[: COMPACT_MESSAGE - 1] + "…"
        fix = "(see the full report)" if fix else ""
    elif finding.references:
        message += f" [{', '.join(finding.references)}]"
    return Row(
        finding=finding,
        rule_md=code_or_text(finding.rule_id),
        location_md=location_md(location or finding.location, forge),
        message_md=md_escape(message),
        fix_md=md_escape(fix),
        new=finding.baseline == "new",
    )


@dataclass
class Group:
    """The findings of one family at one severity."""

    severity: Severity
    total: int
    rows: list[Row] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.severity.label

    @property
    def omitted(self) -> int:
        return self.total - len(self.rows)

    @property
    def folded(self) -> bool:
        return len(self.rows) > FOLD_AT or self.severity <= Severity.LOW


@dataclass
class Section:
    """One family's findings, most severe group first."""

    family: str
    title_md: str
    title_html: str
    notes_md: list[str]
    groups: list[Group]


@dataclass(frozen=True)
class Diagram:
    """A mermaid ER diagram of one family's schema model."""

    title_md: str
    mermaid: str
    marks_md: list[str]


@dataclass(frozen=True)
class Capped:
    """A list shown up to :data:`LIST_CAP` items, the rest counted."""

    items: list[dict[str, str]]
    total: int

    @property
    def omitted(self) -> int:
        return self.total - len(self.items)


def _counts_text(findings: Iterable[Finding]) -> str:
    counts = dict.fromkeys(Severity, 0)
    for f in findings:
        counts[f.severity] += 1
    parts = [f"{counts[s]} {s.label}" for s in reversed(Severity) if counts[s]]
    return ", ".join(parts) if parts else "none"


def _family_status(fam: FamilyResult, fail_on: Severity) -> str:
    if fam.errors:
        return "⚠️ incomplete"
    if any(f.severity >= fail_on for f in fam.findings):
        return "❌ failed"
    return "✅ passed"


def _diagrams(report: Report) -> list[Diagram]:
    diagrams = []
    for fam in report.families:
        diagram = fam.schema_diagram
        if diagram is None or not diagram.tables or len(diagram.tables) > MAX_TABLES:
            continue
        marks = failing_marks(diagram, fam.findings)
        diagrams.append(
            Diagram(
                title_md=md_escape(fam.title),
                mermaid=render_mermaid(diagram, fam.findings),
                marks_md=[
                    f"`{md_escape(o)}`: {md_escape(', '.join(ids))}"
                    for o, ids in sorted(marks.items())
                ],
            )
        )
    return diagrams


def _located(finding: Finding, families: Mapping[str, FamilyResult]) -> Location:
    fam = families.get(finding.family)
    return located(finding, fam) if fam is not None else finding.location


def _plan(
    findings: list[Finding],
    forge: Forge | None,
    budget: int,
    compact: bool,
    families: Mapping[str, FamilyResult],
) -> tuple[list[Row], bool]:
    """Pick the rows that fit ``budget``: all critical/high, then the most severe of the rest.

    Returns the rows and whether every critical and high finding could be kept.
    """
    rows: list[Row] = []
    used = 0
    groups: set[tuple[str, Severity]] = set()
    kept_all_severe = True
    for finding in findings:
        row = make_row(
            finding,
            forge,
            compact=compact and finding.severity >= Severity.HIGH,
            location=_located(finding, families),
        )
        cost = row.cost
        key = (finding.family, finding.severity)
        if key not in groups:
            cost += 250  # group heading, table header, <details> tags
        if used + cost > budget:
            if finding.severity >= Severity.HIGH:
                kept_all_severe = False
                continue
            break  # cut the least severe detail: nothing below this point is listed
        groups.add(key)
        used += cost
        rows.append(row)
    return rows, kept_all_severe


def environment(extra_dir: Path | None = None) -> jinja2.Environment:
    """The jinja2 environment over the shipped templates (and a user template's folder)."""
    dirs = [str(extra_dir)] if extra_dir else []
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([*dirs, str(templates())]),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_escape
    env.filters["html"] = html_escape
    env.filters["code"] = code_or_text
    env.filters["thousands"] = lambda n: f"{int(n):,}"
    return env


def _load(template: str | Path | None) -> jinja2.Template:
    if template is None:
        return environment().get_template(DEFAULT_TEMPLATE)
    path = Path(template)
    if path.is_file():
        return environment(path.parent.resolve()).get_template(path.name)
    return environment().get_template(str(template))


def _full_report_hint(full_report: str | None, env: Mapping[str, str]) -> str:
    if full_report:
        return md_escape(full_report)
    server, repo, run = (
        env.get("GITHUB_SERVER_URL", ""),
        env.get("GITHUB_REPOSITORY", ""),
        env.get("GITHUB_RUN_ID", ""),
    )
    if server.startswith(("https://", "http://")) and repo and run.isdigit():
        url = f"{quote(server.rstrip('/'), safe=':/')}/{quote(repo, safe='/')}/actions/runs/{run}"
        return f"the [CI run's artifacts]({url}), or `auditor audit --format json`"
    return "`auditor audit --format json` (every finding, nothing cut)"


def render_markdown(
    report: Report,
    template: str | Path | None = None,
    *,
    full_report: str | None = None,
    env: Mapping[str, str] | None = None,
    max_chars: int = MAX_CHARS,
) -> str:
    """Render the markdown report, never longer than ``max_chars`` characters.

    ``template`` is a template file path or a shipped template name; ``full_report``
    says where the uncut report is (e.g. the SARIF/JSON file written alongside);
    ``env`` replaces ``os.environ`` for the forge variables (tests).
    """
    env = os.environ if env is None else env
    forge = Forge.from_env(env)
    tmpl = _load(template)
    findings = list(report.findings)
    verdict = report.verdict
    meta = report.metadata
    counts = dict.fromkeys(Severity, 0)
    for f in findings:
        counts[f.severity] += 1
    families = report.families
    summary = [
        {
            "title_md": md_escape(fam.title),
            "status": _family_status(fam, meta.fail_on),
            "checked_md": md_escape(", ".join(f"{n} {what}" for what, n in fam.checked)) or "-",
            "findings": _counts_text(fam.findings),
            "skipped": str(len(fam.skipped)),
            "errors": str(len(fam.errors)),
        }
        for fam in families
    ]

    def lists(cap: int, limit: int) -> dict[str, Any]:
        """Verified, skipped, waived and errors, at most ``cap`` items of ``limit`` chars."""
        return {
            "verified": Capped(
                [
                    {
                        "family_md": md_escape(v.family),
                        "what_md": md_escape(shorten(v.what, limit)),
                        "evidence_md": md_escape(shorten(v.evidence, limit)),
                    }
                    for v in report.verified[:cap]
                ],
                len(report.verified),
            ),
            "skipped": Capped(
                [
                    {
                        "family_md": md_escape(s.family),
                        "what_md": md_escape(shorten(s.what, limit)),
                        "reason_md": md_escape(shorten(s.reason, limit)),
                    }
                    for s in report.skipped[:cap]
                ],
                len(report.skipped),
            ),
            "waived": Capped(
                [
                    {
                        "rule_md": code_or_text(w.finding.rule_id),
                        "severity": w.finding.severity.label,
                        "location_md": location_md(w.finding.location, forge),
                        "message_md": md_escape(shorten(w.finding.message, limit)),
                        "reason_md": md_escape(shorten(w.reason, limit)),
                        "expires_md": md_escape(w.expires),
                    }
                    for w in report.waived[:cap]
                ],
                len(report.waived),
            ),
            "errors": [
                {
                    "family_md": md_escape(e.family),
                    "message_md": md_escape(shorten(e.message, max(limit, 200))),
                }
                for e in report.errors[: max(cap, 20)]
            ],
        }

    diagrams = _diagrams(report)
    hint = _full_report_hint(full_report, env)
    titles = {fam.family: fam for fam in families}

    extras = lists(LIST_CAP, MAX_CELL)

    def render(rows: list[Row], cut: list[str], diagrams: list[Diagram]) -> str:
        sections: dict[str, Section] = {}
        totals: dict[tuple[str, Severity], int] = {}
        for f in findings:
            totals[(f.family, f.severity)] = totals.get((f.family, f.severity), 0) + 1
        for (family, sev), total in sorted(totals.items(), key=lambda kv: (kv[0][0], -kv[0][1])):
            fam = titles.get(family)
            title = fam.title if fam else family
            section = sections.get(family)
            if section is None:
                section = sections[family] = Section(
                    family=family,
                    title_md=md_escape(title),
                    title_html=html_escape(title),
                    notes_md=[md_escape(n) for n in (fam.notes if fam else ())],
                    groups=[],
                )
            section.groups.append(Group(severity=sev, total=total))
        index = {(s.family, g.severity): g for s in sections.values() for g in s.groups}
        for row in rows:
            index[(row.finding.family, row.finding.severity)].rows.append(row)
        ordered = [sections[f.family] for f in families if f.family in sections]
        ordered += [s for name, s in sorted(sections.items()) if name not in titles]
        return tmpl.render(
            report=report,
            meta=meta,
            marker=MARKER,
            icon=_ICONS[verdict],
            verdict=verdict,
            counts=[(s.label, counts[s]) for s in reversed(Severity)],
            total=len(findings),
            project_md=code_or_text(meta.project),
            target_md=md_escape(meta.target) if meta.target else None,
            version_md=md_escape(meta.tool_version),
            notices_md=[md_escape(n) for n in meta.notices],
            summary=summary,
            errors=extras["errors"],
            verified=extras["verified"],
            sections=ordered,
            diagrams=diagrams,
            waived=extras["waived"],
            skipped=extras["skipped"],
            cut=cut,
            full_report_md=hint,
            findings=findings,
        )

    all_rows = (
        [make_row(f, forge, location=_located(f, titles)) for f in findings]
        if len(findings) <= 2_000
        else None
    )
    if all_rows is not None:
        text = render(all_rows, [], diagrams)
        if len(text) <= max_chars:
            return text
    base = render([], ["x" * 600], diagrams)
    if len(base) > max_chars // 2 and diagrams:
        diagrams = []
        base = render([], ["x" * 600], diagrams)
    shortened = ["the schema diagram"] if not diagrams and _diagrams(report) else []
    for cap, limit in LIST_LEVELS:
        if len(base) <= max_chars // 2:
            break
        extras = lists(cap, limit)
        if "the verified, waived and skipped lists" not in shortened:
            shortened.append("the verified, waived and skipped lists")
        base = render([], ["x" * 600], diagrams)
    budget = max_chars - len(base) - 1_000
    text = ""
    for _attempt in range(4):
        rows, kept = _plan(findings, forge, budget, False, titles)
        compact = False
        if not kept:
            rows, kept = _plan(findings, forge, budget, True, titles)
            compact = True
        cut = _cut_notes(findings, rows, kept, compact, hint, max_chars)
        if shortened:
            cut.insert(-1, f"Left out or shortened: {' and '.join(shortened)}.")
        elif len(rows) == len(findings) and not compact:
            cut = []  # everything fits: nothing to say
        text = render(rows, cut, diagrams)
        if len(text) <= max_chars:
            return text
        budget -= len(text) - max_chars + 2_000
    return _hard_cut(text, max_chars, hint)


def _cut_notes(
    findings: list[Finding], rows: list[Row], kept_all: bool, compact: bool, hint: str, limit: int
) -> list[str]:
    shown = {id(r.finding) for r in rows}
    omitted = dict.fromkeys(Severity, 0)
    for f in findings:
        if id(f) not in shown:
            omitted[f.severity] += 1
    parts = [f"{omitted[s]:,} {s.label}" for s in reversed(Severity) if omitted[s]]
    notes = []
    if parts:
        notes.append(
            f"To stay under {limit:,} characters, {', '.join(parts)} finding(s) are counted "
            f"but not listed (least severe cut first)."
        )
    if compact:
        notes.append(
            "Critical and high findings are shown compactly (long messages shortened, fixes omitted)."
        )
    if not kept_all:
        notes.append("There are too many critical and high findings to list them all here.")
    else:
        notes.append("Every critical and high finding is listed.")
    notes.append(f"The full report: {hint}.")
    return notes


def _hard_cut(text: str, limit: int, hint: str) -> str:
    """Last resort for a template that ignores the plan: cut at a line and say so."""
    note = f"\n\n**Report cut at {limit:,} characters.** The full report: {hint}.\n{MARKER}\n"
    head = text[: limit - len(note)]
    head = head[: head.rfind("\n")] if "\n" in head else head
    return head + note


def render_format(report: Report, options: RenderOptions) -> str:
    """The registered renderer (see :mod:`auditor.report.formats`)."""
    return render_markdown(report, options.template, full_report=options.full_report)
