"""The lock-file readers of every ecosystem: what each yields, and how each fails closed."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.families.deps.model import Pin
from auditor.families.deps.sources.detect import source_for
from auditor.families.deps.sources.interface import SourceError


def read(tmp_path: Path, name: str, text: str) -> list[Pin]:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return list(source_for(path, tmp_path).collect())


def summary(pins: list[Pin]) -> set[tuple[str, str | None, str, bool, bool]]:
    """(name, version, ecosystem, auditable, local) of each pin."""
    return {(p.name, p.version, p.ecosystem, p.skip_reason is None, p.local) for p in pins}


CARGO = """version = 3

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["serde"]

[[package]]
name = "serde"
version = "1.0.100"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "abc"

[[package]]
name = "tokio"
version = "1.2.0-alpha.1"
source = "sparse+https://index.crates.io/"

[[package]]
name = "forked"
version = "0.2.0"
source = "git+https://github.com/x/forked?branch=main#deadbeef"

[[package]]
name = "private"
version = "1.0.0"
source = "registry+https://my.registry/index"
"""


def test_cargo_lock(tmp_path: Path) -> None:
    pins = read(tmp_path, "Cargo.lock", CARGO)
    assert summary(pins) == {
        ("app", "0.1.0", "crates.io", False, True),
        ("serde", "1.0.100", "crates.io", True, False),
        ("tokio", "1.2.0-alpha.1", "crates.io", True, False),
        ("forked", None, "crates.io", False, False),
        ("private", None, "crates.io", False, False),
    }
    serde = next(p for p in pins if p.name == "serde")
    assert (serde.origin.file, serde.origin.line, serde.label) == ("Cargo.lock", 9, "serde@1.0.100")
    assert "git source" in str(next(p for p in pins if p.name == "forked").skip_reason)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version = 5\n", "unsupported Cargo.lock version 5"),
        ("[[package]\n", "invalid TOML"),
    ],
)
def test_cargo_lock_unreadable(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(SourceError, match=message) as caught:
        read(tmp_path, "Cargo.lock", text)
    assert "Cargo.lock" in str(caught.value)


PACKAGE_LOCK_V3 = """{
  "name": "web",
  "lockfileVersion": 3,
  "packages": {
    "": {"name": "web", "version": "1.0.0"},
    "node_modules/lodash": {
      "version": "4.17.20",
      "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.20.tgz"
    },
    "node_modules/a/node_modules/lodash": {"version": "4.17.20"},
    "node_modules/@scope/pkg": {"version": "2.0.0-beta.1"},
    "node_modules/alias": {"name": "real-pkg", "version": "1.0.0"},
    "node_modules/gitdep": {
      "version": "1.0.0",
      "resolved": "git+ssh://git@github.com/x/gitdep.git#abc"
    },
    "node_modules/member": {"resolved": "packages/member", "link": true},
    "packages/member": {"name": "member", "version": "0.0.1"}
  }
}
"""


@pytest.mark.parametrize("version", [2, 3])
def test_package_lock_v2_v3(tmp_path: Path, version: int) -> None:
    text = PACKAGE_LOCK_V3.replace('"lockfileVersion": 3', f'"lockfileVersion": {version}')
    pins = read(tmp_path, "package-lock.json", text)
    assert summary(pins) == {
        ("lodash", "4.17.20", "npm", True, False),
        ("@scope/pkg", "2.0.0-beta.1", "npm", True, False),
        ("real-pkg", "1.0.0", "npm", True, False),
        ("gitdep", None, "npm", False, False),
        ("member", None, "npm", False, True),
        ("member", "0.0.1", "npm", False, True),
    }
    assert [p.origin.line for p in pins if p.name == "lodash"] == [6]  # once, where first listed


def test_package_lock_v1_and_shrinkwrap(tmp_path: Path) -> None:
    text = """{"lockfileVersion": 1, "dependencies": {
      "lodash": {"version": "4.17.20", "dependencies": {"minimist": {"version": "0.0.8"}}},
      "local": {"version": "file:../local"},
      "aliased": {"version": "npm:real@2.0.0"},
      "fromgit": {"version": "github:x/fromgit#abc"}
    }}"""
    pins = read(tmp_path, "npm-shrinkwrap.json", text)
    assert summary(pins) == {
        ("lodash", "4.17.20", "npm", True, False),
        ("minimist", "0.0.8", "npm", True, False),
        ("local", None, "npm", False, True),
        ("real", "2.0.0", "npm", True, False),
        ("fromgit", None, "npm", False, False),
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"lockfileVersion": 4, "packages": {}}', "unsupported lockfileVersion 4"),
        ('{"lockfileVersion": 3, "packages": {', "invalid JSON"),
        ("[]", "not a package-lock object"),
    ],
)
def test_package_lock_unreadable(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        read(tmp_path, "package-lock.json", text)


PNPM_V9 = """lockfileVersion: '9.0'

importers:

  .:
    dependencies:
      lodash:
        specifier: ^4.17.0
        version: 4.17.20

packages:

  lodash@4.17.20:
    resolution: {integrity: sha512-x}

  '@scope/pkg@2.0.0':
    resolution: {integrity: sha512-y}

  gitdep@https://codeload.github.com/x/gitdep/tar.gz/abc:
    resolution: {tarball: https://codeload.github.com/x/gitdep/tar.gz/abc}
    version: 1.0.0

  member@file:packages/member:
    resolution: {directory: packages/member, type: directory}

snapshots:

  lodash@4.17.20: {}
"""

PNPM_V6 = """lockfileVersion: '6.0'

packages:

  /lodash@4.17.20:
    resolution: {integrity: sha512-x}

  /@scope/pkg@2.0.0(react@18.2.0):
    resolution: {integrity: sha512-y}
"""

PNPM_V5 = """lockfileVersion: 5.4

packages:

  /lodash/4.17.20:
    resolution: {integrity: sha512-x}

  /@scope/pkg/2.0.0_react@18.2.0:
    resolution: {integrity: sha512-y}
"""


@pytest.mark.parametrize("text", [PNPM_V9, PNPM_V6, PNPM_V5], ids=["v9", "v6", "v5"])
def test_pnpm_lock(tmp_path: Path, text: str) -> None:
    pins = read(tmp_path, "pnpm-lock.yaml", text)
    registry = {(p.name, p.version) for p in pins if p.skip_reason is None}
    assert registry == {("lodash", "4.17.20"), ("@scope/pkg", "2.0.0")}
    lodash = next(p for p in pins if p.name == "lodash")
    assert (
        lodash.origin.line
        == text.splitlines().index(
            next(line for line in text.splitlines() if "lodash" in line and "4.17.20:" in line)
        )
        + 1
    )
    if text is PNPM_V9:
        assert summary([p for p in pins if p.skip_reason]) == {
            ("gitdep", None, "npm", False, False),
            ("member", None, "npm", False, True),
        }


def test_pnpm_lock_unsupported_version(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"unsupported lockfileVersion .10\.0."):
        read(tmp_path, "pnpm-lock.yaml", "lockfileVersion: '10.0'\npackages: {}\n")
    with pytest.raises(SourceError, match="invalid YAML"):
        read(tmp_path, "pnpm-lock.yaml", "lockfileVersion: [\n")


YARN_CLASSIC = """# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.
# yarn lockfile v1


"@scope/pkg@^2.0.0":
  version "2.0.0"
  resolved "https://registry.yarnpkg.com/@scope/pkg/-/pkg-2.0.0.tgz#abc"

lodash@^4.17.0, lodash@^4.17.19:
  version "4.17.20"
  resolved "https://registry.yarnpkg.com/lodash/-/lodash-4.17.20.tgz#abc"
  integrity sha512-x

alias@npm:real@^1.0.0:
  version "1.0.1"

gitdep@git+https://github.com/x/gitdep.git:
  version "1.0.0"
  resolved "git+https://github.com/x/gitdep.git#abc"
"""

YARN_BERRY = """# This file is generated by running "yarn install" inside your project.
__metadata:
  version: 8
  cacheKey: 10c0

"lodash@npm:^4.17.0":
  version: 4.17.20
  resolution: "lodash@npm:4.17.20"
  linkType: hard

"web@workspace:.":
  version: 0.0.0-use.local
  resolution: "web@workspace:."
  linkType: soft

"typescript@patch:typescript@npm%3A^5.0.0#~builtin<compat/typescript>":
  version: 5.0.4
  resolution: "typescript@patch:typescript@npm%3A5.0.4#~builtin<compat/typescript>::version=5.0.4"
  linkType: hard
"""


def test_yarn_classic(tmp_path: Path) -> None:
    pins = read(tmp_path, "yarn.lock", YARN_CLASSIC)
    assert summary(pins) == {
        ("@scope/pkg", "2.0.0", "npm", True, False),
        ("lodash", "4.17.20", "npm", True, False),
        ("real", "1.0.1", "npm", True, False),
        ("gitdep", None, "npm", False, False),
    }
    assert next(p for p in pins if p.name == "lodash").origin.line == 9


def test_yarn_berry(tmp_path: Path) -> None:
    pins = read(tmp_path, "yarn.lock", YARN_BERRY)
    assert summary(pins) == {
        ("lodash", "4.17.20", "npm", True, False),
        ("web", "0.0.0-use.local", "npm", False, True),
        ("typescript", "5.0.4", "npm", True, False),
    }
    assert next(p for p in pins if p.name == "lodash").origin.line == 6


def test_yarn_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"unsupported yarn\.lock"):
        read(tmp_path, "yarn.lock", "lodash@^4:\n  version: 1\n")


GO_MOD = """module example.com/app

go 1.21

require (
\tgithub.com/gin-gonic/gin v1.9.0
\tgolang.org/x/net v0.0.0-20220722155237-a158d28d115b // indirect
\tgithub.com/old/thing v2.0.0+incompatible
\texample.com/local v1.0.0
)

require github.com/single/mod v1.2.3

replace example.com/local => ./local

replace github.com/single/mod v1.2.3 => github.com/fork/mod v1.2.4
"""


def test_go_mod(tmp_path: Path) -> None:
    pins = read(tmp_path, "go.mod", GO_MOD)
    assert summary(pins) == {
        ("github.com/gin-gonic/gin", "v1.9.0", "Go", True, False),
        ("golang.org/x/net", "v0.0.0-20220722155237-a158d28d115b", "Go", True, False),
        ("github.com/old/thing", "v2.0.0+incompatible", "Go", True, False),
        ("example.com/local", "v1.0.0", "Go", False, True),
        ("github.com/fork/mod", "v1.2.4", "Go", True, False),
    }
    assert next(p for p in pins if p.name.endswith("/gin")).origin.line == 6
    with pytest.raises(SourceError, match="no module directive"):
        read(tmp_path, "other/go.mod", "require x v1.0.0\n")
    with pytest.raises(SourceError, match="malformed require"):
        read(tmp_path, "bad/go.mod", "module a\nrequire x\n")


def test_go_sum_takes_the_newest_hashed_version(tmp_path: Path) -> None:
    text = (
        "github.com/a/b v1.2.0 h1:x=\n"
        "github.com/a/b v1.2.0/go.mod h1:y=\n"
        "github.com/a/b v1.10.0/go.mod h1:z=\n"
        "github.com/a/b v1.9.0 h1:w=\n"
    )
    pins = read(tmp_path, "go.sum", text)
    assert [(p.name, p.version, p.origin.line) for p in pins] == [("github.com/a/b", "v1.10.0", 3)]
    with pytest.raises(SourceError, match=r"go\.sum:1: not a go\.sum line"):
        read(tmp_path, "x/go.sum", "garbage\n")


def test_an_unreadable_file_names_itself(tmp_path: Path) -> None:
    (tmp_path / "Cargo.lock").write_bytes(b"\xff\xfe not utf-8")
    with pytest.raises(SourceError, match=r"Cargo\.lock: not UTF-8"):
        list(source_for(tmp_path / "Cargo.lock", tmp_path).collect())


BUN = """{
  "lockfileVersion": 1,
  "workspaces": {
    "": {"name": "app", "dependencies": {"lodash": "^4.17.0",},},
  },
  "packages": {
    "lodash": ["lodash@4.17.20", "", {}, "sha512-x"],
    "@scope/pkg": ["@scope/pkg@2.0.0", "", {}, "sha512-y",],
    "a/lodash": ["lodash@4.17.20", "", {}, "sha512-x"],
    "member": ["member@workspace:packages/member"],
    "gitdep": ["gitdep@github:x/gitdep#abc", {}, "x-gitdep-abc"],
    "odd": ["odd@1.0.0", "", {"bin": "a,}b"}, "sha512-z"],
  },
}
"""


def test_bun_lock(tmp_path: Path) -> None:
    pins = read(tmp_path, "bun.lock", BUN)
    assert summary(pins) == {
        ("lodash", "4.17.20", "npm", True, False),
        ("@scope/pkg", "2.0.0", "npm", True, False),
        ("member", None, "npm", False, True),
        ("gitdep", None, "npm", False, False),
        ("odd", "1.0.0", "npm", True, False),
    }
    assert next(p for p in pins if p.name == "lodash").origin.line == 7
    with pytest.raises(SourceError, match="unsupported lockfileVersion 2"):
        read(tmp_path, "x/bun.lock", '{"lockfileVersion": 2, "packages": {},}')
