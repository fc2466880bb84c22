"""``auditor rules list`` and ``auditor explain ID``: the rule registry."""

from __future__ import annotations

import difflib
import json

import click

from auditor.cli.common import UsageFailure
from auditor.core.references import ASVS, CIS_BENCHMARK, references_of
from auditor.core.rules import all_rules, get_rule


@click.group()
def rules() -> None:
    """Inspect the registered rules.

    \b
    Example:
        auditor rules list
    """


@rules.command("list")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def list_rules(fmt: str) -> None:
    """List every rule: id, family, default severity and what it requires.

    \b
    Example:
        auditor rules list --format json
    """
    items = all_rules()
    if fmt == "json":
        data = [
            {"id": r.id, "family": r.family, "severity": r.severity.label, "title": r.title}
            for r in items
        ]
        click.echo(json.dumps(data, indent=2))
        return
    for r in items:
        click.echo(f"{r.id:<8} {r.family:<12} {r.severity.label:<9} {r.title}")


@click.command()
@click.argument("rule_id")
def explain(rule_id: str) -> None:
    """Show a rule's documentation, with a bad and a good example.

    \b
    Example:
        auditor explain MIG004
    """
    found = get_rule(rule_id)
    if found is None:
        ids = [r.id for r in all_rules()]
        close = difflib.get_close_matches(rule_id.upper(), ids, n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else " (see `auditor rules list`)"
        raise UsageFailure(f"unknown rule id {rule_id!r}{hint}")
    click.echo(f"{found.id}: {found.title}")
    click.echo(f"family: {found.family}   default severity: {found.severity.label}")
    refs = references_of(found.id, found.family)
    if refs:
        click.echo(f"references: {', '.join(refs)}")
        if any(r.startswith("CIS ") for r in refs):
            click.echo(f"  (CIS: {CIS_BENCHMARK}; ASVS: {ASVS})")
    click.echo()
    click.echo(found.doc)
