"""CI recipes: valid YAML with the expected steps, and the README shows the real files."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.core.resources import templates
from auditor.core.rules import get_rule

REPO = Path(__file__).resolve().parent.parent
MARKER = "<!-- auditor-report -->"


def load(path: str) -> Any:
    return yaml.safe_load((REPO / path).read_text(encoding="utf-8"))


def test_workflow_runs_the_action_against_a_service_postgres() -> None:
    workflow = load(".github/workflows/auditor.yml")
    # YAML 1.1 reads the key `on` as True
    triggers = workflow.get("on", workflow.get(True))
    assert set(triggers) == {"pull_request", "push"}
    assert workflow["permissions"]["security-events"] == "write"
    assert workflow["permissions"]["pull-requests"] == "write"
    job = workflow["jobs"]["audit"]
    service = job["services"]["postgres"]
    assert service["image"].startswith("postgres:")
    assert "pg_isready" in service["options"]
    uses = [step.get("uses", "") for step in job["steps"]]
    assert uses[0].startswith("actions/checkout@")
    audit = next(step for step in job["steps"] if step.get("uses") == "./")
    dsn = audit["with"]["database-url"]
    env = service["env"]
    assert dsn == (
        f"postgresql://{env['POSTGRES_USER']}:{env['POSTGRES_PASSWORD']}"
        f"@localhost:5432/{env['POSTGRES_DB']}"
    )
    assert audit["with"]["migrate"] == "true"
    assert audit["with"]["profile"] == "ci"


def test_action_is_composite_with_the_expected_steps() -> None:
    action = load("action.yml")
    assert action["runs"]["using"] == "composite"
    steps = {step["name"]: step for step in action["runs"]["steps"]}
    assert list(steps) == [
        "Set up Python",
        "Install auditor",
        "Apply migrations",
        "Run the audit",
        "Publish the comment and the SARIF",
        "Keep the reports",
        "Gate",
    ]
    for step in steps.values():
        assert "uses" in step or step.get("shell") == "bash", step["name"]
    run = steps["Run the audit"]
    assert run["id"] == "audit"
    assert "auditor audit" in run["run"] and "--format sarif=auditor.sarif" in run["run"]
    assert 'echo "exit-code=$?" >> "$GITHUB_OUTPUT"' in run["run"]
    assert run["env"]["DATABASE_URL"] == "${{ inputs.database-url }}"
    assert "--format github" in run["run"]
    assert run["env"]["BASE_REF"] == "${{ github.base_ref }}"
    assert '--changed-since "origin/$BASE_REF"' in run["run"]
    publish = steps["Publish the comment and the SARIF"]
    assert publish["if"].startswith("always()")
    assert "auditor publish" in publish["run"] and "gh " not in publish["run"]
    assert publish["env"]["GITHUB_TOKEN"] == "${{ inputs.github-token }}"
    # a fork's read-only token: a notice and exit 0 before any API call
    fork = publish["run"].index('[ "$FORK" = true ]')
    assert publish["run"].index("::notice", fork) < publish["run"].index("exit 0", fork)
    assert publish["run"].index("exit 0", fork) < publish["run"].index("auditor publish")
    assert 'exit "${CODE:-2}"' in steps["Gate"]["run"]
    # inputs reach scripts through env, never pasted into the script (injection)
    for step in steps.values():
        assert "${{ inputs." not in step.get("run", ""), step["name"]
    assert action["outputs"]["exit-code"]["value"] == "${{ steps.audit.outputs.exit-code }}"


def test_report_carries_the_marker_the_action_looks_for() -> None:
    from auditor.core.findings import Metadata, Report
    from auditor.report import render

    report = Report(Metadata("0", "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00", "."))
    assert MARKER in render(report, "md").splitlines()[:3]
    assert (templates() / "report.md.j2").is_file()


def test_gitlab_job_publishes_junit() -> None:
    job = load(".ci/recipes/gitlab-ci.yml")["auditor"]
    assert job["services"][0]["name"].startswith("postgres:")
    assert "@postgres:5432/" in job["variables"]["DATABASE_URL"]
    assert job["variables"]["GIT_DEPTH"] == "0"
    script = "\n".join(job["script"])
    assert "auditor db migrate" in script
    assert "--format junit=auditor-junit.xml" in script
    assert "CI_MERGE_REQUEST_DIFF_BASE_SHA" in script and "auditor publish" in script
    reports = job["artifacts"]["reports"]
    for key, fmt in {
        "codequality": "codequality",
        "sast": "gitlab-sast",
        "secret_detection": "gitlab-secrets",
        "dependency_scanning": "gitlab-deps",
    }.items():
        assert f"--format {fmt}={reports[key]}" in script


def test_shell_recipe_is_valid_bash() -> None:
    path = REPO / ".ci" / "recipes" / "auditor-ci.sh"
    assert path.stat().st_mode & 0o111
    subprocess.run(["bash", "-n", str(path)], check=True)
    assert 'exit "$code"' in path.read_text()


def test_pre_commit_hook_definition() -> None:
    (hook,) = load(".pre-commit-hooks.yaml")
    assert hook["id"] == "auditor"
    assert hook["stages"] == ["pre-push"]
    assert hook["pass_filenames"] is False
    assert hook["entry"].split()[0] == "auditor-pre-push" and "--pre-commit" in hook["entry"]
    pyproject = (REPO / "pyproject.toml").read_text()
    assert 'auditor-pre-push = "auditor.hook.prepush:main"' in pyproject


@pytest.mark.parametrize(
    ("marker", "path"),
    [
        ("<!-- workflow: .github/workflows/auditor.yml -->", ".github/workflows/auditor.yml"),
        ("<!-- recipe: .ci/recipes/gitlab-ci.yml -->", ".ci/recipes/gitlab-ci.yml"),
    ],
)
def test_readme_shows_the_repository_files_verbatim(marker: str, path: str) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(re.escape(marker) + r"\n```yaml\n(.*?)```\n", readme, re.DOTALL)
    assert match, f"README has no yaml block after {marker}"
    assert match.group(1) == (REPO / path).read_text(encoding="utf-8")


def test_readme_documents_the_waiver_rules() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for rule_id in ("WVR001", "WVR002", "GATE001"):
        assert get_rule(rule_id) is not None
        assert rule_id in readme
