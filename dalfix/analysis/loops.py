"""Loops that run their body once per element of a list, and the Drizzle queries they key by the element.

Recognized loops (`element_loop`): `for (const x of xs)`, `for (const k in o)`, `for (let i = 0; i < xs.length;
i++)`, `while (i < xs.length) { …; i++ }`, `xs.forEach(async (x) => …)` and `Promise.all(xs.map(async (x) => …))`,
also its promises built first and awaited later in the same block (`const ps = xs.map(async (x) => …);` … `await
Promise.all(ps)`, `ps` used there only).
`LoopAnalysis` answers what batching rules ask about one of them: which names change per iteration, whether an
expression is loop-invariant or derived from the element (`x`, `x.a.b`, `xs[i].id`), the one query an iteration
awaits, a condition keyed by the element (`eq(col, x.id)`, alone or inside `and(...)`), the text of the list of
keys (`xs.map((x) => x.id)`), and whether the rest of the body only fills local collections.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from dalfix.analysis.drizzle import split_chain, unwrap
from dalfix.analysis.effects import EffectAnalyzer
from dalfix.parsing import FUNCTION_TYPES, Node, ParsedFile, descendants_of_type, enclosing_function, sole_statement

LoopKind = Literal["for-of", "for-in", "for-index", "while-index", "forEach", "map"]
LOOP_STATEMENTS = frozenset({"for_statement", "for_in_statement", "while_statement", "do_statement"})
# Methods that only add to or update a collection the function itself owns.
COLLECTION_METHODS = frozenset({"push", "unshift", "set", "add"})
# Calls that return a new array whatever they are called on.
ARRAY_FUNCTIONS = frozenset({"Object.keys", "Object.values", "Object.entries", "Array.from", "Array.of"})
ARRAY_METHODS = frozenset({"map", "filter", "flatMap", "flat", "toSorted", "toReversed", "split"})
# Methods that return an array when called on one.
ARRAY_PRESERVING = frozenset({"slice", "concat", "sort", "reverse"})
ARRAY_READS = frozenset({"select", "selectDistinct", "selectDistinctOn", "findMany"})
# Collections that can be iterated again (`Array.from(m, …)`) and know their size.
COLLECTION_TYPES = frozenset({"Map", "Set", "ReadonlyMap", "ReadonlySet"})
# `m.keys()` on a Map, Set or array: a fresh iterator on each call.
VIEW_METHODS = frozenset({"keys", "values", "entries"})
# Comments by which an author says the loop awaits in sequence on purpose.
SEQUENTIAL_MARKERS = ("no-await-in-loop", "noAwaitInLoop")
# Operands that need no parentheses before `.length` / `.map(...)`.
PRIMARY = frozenset({"identifier", "member_expression", "call_expression", "subscript_expression",
                     "parenthesized_expression", "array", "this"})  # fmt: skip


@dataclass(frozen=True)
class ElementLoop:
    kind: LoopKind
    node: Node  # the loop statement, or the `xs.forEach(…)` / `Promise.all(xs.map(…))` call
    iterable: Node  # `xs` (`o` for for…in)
    body: Node  # a statement_block, or a callback's expression body
    pattern: Node | None  # the element's binding (pattern or callback parameter); None for index loops
    counter: str | None = None  # the index of index loops
    # The `Promise.all(ps)` call that awaits a `map` built first (`const ps = xs.map(…)`, the loop's node); None
    # when the map is written inside the `Promise.all` (whose call is then the node).
    awaited: Node | None = None

    @property
    def statements(self) -> list[Node]:
        if self.body.type != "statement_block":
            return [self.body]
        return [c for c in self.body.named_children if c.type != "comment"]

    @property
    def callback(self) -> Node | None:
        return self.body.parent if self.kind in ("forEach", "map") else None


def element_loop(node: Node, text) -> ElementLoop | None:  # type: ignore[no-untyped-def]
    """The element loop `node` is, if it is one (`text` reads a node's source)."""
    if node.type == "for_in_statement":
        kind, left, right = (node.child_by_field_name(f) for f in ("kind", "left", "right"))
        operator, body = node.child_by_field_name("operator"), node.child_by_field_name("body")
        if kind is None or text(kind) not in ("const", "let") or any(c.type == "await" for c in node.children):
            return None
        if left is None or right is None or operator is None or body is None:
            return None
        return ElementLoop("for-of" if text(operator) == "of" else "for-in", node, right, body, left)
    if node.type == "for_statement":
        init, body = node.child_by_field_name("initializer"), node.child_by_field_name("body")
        conditions = [c for c in node.children_by_field_name("condition") if c.type != ";"]
        step = node.child_by_field_name("increment")
        if init is None or body is None or len(conditions) != 1 or step is None or init.type != "lexical_declaration":
            return None
        declarators = [c for c in init.named_children if c.type == "variable_declarator"]
        if len(declarators) != 1 or text(declarators[0]).replace(" ", "").partition("=")[2] != "0":
            return None
        counter = text(declarators[0].child_by_field_name("name"))
        iterable = _length_bound(conditions[0], counter, text)
        if iterable is None or text(step).replace(" ", "") not in (f"{counter}++", f"++{counter}", f"{counter}+=1"):
            return None
        return ElementLoop("for-index", node, iterable, body, None, counter)
    if node.type == "while_statement":
        condition, body = node.child_by_field_name("condition"), node.child_by_field_name("body")
        if condition is None or body is None or body.type != "statement_block" or not body.named_children:
            return None
        inner = condition.named_children[0] if condition.named_children else condition
        last = body.named_children[-1]
        counter = text(inner.child_by_field_name("left")) if inner.type == "binary_expression" else ""
        iterable = _length_bound(inner, counter, text)
        if iterable is None or text(last).replace(" ", "").rstrip(";") not in (f"{counter}++", f"{counter}+=1"):
            return None
        return ElementLoop("while-index", node, iterable, body, None, counter)
    if node.type == "call_expression":
        return _callback_loop(node, text)
    return None


def _length_bound(condition: Node, counter: str, text) -> Node | None:  # type: ignore[no-untyped-def]
    """`xs` of `i < xs.length`."""
    if condition.type != "binary_expression" or text(condition.child_by_field_name("operator")) != "<":
        return None
    left, right = condition.child_by_field_name("left"), condition.child_by_field_name("right")
    if left is None or right is None or text(left) != counter or right.type != "member_expression":
        return None
    prop, obj = right.child_by_field_name("property"), right.child_by_field_name("object")
    return obj if prop is not None and text(prop) == "length" and obj is not None else None


def _callback_loop(call: Node, text) -> ElementLoop | None:  # type: ignore[no-untyped-def]
    """`xs.forEach(cb)`, or `Promise.all(xs.map(cb))` (whose node is the `Promise.all` call)."""
    function, args = call.child_by_field_name("function"), call.child_by_field_name("arguments")
    if function is None or args is None or len(args.named_children) != 1:
        return None
    kind: LoopKind = "forEach"
    deferred = _deferred_await(call, text) if text(function).endswith("map") else None
    if deferred is not None:
        kind = "map"
    elif text(function) == "Promise.all":
        call = unwrap(args.named_children[0])
        function, args = call.child_by_field_name("function"), call.child_by_field_name("arguments")
        if call.type != "call_expression" or function is None or args is None or len(args.named_children) != 1:
            return None
        kind = "map"
    method = "forEach" if kind == "forEach" else "map"
    if not text(function).rstrip(")]!\"'` \t\r\n").endswith(method):
        return None  # the last link's name ends the callee's text (a quick test before splitting the chain)
    root, links = split_chain(call)
    if not links or links[-1].name != method or links[-1].call != call:
        return None
    callback = unwrap(args.named_children[0])
    if callback.type not in ("arrow_function", "function_expression"):
        return None
    params = callback.child_by_field_name("parameters")
    single = callback.child_by_field_name("parameter")
    patterns = [single] if single is not None else (params.named_children if params is not None else [])
    body = callback.child_by_field_name("body")
    if len(patterns) != 1 or body is None or patterns[0].type == "optional_parameter":
        return None
    receiver = links[-1].member.child_by_field_name("object")
    assert receiver is not None
    if deferred is not None:
        return ElementLoop(kind, call, unwrap(receiver), body, patterns[0], awaited=deferred)
    outer = call if kind == "forEach" else (call.parent.parent if call.parent is not None else None)
    return ElementLoop(kind, outer, unwrap(receiver), body, patterns[0]) if outer is not None else None


def _deferred_await(call: Node, text) -> Node | None:  # type: ignore[no-untyped-def]
    """The `Promise.all(ps)` call awaiting `call` when `call` is the value of `const ps = xs.map(…);` in a block and
    `ps` is used once more in the function, as that call's only argument, in a later statement of the same block
    (not inside a closure): the inline `Promise.all(xs.map(…))` written in two steps. `Promise.allSettled` is not
    (a batch that fails would reject where every settled result was kept)."""
    declarator = call.parent
    declaration = declarator.parent if declarator is not None else None
    if declarator is None or declarator.type != "variable_declarator" or declarator.child_by_field_name(
            "value") != call:  # fmt: skip
        return None
    name = declarator.child_by_field_name("name")
    if name is None or name.type != "identifier" or declaration is None or declaration.type != "lexical_declaration":
        return None
    block = declaration.parent
    declarators = [c for c in declaration.named_children if c.type == "variable_declarator"]
    if block is None or block.type != "statement_block" or text(declaration.children[0]) != "const" or (
            len(declarators) != 1):  # fmt: skip
        return None
    function = enclosing_function(declaration)
    if function is None or not re.search(rf"Promise\.all\(\s*{re.escape(text(name))}\s*,?\s*\)", text(function)):
        return None  # a quick test on the function's text before its names are walked
    uses = [n for n in descendants_of_type(function, "identifier", "shorthand_property_identifier")
            if n != name and text(n) == text(name)]  # fmt: skip
    if len(uses) != 1 or uses[0].parent is None or uses[0].parent.type != "arguments":
        return None
    awaiting = uses[0].parent.parent
    if awaiting is None or awaiting.type != "call_expression" or len(uses[0].parent.named_children) != 1:
        return None
    callee = awaiting.child_by_field_name("function")
    if callee is None or text(callee) != "Promise.all":
        return None
    statement = awaiting
    while statement.parent is not None and statement.parent != block:
        statement = statement.parent
        if statement.type in FUNCTION_TYPES:
            return None
    if statement.parent != block or statement.start_byte < declaration.end_byte or statement.type not in (
            "expression_statement", "lexical_declaration", "return_statement"):  # fmt: skip
        return None  # inside an `if` or a loop, it may wait for the promises once, never, or many times
    return awaiting


def one_line(expression: str) -> str:
    """An expression the source broke over lines (`a &&` / `b`, `xs` / `.includes(y)`, `(` / `a` / `)`), joined
    onto one line as the formatters would before laying it out again; unchanged when it holds a comment, a
    template literal or a string continued with a backslash (line breaks that may be part of a value), or a
    brace (a block body whose statements a line break may end: joining `return` / `x` changes it)."""
    lines = expression.split("\n")
    if len(lines) == 1 or any(marker in expression for marker in ("//", "/*", "`", "{", "\\\n", "\\\r\n")):
        return expression
    out = lines[0].rstrip()
    for line in lines[1:]:
        piece = line.strip()
        if not piece:
            continue
        glue = "" if out.endswith(("(", "[", "{")) or piece.startswith((".", "?.", ")", "]", "}", ",")) else " "
        out += glue + piece
    return out


def element_loops(root: Node, text, within=None) -> list[ElementLoop]:  # type: ignore[no-untyped-def]
    """The element loops under `root`; `within` (FileContext.searched) keeps the candidate nodes a check searches."""
    nodes = descendants_of_type(root, *LOOP_STATEMENTS, "call_expression")
    found = [element_loop(n, text) for n in (within(nodes) if within is not None else nodes)]
    return [loop for loop in found if loop is not None]


def in_concurrent_loop(loop: ElementLoop, text) -> bool:  # type: ignore[no-untyped-def]
    """Whether the loop runs in the callback of a `forEach` / `Promise.all(xs.map(…))` loop around it, whose
    iterations run at the same time (within its function and the functions around it)."""
    current = loop.node.parent
    while current is not None:
        if current.type in FUNCTION_TYPES:
            call = current.parent.parent if current.parent is not None else None
            outer = call.parent.parent if call is not None and call.parent is not None else None
            if any(c is not None and c.type == "call_expression" and _callback_loop(c, text) is not None
                   for c in (call, outer)):  # fmt: skip
                return True
        current = current.parent
    return False


@dataclass(frozen=True)
class Iteration:
    """How to read a loop's list again: `length` (`xs.length`, `ids.size`) and `source`, what `.map` (an array)
    or `Array.from(source, fn)` (a Map, a Set, `m.keys()`) runs over."""

    length: str
    source: str
    array: bool


@dataclass(frozen=True)
class QuerySite:
    """The one awaited thing of an iteration: `statement` (a body statement) holds `expression` (`await q`, or the
    query itself as a callback's result), which evaluates `query`."""

    statement: Node
    expression: Node
    query: Node


@dataclass(frozen=True)
class Guard:
    """The pure conditions on the element under which an iteration runs its one statement (`statement`, inside
    the `if` or after the `continue` guards); `text` is their conjunction, as a filter callback's body."""

    statement: Node
    text: str
    reads: frozenset[str]  # the names the conditions read


# Operands that bind tighter than `!`: they need no parentheses after it.
_UNARY_OPERANDS = frozenset({"identifier", "member_expression", "call_expression", "subscript_expression",
                             "true", "false", "parenthesized_expression", "unary_expression", "this", "string",
                             "number"})  # fmt: skip
# Expressions that bind looser than `&&` (or may not be mixed with it, `??`): parenthesized as its operand.
_LOOSE = frozenset({"ternary_expression", "assignment_expression", "augmented_assignment_expression",
                    "sequence_expression", "arrow_function", "yield_expression"})  # fmt: skip


def _conjunct(node: Node, text) -> str:  # type: ignore[no-untyped-def]
    """`node`'s text as an operand of `&&` (and a callback's body): `(a || b)`, `a === b`."""
    node = unwrap(node)
    operator = text(node.child_by_field_name("operator")) if node.type == "binary_expression" else ""
    return f"({text(node)})" if node.type in _LOOSE or operator in ("||", "??") else text(node)


def _negated(condition: Node, text) -> str:  # type: ignore[no-untyped-def]
    """`!c` as an operand of `&&`: `x` for `!x`, `!x.done` for `x.done`, `!(a || b)` otherwise."""
    node = unwrap(condition)
    operator = node.child_by_field_name("operator") if node.type == "unary_expression" else None
    argument = node.child_by_field_name("argument") if operator is not None and text(operator) == "!" else None
    if argument is not None:
        return _conjunct(argument, text)
    operator = node.child_by_field_name("operator") if node.type == "binary_expression" else None
    flipped = {"!==": "===", "===": "!==", "!=": "==", "==": "!="}.get(text(operator) if operator else "")
    if operator is not None and flipped is not None:  # `a !== b` -> `a === b` (no such flip for `<`: NaN)
        return f"{text(node.child_by_field_name('left'))} {flipped} {text(node.child_by_field_name('right'))}"
    return f"!{text(node)}" if node.type in _UNARY_OPERANDS else f"!({text(node)})"


@dataclass(frozen=True)
class ElementKey:
    """`eq(column, key)` where `key` is the element `root` or a member path of it (`suffix`, e.g. ".id");
    `root` is "" for `xs[i]` of an index loop."""

    condition: Node
    column: Node
    key: Node
    suffix: str
    root: str = ""


class LoopAnalysis:
    def __init__(self, loop: ElementLoop, analyzer: EffectAnalyzer,
                 returns_array: Callable[[Node], bool] = lambda call: False,
                 returns_collection: Callable[[Node], str | None] = lambda call: None):  # fmt: skip
        self.loop = loop
        self.analyzer = analyzer
        self.returns_array = returns_array
        # "fresh" when a call goes to a project function whose body returns a Map or Set it made, "declared" when
        # only its return type says it returns one; None otherwise.
        self.returns_collection = returns_collection
        self.drizzle_source = "drizzle-orm"  # where the keyed `eq` came from: new helpers are imported from there

    def text(self, node: Node | None) -> str:
        return self.analyzer.text(node) if node is not None else ""

    @cached_property
    def element_names(self) -> frozenset[str]:
        if self.loop.pattern is None:
            return frozenset({self.loop.counter or ""})
        return frozenset(self.analyzer.pattern_names(self.loop.pattern))

    @cached_property
    def mutated(self) -> frozenset[str]:
        """Roots of collections the body adds to (`result.push(…)`, `byId.set(…)`)."""
        roots = set()
        for call in descendants_of_type(self.loop.body, "call_expression"):
            root, links = split_chain(call)
            if len(links) == 1 and links[0].name in COLLECTION_METHODS and root.type == "identifier":
                roots.add(self.text(root))
        return frozenset(roots)

    @cached_property
    def variant(self) -> frozenset[str]:
        """Names whose value may differ from one iteration to the next."""
        bound = set()
        for statement in self.loop.statements:
            bound |= self.analyzer.binds(statement)
        return self.element_names | bound | self.mutated

    def invariant(self, node: Node) -> bool:
        """Same value in every iteration: reads no per-iteration name, awaits nothing, calls only pure functions."""
        effects = self.analyzer.effects(node)
        return effects.db == "none" and not effects.awaits and not (self.analyzer.free_reads(node) & self.variant)

    def varies_with_element(self, node: Node, before: Node) -> bool:
        """`node` reads what differs per element — the element, or a name the body derives from it before `before`
        (a name built from it, an earlier read's row) — and no other name the loop changes: a value one iteration
        leaves for the next (`current = row.parentId`, `since = row.createdAt`) makes each read depend on the
        previous one, which no batch before the loop can load."""
        reads = self.analyzer.free_reads(node)
        derived = self.derived_names(before)
        return bool(reads & derived) and not ((reads & self.variant) - derived)

    def derived_names(self, before: Node) -> frozenset[str]:
        """The element's names and those the body declares before the node `before`, from values that read
        one of them (`const user = byEmail.get(email)`, `const params = { name: doc.name }`): what differs from
        one element to the next because of it."""
        names = set(self.element_names)
        for statement in descendants_of_type(self.loop.body, "lexical_declaration"):
            if statement.end_byte > before.start_byte:
                continue  # after the call, or holding it
            for declarator in statement.named_children:
                value, pattern = declarator.child_by_field_name("value"), declarator.child_by_field_name("name")
                if value is not None and pattern is not None and self.analyzer.free_reads(value) & names:
                    names |= self.analyzer.pattern_names(pattern)
        return frozenset(names)

    def element_suffix(self, node: Node) -> str | None:
        """ ".a.b" when `node` is `x.a.b` for the element `x` (or `xs[i].a.b`, or a name the body bound to a
        path of the element), "" for the element itself."""
        path = self.element_path(node)
        return path[1] if path is not None else None

    def element_path(self, node: Node, aliases: dict[str, tuple[str, str]] | None = None) -> tuple[str, str] | None:
        """(element name, member path) that `node` reads: ("x", ".a.b") for `x.a.b`; ("x", ".id") for `id` after
        `const { id } = x`; ("", ".id") for `xs[i].id` of an index loop."""
        node, suffix = unwrap(node), ""
        while node.type == "member_expression" and not any(c.type == "optional_chain" for c in node.children):
            prop = node.child_by_field_name("property")
            inner = node.child_by_field_name("object")
            if inner is None or prop is None or prop.type != "property_identifier":
                return None
            suffix = "." + self.text(prop) + suffix
            node = unwrap(inner)
        aliases = self.aliases if aliases is None else aliases
        if node.type == "identifier" and self.text(node) in aliases:
            root, prefix = aliases[self.text(node)]
            return root, prefix + suffix
        if self.loop.pattern is None:
            obj, index = node.child_by_field_name("object"), node.child_by_field_name("index")
            element = node.type == "subscript_expression" and obj is not None and index is not None
            return ("", suffix) if element and self.text(obj) == self.text(self.loop.iterable) and self.text(
                index) == self.loop.counter else None  # fmt: skip
        element = node.type == "identifier" and self.text(node) in self.element_names
        return (self.text(node), suffix) if element else None

    @property
    def aliases(self) -> dict[str, tuple[str, str]]:
        """Names the body's leading `const` declarations bind to paths of the element: `const { id } = item`,
        `const { id: userId } = item`, `const item = xs[i]`, `const id = item.id` (name -> element path)."""
        return self._alias_scan[1]

    @property
    def alias_statements(self) -> list[Node]:
        """The body's leading `const` declarations that only name paths of the element (see `aliases`)."""
        return self._alias_scan[0]

    @cached_property
    def _alias_scan(self) -> tuple[list[Node], dict[str, tuple[str, str]]]:
        found: list[Node] = []
        names: dict[str, tuple[str, str]] = {}
        for statement in self.loop.statements if self.loop.body.type == "statement_block" else []:
            if statement.type != "lexical_declaration" or self.text(statement.children[0]) != "const":
                break
            declarators = [c for c in statement.named_children if c.type == "variable_declarator"]
            pairs = [(d.child_by_field_name("name"), d.child_by_field_name("value")) for d in declarators]
            paths = [self.element_path(v, names) if v is not None else None for _, v in pairs]
            members = [_bound_members(n, self.text) if n is not None else None for n, _ in pairs]
            if not declarators or None in paths or None in members:
                break
            for path, bound in zip(paths, members, strict=True):
                assert path is not None and bound is not None
                names.update({name: (path[0], path[1] + member) for name, member in bound})
            found.append(statement)
        return found, names

    @property
    def work_statements(self) -> list[Node]:
        """The body's statements after its leading element aliases."""
        return [s for s in self.loop.statements if s not in self.alias_statements]

    @cached_property
    def iteration(self) -> Iteration | None:
        """How the list can be read again, when dalfix can tell: an array, a Map or Set, or `m.keys()` /
        `m.values()` / `m.entries()` (and `xs.entries()`) on one. None for anything else (an iterator or a
        generator may be read only once)."""
        iterable = self.loop.iterable
        if self.loop.kind == "for-in":
            keys = f"Object.keys({self.text(iterable)})"
            return Iteration(f"{keys}.length", keys, True)
        if self.is_array(iterable, self.returns_array):
            return Iteration(f"{self.operand(iterable)}.length", self.operand(iterable), True)
        if self.loop.pattern is None:
            return None  # `xs[i]` needs an array
        if self.collection(iterable):
            return Iteration(f"{self.operand(iterable)}.size", self.text(iterable), False)
        receiver = self._view_receiver(iterable)
        if receiver is not None:
            size = "length" if self.is_array(receiver, self.returns_array) else "size"
            return Iteration(f"{self.operand(receiver)}.{size}", self.text(iterable), False)
        return None

    def _view_receiver(self, node: Node) -> Node | None:
        """`m` of `m.keys()` / `m.values()` / `m.entries()` when `m` is a Map, a Set or an array."""
        node = unwrap(node)
        function = node.child_by_field_name("function") if node.type == "call_expression" else None
        args = node.child_by_field_name("arguments")
        if function is None or function.type != "member_expression" or args is None or args.named_children:
            return None
        receiver = function.child_by_field_name("object")
        if self.text(function.child_by_field_name("property")) not in VIEW_METHODS or receiver is None:
            return None
        known = self.collection(receiver) or self.is_array(receiver, self.returns_array)
        return receiver if known else None

    def collection(self, node: Node) -> bool:
        """Whether `node` is a name bound to a Map or a Set (`new Map(…)`, or annotated `Map<…>` / `Set<…>`)."""
        node = unwrap(node)
        if node.type == "new_expression":
            return self.text(node.child_by_field_name("constructor")) in ("Map", "Set")
        declaration = self._declaration(node) if node.type == "identifier" else None
        if declaration is None:
            return False
        annotation = declaration.child_by_field_name("type")
        if annotation is not None:
            inner = annotation.named_children[0] if annotation.named_children else annotation
            name = inner.child_by_field_name("name") if inner.type == "generic_type" else None
            return name is not None and self.text(name) in COLLECTION_TYPES
        value = declaration.child_by_field_name("value")
        const = declaration.parent is not None and self.text(declaration.parent.children[0]) == "const"
        if value is not None and const and unwrap(value).type == "call_expression":
            return self.returns_collection(unwrap(value)) is not None  # `const byCard = groupByKey(xs, "cardId")`
        return value is not None and const and unwrap(value).type == "new_expression" and self.collection(value)

    def borrowed_collection(self) -> str | None:
        """The call a Map or Set the loop walks comes from (`groupByKey(xs, "cardId")`), when only the function's
        declared return type says it is one: the function may hand out a collection it keeps, which other code could
        change while a batch is awaited."""
        iterable = self._view_receiver(self.loop.iterable) or self.loop.iterable
        node = unwrap(iterable)
        declaration = self._declaration(node) if node.type == "identifier" else None
        if declaration is None or declaration.child_by_field_name("type") is not None:
            return None
        value = declaration.child_by_field_name("value")
        if value is None or unwrap(value).type != "call_expression":
            return None
        return self.text(unwrap(value)) if self.returns_collection(unwrap(value)) == "declared" else None

    def sequential_on_purpose(self) -> bool:
        """Whether a comment in or just before the loop (or a file-wide `eslint-disable`) turns off
        `no-await-in-loop`: the author meant the awaits to run one after another."""
        node = self.loop.node
        while node.parent is not None and node.parent.type not in ("statement_block", "program"):
            node = node.parent
        comments = list(descendants_of_type(self.loop.node, "comment"))
        previous = node.prev_sibling
        while previous is not None and previous.type == "comment":
            comments.append(previous)
            previous = previous.prev_sibling
        texts = [self.text(c) for c in comments] + _file_wide_disables(self.analyzer.parsed)
        return any(marker in text for text in texts for marker in SEQUENTIAL_MARKERS)

    def statement_sites(self) -> list[QuerySite] | None:
        """One site per statement when the body (after its element aliases) is two or more `await q;`
        statements and nothing else; None otherwise."""
        statements = self.work_statements
        if self.loop.body.type != "statement_block" or len(statements) < 2:
            return None
        sites = []
        for statement in statements:
            awaits = outside_closures(statement, "await_expression")
            expression = unwrap(statement.named_children[0]) if statement.type == "expression_statement" else None
            if len(awaits) != 1 or expression != awaits[0]:
                return None
            sites.append(QuerySite(statement, awaits[0], unwrap(awaits[0].named_children[0])))
        return sites

    def in_nested_loop(self, node: Node) -> bool:
        """Whether `node` runs in a loop statement inside this loop's body: once per element of that inner loop,
        the loop to report it at (an await in an inner loop's callback is no await of this body at all)."""
        current = node.parent
        while current is not None and current not in (self.loop.body, self.loop.node):
            if current.type in LOOP_STATEMENTS:
                return True
            current = current.parent
        return False

    def query_site(self) -> QuerySite | None:
        """The single await of an iteration (or a callback's returned query), when there is exactly one and it
        is not inside an inner loop (which runs it, and is reported for it)."""
        awaits = [a for s in self.loop.statements for a in outside_closures(s, "await_expression")]
        if len(awaits) > 1 or any(self.in_nested_loop(a) for a in awaits):
            return None
        if awaits:
            holder = awaits[0] if self.loop.body.type == "statement_block" else self.loop.body
            while holder.parent is not None and holder.parent != self.loop.body and holder != self.loop.body:
                holder = holder.parent
            return QuerySite(holder, awaits[0], unwrap(awaits[0].named_children[0]))
        statements = self.loop.statements
        if self.loop.callback is None or len(statements) != 1:
            return None
        if statements[0].type == "return_statement" and statements[0].named_children:
            value = unwrap(statements[0].named_children[0])
            return QuerySite(statements[0], value, value)
        if statements[0] != self.loop.body:
            return None
        return QuerySite(statements[0], statements[0], unwrap(statements[0]))

    def guard(self, site: QuerySite) -> Guard | None:
        """When the body (after its element aliases) runs the site's statement only for the elements a condition
        on the element alone selects: `if (g) { s }` with no `else`, or `if (c) continue;` statements (`return;`
        in a callback) before `s`. The conditions must be pure and read no name an iteration binds other than
        the element's own (a filter callback over the list sees the element's pattern, nothing else). None when
        the body is anything else, or has no condition."""
        if self.loop.pattern is None or self.loop.body.type != "statement_block":
            return None
        *exits, last = self.work_statements or [self.loop.body]
        conditions: list[Node] = []
        for statement in exits:
            condition = self._exit_condition(statement)
            if condition is None:
                return None
            conditions.append(condition)  # the iteration goes on when it is false
        selected: list[Node] = []
        if last.type == "if_statement" and last.child_by_field_name("alternative") is None:
            condition, consequence = last.child_by_field_name("condition"), last.child_by_field_name("consequence")
            inner = sole_statement(consequence) if consequence is not None else None
            if condition is None or inner is None:
                return None
            selected, last = [condition], inner
        holder = unwrap(last.named_children[0]) if last.type == "expression_statement" and last.named_children else None
        if holder != site.expression or not conditions + selected:
            return None
        others = self.variant - self.element_names
        if any(not self.analyzer.effects(c).pure or self.analyzer.free_reads(c) & others
               for c in conditions + selected):  # fmt: skip
            return None
        texts = [_negated(c, self.text) for c in conditions] + [_conjunct(c, self.text) for c in selected]
        reads = frozenset().union(*(self.analyzer.free_reads(c) for c in conditions + selected))
        return Guard(last, " && ".join(texts), reads)

    def _exit_condition(self, statement: Node) -> Node | None:
        """`c` of `if (c) continue;` (`if (c) return;` in a `forEach` / `map` callback), with no `else`."""
        if statement.type != "if_statement" or statement.child_by_field_name("alternative") is not None:
            return None
        condition = statement.child_by_field_name("condition")
        consequence = statement.child_by_field_name("consequence")
        exit = sole_statement(consequence) if consequence is not None else None
        bare = exit is not None and not exit.named_children
        leaves = bare and exit is not None and (exit.type == "continue_statement" or (
            exit.type == "return_statement" and self.loop.callback is not None))  # fmt: skip
        return condition if leaves else None

    def filtered(self, guard: Guard, expression: str) -> str:
        """The list of `expression` over the elements the guard selects, in loop order:
        `xs.filter((x) => g).map((x) => x.id)`."""
        assert self.loop.pattern is not None and self.iteration is not None
        source = self.iteration.source if self.iteration.array else f"Array.from({self.iteration.source})"
        pattern = self.text(self.loop.pattern)
        names = [self.text(c) if c.type == "identifier" else None for c in self.loop.pattern.named_children]
        if self.loop.pattern.type == "array_pattern" and None not in names and len(names) == len(
                [c for c in self.loop.pattern.children if c.type not in ("[", "]", ",")]):  # fmt: skip
            used = [n if n in guard.reads else "" for n in names]  # `[, v]`: no unused binding left behind
            while used and not used[-1]:
                used.pop()
            kept = f"{source}.filter(([{', '.join(used)}]) => {one_line(guard.text)})"
        else:
            kept = f"{source}.filter(({pattern}) => {one_line(guard.text)})"
        bare = self.loop.pattern.child_by_field_name("pattern")  # `(x: T) =>` of a callback
        if expression in (pattern, self.text(bare) if bare is not None else pattern):
            return kept
        return f"{kept}.map(({self._pattern_for(expression)}) => {expression})"

    def unconditional(self, site: QuerySite) -> bool:
        """Whether every iteration that reaches the site's statement runs its query (no `if`, `?:`, `&&`, `try`)."""
        node = site.expression.parent
        while node is not None and node != site.statement.parent:
            operator = node.child_by_field_name("operator") if node.type == "binary_expression" else None
            if node.type in ("if_statement", "ternary_expression", "switch_statement", "try_statement") or (
                    operator is not None and self.text(operator) in ("&&", "||", "??")):  # fmt: skip
                return False
            node = node.parent
        return True

    def runs_at_most_once(self, site: QuerySite) -> bool:
        """Whether the loop leaves right after the site on every path that reaches it: a statement after the
        site's (in its block or an enclosing one, up to the body) is a bare `break`, `return` or `throw`, with no
        `continue` before it (`if (route) { await check(x); …; break }`). A `break` inside a `switch` leaves the
        switch, and one after the site inside a `try` with a `catch` is skipped when the site throws."""
        if self.loop.callback is not None:  # `return` in a callback ends one iteration
            return False
        node, breaks_leave = site.expression, True
        while node is not None and node != self.loop.body:
            parent = node.parent
            if parent is None:
                return False
            if parent.type in ("switch_case", "switch_default"):
                breaks_leave = False
            if parent.type == "try_statement" and node == parent.child_by_field_name("body") and (
                    parent.child_by_field_name("handler") is not None):  # fmt: skip
                node = parent  # an exit later in the `try` block does not run when the site throws
                continue
            if parent.type in ("statement_block", "switch_case", "switch_default"):
                for after in parent.named_children[parent.named_children.index(node) + 1 :]:
                    if after.type in ("return_statement", "throw_statement") or (
                            after.type == "break_statement" and breaks_leave and not after.named_children):  # fmt: skip
                        return True
                    if self._continues(after):
                        return False
            node = parent
        return False

    @staticmethod
    def _continues(statement: Node) -> bool:
        """Whether `statement` may go on to the next iteration by `continue` (one aimed at an inner loop counts
        too: conservative)."""
        return bool(outside_closures(statement, "continue_statement"))

    def may_stop_early(self, throws: bool = True) -> bool:
        """Whether the loop can end before its last element: a `break`, a `return`, a `throw` no `try` in the
        body catches (unless `throws` is False: only the exits the code chose), a `continue` to the label of a
        loop around this one (a callback's `return` only ends its iteration)."""
        if self.loop.callback is not None:
            return False
        body = self.loop.body
        exits = outside_closures(body, "return_statement") + outside_closures(body, "break_statement")
        exits += [c for c in outside_closures(body, "continue_statement") if self.leaves_by_label(c)]
        thrown = [t for t in outside_closures(body, "throw_statement") if throws and not self._caught(t)]
        return bool(thrown) or any(not self._inner_break(e) for e in exits)

    def leaves_by_label(self, statement: Node) -> bool:
        """Whether `statement` is a labelled `continue` aimed at a loop around this one (`continue outer;` in an
        inner loop): it ends this loop, not one of its iterations."""
        label = statement.named_children[0] if statement.named_children else None
        if statement.type != "continue_statement" or label is None:
            return False
        node = statement.parent
        while node is not None and node.type not in FUNCTION_TYPES:
            if node.type == "labeled_statement" and self.text(node.child_by_field_name("label")) == self.text(label):
                inside = self.loop.node.start_byte <= node.start_byte and node.end_byte <= self.loop.node.end_byte
                return not inside and node.child_by_field_name("body") != self.loop.node
            node = node.parent
        return True  # no such label: leave it to the parser's error, as if it left

    def _caught(self, statement: Node) -> bool:
        node = statement.parent
        while node is not None and node != self.loop.body:
            if node.type == "statement_block" and node.parent is not None and node.parent.type == "try_statement" and (
                    node == node.parent.child_by_field_name("body")
                    and node.parent.child_by_field_name("handler") is not None):  # fmt: skip
                return True
            node = node.parent
        return False

    def _inner_break(self, statement: Node) -> bool:
        """A `break` that leaves a `switch` or a loop nested in this one, not this loop."""
        if statement.type != "break_statement" or statement.named_children:
            return False
        node = statement.parent
        while node is not None and node != self.loop.body:
            if node.type in LOOP_STATEMENTS or node.type == "switch_statement":
                return True
            node = node.parent
        return False

    def in_try(self, site: QuerySite) -> bool:
        """Whether the site runs inside a `try` with a `catch` in the body: each element's failure is handled
        on its own."""
        node = site.expression.parent
        # A callback's expression body (`xs.map((x) => q(x))`) is the site itself: stop at the callback and the
        # loop too, or a `try` around the whole loop would count as the element's own.
        ends = (self.loop.body, self.loop.node, self.loop.callback)
        while node is not None and node not in ends:
            if node.type == "try_statement" and node.child_by_field_name("handler") is not None:
                return True
            node = node.parent
        return False

    def keyed_condition(self, condition: Node, imports: dict[str, tuple[str, str]]) -> ElementKey | None:
        """`eq(col, key)` keyed by the element, alone or in `and(...)` whose other conditions are invariant."""
        condition = unwrap(condition)
        name, args = _drizzle_call(condition, imports, self.text, self.analyzer.drizzle_module)
        if name == "and":
            variant = [a for a in args if not self.invariant(a)]
            return self.keyed_condition(variant[0], imports) if len(variant) == 1 else None
        if name != "eq" or len(args) != 2 or not self.invariant(args[0]):
            return None
        path = self.element_path(args[1])
        if path is None:
            return None
        function = condition.child_by_field_name("function")
        self.drizzle_source = imports.get(self.text(function), (self.drizzle_source, ""))[0]
        return ElementKey(condition, args[0], args[1], path[1], path[0])

    def operand(self, node: Node) -> str:
        return self.text(node) if node.type in PRIMARY else f"({self.text(node)})"

    def length_text(self) -> str:
        assert self.iteration is not None
        return self.iteration.length

    def keys_text(self, key: ElementKey) -> str:
        """The list of keys, in loop order: `xs`, `xs.map((x) => x.id)`, `Object.keys(o)`, `Array.from(ids)`."""
        if self.loop.pattern is None:
            base = self.text(self.loop.iterable)
            return f"{base}.map((item) => item{key.suffix})" if key.suffix else base
        return self.mapped(key.root + key.suffix)

    def mapped(self, expression: str, returns: str = "") -> str:
        """The list of `expression` (written in terms of the element) over all elements, in loop order;
        `returns` annotates the callback's return type (`: T`)."""
        assert self.loop.pattern is not None
        # A list dalfix cannot read twice still gets a text for messages (`xs.map(…)`), never for a fix.
        iteration = self.iteration or Iteration("", self.operand(self.loop.iterable), True)
        source, array = iteration.source, iteration.array
        pattern = self.text(self.loop.pattern)
        bare = self.loop.pattern.child_by_field_name("pattern")  # `(x: T) =>` of a callback
        if expression in (pattern, self.text(bare) if bare is not None else pattern):
            return source if array else f"Array.from({source})"
        callback = f"({self._pattern_for(expression)}){returns} => {expression}"
        return f"{source}.map({callback})" if array else f"Array.from({source}, {callback})"

    def _pattern_for(self, expression: str) -> str:
        """The element's pattern, cut down to the one name `expression` is rooted at when the pattern is an
        array of names (`[, x]` of `[id, x]`: no unused binding left behind)."""
        assert self.loop.pattern is not None
        pattern = self.loop.pattern
        root = expression.split(".")[0]
        names = [self.text(c) if c.type == "identifier" else None for c in pattern.named_children]
        if pattern.type != "array_pattern" or root not in names or len(pattern.named_children) != len(
                [c for c in pattern.children if c.type not in ("[", "]", ",")]):  # fmt: skip
            return self.text(pattern)
        return "[" + ", " * names.index(root) + root + "]"

    def local_effects_only(self, statements: list[Node], skip: Node | None = None) -> bool:
        """Statements (minus `skip`) that only compute, throw, and fill collections the function declares."""
        function = enclosing_function(self.loop.node)
        if function is None:
            return False
        owned = set()
        for declarator in descendants_of_type(function, "variable_declarator"):
            name = declarator.child_by_field_name("name")
            owned |= self.analyzer.pattern_names(name) if name is not None else set()
        owned -= self.analyzer.free_reads(self.loop.iterable)  # filling the list being walked changes the loop
        for node in (n for s in statements for n in _walk_except(s, skip)):
            if node.type == "continue_statement" and skip is not None and node.start_byte >= skip.end_byte and (
                    not self.leaves_by_label(node)):  # fmt: skip
                continue  # after the query: it skips the rest of an iteration that has already queried
            if node.type in ("await_expression", "break_statement", "continue_statement", "yield_expression"):
                return False
            if node.type == "return_statement" and enclosing_function(node) in (function, self.loop.callback):
                # A `map` callback's return after the query only gives that element's value.
                after = skip is not None and node.start_byte >= skip.end_byte
                if not (self.loop.kind == "map" and enclosing_function(node) == self.loop.callback and after):
                    return False
            if node.type in ("call_expression", "new_expression"):
                root, links = split_chain(node) if node.type == "call_expression" else (node, [])
                fills = len(links) == 1 and links[0].name in COLLECTION_METHODS and self.text(root) in owned
                if not fills and self.analyzer.call_effect(node)[0] != "none":
                    return False
            if node.type in ("assignment_expression", "augmented_assignment_expression", "update_expression"):
                target = unwrap(node.child_by_field_name("left") or node.child_by_field_name("argument") or node)
                while target.type in ("member_expression", "subscript_expression"):
                    inner = target.child_by_field_name("object")
                    if inner is None:
                        return False
                    target = unwrap(inner)
                if self.text(target) not in owned:
                    return False
            if node.type == "unary_expression" and self.text(node).startswith("delete"):
                return False
        return True

    def statement(self) -> Node | None:
        """The statement in a block that runs the loop: the loop itself, `xs.forEach(…);`, or the statement
        holding `await Promise.all(xs.map(…))` (the only await outside closures in it)."""
        node = self._block_statement(self.loop.node)
        if node is None:
            return None
        if self.loop.awaited is not None:  # `const ps = xs.map(…);` … `await Promise.all(ps)`
            awaiting = self.awaiting_statement()
            return node if awaiting is not None and self._inert_between(node, awaiting) else None
        if self.loop.kind == "map" and not self._awaits_all(node, self.loop.node):
            return None
        return node

    def _block_statement(self, node: Node) -> Node | None:
        """The statement of a block holding `node` (not inside a closure)."""
        while self.loop.callback is not None and node.parent is not None and node.parent.type != "statement_block":
            node = node.parent
            if node.type in FUNCTION_TYPES:
                return None
        if node.parent is None or node.parent.type != "statement_block":
            return None
        return node

    def awaiting_statement(self) -> Node | None:
        """The statement that waits for the loop's promises: `statement()`, or for a map built first, the one
        holding `await Promise.all(ps)` (or `return Promise.all(ps)`)."""
        if self.loop.awaited is None:
            return self.statement()
        node = self._block_statement(self.loop.awaited)
        return node if node is not None and self._awaits_all(node, self.loop.awaited) else None

    def _awaits_all(self, statement: Node, call: Node) -> bool:
        """`statement` waits for `call` (a `Promise.all(…)`): its only await outside closures (`await
        Promise.all(…)`), or it returns the call unawaited (`return Promise.all(…)`) from an async function outside
        any `try` (whose `catch` or `finally` the rejection skipped, and a batch hoisted into the `try` would not)."""
        awaits = outside_closures(statement, "await_expression")
        if awaits:
            return len(awaits) == 1 and (
                self.loop.awaited is None or bool(awaits[0].named_children) and unwrap(awaits[0].named_children[0])
                == call)  # fmt: skip
        returned = statement.type == "return_statement" and statement.named_children
        value = statement.named_children[0] if returned else None
        function = enclosing_function(statement)
        if value is None or unwrap(value) != call or function is None or not any(
                c.type == "async" for c in function.children):  # fmt: skip
            return False
        current = statement.parent
        while current is not None and current != function:
            if current.type == "try_statement":
                return False
            current = current.parent
        return True

    def _inert_between(self, declaration: Node, awaiting: Node) -> bool:
        """The statements between `const ps = xs.map(…);` and the one awaiting `ps` cannot tell whether the queries
        ran while they did or before: pure, no clock reading, and sharing no name with the callback that either
        side writes (the callback's statements after its first await then ran after them; in a batch they run
        before)."""
        between = [s for s in declaration.parent.named_children  # type: ignore[union-attr]
                   if declaration.end_byte <= s.start_byte and s.end_byte <= awaiting.start_byte
                   and s.type != "comment"]  # fmt: skip
        if not between:
            return True
        callback = self.loop.callback
        if callback is None:
            return False
        inner = self.loop.statements
        written = set().union(*(self.analyzer.binds(s) for s in inner)) | self.mutated
        read = self.analyzer.free_reads(callback)
        for statement in between:
            effects = self.analyzer.effects(statement)
            if not effects.pure or self.analyzer.samples_clock(statement):
                return False
            binds = self.analyzer.binds(statement) | {
                self.text(root) for call in descendants_of_type(statement, "call_expression")
                for root, links in [split_chain(call)] if len(links) == 1 and links[0].name in COLLECTION_METHODS
            }  # fmt: skip
            if binds & (read | written) or self.analyzer.free_reads(statement) & written:
                return False
        return True

    def result_discarded(self, site: QuerySite) -> bool:
        """Whether nothing uses what the iteration's query returns."""
        holder = site.statement.named_children[0] if site.statement.type == "expression_statement" else None
        if holder is not None and unwrap(holder) == site.expression:
            return True  # `await q;`
        returned = site.statement.type == "return_statement" or site.statement == self.loop.body
        if self.loop.callback is None or not returned:
            return False
        if self.loop.kind == "forEach":
            return True
        statement = self.awaiting_statement()  # a `map` callback returns it to `Promise.all`
        if statement is None or statement.type != "expression_statement":
            return False
        expression = unwrap(statement.named_children[0])
        if expression.type == "await_expression":
            expression = unwrap(expression.named_children[0])
        return expression == (self.loop.awaited or self.loop.node)

    def results_kept(self) -> bool:
        """Whether the code keeps what the loop's call returns (`const done = await Promise.all(xs.map(…))`, `return
        Promise.all(ps)`, `const r = xs.forEach(…)`): a loop over chunks put in its statement's place returns nothing
        (and would leave `done` undeclared)."""
        if self.loop.callback is None:
            return False
        statement = self.awaiting_statement()
        if statement is None or statement.type != "expression_statement":
            return True
        expression = unwrap(statement.named_children[0])
        if expression.type == "await_expression" and expression.named_children:
            expression = unwrap(expression.named_children[0])
        return expression != (self.loop.awaited or self.loop.node)

    def is_array(self, node: Node, returns_array: Callable[[Node], bool], depth: int = 0) -> bool:
        """Whether `node` certainly evaluates to an array (`.length`, `.map` and `inArray` need one; a Set, a Map
        or a one-shot iterator must not be read twice): literals, array methods, query rows, annotated names,
        and calls `returns_array` vouches for (a helper declared to return `Promise<T[]>`)."""
        node = unwrap(node)
        if depth > 4:
            return False
        if node.type == "await_expression" and node.named_children:
            return self.is_array(node.named_children[0], returns_array, depth + 1)
        if node.type == "array":
            return True
        if node.type == "binary_expression" and self.text(node.child_by_field_name("operator")) in ("??", "||"):
            right = node.child_by_field_name("right")
            return right is not None and unwrap(right).type == "array"
        if node.type == "call_expression" and node.child_by_field_name("function") is not None:
            function = unwrap(node.child_by_field_name("function"))  # type: ignore[arg-type]
            if self.text(function) in ARRAY_FUNCTIONS:
                return True
            chain = self.analyzer.vocabulary.query_chain(node)
            if chain is not None:
                return chain.method in ARRAY_READS and not chain.has_then
            if function.type == "member_expression":
                method = self.text(function.child_by_field_name("property"))
                receiver = function.child_by_field_name("object")
                if method in ARRAY_METHODS or (method in ARRAY_PRESERVING and receiver is not None
                                               and self.is_array(receiver, returns_array, depth + 1)):  # fmt: skip
                    return True
            return returns_array(node)
        if node.type == "identifier":
            declaration = self._declaration(node)
            annotation = declaration.child_by_field_name("type") if declaration is not None else None
            if annotation is not None:
                return array_type(annotation)
            value = declaration.child_by_field_name("value") if declaration is not None else None
            const = declaration is not None and declaration.parent is not None and self.text(
                declaration.parent.children[0]) == "const"  # fmt: skip
            return value is not None and const and self.is_array(value, returns_array, depth + 1)
        return False

    def declaration_of(self, identifier: Node) -> Node | None:
        """The parameter or `const`/`let` declarator that binds `identifier` in an enclosing function or the file."""
        return self._declaration(identifier)

    def _declaration(self, identifier: Node) -> Node | None:
        """The parameter or `const`/`let` declarator that binds `identifier` in an enclosing function or the file."""
        name = self.text(identifier)
        scope = identifier.parent
        while scope is not None:
            if scope.type in FUNCTION_TYPES:
                params = scope.child_by_field_name("parameters")
                for param in params.named_children if params is not None else []:
                    pattern = param.child_by_field_name("pattern")
                    if pattern is not None and self.text(pattern) == name:
                        return param
            if scope.type in FUNCTION_TYPES or scope.parent is None:
                for declarator in descendants_of_type(scope, "variable_declarator"):
                    declared = declarator.child_by_field_name("name")
                    if declared is not None and declared.type == "identifier" and self.text(declared) == name:
                        return declarator
            scope = scope.parent
        return None

    def stable(self) -> bool:
        """The list can be read again before the loop (pure, neither reassigned nor filled by the body), and the
        body does not rebind the element."""
        rebound = set().union(*(self.analyzer.binds(s) for s in self.loop.statements)) | self.mutated
        if self.loop.kind == "while-index":
            rebound.discard(self.loop.counter)
        iterable = self._view_receiver(self.loop.iterable) or self.loop.iterable  # `m.keys()` makes a fresh iterator
        return (
            self.invariant(iterable)
            and not (self.analyzer.free_reads(self.loop.iterable) & rebound)
            and not (self.element_names & rebound)
        )


def _bound_members(pattern: Node, text) -> list[tuple[str, str]] | None:  # type: ignore[no-untyped-def]
    """(name, member path) bound by a declaration's name: `x` -> [("x", "")]; `{ id, name: n }` ->
    [("id", ".id"), ("n", ".name")]; None for defaults, rest elements, nested or array patterns."""
    if pattern.type == "identifier":
        return [(text(pattern), "")]
    if pattern.type != "object_pattern":
        return None
    out = []
    for prop in pattern.named_children:
        if prop.type == "shorthand_property_identifier_pattern":
            out.append((text(prop), "." + text(prop)))
            continue
        key, value = prop.child_by_field_name("key"), prop.child_by_field_name("value")
        if prop.type != "pair_pattern" or key is None or value is None or key.type != "property_identifier" or (
                value.type != "identifier"):  # fmt: skip
            return None
        out.append((text(value), "." + text(key)))
    return out


def _walk_except(node: Node, skip: Node | None) -> list[Node]:
    found, stack = [], [node]
    while stack:
        current = stack.pop()
        if current == skip:
            continue
        found.append(current)
        stack.extend(current.children)
    return found


def array_type(annotation: Node) -> bool:
    """`T[]`, `readonly T[]`, `Array<T>`, `ReadonlyArray<T>`, tuples, and `Promise<…>` of those."""
    node = annotation.named_children[0] if annotation.type == "type_annotation" and annotation.named_children else (
        annotation)  # fmt: skip
    if node.type in ("array_type", "tuple_type"):
        return True
    if node.type == "readonly_type" and node.named_children:
        return array_type(node.named_children[-1])
    if node.type == "generic_type":
        name = node.child_by_field_name("name")
        arguments = node.child_by_field_name("type_arguments")
        kind = name.text.decode() if name is not None and name.text is not None else ""
        if kind in ("Array", "ReadonlyArray"):
            return True
        return kind == "Promise" and arguments is not None and bool(arguments.named_children) and array_type(
            arguments.named_children[0])  # fmt: skip
    return False


def collection_type(annotation: Node) -> bool:
    """`Map<K, V>`, `Set<T>`, `ReadonlyMap<…>`, `ReadonlySet<…>` (not a promise of one: a call's value as it is)."""
    node = annotation.named_children[0] if annotation.type == "type_annotation" and annotation.named_children else (
        annotation)  # fmt: skip
    name = node.child_by_field_name("name") if node.type == "generic_type" else None
    return name is not None and name.text is not None and name.text.decode() in COLLECTION_TYPES


def outside_closures(node: Node, kind: str) -> list[Node]:
    found, stack = [], [node]
    while stack:
        current = stack.pop()
        if current.type in FUNCTION_TYPES and current != node:
            continue
        if current.type == kind:
            found.append(current)
        stack.extend(current.named_children)
    return found


def _drizzle_call(node: Node, imports: dict[str, tuple[str, str]], text, drizzle=lambda m: m == "drizzle-orm"):  # type: ignore[no-untyped-def]
    """(drizzle-orm name, arguments) of a call to a function imported from drizzle-orm (or a module `drizzle`
    says re-exports it); ("", []) otherwise."""
    if node.type != "call_expression":
        return "", []
    function, args = node.child_by_field_name("function"), node.child_by_field_name("arguments")
    imported = imports.get(text(function)) if function is not None and function.type == "identifier" else None
    if imported is None or not drizzle(imported[0]) or args is None or args.type != "arguments":
        return "", []
    return imported[1], list(args.named_children)


def drizzle_call(node: Node, analyzer: EffectAnalyzer) -> tuple[str, list[Node]]:
    return _drizzle_call(unwrap(node), analyzer.imports, analyzer.text, analyzer.drizzle_module)


def _file_wide_disables(parsed: ParsedFile) -> list[str]:
    """Top-level `eslint-disable` comments, once per file (not once per loop: that was O(n²) on big files). Kept on
    the parse, dropped with its tree (an lru_cache keyed by root nodes held the last four trees to the end of the
    run, through the children lists py-tree-sitter caches on a node)."""
    found = parsed.__dict__.get("_dalfix_file_wide_disables")
    if found is None:
        comments = [c for c in parsed.root.named_children if c.type == "comment"]
        texts = ((c.text or b"").decode("utf-8", "surrogateescape") for c in comments)
        found = parsed.__dict__["_dalfix_file_wide_disables"] = [text for text in texts if "eslint-disable " in text]
    return found
