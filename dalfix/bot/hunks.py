"""Which lines of a pull request GitHub lets a review comment on: the right side of each diff hunk.

GitHub rejects a whole review (422) when one comment points outside the diff, and a multi-line comment
must stay within one hunk, so every comment is checked here before it is sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import unidiff


def right_side_ranges(patch: str | None) -> list[range]:
    """The head-side line numbers each hunk of a file's `patch` (from the PR files API) shows."""
    if not patch:
        return []  # binary, too large to diff, or unchanged: nothing can be commented on
    text = patch if patch.endswith("\n") else patch + "\n"
    try:
        parsed = unidiff.PatchSet("--- a/file\n+++ b/file\n" + text)
    except unidiff.UnidiffParseError:
        return []
    ranges = []
    for patched in parsed:
        for hunk in patched:
            if hunk.target_length:
                ranges.append(range(hunk.target_start, hunk.target_start + hunk.target_length))
    return ranges


@dataclass
class DiffMap:
    """The commentable right-side line ranges of every file in a pull request."""

    ranges: dict[str, list[range]] = field(default_factory=dict)

    @classmethod
    def from_patches(cls, patches: Iterable[tuple[str, str | None]]) -> DiffMap:
        return cls({path: right_side_ranges(patch) for path, patch in patches})

    def fits(self, path: str, start_line: int, line: int) -> bool:
        """True when every line of start_line..line lies in one hunk of `path`."""
        return any(start_line in hunk and line in hunk for hunk in self.ranges.get(path, ()))
