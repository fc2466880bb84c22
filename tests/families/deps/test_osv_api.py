"""The OSV API for crates.io, npm and Go (``--service osv``), against a local stand-in server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.families.deps.collect import Inputs, run_audit
from auditor.families.deps.family import family_result
from auditor.families.deps.services.errors import ServiceUnreachable
from auditor.families.deps.services.osv_api import OsvApi
from auditor.families.deps.settings import DepsSettings
from tests.families.deps.http_stub import no_proxy, serve
from tests.families.deps.osv_fixtures import CRITICAL, record

RECORDS = {
    "RUSTSEC-2021-0003": record(
        "RUSTSEC-2021-0003", "crates.io", "smallvec",
        [{"introduced": "1.0.0"}, {"fixed": "1.6.1"}], severity=CRITICAL,
    ),
    "GHSA-35jh-r3h4-6jhm": record(
        "GHSA-35jh-r3h4-6jhm", "npm", "lodash", [{"introduced": "0"}, {"fixed": "4.17.21"}]
    ),
}  # fmt: skip
AFFECTED = {("crates.io", "smallvec", "1.6.0"): "RUSTSEC-2021-0003"}
PAGED = {("npm", "lodash", "4.17.20"): "GHSA-35jh-r3h4-6jhm"}
"""Answered on a second page (``next_page_token``), as the API does for long answers."""
SEEN: list[dict[str, object]] = []


class _Handler(BaseHTTPRequestHandler):
    def _send(self, status: int, body: object) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        SEEN.append(body)
        results = []
        for query in body["queries"]:
            key = (query["package"]["ecosystem"], query["package"]["name"], query["version"])
            if key in AFFECTED:
                results.append({"vulns": [{"id": AFFECTED[key]}]})
            elif key in PAGED and "page_token" in query:
                results.append({"vulns": [{"id": PAGED[key]}]})
            elif key in PAGED:
                results.append({"next_page_token": "2"})
            else:
                results.append({})
        self._send(200, {"results": results})

    def do_GET(self) -> None:
        ident = self.path.rsplit("/", 1)[1]
        self._send(200, RECORDS[ident]) if ident in RECORDS else self._send(404, {})

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    no_proxy(monkeypatch)


@pytest.fixture(scope="module")
def api_url() -> Iterator[str]:
    with serve(_Handler) as base:
        yield base


def lock_files(root: Path) -> tuple[Path, Path]:
    (root / "Cargo.lock").write_text(
        'version = 3\n\n[[package]]\nname = "smallvec"\nversion = "1.6.0"\n'
        'source = "registry+https://github.com/rust-lang/crates.io-index"\n'
        '\n[[package]]\nname = "serde"\nversion = "1.0.200"\n'
        'source = "registry+https://github.com/rust-lang/crates.io-index"\n',
        encoding="utf-8",
    )
    (root / "package-lock.json").write_text(
        '{"lockfileVersion": 3, "packages": {"node_modules/lodash": {"version": "4.17.20"}}}',
        encoding="utf-8",
    )
    return root / "Cargo.lock", root / "package-lock.json"


def test_batch_query_then_records_then_offline_matching(tmp_path: Path, api_url: str) -> None:
    SEEN.clear()
    run = run_audit(
        Inputs(lock_files(tmp_path)),
        tmp_path,
        DepsSettings(service="osv"),
        api=OsvApi(api_url, timeout=5),
    )
    result = family_result(run)
    found = sorted((f.rule_id, dict(f.evidence)["id"], f.severity.label) for f in result.findings)
    assert found == [
        ("DEP001", "GHSA-35jh-r3h4-6jhm", "high"),  # no CVSS: unknown-severity
        ("DEP001", "RUSTSEC-2021-0003", "critical"),
    ]
    assert [len(b["queries"]) for b in SEEN] == [3, 1]  # one batch, then the paged query
    assert "the OSV API for crates.io, npm" in run.service
    assert run.audit.database is None  # no offline database: no age finding (DEP004)


def test_unreachable_api_is_exit_2_in_one_line(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    lock_files(tmp_path)
    (tmp_path / "auditor.toml").write_text(
        f'[deps]\nservice = "osv"\nosv-api = "http://127.0.0.1:{closed}"\ntimeout = 2\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli,
        ["--config", str(tmp_path / "auditor.toml"), "--project", str(tmp_path), "deps", "audit",
         "--lock", str(tmp_path / "Cargo.lock")],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("auditor: error:")]
    assert len(errors) == 1 and "could not query the OSV API" in errors[0], result.output
    assert "PASSED" not in result.output
    with pytest.raises(ServiceUnreachable, match="--advisory-db"):
        OsvApi(f"http://127.0.0.1:{closed}", timeout=2)._post("/v1/querybatch", {"queries": []})
