"""Typed credential detectors, as data: one entry per provider token format.

Each :class:`Detector` is a rule id, a secret type, the token's *shape* (literal
prefixes and runs of a named alphabet with their lengths, written from each
provider's documented format), the provider (where to check and revoke it) and a
severity. The shape gives everything else: the regular expression, the keywords of
the fast prefilter, a synthetic token for the tests and a fake one for the docs.
A detector with a ``context`` only matches a value assigned to a name that holds
that word (``HEROKU_API_KEY = <uuid>``): its token has no prefix of its own.

This module imports nothing but the standard library: detect-secrets loads the
plugin that uses it by file path, outside the ``auditor`` package.
"""

from __future__ import annotations

import base64
import random
import re
from dataclasses import dataclass, field
from typing import TypeGuard

ALPHABETS = {
    "A": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    "a": "abcdefghijklmnopqrstuvwxyz0123456789",
    "U": "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    "L": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    "h": "0123456789abcdef",
    "H": "0123456789ABCDEF",
    "d": "0123456789",
    "u": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
    "b": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
    "z": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.~-",
    "B": "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L",
}
"""Alphabets by one-letter name: ``A`` base62, ``a`` lower base36, ``U`` upper base36,
``L`` letters, ``h``/``H`` hex, ``d`` digits, ``u`` base64url, ``b`` base64, ``z``
base64url plus ``.~``, ``B`` bech32 (upper case)."""
ALPHABET_WORDS = {
    "A": "base62",
    "a": "lower base36",
    "U": "upper base36",
    "L": "letters",
    "h": "hex",
    "H": "upper hex",
    "d": "digits",
    "u": "base64url",
    "b": "base64",
    "z": "base64url/.~",
    "B": "bech32",
}
WORD = "A-Za-z0-9_"
Run = tuple[str, int, int]
"""A run of characters: alphabet name (or several, concatenated), minimum, maximum."""
Part = str | Run | tuple[str, ...]
"""A literal, a run, or literal alternatives (a tuple of two or more strings)."""


def run(alphabet: str, low: int, high: int | None = None) -> Run:
    """A run of ``low`` (to ``high``) characters of the named alphabet(s)."""
    return (alphabet, low, low if high is None else high)


UUID = (run("h", 8), "-", run("h", 4), "-", run("h", 4), "-", run("h", 4), "-", run("h", 12))


def _is_run(part: Part) -> TypeGuard[Run]:
    return isinstance(part, tuple) and len(part) == 3 and isinstance(part[1], int)


def _chars(names: str) -> str:
    return "".join(dict.fromkeys("".join(ALPHABETS.get(n, n) for n in names)))


def _alphabet_words(names: str) -> str:
    return "/".join(ALPHABET_WORDS.get(n, repr(n)) for n in names)


def _pem_b64(kind: str) -> str:
    """The base64 of a PEM private-key header, cut at a 3-byte boundary."""
    header = f"-----BEGIN {kind}PRIVATE KEY-----".encode()
    return base64.b64encode(header[: len(header) // 3 * 3]).decode()


@dataclass(frozen=True)
class Detector:
    """One provider token format and the rule that reports it."""

    rule_id: str
    name: str
    """The secret type (the name in findings and baselines)."""
    shape: tuple[Part, ...]
    provider: str
    """Where the token is checked and revoked (the verification hint)."""
    severity: str = "high"
    context: str = ""
    """A word the assigned name must hold (``heroku``); empty when the shape has a prefix."""
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)
    keywords: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", re.compile(self.regex()))
        object.__setattr__(self, "keywords", self._keywords())

    def regex(self) -> str:
        """The token's regular expression; group 1 is the secret."""
        body = "".join(_part_regex(p) for p in self.shape)
        last = self.shape[-1]
        tail = f"(?![{re.escape(_chars(last[0]))}])" if _is_run(last) else ""
        if self.context:
            lead = rf"(?i:{self.context})[\w.\-]{{0,30}}?['\"]?\s*(?::|=|:=|=>)\s*['\"]?"
            return f"{lead}({body}){tail}"
        return rf"(?<![{WORD}])({body}){tail}"

    def _keywords(self) -> tuple[str, ...]:
        if self.context:
            return tuple(self.context.lower().split("|"))
        first = self.shape[0]
        if isinstance(first, str):
            return (first.lower(),)
        if not _is_run(first):
            return tuple(str(p).lower() for p in first)
        literals = [p for p in self.shape if isinstance(p, str) and len(p) >= 2]
        return (max(literals, key=len).lower(),) if literals else ()

    def sample(self, rng: random.Random, short: bool = False) -> str:
        """A synthetic token of this shape (``short``: one character too few, not a match)."""
        out = []
        cut = short
        for part in self.shape:
            if isinstance(part, str):
                out.append(part)
            elif _is_run(part):
                alphabet, low, high = part
                size = rng.randint(low, high)
                if cut:
                    size, cut = low - 1, False
                out.append("".join(rng.choice(_chars(alphabet)) for _ in range(size)))
            else:
                out.append(rng.choice(part))  # type: ignore[arg-type]
        return "".join(out)

    def describe(self) -> str:
        """The shape in words: ``ghp_`` + 36 base62."""
        words = []
        for part in self.shape:
            if isinstance(part, str):
                words.append(f"`{part}`")
            elif _is_run(part):
                alphabet, low, high = part
                count = str(low) if low == high else f"{low}-{high}"
                words.append(f"{count} {_alphabet_words(alphabet)}")
            else:
                words.append(" or ".join(f"`{p}`" for p in part))
        lead = (
            f"assigned to a name with {self.context.replace('|', ' or ')}: " if self.context else ""
        )
        return lead + " + ".join(words)

    def fake(self) -> str:
        """A documentation placeholder: the fixed prefix and an ellipsis."""
        first = self.shape[0]
        prefix = first if isinstance(first, str) else ""
        return prefix + "FAKE…"

    def line(self, token: str) -> str:
        """A line that assigns ``token`` the way the format is used."""
        name = (self.context.split("|")[0] if self.context else "token").upper()
        return f'{name}_KEY = "{token}"'


def _part_regex(part: Part) -> str:
    if isinstance(part, str):
        return re.escape(part)
    if _is_run(part):
        alphabet, low, high = part
        count = f"{{{low}}}" if low == high else f"{{{low},{high}}}"
        return f"[{re.escape(_chars(alphabet))}]{count}"
    return "(?:" + "|".join(re.escape(str(p)) for p in part) + ")"


def _d(
    rule_id: str,
    name: str,
    provider: str,
    *shape: Part,
    severity: str = "high",
    context: str = "",
) -> Detector:
    return Detector(rule_id, name, tuple(shape), provider, severity, context)


C = "critical"
H40, H32, H64 = run("h", 40), run("h", 32), run("h", 64)

# fmt: off
DETECTORS: tuple[Detector, ...] = (
    # AI and machine learning services
    _d("SEC100", "Anthropic API Key", "console.anthropic.com", "sk-ant-api03-", run("u", 93), "AA"),
    _d("SEC101", "Anthropic Admin Key", "console.anthropic.com", "sk-ant-admin01-", run("u", 93),
       "AA", severity=C),
    _d("SEC102", "OpenAI Project Key", "platform.openai.com",
       ("sk-proj-", "sk-svcacct-", "sk-admin-"), run("u", 20, 200), "T3BlbkFJ", run("u", 20, 200)),
    _d("SEC103", "Hugging Face Token", "huggingface.co/settings/tokens", ("hf_", "api_org_"),
       run("L", 34)),
    _d("SEC104", "Groq API Key", "console.groq.com", "gsk_", run("A", 52)),
    _d("SEC105", "Replicate API Token", "replicate.com/account", "r8_", run("A", 37)),
    _d("SEC106", "Perplexity API Key", "perplexity.ai/settings/api", "pplx-", run("A", 48)),
    _d("SEC107", "xAI API Key", "console.x.ai", "xai-", run("A", 80)),
    _d("SEC108", "OpenRouter API Key", "openrouter.ai/keys", "sk-or-v1-", H64),
    _d("SEC109", "LangSmith API Key", "smith.langchain.com", ("lsv2_pt_", "lsv2_sk_"), H32, "_",
       run("h", 10)),
    _d("SEC110", "Langfuse Secret Key", "cloud.langfuse.com", "sk-lf-", *UUID),
    _d("SEC111", "Cerebras API Key", "cloud.cerebras.ai", "csk-", run("a", 48)),
    _d("SEC112", "ElevenLabs API Key", "elevenlabs.io", "sk_", run("h", 48)),
    _d("SEC113", "Cohere API Key", "dashboard.cohere.com", run("A", 40), context="cohere"),
    _d("SEC114", "Mistral API Key", "console.mistral.ai", run("A", 32), context="mistral"),
    _d("SEC115", "Pinecone API Key", "app.pinecone.io", *UUID, context="pinecone"),
    _d("SEC116", "AssemblyAI API Key", "assemblyai.com/app", H32, context="assemblyai"),
    _d("SEC117", "Azure OpenAI Key", "portal.azure.com", H32, context="azure_openai|azureopenai"),
    _d("SEC118", "Weights & Biases API Key", "wandb.ai/authorize", H40, context="wandb"),
    _d("SEC119", "Kaggle API Key", "kaggle.com/settings", H32, context="kaggle"),
    # cloud providers
    _d("SEC120", "GCP API Key", "console.cloud.google.com/apis/credentials", "AIza",
       run("u", 35)),
    _d("SEC121", "Google OAuth Client Secret", "console.cloud.google.com/apis/credentials",
       "GOCSPX-", run("u", 28)),
    _d("SEC122", "Google OAuth Access Token", "oauth2.googleapis.com/tokeninfo", "ya29.",
       run("u", 30, 300)),
    _d("SEC123", "Google OAuth Refresh Token", "myaccount.google.com/permissions", "1//0",
       run("u", 40, 300)),
    _d("SEC124", "Azure AD Client Secret", "portal.azure.com (App registrations)", run("A", 3),
       run("d", 1), "Q~", run("z", 31, 34), severity=C),
    _d("SEC125", "Alibaba Cloud AccessKey ID", "ram.console.aliyun.com", "LTAI", run("A", 20),
       severity=C),
    _d("SEC126", "Alibaba Cloud AccessKey Secret", "ram.console.aliyun.com", run("A", 30),
       context="alibaba|aliyun", severity=C),
    _d("SEC127", "Tencent Cloud SecretId", "console.cloud.tencent.com/cam", "AKID", run("A", 32),
       severity=C),
    _d("SEC128", "DigitalOcean Token", "cloud.digitalocean.com/account/api",
       ("dop_v1_", "doo_v1_", "dor_v1_"), H64, severity=C),
    _d("SEC129", "Linode API Token", "cloud.linode.com/profile/tokens", H64, context="linode",
       severity=C),
    _d("SEC130", "Vultr API Key", "my.vultr.com/settings", run("U", 36), context="vultr",
       severity=C),
    _d("SEC131", "Hetzner Cloud API Token", "console.hetzner.cloud", run("A", 64),
       context="hetzner|hcloud", severity=C),
    _d("SEC132", "Scaleway Access Key", "console.scaleway.com/iam", "SCW", run("U", 17)),
    _d("SEC133", "Scaleway Secret Key", "console.scaleway.com/iam", *UUID, context="scaleway|scw",
       severity=C),
    _d("SEC134", "Cloudflare API Token", "dash.cloudflare.com/profile/api-tokens", run("u", 40),
       context="cloudflare|cf_api"),
    _d("SEC135", "Cloudflare Global API Key", "dash.cloudflare.com/profile/api-tokens",
       run("h", 37), context="cloudflare|cf_api", severity=C),
    _d("SEC136", "Cloudflare Origin CA Key", "dash.cloudflare.com/profile/api-tokens", "v1.0-",
       run("h", 24), "-", run("h", 146)),
    _d("SEC137", "AWS Bedrock API Key", "console.aws.amazon.com/bedrock",
       "ABSKQmVkcm9ja0FQSUtleS", run("b=", 30, 300), severity=C),
    _d("SEC138", "Amazon MWS Auth Token", "sellercentral.amazon.com", "amzn.mws.", *UUID,
       severity=C),
    _d("SEC139", "Yandex Cloud API Key", "console.cloud.yandex.com", "AQVN", run("u", 35, 38)),
    # platforms, hosting and deployment
    _d("SEC150", "Heroku API Key", "dashboard.heroku.com/account", *UUID, context="heroku"),
    _d("SEC151", "Heroku Platform Token", "dashboard.heroku.com/account", "HRKU-AA",
       run("u", 58)),
    _d("SEC152", "Fly.io Access Token", "fly.io/user/personal_access_tokens", "FlyV1 fm",
       ("1a_", "1r_", "2_"), run("b=", 40, 1000)),
    _d("SEC153", "Fly.io Org Token", "fly.io/user/personal_access_tokens", "fo1_", run("u", 43)),
    _d("SEC154", "Vercel Token", "vercel.com/account/tokens", run("A", 24), context="vercel"),
    _d("SEC155", "Netlify Access Token", "app.netlify.com/user/applications", "nfp_",
       run("A", 36)),
    _d("SEC156", "Netlify Legacy Token", "app.netlify.com/user/applications", run("u", 40, 46),
       context="netlify"),
    _d("SEC157", "Render API Key", "dashboard.render.com/u/settings", "rnd_", run("A", 32)),
    _d("SEC158", "Railway API Token", "railway.app/account/tokens", *UUID, context="railway"),
    _d("SEC159", "Supabase Access Token", "supabase.com/dashboard/account/tokens", "sbp_",
       H40),
    _d("SEC160", "Supabase Secret Key", "supabase.com/dashboard", "sb_secret_", run("u", 31, 40),
       severity=C),
    _d("SEC161", "PlanetScale Token", "app.planetscale.com",
       ("pscale_tkn_", "pscale_pw_", "pscale_oauth_"), run("u", 32, 64), severity=C),
    _d("SEC162", "Databricks Token", "accounts.cloud.databricks.com", "dapi", H32, severity=C),
    _d("SEC163", "Deno Deploy Token", "dash.deno.com/account", ("ddp_", "ddw_"), run("A", 36)),
    _d("SEC164", "Xata API Key", "app.xata.io", "xau_", run("A", 32, 40)),
    _d("SEC165", "Firebase Cloud Messaging Server Key", "console.firebase.google.com", "AAAA",
       run("u", 7), ":APA91b", run("u", 120, 200)),
    _d("SEC166", "Fastly API Token", "manage.fastly.com/account/personal/tokens", run("u", 32),
       context="fastly"),
    _d("SEC167", "Tailscale Key", "login.tailscale.com/admin/settings/keys",
       ("tskey-api-", "tskey-auth-", "tskey-client-", "tskey-scim-", "tskey-webhook-"),
       run("A-", 30, 80)),
    _d("SEC168", "ngrok Auth Token", "dashboard.ngrok.com", run("A_", 43, 49), context="ngrok"),
    _d("SEC169", "Upstash Token", "console.upstash.com", run("u=", 40, 200), context="upstash"),
    # secrets managers and infrastructure as code
    _d("SEC170", "HashiCorp Vault Service Token", "vault token lookup", "hvs.",
       run("u", 24, 300), severity=C),
    _d("SEC171", "HashiCorp Vault Batch Token", "vault token lookup", "hvb.", run("u", 24, 300),
       severity=C),
    _d("SEC172", "HashiCorp Vault Recovery Token", "vault token lookup", "hvr.",
       run("u", 24, 300), severity=C),
    _d("SEC173", "Terraform Cloud Token", "app.terraform.io/app/settings/tokens", run("A", 14),
       ".atlasv1.", run("u=", 60, 70), severity=C),
    _d("SEC174", "Pulumi Access Token", "app.pulumi.com/account/tokens", "pul-", H40,
       severity=C),
    _d("SEC175", "Doppler Token", "dashboard.doppler.com",
       ("dp.pt.", "dp.ct.", "dp.sa.", "dp.scim.", "dp.audit."), run("A", 40, 44), severity=C),
    _d("SEC176", "Doppler Service Token", "dashboard.doppler.com", "dp.st.", run("A._-", 40, 90),
       severity=C),
    _d("SEC177", "1Password Service Account Token", "my.1password.com", "ops_eyJ",
       run("b=", 100, 2000), severity=C),
    _d("SEC178", "age Secret Key", "age-keygen (rotate the identity)", "AGE-SECRET-KEY-1",
       run("B", 58), severity=C),
    _d("SEC179", "PuTTY Private Key", "puttygen (rotate the key)", "PuTTY-User-Key-File-",
       ("2", "3"), ": ", run("a-", 7, 30), severity=C),
    _d("SEC180", "Base64 Encoded Private Key", "rotate the key pair",
       tuple(_pem_b64(k) for k in ("", "RSA ", "EC ", "OPENSSH ", "DSA ", "ENCRYPTED ")),
       run("b=", 20, 10000), severity=C),
    _d("SEC181", "dbt Cloud Token", "cloud.getdbt.com/settings/profile", ("dbtc_", "dbtu_"),
       run("u", 40, 60)),
    _d("SEC182", "Infracost API Key", "dashboard.infracost.io", "ico-", run("A", 32)),
    _d("SEC183", "Harness Access Token", "app.harness.io", ("pat.", "sat."), run("u", 22), ".",
       run("h", 24), ".", run("A", 20)),
    _d("SEC184", "Octopus Deploy API Key", "octopus.com (profile, API keys)", "API-",
       run("U", 26)),
    _d("SEC185", "Prefect API Key", "app.prefect.cloud/my/api-keys", "pnu_", run("A", 36)),
    # source hosting, CI and package registries
    _d("SEC190", "npm Access Token", "npmjs.com/settings/tokens", "npm_", run("A", 36)),
    _d("SEC191", "RubyGems API Key", "rubygems.org/profile/api_keys", "rubygems_", run("h", 48)),
    _d("SEC192", "NuGet API Key", "nuget.org/account/apikeys", "oy2", run("a", 43)),
    _d("SEC193", "crates.io API Token", "crates.io/settings/tokens", "cio", run("A", 32)),
    _d("SEC194", "Docker Hub Access Token", "hub.docker.com/settings/security",
       ("dckr_pat_", "dckr_oat_"), run("u", 27, 36)),
    _d("SEC195", "Clojars Deploy Token", "clojars.org/tokens", "CLOJARS_", run("a", 60)),
    _d("SEC196", "Bitbucket App Password", "bitbucket.org/account/settings/app-passwords",
       "ATBB", run("A", 32)),
    _d("SEC197", "Atlassian API Token", "id.atlassian.com/manage-profile/security/api-tokens",
       "ATATT3", run("u=", 150, 250)),
    _d("SEC198", "CircleCI Personal Token", "app.circleci.com/settings/user/tokens", "CCIPAT_",
       run("A", 22), "_", H40),
    _d("SEC199", "Buildkite Agent Token", "buildkite.com/user/api-access-tokens", "bkua_", H40),
    _d("SEC200", "SonarQube Token", "sonarcloud.io/account/security", ("squ_", "sqp_", "sqa_"),
       H40),
    _d("SEC201", "Sourcegraph Access Token", "sourcegraph.com/user/settings/tokens", "sgp_", H40),
    _d("SEC202", "Snyk API Token", "app.snyk.io/account", *UUID, context="snyk"),
    _d("SEC203", "Codecov Upload Token", "app.codecov.io", *UUID, context="codecov"),
    _d("SEC204", "Azure DevOps PAT", "dev.azure.com (user settings)", run("a", 52),
       context="azure_devops|azuredevops|ado_pat|ado_token"),
    _d("SEC205", "Travis CI Token", "app.travis-ci.com/account/preferences", run("u", 22),
       context="travis"),
    # payments and commerce
    _d("SEC210", "Square Access Token", "developer.squareup.com/apps", "EAAA", run("u+=", 60),
       severity=C),
    _d("SEC211", "Square Legacy Access Token", "developer.squareup.com/apps", "sq0atp-",
       run("u", 22), severity=C),
    _d("SEC212", "Shopify Access Token", "partners.shopify.com",
       ("shpat_", "shpca_", "shppa_", "shpss_"), H32, severity=C),
    _d("SEC213", "PayPal Braintree Access Token", "braintreegateway.com",
       "access_token$production$", run("a", 16), "$", H32, severity=C),
    _d("SEC214", "Razorpay Live Key", "dashboard.razorpay.com/app/keys", "rzp_live_",
       run("A", 14), severity=C),
    _d("SEC215", "Flutterwave Secret Key", "dashboard.flutterwave.com", "FLWSECK-", H32, "-X",
       severity=C),
    _d("SEC216", "Stripe Webhook Secret", "dashboard.stripe.com/webhooks", "whsec_",
       run("A", 32, 64)),
    _d("SEC217", "Shippo Live Token", "apps.goshippo.com/settings/api", "shippo_live_", H40),
    _d("SEC218", "EasyPost API Key", "easypost.com/account/api-keys", "EZAK", run("A", 54)),
    _d("SEC219", "Duffel Live Token", "app.duffel.com", "duffel_live_", run("u", 43)),
    _d("SEC220", "WooCommerce Consumer Secret", "woocommerce.com (REST API keys)", "cs_", H40),
    _d("SEC221", "Plaid Secret", "dashboard.plaid.com/team/keys", run("h", 30),
       context="plaid", severity=C),
    _d("SEC222", "GoCardless Live Token", "manage.gocardless.com/developers", "live_",
       run("u", 40), context="gocardless", severity=C),
    _d("SEC223", "Coinbase API Secret", "coinbase.com/settings/api", run("A", 32),
       context="coinbase", severity=C),
    # messaging and email
    _d("SEC230", "Slack App Token", "api.slack.com/apps", "xapp-", run("d", 1), "-",
       run("U", 9, 12), "-", run("d", 10, 13), "-", H64),
    _d("SEC231", "Discord Webhook URL", "discord.com (channel settings, integrations)",
       ("discord.com/api/webhooks/", "discordapp.com/api/webhooks/"), run("d", 17, 20), "/",
       run("u", 60, 70)),
    _d("SEC232", "Microsoft Teams Webhook URL", "teams.microsoft.com (connectors)",
       ".webhook.office.com/webhookb2/", run("h-@", 60, 80), "/IncomingWebhook/", H32, "/",
       run("h-", 36)),
    _d("SEC233", "Mailgun API Key", "app.mailgun.com/settings/api_security", "key-", H32),
    _d("SEC234", "Brevo API Key", "app.brevo.com/settings/keys/api", ("xkeysib-", "xsmtpsib-"),
       H64, "-", run("A", 16)),
    _d("SEC235", "Mandrill API Key", "mandrillapp.com/settings", run("u", 22),
       context="mandrill"),
    _d("SEC236", "Postmark Server Token", "account.postmarkapp.com", *UUID, context="postmark"),
    _d("SEC237", "Twitter Bearer Token", "developer.twitter.com/en/portal",
       "AAAAAAAAAAAAAAAAAAAAA", run("A%", 60, 120)),
    _d("SEC238", "Facebook Access Token", "developers.facebook.com/tools/debug/accesstoken",
       "EAACEdEose0cBA", run("A", 60, 250)),
    _d("SEC239", "Twitch API Token", "dev.twitch.tv/console", run("a", 30), context="twitch"),
    _d("SEC240", "Zendesk API Token", "zendesk.com (admin center, API)", run("A", 40),
       context="zendesk"),
    _d("SEC241", "Intercom Access Token", "app.intercom.com/a/apps/_/developer-hub",
       run("b=", 60), context="intercom"),
    _d("SEC242", "Telnyx API Key", "portal.telnyx.com/#/app/api-keys", "KEY", run("U", 26),
       "_", run("A", 22)),
    # observability
    _d("SEC250", "Grafana Service Account Token", "grafana.com (service accounts)", "glsa_",
       run("A", 32), "_", run("h", 8)),
    _d("SEC251", "Grafana Cloud Token", "grafana.com/orgs (access policies)", "glc_",
       run("b=", 32, 400)),
    _d("SEC252", "Grafana API Key", "grafana.com (API keys)", "eyJrIjoi", run("b=", 70, 400)),
    _d("SEC253", "Sentry User Token", "sentry.io/settings/account/api/auth-tokens", "sntryu_",
       H64),
    _d("SEC254", "Sentry Org Token", "sentry.io/settings/auth-tokens", "sntrys_eyJ",
       run("b=_", 60, 400)),
    _d("SEC255", "New Relic API Key", "one.newrelic.com/api-keys", ("NRAK-", "NRAA-"),
       run("U", 27)),
    _d("SEC256", "New Relic Insert Key", "one.newrelic.com/api-keys", "NRII-", run("u", 32)),
    _d("SEC257", "Dynatrace API Token", "dynatrace.com (access tokens)", "dt0c01.", run("U", 24),
       ".", run("U", 64)),
    _d("SEC258", "Datadog API Key", "app.datadoghq.com/organization-settings/api-keys", H32,
       context="datadog|dd_api"),
    _d("SEC259", "Datadog Application Key", "app.datadoghq.com/organization-settings",
       H40, context="dd_app|datadog_app"),
    _d("SEC260", "Rollbar Access Token", "rollbar.com/settings/accounts", H32,
       context="rollbar"),
    _d("SEC261", "Bugsnag API Key", "app.bugsnag.com/settings", H32, context="bugsnag"),
    _d("SEC262", "Splunk HEC Token", "splunk (settings, data inputs)", *UUID,
       context="splunk|hec_token"),
    _d("SEC263", "Opsgenie API Key", "app.opsgenie.com/settings/api-key-management", *UUID,
       context="opsgenie"),
    _d("SEC264", "PagerDuty API Key", "pagerduty.com (API access keys)", run("u+", 20),
       context="pagerduty"),
    _d("SEC265", "Honeycomb API Key", "ui.honeycomb.io/account", run("A", 22, 32),
       context="honeycomb"),
    _d("SEC266", "LaunchDarkly SDK Key", "app.launchdarkly.com/settings/projects",
       ("sdk-", "api-"), *UUID),
    _d("SEC267", "Algolia Admin Key", "dashboard.algolia.com/account/api-keys", H32,
       context="algolia"),
    # productivity, design and collaboration
    _d("SEC270", "Linear API Key", "linear.app/settings/api", "lin_api_", run("A", 40)),
    _d("SEC271", "Linear OAuth Token", "linear.app/settings/api", "lin_oauth_", H64),
    _d("SEC272", "Notion Integration Token", "notion.so/my-integrations", "ntn_", run("d", 11),
       run("A", 35)),
    _d("SEC273", "Notion Legacy Token", "notion.so/my-integrations", "secret_", run("A", 43)),
    _d("SEC274", "Airtable Personal Token", "airtable.com/create/tokens", "pat", run("A", 14),
       ".", H64),
    _d("SEC275", "Asana Personal Token", "app.asana.com/0/my-apps", "2/", run("d", 10, 20), "/",
       run("d", 10, 20), ":", H32),
    _d("SEC276", "ClickUp API Token", "app.clickup.com/settings/apps", "pk_", run("d", 6, 10),
       "_", run("U", 32)),
    _d("SEC277", "Contentful Token", "app.contentful.com/account/profile/cma_tokens", "CFPAT-",
       run("u", 43)),
    _d("SEC278", "Figma Access Token", "figma.com/settings", "figd_", run("u", 40, 50)),
    _d("SEC279", "HubSpot Private App Token", "app.hubspot.com/private-apps",
       ("pat-na1-", "pat-eu1-"), *UUID),
    _d("SEC280", "Dropbox Short-Lived Token", "dropbox.com/developers/apps", "sl.",
       run("u", 130, 160)),
    _d("SEC281", "Dropbox Access Token", "dropbox.com/developers/apps", run("u", 64),
       context="dropbox"),
    _d("SEC282", "Salesforce Access Token", "salesforce.com (connected apps)", "00D",
       run("A", 12, 15), "!", run("A._", 80, 120)),
    _d("SEC283", "Typeform Token", "admin.typeform.com/account#/section/tokens", "tfp_",
       run("u", 50, 70)),
    _d("SEC284", "Frame.io Token", "developer.frame.io", "fio-u-", run("u", 64)),
    _d("SEC285", "Adafruit IO Key", "io.adafruit.com (my key)", "aio_", run("A", 28)),
    _d("SEC286", "Adobe Client Secret", "developer.adobe.com/console", "p8e-", run("A", 32)),
    _d("SEC287", "Readme API Key", "dash.readme.com (API keys)", "rdme_", run("a", 70)),
    _d("SEC288", "Scalingo API Token", "dashboard.scalingo.com/account/tokens", "tk-us-",
       run("u", 48)),
    _d("SEC289", "Postman API Key", "postman.co/settings/me/api-keys", "PMAK-", run("h", 24),
       "-", run("h", 34)),
    _d("SEC290", "Mapbox Secret Token", "account.mapbox.com/access-tokens", "sk.eyJ",
       run("u", 50, 200), ".", run("u", 20, 30)),
    _d("SEC291", "Okta API Token", "okta admin console (security, API)", "00", run("u", 40),
       context="okta"),
    _d("SEC292", "Trello API Token", "trello.com/power-ups/admin", H64, context="trello"),
    _d("SEC293", "Spotify Client Secret", "developer.spotify.com/dashboard", H32,
       context="spotify"),
    _d("SEC294", "Mattermost Access Token", "mattermost (profile, security)", run("a", 26),
       context="mattermost"),
    _d("SEC295", "Cloudinary URL", "console.cloudinary.com/settings/api-keys", "cloudinary://",
       run("d", 10, 20), ":", run("u", 20, 40), "@"),
    _d("SEC296", "Etsy API Key", "etsy.com/developers/your-apps", run("a", 24), context="etsy"),
    _d("SEC297", "Shopify Shared Secret", "partners.shopify.com", H32,
       context="shopify_secret|shopify_api_secret", severity=C),
    _d("SEC298", "Jira API Token", "id.atlassian.com/manage-profile/security/api-tokens",
       run("A", 24), context="jira"),
)
# fmt: on
"""Every typed detector, by rule id (ids are stable: new detectors take new ids)."""

EXAMPLE_MARKERS = re.compile(r"example|sample|dummy|placeholder|your[_-]?", re.IGNORECASE)
"""Words of documented fake values (AWS' ``AKIAIOSFODNN7EXAMPLE``, ``your_api_key``)."""


PLACEHOLDER = re.compile(r"^(?:\[[^\]]*\]|<[^>]*>|\$?\{\{?[^}]*\}\}?)$")
"""A whole value in brackets: ``[password]``, ``<token>``, ``${DB_PASSWORD}``, ``{{ pw }}``."""


def is_example(value: str) -> bool:
    """True for a documented or placeholder value: an example word, a bracketed
    placeholder, or a value of at most three distinct characters after its first four
    (``ghp_xxxxxxxx``)."""
    if EXAMPLE_MARKERS.search(value) or PLACEHOLDER.match(value):
        return True
    return len(value) >= 12 and len(set(value[4:])) <= 3
