"""What a rule sees: one parsed file, its vocabulary and style, and the facts of the project it belongs to."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from dalfix.analysis.drizzle import Vocabulary
from dalfix.config import Config
from dalfix.fixes import Applicability, Edit, Finding, Fix, NewFile
from dalfix.parsing import Node, ParsedFile, descendants_of_type, enclosing_function, line_indent
from dalfix.render import SourceStyle, render_template

if TYPE_CHECKING:
    from dalfix.analysis.project import Project
    from dalfix.rules import Rule


@dataclass
class FileContext:
    parsed: ParsedFile
    project: Project
    config: Config = field(default_factory=Config)
    # A fix round's re-check of the top-level statements it edited (dalfix/rounds.py): the byte ranges of those
    # statements; None checks the whole file. Rules search through `descendants`, `function_blocks` or `searched`.
    ranges: tuple[tuple[int, int], ...] | None = None

    def searched(self, nodes: Iterable[Node]) -> list[Node]:
        """The nodes inside `ranges` (all of them without ranges), in their order."""
        if self.ranges is None:
            return list(nodes)
        ranges = self.ranges
        return [n for n in nodes if any(s <= n.start_byte and n.end_byte <= e for s, e in ranges)]

    def descendants(self, *types: str) -> list[Node]:
        """`descendants_of_type(root, *types)` inside the searched statements, in source order: the whole tree's
        search filtered (kept per tree, parsing._RootIndex), not a search of each statement of its own."""
        return self.searched(descendants_of_type(self.parsed.root, *types))

    def function_blocks(self) -> list[list[Node]]:
        """`function_block_statements(root)` inside the searched statements, in source order."""
        return [
            [c for c in block.named_children if c.type != "comment"]
            for block in self.descendants("statement_block")
            if enclosing_function(block) is not None
        ]

    @cached_property
    def vocabulary(self) -> Vocabulary:
        return self.project.vocabulary_for(self.parsed)

    @cached_property
    def style(self) -> SourceStyle:
        from dalfix.rounds import style_of

        return style_of(self.parsed)

    @property
    def source(self) -> bytes:
        return self.parsed.source

    def text(self, node: Node) -> str:
        return self.parsed.text(node)

    def indent_at(self, node: Node) -> str:
        return line_indent(self.parsed.source, node.start_byte)

    def render(self, template: str, at: Node, **variables: object) -> str:
        return render_template(template, self.style, self.indent_at(at), **variables)

    def finding(
        self,
        rule: type[Rule] | Rule,
        node: Node | tuple[int, int],
        message: str | None = None,
        edits: list[Edit] | None = None,
        applicability: Applicability | None = None,
        imports: frozenset[tuple[str, str]] = frozenset(),
        notes: tuple[str, ...] = (),
        creates: tuple[NewFile, ...] = (),
        drops_comments: tuple[str, ...] = (),
    ) -> Finding:
        start, end = (node.start_byte, node.end_byte) if not isinstance(node, tuple) else node
        fix = None
        if applicability is not None:
            fix = Fix(tuple(edits or ()), applicability, rule.fix_title, imports, creates, drops_comments)
        return Finding(rule.code, rule.name, one_line(message or rule.message), start, end, fix, notes)


def one_line(message: str) -> str:
    """A message on one line: code quoted from a chain laid over several lines (`subs\n    .filter(…)`) reads as
    it would on one (`subs.filter(…)`), other line breaks and their indentation become one space."""
    if "\n" not in message:
        return message
    message = re.sub(r"\s*\n\s*(?=[.?)\]}])", "", message)
    message = re.sub(r"(?<=[(\[{])\s*\n\s*", "", message)
    return re.sub(r"\s*\n\s*", " ", message)


def relative_display(path: Path, base: Path | None = None) -> str:
    base = base or Path.cwd()
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        import os

        return Path(os.path.relpath(path, base)).as_posix()
