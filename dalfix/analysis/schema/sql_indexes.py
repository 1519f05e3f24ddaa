"""Indexes (and virtual tables) created in SQL the TypeScript schema does not declare.

Projects that write migrations by hand keep indexes out of the Drizzle schema: papra's
`migrations/list/*.migration.ts` run `CREATE INDEX ... ON documents (organization_id)` in `sql` templates, and
a drizzle-kit `custom` migration is a `.sql` file. An index advisor reading only the schema would propose
those again. `sql_indexes(root)` reads every `.sql` file and every TS/JS source mentioning `CREATE ... INDEX`
under `root` (node_modules, .git, build output and test files left out), in path order, and returns the
indexes still created at the end (a later `DROP INDEX` in a `.sql` file removes one; in TS/JS a drop is
usually a migration's `down` step, so it is not followed: an index counted that is gone only makes the advisor
propose less) plus the tables created as `VIRTUAL` (SQLite FTS5 and the like, which take no index).
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


@dataclass
class SqlSchemaFacts:
    indexes: list[SqlIndex] = field(default_factory=list)
    virtual_tables: set[str] = field(default_factory=set)

    def on(self, table: str | None) -> list[SqlIndex]:
        return [i for i in self.indexes if i.table == table]

    def unique_on(self, table: str | None, columns: tuple[str, ...]) -> SqlIndex | None:
        """The non-partial UNIQUE index of plain columns whose columns (SQL names) are exactly `columns`."""
        return next(
            (i for i in self.on(table) if i.unique and i.whole and len(i.columns) == len(columns)
             and set(i.columns) == set(columns)),
            None,
        )  # fmt: skip


def sql_indexes(root: Path) -> SqlSchemaFacts:
    created: dict[str, SqlIndex] = {}
    virtual: set[str] = set()
    for path in sorted(_files(root)):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if "INDEX" not in text.upper() and "VIRTUAL" not in text.upper():
            continue
        events: list[tuple[int, str, object]] = []
        for match in CREATE_INDEX.finditer(text):
            columns, whole = _columns(text, match.end())
            index = SqlIndex(match.group(2), match.group(4), columns, bool(match.group(1)), match.group(5), path, whole)
            events.append((match.start(), "create", index))
        if path.suffix == ".sql":  # forward-only; a TS migration's drops are usually its `down` step
            for match in DROP_INDEX.finditer(text):
                events.append((match.start(), "drop", match.group(2)))
        for match in VIRTUAL_TABLE.finditer(text):
            virtual.add(match.group(1))
        for _, kind, value in sorted(events, key=lambda e: e[0]):
            if kind == "create" and isinstance(value, SqlIndex):
                created[value.name] = value
            elif isinstance(value, str):
                created.pop(value, None)
    return SqlSchemaFacts([i for i in created.values() if i.columns], virtual)


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
