"""Inline suppressions: `// dalfix-ignore[DAL001]: reason` and `// dalfix-ignore-file[DAL002]`.

A line suppression written alone on its line applies to the next line of code (further comment lines in
between are skipped, so several suppressions can stack); written after code, it applies to that line. A
finding is suppressed when the line it starts on is covered for its code. `// dalfix-ignore` without codes
covers every rule (as ruff's bare `# noqa`); codes may be rule codes or rule names, comma-separated. A file
suppression covers its codes anywhere in the file. Only comments count (tree-sitter comment nodes), never
text inside strings. The runner filters findings before it chooses fixes, so a suppressed finding's fix is
never applied; every fix round re-reads the suppressions of the rewritten source.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from dalfix.fixes import Finding
from dalfix.parsing import Node, ParsedFile, walk

_DIRECTIVE = re.compile(
    r"(?://|/\*)\s*dalfix-ignore(?P<file>-file)?(?:\[(?P<codes>[^\]]*)\])?(?P<rest>(?:[\s:].*)?)$", re.S
)


@dataclass(frozen=True)
class Suppression:
    """One directive: the codes it names (empty: every rule), where it is, and the line it covers."""

    codes: tuple[str, ...]
    file_level: bool
    line: int  # 1-based line of the comment
    column: int  # 1-based column of the comment
    target_line: int  # 1-based line it covers (0 for a file-level directive)
    reason: str = ""

    def covers(self, finding: Finding, finding_line: int) -> bool:
        if not self.file_level and finding_line != self.target_line:
            return False
        return not self.codes or any(_names(finding, code) for code in self.codes)

    @property
    def text(self) -> str:
        kind = "dalfix-ignore-file" if self.file_level else "dalfix-ignore"
        return f"{kind}[{', '.join(self.codes)}]" if self.codes else kind


def _names(finding: Finding, code: str) -> bool:
    return code.upper() == finding.rule or code == finding.name


@dataclass
class Suppressed:
    """The outcome of applying a file's suppressions to its findings."""

    kept: list[Finding] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)
    # (directive, code) pairs that suppressed nothing; code "" for a directive without codes.
    unused: list[tuple[Suppression, str]] = field(default_factory=list)


def _comments(root: Node) -> Iterable[Node]:
    return (node for node in walk(root) if node.type == "comment")  # a cursor walk (see parsing.walk)


def find_suppressions(parsed: ParsedFile) -> list[Suppression]:
    """Every dalfix directive in the file's comments, in source order."""
    if b"dalfix-ignore" not in parsed.source:
        return []
    lines = parsed.source.split(b"\n")
    code_lines = {i for i, text in enumerate(lines) if text.strip()} - _comment_only_lines(parsed.root, lines)
    out: list[Suppression] = []
    for node in _comments(parsed.root):
        text = (node.text or b"").decode("utf-8", "surrogateescape")
        match = _DIRECTIVE.match(text)
        if match is None:
            continue
        codes = tuple(c.strip() for c in (match.group("codes") or "").split(",") if c.strip())
        row = node.start_point.row
        own_line = not lines[row][: node.start_point.column].strip()
        if match.group("file"):
            target = 0
        elif own_line:
            target = next((r + 1 for r in sorted(code_lines) if r > node.end_point.row), -1)
        else:
            target = row + 1
        out.append(
            Suppression(
                codes=codes,
                file_level=bool(match.group("file")),
                line=row + 1,
                column=node.start_point.column + 1,
                target_line=target,
                reason=match.group("rest").strip().removesuffix("*/").strip().lstrip(":").strip(),
            )
        )
    return out


def _comment_only_lines(root: Node, lines: Sequence[bytes]) -> set[int]:
    """Rows holding nothing but comments (and whitespace)."""
    covered: dict[int, list[tuple[int, int]]] = {}
    for node in _comments(root):
        for row in range(node.start_point.row, node.end_point.row + 1):
            start = node.start_point.column if row == node.start_point.row else 0
            end = node.end_point.column if row == node.end_point.row else len(lines[row])
            covered.setdefault(row, []).append((start, end))
    only: set[int] = set()
    for row, spans in covered.items():
        text = bytearray(lines[row])
        for start, end in spans:
            text[start:end] = b" " * (end - start)
        if not text.strip():
            only.add(row)
    return only


def apply_suppressions(
    parsed: ParsedFile, findings: Sequence[Finding], rules_run: Iterable[str] | None = None
) -> Suppressed:
    """Split `findings` into kept and suppressed, and list directives (per code) that suppressed nothing.

    `rules_run`: codes and names of the rules that ran; a directive naming a rule that did not run is not
    reported unused (it may be needed when that rule runs)."""
    directives = find_suppressions(parsed)
    result = Suppressed()
    if not directives:
        result.kept = list(findings)
        return result
    used: set[tuple[int, str]] = set()
    line_starts = _line_starts(parsed.source)
    for finding in findings:
        line = _line_of(line_starts, finding.start)
        hits = [(i, d) for i, d in enumerate(directives) if d.covers(finding, line)]
        if not hits:
            result.kept.append(finding)
            continue
        result.suppressed.append(finding)
        for i, directive in hits:
            code = next((c for c in directive.codes if _names(finding, c)), "")
            used.add((i, code))
    ran = set(rules_run) if rules_run is not None else None
    for i, directive in enumerate(directives):
        for code in directive.codes or ("",):
            if (i, code) in used:
                continue
            if code and ran is not None and code not in ran and code.upper() not in ran:
                continue
            result.unused.append((directive, code))
    return result


def _line_starts(source: bytes) -> list[int]:
    starts = [0]
    position = source.find(b"\n")
    while position != -1:
        starts.append(position + 1)
        position = source.find(b"\n", position + 1)
    return starts


def _line_of(line_starts: list[int], offset: int) -> int:
    return bisect_right(line_starts, offset)
