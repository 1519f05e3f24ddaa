"""Statement effects: what a statement binds, reads, awaits, how it exits, and what it does to the database.

Rules ask these questions instead of walking the tree themselves. Everything is conservative: a call
dalfix cannot classify is `unknown`, and unknown is never treated as a read or as pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from dalfix.analysis.drizzle import SQL_BUILDERS, DbEffectKind, Vocabulary, split_chain, unwrap
from dalfix.analysis.validators import pure_safe_parse
from dalfix.parsing import FUNCTION_TYPES, Node, ParsedFile, walk

if TYPE_CHECKING:
    pass

_EFFECT_ORDER: dict[DbEffectKind, int] = {"none": 0, "read": 1, "write": 2, "transaction": 3, "unknown": 4}

TYPE_NODES = frozenset(
    {
        "type_annotation",
        "type_arguments",
        "type_parameters",
        "type_identifier",
        "predefined_type",
        "interface_declaration",
        "type_alias_declaration",
        "opting_type_annotation",
        "omitting_type_annotation",
        "asserts_annotation",
        "type_predicate_annotation",
    }
)
DECLARATIONS = frozenset({"lexical_declaration", "variable_declaration"})
EXIT_STATEMENTS = {
    "return_statement": "return",
    "throw_statement": "throw",
    "break_statement": "break",
    "continue_statement": "continue",
}

PURE_GLOBAL_CALLS = frozenset(
    {
        "Number",
        "String",
        "Boolean",
        "BigInt",
        "parseInt",
        "parseFloat",
        "isNaN",
        "isFinite",
        "Math.abs",
        "Math.max",
        "Math.min",
        "Math.floor",
        "Math.ceil",
        "Math.round",
        "Math.trunc",
        "Math.sign",
        "Math.pow",
        "Math.sqrt",
        "JSON.stringify",
        "JSON.parse",
        "Array.isArray",
        "Array.from",
        "Array.of",
        "Object.keys",
        "Object.values",
        "Object.entries",
        "Object.fromEntries",
        "Date.now",
        "Promise.resolve",
        "Promise.all",
        "Promise.allSettled",
        "structuredClone",
        "encodeURIComponent",
        "decodeURIComponent",
    }
)
PURE_CONSTRUCTORS = frozenset({"Date", "Map", "Set", "Error", "TypeError", "RangeError", "URL", "RegExp", "Array"})
# Building an HTTP response sends nothing (a route handler's `return NextResponse.json({ error }, { status: 404 })`):
# the fetch API's global `Response` and Next.js's `NextResponse` imported from next/server (`json`: a body serialised
# with JSON.stringify, which is pure here too).
RESPONSE_CLASSES = {"Response": None, "NextResponse": ("next/server", "NextResponse")}
# Error classes of libraries whose construction only sets fields (a code, a message, a cause): tRPC's and Hono's, the
# errors route and procedure code throws (dokploy's services: `throw new TRPCError({ code: "NOT_FOUND", … })`).
LIBRARY_ERRORS = {
    "TRPCError": ("@trpc/server", "TRPCError"),
    "HTTPException": ("hono/http-exception", "HTTPException"),
}
# Methods that compute a new value from their receiver and arguments without side effects.
PURE_METHODS = frozenset(
    {
        "map",
        "filter",
        "reduce",
        "find",
        "findIndex",
        "findLast",
        "some",
        "every",
        "includes",
        "join",
        "slice",
        "concat",
        "flat",
        "flatMap",
        "at",
        "toString",
        "toISOString",
        "toLowerCase",
        "toUpperCase",
        "trim",
        "trimStart",
        "trimEnd",
        "split",
        "startsWith",
        "endsWith",
        "replace",
        "replaceAll",
        "getTime",
        "indexOf",
        "lastIndexOf",
        "padStart",
        "padEnd",
        "toFixed",
        "valueOf",
        "localeCompare",
        "toJSON",
        "charAt",
        "substring",
        "toLocaleString",
    }
)


# Methods of a SQL fragment (`sql\`…\``, `count()`, …) that return a fragment and send nothing.
SQL_FRAGMENT_METHODS = frozenset({"as", "mapWith", "inlineParams", "getSQL"})
# Static helpers of drizzle's `sql` tag that build a fragment.
SQL_TAG_METHODS = frozenset({"raw", "join", "empty", "identifier", "placeholder", "param"})


# Logging: `console.<m>(…)`, `logger.<m>(…)`, `log.<m>(…)`, `fooLogger.<m>(…)`, `this.logger.<m>(…)`.
LOG_METHODS = frozenset({"log", "info", "warn", "error", "debug", "trace"})
LOGGER_NAME = re.compile(r"^(console|log|logger|[A-Za-z_$][\w$]*Logger)$")
# Methods that change a collection in place (a local array, Set, Map or object the function made).
COLLECTION_MUTATORS = frozenset({"push", "unshift", "add", "set", "delete", "clear"})
# Calls that read the clock.
# Names of functions that may read the clock themselves to measure a time span from a value handed to them.
TIME_WORDS = re.compile(r"now|elapse|duration|since|ago|until|tim(e|ing)|measure|perf|stopwatch|latency", re.I)
CLOCK_CALLS = frozenset({"Date.now", "performance.now", "process.hrtime", "process.hrtime.bigint", "process.uptime"})
# Bytes the text of each clock read holds (`new Date()`, `Date.now`, `performance.now`, `process.hrtime`, ...).
_CLOCK_WORDS = (b"Date", b"performance.now", b"process.")
# Methods that read a collection (a local Map or Set the function made).
COLLECTION_READERS = frozenset({"has", "get", "keys", "values", "entries", "forEach"})
# Initial values of a local collection: `[]`, `{}`, `new Set(…)`, `new Map(…)`, `new Array(…)`.
COLLECTION_CONSTRUCTORS = frozenset({"Set", "Map", "Array", "WeakSet", "WeakMap"})


class CallSummaries(Protocol):
    """What the project knows about functions defined in the scanned tree (see `dalfix.analysis.summaries`)."""

    def call_effect(self, parsed: ParsedFile, call: Node) -> DbEffectKind | None: ...


def join(a: DbEffectKind, b: DbEffectKind) -> DbEffectKind:
    return a if _EFFECT_ORDER[a] >= _EFFECT_ORDER[b] else b


@dataclass(frozen=True)
class Effects:
    binds: frozenset[str]
    reads: frozenset[str]
    awaits: bool
    db: DbEffectKind
    exits: frozenset[str]  # return / throw / break / continue leaving the statement
    conditional: bool  # the statement decides whether parts of it run (if, ?:, &&, ??, loops)
    by_summary: bool = False  # some db effect was known only through a function summary

    @property
    def pure(self) -> bool:
        """No database effect, no unknown call, no await, no exit: safe to run earlier or later."""
        return self.db == "none" and not self.awaits and not self.exits


class EffectAnalyzer:
    """Computes `Effects` for statements and expressions of one file."""

    def __init__(self, parsed: ParsedFile, vocabulary: Vocabulary, summaries: CallSummaries | None = None):
        self.parsed = parsed
        self.vocabulary = vocabulary
        self.summaries = summaries
        from dalfix.imports import imported_names

        self.imports = imported_names(parsed)
        self._module_names: set[str] | None = None  # names the module declares at its top level, when asked
        self._summarized: Node | None = None  # the function `summary_effects` is summarizing
        self._effects_memo: dict[int, Effects] = {}  # node id -> `effects`, kept only when settled (see there)
        self._memo_generation = getattr(parsed, "generation", 0)  # a released tree's node ids mean nothing after it
        self._closures_in_progress: set[int] = set()  # local closures whose calls are being judged (recursion)
        self._clock_in_top_level: dict[tuple[int, int], bool] = {}  # (generation, top statement id) -> names a clock
        self._pure_closures: dict[tuple[int, int], bool] = {}  # (tree generation, closure id) -> judged pure

    # ---- names -------------------------------------------------------------------------------
    def text(self, node: Node) -> str:
        return self.parsed.text(node)

    def pattern_names(self, pattern: Node) -> set[str]:
        """Names a binding pattern declares (`x`, `[a, b]`, `{ a, b: c, ...d }`, defaults)."""
        return pattern_names(self.parsed, pattern)

    def _assignment_targets(self, left: Node) -> set[str]:
        left = unwrap(left)
        if left.type == "identifier":
            return {self.text(left)}
        if left.type == "member_expression":
            return {self._member_root(left)}
        if left.type == "subscript_expression":
            obj = left.child_by_field_name("object")
            return self._assignment_targets(obj) if obj is not None else set()
        return self.pattern_names(left)

    def _member_root(self, member: Node) -> str:
        """`this.x.y` -> "this.x"; `obj.a.b` -> "obj" (mutating a property mutates the object)."""
        node = member
        while True:
            obj = node.child_by_field_name("object")
            if obj is None:
                return self.text(node)
            obj = unwrap(obj)
            if obj.type == "this":
                prop = node.child_by_field_name("property")
                return "this." + (self.text(prop) if prop is not None else "")
            if obj.type in ("member_expression", "subscript_expression"):
                node = obj
                continue
            return self.text(obj)

    def free_reads(self, node: Node) -> set[str]:
        """Names read by `node` that it does not declare itself (scope-aware, closures included)."""
        reads: set[str] = set()
        self._collect_reads(node, frozenset(), reads)
        return reads

    def _collect_reads(self, node: Node, local: frozenset[str], out: set[str]) -> None:
        kind = node.type
        if kind in TYPE_NODES or kind == "comment":
            return
        if kind == "identifier" or kind == "shorthand_property_identifier":
            name = self.text(node)
            if name not in local and name != "undefined":
                out.add(name)
            return
        if kind == "member_expression":
            obj = node.child_by_field_name("object")
            if obj is not None and unwrap(obj).type == "this":
                prop = node.child_by_field_name("property")
                out.add("this." + (self.text(prop) if prop is not None else ""))
                return
            if obj is not None:
                self._collect_reads(obj, local, out)
            return  # the property is a name, not a read
        if kind in FUNCTION_TYPES or kind == "class_body":
            inner = set(local)
            params = node.child_by_field_name("parameters") or node.child_by_field_name("parameter")
            if params is not None:
                inner |= self.pattern_names(params)
                # Default values of parameters are reads in the enclosing scope.
                for default in _descendants(params, "assignment_pattern", "required_parameter", "optional_parameter"):
                    right = default.child_by_field_name("right") or default.child_by_field_name("value")
                    if right is not None:
                        self._collect_reads(right, frozenset(inner), out)
            own_name = node.child_by_field_name("name")
            if own_name is not None and kind != "method_definition":
                inner.add(self.text(own_name))
            body = node.child_by_field_name("body")
            if body is not None:
                inner |= self._declared_in_block(body)
                self._collect_reads(body, frozenset(inner), out)
            return
        if kind == "statement_block":
            scope = local | self._declared_in_block(node)
            for child in node.named_children:
                self._collect_reads(child, scope, out)
            return
        if kind == "pair":
            value = node.child_by_field_name("value")
            key = node.child_by_field_name("key")
            if key is not None and key.type == "computed_property_name":
                self._collect_reads(key, local, out)
            if value is not None:
                self._collect_reads(value, local, out)
            return
        if kind == "variable_declarator":
            value = node.child_by_field_name("value")
            if value is not None:
                self._collect_reads(value, local, out)
            declared = node.child_by_field_name("name")
            if declared is not None and declared.type != "identifier":
                for default in _descendants(declared, "assignment_pattern", "object_assignment_pattern"):
                    right = default.child_by_field_name("right")
                    if right is not None:
                        self._collect_reads(right, local, out)
            return
        if kind in ("property_identifier", "statement_identifier", "private_property_identifier"):
            return
        if kind == "assignment_expression":
            left = node.child_by_field_name("left")
            right = node.child_by_field_name("right")
            if left is not None and unwrap(left).type in ("member_expression", "subscript_expression"):
                self._collect_reads(left, local, out)
            if right is not None:
                self._collect_reads(right, local, out)
            return
        for child in node.named_children:
            self._collect_reads(child, local, out)

    def _declared_in_block(self, block: Node) -> set[str]:
        names: set[str] = set()
        for statement in block.named_children:
            if statement.type in DECLARATIONS:
                for declarator in statement.named_children:
                    name = declarator.child_by_field_name("name") if declarator.type == "variable_declarator" else None
                    if name is not None:
                        names |= self.pattern_names(name)
            elif statement.type in ("function_declaration", "class_declaration"):
                name = statement.child_by_field_name("name")
                if name is not None:
                    names.add(self.text(name))
        return names

    def binds(self, node: Node) -> set[str]:
        """Names a statement declares or assigns (outside nested functions); `this.x` for fields."""
        out: set[str] = set()
        stack = [node]
        while stack:
            current = stack.pop()
            kind = current.type
            if kind in FUNCTION_TYPES and current is not node:
                if kind == "function_declaration":
                    name = current.child_by_field_name("name")
                    if name is not None:
                        out.add(self.text(name))
                continue
            if kind == "variable_declarator":
                name = current.child_by_field_name("name")
                if name is not None:
                    out |= self.pattern_names(name)
            elif kind in ("assignment_expression", "augmented_assignment_expression"):
                left = current.child_by_field_name("left")
                if left is not None:
                    out |= self._assignment_targets(left)
            elif kind == "update_expression":
                argument = current.child_by_field_name("argument") or (
                    current.named_children[0] if current.named_children else None
                )
                if argument is not None:
                    out |= self._assignment_targets(argument)
            elif kind in ("for_in_statement",):
                left = current.child_by_field_name("left")
                if left is not None:
                    out |= self.pattern_names(left)
            stack.extend(current.named_children)
        return out

    # ---- calls and database effects --------------------------------------------------------------
    def drizzle_module(self, specifier: str) -> bool:
        """Whether names imported from `specifier` are drizzle-orm's: a drizzle package, or a project module
        that re-exports drizzle-orm (`export * from "drizzle-orm"` in a workspace's db package)."""
        if "drizzle" in specifier:
            return True
        cache: dict[str, bool] = self.__dict__.setdefault("_drizzle_modules", {})
        if specifier not in cache:
            project = getattr(self.summaries, "project", None)
            target = project.resolver.resolve(self.parsed.path, specifier) if project is not None else None
            info = self.summaries.module(target) if target is not None else None  # type: ignore[union-attr]
            cache[specifier] = info is not None and any(spec == "drizzle-orm" for _, spec, _ in info.reexports)
        return cache[specifier]

    def _reexports_drizzle(self, local: str) -> bool:
        origin = getattr(self.summaries, "external_origin", None)
        found = origin(self.parsed.path, local) if origin is not None else None
        return found is not None and found[0].startswith("drizzle-orm")

    def call_effect(self, call: Node) -> tuple[DbEffectKind, bool]:
        """(effect, known only by summary) of one call or `new` expression."""
        if call.type == "new_expression":
            constructor = call.child_by_field_name("constructor")
            name = self.text(constructor) if constructor is not None else ""
            if name in PURE_CONSTRUCTORS or self._response_class(name) or self._library_error(name):
                return "none", False
            # A project class whose construction only sets fields (its own error classes): see summaries.
            construction = getattr(self.summaries, "construction_effect", None)
            found = construction(self.parsed, call) if construction is not None else None
            return found or "unknown", False
        chain = self.vocabulary.query_chain(call)
        if chain is not None:
            return chain.kind, False
        return self._unchained_call_effect(call)

    def _unchained_call_effect(self, call: Node) -> tuple[DbEffectKind, bool]:
        """`call_effect` of a call expression that is not a query chain."""
        function = call.child_by_field_name("function")
        if function is None:
            return "unknown", False
        function = unwrap(function)
        name = self.text(function)
        if function.type == "identifier":
            imported = self.imports.get(name)
            if imported is not None and self.drizzle_module(imported[0]) and imported[1] in SQL_BUILDERS:
                return "none", False
            if imported is not None and imported[1] in SQL_BUILDERS and self._reexports_drizzle(name):
                return "none", False  # `import { eq } from "@acme/db"`, which re-exports drizzle-orm
            if name in SQL_BUILDERS and _operator_parameter(self.parsed, function, name):
                return "none", False  # `where: (t, { eq }) => eq(t.id, id)`
            if name in PURE_GLOBAL_CALLS:
                return "none", False
            if imported is not None and _pure_date_function(imported):
                return "none", False  # `addDays(d, 30)`, `format(d, "yyyy-MM-dd")`: date-fns computes, sends nothing
            if imported is None and self.local_closure_is_pure(function):
                return "none", False  # `const where = (t) => and(eq(t.orgId, orgId), …)` in the function: builds SQL
        elif function.type == "member_expression":
            obj, prop = function.child_by_field_name("object"), function.child_by_field_name("property")
            if obj is not None and prop is not None and self._is_sql_fragment_method(unwrap(obj), self.text(prop)):
                return "none", False  # sql`count(*)`.as("n"), sql`…`.mapWith(Number), sql.raw("…"), sql.join(…)
            if (
                obj is not None
                and prop is not None
                and obj.type == "identifier"
                and self.text(prop) in SQL_BUILDERS
                and self.operator_bag(obj)
            ):
                return "none", False  # `orderBy: (t, ops) => ops.desc(t.at)`
        if name in PURE_GLOBAL_CALLS:
            return "none", False
        if function.type in ("arrow_function", "function_expression", "function"):
            # `(() => { switch (op) { … } })()`: what its body does, here (its body's calls count as they are); one
            # that assigns a name from outside it (which `binds` does not see inside a function) is unknown.
            body = function.child_by_field_name("body")
            if body is None or self.changes_outer_state(body, function, clock=False):
                return "unknown", False
            db, _, _, _, by_summary = self._body_walk(function)
            return db, by_summary
        if function.type == "member_expression" and name.endswith(".json") and self._response_class(name[:-5]):
            return "none", False  # `NextResponse.json({ error: "Not found" }, { status: 404 })`
        if function.type == "member_expression" and pure_safe_parse(self.parsed, self.imports, call):
            return "none", False  # `Schema.safeParse(x)` on a zod schema that runs no project code
        if self._summarized is not None and function.type == "member_expression":
            prop, receiver = function.child_by_field_name("property"), function.child_by_field_name("object")
            if (
                prop is not None
                and receiver is not None
                and self.text(prop) in COLLECTION_MUTATORS | COLLECTION_READERS
                and self._own_collection(unwrap(receiver))
            ):
                return "none", False
        if self.summaries is not None:
            summarized = self.summaries.call_effect(self.parsed, call)
            if summarized is not None:
                return summarized, summarized != "none"
        if function.type == "member_expression":
            prop = function.child_by_field_name("property")
            if prop is not None and self.text(prop) in PURE_METHODS:
                receiver = function.child_by_field_name("object")
                # A builder method of a query chain (`db.select().from(x).where`) is not a pure value method.
                if receiver is not None and self.vocabulary.query_chain(receiver) is None:
                    return "none", False
        return "unknown", False

    def local_closure(self, identifier: Node) -> Node | None:
        """The function a name called inside a function is bound to there, when it is one dalfix can read: `const f =
        (…) => …` / `function (…) {…}`, or a `function f(…) {…}` declared in an enclosing function and never assigned.
        None for a name the file's top level declares (the project's summaries answer for those), a parameter, a
        `let`, or any other binding met first on the way out."""
        name = self.text(identifier)
        current = identifier.parent
        while current is not None and current.type != "program":
            if current.type in FUNCTION_TYPES:
                params = current.child_by_field_name("parameters") or current.child_by_field_name("parameter")
                if params is not None and name in self._parameter_names(params):
                    return None
            if current.type == "statement_block" and current.parent is not None and current.parent.type != "program":
                found = self._closure_declared_in(current, name)
                if found is not False:
                    return found  # type: ignore[return-value]
            current = current.parent
        return None

    def _parameter_names(self, params: Node) -> set[str]:
        """The names a function's parameters (or its one bare parameter, `x => …`) bind."""
        if params.type == "identifier":
            return self.pattern_names(params)
        return {n for p in params.named_children for n in self.pattern_names(p.child_by_field_name("pattern") or p)}

    def _closure_declared_in(self, block: Node, name: str) -> Node | None | bool:
        """The closure `name` is bound to by a statement of `block`, None when a statement binds it otherwise,
        False when none binds it."""
        for child in block.named_children:
            if child.type == "function_declaration":
                own = child.child_by_field_name("name")
                if own is None or self.text(own) != name:
                    continue
                assigned = any(
                    name in self._assignment_targets(a.child_by_field_name("left") or a)
                    for a in _descendants(block, "assignment_expression", "augmented_assignment_expression")
                )
                return None if assigned else child
            if child.type not in ("lexical_declaration", "variable_declaration"):
                continue
            for declarator in child.named_children:
                target = declarator.child_by_field_name("name") if declarator.type == "variable_declarator" else None
                if target is None or name not in self.pattern_names(target):
                    continue
                value = declarator.child_by_field_name("value")
                value = unwrap(value) if value is not None else None
                if target.type != "identifier" or self.text(child.children[0]) != "const" or value is None:
                    return None
                return value if value.type in ("arrow_function", "function_expression", "function") else None
        return False

    def operator_bag(self, identifier: Node, depth: int = 0) -> bool:
        """Whether `identifier` holds drizzle's operators: the operators parameter of a `where`/`orderBy` callback
        (`(t, ops) => ops.eq(…)`), or a parameter of a local closure (`local_closure`) that every call of it hands
        such a bag (`{ and, eq, sql }` of drizzle's own builders, or a callback's `ops`), its name used nowhere but
        in those calls (unkey's `buildFilterConditions(key, helpers)`)."""
        name = self.text(identifier)
        if _operator_parameter(self.parsed, identifier, name):
            return True
        if depth > 3:
            return False
        function, index = _owner_function(identifier), None
        while function is not None:
            params = function.child_by_field_name("parameters")
            plain = [p.child_by_field_name("pattern") or p for p in params.named_children] if params is not None else []
            index = next((i for i, p in enumerate(plain) if p.type == "identifier" and self.text(p) == name), None)
            if index is not None:
                break
            if params is not None and any(name in self.pattern_names(p) for p in plain):
                return False  # bound by a pattern
            function = _owner_function(function)
        if function is None or index is None:
            return False
        declarator = function.parent
        own = declarator.child_by_field_name("name") if declarator is not None and declarator.type == (
            "variable_declarator") else None  # fmt: skip
        scope = _owner_function(function)
        if own is None or own.type != "identifier" or scope is None or self.local_closure_at(own) != function:
            return False
        uses = [n for n in _descendants(scope, "identifier", "shorthand_property_identifier")
                if n != own and self.text(n) == self.text(own)]  # fmt: skip
        if not uses:
            return False
        for use in uses:
            call = use.parent
            if call is None or call.type != "call_expression" or call.child_by_field_name("function") != use:
                return False  # handed on, or read: its callers are not all here
            args = call.child_by_field_name("arguments")
            given = args.named_children if args is not None else []
            if index >= len(given) or not self._operators_given(unwrap(given[index]), depth):
                return False
        return True

    def local_closure_at(self, name: Node) -> Node | None:
        """The closure a `const` declarator's name binds, when `local_closure` would find it from its uses."""
        declarator = name.parent
        value = declarator.child_by_field_name("value") if declarator is not None else None
        value = unwrap(value) if value is not None else None
        declaration = declarator.parent if declarator is not None else None
        if value is None or declaration is None or value.type not in ("arrow_function", "function_expression",
                                                                        "function"):  # fmt: skip
            return None
        return value if self.text(declaration.children[0]) == "const" else None

    def _operators_given(self, argument: Node, depth: int) -> bool:
        """`{ and, eq, sql }` naming only drizzle's own builders, or a name that holds such a bag."""
        if argument.type == "identifier":
            return self.operator_bag(argument, depth + 1)
        if argument.type != "object" or not argument.named_children:
            return False
        for entry in argument.named_children:
            if entry.type == "shorthand_property_identifier":
                if self.text(entry) not in SQL_BUILDERS or not self._is_drizzle_builder(entry, self.text(entry)):
                    return False
            elif entry.type == "pair":
                key, value = entry.child_by_field_name("key"), entry.child_by_field_name("value")
                value = unwrap(value) if value is not None else None
                if key is None or value is None or value.type != "identifier" or self.text(key) != self.text(
                        value) or self.text(value) not in SQL_BUILDERS or not self._is_drizzle_builder(
                        value, self.text(value)):  # fmt: skip
                    return False
            elif entry.type != "comment":
                return False
        return True

    def local_closure_is_pure(self, identifier: Node) -> bool:
        """Whether calling the local closure `identifier` names (`local_closure`) only computes: its body sends no
        query, calls nothing dalfix cannot follow, awaits and throws nothing, and assigns or fills nothing but
        what it declares itself (the collections it makes, `conditions.push(eq(…))`). A condition builder
        (`const build = (t) => and(eq(t.orgId, orgId), …)`) is one. A clock it reads counts where it is called
        (`samples_clock`)."""
        closure = self.local_closure(identifier)
        if closure is None or closure.id in self._closures_in_progress:
            return False
        key = (getattr(self.parsed, "generation", 0), closure.id)
        known = self._pure_closures.get(key)
        if known is None:
            known = self._closure_is_pure(closure)
            if self._settled():  # every summary it asked is final (as for the effects memo)
                self._pure_closures[key] = known
        return known

    def _closure_is_pure(self, closure: Node) -> bool:
        self._closures_in_progress.add(closure.id)
        outer, self._summarized = self._summarized, closure
        try:
            db, awaits, exits, _, _ = self._body_walk(closure)
            body = closure.child_by_field_name("body")
            return (
                db == "none"
                and not awaits
                and "throw" not in exits
                and body is not None
                and not self.changes_outer_state(body, closure, clock=False)
            )
        finally:
            self._summarized = outer
            self._closures_in_progress.discard(closure.id)

    def _response_class(self, name: str) -> bool:
        """`name` is the fetch API's `Response` (not imported from elsewhere) or next/server's `NextResponse`."""
        if name not in RESPONSE_CLASSES or self.imports.get(name) != RESPONSE_CLASSES[name]:
            return False
        if self._module_names is None:
            self._module_names = self._declared_in_block(self.parsed.root)
        return name not in self._module_names  # not `class Response` or `declare const Response` of the file

    def _library_error(self, name: str) -> bool:
        """`name` is imported as tRPC's `TRPCError` or Hono's `HTTPException` (`LIBRARY_ERRORS`)."""
        return name in LIBRARY_ERRORS and self.imports.get(name) == LIBRARY_ERRORS[name]

    def _is_sql_fragment_method(self, receiver: Node, method: str) -> bool:
        """A method of drizzle's `sql` tag or of a SQL fragment it (or another SQL builder) made: building the
        fragment sends nothing and changes nothing (`.as` names it, `.mapWith` sets its decoder)."""
        if receiver.type == "identifier":
            return method in SQL_TAG_METHODS and self._is_drizzle_builder(receiver, "sql")
        if receiver.type == "member_expression" and method in SQL_TAG_METHODS:  # `ops.sql.join(…)`, `ops.sql.raw(…)`
            bag, prop = receiver.child_by_field_name("object"), receiver.child_by_field_name("property")
            bag = unwrap(bag) if bag is not None else None
            return (bag is not None and bag.type == "identifier" and prop is not None and self.text(prop) == "sql"
                    and self.operator_bag(bag))  # fmt: skip
        if receiver.type != "call_expression" or method not in SQL_FRAGMENT_METHODS:
            return False
        function = receiver.child_by_field_name("function")
        function = unwrap(function) if function is not None else None
        if function is None:
            return False
        if function.type == "identifier":
            return self.text(function) in SQL_BUILDERS and self._is_drizzle_builder(function, self.text(function))
        if function.type == "member_expression":
            obj, prop = function.child_by_field_name("object"), function.child_by_field_name("property")
            return obj is not None and prop is not None and self._is_sql_fragment_method(unwrap(obj), self.text(prop))
        return False

    def _is_drizzle_builder(self, name_node: Node, name: str) -> bool:
        """Whether the identifier `name` is drizzle-orm's SQL builder of that name (imported, or re-exported)."""
        if self.text(name_node) != name:
            return False
        imported = self.imports.get(name)
        if imported is None or imported[1] != name:
            return False
        return self.drizzle_module(imported[0]) or self._reexports_drizzle(name)

    # ---- logging and local mutations (movable, not pure) --------------------------------------
    def is_logging_call(self, call: Node) -> bool:
        """`console.info(…)`, `logger.warn(…)`, `this.logger.error(…)` … with pure arguments.

        A logger is the global `console`, or a name spelled like one (`log`, `logger`, `*Logger`, `this.logger`)
        that is not the result of an `await` in this file (`const log = await …` is a row, not a logger).
        Logging writes no database rows; where it may move is the caller's decision (it stays in order with
        other statements that exit or log).
        """
        call = unwrap(call)
        if call.type != "call_expression" or _is_optional_call(call):
            return False
        function = call.child_by_field_name("function")
        function = unwrap(function) if function is not None else None
        if function is None or function.type != "member_expression":
            return False
        prop, receiver = function.child_by_field_name("property"), function.child_by_field_name("object")
        if prop is None or receiver is None or self.text(prop) not in LOG_METHODS:
            return False
        receiver = unwrap(receiver)
        if not self._is_logger(receiver):
            return False
        args = call.child_by_field_name("arguments")
        return args is not None and all(self.effects(a).pure for a in args.named_children)

    def _is_logger(self, receiver: Node) -> bool:
        if receiver.type == "member_expression":
            inner, prop = receiver.child_by_field_name("object"), receiver.child_by_field_name("property")
            return (
                inner is not None
                and prop is not None
                and unwrap(inner).type == "this"
                and self.text(prop) in ("logger", "log")
            )
        name = self.text(receiver)
        if receiver.type != "identifier" or not LOGGER_NAME.match(name):
            return False
        if name == "console":
            return "console" not in self.imports  # the global, not something imported under its name
        # `const log = await …` is a row, not a logger.
        for declarator in _descendants(self.parsed.root, "variable_declarator"):
            target, value = declarator.child_by_field_name("name"), declarator.child_by_field_name("value")
            if (
                target is not None
                and value is not None
                and name in self.pattern_names(target)
                and _descendants(value, "await_expression")
            ):
                return False
        return True

    def logging_statement(self, statement: Node) -> bool:
        """An expression statement that is one logging call (see `is_logging_call`)."""
        return (
            statement.type == "expression_statement"
            and bool(statement.named_children)
            and self.is_logging_call(statement.named_children[0])
        )

    def local_collection_mutation(self, statement: Node, function: Node) -> str | None:
        """The local collection `statement` only fills: `ids.push(x)`, `seen.add(id)`, `byId.set(k, v)`.

        The name must be declared in `function` as `const x = []` / `{}` / `new Set(…)` / `new Map(…)` and
        never handed on as a value (`const y = x`, `f(x)`, `return x`) before `statement`'s function ends, so
        the call changes nothing any other code can see but later uses of `x` itself — which the caller
        treats as a binding of `x`. Arguments must be pure. None when the statement is anything else.
        """
        if statement.type != "expression_statement" or not statement.named_children:
            return None
        call = unwrap(statement.named_children[0])
        if call.type != "call_expression" or _is_optional_call(call):
            return None
        function_node = call.child_by_field_name("function")
        member = unwrap(function_node) if function_node is not None else None
        if member is None or member.type != "member_expression":
            return None
        prop, receiver = member.child_by_field_name("property"), member.child_by_field_name("object")
        if prop is None or receiver is None or self.text(prop) not in COLLECTION_MUTATORS:
            return None
        receiver = unwrap(receiver)
        if receiver.type != "identifier":
            return None
        name = self.text(receiver)
        args = call.child_by_field_name("arguments")
        if args is None or not all(self.effects(a).pure for a in args.named_children):
            return None
        return name if self._owned_collection(name, function) else None

    def _owned_collection(self, name: str, function: Node) -> bool:
        if not self._fresh_collection(name, function):
            return False
        # Never stored where another name could see it change (`const y = x`, `{ x }`, `[x]`, `o.p = x`);
        # uses as a receiver or an argument read it where they stand, which the caller orders.
        for use in _descendants(function, "identifier", "shorthand_property_identifier"):
            if self.text(use) != name:
                continue
            parent = use.parent
            if use.type == "shorthand_property_identifier" or parent is None:
                return False
            if parent.type == "variable_declarator" and parent.child_by_field_name("value") == use:
                return False
            if parent.type == "assignment_expression" and parent.child_by_field_name("right") == use:
                return False
            if parent.type in ("pair", "array"):
                return False
        return True

    def _own_slot(self, target: Node) -> bool:
        """`out[k]` or `out.p` where `out` is a collection the summarized function created (`_own_collection`)."""
        if self._summarized is None:
            return False
        holder = target.child_by_field_name("object")
        return holder is not None and self._own_collection(unwrap(holder))

    def _own_collection(self, node: Node) -> bool:
        """A collection only the summarized function holds: a name it declared as a new collection
        (`_fresh_collection`), the accumulator of a `reduce` it runs from a new collection (`_fresh_accumulator`),
        or one level inside either — `out[k]`, `out.p`, `byKey.get(k)` — when every value the function stores in
        that collection's slots is itself new (`out[k] ??= []`, `byKey.set(k, [])`): then `out[k].push(row)` fills
        an array nobody else holds. (`out[k] = row` stores the caller's row: a slot of it is not the function's.)"""
        assert self._summarized is not None
        if node.type == "non_null_expression" and node.named_children:
            node = unwrap(node.named_children[0])
        if node.type == "identifier":
            fresh = self._fresh_collection(self.text(node), self._summarized)
            return fresh or self._fresh_accumulator(node) is not None
        holder: Node | None = None
        if node.type in ("member_expression", "subscript_expression"):
            holder = node.child_by_field_name("object")
        elif node.type == "call_expression":  # `byKey.get(k)`
            function = node.child_by_field_name("function")
            prop = function.child_by_field_name("property") if function is not None else None
            if function is not None and function.type == "member_expression" and prop is not None:
                holder = function.child_by_field_name("object") if self.text(prop) == "get" else None
        holder = unwrap(holder) if holder is not None else None
        if holder is None or holder.type != "identifier":
            return False
        name = self.text(holder)
        if self._fresh_collection(name, self._summarized):
            return self._slots_hold_new(name, self._summarized)
        scope = self._fresh_accumulator(holder)
        return scope is not None and self._slots_hold_new(name, scope)

    def _fresh_accumulator(self, use: Node) -> Node | None:
        """The callback whose accumulator `use` names, when it is `rows.reduce((acc, row) => { …; return acc; }, {})`
        inside the summarized function: started from a new collection, every return hands `acc` itself on, and
        `acc` is never assigned, so every iteration's `acc` is that new collection."""
        name = self.text(use)
        scope = use.parent
        while scope is not None and scope.type not in FUNCTION_TYPES:
            scope = scope.parent
        params = scope.child_by_field_name("parameters") if scope is not None else None
        first = params.named_children[0] if params is not None and params.named_children else None
        pattern = first.child_by_field_name("pattern") if first is not None else None
        if scope is None or pattern is None or self.text(pattern) != name or self._summarized is None:
            return None
        if not (self._summarized.start_byte <= scope.start_byte and scope.end_byte <= self._summarized.end_byte):
            return None
        args = scope.parent
        call = args.parent if args is not None and args.type == "arguments" else None
        function = call.child_by_field_name("function") if call is not None else None
        prop = function.child_by_field_name("property") if function is not None else None
        values = [a for a in args.named_children if a.type != "comment"] if args is not None else []
        if prop is None or self.text(prop) != "reduce" or len(values) != 2 or values[0] != scope:
            return None
        if not self._new_value(unwrap(values[1])):
            return None
        body = scope.child_by_field_name("body")
        if body is None or body.type != "statement_block":
            return None
        returns = [r for r in _descendants(body, "return_statement") if _owner_function(r) == scope]
        if not returns or any(
            len(r.named_children) != 1 or self.text(unwrap(r.named_children[0])) != name for r in returns
        ):
            return None
        for assignment in _descendants(body, "assignment_expression"):
            left = assignment.child_by_field_name("left")
            if left is not None and unwrap(left).type == "identifier" and self.text(unwrap(left)) == name:
                return None
        return scope

    def _slots_hold_new(self, name: str, scope: Node) -> bool:
        """Every value `scope` stores into a slot of `name` (`name[k] = v`, `name.p ??= v`, `name.set(k, v)`) is a
        new collection, and `name` is never handed to a call (`Object.assign(name, …)` could store anything). At
        least one is: with none, `name[k]` is no slot the function filled."""
        stored = False
        for node in _descendants(scope, "assignment_expression", "augmented_assignment_expression", "call_expression"):
            if node.type == "call_expression":
                function = node.child_by_field_name("function")
                args = node.child_by_field_name("arguments")
                values = [unwrap(a) for a in args.named_children] if args is not None else []
                if any(v.type == "identifier" and self.text(v) == name for v in values):
                    return False
                if function is None or function.type != "member_expression":
                    continue
                receiver, prop = function.child_by_field_name("object"), function.child_by_field_name("property")
                if receiver is None or prop is None or self.text(unwrap(receiver)) != name:
                    continue
                if self.text(prop) == "set" and (len(values) != 2 or not self._new_value(values[1])):
                    return False
                if self.text(prop) in ("push", "unshift", "add") and not all(self._new_value(v) for v in values):
                    return False
                stored = stored or self.text(prop) in ("set", "push", "unshift", "add")
                continue
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            left = unwrap(left) if left is not None else None
            if left is None or left.type not in ("member_expression", "subscript_expression"):
                continue
            holder = left.child_by_field_name("object")
            if holder is None or unwrap(holder).type != "identifier" or self.text(unwrap(holder)) != name:
                continue
            if right is None or not self._new_value(unwrap(right)):
                return False
            stored = True
        return stored

    def _new_value(self, value: Node) -> bool:
        """A new collection built of pure parts: `[]`, `{}`, `[x]`, `{ ...row }`, `new Map()`, `new Set(ids)`."""
        if value.type in ("array", "object"):
            return self.effects(value).pure
        if value.type == "new_expression":
            constructor = value.child_by_field_name("constructor")
            args = value.child_by_field_name("arguments")
            return (
                constructor is not None
                and self.text(constructor) in COLLECTION_CONSTRUCTORS
                and (args is None or all(self.effects(a).pure for a in args.named_children))
            )
        return False

    def _fresh_collection(self, name: str, function: Node) -> bool:
        """`name` is declared once in `function`, `const`, as a new collection: `[]`, `{}`, `new Map(…)`, …"""
        declared = False
        for declarator in _descendants(function, "variable_declarator"):
            target, value = declarator.child_by_field_name("name"), declarator.child_by_field_name("value")
            if target is None or self.text(target) != name:
                continue
            parent = declarator.parent
            kind = parent.children[0].type if parent is not None and parent.children else ""
            if declared or kind != "const" or value is None or target.type != "identifier":
                return False  # declared twice (shadowing), `let`, or destructured: not obviously ours
            value = unwrap(value)
            if value.type == "new_expression":
                constructor = value.child_by_field_name("constructor")
                args = value.child_by_field_name("arguments")
                if constructor is None or self.text(constructor) not in COLLECTION_CONSTRUCTORS:
                    return False
                if args is not None and not all(self.effects(a).pure for a in args.named_children):
                    return False
            elif value.type not in ("array", "object") or not self.effects(value).pure:
                return False
            declared = True
        return declared

    def effects(self, node: Node) -> Effects:
        """What `node` binds, reads, awaits, does to the database and how it exits.

        Memoised per node outside function summaries: an answer is kept only when it was computed with no summary
        or handle driver under way, so every summary it consulted was final (cached) and asking again would consult
        the same cached summaries; while this analyzer summarizes a function (`_summarized`), calls on collections
        that function creates read differently, so nothing is read from or written to the memo then."""
        if self._summarized is not None:
            return self._effects(node)
        generation = getattr(self.parsed, "generation", 0)
        if generation != self._memo_generation:  # the file's tree was let go and parsed again: other nodes
            self._effects_memo.clear()
            self._memo_generation = generation
        cached = self._effects_memo.get(node.id)
        if cached is not None:
            return cached
        found = self._effects(node)
        if self._settled():
            self._effects_memo[node.id] = found
        return found

    def _settled(self) -> bool:
        summaries = self.summaries
        return summaries is None or (
            not getattr(summaries, "_in_progress", None) and not getattr(summaries, "_drivers_pending", 0)
        )

    def _effects(self, node: Node) -> Effects:
        db, awaits, exits, conditional, by_summary = self._walk(node)
        return Effects(
            binds=frozenset(self.binds(node)),
            reads=frozenset(self.free_reads(node)),
            awaits=awaits,
            db=db,
            exits=exits,
            conditional=conditional,
            by_summary=by_summary,
        )

    def _body_walk(self, function: Node) -> tuple[DbEffectKind, bool, frozenset[str], bool, bool]:
        """`_walk` of a function's body (what `effects_of_body` keeps of it, before names)."""
        body = function.child_by_field_name("body")
        return self._walk(body) if body is not None else ("none", False, frozenset(), False, False)

    def _walk(self, node: Node) -> tuple[DbEffectKind, bool, frozenset[str], bool, bool]:
        """(db, awaits, exits, conditional, by_summary) of `node`: `effects` without the names it binds and reads,
        which closures and function summaries do not need (only their db effect counts where they are)."""
        db: DbEffectKind = "none"
        awaits = False
        exits: set[str] = set()
        conditional = False
        by_summary = False
        stack = [node]
        while stack:
            current = stack.pop()
            kind = current.type
            if kind in TYPE_NODES or kind == "comment":
                continue
            if kind in FUNCTION_TYPES and current is not node:
                # A closure's body runs when it is called; calls it makes count where it is passed
                # (a callback of `.map`) — conservatively, as if it ran here. Its awaits and exits are its own.
                inner_db, _, _, _, inner_by_summary = self._body_walk(current)
                db = join(db, inner_db)
                by_summary = by_summary or inner_by_summary
                continue
            if kind == "await_expression":
                awaits = True
            elif kind in EXIT_STATEMENTS:
                exits.add(EXIT_STATEMENTS[kind])
            elif kind in (
                "if_statement",
                "ternary_expression",
                "switch_statement",
                "for_statement",
                "for_in_statement",
                "while_statement",
                "do_statement",
                "try_statement",
            ):
                conditional = True
            elif kind == "binary_expression":
                operator = current.child_by_field_name("operator")
                if operator is not None and self.text(operator) in ("&&", "||", "??"):
                    conditional = True
            elif kind in ("call_expression", "new_expression"):
                if kind == "call_expression" and _is_optional_call(current):
                    conditional = True
                chain = self.vocabulary.query_chain(current) if kind == "call_expression" else None
                if chain is not None:  # `call_effect` of a chain, without asking for the chain twice
                    effect, summarized = chain.kind, False
                elif kind == "call_expression":
                    effect, summarized = self._unchained_call_effect(current)
                else:
                    effect, summarized = self.call_effect(current)
                db = join(db, effect)
                by_summary = by_summary or summarized
                if chain is not None:
                    # The chain's own builder calls are part of this one query; its arguments may hold more.
                    for link in chain.links:
                        if link.call is not None:
                            args = link.call.child_by_field_name("arguments")
                            if args is not None:
                                stack.extend(args.named_children)
                    continue
            elif kind in ("assignment_expression", "augmented_assignment_expression", "update_expression"):
                target = current.child_by_field_name("left") or current.child_by_field_name("argument")
                # Mutating an object others may hold: not a pure computation. Except, in a function being
                # summarized, a slot of an object or array it made itself (`const byId = {}; byId[k] = row`):
                # nobody else holds it until it is returned (one level only: `byId[k].n = 1` changes
                # whatever was stored there, which may be the caller's).
                if (
                    target is not None
                    and unwrap(target).type in ("member_expression", "subscript_expression")
                    and not self._own_slot(unwrap(target))
                ):
                    db = join(db, "unknown")
            elif kind in ("delete", "yield_expression"):
                db = join(db, "unknown")
            stack.extend(current.children)
        return db, awaits, frozenset(exits), conditional, by_summary

    def samples_clock(self, node: Node) -> bool:
        """Whether `node` reads the clock (`Date.now()`, `new Date()`, `performance.now()`, `process.hrtime`): pure,
        but what it reads depends on when it runs, so a query must not move across it (a duration measured
        around a read would measure nothing)."""
        source, start, end = self.parsed.source, node.start_byte, node.end_byte
        if all(source.find(word, start, end) < 0 for word in _CLOCK_WORDS) and not self._clock_around(node):
            return False  # no clock's text is there: not walked (DAL001 asks of every statement it groups past)
        for current in walk(node):
            if current.type == "new_expression":
                constructor, args = current.child_by_field_name("constructor"), current.child_by_field_name("arguments")
                if constructor is not None and self.text(constructor) == "Date" and not (args and args.named_children):
                    return True
            elif current.type == "call_expression":
                function = current.child_by_field_name("function")
                if function is not None and self.text(unwrap(function)) in CLOCK_CALLS:
                    return True
                if function is not None and unwrap(function).type == "identifier" and self._closure_samples_clock(
                        unwrap(function)):  # fmt: skip
                    return True
        return False

    def keeps_the_time(self, statement: Node, function: Node) -> bool:
        """Whether `statement` reads the wall clock only to keep the time (`const issueDate = input.issueDate || new
        Date().toISOString()`, `const checkedAt = new Date()`), not to time anything: a pure `const`/`let` declaration
        whose clock readings are `new Date()` / `Date.now()` (never `performance.now()` or `process.hrtime`, which only
        time), and no use in `function` of what it binds (or what is computed from that) meets another clock reading
        or a name bound to one in one expression (`Date.now() - start`, `end - start`, `elapsed(start, Date.now())`),
        nor reaches a call dalfix cannot follow whose name speaks of time (`formatDistanceToNow(start)`,
        `metrics.timing(start)`). A read moved above it changes the time it keeps by about a round trip."""
        if statement.type != "lexical_declaration" or not self.effects(statement).pure:
            return False
        if any(n.type in FUNCTION_TYPES for n in walk(statement)):
            return False
        for node in walk(statement):
            if node.type == "call_expression":
                callee = node.child_by_field_name("function")
                if callee is not None and self.text(unwrap(callee)) in CLOCK_CALLS - {"Date.now"}:
                    return False
        derived = set(self.binds(statement))
        clock_names: set[str] = set()
        for declarator in _descendants(function, "variable_declarator"):
            value, name = declarator.child_by_field_name("value"), declarator.child_by_field_name("name")
            if value is None or name is None or declarator.start_byte < statement.end_byte:
                continue
            reads = self.free_reads(value)
            if reads & derived:
                derived |= self.pattern_names(name)  # `const dueDate = addDays(new Date(issueDate), n)`
            elif self.samples_clock(value):
                clock_names |= self.pattern_names(name)
        for declarator in _descendants(function, "variable_declarator"):
            value, name = declarator.child_by_field_name("value"), declarator.child_by_field_name("name")
            if value is not None and name is not None and declarator.end_byte <= statement.start_byte and (
                    self.samples_clock(value)):  # fmt: skip
                clock_names |= self.pattern_names(name)  # `const started = Date.now()` earlier
        clock_names -= derived
        for node in walk(function):
            if node.start_byte < statement.end_byte or node.type not in (
                    "binary_expression", "call_expression", "new_expression"):  # fmt: skip
                continue
            reads = self.free_reads(node)
            if not reads & derived:
                continue
            if node.type == "binary_expression" and (self.samples_clock(node) or reads & clock_names):
                return False
            if node.type != "binary_expression":
                args = node.child_by_field_name("arguments")
                given = self.free_reads(args) if args is not None else set()
                if not given & derived:
                    continue
                if (args is not None and self.samples_clock(args)) or given & clock_names:
                    return False
                callee = node.child_by_field_name("function") or node.child_by_field_name("constructor") or node
                if self.call_effect(node)[0] == "unknown" and TIME_WORDS.search(self.text(callee)):
                    return False
        return True

    def _clock_around(self, node: Node) -> bool:
        """Whether the top-level statement holding `node` names a clock anywhere: a local closure `node` calls is
        declared in an enclosing function (`const now = () => Date.now();` … `const started = now();`), so a clock
        that is not in `node`'s own bytes may still be read by its call."""
        top = node
        while top.parent is not None and top.parent.type != "program":
            top = top.parent
        key = (getattr(self.parsed, "generation", 0), top.id)
        known = self._clock_in_top_level.get(key)
        if known is None:
            source, start, end = self.parsed.source, top.start_byte, top.end_byte
            known = self._clock_in_top_level[key] = any(source.find(w, start, end) >= 0 for w in _CLOCK_WORDS)
        return known

    def _closure_samples_clock(self, identifier: Node) -> bool:
        """A local closure called here reads the clock (`const stamp = () => new Date()`): so does its call."""
        if self.text(identifier) in self.imports:
            return False
        closure = self.local_closure(identifier)
        if closure is None or closure.id in self._closures_in_progress:
            return False
        body = closure.child_by_field_name("body")
        self._closures_in_progress.add(closure.id)
        try:
            return body is not None and self.samples_clock(body)
        finally:
            self._closures_in_progress.discard(closure.id)

    def changes_outer_state(self, node: Node, boundary: Node, clock: bool = True) -> bool:
        """Whether running `node` (inside the function or class member `boundary`) assigns a name declared outside
        `boundary` (`hits++` on a module-level counter, `cache = …`) or reads the clock: a call of `boundary` that
        does is not a pure computation for its callers, who cannot see that state or that time (a summary or a
        constructor: inside the analysed function the caller's `binds` sees such names itself)."""
        if clock and self.samples_clock(node):
            return True
        for current in walk(node):
            if current.type in ("assignment_expression", "augmented_assignment_expression"):
                target = current.child_by_field_name("left")
            elif current.type == "update_expression":
                target = current.child_by_field_name("argument") or (
                    current.named_children[0] if current.named_children else None
                )
            else:
                continue
            target = unwrap(target) if target is not None else None
            if target is None:
                continue
            if target.type == "identifier":
                names = {self.text(target)}
            elif target.type in ("array_pattern", "object_pattern"):
                names = self.pattern_names(target)
            else:
                continue  # a member or subscript: the effects walk already counts it
            if any(not self._declared_between(current, boundary, name) for name in names):
                return True
        return False

    def _declared_between(self, node: Node, boundary: Node, name: str) -> bool:
        """Whether `name`, used at `node`, is declared in a scope between it and `boundary` (included): the scopes'
        names as `locally_bound` reads them (schema/reader.py `scope_names`)."""
        from dalfix.analysis.schema.reader import scope_names

        raw = name.encode("utf-8", "surrogateescape")
        scope = node.parent
        while scope is not None:
            if raw in scope_names(scope):
                return True
            if scope == boundary:  # node wrappers are made afresh on each walk: compared by equality
                return False
            scope = scope.parent
        return False

    def summary_effects(self, function: Node) -> Effects:
        """`effects_of_body` for a function summary: what a call of `function` does to the world outside it. Filling
        or reading a collection the call itself creates (`const byId = new Map()` … `byId.set(k, v)`) is invisible
        there, whatever it does to the order of the function's own statements."""
        outer, self._summarized = self._summarized, function
        try:
            return self.effects_of_body(function)
        finally:
            self._summarized = outer

    def summary_effect(self, function: Node) -> DbEffectKind:
        """`summary_effects(function).db`, without collecting the names the body binds and reads."""
        outer, self._summarized = self._summarized, function
        try:
            return self._body_walk(function)[0]
        finally:
            self._summarized = outer

    def effects_of_body(self, function: Node) -> Effects:
        body = function.child_by_field_name("body")
        if body is None:
            return Effects(frozenset(), frozenset(), False, "none", frozenset(), False)
        inner = self.effects(body)
        return Effects(frozenset(), inner.reads, False, inner.db, frozenset(), inner.conditional, inner.by_summary)


# date-fns functions that read the clock themselves (the rest compute from the dates they are handed).
DATE_FNS_CLOCK = re.compile(r"Now|Today|Tomorrow|Yesterday|^isThis|^isPast$|^isFuture$")


def _pure_date_function(imported: tuple[str, str]) -> bool:
    """A function imported from date-fns (`date-fns`, `date-fns/addDays`) that does not read the clock: it returns a
    new value computed from its arguments (date-fns never changes a date it is handed)."""
    module, name = imported
    if module != "date-fns" and not module.startswith("date-fns/"):
        return False
    return name.isidentifier() and name not in ("default", "*") and not DATE_FNS_CLOCK.search(name)


def _is_optional_call(call: Node) -> bool:
    return any(child.type == "optional_chain" for child in call.children)


def _owner_function(node: Node) -> Node | None:
    current = node.parent
    while current is not None and current.type not in FUNCTION_TYPES:
        current = current.parent
    return current


def _descendants(node: Node, *types: str) -> list[Node]:
    out = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in types:
            out.append(current)
        stack.extend(current.named_children)
    return out


def chain_root_text(parsed: ParsedFile, node: Node) -> str:
    root, _ = split_chain(node)
    return parsed.text(root)


def depends_on(later: Effects, earlier: Effects) -> bool:
    """Whether `later` must stay after `earlier`: a true, anti or output dependence on a name."""
    return bool(
        later.reads & earlier.binds
        or later.binds & earlier.reads
        or later.binds & earlier.binds
        # `this.x` read after `this` escapes, or any read of a mutated object root.
        or any(r.startswith("this.") for r in later.reads)
        and "this" in earlier.binds
    )


# Keys of a relational query's config whose callbacks receive Drizzle's operators (`{ eq, and, desc }`).
OPERATOR_CALLBACK_KEYS = frozenset({"where", "orderBy", "extras", "having"})


def _operator_parameter(parsed: ParsedFile, at: Node, name: str) -> bool:
    """Whether `name` at `at` is bound by the operators parameter of a `where`/`orderBy` callback:
    `(t, { eq }) => …` (destructured) or `(t, ops) => …` (the second parameter)."""
    current = at.parent
    while current is not None:
        if current.type in FUNCTION_TYPES:
            params = current.child_by_field_name("parameters")
            second = params.named_children[1] if params is not None and len(params.named_children) > 1 else None
            pattern = second.child_by_field_name("pattern") if second is not None else None
            if pattern is not None:
                names = {
                    parsed.text(n)
                    for n in walk(pattern)
                    if n.type in ("identifier", "shorthand_property_identifier_pattern")
                }
                if name in names:
                    pair = current.parent
                    key = pair.child_by_field_name("key") if pair is not None and pair.type == "pair" else None
                    return key is not None and parsed.text(key) in OPERATOR_CALLBACK_KEYS
            if params is not None and any(
                n.type in ("identifier", "shorthand_property_identifier_pattern") and parsed.text(n) == name
                for n in walk(params)
            ):
                return False  # bound by some other parameter
        current = current.parent
    return False


def pattern_names(parsed: ParsedFile, pattern: Node) -> set[str]:
    """Names a binding pattern declares (`x`, `[a, b]`, `{ a, b: c, ...d }`, defaults): not a pair's key, not a
    default's value, not a type."""
    names: set[str] = set()
    stack = [pattern]
    while stack:
        node = stack.pop()
        if node.type in ("identifier", "shorthand_property_identifier_pattern"):
            names.add(parsed.text(node))
        elif node.type == "pair_pattern":
            value = node.child_by_field_name("value")
            if value is not None:
                stack.append(value)
        elif node.type in ("assignment_pattern", "object_assignment_pattern"):
            left = node.child_by_field_name("left")
            if left is not None:
                stack.append(left)  # the default's value declares nothing
        elif node.type in ("required_parameter", "optional_parameter"):
            inner = node.child_by_field_name("pattern")
            if inner is not None:
                stack.append(inner)
        elif node.type in TYPE_NODES:
            continue
        else:
            stack.extend(node.named_children)
    return names
