"""A fix's complete edits on the original source: its own edits plus the import edits `apply` would add.

Reports (JSON, SARIF) carry these so that a consumer can apply a fix without dalfix. The import edits are
computed on the original file (imports sit at the top, away from the edits); a fix whose import cannot be
added (a name already bound) gets none, as `apply` would refuse it.
"""

from __future__ import annotations

from pathlib import Path

from dalfix.fixes import Edit, Fix
from dalfix.imports import ImportConflict, ensure_imports
from dalfix.parsing import ParsedFile, line_col, parse_file


class EditsOf:
    """Per-run cache: each file is parsed at most once."""

    def __init__(self) -> None:
        self._parsed: dict[Path, ParsedFile] = {}

    def __call__(self, path: Path, original: bytes, fix: Fix, parsed: ParsedFile | None = None) -> tuple[Edit, ...]:
        """`parsed`: the run's parse of `original`, when it kept one (FileResult.parsed)."""
        edits = tuple(sorted(fix.edits))
        if not fix.imports:
            return edits
        if path not in self._parsed:
            usable = parsed is not None and parsed.original == original
            self._parsed[path] = parsed if usable and parsed is not None else parse_file(path, original)
        try:
            added = ensure_imports(self._parsed[path], set(fix.imports))
        except ImportConflict:
            return edits
        if any(a.start < e.end and e.start < a.end for a in added for e in edits):
            return edits
        return tuple(sorted((*edits, *added)))


def edit_record(original: bytes, edit: Edit) -> dict[str, object]:
    """An edit as JSON: byte offsets (what dalfix applies) and 1-based lines/columns in characters."""
    line, column = line_col(original, edit.start)
    end_line, end_column = line_col(original, edit.end)
    return {
        "start": edit.start,
        "end": edit.end,
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
        "content": edit.text,
    }
