"""Which driver a Drizzle handle runs on, and whether concurrent queries can use separate connections."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dalfix.analysis.drizzle import unwrap
from dalfix.parsing import Node, ParsedFile, walk

if TYPE_CHECKING:
    from dalfix.analysis.workspace import Workspace

# drizzle-orm/<module> -> (driver, dialect)
DRIVER_MODULES = {
    "node-postgres": ("node-postgres", "postgresql"),
    "postgres-js": ("postgres-js", "postgresql"),
    "neon-http": ("neon-http", "postgresql"),
    "neon-serverless": ("neon-serverless", "postgresql"),
    "vercel-postgres": ("vercel-postgres", "postgresql"),
    "pglite": ("pglite", "postgresql"),
    "aws-data-api/pg": ("aws-data-api", "postgresql"),
    "better-sqlite3": ("better-sqlite3", "sqlite"),
    "bun-sqlite": ("bun-sqlite", "sqlite"),
    "libsql": ("libsql", "sqlite"),
    "d1": ("d1", "sqlite"),
    "expo-sqlite": ("expo-sqlite", "sqlite"),
    "op-sqlite": ("op-sqlite", "sqlite"),
    "durable-sqlite": ("durable-sqlite", "sqlite"),
    "mysql2": ("mysql2", "mysql"),
    "planetscale-serverless": ("planetscale-serverless", "mysql"),
    "tidb-serverless": ("tidb-serverless", "mysql"),
}

# Drivers on which two queries in flight use two connections (or independent HTTP requests).
CONCURRENT_DRIVERS = frozenset(
    {
        "node-postgres",
        "postgres-js",
        "neon-http",
        "neon-serverless",
        "vercel-postgres",
        "aws-data-api",
        "mysql2",
        "planetscale-serverless",
        "tidb-serverless",
    }
)
# One connection, or synchronous: queries run one after another whatever the code says.
SERIAL_DRIVERS = frozenset(
    {
        "node-postgres-client",
        "postgres-js-single",
        "pglite",
        "better-sqlite3",
        "bun-sqlite",
        "libsql",
        "d1",
        "expo-sqlite",
        "op-sqlite",
        "durable-sqlite",
        "mysql2-connection",
    }
)
KNOWN_DRIVERS = CONCURRENT_DRIVERS | SERIAL_DRIVERS


@dataclass(frozen=True)
class DriverInfo:
    driver: str  # one of KNOWN_DRIVERS, or "unknown"
    dialect: str | None
    evidence: str

    @property
    def concurrent(self) -> bool | None:
        """True for a pool, False for a single connection, None when unknown."""
        if self.driver in CONCURRENT_DRIVERS:
            return True
        if self.driver in SERIAL_DRIVERS:
            return False
        return None


UNKNOWN = DriverInfo("unknown", None, "no drizzle() call found")


def drizzle_driver_imports(parsed: ParsedFile) -> dict[str, str]:
    """Local name of each `drizzle` import -> its drizzle-orm/<module>."""
    from dalfix.imports import imported_names

    out = {}
    for local, (module, name) in imported_names(parsed).items():
        if module.startswith("drizzle-orm/") and name == "drizzle":
            out[local] = module.removeprefix("drizzle-orm/")
    return out


def driver_of_call(parsed: ParsedFile, call: Node, module: str) -> DriverInfo:
    """The driver a `drizzle(...)` call creates a handle on, from its import and first argument."""
    driver, dialect = DRIVER_MODULES.get(module, ("unknown", None))
    args = call.child_by_field_name("arguments")
    first = unwrap(args.named_children[0]) if args is not None and args.named_children else None
    client = _client_expression(parsed, first) if first is not None else None
    text = parsed.text(client) if client is not None else ""
    if driver == "node-postgres" and re.search(r"\bnew\s+(?:pg\.)?Client\b", text):
        driver = "node-postgres-client"
    elif driver == "postgres-js" and re.search(r"\bmax\s*:\s*1\b", text):
        driver = "postgres-js-single"
    elif driver == "mysql2" and re.search(r"\bcreateConnection\b", text):
        driver = "mysql2-connection"
    return DriverInfo(driver, dialect, f"drizzle-orm/{module} at {parsed.path.name}:{call.start_point.row + 1}")


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
