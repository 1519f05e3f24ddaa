"""
## What it does
Flags a row read, a new value of one of its columns computed in JavaScript from the old one, and the value
written back to the same row (`credits: account.credits - amount`, `version: file.version + 1`), and computes
the new value in the update itself, as SQL arithmetic on the column.

## Why is this bad?
It is a correctness bug, not only a round trip: two concurrent callers read the same old value, both write
`old - amount`, and one of the two updates is lost (a balance charged once for two purchases, a counter that
misses increments, two saves with the same version). `UPDATE ... SET credits = credits - $1` reads and writes
the column under the row lock the update takes, so every caller's change lands.

Rewritten: `row.col + e`, `row.col - e` and `e + row.col` on an integer column (NOT NULL) of the row the write
targets (the same unique key as the read, or `eq(t.pk, row.pk)`), where `e` does not read the row, as
``sql`${t.col} + ${e}` ``. The row must be known to exist: an `if (!row) throw|return` guard follows the read,
or the read is a helper that throws when the row is missing (`const x = await …; if (!x) throw …; return x;`).
Display-only (take the row `.for('update')` in a transaction, or move the check into the WHERE) when the old
value is also used for something else — a validation such as `if (row.credits < amount) throw`, a returned or
logged value — or when the new value is computed in ways SQL would not reproduce exactly (`Math.max`, rounding,
clamping, array or JSON edits, nullable or non-integer columns), or first in a local (`const n = row.col + 1;
… set({ col: n })`). Left alone: a read already locked with
`.for('update')`, a write conditional on more than the row's existence, anything writing the table between the
read and the write.

## Example
```ts
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { integer, pgTable, uuid } from "drizzle-orm/pg-core";

const db = drizzle(process.env.DATABASE_URL!);
const accounts = pgTable("accounts", {
  id: uuid("id").primaryKey().defaultRandom(),
  credits: integer("credits").notNull().default(0),
});

export async function refund(id: string, amount: number) {
  const [account] = await db.select().from(accounts).where(eq(accounts.id, id)).limit(1);
  if (!account) {
    throw new Error("No account");
  }
  await db
    .update(accounts)
    .set({ credits: account.credits + amount })
    .where(eq(accounts.id, account.id));
}
```

## Use instead
```ts
import { eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { integer, pgTable, uuid } from "drizzle-orm/pg-core";

const db = drizzle(process.env.DATABASE_URL!);
const accounts = pgTable("accounts", {
  id: uuid("id").primaryKey().defaultRandom(),
  credits: integer("credits").notNull().default(0),
});

export async function refund(id: string, amount: number) {
  const [account] = await db.select().from(accounts).where(eq(accounts.id, id)).limit(1);
  if (!account) {
    throw new Error("No account");
  }
  await db
    .update(accounts)
    .set({ credits: sql`${accounts.credits} + ${amount}` })
    .where(eq(accounts.id, account.id));
}
```

## Fix safety
Always unsafe: the value is now computed at write time from the column as it is then, which is the point of
the fix and a change of behaviour under concurrency (the new value includes the other callers' changes; the
`.returning()` row shows it). With no concurrent writer the result is the same: nothing writes the table
between the read and the write (checked), so the column still holds what the read returned, and integer
`+`/`-` in SQL gives what JavaScript gave. Where they part: a result outside the column's range fails in both
with 22003 but another message (`integer out of range` instead of `value out of range for type integer`); a
`bigint` in number mode beyond 2^53 is exact in SQL and was rounded in JavaScript; a fractional operand fails
to bind in both.
"""

from __future__ import annotations

from collections.abc import Iterator

from dalfix.analysis.drizzle import unwrap
from dalfix.analysis.effects import EffectAnalyzer
from dalfix.analysis.keyed_reads import KeyedRead, keyed_read
from dalfix.analysis.keyed_writes import KeyedWrite, keyed_write, missing_row_guard, set_pairs
from dalfix.context import FileContext
from dalfix.fixes import Applicability, Edit, Finding
from dalfix.parsing import Node, descendants_of_type
from dalfix.rules import Rule

INTEGER_TYPES = frozenset({"integer", "smallint", "bigint", "serial", "smallserial", "bigserial", "int"})
ARITHMETIC = frozenset({"+", "-"})


class LostUpdate(Rule):
    code = "DAL009"
    name = "lost-update"
    message = "A value computed in JS from a row read earlier is written back: concurrent callers lose updates"
    fix_title = "Compute the new value in the update, as SQL arithmetic on the column"
    fix_availability = "sometimes"
    preview = True
    needles = (b"update",)
    needs_handle = True

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        analyzer = ctx.project.analyzer_for(ctx.parsed, ctx.vocabulary)
        for statements in ctx.function_blocks():
            for index in range(len(statements) - 1):
                finding = self._check_at(ctx, analyzer, statements, index)
                if finding is not None:
                    yield finding

    def _check_at(self, ctx: FileContext, analyzer: EffectAnalyzer, statements: list[Node], index: int):  # type: ignore[no-untyped-def]
        found = _row_read(ctx, statements[index])
        if found is None:
            return None
        name, read = found
        guarded = missing_row_guard(ctx.parsed, analyzer, statements[index + 1], name, read.chain is not None)
        if guarded is None and not read.throws_when_missing:
            return None  # without a guard a missing row threw a TypeError at `row.col` before the write
        later = statements[index + (2 if guarded is not None else 1) :]
        for at, statement in enumerate(later):
            write = keyed_write(ctx.project, ctx.parsed, ctx.vocabulary, statement)
            if write is not None and write.table is read.table and write.operation == "update":
                return self._finding(ctx, analyzer, statements[index], name, read, write, later[:at], later[at + 1 :])
            effects = analyzer.effects(statement)
            if effects.db not in ("none", "read") or effects.exits - {"throw"} or name in effects.binds:
                return None  # a write (or an unknown call) before the write back, or a return past it
        return None

    def _finding(self, ctx, analyzer, read_statement, name, read, write, between, after):  # type: ignore[no-untyped-def]
        if not _same_row(ctx, read, write, name):
            return None
        assert write.set_object is not None
        pairs = set_pairs(ctx.parsed, write.set_object) or _pairs_after_spreads(ctx, write.set_object)
        locals_ = _locals_from(ctx, between, name)
        derived = [(key, value) for key, value in pairs if f"{name}.{key}" in _member_texts(ctx, value, name)]
        # `const n = row.c + 1; … set({ c: n })` (midday's consecutiveFailures): computed in JS all the same
        through = [
            (key, value, locals_[ctx.text(unwrap(value))])
            for key, value in pairs
            if (key, value) not in derived
            and ctx.text(unwrap(value)) in locals_
            and f"{name}.{key}" in _member_texts(ctx, locals_[ctx.text(unwrap(value))], name)
        ]
        if not derived and not through:
            return None
        rewrites: list[Edit] = []
        reasons: list[str] = []
        table = ctx.text(write.table_node)
        for key, value, declaration in through:
            reasons.append(
                f"`{key}` is computed from `{name}.{key}` in `{ctx.text(unwrap(value))}` (line "
                f"{declaration.start_point.row + 1}): write it in the update by hand"
            )
        between = [s for s in between if not any(_inside(d, s) for _, _, d in through)]
        by_local = {key for key, _, _ in through}
        derived = [(key, value) for key, value in pairs if key in by_local or (key, value) in derived]
        for key, value in derived:
            if key in by_local:
                continue
            column = read.table.column(key)
            sql_type = (column.type or column.builder).lower() if column is not None else ""
            operands = _arithmetic(ctx, unwrap(value), f"{name}.{key}", name)
            if _appends(ctx, unwrap(value), f"{name}.{key}") and (
                sql_type in ("jsonb", "json") or (column and column.array)
            ):
                hint = "jsonb_build_array(...)" if sql_type in ("jsonb", "json") else "array_append(...)"
                reasons.append(f"`{key}` appends to an array: write `${{{table}.{key}}} || {hint}` in SQL by hand")
            elif column is None or sql_type not in INTEGER_TYPES or not column.not_null:
                reasons.append(f"`{key}` is not a NOT NULL integer column")
            elif operands is None:
                reasons.append(f"`{ctx.text(value)}` has no exact SQL counterpart here")
            else:
                parts = [f"${{{table}.{key}}}" if p is None else _interpolated(ctx, p) for p in operands[0]]
                rewrites.append(Edit(value.start_byte, value.end_byte, f"sql`{parts[0]} {operands[1]} {parts[1]}`"))
        elsewhere = [s for s in [*between, *after] if _reads_columns(ctx, s, name, [k for k, _ in derived])]
        calls = [write.where_call] + ([write.returning.call] if write.returning and write.returning.call else [])
        others = [value for key, value in pairs if key not in dict(derived)]
        others += [args for call in calls if (args := call.child_by_field_name("arguments")) is not None]
        elsewhere += (
            [write.statement] if any(_reads_columns(ctx, n, name, [k for k, _ in derived]) for n in others) else []
        )
        if elsewhere:
            reasons.append(
                f"the old value of `{name}` is also used elsewhere (line {elsewhere[0].start_point.row + 1})"
            )
        span = (read_statement.start_byte, write.statement.end_byte)
        columns = ", ".join(f"`{key}`" for key, _ in derived)
        if reasons:
            message = (
                f"{columns} of {read.table.ts_name} is computed in JS from `{name}` read earlier and written back: "
                f"concurrent callers lose updates ({'; '.join(reasons)}); take the row `.for('update')` in a "
                "transaction, or compute the value in the update and move checks into its WHERE"
            )
            return ctx.finding(self, span, message=message, applicability=Applicability.DISPLAY_ONLY)
        message = (
            f"{columns} of {read.table.ts_name} is computed in JS from `{name}` read earlier and written back: "
            "concurrent callers lose updates; compute it in the update"
        )
        return ctx.finding(
            self, span, message=message, edits=rewrites, applicability=Applicability.UNSAFE,
            imports=frozenset({("drizzle-orm", "sql")}),
        )  # fmt: skip


def _row_read(ctx: FileContext, statement: Node) -> tuple[str, KeyedRead] | None:
    """`const [x] = await <keyed read>` / `const x = await findFirst(...)|<helper returning one row>`."""
    if statement.type != "lexical_declaration" or len(statement.named_children) != 1:
        return None
    if ctx.text(statement).split(None, 1)[0] != "const":
        return None
    declarator = statement.named_children[0]
    pattern, value = declarator.child_by_field_name("name"), declarator.child_by_field_name("value")
    value = unwrap(value) if value is not None else None
    if pattern is None or value is None or value.type != "await_expression" or not value.named_children:
        return None
    read = keyed_read(ctx.project, ctx.parsed, ctx.vocabulary, value.named_children[0], throwing_helpers=True)
    if read is None:
        return None
    if pattern.type == "array_pattern" and read.chain is not None:
        elements = pattern.named_children
        return (ctx.text(elements[0]), read) if len(elements) == 1 and elements[0].type == "identifier" else None
    if pattern.type == "identifier" and (read.chain is None or read.chain.method == "findFirst"):
        return ctx.text(pattern), read
    return None


def _same_row(ctx: FileContext, read: KeyedRead, write: KeyedWrite, name: str) -> bool:
    """The write targets the row read: by the read's own unique key, or by `eq(t.<unique>, row.<unique>)`."""
    if read.chain is not None and ctx.text(read.chain.root) != ctx.text(write.chain.root):
        return False
    if read.chain is None and write.chain.handle != "db":
        return False
    norm = {c: " ".join(v.split()) for c, v in write.keys.items()}
    if norm == {c: " ".join(v.split()) for c, v in read.keys.items()}:
        return read.table.is_unique_key(read.keys)
    return all(value == f"{name}.{column}" for column, value in norm.items()) and read.table.is_unique_key(norm)


def _pairs_after_spreads(ctx: FileContext, set_object: Node) -> list[tuple[str, Node]]:
    """The plain `key: value` pairs after the object's last spread (a spread after them could override them)."""
    children = [c for c in set_object.named_children if c.type != "comment"]
    last_spread = max((i for i, c in enumerate(children) if c.type == "spread_element"), default=-1)
    pairs = []
    for child in children[last_spread + 1 :]:
        key, value = child.child_by_field_name("key"), child.child_by_field_name("value")
        if child.type == "pair" and key is not None and value is not None and key.type == "property_identifier":
            pairs.append((ctx.text(key), value))
    return pairs


def _locals_from(ctx: FileContext, statements: list[Node], name: str) -> dict[str, Node]:
    """`const x = <expression reading name.…>` among `statements`: local name -> its initializer."""
    found: dict[str, Node] = {}
    for statement in statements:
        if statement.type != "lexical_declaration" or ctx.text(statement).split(None, 1)[0] != "const":
            continue
        for declarator in statement.named_children:
            local = declarator.child_by_field_name("name") if declarator.type == "variable_declarator" else None
            value = declarator.child_by_field_name("value") if local is not None else None
            if (
                local is not None
                and local.type == "identifier"
                and value is not None
                and _member_texts(ctx, value, name)
            ):
                found[ctx.text(local)] = value
    return found


def _inside(node: Node, outer: Node) -> bool:
    return outer.start_byte <= node.start_byte and node.end_byte <= outer.end_byte


def _member_texts(ctx: FileContext, node: Node, name: str) -> set[str]:
    found = set()
    for member in descendants_of_type(node, "member_expression"):
        target = member.child_by_field_name("object")
        if target is not None and target.type == "identifier" and ctx.text(target) == name:
            found.add(" ".join(ctx.text(member).split()))
    return found


def _reads_columns(ctx: FileContext, node: Node, name: str, columns: list[str]) -> bool:
    """`node` reads `name.<column>` for one of `columns`, or `name` whole (a spread, a call argument)."""
    members = _member_texts(ctx, node, name)
    if any(f"{name}.{c}" in members for c in columns):
        return True
    identifiers = [n for n in descendants_of_type(node, "identifier", "shorthand_property_identifier")]
    whole = [n for n in identifiers if ctx.text(n) == name]
    return any(n.parent is None or n.parent.type != "member_expression" for n in whole)


def _arithmetic(ctx: FileContext, value: Node, member: str, name: str) -> tuple[list[Node | None], str] | None:
    """`row.c + e` / `row.c - e` / `e + row.c` with `e` not reading the row: ([operands, None for row.c], op)."""
    if value.type != "binary_expression":
        return None
    left, right = value.child_by_field_name("left"), value.child_by_field_name("right")
    operator = value.child_by_field_name("operator")
    if left is None or right is None or operator is None or ctx.text(operator) not in ARITHMETIC:
        return None
    left, right = unwrap(left), unwrap(right)
    if ctx.text(left) == member and not _mentions(ctx, right, name):
        return [None, right], ctx.text(operator)
    if ctx.text(right) == member and ctx.text(operator) == "+" and not _mentions(ctx, left, name):
        return [left, None], "+"
    return None


def _appends(ctx: FileContext, value: Node, member: str) -> bool:
    """`[...row.col, x]`."""
    first = value.named_children[0] if value.type == "array" and value.named_children else None
    return first is not None and first.type == "spread_element" and ctx.text(first)[3:].strip() == member


def _mentions(ctx: FileContext, node: Node, name: str) -> bool:
    return any(ctx.text(n) == name for n in descendants_of_type(node, "identifier"))


def _interpolated(ctx: FileContext, node: Node | None) -> str:
    assert node is not None
    text = ctx.text(node)
    return text if node.type == "number" else f"${{{text}}}"
