"""Unified diffs that `git apply` and `patch -p1` accept, validated with unidiff before they are shown."""

from __future__ import annotations

import difflib

import unidiff

NO_NEWLINE = "\\ No newline at end of file\n"


class InvalidDiff(Exception):
    pass


def _lines(data: bytes) -> list[str]:
    """Lines as git and patch see them: split at "\\n" only (str.splitlines also splits at \\r, \\f, U+2028…)."""
    lines = data.decode("utf-8", "surrogateescape").split("\n")
    last = lines.pop()
    return [line + "\n" for line in lines] + ([last] if last else [])


def unified_diff(original: bytes, fixed: bytes, display_path: str, context: int = 3) -> str:
    """A git-style diff of one file (`a/` and `b/` prefixes); '' when nothing changed."""
    if original == fixed:
        return ""
    before, after = _lines(original), _lines(fixed)
    out: list[str] = []
    hunks = difflib.unified_diff(before, after, f"a/{display_path}", f"b/{display_path}", n=context, lineterm="\n")
    for index, line in enumerate(hunks):
        if index < 2:  # the `---`/`+++` headers; a removed "-- x" or added "++ y" line looks the same
            # As git does, end a name holding a space with a tab: `patch` reads a name up to the first tab.
            out.append(line.rstrip("\r\n") + ("\t" if " " in display_path else "") + "\n")
            continue
        if line.endswith("\n"):
            out.append(line)
        else:  # the last line of a file with no final newline
            out.append(line + "\n" + NO_NEWLINE)
    text = f"diff --git a/{display_path} b/{display_path}\n" + "".join(out)
    validate(text)
    return text


def validate(text: str) -> None:
    try:
        patch = unidiff.PatchSet(text)
    except unidiff.UnidiffParseError as exc:
        raise InvalidDiff(f"dalfix produced an invalid diff: {exc}") from exc
    if len(patch) != 1 or not patch[0]:
        raise InvalidDiff("dalfix produced a diff with no hunks")
