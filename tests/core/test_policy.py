"""Policy pieces: exclude globs, waiver scopes, redaction of gate output."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from auditor.core.baseline import BaselineError, load_baseline
from auditor.core.config import Waiver
from auditor.core.findings import Finding, Location, Severity
from auditor.core.policy import excluded, matches
from auditor.core.redact import redact_text


@pytest.mark.parametrize(
    ("path", "patterns", "expected"),
    [
        ("vendor/x/y.py", ("vendor/**",), True),
        ("vendor/x/y.py", ("vendor",), True),
        ("vendor/x/y.py", ("vendor/",), True),
        ("src/vendor.py", ("vendor",), False),
        ("src/a_test.py", ("*_test.py",), True),
        ("src/a.py", ("tests/**",), False),
        (None, ("**",), False),
    ],
)
def test_excluded(path: str | None, patterns: tuple[str, ...], expected: bool) -> None:
    assert excluded(path, patterns) is expected


def finding(rule: str = "MIG004", file: str | None = None, obj: str | None = None) -> Finding:
    return Finding(rule, Severity.MEDIUM, "f", "m", Location(file=file, object=obj), "abc123")


def waiver(**scope: str) -> Waiver:
    return Waiver(rule="MIG004", reason="r", expires=dt.date(2999, 1, 1), **scope)  # type: ignore[arg-type]


def test_waiver_scopes() -> None:
    assert matches(waiver(), finding())
    assert not matches(waiver(), finding(rule="MIG001"))
    assert matches(waiver(path="migrations/2019-*"), finding(file="migrations/2019-01/up.sql"))
    assert matches(waiver(path="migrations/old"), finding(file="migrations/old/up.sql"))
    assert not matches(waiver(path="migrations/2019-*"), finding(file="migrations/2020-01/up.sql"))
    assert not matches(waiver(path="migrations/*"), finding(obj="public.users"))
    assert matches(waiver(object="public.users.*"), finding(obj="public.users.email"))
    assert not matches(waiver(object="public.users.*"), finding(obj="public.carts.id"))
    assert matches(waiver(fingerprint="abc123"), finding())
    assert not matches(waiver(fingerprint="ffff"), finding())


JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlX2hlcmVfMTIz"


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("DATABASE_URL=postgresql://app:S3cr3tPassw0rd@db:5432/app", "S3cr3tPassw0rd"),
        ("conn postgresql://app:S3cr3tPassw0rd@db:5432/app", "S3cr3tPassw0rd"),
        ("password = 'correct-horse-battery'", "correct-horse-battery"),
        ("export API_KEY=abcd1234efgh5678", "abcd1234efgh5678"),
        ("token: ghp_" + "a1B2" * 9, "a1B2" * 9),
        ("aws AKIAABCDEFGHIJKLMNOP here", "AKIAABCDEFGHIJKLMNOP"),
        (f"Authorization: Bearer {JWT}", JWT),
        (f"jwt {JWT}", JWT),
        ("random 9fK2mQ7xL4pZ8vB1nR6tY3wE5hJ0cD2sA7gU", "9fK2mQ7xL4pZ8vB1nR6tY3wE5hJ0cD2sA7gU"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----", "MIIEow"),
    ],
)
def test_redact_text_removes_secrets(line: str, secret: str) -> None:
    redacted = redact_text(line)
    assert "***" in redacted
    assert secret not in redacted


def test_redact_text_keeps_ordinary_output() -> None:
    text = "tests/test_x.py::test_one PASSED\n2 failed, 40 passed in 3.21s\nsrc/module_name.py:12: E501"
    assert redact_text(text) == text


def test_baseline_reads_findings_and_waived_entries(tmp_path: Path) -> None:
    path = tmp_path / "base.json"
    path.write_text(
        json.dumps(
            {
                "schema_version": 1,
                "findings": [{"rule_id": "MIG004", "fingerprint": "aaa"}],
                "waived": [
                    {"rule_id": "GATE001", "fingerprint": "bbb", "waiver": {"reason": "r"}},
                    {"finding": {"rule_id": "WVR002", "fingerprint": "ccc"}, "reason": "r"},
                ],
            }
        )
    )
    baseline = load_baseline(path)
    assert baseline.keys == {("MIG004", "aaa"), ("GATE001", "bbb"), ("WVR002", "ccc")}
    known = Finding("MIG004", Severity.LOW, "f", "m", Location(), "aaa")
    assert baseline.mark(known).baseline == "existing"
    assert baseline.mark(finding()).baseline == "new"
    path.write_text('{"schema_version": 1, "findings": [{"rule_id": "X"}]}')
    with pytest.raises(BaselineError, match="lacks rule_id or fingerprint"):
        load_baseline(path)
