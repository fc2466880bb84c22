"""One replay of a migration series, shared by the families that need the static model.

The static schema family needs the model after every migration, the lint history the
model before each migration it judges. Both start from :func:`builder_at`: the replay
builder with the first ``n`` migrations applied, taken from the longest prefix of the
series whose state is kept (in this process, else in ``<git dir>/auditor-replay/``),
with only the rest replayed. A state is kept under a chain hash of the migrations'
text (and of the replaying code), so any edit of a migration gives other keys: a
stale state is never found, only a shorter prefix. A pre-push check of one new
migration on a long history then replays one migration, not the history.

The states are pickles of the builder, written in the repository's git directory
(which holds the hooks git runs anyway); one that cannot be read is ignored.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from auditor import __version__
from auditor.migrate.layouts import Migration

if TYPE_CHECKING:
    from auditor.catalog.static import StaticModel
    from auditor.families.lint.snapshots import ReplayBuilder

STORE = "auditor-replay"
KEPT = 6
"""States kept on disk (the newest by modification time)."""
CODE = (
    Path(__file__).parent / "history.py",
    Path(__file__).parent / "snapshots.py",
    *sorted((Path(__file__).parent.parent.parent / "catalog" / "static").glob("*.py")),
)
"""The code whose behaviour the facts depend on (besides the rule evaluation)."""


def git_dir(start: Path) -> Path | None:
    """The git directory of the repository holding ``start`` (no git process), or None."""
    for folder in (start.resolve(), *start.resolve().parents):
        dot = folder / ".git"
        if dot.is_dir():
            return dot
        if dot.is_file():
            line = dot.read_text(encoding="utf-8", errors="replace").strip()
            if line.startswith("gitdir:"):
                target = Path(line[len("gitdir:") :].strip())
                return target if target.is_absolute() else (folder / target).resolve()
            return None
    return None


_STATES: dict[str, bytes] = {}
"""States kept in this process, by key."""
_MODELS: dict[str, StaticModel] = {}
"""Final models made in this process, by key (the static family after the lint, or twice)."""


def chain(series: Sequence[Migration], root: Path) -> list[str]:
    """``keys[i]``: the key of the state after ``series[:i]`` (``keys[0]``: nothing replayed)."""
    digest = hashlib.sha256()
    digest.update(f"{__version__}\0{root.resolve()}\0".encode())
    for path in CODE:
        try:
            stat = path.stat()
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
        except OSError:
            digest.update(f"{path}\0missing\0".encode())
    keys = [digest.hexdigest()]
    for migration in series:
        up = migration.up
        digest.update(f"{up.path}\0{up.first_line}\0".encode("utf-8", "surrogatepass"))
        digest.update(hashlib.sha256(up.text.encode("utf-8", "surrogatepass")).digest())
        keys.append(digest.hexdigest())
    return keys


class _Disk:
    """The state directory of one repository (``folder`` None: nothing kept on disk)."""

    def __init__(self, root: Path) -> None:
        directory = git_dir(root)
        self.folder = directory / STORE if directory is not None else None

    def get(self, key: str) -> bytes | None:
        if self.folder is None:
            return None
        try:
            return (self.folder / key).read_bytes()
        except OSError:
            return None

    def put(self, key: str, data: bytes) -> None:
        if self.folder is None:
            return
        tmp = self.folder / f".{key}.{os.getpid()}.tmp"
        try:
            self.folder.mkdir(exist_ok=True)
            tmp.write_bytes(data)
            os.replace(tmp, self.folder / key)
            kept = sorted(
                (p for p in self.folder.iterdir() if not p.name.startswith(".")),
                key=lambda p: p.stat().st_mtime_ns,
                reverse=True,
            )
            for old in kept[KEPT:]:
                old.unlink(missing_ok=True)
        except OSError:
            tmp.unlink(missing_ok=True)


def _load(data: bytes) -> ReplayBuilder | None:
    from auditor.families.lint.snapshots import ReplayBuilder

    try:
        builder = pickle.loads(data)  # written by this tool in the git directory
    except Exception:  # a damaged or foreign state: replay instead
        return None
    return builder if isinstance(builder, ReplayBuilder) else None


def _dump(builder: ReplayBuilder) -> bytes | None:
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))  # sqlglot trees nest deeply
    try:
        return pickle.dumps(builder, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # something not picklable: no state kept, the replay still counts
        return None
    finally:
        sys.setrecursionlimit(limit)


def builder_at(series: Sequence[Migration], root: Path, upto: int) -> ReplayBuilder:
    """A replay builder with the up.sql of ``series[:upto]`` applied (see the module)."""
    from auditor.families.lint.snapshots import ReplayBuilder

    keys = chain(series[:upto], root)
    disk = _Disk(root)
    builder: ReplayBuilder | None = None
    start = 0
    for index in range(upto, 0, -1):
        data = _STATES.get(keys[index]) or disk.get(keys[index])
        if data is not None:
            builder = _load(data)
            if builder is not None:
                _STATES[keys[index]] = data
                start = index
                break
    if builder is None:
        builder = ReplayBuilder(root)
    for index in range(start, upto):
        if index == upto - 1 and index > start:
            # also the state before the last one: what a check of the newest migration
            # (the pre-push lint after the static family) starts from
            _keep(keys[index], builder, disk)
        builder.add_script(series[index].up)
    if start < upto:
        _keep(keys[upto], builder, disk)
    return builder


def keep(series: Sequence[Migration], root: Path, builder: ReplayBuilder) -> None:
    """Keep ``builder``, with every up.sql of ``series`` applied, for the next replays."""
    _keep(chain(series, root)[-1], builder, _Disk(root))


def _keep(key: str, builder: ReplayBuilder, disk: _Disk) -> None:
    if key in _STATES:
        return
    data = _dump(builder)
    if data is not None:
        _STATES[key] = data
        disk.put(key, data)


def static_model(series: Sequence[Migration], root: Path) -> StaticModel:
    """The static model after every migration of ``series`` (one shared replay)."""
    key = chain(series, root)[-1]
    model = _MODELS.get(key)
    if model is None:
        model = _MODELS[key] = builder_at(series, root, len(series)).snapshot()
    return model
