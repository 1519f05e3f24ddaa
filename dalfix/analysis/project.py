"""Project-level facts, computed once per run: configuration, driver and dialect, handles, summaries."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pathspec

from dalfix.analysis.drivers import KNOWN_DRIVERS, DriverInfo, drizzle_version
from dalfix.analysis.drizzle import Vocabulary
from dalfix.analysis.effects import EffectAnalyzer
from dalfix.analysis.modules import ModuleResolver
from dalfix.analysis.schema.model import SchemaModel
from dalfix.analysis.summaries import Summaries
from dalfix.analysis.workspace import Workspace, workspace_for
from dalfix.config import Config, load_config
from dalfix.parsing import ParsedFile, descendants_of_type
from dalfix.rules import Rule

SERIAL_PACKAGES = frozenset({"@electric-sql/pglite", "better-sqlite3", "@libsql/client", "bun:sqlite"})
CONCURRENT_PACKAGES = frozenset({"pg", "postgres", "mysql2", "@neondatabase/serverless", "@vercel/postgres"})


@dataclass
class Project:
    root: Path
    config: Config = field(default_factory=Config)
    files: dict[Path, ParsedFile] = field(default_factory=dict)
    rules: Sequence[type[Rule]] = ()
    workspace: Workspace = field(default=None)  # type: ignore[assignment]  # set in __post_init__

    def __post_init__(self) -> None:
        if self.workspace is None:
            self.workspace = workspace_for(self.root)

    @classmethod
    def load(cls, root: Path, workspace: Workspace | None = None, config_file: Path | None = None) -> Project:
        """The project at `root`; projects of one workspace share `workspace` (manifests are read once);
        `config_file` (`--config`) replaces the settings found at `root`."""
        return cls(root=root, config=load_config(root, config_file), workspace=workspace)  # type: ignore[arg-type]

    def prepare(self, files: dict[Path, ParsedFile]) -> None:
        """Index the project's parsed files; cross-file facts are computed lazily and memoized."""
        self.files = files
        memos = ("summaries", "transaction_parameters", "_vocabularies", "_plain_vocabularies", "_analyzers", "schema")
        for memo in memos:
            self.__dict__.pop(memo, None)

    @cached_property
    def _exclude_spec(self) -> pathspec.PathSpec | None:
        return pathspec.GitIgnoreSpec.from_lines(list(self.config.exclude)) if self.config.exclude else None

    def excludes(self, path: Path) -> bool:
        """Whether dalfix.toml's `exclude` (relative to the project root) names this file."""
        spec = self._exclude_spec
        return (
            spec is not None
            and path.is_relative_to(self.root)
            and spec.match_file(path.relative_to(self.root).as_posix())
        )

    @cached_property
    def resolver(self) -> ModuleResolver:
        return ModuleResolver(self.workspace)

    @cached_property
    def summaries(self) -> Summaries:
        return Summaries(self)

    @cached_property
    def schema(self) -> SchemaModel:
        """The Drizzle schema model, read once from the project's schema files (dalfix/analysis/schema)."""
        from dalfix.analysis.schema import read_schema

        return read_schema(self)

    @cached_property
    def drizzle_version(self) -> tuple[int, ...] | None:
        if self.config.drizzle_version:
            from dalfix.analysis.drivers import _version_tuple

            return _version_tuple(self.config.drizzle_version)
        return drizzle_version(self.root, self.workspace)

    def vocabulary_for(self, parsed: ParsedFile) -> Vocabulary:
        cache = self.__dict__.setdefault("_vocabularies", {})
        if parsed.path not in cache or cache[parsed.path].parsed is not parsed:
            parameters = self.transaction_parameters.get(parsed.path, ())
            vocabulary = self._plain_vocabulary(parsed)
            for function, name in parameters:
                # Located by name in this parse: `parsed` may be a later fix round's re-parse of the file.
                node = self.summaries.function_node_in(parsed, function)
                if node is not None:
                    vocabulary.typed_tx_params.append((node.start_byte, node.end_byte, name))
            cache[parsed.path] = vocabulary
        return cache[parsed.path]

    def _plain_vocabulary(self, parsed: ParsedFile) -> Vocabulary:
        """The file's vocabulary before transaction parameters from its callers are added (built once)."""
        cache = self.__dict__.setdefault("_plain_vocabularies", {})
        cached = cache.get(parsed.path)
        if cached is None or cached.parsed is not parsed:
            handles = set(self.summaries.file_handles(parsed)) if parsed.path in self.files else set()
            cached = cache[parsed.path] = Vocabulary.build(parsed, ("db", *self.config.db_handles), handles)
        return cached

    @cached_property
    def transaction_parameters(self) -> dict[Path, list[tuple[str, str]]]:
        """Parameters some caller passes a transaction handle to: (function, parameter name) per file.

        Inside such a function the parameter is a transaction even when it is typed as a database
        (`PgTransaction` extends `PgDatabase`), so nothing there may assume a pool.
        """
        found: dict[Path, list[tuple[str, str]]] = {}
        for parsed in self.files.values():
            vocabulary = self._plain_vocabulary(parsed)
            for call in descendants_of_type(parsed.root, "call_expression"):
                args = call.child_by_field_name("arguments")
                if args is None:
                    continue
                positions = [
                    i
                    for i, arg in enumerate(args.named_children)
                    if arg.type == "identifier" and vocabulary.handle_kind(arg, arg) == "tx"
                ]
                if not positions:
                    continue
                target = self.summaries.callee(parsed, call)
                node = self.summaries.function_node(*target) if target is not None else None
                params = node.child_by_field_name("parameters") if node is not None else None
                if target is None or params is None:
                    continue
                names = [p.child_by_field_name("pattern") for p in params.named_children]
                module = self.summaries.module(target[0])
                for index in positions:
                    pattern = names[index] if index < len(names) else None
                    if module is not None and pattern is not None and pattern.type == "identifier":
                        found.setdefault(target[0], []).append((target[1], module.parsed.text(pattern)))
        return found

    def analyzer_for(self, parsed: ParsedFile, vocabulary: Vocabulary) -> EffectAnalyzer:
        cache = self.__dict__.setdefault("_analyzers", {})
        cached = cache.get(parsed.path)
        if cached is None or cached.parsed is not parsed or cached.vocabulary is not vocabulary:
            cached = cache[parsed.path] = EffectAnalyzer(parsed, vocabulary, self.summaries)
        return cached

    # ---- drivers ------------------------------------------------------------------------------
    def drivers_for(self, parsed: ParsedFile) -> list[DriverInfo]:
        if self.config.driver:
            return [DriverInfo(self.config.driver, self.config.dialect, f"{self.config.path}")]
        return list(self.summaries.file_handles(parsed).values())

    @cached_property
    def project_driver_concurrency(self) -> bool | None:
        """From every drizzle() handle in the scanned files, else package.json: pool (True), serial (False)."""
        drivers = [d for parsed in self.files.values() for d in self.summaries.file_handles(parsed).values()]
        known = {d.concurrent for d in drivers if d.concurrent is not None}
        if len(known) == 1:
            return known.pop()
        if known:
            return None
        manifest = self.root / "package.json"
        try:
            deps = (
                json.loads(manifest.read_text(encoding="utf-8")).get("dependencies", {}) if manifest.is_file() else {}
            )
        except (OSError, ValueError):
            deps = {}
        names = set(deps)
        if names & SERIAL_PACKAGES and not names & CONCURRENT_PACKAGES:
            return False
        return None

    def parallel_reads_help_for(self, parsed: ParsedFile) -> bool:
        """False when this file's handles run on one connection or synchronously (Promise.all gains nothing)."""
        if self.config.driver and self.config.driver not in KNOWN_DRIVERS:
            return True  # validated in config loading; unknown names are reported there
        drivers = self.drivers_for(parsed)
        if any(d.concurrent is False for d in drivers):
            return False
        if any(d.concurrent for d in drivers):
            return True
        return self.project_driver_concurrency is not False
