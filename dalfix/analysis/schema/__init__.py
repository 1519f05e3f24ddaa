"""The Drizzle schema model: tables, columns, keys, unique sets, indexes, foreign keys and relations, read
once per project from the TypeScript schema files (`Project.schema`).

Reading
    `read_schema(project, roots=None) -> SchemaModel` walks `roots` (default: the project root), reads every
    file that builds tables (pgTable / sqliteTable / mysqlTable / singlestoreTable, `*TableCreator` results,
    `pgSchema(...).table`) or relations (`relations()`, `defineRelations()`), plus the files matched by the
    `schema` globs of drizzle.config.*, and follows imports, barrels and column helpers. Anything it saw and
    could not read is in `SchemaModel.unreadable` (and `Table.unreadable`) with a reason.

Query API for rules (all read-only)
    `project.schema` -> SchemaModel (cached per run)
    `schema.tables`, `schema.relations`, `schema.unreadable`
    `schema.table_for_identifier(parsed, node) -> Table | None`: `users` / `schema.users` in user code, following
        its import through barrels; None when a local variable or parameter shadows the name.
    `schema.column_of(parsed, member_expression) -> (Table, Column) | None` for `users.id`.
    `schema.foreign_keys_to(table) -> [(referencing Table, ForeignKey)]`; `schema.relations_of(table)`.
    `schema.delete_blockers(table) -> [(Table, ForeignKey, why)]`: FKs that can fail a delete of `table`'s rows
        (RESTRICT / NO ACTION, through cascades too; SET NULL on a NOT NULL or unique column; SET DEFAULT).
    `schema.by_id(id)`, `schema.table(path, ts_name)`, `schema.table_by_ts_name(name)` (for `db.query.<name>`;
        None when ambiguous), `schema.tables_named(sql_name)`.
    `schema.complete`: nothing unreadable (row-level security policies aside: they declare no key) and every FK
        target resolved. Positive facts (a set is unique, an FK exists) hold regardless; negative ones (no FK
        points at a table) only when complete.
    `table.columns[key] -> Column` (keyed by TS key): name (SQL, None when unknown) and name_source, type,
        mode, js_type, not_null, primary_key, default/default_kind, ts_type, enum_values, collation,
        `case_insensitive`.
    `table.unique_sets(include_partial=True) -> [UniqueSet]`: primary key, unique constraints (column
        `.unique()` too) and unique indexes, with `partial`/`predicate`, `nulls_not_distinct`, `expressions`.
    `table.is_unique_key(keys) -> bool` (also `schema.is_unique_key(table, keys)`): some non-partial
        unique set of plain columns lies within `keys`, so `eq` on them selects at most one row.
    `table.unique_columns()`, `table.foreign_key_columns()`: TS keys a write can violate a constraint on;
    `table.unique_set_a_write_can_violate(key, null=False) -> UniqueSet | None` (NULL is safe in a key column,
        not in a column a partial predicate or an expression mentions).
    `table.foreign_keys -> [ForeignKey]` (columns, target table id, target_columns, on_delete, on_update,
        name / name_derived); `table.indexes -> [Index]`; `table.indexes_leading_with(key)`.
Tables chosen at run time
    A name destructured from an object of tables (`export const { users } = pickSchema({ sqlite: () => s, pg:
    () => p })`, schema/sources.py) is a merged table (`Table.alternatives`: one declaration per dialect module;
    `dialect == "unknown"`): the columns, unique sets and indexes the alternatives agree on, every alternative's
    foreign keys (`Table.ids` for their targets); `schema.merged`, `schema.dialect_alternatives(table)`.
Columns are named by TS key throughout; constraint names drizzle would generate are marked `name_derived`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from dalfix.analysis.schema.model import (
    Column,
    ForeignKey,
    Index,
    Relation,
    SchemaModel,
    Table,
    UniqueSet,
    Unreadable,
)

if TYPE_CHECKING:
    from dalfix.analysis.project import Project

__all__ = [
    "Column",
    "ForeignKey",
    "Index",
    "Relation",
    "SchemaModel",
    "Table",
    "UniqueSet",
    "Unreadable",
    "read_schema",
]


def read_schema(project: Project, roots: Iterable[Path] | None = None) -> SchemaModel:
    from dalfix.analysis.schema.reader import SchemaReader

    reader = SchemaReader(project)
    model = reader.read(list(roots) if roots is not None else [project.root])
    model.reader = reader
    return model
