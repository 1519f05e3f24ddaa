"""`dalfix check --add-ignore`: a `// dalfix-ignore[CODES]: reason` comment above every line with a finding.

For adopting dalfix on a codebase with findings nobody can fix today (ruff's `--add-noqa`): the existing findings
are suppressed where they are, so that CI fails only on new ones, and each comment is a place to come back to.

Each comment goes on its own line above the line a finding starts on, naming the codes of every finding starting
there: directly above it, or above the comment lines directly over it (another tool's `eslint-disable-next-line`,
`biome-ignore`, a doc comment: they keep covering their line), indented as the line it goes before; an own-line
directive covers the next line of code, skipping comment lines (dalfix/suppressions.py). A line that starts
inside a template literal, or among JSX children or attributes, gets no comment (a `//` there would be text or a
syntax error), nor does a line continuing an expression (`? a`, `&& b`, `.where(…)`: Prettier and Biome would
move the comment behind the previous line's operator, off the line it covers): they are reported. Before a
file is written, the new source is parsed again and must (1) parse with no more syntax errors than before and
(2) suppress every finding it was meant to, read back through `apply_suppressions` at its new position; else the
file is left as it was and reported. Files are written as fixes are (dalfix/writer.py: atomically, only if
unchanged since read).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from dalfix.fixes import Finding
from dalfix.parsing import Node, parse_file
from dalfix.suppressions import _comment_only_lines, _line_of, _line_starts, apply_suppressions

DEFAULT_REASON = "existing finding, suppressed by `dalfix check --add-ignore`"

# The innermost of these around a line's first character decides: inside an expression (`{…}` in JSX, `${…}` in a
# template) a `//` comment is code's comment; among JSX children or inside a template's text it would not be.
_CODE_AGAIN = frozenset({"jsx_expression", "template_substitution"})
_NOT_CODE = frozenset(
    {
        "template_string",
        "string",
        "jsx_element",
        "jsx_fragment",
        "jsx_opening_element",
        "jsx_closing_element",
        "jsx_self_closing_element",
        "jsx_attribute",
        "jsx_text",
    }
)


# A line starting with one of these continues an expression (`? a : b` branches, `&&`, a `.method()` chain):
# Prettier and Biome move an own-line comment above it behind the previous line's operator.
_CONTINUATIONS = frozenset(bytes([c]) for c in b"?:&|.+-*/%=<>,")


@dataclass
class Added:
    """What `add_ignores` did to one file's source."""

    source: bytes  # the new source (the old one when nothing could be added)
    comments: int = 0  # comments added
    problems: list[str] = field(default_factory=list)  # lines left without one, and why


def _comment_allowed(root: Node, offset: int) -> bool:
    """Whether a `//` line inserted at `offset` (the first character of a line) is a comment there: decided by
    the nodes that hold the insertion point, i.e. not those starting at it (a line starting with `{x}` among JSX
    children puts the comment among the children, outside the `{…}`)."""
    node: Node | None = root.descendant_for_byte_range(offset, offset)
    while node is not None and node.start_byte >= offset and node.parent is not None:
        node = node.parent
    while node is not None:
        if node.type in _CODE_AGAIN:
            return True
        if node.type in _NOT_CODE:
            return False
        node = node.parent
    return True


def _block_comment_around(root: Node, offset: int) -> Node | None:
    """The comment that `offset` (a line's first byte) lies strictly inside: a `/* … */` opened on an earlier line.
    A line inserted there would be part of it."""
    node: Node | None = root.descendant_for_byte_range(offset, offset)
    while node is not None:
        if node.type == "comment" and node.start_byte < offset < node.end_byte:
            return node
        node = node.parent
    return None


def _sanitized(reason: str) -> str:
    # One line, and nothing that would end a comment early or start another directive.
    return " ".join(reason.replace("*/", "* /").split())


def add_ignores(path: Path, source: bytes, findings: Sequence[Finding], reason: str = DEFAULT_REASON) -> Added:
    """`source` with a suppression comment above each line where one of `findings` starts."""
    if not findings:
        return Added(source)
    parsed = parse_file(path, source)
    starts = _line_starts(source)
    codes_by_line: dict[int, list[str]] = {}
    for finding in findings:
        codes = codes_by_line.setdefault(_line_of(starts, finding.start), [])
        if finding.rule not in codes:
            codes.append(finding.rule)
    text = _sanitized(reason)
    inserts: list[tuple[int, bytes]] = []
    problems: list[str] = []
    placed: set[int] = set()
    lines = source.split(b"\n")
    comment_only = _comment_only_lines(parsed.root, lines)
    for line, codes in sorted(codes_by_line.items()):
        content = lines[line - 1].rstrip(b"\r")
        if content.lstrip(b" \t")[:1] in _CONTINUATIONS and not content.lstrip(b" \t").startswith((b"//", b"/*")):
            problems.append(
                f"line {line}: no comment added for {', '.join(codes)}: the line continues an expression "
                f"(`{content.strip()[:1].decode()}`), and a formatter moves a comment above it behind the operator, "
                "onto the line before; suppress it by hand (a trailing `// dalfix-ignore[…]` on the line)"
            )
            continue
        # Above the comment lines directly over the finding's line (another tool's next-line directive, a doc
        # comment): they stay next to their line, and a dalfix directive skips comment lines to reach it.
        opened = _block_comment_around(parsed.root, starts[line - 1])
        if opened is not None:
            problems.append(
                f"line {line}: no comment added for {', '.join(codes)}: the line starts inside a block comment"
                f" opened on line {opened.start_point.row + 1}, where a comment line would be part of that comment;"
                " suppress it by hand (a trailing `// dalfix-ignore[…]` on the line)"
            )
            continue
        top = line
        while top > 1 and (top - 2) in comment_only:
            top -= 1
        # Not into a block comment's tail (`a(); /* start` … `end */` over the line): below where it ends.
        while top < line and _block_comment_around(parsed.root, starts[top - 1]) is not None:
            top += 1
        begin = starts[top - 1]
        above = lines[top - 1].rstrip(b"\r")
        indent = above[: len(above) - len(above.lstrip(b" \t"))]
        if not _comment_allowed(parsed.root, begin + len(indent)):
            problems.append(
                f"line {line}: no comment added for {', '.join(codes)}: the line starts inside a template literal or"
                " JSX, where a `//` comment is not a comment; suppress it by hand"
            )
            continue
        comment = f"// dalfix-ignore[{', '.join(sorted(codes))}]: {text}".encode()
        newline = b"\r\n" if lines[line - 1].endswith(b"\r") else b"\n"
        inserts.append((begin, indent + comment + newline))
        placed.add(line)
    if not inserts:
        return Added(source, 0, problems)
    pieces, last = [], 0
    for offset, data in inserts:
        pieces += [source[last:offset], data]
        last = offset
    pieces.append(source[last:])
    new = b"".join(pieces)
    # Read back: the new source parses as well as the old one, and every finding meant is suppressed there.
    reparsed = parse_file(path, new)
    if len(reparsed.error_regions) > len(parsed.error_regions):
        return Added(source, 0, [*problems, "no comments added: the file would no longer parse as before"])
    moved: dict[int, int] = {}  # id of the moved finding -> its line in `source`
    shifted = []
    for finding in findings:
        line = _line_of(starts, finding.start)
        if line not in placed:
            continue
        shift = sum(len(data) for offset, data in inserts if offset <= finding.start)
        copy = replace(finding, start=finding.start + shift, end=finding.end + shift)
        moved[id(copy)] = line
        shifted.append(copy)
    kept = apply_suppressions(reparsed, shifted).kept
    if kept:
        rows = ", ".join(str(n) for n in sorted({moved[id(f)] for f in kept}))
        return Added(source, 0, [*problems, f"no comments added: line(s) {rows} would not be covered (a dalfix bug)"])
    return Added(new, len(inserts), problems)
