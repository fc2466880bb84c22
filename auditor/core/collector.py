"""Python's cyclic garbage collector switched on or off for a block, then restored.

Builders that make tens of thousands of long-lived objects (the live and static catalog
models, the lint run) pause the automatic collections, which would otherwise traverse
those objects again and again; reference counting still frees everything that is not
in a cycle, and each caller says how its cyclic garbage is collected.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector(*, on: bool) -> Iterator[None]:
    """Run the block with the collector ``on`` or off; restore the caller's setting."""
    was_on = gc.isenabled()
    if on:
        gc.enable()
    else:
        gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
        else:
            gc.disable()
