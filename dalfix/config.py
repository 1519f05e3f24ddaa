"""`dalfix.toml`: per-project settings, found by walking up from a scanned path."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

CONFIG_NAME = "dalfix.toml"

KNOWN_KEYS = {"select", "ignore", "exclude", "db-handles", "dialect", "driver", "drizzle-version", "preview"}


class ConfigError(ValueError):
    pass


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
    extra: dict[str, object] = field(default_factory=dict)


def find_project_root(start: Path, fallback: Path | None = None) -> Path:
    """The nearest ancestor holding dalfix.toml, else package.json, else `fallback` (the scanned directory)."""
    start = Path(os.path.abspath(start))
    base = start if start.is_dir() else start.parent
    for marker in (CONFIG_NAME, "package.json"):
        for candidate in (base, *base.parents):
            if (candidate / marker).is_file():
                return candidate
    return fallback if fallback is not None else base


def load_config(root: Path) -> Config:
    path = root / CONFIG_NAME
    if not path.is_file():
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    data = data.get("dalfix", data)
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
    return Config(
        path=path,
        select=strings("select"),
        ignore=strings("ignore"),
        exclude=strings("exclude"),
        db_handles=strings("db-handles"),
        dialect=dialect,
        driver=driver,
        drizzle_version=optional_string("drizzle-version"),
        preview=bool(data.get("preview", False)),
    )
