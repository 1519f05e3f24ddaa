"""The fix model (ruff's): byte-range edits grouped into a fix with an applicability, attached to findings."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path


class Applicability(enum.StrEnum):
    """How sure a fix is. Ordered: a mode that applies `UNSAFE` also applies `SAFE`."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY_ONLY = "display-only"

    @property
    def rank(self) -> int:
        return {"safe": 0, "unsafe": 1, "display-only": 2}[self.value]

    def allowed_by(self, threshold: Applicability) -> bool:
        """True when a run that applies fixes up to `threshold` applies this one."""
        return self is not Applicability.DISPLAY_ONLY and self.rank <= threshold.rank


@dataclass(frozen=True, order=True)
class Edit:
    """Replace bytes [start, end) of the original source with `text` (UTF-8 encoded on application)."""

    start: int
    end: int
    text: str = ""

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < self.start:
            raise ValueError(f"bad edit range {self.start}..{self.end}")

    @property
    def is_insertion(self) -> bool:
        return self.start == self.end


@dataclass(frozen=True, order=True)
class NewFile:
    """A file a fix creates: `path` (absolute) holding `text` (UTF-8 on disk).

    Creating never overwrites: when `path` already holds exactly `text` the creation is a no-op (the fix
    still applies); when it holds anything else the fix is refused. Two fixes of one run that create one path
    with the same text create it once; with different texts the later one is refused (see NewFiles in
    dalfix/runner.py)."""

    path: Path
    text: str

    def __post_init__(self) -> None:
        if not self.path.is_absolute():
            raise ValueError(f"a created file needs an absolute path, not {self.path}")

    @property
    def data(self) -> bytes:
        return self.text.encode("utf-8", "surrogateescape")


@dataclass(frozen=True)
class Fix:
    """One reviewable change: edits applied together or not at all."""

    edits: tuple[Edit, ...]
    applicability: Applicability
    title: str
    # Named imports the fixed code needs, as (module, name): added to the file once, after the edits.
    imports: frozenset[tuple[str, str]] = frozenset()
    # Files the fix creates (a module its edits import): created with the edits or not at all.
    creates: tuple[NewFile, ...] = ()
    # Comments the fix deletes on purpose (`comments.comment_key` of each: the `//` lines describing a statement
    # it removes); any other comment an edit loses makes the fix a bug, dropped by the runner.
    drops_comments: tuple[str, ...] = ()

    @property
    def start(self) -> int:
        return min(e.start for e in self.edits)

    @property
    def end(self) -> int:
        return max(e.end for e in self.edits)

    def overlaps(self, other: Fix) -> bool:
        for a in self.edits:
            for b in other.edits:
                if a.start < b.end and b.start < a.end:
                    return True
                # Two insertions at one point, or an insertion at the edge of a replacement, are
                # ordered ambiguously: treat them as overlapping and leave one for the next round.
                if (a.is_insertion or b.is_insertion) and a.start <= b.end and b.start <= a.end:
                    return True
        return False


@dataclass(frozen=True)
class Finding:
    """One occurrence a rule flags, with the byte range it points at and its fix, if any."""

    rule: str
    name: str
    message: str
    start: int
    end: int
    fix: Fix | None = None
    # Statements the fix saves per call, where the rule can say (used by reports and the PR bot).
    notes: tuple[str, ...] = field(default=())

    @property
    def applicability(self) -> Applicability | None:
        return self.fix.applicability if self.fix else None


def apply_edits(source: bytes, edits: list[Edit] | tuple[Edit, ...]) -> bytes:
    """Apply non-overlapping edits to `source`; edits are positions in `source`."""
    out = []
    pos = 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        if edit.start < pos:
            raise ValueError(f"overlapping edits at byte {edit.start}")
        out.append(source[pos : edit.start])
        out.append(edit.text.encode("utf-8", "surrogateescape"))
        pos = edit.end
    out.append(source[pos:])
    return b"".join(out)
