"""JSON text that is readable, diffable and fast: indented down to a depth, then one line.

``json.dumps(indent=2)`` uses the pure-Python encoder (slow on 10,000 findings);
writing the outer structure indented and each record below ``depth`` as one compact
line keeps the C encoder for the bulk and gives one finding per line in diffs.
"""

from __future__ import annotations

import json
from typing import Any

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))
_compact = _ENCODER.encode


def dumps(value: Any, depth: int, indent: str = "  ", _level: int = 0) -> str:
    """``value`` as JSON, pretty-printed for the first ``depth`` levels of nesting."""
    if depth <= 0 or not isinstance(value, dict | list) or not value:
        return _compact(value)
    pad = indent * (_level + 1)
    end = indent * _level
    if isinstance(value, dict):
        items = [
            f"{pad}{_compact(str(k))}: {dumps(v, depth - 1, indent, _level + 1)}"
            for k, v in value.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + end + "}"
    items = [f"{pad}{dumps(v, depth - 1, indent, _level + 1)}" for v in value]
    return "[\n" + ",\n".join(items) + "\n" + end + "]"
