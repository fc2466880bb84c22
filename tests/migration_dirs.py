"""Build throwaway migration directories for tests."""

from __future__ import annotations

from pathlib import Path


def write_diesel(
    root: Path,
    migrations: dict[str, tuple[str, str | None]],
    *,
    metadata: dict[str, str] | None = None,
) -> Path:
    """Create ``root`` with one Diesel folder per entry: name -> (up.sql, down.sql or None)."""
    root.mkdir(parents=True, exist_ok=True)
    for folder, (up, down) in migrations.items():
        path = root / folder
        path.mkdir()
        (path / "up.sql").write_text(up)
        if down is not None:
            (path / "down.sql").write_text(down)
        if metadata and folder in metadata:
            (path / "metadata.toml").write_text(metadata[folder])
    return root


def write_files(root: Path, files: dict[str, str]) -> Path:
    """Create ``root`` with the given files (relative path -> text); return ``root``."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root
