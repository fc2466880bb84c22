"""pip-audit's online services (PyPI, OSV), guarded so that a failure is one clear error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import requests
from pip_audit._service.interface import (
    Dependency,
    ServiceError,
    VulnerabilityResult,
    VulnerabilityService,
)

from auditor.families.deps.services import SERVICES
from auditor.families.deps.services.errors import ServiceUnreachable

HINT = "audit offline with --advisory-db PATH (an OSV all.zip or directory)"


def online_service(
    name: str, timeout: int = 15, cache_dir: Path | None = None, osv_url: str | None = None
) -> VulnerabilityService:
    """pip-audit's ``PyPIService`` or ``OsvService``, wrapped by :class:`GuardedService`.

    ``osv_url`` points the OSV service at another query endpoint (a mirror, or a test server).
    """
    from pip_audit._service import OsvService, PyPIService

    inner: VulnerabilityService
    if name == "pypi":
        inner = PyPIService(cache_dir=cache_dir, timeout=timeout)
    elif name == "osv":
        inner = (
            OsvService(cache_dir=cache_dir, timeout=timeout, osv_url=osv_url)
            if osv_url
            else OsvService(cache_dir=cache_dir, timeout=timeout)
        )
    else:
        raise ValueError(
            f"unknown vulnerability service {name!r} (choose from {', '.join(SERVICES)})"
        )
    return GuardedService(inner, name)


class GuardedService(VulnerabilityService):
    """Turns every network or service failure into :class:`ServiceUnreachable`."""

    def __init__(self, inner: VulnerabilityService, name: str) -> None:
        self.inner = inner
        self.name = name

    def query(self, spec: Dependency) -> tuple[Dependency, list[VulnerabilityResult]]:
        try:
            answer: tuple[Dependency, list[VulnerabilityResult]] = self.inner.query(spec)
            return answer
        except (ServiceError, requests.RequestException, OSError, ValueError) as exc:
            raise ServiceUnreachable(
                f"could not reach the {self.name} vulnerability service "
                f"({type(exc).__name__}) while auditing {spec.name}; {HINT}"
            ) from None

    def query_all(
        self, specs: Iterator[Dependency]
    ) -> Iterator[tuple[Dependency, list[VulnerabilityResult]]]:
        for spec in specs:
            yield self.query(spec)
