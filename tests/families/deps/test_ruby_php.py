"""Gemfile.lock and composer.lock: what each reader yields, and a Ruby and PHP project audited.

The RubyGems and Composer version orders are cases of ``test_ecosystems.py``'s table.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.families.deps.sources.interface import SourceError
from tests.families.deps.osv_fixtures import record, write_db
from tests.families.deps.test_sources import read, summary

GEMFILE_LOCK = """GIT
  remote: https://github.com/rails/rails.git
  revision: 0123456789abcdef
  branch: main
  specs:
    rails (7.2.0.alpha)

PATH
  remote: engines/billing
  specs:
    billing (0.1.0)
      rack (>= 2)

GEM
  remote: https://rubygems.org/
  specs:
    nokogiri (1.13.9-x86_64-linux)
      racc (~> 1.4)
    rack (2.2.3)
    racc (1.6.0)
    rack (2.2.3)

GEM
  remote: https://gems.example.com/
  specs:
    private-gem (1.0.0)

PLATFORMS
  x86_64-linux

DEPENDENCIES
  nokogiri
  rack (~> 2.2)

BUNDLED WITH
   2.4.10
"""

COMPOSER_LOCK = {
    "content-hash": "abc",
    "packages": [
        {"name": "symfony/http-kernel", "version": "v5.4.0", "dist": {"type": "zip"}},
        {"name": "monolog/monolog", "version": "2.3.5"},
        {"name": "acme/wip", "version": "dev-main"},
        {"name": "acme/next", "version": "2.x-dev"},
        {"name": "acme/local", "version": "dev-master", "dist": {"type": "path", "url": "./pkg"}},
    ],
    "packages-dev": [{"name": "phpunit/phpunit", "version": "9.5.10"}],
}


def test_gemfile_lock(tmp_path: Path) -> None:
    pins = read(tmp_path, "Gemfile.lock", GEMFILE_LOCK)
    assert summary(pins) == {
        ("rails", None, "RubyGems", False, False),  # git: DEP002
        ("billing", "0.1.0", "RubyGems", False, True),  # PATH: the project's own code
        ("nokogiri", "1.13.9", "RubyGems", True, False),  # platform suffix dropped
        ("rack", "2.2.3", "RubyGems", True, False),
        ("racc", "1.6.0", "RubyGems", True, False),
        ("private-gem", None, "RubyGems", False, False),  # another gem server
    }
    assert len(pins) == 6  # rack listed twice, read once
    assert {p.name: p.origin.line for p in pins}["nokogiri"] == 17


@pytest.mark.parametrize("text", ["GEM\n", "", "PLATFORMS\n  ruby\n"])
def test_gemfile_lock_without_specs_is_an_error(tmp_path: Path, text: str) -> None:
    with pytest.raises(SourceError, match=r"not a Gemfile\.lock"):
        read(tmp_path, "Gemfile.lock", text)


def test_composer_lock(tmp_path: Path) -> None:
    pins = read(tmp_path, "composer.lock", json.dumps(COMPOSER_LOCK, indent=4))
    assert summary(pins) == {
        ("symfony/http-kernel", "5.4.0", "Packagist", True, False),
        ("monolog/monolog", "2.3.5", "Packagist", True, False),
        ("acme/wip", None, "Packagist", False, False),  # a branch
        ("acme/next", None, "Packagist", False, False),
        ("acme/local", None, "Packagist", False, True),
        ("phpunit/phpunit", "9.5.10", "Packagist", True, False),
    }
    lines = {p.name: p.origin.line for p in pins}
    assert lines["symfony/http-kernel"] == 5 and lines["phpunit/phpunit"] is not None


@pytest.mark.parametrize(
    ("text", "message"),
    [("{", "invalid JSON"), ("{}", "no packages"), ('{"packages": {}}', "array of objects")],
)
def test_composer_lock_unreadable(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        read(tmp_path, "composer.lock", text)


def test_a_ruby_and_php_project_is_audited_and_fails_closed_without_a_source(
    tmp_path: Path,
) -> None:
    root = tmp_path / "repo"
    (root / "web").mkdir(parents=True)
    (root / "Gemfile.lock").write_text(GEMFILE_LOCK, encoding="utf-8")
    (root / "web" / "composer.lock").write_text(json.dumps(COMPOSER_LOCK), encoding="utf-8")
    gems = write_db(
        tmp_path / "gems",
        record("GHSA-rack-0001", "RubyGems", "rack", [{"introduced": "0"}, {"fixed": "2.2.3.1"}]),
    )
    php = write_db(
        tmp_path / "php",
        record("GHSA-sym-0001", "Packagist", "symfony/http-kernel",
               [{"introduced": "5.0.0"}, {"fixed": "5.4.20"}]),
    )  # fmt: skip
    base = ["--project", str(root), "deps", "audit", "--format", "json"]
    only_gems = CliRunner().invoke(cli, [*base, "--advisory-db", str(gems)])
    assert only_gems.exit_code == 2
    assert "no advisory source for Packagist" in only_gems.output
    assert "web/composer.lock" in only_gems.output
    both = CliRunner().invoke(cli, [*base, "--advisory-db", str(gems), "--advisory-db", str(php)])
    assert both.exit_code == 1, both.output
    report = json.loads(both.output)
    dep001 = {f["evidence"]["package"]: f for f in report["findings"] if f["rule_id"] == "DEP001"}
    assert set(dep001) == {"rack@2.2.3", "symfony/http-kernel@5.4.0"}
    assert "2.2.3.1" in dep001["rack@2.2.3"]["fix"]
    assert "5.4.20" in dep001["symfony/http-kernel@5.4.0"]["fix"]
    unaudited = {f["evidence"]["package"] for f in report["findings"] if f["rule_id"] == "DEP002"}
    assert unaudited == {"rails", "private-gem", "acme/wip", "acme/next"}
