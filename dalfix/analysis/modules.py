"""Resolving import specifiers to source files of the repository.

Relative paths; tsconfig `paths` and `baseUrl` from the tsconfig nearest the importing file (with its
`extends` chain and `references`); workspace packages by name through their `package.json` `exports`
(conditions, subpaths, `*` patterns), `types`/`module`/`main`, and the source file a built entry mirrors
(`dist/index.js` -> `src/index.ts`). Results are memoised per directory and specifier, and never leave the
repository: a path outside it (or a symlink out of it) resolves to nothing.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from dalfix.analysis.workspace import Package, Workspace, workspace_for

SOURCE_SUFFIXES = (".ts", ".tsx", ".mts", ".cts")
# Export conditions, best first: a source entry, then what TypeScript and bundlers read.
CONDITIONS = ("source", "development", "types", "import", "module", "node", "default", "require", "browser")
MAX_EXTENDS = 8


@dataclass(frozen=True)
class PathAliases:
    base: Path | None  # baseUrl, when set
    paths: tuple[tuple[str, tuple[Path, ...]], ...]  # (pattern, target patterns as paths)


class ModuleResolver:
    def __init__(self, root: Path | Workspace):
        self.workspace = root if isinstance(root, Workspace) else workspace_for(root)
        self.root = self.workspace.root
        self._real_repository = self.workspace.repository_root.resolve()
        self._resolved: dict[tuple[Path | None, str], Path | None] = {}
        self._aliases: dict[Path, PathAliases] = {}
        self._tsconfig_of_dir: dict[Path, Path | None] = {}
        self._files: dict[str, Path | None] = {}
        self._listings: dict[str, dict[str, tuple[bool, bool]]] = {}
        self._real_directories: dict[str, str] = {}
        self._repository = str(self.workspace.repository_root)
        self._repository_prefix = self._repository.rstrip(os.sep) + os.sep
        self._real_repository_str = str(self._real_repository)
        self._real_repository_prefix = self._real_repository_str.rstrip(os.sep) + os.sep
        self._resolved_for_file: dict[tuple[Path, str], Path | None] = {}
        self.unresolved: dict[str, Path] = {}  # specifiers of the repository's own modules that did not resolve

    # ---- entry point ------------------------------------------------------------------------
    def resolve(self, importer: Path, specifier: str) -> Path | None:
        by_file = (importer, specifier)
        if by_file in self._resolved_for_file:  # asked again for the same file: no `importer.parent` to build
            return self._resolved_for_file[by_file]
        key: tuple[Path | None, str] = (importer.parent, specifier)
        if not specifier.startswith("."):
            # A package or alias name resolves the same for every directory under one tsconfig (`_resolve`).
            key = (self._nearest_tsconfig(importer.parent), specifier)
        if key not in self._resolved:
            found = self._resolve(importer, specifier)
            self._resolved[key] = found
            if found is None and self._looks_internal(specifier):
                self.unresolved.setdefault(specifier, importer)
        self._resolved_for_file[by_file] = self._resolved[key]
        return self._resolved[key]

    def _looks_internal(self, specifier: str) -> bool:
        if specifier.startswith("."):
            return True
        name = "/".join(specifier.split("/")[: 2 if specifier.startswith("@") else 1])
        return name in self.workspace.packages_by_name or specifier.startswith(("@/", "~/", "#"))

    def _resolve(self, importer: Path, specifier: str) -> Path | None:
        if specifier.startswith("."):
            return self._as_file(importer.parent / specifier)
        if specifier.startswith("/") or ":" in specifier.split("/")[0]:
            return None  # absolute paths, node:fs, bun:sqlite
        aliases = self.aliases_for(importer.parent)
        for pattern, targets in aliases.paths:
            prefix, star, suffix = pattern.partition("*")
            if star and specifier.startswith(prefix) and specifier.endswith(suffix):
                middle = specifier[len(prefix) : len(specifier) - len(suffix) if suffix else None]
                for target in targets:
                    found = self._as_file(Path(str(target).replace("*", middle, 1)))
                    if found:
                        return found
            elif not star and specifier == pattern:
                for target in targets:
                    found = self._as_file(target)
                    if found:
                        return found
        found = self._package(specifier)
        if found is None and aliases.base is not None:
            found = self._as_file(aliases.base / specifier)
        return found

    # ---- tsconfig ---------------------------------------------------------------------------
    def aliases_for(self, directory: Path) -> PathAliases:
        """`paths`/`baseUrl` in force for files of `directory`: from the nearest tsconfig.json."""
        config = self._nearest_tsconfig(directory)
        if config is None:
            return PathAliases(None, ())
        if config not in self._aliases:
            self._aliases[config] = PathAliases(None, ())  # a cycle of `extends` ends here
            base, paths = self._read_tsconfig(config, 0)
            merged = dict(paths)
            for reference in self._references(config):
                _, more = self._read_tsconfig(reference, 0)
                for pattern, targets in more:
                    merged.setdefault(pattern, targets)
            self._aliases[config] = PathAliases(base, tuple(merged.items()))
        return self._aliases[config]

    def compiler_option(self, directory: Path, name: str) -> object:
        """A `compilerOptions` setting in force for files of `directory` (the nearest tsconfig.json, then what it
        `extends`, own settings first, a later `extends` before an earlier one); None when none sets it."""
        config = self._nearest_tsconfig(directory)
        return self._option(config, name, 0) if config is not None else None

    def _option(self, config: Path, name: str, depth: int) -> object:
        data = self.workspace.read_json(config, comments=True)
        options = data.get("compilerOptions")
        if isinstance(options, dict) and name in options:
            return options[name]
        extends = data.get("extends")
        parents = extends if isinstance(extends, list) else [extends] if isinstance(extends, str) else []
        for parent in reversed(parents) if depth < MAX_EXTENDS else ():
            parent_path = self._extended_config(config, parent)
            value = self._option(parent_path, name, depth + 1) if parent_path is not None else None
            if value is not None:
                return value
        return None

    def _nearest_tsconfig(self, directory: Path) -> Path | None:
        if directory in self._tsconfig_of_dir:
            return self._tsconfig_of_dir[directory]
        candidate = directory / "tsconfig.json"
        if candidate.is_file():
            found: Path | None = candidate
        elif (
            directory == self.workspace.repository_root
            or directory.parent == directory
            or not directory.is_relative_to(self.workspace.repository_root)
        ):
            found = None
        else:
            found = self._nearest_tsconfig(directory.parent)
        self._tsconfig_of_dir[directory] = found
        return found

    def _read_tsconfig(self, config: Path, depth: int) -> tuple[Path | None, list[tuple[str, tuple[Path, ...]]]]:
        """(baseUrl, paths) of one tsconfig, with what it inherits through `extends` (own settings win)."""
        data = self.workspace.read_json(config, comments=True)
        base: Path | None = None
        paths: list[tuple[str, tuple[Path, ...]]] = []
        extends = data.get("extends")
        parents = extends if isinstance(extends, list) else [extends] if isinstance(extends, str) else []
        if depth < MAX_EXTENDS:
            for parent in parents:
                parent_path = self._extended_config(config, parent)
                if parent_path is not None:
                    parent_base, parent_paths = self._read_tsconfig(parent_path, depth + 1)
                    base = parent_base or base
                    paths = parent_paths or paths
        options = data.get("compilerOptions")
        options = options if isinstance(options, dict) else {}
        if isinstance(options.get("baseUrl"), str):
            base = self._inside(config.parent / options["baseUrl"])
        declared = options.get("paths")
        if isinstance(declared, dict):
            anchor = base or config.parent
            paths = [
                (pattern, tuple(anchor / t for t in targets if isinstance(t, str)))
                for pattern, targets in declared.items()
                if isinstance(targets, list)
            ]
        return base, paths

    def _extended_config(self, config: Path, parent: str) -> Path | None:
        if parent.startswith("."):
            target = config.parent / parent
        else:
            name_length = 2 if parent.startswith("@") else 1
            parts = parent.split("/")
            package = self.workspace.packages_by_name.get("/".join(parts[:name_length]))
            if package is None:
                return None
            target = package.directory.joinpath(*parts[name_length:]) if parts[name_length:] else package.directory
        for candidate in (target, target.with_name(target.name + ".json"), target / "tsconfig.json"):
            if candidate.is_file() and self._inside(candidate) is not None:
                return candidate
        return None

    def _references(self, config: Path) -> list[Path]:
        references = self.workspace.read_json(config, comments=True).get("references")
        out = []
        for reference in references if isinstance(references, list) else []:
            path = reference.get("path") if isinstance(reference, dict) else None
            if isinstance(path, str):
                target = config.parent / path
                target = target if target.suffix == ".json" else target / "tsconfig.json"
                if target.is_file() and self._inside(target) is not None:
                    out.append(target)
        return out

    # ---- workspace packages -----------------------------------------------------------------
    def _package(self, specifier: str) -> Path | None:
        parts = specifier.split("/")
        name_length = 2 if specifier.startswith("@") else 1
        name, subpath = "/".join(parts[:name_length]), "/".join(parts[name_length:])
        package = self.workspace.packages_by_name.get(name)
        if package is None:
            return None
        return self.package_entry(package, subpath)

    def package_entry(self, package: Package, subpath: str = "") -> Path | None:
        """The source file `<package>/<subpath>` names, through `exports`, `types`/`main`, or the tree."""
        key = "./" + subpath if subpath else "."
        exports = package.manifest.get("exports")
        entries: list[str] = []
        if isinstance(exports, (str, list)) or (isinstance(exports, dict) and not _has_subpaths(exports)):
            if key == ".":
                entries += _conditional(exports)
        elif isinstance(exports, dict):
            entries += _conditional(exports.get(key))
            if not entries:
                for pattern, target in exports.items():
                    prefix, star, suffix = pattern.partition("*")
                    if star and key.startswith(prefix) and key.endswith(suffix) and len(key) >= len(prefix + suffix):
                        middle = key[len(prefix) : len(key) - len(suffix) if suffix else None]
                        entries += [e.replace("*", middle) for e in _conditional(target)]
        if key == ".":
            entries += [package.manifest[k] for k in ("source", "types", "typings", "module", "main")
                        if isinstance(package.manifest.get(k), str)]  # fmt: skip
            entries += ["src/index.ts", "index.ts"]
        else:
            entries += [subpath, "src/" + subpath]
        for entry in entries:
            found = self._as_file(package.directory / entry) or self._as_file(package.directory / _source_mirror(entry))
            if found:
                return found
        return None

    # ---- files ------------------------------------------------------------------------------
    def _inside(self, path: Path) -> Path | None:
        """`path` normalised, or None when it (or a symlink on the way) leaves the repository."""
        path = Path(os.path.normpath(path))
        if not path.is_relative_to(self.workspace.repository_root):
            return None
        if not Path(os.path.realpath(path)).is_relative_to(self._real_repository):
            return None
        return path

    def _as_file(self, base: Path | str) -> Path | None:
        """The source file an import of `base` names (`base` itself, with a source suffix, or its index), inside
        the repository. With strings and one listing per directory: this runs for every import of every file."""
        key = os.path.normpath(base)
        if key in self._files:
            return self._files[key]
        found = None
        if key == self._repository or key.startswith(self._repository_prefix):
            stem = _SCRIPT_SUFFIX.sub("", key)
            name = os.path.basename(key)
            own = os.path.splitext(name)[1] in SOURCE_SUFFIXES and not name.endswith(".d.ts")
            candidates = [key] if own else []
            candidates += [stem + s for s in SOURCE_SUFFIXES]
            candidates += [os.path.join(stem, f"index{s}") for s in SOURCE_SUFFIXES]
            for candidate in candidates:
                if not candidate.endswith(".d.ts") and self._is_file_inside(candidate):
                    found = Path(candidate)
                    break
        self._files[key] = found
        return found

    def _is_file_inside(self, path: str) -> bool:
        """`Path(path).is_file()` and `_inside(path)`, for a normalised path inside the repository's tree."""
        if not path.startswith(self._repository_prefix):
            return False
        directory, name = os.path.split(path)
        entry = self._listing(directory).get(name)
        if entry is None or not entry[0]:
            return False
        if entry[1]:  # a symlink: where it really leads
            real = os.path.realpath(path)
        else:
            real_directory = self._real_directories.get(directory)
            if real_directory is None:
                real_directory = self._real_directories[directory] = os.path.realpath(directory)
            real = os.path.join(real_directory, name)
        return real == self._real_repository_str or real.startswith(self._real_repository_prefix)

    def _listing(self, directory: str) -> dict[str, tuple[bool, bool]]:
        """Names in a directory: (is a file, following symlinks; is a symlink). Empty when unreadable."""
        found = self._listings.get(directory)
        if found is None:
            found = {}
            try:
                with os.scandir(directory) as entries:
                    for entry in entries:
                        try:
                            found[entry.name] = (entry.is_file(), entry.is_symlink())
                        except OSError:
                            continue
            except OSError:
                pass
            self._listings[directory] = found
        return found


_SCRIPT_SUFFIX = re.compile(r"(\.d)?\.(m|c)?(j|t)sx?$")


def _has_subpaths(exports: dict) -> bool:  # type: ignore[type-arg]
    return any(isinstance(k, str) and k.startswith(".") for k in exports)


def _conditional(target: object) -> list[str]:
    """The file paths an exports target names, best condition first (nested conditions flattened)."""
    if isinstance(target, str):
        return [target]
    if isinstance(target, list):
        return [e for item in target for e in _conditional(item)]
    if isinstance(target, dict):
        ordered = [k for k in CONDITIONS if k in target] + [k for k in target if k not in CONDITIONS]
        return [e for k in ordered for e in _conditional(target[k])]
    return []


def _source_mirror(entry: str) -> str:
    """A built entry's source: `./dist/db/index.js` -> `src/db/index.js` (the suffix is tried as .ts)."""
    return re.sub(r"^(\./)?(dist|build|lib|out)/((esm|cjs|src|types)/)?", "src/", entry)
