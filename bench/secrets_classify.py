"""Classify every secrets finding of ``bench/secrets_projects.py`` (issue 22).

Reads ``bench/results/secrets_projects.json`` (each finding as ``path:line:rule``, never
a value) and sorts every finding of the base revision (``before``) and of this
checkout (``after``) into one of three classes, by the hand-written table below (rule,
path pattern, reason; each row was checked by reading the lines):

- **true secret**: a credential that would work outside the project's tests;
- **test fixture**: a value in a credential's place that is fake, a placeholder, or
  only used by tests, CI or local development (test private keys,
  ``postgres:password@localhost``, ``.env.sample`` values) -- a correct detection that
  the project would allowlist or baseline;
- **false positive**: not a credential at all (a hash, a checksum, a commit id, a
  signature, a public key, an id, an alphabet, a reference to a secret kept elsewhere).

A finding no row matches stops the run: the table must cover everything.
Writes ``bench/results/secrets_classified.md``.

Run: ``.venv/bin/python bench/secrets_classify.py`` (after ``bench/secrets_projects.py``).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
TRUE, FIXTURE, FALSE = "true secret", "test fixture", "false positive"
Row = tuple[str, str, str, str, str]
"""project, rule ids (regex), ``path:line`` (regex), class, reason."""
CRATES = "crates.io"
LEMMY = "lemmy"
TABLE: tuple[Row, ...] = (
    # crates.io: fixtures
    (CRATES, "SEC004|SEC010|SEC034", r"^\.env\.sample:", FIXTURE,
     "sample values of the `.env` template (a placeholder session key, a sample encryption key)"),
    (CRATES, "SEC005", r"^\.github/workflows/", FIXTURE, "CI test database (the `postgres` user's default password)"),
    (CRATES, "SEC005|SEC033|SEC035", r"(README|CONTRIBUTING)\.md:", FIXTURE,
     "docs: local database URLs with placeholder passwords"),
    (CRATES, "SEC018", r"(test_keys\.rs|src/tests/github_secret_scanning\.rs):", FIXTURE,
     "private keys generated for the test suite"),
    (CRATES, "SEC020", r"process_log\.rs:", FIXTURE, "test placeholder (the value repeats its name)"),
    (CRATES, "SEC005", r"index/archive\.rs:", FIXTURE, "inline test snapshot of a URL with a token `tok`"),
    (CRATES, "SEC010|SEC035", r"^e2e/acceptance/login\.spec\.ts:", FIXTURE, "mock OAuth code (`MOCK_CODE`)"),
    (CRATES, "SEC010", r"routes/session/authorize\.rs:", FIXTURE, "OAuth code in a test request body"),
    (CRATES, "SEC004", r"trustpub/src/access_token\.rs:112$", FIXTURE, "`EXAMPLE_TOKEN` of a unit test"),
    (CRATES, "SEC004", r"^src/sqs\.rs:", FIXTURE, 'fake AWS secret key of a test (`"ANOTREAL"`)'),
    (CRATES, "SEC010", r"(controllers/session\.rs:81|openapi_internal_snapshot-2\.snap:1697)$", FIXTURE,
     "OpenAPI `example` of a temporary OAuth code"),
    # crates.io: false positives
    (CRATES, "SEC004", r"trustpub/src/access_token\.rs:123$", FALSE, "inline snapshot of a token's hash"),
    (CRATES, "SEC004|SEC010", r"(keystore/load_jwks\.rs|test_keys\.rs:48$|load_jwks\.snap)", FALSE,
     "JWKS public keys: RSA modulus `n`, `x5c` certificates, key ids `kid`"),
    (CRATES, "SEC010", r"\.snap:", FALSE,
     "test snapshots: `cksum`/`checksum`/`sha256`, commit `sha`, OpenAPI examples of checksums"),
    (CRATES, "SEC010", r"(gitlab/claims|gitlab/test_helpers|versions/read|worker/build_crate_zip|"
     r"src/index|api_types/src/lib|controllers/site_metadata|controllers/session)\.rs:", FALSE,
     "checksums, commit SHAs, OpenAPI examples (checksum, commit, OAuth `state`)"),
    (CRATES, "SEC010", r"(\.test\.ts|\.spec\.ts|metadata\.ts|\.stories\.svelte|mockServiceWorker\.js):",
     FALSE, "front-end fixtures: `sha256`, `commit`, `checksum`, `INTEGRITY_CHECKSUM`"),
    (CRATES, "SEC010", r"semver_ord_v2\.rs:", FALSE, "inline snapshot of a hash"),
    (CRATES, "SEC010", r"github_secret_scanning\.rs:56$", FALSE,
     "`KEY_IDENTIFIER`: SHA-256 of a public key"),
    (CRATES, "SEC004", r"typosquat/config\.rs:", FALSE, "an alphabet (`CRATE_NAME_ALPHABET`)"),
    (CRATES, "SEC004|SEC010", r"queue/fixtures/.*\.json:", FALSE,
     "S3 event fixtures: `x-amz-id-2` request id, `eTag`"),
    (CRATES, "SEC004", r"^svelte/(static/.*\.html|svelte\.config\.js):", FALSE,
     "CSP `script-src 'sha256-…'` hashes"),
    # lemmy
    (LEMMY, "SEC020", r"^\.woodpecker\.yml:(278|280|345|353)$", FALSE,
     "`from_secret: …`: the name of a CI secret, not its value"),
    (LEMMY, "SEC020|SEC005", r"^\.woodpecker\.yml:", FIXTURE, "CI test database (`password`)"),
    (LEMMY, "SEC005", r"^(api_tests/run-federation-test\.sh|scripts/|docker/|config/defaults\.hjson|"
     r"crates/utils/src/settings/structs\.rs)", FIXTURE,
     "local/dev database URLs (the password is `password`), a docs example SMTP URL"),
    (LEMMY, "SEC020", r"^api_tests/src/", FIXTURE, "passwords of the API test suite"),
    (LEMMY, "SEC020", r"^config/defaults\.hjson:", FIXTURE,
     "documented defaults: a type-name placeholder for the pictrs key, an example admin password"),
    (LEMMY, "SEC020", r"^docker/", FIXTURE, "docker-compose dev config (pictrs key, admin password)"),
    (LEMMY, "SEC004", r"^api_tests/src/shared\.ts:", FALSE, "an alphabet (`characters`)"),
    (LEMMY, "SEC004|SEC010", r"^crates/apub/apub/assets/", FALSE,
     "ActivityPub samples: `signatureValue`/`proofValue` signatures, `nonce`, `guid`, infohashes"),
    (LEMMY, "SEC010", r"(defaults\.hjson|lemmy_epsilon\.hjson|settings/structs\.rs):", FALSE,
     "`hash:` SHA-256 of a plugin's `.wasm` file"),
)  # fmt: skip


def classify(project: str, finding: str) -> Row:
    """The first table row for ``path:line:rule``; SystemExit when none matches."""
    location, rule = finding.rsplit(":", 1)
    for row in TABLE:
        if row[0] == project and re.fullmatch(row[1], rule) and re.search(row[2], location):
            return row
    raise SystemExit(f"{project}: no class for {finding}: extend TABLE")


def main() -> None:
    data = json.loads((HERE / "results" / "secrets_projects.json").read_text())
    out = [
        "# Secrets findings on fetched projects, classified (issue 22)",
        "",
        "Generated by `bench/secrets_classify.py` from `secrets_projects.json`: every",
        "work-tree finding of the base revision (`before`) and of this branch (`after`),",
        "by rule and path (values are never recorded). Classes: *true secret* (works",
        "outside the tests), *test fixture* (fake, placeholder or test/CI/dev-only value",
        "in a credential's place), *false positive* (not a credential).",
        "",
    ]
    for project, entry in data["projects"].items():
        counts: dict[str, Counter[Row]] = {}
        for side in ("before", "after"):
            counts[side] = Counter(classify(project, f) for f in entry[side]["list"])
        out += [f"## {project} ({entry['commit'][:8]})", ""]
        out += ["| class | rules | path:line pattern | reason | before | after |"]
        out += ["|---|---|---|---|---|---|"]
        for row in TABLE:
            if row[0] != project or not (counts["before"][row] or counts["after"][row]):
                continue
            pattern = row[2].replace("|", "\\|")
            out.append(
                f"| {row[3]} | {row[1].replace('|', ', ')} | `{pattern}` | {row[4]} "
                f"| {counts['before'][row]} | {counts['after'][row]} |"
            )
        out.append("")
        for side in ("before", "after"):
            by_class = Counter(row[3] for row in counts[side].elements())
            total = sum(by_class.values())
            share = 100 * by_class[FALSE] / total if total else 0.0
            out.append(
                f"- **{side}**: {total} findings: {by_class[TRUE]} true, "
                f"{by_class[FIXTURE]} test fixtures, {by_class[FALSE]} false positives "
                f"({share:.1f}%)"
            )
        out.append("")
    path = HERE / "results" / "secrets_classified.md"
    path.write_text("\n".join(out))
    print("\n".join(out))


if __name__ == "__main__":
    main()
