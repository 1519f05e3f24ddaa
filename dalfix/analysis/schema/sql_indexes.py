"""Indexes (and virtual tables) created in SQL the TypeScript schema does not declare.

Projects that write migrations by hand keep indexes out of the Drizzle schema: papra's
`migrations/list/*.migration.ts` run `CREATE INDEX ... ON documents (organization_id)` in `sql` templates, and
a drizzle-kit `custom` migration is a `.sql` file. An index advisor reading only the schema would propose
those again. `sql_indexes(root)` reads every `.sql` file and every TS/JS source mentioning `CREATE ... INDEX`
under `root` (node_modules, .git, build output and test files left out), in path order, and returns the
indexes still created at the end (a later `DROP INDEX` in a `.sql` file removes one; in TS/JS a drop is
usually a migration's `down` step, so it is not followed: an index counted that is gone only makes the advisor
propose less) plus the tables created as `VIRTUAL` (SQLite FTS5 and the like, which take no index).

A `.sql` file's keys count too: `PRIMARY KEY` and `UNIQUE` in a `CREATE TABLE` (a column's or the table's, and
MySQL's `KEY`/`INDEX` parts) and `ALTER TABLE … ADD [CONSTRAINT …] PRIMARY KEY/UNIQUE (…)` build an index the
database has whatever the TypeScript schema says now, until an executable `ALTER TABLE … DROP CONSTRAINT`, `DROP
PRIMARY KEY`, `DROP INDEX` or `DROP TABLE` removes it. Comments are not executable: drizzle-kit's "can't name the
primary key" stub leaves its `-- ALTER TABLE … DROP CONSTRAINT "<constraint_name>"` commented out, and a database
built by those migrations keeps the key. These keys are marked `constraint`: the advisor counts them, while DAL003
(`unique_on` without `constraints`) still asks for a `CREATE UNIQUE INDEX` before it writes an `onConflict` target
the TypeScript schema does not declare.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

SKIPPED_DIRS = frozenset({"node_modules", ".git", ".hg", "dist", "build", ".next", ".turbo", ".dalfix_cache"})
SOURCE_SUFFIXES = (".sql", ".ts", ".js", ".mts", ".mjs", ".cts", ".cjs")
TEST_FILE = re.compile(r"\.(test|spec)\.[cm]?[tj]s$")
_NAME = r'[`"\[]?([\w$]+)[`"\]]?'
CREATE_INDEX = re.compile(
    rf"CREATE\s+(UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?{_NAME}\s+ON\s+(?:ONLY\s+)?"
    rf"(?:{_NAME}\s*\.\s*)?{_NAME}\s*(?:USING\s+(\w+)\s*)?\(",
    re.IGNORECASE,
)
DROP_INDEX = re.compile(rf"DROP\s+INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+EXISTS\s+)?(?:{_NAME}\s*\.\s*)?{_NAME}", re.I)
_TABLE = rf"(?:ONLY\s+)?(?:IF\s+(?:NOT\s+)?EXISTS\s+)?(?:{_NAME}\s*\.\s*)?{_NAME}"
CREATE_TABLE = re.compile(
    rf"CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?(?:TEMP(?:ORARY)?\s+|UNLOGGED\s+)?TABLE\s+{_TABLE}\s*\(", re.IGNORECASE
)
ADD_KEY = re.compile(
    rf"ALTER\s+TABLE\s+{_TABLE}\s+ADD\s+(?:CONSTRAINT\s+{_NAME}\s+)?"
    r"(PRIMARY\s+KEY|UNIQUE(?:\s+NULLS\s+(?:NOT\s+)?DISTINCT)?(?:\s+(?:KEY|INDEX))?)\s*(?:[`\"\[]?[\w$]+[`\"\]]?\s*)?\(",
    re.IGNORECASE,
)
DROP_CONSTRAINT = re.compile(
    rf"ALTER\s+TABLE\s+{_TABLE}\s+DROP\s+(?:CONSTRAINT\s+(?:IF\s+EXISTS\s+)?{_NAME}|(PRIMARY\s+KEY))", re.IGNORECASE
)
DROP_TABLE = re.compile(rf"DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:{_NAME}\s*\.\s*)?{_NAME}", re.IGNORECASE)
_TABLE_KEY = re.compile(
    r"(?:CONSTRAINT\s+[`\"\[]?([\w$]+)[`\"\]]?\s+)?(PRIMARY\s+KEY|UNIQUE(?:\s+NULLS\s+(?:NOT\s+)?DISTINCT)?"
    r"(?:\s+(?:KEY|INDEX))?|KEY|INDEX)\s*(?:[`\"\[]?([\w$]+)[`\"\]]?\s*)?\(",
    re.IGNORECASE,
)
_SQL_COMMENT = re.compile(r"'(?:[^']|'')*'|--[^\n]*|/\*.*?\*/", re.DOTALL)
STATEMENT_END = re.compile(r";|`|-->|\bCREATE\b|\bALTER\b|\bDROP\b", re.IGNORECASE)
VIRTUAL_TABLE = re.compile(rf"CREATE\s+VIRTUAL\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?{_NAME}", re.IGNORECASE)


@dataclass(frozen=True)
class SqlIndex:
    name: str
    table: str  # SQL table name
    columns: tuple[str, ...]  # SQL column names of the leading plain columns (up to the first expression)
    unique: bool
    method: str | None
    path: Path
    # every part a plain column and no `WHERE`: when unique, a constraint on exactly `columns` (an expression
    # part or a partial index keeps fewer rows apart)
    whole: bool = False
    constraint: bool = False  # a table's PRIMARY KEY / UNIQUE / KEY (see the module doc), not a CREATE INDEX
    primary: bool = False

    @property
    def dialect(self) -> str | None:
        return folder_dialect(self.path)


def folder_dialect(path: Path) -> str | None:
    """The dialect a migration's folder names (homarr keeps `migrations/{mysql,sqlite,postgresql}`, whose keys
    differ: drizzle-kit's SQLite primary key lists its columns in another order), or None."""
    for part in reversed([p.lower() for p in path.parts[:-1]]):
        for dialect, words in _DIALECT_FOLDERS:
            if part in words or any(part.startswith(w) or part.endswith(w) for w in words if len(w) > 3):
                return dialect
    return None


_DIALECT_FOLDERS = (
    ("sqlite", ("sqlite", "libsql", "turso", "d1")),
    ("mysql", ("mysql", "planetscale", "tidb")),
    ("pg", ("postgres", "postgresql", "pg", "pglite", "neon")),
)


@dataclass
class SqlSchemaFacts:
    indexes: list[SqlIndex] = field(default_factory=list)
    virtual_tables: set[str] = field(default_factory=set)

    def on(self, table: str | None) -> list[SqlIndex]:
        return [i for i in self.indexes if i.table == table]

    def unique_on(self, table: str | None, columns: tuple[str, ...], constraints: bool = False) -> SqlIndex | None:
        """The non-partial UNIQUE index of plain columns whose columns (SQL names) are exactly `columns`; a table's
        key (`constraint`) only with `constraints`."""
        return next(
            (i for i in self.on(table) if i.unique and i.whole and len(i.columns) == len(columns)
             and set(i.columns) == set(columns) and (constraints or not i.constraint)),
            None,
        )  # fmt: skip


def sql_indexes(root: Path) -> SqlSchemaFacts:
    # By (dialect of the migration's folder, name): one project may keep a migration history per dialect.
    created: dict[tuple[str | None, str], SqlIndex] = {}
    virtual: set[str] = set()
    for path in sorted(_files(root)):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        upper = text.upper()
        sql = path.suffix == ".sql"
        if "INDEX" not in upper and "VIRTUAL" not in upper and not (sql and ("KEY" in upper or "UNIQUE" in upper)):
            continue
        if sql:
            text = _without_comments(text)  # offsets kept: a commented-out statement does not run
        events: list[tuple[int, str, object]] = []
        for match in CREATE_INDEX.finditer(text):
            columns, whole = _columns(text, match.end())
            index = SqlIndex(match.group(2), match.group(4), columns, bool(match.group(1)), match.group(5), path, whole)
            events.append((match.start(), "create", index))
        if sql:  # forward-only; a TS migration's drops are usually its `down` step
            for match in DROP_INDEX.finditer(text):
                events.append((match.start(), "drop", match.group(2)))
            events.extend(_table_keys(text, path))
            for match in DROP_CONSTRAINT.finditer(text):
                table = match.group(2)
                events.append((match.start(), "drop key", (table, match.group(3) if not match.group(4) else None)))
            for match in DROP_TABLE.finditer(text):
                events.append((match.start(), "drop table", match.group(2)))
        for match in VIRTUAL_TABLE.finditer(text):
            virtual.add(match.group(1))
        dialect = folder_dialect(path)
        for _, kind, value in sorted(events, key=lambda e: e[0]):
            if kind == "create" and isinstance(value, SqlIndex):
                created[(dialect, value.name)] = value
            elif kind == "drop key" and isinstance(value, tuple):
                table, name = value
                for key, index in list(created.items()):
                    named = index.name == name if name is not None else index.primary
                    if key[0] == dialect and index.table == table and named:
                        del created[key]
            elif kind == "drop table" and isinstance(value, str):
                for key, index in list(created.items()):
                    if key[0] == dialect and index.table == value:
                        del created[key]
            elif isinstance(value, str):
                created.pop((dialect, value), None)
    return SqlSchemaFacts([i for i in created.values() if i.columns], virtual)


def _without_comments(text: str) -> str:
    """`text` with its SQL comments and the insides of its string literals blanked (same length, newlines and
    quotes kept): neither runs as a statement."""

    def blank(match: re.Match[str]) -> str:
        found = match.group(0)
        if found.startswith("'"):
            return "'" + re.sub(r"[^\n]", " ", found[1:-1]) + "'"
        return re.sub(r"[^\n]", " ", found)

    return _SQL_COMMENT.sub(blank, text)


def _table_keys(text: str, path: Path) -> list[tuple[int, str, object]]:
    """The keys `CREATE TABLE` and `ALTER TABLE … ADD` statements build, as `create` events at their offsets."""
    events: list[tuple[int, str, object]] = []
    for match in CREATE_TABLE.finditer(text):
        table = match.group(2)
        body = _parenthesised(text, match.end())
        for part in _split_top_level(body):
            index = _table_key(table, part, path)
            if index is not None:
                events.append((match.start(), "create", index))
    for match in ADD_KEY.finditer(text):
        table, name, kind = match.group(2), match.group(3), match.group(4)
        columns = _plain_columns(_parenthesised(text, match.end()))
        if columns:
            events.append((match.start(), "create", _key(table, name, kind, columns, path)))
    return events


def _table_key(table: str, part: str, path: Path) -> SqlIndex | None:
    """The index one part of a `CREATE TABLE` list builds: a table key (`PRIMARY KEY (a, b)`, `CONSTRAINT n UNIQUE
    (a)`, MySQL's `KEY n (a)`), or a column's own `PRIMARY KEY` / `UNIQUE`."""
    stripped = part.strip()
    match = _TABLE_KEY.match(stripped)
    if match is not None:
        columns = _plain_columns(_parenthesised(stripped, match.end()))
        return _key(table, match.group(1) or match.group(3), match.group(2), columns, path) if columns else None
    words = stripped.split(None, 1)
    if len(words) < 2 or words[0].upper() in ("CHECK", "FOREIGN", "EXCLUDE", "CONSTRAINT", "FULLTEXT", "SPATIAL"):
        return None
    column = words[0].strip('`"[]')
    definition = words[1]  # string literals are blank here: a DEFAULT 'unique' is not a key
    named = re.search(r"\bCONSTRAINT\s+[`\"\[]?([\w$]+)[`\"\]]?\s+(?:PRIMARY\s+KEY|UNIQUE)\b", definition, re.I)
    if re.search(r"\bPRIMARY\s+KEY\b", definition, re.IGNORECASE):
        return _key(table, named.group(1) if named else None, "PRIMARY KEY", (column,), path)
    if re.search(r"\bUNIQUE\b", definition, re.IGNORECASE):
        return _key(table, named.group(1) if named else None, "UNIQUE", (column,), path)
    return None


def _key(table: str, name: str | None, kind: str, columns: tuple[str, ...], path: Path) -> SqlIndex:
    kind = " ".join(kind.upper().split())
    primary = kind == "PRIMARY KEY"
    unique = primary or kind.startswith("UNIQUE")
    if name is None:  # PostgreSQL's default names (what a later DROP CONSTRAINT names)
        name = f"{table}_pkey" if primary else f"{table}_{'_'.join(columns)}_{'key' if unique else 'idx'}"
    return SqlIndex(name, table, columns, unique, None, path, whole=True, constraint=True, primary=primary)


def _parenthesised(text: str, start: int) -> str:
    """The text from `start` (just after an opening parenthesis) to its closing one."""
    depth, end = 1, start
    while end < len(text) and depth:
        depth += {"(": 1, ")": -1}.get(text[end], 0)
        end += 1
    return text[start : end - 1]


def _plain_columns(listing: str) -> tuple[str, ...]:
    """A key's column list as SQL names; () when a part is an expression (or MySQL's `col(10)` prefix)."""
    columns = []
    for part in _split_top_level(listing):
        words = part.strip().split()
        name = words[0].strip('`"[]') if words else ""
        if not re.fullmatch(r"[A-Za-z_$][\w$]*", name) or any(c in part for c in "()'"):
            return ()
        columns.append(name)
    return tuple(columns)


def _files(root: Path):  # type: ignore[no-untyped-def]
    for directory, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS and not d.startswith(".")]
        for name in names:
            if name.endswith(SOURCE_SUFFIXES) and not name.endswith(".d.ts") and not TEST_FILE.search(name):
                yield Path(directory) / name


def _columns(text: str, start: int) -> tuple[tuple[str, ...], bool]:
    """The plain column names of an index's parenthesised part list, up to the first expression, and whether
    they are the whole key: no expression part, no `WHERE` after the list (up to the statement's end)."""
    depth, end = 1, start
    while end < len(text) and depth:
        depth += {"(": 1, ")": -1}.get(text[end], 0)
        end += 1
    columns = []
    parts = _split_top_level(text[start : end - 1])
    for part in parts:
        words = part.strip().split()
        if not words:
            break
        name = words[0].strip('`"[]')
        if not re.fullmatch(r"[\w$]+", name) or any(c in part for c in "()'"):
            break  # an expression part: what follows it is not a leftmost prefix of plain columns
        columns.append(name)
    rest = STATEMENT_END.split(text[end : end + 2000], maxsplit=1)[0]
    return tuple(columns), len(columns) == len(parts) and not re.search(r"\bWHERE\b", rest, re.IGNORECASE)


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        current += char
    parts.append(current)
    return parts
