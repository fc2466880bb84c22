"""The git pre-push hook: install, uninstall, and turn git's stdin into push ranges.

git runs ``.git/hooks/pre-push <remote name> <remote url>`` and writes one line per
pushed ref on its stdin: ``<local ref> <local sha> <remote ref> <remote sha>``, with
an all-zero sha for a ref the remote does not have yet (new branch) or a ref being
deleted (local side). Each pushed ref becomes a :class:`PushRange` whose ``base`` is
what the remote already has, so families check only what the push adds.
"""

from __future__ import annotations

import os
import shlex
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from auditor.core.errors import AuditorError

MARKER = "# installed by `auditor hook install`"
"""First comment of a hook we wrote; a hook without it is foreign and never overwritten."""
BACKUP_SUFFIX = ".auditor-backup"


class HookError(AuditorError):
    """The hook cannot be installed, removed or run; the message is one line."""


@dataclass(frozen=True)
class PushRange:
    """One pushed ref: check the commits in ``base..local_sha``."""

    local_ref: str
    local_sha: str
    remote_ref: str
    base: str
    """The remote's tip, or the parent of the first new commit, or the empty tree."""


def _git(args: list[str], cwd: Path) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise HookError(f"cannot run git: {exc.strerror}") from None
    if done.returncode != 0:
        message = " ".join(done.stderr.split()) or f"exit {done.returncode}"
        raise HookError(f"git {' '.join(args)}: {message}")
    return done.stdout.strip()


def hooks_dir(cwd: Path) -> Path:
    """The repository's hooks directory (honours ``core.hooksPath`` and worktrees)."""
    path = Path(_git(["rev-parse", "--git-path", "hooks"], cwd))
    return path if path.is_absolute() else (cwd / path).resolve()


def hook_script(python: str | None = None) -> str:
    """The pre-push script: the lean ``auditor.hook.prepush`` entry with this interpreter, else
    ``auditor hook run`` from PATH."""
    interpreter = python or sys.executable
    return f"""#!/bin/sh
{MARKER}; remove it with `auditor hook uninstall`.
# Runs the fast pre-push profile (no database, no network) on what the push adds;
# a non-zero exit blocks the push. Bypass once with `git push --no-verify`.
AUDITOR_PYTHON={shlex.quote(interpreter)}
if [ -x "$AUDITOR_PYTHON" ]; then
  exec "$AUDITOR_PYTHON" -m auditor.hook.prepush "$@"
fi
exec auditor hook run "$@"
"""


def is_ours(path: Path) -> bool:
    """True when ``path`` is a hook written by :func:`install`."""
    try:
        return MARKER in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def install(cwd: Path, force: bool = False, python: str | None = None) -> tuple[Path, Path | None]:
    """Write the pre-push hook; return (hook path, backup of a foreign hook or None).

    A foreign hook is never overwritten without ``force``; with it, the foreign hook is
    moved to ``pre-push.auditor-backup`` and :func:`uninstall` puts it back.
    """
    directory = hooks_dir(cwd)
    hook = directory / "pre-push"
    backup: Path | None = None
    if hook.exists() and not is_ours(hook):
        if not force:
            raise HookError(
                f"{hook} exists and was not written by auditor; "
                "use --force to replace it (it is kept as pre-push.auditor-backup)"
            )
        backup = hook.with_name(hook.name + BACKUP_SUFFIX)
        if backup.exists():
            raise HookError(f"{backup} already exists; move it away first")
        os.replace(hook, backup)
    directory.mkdir(parents=True, exist_ok=True)
    tmp = hook.with_name(".pre-push.auditor.tmp")
    tmp.write_text(hook_script(python), encoding="utf-8")
    tmp.chmod(tmp.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    os.replace(tmp, hook)
    return hook, backup


def uninstall(cwd: Path) -> tuple[Path, bool]:
    """Remove our hook and restore a backed-up foreign one; return (hook, restored)."""
    hook = hooks_dir(cwd) / "pre-push"
    if not hook.exists():
        raise HookError(f"{hook} does not exist: nothing to uninstall")
    if not is_ours(hook):
        raise HookError(f"{hook} was not written by auditor; leaving it alone")
    hook.unlink()
    backup = hook.with_name(hook.name + BACKUP_SUFFIX)
    if backup.exists():
        os.replace(backup, hook)
        return hook, True
    return hook, False


def _is_zero(sha: str) -> bool:
    return set(sha) == {"0"}


def _exists(sha: str, cwd: Path) -> bool:
    try:
        _git(["cat-file", "-e", f"{sha}^{{commit}}"], cwd)
    except HookError:
        return False
    return True


def empty_tree(cwd: Path) -> str:
    """The id of the empty tree in this repository's hash format."""
    return _git(["hash-object", "-t", "tree", "/dev/null"], cwd)


def parse_push_lines(text: str) -> list[tuple[str, str, str, str]]:
    """git's pre-push stdin as (local ref, local sha, remote ref, remote sha) tuples."""
    refs: list[tuple[str, str, str, str]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 4:
            raise HookError(
                f"pre-push input line {number} is not '<local ref> <local sha> "
                f"<remote ref> <remote sha>': {line[:200]!r}"
            )
        refs.append((parts[0], parts[1], parts[2], parts[3]))
    return refs


def push_ranges(text: str, cwd: Path, remote: str | None = None) -> list[PushRange]:
    """The ranges to check for git's pre-push input (deleted refs are skipped)."""
    ranges: list[PushRange] = []
    for local_ref, local_sha, remote_ref, remote_sha in parse_push_lines(text):
        if _is_zero(local_sha):
            continue  # deleting a remote ref adds nothing
        if not _is_zero(remote_sha) and _exists(remote_sha, cwd):
            base = remote_sha
        else:
            # new ref (or the remote moved): what no remote-tracking ref has yet
            named = remote and not any(c in remote for c in "/:\\*?[")
            exclude = [f"--remotes={remote}"] if named else ["--remotes"]
            new = _git(["rev-list", "--reverse", local_sha, "--not", *exclude], cwd).split()
            if not new:
                continue  # everything is already on the remote
            parents = _git(["rev-list", "--parents", "-n", "1", new[0]], cwd).split()[1:]
            base = parents[0] if parents else empty_tree(cwd)
        ranges.append(PushRange(local_ref, local_sha, remote_ref, base))
    return ranges


def range_from_refs(cwd: Path, from_ref: str, to_ref: str) -> PushRange:
    """A range from pre-commit's ``PRE_COMMIT_FROM_REF``/``PRE_COMMIT_TO_REF``."""
    to_sha = _git(["rev-parse", "--verify", f"{to_ref}^{{commit}}"], cwd)
    if not from_ref or _is_zero(from_ref):
        return PushRange(to_ref, to_sha, to_ref, empty_tree(cwd))
    from_sha = _git(["rev-parse", "--verify", f"{from_ref}^{{commit}}"], cwd)
    return PushRange(to_ref, to_sha, to_ref, from_sha)


def head_commit(cwd: Path) -> str | None:
    """The checked-out commit, or None (unborn branch)."""
    try:
        return _git(["rev-parse", "--verify", "-q", "HEAD"], cwd)
    except HookError:
        return None


def toplevel(cwd: Path) -> Path:
    """The work tree's root."""
    return Path(_git(["rev-parse", "--show-toplevel"], cwd))
