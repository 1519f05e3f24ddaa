"""Edits to a Drizzle schema file: adding an index to a table's third argument, in the style it already uses.

`add_index_edit(parsed, table, name, columns)` returns an `IndexEdit` (the edit, and the `index` import it
needs) or a reason it cannot: the table is found by its top-level name in `parsed` (the current text of the
schema file, which may be a later fix round's), so that line shifts from earlier edits do not matter.

Forms handled: no third argument (`, (t) => [index(...).on(t.a)]` is added), the array form
`(t) => [a, b]` (appended), the object form `(t) => ({ a: ..., b: ... })` (a pair `<cols>Idx: index(...)`).
Where the project has a formatter (Prettier, Biome: `SourceStyle.formatter`), the text is what it prints, so
that running it changes nothing: a table whose columns object was hugged (`table("n", {` … `})`) gets every
argument on its own line and the object one level deeper (column lines that no longer fit broken as the
formatters break them), a callback or an `index("n").on(a, b)` past the print width is broken the way they
break it, the callback's parameter follows the file's other tables (`table =>` under `arrowParens: "avoid"`),
and trailing commas follow the configuration (call arguments) and the file (literals). Without a formatter the
edit stays minimal (`}, (t) => [...]);`).
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
from dalfix.print_width import break_arrow_argument, break_call_arguments, wrap_long_line

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
    # The table call whose arguments the edit re-lays out (`sqliteTable`: its hugged columns object one level
    # deeper, as the formatters print a call with a third argument), with the number of lines moved; else None.
    relaid: tuple[str, int] | None = None


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


def index_callee(
    parsed: ParsedFile, table: Table, builder: str = "index"
) -> tuple[str, frozenset[tuple[str, str]]] | str:
    """How the file can name drizzle's `index` (or `uniqueIndex`): (the name, the import to add) or why it cannot."""
    module = CORE_MODULES.get(table.dialect)
    if module is None:
        return f"no index builder known for the {table.dialect} dialect"
    imported = imported_names(parsed)
    for local, (source, name) in imported.items():
        if source == module and name == builder:
            return local, frozenset()
    namespace = _namespace_import(parsed, module)
    if namespace is not None:
        return f"{namespace}.{builder}", frozenset()
    if builder in top_level_bindings(parsed) or builder in imported:
        return f"`{builder}` already names something else in {parsed.path.name}"
    return builder, frozenset({(module, builder)})


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
    parsed: ParsedFile, table: Table, name: str, columns: tuple[str, ...], style: SourceStyle, unique: bool = False
) -> IndexEdit | str:
    if not table.ts_name or "." in table.ts_name:
        return "the table is not bound to a top-level name"
    found = table_call(parsed, table.ts_name)
    if found is None:
        return f"`{table.ts_name}` is not built by a call dalfix can edit"
    _, call = found
    callee = index_callee(parsed, table, "uniqueIndex" if unique else "index")
    if isinstance(callee, str):
        return callee
    function, imports = callee
    arguments = call.child_by_field_name("arguments")
    args = [a for a in arguments.named_children if a.type != "comment"] if arguments is not None else []
    if len(args) < 2 or arguments is None:
        return "the table call has no columns argument"
    if len(args) == 2:
        param, parens = _callback_style(parsed)
        code = _index_code(function, name, param, columns, style.quote)
        head = f"({param}) =>" if parens else f"{param} =>"
        columns_arg = args[1]
        opening = parsed.source[arguments.start_byte : args[0].start_byte]
        if b"\n" in opening:
            indent = line_indent(parsed.source, columns_arg.start_byte)
            comma = "," if parsed.source[columns_arg.end_byte :].lstrip().startswith(b",") else ""
            # The comma the columns argument had ends the new last argument (measured, not added twice).
            callback = _callback_lines(indent, head, code, comma, parsed, columns_arg, style)[: -len(comma) or None]
            edit = Edit(columns_arg.end_byte, columns_arg.end_byte, f",{style.newline}{callback}")
            return IndexEdit(edit, imports, code)
        if style.formatter is not None:
            relaid = _relaid_arguments(parsed, arguments, args, head, code, style)
            if relaid is not None:
                builder = call.child_by_field_name("function")
                moved = parsed.text(columns_arg).count("\n") + 1
                return IndexEdit(relaid, imports, code, (parsed.text(builder) if builder else "table", moved))
        text = f", {head} [{code}]"
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
        key = _key_for(parsed, body, columns, "Unique" if unique else "Idx")
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
        # A comma the last element had stays after this one: measured with it, not added twice.
        comma = "," if parsed.source[last.end_byte :].lstrip().startswith(b",") else ""
        added = _element_lines(indent, text, comma, style)[: -len(comma) or None]
        return IndexEdit(Edit(last.end_byte, last.end_byte, f",{style.newline}{added}"), imports, code)
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
    comma = "," if _literal_trailing_commas(parsed) else ""
    lines = [f"{indent}{unit}{item}," for item in items[:-1]] + [_element_lines(indent + unit, text, comma, style)]
    body = nl + nl.join(lines) + nl + indent
    return IndexEdit(Edit(*inner, body), imports, code)


# ---- the layout Prettier and Biome give a table call with a third argument ---------------------------------
def _relaid_arguments(
    parsed: ParsedFile, arguments: Node, args: list[Node], head: str, code: str, style: SourceStyle
) -> Edit | None:
    """`table("n", {` … `})` with a callback added, printed as the formatters print a call whose last argument is
    no longer the hugged object: each argument on its own line, the object one level deeper. None when the
    argument list holds something dalfix will not re-indent (a comment outside the object, a multi-line template
    literal, which re-indenting would change)."""
    name_arg, columns_arg = args
    source = parsed.source
    if any(c.type == "comment" for c in arguments.named_children) or _has_multiline_template(columns_arg):
        return None
    if b"\n" in source[name_arg.end_byte : columns_arg.start_byte]:
        return None
    indent = line_indent(source, arguments.start_byte)
    inner = indent + style.indent_unit
    nl = style.newline
    object_lines = parsed.text(columns_arg).replace("\r\n", "\n").split("\n")
    reindented = [object_lines[0]]
    for line in object_lines[1:]:
        reindented.extend(_rewrapped(style.indent_unit + line, style) if line.strip() else [""])
    comma = "," if style.trailing_commas else ""
    columns_text = "\n".join(reindented).replace("\r\n", "\n").replace("\n", nl)
    callback = _callback_lines(inner, head, code, comma, parsed, columns_arg, style)
    text = f"({nl}{inner}{parsed.text(name_arg)},{nl}{inner}{columns_text},{nl}{callback}{nl}{indent})"
    return Edit(arguments.start_byte, arguments.end_byte, text)


def _rewrapped(line: str, style: SourceStyle) -> list[str]:
    """A column line one level deeper that no longer fits, broken as Prettier and Biome break it: a chain of three
    or more calls before each call (`integer("a")` / `.notNull()` / `.references(…)`), else a call's arguments one
    per line (`text(` / `"a_long_name",` / `),`), a sole arrow function hugged (`.references(` / `() => t.id,` /
    `),`)."""
    if style.fits(line):
        return [line]
    unit, width, tab = style.indent_unit, style.print_width, style.tab_width
    chain = wrap_long_line(line, unit, width, tab)
    if len(chain) > 1:
        return chain
    broken = break_call_arguments(line, unit, width, tab, style.trailing_commas)
    if broken == [line]:  # `.references(() => t.id),`: the arrow hugged, as they print a sole function argument
        broken = break_arrow_argument(line, unit, width, tab, style.trailing_commas)
    return broken


def _callback_lines(
    indent: str, head: str, code: str, comma: str, parsed: ParsedFile, columns_arg: Node, style: SourceStyle
) -> str:
    """`(t) => [index(…).on(…)]` at `indent`, broken as the formatters break it when it does not fit."""
    line = f"{indent}{head} [{code}]{comma}"
    if style.fits(line):
        return line
    element_comma = "," if _literal_trailing_commas(parsed, columns_arg) else ""
    element = _element_lines(indent + style.indent_unit, code, element_comma, style)
    return f"{indent}{head} [{style.newline}{element}{style.newline}{indent}]{comma}"


def _element_lines(indent: str, text: str, comma: str, style: SourceStyle) -> str:
    """`text` (an `index("n").on(a, b)` element, maybe after a key) at `indent`, broken as Prettier and Biome break
    it when it does not fit: the `.on(` arguments one per line; when even `index("n").on(` does not fit, the name
    on its own line and `).on(a, b)` after it."""
    line = f"{indent}{text}{comma}"
    at = text.rfind(".on(")
    opening = text.rfind("(", 0, at)
    if style.fits(line) or at < 0 or opening < 0 or not text.endswith(")"):
        return line
    call_comma = "," if style.trailing_commas else ""
    inner = indent + style.indent_unit
    parts = text[at + 4 : -1].split(", ")

    def arguments(first: str) -> list[str]:
        listed = [f"{inner}{part}{',' if i < len(parts) - 1 else call_comma}" for i, part in enumerate(parts)]
        return [first, *listed, f"{indent}){comma}"]

    if style.fits(f"{indent}{text[: at + 4]}"):
        return style.newline.join(arguments(f"{indent}{text[: at + 4]}"))
    head = [f"{indent}{text[: opening + 1]}", f"{inner}{text[opening + 1 : at - 1]}{call_comma}"]
    tail = f"{indent}){text[at:]}{comma}"
    if style.fits(tail):
        return style.newline.join([*head, tail])
    return style.newline.join([*head, *arguments(f"{indent}).on(")])


def _literal_trailing_commas(parsed: ParsedFile, near: Node | None = None) -> bool:
    """Whether the file ends multi-line object and array literals with a comma (Prettier's and Biome's default;
    `trailingComma: "none"` does not): read from the columns object `near`, else from the file."""
    import re

    sample = (
        parsed.text(near)
        if near is not None and "\n" in parsed.text(near)
        else parsed.source.decode("utf-8", "surrogateescape")
    )
    endings = re.findall(r"(\S)[ \t]*\r?\n[ \t]*[}\]]", sample)
    if not endings:
        return True
    return endings.count(",") * 2 >= len(endings)


def _callback_style(parsed: ParsedFile) -> tuple[str, bool]:
    """(the parameter name, whether it is parenthesized) the file's other tables' third arguments use: `table =>
    [` under Prettier's `arrowParens: "avoid"`; `(t)` when the file has none."""
    import re

    text = parsed.source.decode("utf-8", "surrogateescape")
    found = re.findall(r"(?:^[ \t]*|\},[ \t]*)(\()?([A-Za-z_$][\w$]*)(\))?[ \t]*=>[ \t]*(?:\[|\(\{)", text, re.M)
    shapes = [(name, bool(open_)) for open_, name, close in found if bool(open_) == bool(close)]
    if not shapes:
        return "t", True
    return max(set(shapes), key=shapes.count)


def _has_multiline_template(node: Node) -> bool:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "template_string" and current.start_point[0] != current.end_point[0]:
            return True
        stack.extend(current.children)
    return False


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


def _key_for(parsed: ParsedFile, body: Node, columns: tuple[str, ...], suffix: str = "Idx") -> str:
    taken = set()
    for pair in body.named_children:
        node = pair.child_by_field_name("key") if pair.type == "pair" else None
        if node is not None:
            taken.add(parsed.text(node))
    base = columns[0] + "".join(c[:1].upper() + c[1:] for c in columns[1:]) + suffix
    key, n = base, 2
    while key in taken:
        key, n = f"{base}{n}", n + 1
    return key
