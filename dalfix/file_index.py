"""What the files under a directory hold, known from their stat data without reading them (git's index).

The cache (dalfix/cache.py) and the replay of whole runs (dalfix/replay.py) need a hash over every file the
analysis may read. Reading and hashing 2,000 files on every run cost more than the rest of a warm run, so
each tree has an index, `<cache-dir>/<version>/index/<hash of the root>.json`, mapping a file's path to its
(size, mtime_ns, inode, ctime_ns) and its content hash. A file whose stat data is unchanged is not read
again; any other file is read and hashed, so a `touch` costs one read and changes nothing.

Sound as git's index is: a write changes ctime (which no program can set back) and mtime, a replaced file
has another inode. The racy case is handled as git does: a file changed in the same timestamp tick as the
index saw it could change again without its stat data changing, so an entry whose mtime or ctime is within
`RACY_MARGIN_NS` of the moment its file was stat'ed is not kept, and that file is read again next time.
The only change the index cannot see is one that restores size, mtime, inode and ctime together (a clock set
back, a file system without ctime): git has the same limitation; `--no-cache` or `dalfix clean` forgets
the index.

This module imports nothing heavy: dalfix/replay.py runs it before the rest of dalfix is imported.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import time
from collections.abc import Callable

# Directories the analysis never reads (discovery and module resolution skip them too).
SKIPPED_DIRS = frozenset({"node_modules", ".git", ".hg", ".svn", "dist", ".next", ".turbo", ".dalfix_cache"})
_READ_SUFFIXES = (
    ".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs", ".json", ".jsonc", ".json5", ".yaml", ".yml",
    ".toml", ".sql",
)  # fmt: skip
# An analysis that starts reading another kind of file must add it here, or the cache would not see it change.
_READ_NAMES = frozenset({".gitignore", ".editorconfig", ".prettierrc", "biome.json", "biome.jsonc"})
# What dalfix looks for in the directories above a repository (settings, workspace and repository markers,
# formatter settings, .gitignore): the names probed there, since those directories are never walked.
PROBED_NAMES = (
    ".git", ".gitignore", ".editorconfig", "dalfix.toml", "pyproject.toml", "package.json", "tsconfig.json",
    "pnpm-workspace.yaml", "lerna.json", "nx.json", "rush.json", ".prettierrc", ".prettierrc.json",
    ".prettierrc.json5", ".prettierrc.yaml", ".prettierrc.yml", "biome.json", "biome.jsonc",
)  # fmt: skip
# Timestamps are as coarse as the kernel's tick (milliseconds; seconds on some file systems): an entry is only
# kept when its file was last changed this long before it was stat'ed.
RACY_MARGIN_NS = 2_000_000_000
# Packages whose installed manifest (`node_modules/<name>/package.json`) the analysis reads although it never
# walks node_modules (dalfix/analysis/workspace.py `installed_version`: drizzle-orm's version decides rewrites).
# A lockfile the analysis does not read (yarn.lock, bun.lockb) can change the installed version alone.
INSTALLED_MANIFESTS = ("drizzle-orm",)
INDEX_FORMAT = 1


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def is_read_input(name: str) -> bool:
    """Whether the analysis may read a file of this name (sources, settings, manifests, migrations)."""
    return name.endswith(_READ_SUFFIXES) or name in _READ_NAMES or name.startswith((".prettierrc", "prettier.config"))


# Modules: files the analysis reads as code, through imports (their contents are judged per file by the cache,
# dalfix/incremental.py); configuration written as code (prettier, drizzle-kit) is a setting like the JSON ones.
MODULE_SUFFIXES = (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")
SETTINGS_MODULES = ("prettier.config", "drizzle.config", ".prettierrc")


def is_module_name(path: str) -> bool:
    name = os.path.basename(path)
    return name.endswith(MODULE_SUFFIXES) and not name.startswith(SETTINGS_MODULES)


def is_code_file(name: str) -> bool:
    return name.endswith((".py", ".j2"))


class TreeIndex:
    """The index of one tree: relative path -> [size, mtime_ns, inode, ctime_ns, content hash]."""

    def __init__(self, root: str, path: str | None) -> None:
        self.root, self.path = root, path
        self.entries: dict[str, list[object]] = {}
        self.changed = False
        # What the last walk found: relative path -> content hash (or marker), every accepted file and `.git`.
        self.found: dict[str, str] = {}
        if path is not None:
            try:
                with open(path, "rb") as handle:
                    data = json.loads(handle.read())
                if isinstance(data, dict) and data.get("format") == INDEX_FORMAT and data.get("root") == root:
                    entries = data.get("entries")
                    self.entries = entries if isinstance(entries, dict) else {}
            except (OSError, ValueError):
                pass  # none yet, or unreadable: every file is read once

    def save(self, path: str | None = None) -> None:
        """Write the index atomically (when it changed); a cache that cannot be written is skipped silently."""
        target = path or self.path
        if target is None or not self.changed:
            return
        text = json.dumps({"format": INDEX_FORMAT, "root": self.root, "entries": self.entries}, separators=(",", ":"))
        write_atomically(target, text.encode("utf-8", "surrogateescape"))
        self.changed = False


def write_atomically(path: str, data: bytes) -> None:
    """`path` holds `data` or what it held before, never half of it (concurrent runs share a cache)."""
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temporary = f"{path}.{os.getpid()}.tmp"
        try:
            with open(temporary, "wb") as handle:
                handle.write(data)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except OSError:
        pass


def tree_fingerprint(root: str, index: TreeIndex, accept: Callable[[str], bool] = is_read_input) -> str:
    """A hash over the path and contents of every file under `root` whose name `accept`s (outside
    SKIPPED_DIRS), and over the `.git` markers below it (a new repository boundary moves projects)."""
    started = time.time_ns()
    old = index.entries
    new: dict[str, list[object]] = {}
    entries: list[str] = []
    stack = [root]
    prefix = len(root.rstrip(os.sep)) + 1
    while stack:
        directory = stack.pop()
        try:
            listing = list(os.scandir(directory))
        except OSError as exc:  # discovery reports it; its state is the input
            entries.append(f"{directory[prefix:]}\0unlisted:{exc.errno}")
            continue
        for entry in listing:
            name = entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if name == ".git":
                entries.append(f"{entry.path[prefix:]}\0git")
                continue
            if is_dir:
                if name not in SKIPPED_DIRS and name != "__pycache__":
                    stack.append(entry.path)
                elif name == "node_modules":
                    for package in INSTALLED_MANIFESTS:
                        manifest = os.path.join(entry.path, package, "package.json")
                        if os.path.lexists(manifest):
                            relative = manifest[prefix:]
                            entries.append(f"{relative}\0{_hashed(manifest, relative, old, new, started)}")
                continue
            if not accept(name):
                continue
            relative = entry.path[prefix:]
            entries.append(f"{relative}\0{_hashed(entry.path, relative, old, new, started)}")
    if new != old:
        index.entries, index.changed = new, True
    index.found = dict(entry.split("\0", 1) for entry in entries)
    entries.sort()
    return content_hash("\n".join(entries).encode("utf-8", "surrogateescape"))


def _hashed(path: str, relative: str, old: dict[str, list[object]], new: dict[str, list[object]], now: int) -> str:
    try:
        info = os.stat(path)  # through a symlink: its target's contents are what the analysis reads
    except OSError as exc:
        return f"unreadable:{exc.errno}"
    if not stat.S_ISREG(info.st_mode):
        return f"special:{stat.S_IFMT(info.st_mode)}"  # never opened: a FIFO named *.ts would block the read
    key = [info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns]
    known = old.get(relative)
    if known is not None and known[:4] == key and isinstance(known[4], str):
        new[relative] = known
        return known[4]
    try:
        with open(path, "rb") as handle:
            found = content_hash(handle.read())
    except OSError as exc:
        return f"unreadable:{exc.errno}"
    if max(info.st_mtime_ns, info.st_ctime_ns) < now - RACY_MARGIN_NS:
        new[relative] = [*key, found]  # else racy: it could change again within its timestamp's tick
    return found


def ancestors_fingerprint(root: str) -> str:
    """A hash over the PROBED_NAMES in every directory above `root` (settings and markers found walking up)."""
    parts: list[str] = []
    directory = os.path.dirname(root.rstrip(os.sep)) or os.sep
    while True:
        for name in PROBED_NAMES:
            path = os.path.join(directory, name)
            try:
                info = os.stat(path)
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode):
                try:
                    with open(path, "rb") as handle:
                        parts.append(f"{path}\0{content_hash(handle.read())}")
                except OSError as exc:
                    parts.append(f"{path}\0unreadable:{exc.errno}")
            else:
                parts.append(f"{path}\0{stat.S_IFMT(info.st_mode)}")
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return content_hash("\n".join(parts).encode("utf-8", "surrogateescape"))


def repository_root_above(directory: str) -> str | None:
    """The nearest directory holding .git, from `directory` up."""
    while True:
        if os.path.lexists(os.path.join(directory, ".git")):
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


class Fingerprints:
    """The fingerprints of one run, each computed once: a repository (its tree and the directories above it)
    and dalfix's own code, read through the indexes kept in the cache directory."""

    def __init__(self, version: str) -> None:
        self.version = version
        self.repositories: dict[str, str] = {}
        self.ancestors: dict[str, str] = {}  # root -> ancestors_fingerprint(root)
        self.indexes: dict[str, TreeIndex] = {}  # root -> its index
        self._code: str | None = None

    def index_path(self, cache_dir: str, root: str) -> str:
        name = content_hash(root.encode("utf-8", "surrogateescape"))
        return os.path.join(cache_dir, self.version, "index", f"{name}.json")

    def _index(self, root: str, cache_dir: str | None) -> TreeIndex:
        index = self.indexes.get(root)
        if index is None:
            path = None if cache_dir is None else self.index_path(cache_dir, root)
            index = self.indexes[root] = TreeIndex(root, path)
        return index

    def repository(self, root: str, cache_dir: str | None = None) -> str:
        found = self.repositories.get(root)
        if found is None:
            tree = tree_fingerprint(root, self._index(root, cache_dir))
            self.ancestors[root] = ancestors_fingerprint(root)
            found = self.repositories[root] = content_hash(f"{tree}\0{self.ancestors[root]}".encode())
        return found

    def layout(self, root: str, cache_dir: str | None = None) -> str:
        """`repository(root)` with the contents of its modules left out (their paths kept): what must be unchanged
        for a file's cached result to be judged by the files it depends on (dalfix/incremental.py)."""
        self.repository(root, cache_dir)
        found = self._index(root, cache_dir).found
        parts = sorted(f"{path}\0{'module' if is_module_name(path) else value}" for path, value in found.items())
        parts.append(self.ancestors[root])
        return content_hash("\n".join(parts).encode("utf-8", "surrogateescape"))

    def file_hash(self, path: str) -> str | None:
        """The content hash of a file some `repository` walk found (None: none did)."""
        for root in self.repositories:
            if path.startswith(root.rstrip(os.sep) + os.sep):
                found = self.indexes[root].found.get(path[len(root.rstrip(os.sep)) + 1 :])
                if found is not None:
                    return found
        return None

    def code(self, cache_dir: str | None = None) -> str:
        """A hash of dalfix's own code and templates (not only its version): a cache written by other code is
        never read."""
        if self._code is None:
            package = os.path.dirname(os.path.abspath(__file__))
            parts = [self.version]
            for root in (package, os.path.join(os.path.dirname(package), "transforms")):
                parts.append(tree_fingerprint(root, self._index(root, cache_dir), is_code_file))
            templates = os.path.join(os.path.dirname(package), "templates")
            parts.append(tree_fingerprint(templates, self._index(templates, cache_dir), is_code_file))
            self._code = content_hash("\0".join(parts).encode())
        return self._code

    def save(self, cache_dir: str | None = None) -> None:
        """Write the indexes that changed (to `cache_dir` for those that had none)."""
        for root, index in self.indexes.items():
            if index.path is None and cache_dir is not None:
                index.path = self.index_path(cache_dir, root)
            index.save()
