"""detect-secrets' plugins and filters, behind a prefilter that skips hopeless lines.

detect-secrets spends its time calling every plugin and every filter on every line
through its argument-injection layer. Here each plugin is first reduced to a
*prefilter*: a regular expression that any line the plugin can report must match
(a regex plugin's own patterns; for the entropy plugins, a quote followed by enough
characters of the plugin's alphabet to reach its entropy limit; for the keyword
plugin, one of its keywords). The prefilters run over the whole file in C; only the
lines they select go through detect-secrets' machinery, and only with the plugins
that selected them. A plugin the scanner does not know gets every line.

Everything else is detect-secrets' own logic: its transformers decide the lines of
YAML and INI-like files, its filters (allowlist pragmas, heuristics) decide what is
reported, and the same eager second pass runs when the first finds nothing.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Any

from auditor.families.secrets import kubernetes, precision
from auditor.families.secrets import plugins as custom
from auditor.families.secrets.detectors import DETECTORS, is_example
from auditor.families.secrets.model import SecretHit

CUSTOM_PLUGIN_FILE = Path(custom.__file__).resolve()
EXAMPLE_TYPE = "Example Credential"
"""A documented fake or placeholder value (``AKIAIOSFODNN7EXAMPLE``), whatever found it."""
KUBERNETES_TYPE = "Kubernetes Secret Data"
TYPED_TYPES = frozenset({d.name for d in DETECTORS} | {KUBERNETES_TYPE})
"""Provider token formats: they take precedence over the weak types on the same secret."""
CUSTOM_TYPES = frozenset(cls.secret_type for cls in custom.CUSTOM_PLUGINS) | TYPED_TYPES
"""Secret types added by the scanner (a detect-secrets type on the same secret wins)."""
GENERIC_TYPES = precision.GENERIC_TYPES
"""Types that do not hide a more specific extra type on the same secret."""
WEAK_TYPES = GENERIC_TYPES | {"Secret Keyword"}
"""Types a typed token on the same secret replaces (it says more, at its own severity)."""
LOCK_FILES = frozenset(
    {
        "pnpm-lock.yaml", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "bun.lock",
        "deno.lock", "cargo.lock", "go.sum", "go.work.sum", "poetry.lock", "uv.lock",
        "pipfile.lock", "pdm.lock", "composer.lock", "gemfile.lock", "mix.lock",
        "pubspec.lock", "podfile.lock", "package.resolved", "flake.lock", "gradle.lockfile",
        "packages.lock.json", "paket.lock", "conan.lock", ".terraform.lock.hcl",
    }
)  # fmt: skip
"""Lock files: their integrity and checksum fields are hashes, never entropy findings."""
OWN_REPORT = re.compile(r'"(?:driver|tool)"\s*:\s*\{\s*"name"\s*:\s*"auditor"')
"""The tool's own SARIF (``runs[].tool.driver.name``) and JSON (``tool.name``) reports."""
OWN_REPORT_HEAD = 4096
SKIPPED_FILTERS = frozenset({"detect_secrets.filters.common.is_invalid_file"})
"""Filters not applied: the scanner reads content itself (index blobs, history)."""
PREVIEW_CHARS = 4
MAX_LINE_CHARS = 100_000
"""A line longer than this that a plugin could match makes the file skipped, with a
reason: detect-secrets' regular expressions are not all linear in the line length."""
HOPELESS_LINE_CHARS = 1_000_000
"""A file with a line longer than this is skipped before any prefilter runs."""


class Unscannable(Exception):
    """A file the scanner does not scan: skipped, with a reason."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class LongLine(Unscannable):
    """A candidate line is too long to give to detect-secrets: skip the file, with a reason."""

    def __init__(self, number: int, limit: int = MAX_LINE_CHARS) -> None:
        super().__init__(
            f"line {number} is longer than {limit} characters",
            f"a line longer than {limit} characters",
        )


class OwnReport(Unscannable):
    """An auditor SARIF or JSON report: its fingerprints are hashes, not secrets."""

    def __init__(self) -> None:
        super().__init__("an auditor report", "an auditor report (SARIF/JSON output)")


def is_lock_file(filename: str) -> bool:
    """A package manager's lock file (by base name)."""
    return filename.rsplit("/", 1)[-1].lower() in LOCK_FILES


def is_own_report(filename: str, text: str) -> bool:
    """A SARIF or JSON file written by this tool (read from its first bytes)."""
    name = filename.lower()
    return (
        name.endswith((".sarif", ".json")) and OWN_REPORT.search(text[:OWN_REPORT_HEAD]) is not None
    )


def redacted_preview(value: str) -> str:
    """The first characters of ``value`` (at most 4, fewer for short values) and an ellipsis."""
    shown = min(PREVIEW_CHARS, len(value) // 4)
    return value[:shown] + "…"


def plugin_settings() -> list[dict[str, Any]]:
    """detect-secrets' default plugin set plus the scanner's, as ``plugins_used`` entries."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    mapping: dict[str, Any] = dict(get_mapping_from_secret_type_to_class())
    builtin = sorted(str(cls.__name__) for kind, cls in mapping.items() if kind not in CUSTOM_TYPES)
    return [{"name": name} for name in builtin] + custom_plugin_settings()


def custom_plugin_settings() -> list[dict[str, Any]]:
    """The scanner's plugins, registered by file path the way detect-secrets does."""
    return [
        {"name": cls.__name__, "path": f"file://{CUSTOM_PLUGIN_FILE}"}
        for cls in custom.CUSTOM_PLUGINS
    ]


def configure(baseline: dict[str, Any] | None = None) -> None:
    """Set detect-secrets' global settings: default plugins (or a baseline's) plus ours.

    A baseline's ``plugins_used`` and ``filters_used`` are honoured (its limits, its
    disabled plugins, its exclusion patterns), as detect-secrets does; the scanner's
    extra plugins are always added. Verification stays off: nothing touches the network.
    """
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.settings import (
        cache_bust,
        configure_settings_from_baseline,
        get_settings,
    )

    # detect-secrets logs skipped values at debug level: never let it print one
    logging.getLogger("detect-secrets").setLevel(logging.WARNING)
    cache_bust()
    get_mapping_from_secret_type_to_class.cache_clear()
    get_settings().clear()
    if baseline is not None:
        plugins = [
            p for p in baseline.get("plugins_used", []) if p.get("name") not in _custom_names()
        ]
        config = {**baseline, "plugins_used": [*plugins, *custom_plugin_settings()]}
        configure_settings_from_baseline(config)
    else:
        get_settings().configure_plugins(custom_plugin_settings())
        get_mapping_from_secret_type_to_class.cache_clear()
        get_settings().configure_plugins(plugin_settings())
    get_settings().filters.pop(
        "detect_secrets.filters.common.is_ignored_due_to_verification_policies", None
    )
    get_mapping_from_secret_type_to_class.cache_clear()
    _Engine.instance = None


def _custom_names() -> set[str]:
    return {cls.__name__ for cls in custom.CUSTOM_PLUGINS}


def settings_json() -> dict[str, Any]:
    """``plugins_used`` and ``filters_used`` of the current settings (baseline header)."""
    from detect_secrets.settings import get_settings

    data: dict[str, Any] = get_settings().json()
    return data


class _NamedText(io.StringIO):
    """A text file in memory with a name, as detect-secrets' transformers expect."""

    def __init__(self, text: str, name: str) -> None:
        super().__init__(text)
        self.name = name


def _min_length(limit: float) -> int:
    """Shortest string that can exceed ``limit`` bits of entropy (with a float margin)."""
    return max(1, math.floor(2**limit))


GATES: dict[str, tuple[tuple[str, bool], ...]] = {
    # plugin class -> (pattern, on lower-cased text). Each pattern matches every line
    # the plugin can report (a literal or shape that all of its patterns require), so
    # it is a safe, much cheaper stand-in for the plugin's own patterns.
    "AWSKeyDetector": (
        (r"(?:A3T[A-Z0-9]|ABIA|ACCA|AKIA|ASIA)[0-9A-Z]{16}", False),
        ("aws", True),
    ),
    "ArtifactoryDetector": ((r"AKC[a-zA-Z0-9]{10}", False), (r"AP[\dA-F][a-zA-Z0-9]{8}", False)),
    "CloudantDetector": (("key|pw|pass|token|cloudant", True),),
    "IbmCloudIamDetector": (("key|pwd|pass|token", True),),
    "IbmCosHmacDetector": (("secret", True),),
    "SoftlayerDetector": (("key|pwd|pass|token|softlayer", True),),
    "KeywordDetector": (("key|pass|pwd|secret|contrase", True),),
    "IPPublicDetector": ((r"\d\.\d{1,3}\.\d{1,3}\.\d", False),),
    "MailchimpDetector": ((r"-us[0-9]", False),),
    "TelegramBotTokenDetector": ((r":[0-9A-Za-z_-]{35}", False),),
    "DiscordBotTokenDetector": ((r"\.[a-zA-Z\d_-]{6}\.[a-zA-Z\d_-]{27}", False),),
    "SlackDetector": ((r"xox|hooks\.slack\.com", True),),
    "DatabaseConnectionStringDetector": (("://", False),),
}
"""Cheaper prefilters for plugins whose own patterns are slow to run over a whole file."""


@dataclass
class _Gate:
    pattern: re.Pattern[str]
    lower: bool
    """Search the lower-cased text (ASCII files); ``fallback`` otherwise."""
    fallback: re.Pattern[str]


@dataclass
class _Prefilter:
    plugin: Any
    gates: tuple[_Gate, ...] | None
    """None: the plugin is unknown and sees every line."""
    applies_to: Any = None
    """Optional predicate on the file name (a plugin for ``.env`` files only)."""
    confirm: Any = None
    """Optional predicate on one line: the plugin's own precondition, run without
    detect-secrets' per-call argument injection (its patterns, its entropy bound)."""


def _is_typed(plugin: Any) -> bool:
    """The typed-token plugin (by name: detect-secrets loads its own copy of the file)."""
    return type(plugin).__name__ == custom.TypedCredentialDetector.__name__


def _gate(pattern: str, flags: int = 0, lower: bool = False) -> _Gate:
    compiled = re.compile(pattern, flags | re.MULTILINE)
    fallback = re.compile(pattern, flags | re.MULTILINE | re.IGNORECASE) if lower else compiled
    return _Gate(compiled, lower, fallback)


class _Engine:
    """The configured plugins, their prefilters and the filters, built once per process."""

    instance: _Engine | None = None

    def __init__(self) -> None:
        from detect_secrets.core.scan import get_filters_with_parameter
        from detect_secrets.plugins.base import RegexBasedDetector
        from detect_secrets.plugins.high_entropy_strings import HighEntropyStringsPlugin
        from detect_secrets.plugins.keyword import DENYLIST_REGEX, KeywordDetector
        from detect_secrets.settings import get_plugins

        self.prefilters: list[_Prefilter] = []
        for plugin in get_plugins():
            gates: tuple[_Gate, ...] | None
            name = type(plugin).__name__
            if _is_typed(plugin):
                gates = (_gate(typed_gate(), lower=True),)
            elif name in GATES:
                gates = tuple(_gate(p, lower=low) for p, low in GATES[name])
            elif isinstance(plugin, RegexBasedDetector):
                gates = tuple(_gate(rx.pattern, rx.flags) for rx in plugin.denylist)
            elif isinstance(plugin, HighEntropyStringsPlugin):
                alphabet = re.escape(plugin.charset)
                gates = (_gate(rf"['\"][{alphabet}]{{{_min_length(plugin.entropy_limit)}}}"),)
            elif isinstance(plugin, KeywordDetector):
                gates = (_gate(DENYLIST_REGEX, re.IGNORECASE),)
            else:
                gates = None
            applies_to = custom.is_env_file if name == "EnvFileHighEntropyDetector" else None
            self.prefilters.append(_Prefilter(plugin, gates, applies_to, _confirmer(plugin)))
        self.file_filters = [
            f
            for f in get_filters_with_parameter("filename")
            if getattr(f, "path", "") not in SKIPPED_FILTERS
            and set(f.injectable_variables) == {"filename"}
        ]

    @classmethod
    def get(cls) -> _Engine:
        if cls.instance is None:
            cls.instance = cls()
        return cls.instance


def typed_gate() -> str:
    """Every typed detector's keywords in one pattern; a token's own prefix only at
    the start of a word, as its pattern requires."""
    starts: set[str] = set()
    inside: set[str] = set()
    for detector in DETECTORS:
        first = detector.shape[0]
        leading = not detector.context and not (
            isinstance(first, tuple) and len(first) == 3 and isinstance(first[1], int)
        )
        (starts if leading else inside).update(detector.keywords)

    return rf"(?<![a-z0-9_])(?:{trie_regex(starts)})|{trie_regex(inside)}"


def trie_regex(words: Iterable[str]) -> str:
    """A pattern matching any of ``words`` (or a longer word that one starts), branching
    one character at a time: far faster in ``re`` than a flat alternation of 200 words."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        if "" in node:  # a word ends here: the shorter match is enough
            return ""
        alternatives = [re.escape(char) + build(child) for char, child in sorted(node.items())]
        return alternatives[0] if len(alternatives) == 1 else f"(?:{'|'.join(alternatives)})"

    return build(trie)


def _confirmer(plugin: Any) -> Any:
    """A fast line test that every line the plugin reports passes (None: no test)."""
    if _is_typed(plugin):
        return lambda line: bool(plugin.typed_matches(line))
    from detect_secrets.plugins.base import RegexBasedDetector
    from detect_secrets.plugins.high_entropy_strings import HighEntropyStringsPlugin
    from detect_secrets.plugins.keyword import DENYLIST_REGEX, KeywordDetector

    if isinstance(plugin, RegexBasedDetector):
        patterns = tuple(plugin.denylist)
        return lambda line: any(rx.search(line) for rx in patterns)
    if isinstance(plugin, HighEntropyStringsPlugin):
        quoted = plugin.regex
        bound = plugin.entropy_limit - 1e-9

        def entropic(line: str) -> bool:
            for found in quoted.findall(line):
                value = found[1] if isinstance(found, tuple) else found
                # Shannon entropy over the value's own characters is an upper bound
                # of detect-secrets' (the hex plugin only subtracts from it).
                if custom.shannon_entropy(value) > bound:
                    return True
            return False

        return entropic
    if isinstance(plugin, KeywordDetector):
        keyword = re.compile(DENYLIST_REGEX, re.IGNORECASE)
        return lambda line: keyword.search(line) is not None
    return None


def excluded_by_filters(filename: str) -> str | None:
    """The detect-secrets filter that excludes ``filename`` (by name or path), or None."""
    for fn in _Engine.get().file_filters:
        if fn(filename=filename):
            path: str = getattr(fn, "path", getattr(fn, "__name__", "filter"))
            return path.rsplit(".", 1)[-1]
    return None


ALLOWLIST_FILTER = "detect_secrets.filters.allowlist.is_line_allowlisted"
INDIRECT_FILTER = "detect_secrets.filters.heuristic.is_indirect_reference"
UUID_FILTER = "detect_secrets.filters.heuristic.is_potential_uuid"
"""Not applied to typed tokens: a UUID assigned to ``HEROKU_API_KEY`` is the key."""


def _cannot_hold(path: str, line: str, context: Any, plugin: Any = None) -> bool:
    """True when a filter cannot return True for this line, by a literal it requires
    (or does not apply to the plugin: the UUID heuristic to typed tokens).

    detect-secrets' allowlist patterns (``[ \\t]*# *pragma...``, unanchored) and its
    indirect-reference pattern are quadratic in the line length; their answer is
    False anyway unless the line holds ``pragma`` (or a bracket, for the latter).
    """
    if path == ALLOWLIST_FILTER:
        previous = getattr(context, "previous_line", "") or ""
        return "pragma" not in line and "pragma" not in previous
    if path == UUID_FILTER:
        return _is_typed(plugin)
    if path == INDIRECT_FILTER:
        return not (("[" in line or "(" in line) and ("]" in line or ")" in line))
    return False


def _filtered_out(stage: str, **kwargs: Any) -> bool:
    """detect-secrets' ``_is_filtered_out`` for one stage, skipping hopeless filter calls."""
    from detect_secrets.core.scan import get_filters_with_parameter
    from detect_secrets.util.inject import call_function_with_arguments

    line = kwargs.get("line", "")
    for fn in get_filters_with_parameter(stage):
        if _cannot_hold(getattr(fn, "path", ""), line, kwargs.get("context"), kwargs.get("plugin")):
            continue
        try:
            if call_function_with_arguments(fn, **kwargs):
                return True
        except TypeError:  # a filter that needs more than this stage gives
            pass
    return False


def _candidates(filename: str, lines: Sequence[str]) -> dict[int, list[Any]]:
    """Line index -> plugins whose prefilter matches it."""
    engine = _Engine.get()
    selected: dict[int, list[Any]] = {}
    text = "\n".join(lines)
    lowered = text.lower() if text.isascii() else None
    ends: list[int] | None = None
    for item in engine.prefilters:
        if item.applies_to is not None and not item.applies_to(filename):
            continue
        if item.gates is None:
            for index in range(len(lines)):
                selected.setdefault(index, []).append(item.plugin)
            continue
        hit_lines: set[int] = set()
        for gate in item.gates:
            if gate.lower and lowered is not None:
                pattern, subject = gate.pattern, lowered
            else:
                pattern, subject = gate.fallback, text
            if pattern.search(subject) is None:
                continue
            if ends is None:
                ends = list(accumulate(len(line) + 1 for line in lines))
            for match in pattern.finditer(subject):
                first = bisect_right(ends, match.start())
                last = bisect_right(ends, max(match.start(), match.end() - 1))
                hit_lines.update(range(first, last + 1))
        confirm = item.confirm
        for index in hit_lines:
            if index < len(lines) and (confirm is None or confirm(lines[index])):
                selected.setdefault(index, []).append(item.plugin)
    return selected


def scan_lines(
    filename: str,
    lines: Sequence[str],
    numbers: Sequence[int] | None = None,
    commit: str | None = None,
) -> list[SecretHit]:
    """Scan ``lines`` of ``filename`` (line ``numbers`` default to 1..n).

    Raises :class:`LongLine` when a line a plugin could match is too long to scan,
    :class:`OwnReport` for the tool's own reports. In a lock file, entropy hits are
    dropped (integrity hashes); typed tokens, URLs with passwords and keywords are not.
    """
    from detect_secrets.util.code_snippet import get_code_snippet

    raw = list(lines)
    stripped = [line.rstrip() for line in raw]
    longest = max(range(len(stripped)), key=lambda i: len(stripped[i]), default=0)
    if stripped and len(stripped[longest]) > HOPELESS_LINE_CHARS:
        raise LongLine(numbers[longest] if numbers else longest + 1, HOPELESS_LINE_CHARS)
    if is_own_report(filename, "\n".join(stripped[:64])):
        raise OwnReport()
    lock = is_lock_file(filename)
    found: list[tuple[int, str, str, str]] = []
    for index, plugins in sorted(_candidates(filename, stripped).items()):
        line = stripped[index]
        number = numbers[index] if numbers is not None else index + 1
        if len(line) > MAX_LINE_CHARS:
            raise LongLine(number)
        snippet = get_code_snippet(lines=raw, line_number=index + 1)
        if _filtered_out("line", filename=filename, line=line, context=snippet):
            continue
        on_line: list[tuple[int, str, str, str, bool]] = []
        for plugin in plugins:
            for secret in _plugin_secrets(plugin, filename, line, number, snippet):
                if _filtered_out(
                    "context",
                    filename=filename,
                    secret=secret.secret_value,
                    plugin=plugin,
                    line=line,
                    context=snippet,
                ):
                    continue
                value = secret.secret_value or ""
                judged = precision.verdict(filename, line, secret.type, value)
                if judged == precision.DROP:
                    continue
                example = judged == precision.EXAMPLE or is_example(value)
                on_line.append(
                    (number, secret.type, secret.secret_hash, redacted_preview(value), example)
                )
        found += _preferred(on_line, lock)
    return [
        SecretHit(file=filename, line=n, type=t, hashed_secret=h, preview=p, commit=commit)
        for n, t, h, p in found
    ]


def _plugin_secrets(plugin: Any, filename: str, line: str, number: int, snippet: Any) -> Any:
    """detect-secrets' ``_scan_line`` (the plugin, then the secret-stage filters); the
    typed plugin's secret filters skip the UUID heuristic (see :func:`_cannot_hold`)."""
    from detect_secrets.core.scan import _scan_line

    if not _is_typed(plugin):
        return _scan_line(
            plugin=plugin, filename=filename, line=line, line_number=number, context=snippet
        )
    found = plugin.analyze_line(filename=filename, line=line, line_number=number)
    return [
        s
        for s in found
        if not _filtered_out(
            "secret", filename=filename, secret=s.secret_value, plugin=plugin, line=line
        )
    ]


def _preferred(on_line: list[tuple[int, str, str, str, bool]], lock: bool) -> list[Any]:
    """The hits of one line that are reported, documented fakes retyped as examples.

    On the same secret, a detect-secrets type beats an extra type (a specific one
    beats a typed token), a typed token beats the weak types; in a lock file, the
    entropy types are dropped.
    """
    strong = {h for _, t, h, _, _ in on_line if t not in CUSTOM_TYPES and t not in WEAK_TYPES}
    builtin = {h for _, t, h, _, _ in on_line if t not in CUSTOM_TYPES and t not in GENERIC_TYPES}
    typed = {h for _, t, h, _, _ in on_line if t in TYPED_TYPES and h not in strong}
    kept: dict[tuple[str, str], tuple[int, str, str, str]] = {}
    for number, kind, digest, preview, example in on_line:
        if kind in TYPED_TYPES:
            hidden = digest in strong
        elif kind in CUSTOM_TYPES:
            hidden = digest in builtin
        else:
            hidden = (kind in WEAK_TYPES and digest in typed) or (lock and kind in GENERIC_TYPES)
        if not hidden:
            kind = EXAMPLE_TYPE if example else kind
            kept.setdefault((kind, digest), (number, kind, digest, preview))
    return list(kept.values())


def manifest_hits(filename: str, lines: Sequence[str], hits: list[SecretHit]) -> list[SecretHit]:
    """``hits`` plus the values of Kubernetes ``Secret`` manifests in ``lines``.

    A manifest value replaces a weak hit on the same secret and gives way to any
    other (a typed token in ``stringData`` keeps its own type). Allowlist pragmas
    hold as on any line.
    """
    if not kubernetes.is_manifest(filename):
        return hits
    values = kubernetes.secret_values(lines)
    if not values:
        return hits
    from detect_secrets.filters.allowlist import is_line_allowlisted
    from detect_secrets.settings import get_settings
    from detect_secrets.util.code_snippet import get_code_snippet

    allowlist = ALLOWLIST_FILTER in get_settings().filters
    raw = list(lines)
    found = []
    for number, value in values:
        snippet = get_code_snippet(lines=raw, line_number=number)
        if allowlist and is_line_allowlisted(filename, raw[number - 1].rstrip(), snippet):
            continue
        digest = hashlib.sha1(value.encode("utf-8")).hexdigest()
        kind = EXAMPLE_TYPE if is_example(value) else KUBERNETES_TYPE
        found.append(SecretHit(filename, number, kind, digest, redacted_preview(value)))
    manifest = {h.hashed_secret for h in found}
    others = {h.hashed_secret for h in hits if h.type not in WEAK_TYPES}
    kept = [h for h in hits if h.type not in WEAK_TYPES or h.hashed_secret not in manifest]
    return dedupe(kept + [h for h in found if h.hashed_secret not in others])


def scan_text(filename: str, text: str) -> list[SecretHit]:
    """Scan a whole file's text as ``detect-secrets scan`` would, prefiltered.

    ``text`` has universal newlines already applied. The first pass uses the
    transformers that are not eager (YAML, INI-like files) or the raw lines; when it
    finds nothing, the eager transformers get a second pass, as in detect-secrets
    (the scanner's extra plugins do not count: they must not change what
    detect-secrets' own plugins find).
    """
    from detect_secrets.transformers import get_transformed_file

    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    handle = _NamedText(text, filename)
    lines = get_transformed_file(handle)  # type: ignore[arg-type]
    if not lines:
        lines = _split_lines(text)
    hits = scan_lines(filename, lines)
    if any(hit.type not in CUSTOM_TYPES for hit in hits):
        return manifest_hits(filename, _split_lines(text), hits)
    handle.seek(0)
    eager = get_transformed_file(handle, use_eager_transformers=True)  # type: ignore[arg-type]
    if eager:
        hits = dedupe(hits + _allowlisted_removed(filename, lines, scan_lines(filename, eager)))
    return manifest_hits(filename, _split_lines(text), hits)


def _allowlisted_removed(
    filename: str, lines: Sequence[str], hits: list[SecretHit]
) -> list[SecretHit]:
    """Drop eager-pass hits whose original line carries an allowlist pragma.

    detect-secrets' eager pass re-reads INI-like files (``.sql``, ``.env``...) as
    ``key = value`` lines, which loses the comments: its own pragmas stop working
    there. The scanner checks them on the original lines.
    """
    from detect_secrets.filters.allowlist import is_line_allowlisted
    from detect_secrets.settings import get_settings
    from detect_secrets.util.code_snippet import get_code_snippet

    if "detect_secrets.filters.allowlist.is_line_allowlisted" not in get_settings().filters:
        return hits
    raw = list(lines)
    kept = []
    for hit in hits:
        if 1 <= hit.line <= len(raw):
            snippet = get_code_snippet(lines=raw, line_number=hit.line)
            if is_line_allowlisted(filename, raw[hit.line - 1].rstrip(), snippet):
                continue
        kept.append(hit)
    return kept


def _split_lines(text: str) -> list[str]:
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def dedupe(hits: Iterable[SecretHit]) -> list[SecretHit]:
    """One hit per (file, type, hash), the first by line, as detect-secrets keeps them."""
    seen: set[tuple[str, str, str]] = set()
    out: list[SecretHit] = []
    for hit in hits:
        key = (hit.file, hit.type, hit.hashed_secret)
        if key not in seen:
            seen.add(key)
            out.append(hit)
    return out
