"""Reading Drizzle schema declarations from TypeScript into a SchemaModel.

Tables are found by what their constructor resolves to (an import of pgTable/sqliteTable/mysqlTable/
singlestoreTable, a `*TableCreator` result, `pgSchema(...).table`), followed through imports, barrels and
helper functions that return a column or an object of columns. What cannot be followed is recorded as
Unreadable with a reason.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dalfix.analysis.drizzle import unwrap
from dalfix.analysis.schema.model import (
    Column,
    Dialect,
    ForeignKey,
    Index,
    Relation,
    SchemaModel,
    Table,
    UniqueSet,
    Unreadable,
    merged_table,
)
from dalfix.analysis.setup_code import setup_code_kind
from dalfix.analysis.summaries import ModuleInfo
from dalfix.discovery import ALWAYS_SKIPPED_DIRS, _IgnoreRules, is_source_file, read_source, walked_directories
from dalfix.parsing import FUNCTION_TYPES, Node, ParsedFile, TreeMemo, descendants_of_type, line_col

if TYPE_CHECKING:
    from dalfix.analysis.project import Project

CORE_MODULES: dict[str, Dialect] = {
    "drizzle-orm/pg-core": "pg",
    "drizzle-orm/sqlite-core": "sqlite",
    "drizzle-orm/mysql-core": "mysql",
    "drizzle-orm/singlestore-core": "singlestore",
}
TABLE_FUNCTIONS = {"pgTable", "sqliteTable", "mysqlTable", "singlestoreTable"}
CREATOR_FUNCTIONS = {"pgTableCreator", "sqliteTableCreator", "mysqlTableCreator", "singlestoreTableCreator"}
SCHEMA_FUNCTIONS = {"pgSchema", "mysqlSchema", "singlestoreSchema"}
RELATION_MODULES = ("drizzle-orm", "drizzle-orm/relations", "drizzle-orm/_relations")
MAX_DEPTH = 8

# builder -> (SQL type, JS value type); `mode` refines the JS type below.
BUILDER_TYPES: dict[str, tuple[str, str]] = {
    "uuid": ("uuid", "string"),
    "text": ("text", "string"),
    "varchar": ("varchar", "string"),
    "char": ("char", "string"),
    "tinytext": ("tinytext", "string"),
    "mediumtext": ("mediumtext", "string"),
    "longtext": ("longtext", "string"),
    "integer": ("integer", "number"),
    "int": ("integer", "number"),
    "int2": ("smallint", "number"),
    "int4": ("integer", "number"),
    "int8": ("bigint", "number"),
    "tinyint": ("tinyint", "number"),
    "smallint": ("smallint", "number"),
    "mediumint": ("mediumint", "number"),
    "serial": ("serial", "number"),
    "smallserial": ("smallserial", "number"),
    "bigserial": ("bigserial", "number"),
    "bigint": ("bigint", "number"),
    "numeric": ("numeric", "string"),
    "decimal": ("decimal", "string"),
    "real": ("real", "number"),
    "float": ("float", "number"),
    "double": ("double", "number"),
    "doublePrecision": ("double precision", "number"),
    "boolean": ("boolean", "boolean"),
    "json": ("json", "json"),
    "jsonb": ("jsonb", "json"),
    "timestamp": ("timestamp", "Date"),
    "datetime": ("datetime", "Date"),
    "date": ("date", "string"),
    "time": ("time", "string"),
    "interval": ("interval", "string"),
    "year": ("year", "number"),
    "inet": ("inet", "string"),
    "cidr": ("cidr", "string"),
    "macaddr": ("macaddr", "string"),
    "macaddr8": ("macaddr8", "string"),
    "bytea": ("bytea", "buffer"),
    "blob": ("blob", "buffer"),
    "binary": ("binary", "string"),
    "varbinary": ("varbinary", "string"),
    "vector": ("vector", "json"),
    "halfvec": ("halfvec", "json"),
    "point": ("point", "json"),
    "line": ("line", "json"),
    "geometry": ("geometry", "json"),
    "mysqlEnum": ("enum", "string"),
    "singlestoreEnum": ("enum", "string"),
}
MODE_JS_TYPES = {
    "number": "number",
    "bigint": "bigint",
    "string": "string",
    "date": "Date",
    "timestamp": "Date",
    "timestamp_ms": "Date",
    "boolean": "boolean",
    "json": "json",
    "buffer": "buffer",
}
# Column methods that carry nothing the model records (or only affect TS types and runtime hooks).
IGNORED_COLUMN_METHODS = {
    "$defaultFn",
    "$default",
    "$onUpdate",
    "$onUpdateFn",
    "$type",
    "notNull",
    "primaryKey",
    "unique",
    "default",
    "defaultNow",
    "defaultRandom",
    "references",
    "array",
    "autoincrement",
    "onUpdateNow",
    "generatedAlwaysAs",
    "generatedAlwaysAsIdentity",
    "generatedByDefaultAsIdentity",
    "collate",
    "unsigned",
    "$dbName",
}
TABLE_SUFFIX_METHODS = {"enableRLS", "withRLS"}


@dataclass
class Sym:
    """What a name refers to: an import from a drizzle module, a top-level declaration, or a module."""

    kind: str  # "drizzle" (module, name), "decl" (path, name, node), "namespace" (path)
    path: Path | None = None
    name: str = ""
    module: str = ""
    node: Node | None = None


@dataclass
class Ctx:
    """Where a column or constraint expression is read: its file, the table, the callback parameter names."""

    path: Path
    table: Table
    builder_param: str | None = None  # `(t) => ({ id: t.integer() })`
    column_param: str | None = None  # the third argument's parameter (`t` in `(t) => [...]`)


class SchemaReader:
    def __init__(self, project: Project):
        self.project = project
        self.summaries = project.summaries
        self.model = SchemaModel()
        self._read_files: set[Path] = set()
        self._queue: list[Path] = []
        self._merged_ids: dict[tuple[Path, str], str | None] = {}  # (file, expression text) -> merged table id

    # ---- entry ----------------------------------------------------------------------------------
    def read(self, roots: Iterable[Path]) -> SchemaModel:
        candidates, relation_files, casing_files = self._candidates(roots)
        self.model.candidates = (tuple(candidates), tuple(relation_files), tuple(p for p, _ in casing_files))
        self.model.casing, self.model.casing_note = self._casing(casing_files)
        for path in candidates:
            self._read_file(path)
        while self._queue:
            self._read_file(self._queue.pop())
        for path in relation_files:
            self._read_relations(path)
        self._derive_names()
        self._check_targets()
        self.model.tables.sort(key=lambda t: (str(t.path), t.line))
        self.model.reordered()
        return self.model

    def _candidates(self, roots: Iterable[Path]) -> tuple[list[Path], list[Path], list[tuple[Path, bytes]]]:
        tables: list[Path] = []
        relations: list[Path] = []
        casing: list[tuple[Path, bytes]] = []
        globs: list[Path] = []
        seen: set[Path] = set()
        for item in _source_files(roots):
            if item in seen:
                continue
            seen.add(item)
            try:
                source = read_source(item)
            except OSError:
                continue
            if item.name.startswith("drizzle.config.") or (
                b"drizzle-kit" in source and re.search(rb"""from\s+['"]drizzle-kit['"]""", source)
            ):
                self.model.config_schema.extend(_config_globs(source))
                globs.extend(Path(os.path.normpath(item.parent / g)) for g in _config_globs(source))
            if b"casing" in source:
                casing.append((item, source))
            if b"drizzle-orm" not in source and b"Table" not in source and b".table(" not in source:
                continue
            # files that call a table constructor, or import column builders (a creator defined elsewhere)
            if re.search(rb"Table(Creator)?\s*[(<]|\.table\s*[(<]", source) or re.search(
                rb"drizzle-orm/\w+-core", source
            ):
                tables.append(item)
            if b"relations(" in source or b"defineRelations" in source or b"Relations(" in source:
                relations.append(item)
        for pattern in globs:  # drizzle.config's schema files are read even when outside the scanned paths
            tables.extend(p for p in _config_files(pattern) if p not in seen and p not in tables)
        return tables, relations, casing

    def _casing(self, files: list[tuple[Path, bytes]]) -> tuple[str | None, str | None]:
        """The `casing` option of drizzle() calls and drizzle-kit configs: (value, None), or (None, why unknown).

        A constant (`casing: DB_CASING`) is followed to its string literal, across imports."""
        seen: set[str] = set()
        for path, source in files:
            if b"drizzle" not in source:
                continue
            for match in CASING_RE.finditer(source):
                value = match.group(2).decode() if match.group(2) else None
                if value is None:
                    expression = match.group(3).decode("utf-8", "replace").strip()
                    sym = self.lookup(path, expression) if expression.isidentifier() else None
                    value = _string(self._value_of(sym))
                if value is None:
                    line = line_col(source, match.start())[0]
                    return None, f"{path}:{line}: `casing` is not a string dalfix can read"
                seen.add(value)
        if len(seen) > 1:
            return None, f"different `casing` options: {', '.join(sorted(seen))}"
        return (seen.pop() if seen else None), None

    def _info(self, path: Path) -> ModuleInfo | None:
        return self.summaries.module(path)

    # ---- names ----------------------------------------------------------------------------------
    def lookup(self, path: Path, name: str, depth: int = 0) -> Sym | None:
        """What a top-level or imported name of `path` refers to, following imports and barrels."""
        info = self._info(path)
        if info is None or depth > MAX_DEPTH:
            return None
        if name in info.declared:
            return Sym("decl", path=path, name=name, node=info.declarations[name])
        if name not in info.imports:
            return None
        specifier, original = info.imports[name]
        if specifier.startswith("drizzle-orm"):
            return Sym("drizzle", module=specifier, name=original)
        found = self.summaries.resolve_import(path, name)
        if found is None:
            return None
        target, exported = found
        if exported == "*":
            return Sym("namespace", path=target)
        return self.lookup(target, exported, depth + 1)

    def resolve_expr(self, path: Path, node: Node, depth: int = 0) -> Sym | None:
        """An identifier or `ns.name` member expression, resolved."""
        node = unwrap(node)
        text = self._text(path, node)
        if node.type == "identifier":
            return self.lookup(path, text, depth)
        if node.type == "member_expression":
            obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
            if obj is None or prop is None or unwrap(obj).type != "identifier":
                return None
            base = self.lookup(path, self._text(path, unwrap(obj)), depth)
            member = self._text(path, prop)
            if base is None:
                return None
            if base.kind == "drizzle" and base.name == "*":
                return Sym("drizzle", module=base.module, name=member)
            if base.kind == "namespace" and base.path is not None:
                found = self.summaries.resolve_export(base.path, member, 0)
                return self.lookup(found[0], found[1], depth + 1) if found is not None else None
        return None

    def _text(self, path: Path, node: Node) -> str:
        return (node.text or b"").decode("utf-8", "surrogateescape")

    def _line(self, node: Node) -> int:
        return node.start_point.row + 1

    def _unreadable(self, path: Path, at: Node | int, what: str, reason: str, table: Table | None = None,
                    local: bool = False) -> None:  # fmt: skip
        entry = Unreadable(path, at if isinstance(at, int) else self._line(at), " ".join(what.split()), reason, local)
        self.model.unreadable.append(entry)
        if table is not None:
            table.unreadable.append(entry)

    def _value_of(self, sym: Sym | None) -> Node | None:
        """The initializer of a `const x = …` declaration."""
        if sym is None or sym.kind != "decl" or sym.node is None or sym.node.type != "variable_declarator":
            return None
        value = sym.node.child_by_field_name("value")
        return unwrap(value) if value is not None else None

    def _named_string_array(self, path: Path, node: Node, as_const: bool = False) -> tuple[str, ...] | None:
        """`{ enum: providers }` with `const providers = ["a", "b"]` (here or imported); `as_const`: only an
        `as const` array (its `(typeof providers)[number]` is the union of its values, else `string`)."""
        node = unwrap(node)
        sym = self.resolve_expr(path, node) if node.type in ("identifier", "member_expression") else None
        if sym is None or sym.node is None:
            return None
        value = sym.node.child_by_field_name("value")
        if as_const and (value is None or not self._text(path, value).rstrip().endswith("as const")):
            return None
        return _string_array(self._value_of(sym))

    def _string_union(self, path: Path, node: Node, depth: int) -> tuple[str, ...] | None:
        """The string literals a type is a union of: `"a" | "b"`, a type alias of one (here or imported), or
        `(typeof providers)[number]` of an `as const` array; None for any other type."""
        if depth > MAX_DEPTH:
            return None
        if node.type == "parenthesized_type" and node.named_children:
            return self._string_union(path, node.named_children[0], depth + 1)
        if node.type == "literal_type":
            value = _string(node.named_children[0]) if node.named_children else None
            return (value,) if value is not None else None
        if node.type == "union_type":
            values: list[str] = []
            for part in (c for c in node.named_children if c.type != "comment"):
                found = self._string_union(path, part, depth + 1)
                if found is None:
                    return None
                values += [v for v in found if v not in values]
            return tuple(values)
        if node.type == "type_identifier":
            sym = self.lookup(path, self._text(path, node), depth)
            if sym is None or sym.path is None or sym.node is None or sym.node.type != "type_alias_declaration":
                return None
            aliased = sym.node.child_by_field_name("value")
            return self._string_union(sym.path, aliased, depth + 1) if aliased is not None else None
        if node.type == "lookup_type":  # `(typeof providers)[number]`
            parts = [c for c in node.named_children if c.type != "comment"]
            if len(parts) != 2 or self._text(path, parts[1]) != "number":
                return None
            query = parts[0].named_children[0] if parts[0].type == "parenthesized_type" else parts[0]
            if query.type != "type_query" or not query.named_children:
                return None
            return self._named_string_array(path, query.named_children[0], as_const=True)
        return None

    def _drizzle_call(self, path: Path, node: Node | None) -> tuple[str, str, Node] | None:
        """(module, function, call) when `node` is a call of a drizzle export (`pgSchema('x')`)."""
        if node is None or node.type != "call_expression":
            return None
        function = node.child_by_field_name("function")
        sym = self.resolve_expr(path, function) if function is not None else None
        if sym is not None and sym.kind == "drizzle":
            return sym.module, sym.name, node
        return None

    # ---- tables ---------------------------------------------------------------------------------
    def _table_constructor(self, path: Path, call: Node) -> tuple[Dialect, str | None, Node | None, str] | None:
        """(dialect, pg schema, creator call, how) when `call` builds a table."""
        function = call.child_by_field_name("function")
        if function is None:
            return None
        function = unwrap(function)
        if function.type == "member_expression":
            prop = function.child_by_field_name("property")
            obj = function.child_by_field_name("object")
            if prop is not None and obj is not None and self._text(path, prop) == "table":
                schema_call = self._schema_call(path, unwrap(obj))
                if schema_call is not None:
                    return schema_call[0], schema_call[1], None, "schema"
        sym = self.resolve_expr(path, function)
        if sym is None:
            return None
        if sym.kind == "drizzle" and sym.name in TABLE_FUNCTIONS and sym.module in CORE_MODULES:
            return CORE_MODULES[sym.module], None, None, "table"
        value = self._value_of(sym)
        made = self._drizzle_call(sym.path, value) if sym.path is not None else None
        if made is not None and made[1] in CREATOR_FUNCTIONS and made[0] in CORE_MODULES:
            return CORE_MODULES[made[0]], None, made[2], "creator"
        return None

    def _schema_call(self, path: Path, node: Node) -> tuple[Dialect, str | None] | None:
        """`pgSchema('auth')`, or a name bound to it."""
        made = self._drizzle_call(path, node)
        if made is None and node.type in ("identifier", "member_expression"):
            sym = self.resolve_expr(path, node)
            value = self._value_of(sym)
            made = self._drizzle_call(sym.path, value) if sym is not None and sym.path is not None else None
        if made is None or made[1] not in SCHEMA_FUNCTIONS or made[0] not in CORE_MODULES:
            return None
        args = made[2].child_by_field_name("arguments")
        first = args.named_children[0] if args is not None and args.named_children else None
        return CORE_MODULES[made[0]], _string(first) if first is not None else None

    def _read_file(self, path: Path) -> None:
        if path in self._read_files:
            return
        self._read_files.add(path)
        info = self._info(path)
        if info is None:
            return
        parsed = info.parsed
        found = False
        for call in descendants_of_type(parsed.root, "call_expression"):
            function = call.child_by_field_name("function")
            if function is None:
                continue
            tail = self._text(path, function).rsplit(".", 1)[-1]
            if tail in ("pgEnum", "enum") or tail.endswith("Enum"):
                self._read_enum(path, call)
            constructor = self._table_constructor(path, call)
            if constructor is None:
                continue
            found = True
            try:
                self._read_table(parsed, call, *constructor)
            except Exception as exc:  # a dalfix bug must not lose the rest of the schema
                self._unreadable(path, call, "table", f"internal error: {type(exc).__name__}: {exc}")
            if parsed.in_error_region(call.start_byte, call.end_byte):
                what = f"table {_binding(call) or '(unbound)'}"
                self._unreadable(path, call, what, "a syntax error in or around it: read as far as it parses")
        if found:
            self.model.files.append(path)
            # a schema file's `export * from '<elsewhere>'` (often another workspace package) is schema too
            for _exported, specifier, _name in info.reexports:
                target = self.project.resolver.resolve(path, specifier)
                if target is not None and target not in self._read_files:
                    self._queue.append(target)

    def _read_enum(self, path: Path, call: Node) -> None:
        made = self._drizzle_call(path, call)
        is_schema_enum = False
        if made is None:
            function = call.child_by_field_name("function")
            obj = function.child_by_field_name("object") if function is not None else None
            is_schema_enum = obj is not None and self._schema_call(path, unwrap(obj)) is not None
        if made is not None and made[1] != "pgEnum":
            return
        if made is None and not is_schema_enum:
            return
        binding = _binding(call)
        args = call.child_by_field_name("arguments")
        items = args.named_children if args is not None else []
        name = _string(items[0]) if items else None
        values = _string_array(items[1]) if len(items) > 1 else None
        if binding is not None:
            self.model.enums[f"{path}:{binding}"] = (name or "", values)

    def _read_table(
        self, parsed: ParsedFile, call: Node, dialect: Dialect, schema: str | None, creator: Node | None, how: str
    ) -> None:
        path = parsed.path
        args = call.child_by_field_name("arguments")
        items = [a for a in (args.named_children if args is not None else []) if a.type != "comment"]
        ts_name = _binding(call)
        table = Table(ts_name=ts_name, name=None, dialect=dialect, path=path, line=self._line(call), schema=schema)
        self.model.tables.append(table)
        label = f"table {ts_name or '(unbound)'}"
        if ts_name is None:
            self._unreadable(path, call, label, "built inside a function or expression: no top-level name", table)
        raw = _string(items[0]) if items else None
        if raw is None:
            table.name_note = "the SQL name is not a string literal"
            self._unreadable(path, call, label, table.name_note, table)
        elif creator is not None:
            table.name, table.name_note = _apply_creator(creator, raw)
            if table.name is None:
                self._unreadable(path, call, label, table.name_note or "", table)
        else:
            table.name = raw
        if len(items) < 2:
            self._unreadable(path, call, label, "no column object", table)
            return
        columns: Node | None = unwrap(items[1])
        ctx = Ctx(path, table)
        if columns is not None and columns.type in ("arrow_function", "function_expression"):
            ctx.builder_param = _first_param(parsed, columns)
            columns = _returned(columns)
        if columns is None or columns.type != "object":
            self._unreadable(path, items[1], label, "the columns are not an object literal", table)
        else:
            self._read_columns(ctx, columns, 0)
        if len(items) > 2:
            self._read_extra(ctx, parsed, items[2])

    # ---- columns --------------------------------------------------------------------------------
    def _read_columns(self, ctx: Ctx, obj: Node, depth: int) -> None:
        for entry in obj.named_children:
            if entry.type == "comment":
                continue
            if entry.type == "pair":
                key_node, value = entry.child_by_field_name("key"), entry.child_by_field_name("value")
                if key_node is None or value is None:
                    continue
                key = _key_text(key_node)
                if key is None:
                    self._unreadable(ctx.path, entry, f"column of {ctx.table.ts_name}", "computed key", ctx.table)
                    continue
                self._read_column(ctx, key, value)
            elif entry.type == "shorthand_property_identifier":
                key = self._text(ctx.path, entry)
                self._read_column(ctx, key, entry)
            elif entry.type == "spread_element":
                self._spread_columns(ctx, entry, depth)
            else:
                self._unreadable(ctx.path, entry, f"column of {ctx.table.ts_name}", f"a {entry.type}", ctx.table)

    def _spread_columns(self, ctx: Ctx, spread: Node, depth: int) -> None:
        inner = unwrap(spread.named_children[0]) if spread.named_children else None
        what = f"columns of {ctx.table.ts_name}: {self._text(ctx.path, spread)[:60]}"
        obj, where = self._object_from(ctx.path, inner, depth) if inner is not None else (None, ctx.path)
        if obj is None or depth > MAX_DEPTH:
            self._unreadable(ctx.path, spread, what, "a spread dalfix could not follow to an object literal", ctx.table)
            return
        self._read_columns(Ctx(where, ctx.table, ctx.builder_param, ctx.column_param), obj, depth + 1)

    def _object_from(self, path: Path, node: Node, depth: int) -> tuple[Node | None, Path]:
        """The object literal a spread expression evaluates to: a const, or a helper function's return."""
        node = unwrap(node)
        if node.type == "object":
            return node, path
        target = node.child_by_field_name("function") if node.type == "call_expression" else node
        sym = self.resolve_expr(path, target, depth) if target is not None else None
        if sym is None or sym.kind != "decl" or sym.path is None or sym.node is None:
            return None, path
        body = _function_of(sym.node)
        value = _returned(body) if body is not None else self._value_of(sym)
        if value is None:
            return None, path
        return (unwrap(value), sym.path) if unwrap(value).type == "object" else (None, path)

    def _chain(self, path: Path, expr: Node, depth: int = 0) -> tuple[Path, Node, list[tuple[str, Node | None]]]:
        """`text('x').notNull().default(1)` -> (path, the builder call, [(notNull, args), (default, args)]).

        Helper functions (`createdAt()`) and shared builder constants are inlined: their methods come first.
        """
        methods: list[tuple[str, Node | None]] = []
        current = unwrap(expr)
        while current.type == "call_expression":
            function = current.child_by_field_name("function")
            if function is None or unwrap(function).type != "member_expression":
                break
            member = unwrap(function)
            obj, prop = member.child_by_field_name("object"), member.child_by_field_name("property")
            if obj is None or prop is None:
                break
            inner = unwrap(obj)
            # `t.text()` inside a builder callback and `p.text()` on a namespace import are builders, not methods
            if inner.type == "identifier" and current.child_by_field_name("arguments") is not None:
                sym = self.resolve_expr(path, member)
                if sym is not None and sym.kind == "drizzle":
                    break
            if inner.type == "identifier" and not self._is_callable_base(path, inner):
                break
            methods.insert(0, (self._text(path, prop), current.child_by_field_name("arguments")))
            current = inner
        if depth < MAX_DEPTH:
            followed = self._inline(path, current)
            if followed is not None:
                inner_path, inner_expr = followed
                base_path, base, inner_methods = self._chain(inner_path, inner_expr, depth + 1)
                return base_path, base, inner_methods + methods
        return path, current, methods

    def _is_callable_base(self, path: Path, node: Node) -> bool:
        """Whether an identifier at the root of `x.m()` is a column value (a shared builder const)."""
        sym = self.lookup(path, self._text(path, node))
        value = self._value_of(sym)
        return value is not None and value.type == "call_expression"

    def _inline(self, path: Path, node: Node) -> tuple[Path, Node] | None:
        """A helper call (`createdAt()`) or a const (`id`) that stands for a column builder: its expression."""
        if node.type == "call_expression":
            function = node.child_by_field_name("function")
            if function is None or unwrap(function).type != "identifier":
                return None
            sym = self.lookup(path, self._text(path, unwrap(function)))
            if sym is None or sym.kind != "decl" or sym.node is None or sym.path is None:
                return None
            body = _function_of(sym.node)
            returned = _returned(body) if body is not None else None
            return (sym.path, returned) if returned is not None else None
        if node.type in ("identifier", "shorthand_property_identifier"):
            sym = self.lookup(path, self._text(path, node))
            value = self._value_of(sym)
            if value is not None and sym is not None and sym.path is not None and value.type == "call_expression":
                return sym.path, value
        if node.type == "member_expression":  # `uiProperties.name`, a column in a shared object of columns
            obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
            if obj is None or prop is None or unwrap(obj).type != "identifier":
                return None
            sym = self.lookup(path, self._text(path, unwrap(obj)))
            value = self._value_of(sym)
            if value is None or value.type != "object" or sym is None or sym.path is None:
                return None
            entry = _option_node(value, self._text(path, prop))
            return (sym.path, unwrap(entry)) if entry is not None else None
        return None

    def _builder(self, ctx: Ctx, path: Path, base: Node) -> tuple[str, str | None, str | None, dict[str, bool]] | None:
        """(builder, SQL type, enum id, extra) for the call at the root of a column chain."""
        if base.type != "call_expression":
            return None
        function = base.child_by_field_name("function")
        if function is None:
            return None
        function = unwrap(function)
        if function.type == "member_expression" and ctx.builder_param is not None:
            obj, prop = function.child_by_field_name("object"), function.child_by_field_name("property")
            if obj is not None and prop is not None and self._text(path, unwrap(obj)) == ctx.builder_param:
                builder = self._text(path, prop)
                return builder, BUILDER_TYPES.get(builder, (builder, ""))[0], None, {}
        sym = self.resolve_expr(path, function)
        if sym is None:
            return None
        if sym.kind == "drizzle" and sym.module in CORE_MODULES:
            return sym.name, BUILDER_TYPES.get(sym.name, (sym.name, ""))[0], None, {}
        value = self._value_of(sym)
        made = self._drizzle_call(sym.path, value) if sym.path is not None else None
        if value is not None and sym.path is not None:
            enum_id = f"{sym.path}:{sym.name}"
            if made is not None and made[1] == "pgEnum":
                self._read_enum(sym.path, made[2])
                return sym.name, "enum", enum_id, {}
            if value.type == "call_expression":
                vfunction = value.child_by_field_name("function")
                if vfunction is not None and self._text(sym.path, vfunction).endswith(".enum"):
                    self._read_enum(sym.path, value)
                    return sym.name, "enum", enum_id, {}
            if made is not None and made[1] == "customType":
                return sym.name, _custom_data_type(made[2]), None, {"custom": True}
        return None

    def _read_column(self, ctx: Ctx, key: str, expr: Node) -> None:
        table = ctx.table
        path, base, methods = self._chain(ctx.path, expr)
        what = f"column {table.ts_name}.{key}"
        found = self._builder(ctx, path, base)
        if found is None:
            self._unreadable(ctx.path, expr, what, "not a drizzle column builder dalfix could follow", table)
            return
        builder, sql_type, enum_id, extra = found
        args = base.child_by_field_name("arguments")
        items = [a for a in (args.named_children if args is not None else []) if a.type != "comment"]
        # mysqlEnum(['a', 'b']) without a name: the values come first
        values_first = builder in ("mysqlEnum", "singlestoreEnum") and bool(items) and unwrap(items[0]).type == "array"
        explicit = _string(items[0]) if items and not values_first else None
        options = next((unwrap(a) for a in items if unwrap(a).type == "object"), None)
        column = Column(
            key=key, name=None, name_source="unknown", builder=builder, type=sql_type, line=self._line(expr)
        )
        if explicit is not None:
            column.name, column.name_source = explicit, "explicit"
        elif items and unwrap(items[0]).type != "object" and not values_first or self.model.casing_note:
            column.name_source = "unknown"
        elif self.model.casing:
            column.name, column.name_source = _cased(key, self.model.casing), "casing"
        else:
            column.name, column.name_source = key, "key"
        mode = _option(options, "mode") if options is not None else None
        column.mode = mode
        column.custom = bool(extra.get("custom"))
        if sql_type is not None:
            js = BUILDER_TYPES.get(builder, ("", ""))[1] or None
            if enum_id is not None:
                js = "string"
                name, values = self.model.enums.get(enum_id, ("", None))
                column.enum_name, column.enum_values = name or None, values
            if extra.get("custom"):
                js = None
            if mode in MODE_JS_TYPES:
                js = MODE_JS_TYPES[mode]
            if builder == "integer" and table.dialect == "sqlite" and mode in ("timestamp", "timestamp_ms"):
                js = "Date"
            column.js_type = js
        if options is not None:
            enum_node = _option_node(options, "enum")
            if enum_node is not None and column.enum_values is None:
                column.enum_values = _string_array(enum_node) or self._named_string_array(path, enum_node)
        if builder in ("mysqlEnum", "singlestoreEnum") and items:
            column.enum_values = _string_array(items[0] if values_first else items[1] if len(items) > 1 else None)
        table.columns[key] = column
        for method, margs in methods:
            self._column_method(ctx, column, method, margs, path)

    def _column_method(self, ctx: Ctx, column: Column, method: str, args: Node | None, path: Path) -> None:
        table = ctx.table
        items = [a for a in (args.named_children if args is not None else []) if a.type != "comment"]
        if method == "notNull":
            column.not_null = True
        elif method == "primaryKey":
            column.primary_key = column.not_null = True
            if table.primary_key is None:
                table.primary_key = UniqueSet((column.key,), "primary_key", None, line=column.line)
            else:
                self._unreadable(
                    ctx.path, column.line, f"column {table.ts_name}.{column.key}", "a second primary key", table
                )
        elif method == "unique":
            name = _string(items[0]) if items else None
            config = next((unwrap(a) for a in items if unwrap(a).type == "object"), None)
            nulls = _option(config, "nulls") if config is not None else None
            table.uniques.append(
                UniqueSet((column.key,), "unique", name, nulls_not_distinct=nulls == "not distinct", line=column.line)
            )
        elif method in ("default", "$default", "$defaultFn", "defaultNow", "defaultRandom"):
            column.default_kind = method
            if method == "default" and items:
                column.default = self._text(path, items[0])
            elif method == "defaultNow":
                column.default = "now()"
            elif method == "defaultRandom":
                column.default = "gen_random_uuid()"
        elif method in ("generatedAlwaysAsIdentity", "generatedByDefaultAsIdentity", "autoincrement"):
            column.default_kind = "identity" if method != "autoincrement" else "autoincrement"
            column.not_null = True
        elif method == "generatedAlwaysAs":
            column.generated = True
        elif method in ("$onUpdate", "$onUpdateFn", "onUpdateNow"):
            column.on_update = method
            function = unwrap(items[0]) if len(items) == 1 else None
            params = function.child_by_field_name("parameters") if function is not None else None
            body = function.child_by_field_name("body") if function is not None else None
            column.on_update_clock = (
                function is not None and function.type == "arrow_function" and body is not None
                and (params is None or not params.named_children)
                and "".join(self._text(path, unwrap(body)).split()) == "newDate()"
            )  # fmt: skip
        elif method == "$type":
            type_args = args.prev_named_sibling if args is not None else None
            if type_args is not None and type_args.type == "type_arguments":
                column.ts_type = self._text(path, type_args)[1:-1].strip()
                named = [t for t in type_args.named_children if t.type != "comment"]
                if column.enum_values is None and len(named) == 1:
                    # `$type<"a" | "b">()`, `$type<Provider>()` with `type Provider = (typeof providers)[number]`:
                    # the column holds a handful of values (an index on it alone narrows little, DAL010)
                    column.enum_values = self._string_union(path, named[0], 0)
        elif method == "array":
            column.array = True
            column.js_type = "json"
        elif method == "collate" and items:
            column.collation = _string(items[0])
        elif method == "references":
            self._column_reference(ctx, column, items, path)
        elif method not in IGNORED_COLUMN_METHODS:
            what = f"column {table.ts_name}.{column.key}"
            self._unreadable(ctx.path, column.line, what, f"method .{method}() not modelled (ignored)", table)

    def _column_reference(self, ctx: Ctx, column: Column, items: list[Node], path: Path) -> None:
        table = ctx.table
        what = f"foreign key {table.ts_name}.{column.key}"
        target = _returned(unwrap(items[0])) if items and unwrap(items[0]).type in FUNCTION_TYPES else None
        ref = self._column_ref(path, target) if target is not None else None
        if ref is None:
            self._unreadable(ctx.path, column.line, what, "the referenced column could not be resolved", table)
            fk = ForeignKey((column.key,), None, (), line=column.line)
        else:
            fk = ForeignKey((column.key,), ref[0], (ref[1],), line=column.line)
        actions = unwrap(items[1]) if len(items) > 1 else None
        if actions is not None and actions.type == "object":
            fk.on_delete = _option(actions, "onDelete") or "no action"
            fk.on_update = _option(actions, "onUpdate") or "no action"
            fk.name = _option(actions, "name")
        table.foreign_keys.append(fk)

    def _column_ref(self, path: Path, node: Node) -> tuple[str, str] | None:
        """`users.id` (or `schema.users.id`) -> (table id, column key)."""
        node = unwrap(node)
        if node.type != "member_expression":
            return None
        obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
        if obj is None or prop is None:
            return None
        table_id = self.table_id_of(path, obj)
        return (table_id, self._text(path, prop)) if table_id is not None else None

    def table_id_of(self, path: Path, node: Node, follow: bool = True) -> str | None:
        """The table id a table expression names (queue the declaring file when it was not read yet; with
        `follow=False`, after reading, read it at once)."""
        sym = self.resolve_expr(path, node)
        if sym is None and not follow:
            return self._merged_id(path, node)
        if sym is None or sym.kind != "decl" or sym.path is None:
            return None
        if sym.path not in self._read_files:
            if follow:
                self._queue.append(sym.path)
            else:
                self._read_late(sym.path)
        return f"{sym.path}:{sym.name}"

    def _merged_id(self, path: Path, node: Node) -> str | None:
        """The id of the merged table a name destructured from an object of tables denotes (schema/sources.py),
        made when first asked: its alternatives are read first."""
        node = unwrap(node)
        key = (path, self._text(path, node))
        if key not in self._merged_ids:
            self._merged_ids[key] = self._merge(path, node)
        return self._merged_ids[key]

    def _merge(self, path: Path, node: Node) -> str | None:
        sources = self.project.table_sources
        target: tuple[Path, str] | None = None
        alternatives: tuple[tuple[Path, str], ...] = ()
        if node.type == "identifier":
            target = self.summaries._top_level(path, self._text(path, node))
        elif node.type == "member_expression":
            obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
            if obj is None or prop is None or unwrap(obj).type != "identifier":
                return None
            base = self.summaries._top_level(path, self._text(path, unwrap(obj)))
            if base is not None and base[1] == "*":
                target = self.summaries.resolve_export(base[0], self._text(path, prop), 0)
            elif base is not None:
                parsed = self.project.files.load(path)
                if parsed is None:
                    return None
                alternatives = sources.member_tables(parsed, unwrap(obj), self._text(path, prop))
                target = (base[0], f"{base[1]}.{self._text(path, prop)}") if alternatives else None
        if target is None or target[1] == "*":
            return None
        alternatives = alternatives or sources.binding_tables(*target)
        if not alternatives:
            return None
        table_id = f"{target[0]}:{target[1]}"
        if table_id in self.model.merged:
            return table_id
        for file, _ in alternatives:
            if file not in self._read_files:
                self._read_late(file)
        tables = [self.model.table(file, name) for file, name in alternatives]
        if any(t is None for t in tables):
            return None
        info = self._info(target[0])
        declarator = info.destructuring(target[1]) if info is not None else None
        line = self._line(declarator) if declarator is not None else 0
        self.model.merged[table_id] = merged_table([t for t in tables if t is not None], target[0], target[1], line)
        return table_id

    def _read_late(self, path: Path) -> None:
        """A schema file outside the scanned roots, first named by user code."""
        self._read_file(path)
        while self._queue:
            self._read_file(self._queue.pop())
        self._derive_names()
        self._check_targets()

    # ---- the third argument ---------------------------------------------------------------------
    def _read_extra(self, ctx: Ctx, parsed: ParsedFile, node: Node) -> None:
        table = ctx.table
        node = unwrap(node)
        what = f"constraints of {table.ts_name}"
        if node.type not in ("arrow_function", "function_expression"):
            self._unreadable(ctx.path, node, what, "the third argument is not a function", table)
            return
        ctx.column_param = _first_param(parsed, node)
        body = _returned(node)
        if body is None:
            self._unreadable(ctx.path, node, what, "the function does not return an array or object literal", table)
            return
        body = unwrap(body)
        if body.type == "array":
            elements = [e for e in body.named_children if e.type != "comment"]
        elif body.type == "object":
            elements = []
            for entry in body.named_children:
                if entry.type == "pair" and entry.child_by_field_name("value") is not None:
                    elements.append(entry.child_by_field_name("value"))  # type: ignore[arg-type]
                elif entry.type != "comment":
                    elements.append(entry)
        else:
            self._unreadable(ctx.path, body, what, "the function does not return an array or object literal", table)
            return
        for element in elements:
            self._read_constraint(ctx, element)

    def _read_constraint(self, ctx: Ctx, element: Node) -> None:
        table = ctx.table
        path = ctx.path
        what = f"constraint of {table.ts_name}: {self._text(path, element)[:60]}"
        base, methods = _split_calls(unwrap(element))
        function = base.child_by_field_name("function") if base.type == "call_expression" else None
        sym = self.resolve_expr(path, function) if function is not None else None
        arguments = base.child_by_field_name("arguments") if base.type == "call_expression" else None
        if sym is None and base.type == "identifier" and methods:
            # `p.index('n').on(...)` on a namespace import: the first "method" is the function
            namespace = self.lookup(path, self._text(path, base))
            if namespace is not None and namespace.kind == "drizzle" and namespace.name == "*":
                sym = Sym("drizzle", module=namespace.module, name=methods[0][0])
                arguments, methods = methods[0][1], methods[1:]
        if sym is None or sym.kind != "drizzle" or arguments is None:
            self._unreadable(path, element, what, "not a drizzle constraint or index call", table)
            return
        args = [a for a in arguments.named_children if a.type != "comment"]
        kind = sym.name
        line = self._line(element)
        if kind in ("index", "uniqueIndex"):
            index = Index((), _string(args[0]) if args else None, unique=kind == "uniqueIndex", line=line)
            parts: list[str] = []
            for method, margs in methods:
                items = [a for a in (margs.named_children if margs is not None else []) if a.type != "comment"]
                if method in ("on", "onOnly"):
                    parts.extend(self._part(ctx, a) for a in items)
                elif method == "using" and items:
                    index.method = _string(items[0])
                    parts.extend(self._part(ctx, a) for a in items[1:])
                elif method == "where" and items:
                    index.partial, index.predicate = True, self._text(path, items[0])
            index.parts = tuple(parts)
            index.columns = tuple(p for p in parts if not p.startswith("sql:"))
            index.expressions = tuple(p[4:] for p in parts if p.startswith("sql:"))
            if any(p.startswith("?") for p in parts):
                self._unreadable(path, element, what, "an index part dalfix could not read", table)
            table.indexes.append(index)
            if index.unique:
                nulls = any(m == "nullsNotDistinct" for m, _ in methods)
                table.uniques.append(
                    UniqueSet(
                        index.columns if not index.expressions else (),
                        "unique_index",
                        index.name,
                        partial=index.partial,
                        predicate=index.predicate,
                        nulls_not_distinct=nulls,
                        expressions=index.expressions,
                        line=line,
                    )
                )
        elif kind == "unique":
            cols: list[str] = []
            for method, margs in methods:
                if method == "on" and margs is not None:
                    cols.extend(self._part(ctx, a) for a in margs.named_children if a.type != "comment")
            nulls = any(m == "nullsNotDistinct" for m, _ in methods)
            name = _string(args[0]) if args else None
            if any(c.startswith(("?", "sql:")) for c in cols) or not cols:
                self._unreadable(path, element, what, "a unique constraint part dalfix could not read", table)
            table.uniques.append(UniqueSet(tuple(cols), "unique", name, nulls_not_distinct=nulls, line=line))
        elif kind == "primaryKey":
            config = unwrap(args[0]) if args else None
            if config is not None and config.type == "object":
                columns = _option_node(config, "columns")
                cols = [self._part(ctx, a) for a in columns.named_children] if columns is not None else []
                name = _option(config, "name")
            else:
                cols, name = [self._part(ctx, a) for a in args], None
            if not cols or any(c.startswith(("?", "sql:")) for c in cols):
                self._unreadable(path, element, what, "a primary key part dalfix could not read", table)
            if table.primary_key is not None:
                self._unreadable(path, element, what, "a second primary key (a column is already primary)", table)
            table.primary_key = UniqueSet(tuple(cols), "primary_key", name, line=line)
            for key in cols:
                if key in table.columns:
                    table.columns[key].not_null = True
        elif kind == "foreignKey":
            config = unwrap(args[0]) if args else None
            if config is None or config.type != "object":
                self._unreadable(path, element, what, "foreignKey() without a config object", table)
                return
            columns = _option_node(config, "columns")
            foreign = _option_node(config, "foreignColumns")
            cols = [self._part(ctx, a) for a in columns.named_children] if columns is not None else []
            refs = [self._own_or_other_ref(ctx, a) for a in foreign.named_children] if foreign is not None else []
            targets = {r[0] for r in refs if r is not None}
            fk = ForeignKey(
                tuple(cols),
                targets.pop() if len(targets) == 1 and all(refs) else None,
                tuple(r[1] for r in refs if r is not None),
                name=_option(config, "name"),
                line=line,
            )
            if fk.target is None or not cols or any(c.startswith("?") for c in cols):
                self._unreadable(path, element, what, "a foreign key whose columns could not be resolved", table)
            for method, margs in methods:
                items = margs.named_children if margs is not None else []
                if method in ("onDelete", "onUpdate") and items:
                    setattr(fk, "on_delete" if method == "onDelete" else "on_update", _string(items[0]) or "?")
            table.foreign_keys.append(fk)
        elif kind == "check":
            table.checks.append(_string(args[0]) or "?" if args else "?")
            # `check("…", sql`${t.status} in ('a', 'b')`)`: the column holds one of these values (or NULL)
            listed = _CHECK_IN.fullmatch(self._text(path, args[1])) if len(args) > 1 else None
            if listed is not None and listed.group(1) in table.columns:
                values = re.findall(r"'((?:[^']|'')*)'", listed.group(2))
                if values and re.fullmatch(r"\s*'(?:[^']|'')*'(?:\s*,\s*'(?:[^']|'')*')*\s*", listed.group(2)):
                    column = table.columns[listed.group(1)]
                    column.enum_values = column.enum_values or tuple(v.replace("''", "'") for v in values)
        elif kind == "pgPolicy":
            # Row-level security: its USING filters rows and its WITH CHECK can reject a write to this table, but
            # key and foreign-key checks bypass it (PostgreSQL docs, "Row Security Policies"): no other table's
            # facts are in doubt.
            self._unreadable(path, element, what, f"{kind}() is not modelled", table, local=True)
        else:
            self._unreadable(path, element, what, f"{kind}() is not modelled", table)

    def _own_or_other_ref(self, ctx: Ctx, node: Node) -> tuple[str, str] | None:
        """A foreign column: `t.id` on the callback's own table, or `other.id`."""
        part = self._part(ctx, node)
        if not part.startswith(("?", "sql:")):
            return ctx.table.id, part
        return self._column_ref(ctx.path, node)

    def _part(self, ctx: Ctx, node: Node) -> str:
        """A column reference in a constraint (`t.userId`, `t.name.asc()`) -> its TS key; sql`` -> `sql:…`."""
        node = unwrap(node)
        base, _ = _split_calls(node)
        if base.type == "call_expression":
            function = base.child_by_field_name("function")
            if function is not None and self._text(ctx.path, function) == "sql":
                return "sql:" + self._text(ctx.path, node)
        if base.type == "member_expression":
            obj, prop = base.child_by_field_name("object"), base.child_by_field_name("property")
            if obj is not None and prop is not None and unwrap(obj).type == "identifier":
                owner = self._text(ctx.path, unwrap(obj))
                if owner in (ctx.column_param, ctx.table.ts_name):
                    return self._text(ctx.path, prop)
        if node.type == "call_expression":
            return "sql:" + self._text(ctx.path, node)
        return "?" + self._text(ctx.path, node)

    # ---- relations ------------------------------------------------------------------------------
    def _read_relations(self, path: Path) -> None:
        info = self._info(path)
        if info is None:
            return
        for call in descendants_of_type(info.parsed.root, "call_expression"):
            function = call.child_by_field_name("function")
            sym = self.resolve_expr(path, function) if function is not None else None
            if sym is None or sym.kind != "drizzle" or sym.module not in RELATION_MODULES:
                continue
            try:
                if sym.name == "relations":
                    self._read_relations_call(path, info.parsed, call)
                elif sym.name in ("defineRelations", "defineRelationsPart"):
                    self._read_define_relations(path, info.parsed, call)
            except Exception as exc:  # a dalfix bug must not lose the rest of the schema
                self._unreadable(path, call, sym.name, f"internal error: {type(exc).__name__}: {exc}")

    def _read_relations_call(self, path: Path, parsed: ParsedFile, call: Node) -> None:
        args = _args(call)
        what = f"relations {self._text(path, call)[:50]}"
        source = self.table_id_of(path, args[0]) if args else None
        callback = unwrap(args[1]) if len(args) > 1 else None
        body = _returned(callback) if callback is not None and callback.type in FUNCTION_TYPES else None
        if source is None or body is None or unwrap(body).type != "object" or callback is None:
            self._unreadable(path, call, what, "table or callback not readable")
            return
        helpers = _helper_names(parsed, callback)
        for entry in unwrap(body).named_children:
            if entry.type != "pair":
                if entry.type != "comment":
                    self._unreadable(path, entry, what, f"a {entry.type} in the relations object")
                continue
            name = _key_text(entry.child_by_field_name("key"))
            value = unwrap(entry.child_by_field_name("value"))  # type: ignore[arg-type]
            function = value.child_by_field_name("function") if value.type == "call_expression" else None
            kind = helpers.get(self._text(path, function)) if function is not None else None
            if name is None or kind is None:
                self._unreadable(path, entry, what, "not a one()/many() call")
                continue
            items = _args(value)
            target = self.table_id_of(path, items[0]) if items else None
            relation = Relation(source, name, kind, target, path=path, line=self._line(entry))  # type: ignore[arg-type]
            config = unwrap(items[1]) if len(items) > 1 else None
            if config is not None and config.type == "object":
                fields = _option_node(config, "fields")
                refs = _option_node(config, "references")
                relation.fields = tuple(self._member_key(path, f) for f in fields.named_children) if fields else ()
                relation.references = tuple(self._member_key(path, f) for f in refs.named_children) if refs else ()
                relation.relation_name = _option(config, "relationName")
            if target is None:
                self._unreadable(path, entry, f"relation {name}", "target table could not be resolved")
            self.model.relations.append(relation)

    def _member_key(self, path: Path, node: Node) -> str:
        node = unwrap(node)
        prop = node.child_by_field_name("property") if node.type == "member_expression" else None
        return self._text(path, prop) if prop is not None else "?" + self._text(path, node)

    def _read_define_relations(self, path: Path, parsed: ParsedFile, call: Node) -> None:
        args = _args(call)
        what = "defineRelations"
        keys = self._schema_keys(path, args[0]) if args else {}
        callback = unwrap(args[1]) if len(args) > 1 else None
        if callback is None:
            return
        body = _returned(callback) if callback.type in FUNCTION_TYPES else None
        r = _first_param(parsed, callback) if callback.type in FUNCTION_TYPES else None
        if body is None or unwrap(body).type != "object" or r is None:
            self._unreadable(path, call, what, "the callback does not return an object literal")
            return
        for table_entry in unwrap(body).named_children:
            if table_entry.type != "pair":
                if table_entry.type != "comment":
                    self._unreadable(path, table_entry, what, f"a {table_entry.type} in the relations object")
                continue
            table_key = _key_text(table_entry.child_by_field_name("key"))
            source = keys.get(table_key or "")
            value = unwrap(table_entry.child_by_field_name("value"))  # type: ignore[arg-type]
            if source is None or value.type != "object":
                self._unreadable(path, table_entry, f"{what} {table_key}", "table key not found in the schema object")
                continue
            for entry in value.named_children:
                if entry.type != "pair":
                    continue
                self._define_relation(path, r, keys, source, entry)

    def _define_relation(self, path: Path, r: str, keys: dict[str, str], source: str, entry: Node) -> None:
        name = _key_text(entry.child_by_field_name("key"))
        value = unwrap(entry.child_by_field_name("value"))  # type: ignore[arg-type]
        # r.one.users({...}) / r.many.posts()
        function = value.child_by_field_name("function") if value.type == "call_expression" else None
        parts = self._text(path, function).split(".") if function is not None else []
        if name is None or len(parts) != 3 or parts[0] != r or parts[1] not in ("one", "many"):
            self._unreadable(path, entry, f"relation {name}", "not an r.one.<table>() / r.many.<table>() call")
            return
        target = keys.get(parts[2])
        relation = Relation(source, name, parts[1], target, api="defineRelations", path=path, line=self._line(entry))  # type: ignore[arg-type]
        items = _args(value)
        config = unwrap(items[0]) if items else None
        if config is not None and config.type == "object":
            fields, through = self._define_refs(path, r, keys, _option_node(config, "from"))
            references, through_to = self._define_refs(path, r, keys, _option_node(config, "to"))
            relation.fields, relation.references = fields, references
            relation.through = through or through_to
            relation.relation_name = _option(config, "alias")
            optional = _option_node(config, "optional")
            relation.optional = None if optional is None else self._text(path, optional) == "true"
        if target is None:
            self._unreadable(path, entry, f"relation {name}", f"table key {parts[2]} not found in the schema object")
        self.model.relations.append(relation)

    def _define_refs(
        self, path: Path, r: str, keys: dict[str, str], node: Node | None
    ) -> tuple[tuple[str, ...], str | None]:
        if node is None:
            return (), None
        items = unwrap(node).named_children if unwrap(node).type == "array" else [node]
        out: list[str] = []
        through: str | None = None
        for item in items:
            base, methods = _split_calls(unwrap(item))
            text = self._text(path, base).split(".")
            out.append(text[2] if len(text) == 3 and text[0] == r else "?" + self._text(path, item))
            for method, margs in methods:
                if method == "through" and margs is not None and margs.named_children:
                    junction = self._text(path, margs.named_children[0]).split(".")
                    through = keys.get(junction[1]) if len(junction) == 3 else None
        return tuple(out), through

    def _schema_keys(self, path: Path, node: Node) -> dict[str, str]:
        """defineRelations' first argument -> {schema key: table id}."""
        node = unwrap(node)
        keys: dict[str, str] = {}
        if node.type == "object":
            for entry in node.named_children:
                if entry.type == "shorthand_property_identifier":
                    found = self.table_id_of(path, entry)
                    if found:
                        keys[self._text(path, entry)] = found
                elif entry.type == "pair":
                    key = _key_text(entry.child_by_field_name("key"))
                    found = self.table_id_of(path, entry.child_by_field_name("value"))  # type: ignore[arg-type]
                    if key and found:
                        keys[key] = found
                elif entry.type == "spread_element" and entry.named_children:
                    keys.update(self._schema_keys(path, entry.named_children[0]))
            return keys
        sym = self.resolve_expr(path, node)
        if sym is not None and sym.kind == "namespace" and sym.path is not None:
            return {t.ts_name: t.id for t in self._tables_exported_from(sym.path) if t.ts_name}
        value = self._value_of(sym)
        if value is not None and sym is not None and sym.path is not None:
            return self._schema_keys(sym.path, value)
        return keys

    def _tables_exported_from(self, path: Path) -> list[Table]:
        out = []
        for table in self.model.tables:
            if table.ts_name is None:
                continue
            found = self.summaries.resolve_export(path, table.ts_name, 0)
            if found is not None and found == (table.path, table.ts_name):
                out.append(table)
        return out

    # ---- after reading --------------------------------------------------------------------------
    def _expression_columns(self) -> None:
        """The columns each unique expression or partial predicate mentions."""
        for table in self.model.tables:
            for unique in table.uniques:
                texts = [*unique.expressions, unique.predicate or ""]
                unique.expression_columns = tuple(
                    key for key in table.columns if any(_mentions(text, table, key) for text in texts)
                )

    def _derive_names(self) -> None:
        """The constraint names drizzle generates when none is given (drizzle-orm's getName/uniqueKeyName)."""
        self._expression_columns()
        for table in self.model.tables:
            if table.name is None:
                continue

            def sql(keys: Iterable[str], owner: Table) -> list[str] | None:
                names = [owner.columns[k].name if k in owner.columns else None for k in keys]
                return [n for n in names if n is not None] if all(n is not None for n in names) else None

            for unique in table.uniques:
                if unique.name is None and unique.kind == "unique":
                    names = sql(unique.columns, table)
                    if names:
                        unique.name, unique.name_derived = f"{table.name}_{'_'.join(names)}_unique", True
            pk = table.primary_key
            column_level = pk is not None and any(
                c.primary_key and (c.key,) == pk.columns for c in table.columns.values()
            )
            if pk is not None and pk.name is None and not column_level:
                names = sql(pk.columns, table)
                if names:
                    pk.name, pk.name_derived = f"{table.name}_{'_'.join(names)}_pk", True
            for fk in table.foreign_keys:
                target = self.model.by_id(fk.target)
                if fk.name is not None or target is None or target.name is None:
                    continue
                own, other = sql(fk.columns, table), sql(fk.target_columns, target)
                if own and other:
                    fk.name, fk.name_derived = f"{table.name}_{'_'.join(own)}_{target.name}_{'_'.join(other)}_fk", True

    def _check_targets(self) -> None:
        for table in self.model.tables:
            for fk in table.foreign_keys:
                if fk.target is not None and self.model.by_id(fk.target) is None:
                    self.model.unreadable.append(
                        Unreadable(
                            table.path,
                            fk.line,
                            f"foreign key {table.ts_name}.{','.join(fk.columns)}",
                            f"{fk.target} is not a table dalfix read",
                        )
                    )
                    fk.target = None
        for relation in self.model.relations:
            if relation.target is not None and self.model.by_id(relation.target) is None:
                relation.target = None


# ---- small syntax helpers -----------------------------------------------------------------------
def _args(call: Node) -> list[Node]:
    """A call's arguments, comments left out."""
    arguments = call.child_by_field_name("arguments")
    return [a for a in arguments.named_children if a.type != "comment"] if arguments is not None else []


def _mentions(text: str, table: Table, key: str) -> bool:
    """Whether SQL template text names a column: `${t.key}` / `${table.key}`, or its SQL name as a word."""
    if re.search(r"\$\{\s*[\w$]+\.\s*" + re.escape(key) + r"\s*\}", text):
        return True
    name = table.columns[key].name
    literal = re.sub(r"\$\{[^}]*\}", " ", text)
    return name is not None and re.search(r"(?<![\w$])" + re.escape(name) + r"(?![\w$])", literal) is not None


def locally_bound(identifier: Node) -> bool:
    """Whether an enclosing function or block (not the module) declares this name."""
    name = identifier.text
    if name is None:
        return False
    scopes: list[Node] = []
    current = identifier.parent
    while current is not None and current.type != "program":
        scopes.append(current)
        current = current.parent
    if current is None:  # not under a program: nothing to remember the scopes' names by
        return any(name in scope_names(scope) for scope in scopes)
    names = _SCOPE_NAMES.of(current)
    for scope in scopes:
        found = names.get(scope.id)
        if found is None:
            found = names[scope.id] = scope_names(scope)
        if name in found:  # type: ignore[operator]
            return True
    return False


def scope_names(scope: Node) -> frozenset[bytes]:
    """The names a function (its parameters) or a block (its declarations; a for-in's left side, a catch's
    parameter) declares: the identifiers of their patterns, not of initializers, defaults or types."""
    declared: list[Node] = []
    if scope.type in FUNCTION_TYPES:
        params = scope.child_by_field_name("parameters")
        single = scope.child_by_field_name("parameter")
        declared.extend([params] if params is not None else [])
        declared.extend([single] if single is not None else [])
    elif scope.type in ("statement_block", "for_in_statement", "for_statement", "catch_clause", "switch_body"):
        for child in scope.named_children:
            if child.type in ("lexical_declaration", "variable_declaration"):
                for declarator in child.named_children:
                    name_node = declarator.child_by_field_name("name")
                    if declarator.type == "variable_declarator" and name_node is not None:
                        declared.append(name_node)
            elif child.type in ("function_declaration", "class_declaration", "generator_function_declaration"):
                name_node = child.child_by_field_name("name")
                if name_node is not None:
                    declared.append(name_node)
        if scope.type == "for_in_statement":
            left = scope.child_by_field_name("left")
            declared.extend([left] if left is not None else [])
        if scope.type == "catch_clause":
            param = scope.child_by_field_name("parameter")
            declared.extend([param] if param is not None else [])
    names: set[bytes] = set()
    for node in declared:
        for found in descendants_of_type(node, "identifier", "shorthand_property_identifier_pattern"):
            # a declarator's value is not a declaration: only look at names and patterns
            if found.text is not None and _in_pattern(found, node):
                names.add(found.text)
    return frozenset(names)


# The names each scope of a tree declares (`scope_names`), for the few trees asked about last: `locally_bound` went
# through every statement of every enclosing block for each identifier asked about (0.4 ms a call in Cap's larger
# functions, asked for each table and constant named).
_SCOPE_NAMES = TreeMemo(4)
# `SchemaModel.table_for_identifier`'s answers, per node of the few trees asked about last.
TABLE_NAMES = TreeMemo(8)


def _in_pattern(found: Node, top: Node) -> bool:
    """Whether an identifier under `top` sits in a binding position (not in an initializer or default)."""
    node = found
    while node is not None and node != top:
        parent = node.parent
        if parent is None:
            return False
        if parent.type == "variable_declarator" and parent.child_by_field_name("value") == node:
            return False
        if (
            parent.type in ("assignment_pattern", "object_assignment_pattern")
            and parent.child_by_field_name("right") == node
        ):
            return False
        if (
            parent.type in ("required_parameter", "optional_parameter")
            and parent.child_by_field_name("pattern") != node
        ):
            return False
        if parent.type == "pair_pattern" and parent.child_by_field_name("key") == node:
            return False
        if parent.type in ("type_annotation",):
            return False
        node = parent
    return True


def _string(node: Node | None) -> str | None:
    """The value of a string literal or a template string without substitutions."""
    if node is None:
        return None
    node = unwrap(node)
    text = (node.text or b"").decode("utf-8", "surrogateescape")
    if node.type == "string" and len(text) >= 2:
        return text[1:-1]
    if node.type == "template_string" and not any(c.type == "template_substitution" for c in node.named_children):
        return text[1:-1]
    return None


_CHECK_IN = re.compile(r"\s*sql\s*`\s*\$\{\s*\w+\.(\w+)\s*\}\s+in\s*\(([^)]*)\)\s*`\s*", re.IGNORECASE)


def _string_array(node: Node | None) -> tuple[str, ...] | None:
    if node is None or unwrap(node).type != "array":
        return None
    values = [_string(e) for e in unwrap(node).named_children if e.type != "comment"]
    return None if any(v is None for v in values) else tuple(v for v in values if v is not None)


def _key_text(node: Node | None) -> str | None:
    if node is None:
        return None
    if node.type in ("property_identifier", "identifier", "shorthand_property_identifier"):
        return (node.text or b"").decode()
    if node.type == "string":
        return _string(node)
    if node.type == "number":
        return (node.text or b"").decode()
    return None


def _option_node(obj: Node | None, key: str) -> Node | None:
    if obj is None:
        return None
    for entry in obj.named_children:
        if entry.type == "pair" and _key_text(entry.child_by_field_name("key")) == key:
            return entry.child_by_field_name("value")
    return None


def _option(obj: Node | None, key: str) -> str | None:
    node = _option_node(obj, key)
    return _string(node) if node is not None else None


def _binding(call: Node) -> str | None:
    """The top-level name a table/enum call is bound to: `users`, or `proxySchema.users` in an object."""
    node = call
    while node.parent is not None and node.parent.type in (
        "parenthesized_expression",
        "as_expression",
        "satisfies_expression",
        "non_null_expression",
    ):
        node = node.parent
    # pgTable(...).enableRLS()
    while (
        node.parent is not None
        and node.parent.type == "member_expression"
        and node.parent.parent is not None
        and node.parent.parent.type == "call_expression"
    ):
        prop = node.parent.child_by_field_name("property")
        if prop is None or (prop.text or b"").decode() not in TABLE_SUFFIX_METHODS:
            break
        node = node.parent.parent
    parent = node.parent
    prefix = ""
    if parent is not None and parent.type == "pair":
        key = _key_text(parent.child_by_field_name("key"))
        obj = parent.parent
        if key is None or obj is None or obj.parent is None or obj.parent.type != "variable_declarator":
            return None
        prefix, parent = key, obj.parent
    if parent is None or parent.type != "variable_declarator":
        return None
    holder = parent.parent
    if holder is None or holder.parent is None or holder.parent.type not in ("program", "export_statement"):
        return None
    name = parent.child_by_field_name("name")
    if name is None or name.type != "identifier":
        return None
    text = (name.text or b"").decode()
    return f"{text}.{prefix}" if prefix else text


def _first_param(parsed: ParsedFile, function: Node) -> str | None:
    params = function.child_by_field_name("parameters")
    if params is None:
        param = function.child_by_field_name("parameter")
        return parsed.text(param) if param is not None and param.type == "identifier" else None
    for param in params.named_children:
        pattern = param.child_by_field_name("pattern")
        if pattern is not None and pattern.type == "identifier":
            return parsed.text(pattern)
        return None
    return None


def _helper_names(parsed: ParsedFile, callback: Node) -> dict[str, str]:
    """relations' callback parameter: `({ one, many })` or `({ one: o })` or `(h)` -> {callee text: kind}."""
    names: dict[str, str] = {}
    params = callback.child_by_field_name("parameters")
    first = params.named_children[0] if params is not None and params.named_children else None
    pattern = first.child_by_field_name("pattern") if first is not None else None
    if pattern is None:
        return names
    if pattern.type == "identifier":
        name = parsed.text(pattern)
        return {f"{name}.one": "one", f"{name}.many": "many"}
    for entry in pattern.named_children:
        if entry.type == "shorthand_property_identifier_pattern":
            text = parsed.text(entry)
            if text in ("one", "many"):
                names[text] = text
        elif entry.type == "pair_pattern":
            key, value = entry.child_by_field_name("key"), entry.child_by_field_name("value")
            if key is not None and value is not None and parsed.text(key) in ("one", "many"):
                names[parsed.text(value)] = parsed.text(key)
    return names


def _function_of(node: Node) -> Node | None:
    """A function declaration, or a const bound to an arrow/function expression."""
    if node.type in FUNCTION_TYPES:
        return node
    if node.type == "variable_declarator":
        value = node.child_by_field_name("value")
        value = unwrap(value) if value is not None else None
        if value is not None and value.type in FUNCTION_TYPES:
            return value
    return None


def _returned(function: Node) -> Node | None:
    """An arrow's expression body, or the expression of a body that is a single `return x;`."""
    body = function.child_by_field_name("body")
    if body is None:
        return None
    if body.type != "statement_block":
        return unwrap(body)
    statements = [s for s in body.named_children if s.type != "comment"]
    if len(statements) == 1 and statements[0].type == "return_statement" and statements[0].named_children:
        return unwrap(statements[0].named_children[0])
    return None


def _split_calls(node: Node) -> tuple[Node, list[tuple[str, Node | None]]]:
    """`index('n').on(a).where(b)` -> (index('n'), [(on, args), (where, args)])."""
    methods: list[tuple[str, Node | None]] = []
    current = node
    while current.type == "call_expression":
        function = current.child_by_field_name("function")
        if function is None or unwrap(function).type != "member_expression":
            break
        member = unwrap(function)
        obj, prop = member.child_by_field_name("object"), member.child_by_field_name("property")
        if obj is None or prop is None:
            break
        methods.insert(0, ((prop.text or b"").decode(), current.child_by_field_name("arguments")))
        current = unwrap(obj)
    return current, methods


def _apply_creator(creator: Node, raw: str) -> tuple[str | None, str | None]:
    """pgTableCreator((name) => `app_${name}`) applied to a table name, when the callback is that simple."""
    args = creator.child_by_field_name("arguments")
    callback = unwrap(args.named_children[0]) if args is not None and args.named_children else None
    if callback is None or callback.type not in FUNCTION_TYPES:
        return None, "the table creator's callback is not a function literal"
    param = callback.child_by_field_name("parameter")
    if param is None:
        params = callback.child_by_field_name("parameters")
        first = params.named_children[0] if params is not None and params.named_children else None
        param = first.child_by_field_name("pattern") if first is not None else None
    body = _returned(callback)
    if param is None or body is None:
        return None, "the table creator's callback is not `(name) => <expression>`"
    name = (param.text or b"").decode()
    text = (body.text or b"").decode("utf-8", "surrogateescape")
    if body.type == "template_string":
        inner = text[1:-1]
        if inner.count("${") == 1 and "${" + name + "}" in inner:
            return inner.replace("${" + name + "}", raw), None
    if body.type == "identifier" and text == name:
        return raw, None
    if body.type == "binary_expression":
        parts = [p.strip() for p in text.split("+")]
        if all(p == name or _is_plain_literal(p) for p in parts) and parts.count(name) == 1:
            return "".join(raw if p == name else p[1:-1] for p in parts), None
    return None, f"the table creator's prefix is not computable: {text[:60]}"


def _is_plain_literal(text: str) -> bool:
    return len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"`" and "${" not in text and "+" not in text[1:-1]


def _custom_data_type(call: Node) -> str | None:
    """customType({ dataType() { return 'bytea' } }) -> bytea."""
    for ret in descendants_of_type(call, "return_statement"):
        value = _string(ret.named_children[0]) if ret.named_children else None
        if value is not None:
            return value
        break
    return None


def _cased(key: str, casing: str) -> str:
    if casing == "snake_case":
        return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key).lower()
    if casing == "camelCase":
        return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), key)
    return key


CASING_RE = re.compile(rb"""\bcasing\s*:\s*(?:(['"])(snake_case|camelCase)\1|([^'"\s][^,}\n]*))""")


def _config_globs(source: bytes) -> list[str]:
    """drizzle.config's `schema: './src/db/schema.ts'` or `schema: ['a', 'b']`."""
    match = re.search(rb"""\bschema\s*:\s*(\[[^\]]*\]|'[^']*'|"[^"]*")""", source)
    if match is None:
        return []
    return [m.decode() for m in re.findall(rb"""['"]([^'"]+)['"]""", match.group(1))]


def _config_files(pattern: Path) -> list[Path]:
    """The TypeScript files a drizzle.config `schema` entry names: a file, a directory, or a glob."""
    text = str(pattern)
    if "*" not in text:
        if pattern.is_dir():
            return sorted(p for p in pattern.rglob("*.ts") if "node_modules" not in p.parts)
        return [pattern] if pattern.is_file() else []
    parts = pattern.parts
    first = next(i for i, part in enumerate(parts) if "*" in part)
    base = Path(*parts[:first])
    if not base.is_dir():
        return []
    found = base.glob("/".join(parts[first:]))
    return sorted(
        p for p in found if p.is_file() and p.suffix in (".ts", ".mts", ".cts") and "node_modules" not in p.parts
    )


def _source_files(roots: Iterable[Path]) -> Iterable[Path]:
    """TypeScript files under `roots`, skipping node_modules/dist/… and git-ignored directories.

    Cheaper than the engine's `discover` (which checks every file against .gitignore and resolves
    symlinks): a project model may walk a whole workspace just to find the few schema files. Ignored
    single files are rarely schema; they are read like the others. The directories come from the run's own
    listing of the workspace when it made one (`walked_directories`), else from a walk of their own."""
    for root in roots:
        root = Path(os.path.abspath(root))
        if root.is_file():
            yield root
            continue
        listing = walked_directories(root)
        for here, filenames in listing if listing is not None else _walk(root):
            for name in filenames:
                path = here / name
                if is_source_file(path) and not _is_test_file(path.relative_to(root)):
                    yield path


def _walk(root: Path) -> Iterator[tuple[Path, tuple[str, ...]]]:
    """The directories under `root` `discover` would walk, each with its source files' names sorted (as
    `walked_directories` gives them)."""
    ignore = _IgnoreRules()
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d for d in dirnames if d not in ALWAYS_SKIPPED_DIRS and not ignore.ignored(here / d, is_dir=True)
        )
        yield here, tuple(name for name in sorted(filenames) if is_source_file(Path(name)))


def _is_test_file(path: Path) -> bool:
    """(`path` relative to the scanned root.) Tests build throwaway tables; they are read only when code
    names them (`table_for_identifier`). Test code as the rules see it (dalfix/analysis/setup_code.py, by path);
    seeds, migrations and scripts are read: they may declare the tables the application uses."""
    return setup_code_kind(path.as_posix()) == "test"
