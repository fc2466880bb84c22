"""detect-secrets ``.secrets.baseline`` files: read, compare, write (same JSON, same hashes).

A baseline stores, per file, each known secret's type and SHA-1 hash (never the
value), its line and the audit flag ``is_secret``. A secret is known when its
(file, type, hash) is in the baseline; known secrets never fail the gate.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.core.errors import AuditorError
from auditor.families.secrets.model import SecretHit

DEFAULT_BASELINE = ".secrets.baseline"

Key = tuple[str, str, str]
"""(file, type, hashed_secret): how detect-secrets identifies a secret."""


class BaselineError(AuditorError, ValueError):
    """A baseline file that cannot be read or is not a detect-secrets baseline."""


@dataclass(frozen=True)
class Baseline:
    """A loaded baseline: its raw document and its secrets by key."""

    path: Path
    data: dict[str, Any]

    def entries(self) -> dict[Key, dict[str, Any]]:
        """Every recorded secret, by (file, type, hash)."""
        out: dict[Key, dict[str, Any]] = {}
        for filename, items in self.data.get("results", {}).items():
            for item in items:
                out[(filename, item["type"], item["hashed_secret"])] = item
        return out

    def known(self, hit: SecretHit) -> bool:
        """True when ``hit`` is recorded in this baseline (audited or not)."""
        return (hit.file, hit.type, hit.hashed_secret) in self._keys

    @property
    def _keys(self) -> frozenset[Key]:
        cached: frozenset[Key] | None = self.__dict__.get("_key_cache")
        if cached is None:
            cached = frozenset(self.entries())
            object.__setattr__(self, "_key_cache", cached)
        return cached


def load_baseline(path: Path) -> Baseline:
    """Read a detect-secrets baseline (any version detect-secrets can upgrade)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read baseline ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise BaselineError(
            f"{path}: not a JSON baseline ({exc.msg} at line {exc.lineno})"
        ) from None
    except UnicodeDecodeError:
        raise BaselineError(f"{path}: not a JSON baseline (not UTF-8)") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("results"), dict):
        raise BaselineError(f"{path}: not a detect-secrets baseline (no 'results' object)")
    from detect_secrets.core.baseline import upgrade

    try:
        data = upgrade(raw)
        for filename, items in data["results"].items():
            for item in items:
                if (
                    not isinstance(filename, str)
                    or "type" not in item
                    or "hashed_secret" not in item
                ):
                    raise KeyError("type/hashed_secret")
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise BaselineError(f"{path}: malformed baseline entry ({exc})") from None
    refuse_code(path, data)
    return Baseline(path=path, data=data)


_SAFE_MODULES = ("detect_secrets.", "auditor.")


def refuse_code(path: Path, data: dict[str, Any]) -> None:
    """A baseline cannot make the scan run code: a plugin named by file path (other than
    the scanner's own, which it re-registers) or a filter outside detect-secrets is
    refused (exit 2), before detect-secrets would import it."""
    from auditor.families.secrets.plugins import CUSTOM_PLUGINS

    ours = {cls.__name__ for cls in CUSTOM_PLUGINS}
    for kind in ("plugins_used", "filters_used"):
        entries = data.get(kind) or []
        for entry in entries if isinstance(entries, list) else [entries]:
            if not isinstance(entry, dict):
                raise BaselineError(f"{path}: malformed {kind} entry")
            where = entry.get("path")
            if where is None or (kind == "plugins_used" and entry.get("name") in ours):
                continue
            if kind == "filters_used" and str(where).startswith(_SAFE_MODULES):
                continue
            raise BaselineError(
                f"{path}: {kind} names code to load ({str(where)[:80]!r}): a scan never runs"
                " code from the repository; remove the entry from the baseline"
            )


def baseline_document(
    hits: Iterable[SecretHit],
    settings: dict[str, Any],
    previous: Baseline | None = None,
) -> dict[str, Any]:
    """A baseline document for ``hits``, keeping ``previous`` entries and audit flags.

    New secrets are added; a secret already recorded keeps its ``is_secret`` and
    ``is_verified`` flags and gets its current line; entries of ``previous`` not
    found again are kept (the scan may not have covered their file).
    """
    from detect_secrets.__version__ import VERSION

    entries: dict[Key, dict[str, Any]] = {}
    if previous is not None:
        entries.update({k: dict(v) for k, v in previous.entries().items()})
    for hit in hits:
        key = (hit.file, hit.type, hit.hashed_secret)
        item = entries.get(key, {"is_verified": False})
        entry: dict[str, Any] = {
            "type": hit.type,
            "filename": hit.file,
            "hashed_secret": hit.hashed_secret,
            "is_verified": bool(item.get("is_verified", False)),
            "line_number": hit.line,
        }
        if item.get("is_secret") is not None:
            entry["is_secret"] = item["is_secret"]
        entries[key] = entry
    results: dict[str, list[dict[str, Any]]] = {}
    for key in sorted(entries):
        results.setdefault(key[0], []).append(entries[key])
    for items in results.values():
        items.sort(key=lambda e: (e.get("line_number", 0), e["hashed_secret"], e["type"]))
    return {
        "version": VERSION,
        **settings,
        "results": results,
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def render_baseline(document: dict[str, Any]) -> str:
    """The baseline JSON text, formatted as detect-secrets writes it."""
    return json.dumps(document, indent=2) + "\n"
