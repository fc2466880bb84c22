"""Values of Kubernetes ``Secret`` manifests (``data:`` and ``stringData:``).

A ``kind: Secret`` document holds its credentials as plain map entries, base64 in
``data:`` and clear text in ``stringData:``: no token shape or quote gives them
away, so they are read here from the manifest's structure, line by line (no YAML
parser: templates and multi-document files must not make the scan fail).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

KIND_SECRET = re.compile(r"^kind:\s*['\"]?Secret['\"]?\s*(?:#.*)?$")
BLOCK = re.compile(r"^(\s*)(data|stringData):\s*(?:#.*)?$")
ENTRY = re.compile(r"^(\s+)([A-Za-z0-9_.\-]+|'[^']+'|\"[^\"]+\"):\s*(.*?)\s*$")
TEMPLATED = re.compile(r"\{\{|\$\{|^<.*>$|^\$[A-Z_]")
BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")
MIN_CHARS = 8
"""Shorter clear values (``true``, ``admin``) are flags and names, not credentials."""
MIN_BASE64_CHARS = 12
"""The same bound for base64 values (12 characters hold at least 7 bytes)."""


def is_manifest(filename: str) -> bool:
    """YAML files (where Secret manifests live)."""
    return filename.lower().endswith((".yaml", ".yml"))


def secret_values(lines: Sequence[str]) -> list[tuple[int, str]]:
    """(line number, value) of every credential-like ``data``/``stringData`` entry
    of every ``kind: Secret`` document in ``lines``."""
    found: list[tuple[int, str]] = []
    for document in _documents(lines):
        if not any(KIND_SECRET.match(line) for _, line in document):
            continue
        block_indent: int | None = None
        base64 = False
        for number, line in document:
            block = BLOCK.match(line)
            if block:
                block_indent, base64 = len(block.group(1)), block.group(2) == "data"
                continue
            if block_indent is None or not line.strip() or line.lstrip().startswith("#"):
                continue
            if len(line) - len(line.lstrip()) <= block_indent:
                block_indent = None
                continue
            entry = ENTRY.match(line)
            if entry is None:
                continue
            value = _unquote(entry.group(3))
            if _credential_like(value, base64):
                found.append((number, value))
    return found


def _documents(lines: Sequence[str]) -> list[list[tuple[int, str]]]:
    documents: list[list[tuple[int, str]]] = [[]]
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\n").rstrip()
        if line.startswith("---"):
            documents.append([])
        else:
            documents[-1].append((number, line))
    return documents


def _unquote(value: str) -> str:
    value = re.sub(r"\s+#.*$", "", value)
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _credential_like(value: str, base64: bool) -> bool:
    if (
        len(value) < (MIN_BASE64_CHARS if base64 else MIN_CHARS)
        or value in ("|", ">", "|-", ">-")
        or TEMPLATED.search(value)
    ):
        return False
    return BASE64.fullmatch(value) is not None if base64 else True
