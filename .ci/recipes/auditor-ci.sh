#!/usr/bin/env bash
# Any CI (Jenkins, Buildkite, a cron job): run the audit, keep the reports, exit with
# the audit's code (0 passed, 1 findings at --fail-on, 2 the audit was incomplete).
#
#   DATABASE_URL=postgresql://auditor@db:5432/app .ci/recipes/auditor-ci.sh --fail-on medium
#
# Without DATABASE_URL, families that need a database use the embedded PostgreSQL.
# AUDITOR_PUBLISH="--repo owner/name --pr 7" (any value, e.g. " ") also posts the report.
set -uo pipefail

python3 -m pip install --quiet "${AUDITOR_PACKAGE:-auditor}" || exit 2
if [ "${AUDITOR_MIGRATE:-0}" = 1 ]; then
  auditor db migrate || exit 2
fi
code=0
auditor audit --profile ci \
  --format md=auditor-report.md --format json=auditor.json \
  --format junit=auditor-junit.xml --format sarif=auditor.sarif "$@" || code=$?
if [ -n "${AUDITOR_PUBLISH:-}" ]; then
  # the PR comment and SARIF upload from any CI: GITHUB_TOKEN (or GITLAB_TOKEN) and the
  # PR from the CI's variables (CircleCI, Buildkite, Jenkins) or AUDITOR_PUBLISH's options
  # shellcheck disable=SC2086 # AUDITOR_PUBLISH is a list of options
  auditor publish $AUDITOR_PUBLISH || code=2
fi
echo "auditor exit code: $code (0 passed, 1 findings at --fail-on, 2 incomplete)"
exit "$code"
