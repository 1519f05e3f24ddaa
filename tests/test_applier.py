"""The applier's guarantees, whatever a rule does: no new syntax errors, no lost comments, a fixpoint."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from dalfix.context import FileContext
from dalfix.fixes import Applicability, Edit, Finding
from dalfix.rules import Rule
from dalfix.runner import RunOptions, run


class _ReplaceFirstLine(Rule):
    """Test rule: replaces the first `const` statement with `replacement`."""

    code = "DAL900"
    name = "test-replace"
    message = "test"
    fix_title = "test"
    fix_availability = "always"
    replacement = ""

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        for node in ctx.parsed.root.named_children:
            if node.type == "lexical_declaration" and ctx.text(node) != self.replacement:
                end = node.next_sibling.end_byte if node.next_sibling is not None else node.end_byte
                edit = Edit(node.start_byte, end, self.replacement)
                yield ctx.finding(self, node, edits=[edit], applicability=Applicability.SAFE)
                return


def _run_with(replacement: str, source: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    rule = type("Rule", (_ReplaceFirstLine,), {"replacement": replacement})
    path = tmp_path / "a.ts"
    path.write_text(source)
    (result,) = run([path], RunOptions(rules=[rule], fix_threshold=Applicability.SAFE)).files
    return result


def test_a_fix_that_would_lose_a_comment_is_dropped_and_reported(tmp_path: Path) -> None:
    result = _run_with("const a = 2;", "const a = 1; // keep me\nconst b = 2;\n", tmp_path)
    assert result.fixed == result.original
    assert any("would lose a comment" in m for m in result.messages)


def test_a_fix_that_keeps_comments_reindented_is_applied(tmp_path: Path) -> None:
    result = _run_with("const a = 2; //   keep   me", "const a = 1; // keep me\nconst b = 2;\n", tmp_path)
    assert result.fixed == b"const a = 2; //   keep   me\nconst b = 2;\n"


def test_a_fix_that_changes_the_line_a_ts_directive_suppresses_is_not_applied(tmp_path: Path) -> None:
    """`// @ts-expect-error` suppresses the line after it: a fix rewriting that line moves what it suppresses (a
    statement regrouped into `Promise.all([` under it fails the build: TS2578, and the hidden error surfaces)."""
    for directive in ("// @ts-expect-error legacy ids", "// @ts-ignore"):
        source = f"{directive}\nconst a = 1; // c\nconst b = 2;\n"
        result = _run_with("const a = 2; // c", source, tmp_path)
        assert result.fixed == result.original
        assert any("a `// @ts-expect-error` or `// @ts-ignore` above it suppresses" in m for m in result.messages)


def test_a_fix_beside_a_ts_directive_it_leaves_alone_is_applied(tmp_path: Path) -> None:
    source = "const a = 1; // c\n// @ts-expect-error legacy ids\nconst b = 2;\n"
    result = _run_with("const a = 2; // c", source, tmp_path)
    assert result.fixed == b"const a = 2; // c\n// @ts-expect-error legacy ids\nconst b = 2;\n"
    assert not any("@ts-expect-error" in m for m in result.messages)


def test_a_fix_that_breaks_syntax_is_dropped_and_reported(tmp_path: Path) -> None:
    result = _run_with("const a = (;", "const a = 1;\nconst b = 2;\n", tmp_path)
    assert result.fixed == result.original
    assert any("invalid syntax" in m for m in result.messages)


def test_a_fix_that_never_converges_is_reported(tmp_path: Path) -> None:
    # Each round replaces the first declaration with a different one: no fixpoint.
    class Flip(_ReplaceFirstLine):
        def check(self, ctx: FileContext) -> Iterator[Finding]:
            node = ctx.parsed.root.named_children[0]
            replacement = "const a = 2;" if ctx.text(node) == "const a = 1;" else "const a = 1;"
            yield ctx.finding(self, node, edits=[Edit(node.start_byte, node.end_byte, replacement)],
                              applicability=Applicability.SAFE)  # fmt: skip

    path = tmp_path / "a.ts"
    path.write_text("const a = 1;\n")
    (result,) = run([path], RunOptions(rules=[Flip], fix_threshold=Applicability.SAFE)).files
    assert any("did not converge" in m for m in result.messages)


class _RemoveFirstWithComment(Rule):
    """Test rule: removes the first `const` statement and the `//` line above it, declaring `declared` dropped."""

    code = "DAL901"
    name = "test-remove"
    message = "test"
    fix_title = "test"
    fix_availability = "always"
    declared: tuple[str, ...] = ()

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        for node in ctx.parsed.root.named_children:
            comment = node.prev_sibling
            if node.type == "lexical_declaration" and comment is not None and comment.type == "comment":
                edit = Edit(comment.start_byte, node.end_byte + 1, "")
                yield ctx.finding(self, node, edits=[edit], applicability=Applicability.SAFE,
                                  drops_comments=self.declared)  # fmt: skip
                return


def test_a_fix_may_delete_the_comments_it_declares_and_no_other(tmp_path: Path) -> None:
    source = "// Get a\nconst a = 1;\nconst b = 2;\n"
    path = tmp_path / "a.ts"
    for declared, applied in ((("//Geta",), True), (("//Getb",), False), ((), False)):
        path.write_text(source)
        rule = type("Rule", (_RemoveFirstWithComment,), {"declared": declared})
        (result,) = run([path], RunOptions(rules=[rule], fix_threshold=Applicability.SAFE)).files
        assert (result.fixed == b"const b = 2;\n") is applied
        assert any("would lose a comment" in m for m in result.messages) is not applied
