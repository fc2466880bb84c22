"""Publish the report from any CI: one PR/MR comment, the SARIF upload, the PR's alerts.

GitHub (REST, ``GITHUB_TOKEN`` or ``GH_TOKEN``): the comment is found by the report's
marker and updated (``PATCH``) or created once (``POST``); the SARIF goes to
``POST /repos/{owner}/{repo}/code-scanning/sarifs`` gzip+base64; the pull request's
open code-scanning alerts are listed under the report. GitLab (notes API,
``GITLAB_TOKEN`` as ``PRIVATE-TOKEN`` or ``CI_JOB_TOKEN`` as ``JOB-TOKEN``): the one
merge-request note, found and updated the same way.

Each step that could not be done (no token, a fork pull request whose token is
read-only, an API error, no network) becomes an :class:`Outcome` with one line saying
what was not published and the exact command to do it by hand. The token is sent only
in a request header: it is never part of a message, a URL or an exception.
"""

from __future__ import annotations

import base64
import gzip
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from auditor.core.errors import AuditorError
from auditor.report.markdown import MARKER, md_escape

TIMEOUT = 30
MAX_ALERTS = 50
GITHUB_TOKENS = ("GITHUB_TOKEN", "GH_TOKEN")
GITLAB_TOKENS = (("GITLAB_TOKEN", "PRIVATE-TOKEN"), ("CI_JOB_TOKEN", "JOB-TOKEN"))


class PublishError(AuditorError):
    """An API call failed; the message never contains the token."""


@dataclass(frozen=True)
class Target:
    """Where to publish: forge, API, repository (or project) and pull/merge request."""

    forge: str
    """``github`` or ``gitlab``."""
    api: str
    """API root, e.g. ``https://api.github.com`` or ``https://gitlab.com/api/v4``."""
    repo: str
    """``owner/name`` (GitHub) or the project id or path (GitLab)."""
    number: int | None = None
    """Pull request number (GitHub) or merge request iid (GitLab)."""
    token: str = field(default="", repr=False)
    header: str = "Authorization"
    """The header the token goes in."""
    token_names: str = ""
    """The variables the token is read from, for messages."""
    sha: str | None = None
    ref: str | None = None
    fork: bool = False
    """A pull request from a fork: the CI token is read-only."""

    def headers(self) -> dict[str, str]:
        if self.header == "Authorization":
            return {"Authorization": f"Bearer {self.token}"}
        return {self.header: self.token}


@dataclass(frozen=True)
class Outcome:
    """What happened to one step of publishing."""

    what: str
    done: bool
    detail: str
    manual: str | None = None
    """The command to do it by hand, when it was not done."""

    def line(self) -> str:
        if self.done:
            return f"auditor: published {self.what}: {self.detail}"
        hand = f"; by hand: {self.manual}" if self.manual else ""
        return f"auditor: not published: {self.what} ({self.detail}){hand}"


def _int(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() else None


def _github_event(env: Mapping[str, str]) -> dict[str, Any]:
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _pr_from_other_ci(env: Mapping[str, str]) -> int | None:
    """The PR number from CircleCI, Buildkite or Jenkins, when they give one."""
    circle = env.get("CIRCLE_PULL_REQUEST", "").rstrip("/").rsplit("/", 1)[-1]
    return _int(circle) or _int(env.get("BUILDKITE_PULL_REQUEST")) or _int(env.get("CHANGE_ID"))


def detect(
    env: Mapping[str, str],
    *,
    forge: str | None = None,
    repo: str | None = None,
    number: int | None = None,
    api: str | None = None,
    sha: str | None = None,
    ref: str | None = None,
) -> Target:
    """The target from explicit values, else the CI's standard variables."""
    forge = forge or ("gitlab" if env.get("GITLAB_CI") or env.get("CI_PROJECT_ID") else "github")
    if forge == "gitlab":
        token, header, names = "", "PRIVATE-TOKEN", "GITLAB_TOKEN or CI_JOB_TOKEN"
        for name, hdr in GITLAB_TOKENS:
            if env.get(name):
                token, header = env[name], hdr
                break
        source, target = (
            env.get("CI_MERGE_REQUEST_SOURCE_PROJECT_ID"),
            env.get("CI_MERGE_REQUEST_PROJECT_ID"),
        )
        return Target(
            forge="gitlab",
            api=(api or env.get("CI_API_V4_URL") or "https://gitlab.com/api/v4").rstrip("/"),
            repo=repo or env.get("CI_PROJECT_ID", ""),
            number=number or _int(env.get("CI_MERGE_REQUEST_IID")),
            token=token,
            header=header,
            token_names=names,
            sha=sha or env.get("CI_COMMIT_SHA"),
            ref=ref,
            fork=bool(source and target and source != target),
        )
    event = _github_event(env)
    pr = event.get("pull_request") or {}
    head = (pr.get("head") or {}).get("repo") or {}
    base = (pr.get("base") or {}).get("repo") or {}
    gh_ref = env.get("GITHUB_REF", "")
    parts = gh_ref.split("/")
    from_ref = _int(parts[2]) if gh_ref.startswith("refs/pull/") and len(parts) > 2 else None
    found = number or _int(str(pr.get("number", ""))) or from_ref or _pr_from_other_ci(env)
    circle = "/".join(
        v for v in (env.get("CIRCLE_PROJECT_USERNAME"), env.get("CIRCLE_PROJECT_REPONAME")) if v
    )
    token_name = next((n for n in GITHUB_TOKENS if env.get(n)), "")
    return Target(
        forge="github",
        api=(api or env.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/"),
        repo=repo or env.get("GITHUB_REPOSITORY") or circle,
        number=found,
        token=env.get(token_name, "") if token_name else "",
        token_names=" or ".join(GITHUB_TOKENS),
        sha=sha
        or env.get("GITHUB_SHA")
        or env.get("CIRCLE_SHA1")
        or env.get("BUILDKITE_COMMIT")
        or env.get("GIT_COMMIT"),
        ref=ref or (gh_ref or None) or (f"refs/pull/{found}/head" if found else None),
        fork=bool(head.get("fork"))
        or bool(head and base and head.get("full_name") != base.get("full_name")),
    )


def _call(target: Target, method: str, path: str, body: Any = None) -> Any:
    """One JSON API call; :class:`PublishError` with method, path and status on failure."""
    url = target.api + path
    data = None if body is None else json.dumps(body).encode()
    headers = {"Accept": "application/json", "User-Agent": "auditor", **target.headers()}
    if data is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    where = f"{method} {path.split('?', 1)[0]}"
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        raise PublishError(f"{where}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        host = urllib.parse.urlsplit(url).netloc
        raise PublishError(f"{where}: cannot reach {host}: {reason}") from None
    try:
        return json.loads(raw) if raw.strip() else None
    except ValueError:
        raise PublishError(f"{where}: the answer is not JSON") from None


def _comments_path(t: Target) -> str:
    if t.forge == "gitlab":
        project = urllib.parse.quote(t.repo, safe="")
        return f"/projects/{project}/merge_requests/{t.number}/notes"
    return f"/repos/{t.repo}/issues/{t.number}/comments"


def _existing_comment(t: Target) -> Any:
    """The id of the comment that carries the marker, if any (every page is read)."""
    page = 1
    while True:
        items = _call(t, "GET", f"{_comments_path(t)}?per_page=100&page={page}")
        if not isinstance(items, list):
            raise PublishError(f"GET {_comments_path(t)}: not a list of comments")
        for item in items:
            if MARKER in str(item.get("body", "")):
                return item["id"]
        if len(items) < 100:
            return None
        page += 1


def post_comment(t: Target, body: str) -> str:
    """Create the one comment, or update it when it exists; says which."""
    if MARKER not in body:
        body = f"{MARKER}\n{body}"
    found = _existing_comment(t)
    if found is None:
        _call(t, "POST", _comments_path(t), {"body": body})
        return "created the comment"
    if t.forge == "gitlab":
        _call(t, "PUT", f"{_comments_path(t)}/{found}", {"body": body})
    else:
        _call(t, "PATCH", f"/repos/{t.repo}/issues/comments/{found}", {"body": body})
    return f"updated comment {found}"


def upload_sarif(t: Target, sarif: str) -> str:
    """Upload the SARIF log to code scanning; the receipt's id."""
    payload = {
        "commit_sha": t.sha,
        "ref": t.ref,
        "sarif": base64.b64encode(gzip.compress(sarif.encode())).decode(),
        "tool_name": "auditor",
    }
    receipt = _call(t, "POST", f"/repos/{t.repo}/code-scanning/sarifs", payload)
    return f"SARIF accepted (id {receipt.get('id', '?') if isinstance(receipt, dict) else '?'})"


def open_alerts(t: Target) -> str:
    """The pull request's open code-scanning alerts as a markdown section ('' when none)."""
    ref = urllib.parse.quote(f"refs/pull/{t.number}/head", safe="")
    alerts = _call(
        t, "GET", f"/repos/{t.repo}/code-scanning/alerts?ref={ref}&state=open&per_page=100"
    )
    if not isinstance(alerts, list) or not alerts:
        return ""
    rows = ["| alert | rule | severity | where |", "|---|---|---|---|"]
    for alert in alerts[:MAX_ALERTS]:
        rule = alert.get("rule") or {}
        loc = (alert.get("most_recent_instance") or {}).get("location") or {}
        where = f"{loc.get('path', '?')}:{loc.get('start_line', '?')}"
        number = (
            f"[#{alert.get('number')}]({alert.get('html_url')})"
            if alert.get("html_url")
            else f"#{alert.get('number')}"
        )
        severity = rule.get("security_severity_level") or rule.get("severity") or "?"
        rows.append(
            f"| {number} | {md_escape(rule.get('id', '?'))} | {md_escape(severity)} | {md_escape(where)} |"
        )
    more = (
        f"\n\n{len(alerts) - MAX_ALERTS} more alerts not listed."
        if len(alerts) > MAX_ALERTS
        else ""
    )
    return (
        f"\n\n### Open code-scanning alerts on this pull request ({len(alerts)})\n\n"
        + "\n".join(rows)
        + more
    )


def manual_comment(t: Target, file: str) -> str:
    if t.forge == "gitlab":
        return (
            f'curl --request POST --header "PRIVATE-TOKEN: $GITLAB_TOKEN" --data-urlencode "body@{file}" '
            f'"{t.api}/projects/{urllib.parse.quote(t.repo or "PROJECT", safe="")}/merge_requests/{t.number or "IID"}/notes"'
        )
    return f"gh pr comment {t.number or 'PR'} --repo {t.repo or 'OWNER/REPO'} --body-file {file}"


def manual_sarif(t: Target, file: str) -> str:
    return (
        f"gzip -c {file} | base64 -w0 > auditor.sarif.b64 && gh api --method POST "
        f"repos/{t.repo or 'OWNER/REPO'}/code-scanning/sarifs -f commit_sha={t.sha or 'SHA'} "
        f"-f ref={t.ref or 'REF'} -F sarif=@auditor.sarif.b64"
    )


def _blocked(t: Target) -> str | None:
    """Why nothing can be published to ``t`` at all, or None."""
    if t.fork:
        return "pull request from a fork: the CI token is read-only"
    if not t.token:
        return f"no token: set {t.token_names}"
    if not t.repo:
        return "no repository: give --repo"
    return None


def publish(
    t: Target,
    *,
    markdown: str | None,
    markdown_file: str,
    sarif: str | None,
    sarif_file: str,
    alerts: bool = True,
) -> list[Outcome]:
    """Upload the SARIF, list the alerts, post the comment; one outcome per step."""
    outcomes: list[Outcome] = []
    blocked = _blocked(t)
    if sarif is not None:
        what = "the SARIF upload to code scanning"
        if t.forge != "github":
            outcomes.append(
                Outcome(what, False, "code scanning is GitHub's; GitLab reads gitlab-sast")
            )
        elif blocked or not (t.sha and t.ref):
            reason = blocked or "no commit and ref: give --commit and --ref"
            outcomes.append(Outcome(what, False, reason, manual_sarif(t, sarif_file)))
        else:
            try:
                outcomes.append(Outcome(what, True, upload_sarif(t, sarif)))
            except PublishError as exc:
                outcomes.append(Outcome(what, False, str(exc), manual_sarif(t, sarif_file)))
    if markdown is None:
        return outcomes
    what = "the pull-request comment" if t.forge == "github" else "the merge-request note"
    if blocked or t.number is None:
        reason = blocked or "not a pull request: give --pr"
        outcomes.append(Outcome(what, False, reason, manual_comment(t, markdown_file)))
        return outcomes
    if alerts and t.forge == "github":
        try:
            markdown += open_alerts(t)
        except PublishError as exc:
            outcomes.append(Outcome("the open code-scanning alerts", False, str(exc)))
    try:
        outcomes.append(Outcome(what, True, post_comment(t, markdown)))
    except PublishError as exc:
        outcomes.append(Outcome(what, False, str(exc), manual_comment(t, markdown_file)))
    return outcomes
