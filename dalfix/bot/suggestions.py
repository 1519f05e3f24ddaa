"""Turning a fix into a GitHub suggestion: the whole lines it replaces and the lines that replace them.

A fix is byte-range edits on the original file; a GitHub suggestion replaces whole lines
`start_line..line` (1-based, on the right side of the pull request's head) with the lines of the
```suggestion block. The conversion compares the original with the file as this one fix leaves it,
takes the smallest run of whole lines that holds every difference, and checks that GitHub's line
replacement reproduces the fixed bytes exactly (line endings and the missing final newline included);
when it cannot, the range grows by a line or the fix is shown without a one-click suggestion.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dalfix.fixes import Fix
from dalfix.imports import ImportConflict
from dalfix.parsing import count_errors, parse_file
from dalfix.runner import apply_fixes

# How far the range may grow (in lines, each way) to make the replacement expressible as whole lines.
MAX_WIDENING = 2


@dataclass(frozen=True)
class Suggestion:
    """Replace lines `start_line..line` (inclusive) of the file with `lines`."""

    start_line: int
    line: int
    original: bytes  # the replaced lines, line terminators included
    replacement: bytes  # the bytes that take their place

    @property
    def lines(self) -> list[str]:
        """The suggestion block's lines, without terminators ([] deletes the range)."""
        return split_lines(self.replacement.decode("utf-8", "surrogateescape"))

    @property
    def original_lines(self) -> list[str]:
        return split_lines(self.original.decode("utf-8", "surrogateescape"))


def split_lines(text: str) -> list[str]:
    """Lines split on LF only (a TS string may hold U+2028, which `str.splitlines` would split on)."""
    if not text:
        return []
    parts = text.split("\n")
    if parts[-1] == "":
        parts.pop()
    return [p[:-1] if p.endswith("\r") else p for p in parts]


def fixed_by(path: Path, original: bytes, fix: Fix) -> bytes | None:
    """The file with only `fix` applied, its imports included; None when that would not parse as well."""
    parsed = parse_file(path, original)
    try:
        source = apply_fixes(parsed, [fix])
    except ImportConflict:
        return None
    if count_errors(parse_file(path, source).root) > count_errors(parsed.root):
        return None
    return source


def suggestion_for(original: bytes, fixed: bytes) -> Suggestion | None:
    """The smallest whole-line suggestion that turns `original` into `fixed`; None if there is none."""
    if original == fixed or not original:
        return None
    prefix = _common_prefix(original, fixed)
    suffix = _common_suffix(original, fixed, limit=min(len(original), len(fixed)) - prefix)
    start = original.rfind(b"\n", 0, prefix) + 1
    changed_end = len(original) - suffix
    if changed_end > start and original[changed_end - 1 : changed_end] == b"\n":
        end = changed_end
    else:
        end = _line_end(original, changed_end)
    if start == end:  # an insertion after the final newline: anchor it on the last line
        start = original.rfind(b"\n", 0, start - 1) + 1
    growth = len(fixed) - len(original)
    for widen_up in range(MAX_WIDENING + 1):
        for widen_down in range(MAX_WIDENING + 1):
            first = _lines_up(original, start, widen_up)
            last = _lines_down(original, end, widen_down)
            candidate = _make(original, fixed, first, last, growth)
            if candidate is not None:
                return candidate
    return None


def apply_suggestion(source: bytes, start_line: int, line: int, lines: list[str]) -> bytes:
    """What committing a suggestion does to `source`: lines `start_line..line` become `lines`.

    The new lines take the line ending of the last replaced line (its neighbours' when it has none, as
    the file's last line), and the last new line ends the way the last replaced line did.
    """
    starts = _line_starts(source)
    first = starts[start_line - 1]
    last_end = starts[line] if line < len(starts) else len(source)
    region = source[first:last_end]
    if region.endswith(b"\r\n"):
        newline, final = "\r\n", "\r\n"
    elif region.endswith(b"\n"):
        newline, final = "\n", "\n"
    else:
        newline = "\r\n" if b"\r\n" in source[:first] or b"\r\n" in region else "\n"
        final = ""
    text = newline.join(lines) + final if lines else ""
    return source[:first] + text.encode("utf-8", "surrogateescape") + source[last_end:]


def line_span(source: bytes, start: int, end: int) -> tuple[int, int]:
    """1-based first and last line holding bytes [start, end) (a range ending at a newline stays on its line)."""
    first = source.count(b"\n", 0, start) + 1
    if end > start and source[end - 1 : end] == b"\n":
        end -= 1
    last = source.count(b"\n", 0, max(start, end)) + 1
    return first, last


def _make(original: bytes, fixed: bytes, first: int, last: int, growth: int) -> Suggestion | None:
    if first == last:
        return None
    start_line = original.count(b"\n", 0, first) + 1
    line = start_line + original.count(b"\n", first, last) - (1 if original[last - 1 : last] == b"\n" else 0)
    suggestion = Suggestion(start_line, line, original[first:last], fixed[first : last + growth])
    if apply_suggestion(original, start_line, line, suggestion.lines) != fixed:
        return None
    return suggestion


def _common_prefix(a: bytes, b: bytes) -> int:
    limit = min(len(a), len(b))
    n = 0
    while n < limit and a[n] == b[n]:
        n += 1
    return n


def _common_suffix(a: bytes, b: bytes, limit: int) -> int:
    n = 0
    while n < limit and a[len(a) - 1 - n] == b[len(b) - 1 - n]:
        n += 1
    return n


def _line_end(source: bytes, offset: int) -> int:
    """The offset just past the newline ending the line that holds `offset` (or the end of the file)."""
    newline = source.find(b"\n", offset)
    return len(source) if newline < 0 else newline + 1


def _lines_up(source: bytes, start: int, count: int) -> int:
    for _ in range(count):
        if start == 0:
            break
        start = source.rfind(b"\n", 0, start - 1) + 1
    return start


def _lines_down(source: bytes, end: int, count: int) -> int:
    for _ in range(count):
        if end >= len(source):
            break
        end = _line_end(source, end)
    return end


def _line_starts(source: bytes) -> list[int]:
    starts = [0]
    position = source.find(b"\n")
    while position >= 0:
        if position + 1 < len(source):
            starts.append(position + 1)
        position = source.find(b"\n", position + 1)
    return starts
