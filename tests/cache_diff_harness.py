"""Differential check of the persistent cache: after one edit, a warm run prints what a cold run prints.

A project tree is copied, checked once with a cache directory (the pack is written), then edited one file at a time;
after each edit `dalfix check --format json` runs warm (the pack of the run before) and cold (`--no-cache`) and the
two outputs must be identical. The edits are the ones per-file invalidation (dalfix/incremental.py) has to get right:
the schema (a unique constraint or an index added or dropped, a column renamed), the client file (another driver), a
helper handed a transaction (a `db.transaction` caller added or removed), a re-export barrel, a migration `.sql`
file, a package.json dependency, tsconfig paths, a file added or removed, a line added at the top of a module (every
position after it moves: other files' messages quote them). `candidate_edits` lists every edit of a tree that
applies; a seeded or hypothesis-drawn choice picks some (tests/test_cache_differential.py, bench/cache_diff.py).
"""

from __future__ import annotations

import json
import random
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

SKIPPED_DIRS = {"node_modules", ".git", ".turbo", ".next", "dist", ".dalfix_cache", "harness"}
IGNORED = shutil.ignore_patterns(*sorted(SKIPPED_DIRS - {"harness"}))
MODULE_SUFFIXES = (".ts", ".tsx", ".mts", ".cts", ".js", ".mjs")
DRIVER_SWAPS = {
    "node-postgres": "postgres-js",
    "postgres-js": "node-postgres",
    "neon-http": "neon-serverless",
    "neon-serverless": "neon-http",
    "better-sqlite3": "libsql",
    "libsql": "better-sqlite3",
    "d1": "libsql",
    "bun-sqlite": "better-sqlite3",
    "mysql2": "planetscale-serverless",
    "planetscale-serverless": "mysql2",
    "pglite": "node-postgres",
    "vercel-postgres": "node-postgres",
}
DRIVER_PACKAGES = {"pg": "8.11.0", "postgres": "3.4.0", "@libsql/client": "0.14.0", "better-sqlite3": "11.0.0"}
TABLE = re.compile(r"\b(?:pg|sqlite|mysql)Table\s*\(")
COLUMN = re.compile(
    r"\b(\w+)\s*:\s*(?:text|varchar|integer|int|serial|uuid|boolean|timestamp|bigint)\s*\(\s*[\"'](\w+)[\"']"
)
TRANSACTION = re.compile(r"\b([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\.transaction\(\s*async\s*\(\s*(\w+)\s*\)")
HANDLE_CALL = re.compile(r"\b([A-Za-z_$][\w$]*)\(\s*(db|tx|trx|ctx\.db)\s*[,)]")
NAMED_IMPORT = re.compile(r"import\s*\{([^}]*)\}\s*from\s*[\"']([^\"']+)[\"']")
REEXPORT = re.compile(r"^export\s+(?:\*|\{[^}]*\}|type\s+\{[^}]*\})\s+from\s+[\"'][^\"']+[\"'];?\s*$", re.M)
SQL_TABLE = re.compile(r"CREATE TABLE (?:IF NOT EXISTS )?[`\"]?(\w+)[`\"]?\s*\(\s*[`\"]?(\w+)[`\"]?", re.I)


@dataclass(frozen=True)
class Edit:
    """One edit of one file of a tree (`apply(root)`), of a `kind`."""

    kind: str
    path: str  # relative to the tree's root
    description: str
    apply: Callable[[Path], None]

    def __str__(self) -> str:
        return f"{self.kind}: {self.path}: {self.description}"


def copy_tree(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, ignore=IGNORED, symlinks=True)
    return target


def _files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if any(part in SKIPPED_DIRS for part in parts[:-1]) or not path.is_file() or path.is_symlink():
            continue
        yield path


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _rewrite(rel: str, old: str, new: str, count: int = 1) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{rel}: {old!r} is gone"
        path.write_text(text.replace(old, new, count), encoding="utf-8")

    return apply


def _at(rel: str, offset: int, old: str, new: str) -> Callable[[Path], None]:
    """Replace `old` at `offset` (the tree's first state: a later edit of the same file may move it; then the first
    occurrence)."""

    def apply(root: Path) -> None:
        path = root / rel
        text = path.read_text(encoding="utf-8")
        at = offset if text[offset : offset + len(old)] == old else text.find(old)
        assert at >= 0, f"{rel}: {old!r} is gone"
        path.write_text(text[:at] + new + text[at + len(old) :], encoding="utf-8")

    return apply


def _remove(rel: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        (root / rel).unlink()

    return apply


def _write(rel: str, text: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")

    return apply


def candidate_edits(root: Path) -> list[Edit]:
    """Every edit of the kinds above that applies to the tree at `root`, in a stable order."""
    edits: list[Edit] = []
    modules: list[tuple[str, str]] = []
    for path in _files(root):
        rel = path.relative_to(root).as_posix()
        text = _read(path)
        if text is None:
            continue
        if path.suffix in MODULE_SUFFIXES and not path.name.endswith(".d.ts"):
            modules.append((rel, text))
            edits += _module_edits(rel, text)
        elif path.suffix == ".sql":
            edits += _sql_edits(rel, text)
        elif path.name == "package.json":
            edits += _package_edits(rel, text)
        elif path.name.startswith("tsconfig") and path.suffix == ".json":
            edits += _tsconfig_edits(rel, text)
    if modules:
        rel, text = modules[len(modules) // 2]
        copy = re.sub(r"(\.\w+)$", r"_copy\1", rel)
        edits.append(Edit("file-add", copy, f"a copy of {rel}", _write(copy, text)))
        edits.append(
            Edit(
                "file-add",
                _sibling(rel, "dalfix_empty.ts"),
                "an empty module",
                _write(_sibling(rel, "dalfix_empty.ts"), "export {};\n"),
            )
        )
    return edits


def _sibling(rel: str, name: str) -> str:
    parent = rel.rpartition("/")[0]
    return f"{parent}/{name}" if parent else name


def _module_edits(rel: str, text: str) -> list[Edit]:
    edits = [
        Edit("line-shift", rel, "a comment line at the top", _at(rel, 0, "", "// dalfix cache check: a line added\n")),
        Edit("file-remove", rel, "the file removed", _remove(rel)),
    ]
    if TABLE.search(text):
        edits += _schema_edits(rel, text)
    for match in re.finditer(r"from\s+[\"']drizzle-orm/([\w-]+)[\"']", text):
        driver = match.group(1)
        if driver in DRIVER_SWAPS:
            edits.append(
                Edit(
                    "client-driver",
                    rel,
                    f"{driver} -> {DRIVER_SWAPS[driver]}",
                    _at(rel, match.start(1), driver, DRIVER_SWAPS[driver]),
                )
            )
    edits += _transaction_edits(rel, text)
    exports = list(REEXPORT.finditer(text))
    if exports:
        line = exports[len(exports) // 2]
        edits.append(
            Edit(
                "barrel", rel, f"re-export dropped: {line.group(0).strip()}", _at(rel, line.start(), line.group(0), "")
            )
        )
        duplicate = exports[0].group(0).rstrip("\n")
        edits.append(
            Edit(
                "barrel",
                rel,
                "a re-export moved last",
                _at(rel, exports[0].start(), exports[0].group(0), "")
                if len(exports) > 1
                else _at(rel, len(text), "", "\n" + duplicate + "\n"),
            )
        )
    return edits


def _schema_edits(rel: str, text: str) -> list[Edit]:
    edits = []
    for pattern, new, what in (
        (".unique()", "", "a unique constraint dropped"),
        ("uniqueIndex(", "index(", "a unique index made plain"),
        (".primaryKey()", "", "a primary key dropped"),
    ):
        at = text.find(pattern)
        if at >= 0:
            edits.append(Edit("schema-unique", rel, what, _at(rel, at, pattern, new)))
    at = text.find(".notNull()")
    if at >= 0:
        edits.append(
            Edit("schema-unique", rel, "a unique constraint added", _at(rel, at, ".notNull()", ".notNull().unique()"))
        )
    at = text.find(" index(")
    if at >= 0:
        edits.append(Edit("schema-index", rel, "an index made unique", _at(rel, at, " index(", " uniqueIndex(")))
    columns = list(COLUMN.finditer(text))
    if columns:
        column = columns[len(columns) // 2]
        key, name = column.group(1), column.group(2)
        edits.append(
            Edit("schema-rename", rel, f"column {name} renamed", _at(rel, column.start(2), name, name + "_renamed"))
        )
        edits.append(
            Edit("schema-rename", rel, f"property {key} renamed", _at(rel, column.start(1), key, key + "Renamed"))
        )
    return edits


def _transaction_edits(rel: str, text: str) -> list[Edit]:
    edits = []
    for match in TRANSACTION.finditer(text):
        receiver, handle = match.group(1), match.group(2)
        body = text[match.end() : match.end() + 4000]
        call = re.search(rf"\b([A-Za-z_$][\w$]*)\(\s*{re.escape(handle)}\s*[,)]", body)
        if call:  # the callee is handed the outer handle instead of the transaction
            at = match.end() + call.start()
            old = call.group(0)
            edits.append(
                Edit(
                    "transaction-caller",
                    rel,
                    f"{call.group(1)} no longer handed the transaction",
                    _at(rel, at, old, old.replace(handle, receiver, 1)),
                )
            )
            break
    for match in TRANSACTION.finditer(text):  # the block no longer a transaction: its callees lose their caller
        at = match.start() + len(match.group(1))
        edits.append(
            Edit(
                "transaction-caller",
                rel,
                "a transaction block un-made",
                _at(rel, at, ".transaction(", ".untransacted("),
            )
        )
        break
    imported = {
        name.strip().split(" as ")[-1].strip()
        for match in NAMED_IMPORT.finditer(text)
        for name in match.group(1).split(",")
        if name.strip() and not name.strip().startswith("type ")
    }
    for match in HANDLE_CALL.finditer(text):
        callee, handle = match.group(1), match.group(2)
        if callee in imported:
            handle = "db" if handle in ("tx", "trx") else handle
            caller = (
                f"\nexport async function dalfixCacheCheckCaller() {{\n"
                f"  await {handle}.transaction(async (tx) => {{\n    await {callee}(tx);\n  }});\n}}\n"
            )
            edits.append(
                Edit("transaction-caller", rel, f"{callee} handed a transaction", _at(rel, len(text), "", caller))
            )
            break
    return edits


def _sql_edits(rel: str, text: str) -> list[Edit]:
    edits = []
    at = text.find("CREATE UNIQUE INDEX")
    if at >= 0:
        edits.append(
            Edit("migration-sql", rel, "a unique index made plain", _at(rel, at, "CREATE UNIQUE INDEX", "CREATE INDEX"))
        )
    table = SQL_TABLE.search(text)
    if table:
        index = f'\nCREATE UNIQUE INDEX "dalfix_check_unique" ON "{table.group(1)}" ("{table.group(2)}");\n'
        edits.append(Edit("migration-sql", rel, f"a unique index on {table.group(1)}", _at(rel, len(text), "", index)))
    return edits


def _package_edits(rel: str, text: str) -> list[Edit]:
    try:
        data = json.loads(text)
    except ValueError:
        return []
    if not isinstance(data, dict):
        return []
    edits = []
    dependencies = data.get("dependencies")
    if isinstance(dependencies, dict):
        for name in (*DRIVER_PACKAGES, "drizzle-orm", "@neondatabase/serverless", "mysql2"):
            if name in dependencies:
                changed = dict(data, dependencies={k: v for k, v in dependencies.items() if k != name})
                edits.append(
                    Edit("package-dep", rel, f"{name} dropped", _write(rel, json.dumps(changed, indent=2) + "\n"))
                )
                break
        absent = next((name for name in DRIVER_PACKAGES if name not in dependencies), None)
        if absent:
            changed = dict(data, dependencies={**dependencies, absent: DRIVER_PACKAGES[absent]})
            edits.append(Edit("package-dep", rel, f"{absent} added", _write(rel, json.dumps(changed, indent=2) + "\n")))
    return edits


def _tsconfig_edits(rel: str, text: str) -> list[Edit]:
    paths = re.search(r"\"paths\"\s*:\s*\{\s*\"([^\"]+)\"\s*:\s*\[\s*\"([^\"]+)\"", text)
    if paths:
        target = paths.group(2)
        return [
            Edit(
                "tsconfig-paths",
                rel,
                f"{paths.group(1)} maps elsewhere",
                _at(
                    rel, paths.start(2), target, target.replace("*", "moved/*") if "*" in target else target + "/moved"
                ),
            )
        ]
    options = re.search(r"\"compilerOptions\"\s*:\s*\{", text)
    if options:
        added = '\n    "baseUrl": ".",\n    "paths": { "~/*": ["./src/*"], "@db": ["./src/db"] },'
        return [Edit("tsconfig-paths", rel, "paths added", _at(rel, options.end(), "", added))]
    return []


def pick(edits: list[Edit], budget: int, rng: random.Random) -> list[Edit]:
    """Kinds taken in turn (each kind's edits in a random order, the kinds' order random too) up to `budget` edits:
    every kind is tried, and line shifts and removed files (one candidate per module) do not crowd the rest out."""
    by_kind: dict[str, list[Edit]] = {}
    for edit in edits:
        by_kind.setdefault(edit.kind, []).append(edit)
    for group in by_kind.values():
        rng.shuffle(group)
    kinds = sorted(by_kind)
    rng.shuffle(kinds)
    chosen: list[Edit] = []
    while len(chosen) < budget and any(by_kind.values()):
        for kind in kinds:
            if by_kind[kind] and len(chosen) < budget:
                chosen.append(by_kind[kind].pop())
    return chosen


def normalised(output: str) -> str:
    """A check's JSON output (parsed and printed again when it is JSON, so that a failure diff reads well)."""
    try:
        return json.dumps(json.loads(output), indent=1, sort_keys=True)
    except ValueError:
        return output


@dataclass
class Divergence:
    edit: str
    warm: str
    cold: str

    def __str__(self) -> str:
        import difflib

        diff = difflib.unified_diff(self.cold.splitlines(), self.warm.splitlines(), "cold", "warm", lineterm="", n=2)
        return f"after {self.edit}:\n" + "\n".join(list(diff)[:80])


Run = Callable[[Path, bool], tuple[int, str, str]]  # (tree, cached) -> exit code, stdout, stderr


def differential(root: Path, edits: list[Edit], run: Run) -> list[Divergence]:
    """Check `root` once with its cache, then after each edit in turn (they accumulate) compare a warm run with a cold
    one; the divergences (an edit that cannot apply any more, its file gone, is skipped)."""
    found = []
    run(root, True)
    for edit in edits:
        try:
            edit.apply(root)
        except (AssertionError, OSError):
            continue
        warm = run(root, True)
        cold = run(root, False)
        if warm != cold:
            found.append(
                Divergence(
                    str(edit),
                    f"{warm[0]}\n{normalised(warm[1])}\n{warm[2]}",
                    f"{cold[0]}\n{normalised(cold[1])}\n{cold[2]}",
                )
            )
    return found
