"""Signals: an interrupted run cleans up and exits 2 ("could not be completed"), saying so.

Without this, click turns Ctrl-C into "Aborted!" and exit 1 (which a CI gate reads as
"findings"), and SIGTERM kills the process before the embedded server, its data
directory or a scratch database are removed. The handler raises :class:`Interrupted`
(not an ``Exception``: no ``except Exception`` swallows it), so every ``finally`` and
context manager runs; further signals are ignored until the cleanup is done.
"""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)
EXIT_CODE = 2
_received: list[int] = []
"""The signal received, if any: a library may swallow :class:`Interrupted` (psycopg turns
it into a failed rollback), so the run checks this at family boundaries and at exit."""


class Interrupted(BaseException):
    """The run was stopped by a signal before it completed."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signal_name = signal.Signals(signum).name


def _handler(signum: int, frame: FrameType | None) -> None:
    for sig in SIGNALS:  # the cleanup that follows must not be cut short in turn
        signal.signal(sig, signal.SIG_IGN)
    _received.append(signum)
    raise Interrupted(signum)


def check() -> None:
    """Raise :class:`Interrupted` again when a signal was received (and swallowed)."""
    if _received:
        raise Interrupted(_received[0])


def received() -> Interrupted | None:
    """The interruption of this run, if there was one."""
    return Interrupted(_received[0]) if _received else None


def install() -> None:
    """Turn SIGINT and SIGTERM into :class:`Interrupted` (main thread only)."""
    if threading.current_thread() is threading.main_thread():
        for sig in SIGNALS:
            signal.signal(sig, _handler)


def report(exc: Interrupted) -> int:
    """Say that the run did not complete; return the exit code."""
    sys.stderr.write(
        f"auditor: error: interrupted by {exc.signal_name}: the run did not complete"
        " (cleaned up; nothing after this point was checked)\n"
    )
    sys.stderr.flush()
    return EXIT_CODE
