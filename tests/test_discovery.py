"""Which files a run scans and which it skips (with a reason), and how it treats files it cannot fully parse."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path, PurePosixPath

import pathspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dalfix.discovery import Skipped, any_pattern_regex, discover, is_source_file, looks_generated
from dalfix.parsing import parse_bytes
from dalfix.rules import all_rules
from dalfix.runner import RunOptions, run


def touch(root: Path, *names: str, content: str = "export const x = 1;\n") -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")


def found(root: Path, *paths: Path | str, exclude: tuple[str, ...] = ()) -> list[str]:
    """Files discovered (relative to root); skipped items as 'path: reason'."""
    out = []
    for item in discover([root / p for p in paths] if paths else [root], exclude):
        if isinstance(item, Skipped):
            out.append(f"{item.path.relative_to(root).as_posix()}: {item.reason}")
        else:
            out.append(item.relative_to(root).as_posix())
    return out


def git_init(path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(path)], check=True, capture_output=True)


# ---- walking directories ------------------------------------------------------------------------------


def test_recurses_in_a_stable_order(tmp_path) -> None:
    touch(tmp_path, "b.ts", "a.ts", "src/z.mts", "src/deep/er/c.cts", "src/view.tsx", "src/b/x.ts")
    assert found(tmp_path) == ["a.ts", "b.ts", "src/view.tsx", "src/z.mts", "src/b/x.ts", "src/deep/er/c.cts"]


def test_only_typescript_sources(tmp_path) -> None:
    touch(tmp_path, "a.ts", "b.js", "c.json", "d.d.ts", "e.d.mts", "f.d.cts", "README.md", "g.tsx", "h.ts.bak")
    assert found(tmp_path) == ["a.ts", "g.tsx"]


@pytest.mark.parametrize("directory", ["node_modules", "src/node_modules", ".git", "dist"])
def test_skipped_directories(directory, tmp_path) -> None:
    touch(tmp_path, "a.ts", f"{directory}/pkg/index.ts")
    assert found(tmp_path) == ["a.ts"]


def test_explicitly_named_files_are_included(tmp_path) -> None:
    touch(tmp_path, ".gitignore", content="ignored/\n")
    touch(tmp_path, "node_modules/pkg/index.ts", "ignored/x.ts")
    git_init(tmp_path)
    assert found(tmp_path) == []
    assert found(tmp_path, "node_modules/pkg/index.ts", "ignored/x.ts") == ["node_modules/pkg/index.ts", "ignored/x.ts"]


def test_a_named_file_is_listed_once(tmp_path) -> None:
    touch(tmp_path, "a.ts", "b.ts")
    assert found(tmp_path, "a.ts", ".", "a.ts") == ["a.ts", "b.ts"]


def test_a_named_file_that_is_not_typescript_is_skipped_with_a_reason(tmp_path) -> None:
    touch(tmp_path, "notes.md", "types.d.ts")
    assert found(tmp_path, "notes.md", "types.d.ts") == [
        "notes.md: not a TypeScript file",
        "types.d.ts: not a TypeScript file",
    ]


def test_a_nonexistent_path_is_skipped_with_a_reason(tmp_path) -> None:
    touch(tmp_path, "a.ts")
    assert found(tmp_path, "missing.ts", "a.ts", "missing-dir") == [
        "missing.ts: no such file or directory",
        "a.ts",
        "missing-dir: no such file or directory",
    ]


def test_the_cli_names_a_nonexistent_path(run_cli, workdir, dal001) -> None:
    (workdir / "files.ts").write_text(dal001.before, encoding="utf-8")
    result = run_cli("check", "typo.ts", "files.ts")
    assert result.exit_code == 2  # a mistyped path is a usage error, though the other files are still checked
    assert "typo.ts: skipped: no such file or directory" in result.stderr
    assert "1 no such file or directory" in result.stderr
    assert result.stdout.startswith("files.ts:")


def test_exclude_patterns(tmp_path) -> None:
    touch(tmp_path, "a.ts", "gen/b.ts", "src/c.test.ts", "src/d.ts")
    assert found(tmp_path, exclude=("gen/", "*.test.ts")) == ["a.ts", "src/d.ts"]


# ---- .gitignore ---------------------------------------------------------------------------------------


def test_gitignore_is_honoured_at_every_level(tmp_path) -> None:
    git_init(tmp_path)
    touch(tmp_path, ".gitignore", content="build/\n*.generated.ts\n")
    touch(tmp_path, "sub/.gitignore", content="ignored.ts\n!keep.generated.ts\n")
    touch(tmp_path, "sub/deep/.gitignore", content="/local.ts\n")
    touch(
        tmp_path,
        "a.ts",
        "ignored.ts",
        "x.generated.ts",
        "build/out.ts",
        "sub/ignored.ts",
        "sub/kept.ts",
        "sub/keep.generated.ts",
        "sub/deep/ignored.ts",
        "sub/deep/local.ts",
        "sub/deep/more/local.ts",
    )
    assert found(tmp_path) == ["a.ts", "ignored.ts", "sub/keep.generated.ts", "sub/kept.ts", "sub/deep/more/local.ts"]


def test_gitignore_agrees_with_git(tmp_path) -> None:
    git_init(tmp_path)
    touch(tmp_path, ".gitignore", content="build/\n*.generated.ts\n/only-root.ts\ntemp*\n!temp-keep.ts\ndocs/**/*.ts\n")
    touch(tmp_path, "sub/.gitignore", content="ignored.ts\n!keep.generated.ts\ndeep/\n# a comment\n\\#hash.ts\n")
    touch(tmp_path, "other/.gitignore", content="!*.generated.ts\nnested/*.ts\n")
    names = [
        "a.ts", "only-root.ts", "x.generated.ts", "temp1.ts", "temp-keep.ts", "build/out.ts", "docs/a/b/c.ts",
        "docs/readme.ts", "sub/only-root.ts", "sub/ignored.ts", "sub/kept.ts", "sub/keep.generated.ts",
        "sub/deep/x.ts", "sub/#hash.ts", "sub/temp-keep.ts", "other/y.generated.ts", "other/nested/z.ts",
        "other/nested/more/w.ts", "other/temp2.ts",
    ]  # fmt: skip
    touch(tmp_path, *names)
    listed = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard", "-z"], cwd=tmp_path, capture_output=True, check=True
    ).stdout.decode()
    by_git = sorted(name for name in listed.split("\0") if name.endswith(".ts"))
    assert sorted(found(tmp_path)) == by_git
    assert "sub/keep.generated.ts" in by_git and "x.generated.ts" not in by_git  # the tree tests what it means to


def test_gitignore_above_the_repository_root_is_not_read(tmp_path) -> None:
    touch(tmp_path, ".gitignore", content="*.ts\n")
    repo = tmp_path / "repo"
    git_init(repo)
    touch(repo, "a.ts", "src/b.ts")
    assert found(repo) == ["a.ts", "src/b.ts"]


def test_gitignore_of_the_repository_applies_when_scanning_a_subdirectory(tmp_path) -> None:
    git_init(tmp_path)
    touch(tmp_path, ".gitignore", content="src/legacy/\n")
    touch(tmp_path, "src/new.ts", "src/legacy/old.ts")
    assert found(tmp_path, "src") == ["src/new.ts"]


# ---- generated files ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "// @generated by drizzle-kit\n",
        "/* DO NOT EDIT: produced by the schema compiler */\n",
        "// This file was auto-generated.\n",
        "\n\n\n\n// @generated\n",
    ],
)
def test_generated_files_are_skipped_with_a_reason(header, run_cli, workdir, dal001) -> None:
    path = workdir / "schema.ts"
    path.write_text(header + dal001.before, encoding="utf-8")
    result = run_cli("apply", "schema.ts")
    assert result.exit_code == 0
    assert "1 skipped (1 generated file)" in result.stderr
    assert path.read_text(encoding="utf-8") == header + dal001.before


def test_skipped_generated_files_are_counted_in_the_plural(run_cli, workdir, dal001) -> None:
    for name in ("a.ts", "b.ts"):
        (workdir / name).write_text("// @generated\n" + dal001.before, encoding="utf-8")
    (workdir / "c.ts").write_bytes(b"\xff\xfe not utf-8\n")
    result = run_cli("check", ".")
    assert "3 skipped (2 generated files, 1 not UTF-8)" in result.stderr


def test_a_marker_after_the_first_lines_does_not_make_a_file_generated(run_cli, workdir, dal001) -> None:
    path = workdir / "service.ts"
    path.write_text("\n" * 6 + "// DO NOT EDIT below without a review\n" + dal001.before, encoding="utf-8")
    assert not looks_generated(path.read_bytes()[:4096])
    result = run_cli("apply", "service.ts")
    assert result.exit_code == 1
    assert "Promise.all" in path.read_text(encoding="utf-8")


# ---- what gets parsed and how -------------------------------------------------------------------------


def test_tsx_files_are_parsed_with_the_tsx_grammar(run_cli, workdir, dal001) -> None:
    def as_component(text: str) -> str:
        return text.replace("return { file, graph };", "return <FileView file={file} graph={graph} />;")

    before, after = as_component(dal001.before), as_component(dal001.after)
    assert parse_bytes(before.encode(), "typescript").root_node.has_error, "the JSX must not parse as plain TS"
    assert not parse_bytes(before.encode(), "tsx").root_node.has_error
    path = workdir / "page.tsx"
    path.write_text(before, encoding="utf-8")
    result = run_cli("apply", "page.tsx")
    assert result.exit_code == 1
    assert "skipped" not in result.stderr.replace("0 skipped", "")
    assert path.read_text(encoding="utf-8") == after


def test_a_parse_error_skips_only_the_function_that_holds_it(run_cli, workdir, dal001) -> None:
    broken = (
        "\nexport async function broken(fileId: string) {\n"
        "  const [file] = await db.select().from(canvasFiles).where(eq(canvasFiles.id, fileId));\n"
        "  const [graph] = await db.select().from(canvasGraphs).where(eq(canvasGraphs.fileId, fileId));\n"
        "  const total = (file.size + ;\n"
        "  return { file, graph, total };\n"
        "}\n"
    )
    error_line = (dal001.before + broken).count("\n", 0, (dal001.before + broken).index("(file.size + ;")) + 1
    path = workdir / "mixed.ts"
    path.write_text(dal001.before + broken, encoding="utf-8")

    result = run_cli("apply", "mixed.ts")
    assert result.exit_code == 1
    assert f"mixed.ts: 1 function(s) skipped: parse error at line {error_line}" in result.stderr
    assert path.read_text(encoding="utf-8") == dal001.after + broken


def test_a_file_that_is_not_utf8_is_skipped_reported_and_untouched(run_cli, workdir, dal001) -> None:
    path = workdir / "latin1.ts"
    data = dal001.before.replace("fileId", "fïleId").encode("latin-1")
    path.write_bytes(data)
    result = run_cli("apply", ".")
    assert result.exit_code == 2, "every input was skipped: nothing was checked"
    assert "dalfix: nothing checked: every input was skipped (1 not UTF-8)" in result.stderr
    assert "latin1.ts: skipped: not UTF-8" in result.stderr
    assert "1 skipped (1 not UTF-8)" in result.stderr
    assert path.read_bytes() == data


def test_skipped_files_are_typed_results_of_the_run(tmp_path, dal001) -> None:
    touch(tmp_path, "ok.ts", content=dal001.before)
    touch(tmp_path, "gen.ts", content="// @generated\n" + dal001.before)
    (tmp_path / "bad.ts").write_bytes(b"const s = '\xff';\n")
    result = run([tmp_path, tmp_path / "gone.ts"], RunOptions(rules=list(all_rules())))
    statuses = {f.path.name: (f.status, f.reason) for f in result.files}
    assert statuses == {
        "bad.ts": ("skipped", "not UTF-8"),
        "gen.ts": ("skipped", "generated file"),
        "ok.ts": ("unchanged", None),
        "gone.ts": ("skipped", "no such file or directory"),
    }


def test_is_source_file() -> None:
    assert [is_source_file(Path(n)) for n in ("a.ts", "a.tsx", "a.mts", "a.cts", "a.d.ts", "a.js", "a.tsx.map")] == [
        True,
        True,
        True,
        True,
        False,
        False,
        False,
    ]


# ---- symlinks -----------------------------------------------------------------------------------------


def test_a_link_to_a_file_of_the_tree_is_not_scanned_twice(tmp_path) -> None:
    touch(tmp_path, "src/real.ts")
    (tmp_path / "src" / "alias.ts").symlink_to("real.ts")
    (tmp_path / "top.ts").symlink_to("src/real.ts")
    assert found(tmp_path) == ["src/real.ts"]
    assert found(tmp_path, "src/alias.ts", "src") == ["src/alias.ts"]


def test_a_link_out_of_the_tree_is_listed_for_the_writer_to_refuse(tmp_path) -> None:
    touch(tmp_path, "outside/shared.ts", "tree/a.ts")
    (tmp_path / "tree" / "shared.ts").symlink_to(tmp_path / "outside" / "shared.ts")
    assert found(tmp_path, "tree") == ["tree/a.ts", "tree/shared.ts"]


def test_a_tree_scanned_through_a_linked_root_is_told_apart_from_links_into_it(tmp_path) -> None:
    """Below the scanned directory a file's real path is the real root's plus its names (no directory is resolved
    again): a link to a file of the tree is still skipped, a link out of it still listed, when the scanned path itself
    is a link (and so is a directory above it)."""
    touch(tmp_path, "real/tree/src/a.ts", "real/tree/src/deep/b.ts", "real/outside/x.ts")
    (tmp_path / "real" / "tree" / "src" / "deep" / "alias.ts").symlink_to("b.ts")
    (tmp_path / "real" / "tree" / "src" / "out.ts").symlink_to(tmp_path / "real" / "outside" / "x.ts")
    (tmp_path / "via").symlink_to(tmp_path / "real", target_is_directory=True)
    (tmp_path / "tree-link").symlink_to(tmp_path / "via" / "tree", target_is_directory=True)
    expected = ["src/a.ts", "src/out.ts", "src/deep/b.ts"]
    for scanned in ("tree-link", "via/tree", "real/tree"):
        assert [f.removeprefix(scanned + "/") for f in found(tmp_path, scanned)] == expected, scanned
    # The same files reached again through another path to the tree: scanned once (by their real paths).
    assert found(tmp_path, "tree-link", "real/tree", "via/tree") == ["tree-link/" + f for f in expected]


def test_linked_directories_are_not_followed(tmp_path) -> None:
    touch(tmp_path, "outside/x.ts", "tree/a.ts")
    (tmp_path / "tree" / "linked").symlink_to(tmp_path / "outside", target_is_directory=True)
    assert found(tmp_path, "tree") == ["tree/a.ts"]


# ---- .gitignore matching: one regex per file answers "no pattern matches"; pathspec decides the rest ---------

PATTERN_PARTS = ["a", "b", "c.ts", "*.ts", "d/", "/a", "a/**/b", "**/x", "b*", "?.ts", "a/b/", "[ab].ts", "x/*"]
PATTERN_LINES = st.one_of(
    st.sampled_from(PATTERN_PARTS),
    st.sampled_from(PATTERN_PARTS).map(lambda p: "!" + p),
    st.sampled_from(["", "# a comment", "\\!e.ts", "\\#f.ts", "a/b/c.ts", "**", "*", "/*", "!/*/"]),
)
PATH_PARTS = st.sampled_from(["a", "b", "c.ts", "x", "d", "e.ts", "!e.ts", "#f.ts", "ab.ts", "b1", "q.ts"])


@settings(max_examples=300, deadline=None)
@given(st.lists(PATTERN_LINES, max_size=8), st.lists(PATH_PARTS, min_size=1, max_size=4), st.booleans())
def test_one_regex_per_gitignore_says_no_pattern_matches_exactly_when_pathspec_does(lines, parts, is_dir) -> None:
    spec = pathspec.GitIgnoreSpec.from_lines(lines)
    path = "/".join(parts) + ("/" if is_dir else "")
    any_pattern = any_pattern_regex(spec)
    assert any_pattern is not None
    assert (any_pattern.search(path) is None) == (spec.check_file(path).include is None)


TREE = ["a.ts", "c.ts", "x/a.ts", "x/b/c.ts", "d/e.ts", "d/x/c.ts", "a/b/c.ts", "a/b/x/ab.ts", "b1/q.ts"]


def listed_by_pathspec(root: Path) -> list[str]:
    """What discovery lists, decided the long way: every directory and file asks each .gitignore from its own
    directory up to the repository root, nearest first, with pathspec; an ignored directory hides what is under it."""

    def ignored(relative: str, is_dir: bool) -> bool:
        parent = PurePosixPath(relative).parent
        for directory in [parent, *parent.parents]:
            gitignore = root / directory / ".gitignore"
            if gitignore.is_file():
                spec = pathspec.GitIgnoreSpec.from_lines(gitignore.read_text().splitlines())
                inner = PurePosixPath(relative).relative_to(directory).as_posix() + ("/" if is_dir else "")
                decision = spec.check_file(inner).include
                if decision is not None:
                    return decision
        return False

    out = []
    for name in sorted(TREE):
        steps = PurePosixPath(name).parents
        if any(ignored(d.as_posix(), True) for d in reversed(steps) if d.as_posix() != "."):
            continue
        if not ignored(name, False):
            out.append(name)
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(PATTERN_LINES, max_size=6), st.lists(PATTERN_LINES, max_size=4), st.lists(PATTERN_LINES, max_size=4))
def test_nested_gitignores_with_negations_list_what_pathspec_decides(tmp_path, top, middle, deep) -> None:
    root = Path(tempfile.mkdtemp(dir=tmp_path))
    (root / ".git").mkdir()
    touch(root, *TREE)
    for directory, lines in (("", top), ("a", middle), ("a/b", deep)):
        (root / directory / ".gitignore").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert sorted(found(root)) == sorted(listed_by_pathspec(root))


def test_a_file_re_included_below_an_ignored_directory_pattern(tmp_path) -> None:
    git_init(tmp_path)
    touch(tmp_path, ".gitignore", content="x/*\n!x/keep.ts\nd/\n!d/e.ts\n")
    touch(tmp_path, "a/.gitignore", content="*.ts\n")
    touch(tmp_path, "a/b/.gitignore", content="!c.ts\n")
    touch(tmp_path, "x/keep.ts", "x/drop.ts", "d/e.ts", "a/z.ts", "a/b/c.ts", "a/b/y.ts")
    listed = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard", "-z"], cwd=tmp_path, capture_output=True, check=True
    ).stdout.decode()
    by_git = sorted(name for name in listed.split("\0") if name.endswith(".ts"))
    assert sorted(found(tmp_path)) == by_git == ["a/b/c.ts", "x/keep.ts"]


def test_a_walk_of_a_directory_the_run_listed_is_taken_from_that_listing(tmp_path) -> None:
    from dalfix.analysis.schema.reader import _source_files, _walk
    from dalfix.config import memoized_probes
    from dalfix.discovery import discover_once, walked_directories

    git_init(tmp_path)
    touch(tmp_path, ".gitignore", content="gen/\n*.local.ts\n")
    touch(tmp_path, "a/.gitignore", content="b/skip/\n")
    touch(tmp_path, "x.ts", "x.local.ts", "gen/g.ts", "node_modules/m/i.ts", "a/y.ts", "a/b/z.ts", "a/b/skip/s.ts")
    touch(tmp_path, "a/b/c/w.ts", "a/b/c/w.test.ts", "a-b/v.ts", "a/notes.md")
    assert walked_directories(tmp_path) is None  # outside a run nothing is remembered
    with memoized_probes():
        discover_once(tmp_path / "a")  # a listing that does not reach the root: not used for it
        assert walked_directories(tmp_path) is None
        discover_once(tmp_path)
        for sub in ("", "a", "a/b", "a/b/c", "a-b"):
            assert walked_directories(tmp_path / sub) == list(_walk(tmp_path / sub)), sub
        for hidden in ("gen", "node_modules/m", "a/b/skip"):  # never walked: the caller walks it itself
            assert walked_directories(tmp_path / hidden) is None
        listed = list(_source_files([tmp_path]))
    assert listed == list(_source_files([tmp_path]))  # the same files when the schema reader walks itself
    assert [p.relative_to(tmp_path).as_posix() for p in listed] == [
        "x.local.ts",
        "x.ts",
        "a/y.ts",
        "a/b/z.ts",
        "a/b/c/w.ts",
        "a-b/v.ts",
    ]
