"""A parent read by a unique key, then reads of its children keyed by the parent's key: what one relational
query (`db.query.<parent>.findFirst({ where, with: { <relation>: … } })`) needs to load them together.

`relational_fetch_at(project, parsed, vocabulary, analyzer, statements, index) -> RelationalFetch | None`
    starts at `statements[index]`, a whole-row read of a parent by a unique key followed by the guard
    `if (!parent) return|throw …`, and collects the later statements of the same block of the shape
    `const children = await db.select().from(C).where(eq(C.fk, <the parent's key>))[.orderBy(…)][.limit(n)]`
    whose table the parent has a `many` relation to (RQB v1 `relations()`), with only reads in between.
    `RelationalFetch.display_only` says why no rewrite is offered (a relation to declare, a handle created
    without `{ schema }`, RQB v2); `decoding` names child columns drizzle decodes differently from JSON.
`folded_statements(...)`: the statements of a block a relational fetch folds, which DAL001 leaves alone (one
    fix per pair of reads).
Used by fetch-then-fetch (DAL004) and sequential-awaits (DAL001).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dalfix.analysis.drizzle import QueryChain, Vocabulary, unwrap
from dalfix.analysis.keyed_reads import where_keys
from dalfix.analysis.read_chains import ChainedRead, chained_read, first_argument, is_missing_guard
from dalfix.analysis.schema.model import same_stored_type
from dalfix.parsing import Node, ParsedFile, descendants_of_type, enclosing_function, walk

if TYPE_CHECKING:
    from dalfix.analysis.effects import EffectAnalyzer
    from dalfix.analysis.project import Project
    from dalfix.analysis.schema import Column, Relation, Table

# Column types whose value a relational query's JSON (json_build_array) gives drizzle in another form than
# the select path's driver value, so that `mapFromDriverValue` returns something else (drizzle-orm 0.45
# pg-core): numeric as a JSON number ("1.50" -> "1.5"), bigint/numeric in bigint mode through a double,
# timestamps in string mode ("2024-01-01T10:00:00+00:00" instead of "2024-01-01 10:00:00+00"), bytea as
# text, arrays, geometric and custom types (their own parsers).
_JSON_DECODES_DIFFERENTLY = {"numeric", "decimal", "bytea", "point", "line", "geometry", "vector", "timetz"}


@dataclass(eq=False)
class RelationalChild:
    statement: Node
    name: str  # the variable the children were bound to
    table: Table
    relation: str  # the parent's relation key (`with: { <relation>: … }`)
    config: str  # `true` or `{ orderBy: [...], limit: n }`
    missing: str = ""  # the relations() entries to declare when the parent has no relation for this read


@dataclass
class RelationalFetch:
    parent: ChainedRead
    guard: Node
    guard_name: Node  # the parent's name in the guard's condition
    children: list[RelationalChild] = field(default_factory=list)
    display_only: list[str] = field(default_factory=list)  # why no rewrite is offered
    missing_relations: list[str] = field(default_factory=list)  # `relations()` entries to declare
    decoding: list[str] = field(default_factory=list)  # child columns JSON decodes differently
    read_past_exits: bool = False  # a child read comes after a statement that may exit or fail

    @property
    def statements(self) -> list[Node]:
        return [self.parent.statement, *(c.statement for c in self.children)]


def relational_fetch_at(
    project: Project,
    parsed: ParsedFile,
    vocabulary: Vocabulary,
    analyzer: EffectAnalyzer,
    statements: list[Node],
    index: int,
) -> RelationalFetch | None:
    if index + 1 >= len(statements) or statements[index + 1].type != "if_statement":
        return None  # no guard after it (checked first: this runs for every statement DAL001 sees)
    text = parsed.text(statements[index])
    if statements[index].type != "lexical_declaration" or not ("select(" in text or "findFirst(" in text):
        return None  # not `const x = await db.select()…` / `db.query.t.findFirst(…)`
    parent = chained_read(project, parsed, vocabulary, statements[index])
    if parent is None or parent.selection is not None or parent.read.filters or "sql`" in parsed.text(parent.where):
        return None
    table = parent.read.table
    if not table.is_unique_key(parent.read.keys) or index + 1 >= len(statements):
        return None
    guard = statements[index + 1]
    guard_name = _plain_missing_test(parsed, analyzer, guard, parent.name)
    if guard_name is None:
        return None
    fetch = RelationalFetch(parent, guard, guard_name)
    # The names the parent's key is known by: `parent.<column>` and the values its where compared.
    # Only plain names and literals: a member (`input.id`) could change between the reads unseen.
    key_values = {
        column: parsed.text(unwrap(v))
        for column, v in zip(parent.read.keys, parent.read.value_nodes, strict=True)
        if unwrap(v).type in ("identifier", "string", "number")
    }
    constants = {t for t in key_values.values() if t.isidentifier()}
    taken: set[str] = set()
    may_stop = False  # a statement passed may exit or fail (an await) before the next child read
    for statement in statements[index + 2 :]:
        child = _child_read(project, parsed, vocabulary, statement, parent, key_values, taken)
        if child is not None:
            fetch.children.append(child)
            fetch.read_past_exits |= may_stop
            taken.add(child.relation)
            if child.missing:
                fetch.missing_relations.append(child.missing)
            continue
        effects = analyzer.effects(statement)
        if not _only_reads(analyzer, statement) or effects.binds & (constants | {parent.name}):
            break  # a write (children must not be read before it) or the key reassigned
        may_stop |= effects.awaits or bool(effects.exits)
    if not fetch.children:
        return None
    _decide(project, vocabulary, fetch)
    return fetch


def _only_reads(analyzer: EffectAnalyzer, statement: Node) -> bool:
    """Reads only, and fills of local collections (`list.push(row)` in a loop of reads)."""
    db = analyzer.effects(statement).db
    if db in ("none", "read"):
        return True
    function = enclosing_function(statement)
    if db != "unknown" or function is None:
        return False
    for node in walk(statement):
        if node.type not in ("expression_statement", "lexical_declaration", "return_statement", "throw_statement"):
            continue
        if analyzer.effects(node).db in ("none", "read"):
            continue
        if not _fills_local_collection(analyzer, node, function):
            return False
    return True


def _fills_local_collection(analyzer: EffectAnalyzer, statement: Node, function: Node) -> bool:
    """`list.push(x)` (add/set/unshift) on a collection the function creates (`const list = []`), with pure
    arguments: no database effect (DAL001's `local_collection_mutation` also asks that the list is not
    handed on, which moving reads before it does not need)."""
    call = unwrap(statement.named_children[0]) if statement.type == "expression_statement" else None
    member = call.child_by_field_name("function") if call is not None and call.type == "call_expression" else None
    member = unwrap(member) if member is not None else None
    if call is None or member is None or member.type != "member_expression":
        return False
    receiver, method = member.child_by_field_name("object"), member.child_by_field_name("property")
    if receiver is None or method is None or analyzer.text(method) not in ("push", "unshift", "add", "set"):
        return False
    args = call.child_by_field_name("arguments")
    if args is None or not all(analyzer.effects(a).pure for a in args.named_children):
        return False
    name = analyzer.text(unwrap(receiver))
    for declarator in descendants_of_type(function, "variable_declarator"):
        target, value = declarator.child_by_field_name("name"), declarator.child_by_field_name("value")
        if target is not None and analyzer.text(target) == name and value is not None:
            value = unwrap(value)
            created = value.type in ("array", "object") or analyzer.text(value).startswith(("new Set", "new Map"))
            return created and analyzer.text(declarator.parent or declarator).startswith("const ")
    return False


def folded_statements(
    project: Project, parsed: ParsedFile, vocabulary: Vocabulary, analyzer: EffectAnalyzer, statements: list[Node]
) -> set[int]:
    """Start bytes of the statements a relational fetch with a fix folds (DAL004's; DAL001 leaves them)."""
    folded: set[int] = set()
    for index in range(len(statements) - 1):
        fetch = relational_fetch_at(project, parsed, vocabulary, analyzer, statements, index)
        if fetch is not None and not fetch.display_only:
            folded |= {s.start_byte for s in fetch.statements}
    return folded


def _plain_missing_test(parsed: ParsedFile, analyzer: EffectAnalyzer, guard: Node, name: str) -> Node | None:
    """The `parent` identifier of a guard `if (!parent) return|throw …` (or `=== undefined`, `== null`)."""
    if not is_missing_guard(parsed, analyzer, guard, name):
        return None
    condition = guard.child_by_field_name("condition")
    test = unwrap(condition) if condition is not None else None
    if test is None:
        return None
    if test.type == "unary_expression":
        operand = test.child_by_field_name("argument")
    elif test.type == "binary_expression":
        operand = test.child_by_field_name("left")
        if parsed.text(test.child_by_field_name("operator") or test) == "||":
            return None  # `|| parent.x …` reads the parent row before it is rebuilt
    else:
        return None
    return operand if operand is not None and parsed.text(operand) == name else None


def _child_read(
    project: Project,
    parsed: ParsedFile,
    vocabulary: Vocabulary,
    statement: Node,
    parent: ChainedRead,
    key_values: dict[str, str],
    taken: set[str],
) -> RelationalChild | None:
    """`const cs = await db.select().from(C).where(eq(C.fk, key))[.orderBy(…)][.limit(n)]`, or
    `db.query.C.findMany({ where: eq(C.fk, key), … })`."""
    if statement.type != "lexical_declaration" or len(statement.named_children) != 1:
        return None
    if parsed.text(statement).split(None, 1)[0] != "const":
        return None
    declarator = statement.named_children[0]
    pattern, value = declarator.child_by_field_name("name"), declarator.child_by_field_name("value")
    value = unwrap(value) if value is not None else None
    if pattern is None or pattern.type != "identifier" or value is None or value.type != "await_expression":
        return None
    chain = vocabulary.query_chain(unwrap(value.named_children[0])) if value.named_children else None
    if chain is None or chain.kind != "read" or chain.handle != "db" or chain.has_then:
        return None
    if parsed.text(chain.root) != parsed.text(parent.chain.root):
        return None
    names = [link.name for link in chain.links]
    if names[:1] == ["query"]:
        found_many = _find_many(project, parsed, chain, parent)
        if found_many is None:
            return None
        table, condition, options = found_many
    else:
        found_select = _select_children(project, parsed, chain, parent)
        if found_select is None:
            return None
        table, condition, options = found_select
    found = where_keys(project, parsed, table, condition)
    if found is None:
        return None
    keys, _ = found
    relation = _relation_for(project, parent, table, keys, key_values)
    if relation is not None and relation.name in taken:
        return None
    missing = ""
    if relation is None:
        declare = _relation_to_declare(parent, table, keys, key_values)
        if declare is None:
            return None
        missing = declare
    config = "{ " + ", ".join(options) + " }" if options else "true"
    name = parsed.text(pattern)
    return RelationalChild(statement, name, table, relation.name if relation is not None else "", config, missing)


def _select_children(
    project: Project, parsed: ParsedFile, chain: QueryChain, parent: ChainedRead
) -> tuple[Table, Node, list[str]] | None:
    """`select().from(C).where(…)[.orderBy(…)][.limit(n)]` -> (C, the where, the `with` options)."""
    names = [link.name for link in chain.links]
    if names[:3] != ["select", "from", "where"] or first_argument(chain.links[0].call) is not None:
        return None  # whole rows only: a partial select would need `columns`
    rest = names[3:]
    if rest not in ([], ["orderBy"], ["limit"], ["orderBy", "limit"]):
        return None
    source = first_argument(chain.links[1].call)
    table = project.schema.table_for_identifier(parsed, source) if source is not None else None
    condition = first_argument(chain.links[2].call)
    if table is None or condition is None or table is parent.read.table:
        return None
    options: list[str] = []
    if "orderBy" in rest:
        call = chain.links[3].call
        args = call.child_by_field_name("arguments") if call is not None else None
        parts = [" ".join(parsed.text(a).split()) for a in args.named_children] if args is not None else []
        if not parts:
            return None
        options.append(f"orderBy: [{', '.join(parts)}]")
    if "limit" in rest:
        limit = first_argument(chain.links[-1].call)
        if limit is None or limit.type != "number":
            return None
        options.append(f"limit: {parsed.text(limit)}")
    return table, condition, options


# `findMany` options a nested `with` takes with the same meaning (RQB v1): copied as written.
_NESTED_OPTIONS = ("columns", "orderBy", "limit", "offset", "with")


def _find_many(
    project: Project, parsed: ParsedFile, chain: QueryChain, parent: ChainedRead
) -> tuple[Table, Node, list[str]] | None:
    """`db.query.C.findMany({ where, columns?, orderBy?, limit?, offset?, with? })` -> (C, the where, options)."""
    names = [link.name for link in chain.links]
    if len(names) != 3 or names[2] != "findMany":
        return None
    table = project.schema.table_by_ts_name(names[1])
    argument = first_argument(chain.links[2].call)
    if table is None or table is parent.read.table or argument is None or argument.type != "object":
        return None
    condition: Node | None = None
    options: list[str] = []
    for pair in argument.named_children:
        if pair.type == "comment":
            continue
        key = pair.child_by_field_name("key") if pair.type == "pair" else None
        value = pair.child_by_field_name("value") if pair.type == "pair" else None
        if key is None or value is None:
            return None  # shorthand or spread: not read
        name = parsed.text(key)
        if name == "where":
            condition = unwrap(value)
        elif name in _NESTED_OPTIONS and "\n" not in parsed.text(value):
            options.append(f"{name}: {parsed.text(value)}")
        else:
            return None  # extras, or a multi-line value this rewrite would not re-indent
    return (table, condition, options) if condition is not None else None


def _relation_for(
    project: Project, parent: ChainedRead, child: Table, keys: dict[str, str], key_values: dict[str, str]
) -> Relation | None:
    """The parent's `many` relation whose join is exactly the child's where (`eq(C.fk, <parent key>)`)."""
    schema = project.schema
    table = parent.read.table
    for relation in schema.relations_of(table):
        if relation.kind != "many" or relation.target != child.id:
            continue
        inverse = _inverse(project, relation, table, child)
        if inverse is None or set(inverse.fields) != set(keys):
            continue
        if all(
            keys[f] in (key_values.get(r), f"{parent.name}.{r}")
            and _same_type(child, child.column(f), table, table.column(r))
            for f, r in zip(inverse.fields, inverse.references, strict=True)
        ):
            return relation
    return None


def _relation_to_declare(
    parent: ChainedRead, child: Table, keys: dict[str, str], key_values: dict[str, str]
) -> str | None:
    """For a read keyed by exactly the parent's key with no relation declared: the entries to add."""
    table = parent.read.table
    pairs = []
    for column, value in keys.items():
        referenced = next((r for r, v in key_values.items() if v == value), None)
        if value.startswith(f"{parent.name}."):
            referenced = value.split(".", 1)[1]
        if referenced is None or not _same_type(child, child.column(column), table, table.column(referenced)):
            return None
        pairs.append((column, referenced))
    if not table.is_unique_key(r for _, r in pairs):
        return None  # keyed by a column of the parent that is not a key: not its children
    fields = ", ".join(f"{child.ts_name}.{c}" for c, _ in pairs)
    references = ", ".join(f"{table.ts_name}.{r}" for _, r in pairs)
    return (
        f"`{child.ts_name}: many({child.ts_name})` in relations({table.ts_name}, …) and"
        f" `{table.ts_name}: one({table.ts_name}, {{ fields: [{fields}], references: [{references}] }})`"
        f" in relations({child.ts_name}, …)"
    )


def _inverse(project: Project, relation: Relation, parent: Table, child: Table) -> Relation | None:
    """The `one` relation on the child that tells drizzle which columns a `many` relation joins (drizzle's
    normalizeRelation: same relationName, else the one relation back to the parent)."""
    candidates = [
        r
        for r in project.schema.relations_of(child)
        if r is not relation
        and (r.relation_name == relation.relation_name if relation.relation_name else r.target == parent.id)
    ]
    if len(candidates) != 1 or candidates[0].kind != "one" or not candidates[0].fields:
        return None
    if len(candidates[0].fields) != len(candidates[0].references):
        return None
    return candidates[0]


def _same_type(child: Table, a: Column | None, parent: Table, b: Column | None) -> bool:
    """Whether a join of the two columns compares as `eq(a, <b's value>)` did (serial is integer)."""
    if a is None or b is None or a.case_insensitive or b.case_insensitive:
        return False
    return same_stored_type(a, child.dialect, b, parent.dialect)


def _decide(project: Project, vocabulary: Vocabulary, fetch: RelationalFetch) -> None:
    """Why no rewrite is offered, and which child columns decode differently through JSON."""
    for child in fetch.children:
        if child.missing:
            fetch.display_only.append(f"no relation loads `{child.name}`: declare {child.missing}")
    version = project.drizzle_version
    if version is not None and version >= (1,):
        fetch.display_only.append(
            "drizzle-orm >= 1.0: the rewrite writes RQB v1 (`where: eq(…)`); write the RQB v2 query by hand"
        )
    if any(r.api == "defineRelations" for r in project.schema.relations):
        fetch.display_only.append("the schema declares `defineRelations` (RQB v2)")
    table = fetch.parent.read.table
    if table.ts_name is None or project.schema.table_by_ts_name(table.ts_name) is not table:
        fetch.display_only.append(f"`db.query.{table.ts_name}` is not known to name {table.name}")
    drivers = vocabulary.drivers_of(fetch.parent.chain)
    if not drivers or any(d.schema_option is not True for d in drivers):
        fetch.display_only.append("the handle's drizzle() call is not seen passing `{ schema }` (db.query needs it)")
    if any(d.dialect != "postgresql" for d in drivers):
        fetch.display_only.append("only PostgreSQL's relational queries were checked")
    for child in fetch.children:
        for column in child.table.columns.values():
            if _decodes_differently(column):
                fetch.decoding.append(f"{child.table.ts_name}.{column.key} ({column.type})")


def _decodes_differently(column: Column) -> bool:
    if column.custom or column.array or column.type is None:
        return True
    if column.type in _JSON_DECODES_DIFFERENTLY:
        return True
    if column.type == "bigint" and column.mode != "number":
        return True
    return column.type.startswith("timestamp") and column.mode == "string"
