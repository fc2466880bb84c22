"""The central rule registry: stable ids, default severities and documentation.

A rule is a pure function from a family's input model to :class:`~auditor.core.findings.Hit`
values, registered with :func:`rule`. Its docstring is its documentation
(``auditor explain ID``) and must carry a ``Bad:`` and a ``Good:`` example.
Rules that are not plain functions (a secret type, a vulnerability) register a
:class:`Rule` with :func:`register` and no check.

The engine, not the check, attaches id, severity and family, and turns a check
that raised into an error (exit 2), never a pass: see :func:`run_rules`.

Examples are executable. The indented block under ``Bad:`` is the literal input of
the family's example runner (``tests/families/<family>/test_examples.py``), which
asserts that it produces the rule's finding; the block under ``Good:`` must not:

- lint, schema, static, migrations, reversibility, drift and server-object hardening
  rules: SQL; settings-based hardening rules: ``name = value`` lines, or pg_hba.conf
  lines; secrets: the text of a file (token-shaped values carry
  ``pragma: allowlist secret``, which the runner removes before scanning); deps: a
  requirements line; gates and waivers: TOML.
- A block may hold several files: a comment line naming a file (``-- up.sql``,
  ``-- down.sql (why)``, ``# requirements.txt``) starts it, and ``-- NAME: text`` is a
  one-line file (``-- metadata.toml: run_in_transaction = false``). Text before the
  first such line is the main file, named ``""`` by :func:`example_files`.
- A ``Good:`` example that omits a file the ``Bad:`` example names keeps the Bad
  one (see :func:`examples`): it shows only what the fix changes.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from auditor.core.findings import AuditError, Finding, Hit, Severity

RULE_ID = re.compile(r"^[A-Z]{2,5}\d{3}$")
"""Rule ids look like ``MIG001``: a family prefix and three digits."""

CheckFn = Callable[[Any], Iterable[Hit]]
F = TypeVar("F", bound=Callable[..., Iterable[Hit]])


@dataclass(frozen=True)
class Rule:
    """A registered rule."""

    id: str
    family: str
    severity: Severity
    """Default severity; configuration may override it per rule."""
    title: str
    """One line: what the rule requires."""
    doc: str
    """Full documentation with a Bad: and a Good: example."""
    check: CheckFn | None = None


_REGISTRY: dict[str, Rule] = {}

RULE_MODULES = (
    "auditor.families.migrations.rules",
    "auditor.families.lint.rules.locking",
    "auditor.families.lint.rules.rewrites",
    "auditor.families.lint.rules.destructive",
    "auditor.families.lint.rules.dml",
    "auditor.families.lint.rules.objects",
    "auditor.families.lint.rules.transactions",
    "auditor.families.lint.rules.types",
    "auditor.families.lint.rules.security",
    "auditor.families.lint.rules.meta",
    "auditor.families.schema.rules",
    "auditor.families.schema.generic_rules",
    "auditor.families.migrations.reversibility_rules",
    "auditor.families.schema.static_rules",
    "auditor.families.drift.rules",
    "auditor.families.secrets.rules",
    "auditor.families.deps.rules",
    "auditor.families.hardening.rules.roles",
    "auditor.families.hardening.rules.network",
    "auditor.families.hardening.rules.objects",
    "auditor.families.hardening.rules.server",
    "auditor.families.hardening.rules.release",
    "auditor.families.gates.rules",
    "auditor.core.waivers",
)
"""Modules that register rules on import; every family adds its module here."""


def register(item: Rule) -> Rule:
    """Add a rule to the registry; ids are unique and well-formed."""
    if not RULE_ID.match(item.id):
        raise ValueError(f"rule id {item.id!r} does not match {RULE_ID.pattern}")
    existing = _REGISTRY.get(item.id)
    if existing is not None and existing != item:
        raise ValueError(f"rule id {item.id} registered twice")
    _REGISTRY[item.id] = item
    return item


def rule(rule_id: str, family: str, severity: Severity, title: str) -> Callable[[F], F]:
    """Decorator: register a check function under ``rule_id``; its docstring is the doc."""

    def decorate(fn: F) -> F:
        register(
            Rule(
                id=rule_id,
                family=family,
                severity=severity,
                title=title,
                doc=inspect.cleandoc(fn.__doc__ or ""),
                check=fn,
            )
        )
        return fn

    return decorate


def load_all() -> None:
    """Import every rule module so the registry is complete."""
    for name in RULE_MODULES:
        importlib.import_module(name)


def registered(family: str, modules: Iterable[str]) -> list[Rule]:
    """The rules of ``family``, ordered by id, importing only ``modules`` (those that register them).

    For a command that runs one family: it does not pay for importing every other
    family's rules. A test checks that the modules named for a family register all of it.
    """
    for name in modules:
        importlib.import_module(name)
    return sorted((r for r in _REGISTRY.values() if r.family == family), key=lambda r: r.id)


def all_rules() -> list[Rule]:
    """Every registered rule, ordered by id."""
    load_all()
    return sorted(_REGISTRY.values(), key=lambda r: r.id)


def get_rule(rule_id: str) -> Rule | None:
    """The rule with this id (case-insensitive), or None."""
    load_all()
    return _REGISTRY.get(rule_id.strip().upper())


def rules_of(family: str) -> list[Rule]:
    """The rules of one family that have a check function, ordered by id."""
    return [r for r in all_rules() if r.family == family and r.check is not None]


def documentation_problems(item: Rule) -> list[str]:
    """What is missing from a rule's documentation (empty when complete)."""
    problems = []
    if not item.doc.strip():
        problems.append("no docstring")
    if not re.search(r"^Bad:", item.doc, re.MULTILINE):
        problems.append("no 'Bad:' example")
    if not re.search(r"^Good:", item.doc, re.MULTILINE):
        problems.append("no 'Good:' example")
    return problems


def run_rules(
    rules: Iterable[Rule],
    subject: object,
    severity_overrides: dict[str, Severity] | None = None,
) -> tuple[list[Finding], list[AuditError]]:
    """Run each rule's check on ``subject``; a check that raises becomes an error entry."""
    findings: list[Finding] = []
    errors: list[AuditError] = []
    overrides = severity_overrides or {}
    for item in rules:
        if item.check is None:
            continue
        try:
            hits = list(item.check(subject))
        except Exception as exc:  # isolate a failing check: an error, never a pass
            errors.append(
                AuditError(item.family, f"rule {item.id} failed: {type(exc).__name__}: {exc}")
            )
            continue
        for hit in hits:
            finding = Finding.from_hit(item.id, item.severity, item.family, hit)
            if item.id in overrides:  # configuration wins over rule and hit
                finding = replace(finding, severity=overrides[item.id])
            findings.append(finding)
    return findings, errors


EXAMPLE_FILE = re.compile(
    r"^(?:--|#)\s*([\w./-]*\.(?:sql|toml|txt|json|yaml|yml|conf|cfg|env|py|example|lock))(?::\s*(.*?)|\s*(?:\(.*\))?)\s*$"
)
"""A comment line that starts a file of an example: ``-- up.sql``, ``# requirements.txt``."""


def example_files(text: str) -> dict[str, str]:
    """The files of one example block, by name (``""`` for text before the first header)."""
    files: dict[str, list[str]] = {}
    current = ""
    for line in text.splitlines():
        match = EXAMPLE_FILE.match(line)
        if match is None:
            files.setdefault(current, []).append(line)
            continue
        name, inline = match.group(1), match.group(2)
        if inline is not None:  # a one-line file: the text after the colon
            files.setdefault(name, []).append(inline)
            continue
        current = name
        files.setdefault(current, [])
    return {name: "\n".join(lines).strip("\n") for name, lines in files.items()}


def examples(item: Rule) -> dict[str, dict[str, str]]:
    """``{"Bad": files, "Good": files}`` of a rule; Good keeps the Bad files it omits."""
    out: dict[str, dict[str, str]] = {}
    for kind, text in iter_examples(item):
        out.setdefault(kind, {}).update(example_files(text))
    if "Good" in out:
        named = {k: v for k, v in out.get("Bad", {}).items() if k}
        out["Good"] = {**named, **out["Good"]}
    return out


def iter_examples(item: Rule) -> Iterator[tuple[str, str]]:
    """The (kind, text) example blocks of a rule's doc, kind being ``Bad`` or ``Good``."""
    for match in re.finditer(r"^(Bad|Good):\s*\n((?:\s*\n|[ \t]+.*\n?)+)", item.doc, re.MULTILINE):
        yield match.group(1), inspect.cleandoc(match.group(2))
