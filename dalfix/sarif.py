"""SARIF 2.1.0 for code scanning: URIs relative to `%SRCROOT%` (the repository root), stable fingerprints,
columns counted in Unicode code points (`columnKind`), and each fix's edits as SARIF `fixes`."""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from dalfix import __version__
from dalfix.analysis.workspace import repository_root_of
from dalfix.fix_edits import EditsOf
from dalfix.fixes import Edit, NewFile
from dalfix.parsing import line_col
from dalfix.rules import Rule, all_rules
from dalfix.runner import FileResult, RunResult

SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "dalfixFindingHash/v1"


def source_root(result: RunResult) -> Path:
    """The repository holding the first scanned file (else the current directory's, else the current directory)."""
    for file in result.files:
        if file.status != "skipped":
            found = repository_root_of(Path(os.path.abspath(file.path)).parent)
            if found is not None:
                return found
    cwd = Path.cwd()
    return repository_root_of(cwd) or cwd


def artifact_location(path: Path, root: Path) -> dict[str, str]:
    """A URI relative to %SRCROOT% when the file is inside it, else an absolute file URI."""
    absolute = Path(os.path.abspath(path))
    if absolute.is_relative_to(root):
        relative = absolute.relative_to(root).as_posix()
        return {"uri": quote(os.fsencode(relative)), "uriBaseId": SRCROOT}  # a URI: "a b" is "a%20b"
    return {"uri": "file://" + quote(os.fsencode(absolute.as_posix()))}


def _region(original: bytes, start: int, end: int) -> dict[str, int]:
    line, column = line_col(original, start)
    end_line, end_column = line_col(original, end)
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}


def fingerprint(rule: str, relative_path: str, flagged: bytes, occurrence: int) -> str:
    """Stable across runs and across edits elsewhere in the file: the rule, the file, the flagged code with its
    whitespace collapsed, and which occurrence of that same code it is (never line numbers)."""
    normalized = re.sub(rb"\s+", b" ", flagged).strip()
    digest = hashlib.sha256(b"\0".join([rule.encode(), relative_path.encode("utf-8", "surrogateescape"), normalized]))
    return f"{digest.hexdigest()[:32]}:{occurrence}"


def sarif_document(result: RunResult, docs_url: str, rules: Sequence[type[Rule]] | None = None) -> dict[str, object]:
    rules = list(all_rules() if rules is None else rules)
    index = {rule.code: i for i, rule in enumerate(rules)}
    root = source_root(result)
    edits_of = EditsOf()
    seen: Counter[tuple[str, str, bytes]] = Counter()
    results = []
    for file, finding in result.findings:
        location = artifact_location(file.path, root)
        flagged = file.original[finding.start : finding.end]
        key = (finding.rule, location["uri"], re.sub(rb"\s+", b" ", flagged).strip())
        seen[key] += 1
        entry: dict[str, object] = {
            "ruleId": finding.rule,
            "ruleIndex": index.get(finding.rule, 0),
            "level": "warning",
            "message": {"text": finding.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": location,
                        "region": _region(file.original, finding.start, finding.end),
                    }
                }
            ],
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint(finding.rule, location["uri"], flagged, seen[key])},
            "properties": {"applicability": finding.applicability.value if finding.applicability else None},
        }
        if finding.fix is not None:
            fix = _fix(file, finding.fix.title, edits_of(file.path, file.original, finding.fix, file.parsed), location)
            fix["artifactChanges"] += [_new_artifact(new, root) for new in finding.fix.creates]  # type: ignore[operator]
            entry["fixes"] = [fix]
        results.append(entry)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "dalfix",
                        "version": __version__,
                        "informationUri": "https://github.com/dalfix/dalfix",
                        "rules": [
                            {
                                "id": rule.code,
                                "name": rule.name,
                                "shortDescription": {"text": rule.summary()},
                                "fullDescription": {"text": rule.documentation()},
                                "helpUri": docs_url.format(code=rule.code.lower()),
                                "properties": {"fixAvailability": rule.fix_availability, "preview": rule.preview},
                            }
                            for rule in rules
                        ],
                    }
                },
                "originalUriBaseIds": {SRCROOT: {"uri": root.as_uri().rstrip("/") + "/"}},
                "columnKind": "unicodeCodePoints",  # dalfix's columns count characters, not UTF-16 units
                "invocations": [_invocation(result, root)],
                "results": results,
            }
        ],
    }


def _invocation(result: RunResult, root: Path) -> dict[str, object]:
    """The run as SARIF's invocation (§3.20): not successful when a file was lost (a rule raised on it, the worker
    checking it died), each such file an error notification naming it: code scanning shows the gap, not a clean run."""
    return {
        "executionSuccessful": not result.failed,
        "toolExecutionNotifications": [
            {
                "level": "error",
                "message": {"text": f"not checked: {file.reason}" if file.reason else "not checked"},
                "locations": [{"physicalLocation": {"artifactLocation": artifact_location(file.path, root)}}],
            }
            for file in result.failed
        ],
    }


def _new_artifact(new: NewFile, root: Path) -> dict[str, object]:
    """A file the fix creates, as SARIF 2.1.0 can say it (it has no create operation): one replacement inserting
    the whole text at the start of the artifact (an empty region is an insertion point, §3.57.1), with a
    `newFile` property telling consumers that the artifact does not exist yet and must not be overwritten."""
    return {
        "artifactLocation": artifact_location(new.path, root),
        "replacements": [
            {
                "deletedRegion": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1},
                "insertedContent": {"text": new.text},
            }
        ],
        "properties": {"newFile": True},
    }


def _fix(file: FileResult, title: str, edits: tuple[Edit, ...], location: dict[str, str]) -> dict[str, object]:
    return {
        "description": {"text": title},
        "artifactChanges": [
            {
                "artifactLocation": location,
                "replacements": [
                    {
                        "deletedRegion": _region(file.original, edit.start, edit.end),
                        "insertedContent": {"text": edit.text},
                    }
                    for edit in edits
                ],
            }
        ],
    }
