"""The workspace a file belongs to: its root, its packages, their manifests, catalogs and tsconfig files.

A pnpm workspace (`pnpm-workspace.yaml`), an npm/yarn/bun workspace (`package.json` `workspaces`), a lerna,
nx or turbo repository: dalfix treats the whole repository as one project, so that an import of
`@acme/db` from another package resolves to the package's source. Problems with the files that describe
the workspace (YAML or JSON that does not parse, a package linked from outside the repository) are kept
as messages naming the file; nothing else is lost.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

# turbo.json is not a marker: turbo runs on a package manager's workspace (and packages hold turbo.json too).
WORKSPACE_MARKERS = ("pnpm-workspace.yaml", "lerna.json", "nx.json", "rush.json")
SKIPPED_DIRS = frozenset({"node_modules", ".git", "dist", "build", ".next", ".turbo", "out", "coverage"})


def strip_json_comments(text: str) -> str:
    """JSON with comments and trailing commas (tsconfig.json) as plain JSON; strings are left alone."""
    out, index, length = [], 0, len(text)
    while index < length:
        char = text[index]
        if char == '"':
            end = index + 1
            while end < length and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            out.append(text[index : end + 1])
            index = end + 1
        elif text.startswith("//", index):
            newline = text.find("\n", index)
            index = length if newline < 0 else newline
        elif text.startswith("/*", index):
            close = text.find("*/", index + 2)
            index = length if close < 0 else close + 2
        else:
            out.append(char)
            index += 1
    return re.sub(r",(\s*[}\]])", r"\1", "".join(out))


@dataclass
class Package:
    name: str | None
    directory: Path
    manifest: dict  # type: ignore[type-arg]

    def dependency_spec(self, dependency: str) -> str | None:
        for section in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies"):
            deps = self.manifest.get(section)
            if isinstance(deps, dict) and isinstance(deps.get(dependency), str):
                return str(deps[dependency])
        return None


@dataclass
class Workspace:
    """One repository: the workspace root (or the single package's root) and every package in it."""

    root: Path
    repository_root: Path
    problems: list[tuple[Path, str]] = field(default_factory=list)  # (file, what is wrong with it)
    _json_cache: dict[Path, dict] = field(default_factory=dict)  # type: ignore[type-arg]

    # ---- files describing the workspace -----------------------------------------------------
    def read_json(self, path: Path, comments: bool = False) -> dict:  # type: ignore[type-arg]
        """A JSON object from `path`; {} (and a problem naming the file) when it does not parse."""
        if path in self._json_cache:
            return self._json_cache[path]
        data: object = {}
        try:
            text = path.read_text(encoding="utf-8-sig")
            data = json.loads(strip_json_comments(text) if comments else text)
        except FileNotFoundError:
            data = {}
        except (OSError, UnicodeDecodeError) as exc:
            self.problems.append((path, f"cannot read: {exc}"))
        except ValueError as exc:
            if not comments:  # package.json may not have comments; give it a second chance as JSONC
                try:
                    data = json.loads(strip_json_comments(text))
                except ValueError:
                    self.problems.append((path, f"not valid JSON ({exc}); the package is treated as unnamed"))
            else:
                self.problems.append((path, f"not valid JSON ({exc}); its settings are ignored"))
        if not isinstance(data, dict):
            self.problems.append((path, "not a JSON object; ignored"))
            data = {}
        self._json_cache[path] = data
        return data

    @cached_property
    def pnpm_workspace(self) -> dict:  # type: ignore[type-arg]
        path = self.root / "pnpm-workspace.yaml"
        if not path.is_file():
            return {}
        try:
            import yaml
        except ImportError:  # pragma: no cover - pyyaml is a dependency
            self.problems.append((path, "pyyaml is not installed; the workspace file is ignored"))
            return {}
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self.problems.append((path, f"not valid YAML ({detail}); packages are found by walking the tree"))
            return {}
        if data is None:
            return {}
        if not isinstance(data, dict):
            self.problems.append((path, "not a YAML mapping; packages are found by walking the tree"))
            return {}
        return data

    @cached_property
    def package_globs(self) -> list[str] | None:
        """The workspace's package patterns, or None when it declares none (every package.json counts)."""
        declared = self.pnpm_workspace.get("packages")
        if not isinstance(declared, list):
            workspaces = self.read_json(self.root / "package.json").get("workspaces")
            if isinstance(workspaces, dict):
                workspaces = workspaces.get("packages")
            declared = workspaces if isinstance(workspaces, list) else None
        if declared is None and (self.root / "lerna.json").is_file():
            lerna = self.read_json(self.root / "lerna.json").get("packages")
            declared = lerna if isinstance(lerna, list) else None
        if declared is None:
            return None
        return [str(p) for p in declared if isinstance(p, str)]

    @cached_property
    def packages(self) -> list[Package]:
        """Every package of the workspace (the root's own package.json included), in a stable order."""
        found: list[Package] = []
        globs = self.package_globs
        include = [g.rstrip("/").removeprefix("./") for g in globs or () if not g.startswith("!")]
        exclude = [g[1:].rstrip("/").removeprefix("./") for g in globs or () if g.startswith("!")]
        real_repository = self.repository_root.resolve()
        for dirpath, dirnames, filenames in os.walk(self.root, followlinks=True):
            here = Path(dirpath)
            dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS and not d.startswith("."))
            if "package.json" not in filenames:
                continue
            relative = here.relative_to(self.root).as_posix()
            declared = any(_glob_match(relative, g) for g in include)
            if (
                here != self.root
                and globs is not None
                and (not declared or any(_glob_match(relative, g) for g in exclude))
            ):
                continue
            if not here.resolve().is_relative_to(real_repository):
                self.problems.append(
                    (here / "package.json", "a package linked from outside the repository; not followed")
                )
                dirnames[:] = []
                continue
            manifest = self.read_json(here / "package.json")
            name = manifest.get("name")
            found.append(Package(name if isinstance(name, str) else None, here, manifest))
        return found

    @cached_property
    def packages_by_name(self) -> dict[str, Package]:
        named: dict[str, Package] = {}
        for package in self.packages:
            if package.name is not None:
                named.setdefault(package.name, package)
        return named

    def package_of(self, path: Path) -> Package | None:
        """The innermost package holding `path`."""
        best: Package | None = None
        for package in self.packages:
            if path.is_relative_to(package.directory) and (
                best is None or len(package.directory.parts) > len(best.directory.parts)
            ):
                best = package
        return best

    # ---- versions ---------------------------------------------------------------------------
    def resolve_version(self, package: Package, dependency: str) -> str | None:
        """A dependency's version range as the package declares it, with `catalog:` and `workspace:` resolved."""
        spec = package.dependency_spec(dependency)
        if spec is None:
            return None
        if spec.startswith("catalog:"):
            catalog_name = spec.removeprefix("catalog:").strip() or "default"
            catalog = self.pnpm_workspace.get("catalog") if catalog_name == "default" else None
            if catalog is None:
                catalogs = self.pnpm_workspace.get("catalogs")
                catalog = catalogs.get(catalog_name) if isinstance(catalogs, dict) else None
            value = catalog.get(dependency) if isinstance(catalog, dict) else None
            return str(value) if value is not None else None
        if spec.startswith("workspace:"):
            target = self.packages_by_name.get(dependency)
            version = target.manifest.get("version") if target is not None else None
            return str(version) if isinstance(version, str) else spec.removeprefix("workspace:")
        return spec

    def installed_version(self, dependency: str, near: Path) -> str | None:
        """The version installed in node_modules next to `near` or above it (inside the repository)."""
        for candidate in (near, *near.parents):
            manifest = candidate / "node_modules" / dependency / "package.json"
            if manifest.is_file():
                version = self.read_json(manifest).get("version")
                if isinstance(version, str):
                    return version
            if candidate == self.repository_root:
                break
        return None


def _glob_match(relative: str, pattern: str) -> bool:
    """pnpm/npm workspace globs: `packages/*`, `apps/**`, `packages/*/demo`."""
    if pattern.endswith("/**"):
        base = pattern[:-3]
        return relative == base or fnmatch.fnmatch(relative, base + "/*")
    if "**" in pattern:
        return fnmatch.fnmatch(relative, pattern.replace("**/", "*"))
    return fnmatch.fnmatchcase(relative, pattern) and relative.count("/") == pattern.count("/")


def repository_root_of(directory: Path) -> Path | None:
    """The nearest directory holding .git, from `directory` up (memoized per directory within a run)."""
    from dalfix.config import probe

    return probe("repository", directory, lambda: _repository_root_of(directory))


def _repository_root_of(directory: Path) -> Path | None:
    from dalfix.config import may_exist

    if may_exist(directory, ".git") and (directory / ".git").exists():
        return directory
    return None if directory.parent == directory else repository_root_of(directory.parent)


def is_workspace_root(directory: Path) -> bool:
    from dalfix.config import probe

    return probe("workspace", directory, lambda: _is_workspace_root(directory))


def _is_workspace_root(directory: Path) -> bool:
    from dalfix.config import may_exist

    if any(may_exist(directory, marker) and (directory / marker).is_file() for marker in WORKSPACE_MARKERS):
        return True
    if not may_exist(directory, "package.json"):
        return False
    manifest = directory / "package.json"
    if manifest.is_file():
        try:
            return '"workspaces"' in manifest.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
    return False


def workspace_root_of(path: Path) -> Path | None:
    """The nearest workspace root holding `path`, not above its repository root (the directory with .git)."""
    from dalfix.config import probe

    base = path if _is_dir(path) else path.parent
    return probe("workspace_of", base, lambda: _workspace_root_above(base))


def _is_dir(path: Path) -> bool:
    """`path.is_dir()`, known without a `stat` for a directory this run's walk listed (`config.may_exist`)."""
    from dalfix.config import probed_value

    return probed_value("names", path) is not None or path.is_dir()


def _workspace_root_above(directory: Path) -> Path | None:
    """`directory` when it is a workspace root, else its parent's answer; the search stops at the repository
    root (a directory's repository root is its parent's unless it holds .git itself)."""
    if is_workspace_root(directory):
        return directory
    if directory == repository_root_of(directory) or directory.parent == directory:
        return None
    return workspace_root_of(directory.parent)


def project_root_for(path: Path, fallback: Path) -> Path:
    """The project a file belongs to: a dalfix.toml inside a workspace package, else the workspace root,
    else the nearest dalfix.toml or package.json (a single-package repository), else `fallback`."""
    from dalfix.config import find_project_root

    base = path if _is_dir(path) else path.parent
    workspace = workspace_root_of(base)
    stop = _settings_or_workspace(base, workspace)
    if stop is not None:
        return stop
    return workspace if workspace is not None else find_project_root(path, fallback)


def _settings_or_workspace(directory: Path, workspace: Path | None) -> Path | None:
    """The first of `directory` and its ancestors that is `workspace` or holds dalfix settings (`config_file_in`);
    None when there is none. Memoized per directory and workspace within a run: the directories of a tree share
    their ancestors' answers (each file's walk up to the root built and compared every ancestor's Path)."""
    from dalfix.config import config_file_in, probe

    def compute() -> Path | None:
        if workspace is not None and directory == workspace:
            return workspace
        if config_file_in(directory) is not None:
            return directory
        parent = directory.parent
        return None if parent == directory else _settings_or_workspace(parent, workspace)

    return probe(f"settings_or_workspace {workspace}", directory, compute)


def workspace_for(root: Path) -> Workspace:
    """The workspace a project root belongs to (the root itself when it is in no workspace)."""
    root = Path(os.path.abspath(root))
    workspace = workspace_root_of(root) or root
    repository = repository_root_of(workspace)
    if repository is None or not workspace.is_relative_to(repository):
        repository = workspace
    return Workspace(workspace, repository)
