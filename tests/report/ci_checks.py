"""What CI services accept, as checks the format tests share.

- :func:`github_sarif_problems`: GitHub code scanning's documented ingestion rules and
  limits for SARIF uploads (beside the OASIS schema): runs per file, results, rules,
  locations and tags, a physical location on every result, ``security-severity`` a
  number in 0..10, rule help markdown, distinct run categories, the gzip size limit.
- :func:`parse_workflow_commands`: GitHub's workflow-command syntax
  (``::name key=value,key=value::data``) with its escapes undone.
- :data:`RDJSON_SCHEMA`, :data:`CODEQUALITY_SCHEMA`, :func:`gitlab_schema`: the
  documented required fields of reviewdog's rdjson, GitLab Code Quality and GitLab's
  security reports (15.x), written here from the published documentation: GitLab's
  full JSON schemas are not available from a package registry on this machine.
"""

from __future__ import annotations

import gzip
import json
import re
from typing import Any

MAX_RUNS = 20
MAX_RESULTS = 25_000
MAX_RULES = 25_000
MAX_LOCATIONS = 1_000
MAX_TAGS = 20
MAX_GZIP_BYTES = 10 * 1024 * 1024


def github_sarif_problems(log: dict[str, Any]) -> list[str]:
    """Every reason GitHub code scanning would reject (or cut) ``log``; empty when none."""
    problems: list[str] = []
    size = len(gzip.compress(json.dumps(log).encode()))
    if size > MAX_GZIP_BYTES:
        problems.append(f"gzip size {size} over {MAX_GZIP_BYTES}")
    runs = log.get("runs", [])
    if len(runs) > MAX_RUNS:
        problems.append(f"{len(runs)} runs over {MAX_RUNS}")
    categories = [
        (r["tool"]["driver"]["name"], r.get("automationDetails", {}).get("id", "")) for r in runs
    ]
    if len(categories) != len(set(categories)):
        problems.append("two runs share tool and category")
    for r, run in enumerate(runs):
        rules = run["tool"]["driver"].get("rules", [])
        if len(rules) > MAX_RULES:
            problems.append(f"run {r}: {len(rules)} rules")
        for rule in rules:
            tags = rule.get("properties", {}).get("tags", [])
            if len(tags) > MAX_TAGS:
                problems.append(f"rule {rule['id']}: {len(tags)} tags")
            score = rule.get("properties", {}).get("security-severity")
            if score is not None and not (
                isinstance(score, str)
                and re.fullmatch(r"\d+(\.\d+)?", score)
                and float(score) <= 10
            ):
                problems.append(f"rule {rule['id']}: security-severity {score!r}")
            if not rule.get("help", {}).get("markdown"):
                problems.append(f"rule {rule['id']}: no help markdown")
        results = run.get("results", [])
        if len(results) > MAX_RESULTS:
            problems.append(f"run {r}: {len(results)} results")
        for i, result in enumerate(results):
            where = f"run {r} result {i} ({result.get('ruleId')})"
            locations = result.get("locations", [])
            if not locations or len(locations) > MAX_LOCATIONS:
                problems.append(f"{where}: {len(locations)} locations")
            for loc in locations:
                uri = loc.get("physicalLocation", {}).get("artifactLocation", {}).get("uri")
                if not uri:
                    problems.append(f"{where}: no physical location")
                line = loc.get("physicalLocation", {}).get("region", {}).get("startLine", 1)
                if not isinstance(line, int) or line < 1:
                    problems.append(f"{where}: startLine {line!r}")
            if not result.get("partialFingerprints"):
                problems.append(f"{where}: no partialFingerprints")
    return problems


COMMAND = re.compile(r"^::(?P<name>[a-z-]+)(?: (?P<props>[^:]*))?::(?P<data>.*)$")


def _unescape(text: str, prop: bool) -> str:
    if prop:
        text = text.replace("%3A", ":").replace("%2C", ",")
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def parse_workflow_commands(text: str) -> list[dict[str, Any]]:
    """The workflow commands in ``text`` as ``{"command", "properties", "message"}``."""
    found = []
    for line in text.splitlines():
        match = COMMAND.match(line)
        if not match:
            continue
        props: dict[str, str] = {}
        for pair in (match["props"] or "").split(","):
            if pair:
                key, _, value = pair.partition("=")
                props[key] = _unescape(value, prop=True)
        found.append(
            {
                "command": match["name"],
                "properties": props,
                "message": _unescape(match["data"], prop=False),
            }
        )
    return found


_POSITION = {
    "type": "object",
    "required": ["line"],
    "properties": {"line": {"type": "integer", "minimum": 1}},
}

RDJSON_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["source", "diagnostics"],
    "properties": {
        "source": {"type": "object", "required": ["name"]},
        "severity": {"enum": ["UNKNOWN_SEVERITY", "ERROR", "WARNING", "INFO"]},
        "diagnostics": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["message", "location"],
                "properties": {
                    "message": {"type": "string", "minLength": 1},
                    "severity": {"enum": ["UNKNOWN_SEVERITY", "ERROR", "WARNING", "INFO"]},
                    "code": {"type": "object", "required": ["value"]},
                    "location": {
                        "type": "object",
                        "required": ["path", "range"],
                        "properties": {
                            "path": {"type": "string", "minLength": 1},
                            "range": {
                                "type": "object",
                                "required": ["start"],
                                "properties": {"start": _POSITION},
                            },
                        },
                    },
                },
            },
        },
    },
}

CODEQUALITY_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "minLength": 1},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {"begin": {"type": "integer", "minimum": 1}},
                    },
                },
            },
        },
    },
}

_TOOL = {
    "type": "object",
    "required": ["id", "name", "version", "vendor"],
    "properties": {"vendor": {"type": "object", "required": ["name"]}},
}
_TIME = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$"}
_LOCATIONS: dict[str, dict[str, Any]] = {
    "sast": {
        "type": "object",
        "required": ["file", "start_line"],
        "properties": {"start_line": {"type": "integer", "minimum": 1}},
    },
    "secret_detection": {
        "type": "object",
        "required": ["file", "start_line", "commit"],
        "properties": {"commit": {"type": "object", "required": ["sha"]}},
    },
    "dependency_scanning": {
        "type": "object",
        "required": ["file", "dependency"],
        "properties": {
            "dependency": {
                "type": "object",
                "required": ["package"],
                "properties": {"package": {"type": "object", "required": ["name"]}},
            }
        },
    },
}


def gitlab_schema(report_type: str) -> dict[str, Any]:
    """The documented required fields of GitLab's security report of ``report_type``."""
    return {
        "type": "object",
        "required": ["version", "scan", "vulnerabilities"],
        "properties": {
            "version": {"type": "string", "pattern": r"^15\.\d+\.\d+$"},
            "scan": {
                "type": "object",
                "required": ["analyzer", "scanner", "type", "start_time", "end_time", "status"],
                "properties": {
                    "analyzer": _TOOL,
                    "scanner": _TOOL,
                    "type": {"const": report_type},
                    "start_time": _TIME,
                    "end_time": _TIME,
                    "status": {"enum": ["success", "failure"]},
                },
            },
            "vulnerabilities": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "identifiers", "location"],
                    "properties": {
                        "id": {"type": "string", "minLength": 1},
                        "name": {"type": "string", "maxLength": 255},
                        "severity": {
                            "enum": ["Info", "Unknown", "Low", "Medium", "High", "Critical"]
                        },
                        "identifiers": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": 20,
                            "items": {"type": "object", "required": ["type", "name", "value"]},
                        },
                        "location": _LOCATIONS[report_type],
                    },
                },
            },
        },
    }
