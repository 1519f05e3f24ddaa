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


def comment_texts(root: Node) -> Counter[str]:
    """Every comment of a tree, whitespace removed (re-indenting a block comment is not losing it)."""
    texts: Counter[str] = Counter()
    # Found by a query (`comment` is a named kind only, so every comment is a named descendant): a fix is
    # validated on each round's new tree, and a walk in Python over every node was a sixth of a fix round.
    for node in descendants_unordered(root, "comment"):
        if node.text is not None:
            texts[re.sub(rb"\s+", b"", node.text).decode("utf-8", "surrogateescape")] += 1
    return texts
