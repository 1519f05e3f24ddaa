"""What a rule sees: one parsed file, its vocabulary and style, and the facts of the project it belongs to."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from dalfix.analysis.drizzle import Vocabulary
from dalfix.config import Config
from dalfix.fixes import Applicability, Edit, Finding, Fix, NewFile
from dalfix.parsing import Node, ParsedFile, descendants_of_type, function_block_statements, line_indent
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
    # statements; None checks the whole file. Rules search through `searched_roots` (or the two helpers below).
    ranges: tuple[tuple[int, int], ...] | None = None

    def searched_roots(self) -> list[Node]:
        """The nodes a rule's searches start from: the tree's root, or the top-level statements of `ranges`."""
        root = self.parsed.root
        if self.ranges is None:
            return [root]
        wanted = set(self.ranges)
        return [c for c in root.named_children if (c.start_byte, c.end_byte) in wanted]

    def descendants(self, *types: str) -> list[Node]:
        """`descendants_of_type(root, *types)` over the searched roots, in source order."""
        return [n for top in self.searched_roots() for n in descendants_of_type(top, *types)]

    def function_blocks(self) -> list[list[Node]]:
        """`function_block_statements(root)` over the searched roots, in source order."""
        return [s for top in self.searched_roots() for s in function_block_statements(top)]

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
        return Finding(rule.code, rule.name, message or rule.message, start, end, fix, notes)


def relative_display(path: Path, base: Path | None = None) -> str:
    base = base or Path.cwd()
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        import os

        return Path(os.path.relpath(path, base)).as_posix()
