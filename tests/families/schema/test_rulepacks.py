"""Rule pack loading: the reference pack, and errors that name file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.families.schema.rulepacks import RulePackError, load_rule_packs

GOOD = """
[pack]
name = "mine"

[[requirement]]
id = "a-len"
kind = "length"
table = "app.accounts"
column = "Login"
min = 2
max = 30
severity = "medium"
reason = "short logins"
"""


def test_reference_pack_loads() -> None:
    reqs = load_rule_packs()
    assert len(reqs) >= 20
    kinds = {r.kind for r in reqs}
    assert kinds == {
        "table",
        "type",
        "not-null",
        "length",
        "lower-bound",
        "unique-ci",
        "unique",
        "primary-key",
        "foreign-key",
        "index",
    }


def test_user_pack_directory(tmp_path: Path) -> None:
    (tmp_path / "mine.toml").write_text(GOOD)
    (req,) = load_rule_packs([tmp_path])
    assert (req.table, req.columns, req.min, req.max) == ("app.accounts", ("login",), 2, 30)
    assert req.line == 5


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (("max = 30", "max = 30\ncolour = 1"), ":12: colour: unknown key"),
        (('kind = "length"', 'kind = "size"'), ":7: kind: unknown kind 'size'"),
        (('severity = "medium"', 'severity = "urgent"'), ":12: severity: unknown severity"),
        (("min = 2", 'min = "two"'), ":10: min: must be a number"),
        (('column = "Login"\n', ""), ":5: requirement: kind 'length' needs key 'column'"),
        (('id = "a-len"', 'id = "A LEN"'), ":6: id: must be lower-case"),
        (("min = 2", "min = 40"), ":10: min: must be >= 0 and <= max"),
    ],
)
def test_errors_name_file_line_and_key(tmp_path: Path, change: tuple[str, str], where: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(GOOD.replace(*change))
    with pytest.raises(RulePackError) as info:
        load_rule_packs([path])
    assert str(info.value).startswith(f"{path}{where}"), str(info.value)


def test_duplicate_ids_and_bad_toml(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(GOOD)
    (tmp_path / "b.toml").write_text(GOOD)
    with pytest.raises(RulePackError, match=r"b\.toml:5: id: requirement 'a-len' already"):
        load_rule_packs([tmp_path])
    (tmp_path / "c.toml").write_text("[[requirement]\n")
    with pytest.raises(RulePackError, match="invalid TOML"):
        load_rule_packs([tmp_path / "c.toml"])
    with pytest.raises(RulePackError, match="not found"):
        load_rule_packs([tmp_path / "missing.toml"])
