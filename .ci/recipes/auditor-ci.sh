#!/usr/bin/env bash
# Any CI (Jenkins, Buildkite, a cron job): run the audit, keep the reports, exit with
# the audit's code (0 passed, 1 findings at --fail-on, 2 the audit was incomplete).
#
#   DATABASE_URL=postgresql://auditor@db:5432/app .ci/recipes/auditor-ci.sh --fail-on medium
#
# Without DATABASE_URL, families that need a database use the embedded PostgreSQL.
set -uo pipefail

python3 -m pip install --quiet "${AUDITOR_PACKAGE:-auditor}" || exit 2
if [ "${AUDITOR_MIGRATE:-0}" = 1 ]; then
  auditor db migrate || exit 2
fi
code=0
auditor audit --profile ci \
  --format md=auditor-report.md --format json=auditor.json \
  --format junit=auditor-junit.xml --format sarif=auditor.sarif "$@" || code=$?
echo "auditor exit code: $code (0 passed, 1 findings at --fail-on, 2 incomplete)"
exit "$code"
