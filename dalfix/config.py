"""Per-project settings, found by walking up from a scanned path.

A project's settings live in the first of: `dalfix.toml` (top level, or a `[dalfix]` table), `pyproject.toml`
(a `[tool.dalfix]` table), `package.json` (a `"dalfix"` object, keys spelled as in dalfix.toml). `--config PATH`
names one such file for every project of a run instead.
"""

from __future__ import annotations

import functools
import json
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pathspec

CONFIG_NAME = "dalfix.toml"

KNOWN_KEYS = {
    "select", "ignore", "exclude", "db-handles", "dialect", "driver", "drizzle-version", "preview", "batch-size",
    "max-file-size", "cache-dir", "unique-violation-module", "include-tests", "setup-code", "not-setup-code",
    "jobs",
}  # fmt: skip
# Bigger files are skipped with a reason (a generated bundle, a fixture dump): analysis time and memory grow
# with the file, and nobody reviews a fix in a 20 MB file.
DEFAULT_MAX_FILE_SIZE = 4 * 1024 * 1024
_SIZE_UNITS = {"": 1, "b": 1, "kb": 1024, "mb": 1024 * 1024}


class ConfigError(ValueError):
    pass


# The names whose presence in a directory the run asks about for every directory of its files (workspace and
# repository markers, settings files, .gitignore): a walk notes which of them each directory it lists holds
# (dalfix/discovery.py), so that one it did not see is known absent without a `stat` (`may_exist`).
PROBED_NAMES = frozenset({
    ".git", ".gitignore", "package.json", "pyproject.toml", CONFIG_NAME,
    "pnpm-workspace.yaml", "lerna.json", "nx.json", "rush.json",
})  # fmt: skip

_T = TypeVar("_T")
_probes: dict[tuple[str, Path], object] | None = None


@contextmanager
def memoized_probes() -> Iterator[None]:
    """Within a run, each directory is probed once for settings, manifests and repository markers (`probe`):
    finding the project of 1,740 files in 641 directories walked every ancestor of each (40k stat calls)."""
    global _probes
    saved, _probes = _probes, {}
    try:
        yield
    finally:
        _probes = saved


def probe(kind: str, directory: Path, compute: Callable[[], _T]) -> _T:
    """`compute()`, remembered per (kind, directory) inside `memoized_probes`, else computed each time."""
    if _probes is None:
        return compute()
    key = (kind, directory)
    if key not in _probes:
        _probes[key] = compute()
    return _probes[key]  # type: ignore[return-value]


def probed_value(kind: str, directory: Path) -> object | None:
    """What `probe` remembered for (kind, directory) in this run, without computing it; None when nothing."""
    return None if _probes is None else _probes.get((kind, directory))


def remember(kind: str, directory: Path, value: object) -> None:
    """Tell `probe` the answer for (kind, directory) inside `memoized_probes` (nothing outside it)."""
    if _probes is not None:
        _probes.setdefault((kind, directory), value)


def may_exist(directory: Path, name: str) -> bool:
    """False when this run's walk listed `directory` and saw no entry `name` in it (then there is no file, directory
    or link of that name: no `stat` need ask); True otherwise (names not in PROBED_NAMES, directories not walked)."""
    names = probed_value("names", directory)
    return names is None or name.lower() in names or name.lower() not in PROBED_NAMES  # type: ignore[operator]


def forget_probes(kind: str, under: Path, keep: Iterable[Path] = ()) -> None:
    """Forget what `probe` remembered for `kind` in `under` and the directories below it (but those in `keep`):
    for memos a run no longer needs (a finished workspace's walks)."""
    if _probes is None:
        return
    kept = set(keep)
    below = str(under).rstrip("/") + "/"
    for key in [k for k in _probes if k[0] == kind and k[1] not in kept]:
        if key[1] == under or str(key[1]).startswith(below):
            del _probes[key]


def forget_directory_probes(keep: Iterable[Path], kinds: Iterable[str] = ("discover",)) -> None:
    """Forget what `probe` remembered about every directory but those in `keep` (the walks, `kinds`, stay): once the
    runner has assigned each file its project, the answers about the directories the files were in (their project
    root, workspace, repository, settings file) are asked again only for project roots and the directories above
    them. A run over 8 copies of a 1,700-file tree held ~4 MiB of them (a key and a Path per directory and kind)."""
    if _probes is None:
        return
    kept, spared = set(keep), set(kinds)
    for key in [k for k in _probes if k[0] not in spared and k[1] not in kept]:
        del _probes[key]


def probed(kind: str) -> list[tuple[Path, Any]]:
    """The (directory, result) pairs `probe` remembered for `kind` in this run, oldest first."""
    return [(directory, result) for (each, directory), result in (_probes or {}).items() if each == kind]


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    # Extra expressions that are Drizzle database handles, e.g. "ctx.db" or "this.db".
    db_handles: tuple[str, ...] = ()
    dialect: str | None = None  # "postgresql" | "sqlite" | "mysql"
    driver: str | None = None  # e.g. "node-postgres", "node-postgres-client", "pglite"
    drizzle_version: str | None = None
    preview: bool = False
    batch_size: int | None = None  # DAL002: keys per batched statement (default: by dialect)
    max_file_size: int = DEFAULT_MAX_FILE_SIZE  # bytes
    cache_dir: Path | None = None  # where the persistent cache goes (dalfix/cache.py); relative to the file
    # DAL003: the module holding the project's `isUniqueViolation` (reused when it exists, else created there).
    unique_violation_module: Path | None = None
    # Also report and fix findings in test, seed, migration and script files (dalfix/analysis/setup_code.py).
    include_tests: bool = False
    # Files that are setup code whatever their names say, and files that are not (gitignore-style patterns relative
    # to the project root, like `exclude`); `not-setup-code` wins where both match.
    setup_code: tuple[str, ...] = ()
    not_setup_code: tuple[str, ...] = ()
    # Worker processes that check files (`--jobs`); None: the usable cores. Never changes what is found.
    jobs: int | None = None
    extra: dict[str, object] = field(default_factory=dict)


def find_project_root(start: Path, fallback: Path | None = None) -> Path:
    """The nearest ancestor holding dalfix settings (see `config_file_in`), else package.json, else `fallback`
    (the scanned directory)."""
    start = Path(os.path.abspath(start))
    base = start if start.is_dir() else start.parent
    for candidate in (base, *base.parents):
        if config_file_in(candidate) is not None:
            return candidate
    for candidate in (base, *base.parents):
        if probe("package.json", candidate, functools.partial(_has_manifest, candidate)):
            return candidate
    return fallback if fallback is not None else base


def _has_manifest(directory: Path) -> bool:
    return may_exist(directory, "package.json") and (directory / "package.json").is_file()


def config_file_in(directory: Path) -> Path | None:
    """The file holding dalfix settings in `directory`: dalfix.toml, else a pyproject.toml with `[tool.dalfix]`,
    else a package.json with a `"dalfix"` key; None when there is none."""
    return probe("config", directory, lambda: _config_file_in(directory))


def _config_file_in(directory: Path) -> Path | None:
    if may_exist(directory, CONFIG_NAME) and (directory / CONFIG_NAME).is_file():
        return directory / CONFIG_NAME
    for name, needle in (("pyproject.toml", b"tool.dalfix"), ("package.json", b'"dalfix"')):
        if not may_exist(directory, name):
            continue
        path = directory / name
        try:
            raw = path.read_bytes() if path.is_file() else b""
        except OSError:
            continue
        if needle in raw and _settings_of(path, raw, explicit=False) is not None:
            return path
    return None


def _settings_of(path: Path, raw: bytes, explicit: bool) -> dict[str, object] | None:
    """The dalfix settings table of a config file (None: the file has none; errors only when `explicit` or when
    the file is dalfix.toml, since a broken pyproject.toml or package.json may not be ours to judge)."""
    try:
        text = raw.decode("utf-8")
        if path.name == "package.json":
            document = json.loads(text)
            found = document.get("dalfix") if isinstance(document, dict) else None
        else:
            document = tomllib.loads(text)
            if path.name == "pyproject.toml":
                tool = document.get("tool", {})
                found = tool.get("dalfix") if isinstance(tool, dict) else None
            else:
                found = document.get("dalfix", document)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        if explicit or path.name == CONFIG_NAME:
            raise ConfigError(f"{path}: {exc}") from exc
        return None
    if found is None:
        if explicit:
            where = {"pyproject.toml": "a [tool.dalfix] table", "package.json": 'a "dalfix" key'}.get(path.name, "")
            raise ConfigError(f"{path}: no dalfix settings ({where or 'empty'})")
        return None
    if not isinstance(found, dict):
        raise ConfigError(f"{path}: the dalfix settings must be a table / an object")
    return found


def load_config(root: Path, explicit: Path | None = None) -> Config:
    """The settings of the project at `root`, or of the file `explicit` (`--config`) when given."""
    path = explicit if explicit is not None else config_file_in(root)
    if path is None:
        return Config()
    return load_config_file(path, explicit=explicit is not None)


def load_config_file(path: Path, explicit: bool = True) -> Config:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    data = _settings_of(path, raw, explicit) or {}
    unknown = set(data) - KNOWN_KEYS
    if unknown:
        raise ConfigError(f"{path}: unknown keys {', '.join(sorted(unknown))} (known: {', '.join(sorted(KNOWN_KEYS))})")

    def strings(key: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{path}: `{key}` must be a list of strings")
        return tuple(value)

    def patterns(key: str) -> tuple[str, ...]:
        value = strings(key)
        for pattern in value:
            try:
                pathspec.GitIgnoreSpec.from_lines([pattern])
            except Exception as exc:  # pathspec's error types vary between versions
                raise ConfigError(f"{path}: `{key}`: {pattern!r} is not a gitignore-style pattern ({exc})") from exc
        return value

    def optional_string(key: str) -> str | None:
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{path}: `{key}` must be a string")
        return value

    dialect = optional_string("dialect")
    if dialect is not None and dialect not in ("postgresql", "sqlite", "mysql"):
        raise ConfigError(f"{path}: `dialect` must be postgresql, sqlite or mysql")
    driver = optional_string("driver")
    from dalfix.analysis.drivers import KNOWN_DRIVERS

    if driver is not None and driver not in KNOWN_DRIVERS:
        raise ConfigError(f"{path}: unknown `driver` {driver!r} (known: {', '.join(sorted(KNOWN_DRIVERS))})")
    include_tests = data.get("include-tests", False)
    if not isinstance(include_tests, bool):
        raise ConfigError(f"{path}: `include-tests` must be true or false")
    batch_size = data.get("batch-size")
    if batch_size is not None and (not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1):
        raise ConfigError(f"{path}: `batch-size` must be a positive integer")
    jobs = data.get("jobs")
    if jobs is not None and (not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1):
        raise ConfigError(f"{path}: `jobs` must be a positive integer")
    return Config(
        path=path,
        jobs=jobs,
        batch_size=batch_size,
        select=strings("select"),
        ignore=strings("ignore"),
        exclude=strings("exclude"),
        db_handles=strings("db-handles"),
        dialect=dialect,
        driver=driver,
        drizzle_version=optional_string("drizzle-version"),
        preview=bool(data.get("preview", False)),
        max_file_size=_size(path, data.get("max-file-size", DEFAULT_MAX_FILE_SIZE)),
        cache_dir=path.parent / cache_dir if (cache_dir := optional_string("cache-dir")) is not None else None,
        unique_violation_module=_source_module(path, optional_string("unique-violation-module")),
        include_tests=include_tests,
        setup_code=patterns("setup-code"),
        not_setup_code=patterns("not-setup-code"),
    )


def _source_module(path: Path, value: str | None) -> Path | None:
    """`unique-violation-module`: a TypeScript file, relative to the settings file, inside its directory."""
    if value is None:
        return None
    module = Path(os.path.normpath(path.parent / value))
    if not module.name.endswith((".ts", ".mts", ".cts", ".tsx")) or not module.is_relative_to(path.parent):
        raise ConfigError(
            f'{path}: `unique-violation-module` must be a .ts file inside the project, e.g. "src/db/errors.ts"'
        )
    return module


def too_big(limit: int) -> str:
    """The skip reason of a file over `max-file-size`."""
    unit, scale = ("MB", 1024 * 1024) if limit >= 1024 * 1024 else ("KB", 1024) if limit >= 1024 else ("bytes", 1)
    return f"larger than max-file-size ({limit / scale:.4g} {unit})"


def _size(path: Path, value: object) -> int:
    """`max-file-size`: bytes, or a string such as "8 MB" or "512KB"."""
    match = re.fullmatch(r"\s*(\d+)\s*([kKmM]?[bB]?)\s*", value) if isinstance(value, str) else None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if match is not None and int(match.group(1)) > 0:
        return int(match.group(1)) * _SIZE_UNITS[match.group(2).lower()]
    raise ConfigError(f'{path}: `max-file-size` must be a positive number of bytes or a size such as "8 MB"')
