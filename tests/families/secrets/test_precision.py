"""The precision cuts (``precision.py``), class by class: the false shape is silent, a
secret of the same alphabet in a secret's place is still found.

Every value is generated at run time; assertions compare types, never values.
"""

from __future__ import annotations

import random
import string

import pytest

from auditor.families.secrets import engine, precision
from auditor.families.secrets.detectors import DETECTORS
from auditor.families.secrets.plugins import shannon_entropy

RNG = random.Random()
HEX = "Hex High Entropy String"
B64 = "Base64 High Entropy String"
KEYWORD = "Secret Keyword"
EXAMPLE = "Example Credential"


@pytest.fixture(autouse=True, scope="module")
def configured() -> None:
    engine.configure()


def random_value(alphabet: str, length: int, limit: float) -> str:
    """A random string well above the entropy limit of its plugin."""
    while True:
        value = "".join(RNG.choice(alphabet) for _ in range(length))
        if shannon_entropy(value) > limit + 0.3 and not precision.is_sequence(value):
            return value


def hex40() -> str:
    return random_value("0123456789abcdef", 40, 3.0)


def b64() -> str:
    return random_value(string.ascii_letters + string.digits + "+/", 48, 4.5)


def kinds(filename: str, text: str) -> set[str]:
    return {hit.type for hit in engine.scan_text(filename, text)}


@pytest.mark.parametrize(
    "line",
    [
        'sha256: "{v}"',
        '"checksum": "{v}",',
        '"cksum": "{v}",',
        '"commit": "{v}",',
        '"eTag": "{v}",',
        '"kid": "{v}",',
        '"nonce": "{v}",',
        'static KEY_IDENTIFIER: &str = "{v}";',
        "const INTEGRITY_CHECKSUM = '{v}'",
        "hash: '{v}'",
        '#[schema(example = "{v}")]',
        '"name": "{v}"',
    ],
)
def test_hex_under_a_hash_or_id_name_is_silent(line: str) -> None:
    assert kinds("src/app.rs", line.format(v=hex40()) + "\n") == set()


@pytest.mark.parametrize(
    "line",
    [
        'api_secret = "{v}"',
        'let token = "{v}";',
        '"client_secret": "{v}",',
        "ENV SIGNING_VALUE='{v}'",
        "INSERT INTO settings (name, value) VALUES ('signing', '{v}');",
        'os.environ["TOKEN"] = "{v}"',
        'const SESSION: &str = "{v}";',
    ],
)
def test_hex_assigned_to_a_secret_name_is_found(line: str) -> None:
    assert HEX in kinds("src/app.rs", line.format(v=hex40()) + "\n")


@pytest.mark.parametrize(
    "line",
    ['assert_snapshot!(digest, @"{v}");', '.checksum("{v}")', '    "{v}",', "['{v}']"],
)
def test_entropy_without_an_assignment_is_silent(line: str) -> None:
    assert kinds("src/app.rs", line.format(v=hex40()) + "\n") == set()


def test_entropy_in_test_snapshots_is_silent() -> None:
    line = f'token: "{hex40()}"\n'
    assert kinds("src/snapshots/app__tests__reply.snap", line) == set()
    assert kinds("web/__snapshots__/reply.test.ts.js", line) == set()
    assert kinds("src/reply.yaml", line) == {HEX}


@pytest.mark.parametrize(
    "line",
    [
        '"n": "{v}",',
        '"x5c": ["{v}"],',
        "public_key = '{v}'",
        '"signatureValue": "{v}"',
        '"proofValue": "{v}",',
        '"x-amz-id-2": "{v}"',
    ],
)
def test_base64_public_values_and_signatures_are_silent(line: str) -> None:
    assert kinds("assets/activity.json", line.format(v=b64()) + "\n") == set()


def test_base64_assigned_to_a_secret_name_is_found() -> None:
    assert kinds("assets/activity.json", f'"private_value": "{b64()}",\n') == {B64}
    escaped = f'"note": "{{\\"author_secret\\":\\"{b64()}\\"}}"\n'
    assert kinds("assets/activity.json", escaped) == {B64}


def test_sri_and_csp_hashes_are_silent() -> None:
    value = b64()
    assert kinds("svelte.config.js", f"keys = ['sha256-{value}']\n") == set()
    assert kinds("svelte.config.js", f"keys = ['{value}']\n") == {B64}


def test_an_alphabet_is_not_a_key() -> None:
    letters = list(string.ascii_lowercase + string.digits)
    RNG.shuffle(letters)
    start = RNG.randrange(0, 10)
    alphabet = string.ascii_lowercase[start:] + string.digits + "-_"
    assert kinds("src/config.rs", f'static CRATE_ALPHA: &str = "{alphabet}";\n') == set()
    shuffled = "".join(letters)
    assert kinds("src/config.rs", f'static CRATE_ALPHA: &str = "{shuffled}";\n') == set()
    shuffled += "".join(RNG.choice(shuffled) for _ in range(8))  # a repeat: random, not a set
    assert kinds("src/config.rs", f'static CRATE_ALPHA: &str = "{shuffled}";\n') == {B64}


def test_mock_names_are_documented_fakes() -> None:
    assert kinds("e2e/login.spec.ts", f"const MOCK_CODE = '{hex40()}';\n") == {EXAMPLE}
    assert kinds("e2e/login.spec.ts", f"const AUTH_CODE = '{hex40()}';\n") == {HEX}


def test_typed_tokens_are_never_cut() -> None:
    """A provider token under a hash-like name, in a snapshot, without assignment."""
    detector = next(d for d in DETECTORS if d.name == "GCP API Key")
    token = detector.sample(RNG)
    for filename, line in [
        ("src/app.rs", f'"checksum": "{token}",'),
        ("src/app__tests.snap", f'key: "{token}"'),
        ("src/app.rs", f'    "{token}",'),
    ]:
        assert detector.name in kinds(filename, line + "\n"), line


def test_keyword_references_to_a_stored_secret_are_silent() -> None:
    woodpecker = (
        "steps:\n  publish:\n    settings:\n      password:\n        from_secret: docker_password\n"
    )
    assert kinds(".woodpecker.yml", woodpecker) == set()
    assert kinds("config.yaml", "db:\n  password_file: /run/secrets/db_password\n") == set()
    assert kinds("values.yaml", "auth:\n  secretName: registry-credentials\n") == set()
    value = random_value(string.ascii_letters + string.digits, 18, 0)
    assert kinds("config.yaml", f"db:\n  password: {value}\n") == {KEYWORD}


def test_bracketed_placeholders_are_examples() -> None:
    doc = "postgres://[postgresuser]:[password]@[localhost]:[5432]/[database_name]\n"
    assert kinds("docs/CONTRIBUTING.md", doc) == {EXAMPLE}
    value = random_value(string.ascii_letters + string.digits, 14, 0)
    assert kinds("docs/CONTRIBUTING.md", f"postgresql://app:{value}@db:5432/app\n") == {
        "Basic Auth Credentials"
    }


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ('x = "V"', "x"),
        ('const EXAMPLE_TOKEN: &str = "V";', "EXAMPLE_TOKEN"),
        ("VALUES ('blob_value', 'V');", "blob_value"),
        ('  "x5c": ["V"],', "x5c"),
        ('let x = String::from("V");', "x"),
        ('"diaspora:comment": "{\\"author_signature\\":\\"V\\"}"', "author_signature"),
        ('assert_snapshot!(x, @"V");', None),
        ('.checksum("V"),', None),
        ("script-src 'V'", None),
    ],
)
def test_assigned_name(line: str, name: str | None) -> None:
    assert precision.assigned_name(line, "V") == name
