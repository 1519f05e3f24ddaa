"""Which driver a Drizzle handle runs on, and whether concurrent queries can use separate connections."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dalfix.analysis.drizzle import unwrap
from dalfix.parsing import Node, ParsedFile, walk

if TYPE_CHECKING:
    from dalfix.analysis.summaries import Summaries
    from dalfix.analysis.workspace import Workspace

# drizzle-orm/<entry> -> (driver, dialect, kind). The kind says whether two queries in flight overlap:
# "pool" (separate connections or independent HTTP requests), "single-connection" (one connection or one
# in-process engine: they queue), "synchronous" (the query runs on the calling thread), "unknown" (it
# depends on the client: a proxy callback, a URL only known at runtime). docs/drivers.md has the table.
DRIVER_ENTRIES: dict[str, tuple[str, str, str]] = {
    "node-postgres": ("node-postgres", "postgresql", "pool"),
    "postgres-js": ("postgres-js", "postgresql", "pool"),
    "neon-http": ("neon-http", "postgresql", "pool"),
    "neon-serverless": ("neon-serverless", "postgresql", "pool"),
    "neon": ("neon", "postgresql", "pool"),
    "vercel-postgres": ("vercel-postgres", "postgresql", "pool"),
    "supabase": ("supabase", "postgresql", "pool"),
    "xata-http": ("xata-http", "postgresql", "pool"),
    "aws-data-api/pg": ("aws-data-api", "postgresql", "pool"),
    "aws-dsql": ("aws-dsql", "postgresql", "pool"),
    "pg-proxy": ("pg-proxy", "postgresql", "unknown"),
    "pglite": ("pglite", "postgresql", "single-connection"),
    "bun-sql": ("bun-sql", "postgresql", "pool"),
    "bun-sql/postgres": ("bun-sql", "postgresql", "pool"),
    "bun-sql/mysql": ("bun-sql-mysql", "mysql", "pool"),
    "bun-sql/sqlite": ("bun-sql-sqlite", "sqlite", "synchronous"),
    "gel": ("gel", "gel", "pool"),
    "effect-postgres": ("effect-postgres", "postgresql", "pool"),
    "better-sqlite3": ("better-sqlite3", "sqlite", "synchronous"),
    "bun-sqlite": ("bun-sqlite", "sqlite", "synchronous"),
    "node-sqlite": ("node-sqlite", "sqlite", "synchronous"),
    "sql-js": ("sql-js", "sqlite", "synchronous"),
    "durable-sqlite": ("durable-sqlite", "sqlite", "synchronous"),
    "expo-sqlite": ("expo-sqlite", "sqlite", "single-connection"),
    "op-sqlite": ("op-sqlite", "sqlite", "single-connection"),
    "d1": ("d1", "sqlite", "single-connection"),
    "libsql": ("libsql", "sqlite", "unknown"),
    "libsql/node": ("libsql", "sqlite", "unknown"),
    "libsql/sqlite3": ("libsql", "sqlite", "unknown"),
    "libsql/wasm": ("libsql", "sqlite", "single-connection"),
    "libsql/http": ("libsql", "sqlite", "pool"),
    "libsql/ws": ("libsql", "sqlite", "pool"),
    "libsql/web": ("libsql", "sqlite", "pool"),
    "tursodatabase/database": ("tursodatabase", "sqlite", "single-connection"),
    "tursodatabase/wasm": ("tursodatabase", "sqlite", "single-connection"),
    "sqlite-proxy": ("sqlite-proxy", "sqlite", "unknown"),
    "mysql2": ("mysql2", "mysql", "pool"),
    "planetscale-serverless": ("planetscale-serverless", "mysql", "pool"),
    "tidb-serverless": ("tidb-serverless", "mysql", "pool"),
    "mysql-proxy": ("mysql-proxy", "mysql", "unknown"),
    "singlestore": ("singlestore", "singlestore", "pool"),
    "singlestore-proxy": ("singlestore-proxy", "singlestore", "unknown"),
    "node-mssql": ("node-mssql", "mssql", "pool"),
}
DRIVER_MODULES = {entry: (driver, dialect) for entry, (driver, dialect, _) in DRIVER_ENTRIES.items()}
# The kind an entry decides for a driver name shared by several entries (libsql over http is a pool, the
# plain libsql entry depends on its URL).
KIND_OF_ENTRY = {entry: kind for entry, (_, _, kind) in DRIVER_ENTRIES.items()}
# Variants decided from the client a drizzle() call is given (a single connection instead of a pool, a
# local file instead of a server).
VARIANTS: dict[str, tuple[str, str]] = {
    "node-postgres-client": ("postgresql", "single-connection"),
    "postgres-js-single": ("postgresql", "single-connection"),
    "mysql2-connection": ("mysql", "single-connection"),
    "libsql-file": ("sqlite", "synchronous"),
    "libsql-remote": ("sqlite", "pool"),
}
KIND_OF_DRIVER: dict[str, str] = {}
for _driver, _, _kind in DRIVER_ENTRIES.values():
    KIND_OF_DRIVER.setdefault(_driver, _kind)  # the first entry of a driver name is its plain one
KIND_OF_DRIVER |= {driver: kind for driver, (_, kind) in VARIANTS.items()}
# Drivers on which two queries in flight use two connections (or independent HTTP requests).
CONCURRENT_DRIVERS = frozenset(d for d, kind in KIND_OF_DRIVER.items() if kind == "pool")
# One connection, or synchronous: queries run one after another whatever the code says.
SERIAL_DRIVERS = frozenset(d for d, kind in KIND_OF_DRIVER.items() if kind in ("single-connection", "synchronous"))
KNOWN_DRIVERS = frozenset(KIND_OF_DRIVER)
# drizzle-orm's database type names -> the driver they belong to (None: any driver of the dialect).
TYPE_DRIVERS: dict[str, tuple[str | None, str]] = {
    "NodePgDatabase": ("node-postgres", "postgresql"),
    "PostgresJsDatabase": ("postgres-js", "postgresql"),
    "PgliteDatabase": ("pglite", "postgresql"),
    "NeonHttpDatabase": ("neon-http", "postgresql"),
    "NeonDatabase": ("neon-serverless", "postgresql"),
    "VercelPgDatabase": ("vercel-postgres", "postgresql"),
    "BetterSQLite3Database": ("better-sqlite3", "sqlite"),
    "BunSQLiteDatabase": ("bun-sqlite", "sqlite"),
    "LibSQLDatabase": ("libsql", "sqlite"),
    "DrizzleD1Database": ("d1", "sqlite"),
    "MySql2Database": ("mysql2", "mysql"),
    "PlanetScaleDatabase": ("planetscale-serverless", "mysql"),
    "PgDatabase": (None, "postgresql"),
    "BaseSQLiteDatabase": (None, "sqlite"),
    "MySqlDatabase": (None, "mysql"),
}


@dataclass(frozen=True)
class DriverInfo:
    driver: str  # one of KNOWN_DRIVERS, or "unknown"
    dialect: str | None
    evidence: str
    # The kind when the entry or the client decides it rather than the driver name (libsql over http, or
    # a `file:` URL): pool, single-connection, synchronous or unknown.
    connection: str | None = None
    # The module whose `drizzle(...)` call creates the handle (None when no call was followed); not compared:
    # two handles of one driver are the same driver wherever they are made.
    defined_in: Path | None = field(default=None, compare=False)
    # Whether the drizzle() call passes a `schema` option (which `db.query.<table>` needs): None when not
    # a drizzle() call dalfix read.
    schema_option: bool | None = field(default=None, compare=False)

    @property
    def kind(self) -> str:
        """pool, single-connection, synchronous or unknown (see DRIVER_ENTRIES)."""
        if "|" in self.driver:  # one of several, chosen at runtime: the most conservative decides
            from dalfix.analysis.handles import kind_of_drivers

            return kind_of_drivers(frozenset(DriverInfo(d, self.dialect, "") for d in self.driver.split("|")))
        return self.connection or KIND_OF_DRIVER.get(self.driver, "unknown")

    @property
    def concurrent(self) -> bool | None:
        """True for a pool, False for a single connection, None when unknown."""
        kind = self.kind
        if kind == "pool":
            return True
        if kind in ("single-connection", "synchronous"):
            return False
        return None


UNKNOWN = DriverInfo("unknown", None, "no drizzle() call found")


def driver_of_type(name: str, parsed: ParsedFile, at: Node) -> DriverInfo:
    """The driver a drizzle-orm database type names (`NodePgDatabase<S>`: node-postgres)."""
    driver, dialect = TYPE_DRIVERS.get(name, (None, None))  # type: ignore[arg-type]
    return DriverInfo(driver or "unknown", dialect, f"type {name} at {parsed.path.name}:{at.start_point.row + 1}")


def may_create_handles(source: bytes) -> bool:
    """Whether a file's bytes may hold a `drizzle(…)` call `drizzle_driver_imports` finds: a drizzle-orm driver
    import, or a call of `drizzle` imported from a project module that re-exports it (unkey's dashboard:
    `import { drizzle } from "@unkey/db"`, whose index has `export { drizzle } from "drizzle-orm/mysql2"`)."""
    return b"drizzle-orm/" in source or b"drizzle(" in source


def drizzle_driver_imports(parsed: ParsedFile, summaries: Summaries | None = None) -> dict[str, str]:
    """Local name of each `drizzle` import -> its drizzle-orm/<module>. With the project's `summaries`, also a
    `drizzle` imported from a project module that re-exports drizzle-orm/<module>'s (a workspace package's
    index: `export { drizzle } from "drizzle-orm/mysql2"`, or `export * from …`)."""
    from dalfix.imports import imported_names

    out: dict[str, str] = {}
    if not may_create_handles(parsed.source):
        return out  # the module names are slices of the source
    for local, (module, name) in imported_names(parsed).items():
        if module.startswith("drizzle-orm/") and name == "drizzle":
            out[local] = module.removeprefix("drizzle-orm/")
        elif (
            summaries is not None
            and name == "drizzle"
            and not module.startswith("drizzle-orm")
            and f"{local}(".encode() in parsed.source
        ):
            origin = summaries.external_origin(parsed.path, local)
            if origin is not None and origin[0].startswith("drizzle-orm/") and origin[1] == "drizzle":
                out[local] = origin[0].removeprefix("drizzle-orm/")
    return out


def pg_client_construction(parsed: ParsedFile) -> Node | None:
    """The first `new Client(…)` whose `Client` is node-postgres's: imported from "pg" (`import { Client } from
    "pg"`, aliased or not, or `pg.Client` on its default or namespace import, or the same through `require("pg")`).
    Another package's `Client` (an HTTP or search SDK) is not a database connection."""
    from dalfix.imports import imported_names

    if b"Client" not in parsed.source or b"pg" not in parsed.source:
        return None
    classes = {local for local, (module, name) in imported_names(parsed).items() if module == "pg" and name == "Client"}
    modules: set[str] = set()  # names bound to the module itself
    for node in walk(parsed.root):
        if node.type == "import_statement":
            source = node.child_by_field_name("source")
            if source is None or parsed.text(source)[1:-1] != "pg":
                continue
            for clause in (c for c in node.named_children if c.type == "import_clause"):
                for part in clause.named_children:
                    if part.type == "identifier":
                        modules.add(parsed.text(part))
                    elif part.type == "namespace_import":
                        modules.update(parsed.text(n) for n in part.named_children if n.type == "identifier")
        elif node.type == "variable_declarator":
            value = node.child_by_field_name("value")
            name = node.child_by_field_name("name")
            required = value is not None and re.fullmatch(r"""require\(\s*["']pg["']\s*\)""", parsed.text(value))
            if not required or name is None:
                continue
            if name.type == "identifier":
                modules.add(parsed.text(name))
            for part in name.named_children if name.type == "object_pattern" else ():
                if part.type == "shorthand_property_identifier_pattern" and parsed.text(part) == "Client":
                    classes.add("Client")
                elif part.type == "pair_pattern":
                    key, bound = part.child_by_field_name("key"), part.child_by_field_name("value")
                    if key is not None and bound is not None and parsed.text(key) == "Client":
                        classes.add(parsed.text(bound))
    if not classes and not modules:
        return None
    for node in walk(parsed.root):
        if node.type != "new_expression":
            continue
        constructor = node.child_by_field_name("constructor")
        if constructor is None:
            continue
        if constructor.type == "identifier" and parsed.text(constructor) in classes:
            return node
        if constructor.type == "member_expression":
            obj, prop = constructor.child_by_field_name("object"), constructor.child_by_field_name("property")
            if obj is not None and prop is not None and parsed.text(obj) in modules and parsed.text(prop) == "Client":
                return node
    return None


def driver_of_call(parsed: ParsedFile, call: Node, module: str) -> DriverInfo:
    """The driver a `drizzle(...)` call creates a handle on, from its import and first argument (one
    `pg.Client`, or a client checked out of a pool with `pool.connect()`, is a single connection)."""
    driver, dialect = DRIVER_MODULES.get(module, ("unknown", None))  # type: ignore[assignment]
    args = call.child_by_field_name("arguments")
    first = unwrap(args.named_children[0]) if args is not None and args.named_children else None
    client = _client_expression(parsed, first) if first is not None else None
    text = parsed.text(client) if client is not None else ""
    if driver == "node-postgres" and re.search(r"\bnew\s+(?:pg\.)?Client\b|\.connect\(\s*\)", text):
        driver = "node-postgres-client"
    elif driver == "postgres-js" and re.search(r"\bmax\s*:\s*1\b", text):
        driver = "postgres-js-single"
    elif driver == "mysql2" and re.search(r"\bcreateConnection\b", text):
        driver = "mysql2-connection"
    connection = KIND_OF_ENTRY.get(module) if driver == "libsql" else None
    url = re.search(r"""\burl\s*:\s*["'`]([a-z0-9+]+):""", text) if driver == "libsql" else None
    if url is not None and module in ("libsql", "libsql/node", "libsql/sqlite3"):
        connection = "synchronous" if url.group(1) == "file" else "pool"  # a local file, or a server
    evidence = f"drizzle-orm/{module} at {parsed.path.name}:{call.start_point.row + 1}"
    return DriverInfo(driver, dialect, evidence, connection, parsed.path, _passes_schema(parsed, args))


def _passes_schema(parsed: ParsedFile, args: Node | None) -> bool | None:
    """Whether a drizzle() call's options object has a `schema` key (`drizzle(pool, { schema })`,
    `drizzle({ client, schema })`); None when an option is spread or not an object literal."""
    options = [unwrap(a) for a in args.named_children if a.type != "comment"] if args is not None else []
    objects = options if options and options[0].type == "object" else options[1:]
    if any(o.type != "object" for o in objects):
        return None  # options passed as a variable: not read
    for obj in objects:
        for pair in obj.named_children:
            if pair.type == "spread_element":
                return None
            key = pair.child_by_field_name("key") if pair.type == "pair" else pair
            if key is not None and parsed.text(key) == "schema":
                return True
    return False


def _client_expression(parsed: ParsedFile, node: Node) -> Node | None:
    """The client passed to drizzle(): the argument itself, `{ client }`, or the initializer of a named client."""
    if node.type == "object":
        for pair in node.named_children:
            key = pair.child_by_field_name("key")
            if pair.type == "pair" and key is not None and parsed.text(key) in ("client", "connection"):
                value = pair.child_by_field_name("value")
                return _client_expression(parsed, unwrap(value)) if value is not None else None
            if pair.type == "shorthand_property_identifier" and parsed.text(pair) == "client":
                return _initializer(parsed, "client") or pair
        return node
    if node.type == "identifier":
        return _initializer(parsed, parsed.text(node)) or node
    return node


def _initializer(parsed: ParsedFile, name: str) -> Node | None:
    for node in walk(parsed.root):
        if node.type == "variable_declarator":
            declared = node.child_by_field_name("name")
            if declared is not None and parsed.text(declared) == name:
                return node.child_by_field_name("value")
    return None


def drizzle_version(root: Path, workspace: Workspace | None = None) -> tuple[int, ...] | None:
    """The installed drizzle-orm version, else the range a package asks for (`catalog:` resolved)."""
    version = drizzle_version_spec(root, workspace)
    return _version_tuple(version) if version is not None else None


def drizzle_version_spec(root: Path, workspace: Workspace | None = None) -> str | None:
    from dalfix.analysis.workspace import workspace_for

    workspace = workspace or workspace_for(root)
    installed = workspace.installed_version("drizzle-orm", root)
    if installed is not None:
        return installed
    package = workspace.package_of(root / "package.json")
    ordered = [p for p in [package] if p is not None] + [p for p in workspace.packages if p is not package]
    for candidate in ordered:
        spec = workspace.resolve_version(candidate, "drizzle-orm")
        if spec is not None:
            return spec
    return None


def _version_tuple(spec: str) -> tuple[int, ...] | None:
    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", spec)
    if not match:
        return None
    return tuple(int(p) for p in match.groups(default="0"))
