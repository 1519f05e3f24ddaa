"""Statements that bind the result of one awaited query: `const x = await q`, conditional and `let`+`if` forms.

Shared by rules that move or batch such statements (DAL001 groups them into `Promise.all`).
"""

from __future__ import annotations

from dataclasses import dataclass

from dalfix.analysis.drizzle import unwrap
from dalfix.analysis.effects import EffectAnalyzer, Effects
from dalfix.parsing import Node


@dataclass(frozen=True)
class AwaitedBinding:
    """`<declaration> <pattern> = <expression awaiting query>`, possibly spanning two statements."""

    statements: tuple[Node, ...]  # one, or `let x = d;` + `if (c) { x = await q; }`
    declaration: str  # "const" or "let"
    pattern: Node  # the binding pattern (identifier, array or object pattern)
    query: Node  # the awaited expression
    await_node: Node
    wrapper: Node  # the expression holding the await (== await_node unless post-processed)
    condition: Node | None = None
    default: Node | None = None  # value when the condition is false (None means `undefined`)
    default_text: str | None = None


def awaited_binding(statements: list[Node], index: int, analyzer: EffectAnalyzer) -> AwaitedBinding | None:
    """The awaited binding starting at statements[index], if it has one of the supported shapes."""
    statement = statements[index]
    if statement.type != "lexical_declaration":
        return None
    declarators = [c for c in statement.named_children if c.type == "variable_declarator"]
    kind = statement.children[0].type if statement.children else ""
    if len(declarators) != 1 or kind not in ("const", "let"):
        return None
    declarator = declarators[0]
    name = declarator.child_by_field_name("name")
    value = declarator.child_by_field_name("value")
    if name is None or declarator.child_by_field_name("type") is not None:
        return None
    if value is None or _is_pure_default(value, analyzer):
        return _let_then_if(statements, index, kind, name, value, analyzer)
    value = unwrap(value)
    if value.type == "ternary_expression":
        condition = value.child_by_field_name("condition")
        consequence = value.child_by_field_name("consequence")
        alternative = value.child_by_field_name("alternative")
        if condition is None or consequence is None or alternative is None:
            return None
        found = _single_await(consequence)
        if found is None or _single_await(alternative) is not None or _single_await(condition) is not None:
            return None
        if not (analyzer.effects(condition).pure and analyzer.effects(alternative).pure):
            return None
        return AwaitedBinding(
            (statement,),
            kind,
            name,
            _argument(found),
            found,
            unwrap(consequence),
            condition,
            alternative,
            analyzer.text(alternative),
        )
    found = _single_await(value)
    if found is None:
        return None
    return AwaitedBinding((statement,), kind, name, _argument(found), found, value)


def _let_then_if(statements, index, kind, name, value, analyzer) -> AwaitedBinding | None:  # type: ignore[no-untyped-def]
    """`let x = d;` then `if (c) { x = await q; }` (also `[x] = await q`): x is d unless c holds."""
    if kind != "let" or index + 1 >= len(statements):
        return None
    branch = statements[index + 1]
    if branch.type != "if_statement" or branch.child_by_field_name("alternative") is not None:
        return None
    condition = branch.child_by_field_name("condition")
    body = branch.child_by_field_name("consequence")
    if condition is None or body is None:
        return None
    inner = [c for c in body.named_children if c.type != "comment"] if body.type == "statement_block" else [body]
    if len(inner) != 1 or inner[0].type != "expression_statement" or len(body.named_children) != len(inner):
        return None
    assignment = unwrap(inner[0].named_children[0])
    if assignment.type != "assignment_expression":
        return None
    left, right = assignment.child_by_field_name("left"), assignment.child_by_field_name("right")
    if left is None or right is None or unwrap(right).type != "await_expression":
        return None
    target = analyzer.text(name)
    left_text = analyzer.text(left).replace(" ", "")
    if left_text not in (target, f"[{target}]"):
        return None
    if not analyzer.effects(condition).pure or target in analyzer.free_reads(condition):
        return None
    await_node = unwrap(right)
    return AwaitedBinding(
        (statements[index], branch),
        "let",
        left,
        _argument(await_node),
        await_node,
        await_node,
        condition,
        value,
        analyzer.text(value) if value is not None else None,
    )


def _is_pure_default(value: Node, analyzer: EffectAnalyzer) -> bool:
    return unwrap(value).type in ("null", "undefined", "array", "object", "number", "string", "true", "false") and (
        analyzer.effects(value).pure
    )


def _argument(await_node: Node) -> Node:
    return unwrap(await_node.named_children[0])


def _single_await(node: Node) -> Node | None:
    """The one await in `node` (outside closures), or None when there are zero or several."""
    from dalfix.parsing import FUNCTION_TYPES

    found: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in FUNCTION_TYPES:
            continue
        if current.type == "await_expression":
            found.append(current)
        stack.extend(current.named_children)
    return found[0] if len(found) == 1 else None


def binding_effects(binding: AwaitedBinding, analyzer: EffectAnalyzer) -> Effects:
    """The effects of the binding statements taken together."""
    parts = [analyzer.effects(s) for s in binding.statements]
    first = parts[0]
    for other in parts[1:]:
        first = Effects(
            first.binds | other.binds,
            first.reads | other.reads,
            first.awaits or other.awaits,
            max((first.db, other.db), key=lambda k: ["none", "read", "write", "transaction", "unknown"].index(k)),
            first.exits | other.exits,
            True,
            first.by_summary or other.by_summary,
        )
    return first
