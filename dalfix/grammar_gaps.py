"""Valid TypeScript that tree-sitter-typescript 0.23 cannot parse, masked so the code around it is analysed.

Each known gap is a short piece of syntax that only types (or JSX text) use. Inside a function or top-level
statement that has a parse error, each occurrence is replaced by placeholder bytes of the same length (so
every offset and line stays the same) that the grammar does parse and that mean the same to the analysis:

- a tagged template's type arguments, `` sql<T[]>`…` `` and `` sql<{ id: string; n: number } | null>`…` ``
  (over several lines too): spaces;
- `typeof import("m")` as a call's type argument, `f<typeof import("m")>()`: `T`, then spaces;
- `import("m")` of a type inside a call's type arguments, `f<import("m").T, typeof import("n").default>()`
  (not `import("m").then(…)`, a call; `import("m").T<A>` is the next gap): `T`, then spaces (`T .T` reads as a
  qualified type name);
- `import("m").T<…>` as a type, `x: import("m").T<A>`: spaces before `T<A>`;
- `export type * from "./x"` and `export type * as ns from "./x"`: spaces for `type`;
- `start < unique.size` (a variable named like the type operators `unique`, `keyof`, `infer` after `<`):
  `-` for `<`, which reads the same names;
- a bare `&` in JSX text, `<p>Tom & Jerry</p>`: a space;
- a variable named `using` (`${using}`, `f(using)`, `(using: string) =>`; the grammar reserves the word for
  `using` declarations): `$sing`, the same name everywhere in the function (never after `.`, nor a `using x`
  declaration);
- a NUL byte in a string or template literal: a space.

The masks are kept only when the masked source parses with fewer errors. No fix may change masked bytes
(the applier refuses it: `ParsedFile.touches_mask`), so the file keeps what the grammar could not read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import tree_sitter

from dalfix.parsing import Mask, Node, _error_regions, count_errors, error_nodes, parse_bytes

# (reason, pattern, group to mask, placeholder: its bytes, then spaces up to the mask's length; b"" for spaces only)
_STRING = rb"""\(\s*(?:"[^"\n]*"|'[^'\n]*')\s*\)"""
TYPED_TEMPLATE = "typed tagged template"
# Where a tagged template's type arguments may open: `<` right after a name, `)` or `]` (the closing `>` is found by
# `_type_arguments_end`, which balances brackets: an object type holds `;`, a function type `=>`).
_TYPE_ARGUMENTS_OPEN = re.compile(rb"[\w$)\]](\s*<)")
_TYPE_ARGUMENTS_LIMIT = 4096  # bytes scanned for the closing `>`: a type argument is short; a comparison is not closed
GAPS: tuple[tuple[str, re.Pattern[bytes], int, bytes], ...] = (
    ("typeof import() type argument", re.compile(rb"<\s*(typeof\s+import\s*" + _STRING + rb")"), 1, b"T"),
    (
        "import() type in type arguments",
        re.compile(rb"(?:\btypeof\s+|[<,]\s*)(import\s*" + _STRING + rb")(?=\s*\.\s*[\w$]+\s*[^\w$\s(<])"),
        1,
        b"T",
    ),
    ("import() type with type arguments", re.compile(rb"\b(import\s*" + _STRING + rb"\s*\.)\s*[\w$]+\s*<"), 1, b""),
    ("export type *", re.compile(rb"\bexport\s+(type)\s+\*"), 1, b""),
    (
        "`<` before unique/keyof/infer",
        re.compile(rb"(<)\s*(?:unique|keyof|infer)\s*[.\[;,)]"),
        1,
        b"-",
    ),
    ("a variable named `using`", re.compile(rb"(?<![\w$.])(using)(?![\w$])(?!\s+[A-Za-z_$])"), 1, b"$sing"),
    ("NUL byte in a literal", re.compile(rb"(\x00)"), 1, b""),
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
        for match in _TYPE_ARGUMENTS_OPEN.finditer(source, start, end):
            closed = _type_arguments_end(source, match.end(1) - 1)
            if closed is not None:
                yield Mask(match.start(1), closed, TYPED_TEMPLATE)
        for reason, pattern, group, _ in GAPS:
            for match in pattern.finditer(source, start, end):
                yield Mask(match.start(group), match.end(group), reason)
    if grammar == "tsx":
        for bad in error_nodes(root):
            for match in _AMPERSAND.finditer(source, max(bad.start_byte - 1, 0), bad.end_byte + 1):
                yield Mask(match.start(), match.end(), JSX_AMPERSAND)


_OPENERS = {ord("<"): ord(">"), ord("{"): ord("}"), ord("("): ord(")"), ord("["): ord("]")}
_CLOSERS = frozenset(_OPENERS.values())


def _type_arguments_end(source: bytes, at: int) -> int | None:
    """The end of the type arguments opening with the `<` at `at`, when a template literal follows them; else None.

    Brackets are balanced (`<{ a: T; b: U[] } | null>`), `=>` closes nothing, and a `;` or a backtick outside every
    bracket but the first `<` ends the search: a statement ended, or a template started inside what is then no type."""
    stack: list[int] = []
    end = min(len(source), at + _TYPE_ARGUMENTS_LIMIT)
    i = at
    while i < end:
        byte = source[i]
        if byte in _OPENERS:
            stack.append(_OPENERS[byte])
        elif byte == ord(">") and source[i - 1] == ord("="):
            pass  # the arrow of a function type closes nothing
        elif byte in _CLOSERS:
            if not stack or stack.pop() != byte:
                return None
            if not stack:
                following = source[i + 1 : i + 1 + 64].lstrip()
                return i + 1 if following[:1] == b"`" else None
        elif byte in (ord("`"), ord(";")) and len(stack) == 1:
            return None
        elif byte in (ord('"'), ord("'")):
            closing = source.find(bytes([byte]), i + 1, end)
            if closing < 0:
                return None
            i = closing
        i += 1
    return None


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
