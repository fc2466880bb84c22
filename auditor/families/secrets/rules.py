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
        'aws_access_key_id = "AKIAIOSFODNN7EXAMPLE"  # pragma: allowlist secret',
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
        'conn = "AccountName=x;AccountKey=fake...=="  # pragma: allowlist secret',
        'conn = os.environ["AZURE_STORAGE_CONNECTION_STRING"]',
    ),
    SecretType(
        "SEC004",
        "Base64 High Entropy String",
        Severity.MEDIUM,
        "a random-looking quoted base64 string",
        'signing_key = "fake+base64/value+that+looks+random=="  # pragma: allowlist secret',
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
        'DISCORD_TOKEN = "MFAKE.fake.fake"  # pragma: allowlist secret',
        'DISCORD_TOKEN = os.environ["DISCORD_TOKEN"]',
    ),
    SecretType(
        "SEC008",
        "GitHub Token",
        Severity.HIGH,
        "a classic GitHub token (ghp_, gho_, ghs_...)",
        'GITHUB_TOKEN = "ghp_FAKEFAKE"  # pragma: allowlist secret',
        'GITHUB_TOKEN = os.environ["GITHUB_TOKEN"]',
    ),
    SecretType(
        "SEC009",
        "GitLab Token",
        Severity.HIGH,
        "a GitLab token (glpat-...)",
        'GITLAB_TOKEN = "glpat-FAKEFAKE"  # pragma: allowlist secret',
        'GITLAB_TOKEN = os.environ["GITLAB_TOKEN"]',
    ),
    SecretType(
        "SEC010",
        "Hex High Entropy String",
        Severity.MEDIUM,
        "a random-looking quoted hex string",
        'api_secret = "0123456789abcdef-fake"  # pragma: allowlist secret',
        'api_secret = os.environ["API_SECRET"]',
    ),
    SecretType(
        "SEC011",
        "IBM Cloud IAM Key",
        Severity.HIGH,
        "an IBM Cloud IAM API key",
        'ibm_cloud_iam_key = "fake-fake-fake"  # pragma: allowlist secret',
        'ibm_cloud_iam_key = os.environ["IBM_CLOUD_API_KEY"]',
    ),
    SecretType(
        "SEC012",
        "IBM COS HMAC Credentials",
        Severity.HIGH,
        "an IBM Cloud Object Storage HMAC secret",
        'secret_access_key = "fakefakefake"  # pragma: allowlist secret',
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
        'token = "eyJfake.eyJfake.fake"  # pragma: allowlist secret',
        'token = request.headers["Authorization"]',
    ),
    SecretType(
        "SEC015",
        "Mailchimp Access Key",
        Severity.HIGH,
        "a Mailchimp API key",
        'MAILCHIMP_KEY = "fakefake-us1"  # pragma: allowlist secret',
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
        'OPENAI_API_KEY = "sk-FAKE"  # pragma: allowlist secret',
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
        'password = "pypi-FAKE"  # pragma: allowlist secret',
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
        'SENDGRID_API_KEY = "SG.fake.fake"  # pragma: allowlist secret',
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
        'softlayer_api_key = "fakefake"  # pragma: allowlist secret',
        'softlayer_api_key = os.environ["SL_API_KEY"]',
    ),
    SecretType(
        "SEC024",
        "Square OAuth Secret",
        Severity.HIGH,
        "a Square OAuth secret",
        'SQUARE_SECRET = "sq0csp-FAKE"  # pragma: allowlist secret',
        'SQUARE_SECRET = os.environ["SQUARE_SECRET"]',
    ),
    SecretType(
        "SEC025",
        "Stripe Access Key",
        Severity.CRITICAL,
        "a live Stripe secret or restricted key",
        'STRIPE_KEY = "sk_live_FAKE"  # pragma: allowlist secret',
        'STRIPE_KEY = os.environ["STRIPE_KEY"]',
    ),
    SecretType(
        "SEC026",
        "Telegram Bot Token",
        Severity.HIGH,
        "a Telegram bot token",
        'BOT_TOKEN = "123456789:FAKE"  # pragma: allowlist secret',
        'BOT_TOKEN = os.environ["BOT_TOKEN"]',
    ),
    SecretType(
        "SEC027",
        "Twilio API Key",
        Severity.HIGH,
        "a Twilio account SID or API key",
        'TWILIO_KEY = "SKfake"  # pragma: allowlist secret',
        'TWILIO_KEY = os.environ["TWILIO_KEY"]',
    ),
    SecretType(
        "SEC030",
        "GitHub Fine-Grained Token",
        Severity.HIGH,
        "a fine-grained GitHub token (github_pat_...)",
        'GITHUB_TOKEN = "github_pat_FAKE_FAKE"  # pragma: allowlist secret',
        'GITHUB_TOKEN = os.environ["GITHUB_TOKEN"]',
    ),
    SecretType(
        "SEC031",
        "Stripe Test Key",
        Severity.MEDIUM,
        "a Stripe test secret or restricted key (sk_test_, rk_test_)",
        'STRIPE_KEY = "sk_test_FAKE"  # pragma: allowlist secret',
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
        'DATABASE_URL = "postgresql://app:fake@db/app"  # pragma: allowlist secret',
        'DATABASE_URL = os.environ["DATABASE_URL"]',
    ),
    SecretType(
        "SEC034",
        "Env File High Entropy Value",
        Severity.HIGH,
        "an unquoted random-looking value in a .env file",
        "API_TOKEN=FakeFake0123FakeFake  # pragma: allowlist secret",
        "keep .env out of git (.gitignore) and commit a .env.example without values",
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
        "data:\n      password: c2VjcmV0LXBhc3N3b3Jk  # pragma: allowlist secret",
        "a SealedSecret, an ExternalSecret or a secret manager; the manifest holds no value",
    ),
)


def _typed(detector: Detector) -> SecretType:
    env = re.sub(r"[^A-Z0-9]+", "_", detector.name.upper()).strip("_")
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


def _doc(item: SecretType) -> str:
    kind = item.type or "custom plugin types"
    return (
        f"A {kind} is committed: {item.what}.\n\n"
        "Anyone who can read the repository (or its history, forks and CI logs) can use it.\n"
        "Remove it, rotate it (it is compromised once pushed), and load it at run time.\n"
        "A false positive is silenced with an inline `pragma: allowlist secret` comment\n"
        "or by recording it in `.secrets.baseline` (`auditor secrets scan --update-baseline`).\n\n"
        f"Bad:\n\n    {item.bad}\n\nGood:\n\n    {item.good}\n"
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
