"""FakeForge: a small local HTTP server standing in for the GitHub and GitLab APIs.

GitHub cannot be reached from the test machine. This fake implements only the
endpoints ``auditor publish`` calls, with the request and response shapes of GitHub's
REST API description (issue comments, code-scanning SARIF upload and alerts) and
GitLab's notes API; it checks the token header and records what it received.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "fake-token-0123456789"  # pragma: allowlist secret


@dataclass
class ForgeState:
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    sarifs: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    fail_with: int | None = None
    next_id: int = 100


class _Handler(BaseHTTPRequestHandler):
    state: ForgeState

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _authorized(self) -> bool:
        return (
            self.headers.get("Authorization") == f"Bearer {TOKEN}"
            or self.headers.get("PRIVATE-TOKEN") == TOKEN
        )

    def _send(self, code: int, body: Any) -> None:
        raw = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _handle(self) -> None:
        st = self.state
        url = urlsplit(self.path)
        st.requests.append((self.command, url.path))
        if not self._authorized():
            self._send(401, {"message": "Bad credentials"})
            return
        if st.fail_with:
            self._send(st.fail_with, {"message": "failure"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        query = parse_qs(url.query)
        path = url.path
        if m := re.fullmatch(r"/repos/[^/]+/[^/]+/issues/\d+/comments", path) or re.fullmatch(
            r"/projects/[^/]+/merge_requests/\d+/notes", path
        ):
            if self.command == "GET":
                page = int(query.get("page", ["1"])[0])
                per = int(query.get("per_page", ["30"])[0])
                items = list(st.comments.values())[(page - 1) * per : page * per]
                self._send(200, items)
                return
            st.next_id += 1
            st.comments[st.next_id] = {"id": st.next_id, "body": body["body"]}
            self._send(201, st.comments[st.next_id])
            return
        if m := re.fullmatch(r"/repos/[^/]+/[^/]+/issues/comments/(\d+)", path) or re.fullmatch(
            r"/projects/[^/]+/merge_requests/\d+/notes/(\d+)", path
        ):
            cid = int(m.group(1))
            if cid not in st.comments:
                self._send(404, {"message": "Not Found"})
                return
            st.comments[cid]["body"] = body["body"]
            self._send(200, st.comments[cid])
            return
        if re.fullmatch(r"/repos/[^/]+/[^/]+/code-scanning/sarifs", path):
            if not {"commit_sha", "ref", "sarif"} <= set(body or {}):
                self._send(422, {"message": "Invalid request"})
                return
            st.sarifs.append(body)
            self._send(202, {"id": f"sarif-{len(st.sarifs)}", "url": "http://fake/sarifs/1"})
            return
        if re.fullmatch(r"/repos/[^/]+/[^/]+/code-scanning/alerts", path):
            self._send(200, st.alerts)
            return
        self._send(404, {"message": "Not Found"})

    do_GET = do_POST = do_PATCH = do_PUT = _handle


@contextmanager
def fake_forge() -> Iterator[tuple[str, ForgeState]]:
    """A running FakeForge on 127.0.0.1: its base URL and its state."""
    state = ForgeState()
    handler = type("Handler", (_Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()
