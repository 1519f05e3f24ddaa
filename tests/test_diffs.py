"""Diff output: `a/` `b/` paths relative to the cwd, accepted by `git apply` and `patch -p1`, byte-exact."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dalfix.diffs import InvalidDiff, unified_diff, validate

HAS_PATCH = shutil.which("patch") is not None
HAS_GIT = shutil.which("git") is not None
needs_git = pytest.mark.skipif(not HAS_GIT, reason="git is not installed")
needs_patch = pytest.mark.skipif(not HAS_PATCH, reason="patch is not installed")


def git(*args: str, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, env=env, timeout=60)


def git_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    assert git("init", "-q", cwd=path).returncode == 0
    return path


def git_apply(patch: bytes, cwd: Path) -> None:
    check = git("apply", "--check", "-v", "-", cwd=cwd, stdin=patch)
    assert check.returncode == 0, check.stderr.decode(errors="replace")
    applied = git("apply", "-", cwd=cwd, stdin=patch)
    assert applied.returncode == 0, applied.stderr.decode(errors="replace")


def patch_p1(patch: bytes, cwd: Path, dry_run: bool) -> None:
    args = ["patch", "-p1", "--batch", "--forward"] + (["--dry-run"] if dry_run else [])
    result = subprocess.run(args, cwd=cwd, input=patch, capture_output=True, timeout=60)
    assert result.returncode == 0, (result.stdout + result.stderr).decode(errors="replace")


# Each variant turns the documented Example into a harder input and the Use-instead into the output we expect:
# whatever the fix does not touch must come out byte-for-byte as it went in.
ODD_SEPARATORS = "  /* form\x0cfeed, lone\rcr, next\x85line, line\u2028separator, para\u2029graph */\n"


def _with_odd_separators(text: str) -> str:
    return text.replace("  return { file, graph };\n", ODD_SEPARATORS + "  return { file, graph };\n")


def _non_ascii(text: str) -> str:
    text = text.replace("fileId", "fichierÉté")
    header = '// Ünïcödé — 日本語 🚀 comment\nconst greeting = "héllo 👋";\n'
    return header + text


VARIANTS: dict[str, Callable[[str], str]] = {
    "lf": lambda text: text,
    "crlf": lambda text: text.replace("\n", "\r\n"),
    "no-final-newline": lambda text: text.rstrip("\n"),
    "crlf-no-final-newline": lambda text: text.rstrip("\n").replace("\n", "\r\n"),
    "utf8-bom": lambda text: "\ufeff" + text,
    "non-ascii": _non_ascii,
    "odd-line-separators": _with_odd_separators,
    "tabs": lambda text: text.replace("  ", "\t"),
}


@pytest.fixture(params=sorted(VARIANTS))
def variant(request, dal001) -> tuple[bytes, bytes]:  # type: ignore[no-untyped-def]
    transform = VARIANTS[request.param]
    before, after = transform(dal001.before).encode("utf-8"), transform(dal001.after).encode("utf-8")
    assert before != after
    return before, after


def dalfix_diff(run_cli, cwd: Path, *paths: str, monkeypatch: pytest.MonkeyPatch) -> bytes:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(cwd)
    result = run_cli("diff", *paths)
    assert result.exit_code == 1, result.stderr
    return result.stdout_bytes


@needs_git
def test_git_apply_of_the_diff_equals_dalfix_apply(variant, run_cli, tmp_path, monkeypatch) -> None:
    before, after = variant
    via_git = git_repo(tmp_path / "via-git") / "src" / "files.ts"
    via_apply = tmp_path / "via-apply" / "src" / "files.ts"
    for path in (via_git, via_apply):
        path.parent.mkdir(parents=True)
        path.write_bytes(before)

    patch = dalfix_diff(run_cli, tmp_path / "via-git", "src", monkeypatch=monkeypatch)
    assert via_git.read_bytes() == before, "diff must not write"
    git_apply(patch, tmp_path / "via-git")

    monkeypatch.chdir(tmp_path / "via-apply")
    assert run_cli("apply", "src").exit_code == 1
    assert via_apply.read_bytes() == after, "apply must keep every byte outside the edit"
    assert via_git.read_bytes() == via_apply.read_bytes()


@needs_patch
def test_patch_p1_accepts_the_diff(variant, run_cli, tmp_path, monkeypatch) -> None:
    before, after = variant
    path = tmp_path / "src" / "files.ts"
    path.parent.mkdir()
    path.write_bytes(before)
    patch = dalfix_diff(run_cli, tmp_path, "src", monkeypatch=monkeypatch)
    patch_p1(patch, tmp_path, dry_run=True)
    assert path.read_bytes() == before
    patch_p1(patch, tmp_path, dry_run=False)
    assert path.read_bytes() == after


def test_crlf_stays_crlf_in_the_edited_lines(run_cli, workdir, dal001) -> None:
    path = workdir / "files.ts"
    path.write_bytes(dal001.before.replace("\n", "\r\n").encode())
    patch = run_cli("diff", "files.ts").stdout_bytes
    added = [line for line in patch.split(b"\n") if line.startswith(b"+") and not line.startswith(b"+++")]
    assert len(added) >= 2
    assert all(line.endswith(b"\r") for line in added)
    run_cli("apply", "files.ts")
    fixed = path.read_bytes()
    assert b"\r\n" in fixed and fixed.count(b"\n") == fixed.count(b"\r\n")


def test_headers_use_paths_relative_to_the_cwd(run_cli, workdir, dal001) -> None:
    path = workdir / "src" / "db" / "files.ts"
    path.parent.mkdir(parents=True)
    path.write_text(dal001.before, encoding="utf-8")
    expected = ["diff --git a/src/db/files.ts b/src/db/files.ts", "--- a/src/db/files.ts", "+++ b/src/db/files.ts"]
    for argument in ("src", "src/db/files.ts", str(path), "./src/../src"):
        assert run_cli("diff", argument).stdout.splitlines()[:3] == expected, argument


def test_headers_from_a_subdirectory(run_cli, tmp_path, monkeypatch, dal001) -> None:
    path = tmp_path / "src" / "db" / "files.ts"
    path.parent.mkdir(parents=True)
    path.write_text(dal001.before, encoding="utf-8")
    monkeypatch.chdir(tmp_path / "src")
    assert run_cli("diff", "db").stdout.startswith("diff --git a/db/files.ts b/db/files.ts\n--- a/db/files.ts\n")


@pytest.mark.parametrize("name", ["my dir/my file.ts", "fïchier.ts", "日本/ファイル name.tsx"])
def test_unusual_file_names_apply(name, run_cli, tmp_path, monkeypatch, dal001) -> None:
    if not (HAS_GIT or HAS_PATCH):
        pytest.skip("neither git nor patch is installed")
    repo = git_repo(tmp_path / "repo") if HAS_GIT else tmp_path / "repo"
    path = repo / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dal001.before, encoding="utf-8")
    patch = dalfix_diff(run_cli, repo, ".", monkeypatch=monkeypatch)
    assert patch.startswith(f"diff --git a/{name} b/{name}\n".encode())
    if HAS_PATCH:
        patch_p1(patch, repo, dry_run=False)
        assert path.read_text(encoding="utf-8") == dal001.after
        path.write_text(dal001.before, encoding="utf-8")
    if HAS_GIT:
        git_apply(patch, repo)
        assert path.read_text(encoding="utf-8") == dal001.after


@needs_git
def test_one_diff_for_several_files_applies_at_once(run_cli, tmp_path, monkeypatch, dal001) -> None:
    repo = git_repo(tmp_path / "repo")
    names = ["a.ts", "nested/b.ts", "nested/deeper/c.tsx"]
    for name in names:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(dal001.before, encoding="utf-8")
    (repo / "clean.ts").write_text(dal001.after, encoding="utf-8")
    patch = dalfix_diff(run_cli, repo, ".", monkeypatch=monkeypatch)
    assert patch.count(b"diff --git ") == len(names)
    git_apply(patch, repo)
    for name in [*names, "clean.ts"]:
        assert (repo / name).read_text(encoding="utf-8") == dal001.after, name


# ---- unified_diff on its own: the corners of the format ----------------------------------------------------

PAIRS = {
    "last-line-changed-no-newline": (b"a\nb\nc", b"a\nb\nC"),
    "final-newline-added": (b"a\nb", b"a\nb\n"),
    "final-newline-removed": (b"a\nb\n", b"a\nb"),
    "only-line-no-newline": (b"x", b"y"),
    "from-empty": (b"", b"new\n"),
    "to-empty": (b"old\n", b""),
    "crlf": (b"x\r\ny\r\nz\r\n", b"x\r\nY\r\nz\r\n"),
    "lone-cr-in-context": (b"a\rb\nc\nd\n", b"a\rb\nC\nd\n"),
    "form-feed-and-u2028": ("p\x0cq\nr\u2028s\nt\n".encode(), "p\x0cq\nR\u2028s\nt\n".encode()),
    "trailing-whitespace": (b"a  \nb\t\nc\n", b"a  \nB\t\nc\n"),
    # Removed "-- x" and added "++ y" lines (SQL comments in a template literal) read like `---`/`+++` headers.
    "crlf-removed-sql-comment": (b"a\r\n-- x\r\nb\r\n", b"a\r\nb\r\n"),
    "crlf-added-double-plus": (b"a\r\nb\r\n", b"a\r\n++ y\r\nb\r\n"),
    "removed-last-line-like-a-header": (b"a\n-- end", b"a\n"),
    "far-apart-hunks": (
        b"".join(b"%d\n" % i for i in range(40)),
        b"".join(b"%d\n" % (i * (i not in (3, 30))) for i in range(40)),
    ),
}


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_unified_diff_round_trips(name, tmp_path) -> None:
    original, fixed = PAIRS[name]
    text = unified_diff(original, fixed, "dir/file.ts")
    assert text.startswith("diff --git a/dir/file.ts b/dir/file.ts\n--- a/dir/file.ts\n+++ b/dir/file.ts\n@@ ")
    target = tmp_path / "dir" / "file.ts"
    target.parent.mkdir()
    if HAS_GIT:
        git_repo(tmp_path)
        target.write_bytes(original)
        git_apply(text.encode("utf-8", "surrogateescape"), tmp_path)
        assert target.read_bytes() == fixed
    if HAS_PATCH and original:  # patch treats an empty original as a file to create
        target.write_bytes(original)
        patch_p1(text.encode("utf-8", "surrogateescape"), tmp_path, dry_run=False)
        assert target.read_bytes() == fixed
    if not (HAS_GIT or HAS_PATCH):
        pytest.skip("neither git nor patch is installed")


def test_no_newline_marker_follows_each_unterminated_last_line() -> None:
    text = unified_diff(b"a\nb", b"a\nc", "f.ts")
    assert "-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n" in text
    assert text.count("\\ No newline") == 2


def test_equal_inputs_give_no_diff() -> None:
    assert unified_diff(b"same\n", b"same\n", "f.ts") == ""


def test_validate_rejects_what_is_not_a_diff() -> None:
    with pytest.raises(InvalidDiff):
        validate("diff --git a/f b/f\n--- a/f\n+++ b/f\n")
    with pytest.raises(InvalidDiff):
        validate("--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n-x\n+y\n")


# ---- any content: git reproduces the fixed bytes from the diff ---------------------------------------------

FRAGMENTS = ["a", "b", "", " ", "-- x", "++ y", "--- z", "+++ w", "\\ n", "@@ -1 +1 @@", "\x0c", "\u2028", "é", "\r"]


def _file(pieces: list[tuple[str, str]], final_newline: bool) -> bytes:
    text = "".join(line + ending for line, ending in pieces)
    if pieces and not final_newline:
        text = text[: -len(pieces[-1][1])]
    return text.encode("utf-8")


content = st.builds(
    _file,
    st.lists(st.tuples(st.sampled_from(FRAGMENTS), st.sampled_from(["\n", "\r\n"])), max_size=8),
    st.booleans(),
)


@needs_git
@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(original=content, fixed=content)
def test_git_apply_reproduces_any_change(original, fixed, tmp_path_factory) -> None:
    text = unified_diff(original, fixed, "f.ts")
    if original == fixed:
        assert text == ""
        return
    repo = git_repo(tmp_path_factory.mktemp("repo"))
    (repo / "f.ts").write_bytes(original)
    git_apply(text.encode("utf-8"), repo)
    assert (repo / "f.ts").read_bytes() == fixed
