"""Where a module shared by fixes goes in a project, and how a file imports it in the project's own style.

A fix that needs a helper in several files (DAL003's `isUniqueViolation`) creates it once, as a module beside the
module that creates the database handle the fixed code uses (`src/db/index.ts` -> `src/db/is-unique-violation.ts`),
named like that directory's files (kebab-case, snake_case or camelCase). Each importing file gets the specifier it
would write itself: through a tsconfig `paths` alias when it reaches the project's modules that way, else relative;
with the extension its relative imports carry (`.js` under NodeNext, `.ts` with `allowImportingTsExtensions`), else
the one `moduleResolution` node16/nodenext requires.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from dalfix.analysis.reads import note as note_read
from dalfix.imports import imported_names
from dalfix.parsing import ParsedFile, parse_file

if TYPE_CHECKING:
    from dalfix.analysis.project import Project

SOURCE_SUFFIX = re.compile(r"\.(m|c)?tsx?$")
ESM_RESOLUTION = ("node16", "nodenext")


def handle_module(project: Project, parsed: ParsedFile, handle: str) -> Path | None:
    """The module whose `drizzle(...)` call creates `handle` (a name the file declares or imports; for `this.db`
    or `ctx.db`, the one module all the file's handles come from); None when it cannot be followed to one."""
    if parsed.path not in project.files:
        return None
    named = project.summaries.file_handles(parsed)
    driver = named.get(handle.split(".")[0]) if "." not in handle else None
    if driver is not None:
        return driver.defined_in
    places = {d.defined_in for d in named.values()}
    return places.pop() if len(places) == 1 else None


def file_name_like_siblings(directory: Path, words: list[str], suffix: str) -> str:
    """`words` joined as the directory's other modules are named: kebab-case unless they use snake_case or
    camelCase (`is-unique-violation.ts`, `is_unique_violation.ts`, `isUniqueViolation.ts`)."""
    stems = [SOURCE_SUFFIX.sub("", p.name) for p in _listing(directory) if SOURCE_SUFFIX.search(p.name)]
    kebab = sum("-" in s for s in stems)
    snake = sum("_" in s and "-" not in s for s in stems)
    camel = sum(bool(re.search(r"[a-z][A-Z]", s)) and "-" not in s and "_" not in s for s in stems)
    if snake > kebab and snake >= camel:
        return "_".join(words) + suffix
    if camel > kebab and camel > snake:
        return words[0] + "".join(w.capitalize() for w in words[1:]) + suffix
    return "-".join(words) + suffix


def _listing(directory: Path) -> list[Path]:
    try:
        return sorted(directory.iterdir())
    except OSError:
        return []


def import_specifier(project: Project, importer: ParsedFile, target: Path) -> str:
    """How `importer` names the module at `target` (which need not exist yet), in the importer's style."""
    resolver = project.resolver
    internal: list[tuple[str, Path]] = []  # (specifier, the file it resolves to) of the importer's own modules
    for statement in importer.root.named_children:
        source = (
            statement.child_by_field_name("source")
            if statement.type in ("import_statement", "export_statement")
            else None
        )
        if source is None:
            continue
        specifier = importer.text(source)[1:-1]
        resolved = resolver.resolve(importer.path, specifier)
        if resolved is not None:
            internal.append((specifier, resolved))
    relative = [s for s, _ in internal if s.startswith(".")]
    patterns = [pattern.partition("*") for pattern, _ in resolver.aliases_for(importer.path.parent).paths]
    aliased = [  # through tsconfig `paths` (a workspace package's name is not a path alias)
        s for s, _ in internal if any(s.startswith(prefix) if star else s == prefix for prefix, star, _ in patterns)
    ]
    extension = _extension(project, importer, [s for s, _ in internal])
    stem = SOURCE_SUFFIX.sub("", str(target))
    alias = _alias_for(project, importer.path, Path(stem))
    # The importer's way of reaching the target's directory decides; else the way it reaches most modules.
    same_directory = [s for s, p in internal if p.parent == target.parent]
    use_alias = alias is not None and (
        any(s in aliased for s in same_directory) if same_directory else len(aliased) > len(relative)
    )
    if use_alias and alias is not None:
        return alias + extension
    path = os.path.relpath(stem, importer.path.parent).replace(os.sep, "/")
    return (path if path.startswith("../") else "./" + path) + extension


def _extension(project: Project, importer: ParsedFile, specifiers: list[str]) -> str:
    """The extension the importer's own relative imports carry, else the one its module resolution requires."""
    relative = [s for s in specifiers if s.startswith(".")]
    counts = {ext: sum(s.endswith(ext) for s in relative) for ext in (".js", ".ts", ".mjs")}
    plain = len(relative) - sum(counts.values())
    best = max(counts, key=lambda ext: counts[ext])
    if relative:
        return best if counts[best] > plain else ""
    resolution = project.resolver.compiler_option(importer.path.parent, "moduleResolution")
    module = project.resolver.compiler_option(importer.path.parent, "module")
    if any(isinstance(v, str) and v.lower() in ESM_RESOLUTION for v in (resolution, module)):
        return ".js"
    return ""


def _alias_for(project: Project, importer: Path, stem: Path) -> str | None:
    """The shortest tsconfig `paths` specifier (for the importer's tsconfig) that names `stem`."""
    found: list[str] = []
    for pattern, targets in project.resolver.aliases_for(importer.parent).paths:
        prefix, star, suffix = pattern.partition("*")
        for target in targets:
            target_prefix, target_star, target_suffix = str(Path(os.path.normpath(target))).partition("*")
            if not star or not target_star or target_suffix or suffix:
                continue
            if str(stem).startswith(target_prefix) and len(str(stem)) > len(target_prefix):
                found.append(prefix + str(stem)[len(target_prefix) :].replace(os.sep, "/"))
    return min(found, key=len) if found else None


def exports_name(path: Path, name: str) -> bool:
    """Whether the module at `path` exports a value called `name` (a declaration, or `export { name }`)."""
    note_read(path)
    try:
        parsed = parse_file(path, path.read_bytes())
    except OSError:
        return False
    for statement in parsed.root.named_children:
        if statement.type != "export_statement":
            continue
        declaration = statement.child_by_field_name("declaration")
        if declaration is not None:
            names = [declaration.child_by_field_name("name")]
            names += [
                d.child_by_field_name("name") for d in declaration.named_children if d.type == "variable_declarator"
            ]
            if any(n is not None and parsed.text(n) == name for n in names):
                return True
        elif statement.child_by_field_name("source") is None:
            clause = next((c for c in statement.named_children if c.type == "export_clause"), None)
            for spec in clause.named_children if clause is not None else ():
                exported = spec.child_by_field_name("alias") or spec.child_by_field_name("name")
                if exported is not None and parsed.text(exported) == name:
                    return True
    return False


def imports_from(parsed: ParsedFile, name: str) -> str | None:
    """The module specifier the file imports the value `name` from, if it does."""
    found = imported_names(parsed).get(name)
    return found[0] if found is not None and found[1] == name else None
