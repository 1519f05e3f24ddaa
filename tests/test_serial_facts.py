"""Shortcuts in the serial project facts (bench/speed.md, "Twelfth round (helper speed12facts)"), each answering what
the code it replaces answers."""

from __future__ import annotations

import random
import re

from dalfix.analysis.drizzle import QUERY_RECEIVER_TAIL, name_followed_by
from dalfix.analysis.project import CALL_TAIL

# The patterns compiled per name before (`_used_as_query_receiver`, `Project._calls_parameter`).
BEFORE = {
    QUERY_RECEIVER_TAIL: r"\s*\.\s*(?:select\w*|insert|update|delete|execute|query|\$count)\b",
    CALL_TAIL: r"\s*(?:\?\.\s*)?(?:\(|\.\s*(?:call|apply|bind)\b)",
}


def test_a_name_followed_by_a_tail_is_the_per_name_regular_expressions_search() -> None:
    rng = random.Random(12)
    pieces = [
        "db",
        "tx",
        "d",
        "b",
        ".",
        " ",
        "\n",
        "$",
        "_",
        "é",
        "(",
        "?.",
        "select",
        "selectDistinct",
        "query",
        "call",
        "x",
        "1",
        "\u00a0",
        "dbx",
    ]
    names = ["db", "d", "tx", "$db", "é", "db.x", ""]
    cases = [
        ("db.select()", "db"),
        ("xdb.select()", "db"),
        ("$db.insert", "db"),
        ("db .  query.users", "db"),
        ("fn?.(", "fn"),
        ("fn.call(this)", "fn"),
        ("fn.caller", "fn"),
        ("a.fn(", "fn"),
    ]
    for _ in range(6000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 14)))
        cases.append((text, rng.choice(names)))
    for text, name in cases:
        for tail, pattern in BEFORE.items():
            expected = re.search(rf"(?<![\w$.]){re.escape(name)}" + pattern, text) is not None
            assert name_followed_by(text, name, tail) == expected, (text, name, pattern)
