"""Unified diffs that `git apply` and `patch -p1` accept, validated with unidiff before they are shown."""

from __future__ import annotations

import bisect
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
    hunks = _unified_hunks(before, after, f"a/{display_path}", f"b/{display_path}", context)
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


def new_file_diff(fixed: bytes, display_path: str) -> str:
    """A git-style diff creating a file (`new file mode 100644`, `--- /dev/null`), which `git apply` and
    `patch -p1` accept; an empty file has no hunk, which `patch` cannot create: refused."""
    after = _lines(fixed)
    if not after:
        raise InvalidDiff("dalfix cannot show the creation of an empty file as a patch")
    tab = "\t" if " " in display_path else ""
    out = [f"diff --git a/{display_path} b/{display_path}\n", "new file mode 100644\n"]
    out += ["--- /dev/null\n", f"+++ b/{display_path}{tab}\n", f"@@ -0,0 +{_range(0, len(after))} @@\n"]
    for line in after:
        out.append("+" + line if line.endswith("\n") else "+" + line + "\n" + NO_NEWLINE)
    text = "".join(out)
    validate(text)
    return text


class _AnchoredMatcher(difflib.SequenceMatcher):  # type: ignore[type-arg]
    """difflib's matcher, but with the opcodes of an anchored (patience-style) diff.

    difflib alone is quadratic on big repetitive files (a generated 2 MB file took minutes): lines that
    occur once in each side anchor the alignment, common prefixes and suffixes are peeled off, and difflib
    only runs on the short stretches between anchors.
    """

    def __init__(self, before: list[str], after: list[str]) -> None:
        super().__init__(None, before, after, autojunk=False)
        self._before, self._after = before, after

    def get_opcodes(self) -> list[tuple[str, int, int, int, int]]:  # type: ignore[override]
        return _anchored_opcodes(self._before, self._after)


def _anchored_opcodes(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    opcodes: list[tuple[str, int, int, int, int]] = []
    work = [(0, len(a), 0, len(b))]
    while work:  # iterative: each stretch either splits at its anchors or goes to difflib
        alo, ahi, blo, bhi = work.pop()
        start_a, start_b = alo, blo
        while alo < ahi and blo < bhi and a[alo] == b[blo]:
            alo, blo = alo + 1, blo + 1
        if alo > start_a:
            opcodes.append(("equal", start_a, alo, start_b, blo))
        end_a, end_b = ahi, bhi
        while ahi > alo and bhi > blo and a[ahi - 1] == b[bhi - 1]:
            ahi, bhi = ahi - 1, bhi - 1
        if ahi < end_a:
            opcodes.append(("equal", ahi, end_a, bhi, end_b))
        if alo == ahi and blo == bhi:
            continue
        anchors = _unique_common(a, alo, ahi, b, blo, bhi)
        if not anchors:
            matcher = difflib.SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=False)
            opcodes.extend(
                (tag, i1 + alo, i2 + alo, j1 + blo, j2 + blo) for tag, i1, i2, j1, j2 in matcher.get_opcodes()
            )
            continue
        previous_a, previous_b = alo, blo
        for i, j in anchors:
            work.append((previous_a, i, previous_b, j))
            opcodes.append(("equal", i, i + 1, j, j + 1))
            previous_a, previous_b = i + 1, j + 1
        work.append((previous_a, ahi, previous_b, bhi))
    return _merged(sorted(opcodes, key=lambda op: (op[1], op[3], op[2], op[4])))


def _unique_common(a: list[str], alo: int, ahi: int, b: list[str], blo: int, bhi: int) -> list[tuple[int, int]]:
    """Lines occurring exactly once in each stretch, in the longest run that keeps both orders."""
    count_a: dict[str, list[int]] = {}
    for i in range(alo, ahi):
        count_a.setdefault(a[i], []).append(i)
    count_b: dict[str, list[int]] = {}
    for j in range(blo, bhi):
        count_b.setdefault(b[j], []).append(j)
    pairs = sorted(
        (where[0], count_b[line][0])
        for line, where in count_a.items()
        if len(where) == 1 and len(count_b.get(line, ())) == 1
    )
    # Longest increasing subsequence of the b positions (patience sorting), O(n log n).
    tails: list[int] = []
    tail_index: list[int] = []
    parent = [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
        position = bisect.bisect_left(tails, j)
        if position == len(tails):
            tails.append(j)
            tail_index.append(k)
        else:
            tails[position] = j
            tail_index[position] = k
        parent[k] = tail_index[position - 1] if position else -1
    chain: list[tuple[int, int]] = []
    k = tail_index[-1] if tail_index else -1
    while k >= 0:
        chain.append(pairs[k])
        k = parent[k]
    return chain[::-1]


def _merged(opcodes: list[tuple[str, int, int, int, int]]) -> list[tuple[str, int, int, int, int]]:
    """Adjacent opcodes of one kind joined, as difflib's grouping expects."""
    out: list[tuple[str, int, int, int, int]] = []
    for tag, i1, i2, j1, j2 in opcodes:
        if i1 == i2 and j1 == j2:
            continue
        if out and out[-1][0] == tag == "equal" and out[-1][2] == i1 and out[-1][4] == j1:
            out[-1] = (tag, out[-1][1], i2, out[-1][3], j2)
        elif out and tag != "equal" and out[-1][0] != "equal" and out[-1][2] == i1 and out[-1][4] == j1:
            out[-1] = ("replace", out[-1][1], i2, out[-1][3], j2)
        else:
            out.append((tag, i1, i2, j1, j2))
    return out


def _unified_hunks(before: list[str], after: list[str], from_name: str, to_name: str, context: int) -> list[str]:
    """difflib.unified_diff's output, from the anchored opcodes."""
    lines = [f"--- {from_name}\n", f"+++ {to_name}\n"]
    for group in _AnchoredMatcher(before, after).get_grouped_opcodes(context):
        first, last = group[0], group[-1]
        lines.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines.extend(" " + line for line in before[i1:i2])
                continue
            lines.extend("-" + line for line in before[i1:i2])
            lines.extend("+" + line for line in after[j1:j2])
    return lines


def _range(start: int, stop: int) -> str:
    """A hunk range as unified diffs write it (difflib's _format_range_unified)."""
    beginning, length = start + 1, stop - start
    if length == 1:
        return f"{beginning}"
    if not length:
        beginning -= 1
    return f"{beginning},{length}"


def validate(text: str) -> None:
    try:
        patch = unidiff.PatchSet(text)
    except unidiff.UnidiffParseError as exc:
        raise InvalidDiff(f"dalfix produced an invalid diff: {exc}") from exc
    if len(patch) != 1 or not patch[0]:
        raise InvalidDiff("dalfix produced a diff with no hunks")
