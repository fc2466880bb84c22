"""What a bug looks like to the user: a traceback and one summary line, exit code 2.

An unexpected exception means the audit could not be completed, so it exits 2 (never
1, which a CI gate would read as "findings", and never 0), with the password of every
DSN in play, and anything else that looks like a secret, redacted from the traceback
and the summary. Used by the ``auditor``
command and by the lean pre-push entry point (which does not import click).
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Iterable


def report_crash(exc: BaseException, dsns: Iterable[str] = ()) -> int:
    """Print ``exc`` (redacted) to stderr and return the exit code, 2."""
    from auditor.core.redact import redact_sql
    from auditor.db.dsn import scrub

    text = "".join(traceback.format_exception(exc))
    summary = f"auditor: error: internal error: {type(exc).__name__}: {' '.join(str(exc).split())}"
    for dsn in [os.environ.get("DATABASE_URL", ""), *dsns]:
        if dsn:
            text, summary = scrub(text, dsn), scrub(summary, dsn)
    # and anything else secret-looking (a token or a SQL password literal in a message)
    text, summary = redact_sql(text), redact_sql(summary)
    sys.stderr.write(text)
    sys.stderr.write(summary + "\n")
    sys.stderr.flush()
    return 2
