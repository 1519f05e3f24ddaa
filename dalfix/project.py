"""Project-level facts, computed once per run: configuration, driver and dialect, handles, summaries."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dalfix.config import Config, load_config
from dalfix.drizzle import Vocabulary
from dalfix.effects import EffectAnalyzer
from dalfix.parsing import ParsedFile


@dataclass
class Project:
    root: Path
    config: Config = field(default_factory=Config)
    files: dict[Path, ParsedFile] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path) -> Project:
        return cls(root=root, config=load_config(root))

    def vocabulary_for(self, parsed: ParsedFile) -> Vocabulary:
        configured = ("db", *self.config.db_handles)
        return Vocabulary.build(parsed, configured)

    def prepare(self, files: dict[Path, ParsedFile]) -> None:
        """Index the project's parsed files (cross-file facts are computed here, once per run)."""
        self.files = files

    def parallel_reads_help_for(self, parsed: ParsedFile) -> bool:
        """Whether concurrent reads can run on separate connections (a pool) for this file's handles."""
        return True

    def analyzer_for(self, parsed: ParsedFile, vocabulary: Vocabulary) -> EffectAnalyzer:
        return EffectAnalyzer(parsed, vocabulary, None)
