"""
## What it does
Proposes the indexes the application's queries need and the schema lacks, as a fix adding `index(...)` to
the table in the schema file. It reads the columns queries look rows up by — `where` equalities, `inArray`
and ranges, a joined table's `on` columns, a paged `orderBy(...).limit(n)`, a relational `with` (the
child's foreign-key columns), and the foreign keys a delete of the referenced rows makes the database
check — and plans the fewest indexes that serve the lookups no primary key, unique constraint or index
serves yet: `index("<table>_<columns>_idx").on(t.a, t.b)` in the table's third argument (named with the affix
the project's own indexes share instead when at least 80 % of them do: papra's `<table>_<columns>_index`). When
the third argument is new and the columns object was hugged (`pgTable("t", {` … `})`), the formatters put each
argument on its own line and the object one level deeper; no layout they keep avoids it, so the message says the
hunk is mostly re-indentation (`git diff -w` shows the change).

## Why is this bad?
Without an index the database reads the whole table for each such query: time grows with the table, not with
the rows returned, and a query in a loop multiplies it. PostgreSQL (and SQLite) do not index the referencing
side of a foreign key, so `where(eq(posts.userId, id))` and every delete of a user scan `posts`. The code
shows which queries run; a query log only shows which ones were slow once the table was already large.

The plan is project-wide: query sites are collected from every application file of the workspace (tests,
seeds, scripts and migrations are left out), weighted by multiplicity (x10 in a loop, x the number of places
that call the helper they sit in). Equality and `inArray` columns come first (selective ones before boolean
and enum columns — a handful of values: `pgEnum`, `text({ enum })` (an array or a constant naming one),
`$type<"a" | "b">()` or a type alias of such a union (`(typeof values)[number]` of an `as const` array), a
`check(…, sql`${t.col} in ('a', 'b')`)` — and columns compared only with a fixed value: a literal, a constant
naming one — a top-level `const`, an enum member, a property of an `as const` object, in the file or imported —
or by the naming convention a SCREAMING_CASE name or `STATUS.PENDING`),
then one ordering column when a `limit` pages the `orderBy` (an `inArray` column then stays out: rows for
several values do not come back in order), else one range column. An index whose leading columns are among a
query's equality columns already serves it (dalfix does not widen an index for one more filter; an index that
finds a page's rows by every selective column, or holds the query's boolean/literal columns before the
ordering column, serves the page too; a unique key whose last columns a query compares beside a scope helper's
`where` serves it; and it never proposes an index the schema implies, nor one a SQL migration creates —
`CREATE INDEX` in `.sql` files and in `sql` templates of hand-written migrations is read too, their up direction
only, in migration order: docs/schema.md); one composite
serves the shorter lookups that are its leftmost prefix; a table ends with at most 5 indexes besides its
primary key, the strongest proposals kept (each index is paid by every insert). Left out: `or(...)`, `like`,
`ne`, `isNull`, `sql` fragments and array operators (expression, partial or GIN indexes are a human's choice),
a page whose `where` is built at run time with no column dalfix can see (`query.where(...)` applied to the
builder later is read), a table reached through an indexed join column, virtual tables (FTS5), queries on
tables the schema model cannot resolve, and MySQL foreign keys (InnoDB indexes them). `dalfix indexes [PATH]`
prints the whole plan (and, with `--database-url`, EXPLAINs each proposal before and after creating it in a
transaction it rolls back).

The finding with the fix is reported on the table in the schema file; each query site the index serves gets a
display-only finding that names it (a fix is an edit to one file: the engine attaches it where the edit is); a
delete whose foreign-key checks several proposals serve gets one such finding naming them all.
A project that keeps its indexes in hand-written SQL migrations (no Drizzle table declares an index, SQL
creates some: papra's `src/migrations/list/*.migration.ts`) gets the `CREATE INDEX` statement for a new
migration instead, display-only (`CREATE INDEX CONCURRENTLY IF NOT EXISTS` on PostgreSQL, `IF NOT EXISTS` on
SQLite, `ALGORITHM=INPLACE LOCK=NONE` on MySQL): an `index()` in the table would be created by nothing there.
To decline a table's proposals, put `// dalfix-ignore[DAL010]: reason` on the line above the table.

A lookup that is the read of a find-or-create (a read by these columns, then an insert of the same values when
no row was found: `dalfix/analysis/find_or_create.py`, DAL003) gets a UNIQUE index instead, when no unique
constraint covers exactly its columns: `uniqueIndex("<table>_<columns>_unique").on(...)` (drizzle-kit's name for
a `.unique()`; `CREATE UNIQUE INDEX` for a hand-written migration), reported as `[correctness]`, kept whatever the
table's index count, and replacing a plain index on the same columns. Without it two concurrent first calls
both insert and the table keeps two rows per key, which no plain index prevents, however small the table. The
message gives the query that lists the keys already held twice (building the index fails on them: merge or
remove them first). No UNIQUE index is proposed when a key column is compared with a fixed value (`status = 'open'`:
a full unique index would also forbid a second closed row; DAL003 names the partial unique index that fits), and
the proposal is display-only, naming the insert, when another insert of the table (not a find-or-create's, no
`onConflict…`, no read of the table by the key that runs before it on every path — in its block or an
enclosing one, not in a branch, loop body, `try` block or closure) may write a key already taken.

## Example
```ts
import { desc, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";

const db = drizzle(process.env.DATABASE_URL!);
export const users = pgTable("users", { id: integer("id").primaryKey(), name: text("name") });
export const posts = pgTable("posts", {
  id: integer("id").primaryKey(),
  authorId: integer("author_id").notNull().references(() => users.id),
  createdAt: timestamp("created_at").notNull(),
});

export async function latestPosts(authorId: number) {
  return db.select().from(posts).where(eq(posts.authorId, authorId)).orderBy(desc(posts.createdAt)).limit(20);
}
```

## Use instead
```ts
import { desc, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { index, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";

const db = drizzle(process.env.DATABASE_URL!);
export const users = pgTable("users", { id: integer("id").primaryKey(), name: text("name") });
export const posts = pgTable("posts", {
  id: integer("id").primaryKey(),
  authorId: integer("author_id").notNull().references(() => users.id),
  createdAt: timestamp("created_at").notNull(),
}, (t) => [index("posts_author_id_created_at_idx").on(t.authorId, t.createdAt)]);

export async function latestPosts(authorId: number) {
  return db.select().from(posts).where(eq(posts.authorId, authorId)).orderBy(desc(posts.createdAt)).limit(20);
}
```

## Fix safety
Always unsafe. An index changes no query's result, but adding one is a schema migration: `drizzle-kit
generate` writes a `CREATE INDEX` that locks the table against writes while it builds (on a large PostgreSQL
table, run `CREATE INDEX CONCURRENTLY IF NOT EXISTS` by hand before deploying and make the generated statement
`CREATE INDEX IF NOT EXISTS`: drizzle's migrator runs pending migrations in one transaction, where CONCURRENTLY
fails), every insert and every update of
its columns pays for it, and it takes disk space. Whether a query gets faster depends on the data
(selectivity, table size), which the code does not show: confirm with `dalfix indexes --database-url` or
`EXPLAIN` on a copy of production data. A unique index also changes what inserts may do: building it fails
while two rows share a key, and from then on an insert of a taken key fails (23505, SQLITE_CONSTRAINT_UNIQUE,
ER_DUP_ENTRY) where it used to add a second row — the point of it, and why it is never applied unreviewed.
Where the third argument cannot be edited (a block body, a destructured parameter, `index` naming something else
in the file), the fix is display-only. So is an index on a table declared once per dialect module with the driver
chosen at run time (`export const { users } = pickSchema({ sqlite: () => s, pg: () => p })`): one edit would
index one dialect and leave the others; the message names every declaration that lacks it (MySQL's declaration
of a foreign key's column has InnoDB's index) and each needs its dialect's migration.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from dalfix.analysis.index_plan import (
    IndexPlan,
    Proposal,
    alternatives_lacking,
    create_index_sql,
    duplicates_sql,
    existing_index_columns,
    index_plan,
    looked_up_through_join,
)
from dalfix.analysis.project import Project
from dalfix.analysis.query_sites import NEEDLES, QuerySite
from dalfix.analysis.schema.edits import add_index_edit, table_call
from dalfix.analysis.schema.model import Table
from dalfix.context import FileContext, relative_display
from dalfix.fixes import Applicability, Finding
from dalfix.rules import Rule

SHOWN_SITES = 3


# How to add an index to a large table without blocking its writes, per dialect.
CONCURRENTLY = {
    "pg": (
        ", and on a large table run it first by hand as CREATE INDEX CONCURRENTLY IF NOT EXISTS (drizzle's migrator"
        " runs migrations in a transaction, where CONCURRENTLY fails) and make the generated one IF NOT EXISTS"
    ),
    "mysql": ", and on a large table add it with ALGORITHM=INPLACE, LOCK=NONE",
}


# What a hand-written migration's CREATE INDEX needs to know, per dialect.
MIGRATION_NOTES = {
    "pg": " (CONCURRENTLY does not lock writes but cannot run inside a transaction)",
}


POINTER_TITLE = "Add the index the DAL010 finding on the table proposes"
SQL_TITLE = "Add the CREATE INDEX statement in a new SQL migration"


def _titled(finding: Finding, title: str) -> Finding:
    assert finding.fix is not None
    return replace(finding, fix=replace(finding.fix, title=title))


def _code_span(text: str) -> str:
    """`text` as a Markdown code span (the PR bot and SARIF render messages as Markdown): a MySQL query quotes
    names in backticks, so it needs a longer fence, with a space inside when it starts or ends with one."""
    if "`" not in text:
        return f"`{text}`"
    fence = "`" * (max(len(run) for run in re.findall(r"`+", text)) + 1)
    return f"{fence} {text} {fence}"


class MissingIndex(Rule):
    code = "DAL010"
    name = "missing-index"
    message = "No index serves the rows these queries look up; add one to the schema"
    fix_title = "Add the index to the table in the schema file (then `drizzle-kit generate`)"
    fix_availability = "sometimes"
    preview = True
    needles = (*NEEDLES, b"Table")
    needs_handle = True
    stand_in = True
    reads_sql_facts = True

    @classmethod
    def project_facts(cls, project: Project) -> None:
        index_plan(project)  # the project's query sites and schema, once for every file (and every worker)

    @classmethod
    def stand_in_facts(cls, project: Project) -> None:
        # A plan with no proposal: `check` reports only a proposal's table (by path) and its sites (by parse), so a
        # file neither names finds nothing under the real plan either, in any fix round.
        project.__dict__.setdefault("_index_plan", IndexPlan([], [], [], 0))

    @classmethod
    def facts_concern(cls, project: Project) -> set[Path]:
        # Every file `check` reports on: a proposal's table, each dialect's declaration of a table chosen at run time,
        # and the query sites (a superset costs a second check of a file, a missing file loses its findings).
        plan = index_plan(project)
        found: set[Path] = set()
        for proposal in plan.proposals:
            table = proposal.table
            found.update(t.path for t in (table, *table.alternatives, *project.schema.dialect_alternatives(table)))
            found.update(site.path for site in proposal.sites)
        return found

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        # Reports only in the files `facts_concern` lists (checks under the stand-in plan rely on it).
        plan = index_plan(ctx.project)
        pointed: set[tuple[Path, int, str | None, tuple[str, ...]]] = set()
        declared: set[tuple[str, tuple[str, ...]]] = set()
        # A delete's foreign-key lookups (one per referencing table), said together at the end: one finding per delete.
        deletes: dict[tuple[int, int], list[tuple[Proposal, Finding]]] = {}
        for proposal in _proposals_reaching(ctx.project, plan, ctx.parsed.path):
            alternatives = alternatives_lacking(ctx.project, proposal)
            if ctx.project.schema.dialect_alternatives(proposal.table) and not alternatives:
                continue  # every dialect's declaration has an index that serves it (MySQL's foreign-key index)
            if alternatives:
                # A merged table: at each declaration lacking it; one of its alternatives (a foreign key's side): at
                # its own.
                own = alternatives if proposal.table.alternatives else (proposal.table,)
                # A lookup of the merged table and a foreign key's delete on one declaration can want the same index.
                own = tuple(t for t in own if (t.id, proposal.columns) not in declared)
                declared.update((t.id, proposal.columns) for t in own)
                yield from self._per_dialect_findings(ctx, proposal, own, alternatives)
            elif proposal.table.path == ctx.parsed.path:
                finding = self._schema_finding(ctx, proposal, plan)
                if finding is not None:
                    yield finding
            for site in proposal.sites:
                if alternatives:
                    # The same index on each dialect's declaration: one pointer says it for all of them.
                    said = (site.path, site.start, proposal.table.ts_name, proposal.columns)
                    if said in pointed:
                        continue
                    pointed.add(said)
                if site.parsed is ctx.parsed:
                    deleted = site.table is not proposal.table
                    message = self._site_message(ctx, proposal, deleted, plan, site)
                    pointer = _titled(
                        ctx.finding(self, (site.start, site.end), message, applicability=Applicability.DISPLAY_ONLY),
                        POINTER_TITLE,
                    )
                    if deleted and not proposal.unique and not proposal.replaces:
                        deletes.setdefault((site.start, site.end), []).append((proposal, pointer))
                    else:
                        yield pointer
        for (start, end), pointers in deletes.items():
            if len(pointers) == 1:
                yield pointers[0][1]
            else:
                message = self._delete_message(ctx, [proposal for proposal, _ in pointers], plan)
                yield _titled(
                    ctx.finding(self, (start, end), message, applicability=Applicability.DISPLAY_ONLY), POINTER_TITLE
                )

    def _schema_finding(self, ctx: FileContext, proposal: Proposal, plan: IndexPlan) -> Finding | None:
        table = proposal.table
        found = table_call(ctx.parsed, table.ts_name or "")
        if found is None:
            return None
        name_node, call = found
        if plan.sql_migration is not None:
            message = self._migration_message(ctx, proposal, plan)
            return _titled(ctx.finding(self, name_node, message, applicability=Applicability.DISPLAY_ONLY), SQL_TITLE)
        if f"'{proposal.name}'" in ctx.text(call) or f'"{proposal.name}"' in ctx.text(call):
            return None  # added by an earlier round of this run
        message = self._schema_message(ctx, proposal)
        if proposal.unchecked_inserts:
            shown = ", ".join(proposal.unchecked_inserts[:SHOWN_SITES])
            more = (
                f" and {len(proposal.unchecked_inserts) - SHOWN_SITES} more"
                if len(proposal.unchecked_inserts) > SHOWN_SITES
                else ""
            )
            message += (
                f" (display-only: {shown}{more} inserts {table.ts_name} without checking the key: a unique index would "
                "make it fail on a taken key — the table may hold many rows per key by design)"
            )
            return ctx.finding(self, name_node, message=message, applicability=Applicability.DISPLAY_ONLY)
        edit = add_index_edit(ctx.parsed, table, proposal.name, proposal.columns, ctx.style, proposal.unique)
        if isinstance(edit, str):
            return ctx.finding(
                self, name_node, message=f"{message} (display-only: {edit})", applicability=Applicability.DISPLAY_ONLY
            )
        return ctx.finding(
            self, name_node, message + self._relaid_note(ctx, proposal), [edit.edit], Applicability.UNSAFE, edit.imports
        )

    def _per_dialect_findings(
        self, ctx: FileContext, proposal: Proposal, own: tuple[Table, ...], alternatives: tuple[Table, ...]
    ) -> Iterator[Finding]:
        """A table declared once per dialect module, one chosen at run time (schema/sources.py): display-only at
        each declaration in `own` in this file. One edit would index one dialect's table and leave the others."""
        for table in own:
            found = table_call(ctx.parsed, table.ts_name or "") if table.path == ctx.parsed.path else None
            if found is not None:
                message = self._schema_message(ctx, proposal).split(". Add `", 1)[0]
                message += f". Add `{proposal.name}` {self._per_dialect_note(ctx, alternatives)}"
                yield ctx.finding(self, found[0], message=message, applicability=Applicability.DISPLAY_ONLY)

    def _per_dialect_note(self, ctx: FileContext, alternatives: tuple[Table, ...]) -> str:
        places = ", ".join(f"{relative_display(t.path, ctx.project.root)}:{t.line}" for t in alternatives)
        return (
            "(display-only: the table is declared once per dialect module and the driver is chosen at run time: add "
            f"the index to {places} and generate each dialect's migration)"
        )

    def _relaid_note(self, ctx: FileContext, proposal: Proposal) -> str:
        """What the hunk mostly is when the table call gets its third argument and the formatter then re-lays every
        argument out (dyad's 112-line `apps` hunk). Judged on the file as the run found it, so that a proposal
        whose fix waits for a later round (the table's other proposal went first) keeps the same message."""
        path = ctx.parsed.path
        original = ctx.project.files.get(path, ctx.parsed)
        edit = add_index_edit(original, proposal.table, proposal.name, proposal.columns, ctx.style)
        if isinstance(edit, str) or edit.relaid is None:
            return ""
        builder, moved = edit.relaid
        return (
            f". Most of the hunk is re-indentation: with a third argument the formatter puts each argument of "
            f"`{builder}(...)` on its own line and the {moved}-line columns object one level deeper "
            "(`git diff -w` shows the change)"
        )

    def _schema_message(self, ctx: FileContext, proposal: Proposal) -> str:
        root = ctx.project.root
        sites = proposal.sites
        shown = ", ".join(s.where(root) for s in sites[:SHOWN_SITES])
        more = f" and {len(sites) - SHOWN_SITES} more" if len(sites) > SHOWN_SITES else ""
        replaces = f"; it makes `{proposal.replaces}` redundant (its leading columns)" if proposal.replaces else ""
        columns = f"{proposal.table.ts_name}({', '.join(proposal.columns)})"
        if proposal.unique:
            dropped = f"; it replaces `{proposal.replaces}` (the same columns: drop that one)"
            replaces = dropped if proposal.replaces else ""
            return (
                f"No unique index on {columns} [correctness]: {proposal.why}; at {shown}{more}{replaces}. Rows that "
                f"already share a key make building it fail: find them with "
                f"{_code_span(duplicates_sql(proposal))} and merge or remove them first. Add `{proposal.name}` "
                "and run `drizzle-kit generate`"
                + CONCURRENTLY.get(proposal.table.dialect, "").replace("CREATE INDEX", "CREATE UNIQUE INDEX")
            )
        return (
            f"No index on {columns} [{proposal.benefit} benefit]: "
            f"{proposal.why}; used at {shown}{more}{replaces}. Add `{proposal.name}` and run `drizzle-kit generate`"
            + CONCURRENTLY.get(proposal.table.dialect, "")
        )

    def _migration_message(self, ctx: FileContext, proposal: Proposal, plan: IndexPlan) -> str:
        """The project creates its indexes in hand-written SQL migrations: the statement for a new one."""
        assert plan.sql_migration is not None
        head = self._schema_message(ctx, proposal).split(". Add `", 1)[0]
        beside = relative_display(plan.sql_migration, ctx.project.root)
        return (
            f"{head}. This project creates its indexes in SQL migrations ({plan.sql_indexes} read, the last in "
            f"{beside}), not in its Drizzle tables: add `{create_index_sql(proposal)}` in a new migration"
            + MIGRATION_NOTES.get(proposal.table.dialect, "")
        )

    def _delete_message(self, ctx: FileContext, proposals: list[Proposal], plan: IndexPlan) -> str:
        """One delete whose foreign-key lookups several proposals serve (homarr's user delete: nine referencing
        tables): one finding naming each, instead of one per referencing table."""
        root = ctx.project.root
        named = []
        for proposal in proposals:
            table = proposal.table
            alternatives = alternatives_lacking(ctx.project, proposal)
            at = "" if alternatives else f" in {relative_display(table.path, root)}:{table.line}"
            named.append(f"`{proposal.name}` on {table.ts_name}({', '.join(proposal.columns)}){at}")
        if any(alternatives_lacking(ctx.project, proposal) for proposal in proposals):
            there = (
                "(display-only: a table declared once per dialect module, the driver chosen at run time, gets the "
                "index in each dialect's declaration and each dialect's migration)"
            )
        elif plan.sql_migration is not None:
            there = "(the CREATE INDEX statements are at the tables)"
        else:
            there = "(each fix is at its table)"
        return (
            f"Deleting rows here makes the database look up {len(proposals)} tables by a foreign key to them and no "
            f"index serves those lookups: DAL010 proposes {', '.join(named)} {there}"
        )

    def _site_message(
        self, ctx: FileContext, proposal: Proposal, deleted: bool, plan: IndexPlan, site: QuerySite
    ) -> str:
        table = proposal.table
        where = relative_display(table.path, ctx.project.root)
        columns = f"{table.ts_name}({', '.join(proposal.columns)})"
        alternatives = alternatives_lacking(ctx.project, proposal)
        # A site the index serves with some of its columns (a nested `with` that loads teamMembers by teamId for
        # an index on (teamId, userId)) looks up those, not every column of the index.
        used = {*site.lookup, *site.ranges, *(key for key, _ in site.order)}
        if looked_up_through_join(site):  # reached by the join's columns from the joined rows, sorted afterwards
            used = {*site.join_keys, *site.lookup, *site.ranges}
        own = [c for c in proposal.columns if c in used]
        looked_up = (
            columns if deleted or not own or own == list(proposal.columns) else f"{table.ts_name}({', '.join(own)})"
        )
        lookup = (
            f"Deleting rows here makes the database look up {columns} (a foreign key to them)"
            if deleted
            else f"This query looks up {looked_up}"
        )
        on = f"`{table.ts_name}`" if looked_up == columns else columns  # the index's columns when they differ
        if proposal.unique and not deleted:
            lookup = (
                f"This find-or-create looks up {columns} and no unique constraint keeps one row per key"
                if proposal.is_find_or_create(site)
                else f"This query looks up {columns} and no index serves it"
            )
            there = (
                self._per_dialect_note(ctx, alternatives)
                if alternatives
                else "(the CREATE INDEX statement is there)"
                if plan.sql_migration is not None
                else "(no fix there: another insert of the table writes the key unchecked)"
                if proposal.unchecked_inserts
                else "(the fix is there)"
            )
            return (
                f"{lookup}: DAL010 proposes the unique index `{proposal.name}` on `{table.ts_name}` in "
                f"{where}:{table.line} {there}"
            )
        served = " and no index serves it"
        if proposal.replaces:  # an existing index on the proposal's leading columns: say what it serves
            prefix = proposal.columns[: len(existing_index_columns(ctx.project, table, proposal.replaces) or ())]
            if prefix and set(own or proposal.columns) <= set(prefix):
                served = f" (the index `{proposal.replaces}` serves that; the proposed one extends it)"
            elif prefix:
                served = f" and the index `{proposal.replaces}` serves only {table.ts_name}({', '.join(prefix)}) of it"
            else:
                served = f" and the index `{proposal.replaces}` serves only part of it"
        if alternatives:
            return f"{lookup}{served}: DAL010 proposes `{proposal.name}` on {on} " + self._per_dialect_note(
                ctx, alternatives
            )
        return f"{lookup}{served}: DAL010 proposes `{proposal.name}` on {on} in {where}:{table.line} " + (
            "(the CREATE INDEX statement is there)" if plan.sql_migration is not None else "(the fix is there)"
        )


def _proposals_reaching(project: Project, plan: IndexPlan, path: Path) -> list[Proposal]:
    """The plan's proposals that can report in `path`, in the plan's order: a proposal reports only at its table,
    its table's declarations (one per dialect module) and its query sites. The others change nothing `check` says in
    this file (what they add to its sets of places said names other files), so `check` need not go through every
    proposal in every file. Indexed once per plan while the schema model stays as it was (it only grows)."""
    schema = project.schema
    state = (len(schema.tables), len(schema.merged))
    memo = project.__dict__.get("_proposals_by_path")
    if memo is None or memo[0] is not plan or memo[1] != state:
        by_path: dict[Path, list[Proposal]] = {}
        for proposal in plan.proposals:
            table = proposal.table
            paths = {table.path, *(t.path for t in table.alternatives)}
            paths.update(t.path for t in schema.dialect_alternatives(table))
            paths.update(site.path for site in proposal.sites)
            for each in paths:
                by_path.setdefault(each, []).append(proposal)
        memo = project.__dict__["_proposals_by_path"] = (plan, state, by_path)
    return memo[2].get(path, [])
