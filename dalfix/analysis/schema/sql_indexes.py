"""Indexes (and virtual tables) created in SQL the TypeScript schema does not declare.

Projects that write migrations by hand keep indexes out of the Drizzle schema: papra's
`migrations/list/*.migration.ts` run `CREATE INDEX ... ON documents (organization_id)` in `sql` templates, and
a drizzle-kit `custom` migration is a `.sql` file. An index advisor reading only the schema would propose
those again. `sql_indexes(root)` reads every `.sql` file and every TS/JS source mentioning `CREATE ... INDEX`
under `root` (node_modules, .git, build output and test files left out) the way the migrations run, and returns
the indexes still created at the end plus the tables created as `VIRTUAL` (SQLite FTS5 and the like, which take
no index):
- in migration order (`migration_order`: by folder, then by the version a file name starts with, as a number);
- only the up direction: a golang-migrate / sqlx `*.down.sql` (diesel's `down.sql`) is not read; a `.sql`
  file's down section (after dbmate's `-- migrate:down`, goose's `-- +goose Down`, node-pg-migrate's `-- Down
  Migration`, up to the next up marker) is blanked; so is a script's `down` step (`export async function down`,
  `down: async () => …`, `exports.down = …`, a `down()` method). Neither its drops nor its creates count: a down
  step that re-creates the unique index its up step dropped would otherwise give DAL003 an `onConflict` target
  the database no longer has;
- a `DROP INDEX` (or a key's drop, a `DROP TABLE`) removes what it names: anywhere in a `.sql` file's up
  direction (drizzle-kit's folders are all up), and in a TS/JS file only inside an `up` step (elsewhere a drop
  may be a reset script's or a test's teardown: an index counted that is gone only makes the advisor propose
  less, and DAL003 writes an `onConflict` target only on a unique index, so it is the creates, not the drops,
  that must not be over-counted).

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

from dalfix.parsing import Node, grammar_for, parse_bytes, walk

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
    for path in sorted(_files(root), key=migration_order):
        if rolls_back_only(path):
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        upper = text.upper()
        sql = path.suffix == ".sql"
        if "INDEX" not in upper and "VIRTUAL" not in upper and not (sql and ("KEY" in upper or "UNIQUE" in upper)):
            continue
        # Where drops are followed: the whole of a `.sql` file (its down section blanked), a script's `up` steps.
        ups: list[tuple[int, int]] | None = None
        if sql:
            text = _without_comments(_blanked(text, sql_down_sections(text)))  # offsets kept throughout
        elif any(statement.search(text) for statement in (CREATE_INDEX, DROP_INDEX, DROP_CONSTRAINT, DROP_TABLE)):
            downs, ups = script_directions(text, path)  # parsed only when it holds a statement
            text = _blanked(text, downs)
        else:
            ups = []
        events: list[tuple[int, str, object]] = []
        for match in CREATE_INDEX.finditer(text):
            columns, whole = _columns(text, match.end())
            index = SqlIndex(match.group(2), match.group(4), columns, bool(match.group(1)), match.group(5), path, whole)
            events.append((match.start(), "create", index))
        removals: list[tuple[int, str, object]] = []
        for match in DROP_INDEX.finditer(text):
            removals.append((match.start(), "drop", match.group(2)))
        for match in DROP_CONSTRAINT.finditer(text):
            table = match.group(2)
            removals.append((match.start(), "drop key", (table, match.group(3) if not match.group(4) else None)))
        for match in DROP_TABLE.finditer(text):
            removals.append((match.start(), "drop table", match.group(2)))
        if ups is not None:  # a script's drops outside its `up` steps may be a reset or a test's teardown
            removals = [e for e in removals if any(start <= e[0] < end for start, end in ups)]
        events.extend(removals)
        if sql:
            events.extend(_table_keys(text, path))
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


def migration_order(path: Path) -> tuple[tuple[int, int, str], ...]:
    """The order migration tools run files in: by folder, then by the version a name starts with taken as a number
    (golang-migrate, goose, dbmate and node-pg-migrate compare versions as numbers: `2_b.sql` runs before
    `10_a.sql`, which a sort by text puts first), then by name. drizzle-kit's zero-padded `0000_x.sql` and its
    `<timestamp>_x/migration.sql` folders keep the order of their journal either way."""
    return tuple(_version_order(part) for part in path.parts)


def _version_order(part: str) -> tuple[int, int, str]:
    version = re.match(r"\d+", part)
    return (0, int(version.group()), part) if version else (1, 0, part)


def rolls_back_only(path: Path) -> bool:
    """A file that runs only to undo a migration: golang-migrate's and sqlx's `<version>_x.down.sql`, diesel's
    `<version>_x/down.sql`."""
    name = path.name.lower()
    return name == "down.sql" or name.endswith(".down.sql")


# A `.sql` file's direction markers: dbmate's `-- migrate:up` / `-- migrate:down`, goose's `-- +goose Up` /
# `-- +goose Down`, node-pg-migrate's `-- Up Migration` / `-- Down Migration`.
_SQL_DIRECTION = re.compile(
    r"^[ \t]*--[ \t]*(?:migrate:(up|down)\b|\+goose[ \t]+(up|down)\b|(up|down)[ \t]+migration\b)",
    re.IGNORECASE | re.MULTILINE,
)


def sql_down_sections(text: str) -> list[tuple[int, int]]:
    """The (start, end) offsets of a `.sql` file's down sections: from a down marker to the next up marker or the
    end of the file. Text before any marker, and a file with none, runs up."""
    sections: list[tuple[int, int]] = []
    down_from: int | None = None
    for match in _SQL_DIRECTION.finditer(text):
        down = (match.group(1) or match.group(2) or match.group(3)).lower() == "down"
        if down and down_from is None:
            down_from = match.start()
        elif not down and down_from is not None:
            sections.append((down_from, match.start()))
            down_from = None
    if down_from is not None:
        sections.append((down_from, len(text)))
    return sections


_STEP = re.compile(r"\b(?:up|down)\b")
_NAMED_FUNCTIONS = ("function_declaration", "generator_function_declaration", "method_definition")
_NAMED_VALUES = ("pair", "variable_declarator", "assignment_expression")


def script_directions(text: str, path: Path) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The (start, end) offsets of a TS/JS migration's `down` steps and of its `up` steps: a function or method
    named `up`/`down` (Kysely, TypeORM, MikroORM), a property `up: …` / `down: …` (umzug, papra's migrations
    list), `exports.up = …` / `module.exports.down = …` (node-pg-migrate, knex), `const down = …`."""
    if _STEP.search(text) is None:
        return [], []
    source = text.encode("utf-8")
    found: dict[str, list[tuple[int, int]]] = {"up": [], "down": []}
    for node in walk(parse_bytes(source, grammar_for(path)).root_node):
        name: Node | None
        step: Node | None
        if node.type in _NAMED_FUNCTIONS:
            name, step = node.child_by_field_name("name"), node
        elif node.type in _NAMED_VALUES:
            name = node.child_by_field_name("left" if node.type == "assignment_expression" else "name")
            name = name or node.child_by_field_name("key")
            if name is not None and name.type == "member_expression":
                name = name.child_by_field_name("property")
            step = node.child_by_field_name("right" if node.type == "assignment_expression" else "value")
        else:
            continue
        if name is None or step is None or not name.is_named:
            continue
        word = source[name.start_byte : name.end_byte].decode("utf-8").strip("'\"`")
        if word in found:
            found[word].append((step.start_byte, step.end_byte))
    if not found["up"] and not found["down"]:
        return [], []
    # byte offsets to the str offsets the regular expressions report
    offsets = {b: len(source[:b].decode("utf-8", errors="replace")) for r in found.values() for pair in r for b in pair}
    down, up = ([(offsets[a], offsets[b]) for a, b in found[w]] for w in ("down", "up"))
    return down, up


def _blanked(text: str, sections: list[tuple[int, int]]) -> str:
    """`text` with `sections` blanked (same length, newlines kept): they do not run."""
    for start, end in sections:
        text = text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]
    return text


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
