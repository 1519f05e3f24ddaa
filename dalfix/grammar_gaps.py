"""Valid TypeScript that tree-sitter-typescript 0.23 cannot parse, masked so the code around it is analysed.

Each known gap is a short piece of syntax that only types (or JSX text) use. Inside a function or top-level
statement that has a parse error, each occurrence is replaced by placeholder bytes of the same length (so
every offset and line stays the same) that the grammar does parse and that mean the same to the analysis:

- a tagged template's type arguments, `` sql<T[]>`…` `` and `` sql<{ id: string }>`…` ``: spaces;
- `typeof import("m")` as a call's type argument, `f<typeof import("m")>()`: `T`, then spaces;
- `import("m").T<…>` as a type, `x: import("m").T<A>`: spaces before `T<A>`;
- `export type * from "./x"` and `export type * as ns from "./x"`: spaces for `type`;
- `start < unique.size` (a variable named like the type operators `unique`, `keyof`, `infer` after `<`):
  `-` for `<`, which reads the same names;
- a bare `&` in JSX text, `<p>Tom & Jerry</p>`: a space.

The masks are kept only when the masked source parses with fewer errors. No fix may change masked bytes
(the applier refuses it: `ParsedFile.touches_mask`), so the file keeps what the grammar could not read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import tree_sitter

from dalfix.parsing import Mask, Node, _error_regions, count_errors, error_nodes, parse_bytes

# (reason, pattern, group to mask, placeholder's first byte or b"" for spaces only)
_STRING = rb"""\(\s*(?:"[^"\n]*"|'[^'\n]*')\s*\)"""
GAPS: tuple[tuple[str, re.Pattern[bytes], int, bytes], ...] = (
    ("typed tagged template", re.compile(rb"[\w$)\]](\s*<[^`;=]*?>)\s*`"), 1, b""),
    ("typeof import() type argument", re.compile(rb"<\s*(typeof\s+import\s*" + _STRING + rb")"), 1, b"T"),
    ("import() type with type arguments", re.compile(rb"\b(import\s*" + _STRING + rb"\s*\.)\s*[\w$]+\s*<"), 1, b""),
    ("export type *", re.compile(rb"\bexport\s+(type)\s+\*"), 1, b""),
    (
        "`<` before unique/keyof/infer",
        re.compile(rb"(<)\s*(?:unique|keyof|infer)\s*[.\[;,)]"),
        1,
        b"-",
    ),
)
JSX_AMPERSAND = "bare & in JSX text"
_AMPERSAND = re.compile(rb"&(?!&|[A-Za-z]+;|#\d+;|#x[0-9A-Fa-f]+;)")


def mask_grammar_gaps(source: bytes, grammar: str, root: Node) -> tuple[bytes, tree_sitter.Tree, list[Mask]] | None:
    """(masked source, its tree, the masks) when masking known gaps removes parse errors; else None."""
    if not root.has_error:
        return None
    masks = sorted(set(_candidates(source, grammar, root)), key=lambda m: m.start)
    if not masks:
        return None
    masked = bytearray(source)
    for mask in masks:
        placeholder = next((p for reason, _, _, p in GAPS if reason == mask.reason), b"")
        masked[mask.start : mask.end] = placeholder + b" " * (mask.end - mask.start - len(placeholder))
    tree = parse_bytes(bytes(masked), grammar)
    if count_errors(tree.root_node) >= count_errors(root):
        return None
    return bytes(masked), tree, masks


def _candidates(source: bytes, grammar: str, root: Node) -> Iterator[Mask]:
    regions, _ = _error_regions(root)
    for start, end in _merged(regions):
        for reason, pattern, group, _ in GAPS:
            for match in pattern.finditer(source, start, end):
                yield Mask(match.start(group), match.end(group), reason)
    if grammar == "tsx":
        for bad in error_nodes(root):
            for match in _AMPERSAND.finditer(source, max(bad.start_byte - 1, 0), bad.end_byte + 1):
                yield Mask(match.start(), match.end(), JSX_AMPERSAND)


def _merged(regions: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(regions):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


def masked_holders(masks: list[Mask], root: Node) -> int:
    """How many functions (or top-level statements) hold a grammar-gap mask."""
    from dalfix.parsing import _outermost_function, _top_level_statement

    holders = set()
    for mask in masks:
        node = root.descendant_for_byte_range(mask.start, mask.end)
        if node is not None:
            holder = _outermost_function(node) or _top_level_statement(node)
            holders.add((holder.start_byte, holder.end_byte))
    return len(holders)
