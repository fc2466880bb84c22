"""Reading the Diesel layout: versions, order, metadata, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.migrate.layouts import LayoutError, diesel_version, load_migrations
from tests.migration_dirs import write_diesel


def test_diesel_version_strips_dashes() -> None:
    assert diesel_version("2017-09-24-182408_create_posts") == "20170924182408"
    assert diesel_version("20170923182408_x") == "20170923182408"


def test_mixed_version_styles_order_as_diesel(tmp_path: Path) -> None:
    root = write_diesel(
        tmp_path / "m",
        {
            "2017-09-24-182408_y": ("SELECT 1;", "SELECT 1;"),
            "20170923182408_x": ("SELECT 1;", "SELECT 1;"),
            "00000000000000_diesel_initial_setup": ("SELECT 1;", "SELECT 1;"),
        },
    )
    assert [m.label for m in load_migrations(root)] == [
        "00000000000000_diesel_initial_setup",
        "20170923182408_x",
        "20170924182408_y",
    ]


def test_metadata_run_in_transaction(tmp_path: Path) -> None:
    root = write_diesel(
        tmp_path / "m",
        {"1_a": ("SELECT 1;", None), "2_b": ("SELECT 1;", None)},
        metadata={"2_b": "run_in_transaction = false\n"},
    )
    a, b = load_migrations(root)
    assert (a.run_in_transaction, b.run_in_transaction) == (True, False)
    assert a.down is None


@pytest.mark.parametrize(
    "layout, message",
    [
        ({"1_a": None}, "has no up.sql"),
        ({"1_a": "x", "1_b": "x"}, "version 1 also used"),
    ],
)
def test_layout_errors_name_the_folder(
    tmp_path: Path, layout: dict[str, str | None], message: str
) -> None:
    root = tmp_path / "m"
    root.mkdir()
    for name, up in layout.items():
        (root / name).mkdir()
        if up is not None:
            (root / name / "up.sql").write_text(up)
    with pytest.raises(LayoutError, match=message) as info:
        load_migrations(root)
    assert str(root) in str(info.value)


def test_bad_metadata_is_an_error(tmp_path: Path) -> None:
    root = write_diesel(
        tmp_path / "m",
        {"1_a": ("SELECT 1;", None)},
        metadata={"1_a": "run_in_transaction = 'no'\n"},
    )
    with pytest.raises(LayoutError, match=r"metadata\.toml"):
        load_migrations(root)


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(LayoutError, match="not found"):
        load_migrations(tmp_path / "nope")
