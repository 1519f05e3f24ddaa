"""The index advisor: the fewest indexes that serve the application's query sites, per the schema model.

`index_plan(project)` turns the query sites (dalfix/analysis/query_sites.py) into wants — per table, the
columns a query finds rows by with equality or IN, then one ordering column when a `limit` pages an
`orderBy`, else one range column — plus one want per foreign key the database itself looks up when rows of
the referenced table are deleted (PostgreSQL and SQLite do not index the referencing side of a foreign key;
MySQL's InnoDB does). Boolean and enum columns and columns compared only with a literal stay in a want only
when it compares nothing more selective (the database filters the rows it reads by them), and a want holds
at most `MAX_INDEX_COLUMNS` columns.

A want is served by an index (the primary key, a unique constraint or unique index, an index, one a SQL
migration creates) when:
- its equality columns are the index's leading columns in any order, followed by the ordering/range column
  (boolean, enum and literal columns the query also compares may sit among them: `(org, active, updated_at)`
  serves `org = ? AND active ORDER BY updated_at`);
- or, without a paged order, the index's leading column(s) are some of its equality columns (the index
  narrows the rows; dalfix does not widen an index for one more equality filter);
- or its equality columns hold a unique key (at most one row: nothing to sort or narrow);
- or, where a helper adds conditions dalfix does not see, the index holds every column seen, or it is a unique
  key ending in columns seen (the helper's scope columns lead it).
A paged list whose rows an index already finds by every selective equality column is left out (listed with the
index's name) unless the proposal replaces that index or that index holds the ordering column further on (the
schema expects many rows per key): a second index with the same leading columns would only save sorting the
rows one key has. A MySQL foreign key's implicit index is never named as one a proposal makes redundant.
Unserved wants are planned longest first, paged lists first, so that one composite serves the shorter wants
that are its leftmost prefix; a table ends with at most `MAX_INDEXES_PER_TABLE` indexes besides its primary
key (each one is paid by every INSERT and by UPDATEs of its columns): the strongest proposals by weight are
kept, the rest listed as skipped with that reason (a count of the schema, so planning again gives the same
answer).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from dalfix.analysis.effects import pattern_names
from dalfix.analysis.query_sites import QuerySite, note_application_sources, query_sites
from dalfix.analysis.reads import project_wide, unrecorded
from dalfix.analysis.schema.sql_indexes import SqlIndex, SqlSchemaFacts, sql_indexes
from dalfix.parsing import FUNCTION_TYPES, walk

if TYPE_CHECKING:
    from dalfix.analysis.project import Project
    from dalfix.analysis.schema import Table
    from dalfix.parsing import Node, ParsedFile

Benefit = Literal["correctness", "high", "medium", "low"]
MAX_INDEX_COLUMNS = 3
MAX_INDEXES_PER_TABLE = 5  # secondary indexes and unique constraints, the new ones included
PG_IDENTIFIER_BYTES = 63
# How a project may name its indexes around `<table>_<columns>`: (prefix, suffix).
DEFAULT_NAMING = ("", "_idx")
NAMINGS = (("", "_idx"), ("", "_index"), ("", "_ix"), ("idx_", ""), ("ix_", ""))
BENEFIT_ORDER = {"correctness": -1, "high": 0, "medium": 1, "low": 2}


@dataclass
class Want:
    table: Table
    equality: tuple[str, ...]
    tail: tuple[str, ...]  # one ordering or range column
    kind: Literal["lookup", "paged", "range", "foreign-key"]
    sites: list[QuerySite] = field(default_factory=list)
    # Referenced tables whose deletes look this table up by these columns (a foreign key's referencing side).
    deleted_parents: list[str] = field(default_factory=list)
    # Boolean/enum/literal columns every site also compares with equality (left out of `equality`): an index
    # may hold them before the ordering column and still serve the query.
    also: frozenset[str] | None = None
    # The key of a find-or-create (a read by these columns, then an insert of the same values when no row was
    # found, dalfix/analysis/find_or_create.py): only a unique constraint on them keeps one row per key.
    unique: bool = False
    find_or_create_sites: list[QuerySite] = field(default_factory=list)
    # (file, start byte) of the inserts of those find-or-creates: the other inserts of the table are looked at
    own_inserts: set[tuple[Path, int]] = field(default_factory=set)

    @property
    def columns(self) -> tuple[str, ...]:
        return self.equality + self.tail

    @property
    def weight(self) -> int:
        return sum(s.weight for s in self.sites) or 1


@dataclass
class Proposal:
    table: Table
    columns: tuple[str, ...]  # TS keys, in index order
    name: str  # the SQL index name
    why: str
    wants: list[Want]
    benefit: Benefit
    replaces: str | None = None  # an existing index that becomes a prefix of this one
    unique: bool = False  # a UNIQUE index: the key of a find-or-create that nothing keeps unique
    # `file:line` of inserts of the table that are not a find-or-create's and do not handle a conflict: the
    # unique index would make them fail on a key already taken (the proposal is then display-only)
    unchecked_inserts: list[str] = field(default_factory=list)

    @property
    def sites(self) -> list[QuerySite]:
        seen: dict[tuple[object, int], QuerySite] = {}
        for want in self.wants:
            for site in want.sites:
                seen.setdefault((site.path, site.start), site)
        return sorted(seen.values(), key=lambda s: (-s.weight, str(s.path), s.line))

    @property
    def weight(self) -> int:
        return sum(s.weight for s in self.sites) or 1

    def is_find_or_create(self, site: QuerySite) -> bool:
        """Whether `site` is the read of a find-or-create this (unique) proposal is for."""
        return any(site is s for want in self.wants for s in want.find_or_create_sites)

    @property
    def representative(self) -> QuerySite | None:
        """The query an EXPLAIN should run: the heaviest site using every column of the index, else the heaviest
        using one; None when only deletes of referenced rows look the columns up (a foreign key's trigger)."""
        columns = set(self.columns)
        own = [s for s in self.sites if s.table is self.table and columns & _used(s)]
        full = [s for s in own if columns <= _used(s)]
        return (full or own)[0] if own else None


def _used(site: QuerySite) -> set[str]:
    return {*site.lookup, *site.ranges, *(k for k, _ in site.order)}


@dataclass
class SkippedWant:
    table: Table
    columns: tuple[str, ...]
    reason: str
    sites: list[QuerySite]


@dataclass
class IndexPlan:
    proposals: list[Proposal]
    skipped: list[SkippedWant]
    sites: list[QuerySite]
    served: int  # wants an existing index serves
    sql_indexes: int = 0  # indexes created in SQL (migrations) the TypeScript schema does not declare, counted
    # The project keeps its indexes in hand-written SQL migrations (no table declares one, SQL creates some): an
    # index belongs in a new migration there, not in the Drizzle table. The last file that creates one.
    sql_migration: Path | None = None

    def for_table(self, table: Table) -> list[Proposal]:
        return [p for p in self.proposals if p.table is table]


def index_plan(project: Project) -> IndexPlan:
    cached = project.__dict__.get("_index_plan")
    if cached is None:
        with unrecorded():  # read from every application file; dalfix/incremental.py never reuses what it reports on
            cached = project.__dict__["_index_plan"] = plan_indexes(project, query_sites(project))
    return cached


def sql_facts(project: Project) -> SqlSchemaFacts:
    """The indexes the project's SQL (migrations) creates, read once per project."""
    cached = project.__dict__.get("_sql_facts")
    if cached is None:
        root = project.workspace.root if project.workspace is not None else project.root
        cached = project.__dict__["_sql_facts"] = sql_indexes(root)
    return cached


def sql_unique_index(
    table: Table, keys: tuple[str, ...], facts: SqlSchemaFacts, constraints: bool = False
) -> SqlIndex | None:
    """The non-partial UNIQUE index a SQL migration creates on exactly the columns `keys` (TS keys), if any: a
    unique constraint the Drizzle schema does not declare (a table's PRIMARY KEY / UNIQUE only with `constraints`:
    see dalfix/analysis/schema/sql_indexes.py)."""
    return facts.unique_on(table.name, tuple(_sql_columns(table, keys)), constraints) if keys else None


def alternatives_lacking(project: Project, proposal: Proposal) -> tuple[Table, ...]:
    """For a proposal on a table chosen at run time among dialect modules (or on one of its declarations): the
    declarations no index of their own already serves (MySQL indexes every foreign key): where it is to add."""
    # DAL010 asks this for every proposal in every file it checks: memoised per proposal while the schema model
    # stays as it was (it only grows).
    schema = project.schema
    memo: dict[int, tuple[Proposal, int, int, tuple[Table, ...]]] = project.__dict__.setdefault(
        "_alternatives_lacking", {}
    )
    known = memo.get(id(proposal))
    if known is not None and known[0] is proposal and known[1:3] == (len(schema.tables), len(schema.merged)):
        return known[3]
    facts = sql_facts(project)
    wanted = set(proposal.columns)
    found = tuple(
        alternative
        for alternative in schema.dialect_alternatives(proposal.table)
        if not any(set(parts[: len(wanted)]) == wanted for _, parts in _existing_indexes(alternative, facts))
    )
    memo[id(proposal)] = (proposal, len(schema.tables), len(schema.merged), found)
    return found


def plan_indexes(project: Project, sites: list[QuerySite], facts: SqlSchemaFacts | None = None) -> IndexPlan:
    schema = project.schema
    if facts is None:
        facts = sql_facts(project)
    existing_of: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    naming = index_naming(schema.tables, facts)

    def existing(table: Table) -> list[tuple[str, tuple[str, ...]]]:
        if table.id not in existing_of:
            existing_of[table.id] = _existing_indexes(table, facts)
        return existing_of[table.id]

    wants: dict[tuple[str, tuple[str, ...], tuple[str, ...]], Want] = {}
    skipped: list[SkippedWant] = []
    served = 0

    def want(table: Table, equality: tuple[str, ...], tail: tuple[str, ...], kind, site, parent=None, also=()) -> None:  # type: ignore[no-untyped-def]
        key = (table.id, tuple(sorted(equality)), tail)
        found = wants.setdefault(key, Want(table, equality, tail, kind))  # one want per column set
        extra = frozenset(also) - set(equality)
        found.also = extra if found.also is None else found.also & extra
        if found.kind == "foreign-key" and kind != "foreign-key":
            found.kind, found.equality = kind, equality  # the application's own query decides the order
        if parent is not None and parent not in found.deleted_parents:
            found.deleted_parents.append(parent)
        found.sites.append(site)

    for site in sites:
        table = site.table
        if table.dialect == "singlestore" or table.name in facts.virtual_tables:
            continue  # a virtual table (SQLite FTS5) takes no index
        if site.join_keys and any(parts[0] in site.join_keys for _, parts in existing(table)):
            served += 1  # the database can reach these rows through the join, by an index it has
            continue
        fc = _find_or_create_key(project, site, facts)
        if fc is not None:
            key, own = fc
            # a want of its own: the other lookups of these columns may be served by the indexes there are
            found = wants.setdefault((table.id, tuple(sorted(key)), ("<unique>",)), Want(table, key, (), "lookup"))
            found.unique, found.kind, found.equality = True, "lookup", key
            found.also = frozenset()
            found.sites.append(site)
            found.find_or_create_sites.append(site)
            found.own_inserts.add(own)
            continue
        equality = _equality_order(table, site)
        through_join = looked_up_through_join(site)
        if through_join:
            # Nothing of its own narrows these rows: the database starts from the joined table's filter and reaches
            # them by the join's columns (ai-chatbot's messages of one user's chats, by role and a date range). A
            # range still narrows each join key's rows; an order does not: rows of several keys are sorted anyway.
            equality = tuple(dict.fromkeys([*site.join_keys, *equality]))
        tail: tuple[str, ...] = ()
        kind: Literal["lookup", "paged", "range"] = "lookup"
        order = [k for k, _ in site.order if k not in equality] if not through_join else []
        if order and site.limited and not table.is_unique_key(equality):
            tail, kind = (order[0],), "paged"
        elif site.ranges and not table.is_unique_key(equality):
            tail, kind = (site.ranges[0],), "range" if not equality else "lookup"
        if not equality and not tail:
            continue
        seen = {k for k in equality if not _low_selectivity(table, site, k)}
        if site.dynamic and seen and any(_scoped_by_helper(parts, seen, table) for _, parts in existing(table)):
            served += 1  # filters dalfix cannot see (a helper's) may be the rest of an index that holds these
            continue
        if site.dynamic and not equality:
            skipped.append(
                SkippedWant(
                    table,
                    tail,
                    "its `where` is built at run time (a variable, `and(...conditions)`): the columns it filters "
                    "by are not known, and an index on them may already serve it",
                    [site],
                )
            )
            continue
        selective = [k for k in equality if not _low_selectivity(table, site, k)]
        if site.operation == "delete":
            for child, fk in schema.foreign_keys_to(table):
                if child.dialect not in ("mysql", "singlestore") and child.name not in facts.virtual_tables:
                    want(child, fk.columns, (), "foreign-key", site, parent=table.ts_name or table.name)
        if equality and not selective and not tail:
            skipped.append(
                SkippedWant(
                    table, equality, "only boolean columns or literals compared: an index would rarely help", [site]
                )
            )
            continue
        if kind == "paged" and not selective and site.opaque:
            skipped.append(
                SkippedWant(
                    table,
                    (*equality, *tail),
                    f"ordered by {tail[0]} with a limit, but also filtered by conditions no btree index serves "
                    "(or, like, sql): walking the index in order may read most of the table",
                    [site],
                )
            )
            continue
        # Boolean/enum/literal columns narrow little: an index holds them only when nothing more selective is
        # compared (the database filters the rows it reads by them), and never more than MAX_INDEX_COLUMNS.
        if kind == "paged" and any(k not in site.in_list for k in selective):
            # An IN list before the ordering column would not return the rows in order (one range per value):
            # the index pages by the equality columns and filters the IN column as it reads.
            selective = [k for k in selective if k not in site.in_list]
        keys = tuple(selective) if selective else equality
        want(table, keys[: max(1, MAX_INDEX_COLUMNS - len(tail))], tail, kind, site, also=equality)

    proposals: list[Proposal] = []
    by_table: dict[str, list[Want]] = {}
    for item in wants.values():
        by_table.setdefault(item.table.id, []).append(item)
    for table_wants in by_table.values():
        table = table_wants[0].table
        have = existing(table)
        frequency = Counter(k for w in table_wants for k in w.equality)
        table_wants.sort(key=lambda w: (not w.unique, w.kind != "paged", -len(w.columns), -w.weight))
        new: list[Proposal] = []
        for item in table_wants:
            if item.unique:
                if table.is_unique_key(item.equality):
                    served += 1
                    continue
                proposal = _unique_proposal(table, item, have, facts)
                proposal.unchecked_inserts = _unchecked_inserts(project, table, item, sites)
                new.append(proposal)
                continue
            if any(_serves(parts, item, table) for _, parts in have):
                served += 1
                continue
            accepted = next((p for p in new if _serves(p.columns, item, table)), None)
            if accepted is not None:
                accepted.wants.append(item)
                continue
            columns = _column_order(item, frequency, table) + item.tail
            proposal = _proposal(table, columns, item, have, naming, facts)
            # A unique key finds the rows too, but it exists for the constraint: it says nothing about how many
            # rows one key has, unless the order is the primary key's (secondary indexes end in it already).
            by_key = item.tail == (table.primary_key.columns if table.primary_key is not None else ())
            finders = [
                (name, parts)
                for name, parts in have
                if _finds_rows(parts, item) and (by_key or not table.is_unique_key(parts))
            ]
            finder = finders[0][0] if finders else None
            # An index that finds the rows already, built without the order column (the schema's author did not
            # expect many rows per key), and that the proposal would not replace: only a sort is saved.
            ordered = any(item.tail[0] in parts for _, parts in finders) if item.tail else False
            if item.kind == "paged" and finder is not None and not ordered and proposal.replaces != finder:
                skipped.append(
                    SkippedWant(
                        table,
                        columns,
                        f"`{finder}` already finds the rows by {', '.join(item.equality)}: an index that also "
                        f"returns them in {item.tail[0]} order would only save sorting them, and a second index "
                        "with the same leading columns is paid by every write (worth it only when one "
                        f"{', '.join(item.equality)} has many rows)",
                        item.sites,
                    )
                )
                continue
            if item.kind == "paged" and any(parts[0] in item.equality for _, parts in have):
                proposal.benefit = "low"  # an index already finds the rows; this one saves sorting them
            new.append(proposal)
        taken = {name for name, _ in have} | {i.name for i in facts.indexes}
        for proposal in new:  # an index name is unique per schema: never propose one that exists
            proposal.name = free_index_name(proposal.name, taken)
            taken.add(proposal.name)
        new.sort(key=lambda p: (not p.unique, -p.weight))  # a unique index is kept whatever the count
        secondary = len([n for n, _ in have if n != "primary key"])
        room = max(len([p for p in new if p.unique]), MAX_INDEXES_PER_TABLE - secondary)
        for proposal in new[room:]:
            skipped.append(
                SkippedWant(
                    table,
                    proposal.columns,
                    f"{table.ts_name} would have more than {MAX_INDEXES_PER_TABLE} indexes besides its primary key: "
                    "every index is paid by each INSERT and by UPDATEs of its columns; the stronger proposals "
                    "are kept, review whether this lookup needs one too",
                    proposal.sites,
                )
            )
        proposals.extend(new[:room])
    proposals.sort(key=lambda p: (BENEFIT_ORDER[p.benefit], -p.weight, p.table.name or "", p.columns))
    merged: dict[tuple[str, tuple[str, ...], str], SkippedWant] = {}
    for left in skipped:  # one entry per table, columns and reason, with every site
        entry = merged.setdefault(
            (left.table.id, left.columns, left.reason), SkippedWant(left.table, left.columns, left.reason, [])
        )
        entry.sites.extend(s for s in left.sites if s not in entry.sites)
    skipped = list(merged.values())
    declared = {t.name for t in schema.tables}
    # The project writes its indexes in SQL when its migrations create indexes its tables do not declare; a table's
    # keys (`constraint`: PRIMARY KEY/UNIQUE in CREATE TABLE, which every drizzle-kit migration has) do not say so.
    in_sql = [i for i in facts.indexes if i.table in declared and not i.constraint]
    hand_written = in_sql and not any(t.indexes for t in schema.tables)
    last = _latest_migration([i.path for i in in_sql]) if hand_written else None
    return IndexPlan(proposals, skipped, sites, served, len(in_sql), last)


def _latest_migration(paths: list[Path]) -> Path | None:
    """The last file (by name) of the folder where most files create indexes: the migrations list."""
    if not paths:
        return None
    folders = Counter(p.parent for p in set(paths))
    folder = max(folders, key=lambda f: (folders[f], str(f)))
    return max(p for p in paths if p.parent == folder)


def create_index_sql(proposal: Proposal) -> str:
    """The statement a hand-written migration adds for `proposal`, in the table's dialect: PostgreSQL builds it
    CONCURRENTLY (no write lock; it cannot run inside a transaction), MySQL in place without a lock."""
    table = proposal.table
    columns = _sql_columns(table, proposal.columns)
    kind = "UNIQUE INDEX" if proposal.unique else "INDEX"
    if table.dialect == "mysql":
        cols = ", ".join(f"`{c}`" for c in columns)
        return f"CREATE {kind} `{proposal.name}` ON `{table.name}` ({cols}) ALGORITHM=INPLACE LOCK=NONE"
    cols = ", ".join(f'"{c}"' for c in columns)
    concurrently = "CONCURRENTLY " if table.dialect == "pg" else ""
    return f'CREATE {kind} {concurrently}IF NOT EXISTS "{proposal.name}" ON "{table.name}" ({cols})'


def duplicates_sql(proposal: Proposal) -> str:
    """The query that lists the keys more than one row holds (they must go before a unique index can be built)."""
    table = proposal.table
    quote = "`" if table.dialect == "mysql" else '"'
    cols = ", ".join(f"{quote}{c}{quote}" for c in _sql_columns(table, proposal.columns))
    return f"SELECT {cols}, count(*) FROM {quote}{table.name}{quote} GROUP BY {cols} HAVING count(*) > 1"


def _sql_columns(table: Table, keys: tuple[str, ...]) -> list[str]:
    return [c.name if (c := table.column(k)) is not None and c.name else _snake(k) for k in keys]


def _find_or_create_key(
    project: Project, site: QuerySite, facts: SqlSchemaFacts
) -> tuple[tuple[str, ...], tuple[Path, int]] | None:
    """The columns of the find-or-create whose read is `site` (its key, in the order the read compares them) and
    (file, start byte) of its insert, or None. Only asked for reads by equality alone that no unique key covers
    (the schema's or a SQL migration's), and none of whose columns is compared with a literal: `status = 'open'`
    keeps one open cart per user, a full unique index on (user, status) would also forbid a second closed one (a
    partial unique index is what fits, and that is the author's call)."""
    table = site.table
    if site.operation not in ("select", "findFirst") or not site.equality or site.in_list or site.ranges:
        return None
    if site.literal & set(site.equality):
        return None
    if site.opaque or site.dynamic:
        return None
    if table.is_unique_key(tuple(site.equality)) or b"insert" not in site.parsed.source:
        return None
    if sql_unique_index(table, tuple(site.equality), facts, constraints=True) is not None:
        return None
    from dalfix.analysis.find_or_create import find_or_create_of_query

    found = find_or_create_of_query(project, site.parsed, site.start)
    if found is None or found.read.table is not table or set(found.read.keys) != set(site.equality):
        return None
    own = (site.path, found.insert.chain.node.start_byte)
    return tuple(k for k in site.equality if k in found.read.keys), own


def unchecked_inserts_of_key(project: Project, table: Table, keys: tuple[str, ...]) -> list[str]:
    """What DAL010's UNIQUE proposal on `keys` of `table` lists as `unchecked_inserts`, for a rule advising the same
    index (DAL003): the inserts a unique index would make fail, other than those of every find-or-create on the
    key. Computed from the query sites, not from the plan (a worker may hold a stand-in plan); memoised per key."""
    memo: dict[tuple[str, tuple[str, ...]], list[str]] = project.__dict__.setdefault("_unchecked_inserts_of_key", {})
    wanted = (table.id, tuple(sorted(keys)))
    if wanted not in memo:
        # read from every application file (and the query sites may be memoised already, their reads not noted):
        # for dalfix/incremental.py, every result depends on all of them once a check used this
        with project_wide():
            note_application_sources(project)
            sites, facts = query_sites(project), sql_facts(project)
            want = Want(table, tuple(keys), (), "lookup")
            for site in sites:
                if site.table is table and set(site.equality) == set(keys):
                    found = _find_or_create_key(project, site, facts)
                    if found is not None and set(found[0]) == set(keys):
                        want.own_inserts.add(found[1])
            memo[wanted] = _unchecked_inserts(project, table, want, sites)
    return memo[wanted]


def _unchecked_inserts(project: Project, table: Table, want: Want, sites: list[QuerySite]) -> list[str]:
    """`file:line` of the application's inserts into `table` that may write a key the find-or-creates of `want`
    hold: not their own inserts, not handling a conflict (`onConflictDoNothing` / `onConflictDoUpdate` /
    `onDuplicateKeyUpdate`), and with no read of the table by every key column (equality or IN) that always runs
    before them (`_runs_before`) and decides them (`_depends_on_read`): a check of their own, moemail's init-emperor,
    Cap's send-invites that skips taken emails; a read that is only logged checks nothing."""
    from dalfix.analysis.query_sites import _application_sources
    from dalfix.parsing import descendants_right_to_left

    key = set(want.equality)
    reads = [s for s in sites if s.table is table and key <= set(s.lookup)]
    name = (table.ts_name or "").encode()
    base = project.root
    found: list[str] = []
    for original, load in _application_sources(project):
        if not name or b".insert(" not in original or name not in original:
            continue
        parsed = load()
        for call in descendants_right_to_left(parsed.root, "call_expression"):
            function = call.child_by_field_name("function")
            prop = function.child_by_field_name("property") if function is not None else None
            arguments = call.child_by_field_name("arguments")
            if prop is None or parsed.text(prop) != "insert" or arguments is None or not arguments.named_children:
                continue
            if (parsed.path, call.start_byte) in want.own_inserts:
                continue
            if project.schema.table_for_identifier(parsed, arguments.named_children[0]) is not table:
                continue
            outer = call
            while outer.parent is not None and outer.parent.type in ("member_expression", "call_expression"):
                outer = outer.parent
            if re.search(r"\.\s*on(Conflict|DuplicateKey)", parsed.text(outer)):
                continue
            if any(
                r.path == parsed.path
                and _runs_before(parsed, r.start, call)
                and _depends_on_read(parsed, r.start, outer)
                for r in reads
            ):
                continue
            try:
                shown = parsed.path.relative_to(base).as_posix()
            except ValueError:
                shown = parsed.path.as_posix()
            found.append(f"{shown}:{call.start_point[0] + 1}")
    return sorted(set(found))


_EXITS = re.compile(r"\b(return|throw|continue|break)\b")


def _names_bound(declaration: Node, parsed: ParsedFile) -> set[str]:
    return {
        name
        for declarator in declaration.named_children
        if declarator.type == "variable_declarator" and (pattern := declarator.child_by_field_name("name"))
        for name in pattern_names(parsed, pattern)
    }


def _mentions(text: str, names: set[str]) -> bool:
    return bool(names) and re.search(r"(?<![\w$])(" + "|".join(map(re.escape, names)) + r")(?![\w$])", text) is not None


def _depends_on_read(parsed: ParsedFile, start: int, insert: Node) -> bool:
    """Whether the insert (its whole chain) is decided by what the read starting at `start` returned: the read's
    result is bound by a declaration, and a name holding it (or computed from it) is tested by an `if`/ternary/loop
    around the insert or by an `if` that exits before it, or the insert writes values filtered by it (`rows.filter`
    … `has`/`includes`/`some`). A read whose result only reaches a log line decides nothing."""
    node: Node | None = parsed.root.descendant_for_byte_range(start, start)
    while node is not None and node.type not in ("lexical_declaration", "variable_declaration"):
        parent = node.parent
        if parent is not None and parent.start_byte <= insert.start_byte and insert.end_byte <= parent.end_byte:
            # The read decides the insert directly: in the condition around it, left of `??`/`||`/`&&` before it.
            condition = parent.child_by_field_name("condition") if parent.type in _CONDITIONAL else None
            operator = parent.child_by_field_name("operator") if parent.type == "binary_expression" else None
            left = (
                parent.child_by_field_name("left") if operator is not None and operator.type in ("??", "||") else None
            )
            if condition is not None and condition.start_byte <= start < condition.end_byte <= insert.start_byte:
                tested = _tested(condition)  # `if (!(await read))`: nothing else in the condition (review6 U5)
                return tested.type == "await_expression" and tested.start_byte <= start < tested.end_byte
            return left is not None and left.start_byte <= start < left.end_byte <= insert.start_byte
        if node.type in FUNCTION_TYPES or node.type in ("statement_block", "program", "expression_statement"):
            return False
        node = parent
    if node is None:
        return False
    declaration = node
    tainted = _names_bound(declaration, parsed)  # the read's result, or whether it found a row
    derived = set(tainted)  # anything computed from the read (`new Set(rows.map(…))`)
    filtered: set[str] = set()
    scope = declaration.parent
    while scope is not None and scope.type not in FUNCTION_TYPES and scope.type != "program":
        scope = scope.parent
    if scope is None or not tainted:
        return False
    # Names computed from the read's, in source order, between the read and the insert.
    for each in walk(scope):
        if each.start_byte < declaration.end_byte or each.start_byte >= insert.start_byte:
            continue
        if each.type == "variable_declarator":
            value, target = each.child_by_field_name("value"), each.child_by_field_name("name")
        elif each.type == "assignment_expression":
            value, target = each.child_by_field_name("right"), each.child_by_field_name("left")
        else:
            continue
        if value is None or target is None or not _mentions(parsed.text(value), derived):
            continue
        bound = pattern_names(parsed, target)
        derived |= bound
        text = parsed.text(value)
        if ".filter(" in text or _mentions(text, filtered):
            filtered |= bound
        if _existence_test(text, tainted):  # `let id = row?.id`, `const fresh = !row`: found or not, nothing else
            tainted |= bound
    if _mentions(parsed.text(insert), filtered):
        return True
    # A condition around the insert, or an `if` before it (in a block that holds it) that exits.
    node = insert.parent
    while node is not None and node != scope:
        condition = node.child_by_field_name("condition") if node.type in _CONDITIONAL else None
        if (
            condition is not None
            and condition.end_byte <= insert.start_byte
            and _existence_test(parsed.text(condition), tainted)
        ):
            return True
        if node.type == "statement_block" or node.type == "program":
            for statement in node.named_children:
                if statement.start_byte < declaration.end_byte or statement.end_byte > insert.start_byte:
                    continue
                test = statement.child_by_field_name("condition") if statement.type == "if_statement" else None
                if (
                    test is not None
                    and _existence_test(parsed.text(test), tainted)
                    and _EXITS.search(parsed.text(statement))
                ):
                    return True
        node = node.parent
    return False


_CONDITIONAL = frozenset({"if_statement", "ternary_expression", "while_statement", "for_statement", "do_statement"})


def _tested(condition: Node) -> Node:
    """The expression a condition tests, without parentheses and `!`."""
    node = condition
    while node.named_child_count == 1 and (
        node.type == "parenthesized_expression" or (node.type == "unary_expression" and node.child(0).type == "!")
    ):
        node = node.named_children[0]
    return node


def _existence_test(text: str, names: set[str]) -> bool:
    """Whether `text` tests only whether the read found something (review6 U5: `row && row.device === device`
    decides on more than that, and an insert behind it can still write a key that exists): one of `names`, its
    `?.id`/`…Id` property, its `.length` against 0, or it against null/undefined, under any `!` and parentheses."""
    if not names:
        return False
    t = re.sub(r"\s+", "", text)
    while True:
        stripped = t.removeprefix("!")
        if stripped.startswith("(") and stripped.endswith(")") and stripped.count("(") == 1:
            stripped = stripped[1:-1]
        if stripped == t:
            break
        t = stripped
    name = "(?:" + "|".join(map(re.escape, sorted(names))) + ")"
    patterns = (
        rf"{name}",
        rf"{name}\??\.(?:id|\w*Id|\w*_id)",
        rf"{name}\??\.length(?:(?:===|==|!==|!=|>|<=)0)?",
        rf"0(?:===|==|!==|!=|<|>=){name}\??\.length",
        rf"{name}(?:===|==|!==|!=)(?:null|undefined)",
        rf"(?:null|undefined)(?:===|==|!==|!=){name}",
    )
    return any(re.fullmatch(p, t) for p in patterns)


# Where a part of a node runs only on some paths: (node type, the fields that may not run).
_BRANCHES = {
    "if_statement": ("consequence", "alternative"),
    "ternary_expression": ("consequence", "alternative"),
    "for_statement": ("body", "increment"),
    "for_in_statement": ("body",),
    "while_statement": ("body",),
    "try_statement": ("body", "handler"),  # a failure in the body is caught: what follows runs without it
}


def _runs_before(parsed: ParsedFile, start: int, later: Node) -> bool:
    """Whether the expression starting at byte `start` (a read) has run whenever `later` (an insert) runs: they
    meet in a statement list or an expression where the read comes first, and no branch, loop body, `try` block,
    `&&`/`||`/`??` right side, `switch` case or function lies between the read and that meeting point (a read in
    an `if` or a closure may not run). `later` may sit in a closure defined after the read (a transaction's
    callback) but not in a function declaration (hoisted: callable before the read)."""
    node = parsed.root.descendant_for_byte_range(start, start)
    while node is not None:
        parent = node.parent
        if parent is None:
            return False
        if parent.start_byte <= later.start_byte and later.end_byte <= parent.end_byte:
            if node.end_byte > later.start_byte:
                return False  # the read's part also holds the insert
            between = later.parent
            while between is not None and between != parent:
                if between.type in ("function_declaration", "generator_function_declaration"):
                    return False
                between = between.parent
            return True
        if parent.type in FUNCTION_TYPES or parent.type in ("switch_case", "switch_default", "catch_clause"):
            return False
        if any(parent.child_by_field_name(f) == node for f in _BRANCHES.get(parent.type, ())):
            return False
        if parent.type in ("binary_expression", "augmented_assignment_expression"):
            operator = parent.child_by_field_name("operator")
            short_circuit = operator is not None and operator.type in ("&&", "||", "??", "&&=", "||=", "??=")
            if short_circuit and parent.child_by_field_name("right") == node:
                return False
        node = parent
    return False


def _unique_proposal(
    table: Table, want: Want, existing: list[tuple[str, tuple[str, ...]]], facts: SqlSchemaFacts | None = None
) -> Proposal:
    """A UNIQUE index on a find-or-create's key; it replaces a plain index on exactly those columns."""
    columns = want.equality
    replaces = next(
        (name for name, parts in existing if set(parts) == set(columns) and not _is_unique_name(table, name, facts)
         and name not in ("primary key", "foreign key")),
        None,
    )  # fmt: skip
    names = ", ".join(columns)
    why = (
        f"find-or-create by {names}: two concurrent first calls both miss the read and both insert, and the table "
        f"keeps two rows per {names}; a unique index makes the second insert conflict (then "
        + ("catch ER_DUP_ENTRY at the insert and read the row again, in a transaction with `.for('update')`)"
           if table.dialect == "mysql"
           else "`onConflictDoNothing` and a re-read, DAL003)")
    )  # fmt: skip
    return Proposal(table, columns, unique_index_name(table, columns), why, [want], "correctness", replaces, True)


def looked_up_through_join(site: QuerySite) -> bool:
    """The database reaches the site's rows by its join columns from a joined table's `eq` filter: nothing of the
    site's own narrows them (only literals, booleans, enums, ranges) and its `where` is known."""
    return (
        site.reached_through_join
        and not site.dynamic
        and all(_low_selectivity(site.table, site, k) for k in site.lookup)
    )


def _equality_order(table: Table, site: QuerySite) -> tuple[str, ...]:
    """Equality/IN columns: selective ones first (as written), then booleans, enums and literal comparisons."""
    lookup = site.lookup
    return tuple(
        [k for k in lookup if not _low_selectivity(table, site, k)]
        + [k for k in lookup if _low_selectivity(table, site, k)]
    )


def _low_selectivity(table: Table, site: QuerySite, key: str) -> bool:
    """A boolean or enum column (a handful of values), or one compared only with a literal."""
    column = table.column(key)
    few_values = column is not None and (column.type in ("boolean", "enum") or column.enum_values is not None)
    return few_values or key in site.literal


def existing_index_columns(project: Project, table: Table, name: str) -> tuple[str, ...] | None:
    """The plain column parts (TS keys) of the table's existing index `name` (a Proposal's `replaces`), if known."""
    return next((parts for n, parts in _existing_indexes(table, sql_facts(project)) if n == name), None)


def _existing_indexes(table: Table, facts: SqlSchemaFacts) -> list[tuple[str, tuple[str, ...]]]:
    """(name, plain column parts) of every btree index the table has, unique sets and primary key included,
    and those SQL migrations create; under MySQL each foreign key's columns too (InnoDB creates that index)."""
    found: list[tuple[str, tuple[str, ...]]] = []
    names = {i.name for i in table.indexes}
    keys_of: list[tuple[SqlIndex, tuple[str, ...]]] = []
    for sql_index in facts.on(table.name):
        if sql_index.name in names or sql_index.method not in (None, "btree", "BTREE"):
            continue
        if sql_index.constraint and sql_index.dialect not in (None, table.dialect):
            continue  # another dialect's migrations (homarr: sqlite/ and postgresql/ key the same table differently)
        keys = []
        for name in sql_index.columns:
            column = table.column_by_sql_name(name)
            if column is None:
                break
            keys.append(column.key)
        if keys:
            keys_of.append((sql_index, tuple(keys)))
    found += [(i.name, keys) for i, keys in keys_of if not i.constraint]
    for index in table.indexes:
        if index.method not in (None, "btree"):
            continue
        plain = []
        for part in index.parts:
            if part.startswith("sql:"):
                break
            plain.append(part)
        if plain:
            found.append((index.name or "unnamed index", tuple(plain)))
    for unique in table.unique_sets():
        if unique.columns and not unique.expressions:
            label = "primary key" if unique.kind == "primary_key" else unique.name or "unique"
            found.append((label, unique.columns))
    if table.dialect == "mysql":
        found += [(fk.name or "foreign key", fk.columns) for fk in table.foreign_keys]
    # A key a `.sql` migration builds (sql_indexes.py), unless the schema declares the same one: a primary key is
    # the table's primary key (not counted against MAX_INDEXES_PER_TABLE), the others count as indexes.
    declared = {parts for _, parts in found}
    for sql_index, columns in keys_of:
        if sql_index.constraint and columns not in declared:
            found.append(("primary key" if sql_index.primary else sql_index.name, columns))
            declared.add(columns)
    return found


def _equality_prefix(parts: tuple[str, ...], want: Want) -> int:
    """How many leading columns of an index the query compares with equality (its boolean, enum and literal
    comparisons included): the index finds its rows by them."""
    compared = set(want.equality) | (want.also or frozenset())
    n = 0
    while n < len(parts) and parts[n] in compared:
        n += 1
    return n


def _finds_rows(parts: tuple[str, ...], want: Want) -> bool:
    """The index's equality-compared leading columns include every selective equality column of the want."""
    return bool(want.equality) and set(want.equality) <= set(parts[: _equality_prefix(parts, want)])


def _scoped_by_helper(parts: tuple[str, ...], seen: set[str], table: Table) -> bool:
    """Whether an index may serve a query whose `where` also calls a helper (a tenant/project scope dalfix does
    not see): it holds every column seen, or it is a unique key whose trailing columns are ones seen (the
    helper's scope columns lead it: `(tenant_id, project_id, id)` for `scoped(...)` and `eq(id)`)."""
    if seen <= set(parts):
        return True
    trailing = 0
    while trailing < len(parts) and parts[len(parts) - 1 - trailing] in seen:
        trailing += 1
    return trailing > 0 and table.is_unique_key(parts)


def _serves(parts: tuple[str, ...], want: Want, table: Table) -> bool:
    equality, tail = set(want.equality), want.tail
    n = len(equality)
    if n and set(parts) <= equality and table.is_unique_key(parts):
        return True  # a unique key among the equality columns: at most one row
    if len(parts) >= n + len(tail) and set(parts[:n]) == equality and parts[n : n + len(tail)] == tail:
        return True
    prefix = _equality_prefix(parts, want)  # `(org, active, updated_at)` for `org = ? AND active ORDER BY updated_at`
    if _finds_rows(parts, want) and parts[prefix : prefix + len(tail)] == tail:
        return True
    if want.kind == "paged" or not equality:
        return False
    return parts[0] in equality  # the index narrows the rows by a leading equality column


def _column_order(want: Want, frequency: Counter[str], table: Table) -> tuple[str, ...]:
    """Equality columns: those more of the table's wants share first (so that the index serves them as a
    prefix), foreign-key columns before others, then as written; low-selectivity ones keep their place last."""
    fk_columns = table.foreign_key_columns()
    written = list(want.equality)
    site = want.sites[0] if want.sites else None
    low = [k for k in written if site is not None and _low_selectivity(table, site, k)]
    high = [k for k in written if k not in low]
    high.sort(key=lambda k: (-frequency[k], k not in fk_columns, written.index(k)))
    return tuple(high + low)


def _proposal(
    table: Table,
    columns: tuple[str, ...],
    want: Want,
    existing: list[tuple[str, tuple[str, ...]]],
    naming: tuple[str, str] = DEFAULT_NAMING,
    facts: SqlSchemaFacts | None = None,
) -> Proposal:
    replaces = next(
        (name for name, parts in existing if len(parts) < len(columns) and columns[: len(parts)] == parts
         and name not in ("primary key",) and not _is_unique_name(table, name, facts)
         and name != "foreign key" and not any(fk.name == name for fk in table.foreign_keys)),
        None,
    )  # fmt: skip
    why = _why(table, want, columns)
    return Proposal(table, columns, index_name(table, columns, naming), why, [want], _benefit(want), replaces)


def free_index_name(name: str, taken: set[str]) -> str:
    """`name`, or `name_2`, `name_3` … when an index of that name exists (kept within PostgreSQL's 63 bytes)."""
    n = 1
    candidate = name
    while candidate in taken:
        n += 1
        suffix = f"_{n}"
        candidate = name.encode()[: PG_IDENTIFIER_BYTES - len(suffix)].decode("utf-8", "ignore") + suffix
    return candidate


def _is_unique_name(table: Table, name: str, facts: SqlSchemaFacts | None = None) -> bool:
    """A unique constraint or index of the schema's, or a UNIQUE index a SQL migration creates (partial ones too:
    dropping it for another index would lose the constraint)."""
    return any(u.name == name for u in table.unique_sets()) or (
        facts is not None and any(i.unique and i.name == name for i in facts.on(table.name))
    )


def _why(table: Table, want: Want, columns: tuple[str, ...]) -> str:
    equality = [k for k in columns if k in want.equality]  # in the index's order
    names = ", ".join(equality)
    fk = [k for k in equality if k in table.foreign_key_columns()]
    if want.kind == "foreign-key":
        parents = ", ".join(want.deleted_parents)
        text = f"foreign key {names}: deleting {parents} rows looks up {table.ts_name} by {names}"
        engine = "SQLite" if table.dialect == "sqlite" else "PostgreSQL"
        return text + f" ({engine} does not index the referencing side of a foreign key)"
    if want.kind == "paged":
        lead = f"rows by {names}, " if names else ""
        text = f"{lead}ordered by {want.tail[0]} with a limit (a paged list): the index returns them in order"
    elif not want.equality:
        text = f"rows found by a range on {want.tail[0]}"
    else:
        text = f"rows found by {names}" + (f" then a range on {want.tail[0]}" if want.tail else "")
        if fk:
            text += f" (foreign key column{'s' if len(fk) > 1 else ''} {', '.join(fk)}: no index)"
    if want.deleted_parents:
        text += f"; deleting {', '.join(want.deleted_parents)} rows looks them up too"
    return text


def _benefit(want: Want) -> Benefit:
    if any(s.weight >= 10 for s in want.sites) or want.weight >= 10:
        return "high"
    if want.kind == "foreign-key" or not want.equality and want.kind != "paged":
        return "low"
    return "medium"


def index_naming(tables: list[Table], facts: SqlSchemaFacts) -> tuple[str, str]:
    """The affix the project's own (non-unique) indexes share — papra names all of its `<table>_<cols>_index` —
    when at least 80 % of their names have it; else `<table>_<cols>_idx`. Indexes declared in the tables and those
    SQL migrations create both count."""
    declared = {t.name for t in tables}
    names = {i.name for t in tables for i in t.indexes if i.name and not i.unique}
    names |= {i.name for i in facts.indexes if not i.unique and i.table in declared}
    shared = Counter(naming for naming in map(_naming_of, names) if naming is not None)
    if not shared:
        return DEFAULT_NAMING
    naming, count = shared.most_common(1)[0]
    return naming if count >= 0.8 * len(names) else DEFAULT_NAMING


def _naming_of(name: str) -> tuple[str, str] | None:
    lower = name.lower()
    return next((n for n in NAMINGS if lower.startswith(n[0]) and lower.endswith(n[1])), None)


def index_name(table: Table, columns: tuple[str, ...], naming: tuple[str, str] = DEFAULT_NAMING) -> str:
    """`<table>_<cols>_idx` with SQL names (or the project's own affix, `index_naming`); shortened with a hash past
    PostgreSQL's 63-byte identifiers."""
    prefix, suffix = naming
    parts = [table.name or table.ts_name or "table"]
    for key in columns:
        column = table.column(key)
        parts.append(column.name if column is not None and column.name else _snake(key))
    stem = "_".join(parts)
    name = prefix + stem + suffix
    if len(name.encode()) > PG_IDENTIFIER_BYTES:
        digest = hashlib.sha1(name.encode()).hexdigest()[:8]
        keep = PG_IDENTIFIER_BYTES - len(prefix) - len(suffix) - 9
        name = prefix + stem.encode()[:keep].decode("utf-8", "ignore") + "_" + digest + suffix
    return name


def _snake(key: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key).lower()


def unique_index_name(table: Table, columns: tuple[str, ...]) -> str:
    """`<table>_<cols>_unique` with SQL names (drizzle-kit's name for a `.unique()` constraint); shortened with a
    hash past PostgreSQL's 63-byte identifiers."""
    parts = [table.name or table.ts_name or "table"]
    for key in columns:
        column = table.column(key)
        parts.append(column.name if column is not None and column.name else _snake(key))
    name = "_".join(parts) + "_unique"
    if len(name.encode()) > PG_IDENTIFIER_BYTES:
        digest = hashlib.sha1(name.encode()).hexdigest()[:8]
        name = name.encode()[: PG_IDENTIFIER_BYTES - 16].decode("utf-8", "ignore") + "_" + digest + "_unique"
    return name
