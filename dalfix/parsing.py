"""Parsing TypeScript/TSX with tree-sitter, and small read-only helpers over the tree. Offsets are bytes."""

from __future__ import annotations

import os
import re
import threading
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import accumulate
from pathlib import Path

import tree_sitter
import tree_sitter_typescript

from dalfix.fixes import Edit

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
    return _parser(grammar).parse(source)


# Deeper than this (named and anonymous nodes below the root), a function is not analysed: the analysis
# walks trees recursively and 10,000 nested blocks would exhaust Python's stack. Real code stays far below.
MAX_NESTING = 200
# What a masked function body holds instead: an unknown call, so the analysis assumes anything about it.
MASK_CALL = b"__dalfix_masked__()"


@dataclass(frozen=True)
class Mask:
    """Bytes of the original replaced (same length) before parsing; no fix may touch them."""

    start: int
    end: int
    reason: str  # "too deeply nested", or the grammar gap that was masked


@dataclass(eq=False)
class ParsedFile:
    """A parsed file. Its tree can be let go (`release`) and is parsed again from `source` when next asked for:
    the object, its masks and error regions stay, so caches keyed by it stay valid; caches of its nodes check
    `generation` (it changes at each release), since a new tree's nodes are other objects with other ids."""

    path: Path
    source: bytes  # what the tree was parsed from: `original` with the masks applied (same length)
    grammar: str
    tree: tree_sitter.Tree
    # Byte ranges of functions (or top-level statements) that contain a parse error; rules skip them.
    error_regions: list[tuple[int, int]] = field(default_factory=list)
    error_lines: list[int] = field(default_factory=list)
    masks: list[Mask] = field(default_factory=list)
    original: bytes = b""  # the file's real bytes; fixes apply to these

    def __post_init__(self) -> None:
        if not self.masks:
            self.original = self.source
        self.generation = 0
        # Told when the tree is parsed again after a release (ProjectFiles counts the trees it holds).
        self.on_reparse: Callable[[ParsedFile], None] | None = None

    def __getattr__(self, name: str) -> tree_sitter.Tree:
        if name != "tree" or "source" not in self.__dict__:
            raise AttributeError(name)
        # Released: the same bytes parse to the same tree (`source` is the masked text parse_file's tree came from).
        tree = self.__dict__["tree"] = parse_bytes(self.source, self.grammar)
        if self.on_reparse is not None:
            self.on_reparse(self)
        return tree

    @property
    def has_tree(self) -> bool:
        return "tree" in self.__dict__

    def release(self) -> None:
        """Let go of the tree and of every cache of its nodes kept on this object (`_dalfix_*`)."""
        tree = self.__dict__.pop("tree", None)
        if tree is None:
            return
        self.generation += 1
        _ROOT_INDEX.forget(tree.root_node)
        for memo in _TREE_MEMOS:
            memo.forget(tree.root_node)
        for key in [k for k in self.__dict__ if k.startswith("_dalfix_")]:
            del self.__dict__[key]

    @property
    def root(self) -> Node:
        return self.tree.root_node

    def touches_mask(self, start: int, end: int) -> Mask | None:
        """The mask an edit of [start, end) would change or insert into, if any."""
        for mask in self.masks:
            if start < mask.end and mask.start < end or mask.start < start < mask.end:
                return mask
        return None

    @property
    def skipped_for_depth(self) -> int:
        return sum(1 for m in self.masks if m.reason == TOO_DEEP)

    @property
    def masked_functions(self) -> int:
        """Functions (or top-level statements) analysed with grammar-gap masks (dalfix/grammar_gaps.py)."""
        from dalfix.grammar_gaps import masked_holders

        gaps = [m for m in self.masks if m.reason != TOO_DEEP]
        return masked_holders(gaps, self.root) if gaps else 0  # without masks, no tree (it may be let go)

    def text(self, node: Node) -> str:
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "surrogateescape")

    def in_error_region(self, start: int, end: int) -> bool:
        return any(s <= start and end <= e for s, e in self.error_regions)


TOO_DEEP = "too deeply nested"
_NOT_A_LINE_BREAK = re.compile(rb"[^\r\n]")


def parse_file(path: Path, source: bytes) -> ParsedFile:
    """Parse `source`; functions nested deeper than MAX_NESTING, and syntax the grammar does not know
    (dalfix/grammar_gaps.py), are masked (see `Mask`) and re-parsed."""
    grammar = grammar_for(path)
    tree = parse_bytes(source, grammar)
    masks: list[Mask] = []
    parsed_source = source
    too_deep = _too_deep(tree.root_node)
    if too_deep:
        parsed_source, masks = _mask_bodies(source, too_deep)
        tree = parse_bytes(parsed_source, grammar)
    from dalfix.grammar_gaps import mask_grammar_gaps

    gaps = mask_grammar_gaps(parsed_source, grammar, tree.root_node)
    if gaps is not None:
        parsed_source, tree, gap_masks = gaps
        masks = sorted([*masks, *gap_masks], key=lambda m: m.start)
    parsed = ParsedFile(path=path, source=parsed_source, grammar=grammar, tree=tree, masks=masks, original=source)
    if tree.root_node.has_error:
        parsed.error_regions, parsed.error_lines = _error_regions(tree.root_node)
    return parsed


def reparse(previous: ParsedFile, source: bytes, edits: Iterable[Edit]) -> ParsedFile:
    """`parse_file(previous.path, source)` for `source` = `previous.original` with `edits` applied, parsed
    incrementally: tree-sitter reuses the subtrees of `previous.tree` that the edits left alone, and the two
    trees share them (a big file's fix rounds no longer hold a full tree each).

    A fresh parse instead when `previous` was masked, and when the new tree has an error or needs a mask:
    error recovery may place ERROR nodes differently from a fresh parse, and error regions decide what rules
    skip, so those results stay exactly those of `parse_file`."""
    old = previous.original
    changes = _merged_changes(edits)
    if previous.masks or changes is None or len(source) != len(old) + sum(n - (e - s) for s, e, n in changes):
        return parse_file(previous.path, source)
    tree = previous.tree.copy()  # `previous` and its nodes stay valid: the copy is edited
    old_lines = _line_starts(old)
    before = [0]  # how much longer the source is before each change
    for start, end, length in changes:
        before.append(before[-1] + length - (end - start))
    for (start, end, length), shift in zip(reversed(changes), reversed(before[:-1]), strict=True):
        # From the last change back: the offsets before a change are still those of `old`.
        row, end_row = bisect_right(old_lines, start) - 1, bisect_right(old_lines, end) - 1
        column = start - old_lines[row]
        first, last = start + shift, start + shift + length  # the new bytes, in `source`
        breaks = source.count(b"\n", first, last)
        new_end_point = (row + breaks, last - (source.rfind(b"\n", first, last) + 1) if breaks else column + length)
        tree.edit(
            start_byte=start,
            old_end_byte=end,
            new_end_byte=start + length,
            start_point=(row, column),
            old_end_point=(end_row, end - old_lines[end_row]),
            new_end_point=new_end_point,
        )
    tree = _parser(previous.grammar).parse(source, tree)
    if tree.root_node.has_error or _too_deep(tree.root_node):
        return parse_file(previous.path, source)
    return ParsedFile(path=previous.path, source=source, grammar=previous.grammar, tree=tree)


def _merged_changes(edits: Iterable[Edit]) -> list[tuple[int, int, int]] | None:
    """Edits as disjoint changed ranges of the old source: (start, end, length of the new bytes), sorted;
    edits that touch are merged (their order inside a range is `apply_edits`'s). None when edits overlap."""
    merged: list[list[int]] = []
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        start, end, length = edit.start, edit.end, len(edit.text.encode("utf-8", "surrogateescape"))
        if merged and start < merged[-1][1]:
            return None
        if merged and start == merged[-1][1]:
            merged[-1][1] = end
            merged[-1][2] += length
        else:
            merged.append([start, end, length])
    return [(s, e, n) for s, e, n in merged]


class _Parsers(threading.local):
    """One parser per grammar per thread: a tree-sitter parser is not safe to share between threads, and the
    parse-ahead thread (dalfix/parse_ahead.py) parses while the main thread does."""

    def __init__(self) -> None:
        self.by_grammar: dict[str, tree_sitter.Parser] = {}


_PARSERS = _Parsers()


def _parser(grammar: str) -> tree_sitter.Parser:
    parser = _PARSERS.by_grammar.get(grammar)
    if parser is None:
        parser = _PARSERS.by_grammar[grammar] = tree_sitter.Parser(_language(grammar == "tsx"))
    return parser


def _too_deep(root: Node) -> list[Node]:
    """The outermost functions (else top-level statements) holding nodes deeper than MAX_NESTING."""
    found: list[Node] = []
    cursor = root.walk()
    depth = 0
    while True:
        node = cursor.node
        assert node is not None
        if depth > MAX_NESTING and (not found or node.start_byte >= found[-1].end_byte):
            found.append(_outermost_function(node) or _top_level_statement(node))
        # A subtree of n nodes is at most n levels deep: one that cannot reach past MAX_NESTING is passed over.
        if depth + node.descendant_count - 1 > MAX_NESTING and cursor.goto_first_child():
            depth += 1
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return found
            depth -= 1


def _outermost_function(node: Node) -> Node | None:
    found = None
    current = node.parent
    while current is not None:
        if current.type in FUNCTION_TYPES:
            found = current
        current = current.parent
    return found


def _mask_bodies(source: bytes, holders: list[Node]) -> tuple[bytes, list[Mask]]:
    """`source` with each holder's function body (or the whole statement) blanked, line breaks kept."""
    out = bytearray(source)
    masks = []
    for holder in holders:
        body = holder.child_by_field_name("body") if holder.type in FUNCTION_TYPES else None
        start, end, call = holder.start_byte, holder.end_byte, MASK_CALL + b";"
        if body is not None:
            start, end = body.start_byte, body.end_byte
            if body.type == "statement_block":
                start, end = start + 1, end - 1
            else:
                call = MASK_CALL
        blank = _NOT_A_LINE_BREAK.sub(b" ", source[start:end])
        if len(blank) >= len(call):  # on one line if it fits, so line numbers after it stay right
            room = re.search(b"[^\r\n]{%d}" % len(call), blank)
            at = room.start() if room else 0
            blank = blank[:at] + call + blank[at + len(call) :]
        out[start:end] = blank
        masks.append(Mask(start, end, TOO_DEEP))
    return bytes(out), masks


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
    # A set of texts: the nodes in any order (`descendants_unordered`; sorting them was most of the cost).
    used = {(n.text or b"").decode("utf-8", "surrogateescape") for n in descendants_unordered(scope, *kinds)}
    name, counter = base, 1
    while name in used:
        counter += 1
        name = f"{base}{counter}"
    return name


class SpanIndex:
    """Byte ranges of nodes (nested or disjoint, never crossing) and a fast "does one contain this offset"."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        self._spans = sorted(spans)
        self._starts = [start for start, _ in self._spans]
        self._reach = list(accumulate((end for _, end in self._spans), max))  # furthest end so far
        self._unsorted = False

    def add(self, start: int, end: int) -> None:
        """Add a range; cheap when ranges come in source order (as a walk in source order finds them)."""
        if self._unsorted or (self._starts and start < self._starts[-1]):
            self._spans.append((start, end))
            self._unsorted = True  # sorted again at the next query
            return
        self._spans.append((start, end))
        self._starts.append(start)
        self._reach.append(max(end, self._reach[-1]) if self._reach else end)

    def contains(self, offset: int) -> bool:
        if self._unsorted:
            self.__init__(self._spans)  # type: ignore[misc]
        index = bisect_right(self._starts, offset) - 1
        while index >= 0 and self._reach[index] > offset:  # some span up to here still reaches `offset`
            if self._spans[index][1] > offset:
                return True
            index -= 1
        return False


def walk(node: Node) -> Iterator[Node]:
    """Pre-order walk over named and anonymous descendants, `node` included.

    With a cursor, not `.children`: py-tree-sitter keeps a node's children list on its wrapper, so a walk over
    `.children` leaves a Python object for every node below any node still held (about 55 MB per MiB of
    source); the cursor's nodes live only as long as the caller keeps them."""
    yield node
    cursor = node.walk()
    if not cursor.goto_first_child():
        return
    while True:
        current = cursor.node
        assert current is not None
        yield current
        if cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():  # back at `node`: the cursor never leaves it
                return


def named_children_uncached(node: Node) -> list[Node]:
    """`node.named_children`, without the list py-tree-sitter would keep on `node`'s wrapper (see `walk`): for
    stack walks that keep some of the nodes they visit."""
    cursor = node.walk()
    out: list[Node] = []
    if cursor.goto_first_child():
        while True:
            child = cursor.node
            assert child is not None
            if child.is_named:
                out.append(child)
            if not cursor.goto_next_sibling():
                break
    return out


def descendants_of_type(node: Node, *types: str) -> Iterator[Node]:
    """Named descendants (and `node`) of the given types, in source order (pre-order).

    Found by a tree-sitter query (the tree is searched in C) when the node's grammar is known from its kind
    id, else by a cursor walk (see `walk`); both give the same nodes in the same order."""
    found = _query_descendants(node, types, preorder=True)
    if found is not None:
        yield from found
        return
    wanted = set(types)
    for current in walk(node):
        if current.type in wanted and current.is_named:
            yield current


def descendants_unordered(node: Node, *types: str) -> list[Node]:
    """The nodes `descendants_of_type` finds, in no particular order, by one query of their own: for a count over a
    whole tree of types no rule searches (comments, identifiers), which the whole-tree index should not hold."""
    tsx = _grammar_of(node)
    if tsx is None:
        return list(descendants_of_type(node, *types))
    known = _grammar_types(tsx, types)
    return _captured(node, tsx, known) if known else []


def descendants_right_to_left(node: Node, *types: str) -> list[Node]:
    """Named descendants (and `node`) of the given types in the order a stack walk visits them (pop a node,
    push its named children in source order): a parent before its children, later siblings' subtrees first."""
    found = _query_descendants(node, types, preorder=False)
    if found is not None:
        return found
    return _stack_walk(node, set(types))


@cache
def _kind_names(tsx: bool) -> tuple[str, ...]:
    language = _language(tsx)
    return tuple(language.node_kind_for_id(i) or "" for i in range(language.node_kind_count))


def _grammar_of(node: Node) -> bool | None:
    """True for a TSX node, False for a TypeScript one, None when its kind id does not tell (both grammars
    number that kind alike, or neither does)."""
    kind, name = node.kind_id, node.type
    names_ts, names_tsx = _kind_names(False), _kind_names(True)
    in_ts = kind < len(names_ts) and names_ts[kind] == name
    in_tsx = kind < len(names_tsx) and names_tsx[kind] == name
    return None if in_ts == in_tsx else in_tsx


@lru_cache(maxsize=256)
def _grammar_types(tsx: bool, types: tuple[str, ...]) -> tuple[str, ...]:
    """`types` without repeats and without names that are no named node kind of the grammar."""
    language = _language(tsx)
    return tuple(t for t in dict.fromkeys(types) if language.id_for_node_kind(t, True) is not None)


@lru_cache(maxsize=256)
def _type_query(tsx: bool, types: tuple[str, ...]) -> tree_sitter.Query | None:
    known = _grammar_types(tsx, types)
    if not known:
        return None
    return tree_sitter.Query(_language(tsx), "[" + " ".join(f"({t})" for t in known) + "] @n")


@lru_cache(maxsize=64)
def _index_query(tsx: bool, types: tuple[str, ...]) -> tree_sitter.Query:
    """One pattern per type, each captured under its own name: the captures come back grouped by type."""
    return tree_sitter.Query(_language(tsx), " ".join(f"({t}) @{t}" for t in types))


def _preorder_key(node: Node) -> tuple[int, int, int]:
    # Source order; of two nodes with one span, the ancestor (more descendants) first.
    return node.start_byte, -node.end_byte, -node.descendant_count


def _query_descendants(node: Node, types: tuple[str, ...], preorder: bool) -> list[Node] | None:
    tsx = _grammar_of(node)
    if tsx is None:
        return None
    known = _grammar_types(tsx, types)
    if not known:
        return []
    if node.parent is None:
        nodes, ordered = _ROOT_INDEX.nodes(node, tsx, known), len(known) == 1
    else:
        nodes, ordered = _captured(node, tsx, known), False
    if preorder:
        if not ordered:
            nodes.sort(key=_preorder_key)
    else:
        nodes.sort(key=lambda n: (-n.end_byte, n.start_byte, -n.descendant_count))
    if _VERIFY_QUERIES:
        wanted = set(types)
        expected = [n for n in walk(node) if n.type in wanted and n.is_named] if preorder else _stack_walk(node, wanted)
        assert [(n.id, n.type) for n in nodes] == [(n.id, n.type) for n in expected], (types, node)
    return nodes


def _captured(node: Node, tsx: bool, types: tuple[str, ...]) -> list[Node]:
    query = _type_query(tsx, types)
    return tree_sitter.QueryCursor(query).captures(node).get("n", []) if query is not None else []


# The types the rules search whole trees for (seen on the open set): the first index of a tree covers them all.
SEARCHED_TYPES = (
    "arrow_function",
    "assignment_expression",
    "call_expression",
    "do_statement",
    "for_in_statement",
    "for_statement",
    "function_declaration",
    "function_expression",
    "generator_function",
    "generator_function_declaration",
    "method_definition",
    "optional_parameter",
    "required_parameter",
    "statement_block",
    "variable_declarator",
    "while_statement",
)


class _RootIndex:
    """Nodes of a tree by type, found by one query per tree for every type any search of a whole tree asked for.

    A query costs about the same for one type as for twenty (the walk dominates: homarr's 1,730 trees, 0.22 s
    for `call_expression` alone, 0.24 s for the 17 types the rules ask for, 1.05 s for the same types in seven
    queries), and the rules search each whole tree several times (call expressions, statement blocks,
    declarators, loops, functions, ...). So a whole-tree search is answered from the tree's index, built for
    `SEARCHED_TYPES` and any other type searched for so far in the run; a type the index lacks rebuilds it once
    for the larger union. Each type's nodes are kept in source order. Entries are keyed by the root node's id
    and hold the root (so the tree, and the id, stay theirs); the least recently used go beyond `capacity`, and
    `clear` drops all (a project's trees are let go)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.known: dict[bool, tuple[str, ...]] = {}
        self._entries: dict[tuple[int, bool], tuple[Node, dict[str, list[Node]]]] = {}

    def nodes(self, root: Node, tsx: bool, types: tuple[str, ...]) -> list[Node]:
        """Copies of the index's lists for `types` (named node kinds of the grammar), concatenated."""
        key = (root.id, tsx)
        entry = self._entries.pop(key, None)
        if entry is None or not all(t in entry[1] for t in types):
            known = self.known.get(tsx) or _grammar_types(tsx, SEARCHED_TYPES)
            if not all(t in known for t in types):
                known = tuple(sorted({*known, *types}))
            self.known[tsx] = known
            captures = tree_sitter.QueryCursor(_index_query(tsx, known)).captures(root)
            by_type: dict[str, list[Node]] = {}
            for name in known:
                found = captures.get(name, [])
                found.sort(key=_preorder_key)
                by_type[name] = found
            entry = (root, by_type)
        self._entries[key] = entry  # most recently used last
        while len(self._entries) > self.capacity:
            del self._entries[next(iter(self._entries))]
        if len(types) == 1:
            return list(entry[1][types[0]])
        return [n for t in types for n in entry[1][t]]

    def clear(self) -> None:
        self._entries.clear()

    def forget(self, root: Node) -> None:
        """Drop the index of a tree that is let go (a released ParsedFile), so that it does not keep the tree."""
        for tsx in (False, True):
            self._entries.pop((root.id, tsx), None)


# 16 trees: the searches of one file's rules come close together. A larger index keeps the trees of modules the
# analysis parses only to look something up (and would let go at once) alive: inkeep/agents' peak grew from 603 to
# 690 MiB with 256 trees, and 16 gave the same CPU (homarr 5.1 s without the index, 3.9 s with 16, 3.9-4.4 s with
# 64 or 256).
_ROOT_INDEX = _RootIndex(int(os.environ.get("DALFIX_ROOT_INDEX", "16")))


def clear_root_index() -> None:
    """Lets go of the trees the whole-tree search index and the tree memos hold (the runner calls it between
    projects)."""
    _ROOT_INDEX.clear()
    for memo in _TREE_MEMOS:
        memo.clear()


class TreeMemo:
    """Values worked out per node of a tree (by the node's id), for the few trees asked about last, by root id. An
    entry holds its root, so the tree, and the ids, stay its own while it is kept; like the search index, an entry
    goes when its tree is let go (`ParsedFile.release`) or between projects (`clear_root_index`)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._entries: dict[int, tuple[Node, dict[int, object]]] = {}
        _TREE_MEMOS.append(self)

    def of(self, root: Node) -> dict[int, object]:
        entry = self._entries.pop(root.id, None)
        if entry is None:
            entry = (root, {})
        self._entries[root.id] = entry  # most recently used last
        while len(self._entries) > self.capacity:
            del self._entries[next(iter(self._entries))]
        return entry[1]

    def forget(self, root: Node) -> None:
        self._entries.pop(root.id, None)

    def clear(self) -> None:
        self._entries.clear()


_TREE_MEMOS: list[TreeMemo] = []


def _stack_walk(node: Node, wanted: set[str]) -> list[Node]:
    out, stack = [], [node]
    while stack:
        current = stack.pop()
        if current.type in wanted:
            out.append(current)
        stack.extend(named_children_uncached(current))
    return out


# DALFIX_VERIFY_QUERIES=1: every query-based search is checked against the walk it replaces (tests, benches).
_VERIFY_QUERIES = bool(os.environ.get("DALFIX_VERIFY_QUERIES"))


@lru_cache(maxsize=4)
def _line_starts(source: bytes) -> list[int]:
    return [0, *(m.end() for m in re.finditer(b"\n", source))]


def line_col(source: bytes, offset: int) -> tuple[int, int]:
    """1-based line and 1-based column (in characters) of a byte offset."""
    line_start = source.rfind(b"\n", 0, offset) + 1
    line = bisect_right(_line_starts(source), offset)  # not source.count(): a report of n findings is O(n log n)
    column = len(source[line_start:offset].decode("utf-8", "surrogateescape")) + 1
    return line, column


def line_indent(source: bytes, offset: int) -> str:
    """The leading whitespace of the line holding `offset`."""
    line_start = source.rfind(b"\n", 0, offset) + 1
    end = line_start
    while end < len(source) and source[end : end + 1] in (b" ", b"\t"):
        end += 1
    return source[line_start:end].decode("ascii")


def function_block_statements(root: Node) -> Iterator[list[Node]]:
    """The statements (comments left out) of every statement block inside a function, outer blocks first."""
    for block in descendants_of_type(root, "statement_block"):
        if enclosing_function(block) is not None:
            yield [c for c in block.named_children if c.type != "comment"]


def sole_statement(body: Node) -> Node | None:
    """The one statement a branch holds: `body` itself, or the only non-comment statement of its block."""
    if body.type != "statement_block":
        return body
    inner = [c for c in body.named_children if c.type != "comment"]
    return inner[0] if len(inner) == 1 else None


def statement_deletions(source: bytes, statements: Iterable[Node]) -> list[Edit]:
    """Deletes statements with their lines; statements deleted next to each other are one edit, so that the
    blank lines around the run are judged once."""
    edits: list[Edit] = []
    for statement in sorted(statements, key=lambda s: s.start_byte):
        edit = statement_deletion(source, statement)
        if edits and edits[-1].end == edit.start:
            merged = statement_deletion(source, statement, start=edits[-1].start)
            edits[-1] = merged
        else:
            edits.append(edit)
    return edits


def statement_deletion(source: bytes, statement: Node, start: int | None = None) -> Edit:
    """Deletes a statement with its line: the indentation before it and the line break after it, and one of
    two blank lines it stood between."""
    if start is None:
        start = statement.start_byte
        while start > 0 and source[start - 1 : start] in b" \t":
            start -= 1
    end = statement.end_byte
    while end < len(source) and source[end : end + 1] in b" \t":
        end += 1
    if source[end : end + 2] == b"\r\n":
        end += 2
    elif source[end : end + 1] == b"\n":
        end += 1
    blank_before = source[:start].endswith((b"\n\n", b"\n\r\n"))
    after = end
    while after < len(source) and source[after : after + 1] in b" \t\r":
        after += 1
    if blank_before and source[after : after + 1] == b"\n":
        end = after + 1
    return Edit(start, end, "")
