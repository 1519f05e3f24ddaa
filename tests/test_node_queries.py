"""Node searches by tree-sitter query (dalfix/parsing.py) find what the Python walks they replace find, in the
same order: on every fixture (TypeScript and TSX, parse errors included) and on nodes with one span."""

from __future__ import annotations

from pathlib import Path

import pytest

from dalfix import parsing
from dalfix.parsing import (
    FUNCTION_TYPES,
    descendants_of_type,
    descendants_right_to_left,
    named_children_uncached,
    parse_file,
    walk,
)

FIXTURES = sorted((Path(__file__).parent / "fixtures").rglob("*.input.ts*"))
TYPES = [
    ("call_expression",),
    ("statement_block",),
    ("variable_declarator", "required_parameter", "optional_parameter", "call_expression"),
    ("return_statement", *sorted(FUNCTION_TYPES)),
    ("identifier", "shorthand_property_identifier"),
    ("expression_statement", "call_expression", "await_expression", "parenthesized_expression"),
    ("ERROR", "jsx_element", "type_identifier", "assignment_expression"),
]


def walked_in_source_order(node, types):  # type: ignore[no-untyped-def]
    return [n for n in walk(node) if n.type in types and n.is_named]


def walked_by_stack(node, types):  # type: ignore[no-untyped-def]
    out, stack = [], [node]
    while stack:
        current = stack.pop()
        if current.type in types:
            out.append(current)
        stack.extend(named_children_uncached(current))
    return out


def ids(nodes) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    return [(n.id, n.type) for n in nodes]


def test_fixtures_are_there() -> None:
    assert len(FIXTURES) > 50 and any(p.suffix == ".tsx" for p in FIXTURES)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_queries_find_what_the_walks_find(path: Path) -> None:
    parsed = parse_file(path, path.read_bytes())
    starts = [parsed.root, *list(descendants_of_type(parsed.root, "statement_block", "arrow_function"))[:20]]
    for node in starts:
        assert parsing._grammar_of(node) is not None or node.type in ("identifier",)
        for types in TYPES:
            assert ids(list(descendants_of_type(node, *types))) == ids(walked_in_source_order(node, set(types)))
            assert ids(descendants_right_to_left(node, *types)) == ids(walked_by_stack(node, set(types)))


def test_an_ancestor_with_its_descendants_span_comes_first(tmp_path: Path) -> None:
    # `f()` without a semicolon: the expression_statement and its call_expression share one span.
    source = b"f()\nasync function g() { await h() }\nconst x = ((1))"
    for suffix in (".ts", ".tsx"):
        path = tmp_path / f"a{suffix}"
        parsed = parse_file(path, source)
        types = ("expression_statement", "call_expression", "await_expression", "parenthesized_expression")
        found = list(descendants_of_type(parsed.root, *types))
        assert [n.type for n in found][:2] == ["expression_statement", "call_expression"]
        assert found[0].start_byte == found[1].start_byte and found[0].end_byte == found[1].end_byte
        assert ids(found) == ids(walked_in_source_order(parsed.root, set(types)))
        assert ids(descendants_right_to_left(parsed.root, *types)) == ids(walked_by_stack(parsed.root, set(types)))


def test_a_node_whose_kind_does_not_tell_its_grammar_is_walked(tmp_path: Path) -> None:
    parsed = parse_file(tmp_path / "a.ts", b"const a = b;")
    identifier = next(iter(descendants_of_type(parsed.root, "identifier")))
    assert parsing._grammar_of(identifier) is None  # numbered alike in both grammars
    assert ids(list(descendants_of_type(identifier, "identifier"))) == [(identifier.id, "identifier")]
