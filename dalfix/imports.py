"""Adding the named imports a fix needs (`inArray`, `and`, `sql` …) in the file's own style."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict

from dalfix.fixes import Edit, apply_edits
from dalfix.parsing import Node, ParsedFile, descendants_unordered
from dalfix.render import SourceStyle


class ImportConflict(Exception):
    """The name a fix needs is already bound in the file to something else."""


def imported_names(parsed: ParsedFile) -> dict[str, tuple[str, str]]:
    """Local name -> (module, imported name) for every value import in the file."""
    names: dict[str, tuple[str, str]] = {}
    for statement in parsed.root.named_children:
        if statement.type != "import_statement" or _is_type_only(parsed, statement):
            continue
        source = statement.child_by_field_name("source")
        if source is None:
            continue
        module = _string_value(parsed, source)
        for spec in _import_specifiers(statement):
            name = spec.child_by_field_name("name")
            alias = spec.child_by_field_name("alias")
            if name is None or _is_type_only(parsed, spec):
                continue
            names[parsed.text(alias or name)] = (module, parsed.text(name))
    return names


def top_level_bindings(parsed: ParsedFile) -> set[str]:
    """Names declared at the top level of the file (imports of any kind included)."""
    bound: set[str] = set()
    for statement in parsed.root.named_children:
        target = statement
        if statement.type == "export_statement":
            target = statement.child_by_field_name("declaration") or statement
        if target.type in ("lexical_declaration", "variable_declaration"):
            for declarator in target.named_children:
                if declarator.type == "variable_declarator":
                    name = declarator.child_by_field_name("name")
                    if name is not None:
                        bound.update(_pattern_names(parsed, name))
        elif target.type in ("function_declaration", "class_declaration", "enum_declaration"):
            name = target.child_by_field_name("name")
            if name is not None:
                bound.add(parsed.text(name))
        elif target.type == "import_statement":
            for node in _walk_named(target):
                if (
                    node.type == "identifier"
                    and node.parent is not None
                    and node.parent.type
                    in (
                        "import_specifier",
                        "import_clause",
                        "namespace_import",
                    )
                ):
                    bound.add(parsed.text(node))
    return bound


def ensure_imports(parsed: ParsedFile, wanted: set[tuple[str, str]]) -> list[Edit]:
    """Edits that make each (module, name) importable under `name`; raises ImportConflict."""
    have, bound, style = _import_facts(parsed)
    missing: dict[str, list[str]] = defaultdict(list)
    for module, name in sorted(wanted):
        if have.get(name) == (module, name):
            continue
        if name in bound or name in have:
            raise ImportConflict(f"`{name}` is already bound in {parsed.path}; cannot import it from {module}")
        missing[module].append(name)
    edits: list[Edit] = []
    for module, names in missing.items():
        statement = _named_import_from(parsed, module)
        if statement is not None:
            edits.extend(_laid_out(parsed, statement, _extend_named_import(parsed, statement, names), style))
        else:
            edits.append(_new_import(parsed, module, names, style))
    return edits


def _import_facts(parsed: ParsedFile) -> tuple[dict[str, tuple[str, str]], set[str], SourceStyle]:
    """The file's imports, top-level names and style, found once per parsed file: reports ask for the imports
    of every finding's fix, and each look walked the whole file (quadratic on a big one)."""
    cache = parsed.__dict__.setdefault("_dalfix_import_facts", [])
    if not cache:
        style = SourceStyle.detect(parsed.source, parsed.root, parsed.path)
        cache.append((imported_names(parsed), top_level_bindings(parsed), style))
    facts: tuple[dict[str, tuple[str, str]], set[str], SourceStyle] = cache[0]
    return facts


def _named_import_from(parsed: ParsedFile, module: str) -> Node | None:
    for statement in parsed.root.named_children:
        if statement.type != "import_statement" or _is_type_only(parsed, statement):
            continue
        source = statement.child_by_field_name("source")
        if source is None or _string_value(parsed, source) != module:
            continue
        for node in _walk_named(statement):
            if node.type == "named_imports":
                return node
    return None


def _extend_named_import(parsed: ParsedFile, named: Node, names: list[str]) -> list[Edit]:
    """Add `names` to `{ … }` in the order the import already uses: sorted in among the specifiers when those
    are sorted (case-insensitively, as most sort-imports settings compare), else appended."""
    specs = [c for c in named.named_children if c.type == "import_specifier"]
    closing = named.children[-1]  # "}"
    if not specs:
        return [Edit(closing.start_byte, closing.start_byte, " " + ", ".join(sorted(names, key=_sort_key)) + " ")]
    last = specs[-1]
    multiline = "\n" in parsed.text(named)
    newline = "\r\n" if b"\r\n" in parsed.source[named.start_byte : named.end_byte] else "\n"
    indent = _indent_of(parsed, last.start_byte) if multiline else ""
    keys = [_sort_key(_imported_name(parsed, spec)) for spec in specs]
    before: dict[int, list[str]] = defaultdict(list)  # spec index -> names that go before it
    after: list[str] = []
    for name in sorted(names, key=_sort_key):
        if keys == sorted(keys):
            index = next((i for i, key in enumerate(keys) if key > _sort_key(name)), None)
            if index is not None:
                before[index].append(name)
                continue
        after.append(name)
    edits = [
        Edit(
            specs[i].start_byte,
            specs[i].start_byte,
            "".join(f"{n},{newline if multiline else ' '}{indent}" for n in group),
        )
        for i, group in before.items()
    ]
    if after:
        separator = f",{newline}{indent}" if multiline else ", "
        edits.append(Edit(last.end_byte, last.end_byte, "".join(separator + n for n in after)))
    return edits


def _laid_out(parsed: ParsedFile, named: Node, edits: list[Edit], style: SourceStyle) -> list[Edit]:
    """`edits` to a one-line `{ … }`, or, where the project's formatter is known and the import no longer fits its
    print width, one edit that puts each name on its own line as Prettier and Biome print it (dokploy's schema
    imports gaining `index` at 80 columns)."""
    if style.formatter is None or "\n" in parsed.text(named):
        return edits
    statement = named
    while statement.parent is not None and statement.type != "import_statement":
        statement = statement.parent
    line_start = parsed.source.rfind(b"\n", 0, statement.start_byte) + 1
    shifted = [Edit(e.start - line_start, e.end - line_start, e.text) for e in edits]
    line = apply_edits(parsed.source[line_start : statement.end_byte], shifted).decode("utf-8", "surrogateescape")
    if style.fits(line):
        return edits
    inner = [Edit(e.start - named.start_byte, e.end - named.start_byte, e.text) for e in edits]
    braced = apply_edits(parsed.source[named.start_byte : named.end_byte], inner).decode("utf-8", "surrogateescape")
    names = [n.strip() for n in braced.strip()[1:-1].split(",") if n.strip()]
    indent = _indent_of(parsed, statement.start_byte)
    nl, comma = style.newline, "," if style.object_commas else ""
    body = f",{nl}".join(f"{indent}{style.indent_unit}{n}" for n in names)
    return [Edit(named.start_byte, named.end_byte, f"{{{nl}{body}{comma}{nl}{indent}}}")]


def _sort_key(name: str) -> tuple[str, str]:
    return (name.lower(), name)


def _imported_name(parsed: ParsedFile, spec: Node) -> str:
    name = spec.child_by_field_name("name")
    return parsed.text(name) if name is not None else parsed.text(spec)


def _new_import(parsed: ParsedFile, module: str, names: list[str], style: SourceStyle) -> Edit:
    statement = f"import {{ {', '.join(names)} }} from {style.quote}{module}{style.quote}"
    statement += ";" if style.semicolons else ""
    imports = [s for s in parsed.root.named_children if s.type == "import_statement"]
    if imports:
        anchor = imports[-1].end_byte
        return Edit(anchor, anchor, style.newline + statement)
    # No imports: after a leading directive ("use server") or comment block, else at the top.
    position = 0
    for child in parsed.root.named_children:
        if child.type == "comment" or (
            child.type == "expression_statement" and child.named_children and child.named_children[0].type == "string"
        ):
            position = child.end_byte
            continue
        break
    if position == 0:
        start = parsed.root.start_byte  # after a BOM
        return Edit(start, start, statement + style.newline)
    return Edit(position, position, style.newline + statement)


def _import_specifiers(statement: Node) -> list[Node]:
    return [n for n in _walk_named(statement) if n.type == "import_specifier"]


def _is_type_only(parsed: ParsedFile, node: Node) -> bool:
    return any(c.type == "type" or (not c.is_named and parsed.text(c) == "type") for c in node.children[:2])


def _string_value(parsed: ParsedFile, node: Node) -> str:
    return parsed.text(node)[1:-1]


def _pattern_names(parsed: ParsedFile, pattern: Node) -> set[str]:
    if pattern.type == "identifier":
        return {parsed.text(pattern)}
    return {
        parsed.text(n)
        for n in _walk_named(pattern)
        if n.type in ("identifier", "shorthand_property_identifier_pattern")
    }


def _walk_named(node: Node) -> list[Node]:
    out = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(reversed(current.named_children))
    return out


def _indent_of(parsed: ParsedFile, offset: int) -> str:
    from dalfix.parsing import line_indent

    return line_indent(parsed.source, offset)


def _uses(parsed: ParsedFile) -> dict[str, int]:
    """How often each name occurs outside the top-level import statements (values, types, shorthand properties).

    Counted once per tree and kept on the parse (a `_dalfix_` cache, dropped with the tree): a fix round's new tree
    is the `after` of its round and the `before` of the next. The nodes come from one query of the tree
    (`descendants_unordered`: the named descendants of those types, as a walk of the named children finds them), not
    a walk in Python of every node. A node is inside an import statement when its bytes are: the top-level
    statements are disjoint, and only a zero-width node (whose text, "", is no name) could sit on the border of two."""
    cached = parsed.__dict__.get(_USES)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    imports = [(s.start_byte, s.end_byte) for s in parsed.root.named_children if s.type == "import_statement"]
    starts = [start for start, _ in imports]  # in source order, disjoint
    counts: dict[str, int] = defaultdict(int)
    for node in descendants_unordered(parsed.root, "identifier", "type_identifier", "shorthand_property_identifier"):
        at = bisect_right(starts, node.start_byte) - 1  # the last import starting at or before the node
        if at < 0 or node.end_byte > imports[at][1]:
            counts[parsed.text(node)] += 1
    parsed.__dict__[_USES] = counts
    return counts


_USES = "_dalfix_uses"


def unused_import_edits(before: ParsedFile, after: ParsedFile) -> list[Edit]:
    """Edits on `after` that remove the drizzle-orm imports its fixes left unused (`eq`, `and` of a removed
    pre-check): a name used in `before` and nowhere in `after`. Imports the file never used stay, as do other
    modules' (an import may be wanted for its side effects)."""
    imports: list[tuple[Node, list[Node], list[str]]] = []  # the drizzle-orm imports: statement, names, locals
    for statement in after.root.named_children:
        source = statement.child_by_field_name("source") if statement.type == "import_statement" else None
        module = _string_value(after, source) if source is not None else ""
        if module != "drizzle-orm" and not module.startswith("drizzle-orm/"):
            continue
        specs = _import_specifiers(statement)
        local = [after.text(s.child_by_field_name("alias") or s.child_by_field_name("name") or s) for s in specs]
        imports.append((statement, specs, local))
    if not any(local for _, _, local in imports):
        return []  # nothing a fix could have left unused: neither tree is searched
    used_before, used_after = _uses(before), _uses(after)
    edits: list[Edit] = []
    for statement, specs, local in imports:
        gone = [used_before.get(n, 0) > 0 and used_after.get(n, 0) == 0 for n in local]
        if not any(gone):
            continue
        clause = next((c for c in statement.named_children if c.type == "import_clause"), None)
        only_named = clause is not None and all(c.type == "named_imports" for c in clause.named_children)
        if all(gone) and only_named:
            end = statement.end_byte
            data = after.original
            while end < len(data) and data[end : end + 1] in b" \t":
                end += 1
            if data[end : end + 2] == b"\r\n":
                end += 2
            elif data[end : end + 1] == b"\n":
                end += 1
            edits.append(Edit(statement.start_byte, end, ""))
            continue
        if all(gone):
            continue  # a default or namespace import beside them: left as it is
        last_kept = max(i for i, g in enumerate(gone) if not g)
        for index, spec in enumerate(specs[:last_kept]):
            if gone[index]:  # a kept name follows: up to the next name
                edits.append(Edit(spec.start_byte, specs[index + 1].start_byte, ""))
        if last_kept < len(specs) - 1:  # the names after the last kept one: from its end to the last name's end
            edits.append(Edit(specs[last_kept].end_byte, specs[-1].end_byte, ""))
    return edits
