"""pip-audit's online OSV service through its Python API, against a local stand-in server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from auditor.core.findings import Severity
from auditor.families.deps.collect import Inputs, run_audit
from auditor.families.deps.services.errors import ServiceUnreachable
from auditor.families.deps.services.online import online_service
from auditor.families.deps.settings import DepsSettings
from tests.families.deps.http_stub import no_proxy, serve

VULNS = {
    "jinja2": [
        {
            "id": "PYSEC-2019-217",
            "aliases": ["CVE-2019-10906", "GHSA-462w-v97r-4m45"],
            "summary": "sandbox escape",
            "affected": [
                {
                    "package": {"ecosystem": "PyPI", "name": "jinja2"},
                    "ranges": [
                        {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.10.1"}]}
                    ],
                }
            ],
        },
        {
            "id": "GHSA-462w-v97r-4m45",
            "aliases": ["CVE-2019-10906", "PYSEC-2019-217"],
            "summary": "sandbox escape (GHSA)",
            "affected": [
                {
                    "package": {"ecosystem": "PyPI", "name": "jinja2"},
                    "ranges": [
                        {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.10.1"}]}
                    ],
                }
            ],
        },
    ]
}


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        name = body["package"]["name"]
        if name == "broken":
            self.send_response(500)
            self.end_headers()
            return
        payload = json.dumps({"vulns": VULNS[name]} if name in VULNS else {}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    no_proxy(monkeypatch)


@pytest.fixture(scope="module")
def osv_url() -> Iterator[str]:
    with serve(_Handler) as base:
        yield f"{base}/v1/query"


def _audit(tmp_path: Path, osv_url: str, text: str) -> list[tuple[str, str, Severity]]:
    from auditor.families.deps.family import family_result

    (tmp_path / "requirements.txt").write_text(text, encoding="utf-8")
    service = online_service("osv", timeout=5, cache_dir=tmp_path / "cache", osv_url=osv_url)
    run = run_audit(
        Inputs((tmp_path / "requirements.txt",)), tmp_path, DepsSettings(), service=service
    )
    result = family_result(run)
    return sorted(
        (f.rule_id, dict(f.evidence).get("id") or dict(f.evidence)["package"], f.severity)
        for f in result.findings
    )


def test_online_results_are_merged_and_rated(tmp_path: Path, osv_url: str) -> None:
    findings = _audit(tmp_path, osv_url, "jinja2==2.10\nclick==8.1.7\n")
    # two records of one vulnerability make one finding; no CVSS from the API: unknown → high
    assert findings == [("DEP001", "PYSEC-2019-217", Severity.HIGH)]


def test_online_service_failure_is_an_audit_error(tmp_path: Path, osv_url: str) -> None:
    with pytest.raises(ServiceUnreachable, match=r"osv vulnerability service .* --advisory-db"):
        _audit(tmp_path, osv_url, "broken==1.0\n")
