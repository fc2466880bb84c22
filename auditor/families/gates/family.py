"""The ``gates`` family: run the quality-gate commands of ``[tool.auditor.gates]``.

Each gate runs without a shell, in the project root, with its own timeout; the
whole process group is killed on timeout. Pass → verified (with its duration);
non-zero exit → a GATE001 finding with the last lines of output, redacted;
timeout or cannot start → an error (exit 2), never a pass.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import time
from pathlib import Path

from auditor.core.family import AuditContext, Family
from auditor.core.findings import AuditError, FamilyResult, Skipped, Verified
from auditor.core.profiles import PROFILES
from auditor.core.redact import redact_text
from auditor.core.rules import rules_of, run_rules
from auditor.db.dsn import scrub
from auditor.families.gates.rules import FAMILY, GateOutcome
from auditor.families.gates.settings import GateSpec, gate_specs

TITLE = "Quality gates"
TAIL_LINES = 20
"""How many of a failing gate's last output lines the report keeps."""


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()


def run_gate(
    spec: GateSpec,
    cwd: Path,
    timeout: float,
    config_file: str | None = None,
    dsn: str | None = None,
) -> GateOutcome:
    """Run one gate and describe how it ended (never raises for the command's failures)."""
    shown = redact_text(shlex.join(spec.command))
    started = time.monotonic()

    def outcome(status: str, **extra: object) -> GateOutcome:
        return GateOutcome(
            name=spec.name,
            command=shown,
            status=status,
            duration=time.monotonic() - started,
            config_file=config_file,
            line=spec.line,
            **extra,  # type: ignore[arg-type]
        )

    try:
        proc = subprocess.Popen(
            list(spec.command),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except OSError as exc:
        return outcome("not-started", detail=exc.strerror or type(exc).__name__)
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        proc.communicate()
        return outcome("timeout", detail=f"no result after {timeout:g}s")
    text = redact_text(output.decode("utf-8", errors="replace"))
    for known in (dsn, os.environ.get("DATABASE_URL")):  # the gate inherits DATABASE_URL
        if known:
            text, shown = scrub(text, known), scrub(shown, known)
    tail = tuple(text.rstrip("\n").splitlines()[-TAIL_LINES:])
    if proc.returncode == 0:
        return outcome("passed", exit_code=0)
    return outcome("failed", exit_code=proc.returncode, tail=tail)


class GatesFamily(Family):
    """Quality gates: the team's own commands (tests, linters), each with a timeout."""

    name = FAMILY
    title = TITLE

    def run(self, ctx: AuditContext) -> FamilyResult:
        specs = gate_specs(ctx.config)
        if not specs:
            return FamilyResult(
                FAMILY, TITLE, notes=("no gates configured ([tool.auditor.gates])",)
            )
        profile = PROFILES.get(ctx.profile)
        cap = profile.gate_timeout if profile else None
        config_file = None
        if ctx.config.path is not None:
            try:
                config_file = (
                    ctx.config.path.resolve().relative_to(ctx.project.resolve()).as_posix()
                )
            except ValueError:
                config_file = ctx.config.path.as_posix()
        outcomes: list[GateOutcome] = []
        skipped: list[Skipped] = []
        errors: list[AuditError] = []
        verified: list[Verified] = []
        dsn = ctx.database.dsn if ctx.database else None
        for spec in specs:
            if spec.profiles is not None and ctx.profile not in spec.profiles:
                skipped.append(
                    Skipped(
                        FAMILY,
                        f"gate {spec.name}",
                        f"runs only in profiles {', '.join(spec.profiles)} (this run: {ctx.profile})",
                    )
                )
                continue
            timeout = min(spec.timeout, cap) if cap else spec.timeout
            result = run_gate(spec, ctx.project, timeout, config_file, dsn)
            outcomes.append(result)
            if result.status == "passed":
                verified.append(
                    Verified(
                        FAMILY,
                        f"gate {spec.name} passed",
                        f"`{result.command}` exit 0 in {result.duration:.1f}s",
                    )
                )
            elif result.status == "timeout":
                errors.append(
                    AuditError(
                        FAMILY, f"gate {spec.name} timed out: `{result.command}` {result.detail}"
                    )
                )
            elif result.status == "not-started":
                errors.append(
                    AuditError(
                        FAMILY,
                        f"gate {spec.name} could not start: `{result.command}`: {result.detail}",
                    )
                )
        findings, rule_errors = run_rules(rules_of(FAMILY), tuple(outcomes))
        return FamilyResult(
            FAMILY,
            TITLE,
            findings=tuple(findings),
            skipped=tuple(skipped),
            errors=tuple(errors + rule_errors),
            verified=tuple(verified),
            checked=(("gates", len(outcomes)),),
            notes=tuple(f"gate {o.name}: {o.status} in {o.duration:.1f}s" for o in outcomes),
        )
