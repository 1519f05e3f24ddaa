"""Writes keyed by column equalities, and the "row missing" guard that often sits between a read and a write.

`keyed_write(...)` reads one statement `await db.update(t).set({...}).where(eq(t.c, v))` (or a delete, with an
optional `.returning(...)`, bare or bound by `const`) into a `KeyedWrite`: the table, the columns its WHERE
compares and the values it compares them with, the set object. Rules that merge a read into the write that
follows it (guarded-write, lost-update) compare these keys with the read's (`dalfix.analysis.keyed_reads`).

`missing_row_guard(...)` recognises `if (!row) throw|return <pure>` (no else) and hands back its consequence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from dalfix.analysis.drizzle import Link, QueryChain, Vocabulary, unwrap
from dalfix.analysis.keyed_reads import if_without_else, pure_exit, where_keys
from dalfix.parsing import Node, ParsedFile

if TYPE_CHECKING:
    from dalfix.analysis.effects import EffectAnalyzer
    from dalfix.analysis.project import Project
    from dalfix.analysis.schema import Table

# True for both `undefined` (no row from `const [x] = await ...` or findFirst) and `null` (`?? null` helpers).
MISSING_TESTS = ("!{0}", "{0} == null", "{0} == undefined")


@dataclass(frozen=True)
class KeyedWrite:
    statement: Node
    expression: Node  # the awaited chain
    chain: QueryChain
    table: Table
    table_node: Node  # `update(t)`'s argument
    operation: Literal["update", "delete"]
    where_call: Node  # the `.where(...)` call
    keys: dict[str, str]  # column TS key -> source text of the value it is compared with
    value_nodes: tuple[Node, ...]
    set_object: Node | None  # `.set({...})`'s object literal (updates only)
    returning: Link | None
    pattern: Node | None  # what the result is bound to (`[u]`, `rows`), None for an expression statement


def awaited_statement(statement: Node) -> tuple[Node | None, Node] | None:
    """`await <e>;` -> (None, the await), `let|const <pattern> = await <e>;` -> (pattern, the await): the shape
    of a write statement (DAL003's insert and update, DAL008's keyed write); callers check the pattern."""
    pattern, value = None, None
    if statement.type == "expression_statement" and statement.named_children:
        value = unwrap(statement.named_children[0])
    elif statement.type == "lexical_declaration" and len(statement.named_children) == 1:
        declarator = statement.named_children[0]
        pattern, value = declarator.child_by_field_name("name"), declarator.child_by_field_name("value")
        if pattern is None or value is None:
            return None
        value = unwrap(value)
    if value is None or value.type != "await_expression" or not value.named_children:
        return None
    return pattern, value


def one_name_pattern(pattern: Node | None) -> bool:
    """`x` or `[x]`: a result bound to one name."""
    if pattern is not None and pattern.type == "array_pattern":
        return len(pattern.named_children) == 1 and pattern.named_children[0].type == "identifier"
    return pattern is not None and pattern.type == "identifier"


def keyed_write(project: Project, parsed: ParsedFile, vocabulary: Vocabulary, statement: Node) -> KeyedWrite | None:
    """`await <update|delete keyed by equalities>;` or `const <[x]|xs> = await <the same>.returning(...)`."""
    found_await = awaited_statement(statement)
    if found_await is None:
        return None
    pattern, value = found_await
    if pattern is not None and (parsed.text(statement).split(None, 1)[0] != "const" or not one_name_pattern(pattern)):
        return None
    expression = unwrap(value.named_children[0])
    chain = vocabulary.query_chain(expression)
    if chain is None or chain.kind != "write" or chain.has_then:
        return None
    names = [link.name for link in chain.links]
    if names[:3] == ["update", "set", "where"]:
        operation: Literal["update", "delete"] = "update"
        rest = names[3:]
    elif names[:2] == ["delete", "where"]:
        operation = "delete"
        rest = names[2:]
    else:
        return None
    if rest not in ([], ["returning"]) or (pattern is not None and not rest):
        return None
    table_node = _argument(chain.links[0].call)
    table = project.schema.table_for_identifier(parsed, table_node) if table_node is not None else None
    where_call = chain.links[names.index("where")].call
    condition = _argument(where_call)
    if table is None or table_node is None or where_call is None or condition is None:
        return None
    found = where_keys(project, parsed, table, condition)
    if found is None:
        return None
    set_object = _argument(chain.links[1].call) if operation == "update" else None
    if operation == "update" and (set_object is None or set_object.type != "object"):
        return None
    returning = chain.links[-1] if rest else None
    return KeyedWrite(statement, expression, chain, table, table_node, operation, where_call, found[0], found[1],
                      set_object, returning, pattern)  # fmt: skip


def missing_row_guard(
    parsed: ParsedFile, analyzer: EffectAnalyzer, guard: Node, name: str, undefined_only: bool = False
) -> Node | None:
    """The consequence of `if (!name) throw|return <pure, not reading name>` with no else, else None.
    `undefined_only`: the row is `undefined` when missing (not a helper's `null`), so `=== undefined` tests it."""
    parts = if_without_else(guard)
    if parts is None:
        return None
    condition, consequence = parts
    text = " ".join(parsed.text(condition).strip("()").split())
    tests = MISSING_TESTS + (("{0} === undefined",) if undefined_only else ())
    if text not in [test.format(name) for test in tests]:
        return None
    return consequence if pure_exit(analyzer, consequence, name) is not None else None


def set_pairs(parsed: ParsedFile, set_object: Node) -> list[tuple[str, Node]] | None:
    """`{ a: x, b }` -> [("a", x), ("b", b)]; None when the object has a spread, a computed key or a method."""
    pairs: list[tuple[str, Node]] = []
    for child in set_object.named_children:
        if child.type == "comment":
            continue
        if child.type == "shorthand_property_identifier":
            pairs.append((parsed.text(child), child))
        elif child.type == "pair":
            key, value = child.child_by_field_name("key"), child.child_by_field_name("value")
            if key is None or value is None or key.type not in ("property_identifier", "string"):
                return None
            pairs.append((parsed.text(key).strip("'\""), value))
        else:
            return None
    return pairs


def _argument(call: Node | None) -> Node | None:
    args = call.child_by_field_name("arguments") if call is not None else None
    return unwrap(args.named_children[0]) if args is not None and args.named_children else None
