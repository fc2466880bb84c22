"""JSON text that is readable, diffable and fast: indented down to a depth, then one line.

``json.dumps(indent=2)`` uses the pure-Python encoder (slow on 10,000 findings);
writing the outer structure indented and each record below ``depth`` as one compact
line keeps the C encoder for the bulk and gives one finding per line in diffs.
"""

from __future__ import annotations

import json
from json import encoder as json_encoder
from typing import Any

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))


def _no_default(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _c_encoder() -> Any:
    """CPython's C encoder, built once; None when unavailable (then the stdlib path is used)."""
    make = getattr(json_encoder, "c_make_encoder", None)
    quote = getattr(json_encoder, "c_encode_basestring", None)
    if make is None or quote is None:
        return None
    try:
        encoder = make(None, _no_default, quote, None, ": ", ", ", False, False, True)
        if "".join(encoder({"a": [1, "é", None]}, 0)) != _ENCODER.encode({"a": [1, "é", None]}):
            return None
    except Exception:  # a different interpreter's signature: use the stdlib path
        return None
    return encoder


_C_ENCODER = _c_encoder()
"""One C encoder reused for every record (``JSONEncoder.encode`` builds one per call)."""


def _compact(value: Any) -> str:
    if _C_ENCODER is not None:
        return "".join(_C_ENCODER(value, 0))
    return _ENCODER.encode(value)


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
