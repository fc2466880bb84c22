"""Typed provider detectors, lock files, the tool's own reports, Kubernetes Secret
manifests and documented fakes.

Every token is generated here at run time from its detector's shape (no real-looking
token is committed); assertions compare rule ids, types and hashes, never values.
"""

from __future__ import annotations

import base64
import hashlib
import random
import string
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.core.findings import Severity
from auditor.core.rules import get_rule
from auditor.families.secrets import engine
from auditor.families.secrets.detectors import DETECTORS, Detector
from auditor.families.secrets.rules import findings_for, rule_for
from auditor.families.secrets.runner import ScanOptions, scan

RNG = random.Random()  # a fresh seed each run: the shapes, not one token, are tested
BY_ID = {d.rule_id: d for d in DETECTORS}


@pytest.fixture(autouse=True, scope="module")
def configured() -> None:
    engine.configure()


def sha1(value: str) -> str:
    return hashlib.sha1(value.encode()).hexdigest()


def kinds(filename: str, text: str) -> set[str]:
    return {hit.type for hit in engine.scan_text(filename, text)}


def test_registry_is_large_unique_and_documented() -> None:
    assert len(DETECTORS) >= 150
    assert len({d.rule_id for d in DETECTORS}) == len(DETECTORS)
    assert len({d.name for d in DETECTORS}) == len(DETECTORS)
    for detector in DETECTORS:
        rule = get_rule(detector.rule_id)
        assert rule.family == "secrets"
        assert rule.severity in (Severity.HIGH, Severity.CRITICAL), detector.rule_id
        assert "Bad:" in rule.doc and "Good:" in rule.doc, detector.rule_id
        assert detector.provider and detector.keywords, detector.rule_id


@pytest.mark.parametrize("rule_id", sorted(BY_ID))
def test_true_example_found_at_its_severity(rule_id: str) -> None:
    detector = BY_ID[rule_id]
    token = detector.sample(RNG)
    hits = engine.scan_text("settings.py", detector.line(token) + "\n")
    typed = [h for h in hits if h.type == detector.name]
    assert [h.hashed_secret for h in typed] == [sha1(token)], rule_id
    assert all(h.type not in engine.WEAK_TYPES for h in hits if h.hashed_secret == sha1(token))
    (finding,) = findings_for(typed)
    assert (finding.rule_id, finding.severity) == (rule_id, Severity.parse(detector.severity))


@pytest.mark.parametrize("rule_id", sorted(BY_ID))
def test_false_example_silent(rule_id: str) -> None:
    """One character short of the shape: not this detector's token."""
    detector = BY_ID[rule_id]
    short = detector.sample(RNG, short=True)
    assert detector.name not in kinds("settings.py", detector.line(short) + "\n"), rule_id


@pytest.mark.parametrize("rule_id", sorted(r for r, d in BY_ID.items() if d.context))
def test_contextual_token_needs_its_name(rule_id: str) -> None:
    detector = BY_ID[rule_id]
    line = f'VALUE = "{detector.sample(RNG)}"\n'
    assert detector.name not in kinds("settings.py", line), rule_id


def test_planted_corpus_every_detector_at_its_line(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    lines, expected = [], {}
    for detector in DETECTORS:
        token = detector.sample(RNG)
        lines.append(detector.line(token))
        expected[(detector.name, sha1(token))] = len(lines)
    (root / "config.py").write_text("\n".join(lines) + "\n")
    result = scan(ScanOptions(root=root, jobs=1, use_cache=False))
    found = {(h.type, h.hashed_secret): h.line for h in result.hits}
    missed = sorted(rule_for(kind).rule_id for kind, _ in expected.keys() - found.keys())
    assert missed == []
    assert {key: found[key] for key in expected} == expected


def test_a_gcp_key_fails_the_default_gate(tmp_path: Path) -> None:
    token = BY_ID["SEC120"].sample(RNG)
    (tmp_path / "app.js").write_text(f"const key = '{token}';\n")
    done = CliRunner().invoke(
        cli, ["--project", str(tmp_path), "secrets", "scan", "--format", "json", "--no-cache"]
    )
    assert done.exit_code == 1
    leaked = token in done.output
    assert '"SEC120"' in done.output and not leaked


def test_typed_token_replaces_keyword_and_entropy_hits() -> None:
    token = BY_ID["SEC120"].sample(RNG)
    hits = engine.scan_text("settings.py", f'api_key = "{token}"\n')
    assert {(h.type, h.hashed_secret) for h in hits} == {("GCP API Key", sha1(token))}


def test_lock_file_hashes_are_not_findings() -> None:
    integrity = "sha512-" + "".join(RNG.choice(string.ascii_letters) for _ in range(86))
    checksum = "".join(RNG.choice("0123456789abcdef") for _ in range(64))
    pnpm = f"packages:\n  /left-pad@1.3.0:\n    resolution: {{integrity: '{integrity}=='}}\n"
    cargo = f'[[package]]\nname = "serde"\nchecksum = "{checksum}"\n'
    npm = f'{{"packages": {{"node_modules/a": {{"integrity": "{integrity}=="}}}}}}\n'
    assert kinds("web/pnpm-lock.yaml", pnpm) == set()
    assert kinds("Cargo.lock", cargo) == set()
    assert kinds("package-lock.json", npm) == set()
    # the same values elsewhere are still entropy findings: the filter is by file
    assert kinds("notes.py", f'token = "{checksum}"\n') == {"Hex High Entropy String"}


def test_lock_file_credentials_are_still_found() -> None:
    password = "".join(RNG.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(16))
    line = f'  resolved "https://ci:{password}@npm.example.com/a/-/a-1.0.0.tgz"\n'
    token = BY_ID["SEC190"].sample(RNG)
    text = line + f"  token {token}\n"
    assert kinds("yarn.lock", text) == {"Basic Auth Credentials", "npm Access Token"}


def test_own_reports_are_skipped_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / "leak.py").write_text(f'key = "{BY_ID["SEC120"].sample(RNG)}"\n')
    runner = CliRunner()
    for fmt in ("sarif", "json"):
        runner.invoke(
            cli,
            ["--project", str(tmp_path), "secrets", "scan", "--format", fmt, "--no-cache",
             "--output", str(tmp_path / f"auditor.{fmt}")],
        )  # fmt: skip
        assert (tmp_path / f"auditor.{fmt}").is_file()
    result = scan(ScanOptions(root=tmp_path, jobs=1, use_cache=False))
    assert {h.file for h in result.hits} == {"leak.py"}
    assert result.skip_counts() == {engine.OwnReport().reason: 2}
    # another tool's JSON with a secret is scanned as usual
    other = '{"tool": {"name": "other"}, "key": "' + BY_ID["SEC120"].sample(RNG) + '"}\n'
    assert "GCP API Key" in kinds("other.json", other)


SECRET_MANIFEST = """\
apiVersion: v1
kind: Secret
metadata:
  name: db
type: Opaque
data:
  password: {b64}
  username: YWRtaW4=
  templated: {{{{ .Values.password | b64enc }}}}
stringData:
  api-token: "{clear}"
  allowed: "{clear2}"  # pragma: allowlist secret
---
apiVersion: v1
kind: ConfigMap
data:
  setting: {clear3}
"""


def test_kubernetes_secret_values() -> None:
    clear = "".join(RNG.choice("abcdefghijkmnopqrstuvwxyz") for _ in range(20))
    b64 = base64.b64encode(clear.encode()).decode()
    text = SECRET_MANIFEST.format(b64=b64, clear=clear[::-1], clear2=clear[1:], clear3=clear[2:])
    hits = engine.scan_text("deploy/db-secret.yaml", text)
    k8s = {(h.line, h.hashed_secret) for h in hits if h.type == engine.KUBERNETES_TYPE}
    assert k8s == {(7, sha1(b64)), (11, sha1(clear[::-1]))}
    assert not [h for h in hits if h.type in engine.WEAK_TYPES and h.line in (7, 11)]
    (finding,) = findings_for([h for h in hits if h.line == 7])
    assert (finding.rule_id, finding.severity) == ("SEC036", Severity.HIGH)
    # the same lines outside a Secret manifest, or outside YAML, are not manifest values
    assert engine.KUBERNETES_TYPE not in kinds("deploy/db.yaml", text.replace("kind: Secret", ""))
    assert engine.KUBERNETES_TYPE not in kinds("db-secret.txt", text)


def test_documented_fakes_are_info() -> None:
    fake = "AKIA" + "IOSFODNN7" + "EXAMPLE"
    placeholder = "npm_" + "x" * 36
    hits = engine.scan_text("README.md", f"key: {fake}\ntoken: {placeholder}\n")
    assert {h.type for h in hits} == {engine.EXAMPLE_TYPE}
    assert {f.rule_id for f in findings_for(hits)} == {"SEC035"}
    assert {f.severity for f in findings_for(hits)} == {Severity.INFO}


def test_plugin_file_loads_outside_the_package() -> None:
    """detect-secrets loads the plugin file by path; it must not need ``auditor``."""
    token = BY_ID["SEC170"].sample(RNG)
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'auditor' or name.startswith('auditor.'):\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from detect_secrets.core.plugins.util import get_plugins_from_file\n"
        "plugins = {c.__name__: c for c in get_plugins_from_file(sys.argv[1])}\n"
        "found = plugins['TypedCredentialDetector']().analyze_line('x.py', sys.stdin.read())\n"
        "print(sorted(s.type for s in found), 'auditor' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(engine.CUSTOM_PLUGIN_FILE)],
        input=f"VAULT_TOKEN={token}",
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["['HashiCorp", "Vault", "Service", "Token']", "False"]


def test_detector_regex_has_secret_group() -> None:
    for detector in DETECTORS:
        assert isinstance(detector, Detector)
        assert detector.pattern.groups >= 1, detector.rule_id
