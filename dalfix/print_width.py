"""The project's print width, read from its formatter settings, and wrapping generated chains to it.

Width: the nearest `.oxfmtrc.json(c)` `printWidth` (Oxfmt's default 100 when it sets none), else `.prettierrc*`
(or package.json `"prettier"`) `printWidth`, else `biome.json(c)` `formatter.lineWidth`
(`javascript.formatter.lineWidth` first) — 80, the formatters' own default, when such a file sets none — else
`.editorconfig` `max_line_length` for TypeScript files, else 100.
Wrapping: a generated line longer than the width that holds a method chain is broken before each call of
its outermost chain, one indentation level deeper, as Prettier and Biome print Drizzle chains
(`await db` / `.select()` / `.from(t)` / `.where(…)`); where the formatter is known, a call that still does not
fit gets its arguments one per line (a sole arrow function as the formatters lay it out), and a `for` head its
clauses. Nothing else is reflowed.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DEFAULT_PRINT_WIDTH = 100
# What Prettier and Biome use when their configuration does not set a width.
FORMATTER_DEFAULT_WIDTH = 80
PRETTIER_FILES = (".prettierrc", ".prettierrc.json", ".prettierrc.json5", ".prettierrc.yaml", ".prettierrc.yml")
# JavaScript settings: read only where they spell the width out (`printWidth: 120,`); else the width is unknown.
PRETTIER_SCRIPTS = tuple(f"{base}.{ext}" for base in (".prettierrc", "prettier.config") for ext in ("js", "cjs", "mjs"))
BIOME_FILES = ("biome.json", "biome.jsonc")
# Oxfmt (Oxc's Prettier-compatible formatter: homarr, karakeep, dyad); its own default width is 100.
OXFMT_FILES = (".oxfmtrc.json", ".oxfmtrc.jsonc")
OXFMT_DEFAULT_WIDTH = 100


# Prettier's `tabWidth` and Biome's `indentWidth` default: a tab counts as this many columns.
DEFAULT_TAB_WIDTH = 2


@dataclass(frozen=True)
class FormatterSettings:
    width: int
    tab_width: int = DEFAULT_TAB_WIDTH
    # "prettier", "biome" or "oxfmt" (Prettier's layout) when their configuration decides the width; None for
    # .editorconfig or the default.
    formatter: str | None = None
    # Whether the formatter ends broken call arguments with a comma (Prettier 3 and Biome: "all", the default).
    trailing_commas: bool = True
    # Whether it ends a broken object literal with one ("all" and "es5"; not "none").
    object_commas: bool = True


def print_width_for(path: Path) -> int:
    return formatter_settings_for(path).width


def formatter_settings_for(path: Path) -> FormatterSettings:
    return _settings_in(str(Path(path).resolve().parent), Path(path).name)


def display_width(line: str, tab_width: int) -> int:
    """Columns `line` takes as the formatters count them: a tab is `tab_width` columns."""
    return len(line.expandtabs(tab_width)) if "\t" in line else len(line)


@lru_cache(maxsize=512)
def _settings_in(directory: str, filename: str) -> FormatterSettings:
    editorconfig: int | None = None
    editorconfig_done = False
    for folder in (directory, *(str(p) for p in Path(directory).parents)):
        found_settings, editorconfig_text, repository_root = _folder_settings(folder)
        if found_settings is not None:
            return found_settings
        if not editorconfig_done:
            found, root = _editorconfig_width(editorconfig_text, filename)
            editorconfig = editorconfig if editorconfig is not None else found
            editorconfig_done = root
        if repository_root:
            break
    return FormatterSettings(editorconfig if editorconfig is not None else DEFAULT_PRINT_WIDTH)


@lru_cache(maxsize=512)
def _folder_settings(folder: str) -> tuple[FormatterSettings | None, str | None, bool]:
    """What one folder says, read once per folder (`_settings_in` is per file name, for `.editorconfig` sections:
    each file of a project looked for ~20 configuration files in every folder up to the repository root, 9 ms
    under the profiler for a 113-line file): its Prettier or Biome settings, its `.editorconfig`, whether it is
    the repository's root (holds `.git`)."""
    path = Path(folder)
    return (
        _oxfmt_settings(path) or _prettier_settings(path) or _biome_settings(path),
        _read(path / ".editorconfig"),
        (path / ".git").exists(),
    )


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8") if path.is_file() else None
    except (OSError, UnicodeDecodeError):
        return None


def _json(text: str) -> object:
    """JSON, or JSONC / JSON5-ish: comments and trailing commas removed (strings kept)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    stripped = re.sub(r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?\*/', lambda m: m.group(1) or "", text, flags=re.S)
    stripped = re.sub(r",(\s*[}\]])", r"\1", stripped)
    try:
        return json.loads(stripped)
    except json.JSONDecodeError:
        return None


def _positive_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _oxfmt_settings(folder: Path) -> FormatterSettings | None:
    """An `.oxfmtrc.json(c)`: Prettier's options and layout, with Oxfmt's defaults (width 100, trailing commas
    everywhere). A folder holding it and an older Prettier or Biome file is formatted by Oxfmt (dyad keeps all
    three; its scripts run oxfmt)."""
    for name in OXFMT_FILES:
        text = _read(folder / name)
        if text is None:
            continue
        data = _json(text)
        if not isinstance(data, dict):
            return None
        comma = data.get("trailingComma")
        return FormatterSettings(
            _positive_int(data.get("printWidth")) or OXFMT_DEFAULT_WIDTH,
            _positive_int(data.get("tabWidth")) or DEFAULT_TAB_WIDTH,
            "oxfmt",
            comma not in ("es5", "none"),
            comma != "none",
        )
    return None


def _prettier_settings(folder: Path) -> FormatterSettings | None:
    for name in PRETTIER_FILES:
        text = _read(folder / name)
        if text is None:
            continue
        data = _json(text)
        if isinstance(data, dict):
            return _prettier_from(data, folder)
        if isinstance(data, str):
            return None  # a shared configuration package: its width is not here
        match = re.search(r"^\s*printWidth\s*:\s*(\d+)\s*$", text, re.M)  # YAML
        tab = re.search(r"^\s*tabWidth\s*:\s*(\d+)\s*$", text, re.M)
        comma = re.search(r"^\s*trailingComma\s*:\s*[\"']?(\w+)", text, re.M)
        return FormatterSettings(
            int(match.group(1)) if match else FORMATTER_DEFAULT_WIDTH,
            int(tab.group(1)) if tab else DEFAULT_TAB_WIDTH,
            "prettier",
            _prettier_argument_commas(comma.group(1) if comma else None, folder),
            (comma.group(1) if comma else None) != "none",
        )
    for name in PRETTIER_SCRIPTS:
        text = _read(folder / name)
        if text is not None:
            return _script_settings(text, folder)
    manifest = _read(folder / "package.json")
    if manifest is not None and '"prettier"' in manifest:
        data = _json(manifest)
        prettier = data.get("prettier") if isinstance(data, dict) else None
        if isinstance(prettier, dict):
            return _prettier_from(prettier, folder)
        if isinstance(prettier, str):
            return _shared_settings(prettier, folder)
    return None


def _script_settings(text: str, folder: Path) -> FormatterSettings | None:
    """Settings written as JavaScript: read where they spell the width out (`printWidth: 120,`), or where the
    configuration is an object of its own that sets none of the layout options (`module.exports = {};`, or kan's
    plugins and import order only): Prettier's defaults then. None for anything computed or taken from elsewhere
    (a spread, a re-export, an import other than Node's own `url`/`path`/`module`)."""
    match = re.search(r"^\s*printWidth\s*:\s*(\d+)\s*,?\s*$", text, re.M)
    if match is None:
        code = re.sub(r"//[^\n]*|/\*.*?\*/", "", text, flags=re.S)
        if _EMPTY_EXPORT.fullmatch(code) or _self_contained_without_layout(code):
            return _prettier_from({}, folder)
        return None  # a shared or computed configuration: its width is not here
    tab = re.search(r"^\s*tabWidth\s*:\s*(\d+)\s*,?\s*$", text, re.M)
    comma = re.search(r"^\s*trailingComma\s*:\s*[\"'](\w+)[\"']\s*,?\s*$", text, re.M)
    return FormatterSettings(
        int(match.group(1)),
        int(tab.group(1)) if tab else DEFAULT_TAB_WIDTH,
        "prettier",
        _prettier_argument_commas(comma.group(1) if comma else None, folder),
        (comma.group(1) if comma else None) != "none",
    )


_LAYOUT_OPTIONS = re.compile(r"\b(?:printWidth|tabWidth|useTabs|trailingComma)\b|\.\.\.|export\s*[{*]")
_MODULES = re.compile(r"""(?:\bfrom\s*|\brequire\s*\(\s*|\bimport\s*\(\s*|\bimport\s+)(["'])([^"']+)\1""")
_NODE_MODULES = frozenset({"url", "node:url", "path", "node:path", "module", "node:module"})


def _self_contained_without_layout(code: str) -> bool:
    """Whether JavaScript settings (comments removed) are an object of their own that sets no layout option: no
    width, tab or comma option (in an override either), no spread, no re-export, no module but Node's own."""
    if _LAYOUT_OPTIONS.search(code) or not re.search(r"\bexport\s+default\b|\bmodule\.exports\s*=", code):
        return False
    return all(match.group(2) in _NODE_MODULES for match in _MODULES.finditer(code))


def _shared_settings(package: str, folder: Path) -> FormatterSettings | None:
    """A package.json's `"prettier": "@acme/prettier-config"`: the settings of that package, found installed
    (`node_modules/` above `folder`) or among the repository's workspace packages (kan's tooling/prettier)."""
    if not re.fullmatch(r"(?:@[\w.-]+/)?[\w.-]+", package):
        return None  # a path or a package's file: not followed
    directory = _package_directory(package, folder)
    manifest = _json(_read(directory / "package.json") or "null") if directory is not None else None
    if directory is None or not isinstance(manifest, dict):
        return None
    exports = manifest.get("exports")
    entry = exports.get(".") if isinstance(exports, dict) else exports
    if isinstance(entry, dict):
        entry = entry.get("import") or entry.get("default") or entry.get("require")
    entry = entry if isinstance(entry, str) else manifest.get("main") if isinstance(manifest.get("main"), str) else None
    path = (directory / entry) if entry is not None else directory / "index.js"
    text = _read(path)
    if text is None:
        return None
    if path.suffix == ".json":
        data = _json(text)
        return _prettier_from(data, directory) if isinstance(data, dict) else None
    return _script_settings(text, directory)


def _package_directory(package: str, folder: Path) -> Path | None:
    for above in (folder, *folder.parents):
        if (above / "node_modules" / package / "package.json").is_file():
            return above / "node_modules" / package
        if (above / ".git").exists():
            return _workspace_packages(str(above)).get(package)
    return None


@lru_cache(maxsize=64)
def _workspace_packages(root: str) -> dict[str, Path]:
    """The packages of the repository at `root`, by name: every package.json up to three folders down, as monorepos
    lay out apps/*, packages/* and tooling/* (node_modules and hidden folders are not entered)."""
    found: dict[str, Path] = {}
    base = root.rstrip(os.sep).count(os.sep)
    for folder, folders, files in os.walk(root):
        depth = folder.rstrip(os.sep).count(os.sep) - base
        folders[:] = sorted(f for f in folders if f != "node_modules" and not f.startswith(".")) if depth < 3 else []
        if depth and "package.json" in files:
            data = _json(_read(Path(folder, "package.json")) or "null")
            name = data.get("name") if isinstance(data, dict) else None
            if isinstance(name, str):
                found.setdefault(name, Path(folder))
    return found


_EMPTY_EXPORT = re.compile(r"\s*(?:module\.exports\s*=|export\s+default)\s*\{\s*\}\s*;?\s*")


def _prettier_from(data: dict, folder: Path) -> FormatterSettings:  # type: ignore[type-arg]
    comma = data.get("trailingComma")
    return FormatterSettings(
        _positive_int(data.get("printWidth")) or FORMATTER_DEFAULT_WIDTH,
        _positive_int(data.get("tabWidth")) or DEFAULT_TAB_WIDTH,
        "prettier",
        _prettier_argument_commas(comma if isinstance(comma, str) else None, folder),
        comma != "none",
    )


def _prettier_argument_commas(setting: str | None, folder: Path) -> bool:
    """Whether Prettier ends broken call arguments with a comma: `trailingComma: "all"`, the default of
    Prettier 3; Prettier 1 and 2 (asked for in the package.json beside the settings) default to "es5"."""
    if setting is not None:
        return setting == "all"
    manifest = _json(_read(folder / "package.json") or "null")
    if isinstance(manifest, dict):
        for section in ("devDependencies", "dependencies"):
            deps = manifest.get(section)
            spec = deps.get("prettier") if isinstance(deps, dict) else None
            major = re.match(r"\D*(\d+)", spec) if isinstance(spec, str) else None
            if major is not None:
                return int(major.group(1)) >= 3
    return True


def _biome_settings(folder: Path) -> FormatterSettings | None:
    for name in BIOME_FILES:
        fields = _biome_fields(folder / name, 0)
        if fields is None:
            continue
        # Biome's defaults: lineWidth 80, indentWidth 2, trailingCommas "all".
        return FormatterSettings(
            fields.get("lineWidth") or FORMATTER_DEFAULT_WIDTH,
            fields.get("indentWidth") or DEFAULT_TAB_WIDTH,
            "biome",
            fields.get("trailingCommas", "all") == "all",
            fields.get("trailingCommas", "all") != "none",
        )
    return None


def _biome_fields(path: Path, depth: int) -> dict[str, Any] | None:
    """The width settings a Biome configuration file gives, with what it `extends` underneath (a path, a list
    of paths, or Biome 2's `"//"`: the root configuration above it); None when `path` holds no configuration.
    Package names in `extends` are not followed (their settings are not in the repository)."""
    text = _read(path)
    data = _json(text) if text is not None else None
    if not isinstance(data, dict) or depth > 8:
        return None
    fields: dict[str, Any] = {}
    extends = data.get("extends")
    for base in [extends] if isinstance(extends, str) else extends if isinstance(extends, list) else []:
        target = _biome_root_above(path.parent.parent) if base == "//" else None
        if isinstance(base, str) and base.endswith((".json", ".jsonc")):
            target = (path.parent / base).resolve()
        inherited = _biome_fields(target, depth + 1) if target is not None else None
        fields.update(inherited or {})
    javascript = data.get("javascript", {})
    # `formatter` first, then `javascript.formatter`, which overrides it for JavaScript and TypeScript.
    for section in (data.get("formatter"), javascript.get("formatter") if isinstance(javascript, dict) else None):
        if not isinstance(section, dict):
            continue
        for key in ("lineWidth", "indentWidth"):
            if _positive_int(section.get(key)):
                fields[key] = _positive_int(section.get(key))
        commas = section.get("trailingCommas", section.get("trailingComma"))
        if isinstance(commas, str):
            fields["trailingCommas"] = commas
    return fields


def _biome_root_above(folder: Path) -> Path | None:
    """The root Biome configuration for `"extends": "//"`: the nearest one above that is not `"root": false`."""
    for directory in (folder, *folder.parents):
        for name in BIOME_FILES:
            data = _json(_read(directory / name) or "null")
            if isinstance(data, dict) and data.get("root") is not False:
                return directory / name
        if (directory / ".git").exists():
            break
    return None


def _editorconfig_width(text: str | None, filename: str) -> tuple[int | None, bool]:
    """(max_line_length for `filename` in a folder's .editorconfig `text`, whether that file says root = true)."""
    if text is None:
        return None, False
    width: int | None = None
    root = False
    section: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        key, _, value = (part.strip().lower() for part in line.partition("="))
        if section is None:
            root = root or (key == "root" and value == "true")
        elif key == "max_line_length" and _section_matches(section, filename):
            width = int(value) if value.isdigit() else None  # later sections win, as in EditorConfig
    return width, root


def _section_matches(section: str, filename: str) -> bool:
    pattern = section.split("/")[-1]
    match = re.search(r"\{([^}]*)\}", pattern)
    options = (
        [pattern[: match.start()] + o + pattern[match.end() :] for o in match.group(1).split(",")]
        if match
        else [pattern]
    )
    return any(fnmatch.fnmatchcase(filename, o.replace("**", "*")) for o in options)


# ---- wrapping -----------------------------------------------------------------------------------------------

_IDENT = re.compile(r"[A-Za-z_$][\w$]*")


def wrap_long_line(line: str, unit: str, width: int, tab_width: int = DEFAULT_TAB_WIDTH) -> list[str]:
    """`line` (with its indentation) as several lines when it is longer than `width` (a tab counting
    `tab_width` columns) and holds a method chain; else `[line]`. Only the outermost chain with two or more calls
    is broken; strings, template literals and comments are never touched, and a line with a regular-expression
    literal is left alone."""
    if display_width(line, tab_width) <= width:
        return [line]
    dots = _chain_dots(line)
    if dots is not None and _FACTORY_HEAD.search(line[: dots[0]]):
        dots = dots[1:]  # `Array.from(xs)` / `Object.keys(o)` / `this.m()` stays on the head's line
    if dots is None or len(dots) < 2:
        return [line]
    indent = line[: len(line) - len(line.lstrip())]
    pieces = [line[: dots[0]].rstrip()]
    for start, end in zip(dots, [*dots[1:], len(line)], strict=True):
        pieces.append(indent + unit + line[start:end].rstrip())
    if not pieces[0].strip():
        return [line]
    assignment = _ASSIGNMENT.match(line, len(indent))
    if assignment is not None and assignment.end() < dots[0] and display_width(pieces[0], tab_width) > width:
        # `const x = head` does not fit: the formatters break after the `=` first (Prettier's "fluid" assignment
        # layout, Biome's too) and lay the chain out one level deeper, on one line when it fits there.
        value = wrap_long_line(indent + unit + line[assignment.end() :], unit, width, tab_width)
        return [line[: assignment.end()].rstrip(), *value]
    return pieces


# `const x = ` / `let x: T[] = ` / `x.y = ` at the start of a statement (no `=` inside: no destructuring defaults,
# no function types).
_ASSIGNMENT = re.compile(
    r"(?:(?:export\s+)?(?:const|let|var)\s+[A-Za-z_$][\w$]*(?:\s*:\s*[^=]+?)?|[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)"
    r"\s=\s(?!=)"
)


# A chain head the formatters keep with its first call (Prettier's `isFactory`, and `this`), when it is the
# chain's whole head: a capitalised name or one of `$` and `_` only.
_FACTORY_HEAD = re.compile(r"(?<![\w$.])(?:[A-Z][\w$]*|[$_]+|this)$")


def _chain_dots(line: str) -> list[int] | None:
    """Positions (where each break goes) of the call dots of the shallowest chain with two or more calls.

    A chain is `head.a(…).b(…)…` at one nesting depth: after each call's closing parenthesis the next character
    must continue it (`.`, `?.`, `!`); anything else (a space, a comma, an operator) ends it."""
    active: dict[int, list[int]] = {}  # depth -> call dots of the chain being read
    expect: dict[int, bool] = {}  # depth -> a call of the active chain just closed: a dot must follow
    finished: list[tuple[int, list[int]]] = []
    depth = 0

    def end(level: int) -> None:
        dots = active.pop(level, [])
        expect.pop(level, None)
        if len(dots) >= 2:
            finished.append((level, dots))

    i, n = 0, len(line)
    while i < n:
        char = line[i]
        if expect.get(depth) and not (char in ".!" or line.startswith("?.", i)):
            end(depth)
        if char in "'\"`":
            i = _skip_string(line, i)
            if i < 0:
                return None
            continue
        if char == "/":
            if line.startswith("//", i):
                break  # a trailing comment: nothing after it is code
            if line.startswith("/*", i):
                close = line.find("*/", i + 2)
                if close < 0:
                    return None
                i = close + 2
                continue
            return None  # division or a regular-expression literal: not worth the risk
        if char in "([{":
            depth += 1
        elif char in ")]}":
            for level in [lv for lv in active if lv >= depth]:
                end(level)
            depth -= 1
            expect[depth] = bool(active.get(depth))
        elif char in ",;":
            end(depth)
        elif char == "." and not line.startswith("...", i) and i > 0 and not line[i - 1].isspace():
            match = _IDENT.match(line, i + 1)
            if match:
                if match.end() < n and line[match.end()] == "(":
                    active.setdefault(depth, []).append(i - 1 if line[i - 1] == "?" else i)
                expect[depth] = False
                i = match.end()
                continue
        i += 1
    for level in list(active):
        end(level)
    if not finished:
        return None
    return min(finished, key=lambda item: (item[0], -len(item[1])))[1]


def _skip_string(line: str, i: int) -> int:
    quote = line[i]
    j = i + 1
    while j < len(line):
        if line[j] == "\\":
            j += 2
            continue
        if line[j] == quote:
            return j + 1
        j += 1
    return -1  # unterminated on this line (a multi-line template literal): leave the line alone


# `callee(` at the start of a line: a name or member path (`inArray`, `sql.join`), a chain link (`.where`),
# optionally after `await `, `return ` or a property key (`where: `).
# What may precede the callee on a line that is one call: `const rows = ` (the formatters keep a declaration's `=`
# on the call's line and break the arguments), `await `, `return `, or an object key.
_CALL_HEAD = re.compile(
    r"(?:(?:const|let|var) [A-Za-z_$][\w$]* = )?(?:(?:await|return) |[A-Za-z_$][\w$]*: )?"
    r"(?:\.\.\.)?\.?[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*"
)


_CHAIN_LINK = re.compile(r"\.[A-Za-z_$][\w$]*\(")


def _sole_call(line: str, width: int, tab_width: int) -> tuple[str, str, int, int, list[int], str] | None:
    """A line wider than `width` that is one call and closing punctuation (`f(a, b),`) with no comment in it:
    (indentation, the rest, its opening parenthesis, the matching closing one, the top-level commas between, what
    follows the call); None for any other line."""
    if display_width(line, tab_width) <= width:
        return None
    indent = line[: len(line) - len(line.lstrip())]
    body = line[len(indent) :]
    head = _CALL_HEAD.match(body)
    if head is None or head.end() >= len(body) or body[head.end()] != "(" or "//" in body or "/*" in body:
        return None
    opening = head.end()
    close, commas = _matching_paren(body, opening)
    callee = re.search(r"[\w$.]*$", body[:opening])
    link = _CHAIN_LINK.match(body, close + 1) if close >= 0 and callee and "." not in callee.group() else None
    if link is not None:
        # `bigint("id", { mode: "number" }).references(() => t.id),`: a call of a name and one call on it (the
        # formatters' member chain of one group after its head): they keep the chain on the line and break the last
        # call's arguments. Not `this.db.select().from(t)`, a chain they break before its calls.
        opening = link.end() - 1
        close, commas = _matching_paren(body, opening)
    tail = body[close + 1 :] if close >= 0 else ""
    if close < 0 or not re.fullmatch(r"[,;)\]}]*", tail):
        return None
    return indent, body, opening, close, commas, tail


def break_call_arguments(
    line: str, unit: str, width: int, tab_width: int = DEFAULT_TAB_WIDTH, trailing_comma: bool = True
) -> list[str]:
    """`line` with its outermost call's arguments one per line, as Prettier and Biome print a call that does not
    fit (`inArray(a, b),` -> `inArray(` / `a,` / `b,` / `),`), and each argument line treated the same way; else
    `[line]`. Only a line that is one call and closing punctuation is broken, never one whose arguments the
    formatters hug instead (a function, an object or array literal, a template literal) or that holds a comment."""
    call = _sole_call(line, width, tab_width)
    if call is None:
        return [line]
    indent, body, opening, close, commas, tail = call
    bounds = [opening, *commas, close]
    arguments = [body[a + 1 : b].strip() for a, b in zip(bounds, bounds[1:], strict=False)]
    if arguments and not arguments[-1]:
        arguments.pop()  # the source's own trailing comma
    if not arguments or any(_hugged(a) for a in arguments):
        return [line]
    out = [indent + body[: opening + 1]]
    for number, argument in enumerate(arguments):
        last = number == len(arguments) - 1
        inner = indent + unit + argument + ("," if trailing_comma or not last else "")
        out.extend(break_call_arguments(inner, unit, width, tab_width, trailing_comma))
    out.append(indent + ")" + tail)
    return out


def break_arrow_argument(
    line: str, unit: str, width: int, tab_width: int = DEFAULT_TAB_WIDTH, trailing_comma: bool = True
) -> list[str]:
    """`line`, one call whose only argument is an arrow function with an expression body (`.filter((x) => g)`), as
    Prettier and Biome print it when it does not fit; else `[line]`. A body that is a call stays hugged: the arrow
    on the call's line, the body one level deeper (`.filter((x) =>` / `keep(x),` / `)`). Any other body breaks the
    arguments out: the arrow one level deeper, on one line when it fits there, else its body one level further
    (`.filter(` / `(x) =>` / `!ids.includes(x.id),` / `)`), an `a && b` body then one operand per line.
    Bodies the formatters print otherwise (an object, a conditional, a nested arrow) are left alone."""
    call = _sole_call(line, width, tab_width)
    if call is None or call[4]:  # more than one argument
        return [line]
    indent, body, paren, close, _, tail = call
    arrow = _arrow_parts(body[paren + 1 : close].strip())
    if arrow is None:
        return [line]
    parameters, expression = arrow
    comma = "," if trailing_comma else ""
    opening, closing = indent + body[: paren + 1], indent + ")" + tail
    if _is_call(expression):
        if display_width(f"{opening}{parameters} =>", tab_width) > width:
            return [line]
        inner = indent + unit + expression + comma
        return [f"{opening}{parameters} =>", *break_call_arguments(inner, unit, width, tab_width, trailing_comma),
                closing]  # fmt: skip
    one_line = f"{indent}{unit}{parameters} => {expression}{comma}"
    if display_width(one_line, tab_width) <= width:
        return [opening, one_line, closing]
    deeper = indent + unit * 2
    lines = [deeper + expression + comma]
    if display_width(lines[0], tab_width) > width:
        operands = _split_top_level(expression, " && ")
        if len(operands) > 1 and not _split_top_level(expression, " || ")[1:]:
            lines = [deeper + o + " &&" for o in operands[:-1]] + [deeper + operands[-1] + comma]
    return [opening, f"{indent}{unit}{parameters} =>", *lines, closing]


def break_object_argument(
    line: str, unit: str, width: int, tab_width: int = DEFAULT_TAB_WIDTH, commas: bool = True, force: bool = False
) -> list[str]:
    """`line`, one call whose only argument is an object literal (`.values({ a, b: c })`), as Prettier and Biome
    print it when it does not fit: the object hugged, one property per line one level deeper (`.values({` /
    `a,` / `b: c,` / `})`), a property that still does not fit broken as a call; else `[line]`. `commas`: the
    formatter ends the last property with a comma; `force`: break it even where it fits."""
    if display_width(line, tab_width) <= width and not force:
        return [line]
    indent = line[: len(line) - len(line.lstrip())]
    body = line[len(indent) :]
    head = _CALL_HEAD.match(body)
    if head is None or not body.startswith("({ ", head.end()) or "//" in body or "/*" in body:
        return [line]
    close, commas_inside = _matching_paren(body, head.end())
    tail = body[close + 1 :] if close >= 0 else ""
    inner = body[head.end() + 1 : close] if close >= 0 else ""
    if close < 0 or commas_inside or not re.fullmatch(r"[,;)\]}]*", tail) or not inner.endswith(" }"):
        return [line]
    if _closes_early(inner):
        return [line]  # `{ … } + { … }`: not one object
    properties = [p.strip() for p in _split_top_level(inner[1:-1].strip(), ",")]
    if properties and not properties[-1]:
        properties.pop()
    if not properties or not all(properties):
        return [line]
    out = [indent + body[: head.end()] + "({"]
    for number, prop in enumerate(properties):
        comma = "," if commas or number < len(properties) - 1 else ""
        pieces = break_call_arguments(indent + unit + prop + comma, unit, width, tab_width, commas)
        if pieces == [indent + unit + prop + comma]:
            pieces = break_array_property(pieces[0], unit, width, tab_width, commas)
        out.extend(pieces)
    out.append(indent + "})" + tail)
    return out


_ARRAY_PROPERTY = re.compile(
    r"(?P<indent>\s*)(?P<key>[A-Za-z_$][\w$]*: )\[(?P<elements>[^\[\]{}()`'\"/]*)\](?P<tail>,?)"
)


def break_array_property(
    line: str, unit: str, width: int, tab_width: int = DEFAULT_TAB_WIDTH, commas: bool = True
) -> list[str]:
    """`line`, an object property whose value is an array of names (`target: [t.a, t.b],`), as Prettier and Biome
    print it when it does not fit: one element per line one level deeper (`target: [` / `t.a,` / `t.b,` / `],`);
    `commas`: the formatter ends the last element with a comma. Anything else, or a line that fits: `[line]`."""
    match = _ARRAY_PROPERTY.fullmatch(line)
    if display_width(line, tab_width) <= width or match is None:
        return [line]
    elements = [e.strip() for e in match["elements"].split(",")]
    if elements and not elements[-1]:
        elements.pop()
    if not elements or not all(re.fullmatch(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*", e) for e in elements):
        return [line]
    indent = match["indent"]
    inner = [indent + unit + e + ("," if commas or n < len(elements) - 1 else "") for n, e in enumerate(elements)]
    return [indent + match["key"] + "[", *inner, indent + "]" + match["tail"]]


# `key: sql<T>`…`.mapWith(F),`: a property whose value is a tagged template given one call of simple arguments;
# nothing in it can break before that call's parenthesis.
_TEMPLATE_PROPERTY = re.compile(
    r"(?P<indent>\s*)(?P<key>[A-Za-z_$][\w$]*): (?P<head>[A-Za-z_$][\w$.]*(?:<[^`()]*>)?`[^`]*`)"
    r"(?:(?P<call>\.[A-Za-z_$][\w$]*)\((?P<args>[^()`'\"]*)\))?(?P<comma>,?)"
)


def break_property_value(
    line: str, unit: str, width: int, tab_width: int = DEFAULT_TAB_WIDTH, trailing_comma: bool = True
) -> list[str]:
    """`line`, an object property whose value is a call on a tagged template (`total: sql<number>`…`.mapWith(Number),`),
    as Prettier, Oxfmt and Biome print it when the value up to its first possible break (the call's parenthesis)
    does not fit after the key: the value on the next line one level deeper (their "fluid" assignment layout), and
    the call's arguments one per line when it still does not fit there. Anything else, or a line that fits:
    `[line]`."""
    match = _TEMPLATE_PROPERTY.fullmatch(line)
    if match is None or match["call"] is None or display_width(line, tab_width) <= width:
        return [line]  # a bare template stays after its key (the formatters never break before one)
    head = match["head"] + (match["call"] + "(" if match["call"] else "")
    if display_width(f"{match['indent']}{match['key']}: {head}", tab_width) <= width:
        return [line]  # it breaks inside the call's arguments instead, the value kept on the key's line
    indent, comma = match["indent"] + unit, match["comma"]
    value = line[match.start("head") : match.end("args") + 1]
    if display_width(indent + value + comma, tab_width) <= width:
        return [f"{match['indent']}{match['key']}:", indent + value + comma]
    arguments = [a.strip() for a in match["args"].split(",") if a.strip()]
    if not arguments:
        return [f"{match['indent']}{match['key']}:", indent + value + comma]
    last = len(arguments) - 1
    inner = [indent + unit + a + ("," if trailing_comma or n < last else "") for n, a in enumerate(arguments)]
    return [f"{match['indent']}{match['key']}:", indent + head, *inner, indent + ")" + comma]


def hug_last_object(
    line: str, unit: str, width: int, tab_width: int = DEFAULT_TAB_WIDTH, commas: bool = True
) -> list[str] | None:
    """A method chain that does not fit and whose last call takes one object literal
    (`await tx.insert(t).values({ … });`) as the formatters print it for good: with at most two calls in the chain
    (a head's own call, `db()`, counted), none but the last passing a function, and `… .values({` fitting, the chain
    stays on one line and the object breaks (`await tx.insert(t).values({` / `a,` / `});`) — broken before each
    call with the object broken, the formatters would join it on their next run, since they keep an object written
    broken broken. None when the chain is printed otherwise."""
    if display_width(line, tab_width) <= width:
        return None
    dots = _chain_dots(line)
    if dots is None or len(dots) + line[: dots[0]].rstrip().endswith(")") > 2:
        return None
    indent = line[: len(line) - len(line.lstrip())]
    if "=>" in line[: dots[-1]] or re.search(r"\bfunction\b", line[: dots[-1]]):
        return None
    broken = break_object_argument(indent + line[dots[-1] :], unit, width, tab_width, commas, force=True)
    if len(broken) < 3:
        return None
    first = line[: dots[-1]] + broken[0][len(indent) :]
    return [first, *broken[1:]] if display_width(first, tab_width) <= width else None


def _closes_early(text: str) -> bool:
    """Whether the bracket opening `text` closes before its last character."""
    depth = 0
    for position, char in enumerate(_code_only(text)):
        depth += (char in "([{") - (char in ")]}")
        if depth == 0 and position < len(text) - 1:
            return True
    return False


def _arrow_parts(argument: str) -> tuple[str, str] | None:
    """(parameters, body) of `(x) => body` / `x => body` with an expression body dalfix lays out; else None."""
    if argument.startswith("("):
        close, _ = _matching_paren(argument, 0)
        parameters = argument[: close + 1] if close > 0 else ""
    else:
        match = re.match(r"[A-Za-z_$][\w$]*", argument)
        parameters = match.group(0) if match else ""
    rest = argument[len(parameters) :]
    if not parameters or not rest.startswith(" => "):
        return None
    expression = rest[4:].strip()
    if not expression or expression[0] in "{[(`" or "=>" in expression or expression.startswith(("async ", "new ")):
        return None
    code = _code_only(expression)
    if re.search(r"(?<!\?)\?(?![.?])", code) or re.search(r"\b(as|satisfies)\b", code):
        return None  # a conditional, or a type assertion: printed otherwise
    return parameters, expression


def _is_call(expression: str) -> bool:
    """`f(…)`, `a.b(…)`, `a.b(…).c(…)`: a call expression Prettier and Biome hug as an arrow's body."""
    head = re.match(r"[A-Za-z_$][\w$]*(?:\??\.[A-Za-z_$][\w$]*)*", expression)
    if head is None:
        return False
    position = head.end()
    while position < len(expression) and expression[position] == "(":
        close, _ = _matching_paren(expression, position)
        if close < 0:
            return False
        position = close + 1
        if position == len(expression):
            return True
        member = re.match(r"\??\.[A-Za-z_$][\w$]*", expression[position:])
        if member is None:
            return False
        position += member.end()
    return False


def _code_only(text: str) -> str:
    """`text` with the contents of its string literals blanked (same length), for searching its code."""
    out, i = [], 0
    while i < len(text):
        if text[i] in "'\"`":
            end = _skip_string(text, i)
            if end < 0:
                return text
            out.append(text[i] + " " * (end - i - 2) + text[end - 1])
            i = end
            continue
        out.append(text[i])
        i += 1
    return "".join(out)


def _split_top_level(text: str, separator: str) -> list[str]:
    """`text` split at `separator` where it stands outside brackets and strings."""
    code, parts, depth, start, i = _code_only(text), [], 0, 0, 0
    while i < len(code):
        char = code[i]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif depth == 0 and code.startswith(separator, i):
            parts.append(text[start:i])
            i = start = i + len(separator)
            continue
        i += 1
    return [*parts, text[start:]]


def break_for_head(line: str, unit: str, width: int, tab_width: int = DEFAULT_TAB_WIDTH) -> list[str]:
    """`for (init; test; update) {` that does not fit, as Prettier and Biome print it: `for (`, each clause one
    level deeper on a line of its own, `) {`; else `[line]`."""
    match = re.fullmatch(r"(\s*)for \((.*)\) \{", line)
    if display_width(line, tab_width) <= width or match is None:
        return [line]
    indent, clauses = match.group(1), _split_top_level(match.group(2), "; ")
    if len(clauses) != 3 or not all(c.strip() for c in clauses) or ";" in _code_only(match.group(2)).replace("; ", ""):
        return [line]
    return [f"{indent}for (", *(f"{indent}{unit}{c}{';' if n < 2 else ''}" for n, c in enumerate(clauses)),
            f"{indent}) {{"]  # fmt: skip


def _hugged(argument: str) -> bool:
    """An argument the formatters may keep on the call's line while breaking inside it, or one dalfix does not
    split safely (a comparison `<`/`>` may be a type argument list)."""
    return (
        not argument
        or argument[0] in "{[`("
        or "=>" in argument
        or re.match(r"(async )?function\b", argument) is not None
        or "<" in argument
        or ">" in argument
    )


def _matching_paren(text: str, start: int) -> tuple[int, list[int]]:
    """(index of the `)` closing the `(` at `start`, positions of the commas directly inside), or (-1, [])."""
    depth, commas, i = 0, list[int](), start
    while i < len(text):
        char = text[i]
        if char in "'\"`":
            i = _skip_string(text, i)
            if i < 0:
                return -1, []
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                return (i, commas) if char == ")" else (-1, [])
        elif char == "," and depth == 1:
            commas.append(i)
        i += 1
    return -1, []
