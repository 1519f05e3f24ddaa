"""
## What it does
Flags a read by key whose row is only tested for existence, followed by an update or delete by the same key,
and lets the write itself say whether the row was there: the write gets `.returning(...)` and the original
guard runs when no row comes back. The `//` lines directly above the read that say it reads something
(`// Get the app from the database`: no blank line between, the first starting with get, fetch, load, find,
read, look up, query, select or retrieve) go with it, since they would describe nothing; a comment that says
why (`// Slugs are unique`) or what the check is for (`// Make sure it exists`), one holding a TODO/FIXME-like
note or a licence, a `/* … */` block and a comment a blank line away stay (no fix deletes any other comment).
The guard moves below the write with the comment lines directly above it and the comment trailing it; the write
keeps the comments above it and the one trailing it.

## Why is this bad?
Two round trips where one does. The read answers a question the write answers anyway: an `UPDATE ... WHERE
key` that finds no row changes nothing and returns no row. The two statements also race: the row can go away
between the read and the write, and the caller is told it was updated.

The fix is offered when the write compares exactly the columns and values the read compared (so extra
conditions such as an owner check must be in both), the row read is used by nothing but the guard, the guard
is `if (!row) throw|return <value>` (a thrown project class counts when constructing it provably only sets fields
of the new object: `class NotFound extends AppError { constructor(id) { super(…); this.id = id; } }`), and the
write follows it. MySQL has no `RETURNING` (and `affectedRows`
counts changed rows unless the connection sets `CLIENT_FOUND_ROWS`): there the finding is display-only. Not
handled, and left alone: a row used for anything else (fields read, returned, logged), a write conditional on
more than the row's existence, a read with `.for('update')`, reads and writes on different handles.

## Example
```ts
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { boolean, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

const db = drizzle(process.env.DATABASE_URL!);
const files = pgTable("files", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
  isActive: boolean("is_active").notNull().default(true),
  updatedAt: timestamp("updated_at").notNull().defaultNow(),
});

export async function archiveFile(id: string) {
  const [file] = await db.select().from(files).where(eq(files.id, id)).limit(1);
  if (!file) {
    throw new Error("File not found");
  }
  await db.update(files).set({ isActive: false, updatedAt: new Date() }).where(eq(files.id, id));
}
```

## Use instead
```ts
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { boolean, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

const db = drizzle(process.env.DATABASE_URL!);
const files = pgTable("files", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
  isActive: boolean("is_active").notNull().default(true),
  updatedAt: timestamp("updated_at").notNull().defaultNow(),
});

export async function archiveFile(id: string) {
  const [file] = await db
    .update(files)
    .set({ isActive: false, updatedAt: new Date() })
    .where(eq(files.id, id))
    .returning({ id: files.id });
  if (!file) {
    throw new Error("File not found");
  }
}
```

## Fix safety
Safe when the write directly follows the guard and every value it sets is inert: a literal, `new Date()`, a
name or a property read (no call) whose column accepts every value of its TypeScript type (text, boolean,
JSON, an enum; on PostgreSQL boolean only, since it rejects a NUL character in a text or JSON parameter and an
unknown enum label when it binds them, before any row is matched), or a timestamp set to `new Date()`. Then,
with no concurrent writer: a row matches the key — the read found it, the guard passed, the same
`UPDATE`/`DELETE` runs with the same WHERE and returns the same rows, and its failure (if any) is the one the
original's write raised; no row matches — the original threw or returned the guard's value without writing,
and the rewrite's write matches nothing, changes nothing, and the same guard throws or returns the same value.
The key need not be unique: "some row matches" is the same predicate for both. The differences: one statement
instead of two, so a database failure of the read has no counterpart any more (the write's own failure
surfaces instead); a row deleted by someone else between the two statements now gives the guard's answer
instead of a silent no-op; statement-level triggers fire on an `UPDATE` that matches no row.
Unsafe, too, when every value set may be `undefined` (names and properties only, `set({ name: input.name })`):
drizzle drops `undefined` values and throws "No values to set" when none is left, before any row is matched.
Unsafe otherwise: a value the database converts when binding it (a number for an integer column, a string
for a uuid, numeric or date column, a `sql` expression's parameters) can fail even when no row matches, where
the original answered with the guard; a set value computed by a call, or a `$onUpdate`/`$onUpdateFn` function,
now also runs when the row is missing (not unsafe: `$onUpdate(() => new Date())` on a date column, or SQLite's
`integer({ mode: "timestamp" })`, which only reads the clock, as `set({ at: new Date() })` does); statements
between the guard and the write now run when the row is missing.
"""

from __future__ import annotations

from collections.abc import Iterator

from dalfix.analysis.drizzle import unwrap
from dalfix.analysis.effects import EffectAnalyzer
from dalfix.analysis.keyed_reads import KeyedRead, declared_read, one_row_name
from dalfix.analysis.keyed_writes import KeyedWrite, keyed_write, missing_row_guard, set_pairs
from dalfix.analysis.schema import Column, Table
from dalfix.comments import leading_comments, read_removal_with_comments, trailing_comments
from dalfix.context import FileContext
from dalfix.fixes import Applicability, Edit, Finding
from dalfix.parsing import Node, line_indent, walk
from dalfix.print_width import wrap_long_line
from dalfix.rules import Rule

RETURNING_DIALECTS = frozenset({"pg", "sqlite"})
# Column types that accept every value of the TypeScript type drizzle gives them, so binding cannot fail.
ANY_VALUE_TYPES = frozenset({"text", "varchar", "char", "boolean", "json", "jsonb", "enum", "citext"})
DATE_TYPES = ("timestamp", "date", "datetime")
MAYBE_UNDEFINED = frozenset({"identifier", "shorthand_property_identifier", "member_expression", "undefined"})
PLAIN_NAMES = frozenset(
    {"identifier", "shorthand_property_identifier", "property_identifier", "member_expression", "this"}
)


class GuardedWrite(Rule):
    code = "DAL008"
    name = "guarded-write"
    message = "A read only checks that the row exists before a write by the same key; let the write tell"
    fix_title = "Write with `.returning(...)` and run the guard when no row comes back"
    fix_availability = "sometimes"
    preview = True
    needles = (b"update", b"delete")
    needs_handle = True

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        analyzer = ctx.project.analyzer_for(ctx.parsed, ctx.vocabulary)
        for statements in ctx.function_blocks():
            for index in range(len(statements) - 2):
                finding = self._check_at(ctx, analyzer, statements, index)
                if finding is not None:
                    yield finding

    def _check_at(self, ctx: FileContext, analyzer: EffectAnalyzer, statements: list[Node], index: int):  # type: ignore[no-untyped-def]
        found = _row_read(ctx, statements[index])
        if found is None:
            return None
        name, read = found
        guard = statements[index + 1]
        consequence = missing_row_guard(ctx.parsed, analyzer, guard, name, undefined_only=read.chain is not None)
        if consequence is None:
            return None
        later = statements[index + 2 :]
        write_at = next((i for i, s in enumerate(later) if not analyzer.effects(s).pure), None)
        if write_at is None:
            return None
        between, write = later[:write_at], keyed_write(ctx.project, ctx.parsed, ctx.vocabulary, later[write_at])
        if write is None or write.table is not read.table or not _same_keys(read, write):
            return None
        if read.chain is not None and ctx.text(read.chain.root) != ctx.text(write.chain.root):
            return None  # another handle: another connection or transaction
        if read.chain is None and write.chain.handle != "db":
            return None  # the helper reads through its own handle, the write through a transaction
        rebound = set().union(*(analyzer.binds(s) for s in between)) if between else set()
        keys_read = set().union(*(analyzer.free_reads(n) for n in read.value_nodes))
        if rebound & keys_read or any(name in analyzer.free_reads(s) for s in later):
            return None  # the key changed in between, or the row is used for more than the guard
        if not all(analyzer.effects(n).pure for n in read.value_nodes):
            return None
        span = (statements[index].start_byte, write.statement.end_byte)
        what = f"{read.table.ts_name}({', '.join(read.keys)})"
        if read.table.dialect not in RETURNING_DIALECTS:
            message = (
                f"`{name}` is read from {what} only to test that it exists before the {write.operation}; MySQL has "
                "no RETURNING: check the write's `affectedRows` (with CLIENT_FOUND_ROWS) instead of the read"
            )
            return ctx.finding(self, span, message=message, applicability=Applicability.DISPLAY_ONLY)
        reasons = _unsafe_reasons(ctx, write, read.table)
        if between:
            reasons.append("statements between the guard and the write now run when the row is missing")
        edits = _edits(ctx, statements[index], guard, consequence, write, name)
        _, dropped = read_removal_with_comments(statements[index], ctx.source)
        message = (
            f"`{name}` is read from {what} only to test that it exists before the {write.operation} by the same "
            "key: 2 statements where the write's `.returning()` does"
        )
        if reasons:
            message += " (unsafe: " + "; ".join(reasons) + ")"
        applicability = Applicability.UNSAFE if reasons else Applicability.SAFE
        return ctx.finding(self, span, message=message, edits=edits, applicability=applicability,
                           drops_comments=dropped)  # fmt: skip


def _row_read(ctx: FileContext, statement: Node) -> tuple[str, KeyedRead] | None:
    """`const [x] = await <keyed read>` / `const x = await findFirst(...)|<helper returning one row>`."""
    found = declared_read(ctx.project, ctx.parsed, ctx.vocabulary, statement, const_only=True)
    if found is None:
        return None
    pattern, read = found
    name = one_row_name(ctx.parsed, pattern, read)
    return None if name is None else (name, read)


def _same_keys(read: KeyedRead, write: KeyedWrite) -> bool:
    def norm(keys: dict[str, str]) -> dict[str, str]:
        return {column: " ".join(value.split()) for column, value in keys.items()}

    return bool(read.keys) and norm(read.keys) == norm(write.keys)


def _unsafe_reasons(ctx: FileContext, write: KeyedWrite, table: Table) -> list[str]:
    if write.set_object is None:
        return []
    pairs = set_pairs(ctx.parsed, write.set_object)
    if pairs is None:
        return ["the set object spreads or computes its keys: values dalfix cannot check now run when no row matches"]
    reasons = []
    for key, value in pairs:
        column = table.column(key)
        sql_type = column.type or column.builder if column is not None else ""
        if column is None or not _inert(ctx, unwrap(value), sql_type, column.enum_values, table.dialect):
            reasons.append(f"the value set for `{key}` may fail (or run code) even when no row matches")
    # drizzle drops the `undefined` values of a SET and throws "No values to set" when none is left, before any row
    # is matched: when every value may be `undefined` (a name, a property), the rewrite throws that where the
    # original answered with the guard.
    if pairs and all(unwrap(value).type in MAYBE_UNDEFINED for _, value in pairs):
        reasons.append('every value set may be `undefined`: drizzle then throws "No values to set" even when no row '
                       "matches")  # fmt: skip
    written = {key for key, _ in pairs}
    if any(c.on_update in ("$onUpdate", "$onUpdateFn") and c.key not in written and not _clock_on_update(c)
           for c in table.columns.values()):  # fmt: skip
        reasons.append("a `$onUpdate` function now runs when no row matches")
    return reasons


def _clock_on_update(column: Column) -> bool:
    """A `$onUpdate(() => new Date())` on a date column (or SQLite's `integer({ mode: "timestamp" })`): it runs code
    only to read the clock, and the column binds any `Date`, as a `set({ at: new Date() })` value does."""
    sql_type = (column.type or column.builder or "").lower()
    return column.on_update_clock and (
        sql_type.startswith(DATE_TYPES) or (sql_type == "integer" and column.mode in ("timestamp", "timestamp_ms"))
    )


def _inert(
    ctx: FileContext, value: Node, sql_type: str, enum_values: tuple[str, ...] | None, dialect: str | None
) -> bool:
    """A set value that evaluates without running code and that the column binds whatever it holds."""
    sql_type = sql_type.lower()
    if value.type in ("null", "undefined"):
        return True
    if value.type == "new_expression":
        return ctx.text(value).replace(" ", "") == "newDate()" and sql_type.startswith(DATE_TYPES)
    if value.type in ("true", "false"):
        return sql_type == "boolean"
    if value.type == "string":
        if sql_type == "enum":
            return enum_values is not None and ctx.text(value)[1:-1] in enum_values
        return sql_type in ANY_VALUE_TYPES and "\\0" not in ctx.text(value) and "\\u0000" not in ctx.text(value)
    if value.type == "number":
        return sql_type in ("integer", "smallint", "bigint", "serial") and ctx.text(value).isdigit()
    if value.type in ("identifier", "shorthand_property_identifier", "member_expression"):
        plain = all(n.type in PLAIN_NAMES for n in walk(value) if n.is_named)
        # PostgreSQL rejects a NUL character in a text or JSON parameter when it binds it, before any row is
        # matched (22021 / 22P05): a string dalfix cannot see may hold one, so only boolean columns are inert.
        kinds = {"boolean"} if dialect == "pg" else ANY_VALUE_TYPES
        return plain and sql_type in kinds
    return False


def _edits(ctx: FileContext, read_statement: Node, guard: Node, consequence: Node, write: KeyedWrite, name: str):  # type: ignore[no-untyped-def]
    source = ctx.source
    # The guard moves below the write with its comments: the lines above it (not one trailing the read) and the one
    # trailing it; the write keeps the one trailing it.
    above_guard = [c for c in leading_comments(guard) if c.start_byte >= read_statement.end_byte]
    after_guard = trailing_comments(guard)
    after_write = trailing_comments(write.statement)
    end = max([guard.end_byte, *(c.end_byte for c in after_guard)])
    while end < len(source) and source[end : end + 1] in b" \t\r\n":
        end += 1
    statement = write.statement
    eol = "\r\n" if b"\r\n" in source else "\n"
    indent = line_indent(source, statement.start_byte)
    if write.pattern is None:
        text = ctx.text(statement)
        start = statement.start_byte
        if write.returning is None:
            # `.returning({ <pk>: t.<pk> })` (else the first key) after the where call, on its own line when the
            # chain breaks.
            primary = write.table.primary_key
            key = primary.columns[0] if primary is not None and len(primary.columns) == 1 else next(iter(write.keys))
            table = ctx.text(write.table_node)
            member = write.where_call.child_by_field_name("function")
            step = member.child_by_field_name("property") if member is not None else None
            dot_indent = line_indent(source, step.start_byte if step is not None else write.where_call.start_byte)
            multiline = b"\n" in source[write.chain.root.end_byte : write.where_call.end_byte]
            joiner = f"{eol}{dot_indent}." if multiline else "."
            cut = write.where_call.end_byte - start
            text = f"{text[:cut]}{joiner}returning({{ {key}: {table}.{key} }}){text[cut:]}"
        bound = f"const [{name}] = {text}"
        if "\n" not in bound:
            bound = "\n".join(wrap_long_line(indent + bound, ctx.style.indent_unit, ctx.style.print_width))[
                len(indent) :
            ]
            bound = bound.replace("\n", eol) if eol == "\r\n" else bound
        test = f"!{name}"
    else:
        bound = ctx.text(statement)
        pattern = ctx.text(write.pattern)
        test = f"!{pattern[1:-1].strip()}" if write.pattern.type == "array_pattern" else f"{pattern}.length === 0"

    def spaced(comments: list[Node]) -> str:
        return "".join(f" {ctx.text(c)}" for c in comments)

    replacement = (
        f"{bound}{spaced(after_write)}{eol}"
        + "".join(f"{indent}{ctx.text(c)}{eol}" for c in above_guard)
        + f"{indent}if ({test}) {ctx.text(consequence)}{spaced(after_guard)}"
    )
    # The read goes with the `//` lines describing it ("// Get the app from the database"), now describing nothing.
    start, _ = read_removal_with_comments(read_statement, source)
    write_end = max([statement.end_byte, *(c.end_byte for c in after_write)])
    return [Edit(start, end, ""), Edit(statement.start_byte, write_end, replacement)]
