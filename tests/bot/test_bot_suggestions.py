"""A fix becomes a whole-line suggestion whose application gives the same bytes as the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dalfix.bot.hunks import DiffMap, right_side_ranges
from dalfix.bot.suggestions import apply_suggestion, fixed_by, line_span, split_lines, suggestion_for
from dalfix.fixes import Applicability, Edit, Fix, apply_edits


def fix(*edits: Edit, imports: frozenset[tuple[str, str]] = frozenset()) -> Fix:
    return Fix(tuple(edits), Applicability.SAFE, "test fix", imports)


def check_roundtrip(original: bytes, fixed: bytes) -> None:
    suggestion = suggestion_for(original, fixed)
    assert suggestion is not None
    assert apply_suggestion(original, suggestion.start_line, suggestion.line, suggestion.lines) == fixed


@pytest.mark.parametrize(
    ("original", "start", "end", "text", "expected"),
    [
        # one line replaced inside a line
        (b"a\nbXb\nc\n", 3, 4, "Y", (2, 2, ["bYb"])),
        # two lines joined into one
        (b"a\nb\nc\nd\n", 2, 5, "b c", (2, 3, ["b c"])),
        # a line inserted at the start of a line
        (b"a\nb\n", 2, 2, "new\n", (2, 2, ["new", "b"])),
        # a whole line deleted
        (b"a\nb\nc\n", 2, 4, "", (2, 2, [])),
        # the last line, which has no newline
        (b"a\nlast", 2, 6, "LAST", (2, 2, ["LAST"])),
        # an insertion after the final newline anchors on the last line
        (b"a\nb\n", 4, 4, "c\n", (2, 2, ["b", "c"])),
    ],
)
def test_suggestion_lines(original: bytes, start: int, end: int, text: str, expected: tuple) -> None:
    fixed = apply_edits(original, [Edit(start, end, text)])
    suggestion = suggestion_for(original, fixed)
    assert suggestion is not None
    assert (suggestion.start_line, suggestion.line, suggestion.lines) == expected
    check_roundtrip(original, fixed)


def test_crlf_lines_keep_their_endings() -> None:
    original = b"a\r\nconst x = 1;\r\nconst y = 2;\r\nz\r\n"
    start = original.index(b"const x")
    end = original.index(b"z")
    fixed = apply_edits(original, [Edit(start, end, "const [x, y] = [1, 2];\r\n")])
    suggestion = suggestion_for(original, fixed)
    assert suggestion is not None
    assert (suggestion.start_line, suggestion.line) == (2, 3)
    assert suggestion.lines == ["const [x, y] = [1, 2];"]
    check_roundtrip(original, fixed)


def test_removing_the_final_newline_widens_or_gives_up_honestly() -> None:
    original = b"a\nb\n"
    fixed = b"a\nb"
    suggestion = suggestion_for(original, fixed)
    # GitHub keeps the replaced line's ending, so no whole-line suggestion can drop the final newline.
    assert suggestion is None


def test_two_edits_far_apart_become_one_range() -> None:
    original = b"".join(f"line {n}\n".encode() for n in range(1, 11))
    edits = [
        Edit(original.index(b"line 3"), original.index(b"line 3") + 6, "L3"),
        Edit(original.index(b"line 5"), original.index(b"line 5") + 6, "L5"),
    ]
    fixed = apply_edits(original, edits)
    suggestion = suggestion_for(original, fixed)
    assert suggestion is not None
    assert (suggestion.start_line, suggestion.line) == (3, 5)
    assert suggestion.lines == ["L3", "line 4", "L5"]


def test_no_change_no_suggestion() -> None:
    assert suggestion_for(b"a\n", b"a\n") is None
    assert suggestion_for(b"", b"a\n") is None


def test_split_lines_only_on_line_feed() -> None:
    assert split_lines("a\u2028b\r\nc") == ["a\u2028b", "c"]
    assert split_lines("") == []
    assert split_lines("\n") == [""]


def test_line_span() -> None:
    source = b"one\ntwo\nthree"
    assert line_span(source, 0, 3) == (1, 1)
    assert line_span(source, 0, 4) == (1, 1)  # ending at the newline stays on line 1
    assert line_span(source, 4, 13) == (2, 3)
    assert line_span(source, 9, 9) == (3, 3)


def test_fixed_by_adds_the_fix_imports(tmp_path: Path) -> None:
    original = b'import { eq } from "drizzle-orm";\n\nconst a = 1;\n'
    start = original.index(b"1")
    result = fixed_by(
        tmp_path / "x.ts",
        original,
        fix(Edit(start, start + 1, "and(x, y)"), imports=frozenset({("drizzle-orm", "and")})),
    )
    assert result == b'import { and, eq } from "drizzle-orm";\n\nconst a = and(x, y);\n'  # sorted in


def test_fixed_by_refuses_a_fix_that_breaks_the_syntax(tmp_path: Path) -> None:
    original = b"const a = 1;\n"
    assert fixed_by(tmp_path / "x.ts", original, fix(Edit(10, 11, "(("))) is None


line_text = st.text(alphabet=st.sampled_from(list("ab {};\u00e9\u2028")), max_size=6)


@st.composite
def file_and_edits(draw: st.DrawFn) -> tuple[bytes, list[Edit]]:
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines = draw(st.lists(line_text, min_size=1, max_size=8))
    final = draw(st.booleans())
    text = newline.join(lines) + (newline if final else "")
    original = text.encode("utf-8")
    # Edits land on character boundaries and never split a CRLF (dalfix's edits come from tree-sitter nodes).
    boundaries = sorted({len(text[:i].encode("utf-8")) for i in range(len(text) + 1) if text[i - 1 : i + 1] != "\r\n"})
    points = sorted(draw(st.lists(st.sampled_from(boundaries), min_size=2, max_size=6)))
    edits = []
    for i in range(0, len(points) - 1, 2):
        replacement = draw(st.lists(line_text, max_size=3)).copy()
        edits.append(Edit(points[i], points[i + 1], newline.join(replacement) + draw(st.sampled_from(["", newline]))))
    return original, edits


@settings(max_examples=300, deadline=None, database=None)
@given(file_and_edits())
def test_applying_the_suggestion_equals_applying_the_fix(case: tuple[bytes, list[Edit]]) -> None:
    original, edits = case
    fixed = apply_edits(original, edits)
    suggestion = suggestion_for(original, fixed)
    if original == fixed:
        assert suggestion is None
        return
    if suggestion is None:
        # Only a change GitHub cannot express as whole lines is refused: the final newline added or removed,
        # CRLF lines added to a file whose lines show no CRLF to copy, or an empty file (no line to anchor on).
        assert (
            not original
            or original.endswith(b"\n") != fixed.endswith(b"\n")
            or (b"\r\n" in fixed and b"\r\n" not in original)
        )
        return
    assert apply_suggestion(original, suggestion.start_line, suggestion.line, suggestion.lines) == fixed
    assert 1 <= suggestion.start_line <= suggestion.line <= original.count(b"\n") + 1


PATCH = """@@ -1,4 +1,5 @@
 import { db } from "./db";
-const a = 1;
+const a = 2;
+const b = 3;
\x20
 export async function f() {
@@ -20,3 +21,4 @@ export async function f() {
   const x = 1;
+  const y = 2;
   return x;
 }
\\ No newline at end of file"""


def test_right_side_ranges_of_a_patch() -> None:
    assert right_side_ranges(PATCH) == [range(1, 6), range(21, 25)]
    assert right_side_ranges(None) == []
    assert right_side_ranges("@@ -1,2 +0,0 @@\n-a\n-b") == []  # a deletion has no right side


def test_a_comment_must_stay_within_one_hunk() -> None:
    diff = DiffMap.from_patches([("src/a.ts", PATCH)])
    assert diff.fits("src/a.ts", 2, 3)
    assert diff.fits("src/a.ts", 21, 24)
    assert not diff.fits("src/a.ts", 5, 21)  # spans two hunks
    assert not diff.fits("src/a.ts", 6, 6)  # between hunks
    assert not diff.fits("src/other.ts", 1, 1)
