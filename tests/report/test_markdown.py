"""The markdown PR report: structure, escaping of hostile input, links, the 65,000 cap."""

from __future__ import annotations

from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from auditor.core.findings import (
    FamilyResult,
    Location,
    Report,
    Severity,
    Skipped,
    Verified,
    Waived,
)
from auditor.report.markdown import MARKER, MAX_CHARS, Forge, md_escape, render_markdown
from auditor.report.progress import progress, step
from tests.report_samples import HOSTILE_FILE, HOSTILE_SQL, big_report, metadata, sample_report

NO_FORGE: dict[str, str] = {}
FORGE = {
    "GITHUB_SERVER_URL": "https://github.example",
    "GITHUB_REPOSITORY": "acme/shop",
    "GITHUB_SHA": "0123456789abcdef",
}


class Tables(HTMLParser):
    """Collects every table of the rendered HTML as rows of cell texts, and the tags seen."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.tags: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def to_html(markdown: str) -> Tables:
    html = MarkdownIt("commonmark").enable("table").render(markdown)
    parser = Tables()
    parser.feed(html)
    return parser


def test_first_line_is_the_verdict_with_counts() -> None:
    text = render_markdown(sample_report(), env=NO_FORGE)
    first = text.splitlines()[0]
    assert "incomplete" in first
    for label in ("1 critical", "1 high", "1 medium", "1 low", "1 info"):
        assert label in first
    assert MARKER in text


def test_sections_present() -> None:
    text = render_markdown(sample_report(), env=NO_FORGE)
    for heading in ("### Verified", "### Findings", "### Waived", "### Skipped", "```mermaid"):
        assert heading in text
    assert "users.email is unique, case-insensitively" in text
    assert "2027-01-31" in text and "test fixture, not a real key" in text
    assert "no disposable database" in text
    assert "permission denied" in text


def test_summary_table_has_one_row_per_family() -> None:
    report = sample_report()
    tables = to_html(render_markdown(report, env=NO_FORGE)).tables
    summary = tables[0]
    assert summary[0][0] == "Family"
    assert [row[0] for row in summary[1:]] == [f.title for f in report.families]
    assert all(len(row) == 6 for row in summary)


def test_hostile_input_cannot_break_tables_or_inject_html() -> None:
    parsed = to_html(render_markdown(sample_report(), env=FORGE))
    assert "img" not in parsed.tags and "script" not in parsed.tags
    for table in parsed.tables:
        widths = {len(row) for row in table}
        assert len(widths) == 1, table
    cells = [cell for table in parsed.tables for row in table for cell in row]
    # The hostile file name and SQL come through as literal text, whole, in one cell each.
    assert any(HOSTILE_FILE in cell for cell in cells)
    assert any(HOSTILE_SQL in cell for cell in cells)
    assert any(cell == "write a down.sql | that `reverts` it" for cell in cells)


@pytest.mark.parametrize(
    "value",
    [
        "a|b",
        "`code` and ``more``",
        "<b>x</b> & <img src=x>",
        "# heading",
        "- item",
        "1. item",
        "[x](javascript:alert(1))",
        "*em* _em_ ~~s~~",
        "line\nbreak | pipe",
        "\\| escaped already",
    ],
)
def test_md_escape_renders_literally(value: str) -> None:
    html = MarkdownIt("commonmark").enable("table").render(f"| h |\n|---|\n| {md_escape(value)} |")
    parser = Tables()
    parser.feed(html)
    assert parser.tables[0][1] == [" ".join(value.split())]
    assert set(parser.tags) == {"table", "thead", "tr", "th", "tbody", "td"}


def test_locations_link_to_the_forge() -> None:
    text = render_markdown(sample_report(), env=FORGE)
    assert (
        "https://github.example/acme/shop/blob/0123456789abcdef/"
        "migrations/2024-01-01-000001_users/up.sql#L3" in text
    )
    # the hostile name is percent-encoded in the address
    assert "a%7Cb%60%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.sql#L7" in text
    assert "github.example" not in render_markdown(sample_report(), env=NO_FORGE)


def test_files_outside_the_repository_are_not_linked() -> None:
    forge = Forge.from_env(FORGE)
    assert forge is not None
    assert forge.url(Location(file="/abs/migrations/up.sql", line=1)) is None
    assert forge.url(Location(file="../x/up.sql", line=1)) is None
    assert forge.url(Location(file="x/up.sql")) == (
        "https://github.example/acme/shop/blob/0123456789abcdef/x/up.sql"
    )


def test_mermaid_diagram_marks_failing_objects() -> None:
    text = render_markdown(sample_report(), env=NO_FORGE)
    block = text.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert block.startswith("erDiagram")
    assert "public_users {" in block and "public_carts {" in block
    assert 'username "FAILS TSC001"' in block
    assert "bigint id PK" in block
    assert "public_carts }o--o| public_users" in block


def test_no_diagram_without_a_schema_model() -> None:
    report = Report(metadata=metadata(), families=(FamilyResult("secrets", "Secrets"),))
    text = render_markdown(report, env=NO_FORGE)
    assert "mermaid" not in text
    assert text.splitlines()[0].startswith("## ✅ auditor: **passed**")


def test_50000_findings_stay_under_the_limit_and_keep_every_severe_one() -> None:
    report = big_report(50_000)
    text = render_markdown(report, env=NO_FORGE)
    assert len(text) < MAX_CHARS
    severe = [f for f in report.findings if f.severity >= Severity.HIGH]
    assert len(severe) == 100
    for f in severe:
        assert f"finding number {f.message.split()[2]}" in text
    assert "counted but not listed" in text
    assert "Every critical and high finding is listed" in text
    assert "--format json" in text
    assert MARKER in text
    # the table structure survives the cut
    for table in to_html(text).tables:
        assert len({len(row) for row in table}) == 1


def test_too_many_severe_findings_still_fit_and_say_so() -> None:
    text = render_markdown(big_report(4_000, severe=2_000), env=NO_FORGE)
    assert len(text) < MAX_CHARS
    assert "too many critical and high findings" in text
    assert "finding number 0:" in text


def test_many_small_findings_that_fit_are_all_listed_without_a_cut_note() -> None:
    report = big_report(2_500, severe=10)
    text = render_markdown(report, env=NO_FORGE, max_chars=10_000_000)
    assert "counted but not listed" not in text and "[!WARNING]" not in text
    assert text.count("finding number") == 2_500


def test_cut_names_the_full_report_file() -> None:
    text = render_markdown(big_report(3_000), env=NO_FORGE, full_report="auditor.sarif (SARIF)")
    assert len(text) < MAX_CHARS
    assert "auditor.sarif \\(SARIF\\)" in text


def test_custom_template(tmp_path: Path) -> None:
    template = tmp_path / "mine.md.j2"
    template.write_text("{{ marker }} {{ verdict }} {{ total }} {{ meta.project | md }}\n")
    text = render_markdown(sample_report(), template, env=NO_FORGE)
    assert text == f"{MARKER} incomplete 5 .\n"


def test_long_lists_and_texts_stay_under_the_limit() -> None:
    base = sample_report()
    long_text = "x| " * 5_000
    fam = base.families[1]
    many = replace(
        fam,
        skipped=tuple(Skipped("migrations", f"check {i}", long_text) for i in range(500)),
        verified=tuple(Verified("migrations", f"proof {i}", long_text) for i in range(500)),
    )
    waived = tuple(
        Waived(replace(base.waived[0].finding, message=long_text), long_text, "2027-01-31")
        for _ in range(300)
    )
    report = replace(base, families=(base.families[0], many), waived=waived)
    text = render_markdown(report, env=NO_FORGE)
    assert len(text) < MAX_CHARS
    assert "no length check" in text  # the critical finding survives
    assert "more (see the full report)" in text
    assert "Left out or shortened:" in text
    assert "the verified, waived and skipped lists" in text
    for table in to_html(text).tables:
        assert len({len(row) for row in table}) == 1


def test_progress_is_silent_off_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert list(progress(iter([1, 2, 3]), "scanning")) == [1, 2, 3]
    step("secrets", 1, 2)
    assert capsys.readouterr().err == ""


def test_a_template_that_ignores_the_plan_is_still_cut(tmp_path: Path) -> None:
    template = tmp_path / "all.md.j2"
    template.write_text("{{ marker }}\n{% for f in findings %}- {{ f.message | md }}\n{% endfor %}")
    text = render_markdown(big_report(3_000), template, env=NO_FORGE)
    assert len(text) <= MAX_CHARS
    assert "Report cut at 65,000 characters" in text
    assert text.rstrip().endswith(MARKER)
