"""Fixed values: a literal, or a name the code gives one.

`constant_literal(project, parsed, value)` is the source text of the literal an expression is or names: `"open"`
for `"open"`, for `STATUS_OPEN` (a top-level `const STATUS_OPEN = "open"`), for `Status.Open` (`enum Status {
Open = "open" }`) and for `STATUS.OPEN` (`const STATUS = { OPEN: "open" } as const`, or `Object.freeze({...})`),
in the file or imported from another one of the project. `is_fixed_value` also accepts what only the naming
conventions say is a constant (`SKILL_ENTRY_FILE_PATH`, `ROLE.ADMIN` from a package): DAL010 and DAL003 ask it
whether a key column is compared with one value (a partial index fits, a full unique index would not).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from dalfix.analysis.drizzle import unwrap
from dalfix.parsing import descendants_of_type

if TYPE_CHECKING:
    from dalfix.analysis.project import Project
    from dalfix.parsing import Node, ParsedFile

LITERALS = frozenset({"string", "number", "true", "false"})
CONSTANT_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
CONSTANT_MEMBER = re.compile(r"[A-Z][A-Z0-9_]*\.[A-Z][A-Z0-9_]*")
MAX_DEPTH = 4


def is_fixed_value(project: Project | None, parsed: ParsedFile, value: Node) -> bool:
    """A literal (or an array of them), a constant naming one (`constant_literal`), or a name the naming
    conventions make a constant: SCREAMING_SNAKE_CASE, or `STATUS.PENDING` (a member of a constants object)."""
    value = unwrap(value)
    if value.type == "array":
        return all(is_fixed_value(project, parsed, v) for v in value.named_children if v.type != "comment")
    if constant_literal(project, parsed, value) is not None:
        return True
    if value.type == "identifier":
        return CONSTANT_NAME.fullmatch(parsed.text(value)) is not None
    return value.type == "member_expression" and CONSTANT_MEMBER.fullmatch(parsed.text(value)) is not None


def constant_literal(project: Project | None, parsed: ParsedFile, value: Node, depth: int = 0) -> str | None:
    """The source text of the literal `value` is or names (see the module's docstring), else None. A name bound
    in an enclosing function or block is not the module's constant."""
    value = unwrap(value)
    if value.type in LITERALS:
        return parsed.text(value)
    if value.type == "template_string":
        return parsed.text(value) if not any(c.type == "template_substitution" for c in value.named_children) else None
    if depth > MAX_DEPTH:
        return None
    if value.type == "identifier":
        return _named_literal(project, parsed, value, None, depth)
    if value.type == "member_expression":
        obj, prop = value.child_by_field_name("object"), value.child_by_field_name("property")
        if obj is None or prop is None or prop.type != "property_identifier":
            return None
        if obj.type == "member_expression":  # `states.CART.ACTIVE`: `states` a namespace import
            inner, first = obj.child_by_field_name("object"), obj.child_by_field_name("property")
            if inner is None or first is None or inner.type != "identifier" or first.type != "property_identifier":
                return None
            return _named_literal(project, parsed, inner, parsed.text(prop), depth, parsed.text(first))
        if obj.type != "identifier":
            return None
        return _named_literal(project, parsed, obj, parsed.text(prop), depth)
    return None


def _named_literal(
    project: Project | None,
    parsed: ParsedFile,
    identifier: Node,
    member: str | None,
    depth: int,
    exported: str | None = None,
) -> str | None:
    """The literal the top-level `identifier` (or its `member`) holds in `parsed`, or in the file it is imported
    from; None when a function or block around it binds the name. `identifier` may be a namespace import
    (`import * as states`): `states.ACTIVE` is the module's export `ACTIVE`, `states.CART.ACTIVE` (`exported`
    "CART") the `ACTIVE` of its export `CART`."""
    from dalfix.analysis.schema.reader import locally_bound

    name = parsed.text(identifier)
    declared = _top_level(parsed, name)
    imported = _import_of(parsed, name) if declared is None and project is not None else None
    if declared is None and imported is None:
        return None  # neither a top-level constant nor an import: nothing to follow (checked first: cheap)
    if locally_bound(identifier):
        return None
    if declared is not None:
        return _held_literal(project, parsed, declared, member, depth) if exported is None else None
    assert project is not None and imported is not None
    summaries = project.summaries
    found = summaries.resolve_import(parsed.path, name)
    if found is not None and found[1] == "*":  # a namespace import: its first member names the export
        first = exported if exported is not None else member
        if first is None:
            return None
        # an `export enum` is not among a module's indexed exports: looked up in the module itself
        found = summaries.resolve_export(found[0], first, 0) or (found[0], first)
        member = member if exported is not None else None
    elif exported is not None:
        return None
    if found is None:
        # `export enum` is not among a module's indexed exports: an enum imported straight from its file.
        specifier, original = imported
        target = project.resolver.resolve(parsed.path, specifier) if original != "default" else None
        if target is None:
            return None
        found = (target, original)
    path, local = found
    if local == "*":
        return None
    module = summaries.module(path)
    if module is None:
        return None
    declared = _top_level(module.parsed, local)
    return _held_literal(project, module.parsed, declared, member, depth + 1) if declared is not None else None


def _import_of(parsed: ParsedFile, name: str) -> tuple[str, str] | None:
    """(specifier, imported name) of a named `import { name }` / `import { other as name }` of the file; ("…",
    "*") for `import * as name`."""
    for statement in parsed.root.named_children:
        if statement.type != "import_statement" or name.encode() not in (statement.text or b""):
            continue
        source = statement.child_by_field_name("source")
        for namespace in descendants_of_type(statement, "namespace_import"):
            if source is not None and any(parsed.text(n) == name for n in namespace.named_children):
                return parsed.text(source)[1:-1], "*"
        for specifier in descendants_of_type(statement, "import_specifier"):
            original, alias = specifier.child_by_field_name("name"), specifier.child_by_field_name("alias")
            if original is not None and source is not None and parsed.text(alias or original) == name:
                return parsed.text(source)[1:-1], parsed.text(original)
    return None


def _top_level(parsed: ParsedFile, name: str) -> Node | None:
    """The top-level `const name = …` declarator or `enum name {…}` of the file (exported or not)."""
    for statement in parsed.root.named_children:
        declaration = statement.child_by_field_name("declaration") if statement.type == "export_statement" else None
        declaration = declaration or statement
        if declaration.type == "enum_declaration":
            enum_name = declaration.child_by_field_name("name")
            if enum_name is not None and parsed.text(enum_name) == name:
                return declaration
        if declaration.type != "lexical_declaration" or not parsed.text(declaration).startswith("const"):
            continue
        for declarator in declaration.named_children:
            target = declarator.child_by_field_name("name")
            if declarator.type == "variable_declarator" and target is not None and parsed.text(target) == name:
                return declarator
    return None


def _held_literal(
    project: Project | None, parsed: ParsedFile, declared: Node, member: str | None, depth: int
) -> str | None:
    if declared.type == "enum_declaration":
        return _enum_member(parsed, declared, member) if member is not None else None
    value = declared.child_by_field_name("value")
    if value is None:
        return None
    if member is None:
        return constant_literal(project, parsed, value, depth + 1)
    # `{ OPEN: "open" } as const` or `Object.freeze({ OPEN: "open" })`: a property nobody can reassign
    frozen = value.type == "as_expression" and parsed.text(value).rstrip().endswith("as const")
    obj = unwrap(value)
    function = obj.child_by_field_name("function") if obj.type == "call_expression" else None
    if function is not None and parsed.text(function) == "Object.freeze":
        arguments = obj.child_by_field_name("arguments")
        items = [a for a in arguments.named_children if a.type != "comment"] if arguments is not None else []
        obj, frozen = (unwrap(items[0]), True) if len(items) == 1 else (obj, False)
    if not frozen or obj.type != "object":
        return None
    for pair in obj.named_children:
        key = pair.child_by_field_name("key") if pair.type == "pair" else None
        if key is None:
            continue
        text = parsed.text(key)
        if (text[1:-1] if key.type == "string" else text) == member:
            held = pair.child_by_field_name("value")
            return constant_literal(project, parsed, held, depth + 1) if held is not None else None
    return None


def _enum_member(parsed: ParsedFile, enum: Node, member: str) -> str | None:
    """`Open = "open"` -> `"open"`; in an enum with no initializer at all, a member's position (0, 1, …)."""
    body = enum.child_by_field_name("body")
    members = [m for m in (body.named_children if body is not None else []) if m.type != "comment"]
    if all(m.type == "property_identifier" for m in members):
        names = [parsed.text(m) for m in members]
        return str(names.index(member)) if member in names else None
    for entry in members:
        name = entry.child_by_field_name("name") if entry.type == "enum_assignment" else entry
        if name is None or parsed.text(name) != member:
            continue
        value = entry.child_by_field_name("value") if entry.type == "enum_assignment" else None
        return parsed.text(value) if value is not None and unwrap(value).type in ("string", "number") else None
    return None


def unread_constant_origin(project: Project | None, parsed: ParsedFile, value: Node) -> str:
    """Where a name dalfix takes for a constant (`is_fixed_value`) but whose literal it did not find comes from,
    said for a reviewer who must write the value by hand: `imported from "@acme/roles", which dalfix does not
    read`, `declared at app.ts:8 with a value that is not a literal dalfix can read`."""
    value = unwrap(value)
    root = value
    while root.type == "member_expression" and root.child_by_field_name("object") is not None:
        root = root.child_by_field_name("object")  # type: ignore[assignment]
    if root.type != "identifier":
        return "not a literal dalfix can read"
    name = parsed.text(root)
    declared = _top_level(parsed, name)
    if declared is not None:
        where = f"{parsed.path.name}:{declared.start_point.row + 1}"
        return f"declared at {where} with a value that is not a literal dalfix can read"
    imported = _import_of(parsed, name)
    if imported is None:
        return "a constant by its spelling only; dalfix found no declaration"
    specifier = imported[0]
    target = project.resolver.resolve(parsed.path, specifier) if project is not None else None
    if target is None:
        return f'imported from "{specifier}", which dalfix does not read'
    shown = target.relative_to(project.root).as_posix() if project and target.is_relative_to(project.root) else target
    return f'imported from "{specifier}" ({shown}), where its value is not a literal dalfix can read'
