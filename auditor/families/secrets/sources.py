"""What the secret scanner reads: files git knows, the index, or a directory walk.

Collectors only: they list and read, they never judge. Anything not read is a
:class:`SkippedFile` with a reason that the report counts.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from auditor.core.errors import AuditorError

DEFAULT_MAX_BYTES = 2 * 1024 * 1024
"""Files larger than this (2 MiB) are skipped with a reason."""
BINARY_SNIFF = 8192


class SourceError(AuditorError):
    """The files to scan could not be listed (bad path, git failed)."""


@dataclass(frozen=True)
class SkippedFile:
    """A file that was not scanned, and why."""

    path: str
    reason: str
    """Short, countable reason: ``binary``, ``larger than 2097152 bytes``, ``not UTF-8``..."""


@dataclass(frozen=True)
class Target:
    """A file to scan: a path on disk, or a blob of the git index."""

    path: str
    """Relative to the scanned root, forward slashes."""
    size: int
    blob: str | None = None
    """Git blob id when the content comes from the index (``--staged``)."""


GIT_ENV = {"GIT_NO_LAZY_FETCH": "1"}
"""The scanner reads what the clone holds: a partial clone never fetches a missing blob."""


def git_env() -> dict[str, str]:
    """The environment of every git command the scanner runs."""
    return {**os.environ, **GIT_ENV}


def run_git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    """Run git in ``root``; raise :class:`SourceError` with git's message on failure."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            check=False,
            timeout=600,
            env=git_env(),
            input=stdin,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SourceError(f"git {args[0]} failed: {exc}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SourceError(f"git {args[0]} failed: {message[-1] if message else done.returncode}")
    return done.stdout


def git_root(path: Path) -> Path | None:
    """The top of the git work tree containing ``path``, or None outside one.

    Raises :class:`SourceError` when ``path`` is in a repository (a ``.git`` at or
    above it) but git cannot run: a directory walk would leave the history unscanned.
    """
    try:
        done = subprocess.run(
            ["git", "-C", str(path), "rev-parse", "--show-toplevel"],
            capture_output=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        resolved = path.resolve()
        if any((d / ".git").exists() for d in (resolved, *resolved.parents)):
            reason = "not found on PATH" if isinstance(exc, FileNotFoundError) else str(exc)
            raise SourceError(f"git is needed to scan this repository: {reason}") from None
        return None
    if done.returncode != 0:
        return None
    return Path(done.stdout.decode().strip()).resolve()


def git_dir(root: Path) -> Path:
    """The ``.git`` directory of the repository at ``root``."""
    out = run_git(root, "rev-parse", "--absolute-git-dir").decode().strip()
    return Path(out)


def is_excluded(path: str, patterns: Sequence[str]) -> bool:
    """True when ``path`` or one of its parent directories matches a glob."""
    if not patterns:
        return False
    parts = path.split("/")
    candidates = [path, *("/".join(parts[: i + 1]) for i in range(len(parts) - 1)), parts[-1]]
    return any(fnmatch.fnmatchcase(c, p) for p in patterns for c in candidates)


def _relative_args(root: Path, paths: Sequence[Path]) -> list[str]:
    out = []
    for path in paths:
        absolute = path.resolve()
        try:
            out.append(absolute.relative_to(root).as_posix() or ".")
        except ValueError:
            raise SourceError(f"{path} is outside the scanned root {root}") from None
    return out


def list_worktree(
    root: Path, paths: Sequence[Path], excludes: Sequence[str], in_git: bool
) -> tuple[list[str], list[SkippedFile]]:
    """Relative paths to scan: git-tracked plus untracked-not-ignored, else a walk."""
    skipped: list[SkippedFile] = []
    names: list[str] = []
    specs = _relative_args(root, paths)
    if in_git:
        out = run_git(
            root,
            "-c",
            "core.quotePath=false",
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
            "--",
            *specs,
        )
        seen: set[str] = set()
        for raw in out.split(b"\0"):
            if not raw:
                continue
            name = os.fsdecode(raw)
            if name in seen or name == ".git" or name.startswith(".git/"):
                continue
            seen.add(name)
            names.append(name)
    else:
        for spec in specs or ["."]:
            start = root / spec
            if start.is_file() or start.is_symlink():
                names.append(spec)
                continue
            for directory, dirs, files in os.walk(start):
                dirs[:] = sorted(d for d in dirs if d != ".git")
                rel_dir = Path(directory).relative_to(root).as_posix()
                prefix = "" if rel_dir == "." else rel_dir + "/"
                dirs[:] = [d for d in dirs if not is_excluded(prefix + d, excludes)]
                names.extend(prefix + f for f in sorted(files))
    kept = []
    for name in names:
        if is_excluded(name, excludes):
            continue
        kept.append(name)
    return kept, skipped


def read_worktree_file(root: Path, name: str, max_bytes: int) -> tuple[bytes | None, str | None]:
    """The bytes of ``root/name``, or None and a skip reason."""
    path = root / name
    try:
        info = path.lstat()
    except OSError:
        return None, "missing"
    if os.path.islink(path):
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return None, "broken symlink"
        try:
            target.relative_to(root)
        except ValueError:
            return None, "symlink out of the repository"
        info = target.stat()
        path = target
    import stat

    if not stat.S_ISREG(info.st_mode):
        return None, "not a regular file"
    if info.st_size > max_bytes:
        return None, f"larger than {max_bytes} bytes"
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, f"unreadable ({exc.strerror or type(exc).__name__})"
    if len(data) > max_bytes:
        return None, f"larger than {max_bytes} bytes"
    return data, None


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")


def decode(data: bytes) -> tuple[str | None, str | None]:
    """The text of ``data`` to scan (the skip reason is always None now).

    A file with a stray non-UTF-8 byte or a NUL is still scanned: bytes that do not
    decode and control characters become spaces (line numbers kept), so a token in
    the text parts of such a file is found instead of the file being skipped.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("utf-8", "replace")
    if b"\0" in data or "\ufffd" in text:
        text = _CONTROL.sub(" ", text)
    return text, None


def blob_id(data: bytes) -> str:
    """The git blob id of ``data`` (what ``git hash-object`` prints)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def list_staged(root: Path, excludes: Sequence[str]) -> tuple[list[Target], list[SkippedFile]]:
    """Files added, copied or modified in the index, as index blobs."""
    names = [
        os.fsdecode(raw)
        for raw in run_git(
            root, "diff", "--cached", "--name-only", "-z", "--diff-filter=ACMRT", "--no-renames"
        ).split(b"\0")
        if raw
    ]
    names = [n for n in names if not is_excluded(n, excludes)]
    if not names:
        return [], []
    targets: list[Target] = []
    skipped: list[SkippedFile] = []
    out = run_git(root, "ls-files", "-s", "-z", "--", *names)
    blobs: dict[str, tuple[str, str]] = {}
    for entry in out.split(b"\0"):
        if not entry:
            continue
        meta, _, raw_name = entry.partition(b"\t")
        mode, blob, _stage = meta.decode().split()
        blobs[os.fsdecode(raw_name)] = (mode, blob)
    sizes = _blob_sizes(root, [b for _, b in blobs.values()])
    for name in names:
        if name not in blobs:
            continue
        mode, blob = blobs[name]
        if mode == "120000":
            skipped.append(SkippedFile(name, "symlink"))
        elif mode == "160000":
            skipped.append(SkippedFile(name, "submodule"))
        else:
            targets.append(Target(name, sizes.get(blob, 0), blob))
    return targets, skipped


def _blob_sizes(root: Path, blobs: Iterable[str]) -> dict[str, int]:
    ids = list(dict.fromkeys(blobs))
    if not ids:
        return {}
    done = subprocess.run(
        ["git", "-C", str(root), "cat-file", "--batch-check"],
        input=("\n".join(ids) + "\n").encode(),
        capture_output=True,
        check=False,
        env=git_env(),
    )
    sizes = {}
    for line in done.stdout.decode().splitlines():
        parts = line.split()
        if len(parts) == 3:
            sizes[parts[0]] = int(parts[2])
    return sizes


def read_blobs(root: Path, blobs: Sequence[str]) -> dict[str, bytes]:
    """The content of several blobs in one ``git cat-file --batch``."""
    ids = list(dict.fromkeys(blobs))
    if not ids:
        return {}
    done = subprocess.run(
        ["git", "-C", str(root), "cat-file", "--batch"],
        input=("\n".join(ids) + "\n").encode(),
        capture_output=True,
        check=False,
        env=git_env(),
    )
    if done.returncode != 0:
        raise SourceError("git cat-file failed")
    data = done.stdout
    out: dict[str, bytes] = {}
    pos = 0
    while pos < len(data):
        end = data.index(b"\n", pos)
        header = data[pos:end].split()
        pos = end + 1
        if len(header) != 3:
            continue
        size = int(header[2])
        out[header[0].decode()] = data[pos : pos + size]
        pos += size + 1
    return out
