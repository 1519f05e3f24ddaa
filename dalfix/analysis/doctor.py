"""What dalfix concluded about a repository: workspace, packages, db handles and their drivers, schema files.

`dalfix doctor [PATH]` prints it (text or JSON); `dalfix check -v` prints one line per package. A silent
run can then be told apart from "no problem here": the user sees which handle dalfix found, which
`drizzle(...)` call decided its driver, and what it could not resolve.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from dalfix.analysis.drivers import DriverInfo, drizzle_version_spec, may_create_handles
from dalfix.analysis.handles import Factory, Handle, Record, kind_of_drivers
from dalfix.analysis.project import Project
from dalfix.analysis.workspace import Workspace, project_root_for, workspace_for
from dalfix.discovery import Skipped, discover
from dalfix.parsing import Node

# Imports of files that are not code (dalfix reads no JSON, styles or assets): never a gap in what it follows.
NOT_CODE = re.compile(r"\.(json|css|scss|sass|less|svg|png|jpe?g|gif|webp|ico|md|mdx|txt|html|wasm|ya?ml)(\?.*)?$")
SCHEMA_CALL = re.compile(rb"\b(pg|sqlite|mysql|singlestore)Table\s*[(<]")


def load_projects(paths: Iterable[Path]) -> list[Project]:
    """The projects holding `paths`, with their client files (those importing a drizzle-orm driver entry)."""
    projects: dict[Path, Project] = {}
    workspaces: dict[Path, Workspace] = {}
    roots: dict[Path, Path] = {}
    given = [Path(os.path.abspath(p)) for p in paths]
    for item in discover(given):
        if isinstance(item, Skipped):
            continue
        scanned = next((g for g in given if g.is_dir() and item.is_relative_to(g)), item.parent)
        root = roots.get(item.parent) or roots.setdefault(item.parent, project_root_for(item, scanned))
        if root not in projects:
            workspace = workspace_for(root)
            projects[root] = Project.load(root, workspaces.setdefault(workspace.root, workspace))
        try:
            source = item.read_bytes()
        except OSError:
            continue
        project = projects[root]
        if may_create_handles(source):
            project.client_files.append(item)
        if SCHEMA_CALL.search(source):
            project.__dict__.setdefault("schema_files", []).append(item)
    return list(projects.values())


def project_facts(project: Project) -> dict[str, object]:
    workspace = project.workspace
    root = workspace.root
    handles = []
    # Where handles are created, and each package's entry (`export const db = createDb(schema)` in @acme/db).
    entries = [project.resolver.package_entry(p) for p in workspace.packages if p.name]
    sources = list(dict.fromkeys([*project.client_files, *(e for e in entries if e is not None)]))
    for path in sources:
        info = project.summaries.module(path)
        if info is None:
            continue
        for name, node in info.declarations.items():
            if node.type in ("type_alias_declaration", "interface_declaration", "class_declaration"):
                continue
            value = project.summaries.handles.binding(path, name)
            found: list[tuple[str, object]] = [(name, value)]
            if isinstance(value, Factory) and isinstance(value.result, Handle):
                found = [(name + "()", value.result)]
            elif isinstance(value, Factory) and isinstance(value.result, Record):  # setup() returning { db }
                found = [(f"{name}().{key}", inner) for key, inner in value.result.properties]
            for shown, inner in found:
                if isinstance(inner, Handle) and not inner.transaction and inner.drivers:
                    handles.append(_handle_fact(project, path, node, shown, inner))
    calls = [
        {
            "at": _relative(path, root) + ":" + driver.evidence.rsplit(":", 1)[-1],
            "driver": driver.driver,
            "kind": driver.kind,
            "role": "application" if project.is_application_file(path) else "test/script",
        }
        for path, driver in project.defined_drivers()
    ]
    application = project.application_drivers
    unresolved = dict(project.resolver.unresolved)
    return {
        "project": str(project.root),
        "workspace_root": str(root),
        "packages": [
            {"name": p.name, "path": _relative(p.directory, root) or "."} for p in workspace.packages if p.name
        ],
        "drizzle_orm": drizzle_version_spec(project.root, workspace),
        "configured_driver": project.config.driver,
        "application_kind": kind_of_drivers(application) if application else "unknown",
        "application_kind_reason": None if application else _unknown_kind_reason(project),
        "handles": handles,
        "drizzle_calls": calls,
        "schema_files": [_relative(p, root) for p in project.__dict__.get("schema_files", [])],
        "unresolved_imports": [
            {"specifier": spec, "from": _relative(path, root)} for spec, path in sorted(unresolved.items())
        ],
        "problems": [{"file": _relative(p, root), "problem": m} for p, m in workspace.problems],
    }


def _kind_reason(drivers: list[DriverInfo]) -> str | None:
    """Why a handle has the kind it shows, when the kind alone would puzzle: several drivers chosen at runtime
    (the strictest decides), or a kind dalfix does not know."""
    names = list(dict.fromkeys(d.driver for d in drivers))
    if len(names) > 1 and len({d.kind for d in drivers}) > 1:
        return f"the strictest kind among {', '.join(names[:-1])} and {names[-1]}, one of which is chosen at runtime"
    if kind_of_drivers(frozenset(drivers)) != "unknown":
        return None
    if names == ["libsql"]:
        return (
            "a libSQL client runs two queries at once only on a remote URL (`libsql://`, `https://`), not on a "
            "`file:` or `:memory:` one, and dalfix could not read this one's URL; "
            '`driver = "libsql-remote"` or `driver = "libsql-file"` in dalfix.toml says which'
        )
    return "dalfix does not know whether this driver's handle is a pool or one connection"


def _driver_examples(fact: dict[str, object]) -> str:
    """Settings that fit the drivers the project's drizzle() calls use, for the hint under `unknown`."""
    calls = fact["drizzle_calls"]
    assert isinstance(calls, list)
    used = {str(c["driver"]) for c in calls}
    if used & {"libsql", "libsql-remote", "libsql-file"}:
        return '"libsql-remote" for a server URL, "libsql-file" for a local file'
    if used & {"node-postgres", "node-postgres-client"}:
        return '"node-postgres" for a pool, "node-postgres-client" for one client every request shares'
    if used & {"mysql2", "mysql2-connection"}:
        return '"mysql2" for a pool, "mysql2-connection" for one connection'
    return "any name from docs/drivers.md"


def _unknown_kind_reason(project: Project) -> str:
    """Why the application's handles have no one kind: what its drizzle() calls make."""
    from dalfix.analysis.transactions import KIND_WORDS, application_handle_kinds

    made = application_handle_kinds(project)
    if not made:
        return "no drizzle() call in the application's files (tests, seeds, migrations and scripts do not count)"
    if len(made) == 1:
        return f"its drizzle() calls wrap a client dalfix cannot tell a pool from a single connection ({made[0][1]})"
    return "the application makes " + " and ".join(f"{KIND_WORDS.get(k, k)} ({w})" for k, w in made)


def _handle_fact(project: Project, path: Path, node: Node, name: str, value: Handle) -> dict[str, object]:
    root = project.workspace.root
    drivers = sorted(value.drivers, key=lambda d: (d.driver, d.evidence))
    dialects = sorted({d.dialect for d in drivers if d.dialect})
    # Candidates the application never creates (a PGlite made only by test clients) do not decide the kind.
    created = [d for d in drivers if d.driver in project.created_driver_names] or drivers
    package = project.workspace.package_of(path)
    return {
        "name": name,
        "definition": f"{_relative(path, root)}:{node.start_point.row + 1}",
        "package": package.name if package is not None else None,
        "driver": "|".join(dict.fromkeys(d.driver for d in drivers)),
        "dialect": dialects[0] if len(dialects) == 1 else (" | ".join(dialects) or None),
        "kind": kind_of_drivers(frozenset(created)),
        "kind_reason": _kind_reason(created),
        "role": "application" if project.is_application_file(path) else "test/script",
        "evidence": [d.evidence + ("" if d in created else " (not created by the application)") for d in drivers],
    }


def diagnose(paths: Iterable[Path]) -> list[dict[str, object]]:
    facts = []
    for project in load_projects(paths):
        for path in project.client_files:  # resolve what the clients import, so unresolved ones are listed
            info = project.summaries.module(path)
            for specifier, _ in info.imports.values() if info is not None else ():
                project.resolver.resolve(path, specifier)
        facts.append(project_facts(project))
    return facts


def render_text(facts: list[dict[str, object]]) -> str:
    lines: list[str] = []
    quiet = [f for f in facts if not (f["handles"] or f["drizzle_calls"] or f["schema_files"] or f["problems"])]
    for fact in facts:
        if fact in quiet and len(facts) > 1:
            continue
        packages = fact["packages"]
        assert isinstance(packages, list)
        lines.append(f"workspace: {fact['workspace_root']} ({len(packages)} packages)")
        if fact["project"] != fact["workspace_root"]:
            lines.append(f"project: {fact['project']}")
        lines.append(f"drizzle-orm: {fact['drizzle_orm'] or 'not found'}")
        if fact["configured_driver"]:
            lines.append(f"driver (dalfix.toml): {fact['configured_driver']}")
        lines.append(f"application handles: {fact['application_kind']}")
        if fact.get("application_kind_reason") and not fact["configured_driver"]:
            lines.append(f"  why: {fact['application_kind_reason']}")
            lines.append(
                "  a handle dalfix does not trace to one drizzle() call is judged from weaker evidence (the "
                "project's driver imports) or gets no fix that depends on its driver; "
                f'`driver = "<name>"` in dalfix.toml names the driver that runs ({_driver_examples(fact)})'
            )
        handles = fact["handles"]
        assert isinstance(handles, list)
        lines.append("db handles:" if handles else "db handles: none found")
        for handle in handles:
            lines.append(
                f"  {handle['name']} at {handle['definition']}: {handle['driver']} ({handle['dialect']}), "
                f"{handle['kind']}, {handle['role']}"
            )
            if handle.get("kind_reason"):
                lines.append(f"    {handle['kind']}: {handle['kind_reason']}")
            lines.extend(f"    from {evidence}" for evidence in handle["evidence"])
        if handles:
            lines.append(
                "  (pool: two queries in flight use two connections; single-connection: queries queue on one; "
                "synchronous: the query runs on the calling thread; each rule's use of them: docs/drivers.md)"
            )
        calls = fact["drizzle_calls"]
        assert isinstance(calls, list)
        lines.append(f"drizzle() calls: {len(calls)}")
        lines.extend(f"  {c['at']}: {c['driver']} ({c['kind']}), {c['role']}" for c in calls[:30])
        if len(calls) > 30:
            lines.append(f"  … and {len(calls) - 30} more (--format json lists them all)")
        schema = fact["schema_files"]
        assert isinstance(schema, list)
        lines.append(
            f"schema files: {len(schema)}"
            + (f" ({', '.join(schema[:5])}{', …' if len(schema) > 5 else ''})" if schema else "")
        )
        unresolved = fact["unresolved_imports"]
        assert isinstance(unresolved, list)
        code = [u for u in unresolved if not NOT_CODE.search(str(u["specifier"]))]
        skipped = len(unresolved) - len(code)
        lines.append(
            f"unresolved imports: {len(code)}"
            + (f" ({skipped} more of JSON or other non-code files, which dalfix does not need)" if skipped else "")
        )
        lines.extend(f"  {u['specifier']} (from {u['from']})" for u in code[:20])
        if len(code) > 20:
            lines.append(f"  … and {len(code) - 20} more")
        problems = fact["problems"]
        assert isinstance(problems, list)
        lines.extend(f"problem: {p['file']}: {p['problem']}" for p in problems)
        lines.append("")
    if quiet and len(facts) > 1:
        lines.append(
            f"{len(quiet)} other project(s) without Drizzle: "
            + ", ".join(str(f["project"]) for f in quiet[:5])
            + (", …" if len(quiet) > 5 else "")
        )
    text = "\n".join(lines)
    return text if text.endswith("\n") else text + "\n"  # a terminal's prompt never lands on the last line


def package_lines(project: Project) -> list[str]:
    """`check -v`: one line per package holding a db handle (and one for the workspace)."""
    fact = project_facts(project)
    packages = fact["packages"]
    assert isinstance(packages, list)
    out = [
        f"workspace {fact['workspace_root']}: {len(packages)} packages, drizzle-orm {fact['drizzle_orm'] or '?'}, "
        f"application handles {fact['application_kind']}"
    ]
    by_package: dict[str, list[str]] = {}
    handles = fact["handles"]
    assert isinstance(handles, list)
    for handle in handles:
        by_package.setdefault(str(handle["package"] or "."), []).append(
            f"{handle['name']} {handle['driver']} {handle['kind']} at {handle['definition']}"
            + (" (test/script)" if handle["role"] != "application" else "")
        )
    out += [f"package {name}: " + "; ".join(items) for name, items in by_package.items()]
    return out


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix()
