"""Which guard conditions hold only on a row a grouped read found (DAL001 ends its group at such a return): the hit
path of a lookup with a fallback, not the miss path, not another name."""

from __future__ import annotations

from pathlib import Path

import pytest

from dalfix.analysis.awaited import found_row_test
from dalfix.parsing import parse_file


def condition_of(text: str):  # type: ignore[no-untyped-def]
    source = f"function f(row: any, rows: any[], other: any) {{ if ({text}) return 1; }}\n".encode()
    parsed = parse_file(Path("x.ts"), source)
    assert not parsed.root.has_error, text
    statement = parsed.root.named_children[0].child_by_field_name("body").named_children[0]
    return parsed, statement.child_by_field_name("condition")


@pytest.mark.parametrize(
    "condition",
    [
        "row",
        "!!row",
        "Boolean(row)",
        "rows.length",
        "rows?.length",
        "rows.length > 0",
        "rows.length >= 1",
        "0 < rows.length",
        "rows.length !== 0",
        "rows.length === 1",
        "!(rows.length === 0)",
        "row !== undefined",
        "row != null",
        "row && row.active",
        "row || other",
        "(row as any)",
        "!(!row)",
        "other && row?.role",  # `&&` with a field: the row was found
    ],
)
def test_found_tests(condition: str) -> None:
    parsed, node = condition_of(condition)
    assert found_row_test(node, {"row", "rows"}, parsed.text) == "row"


@pytest.mark.parametrize(
    "condition", ["row?.role", "row.owner.id", 'row?.role === "admin"', '"admin" === row?.role', "row.a || row.b"]
)
def test_field_tests(condition: str) -> None:
    parsed, node = condition_of(condition)
    assert found_row_test(node, {"row", "rows"}, parsed.text) == "field"


@pytest.mark.parametrize(
    "condition",
    [
        "!row",
        "!rows.length",
        "rows.length === 0",
        "rows.length < 1",
        "row === undefined",
        "row == null",
        "!row || row.deletedAt",
        "!(row && row.active)",
        "!row?.active",  # on a miss, or a found row without it
        'row?.role !== "admin"',
        "other",  # not a grouped read's row
        "other.length > 0",
        "rows.length > n",  # not against a number literal
        "rows.map(Boolean).length",
    ],
)
def test_not_found_tests(condition: str) -> None:
    parsed, node = condition_of(condition)
    assert found_row_test(node, {"row", "rows"}, parsed.text) is None
