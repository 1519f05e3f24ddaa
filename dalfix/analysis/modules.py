"""Resolving import specifiers to files of the scanned tree: relative paths, tsconfig `paths`, workspace packages."""

from __future__ import annotations

import json
import os
import re
from functools import cached_property
from pathlib import Path

SOURCE_SUFFIXES = (".ts", ".tsx", ".mts", ".cts")


def _strip_json_comments(text: str) -> str:
    text = re.sub(r"//[^\n\"]*$", "", text, flags=re.M)
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r",(\s*[}\]])", r"\1", text)


def _read_json(path: Path) -> dict:  # type: ignore[type-arg]
    try:
        data = json.loads(_strip_json_comments(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class ModuleResolver:
    def __init__(self, root: Path):
        self.root = root

    @cached_property
    def workspace_packages(self) -> dict[str, Path]:
        """package.json `name` -> directory, for every package under the root (node_modules excluded)."""
        packages: dict[str, Path] = {}
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = [d for d in dirnames if d not in ("node_modules", ".git", "dist", "build", ".next")]
            if "package.json" in filenames:
                name = _read_json(Path(dirpath) / "package.json").get("name")
                if isinstance(name, str):
                    packages.setdefault(name, Path(dirpath))
        return packages

    @cached_property
    def path_aliases(self) -> list[tuple[str, list[Path]]]:
        """tsconfig.json `compilerOptions.paths`, as (pattern, [target patterns as paths])."""
        config = self.root / "tsconfig.json"
        options = _read_json(config).get("compilerOptions", {}) if config.is_file() else {}
        base = self.root / str(options.get("baseUrl", "."))
        paths = options.get("paths", {}) or {}
        return [
            (pattern, [base / t for t in targets]) for pattern, targets in paths.items() if isinstance(targets, list)
        ]

    def resolve(self, importer: Path, specifier: str) -> Path | None:
        if specifier.startswith("."):
            return self._as_file(importer.parent / specifier)
        for pattern, targets in self.path_aliases:
            prefix, star, suffix = pattern.partition("*")
            if star and specifier.startswith(prefix) and specifier.endswith(suffix):
                middle = specifier[len(prefix) : len(specifier) - len(suffix) if suffix else None]
                for target in targets:
                    found = self._as_file(Path(str(target).replace("*", middle)))
                    if found:
                        return found
            elif not star and specifier == pattern:
                for target in targets:
                    found = self._as_file(target)
                    if found:
                        return found
        return self._workspace(specifier)

    def _workspace(self, specifier: str) -> Path | None:
        parts = specifier.split("/")
        name_length = 2 if specifier.startswith("@") else 1
        name, subpath = "/".join(parts[:name_length]), "/".join(parts[name_length:])
        directory = self.workspace_packages.get(name)
        if directory is None:
            return None
        if subpath:
            return self._as_file(directory / subpath) or self._as_file(directory / "src" / subpath)
        manifest = _read_json(directory / "package.json")
        entries: list[str] = []
        exports = manifest.get("exports")
        if isinstance(exports, str):
            entries.append(exports)
        elif isinstance(exports, dict):
            main = exports.get(".", exports)
            if isinstance(main, str):
                entries.append(main)
            elif isinstance(main, dict):
                entries.extend(v for k, v in main.items() if isinstance(v, str) and k in ("types", "import", "default"))
        entries.extend(manifest[k] for k in ("types", "module", "main") if isinstance(manifest.get(k), str))
        for entry in [*entries, "src/index.ts", "index.ts"]:
            found = self._as_file(directory / entry)
            if found:
                return found
            # A built entry (dist/index.js) usually mirrors src/index.ts in a workspace.
            mirrored = re.sub(r"^(\./)?(dist|build|lib)/", "src/", entry)
            found = self._as_file(directory / mirrored)
            if found:
                return found
        return None

    def _as_file(self, base: Path) -> Path | None:
        base = Path(os.path.normpath(base))
        stem = re.sub(r"\.(m|c)?jsx?$", "", str(base))
        candidates = [base] if base.suffix in SOURCE_SUFFIXES else []
        candidates += [Path(stem + s) for s in SOURCE_SUFFIXES]
        candidates += [Path(stem) / f"index{s}" for s in SOURCE_SUFFIXES]
        for candidate in candidates:
            if candidate.is_file() and not candidate.name.endswith(".d.ts"):
                return candidate
        return None
