"""A generated corpus of planted fake secrets, for the secret scanner's tests.

Every value is random (never a real credential) and is written in several file
formats, quoted and unquoted. The generator returns what it planted, so tests can
check recall (file, line, type) and that no output ever contains a value.
"""

from __future__ import annotations

import base64
import json
import random
import string
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ALNUM = string.ascii_letters + string.digits
LOWER_ALNUM = string.ascii_lowercase + string.digits
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"


@dataclass(frozen=True)
class Planted:
    """One planted fake secret."""

    file: str
    line: int
    type: str
    value: str
    """The full fake value (only tests ever see it)."""


def _pick(rng: random.Random, alphabet: str, n: int) -> str:
    # Mixed classes so that no heuristic filter (sequential, numeric...) drops it.
    while True:
        value = "".join(rng.choice(alphabet) for _ in range(n))
        if (any(c.isdigit() for c in value) or alphabet == string.ascii_lowercase) and len(
            set(value)
        ) > min(n, len(set(alphabet))) // 2:
            return value


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _jwt(rng: random.Random) -> str:
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64url(
        json.dumps({"sub": _pick(rng, ALNUM, 12), "n": rng.randrange(10**6)}).encode()
    )
    return f"{header}.{payload}.{_pick(rng, ALNUM, 43)}"


# Not planted: "Public IP (ipv4)". detect-secrets' default filter
# is_not_alphanumeric_string drops every value without a letter, so its plugin never
# reports an address; the scanner keeps detect-secrets' behaviour.
GROUPED = {"GitHub Token", "GitLab Token", "Private Key", "PEM Private Key"}
"""Types whose reported secret is a fixed part of the match (the token prefix, the
PEM header): detect-secrets keeps one per file, at its first line."""

NPM_PREFIX = "//registry.npmjs.org/:_authToken=npm_"  # pragma: allowlist secret
PEM_ENCRYPTED = "-----BEGIN ENCRYPTED PRIVATE KEY-----"  # pragma: allowlist secret

# type -> (variable name, value generator)
GENERATORS: dict[str, tuple[str, Callable[[random.Random], str]]] = {
    "AWS Access Key": (
        "aws_key_ident",
        lambda r: "AKIA" + _pick(r, string.ascii_uppercase + string.digits, 16),
    ),
    "Artifactory Credentials": ("artifactory", lambda r: "AKC" + _pick(r, ALNUM, 20)),
    "Azure Storage Account access key": (
        "azure_conn",
        lambda r: "AccountKey=" + _pick(r, B64, 86) + "==",
    ),
    "Base64 High Entropy String": ("blob_value", lambda r: _pick(r, B64, 44)),
    "Basic Auth Credentials": (
        "service_url",
        lambda r: f"https://deploy:{_pick(r, ALNUM, 14)}@example.com/x",
    ),
    "Discord Bot Token": (
        "discord",
        lambda r: "M" + _pick(r, ALNUM, 23) + "." + _pick(r, ALNUM, 6) + "." + _pick(r, ALNUM, 27),
    ),
    "GitHub Token": ("gh", lambda r: "ghp_" + _pick(r, ALNUM, 36)),
    "GitLab Token": ("gl", lambda r: "glpat-" + _pick(r, ALNUM, 20)),
    "Hex High Entropy String": ("signing_value", lambda r: _pick(r, HEX, 40)),
    "JSON Web Token": ("jwt", lambda r: _jwt(r)),
    "Mailchimp Access Key": ("mailchimp", lambda r: _pick(r, LOWER_ALNUM, 32) + "-us12"),
    "NPM tokens": ("npmrc", lambda r: NPM_PREFIX + _pick(r, ALNUM, 36)),
    "OpenAI Token": (
        "openai",
        lambda r: "sk-" + _pick(r, ALNUM, 20) + "T3BlbkFJ" + _pick(r, ALNUM, 20),
    ),
    "Private Key": ("pem", lambda r: "-----BEGIN RSA PRIVATE KEY-----"),  # pragma: allowlist secret
    "PyPI Token": ("pypi", lambda r: "pypi-AgEIcHlwaS5vcmc" + _pick(r, ALNUM, 72)),
    "Secret Keyword": ("password", lambda r: _pick(r, ALNUM, 18)),
    "SendGrid API Key": (
        "sendgrid",
        lambda r: "SG." + _pick(r, ALNUM, 22) + "." + _pick(r, ALNUM, 43),
    ),
    "Slack Token": (
        "slack",
        lambda r: "xoxb-" + str(r.randrange(10**9, 10**10)) + "-" + _pick(r, LOWER_ALNUM, 24),
    ),
    "Square OAuth Secret": ("square", lambda r: "sq0csp-" + _pick(r, ALNUM, 43)),
    "Stripe Access Key": ("stripe", lambda r: "sk_live_" + _pick(r, ALNUM, 24)),
    "Telegram Bot Token": (
        "telegram",
        lambda r: str(r.randrange(10**8, 10**9)) + ":" + _pick(r, ALNUM, 35),
    ),
    "Twilio API Key": ("twilio", lambda r: "SK" + _pick(r, LOWER_ALNUM, 32)),
    "GitHub Fine-Grained Token": (
        "gh_fine",
        lambda r: "github_pat_" + _pick(r, ALNUM, 22) + "_" + _pick(r, ALNUM, 59),
    ),
    "Stripe Test Key": (
        "stripe_test",
        lambda r: r.choice(["sk", "rk"]) + "_test_" + _pick(r, ALNUM, 24),
    ),
    "PEM Private Key": ("pem_enc", lambda r: PEM_ENCRYPTED),
    "Database Connection String": (
        "dsn",
        lambda r: f"postgresql://:{_pick(r, ALNUM, 12)}!x@db:5432/app",
    ),
    "Env File High Entropy Value": ("api_token", lambda r: _pick(r, ALNUM, 32)),
    "IBM Cloud IAM Key": ("ibm_cloud_iam_key", lambda r: _pick(r, ALNUM, 44)),
    "IBM COS HMAC Credentials": ("secret_access_key", lambda r: _pick(r, HEX, 48)),
    "Cloudant Credentials": ("cloudant_password", lambda r: _pick(r, string.ascii_lowercase, 24)),
    "SoftLayer Credentials": ("softlayer_api_key", lambda r: _pick(r, LOWER_ALNUM, 64)),
}

# Where each kind of secret is found, by format and quoting. Regex-shaped tokens
# are found anywhere; entropy strings need quotes; keyword-style secrets need an
# assignment; the .env detector only reads .env files.
CONTEXTUAL = {
    "Base64 High Entropy String",
    "Hex High Entropy String",
    "Secret Keyword",
    "IBM Cloud IAM Key",
    "IBM COS HMAC Credentials",
    "Cloudant Credentials",
    "SoftLayer Credentials",
}
FORMATS = ("py", "env", "yaml", "json", "tf", "ipynb", "sql", "Dockerfile")


def _line(fmt: str, name: str, value: str, quoted: bool) -> str:
    if fmt == "py":
        return f'{name} = "{value}"' if quoted else f"{name} = {value}  # unquoted"
    if fmt == "env":
        return f'{name.upper()}="{value}"' if quoted else f"{name.upper()}={value}"
    if fmt == "yaml":  # a list of mappings: repeated keys stay distinct
        return f'- {name}: "{value}"' if quoted else f"- {name}: {value}"
    if fmt == "json":
        return f'  "{name}": "{value}",'
    if fmt == "tf":
        return f'  {name} = "{value}"'
    if fmt == "ipynb":
        return f"    \"{name} = '{value}'\\n\","
    if fmt == "sql":
        return f"INSERT INTO settings (name, value) VALUES ('{name}', '{value}');"
    if fmt == "Dockerfile":
        return f'ENV {name.upper()}="{value}"' if quoted else f"ENV {name.upper()}={value}"
    raise ValueError(fmt)


def _expected_formats(kind: str) -> dict[str, tuple[bool, ...]]:
    """format -> quotings in which ``kind`` is planted (and must be found)."""
    if kind == "Env File High Entropy Value":
        return {"env": (False,)}
    if kind in ("Base64 High Entropy String", "Hex High Entropy String"):
        return {
            "py": (True,),
            "yaml": (True,),
            "json": (True,),
            "tf": (True,),
            "sql": (True,),
            "Dockerfile": (True,),
        }
    if kind == "Artifactory Credentials":
        both = (True, False)
        return {
            "py": both,
            "env": both,
            "yaml": both,
            "json": (True,),
            "tf": (True,),
            "Dockerfile": both,
        }
    if kind == "Secret Keyword":
        return {
            "py": (True,),
            "env": (True,),
            "yaml": (True, False),
            "json": (True,),
            "tf": (True,),
            "Dockerfile": (True,),
        }
    if kind in CONTEXTUAL:
        return {"py": (True,), "env": (True,), "yaml": (True,), "json": (True,), "tf": (True,)}
    both = (True, False)
    return {f: (both if f in ("py", "env", "yaml", "Dockerfile") else (True,)) for f in FORMATS}


def build_corpus(root: Path, rng: random.Random, pragma: bool = False) -> list[Planted]:
    """Write the corpus under ``root``; return every planted secret.

    ``pragma``: every planted line carries the allowlist comment of its format.
    """
    bodies: dict[str, list[str]] = {f: [] for f in FORMATS}
    planted: list[tuple[str, int, str, str]] = []
    for kind, (name, make) in GENERATORS.items():
        for fmt, quotings in _expected_formats(kind).items():
            for quoted in quotings:
                value = make(rng)
                text = _line(fmt, name, value, quoted)
                if pragma:
                    text += _pragma(fmt)
                bodies[fmt].append(text)
                planted.append((fmt, len(bodies[fmt]), kind, value))
    names = {
        "py": "app/settings.py",
        "env": ".env",
        "yaml": "deploy/values.yaml",
        "json": "config/app.json",
        "tf": "infra/main.tf",
        "ipynb": "notebooks/explore.ipynb",
        "sql": "db/seed.sql",
        "Dockerfile": "Dockerfile",
    }
    offsets = {f: 0 for f in FORMATS}
    for fmt, lines in bodies.items():
        if fmt == "json":
            head, tail = ["{"], ['  "end": true', "}"]
        elif fmt == "ipynb":
            head = ["{", ' "cells": [', "  {", '   "cell_type": "code",', '   "source": [']
            tail = ['    "pass\\n"', "   ]", "  }", " ],", ' "nbformat": 4', "}"]
        elif fmt == "tf":
            head, tail = ['resource "x" "y" {'], ["}"]
        elif fmt == "Dockerfile":
            head, tail = ["FROM python:3.12-slim"], ['CMD ["python"]']
        else:
            head, tail = [], []
        offsets[fmt] = len(head)
        path = root / names[fmt]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join([*head, *lines, *tail]) + "\n", encoding="utf-8")
    if not pragma:
        json.loads((root / names["ipynb"]).read_text())
    return [
        Planted(names[fmt], line + offsets[fmt], kind, value) for fmt, line, kind, value in planted
    ]


def _pragma(fmt: str) -> str:
    return {
        "py": "  # pragma: allowlist secret",
        "env": "  # pragma: allowlist secret",
        "yaml": "  # pragma: allowlist secret",
        "json": "  // pragma: allowlist secret",
        "tf": "  # pragma: allowlist secret",
        "ipynb": "  // pragma: allowlist secret",
        "sql": "  -- pragma: allowlist secret",
        "Dockerfile": "  # pragma: allowlist secret",
    }[fmt]
