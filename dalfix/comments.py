"""Which comments belong to a statement, so that a rule moving statements moves their comments too.

A comment on the line where a statement ends trails it; other comments lead the next statement.
"""

from __future__ import annotations

import re
from collections import Counter

from dalfix.parsing import Node, descendants_unordered


def trailing_comments(node: Node) -> list[Node]:
    """Comments after `node` that start on the line where it ends (`x(); // why`, `x(); /* a */ // b`)."""
    out: list[Node] = []
    sibling = node.next_sibling
    while sibling is not None and sibling.type == "comment" and sibling.start_point.row == node.end_point.row:
        out.append(sibling)
        sibling = sibling.next_sibling
    return out


def leading_comments(node: Node) -> list[Node]:
    """Comments directly before `node` that do not trail the statement before them."""
    comments: list[Node] = []
    sibling = node.prev_sibling
    while sibling is not None and sibling.type == "comment":
        comments.insert(0, sibling)
        sibling = sibling.prev_sibling
    if sibling is not None:
        previous_end = sibling.end_point.row
        while comments and comments[0].start_point.row == previous_end:
            comments.pop(0)  # trails the previous statement
    return comments


def with_comments(nodes: list[Node]) -> list[Node]:
    """`nodes` with their leading and trailing comments, in source order."""
    out: list[Node] = []
    for node in nodes:
        out.extend(leading_comments(node))
        out.append(node)
        out.extend(trailing_comments(node))
    return out


# A note a person left for later, or a licence: never deleted with the statement below it.
_KEPT_NOTE = re.compile(rb"\b(TODO|FIXME|XXX|HACK|copyright|licen[cs]e|SPDX)\b", re.IGNORECASE)
# A comment that says the statement below it reads something ("// Get the app from the database"). One that says
# why ("// Slugs are unique across projects") or what the check is for ("// Make sure the app exists") still
# holds for the statement that replaces the read and its guard.
_SAYS_IT_READS = re.compile(
    rb"^//+\s*(get|gets|getting|fetch\w*|load\w*|find\w*|read|reads|reading|look(s|ing)?\s+up|lookup|"
    rb"query|queries|querying|select\w*|retriev\w*)\b",
    re.IGNORECASE,
)


# A second clause or sentence: the comment says more than what the read does (a warning, what the caller relies on).
_SAYS_MORE = re.compile(rb"[.;:!?,()]|\b(and|but|because|so|since|then|while|as|relies|must|never)\b", re.IGNORECASE)


def comments_describing_read(node: Node, source: bytes) -> list[Node]:
    """The one `//` comment line directly above the read `node` — on a line of its own, no blank line before
    `node`, saying that it reads something and nothing more ("// Get the app from the database") — which goes when
    a fix removes the read (it would describe nothing). None when there are several lines, or the line says more (a
    second clause or sentence: "// Find the doc and hide it. The audit relies on this order" is a person's note the
    reviewer must read), or holds a TODO/FIXME-like note or a licence; never a `/* … */` block."""
    comments: list[Node] = []
    row = node.start_point.row
    sibling = node.prev_sibling
    while (
        sibling is not None
        and sibling.type == "comment"
        and sibling.end_point.row == row - 1
        and source[sibling.start_byte : sibling.start_byte + 2] == b"//"
        and not source[source.rfind(b"\n", 0, sibling.start_byte) + 1 : sibling.start_byte].strip()
    ):
        comments.insert(0, sibling)
        row = sibling.start_point.row
        sibling = sibling.prev_sibling
    texts = [source[c.start_byte : c.end_byte] for c in comments]
    if len(texts) != 1 or not _SAYS_IT_READS.match(texts[0]) or _KEPT_NOTE.search(texts[0]):
        return []
    if _SAYS_MORE.search(texts[0].lstrip(b"/").strip().rstrip(b".")):
        return []  # "// Find the doc and hide it. Callers map …": a person's note beyond the read's description
    return comments


def read_removal_with_comments(node: Node, source: bytes) -> tuple[int, tuple[str, ...]]:
    """Where removing the read statement `node` starts when the `//` lines describing it go too
    (`comments_describing_read`), and those comments' keys, for `Fix.drops_comments`."""
    comments = comments_describing_read(node, source)
    if not comments:
        return node.start_byte, ()
    return comments[0].start_byte, tuple(comment_key(source[c.start_byte : c.end_byte]) for c in comments)


def comment_key(text: bytes) -> str:
    """A comment as `comment_texts` counts it: whitespace removed (re-indenting a block comment is not losing it)."""
    return re.sub(rb"\s+", b"", text).decode("utf-8", "surrogateescape")


def comment_texts(root: Node) -> Counter[str]:
    """Every comment of a tree, whitespace removed (re-indenting a block comment is not losing it)."""
    texts: Counter[str] = Counter()
    # Found by a query (`comment` is a named kind only, so every comment is a named descendant): a fix is
    # validated on each round's new tree, and a walk in Python over every node was a sixth of a fix round.
    for node in descendants_unordered(root, "comment"):
        if node.text is not None:
            texts[comment_key(node.text)] += 1
    return texts


# A line-scoped TypeScript directive: it suppresses the errors of the line after it, whatever that line holds.
_TS_LINE_DIRECTIVE = re.compile(rb"^\s*//\s*@ts-(expect-error|ignore)\b")


def ts_directive_targets(source: bytes) -> Counter[tuple[bytes, bytes]]:
    """Each `// @ts-expect-error` / `// @ts-ignore` line with the line it suppresses (both stripped). A fix that
    changes a directive's next line moves what it suppresses: `@ts-expect-error` above a statement regrouped into
    `Promise.all([...])` then fails the build (TS2578 unused directive, and the error it hid surfaces)."""
    found: Counter[tuple[bytes, bytes]] = Counter()
    if b"@ts-" not in source:
        return found
    lines = source.split(b"\n")
    for i, line in enumerate(lines):
        if _TS_LINE_DIRECTIVE.match(line):
            found[(line.strip(), lines[i + 1].strip() if i + 1 < len(lines) else b"")] += 1
    return found
