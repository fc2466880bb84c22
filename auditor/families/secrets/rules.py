"""Secret rules: one rule id per secret type (SEC001... detect-secrets' and the
scanner's own, SEC100... the typed provider tokens of ``detectors.py``).

The scanner (``auditor.families.secrets``) finds :class:`SecretHit` values; this
module maps each type to its rule and turns hits into findings. A hit carries the
type, the place and a hash, never the value: the message shows at most the first
four characters. The fingerprint is file + rule (type) + hash of the secret, so it
survives line moves, as detect-secrets' baseline keys do.

Examples in the documentation are fake and carry ``pragma: allowlist secret``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from auditor.core.findings import Finding, Hit, Location, Severity
from auditor.core.rules import Rule, register
from auditor.families.secrets.detectors import DETECTORS, Detector
from auditor.families.secrets.model import SecretHit

FAMILY = "secrets"


@dataclass(frozen=True)
class SecretType:
    """A secret type, its rule id and default severity, with doc examples."""

    rule_id: str
    type: str
    severity: Severity
    what: str
    bad: str
    """One line of fake, allowlisted code that shows the leak."""
    good: str


TYPES: tuple[SecretType, ...] = (
    SecretType(
        "SEC001",
        "AWS Access Key",
        Severity.CRITICAL,
        "an AWS access key id or secret key",
        'aws_access_key = "AKIAIEQH524YNG5BY1A2"  # pragma: allowlist secret',
        'aws_access_key_id = os.environ["AWS_ACCESS_KEY_ID"]',
    ),
    SecretType(
        "SEC002",
        "Artifactory Credentials",
        Severity.HIGH,
        "an Artifactory API token or password",
        'ARTIFACTORY_TOKEN = "AKCfakefakefakefake"  # pragma: allowlist secret',
        'ARTIFACTORY_TOKEN = os.environ["ARTIFACTORY_TOKEN"]',
    ),
    SecretType(
        "SEC003",
        "Azure Storage Account access key",
        Severity.CRITICAL,
        "an Azure storage account key",
        'conn = "AccountName=demo;AccountKey=X1fH+ZM9TBrKrmGsNmjQ8mT3OA94HhblZa/QFPiyCEs5lkO+nMLpQAK4lXOELxyxeH8ilqtekYJEB1J5/TkPo+=="  # pragma: allowlist secret',
        'conn = os.environ["AZURE_STORAGE_CONNECTION_STRING"]',
    ),
    SecretType(
        "SEC004",
        "Base64 High Entropy String",
        Severity.MEDIUM,
        "a random-looking quoted base64 string",
        'signing_key = "X1fH+ZM9TBrKrmGsNmjQ8mT3OA94HhblZa/QFPiyCEs5"  # pragma: allowlist secret',
        'signing_key = os.environ["SIGNING_KEY"]',
    ),
    SecretType(
        "SEC005",
        "Basic Auth Credentials",
        Severity.HIGH,
        "a URL with a user and password",
        'url = "https://user:fakepass@example.com/"  # pragma: allowlist secret',
        "url = f\"https://user:{os.environ['PASSWORD']}@example.com/\"",
    ),
    SecretType(
        "SEC006",
        "Cloudant Credentials",
        Severity.HIGH,
        "an IBM Cloudant password or API key",
        'cloudant_password = "fakefakefakefakefakefake"  # pragma: allowlist secret',
        'cloudant_password = os.environ["CLOUDANT_PASSWORD"]',
    ),
    SecretType(
        "SEC007",
        "Discord Bot Token",
        Severity.HIGH,
        "a Discord bot token",
        'DISCORD_TOKEN = "M2yW4Acq9GFz6Y1t9EwL56nG.Zq6ITZ.M5jtgUe52RvEJgwBuNO6n9JEC3H"  # pragma: allowlist secret',
        'DISCORD_TOKEN = os.environ["DISCORD_TOKEN"]',
    ),
    SecretType(
        "SEC008",
        "GitHub Token",
        Severity.HIGH,
        "a classic GitHub token (ghp_, gho_, ghs_...)",
        'GITHUB_TOKEN = "ghp_2yW4Acq9GFz6Y1t9EwL56nGisiWgNZq6ITZM"  # pragma: allowlist secret',
        'GITHUB_TOKEN = os.environ["GITHUB_TOKEN"]',
    ),
    SecretType(
        "SEC009",
        "GitLab Token",
        Severity.HIGH,
        "a GitLab token (glpat-...)",
        'GITLAB_TOKEN = "glpat-2yW4Acq9GFz6Y1t9EwL5"  # pragma: allowlist secret',
        'GITLAB_TOKEN = os.environ["GITLAB_TOKEN"]',
    ),
    SecretType(
        "SEC010",
        "Hex High Entropy String",
        Severity.MEDIUM,
        "a random-looking quoted hex string",
        'api_secret = "cd18fc9fb6494384932af3bda6fe8102c0fa7a26"  # pragma: allowlist secret',
        'api_secret = os.environ["API_SECRET"]',
    ),
    SecretType(
        "SEC011",
        "IBM Cloud IAM Key",
        Severity.HIGH,
        "an IBM Cloud IAM API key",
        'ibm_cloud_iam_key = "2yW4Acq9GFz6Y1t9EwL56nGisiWgNZq6ITZM5jtgUe52"  # pragma: allowlist secret',
        'ibm_cloud_iam_key = os.environ["IBM_CLOUD_API_KEY"]',
    ),
    SecretType(
        "SEC012",
        "IBM COS HMAC Credentials",
        Severity.HIGH,
        "an IBM Cloud Object Storage HMAC secret",
        'secret_access_key = "cd18fc9fb6494384932af3bda6fe8102c0fa7a26774e22af"  # pragma: allowlist secret',
        'secret_access_key = os.environ["COS_SECRET_ACCESS_KEY"]',
    ),
    SecretType(
        "SEC013",
        "Public IP (ipv4)",
        Severity.LOW,
        "a public IPv4 address (infrastructure detail)",
        'db_host = "203.0.113.7"  # pragma: allowlist secret',
        'db_host = os.environ["DB_HOST"]',
    ),
    SecretType(
        "SEC014",
        "JSON Web Token",
        Severity.HIGH,
        "a signed JSON Web Token",
        'token = "eyJhbGciOiAiSFMyNTYiLCAidHlwIjogIkpXVCJ9.eyJzdWIiOiAiMnlXNEFjcTlHRno2IiwgIm4iOiA4MjE4NzJ9.1t9EwL56nGisiWgNZq6ITZM5jtgUe52RvEJgwBuNO6n"  # pragma: allowlist secret',
        'token = request.headers["Authorization"]',
    ),
    SecretType(
        "SEC015",
        "Mailchimp Access Key",
        Severity.HIGH,
        "a Mailchimp API key",
        'MAILCHIMP_KEY = "y0cq65zt4wn6isigq8jtgev49gw1un94-us12"  # pragma: allowlist secret',
        'MAILCHIMP_KEY = os.environ["MAILCHIMP_KEY"]',
    ),
    SecretType(
        "SEC016",
        "NPM tokens",
        Severity.HIGH,
        "an npm auth token in .npmrc",
        "//registry.npmjs.org/:_authToken=npm_FAKE  # pragma: allowlist secret",
        "//registry.npmjs.org/:_authToken=${NPM_TOKEN}",
    ),
    SecretType(
        "SEC017",
        "OpenAI Token",
        Severity.HIGH,
        "an OpenAI API key",
        'OPENAI_API_KEY = "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"  # pragma: allowlist secret',
        'OPENAI_API_KEY = os.environ["OPENAI_API_KEY"]',
    ),
    SecretType(
        "SEC018",
        "Private Key",
        Severity.CRITICAL,
        "a private key (RSA, DSA, EC, OpenSSH, PGP...)",
        "-----BEGIN RSA PRIVATE KEY-----  # pragma: allowlist secret",
        "load the key from a file outside the repository or a secret manager",
    ),
    SecretType(
        "SEC019",
        "PyPI Token",
        Severity.HIGH,
        "a PyPI upload token",
        'password = "pypi-AgEIcHlwaS5vcmc2yW4Acq9GFz6Y1t9EwL56nGisiWgNZq6ITZM5jtgUe52RvEJgwBuNO6n9JEC3HqdZ6J6afU1"  # pragma: allowlist secret',
        'password = os.environ["PYPI_TOKEN"]',
    ),
    SecretType(
        "SEC020",
        "Secret Keyword",
        Severity.HIGH,
        "a value assigned to a password/secret/api_key-like name",
        'db_password = "fake-password"  # pragma: allowlist secret',
        'db_password = os.environ["DB_PASSWORD"]',
    ),
    SecretType(
        "SEC021",
        "SendGrid API Key",
        Severity.HIGH,
        "a SendGrid API key",
        'SENDGRID_API_KEY = "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"  # pragma: allowlist secret',
        'SENDGRID_API_KEY = os.environ["SENDGRID_API_KEY"]',
    ),
    SecretType(
        "SEC022",
        "Slack Token",
        Severity.HIGH,
        "a Slack token or incoming-webhook URL",
        'SLACK_TOKEN = "xoxb-0-fake"  # pragma: allowlist secret',
        'SLACK_TOKEN = os.environ["SLACK_TOKEN"]',
    ),
    SecretType(
        "SEC023",
        "SoftLayer Credentials",
        Severity.HIGH,
        "a SoftLayer API key",
        'softlayer_api_key = "y0cq65zt4wn6isigq8jtgev49gw1un9427qd9afza5vpuemopj82ffu65gt9sh9v"  # pragma: allowlist secret',
        'softlayer_api_key = os.environ["SL_API_KEY"]',
    ),
    SecretType(
        "SEC024",
        "Square OAuth Secret",
        Severity.HIGH,
        "a Square OAuth secret",
        'SQUARE_SECRET = "sq0csp-2yW4Acq9GFz6Y1t9EwL56nGisiWgNZq6ITZM5jtgUe5"  # pragma: allowlist secret',
        'SQUARE_SECRET = os.environ["SQUARE_SECRET"]',
    ),
    SecretType(
        "SEC025",
        "Stripe Access Key",
        Severity.CRITICAL,
        "a live Stripe secret or restricted key",
        'STRIPE_KEY = "sk_live_2yW4Acq9GFz6Y1t9EwL56nGi"  # pragma: allowlist secret',
        'STRIPE_KEY = os.environ["STRIPE_KEY"]',
    ),
    SecretType(
        "SEC026",
        "Telegram Bot Token",
        Severity.HIGH,
        "a Telegram bot token",
        'BOT_TOKEN = "513653999:W4Acq9GFz6Y1t9EwL56nGisiWgNZq6ITZM5"  # pragma: allowlist secret',
        'BOT_TOKEN = os.environ["BOT_TOKEN"]',
    ),
    SecretType(
        "SEC027",
        "Twilio API Key",
        Severity.HIGH,
        "a Twilio account SID or API key",
        'TWILIO_KEY = "SKy0cq65zt4wn6isigq8jtgev49gw1un94"  # pragma: allowlist secret',
        'TWILIO_KEY = os.environ["TWILIO_KEY"]',
    ),
    SecretType(
        "SEC030",
        "GitHub Fine-Grained Token",
        Severity.HIGH,
        "a fine-grained GitHub token (github_pat_...)",
        'GITHUB_TOKEN = "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"  # pragma: allowlist secret',
        'GITHUB_TOKEN = os.environ["GITHUB_TOKEN"]',
    ),
    SecretType(
        "SEC031",
        "Stripe Test Key",
        Severity.MEDIUM,
        "a Stripe test secret or restricted key (sk_test_, rk_test_)",
        'STRIPE_KEY = "rk_test_W4Acq9GFz6Y1t9EwL56nGisi"  # pragma: allowlist secret',
        'STRIPE_KEY = os.environ["STRIPE_KEY"]',
    ),
    SecretType(
        "SEC032",
        "PEM Private Key",
        Severity.CRITICAL,
        "a PEM private key (ENCRYPTED, ANY, Ed25519... headers)",
        "-----BEGIN ENCRYPTED PRIVATE KEY-----  # pragma: allowlist secret",
        "load the key from a file outside the repository or a secret manager",
    ),
    SecretType(
        "SEC033",
        "Database Connection String",
        Severity.HIGH,
        "a PostgreSQL/MySQL/Redis URL with a password",
        'DATABASE_URL = "postgresql://:2yW4Acq9GFz6!x@db:5432/app"  # pragma: allowlist secret',
        'DATABASE_URL = os.environ["DATABASE_URL"]',
    ),
    SecretType(
        "SEC034",
        "Env File High Entropy Value",
        Severity.HIGH,
        "an unquoted random-looking value in a .env file",
        "# .env\nAPI_TOKEN=2yW4Acq9GFz6Y1t9EwL56nGisiWgNZq6  # pragma: allowlist secret",
        "# .env (better: keep it out of git, commit a .env.example)\nAPI_TOKEN=${API_TOKEN}",
    ),
)
EXTRA_TYPES: tuple[SecretType, ...] = (
    SecretType(
        "SEC035",
        "Example Credential",
        Severity.INFO,
        "a documented fake or placeholder credential (an EXAMPLE key, your_api_key, xxxx...)",
        'aws_access_key_id = "AKIAIOSFODNN7EXAMPLE"  # pragma: allowlist secret',
        'aws_access_key_id = os.environ["AWS_ACCESS_KEY_ID"]  # and no sample value at all',
    ),
    SecretType(
        "SEC036",
        "Kubernetes Secret Data",
        Severity.HIGH,
        "a value under data: or stringData: of a kind: Secret manifest (base64 is not encryption)",
        "# secret.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n"
        "  password: c2VjcmV0LXBhc3N3b3Jk  # pragma: allowlist secret",
        "# secret.yaml (an ExternalSecret, a SealedSecret or a secret manager: no value)\n"
        "apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata:\n  name: db",
    ),
)


def _typed(detector: Detector) -> SecretType:
    env = re.sub(r"[^A-Z0-9]+", "_", detector.name.upper()).strip("_")
    if detector.context:  # the name must hold the context word, or nothing matches
        env = detector.context.split("|")[0].upper() + "_KEY"
    env = env.removesuffix("_ID")  # detect-secrets skips values of *_id names (likely ids)
    return SecretType(
        detector.rule_id,
        detector.name,
        Severity.parse(detector.severity),
        f"a {detector.name} ({detector.describe()}); check and revoke it at {detector.provider}",
        f'{env} = "{detector.fake()}"  # pragma: allowlist secret',
        f'{env} = os.environ["{env}"]',
    )


TYPED: tuple[SecretType, ...] = tuple(_typed(d) for d in DETECTORS)
"""One rule per typed provider token, at the detector's severity."""
OTHER = SecretType(
    "SEC099",
    "",
    Severity.HIGH,
    "a secret of a type from a custom plugin",
    'token = "fake"  # pragma: allowlist secret',
    'token = os.environ["TOKEN"]',
)
BY_TYPE = {t.type: t for t in (*TYPES, *EXTRA_TYPES, *TYPED)}


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.splitlines())


def _doc(item: SecretType) -> str:
    kind = item.type or "custom plugin types"
    return (
        f"A {kind} is committed: {item.what}.\n\n"
        "Anyone who can read the repository (or its history, forks and CI logs) can use it.\n"
        "Remove it, rotate it (it is compromised once pushed), and load it at run time.\n"
        "A false positive is silenced with an inline `pragma: allowlist secret` comment\n"
        "or by recording it in `.secrets.baseline` (`auditor secrets scan --update-baseline`).\n\n"
        f"Bad:\n\n{_indent(item.bad)}\n\nGood:\n\n{_indent(item.good)}\n"
    )


for _item in (*TYPES, *EXTRA_TYPES, *TYPED, OTHER):
    register(
        Rule(
            id=_item.rule_id,
            family=FAMILY,
            severity=_item.severity,
            title=f"No {_item.type or 'secret of another type'} is committed",
            doc=_doc(_item),
        )
    )


def rule_for(secret_type: str) -> SecretType:
    """The rule of a secret type (SEC099 for types from custom plugins)."""
    return BY_TYPE.get(secret_type, OTHER)


def hit_for(secret: SecretHit) -> Hit:
    """The check's view of a secret: message and evidence without the value."""
    where = f" (added in {secret.commit[:12]})" if secret.commit else ""
    return Hit(
        message=f"{secret.type} committed: {secret.preview}{where}",
        location=Location(file=secret.file, line=secret.line, commit=secret.commit),
        fix="remove it, rotate it, load it at run time; or allowlist/baseline a false positive",
        key=f"{secret.type}:{secret.hashed_secret}",
        evidence=(("type", secret.type), ("preview", secret.preview)),
    )


UNSCANNED = Rule(
    id="SEC098",
    family=FAMILY,
    severity=Severity.MEDIUM,
    title="Every file is scanned for secrets",
    doc=(
        "A file could not be scanned (larger than `max-bytes`, a line too long for the\n"
        "detectors, unreadable), so a secret in it would go unseen: the default gate does\n"
        "not report PASSED over it. Raise `max-bytes`, split the file, or exclude it\n"
        "deliberately in `[tool.auditor.secrets] exclude`.\n\n"
        "Bad:\n\n    dump.sql  (3 MiB, over the 2 MiB max-bytes: skipped unread)\n\n"
        'Good:\n\n    [tool.auditor.secrets]\n    exclude = ["fixtures/dump.sql"]  # reviewed\n'
    ),
)
register(UNSCANNED)
UNSCANNABLE = ("larger than", "a line longer than", "unreadable")
"""Skip reasons that mean "could not be scanned" (not a deliberate exclude)."""


def unscanned_findings(skipped: Iterable[tuple[str, str]]) -> list[Finding]:
    """One SEC098 finding per ``(path, reason)`` that could not be scanned."""
    return [
        Finding.from_hit(
            UNSCANNED.id,
            UNSCANNED.severity,
            FAMILY,
            Hit(
                message=f"not scanned for secrets: {reason}",
                location=Location(file=path),
                fix="raise max-bytes, split the file, or exclude it deliberately",
                key=f"unscanned:{path}",
                evidence=(("reason", reason),),
            ),
        )
        for path, reason in skipped
        if reason.startswith(UNSCANNABLE)
    ]


def findings_for(
    secrets: Iterable[SecretHit], overrides: dict[str, Severity] | None = None
) -> list[Finding]:
    """One finding per secret, with its type's rule id and severity."""
    out = []
    for secret in secrets:
        item = rule_for(secret.type)
        severity = (overrides or {}).get(item.rule_id, item.severity)
        out.append(Finding.from_hit(item.rule_id, severity, FAMILY, hit_for(secret)))
    return out
