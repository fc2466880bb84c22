"""Prove that two checkouts of auditor report the same thing: before vs after a refactor.

Runs four commands with each checkout's code on the same inputs and compares the JSON
reports after removing what legitimately changes from run to run:

1. ``auditor audit --no-db --format json --output F`` (exit 0, 1 or 2 are all results)
2. ``auditor migrations lint --format json --output F``
3. ``auditor secrets scan --format json --output F``
4. ``auditor schema check --static --format json --output F``

Each command runs as ``PYTHON -m auditor`` in a subprocess with ``PYTHONPATH=<checkout>``
(so the checkout's code is imported, not the installed one; checked before the runs),
the working directory set to the input project and ``DATABASE_URL`` removed from the
environment. The reports are written outside the projects (a secrets scan would
otherwise read the previous report).

Inputs, the same directory for both checkouts so that paths in the reports match:

- ``reference``: a temporary project holding a copy of ``<before>/migrations``;
- ``lint-corpus``: a temporary project holding a copy of ``<before>/tests/data/lint/corpus``
  as ``corpus/`` (run with ``--migrations corpus``) and an ``auditor.toml`` enabling the
  opt-in LNT017, as ``tests/test_lint_corpus.py`` lints it;
- every ``--project DIR`` (e.g. a clone of rust-lang/crates.io), used in place.

Normalisation before comparing (everything else is kept: findings, fingerprints,
severities, messages, skipped, errors, verified, counts, notes, the exit code):

- keys holding a time are dropped wherever they occur: ``started_at``/``finished_at``
  (any key ending in ``_at``), and keys naming a duration (``duration``, ``elapsed``,
  ``seconds``, ``timestamp``, or ending in ``_s``/``_ms``, e.g. a gate's ``duration_s``);
- ``tool.version`` is dropped (the refactor may bump it);
- the checkout's own absolute path becomes ``<checkout>`` in every string: data shipped
  with the tool is named by where it lives (a static finding's ``evidence.pack`` is
  ``<checkout>/rules/reference-schema.toml``), so it differs between two checkouts
  without any change of behaviour (so keep the projects outside the checkouts);
- inside the quality-gates family's entries (family or name ``gates``), durations written
  into text (``passed in 1.2s``, ``failed (exit 1) after 0.4s``) become ``<N>s``.

Two sources of run-to-run difference are removed at the source, not by editing reports:

- ``PYTHONHASHSEED=0`` for every run. The order of detect-secrets' file filters follows
  string hashing, and a file that two filters exclude (crates.io's ``Cargo.lock``: both
  ``is_lock_file`` and ``is_non_text_file``) is reported as skipped by whichever comes
  first, so with random seeds two runs of the same code disagree on the skip reasons.
- The secrets scanner's result cache (``<git dir>/auditor-secrets-cache.json`` of a
  project inside git) is keyed by the tool version, so a second checkout of the same
  version would read the first one's results instead of scanning, and its report would
  say "N unchanged file(s) from the cache". The cache file is moved aside at the start,
  deleted before every command, and restored at the end.

Two runs of the same code (``--before X --after X``) then give identical reports.

Writes a markdown table (and the head of a unified diff of the normalised JSON for each
difference) to ``--out``, prints a one-line summary, and exits 1 if anything differs or
a command failed (an exit code other than 0, 1, 2, or no JSON report), 0 otherwise.

    .venv/bin/python bench/report_identity.py --before ../before --after . \\
        --project ../projects/crates.io [--out bench/results/report_identity.md]
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "bench" / "results" / "report_identity.md"

COMMANDS: dict[str, tuple[str, ...]] = {
    "audit --no-db": ("audit", "--no-db"),
    "migrations lint": ("migrations", "lint"),
    "secrets scan": ("secrets", "scan"),  # pragma: allowlist secret
    "schema check --static": ("schema", "check", "--static"),
}
ACCEPTED_EXIT_CODES = frozenset({0, 1, 2})
SECRETS_CACHE = "auditor-secrets-cache.json"  # pragma: allowlist secret
DIFF_LINES = 20
CHECKOUT_PLACEHOLDER = "<checkout>"

_TIME_KEY = re.compile(r"(_at|_s|_ms)$|duration|elapsed|seconds|timestamp", re.IGNORECASE)
_DURATION_TEXT = re.compile(r"\b\d+(?:\.\d+)?s\b")


@dataclass(frozen=True)
class Input:
    """A project the commands run in, with the global options it needs."""

    name: str
    directory: Path
    global_options: tuple[str, ...] = ()


@dataclass
class Run:
    """One command of one checkout on one input."""

    exit_code: int | None
    seconds: float
    report: dict[str, Any] | None = None
    failure: str | None = None

    @property
    def findings(self) -> int | None:
        if self.report is None:
            return None
        found = self.report.get("findings")
        return len(found) if isinstance(found, list) else None


@dataclass
class Pair:
    """Before and after for one (input, command)."""

    input: str
    command: str
    before: Run
    after: Run
    diff: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return self.before.failure is None and self.after.failure is None and not self.diff


def normalise(value: Any, checkout: Path, in_gates: bool = False) -> Any:
    """The report without timestamps, durations, tool version, checkout path (see above)."""
    if isinstance(value, dict):
        gates = in_gates or value.get("family") == "gates" or value.get("name") == "gates"
        out: dict[str, Any] = {}
        for key, item in value.items():
            if _TIME_KEY.search(key):
                continue
            out[key] = normalise(item, checkout, gates)
        tool = out.get("tool")
        if isinstance(tool, dict):
            tool.pop("version", None)
        return out
    if isinstance(value, list):
        return [normalise(item, checkout, in_gates) for item in value]
    if isinstance(value, str):
        value = value.replace(str(checkout), CHECKOUT_PLACEHOLDER)
        return _DURATION_TEXT.sub("<N>s", value) if in_gates else value
    return value


def comparable(run: Run, checkout: Path) -> str:
    """The text compared and diffed: process exit code and normalised report."""
    document: dict[str, Any] = {"process_exit_code": run.exit_code}
    if run.failure is not None:
        document["failure"] = run.failure.replace(str(checkout), CHECKOUT_PLACEHOLDER)
    else:
        document["report"] = normalise(run.report, checkout)
    return json.dumps(document, sort_keys=True, indent=1, ensure_ascii=False)


class SecretsCache:
    """Keeps a project's secrets-scan cache out of the comparison (see the docstring)."""

    def __init__(self, project: Path) -> None:
        self.path: Path | None = None
        self.backup: Path | None = None
        try:
            done = subprocess.run(
                ["git", "rev-parse", "--absolute-git-dir"],
                cwd=project,
                capture_output=True,
                text=True,
                check=False,
            )
        except OSError:
            return
        if done.returncode == 0 and done.stdout.strip():
            self.path = Path(done.stdout.strip()) / SECRETS_CACHE

    def __enter__(self) -> SecretsCache:
        if self.path is not None and self.path.exists():
            self.backup = self.path.with_name(self.path.name + ".report-identity-backup")
            os.replace(self.path, self.backup)
        return self

    def clear(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)

    def __exit__(self, *exc: object) -> None:
        self.clear()
        if self.path is not None and self.backup is not None:
            os.replace(self.backup, self.path)


def checkout_env(checkout: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env["PYTHONPATH"] = str(checkout)
    env["PYTHONHASHSEED"] = "0"  # see the docstring: set order shows in secrets' skip reasons
    return env


def check_import(python: str, checkout: Path) -> None:
    """Fail unless ``import auditor`` with this environment loads the checkout's code."""
    done = subprocess.run(
        [python, "-c", "import auditor; print(auditor.__file__)"],
        env=checkout_env(checkout),
        cwd=tempfile.gettempdir(),
        capture_output=True,
        text=True,
        check=False,
    )
    loaded = Path(done.stdout.strip()).resolve() if done.returncode == 0 else None
    if loaded is None or not loaded.is_relative_to(checkout):
        raise SystemExit(
            f"report_identity: with PYTHONPATH={checkout}, auditor is imported from "
            f"{loaded or done.stderr.strip()}, not from the checkout"
        )


def describe_checkout(checkout: Path) -> str:
    """``path (commit, N changed files)`` when the checkout is a git work tree."""
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=checkout,
        capture_output=True,
        text=True,
        check=False,
    )
    if head.returncode != 0:
        return str(checkout)
    status = subprocess.run(
        ["git", "status", "--porcelain", "--", "auditor"],
        cwd=checkout,
        capture_output=True,
        text=True,
        check=False,
    )
    changed = len(status.stdout.splitlines())
    return f"{checkout} (HEAD {head.stdout.strip()}, {changed} changed path(s) under auditor/)"


def run_command(
    python: str, checkout: Path, item: Input, argv: tuple[str, ...], output: Path
) -> Run:
    output.parent.mkdir(parents=True, exist_ok=True)
    output.unlink(missing_ok=True)
    command = [
        python,
        "-m",
        "auditor",
        *item.global_options,
        *argv,
        "--format",
        "json",
        "--output",
        str(output),
    ]
    started = time.perf_counter()
    done = subprocess.run(
        command,
        cwd=item.directory,
        env=checkout_env(checkout),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    run = Run(exit_code=done.returncode, seconds=seconds)
    tail = " | ".join(done.stderr.strip().splitlines()[-3:])
    if done.returncode not in ACCEPTED_EXIT_CODES:
        run.failure = f"exit code {done.returncode}: {tail}"
        return run
    try:
        report = json.loads(output.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        run.failure = f"no JSON report ({exc}): {tail}"
        return run
    if not isinstance(report, dict):
        run.failure = "the JSON report is not an object"
        return run
    run.report = report
    return run


def make_inputs(before: Path, projects: list[Path], scratch: Path) -> list[Input]:
    reference = scratch / "reference"
    shutil.copytree(before / "migrations", reference / "migrations")
    corpus = scratch / "lint-corpus"
    shutil.copytree(before / "tests" / "data" / "lint" / "corpus", corpus / "corpus")
    # as tests/test_lint_corpus.py lints it: the opt-in timeout rule enabled
    (corpus / "auditor.toml").write_text('[lint]\nenable = ["LNT017"]\n', encoding="utf-8")
    inputs = [
        Input("reference", reference),
        Input("lint-corpus", corpus, ("--migrations", "corpus")),
    ]
    names = {i.name for i in inputs}
    for project in projects:
        name = project.name
        while name in names:
            name += "'"
        names.add(name)
        inputs.append(Input(name, project))
    return inputs


def compare(
    python: str, before: Path, after: Path, inputs: list[Input], scratch: Path
) -> list[Pair]:
    pairs: list[Pair] = []
    for item in inputs:
        with SecretsCache(item.directory) as cache:
            for label, argv in COMMANDS.items():
                slug = label.replace(" ", "_").replace("-", "")
                runs: list[Run] = []
                for side, checkout in (("before", before), ("after", after)):
                    cache.clear()
                    out = scratch / "reports" / side / item.name / f"{slug}.json"
                    runs.append(run_command(python, checkout, item, argv, out))
                pair = Pair(item.name, label, runs[0], runs[1])
                old, new = comparable(pair.before, before), comparable(pair.after, after)
                if old != new:
                    pair.diff = list(
                        difflib.unified_diff(
                            old.splitlines(), new.splitlines(), "before", "after", lineterm=""
                        )
                    )
                pairs.append(pair)
                state = "identical" if pair.identical else "DIFFERENT"
                print(
                    f"  {item.name:<14} {label:<22} {state:<9} "
                    f"({pair.before.seconds:.1f} s / {pair.after.seconds:.1f} s)",
                    flush=True,
                )
    return pairs


def _cell(value: object) -> str:
    return "-" if value is None else str(value)


def write_markdown(
    out: Path,
    pairs: list[Pair],
    inputs: list[Input],
    before: str,
    after: str,
    python: str,
    seconds: float,
) -> None:
    same = sum(p.identical for p in pairs)
    lines = [
        "# Report identity: before vs after",
        "",
        f"Generated by `bench/report_identity.py` on {dt.date.today().isoformat()} "
        f"in {seconds:.0f} s; interpreter `{python}`.",
        "",
        f"- before: `{before}`",
        f"- after: `{after}`",
        *(
            f"- input `{i.name}`: `{i.directory}`"
            + (f" with `{' '.join(i.global_options)}`" if i.global_options else "")
            for i in inputs
        ),
        "",
        "Reports compared after dropping timestamps, durations and the tool version, and "
        "writing each checkout's path as `<checkout>` (see the script's docstring). "
        f"**{same} of {len(pairs)} identical.**",
        "",
        "| input | command | exit before | exit after | findings before | findings after "
        "| identical | seconds before / after |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for p in pairs:
        lines.append(
            f"| {p.input} | `{p.command}` | {_cell(p.before.exit_code)} | "
            f"{_cell(p.after.exit_code)} | {_cell(p.before.findings)} | "
            f"{_cell(p.after.findings)} | {'yes' if p.identical else '**no**'} | "
            f"{p.before.seconds:.1f} / {p.after.seconds:.1f} |"
        )
    different = [p for p in pairs if not p.identical]
    if different:
        lines += ["", "## Differences"]
    for p in different:
        lines += ["", f"### {p.input}: `{p.command}`", ""]
        for side, run in (("before", p.before), ("after", p.after)):
            if run.failure is not None:
                lines.append(f"- {side} failed: {run.failure}")
        if p.diff:
            shown = p.diff[:DIFF_LINES]
            more = len(p.diff) - len(shown)
            lines += ["", "```diff", *shown, "```"]
            if more:
                lines.append(f"({more} more diff line(s))")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--before", type=Path, required=True, help="checkout before the change")
    parser.add_argument("--after", type=Path, required=True, help="checkout after the change")
    parser.add_argument(
        "--project",
        type=Path,
        action="append",
        default=[],
        help="extra project to run in (repeatable)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="markdown result file")
    parser.add_argument("--python", default=sys.executable, help="interpreter to run auditor")
    args = parser.parse_args(argv)
    before: Path = args.before.resolve()
    after: Path = args.after.resolve()
    projects = [p.resolve() for p in args.project]
    for directory in (before, after, *projects):
        if not directory.is_dir():
            parser.error(f"not a directory: {directory}")
    for checkout in (before, after):
        check_import(args.python, checkout)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="report-identity-") as tmp:
        scratch = Path(tmp)
        inputs = make_inputs(before, projects, scratch)
        pairs = compare(args.python, before, after, inputs, scratch)
    seconds = time.perf_counter() - started
    write_markdown(
        args.out,
        pairs,
        inputs,
        describe_checkout(before),
        describe_checkout(after),
        args.python,
        seconds,
    )
    different = [f"{p.input}/{p.command}" for p in pairs if not p.identical]
    summary = (
        f"report_identity: {len(pairs) - len(different)} of {len(pairs)} (input, command) "
        f"pairs identical in {seconds:.0f} s"
    )
    if different:
        summary += "; different: " + ", ".join(different)
    print(f"{summary} -> {args.out}")
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
