"""The schema model's data: tables, columns, keys, unique sets, indexes, foreign keys, relations.

Columns are named by their TypeScript key everywhere in the model (constraints list TS keys); the SQL name
is on the column. Every name dalfix could not be sure of is None, with the reason beside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast

if TYPE_CHECKING:
    from dalfix.analysis.schema.reader import SchemaReader
    from dalfix.parsing import Node, ParsedFile

# "unknown": a table chosen at run time among declarations of several dialects (`merged_table`).
Dialect = Literal["pg", "sqlite", "mysql", "singlestore", "unknown"]
# How a column's SQL name was found: written in the builder, the TS key (no casing option anywhere),
# the key under the project's `casing` option, or not known.
NameSource = Literal["explicit", "key", "casing", "unknown"]
# A foreign key action as drizzle stores it; drizzle's default when none is given is "no action".
Action = Literal["cascade", "restrict", "no action", "set null", "set default"]


@dataclass
class Unreadable:
    """A construct dalfix saw but could not read: listed, never dropped silently."""

    path: Path
    line: int
    what: str  # e.g. "column users.email", "third argument of pgTable('users')"
    reason: str
    # Only its own table's facts are in doubt: it can declare no key, unique set or foreign key (a row-level
    # security policy), so the model stays complete; its table stays unreadable.
    local: bool = False


@dataclass
class Column:
    key: str  # the TypeScript key in the table's column object
    name: str | None  # the SQL name; None when unknown
    name_source: NameSource
    builder: str  # the drizzle builder called: uuid, text, integer, varchar, an enum's TS name, a custom type's
    type: str | None  # the SQL type: uuid, text, integer, bigint, jsonb, enum, timestamp, custom type's dataType…
    line: int
    mode: str | None = None  # the builder's { mode } option: number, bigint, string, date, timestamp_ms, json…
    js_type: str | None = None  # what a value looks like in JS: string, number, bigint, boolean, Date, json, buffer
    enum_name: str | None = None  # pgEnum's SQL name
    enum_values: tuple[str, ...] | None = None
    not_null: bool = False
    primary_key: bool = False
    default: str | None = None  # source text of the SQL default: `.default(x)` -> x; defaultNow -> now()
    default_kind: str | None = None  # default, defaultNow, defaultRandom, $defaultFn, identity, autoincrement
    on_update: str | None = None  # $onUpdate / $onUpdateFn / onUpdateNow
    on_update_clock: bool = False  # the $onUpdate function is `() => new Date()`: it only reads the clock
    ts_type: str | None = None  # `$type<T>()`: T's source text
    array: bool = False
    collation: str | None = None
    generated: bool = False  # generatedAlwaysAs(...): never written by the application
    custom: bool = False  # a customType(): `type` is its dataType() text (None when not a literal)

    @property
    def case_insensitive(self) -> bool:
        """Text whose equality in the database ignores case (citext, a *_ci / NOCASE collation)."""
        collation = (self.collation or "").lower()
        return self.type == "citext" or collation.endswith("_ci") or collation == "nocase"


# drizzle's auto-increment builders and the integer type their column stores: PostgreSQL's serial types are
# integer/bigint/smallint with a sequence default; MySQL's and SingleStore's `serial()` is BIGINT UNSIGNED
# AUTO_INCREMENT (an equality with a signed bigint compares the numbers). SQLite has no serial builder
# (`integer().primaryKey({ autoIncrement: true })` is already `integer`).
SERIAL_STORAGE: dict[str, dict[str, str]] = {
    "pg": {"serial": "integer", "bigserial": "bigint", "smallserial": "smallint"},
    "mysql": {"serial": "bigint"},
    "singlestore": {"serial": "bigint"},
}


# SQL types whose values can come back from JavaScript as another value: a float4 read as a double (0.1::real is
# not 0.1::double precision), JSON numbers beyond a double's precision.
_LOSSY_TYPES = frozenset({"real", "float", "float4", "json", "jsonb"})


def round_trips_through_js(column: Column, stored: str | None = None) -> bool:
    """Whether a value of `column`, read into JavaScript and bound again as a parameter, is the value the
    database holds (so `eq(other, row.col)` selects what the join `other = col` selects). Not for a date/time
    read as a `Date` (milliseconds: PostgreSQL keeps microseconds, MySQL up to fsp 6), except SQLite's integer
    timestamps; a numeric, decimal or bigint (also a bigserial, MySQL's serial) read as a `number` (a double: exact
    only up to 2^53); a float4; JSON. `stored`: the SQL type the column stores, when not its own (an auto-increment
    column's integer type)."""
    sql_type = stored or column.type
    if sql_type is None or sql_type in _LOSSY_TYPES:
        return False
    if column.js_type == "Date":
        return sql_type == "integer"  # SQLite `integer({ mode: "timestamp" | "timestamp_ms" })`: whole units
    return not (column.js_type == "number" and sql_type in ("numeric", "decimal", "bigint"))


def stored_type_difference(
    a: Column | None, a_dialect: Dialect, b: Column | None, b_dialect: Dialect, a_name: str, b_name: str
) -> str | None:
    """Why `same_stored_type(a, …, b, …)` is False, in words naming the columns (`a_name`, `b_name`); None when
    it is True. The first reason that holds: an unknown type, then different types, then a value JavaScript changes."""
    for column, name in ((a, a_name), (b, b_name)):
        if column is None:
            return f"dalfix does not know the column {name}"
        if column.type is None:
            kind = f"a custom type (`{column.builder}`)" if column.custom else f"built by `{column.builder}(…)`"
            return f"{name} is {kind} whose SQL type dalfix cannot read"
    assert a is not None and b is not None and a.type is not None and b.type is not None
    stored_a = SERIAL_STORAGE.get(a_dialect, {}).get(a.type, a.type)
    stored_b = SERIAL_STORAGE.get(b_dialect, {}).get(b.type, b.type)
    if a_dialect != b_dialect:
        return f"{a_name} and {b_name} are declared for different databases ({a_dialect}, {b_dialect})"
    if stored_a != stored_b:
        return f"{a_name} is {stored_a} and {b_name} is {stored_b}"
    if a.array != b.array:
        return f"{a_name if a.array else b_name} is an array and {b_name if a.array else a_name} is not"
    for column, stored, name in ((a, stored_a, a_name), (b, stored_b, b_name)):
        if not round_trips_through_js(column, stored):
            if column.js_type == "Date":
                return f"{name} ({stored}) is read as a `Date`, which drops its microseconds"
            if column.js_type == "number":
                return f"{name} ({stored}) is read as a `number`, exact only up to 2^53"
            return f"{name} ({stored}) does not come back from JavaScript as the value the database holds"
    return None


def same_stored_type(a: Column | None, a_dialect: Dialect, b: Column | None, b_dialect: Dialect) -> bool:
    """Whether `a = b` in SQL compares two values of one SQL type as `eq(a, <b's value read into JavaScript>)`
    did: the same type (an auto-increment column counts as the integer type it stores: `integer("user_id")`
    against `serial("id")`), both arrays or neither, and values that survive the round trip through JavaScript
    (`round_trips_through_js`: not a timestamp read as a `Date`). An unknown type is never the same."""
    if a is None or b is None or a.type is None or b.type is None:
        return False
    stored_a = SERIAL_STORAGE.get(a_dialect, {}).get(a.type, a.type)
    stored_b = SERIAL_STORAGE.get(b_dialect, {}).get(b.type, b.type)
    if not (round_trips_through_js(a, stored_a) and round_trips_through_js(b, stored_b)):
        return False
    return a_dialect == b_dialect and stored_a == stored_b and a.array == b.array


@dataclass
class UniqueSet:
    """A set of columns no two rows share (when none of them is NULL, unless nulls_not_distinct)."""

    columns: tuple[str, ...]  # TS keys; empty when `expressions` holds the whole key
    kind: Literal["primary_key", "unique", "unique_index"]
    name: str | None
    name_derived: bool = False  # the name drizzle generates, not written in the source
    partial: bool = False  # a unique index with `.where(...)`: unique only among rows matching `predicate`
    predicate: str | None = None
    nulls_not_distinct: bool = False
    expressions: tuple[str, ...] = ()  # sql`` parts of an expression index (lower(email) …)
    line: int = 0
    # columns the expressions and the predicate mention (`${t.email}`, or a column's SQL name in the text):
    # writing them can also make two rows collide
    expression_columns: tuple[str, ...] = ()


@dataclass
class Index:
    columns: tuple[str, ...]  # TS keys of plain column parts, in order
    name: str | None
    unique: bool = False
    method: str | None = None  # `.using('gin', ...)`
    partial: bool = False
    predicate: str | None = None
    expressions: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()  # every part in order: a TS key, or `sql:<text>` for an expression
    line: int = 0


@dataclass
class ForeignKey:
    columns: tuple[str, ...]  # TS keys in this table
    target: str | None  # the referenced table's id (see Table.id); None when unresolved
    target_columns: tuple[str, ...]  # TS keys in the referenced table
    on_delete: Action | str = "no action"
    on_update: Action | str = "no action"
    name: str | None = None
    name_derived: bool = False
    line: int = 0


@dataclass
class Relation:
    """`relations(table, ({ one, many }) => …)` or a `defineRelations` entry."""

    source: str  # table id
    name: str  # the relation's key
    kind: Literal["one", "many"]
    target: str | None  # table id
    fields: tuple[str, ...] = ()  # TS keys in the source table
    references: tuple[str, ...] = ()  # TS keys in the target table
    relation_name: str | None = None
    through: str | None = None  # defineRelations `.through(junction)`: the junction table id
    optional: bool | None = None
    api: Literal["relations", "defineRelations"] = "relations"
    path: Path | None = None
    line: int = 0


@dataclass
class Table:
    ts_name: str | None  # the top-level binding (`users`, or `proxySchema.users`); None inside a function
    name: str | None  # the SQL name with a table creator's prefix applied; None when not computable
    dialect: Dialect
    path: Path
    line: int
    schema: str | None = None  # pgSchema('auth').table(...) -> auth
    name_note: str | None = None  # why `name` is None
    columns: dict[str, Column] = field(default_factory=dict)
    primary_key: UniqueSet | None = None
    uniques: list[UniqueSet] = field(default_factory=list)  # unique constraints and unique indexes
    indexes: list[Index] = field(default_factory=list)  # every index, unique ones included
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)  # check constraint names
    unreadable: list[Unreadable] = field(default_factory=list)
    # A merged table (`merged_table`): the declarations, one per dialect module, it stands for; empty otherwise.
    alternatives: tuple[Table, ...] = ()

    @property
    def id(self) -> str:
        """Unique within a model: `<path>:<ts name>` (or `<path>:@<line>` for an unbound table)."""
        return f"{self.path}:{self.ts_name if self.ts_name else '@' + str(self.line)}"

    @property
    def ids(self) -> frozenset[str]:
        """The ids a foreign key's `target` names this table by: its own, or each alternative's (merged)."""
        return frozenset(t.id for t in self.alternatives) or frozenset({self.id})

    def column(self, key: str) -> Column | None:
        return self.columns.get(key)

    def column_by_sql_name(self, name: str) -> Column | None:
        return next((c for c in self.columns.values() if c.name == name), None)

    def unique_sets(self, include_partial: bool = True) -> list[UniqueSet]:
        """The primary key, unique constraints (column `.unique()` too) and unique indexes."""
        sets = ([self.primary_key] if self.primary_key is not None else []) + list(self.uniques)
        return [s for s in sets if include_partial or not s.partial]

    def is_unique_key(self, columns: Iterable[str]) -> bool:
        """Whether equality on these columns (TS keys) selects at most one row: some non-partial unique set
        of plain columns lies within them. NULL never equals anything, so nullable members do not matter
        for `eq(col, value)` lookups."""
        wanted = set(columns)
        return any(
            s.columns and not s.expressions and set(s.columns) <= wanted
            for s in self.unique_sets(include_partial=False)
        )

    def unique_columns(self) -> set[str]:
        """Every column (TS key) in some unique set, partial ones included, and every column an expression
        or a partial predicate of one mentions: writing any of them can raise 23505."""
        return {key for s in self.unique_sets() for key in (*s.columns, *s.expression_columns)}

    def unique_set_a_write_can_violate(self, key: str, null: bool = False) -> UniqueSet | None:
        """A unique set that writing `key` (NULL when `null`) can make two rows collide on, else None.

        NULL in a key column collides only under NULLS NOT DISTINCT; any value, NULL included, written into a
        column an expression or a partial predicate mentions can (`deletedAt: null` brings a row back into
        `unique (email) where deleted_at is null`)."""
        for unique in self.unique_sets():
            if key in unique.expression_columns:
                return unique
            if key in unique.columns and (not null or unique.nulls_not_distinct):
                return unique
        return None

    def foreign_key_columns(self) -> set[str]:
        """Every column (TS key) of this table's foreign keys: writing it can raise 23503."""
        return {key for fk in self.foreign_keys for key in fk.columns}

    def indexes_leading_with(self, key: str) -> list[Index | UniqueSet]:
        """Indexes (and unique sets, which the database backs with an index) whose first part is `key`."""
        found: list[Index | UniqueSet] = [i for i in self.indexes if i.parts[:1] == (key,)]
        found += [s for s in self.unique_sets() if s.columns[:1] == (key,) and s.kind != "unique_index"]
        return found


@dataclass
class SchemaModel:
    tables: list[Table] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    enums: dict[str, tuple[str, tuple[str, ...] | None]] = field(default_factory=dict)  # id -> (SQL name, values)
    unreadable: list[Unreadable] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)  # files read for tables
    casing: str | None = None  # the `casing` option seen on drizzle() / drizzle.config (snake_case, camelCase)
    casing_note: str | None = None
    config_schema: list[str] = field(default_factory=list)  # drizzle.config `schema` globs seen
    reader: SchemaReader | None = field(default=None, repr=False, compare=False)
    # The files the reader chose by their bytes (tables, relations, casing), in its order: with the contents of
    # the files it read, what decides the model (dalfix/incremental.py fingerprints them).
    candidates: tuple[tuple[Path, ...], ...] = field(default=(), repr=False, compare=False)
    # Tables user code names through a destructuring of an object of tables (schema/sources.py), by id. Not in
    # `tables`: every declaration is there once already, as an alternative.
    merged: dict[str, Table] = field(default_factory=dict)
    # Lookups memoised for DAL010, which asks them per file and proposal (pathlib's == dominated homarr's check).
    # Both are kept for the model as it was when filled: `tables` only grows (the reader appends), `merged` too.
    _by_path_name: dict[tuple[Path, str | None], Table] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _indexed: int = field(default=0, init=False, repr=False, compare=False)
    # `by_id`'s index, kept the same way (a linear search formatting each table's id was 11% of Cap's slowest files).
    _by_id: dict[str, Table] = field(default_factory=dict, init=False, repr=False, compare=False)
    _ids_indexed: int = field(default=0, init=False, repr=False, compare=False)
    _alternatives_of: dict[int, tuple[Table, tuple[Table, ...]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _alternatives_for: tuple[int, int] = field(default=(0, 0), init=False, repr=False, compare=False)

    def by_id(self, table_id: str | None) -> Table | None:
        if table_id is None:
            return None
        merged = self.merged.get(table_id)
        if merged is not None:
            return merged
        if self._ids_indexed > len(self.tables):  # not appended to: indexed again from the start
            self._by_id.clear()
            self._ids_indexed = 0
        for table in self.tables[self._ids_indexed :]:
            self._by_id.setdefault(table.id, table)  # the first of the list, as a search would find
        self._ids_indexed = len(self.tables)
        return self._by_id.get(table_id)

    def reordered(self) -> None:
        """The reader sorted `tables`: the lookups' indexes (the first table of a key in the list's order) start
        again."""
        self._by_path_name.clear()
        self._indexed = 0
        self._by_id.clear()
        self._ids_indexed = 0

    def table(self, path: Path, ts_name: str | None) -> Table | None:
        """The first table declared as `ts_name` in `path`."""
        if self._indexed > len(self.tables):  # not appended to: indexed again from the start
            self._by_path_name.clear()
            self._indexed = 0
        for table in self.tables[self._indexed :]:
            self._by_path_name.setdefault((table.path, table.ts_name), table)
        self._indexed = len(self.tables)
        return self._by_path_name.get((path, ts_name))

    @property
    def complete(self) -> bool:
        """Whether everything seen was read and every foreign key's target resolved. Positive facts (this set
        is unique, this FK exists) hold either way; negative ones (no FK points at a table, a column is in no
        unique set) only when the model is complete."""
        return all(u.local for u in self.unreadable) and all(
            fk.target is not None for t in self.tables for fk in t.foreign_keys
        )

    def dialect_alternatives(self, table: Table) -> tuple[Table, ...]:
        """The declarations, one per dialect module, of the table chosen at run time that `table` is or is one
        of (a merged table, or an alternative of one user code named); () for a table of one dialect."""
        if table.alternatives:
            return table.alternatives
        state = (len(self.tables), len(self.merged))
        if state != self._alternatives_for:
            self._alternatives_of.clear()
            self._alternatives_for = state
        known = self._alternatives_of.get(id(table))
        if known is not None and known[0] is table:
            return known[1]
        found = self._dialect_alternatives(table)
        self._alternatives_of[id(table)] = (table, found)
        return found

    def _dialect_alternatives(self, table: Table) -> tuple[Table, ...]:
        # A declaration in a dialect module of some merged table (named by user code or not: a foreign key's
        # side reached by a delete): its alternatives are the same-named tables of the sibling modules.
        for merged in self.merged.values():
            paths = [a.path for a in merged.alternatives]
            if table.path in paths and table.ts_name is not None:
                found = [self.table(path, table.ts_name) for path in paths]
                return tuple(t for t in found if t is not None)
        return ()

    def table_by_ts_name(self, ts_name: str) -> Table | None:
        """The one table with this TS name (`db.query.<name>` uses the schema object's keys, which are the
        export names in the usual `import * as schema`); None when there is none or more than one."""
        found = [t for t in self.tables if t.ts_name == ts_name]
        return found[0] if len(found) == 1 else None

    def tables_named(self, sql_name: str) -> list[Table]:
        return [t for t in self.tables if t.name == sql_name]

    def foreign_keys_to(self, table: Table) -> list[tuple[Table, ForeignKey]]:
        """Every (referencing table, foreign key) whose target is `table` (for a merged table: any alternative)."""
        ids = table.ids
        return [(t, fk) for t in self.tables for fk in t.foreign_keys if fk.target in ids]

    def delete_blockers(self, table: Table) -> list[tuple[Table, ForeignKey, str]]:
        """Foreign keys that can make deleting rows of `table` fail: (referencing table, FK, why).

        RESTRICT / NO ACTION reject the delete; CASCADE deletes the referencing rows, so their own blockers
        count (followed transitively); SET NULL fails on a NOT NULL column or one a unique set collides on
        when NULL; SET DEFAULT may name a missing row. Negative answers need `complete`."""
        found: list[tuple[Table, ForeignKey, str]] = []
        seen: set[str] = set()
        pending: list[tuple[Table, str]] = [(table, "")]
        while pending:
            current, via = pending.pop()
            if current.id in seen:
                continue
            seen.add(current.id)
            for source, fk in self.foreign_keys_to(current):
                action = fk.on_delete
                suffix = f" on `{current.ts_name or current.name}`, deleted by the cascade from {via}" if via else ""
                if action == "cascade":
                    pending.append((source, via or f"`{current.ts_name or current.name}`"))
                elif action == "set null":
                    nulls = [k for k in fk.columns if k in source.columns and source.columns[k].not_null]
                    unique = [k for k in fk.columns if source.unique_set_a_write_can_violate(k, null=True)]
                    if nulls or unique:
                        found.append(
                            (source, fk, f"set null on {'a NOT NULL' if nulls else 'a unique'} column{suffix}")
                        )
                elif action == "set default":
                    found.append((source, fk, f"set default{suffix}"))
                else:
                    found.append((source, fk, f"{action}{suffix}"))
        return found

    def relations_of(self, table: Table) -> list[Relation]:
        return [r for r in self.relations if r.source == table.id]

    def is_unique_key(self, table: Table, columns: Sequence[str]) -> bool:
        return table.is_unique_key(columns)

    # ---- user code -> schema ------------------------------------------------------------------
    def table_for_identifier(self, parsed: ParsedFile, node: Node) -> Table | None:
        """The table an expression in user code names: `users` (declared or imported, through barrels) or
        `schema.users` (a namespace import). None when the name is bound locally (a parameter or a
        variable of an enclosing function shadows it), or is not a table dalfix read.

        Memoised per node of the tree (`TreeMemo`, as `Vocabulary.query_chain`): the rules ask about the same table
        names again and again (Cap's ten slowest files: 527 questions about 91 nodes). The answer depends on the node,
        its enclosing scopes and the project's modules, none of which change while the tree lives; the reader reads a
        table's file at most once. Within a file's check, a memoised answer notes the files finding it read
        (`reads.note_all`), as `Summaries.resolve_import` does, so what a check is recorded to read does not depend
        on which question came first."""
        from dalfix.analysis import reads
        from dalfix.analysis.schema.reader import TABLE_NAMES

        if self.reader is None:
            return None
        if not parsed.has_tree:
            return self._table_for_identifier(parsed, node)
        memo = cast("dict[tuple[int, int, int, int], tuple[Table | None, tuple[Path, ...] | None]]",
                    TABLE_NAMES.of(parsed.root))  # fmt: skip
        key = (id(self), node.id, node.start_byte, node.end_byte)
        known = memo.get(key)
        if known is not None:
            table, seen_then = known
            if not reads.recording_now():
                return table
            if seen_then is not None:
                reads.note_all(seen_then)
                return table
            # found outside a check, where nothing is noted: found again, so that what it reads is noted
        if not reads.recording_now():
            table, seen = self._table_for_identifier(parsed, node), None
        else:
            with reads.recording() as collected:
                table = self._table_for_identifier(parsed, node)
            seen = tuple(collected)
        memo[key] = (table, seen)
        return table

    def _table_for_identifier(self, parsed: ParsedFile, node: Node) -> Table | None:
        from dalfix.analysis.schema.reader import locally_bound

        assert self.reader is not None
        root = node
        while root.type == "member_expression":
            obj = root.child_by_field_name("object")
            if obj is None:
                return None
            root = obj
        if root.type != "identifier" or locally_bound(root):
            return None
        table_id = self.reader.table_id_of(parsed.path, node, follow=False)
        return self.by_id(table_id)

    def column_of(self, parsed: ParsedFile, member: Node) -> tuple[Table, Column] | None:
        """`users.id` (or `schema.users.id`) in user code -> (table, column)."""
        if member.type != "member_expression":
            return None
        obj, prop = member.child_by_field_name("object"), member.child_by_field_name("property")
        if obj is None or prop is None:
            return None
        table = self.table_for_identifier(parsed, obj)
        column = table.column(parsed.text(prop)) if table is not None else None
        return (table, column) if table is not None and column is not None else None


# Column facts the alternatives of a merged table must share for the column to be known; the SQL type, the
# builder, the mode and the collation may differ by dialect (`text` / `varchar(256)`): the merged column has them
# only when equal.
_AGREED = ("name", "js_type", "enum_values", "not_null", "primary_key", "default_kind", "array", "generated")


def merged_table(alternatives: Sequence[Table], path: Path, ts_name: str, line: int) -> Table:
    """One table standing for the same-named table of several dialect modules, one chosen at run time: its
    dialect is unknown; it has the columns, unique sets and indexes every alternative declares alike (positive
    facts that hold whichever runs), and every alternative's foreign keys (a write can violate any of them;
    their targets are per-dialect tables: compare with `Table.ids`); `foreign_keys_to` looks at every
    alternative."""
    first = alternatives[0]
    names = {t.name for t in alternatives}
    table = Table(
        ts_name,
        first.name if len(names) == 1 else None,
        "unknown",
        path,
        line,
        name_note=None if len(names) == 1 else "the SQL name differs between the dialect modules",
        alternatives=tuple(alternatives),
    )
    for key, column in first.columns.items():
        others = [t.columns.get(key) for t in alternatives[1:]]
        if any(o is None or any(getattr(o, f) != getattr(column, f) for f in _AGREED) for o in others):
            continue
        agreed = [column, *(o for o in others if o is not None)]
        merged = Column(**{f: getattr(column, f) for f in column.__dataclass_fields__})
        for name in ("type", "builder", "mode", "collation", "default", "on_update", "ts_type", "enum_name", "custom",
                     "on_update_clock"):  # fmt: skip
            if any(getattr(c, name) != getattr(column, name) for c in agreed):
                setattr(merged, name, "" if name == "builder" else False if name in ("custom", "on_update_clock")
                        else None)  # fmt: skip
        if any(c.on_update in ("$onUpdate", "$onUpdateFn") for c in agreed):
            merged.on_update = merged.on_update or "$onUpdateFn"  # some dialect's module runs a function on update
        table.columns[key] = merged

    def shared(unique: UniqueSet) -> bool:
        return all(
            any(
                (u.columns, u.kind, u.partial, u.nulls_not_distinct, u.expressions)
                == (unique.columns, unique.kind, unique.partial, unique.nulls_not_distinct, unique.expressions)
                for u in t.unique_sets()
            )
            for t in alternatives[1:]
        ) and all(k in table.columns for k in unique.columns)

    table.foreign_keys = [fk for t in alternatives for fk in t.foreign_keys]
    table.unreadable = [u for t in alternatives for u in t.unreadable]
    if first.primary_key is not None and shared(first.primary_key):
        table.primary_key = first.primary_key
    table.uniques = [u for u in first.uniques if shared(u)]
    table.indexes = [
        i
        for i in first.indexes
        if all(any((j.parts, j.unique, j.partial) == (i.parts, i.unique, i.partial) for j in t.indexes)
               for t in alternatives[1:])
        and all(k in table.columns for k in i.columns)
    ]  # fmt: skip
    return table
