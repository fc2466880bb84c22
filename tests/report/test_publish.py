"""``auditor publish`` against FakeForge (a local HTTP server) and with no network or token."""

from __future__ import annotations

import base64
import gzip
import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.report import render
from auditor.report.markdown import MARKER
from tests.report.fake_forge import TOKEN, fake_forge
from tests.report_samples import sample_report

CI_VARS = (
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "GITLAB_TOKEN",
    "CI_JOB_TOKEN",
    "GITLAB_CI",
    "CI_PROJECT_ID",
    "GITHUB_REPOSITORY",
    "GITHUB_EVENT_PATH",
    "GITHUB_REF",
    "GITHUB_SHA",
    "GITHUB_API_URL",
    "CI_API_V4_URL",
    "CI_MERGE_REQUEST_IID",
    "CI_MERGE_REQUEST_SOURCE_PROJECT_ID",
    "CI_MERGE_REQUEST_PROJECT_ID",
    "CIRCLE_PULL_REQUEST",
    "BUILDKITE_PULL_REQUEST",
    "CHANGE_ID",
    "http_proxy",
    "https_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "all_proxy",
)


@pytest.fixture
def reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in CI_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    report = sample_report()
    (tmp_path / "auditor-report.md").write_text(render(report, "md"), encoding="utf-8")
    (tmp_path / "auditor.sarif").write_text(render(report, "sarif"), encoding="utf-8")
    return tmp_path


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["publish", *args])
    return result.exit_code, result.stdout, result.stderr


GH = ("--repo", "octo/app", "--pr", "7", "--commit", "a" * 40, "--ref", "refs/pull/7/head")


def test_github_comment_created_once_then_updated_and_sarif_uploaded(
    reports: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    with fake_forge() as (url, state):
        state.comments[5] = {"id": 5, "body": "an unrelated comment"}
        state.alerts = [
            {
                "number": 3,
                "html_url": "http://fake/alerts/3",
                "rule": {"id": "TSC001", "security_severity_level": "critical"},
                "most_recent_instance": {
                    "location": {"path": "migrations/x/up.sql", "start_line": 3}
                },
            }
        ]
        code, out, err = invoke(*GH, "--api-url", url)
        assert code == 0, err
        assert "published the pull-request comment: created the comment" in out
        assert "SARIF accepted (id sarif-1)" in out
        ours = [c for c in state.comments.values() if MARKER in c["body"]]
        assert (
            len(ours) == 1
            and "Open code-scanning alerts on this pull request (1)" in ours[0]["body"]
        )
        code, out, err = invoke(*GH, "--api-url", url)
        assert code == 0, err
        assert "updated comment" in out
        assert len([c for c in state.comments.values() if MARKER in c["body"]]) == 1
        assert len(state.comments) == 2
        assert ("PATCH", f"/repos/octo/app/issues/comments/{ours[0]['id']}") in state.requests
        upload = state.sarifs[0]
        assert upload["commit_sha"] == "a" * 40 and upload["ref"] == "refs/pull/7/head"
        sarif = json.loads(gzip.decompress(base64.b64decode(upload["sarif"])))
        assert sarif["version"] == "2.1.0"
    assert TOKEN not in out + err


def test_the_comment_is_found_on_a_later_page(
    reports: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    with fake_forge() as (url, state):
        for i in range(150):
            state.comments[i + 1] = {"id": i + 1, "body": f"comment {i}"}
        state.comments[151] = {"id": 151, "body": f"{MARKER}\nold report"}
        code, out, err = invoke(*GH, "--api-url", url, "--no-alerts")
        assert code == 0, err
        assert "updated comment 151" in out and len(state.comments) == 151


def test_gitlab_note_created_then_updated(reports: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)
    monkeypatch.setenv("GITLAB_CI", "true")
    monkeypatch.setenv("CI_PROJECT_ID", "42")
    monkeypatch.setenv("CI_MERGE_REQUEST_IID", "9")
    with fake_forge() as (url, state):
        monkeypatch.setenv("CI_API_V4_URL", url)
        for _ in range(2):
            code, out, err = invoke("--report", "auditor-report.md")
            assert code == 0, err
        assert len(state.comments) == 1
        assert ("PUT", "/projects/42/merge_requests/9/notes/101") in state.requests
    assert TOKEN not in out + err


def test_no_token_prints_the_manual_commands(reports: Path) -> None:
    code, _, err = invoke(*GH)
    assert code == 0
    assert "not published: the pull-request comment (no token: set GITHUB_TOKEN or GH_TOKEN)" in err
    assert "gh pr comment 7 --repo octo/app --body-file auditor-report.md" in err
    assert "gh api --method POST repos/octo/app/code-scanning/sarifs" in err
    code, _, err = invoke(*GH, "--require-publish")
    assert code == 2 and "not published" in err


def test_fork_pull_request_skips_with_a_notice(
    reports: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = reports / "event.json"
    event.write_text(
        json.dumps(
            {
                "pull_request": {
                    "number": 7,
                    "head": {"repo": {"full_name": "someone/app", "fork": True}},
                    "base": {"repo": {"full_name": "octo/app", "fork": False}},
                }
            }
        )
    )
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("GITHUB_REPOSITORY", "octo/app")
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    with fake_forge() as (url, state):
        code, _, err = invoke("--api-url", url)
        assert code == 0
        assert state.requests == []
    assert "pull request from a fork" in err and "gh pr comment 7 --repo octo/app" in err


def test_api_error_and_no_network_fail_closed_without_the_token(
    reports: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    with fake_forge() as (url, state):
        state.fail_with = 403
        code, out, err = invoke(*GH, "--api-url", url, "--require-publish")
        assert code == 2
        assert "HTTP 403" in err and "gh pr comment" in err
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    code, out2, err2 = invoke(*GH, "--api-url", closed, "--require-publish")
    assert code == 2 and "cannot reach 127.0.0.1" in err2
    code, _, err3 = invoke(*GH, "--api-url", closed)
    assert code == 0 and "not published" in err3
    assert TOKEN not in out + err + out2 + err2 + err3


def test_nothing_to_publish_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = invoke()
    assert code == 2 and "nothing to publish" in err
