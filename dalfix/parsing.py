"""Parsing TypeScript/TSX with tree-sitter, and small read-only helpers over the tree. Offsets are bytes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import tree_sitter
import tree_sitter_typescript

Node = tree_sitter.Node

TS_SUFFIXES = (".ts", ".mts", ".cts")
TSX_SUFFIXES = (".tsx",)
SUPPORTED_SUFFIXES = TS_SUFFIXES + TSX_SUFFIXES

FUNCTION_TYPES = frozenset(
    {
        "function_declaration",
        "function_expression",
        "arrow_function",
        "method_definition",
        "generator_function_declaration",
        "generator_function",
    }
)


@cache
def _language(tsx: bool) -> tree_sitter.Language:
    raw = tree_sitter_typescript.language_tsx() if tsx else tree_sitter_typescript.language_typescript()
    return tree_sitter.Language(raw)


def grammar_for(path: str | Path) -> str:
    """'tsx' for .tsx files, 'typescript' for the other supported suffixes."""
    return "tsx" if str(path).endswith(TSX_SUFFIXES) else "typescript"


def parse_bytes(source: bytes, grammar: str = "typescript") -> tree_sitter.Tree:
    parser = tree_sitter.Parser(_language(grammar == "tsx"))
    return parser.parse(source)


@dataclass
class ParsedFile:
    path: Path
    source: bytes
    grammar: str
    tree: tree_sitter.Tree
    # Byte ranges of functions (or top-level statements) that contain a parse error; rules skip them.
    error_regions: list[tuple[int, int]] = field(default_factory=list)
    error_lines: list[int] = field(default_factory=list)

    @property
    def root(self) -> Node:
        return self.tree.root_node

    def text(self, node: Node) -> str:
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "surrogateescape")

    def in_error_region(self, start: int, end: int) -> bool:
        return any(s <= start and end <= e for s, e in self.error_regions)


def parse_file(path: Path, source: bytes) -> ParsedFile:
    grammar = grammar_for(path)
    tree = parse_bytes(source, grammar)
    parsed = ParsedFile(path=path, source=source, grammar=grammar, tree=tree)
    if tree.root_node.has_error:
        parsed.error_regions, parsed.error_lines = _error_regions(tree.root_node)
    return parsed


def error_nodes(root: Node) -> Iterator[Node]:
    """ERROR and MISSING nodes, outermost first; does not descend into an ERROR node."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            yield node
            continue
        if node.has_error:
            stack.extend(reversed(node.children))


def count_errors(root: Node) -> int:
    return sum(1 for _ in error_nodes(root))


def _error_regions(root: Node) -> tuple[list[tuple[int, int]], list[int]]:
    regions: list[tuple[int, int]] = []
    lines: list[int] = []
    for bad in error_nodes(root):
        lines.append(bad.start_point.row + 1)
        holder = enclosing_function(bad) or _top_level_statement(bad)
        regions.append((holder.start_byte, holder.end_byte))
    return regions, lines


def _top_level_statement(node: Node) -> Node:
    while node.parent is not None and node.parent.parent is not None:
        node = node.parent
    return node


def enclosing_function(node: Node) -> Node | None:
    current = node.parent
    while current is not None:
        if current.type in FUNCTION_TYPES:
            return current
        current = current.parent
    return None


def fresh_name(function: Node | None, near: Node, base: str) -> str:
    """`base`, or `base2`, `base3` …: a name no identifier of `function` (or of the file, when None) uses."""
    scope = function if function is not None else near
    while function is None and scope.parent is not None:
        scope = scope.parent
    kinds = ("identifier", "shorthand_property_identifier", "shorthand_property_identifier_pattern")
    used = {(n.text or b"").decode("utf-8", "surrogateescape") for n in descendants_of_type(scope, *kinds)}
    name, counter = base, 1
    while name in used:
        counter += 1
        name = f"{base}{counter}"
    return name


def walk(node: Node) -> Iterator[Node]:
    """Pre-order walk over named and anonymous descendants, `node` included."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def descendants_of_type(node: Node, *types: str) -> Iterator[Node]:
    """Named descendants (and `node`) of the given types, in source order."""
    wanted = set(types)
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in wanted:
            yield current
        stack.extend(reversed(current.named_children))


def line_col(source: bytes, offset: int) -> tuple[int, int]:
    """1-based line and 1-based column (in characters) of a byte offset."""
    line_start = source.rfind(b"\n", 0, offset) + 1
    line = source.count(b"\n", 0, offset) + 1
    column = len(source[line_start:offset].decode("utf-8", "surrogateescape")) + 1
    return line, column


def line_indent(source: bytes, offset: int) -> str:
    """The leading whitespace of the line holding `offset`."""
    line_start = source.rfind(b"\n", 0, offset) + 1
    end = line_start
    while end < len(source) and source[end : end + 1] in (b" ", b"\t"):
        end += 1
    return source[line_start:end].decode("ascii")
