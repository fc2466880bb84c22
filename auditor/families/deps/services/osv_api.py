"""The online OSV API for every ecosystem: one batch query, then the records it names.

``POST /v1/querybatch`` answers, for each (ecosystem, name, version), the ids of the
advisories affecting it (paged with ``next_page_token``); ``GET /v1/vulns/{id}`` returns
each record in full, which is loaded into an in-memory :class:`OsvDatabase` so that the
matching, upgrades and severities are those of an offline audit. Any failure (network,
HTTP status, malformed answer) is :class:`ServiceUnreachable`: the audit is incomplete.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from auditor.families.deps.model import Pin
from auditor.families.deps.services.errors import ServiceUnreachable
from auditor.families.deps.services.osv_db import OsvDatabase

API = "https://api.osv.dev"
BATCH = 1000
"""The most queries the API takes in one batch."""


class OsvApi:
    """A client of the OSV API (``base`` is the API root, e.g. a mirror or a test server)."""

    def __init__(self, base: str = API, timeout: int = 15) -> None:
        self.base = base.rstrip("/")
        self.timeout = timeout

    def database(self, pins: Sequence[Pin]) -> OsvDatabase:
        """The records that affect ``pins`` (pinned ones), as a database."""
        wanted = sorted({(p.ecosystem, p.name, p.version) for p in pins if p.version is not None})
        ids: set[str] = set()
        for start in range(0, len(wanted), BATCH):
            ids |= self._batch(wanted[start : start + BATCH])
        documents = [
            (f"{i}.json", json.dumps(self._get(f"/v1/vulns/{i}")).encode()) for i in sorted(ids)
        ]
        return OsvDatabase(Path(self.base), documents)

    def _batch(self, wanted: Sequence[tuple[str, str, str]]) -> set[str]:
        queries: list[dict[str, Any]] = [
            {"package": {"ecosystem": e, "name": n}, "version": v} for e, n, v in wanted
        ]
        ids: set[str] = set()
        while queries:
            answer = self._post("/v1/querybatch", {"queries": queries})
            results = answer.get("results")
            if not isinstance(results, list) or len(results) != len(queries):
                raise self._failure("a malformed batch answer")
            again = []
            for query, result in zip(queries, results, strict=True):
                vulns = result.get("vulns", []) if isinstance(result, dict) else None
                if not isinstance(vulns, list):
                    raise self._failure("a malformed batch answer")
                ids |= {str(v["id"]) for v in vulns if isinstance(v, dict) and "id" in v}
                if isinstance(result, dict) and result.get("next_page_token"):
                    again.append({**query, "page_token": result["next_page_token"]})
            queries = again
        return ids

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._request("POST", path, body)

    def _get(self, path: str) -> dict[str, Any]:
        return self._request("GET", path, None)

    def _request(self, method: str, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        import requests

        try:
            response = requests.request(method, self.base + path, json=body, timeout=self.timeout)
            response.raise_for_status()
            answer = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise self._failure(type(exc).__name__) from None
        if not isinstance(answer, dict):
            raise self._failure("an answer that is not an object")
        return answer

    def _failure(self, what: str) -> ServiceUnreachable:
        return ServiceUnreachable(
            f"could not query the OSV API at {self.base} ({what}); "
            "audit offline with --advisory-db PATH (an OSV all.zip or directory per ecosystem)"
        )
