"""Edits to a Drizzle schema file: adding an index to a table's third argument, in the style it already uses.

`add_index_edit(parsed, table, name, columns)` returns an `IndexEdit` (the edit, and the `index` import it
needs) or a reason it cannot: the table is found by its top-level name in `parsed` (the current text of the
schema file, which may be a later fix round's), so that line shifts from earlier edits do not matter.

Forms handled: no third argument (`, (t) => [index(...).on(t.a)]` is added), the array form
`(t) => [a, b]` (appended), the object form `(t) => ({ a: ..., b: ... })` (a pair `<cols>Idx: index(...)`).
Not handled (reason returned): a block body, a destructured parameter, a table that is not bound to a
top-level name, a file where `index` names something else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dalfix.analysis.drizzle import unwrap
from dalfix.fixes import Edit
from dalfix.imports import imported_names, top_level_bindings
from dalfix.parsing import Node, ParsedFile, line_indent

if TYPE_CHECKING:
    from dalfix.analysis.schema import Table
    from dalfix.render import SourceStyle

CORE_MODULES = {
    "pg": "drizzle-orm/pg-core",
    "sqlite": "drizzle-orm/sqlite-core",
    "mysql": "drizzle-orm/mysql-core",
    "singlestore": "drizzle-orm/singlestore-core",
}


@dataclass(frozen=True)
class IndexEdit:
    edit: Edit
    imports: frozenset[tuple[str, str]]
    code: str  # the `index(...).on(...)` expression added


def table_call(parsed: ParsedFile, ts_name: str) -> tuple[Node, Node] | None:
    """(the declarator's name node, the table-building call) of `const <ts_name> = pgTable(...)`."""
    for statement in parsed.root.named_children:
        declaration = statement
        if statement.type == "export_statement":
            declaration = statement.child_by_field_name("declaration") or statement
        if declaration.type not in ("lexical_declaration", "variable_declaration"):
            continue
        for declarator in declaration.named_children:
            name = declarator.child_by_field_name("name") if declarator.type == "variable_declarator" else None
            value = declarator.child_by_field_name("value") if name is not None else None
            if name is None or value is None or parsed.text(name) != ts_name:
                continue
            call = unwrap(value)
            while call.type == "call_expression":  # `pgTable(...).enableRLS()`
                function = call.child_by_field_name("function")
                if function is not None and function.type == "member_expression":
                    inner = function.child_by_field_name("object")
                    if inner is not None and unwrap(inner).type == "call_expression":
                        call = unwrap(inner)
                        continue
                break
            return (name, call) if call.type == "call_expression" else None
    return None


def index_callee(parsed: ParsedFile, table: Table) -> tuple[str, frozenset[tuple[str, str]]] | str:
    """How the file can name drizzle's `index`: (the name, the import to add) or why it cannot."""
    module = CORE_MODULES.get(table.dialect)
    if module is None:
        return f"no index builder known for the {table.dialect} dialect"
    imported = imported_names(parsed)
    for local, (source, name) in imported.items():
        if source == module and name == "index":
            return local, frozenset()
    namespace = _namespace_import(parsed, module)
    if namespace is not None:
        return f"{namespace}.index", frozenset()
    if "index" in top_level_bindings(parsed) or "index" in imported:
        return f"`index` already names something else in {parsed.path.name}"
    return "index", frozenset({(module, "index")})


def _namespace_import(parsed: ParsedFile, module: str) -> str | None:
    """`p` of `import * as p from "drizzle-orm/pg-core"`."""
    for statement in parsed.root.named_children:
        source = statement.child_by_field_name("source") if statement.type == "import_statement" else None
        if source is None or parsed.text(source)[1:-1] != module:
            continue
        for node in statement.named_children:
            clause = node if node.type == "import_clause" else None
            for part in clause.named_children if clause is not None else []:
                if part.type == "namespace_import" and part.named_children:
                    return parsed.text(part.named_children[-1])
    return None


def add_index_edit(
    parsed: ParsedFile, table: Table, name: str, columns: tuple[str, ...], style: SourceStyle
) -> IndexEdit | str:
    if not table.ts_name or "." in table.ts_name:
        return "the table is not bound to a top-level name"
    found = table_call(parsed, table.ts_name)
    if found is None:
        return f"`{table.ts_name}` is not built by a call dalfix can edit"
    _, call = found
    callee = index_callee(parsed, table)
    if isinstance(callee, str):
        return callee
    function, imports = callee
    arguments = call.child_by_field_name("arguments")
    args = [a for a in arguments.named_children if a.type != "comment"] if arguments is not None else []
    if len(args) < 2 or arguments is None:
        return "the table call has no columns argument"
    if len(args) == 2:
        code = _index_code(function, name, "t", columns, style.quote)
        columns_arg = args[1]
        opening = parsed.source[arguments.start_byte : args[0].start_byte]
        if b"\n" in opening:
            indent = line_indent(parsed.source, columns_arg.start_byte)
            text = f",\n{indent}(t) => [{code}]"
        else:
            text = f", (t) => [{code}]"
        return IndexEdit(Edit(columns_arg.end_byte, columns_arg.end_byte, text), imports, code)
    extra = unwrap(args[2])
    if extra.type not in ("arrow_function", "function_expression"):
        return "the third argument is not a callback"
    parameter = _parameter(parsed, extra)
    if parameter is None:
        return "the third argument's parameter is destructured or missing"
    code = _index_code(function, name, parameter, columns, style.quote)
    body = extra.child_by_field_name("body")
    body = unwrap(body) if body is not None else None
    if body is not None and body.type == "array":
        return _append(parsed, body, code, code, imports, style)
    if body is not None and body.type == "object":
        key = _key_for(parsed, body, columns)
        return _append(parsed, body, f"{key}: {code}", code, imports, style)
    return "the third argument's body is neither an array nor an object literal"


def _append(
    parsed: ParsedFile, container: Node, text: str, code: str, imports: frozenset[tuple[str, str]], style: SourceStyle
) -> IndexEdit:
    """Add `text` as the last element of an array or object literal, on its own line when the literal's
    elements are; a one-line literal the addition would take past the print width is split one per line."""
    elements = [c for c in container.named_children if c.type != "comment"]
    inner = (container.start_byte + 1, container.end_byte - 1)
    if not elements:
        return IndexEdit(Edit(*inner, text), imports, code)
    last = elements[-1]
    opening = parsed.source[container.start_byte : elements[0].start_byte]
    if b"\n" in opening:
        indent = line_indent(parsed.source, last.start_byte)
        return IndexEdit(Edit(last.end_byte, last.end_byte, f",{style.newline}{indent}{text}"), imports, code)
    line_start = parsed.source.rfind(b"\n", 0, container.start_byte) + 1
    line_end = parsed.source.find(b"\n", container.end_byte)
    line = parsed.source[line_start : line_end if line_end >= 0 else len(parsed.source)]
    if len(line.decode("utf-8", "surrogateescape").rstrip()) + len(text) + 2 <= style.print_width:
        return IndexEdit(Edit(last.end_byte, last.end_byte, f", {text}"), imports, code)
    indent = line_indent(parsed.source, container.start_byte)
    items = [parsed.text(e) for e in elements] + [text]
    if any("\n" in item for item in items) or any(c.type == "comment" for c in container.named_children):
        return IndexEdit(Edit(last.end_byte, last.end_byte, f", {text}"), imports, code)
    nl, unit = style.newline, style.indent_unit
    body = "".join(f"{nl}{indent}{unit}{item}," for item in items) + nl + indent
    return IndexEdit(Edit(*inner, body), imports, code)


def _parameter(parsed: ParsedFile, function: Node) -> str | None:
    single = function.child_by_field_name("parameter")
    if single is not None:
        return parsed.text(single) if single.type == "identifier" else None
    params = function.child_by_field_name("parameters")
    first = next(iter(params.named_children), None) if params is not None else None
    pattern = first.child_by_field_name("pattern") if first is not None else None
    return parsed.text(pattern) if pattern is not None and pattern.type == "identifier" else None


def _index_code(function: str, name: str, parameter: str, columns: tuple[str, ...], quote: str) -> str:
    on = ", ".join(f"{parameter}.{key}" for key in columns)
    return f"{function}({quote}{name}{quote}).on({on})"


def _key_for(parsed: ParsedFile, body: Node, columns: tuple[str, ...]) -> str:
    taken = set()
    for pair in body.named_children:
        node = pair.child_by_field_name("key") if pair.type == "pair" else None
        if node is not None:
            taken.add(parsed.text(node))
    base = columns[0] + "".join(c[:1].upper() + c[1:] for c in columns[1:]) + "Idx"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}{n}", n + 1
    return key
