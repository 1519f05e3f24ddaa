"""
## What it does
Flags a uniqueness pre-check followed by an insert or update of the same values, and lets the unique constraint decide.

The pre-check is a read by some columns, then a guard that throws or returns when a row was found. The
rewrite inserts with `.onConflictDoNothing({ target })` and `.returning()`, and runs the original guard when
no row comes back. `//` lines directly above the read that say it reads something (`// Look up the slug`) go
with it, as for DAL008; others stay (`// Slugs are unique across projects` now explains the insert).

## Why is this bad?
Two round trips where one does, and a race: two concurrent requests both pass the check, both insert, and
one of them fails with a raw unique violation (23505) instead of the domain error the check was written for.
The database enforces the constraint anyway; asking it once closes the race.

The fix is offered only when the table has a primary key or a (non-partial) unique constraint whose columns
are exactly the checked columns, and the insert writes the same values the read compared. Without such a
constraint the finding names the race and the `uniqueIndex` that would close it (display-only).

On MySQL (no `onConflictDoNothing`) and for an insert whose result is used without `.returning()` (a row
count, an insert id), the insert stays as it is and the catch form handles the conflict: `try`/`catch`
around the statement (or `.catch(...)` on the query when its result is bound, then only for a guard that
throws), whose test walks the error's `.cause` chain (drizzle wraps driver errors; at most 8 links, no
cycles) and reads fields, never the message: PostgreSQL `code` 23505 and the constraint's name on
`constraint` (node-postgres, neon-serverless, vercel-postgres, PGlite) or `constraint_name` (postgres-js);
SQLite `SQLITE_CONSTRAINT_UNIQUE` / `SQLITE_CONSTRAINT_PRIMARYKEY` on `code` or `extendedCode`
(better-sqlite3, bun:sqlite, libSQL); MySQL `ER_DUP_ENTRY` or errno 1062 (mysql2). That test is a function,
`isUniqueViolation`, once per project: the fix creates a module beside the one that creates the database
handle (`src/db/is-unique-violation.ts`, named like its neighbours) unless it is there already, and imports it
the way the file imports its other modules (a tsconfig alias or a relative path, `.js` under NodeNext); or it
imports the project's own, named by `unique-violation-module` in dalfix.toml (created there when missing).
Without a known handle module it goes in the file, after its imports. Display-only instead when the schema
does not name the PostgreSQL constraint; on SQLite and MySQL (whose errors name the key only in their message
text) when another unique key of the table could be hit by the insert (a key is out of reach when the insert
leaves one of its columns to an identity, autoincrement, serial, rowid, random or `$defaultFn` default); for
drivers whose errors dalfix does not know (neon-http, D1, PlanetScale, the proxies); when the file already
declares or imports another `isUniqueViolation`, or the module's path holds a file dalfix did not generate.
Inside a PostgreSQL
transaction a failed statement aborts it (every later statement fails with 25P02), so there the write runs in a
savepoint — a nested `tx.transaction((savepoint) => savepoint.…)`, which drizzle rolls back to before the error
leaves it — and the catch sits outside it; on drivers whose transactions dalfix does not know to open savepoints
(only node-postgres, postgres-js, PGlite, neon-serverless and vercel-postgres do) the finding is display-only.
The same savepoint wraps a write on a handle a transaction may reach through a call dalfix does not follow into
the function (`withTx(create)`, `create.call(null, tx, …)`, `new Repo(tx)`); on the pool it is a transaction of
that one statement, which changes nothing the code observes.

Probe loops (`while (taken) slug = base + "-" + n++`: a loop that reads by `eq(t.col, v)` and assigns `v` a
new candidate) are reported display-only: one query for the taken candidates and the free one chosen in JS
is right only with the loop's exact naming rule, which dalfix does not rewrite. Not handled yet, and left
alone: reads whose row is used for anything but the guard.

A check and an insert through project helpers (kan's mention emails: `const found = await repo.exists(db, {
userId, cardId, type })`, `if (found) return;`, then `await repo.create(db, { userId, cardId, type, … })`) are
reported display-only, when the check's helper reads one table, comparing the values it is handed with its columns
(`eq(t.userId, args.userId)`), and writes nothing, and the first await after the guard is a helper that inserts
into that table (and updates or deletes nothing) handed the same values under the same names (followed through
the helpers both call and the transactions they open). The message names the columns and the unique index to add
when none covers exactly them (with `.nullsNotDistinct()` when one of them may be NULL on PostgreSQL), then
`onConflictDoNothing().returning()` to go on only when a row came back (on MySQL, catching `ER_DUP_ENTRY`). No
fix: the insert lives in a helper other callers share, and the guard's consequence (here: no email) must move
after the insert.

Updates take the catch form (`transforms/check_then_update.py`): a pre-check that leaves the updated row out
(`ne(t.id, id)` in the read, or `if (existing && existing.id !== id)` in the guard) before an update of that row
(`.where(eq(t.id, id))`, the same `id`, possibly with more equalities) that writes the checked values (`set({
slug })`, or a spread `...data` when the check compared `data.slug`; a checked column the update does not write
must be fixed by its where). A check that runs under a condition that only reads values (`if (data.slug &&
data.slug !== file.slug) { <read>; <guard> }`) keeps that condition in the catch's test. On SQLite and MySQL the
update must write no column of another unique key (a spread may write any: display-only). Display-only when the
check does not leave the updated row out (the row conflicts with itself in the check, never in the update), and
when the block has not read the row by the update's keys and left when it was missing: an update that matches
no row writes nothing and raises no violation, where the check may have found another row and thrown.

Find-or-create (`transforms/find_or_create.py`, shapes read by `dalfix/analysis/find_or_create.py`): a keyed
read, then an insert of the same values that runs only when no row was found — the guard branching into the
insert (`if (!row) { const [created] = await <insert>.returning(); row = created }`, or an insert whose result is
not used), an early `if (row) return row;` before it, or a fallback `row ?? (await <insert>.returning())[0]`
(`||`, `row ? row : …`). Two concurrent first calls both miss: without a unique constraint on exactly the read's
columns both insert and the table keeps two rows for the key (the read then returns either), so the finding is
display-only and names the `uniqueIndex("<table>_<columns>_unique").on(...)` to add (remove the duplicates
first; DAL010 proposes it in the schema), or the partial one (`.on(t.userId).where(sql`status = 'open'`)`) when a
key column is compared with one fixed value: a literal, a top-level `const`, an enum member or a property of an
`as const` object, in the file or imported (a value dalfix cannot see stays a placeholder in the `where`). With
one, the loser fails with a raw unique violation: the fix adds `.onConflictDoNothing({ target })` to the insert
and, when it returns no row, reads the row again (`select()` by the read's condition, `.limit(1)`), so both paths
return the row that holds the key. Only the insert changes: the found path sends the same single read.
Display-only on MySQL (no `onConflictDoNothing`: catch
ER_DUP_ENTRY and re-read by hand), when the read returns a column selection or goes through a helper (the re-read
would give another shape), and when the inserted row is used for more than the found row (a welcome mail for a
new account must not go to the one found on a conflict). Left alone: an insert of other values or a read
with conditions the insert does not set (`and(eq(t.name, n), isNull(t.deletedAt))`), an insert that already
handles its conflict, an update instead of an insert, and a read after a lock taken earlier in the function
(`.for("update")`, an advisory lock: the callers run one after the other).

## Example
```ts
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { pgTable, text, uuid } from "drizzle-orm/pg-core";

const db = drizzle(process.env.DATABASE_URL!);
const files = pgTable("files", {
  id: uuid("id").primaryKey().defaultRandom(),
  slug: text("slug").notNull().unique(),
  name: text("name").notNull(),
});

export async function createFile(slug: string, name: string) {
  const [existing] = await db.select().from(files).where(eq(files.slug, slug)).limit(1);
  if (existing) {
    throw new Error(`slug "${slug}" is taken`);
  }
  const [file] = await db.insert(files).values({ slug, name }).returning();
  return file;
}
```

## Use instead
```ts
import { drizzle } from "drizzle-orm/node-postgres";
import { pgTable, text, uuid } from "drizzle-orm/pg-core";

const db = drizzle(process.env.DATABASE_URL!);
const files = pgTable("files", {
  id: uuid("id").primaryKey().defaultRandom(),
  slug: text("slug").notNull().unique(),
  name: text("name").notNull(),
});

export async function createFile(slug: string, name: string) {
  const [file] = await db
    .insert(files)
    .values({ slug, name })
    .onConflictDoNothing({ target: files.slug })
    .returning();
  if (!file) {
    throw new Error(`slug "${slug}" is taken`);
  }
  return file;
}
```

## Fix safety
Always unsafe. When no row holds the key, the insert runs and returns the same row as before. When one
does, `ON CONFLICT (key) DO NOTHING` inserts nothing and returns no row, and the original guard throws the
same error (same class, same message) or returns the same value — but now after the insert statement, so:
the statements written between the guard and the insert (pure ones only; anything else blocks the fix) run
in that case too; a violation the insert would raise before the conflict check (NOT NULL, CHECK) now
surfaces instead of the guard's error when both apply; and concurrent callers that used to leak a raw
unique violation now get the guard's error. The conflict target is exactly the constraint's columns
(PostgreSQL raises 42P10 otherwise); a conflict on any other unique constraint still raises, as before.
`onConflictDoNothing` is a single statement, so it is also right inside a transaction (no 25P02).
The pre-check read is no longer sent, so a database failure of that read cannot happen any more: the call
goes on to the insert, whose own failure (if any) surfaces instead.
The catch form sends the same insert as before; when the key is taken the insert fails with the unique
violation of that key and the catch runs the guard's throw or return (same error, same value); any other
error is rethrown unchanged. On SQLite and MySQL it relies on no other key being reachable (see above; a
`$defaultFn` is taken to give fresh values). Outside PostgreSQL a failed statement inside a transaction is
rolled back alone, so the transaction goes on as it did after the guard. The module the fix creates holds
only the predicate (nothing runs on import); a module named by `unique-violation-module` that exists already
is the project's own predicate, called as the generated one is: dalfix does not read it, so the catch is
exactly as right as that predicate's test for this key. Inside a PostgreSQL transaction the savepoint adds two
statements of transaction control (SAVEPOINT, then RELEASE or ROLLBACK TO SAVEPOINT) around the write; the
rollback undoes only the failed write, so the transaction goes on (or ends with the guard's error) as it did
after the guard.
For an update the catch form sends the same update as before, and only for a row the block has just read:
updating it to values only it holds does not conflict (a row never conflicts with itself), and values another
row holds raise the violation the check stood for, now caught and turned into the guard's throw (same class,
same message); a check that ran under a condition is caught under the same condition, so a violation the
original let through raw still comes through raw. A row deleted by someone else between that read and the
update is no longer reported by the guard (the update matches nothing); a violation the update raises before
the unique check (NOT NULL, CHECK, a foreign key) surfaces instead of the guard's error when both apply; pure
statements between the check and the update now run when the values are taken too, as for inserts.
The pre-check read is no longer sent, so a database failure of that read cannot happen any more: the call
goes on to the update, whose own failure (if any) surfaces instead.
For a find-or-create only the insert changes. When it inserts a row (no conflict) it returns that row, as
before, and the re-read is not sent. When a concurrent call inserted the key between the read and the insert,
the original failed with a unique violation; the rewrite inserts nothing and returns the row that holds the key,
read again by the read's condition (the row the read would have found a moment later, in the shape the read
returns: the whole row, as `.returning()`). A conflict on another unique key still raises, as before. On
PostgreSQL at REPEATABLE READ or SERIALIZABLE inside a transaction, a conflicting row committed after the
transaction's snapshot makes the insert itself fail with a serialization failure (40001, "could not serialize
access due to concurrent update") where the original raised the unique violation (23505): the re-read is not
reached; at the default READ COMMITTED, and on SQLite, the insert does nothing and the re-read sees the row. A
row deleted between the conflict and the re-read is not found (undefined).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dalfix import batching
from dalfix.analysis.drizzle import unwrap
from dalfix.analysis.effects import EffectAnalyzer
from dalfix.analysis.find_or_create import written_columns
from dalfix.analysis.index_plan import sql_facts, sql_unique_index
from dalfix.analysis.keyed_reads import KeyedRead, declared_read, if_without_else, keyed_read, pure_exit
from dalfix.analysis.keyed_writes import awaited_statement, one_name_pattern
from dalfix.analysis.schema import UniqueSet
from dalfix.comments import read_removal_with_comments
from dalfix.context import FileContext
from dalfix.fixes import Applicability, Edit, Finding
from dalfix.parsing import (
    Node,
    descendants_of_type,
    enclosing_function,
    fresh_name,
    line_indent,
)
from dalfix.print_width import wrap_long_line
from dalfix.render import expanded_chain, to_width
from dalfix.rules import Rule
from transforms.check_then_update import Write, catch_edits, update_finding
from transforms.find_or_create import find_or_create_finding

ON_CONFLICT_DIALECTS = frozenset({"pg", "sqlite"})
# The bytes a file needs for a direct insert or update, or a probe loop, to be in it.
WRITE_NEEDLES = (b"insert", b"update", b"while", b"for (", b"do {")
# `const found = await …; if (found)`: the helpers' check-then-insert starts so (a cheap test for files holding none
# of WRITE_NEEDLES, where only that shape can match)
HELPER_GUARD = re.compile(rb"const\s+([\w$]+)\s*=\s*await\b[^;]*;\s*(?://[^\n]*\s*)*if\s*\(\s*\1\s*\)")
LOOP_TYPES = ("while_statement", "do_statement", "for_statement")
NESTED_SCOPES = ("function_declaration", "function_expression", "arrow_function", "method_definition", *LOOP_TYPES)
EQUALITY = re.compile(r"\beq\(\s*[\w$.]+\.(\w+)\s*,\s*([A-Za-z_$][\w$]*)\s*\)")


class CheckThenInsert(Rule):
    code = "DAL003"
    name = "check-then-insert"
    message = "A uniqueness pre-check races with the insert that follows it; let the unique constraint decide"
    fix_title = "Insert with `onConflictDoNothing` and keep the guard for the conflict"
    fix_availability = "sometimes"
    preview = True
    reads_sql_facts = True
    needles = WRITE_NEEDLES
    needs_handle = True

    @classmethod
    def admits_also(cls, source: bytes) -> bool:
        """A file whose only insert goes through a repository helper (`repo.create(db, …)`) after a guard on an
        awaited check: `create` is in most files (`createTRPCRouter`, `createId`), the guard's shape is not."""
        return b"create" in source and HELPER_GUARD.search(source) is not None

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        direct = any(needle in ctx.source for needle in WRITE_NEEDLES)  # else only the helpers' shape can match
        if not direct and not HELPER_GUARD.search(ctx.source):
            return
        analyzer = ctx.project.analyzer_for(ctx.parsed, ctx.vocabulary)
        for statements in ctx.function_blocks():
            for index in range(len(statements) - 1):
                finding = None
                if direct:
                    finding = self._check_at(ctx, analyzer, statements, index) if index + 2 < len(statements) else None
                    finding = finding or update_finding(self, ctx, analyzer, statements, index)
                    finding = finding or find_or_create_finding(self, ctx, analyzer, statements, index)
                finding = finding or self._through_helpers(ctx, analyzer, statements, index)
                if finding is not None:
                    yield finding
        for loop in ctx.descendants(*LOOP_TYPES) if direct else []:
            probe = _probe_loop(ctx, loop)
            if probe is not None:
                column, variable = probe
                message = (
                    f"Probe loop: one query per candidate `{variable}` until no row has that {column}, and a race "
                    "with the write that uses it; read the taken candidates in one query (`like` on the base, or "
                    "`inArray` of the first N candidates), pick the first free one in JS with the same naming rule, "
                    "and let the unique constraint decide at the write"
                )
                yield ctx.finding(self, loop, message=message, applicability=Applicability.DISPLAY_ONLY)

    def _check_at(self, ctx: FileContext, analyzer: EffectAnalyzer, statements: list[Node], index: int):  # type: ignore[no-untyped-def]
        found = _existence_read(ctx, statements[index])
        if found is None:
            return None
        name, read, row_form = found
        guard = statements[index + 1]
        consequence = _guard_consequence(ctx, analyzer, guard, name, row_form)
        if consequence is None:
            return None
        later = statements[index + 2 :]
        insert_at = next((i for i, s in enumerate(later) if not analyzer.effects(s).pure), None)
        if insert_at is None:
            return None
        between, insert = later[:insert_at], later[insert_at]
        chain_info = _insert_of(ctx, insert, read)
        if chain_info is None:
            return None
        rebound = set().union(*(analyzer.binds(s) for s in between)) if between else set()
        reads = set().union(*(analyzer.free_reads(n) for n in read.value_nodes))
        if rebound & reads or any(name in analyzer.free_reads(s) for s in later):
            return None  # the key changed in between, or the checked row is used for more than the guard
        span = (statements[index].start_byte, insert.end_byte)
        covering = [
            s
            for s in read.table.unique_sets(include_partial=False)
            if s.columns and not s.expressions and set(s.columns) == set(read.keys)
        ]
        if not covering:  # a UNIQUE index a migration creates (DAL003's find-or-create reads them the same way)
            in_sql = sql_unique_index(read.table, tuple(read.keys), sql_facts(ctx.project))
            if in_sql is not None:
                held = [c.key for n in in_sql.columns if (c := read.table.column_by_sql_name(n)) is not None]
                covering = [UniqueSet(tuple(held), "unique_index", in_sql.name)]
        columns = ", ".join(sorted(read.keys))
        if not covering:
            message = (
                f"Pre-check on {read.table.ts_name}({columns}) then insert: two concurrent calls can both pass the "
                f"check; no unique constraint on exactly these columns enforces it (add `uniqueIndex().on(...)` "
                "on them, then let the insert's conflict decide)"
            )
            return ctx.finding(self, span, message=message, applicability=Applicability.DISPLAY_ONLY)
        unique_set = covering[0]
        if read.table.dialect in ON_CONFLICT_DIALECTS and not (chain_info[2] is not None and not chain_info[1]):
            keys = unique_set.columns
            edits = self._edits(ctx, statements[index], guard, insert, consequence, chain_info, read, keys)
            _, dropped = read_removal_with_comments(statements[index], ctx.source)
            message = (
                f"Pre-check on {read.table.ts_name}({columns}) then insert: 2 statements and a race; "
                "`onConflictDoNothing` on the unique key does it in one"
            )
            return ctx.finding(self, span, message=message, edits=edits, applicability=Applicability.UNSAFE,
                               drops_comments=dropped)  # fmt: skip
        # MySQL (no onConflictDoNothing), or an insert whose result is used without `.returning()`: catch the
        # violation of this key at the insert.
        _values_call, _has_returning, bound, chain, written = chain_info
        write = Write(insert, chain, bound, written)
        removed = (statements[index].start_byte, guard.end_byte)
        catch = catch_edits(ctx, removed, write, consequence, read.table, unique_set)
        if isinstance(catch, str):
            message = f"Pre-check on {read.table.ts_name}({columns}) then insert races; {catch}"
            return ctx.finding(self, span, message=message, applicability=Applicability.DISPLAY_ONLY)
        message = (
            f"Pre-check on {read.table.ts_name}({columns}) then insert: 2 statements and a race; catching the "
            "unique violation at the insert does it in one"
        )
        edits, predicate = catch
        return ctx.finding(
            self,
            span,
            message=message,
            edits=edits,
            applicability=Applicability.UNSAFE,
            imports=predicate.imports,
            creates=predicate.creates,
        )

    def _through_helpers(self, ctx: FileContext, analyzer: EffectAnalyzer, statements: list[Node],
                         index: int) -> Finding | None:  # fmt: skip
        """`const found = await repo.exists(db, { userId, cardId })`, `if (found) return;`, then `await
        repo.create(db, { userId, cardId, … })` (kan's mention notifications): a pre-check and an insert through
        project helpers, the read's helper reading one table by columns and the write's inserting into it, handed
        the same values. Display-only: the rewrite needs a unique key on the checked columns and an insert that
        reports its conflict, in the helper or beside it."""
        shape = _helper_check(ctx, analyzer, statements, index)
        if shape is None:
            return None
        table, columns, checker, creator, insert, facts, unread = shape
        keys = tuple(c.rsplit(".", 1)[-1] for c in columns)
        listed = ", ".join(keys)
        if unread:  # `scopes` compared through a condition builder: the key has more columns than dalfix can name
            listed += ", and the columns " + ", ".join(f"`{f}`" for f in unread) + " fixes"
        span = (statements[index].start_byte, insert.end_byte)
        dialect = facts.dialect if facts is not None else None
        sets = facts.unique_sets(include_partial=False) if facts is not None and not unread else []
        unique = any(set(u.columns) == set(keys) and not u.expressions for u in sets)
        decide = "insert with `.onConflictDoNothing().returning()` and go on only when a row comes back"
        if dialect == "mysql":  # no onConflictDoNothing
            decide = "catch `ER_DUP_ENTRY` (errno 1062) at the insert and go on only when it inserted"
        if unread:
            advice = (f"both pass the check; make sure a unique index covers {table}({listed}) (dalfix cannot read "
                      f"all of the check's columns), then {decide}")  # fmt: skip
        elif unique:
            advice = (f"both pass the check and one insert fails with a raw unique violation of {table}({listed}): "
                      f"{decide}")  # fmt: skip
        else:
            nullable = [k for k in keys if facts is not None and (c := facts.column(k)) is not None and not c.not_null]
            nulls = (f" (`.nullsNotDistinct()` on PostgreSQL 15+, or rows with a NULL `{nullable[0]}` never conflict)"
                     if nullable and dialect == "pg" else "")  # fmt: skip
            advice = (f"both pass the check and both insert, since no unique constraint on exactly {table}({listed}) "
                      f"enforces it: add `uniqueIndex().on(…)` on them{nulls}, then {decide}")  # fmt: skip
        message = (f"Pre-check through `{checker}` then insert through `{creator}` into {table}, keyed by the same "
                   f"values: two concurrent calls can {advice}")  # fmt: skip
        return ctx.finding(self, span, message=message, applicability=Applicability.DISPLAY_ONLY)

    def _edits(self, ctx, read_statement, guard, insert, consequence, chain_info, read, columns):  # type: ignore[no-untyped-def]
        values_call, has_returning, bound, _chain, _written = chain_info
        source = ctx.source
        end = guard.end_byte
        while end < len(source) and source[end : end + 1] in b" \t\r\n":
            end += 1
        table = _table_text(ctx, values_call)
        targets = [f"{table}.{c}" for c in columns]
        target = targets[0] if len(targets) == 1 else f"[{', '.join(targets)}]"
        steps = [f"onConflictDoNothing({{ target: {target} }})"] + ([] if has_returning else ["returning()"])
        member = values_call.child_by_field_name("function")
        multiline = b"\n" in source[member.child_by_field_name("object").end_byte : values_call.end_byte]
        dot = member.child_by_field_name("property").start_byte
        # `.values({` on the statement's first line (`await db.insert(t).values({`): the added calls continue the
        # chain one level in, not at the statement's indent
        chained = source[source.rfind(b"\n", 0, dot) + 1 : dot].strip() == b"."
        dot_indent = line_indent(source, dot) + ("" if chained else ctx.style.indent_unit)
        joiner = f"\n{dot_indent}." if multiline else "."
        prefix = ""
        if bound is None:
            bound = f"[{fresh_name(enclosing_function(insert), insert, 'inserted')}]"
            prefix = f"const {bound} = "
        missing = f"!{bound[1:-1].strip()}" if bound.startswith("[") else f"{bound}.length === 0"
        before = source[insert.start_byte : values_call.end_byte].decode("utf-8", "surrogateescape")
        after = source[values_call.end_byte : insert.end_byte].decode("utf-8", "surrogateescape")
        statement = prefix + before + "".join(joiner + step for step in steps) + after
        indent = line_indent(source, insert.start_byte)
        if multiline and ctx.style.formatter is not None:
            # Prettier and Biome: a chain of more than two calls with one breaking is broken before each call
            line_start = source.rfind(b"\n", 0, insert.start_byte) + 1
            line_prefix = source[line_start : insert.start_byte].decode("utf-8", "surrogateescape") + prefix
            expanded = expanded_chain(source, insert.start_byte, values_call, steps, after, line_prefix, ctx.style)
            if expanded is not None:
                statement = prefix + expanded
            elif chained:
                added = ["\n".join(to_width(dot_indent + "." + step, ctx.style)) for step in steps]
                statement = prefix + before + "".join("\n" + step for step in added) + after
        if "\n" not in statement:
            lines = wrap_long_line(indent + statement, ctx.style.indent_unit, ctx.style.print_width)
            statement = "\n".join(lines)[len(indent) :]
        eol = "\r\n" if b"\r\n" in source else "\n"
        statement = statement.replace("\n", eol) if eol == "\r\n" and "\r\n" not in statement else statement
        text = f"{statement}{eol}{indent}if ({missing}) {ctx.text(consequence)}"
        # The read goes with the `//` lines describing it, which would describe nothing once it is gone.
        start, _ = read_removal_with_comments(read_statement, source)
        return [Edit(start, end, ""), Edit(insert.start_byte, insert.end_byte, text)]


def _helper_check(ctx: FileContext, analyzer: EffectAnalyzer, statements: list[Node], index: int):  # type: ignore[no-untyped-def]
    """(table, compared columns, checker text, creator text, insert statement) of a check-then-insert through
    project helpers (`CheckThenInsert._through_helpers`), or None."""
    statement = statements[index]
    if statement.type != "lexical_declaration" or len(statement.named_children) != 1 or index + 2 >= len(statements):
        return None
    declarator = statement.named_children[0]
    name, value = declarator.child_by_field_name("name"), declarator.child_by_field_name("value")
    value = unwrap(value) if value is not None else None
    if name is None or name.type != "identifier" or value is None or value.type != "await_expression":
        return None
    call = unwrap(value.named_children[0]) if value.named_children else None
    if call is None or call.type != "call_expression":
        return None
    # The guard first: it is the cheap test most declarations fail.
    parts = if_without_else(statements[index + 1])
    if parts is None or " ".join(ctx.text(parts[0]).strip("()").split()) != ctx.text(name):
        return None
    exits = parts[1].named_children if parts[1].type == "statement_block" else [parts[1]]
    exits = [e for e in exits if e.type != "comment"]
    if not exits or exits[-1].type not in ("return_statement", "throw_statement", "continue_statement"):
        return None
    if ctx.vocabulary.query_chain(call) is not None or analyzer.effects(call).db not in ("read", "unknown"):
        return None  # unknown: a call in its body dalfix cannot classify; its queries are listed below all the same
    read = batching.helper_tables(ctx.project, ctx.parsed, call)
    if read is None or len(read.read) != 1 or read.written:
        return None
    table = next(iter(read.read))
    arguments = call.child_by_field_name("arguments")
    values = arguments.named_children if arguments is not None else []
    checked = [i for i, v in enumerate(values) if not _handle_argument(ctx, v)]
    hint = batching.helper_batch_shape(ctx.project, ctx.parsed, call, checked)
    found = [c for i in checked for c in hint.compared.get(i, ())]
    unread: list[str] = []  # fields handed to the check whose column dalfix cannot find (`scopes` of a builder)
    for i in checked:  # an object of values: the column each field is compared with (`eq(t.userId, args.userId)`)
        fields = _given_values(ctx, [values[i]]) if unwrap(values[i]).type == "object" else None
        for field in fields or {}:
            column = batching.helper_field_column(ctx.project, ctx.parsed, call, i, field)
            if column is not None:
                found.append(column[0])
            else:
                unread.append(field)
    columns = tuple(dict.fromkeys(found))
    given = _given_values(ctx, [values[i] for i in checked])
    if not columns or given is None or any(c.rsplit(".", 1)[0].rsplit(".", 1)[-1] != table for c in columns):
        return None
    keys = set().union(*(analyzer.free_reads(values[i]) for i in checked))
    for later in statements[index + 2 :]:
        if analyzer.binds(later) & keys:
            return None  # the values changed between the check and the write
        awaited = [a for a in descendants_of_type(later, "await_expression") if a.named_children]
        returned = None
        if later.type == "return_statement" and later.named_children:
            returned = unwrap(later.named_children[0])
        if not awaited and (returned is None or returned.type != "call_expression"):
            continue
        write = unwrap(awaited[0].named_children[0]) if awaited else returned
        assert write is not None
        if write.type != "call_expression" or ctx.vocabulary.query_chain(write) is not None:
            return None
        if analyzer.effects(write).db not in ("write", "unknown"):
            return None
        tables = batching.helper_tables(ctx.project, ctx.parsed, write)
        write_args = write.child_by_field_name("arguments")
        written_values = _given_values(ctx, [v for v in (write_args.named_children if write_args else [])
                                             if not _handle_argument(ctx, v)])  # fmt: skip
        shape = batching.helper_batch_shape(ctx.project, ctx.parsed, write, [])
        if tables is None or tables.written != frozenset({table}) or shape.methods & {"update", "delete"} or (
                "insert" not in shape.methods) or written_values is None:  # fmt: skip
            return None
        if not all(written_values.get(k) == v for k, v in given.items()):
            return None  # another key, or values the check did not compare
        checker = ctx.text(call.child_by_field_name("function") or call)
        creator = ctx.text(write.child_by_field_name("function") or write)
        facts = tables.schema_tables[0] if tables.schema_tables else None
        return table, columns, checker, creator, later, facts, unread
    return None


def _handle_argument(ctx: FileContext, value: Node) -> bool:
    """A database handle handed to a helper (`db`, `tx`, `ctx.db`): not a value the check compares."""
    return ctx.vocabulary.passed_handle_kind(value) is not None


def _given_values(ctx: FileContext, values: list[Node]) -> dict[str, str] | None:
    """The values handed to a helper, field -> text (`{ userId, type: "mention" }` -> userId: userId, type:
    "mention"; a plain argument by its position); None for a spread or a computed key."""
    given: dict[str, str] = {}
    for position, value in enumerate(values):
        value = unwrap(value)
        if value.type != "object":
            given[f"#{position}"] = " ".join(ctx.text(value).split())
            continue
        for field in value.named_children:
            if field.type == "shorthand_property_identifier":
                given[ctx.text(field)] = ctx.text(field)
            elif field.type == "pair" and (key := field.child_by_field_name("key")) is not None and (
                    key.type in ("property_identifier", "string")) and (  # fmt: skip
                    item := field.child_by_field_name("value")) is not None:  # fmt: skip
                given[ctx.text(key).strip("'\"")] = " ".join(ctx.text(item).split())
            elif field.type != "comment":
                return None
    return given


def _existence_read(ctx: FileContext, statement: Node) -> tuple[str, KeyedRead, bool] | None:
    """`const [x] = await <keyed read>` / `const x = await findFirst|helper` / `const rows = await select`."""
    found = declared_read(ctx.project, ctx.parsed, ctx.vocabulary, statement)
    if found is None:
        return None
    pattern, read = found
    if pattern.type == "array_pattern":
        elements = pattern.named_children
        if len(elements) != 1 or elements[0].type != "identifier" or read.chain is None:
            return None
        return ctx.text(elements[0]), read, True
    if pattern.type != "identifier":
        return None
    row_form = read.chain is None or read.chain.method == "findFirst"
    return ctx.text(pattern), read, row_form


def _guard_consequence(ctx, analyzer, guard: Node, name: str, row_form: bool) -> Node | None:  # type: ignore[no-untyped-def]
    """The guard's consequence when it is `if (<found>) throw|return <pure>` with no else."""
    parts = if_without_else(guard)
    if parts is None:
        return None
    condition, consequence = parts
    text = " ".join(ctx.text(condition).strip("()").split())
    found: tuple[str, ...]
    if row_form:
        found = (name, f"{name} !== undefined", f"{name} != null", f"{name} !== null")
    else:
        found = (f"{name}.length > 0", f"{name}.length !== 0", f"{name}.length")
    if text not in found:
        return None
    return consequence if pure_exit(analyzer, consequence, name) is not None else None


def _insert_of(ctx: FileContext, statement: Node, read: KeyedRead):  # type: ignore[no-untyped-def]
    """(the `.values(...)` call, whether `.returning()` follows, the bound pattern text, the chain, the columns
    written) of a one-row insert into the checked table that writes the checked values."""
    found = awaited_statement(statement)
    if found is None:
        return None
    pattern, awaited = found
    if pattern is not None and not (one_name_pattern(pattern) or pattern.type == "object_pattern"):
        return None
    bound = ctx.text(pattern) if pattern is not None else None
    chain = ctx.vocabulary.query_chain(awaited.named_children[0])
    if chain is None or chain.kind != "write":
        return None
    names = [link.name for link in chain.links]
    if names not in (["insert", "values"], ["insert", "values", "returning"]):
        return None  # an existing onConflict/upsert, or something else chained
    if chain.links[0].call is None or (bound is not None and bound.startswith("{") and "returning" in names):
        return None
    target = _first_argument(chain.links[0].call)
    if target is None or ctx.project.schema.table_for_identifier(ctx.parsed, target) is not read.table:
        return None
    values_call = chain.links[1].call
    row = _first_argument(values_call)
    written = written_columns(ctx.parsed, row) if row is not None and row.type == "object" else None
    if values_call is None or written is None or not _writes_keys(written, read):
        return None
    if "returning" in names and _first_argument(chain.links[2].call) is not None and bound is None:
        return None
    return values_call, "returning" in names, bound, chain, set(written)


def _writes_keys(written: dict[str, str], read: KeyedRead) -> bool:
    return all(written.get(column) == " ".join(value.split()) for column, value in read.keys.items())


def _first_argument(call: Node | None) -> Node | None:
    args = call.child_by_field_name("arguments") if call is not None else None
    return unwrap(args.named_children[0]) if args is not None and args.named_children else None


def _table_text(ctx: FileContext, values_call: Node) -> str:
    member = values_call.child_by_field_name("function")
    receiver = member.child_by_field_name("object") if member is not None else None
    insert_call = unwrap(receiver) if receiver is not None else None
    table = _first_argument(insert_call)
    return ctx.text(table) if table is not None else ""


def _between(ctx: FileContext, start: int, end: int) -> str:
    return ctx.source[start:end].decode("utf-8", "surrogateescape")


def _probe_loop(ctx: FileContext, loop: Node) -> tuple[str, str] | None:
    """(column, variable) when the loop reads rows by `eq(t.column, variable)` (a query in the loop, or a helper
    whose body is one) and assigns `variable` a new candidate inside the loop: `while (taken) slug = base + n++`."""
    awaited = [a for a in descendants_of_type(loop, "await_expression") if _own(a, loop) and a.named_children]
    assigned = {
        ctx.text(left)
        for a in descendants_of_type(loop, "assignment_expression", "augmented_assignment_expression")
        if _own(a, loop) and (left := a.child_by_field_name("left")) is not None and left.type == "identifier"
    }
    for node in awaited:
        query = unwrap(node.named_children[0])
        read = keyed_read(ctx.project, ctx.parsed, ctx.vocabulary, query)
        if read is not None:
            pairs = [(column, value) for column, value in read.keys.items()]
        else:
            chain = ctx.vocabulary.query_chain(query)
            if chain is None or chain.kind != "read":
                continue
            pairs = [(m[1], m[2]) for m in EQUALITY.finditer(ctx.text(query))]
        for column, value in pairs:
            if value.strip() in assigned:
                return column, value.strip()
    return None


def _own(node: Node, loop: Node) -> bool:
    """Whether `node` belongs to `loop` itself, not to a function or a loop nested in it."""
    parent = node.parent
    while parent is not None and parent != loop:
        if parent.type in NESTED_SCOPES:
            return False
        parent = parent.parent
    return parent is not None
