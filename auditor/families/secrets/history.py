"""Lines added in a range of commits (``--since REF``): what a push would publish; or in
every commit reachable from HEAD (``--history``): what the repository has ever held.

Every commit is read on its own, so a secret added in one commit and removed in a later
one is still found, with the commit id.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from auditor.families.secrets.sources import SkippedFile, SourceError, is_excluded, run_git

_HUNK = re.compile(rb"^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_MARK = b"\x00auditor-commit "
MISSING_REASON = "blob not in this partial clone"
"""Skip reason of a change whose content a ``--filter`` clone does not hold (never fetched)."""
_LOG_ARGS = (
    "--no-color",
    "--no-ext-diff",
    "--no-renames",
    "--diff-merges=first-parent",
    "--relative",  # run in a subdirectory: only its files, named relative to it
)


@dataclass
class AddedLines:
    """The lines one commit added to one file, with their line numbers in that commit."""

    commit: str
    path: str
    numbers: list[int] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    size: int = 0


def _unquote(raw: bytes) -> str:
    text = raw.decode("utf-8", "surrogateescape")
    if text.startswith('"') and text.endswith('"'):
        # git's C-style quoting: octal escapes of UTF-8 bytes, \t, \", \\
        try:
            return (
                text[1:-1]
                .encode("latin-1", "backslashreplace")
                .decode("unicode_escape")
                .encode("latin-1")
                .decode("utf-8", "replace")
            )
        except UnicodeError:
            return text[1:-1]
    return text


def _revisions(root: Path, since: str | None) -> str | None:
    """``since..HEAD``, or ``HEAD`` for the whole history (None when there is no commit)."""
    if since is not None:
        try:
            run_git(root, "rev-parse", "--verify", "--quiet", f"{since}^{{commit}}")
            return f"{since}..HEAD"
        except SourceError:
            try:  # the empty tree (the first push of a new repository): everything is new
                run_git(root, "rev-parse", "--verify", "--quiet", f"{since}^{{tree}}")
            except SourceError:
                raise SourceError(f"{since!r} is not a commit of this repository") from None
    try:
        run_git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    except SourceError:
        return None  # a repository without commits has no history
    if run_git(root, "rev-parse", "--is-shallow-repository").strip() == b"true":
        raise SourceError(
            "the git history is incomplete (a shallow clone): fetch all of it "
            "(git fetch --unshallow; actions/checkout: fetch-depth: 0), or set "
            "history = false in [tool.auditor.secrets]"
        )
    return "HEAD"


def commits_in(root: Path, since: str | None) -> list[str]:
    """The commits of ``since..HEAD`` (None: every commit reachable from HEAD), oldest first."""
    revisions = _revisions(root, since)
    if revisions is None:
        return []
    out = run_git(root, "rev-list", "--reverse", revisions, "--")
    return out.decode().split()


def added_lines(
    root: Path, since: str | None, excludes: Sequence[str], max_bytes: int
) -> tuple[list[AddedLines], list[SkippedFile]]:
    """Every line added by each commit of ``since..HEAD`` (None: of the whole history;
    a merge: the lines its first parent did not have, so an edit made while merging is
    read too; the lines its other parents brought are deduplicated to their commits)."""
    revisions = _revisions(root, since)
    if revisions is None:
        return [], []
    unreadable = unreadable_changes(root, revisions)
    readable: list[str] = []
    if unreadable:  # a partial clone: read the commits it holds whole, name the others
        readable = [c for c in commits_in(root, since) if c not in unreadable]
        order = ["--no-walk=unsorted", "--stdin"]
        stdin: bytes | None = ("\n".join(readable) + "\n").encode()
    else:
        order, stdin = ["--reverse", revisions], None
    out = b""
    if stdin is None or readable:
        out = run_git(
            root,
            "-c",
            "core.quotePath=false",
            "log",
            *_LOG_ARGS,
            "--diff-filter=AM",
            "-p",
            "-U0",
            "--format=%x00auditor-commit %H",
            *order,
            "--",
            stdin=stdin,
        )
    items: list[AddedLines] = []
    skipped = [
        SkippedFile(f"{commit[:12]}:{path}", MISSING_REASON)
        for commit, paths in unreadable.items()
        for path in paths
        if not is_excluded(path, excludes)
    ]
    for item, reason in _parse(out.split(b"\n")):
        if is_excluded(item.path, excludes):
            continue
        if reason is not None:
            skipped.append(SkippedFile(f"{item.commit[:12]}:{item.path}", reason))
        elif item.size > max_bytes:
            skipped.append(
                SkippedFile(f"{item.commit[:12]}:{item.path}", f"larger than {max_bytes} bytes")
            )
        elif item.lines:
            items.append(item)
    return items, skipped


def is_partial_clone(root: Path) -> bool:
    """True in a ``--filter`` (blobless, treeless) clone: objects may be missing."""
    try:
        run_git(
            root, "config", "--get-regexp", r"^(extensions\.partialclone|remote\..*\.promisor)$"
        )
    except SourceError:  # git config exits 1 when nothing matches
        return False
    return True


def unreadable_changes(root: Path, revisions: str) -> dict[str, list[str]]:
    """Commit -> the paths it added or modified, for each commit whose diff needs a
    blob this clone does not hold (empty outside a partial clone). git cannot diff such
    a commit without fetching, even for a deleted file, so none of its paths is read.
    Nothing is fetched: ``--missing=print`` and ``--raw`` read no blob."""
    if not is_partial_clone(root):
        return {}
    listed = run_git(root, "rev-list", "--objects", "--missing=print", revisions, "--")
    missing = {line[1:] for line in listed.decode().split("\n") if line.startswith("?")}
    if not missing:
        return {}
    raw = run_git(
        root, "-c", "core.quotePath=false", "log", *_LOG_ARGS, "--raw", "--no-abbrev",
        "--format=%x00auditor-commit %H", revisions, "--",
    )  # fmt: skip
    changes: dict[str, list[tuple[str, bool]]] = {}
    broken: set[str] = set()
    commit = ""
    for line in raw.split(b"\n"):
        if line.startswith(_MARK):
            commit = line[len(_MARK) :].decode().strip()
        elif line.startswith(b":"):
            meta, _, path = line.partition(b"\t")
            fields = meta.decode().split()
            if len(fields) < 5:
                continue
            if fields[2] in missing or fields[3] in missing:
                broken.add(commit)
            changes.setdefault(commit, []).append((_unquote(path), fields[4][0] in "AM"))
    return {c: [path for path, read in changes[c] if read] for c in broken}


def _parse(lines: list[bytes]) -> Iterator[tuple[AddedLines, str | None]]:
    commit = ""
    current: AddedLines | None = None
    reason: str | None = None
    index = 0
    total = len(lines)
    while index < total:
        raw = lines[index]
        index += 1
        if raw.startswith(_MARK):
            if current is not None:
                yield current, reason
            current, reason = None, None
            commit = raw[len(_MARK) :].decode().strip()
        elif raw.startswith(b"diff --git "):
            if current is not None:
                yield current, reason
            current, reason = None, None
        elif raw.startswith(b"+++ ") and current is None:
            target = raw[4:]
            if target == b"/dev/null":
                continue
            name = _unquote(target)
            current = AddedLines(commit, name[2:] if name.startswith("b/") else name)
        elif raw.startswith(b"Binary files "):
            path = _unquote(raw.rsplit(b" and ", 1)[-1].removesuffix(b" differ"))
            yield AddedLines(commit, path[2:] if path.startswith("b/") else path), "binary"
            current, reason = None, None
        elif current is not None and raw.startswith(b"@@"):
            match = _HUNK.match(raw)
            if match is None:
                continue
            removed = int(match.group(1)) if match.group(1) is not None else 1
            start = int(match.group(2))
            added = int(match.group(3)) if match.group(3) is not None else 1
            index += removed
            while index < total and lines[index].startswith(b"\\"):
                index += 1
            for offset in range(added):
                if index >= total:
                    break
                body = lines[index][1:]
                index += 1
                current.size += len(body) + 1
                if reason is None:
                    if b"\0" in body:
                        reason = "binary"
                    else:
                        try:
                            current.lines.append(body.decode("utf-8") + "\n")
                            current.numbers.append(start + offset)
                        except UnicodeDecodeError:
                            reason = "not UTF-8"
            while index < total and lines[index].startswith(b"\\"):
                index += 1
    if current is not None:
        yield current, reason
