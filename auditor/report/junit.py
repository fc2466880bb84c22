"""JUnit XML: one test suite per family, one test case per rule evaluated.

The rules evaluated are the family's declared ``rules``, else every registered rule
of the family, plus the rules of its findings. A rule's case is ``<skipped>`` when a
skipped item names it (``applied state (MIG001-MIG003)``). A rule's case fails
when it has findings at or above the report's ``fail_on`` threshold (the failure
text lists them); findings below it are written to the case's ``system-out``.
Family errors are ``<error>`` cases; skipped checks that name no rule are
``<skipped>`` cases of their own. Every CI system that reads test results can show
the audit.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from auditor.core.findings import FamilyResult, Finding, Report
from auditor.core.rules import all_rules, get_rule
from auditor.report.formats import RenderOptions

MAX_CASE_LINES = 1_000
"""Findings written per case at most; the rest are counted."""
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    """Drop characters XML 1.0 cannot carry (control characters from input)."""
    return _NOT_XML.sub("\ufffd", text)


_RULE_REF = re.compile(r"\b([A-Z]{2,5})(\d{3})(?:\s*[-\u2013]\s*(?:\1)?(\d{3}))?\b")


def _evaluated_rules(fam: FamilyResult) -> list[str]:
    """The rules a family evaluated: declared, else its registered rules and its findings' rules."""
    ids = list(fam.rules) if fam.rules else [r.id for r in all_rules() if r.family == fam.family]
    ids += [f.rule_id for f in fam.findings]
    return sorted(dict.fromkeys(ids))


def _named_rules(text: str) -> list[str]:
    """Rule ids a skipped item names: ``MIG001``, ``MIG001-MIG003`` or ``MIG001-003``."""
    ids: list[str] = []
    for prefix, first, last in _RULE_REF.findall(text):
        end = int(last) if last else int(first)
        ids += [f"{prefix}{n:03d}" for n in range(int(first), max(end, int(first)) + 1)][:100]
    return ids


def _line(finding: Finding) -> str:
    text = f"[{finding.severity.label}] {finding.location}: {finding.message}"
    if finding.fix:
        text += f" (fix: {' '.join(finding.fix.split())})"
    return text


def _text(findings: list[Finding]) -> str:
    lines = [_line(f) for f in findings[:MAX_CASE_LINES]]
    if len(findings) > MAX_CASE_LINES:
        lines.append(f"... and {len(findings) - MAX_CASE_LINES} more")
    return _clean("\n".join(lines))


def _suite(fam: FamilyResult, report: Report) -> ET.Element:
    threshold = report.metadata.fail_on
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in sorted(fam.findings, key=Finding.sort_key):
        by_rule[f.rule_id].append(f)
    suite = ET.Element("testsuite", name=fam.family)
    cases = failures = errors = skipped = 0
    evaluated = _evaluated_rules(fam)
    skipped_rules: dict[str, str] = {}
    unattached = []
    for item in fam.skipped:
        named = [r for r in _named_rules(item.what) if r in evaluated and r not in by_rule]
        for rule_id in named:
            skipped_rules.setdefault(rule_id, f"{item.what}: {item.reason}")
        if not named:
            unattached.append(item)
    for rule_id in evaluated:
        rule = get_rule(rule_id)
        name = f"{rule_id}: {rule.title}" if rule else rule_id
        case = ET.SubElement(suite, "testcase", classname=f"auditor.{fam.family}", name=name)
        cases += 1
        found = by_rule.get(rule_id, [])
        failing = [f for f in found if f.severity >= threshold]
        if failing:
            failures += 1
            worst = failing[0].severity.label
            failure = ET.SubElement(
                case,
                "failure",
                message=_clean(
                    f"{len(failing)} finding(s) at or above {threshold.label}: {failing[0].message}"
                ),
                type=worst,
            )
            failure.text = _text(failing)
        below = [f for f in found if f.severity < threshold]
        if below:
            out = ET.SubElement(case, "system-out")
            out.text = _text(below)
        if rule_id in skipped_rules:
            ET.SubElement(case, "skipped", message=_clean(skipped_rules[rule_id]))
            skipped += 1
    for error in fam.errors:
        case = ET.SubElement(
            suite, "testcase", classname=f"auditor.{fam.family}", name="family completed"
        )
        message = _clean(error.message)
        ET.SubElement(case, "error", message=message, type="AuditError").text = message
        cases += 1
        errors += 1
    for item in unattached:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"auditor.{fam.family}",
            name=_clean(f"skipped: {item.what}"),
        )
        ET.SubElement(case, "skipped", message=_clean(item.reason))
        cases += 1
        skipped += 1
    suite.set("tests", str(cases))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("skipped", str(skipped))
    return suite


def junit_tree(report: Report) -> ET.Element:
    """The ``<testsuites>`` element."""
    root = ET.Element("testsuites", name="auditor")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for fam in report.families:
        suite = _suite(fam, report)
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    for key, value in totals.items():
        root.set(key, str(value))
    return root


def render_junit(report: Report) -> str:
    """The JUnit XML text."""
    root = junit_tree(report)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def render_format(report: Report, options: RenderOptions) -> str:
    """The registered renderer (see :mod:`auditor.report.formats`)."""
    return render_junit(report)
