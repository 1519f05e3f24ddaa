"""Chains of one-row reads, each keyed by a column of a row read before it (shot -> its scene -> the scene's
project), with the guard after each read, and what a join of them would change.

`read_chain_at(project, parsed, vocabulary, analyzer, statements, index) -> ReadChain | None` starts at
`statements[index]` (`const [a] = await db.select().from(A).where(…)` or `const a = await
db.query.a.findFirst({ where })`) and takes the reads after it that can be joined to it: each `ChainedRead`
carries its join condition (`on`), whether an INNER JOIN keeps the original exits (`inner`), a partial select
(`selection`, `selected`), and the `if (!a) return|throw …` guard after it. `ReadChain.reasons` lists why a
join would not be exactly the original (empty: safe). Used by fetch-then-fetch (DAL004).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dalfix.analysis.bound_values import REJECTED_VALUE, bound_before, bound_values, may_be_postgres
from dalfix.analysis.drizzle import QueryChain, Vocabulary, unwrap
from dalfix.analysis.keyed_reads import KeyedRead, declared_read, if_without_else, pure_exit
from dalfix.analysis.schema.model import same_stored_type, stored_type_difference
from dalfix.parsing import Node, ParsedFile, descendants_of_type, sole_statement

if TYPE_CHECKING:
    from dalfix.analysis.effects import EffectAnalyzer
    from dalfix.analysis.project import Project
    from dalfix.analysis.schema import Column, Table


@dataclass(eq=False)
class ChainedRead:
    """One read of a chain: `const [name] = await …` (statement), what it reads, and the guard after it."""

    statement: Node
    name: str
    read: KeyedRead
    where: Node
    table: str  # the identifier the read names its table by
    selection: str | None = None  # a partial select's object (`{ id: files.id, … }`), whitespace-normalised
    selected: dict[str, Column] | None = None  # a partial select's keys -> the columns they hold
    pairs: list[str] = field(default_factory=list)  # a partial select's `key: t.column` texts, in order
    first_column: Column | None = None  # the first column the read returns (drizzle nulls a joined object by it)
    guard: Node | None = None
    exit: str | None = None  # the guard's `return …`/`throw …`, whitespace-normalised, when it reads no chain row
    on: str = ""  # for a joined read: its join condition
    inner: bool = False

    @property
    def chain(self) -> QueryChain:
        assert self.read.chain is not None
        return self.read.chain


@dataclass
class ReadChain:
    reads: list[ChainedRead]
    reasons: list[str] = field(default_factory=list)  # why a join is not exactly the original; [] when safe

    @property
    def last_statement(self) -> Node:
        return self.reads[-1].statement


def read_chain_at(
    project: Project,
    parsed: ParsedFile,
    vocabulary: Vocabulary,
    analyzer: EffectAnalyzer,
    statements: list[Node],
    index: int,
) -> ReadChain | None:
    """The longest chain of joinable reads starting at `statements[index]` (two reads at least); a chain that
    is safe so far stops before a link that would make it unsafe."""
    parent = chained_read(project, parsed, vocabulary, statements[index])
    if parent is None or "sql`" in parsed.text(parent.where):
        return None
    _attach_guard(parsed, analyzer, statements, index, parent, [])
    chain: list[ChainedRead] = [parent]
    reasons: list[str] = []
    at = index + (2 if parent.guard is not None else 1)
    at, checked = _past_checks(parsed, analyzer, statements, at, parent)
    # The values the reads before the first guard bind: binding them again in the join cannot fail anew.
    bound = bound_values(parsed, parent.chain, project.schema) or set()
    while at < len(statements):
        child = chained_read(project, parsed, vocabulary, statements[at])
        if child is None:
            break
        link_reasons = _link(parsed, analyzer, chain, child)
        if link_reasons is None:
            break
        # The parameters the read binds (not the earlier rows' columns, which the join compares in SQL).
        values = bound_values(parsed, child.chain, project.schema, _row_column_of(parsed, chain))
        if not any(r.guard is not None for r in chain):
            bound |= values or set()
        elif may_be_postgres(project, parsed, [child.chain], project.schema) and (
            values is None or not all(bound_before(v, bound) for v in values)
        ):
            # The original bound them only past a guard; the join binds them on the guard's path too.
            link_reasons.append(REJECTED_VALUE)
        _attach_guard(parsed, analyzer, statements, at, child, [*chain, child])
        # INNER JOIN when a missing row ends the call as a missing first row does (the same exit), and so
        # does every read joined before it; else LEFT JOIN, where drizzle nulls a joined object whose
        # first column is NULL.
        # A check between (`if (share.expiresAt < now) return null`) may have exited first: LEFT JOIN after it.
        child.inner = (
            not checked and parent.exit is not None and child.exit == parent.exit and all(r.inner for r in chain[1:])
        )
        first_column = child.first_column
        if not child.inner and (first_column is None or not (first_column.not_null or first_column.primary_key)):
            link_reasons.append(
                f"{child.read.table.ts_name}'s first selected column is nullable (drizzle would null a found row)"
            )
        if len(chain) > 1 and link_reasons and not reasons:
            break  # an unsafe link would spoil a safe chain: stop before it
        reasons += link_reasons
        chain.append(child)
        at += 2 if child.guard is not None else 1
        at, more = _past_checks(parsed, analyzer, statements, at, child)
        checked = checked or more
    if len(chain) < 2:
        return None
    unchecked = project.resolver.compiler_option(parsed.path.parent, "noUncheckedIndexedAccess") is True
    for read in chain:
        pattern = read.statement.named_children[0].child_by_field_name("name")
        if read.guard is None and pattern is not None and pattern.type == "array_pattern" and not unchecked:
            # `const [b] = await …` types `b` as `B`; the rebuilt `joined?.b` is `B | undefined`, which code
            # using it unguarded (or a caller, through an inferred return type) may not compile with.
            reasons.append(
                f"`{read.name}` is typed `T | undefined` after the join where `const [{read.name}]` typed it `T`"
            )
    return ReadChain(chain, reasons)


def _row_column_of(parsed: ParsedFile, chain: list[ChainedRead]) -> Callable[[Node], bool]:
    """Whether a value is `a.column` of a row read earlier in `chain`."""
    rows = {r.name: r for r in chain}
    return lambda value: row_column(parsed, value, rows) is not None


def _link(
    parsed: ParsedFile, analyzer: EffectAnalyzer, chain: list[ChainedRead], child: ChainedRead
) -> list[str] | None:
    """Joins `child` to the chain (sets its `on`): the reasons the join is unsafe, None when it cannot be
    joined at all."""
    parent = chain[0]
    child_table = child.read.table
    if any(r.read.table is child_table for r in chain) or child.name in {r.name for r in chain}:
        return None  # a self-join needs an alias
    if parsed.text(parent.chain.root) != parsed.text(child.chain.root):
        return None  # another handle
    by_name = {r.name: r for r in chain}
    on: list[str] = []
    reasons: list[str] = []
    differences: list[str] = []  # why a join column's values may not compare as the key's value did
    keyed_by = []
    for column, value in zip(child.read.keys, child.read.value_nodes, strict=True):
        value = unwrap(value)
        source = row_column(parsed, value, by_name)
        if source is not None:
            earlier, field_name = source
            if earlier.selected is not None:
                earlier_column = earlier.selected.get(field_name)  # a partial select's key may rename a column
            else:
                earlier_column = earlier.read.table.column(field_name)
            if earlier_column is None:
                return None
            child_column = child_table.column(column)
            if not same_stored_type(child_column, child_table.dialect, earlier_column, earlier.read.table.dialect):
                differences.append(
                    stored_type_difference(
                        child_column,
                        child_table.dialect,
                        earlier_column,
                        earlier.read.table.dialect,
                        f"{child.table}.{column}",
                        f"{earlier.table}.{earlier_column.key}",
                    )
                    or "the join columns' SQL types differ"
                )
            on.append(f"eq({child.table}.{column}, {earlier.table}.{earlier_column.key})")
            keyed_by.append(earlier)
        elif value.type in ("identifier", "string", "number") and not (set(by_name) & analyzer.free_reads(value)):
            on.append(f"eq({child.table}.{column}, {parsed.text(value)})")
        else:
            return None
    if not keyed_by:
        return None  # not keyed by an earlier row: independent reads (DAL001's)
    # A row the child's read filters out (`isNull(C.deletedAt)`) is one the join must not match: the same condition
    # in the ON gives the child's columns exactly when its read found the row.
    on.extend(child.read.filters)
    child_unique = child_table.is_unique_key(child.read.keys)
    if not child_unique and not child.read.one_row:
        return None  # `const [b]` of many rows: which one comes first is the database's choice
    if not (child_unique or parent.read.table.is_unique_key(parent.read.keys)):
        return None  # one-to-many under a non-unique parent multiplies rows
    for earlier in dict.fromkeys(keyed_by):
        if earlier.guard is None:
            reasons.append(f"no `if (!{earlier.name})` guard: a missing row used to throw on `{earlier.name}.…`")
    if len(chain) == 1 and not parent.read.table.is_unique_key(parent.read.keys):
        reasons.append(f"{parent.read.table.ts_name} is not read by a unique key")
    if not child_unique:
        columns = ", ".join(child.read.keys)
        reasons.append(
            f"{child_table.ts_name}({columns}) is not unique: `limit(1)` picks one of several rows, "
            "maybe another one in the join"
        )
    for difference in dict.fromkeys(differences):
        reasons.append(f"the join compares in SQL what the original compared after a trip through JS: {difference}")
    child.on = on[0] if len(on) == 1 else f"and({', '.join(on)})"
    return reasons


def chained_read(project: Project, parsed: ParsedFile, vocabulary: Vocabulary, statement: Node) -> ChainedRead | None:
    """`const [x] = await db.select().from(t).where(…)` with `.limit(1)` or a unique key, or
    `const x = await db.query.t.findFirst({ where })`. Whole rows, or flat partial selects of the table's columns."""
    # `isNull(t.deletedAt)` beside the keys: a child's goes into its join's ON, a parent's stays in its WHERE.
    declared = declared_read(project, parsed, vocabulary, statement, const_only=True, filters=True)
    if declared is None:
        return None
    pattern, read = declared
    if read.chain is None or read.chain.handle != "db":
        return None
    links = read.chain.links
    selection: Node | None = None
    selected: dict[str, Column] = {}
    first_column: Column | None = None
    if read.chain.method == "findFirst":
        if pattern.type != "identifier":
            return None
        name = parsed.text(pattern)
        options = first_argument(links[2].call)
        where = (
            next((p.child_by_field_name("value") for p in options.named_children if p.type == "pair"), None)
            if options is not None
            else None
        )
    else:
        if links[0].name != "select":
            return None
        selection = first_argument(links[0].call)
        if selection is not None:
            selected = selected_columns(project, parsed, selection, read.table)
            if not selected:
                return None  # not a flat object of this table's columns (sql, spreads, nesting)
            first_column = next(iter(selected.values()))
        if not (read.one_row or read.table.is_unique_key(read.keys)):
            return None  # `const [x]` of several rows
        elements = pattern.named_children if pattern.type == "array_pattern" else []
        if len(elements) != 1 or elements[0].type != "identifier":
            return None
        name = parsed.text(elements[0])
        where = first_argument(next(link.call for link in links if link.name == "where"))
    if where is None:
        return None
    found = ChainedRead(statement, name, read, where, table_text(project, parsed, read))
    found.first_column = next(iter(read.table.columns.values()), None)
    if selection is not None:
        found.pairs = [" ".join(parsed.text(p).split()) for p in selection.named_children]
        found.selection, found.first_column = "{ " + ", ".join(found.pairs) + " }", first_column
        found.selected = selected
    return found


def selected_columns(project: Project, parsed: ParsedFile, selection: Node, table: Table) -> dict[str, Column]:
    """`{ id: t.id, name: t.name }` -> each key's column, in order; {} for anything else."""
    if selection.type != "object":
        return {}
    columns: dict[str, Column] = {}
    for pair in selection.named_children:
        if pair.type == "comment":
            return {}  # a comment would not survive the selection being laid out again
        key = pair.child_by_field_name("key") if pair.type == "pair" else None
        value = pair.child_by_field_name("value") if pair.type == "pair" else None
        if key is None or value is None or key.type not in ("property_identifier", "string"):
            return {}
        found = project.schema.column_of(parsed, unwrap(value))
        if found is None or found[0] is not table:
            return {}
        columns[parsed.text(key).strip("'\"")] = found[1]
    return columns


def _attach_guard(
    parsed: ParsedFile,
    analyzer: EffectAnalyzer,
    statements: list[Node],
    at: int,
    read: ChainedRead,
    chain: list[ChainedRead],
) -> None:
    """The `if (!x) return|throw …` right after `read`, and its exit when the exit reads no row of the chain."""
    if at + 1 >= len(statements) or not is_missing_guard(parsed, analyzer, statements[at + 1], read.name):
        return
    read.guard = statements[at + 1]
    consequence = read.guard.child_by_field_name("consequence")
    exit_statement = sole_statement(consequence) if consequence is not None else None
    if exit_statement is None:
        return
    names = {r.name for r in chain} | {read.name}
    if not (names & analyzer.effects(exit_statement).reads):
        read.exit = " ".join(parsed.text(exit_statement).rstrip(";").split())


def _past_checks(
    parsed: ParsedFile, analyzer: EffectAnalyzer, statements: list[Node], at: int, read: ChainedRead
) -> tuple[int, bool]:
    """Past the checks after a read's missing-row guard (`if (share.expiresAt && share.expiresAt < new Date())
    return null`): `if` without `else` whose condition queries, awaits and assigns nothing and whose branch only
    logs and exits. They stay where they are, reading the rows the rewrite rebuilt before them; the next read
    now runs before them, which only reads. (index after them, whether there were any)"""
    start = at
    while read.guard is not None and at < len(statements):
        parts = if_without_else(statements[at])
        if parts is None:
            break
        condition, consequence = parts
        effects = analyzer.effects(condition)
        assigns = descendants_of_type(
            condition, "assignment_expression", "augmented_assignment_expression", "update_expression"
        )
        if effects.db != "none" or effects.awaits or next(assigns, None) is not None:
            break
        if guard_exit(analyzer, consequence, "") is None:
            break
        at += 1
    return at, at > start


def is_missing_guard(parsed: ParsedFile, analyzer: EffectAnalyzer, guard: Node, name: str) -> bool:
    """`if (!a) return|throw <pure, not reading a>` with no else; the condition may go on with `|| …` (which
    runs only on a found row: `if (!project || project.userId !== userId) return null`)."""
    parts = if_without_else(guard)
    if parts is None:
        return False
    condition, consequence = parts
    test = unwrap(condition)
    while test.type == "binary_expression" and parsed.text(test.child_by_field_name("operator") or test) == "||":
        left = test.child_by_field_name("left")
        if left is None:
            return False
        test = unwrap(left)
    text = " ".join(parsed.text(test).split())
    if text not in (f"!{name}", f"{name} === undefined", f"{name} == null", f"{name} == undefined"):
        return False
    whole = analyzer.effects(condition)
    if whole.db != "none" or whole.awaits:
        return False
    return guard_exit(analyzer, consequence, name) is not None


def guard_exit(analyzer: EffectAnalyzer, consequence: Node, name: str) -> Node | None:
    """The guard's `return …`/`throw …`: its one statement, or the last of a block that only logs before it
    (`{ console.error("no video", id); throw … }`), none of them reading `name` (the joined or relational
    rewrite rebuilds `name` after the guard; the logging runs where it ran, reading what it read)."""
    found = pure_exit(analyzer, consequence, name)
    if found is not None or consequence.type != "statement_block":
        return found
    body = [c for c in consequence.named_children if c.type != "comment"]
    if len(body) < 2:
        return None
    *logs, last = body
    if not all(analyzer.logging_statement(s) and name not in analyzer.effects(s).reads for s in logs):
        return None
    return pure_exit(analyzer, last, name)


def row_column(parsed: ParsedFile, value: Node, rows: dict[str, ChainedRead]) -> tuple[ChainedRead, str] | None:
    """`a.column` of a row read earlier in the chain -> (that read, column)."""
    if value.type != "member_expression":
        return None
    target = value.child_by_field_name("object")
    field_node = value.child_by_field_name("property")
    if target is None or field_node is None or target.type != "identifier" or parsed.text(target) not in rows:
        return None
    return rows[parsed.text(target)], parsed.text(field_node)


def table_text(project: Project, parsed: ParsedFile, read: KeyedRead) -> str:
    """The identifier the read names its table by: `from(x)`'s argument, or the object of a where column."""
    assert read.chain is not None
    for link in read.chain.links:
        if link.name == "from":
            found = first_argument(link.call)
            if found is not None:
                return parsed.text(found)
    for member in descendants_of_type(read.chain.node, "member_expression"):
        column = project.schema.column_of(parsed, member)
        if column is not None and column[0] is read.table:
            target = member.child_by_field_name("object")
            if target is not None:
                return parsed.text(target)
    return read.table.ts_name or ""


def first_argument(call: Node | None) -> Node | None:
    args = call.child_by_field_name("arguments") if call is not None else None
    return unwrap(args.named_children[0]) if args is not None and args.named_children else None
