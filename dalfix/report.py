"""Reports of findings: one line each (text), JSON, and SARIF 2.1.0."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path

from dalfix.console import color_check_line
from dalfix.context import relative_display
from dalfix.fix_edits import EditsOf, edit_record
from dalfix.fixes import Applicability
from dalfix.parsing import line_col
from dalfix.rules import all_rules
from dalfix.runner import RunResult

DOCS_URL = "https://github.com/dalfix/dalfix/blob/main/docs/rules.md#{code}"


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """`1 file`, `2 files`, `0 findings`: the summary lines people and scripts read (`fixes` for `fix`)."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def finding_records(result: RunResult, base: Path | None = None) -> list[dict[str, object]]:
    records = []
    edits_of = EditsOf()
    for file, finding in result.findings:
        line, column = line_col(file.original, finding.start)
        end_line, end_column = line_col(file.original, finding.end)
        records.append(
            {
                "path": relative_display(file.path, base),
                "rule": finding.rule,
                "name": finding.name,
                "message": finding.message,
                "line": line,
                "end_line": end_line,
                "column": column,
                "end_column": end_column,
                "applicability": finding.applicability.value if finding.applicability else None,
                "fix_title": finding.fix.title if finding.fix else None,
                # The edits, on the original bytes, imports included: enough to apply the fix without dalfix.
                "edits": [
                    edit_record(file.original, e) for e in edits_of(file.path, file.original, finding.fix, file.parsed)
                ]
                if finding.fix
                else [],
                # Files the fix creates (never over an existing file with other content), with their whole text.
                "creates": [
                    {"path": relative_display(new.path, base), "content": new.text} for new in finding.fix.creates
                ]
                if finding.fix
                else [],
            }
        )
    return records


def summary(result: RunResult) -> dict[str, object]:
    skipped = Counter(f.reason or "" for f in result.files if f.status == "skipped")
    setup_kinds = Counter(f.setup_code for f in result.files if f.setup_code is not None and f.status != "skipped")
    return {
        "files_scanned": sum(1 for f in result.files if f.status != "skipped"),
        "files_changed": sum(1 for f in result.files if f.status == "changed"),
        "files_skipped": sum(skipped.values()),
        "skipped_reasons": dict(sorted(skipped.items())),
        "files_failed": len(result.failed),
        # Tests, seeds, migrations and scripts the rules left out (dalfix/analysis/setup_code.py; `include-tests`).
        "files_setup_code": sum(setup_kinds.values()),
        "setup_code_kinds": dict(sorted(setup_kinds.items())),
        "functions_skipped_for_parse_errors": sum(f.skipped_functions for f in result.files),
        "functions_masked": sum(f.masked_functions for f in result.files),
        "findings": len(result.findings),
        "suppressed": sum(len(f.suppressed) for f in result.files),
        "by_rule": dict(sorted(Counter(f.rule for _, f in result.findings).items())),
        "fixes_applied": sum(len(f.applied) for f in result.files),
        # Later-round fixes about code earlier fixes write: not in `findings` (dalfix/runner.py `later_findings`).
        "follow_up_fixes": sum(f.follow_ups for f in result.files),
        "files_created": len(result.new_files()),
    }


def unused_suppression_records(result: RunResult, base: Path | None = None) -> list[dict[str, object]]:
    """`dalfix-ignore` comments (per code) that suppressed nothing in this run."""
    return [
        {
            "path": relative_display(file.path, base),
            "line": directive.line,
            "column": directive.column,
            "directive": directive.text,
            "code": code or None,
            "message": f"unused suppression: no {code or 'finding'} "
            + ("in this file" if directive.file_level else f"on line {directive.target_line}"),
        }
        for file in result.files
        for directive, code in file.unused_suppressions
    ]


def text_report(
    result: RunResult, unused_suppressions: bool = False, show_fixes: bool = False, color: bool = False
) -> str:
    lines = []
    for record in finding_records(result):
        applicability = str(record["applicability"] or "no fix")
        where = f"{record['path']}:{record['line']}:{record['column']}"
        if color:
            lines.append(color_check_line(where, str(record["rule"]), str(record["message"]), applicability))
        else:
            lines.append(f"{where}: {record['rule']} {record['message']} [{applicability}]")
        if show_fixes and record["fix_title"]:
            lines.append(f"  fix ({applicability}): {record['fix_title']}")
    if unused_suppressions:
        for record in unused_suppression_records(result):
            lines.append(
                f"{record['path']}:{record['line']}:{record['column']}: {record['directive']} {record['message']}"
            )
    return "\n".join(lines) + ("\n" if lines else "")


def json_report(result: RunResult, unused_suppressions: bool = False) -> str:
    records = finding_records(result)
    for record in records:  # a file name that is not UTF-8: its odd bytes as \xNN, so the JSON stays Unicode
        record["path"] = os.fsencode(str(record["path"])).decode("utf-8", "backslashreplace")
    document: dict[str, object] = {"findings": records, "summary": summary(result)}
    if unused_suppressions:
        document["unused_suppressions"] = unused_suppression_records(result)
    return json.dumps(document, indent=2) + "\n"


def sarif_report(result: RunResult) -> str:
    from dalfix.sarif import sarif_document

    return json.dumps(sarif_document(result, DOCS_URL, all_rules()), indent=2) + "\n"


def statistics_report(result: RunResult) -> str:
    """`check --statistics`: one line per rule and applicability, most frequent first (ruff's layout)."""
    counts = Counter(
        (finding.rule, finding.name, finding.applicability.value if finding.applicability else "no fix")
        for _, finding in result.findings
    )
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    width = max((len(str(n)) for n in counts.values()), default=1)
    lines = [f"{n:>{width}}\t{code}\t[{applicability}]\t{name}" for (code, name, applicability), n in ordered]
    return "\n".join(lines) + ("\n" if lines else "")


def applied_fixes_report(result: RunResult) -> list[str]:
    """`--show-fixes` with diff/apply: what was fixed, per file and rule (ruff's "Fixed N errors" list)."""
    total = sum(len(f.applied) for f in result.files)
    if not total:
        return ["dalfix: no fixes applied"]
    lines = [f"dalfix: fixed {counted(total, 'finding')}:"]
    for file in result.files:
        if not file.applied:
            continue
        lines.append(f"- {relative_display(file.path)}:")
        per_rule = Counter((f.rule, f.name, f.fix.title if f.fix else "") for f in file.applied)
        for (code, name, title), n in sorted(per_rule.items()):
            lines.append(f"    {n} × {code} ({name}): {title}")
    lines += [f"- {relative_display(new.path)}: created" for new in result.new_files()]
    return lines


def fix_hint(result: RunResult, checking: bool, unsafe_fixes: bool) -> str:
    """Ruff's closing hint: how many fixes the user could still apply, and with which flag."""
    findings = [f for _, f in result.findings]
    safe = sum(1 for f in findings if f.applicability is Applicability.SAFE)
    unsafe = sum(1 for f in findings if f.applicability is Applicability.UNSAFE)
    if checking:
        if unsafe_fixes and safe + unsafe:
            return f"{counted(safe + unsafe, 'fix', 'fixes')} available with `dalfix apply --unsafe-fixes`"
        parts = [f"{counted(safe, 'fix', 'fixes')} available with `dalfix apply`"] if safe else []
        if unsafe:
            more = "more " if safe else ""
            parts.append(f"{unsafe} {more}{'fix' if unsafe == 1 else 'fixes'} available with `--unsafe-fixes`")
        return "; ".join(parts)
    if unsafe and not unsafe_fixes:
        return f"{counted(unsafe, 'fix', 'fixes')} available with `--unsafe-fixes`"
    return ""


_UNIQUE_INDEX = re.compile(r"""uniqueIndex\((["'])([^"'\n]+)\1\)""")


def waiting_fixes_hint(result: RunResult, unsafe_fixes: bool) -> str:
    """After `apply`: how many DAL003 findings wait for a unique index this run's DAL010 fixes added to the schema.

    DAL003 offers `onConflictDoNothing({ target })` only once the target has a unique index: without one Postgres
    fails with 42P10 and SQLite with "ON CONFLICT clause does not match any PRIMARY KEY or UNIQUE constraint". So a
    run that adds the index leaves those find-or-creates display-only; the next run, once the migration exists,
    rewrites them (moemail's two `findOrCreateRole`s)."""
    allowed = {Applicability.SAFE, *((Applicability.UNSAFE,) if unsafe_fixes else ())}
    added = {
        match.group(2)
        for file in result.files
        if file.status == "changed"
        for finding in file.findings
        if finding.rule == "DAL010" and finding.fix is not None and finding.fix.applicability in allowed
        for edit in finding.fix.edits
        for match in _UNIQUE_INDEX.finditer(edit.text)
    }
    if not added:
        return ""
    waiting = [
        finding
        for _, finding in result.findings
        if finding.rule == "DAL003"
        and finding.applicability in (None, Applicability.DISPLAY_ONLY)
        and any(match.group(2) in added for match in _UNIQUE_INDEX.finditer(finding.message))
    ]
    if not waiting:
        return ""
    names = ", ".join(f"`{name}`" for name in sorted(added))
    one = len(waiting) == 1
    return (
        f"{counted(len(waiting), 'DAL003 finding')} {'waits' if one else 'wait'} for the unique "
        f"{'index' if len(added) == 1 else 'indexes'} this run added ({names}): generate and run the migration, then "
        f"run dalfix again to rewrite {'it' if one else 'them'}"
    )


DELIBERATE_SKIPS = frozenset({"generated file", "excluded by dalfix.toml"})


def nothing_checked(result: RunResult) -> bool:
    """Every input was skipped for a problem (unreadable, not UTF-8, not TypeScript…), so nothing was checked.

    Deliberate skips (generated files, `exclude`) are not problems: a pre-commit run on a generated file is fine."""
    scanned = any(f.status != "skipped" for f in result.files)
    return not scanned and any(f.reason not in DELIBERATE_SKIPS for f in result.files if f.status == "skipped")
