"""The `isUniqueViolation` predicate a catch-form fix calls (DAL003), once per project.

`violation_predicate(ctx, match, handle)` says how the fixed file gets the predicate, in this order:

1. the file already has it: the function dalfix used to add once per file (same text), or an import of it from
   the module chosen below (a later fix in the same file) -> nothing to add;
2. `unique-violation-module` in dalfix.toml: that module, reused when it exists and exports `isUniqueViolation`
   (the project vouches for it: called as `isUniqueViolation(error)`, plus the constraint name on PostgreSQL),
   created there otherwise;
3. a module beside the one that creates the database handle the write uses (`src/db/is-unique-violation.ts`,
   named like that directory's files), created by the fix (`Fix.creates`) unless it holds exactly the generated
   text already; several files fixed in one run share it (the engine creates it once);
4. when no handle module is known (or it lies in another workspace package): the function after the file's
   imports, as before (one per file).

The import follows the importing file's style (`dalfix/analysis/shared_modules.py`); the module's own text follows
the handle module's style, so that every importer asks for the same text. A name the file binds to something else,
or an existing module dalfix did not write for this driver, makes the fix display-only (the string returned).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from dalfix.analysis.reads import note as note_read
from dalfix.analysis.shared_modules import (
    exports_name,
    file_name_like_siblings,
    handle_module,
    import_specifier,
    imports_from,
)
from dalfix.analysis.unique_violations import ViolationMatch
from dalfix.context import FileContext
from dalfix.fixes import Edit, NewFile
from dalfix.imports import top_level_bindings
from dalfix.parsing import parse_file
from dalfix.render import SourceStyle, render_template

HELPER = "isUniqueViolation"
TEMPLATE = "check_then_insert/is_unique_violation.ts.j2"
WORDS = ["is", "unique", "violation"]
WHAT = {
    "pg": "the unique violation (23505) of `constraint`",
    "sqlite": "a SQLite unique or primary-key violation",
    "mysql": "a MySQL duplicate entry (ER_DUP_ENTRY, 1062)",
}


@dataclass(frozen=True)
class PredicateFix:
    """What a fix adds so that the fixed code can call `name`: edits in the fixed file, imports, created files."""

    name: str
    edits: tuple[Edit, ...] = ()
    imports: frozenset[tuple[str, str]] = frozenset()
    creates: tuple[NewFile, ...] = ()


def violation_predicate(ctx: FileContext, match: ViolationMatch, handle: str) -> PredicateFix | str:
    """How the file gets the predicate for `match` (see the module docstring), or why it cannot."""
    local = _render(ctx.style, match, exported=False)
    declared = _declared(ctx, local)
    if declared is not None:
        return PredicateFix(HELPER) if declared else f"the file already declares another `{HELPER}`"
    target, module_text, reuse = _module_for(ctx, match, handle)
    if target is None or module_text is None:
        return _in_file(ctx, local) if module_text is None else module_text  # no module: per file, or why not
    specifier = import_specifier(ctx.project, ctx.parsed, target)
    creates = () if reuse or _holds(target, module_text) else (NewFile(target, module_text),)
    imported = imports_from(ctx.parsed, HELPER)
    if imported is not None:
        if imported == specifier or ctx.project.resolver.resolve(ctx.parsed.path, imported) == target:
            return PredicateFix(HELPER, creates=creates)
        return f"the file imports another `{HELPER}` (from {imported!r})"
    if HELPER in top_level_bindings(ctx.parsed):
        return f"the file already declares another `{HELPER}`"
    return PredicateFix(HELPER, imports=frozenset({(specifier, HELPER)}), creates=creates)


def _module_for(ctx: FileContext, match: ViolationMatch, handle: str) -> tuple[Path | None, str | None, bool]:
    """(the module's path, the text it gets, whether it is the project's own, reused as it is). No path: the
    second item is why there is no fix, or None when the predicate goes in the file itself."""
    configured = ctx.project.config.unique_violation_module
    defining = handle_module(ctx.project, ctx.parsed, handle)
    style = _module_style(ctx, defining)
    if configured is not None:
        text = _render(style, match, exported=True) + style.newline
        if configured.exists():
            if not exports_name(configured, HELPER):
                return None, f"`{_shown(ctx, configured)}` (unique-violation-module) does not export `{HELPER}`", False
            return configured, text, True
        return configured, text, False
    if defining is None or not _same_package(ctx, defining):
        return None, None, False  # a module in another workspace package would be imported across packages
    suffix = defining.suffix if defining.suffix in (".ts", ".mts", ".cts") else ".ts"
    target = defining.parent / file_name_like_siblings(defining.parent, WORDS, suffix)
    text = _render(style, match, exported=True) + style.newline
    if target.exists() and not _holds(target, text):
        if _formatted_alike(target, text):
            return target, text, True  # dalfix's module as the project's formatter left it
        return (
            None,
            f"`{_shown(ctx, target)}` exists and is not the predicate dalfix generates for this driver "
            "(name the module with the project's predicate in `unique-violation-module` to reuse it)",
            False,
        )
    return target, text, False


def _same_package(ctx: FileContext, defining: Path) -> bool:
    """Whether the handle's module lies in the fixed file's project and workspace package."""
    if not defining.is_relative_to(ctx.project.root):
        return False
    packages = [ctx.project.workspace.package_of(p) for p in (defining, ctx.parsed.path)]
    return len({p.directory if p is not None else None for p in packages}) == 1


def _module_style(ctx: FileContext, defining: Path | None) -> SourceStyle:
    """The style of the module that creates the handle (the same for every importer), else the file's own."""
    if defining is None:
        return ctx.style
    parsed = ctx.project.files.get(defining)
    note_read(defining)
    try:
        parsed = parsed or parse_file(defining, defining.read_bytes())
    except OSError:
        return ctx.style
    return SourceStyle.detect(parsed.source, parsed.root, parsed.path)


def _render(style: SourceStyle, match: ViolationMatch, exported: bool) -> str:
    return render_template(TEMPLATE, style, "", helper=HELPER, match=match, what=WHAT[match.dialect], exported=exported)


def _declared(ctx: FileContext, generated: str) -> bool | None:
    """True when the file declares the function dalfix generates per file (same text), False when it declares
    another function by that name, None when it declares none."""
    for statement in ctx.parsed.root.named_children:
        name = statement.child_by_field_name("name") if statement.type == "function_declaration" else None
        if name is not None and ctx.text(name) == HELPER:
            declaration = generated[generated.index(f"function {HELPER}(") :]  # without its comment
            return ctx.text(statement).replace("\r\n", "\n") == declaration.replace("\r\n", "\n")
    return None


def _in_file(ctx: FileContext, generated: str) -> PredicateFix | str:
    """The predicate as a function after the file's imports (when no shared module can be placed)."""
    if HELPER in top_level_bindings(ctx.parsed):
        return f"the file already declares another `{HELPER}`"
    imports = [s for s in ctx.parsed.root.named_children if s.type == "import_statement"]
    newline = ctx.style.newline
    if imports:
        return PredicateFix(HELPER, (Edit(imports[-1].end_byte, imports[-1].end_byte, newline * 2 + generated),))
    return PredicateFix(HELPER, (Edit(0, 0, generated + newline * 2),))


def _formatted_alike(path: Path, text: str) -> bool:
    """Whether the file holds `text` up to what a formatter changes: whitespace, semicolons, quote marks and
    trailing commas (prettier or biome run over the module dalfix created)."""
    try:
        existing = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return _format_free(existing) == _format_free(text)


def _format_free(text: str) -> str:
    text = re.sub(r"\s+|;", "", text).replace("'", '"')
    return re.sub(r",(?=[)\]}])", "", text)


def _holds(path: Path, text: str) -> bool:
    try:
        return path.is_file() and path.read_bytes() == text.encode("utf-8")
    except OSError:
        return False


def _shown(ctx: FileContext, path: Path) -> str:
    return path.relative_to(ctx.project.root).as_posix() if path.is_relative_to(ctx.project.root) else str(path)
