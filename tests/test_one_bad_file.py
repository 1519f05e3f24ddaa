"""One bad entry never stops the run: each becomes a per-file (or per-function) skip with a reason, and the
rest of the tree is still checked and fixed."""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dalfix.context import FileContext
from dalfix.discovery import Skipped, discover, read_source
from dalfix.fixes import Applicability, Edit, Finding
from dalfix.parsing import MAX_NESTING, parse_file
from dalfix.rules import Rule
from dalfix.runner import RunOptions, run

NESTED = 10_000


@pytest.fixture
def tree(workdir: Path, dal001) -> Path:  # type: ignore[no-untyped-def]
    """A directory with one good file (the DAL001 example) beside whatever a test adds."""
    root = workdir / "tree"
    root.mkdir()
    (root / "good.ts").write_text(dal001.before, encoding="utf-8")
    return root


@pytest.fixture
def no_hang() -> Iterator[None]:
    """Fail, instead of hanging the suite, when the code under test blocks."""

    def timeout(*args: object) -> None:
        raise TimeoutError("dalfix blocked")

    previous = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(30)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def skipped(root: Path, *given: Path) -> dict[str, str]:
    return {
        item.path.relative_to(root).as_posix(): item.reason
        for item in discover(list(given) or [root])
        if isinstance(item, Skipped)
    }


def assert_good_file_fixed(result, tree: Path, dal001) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 1, result.stderr
    assert (tree / "good.ts").read_text(encoding="utf-8") == dal001.after


# ---- entries discovery cannot read ---------------------------------------------------------------------


def test_a_file_symlink_loop_is_skipped(run_cli, tree, dal001) -> None:
    (tree / "loop1.ts").symlink_to("loop2.ts")
    (tree / "loop2.ts").symlink_to("loop1.ts")
    assert skipped(tree) == {"loop1.ts": "symlink loop", "loop2.ts": "symlink loop"}
    assert skipped(tree, tree / "loop1.ts") == {"loop1.ts": "symlink loop"}
    result = run_cli("apply", "tree")
    assert "tree/loop1.ts: skipped: symlink loop" in result.stderr
    assert_good_file_fixed(result, tree, dal001)


def test_a_gitignore_line_pathspec_rejects_is_left_out_with_a_warning(run_cli, tree, dal001) -> None:
    (tree / ".git").mkdir()
    (tree / ".gitignore").write_text("foo\\\nignored.ts\n", encoding="utf-8")
    (tree / "ignored.ts").write_text(dal001.before, encoding="utf-8")
    assert skipped(tree) == {".gitignore:1": "a pattern dalfix cannot read; the line is ignored"}
    result = run_cli("apply", "tree")
    assert "tree/.gitignore:1: skipped: a pattern dalfix cannot read; the line is ignored" in result.stderr
    assert_good_file_fixed(result, tree, dal001)
    assert (tree / "ignored.ts").read_text(encoding="utf-8") == dal001.before, "the other lines still apply"


def test_a_directory_whose_path_is_too_long_is_skipped(run_cli, tree, dal001) -> None:
    deep = os.open(tree, os.O_RDONLY)
    try:
        for _ in range(25):  # 25 x 201 bytes: beyond PATH_MAX (4096) on Linux
            os.mkdir("d" * 200, dir_fd=deep)
            inner = os.open("d" * 200, os.O_RDONLY, dir_fd=deep)
            os.close(deep)
            deep = inner
        with open(os.open("x.ts", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=deep), "w") as handle:
            handle.write(dal001.before)
    finally:
        os.close(deep)
    reasons = list(skipped(tree).values())
    assert reasons == ["cannot list directory: File name too long"]
    result = run_cli("apply", "tree")
    assert "cannot list directory: File name too long" in result.stderr
    assert_good_file_fixed(result, tree, dal001)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_named_ts_is_skipped_instead_of_blocking(run_cli, tree, dal001, no_hang) -> None:
    os.mkfifo(tree / "pipe.ts")
    assert skipped(tree) == {"pipe.ts": "not a regular file (a FIFO)"}
    assert skipped(tree, tree / "pipe.ts") == {"pipe.ts": "not a regular file (a FIFO)"}
    with pytest.raises(OSError, match="not a regular file"):
        read_source(tree / "pipe.ts")  # what the runner reads with: checks the opened file, does not block
    result = run_cli("apply", "tree", "tree/pipe.ts")
    assert "pipe.ts: skipped: not a regular file (a FIFO)" in result.stderr
    assert_good_file_fixed(result, tree, dal001)


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS file systems refuse names that are not UTF-8")
@pytest.mark.parametrize("format_", ["text", "json", "sarif"])
def test_a_file_name_that_is_not_utf8_is_reported_in_every_format(format_, run_cli, tree, dal001) -> None:
    (tree / os.fsdecode(b"caf\xe9.ts")).write_text(dal001.before, encoding="utf-8")
    result = run_cli("check", "--format", format_, "tree")
    assert result.exit_code == 1, result.stderr
    if format_ == "text":
        assert os.fsencode("tree/caf\udce9.ts:") in result.stdout_bytes  # the name's own bytes, like git
        return
    document = json.loads(result.stdout_bytes.decode("utf-8"))  # strict UTF-8: no lone surrogates
    if format_ == "json":
        assert sorted(f["path"] for f in document["findings"]) == ["tree/caf\\xe9.ts", "tree/good.ts"]
    else:
        uris = sorted(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in document["runs"][0]["results"]
        )
        assert uris == ["tree/caf%E9.ts", "tree/good.ts"]  # percent-encoded bytes: the exact file


# ---- deep nesting: only the function is skipped ---------------------------------------------------------


def deep_functions() -> dict[str, str]:
    reads = "const a = await db.select().from(users); const b = await db.select().from(renders);"
    return {
        "blocks": "export async function deep() {\n" + "{" * NESTED + reads + "}" * NESTED + "\n}\n",
        "arrays": "export async function deep() {\n const x = " + "[" * NESTED + "1" + "]" * NESTED + ";\n" + reads
        + "\n return [a, b, x];\n}\n",
        "ifs": "export async function deep(id: string) {\n" + "if (id) {" * NESTED + reads + "}" * NESTED + "\n}\n",
        "arrow": "export const deep = async () => " + "[" * NESTED + "1" + "]" * NESTED + ";\n",
        "top-level": "export const table = " + "[" * NESTED + "1" + "]" * NESTED + ";\n",
    }  # fmt: skip


@pytest.mark.parametrize("shape", list(deep_functions()))
def test_deep_nesting_skips_only_that_function(shape, run_cli, tree, dal001) -> None:
    deep = deep_functions()[shape]
    path = tree / "good.ts"
    path.write_text(dal001.before + deep, encoding="utf-8")
    result = run_cli("check", "tree")
    assert result.exit_code == 1, result.stderr
    assert "RecursionError" not in result.stderr and "internal error" not in result.stderr
    assert "1 function(s) skipped: nested too deeply to analyse" in result.stderr
    assert len(result.stdout.splitlines()) == 1, "the other function's finding is kept"
    applied = run_cli("apply", "tree")
    assert applied.exit_code == 1, applied.stderr
    assert path.read_text(encoding="utf-8") == dal001.after + deep, "the deep part is kept byte for byte"


def test_nesting_below_the_limit_is_analysed(tmp_path: Path) -> None:
    shallow = "{" * (MAX_NESTING // 4) + "1;" + "}" * (MAX_NESTING // 4)
    parsed = parse_file(tmp_path / "a.ts", f"function f() {{ {shallow} }}\n".encode())
    assert parsed.masks == [] and parsed.source == parsed.original


def test_masked_bytes_keep_offsets_and_lines(tmp_path: Path) -> None:
    deep = "function f() {\n" + "[" * NESTED + "\n" + "]" * NESTED + "\n}\nconst after = 1;\n"
    parsed = parse_file(tmp_path / "a.ts", deep.encode())
    assert len(parsed.source) == len(parsed.original)
    assert parsed.source.count(b"\n") == parsed.original.count(b"\n")
    assert parsed.original == deep.encode()
    assert not parsed.root.has_error
    assert parsed.text(parsed.root.named_children[-1]) == "const after = 1;"


class _EditInsideTheDeepFunction(Rule):
    """Test rule: an edit inside the masked body of `deep` (a rule that got an offset wrong)."""

    code = "DAL901"
    name = "test-edit-masked"
    message = "test"
    fix_title = "test"
    fix_availability = "always"

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        mask = ctx.parsed.masks[0]
        edit = Edit(mask.start + 40, mask.start + 41, "x")
        yield ctx.finding(self, (0, 1), edits=[edit], applicability=Applicability.SAFE)


def test_the_applier_refuses_an_edit_of_masked_bytes(tmp_path: Path) -> None:
    path = tmp_path / "a.ts"
    source = "function deep() {\n" + "[" * NESTED + "1" + "]" * NESTED + ";\n}\n"
    path.write_text(source, encoding="utf-8")
    run_result = run([path], RunOptions(rules=[_EditInsideTheDeepFunction], fix_threshold=Applicability.SAFE))
    (result,) = run_result.files
    assert result.status == "unchanged"
    assert result.fixed == source.encode()
    # The finding stays, without its fix: `check` counts only the fixes `apply` can make.
    ((_, finding),) = run_result.findings
    assert finding.applicability == Applicability.DISPLAY_ONLY and not finding.fix.edits  # type: ignore[union-attr]
    assert "masked: too deeply nested" in finding.message
