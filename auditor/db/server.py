"""The lifecycle of a throwaway PostgreSQL server: template, start, stop, clean up.

- ``initdb`` runs once per bundle into a cache template; each run copies it
  (a fresh cluster in a fraction of a second) into a private temporary directory.
- The server listens on a Unix socket in that directory only (mode 0700, no TCP).
  The directory is in ``/dev/shm`` when it has room (creating the cluster's thousand
  files there takes a tenth of the time it takes on disk), else in the temp directory.
- PostgreSQL refuses to run as root: as root, ``initdb`` and ``postgres`` run as an
  unprivileged OS user (``AUDITOR_PG_USER``, else ``postgres`` when it exists, else
  ``nobody``), which owns the cluster's files; root still connects through the socket.
- The server stops and its directory is removed on exit, on an exception, on SIGINT
  and on SIGTERM; on Linux the kernel also stops it if the tool itself is killed
  (``PR_SET_PDEATHSIG``), and a later run removes directories left by a killed one.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from auditor.core.errors import AuditorError
from auditor.db.bundle import Bundle

RUN_PREFIX = "auditor-pg-"
"""Prefix of the per-run temporary directories (socket, data, log)."""
OWNER_FILE = "owner.pid"
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0
SERVER_SETTINGS = {
    "listen_addresses": "",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "100",
    "shared_buffers": "32MB",
    "log_min_messages": "warning",
}
"""A disposable cluster: no TCP, no durability (nothing in it outlives the run)."""


class ServerError(AuditorError):
    """The server could not be prepared or started; the message is one line."""


@dataclass(frozen=True)
class RunAs:
    """The OS user PostgreSQL runs as (None fields: the current user)."""

    name: str
    uid: int | None = None
    gid: int | None = None

    def popen_args(self) -> dict[str, object]:
        """Keyword arguments for :mod:`subprocess` that switch to this user."""
        if self.uid is None:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}

    def own(self, path: Path) -> None:
        """Give ``path`` and everything below it to this user (no-op for the current user)."""
        if self.uid is None or self.gid is None:
            return
        os.chown(path, self.uid, self.gid)
        for top, dirs, files in os.walk(path):
            for entry in (*dirs, *files):
                os.chown(os.path.join(top, entry), self.uid, self.gid, follow_symlinks=False)


def service_user() -> RunAs:
    """The current user, or an unprivileged one when running as root."""
    if os.geteuid() != 0:
        return RunAs(pwd.getpwuid(os.geteuid()).pw_name)
    wanted = os.environ.get("AUDITOR_PG_USER")
    for name in [wanted] if wanted else ["postgres", "nobody"]:
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        if entry.pw_uid == 0:
            break
        return RunAs(name, entry.pw_uid, entry.pw_gid)
    raise ServerError(
        f"running as root and no unprivileged user {wanted or 'postgres or nobody'} exists "
        "(PostgreSQL refuses root): set AUDITOR_PG_USER to one"
    )


def cache_dir() -> Path:
    """Where templates live: ``AUDITOR_CACHE_DIR``, else the user's cache directory.

    As root the default is ``/var/cache/auditor``: root's home is usually closed to
    the unprivileged user that runs the server.
    """
    configured = os.environ.get("AUDITOR_CACHE_DIR")
    if configured:
        return Path(configured)
    if os.geteuid() == 0:
        return Path("/var/cache/auditor")
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "auditor"


def _run(args: list[str], user: RunAs, what: str) -> None:
    done = subprocess.run(args, capture_output=True, text=True, **user.popen_args())  # type: ignore[call-overload]
    if done.returncode != 0:
        detail = " ".join((done.stderr or done.stdout).split())[-400:]
        raise ServerError(f"{what} failed (exit {done.returncode}): {detail}")


def _usable_bundle(bundle: Bundle, user: RunAs, cache: Path) -> Bundle:
    """``bundle``, or a copy in the cache when ``user`` cannot run it where it is installed."""
    if user.uid is None:
        return bundle
    try:
        probe = subprocess.run(
            [str(bundle.tool("postgres")), "-V"],
            capture_output=True,
            **user.popen_args(),  # type: ignore[call-overload]
        )
        if probe.returncode == 0:
            return bundle
    except PermissionError:  # a directory on the way is closed to the user
        pass
    # the package directory and an auditwheel ``<package>.libs`` beside it: binaries
    # find their libraries by relative paths
    package = bundle.root.parent
    copy = cache / f"bundle-{_key(bundle)}"
    if not copy.is_dir():
        staging = Path(tempfile.mkdtemp(prefix=".bundle-", dir=cache))
        for part in (package, package.with_name(f"{package.name}.libs")):
            if part.is_dir():
                shutil.copytree(part, staging / "b" / part.name, symlinks=True)
        os.chmod(staging, 0o755)
        os.chmod(staging / "b", 0o755)
        with contextlib.suppress(OSError):  # another run made it first
            os.rename(staging / "b", copy)
        shutil.rmtree(staging, ignore_errors=True)
    return Bundle(bundle.name, copy / package.name / bundle.root.name)


def _key(bundle: Bundle) -> str:
    digest = hashlib.sha256(str(bundle.root).encode()).hexdigest()[:10]
    return f"{bundle.name}-{bundle.version}-{digest}"


def template(bundle: Bundle, user: RunAs) -> tuple[Bundle, Path]:
    """The runnable bundle and its initdb'd template cluster, made once and cached."""
    cache = cache_dir() / "pg"
    cache.mkdir(parents=True, exist_ok=True)
    if user.uid is not None:
        os.chmod(cache, 0o755)
    bundle = _usable_bundle(bundle, user, cache)
    ready = cache / f"template-{_key(bundle)}-{user.name}"
    if (ready / "PG_VERSION").is_file():
        return bundle, ready
    staging = Path(tempfile.mkdtemp(prefix=".template-", dir=cache))
    try:
        os.chmod(staging, 0o755)
        data = staging / "data"
        data.mkdir(mode=0o700)
        user.own(data)
        _run(
            [
                str(bundle.tool("initdb")),
                *("-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8"),
                *("--locale=C", "--no-sync", "--no-instructions", "--wal-segsize=1"),
            ],
            user,
            f"initdb of the embedded PostgreSQL {bundle.version}",
        )
        with contextlib.suppress(OSError):  # another run made it first: use theirs
            os.rename(data, ready)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return bundle, ready


SHM = Path("/dev/shm")
SHM_MIN_FREE = 2 << 30
"""Use ``/dev/shm`` for run directories only with at least this much room (bytes)."""


def run_bases() -> list[Path]:
    """Where run directories may be: ``AUDITOR_PG_TMPDIR``, else ``/dev/shm`` and the temp dir."""
    configured = os.environ.get("AUDITOR_PG_TMPDIR")
    if configured:
        return [Path(configured)]
    return [SHM, Path(tempfile.gettempdir())] if SHM.is_dir() else [Path(tempfile.gettempdir())]


def run_base() -> Path:
    """The place for a new run directory: the first of :func:`run_bases` with room."""
    bases = run_bases()
    for base in bases[:-1]:
        with contextlib.suppress(OSError):
            stat = os.statvfs(base)
            if stat.f_bavail * stat.f_frsize >= SHM_MIN_FREE and os.access(base, os.W_OK):
                return base
    return bases[-1]


def sweep_orphans() -> None:
    """Remove run directories whose owning process is gone (the tool was killed)."""
    for path in (p for base in run_bases() for p in base.glob(f"{RUN_PREFIX}*")):
        try:
            pid = int((path / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue
        if not _alive(pid):
            _stop_pidfile(path / "data")
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stop_pidfile(data: Path) -> None:
    """Stop a postmaster left in ``data`` (immediate shutdown), if one is running."""
    try:
        pid = int((data / "postmaster.pid").read_text().split("\n", 1)[0])
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return
    if str(data).encode() in cmdline:  # that pid is still our postmaster, not a reused one
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGQUIT)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child, between fork and exec
    """Linux: the postmaster gets SIGQUIT (immediate shutdown) when the tool dies."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGQUIT)  # PR_SET_PDEATHSIG


class Server:
    """One running throwaway cluster; use as a context manager."""

    def __init__(self, bundle: Bundle) -> None:
        self.bundle = bundle
        self.user = service_user()
        self.run_dir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._previous: dict[int, object] = {}

    @property
    def socket_dir(self) -> Path:
        """The directory of the server's Unix socket (also its data and log)."""
        if self.run_dir is None:
            raise RuntimeError("embedded server is not running")
        return self.run_dir

    def start(self) -> None:
        """Copy the template and start the server; :class:`ServerError` on failure."""
        self._trap_signals()
        sweep_orphans()
        bundle, cluster = template(self.bundle, self.user)
        run = self.run_dir = Path(tempfile.mkdtemp(prefix=RUN_PREFIX, dir=run_base()))
        (run / OWNER_FILE).write_text(str(os.getpid()))
        shutil.copytree(cluster, run / "data", symlinks=True)
        self.user.own(run)
        settings = [f"-c{name}={value}" for name, value in SERVER_SETTINGS.items()]
        with open(run / "data" / "log", "ab") as log:  # where pg_ctl -l users look
            self._process = subprocess.Popen(  # type: ignore[call-overload]
                [str(bundle.tool("postgres")), "-D", str(run / "data"), "-k", str(run), *settings],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a terminal's Ctrl-C reaches the tool, which stops it
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
                **self.user.popen_args(),
            )
        self._wait_ready(run)

    def _wait_ready(self, run: Path) -> None:
        pidfile = run / "data" / "postmaster.pid"
        deadline = time.monotonic() + START_TIMEOUT_S
        assert self._process is not None
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ServerError(f"the server exited at start: {self._log_tail()}")
            with contextlib.suppress(OSError):
                lines = pidfile.read_text().splitlines()
                if len(lines) >= 8 and lines[7].strip() == "ready":
                    return
            time.sleep(0.005)
        raise ServerError(f"the server did not start within {START_TIMEOUT_S:.0f} s")

    def _log_tail(self) -> str:
        try:
            text = (self.socket_dir / "data" / "log").read_text(errors="replace")
        except OSError:
            return "no log"
        return " ".join(text.split())[-400:] or "no log"

    def stop(self) -> None:
        """Stop the server (immediate shutdown: nothing is kept) and remove its directory."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            with contextlib.suppress(OSError):
                process.send_signal(signal.SIGQUIT)
            try:
                process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.run_dir is not None:
            shutil.rmtree(self.run_dir, ignore_errors=True)
            self.run_dir = None
        self._restore_signals()

    def _trap_signals(self) -> None:
        """SIGTERM (and SIGHUP) raise SystemExit while the server runs, so it is stopped."""
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in (signal.SIGTERM, signal.SIGHUP):
            if signal.getsignal(signum) is signal.SIG_DFL:
                self._previous[signum] = signal.signal(signum, _exit_on_signal)

    def _restore_signals(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]
        self._previous.clear()


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)
