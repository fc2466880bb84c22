"""Run a secret scan: list, read, scan in parallel across cores, cache by blob id."""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from auditor import __version__
from auditor.families.secrets import engine as engine
from auditor.families.secrets.history import MISSING_REASON, AddedLines, added_lines, commits_in
from auditor.families.secrets.model import SecretHit
from auditor.families.secrets.sources import (
    DEFAULT_MAX_BYTES,
    SkippedFile,
    Target,
    blob_id,
    decode,
    git_dir,
    git_root,
    list_staged,
    list_worktree,
    read_blobs,
    read_worktree_file,
)

PARALLEL_MIN_BYTES = 1_000_000
"""Below this much input, one process is faster than starting workers."""
CACHE_NAME = "auditor-secrets-cache.json"


@dataclass(frozen=True)
class ScanOptions:
    """What to scan and how."""

    root: Path
    paths: tuple[Path, ...] = ()
    mode: str = "files"
    """``files`` (work tree), ``staged`` (the index), ``since`` (lines added by the
    commits of ``since..HEAD``) or ``history`` (lines added by every commit)."""
    since: str | None = None
    excludes: tuple[str, ...] = ()
    max_bytes: int = DEFAULT_MAX_BYTES
    baseline: dict[str, Any] | None = None
    """A loaded detect-secrets baseline whose settings the scan uses."""
    jobs: int | None = None
    """Worker processes (default: every core)."""
    use_cache: bool = True


@dataclass(frozen=True)
class ScanResult:
    """Everything a scan produced: hits without secret values, and what was skipped."""

    root: Path
    mode: str
    hits: tuple[SecretHit, ...]
    skipped: tuple[SkippedFile, ...]
    files: int
    """Files (or commit/file pairs in history mode) scanned."""
    bytes: int
    cached: int = 0
    """Files whose result came from the cache."""
    commits: int = 0
    in_git: bool = False
    settings: dict[str, Any] = field(default_factory=dict)
    """detect-secrets ``plugins_used`` / ``filters_used`` of the scan."""
    errors: tuple[str, ...] = ()
    """What could not be read and makes the scan incomplete (exit 2), e.g. history
    blobs a partial clone does not hold."""

    def skip_counts(self) -> dict[str, int]:
        """Skipped files counted by reason."""
        return dict(sorted(Counter(s.reason for s in self.skipped).items()))


# --- worker side ------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init(baseline: dict[str, Any] | None, root: str, max_bytes: int) -> None:
    engine.configure(baseline)
    _WORKER.update(root=Path(root), max_bytes=max_bytes)


def _scan_one(
    name: str, data: bytes, cache: dict[str, list[list[Any]]], digest: str
) -> tuple[list[SecretHit], str | None, str | None]:
    """Hits of one file, its skip reason, and the cache key that was computed."""
    key = f"{digest}:{name}:{blob_id(data)}" if digest else None
    if key is not None and key in cache:
        return [SecretHit(name, *row) for row in cache[key]], None, key
    text, reason = decode(data)
    if text is None:
        return [], reason, None
    excluded = engine.excluded_by_filters(name)
    if excluded is not None:
        return [], f"excluded by detect-secrets filter {excluded}", None
    try:
        return engine.dedupe(engine.scan_text(name, text)), None, key
    except engine.Unscannable as exc:
        return [], exc.reason, None


def _work_files(
    names: list[str], digest: str
) -> tuple[list[SecretHit], list[SkippedFile], int, int, dict[str, list[list[Any]]]]:
    root: Path = _WORKER["root"]
    max_bytes: int = _WORKER["max_bytes"]
    cache: dict[str, list[list[Any]]] = _WORKER.get("cache", {})
    hits: list[SecretHit] = []
    skipped: list[SkippedFile] = []
    scanned = size = 0
    fresh: dict[str, list[list[Any]]] = {}
    for name in names:
        data, reason = read_worktree_file(root, name, max_bytes)
        if data is None:
            if reason != "missing":
                skipped.append(SkippedFile(name, reason or "unreadable"))
            continue
        found, reason, key = _scan_one(name, data, cache, digest)
        if reason is not None:
            skipped.append(SkippedFile(name, reason))
            continue
        scanned += 1
        size += len(data)
        hits += found
        if key is not None:
            # every key of this run: unchanged entries are kept, stale ones dropped
            fresh[key] = [[h.line, h.type, h.hashed_secret, h.preview] for h in found]
    return hits, skipped, scanned, size, fresh


def _chunks(names: list[str], sizes: dict[str, int], count: int) -> list[list[str]]:
    """Split ``names`` into ``count`` lists of similar total size, largest first."""
    buckets: list[list[str]] = [[] for _ in range(count)]
    totals = [0] * count
    for name in sorted(names, key=lambda n: -sizes.get(n, 0)):
        smallest = totals.index(min(totals))
        buckets[smallest].append(name)
        totals[smallest] += sizes.get(name, 0) + 512
    return [b for b in buckets if b]


# --- driver -----------------------------------------------------------------------


def _settings_digest(settings: dict[str, Any]) -> str:
    blob = json.dumps([__version__, settings], sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _load_cache(path: Path | None) -> dict[str, list[list[Any]]]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save_cache(path: Path, entries: dict[str, list[list[Any]]], digest: str) -> None:
    kept = {k: v for k, v in entries.items() if k.startswith(digest + ":")}
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(kept, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)


def scan(options: ScanOptions) -> ScanResult:
    """Run the scan described by ``options``; raise ``SourceError`` if git fails."""
    root = options.root.resolve()
    top = git_root(root)
    in_git = top is not None
    if options.mode in ("staged", "since", "history") and top is None:
        from auditor.families.secrets.sources import SourceError

        raise SourceError(f"--{options.mode} needs a git repository ({root} is not in one)")
    if top is not None and options.mode in ("staged", "since"):
        root = top  # what a commit or a push holds: the whole repository
    # --history reads the project's own history (its files, relative to it), as the work
    # tree, the excludes and the baseline do: a project may be a subdirectory
    engine.configure(options.baseline)
    settings = engine.settings_json()
    digest = _settings_digest(settings)
    if options.mode in ("since", "history"):
        return _scan_history(options, root, settings)
    if options.mode == "staged":
        return _scan_staged(options, root, settings)
    cache_path = git_dir(top) / CACHE_NAME if (top is not None and options.use_cache) else None
    cache = _load_cache(cache_path)
    names, skipped = list_worktree(root, options.paths, options.excludes, in_git=in_git)
    sizes: dict[str, int] = {}
    for name in names:
        try:
            sizes[name] = (root / name).lstat().st_size
        except OSError:
            sizes[name] = 0
    jobs = options.jobs or os.cpu_count() or 1
    if cache_path is None:
        digest = ""
    _WORKER["cache"] = cache  # inherited by forked workers, never pickled per task
    total = sum(sizes.values())
    hits: list[SecretHit] = []
    scanned = size = cached = 0
    fresh: dict[str, list[list[Any]]] = {}
    if jobs <= 1 or total < PARALLEL_MIN_BYTES or len(names) < 2:
        _init(options.baseline, str(root), options.max_bytes)
        parts = [_work_files(names, digest)]
    else:
        with ProcessPoolExecutor(
            max_workers=jobs,
            initializer=_init,
            initargs=(options.baseline, str(root), options.max_bytes),
        ) as pool:
            futures = [
                pool.submit(_work_files, chunk, digest) for chunk in _chunks(names, sizes, jobs * 4)
            ]
            parts = [f.result() for f in futures]
        engine.configure(options.baseline)
    for part_hits, part_skipped, part_files, part_bytes, part_fresh in parts:
        hits += part_hits
        skipped += part_skipped
        scanned += part_files
        size += part_bytes
        fresh.update(part_fresh)
    cached = sum(1 for key in fresh if key in cache) if cache_path is not None else 0
    if cache_path is not None and set(fresh) != set(cache):
        _save_cache(cache_path, fresh, digest)
    return ScanResult(
        root=root,
        mode="files",
        hits=tuple(sorted(hits)),
        skipped=tuple(sorted(skipped, key=lambda s: s.path)),
        files=scanned,
        bytes=size,
        cached=max(cached, 0),
        in_git=in_git,
        settings=settings,
    )


def _scan_staged(options: ScanOptions, root: Path, settings: dict[str, Any]) -> ScanResult:
    targets, skipped = list_staged(root, options.excludes)
    small: list[Target] = []
    for target in targets:
        if target.size > options.max_bytes:
            skipped.append(SkippedFile(target.path, f"larger than {options.max_bytes} bytes"))
        else:
            small.append(target)
    contents = read_blobs(root, [t.blob for t in small if t.blob])
    hits: list[SecretHit] = []
    scanned = size = 0
    for target in small:
        data = contents.get(target.blob or "", b"")
        text, reason = decode(data)
        if text is None:
            skipped.append(SkippedFile(target.path, reason or "unreadable"))
            continue
        excluded = engine.excluded_by_filters(target.path)
        if excluded is not None:
            skipped.append(
                SkippedFile(target.path, f"excluded by detect-secrets filter {excluded}")
            )
            continue
        try:
            hits += engine.dedupe(engine.scan_text(target.path, text))
        except engine.Unscannable as exc:
            skipped.append(SkippedFile(target.path, exc.reason))
            continue
        scanned += 1
        size += len(data)
    return ScanResult(
        root=root,
        mode="staged",
        hits=tuple(sorted(hits)),
        skipped=tuple(skipped),
        files=scanned,
        bytes=size,
        in_git=True,
        settings=settings,
    )


def _scan_history(options: ScanOptions, root: Path, settings: dict[str, Any]) -> ScanResult:
    assert options.since is not None or options.mode == "history"
    items, skipped = added_lines(root, options.since, options.excludes, options.max_bytes)
    commits = commits_in(root, options.since)
    hits: list[SecretHit] = []
    size = 0
    scanned: list[AddedLines] = []
    for item in items:
        excluded = engine.excluded_by_filters(item.path)
        if excluded is not None:
            skipped.append(
                SkippedFile(
                    f"{item.commit[:12]}:{item.path}",
                    f"excluded by detect-secrets filter {excluded}",
                )
            )
            continue
        try:
            hits += engine.scan_lines(item.path, item.lines, item.numbers, commit=item.commit)
        except engine.Unscannable as exc:
            skipped.append(SkippedFile(f"{item.commit[:12]}:{item.path}", exc.reason))
            continue
        size += item.size
        scanned.append(item)
    order = {c: i for i, c in enumerate(commits)}
    hits.sort(key=lambda h: (order.get(h.commit or "", 0), h.file, h.line, h.type))
    missing = [s.path for s in skipped if s.reason == MISSING_REASON]
    errors: tuple[str, ...] = ()
    if missing:
        commits_missing = len({path.split(":", 1)[0] for path in missing})
        errors = (
            f"git history incomplete: {len(missing)} change(s) in {commits_missing} commit(s) "
            f"not scanned, their blobs are not in this partial clone (first: {missing[0]}); "
            "nothing was fetched: scan a full clone (git fetch --refetch, or clone without "
            "--filter), or set history = false in [tool.auditor.secrets]",
        )
    return ScanResult(
        root=root,
        mode=options.mode,
        hits=tuple(_dedupe_history(hits)),
        skipped=tuple(skipped),
        files=len(scanned),
        bytes=size,
        commits=len(commits),
        in_git=True,
        settings=settings,
        errors=errors,
    )


def with_history(tree: ScanResult, history: ScanResult) -> ScanResult:
    """The work-tree scan plus the secrets that are only in git history (removed from
    the tree, still in every clone): each once, where it is now when it still is."""
    present = {(h.file, h.type, h.hashed_secret) for h in tree.hits}
    gone = [h for h in history.hits if (h.file, h.type, h.hashed_secret) not in present]
    return replace(
        tree,
        mode="files+history",
        hits=tuple([*tree.hits, *gone]),
        skipped=(*tree.skipped, *history.skipped),
        bytes=tree.bytes + history.bytes,
        commits=history.commits,
        errors=(*tree.errors, *history.errors),
    )


def _dedupe_history(hits: Sequence[SecretHit]) -> list[SecretHit]:
    """The first commit that added each (file, type, secret)."""
    return engine.dedupe(hits)
