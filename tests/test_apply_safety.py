"""Writing in place: never over a file changed since it was read, never outside the paths given, atomically."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import dalfix.cli
import dalfix.writer
from dalfix.runner import run as real_run
from dalfix.writer import WriteRefused, allowed_roots, write_fixed


def listing(directory: Path) -> list[str]:
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*"))


@pytest.fixture
def project(workdir: Path, dal001) -> Path:  # type: ignore[no-untyped-def]
    """A directory holding one file with the documented DAL001 example."""
    root = workdir / "project"
    root.mkdir()
    (root / "files.ts").write_text(dal001.before, encoding="utf-8")
    return root


# ---- a file changed on disk after dalfix read it ----------------------------------------------------------


def test_write_fixed_refuses_a_stale_original(tmp_path) -> None:
    path = tmp_path / "files.ts"
    path.write_bytes(b"edited by someone else\n")
    with pytest.raises(WriteRefused, match="changed on disk"):
        write_fixed(path, b"what dalfix read\n", b"what dalfix wants\n", allowed_roots([tmp_path]))
    assert path.read_bytes() == b"edited by someone else\n"
    assert listing(tmp_path) == ["files.ts"]


@pytest.mark.parametrize("command", [["apply"], ["diff", "--apply"]])
def test_apply_refuses_a_file_changed_after_it_was_read(command, run_cli, project, monkeypatch) -> None:
    concurrent = "// saved in the editor while dalfix was running\n"

    def run_then_edit(paths, options):  # type: ignore[no-untyped-def]
        result = real_run(paths, options)
        (project / "files.ts").write_text(concurrent, encoding="utf-8")
        return result

    monkeypatch.setattr(dalfix.cli, "run", run_then_edit)
    result = run_cli(*command, "project")
    assert result.exit_code == 2
    assert "changed on disk" in result.stderr
    assert "files.ts" in result.stderr
    assert (project / "files.ts").read_text(encoding="utf-8") == concurrent
    assert listing(project) == ["files.ts"]


def test_one_refused_file_does_not_stop_the_others(run_cli, project, monkeypatch, dal001) -> None:
    (project / "other.ts").write_text(dal001.before, encoding="utf-8")

    def run_then_edit(paths, options):  # type: ignore[no-untyped-def]
        result = real_run(paths, options)
        (project / "files.ts").write_text("// changed\n", encoding="utf-8")
        return result

    monkeypatch.setattr(dalfix.cli, "run", run_then_edit)
    result = run_cli("apply", "project")
    assert result.exit_code == 2
    assert (project / "files.ts").read_text(encoding="utf-8") == "// changed\n"
    assert (project / "other.ts").read_text(encoding="utf-8") == dal001.after


# ---- symlinks -------------------------------------------------------------------------------------------


def test_a_symlink_out_of_the_given_directory_is_not_written_through(run_cli, workdir, project, dal001) -> None:
    outside = workdir / "outside"
    outside.mkdir()
    (outside / "shared.ts").write_text(dal001.before, encoding="utf-8")
    (project / "shared.ts").symlink_to(outside / "shared.ts")

    result = run_cli("apply", "project")
    assert result.exit_code == 2
    assert "project/shared.ts" in result.stderr and "outside the paths given" in result.stderr
    assert (outside / "shared.ts").read_text(encoding="utf-8") == dal001.before
    assert (project / "shared.ts").is_symlink()
    assert (project / "files.ts").read_text(encoding="utf-8") == dal001.after
    assert listing(outside) == ["shared.ts"]


def test_write_fixed_refuses_a_target_outside_the_roots(tmp_path) -> None:
    (tmp_path / "root").mkdir()
    (tmp_path / "elsewhere.ts").write_bytes(b"old\n")
    link = tmp_path / "root" / "link.ts"
    link.symlink_to(tmp_path / "elsewhere.ts")
    with pytest.raises(WriteRefused, match="outside the paths given"):
        write_fixed(link, b"old\n", b"new\n", allowed_roots([tmp_path / "root"]))
    assert (tmp_path / "elsewhere.ts").read_bytes() == b"old\n"


def test_a_symlink_inside_the_tree_is_fixed_once_through_its_target(run_cli, project, dal001) -> None:
    (project / "alias.ts").symlink_to("files.ts")
    check = run_cli("check", "project")
    assert len(check.stdout.splitlines()) == 1, "the file behind the link is one file"
    result = run_cli("apply", "project")
    assert result.exit_code == 1, result.stderr
    assert "error" not in result.stderr
    assert (project / "alias.ts").is_symlink()
    assert (project / "files.ts").read_text(encoding="utf-8") == dal001.after


def test_a_symlink_named_explicitly_keeps_being_a_symlink(run_cli, workdir, dal001) -> None:
    (workdir / "real.ts").write_text(dal001.before, encoding="utf-8")
    (workdir / "link.ts").symlink_to("real.ts")
    assert run_cli("apply", "link.ts").exit_code == 1
    assert (workdir / "link.ts").is_symlink()
    assert os.readlink(workdir / "link.ts") == "real.ts"
    assert (workdir / "real.ts").read_text(encoding="utf-8") == dal001.after


# ---- what the write keeps and leaves behind -------------------------------------------------------------


@pytest.mark.parametrize("mode", [0o640, 0o600, 0o755, 0o444])
def test_file_mode_is_kept(mode, run_cli, project, dal001) -> None:
    path = project / "files.ts"
    path.chmod(mode)
    assert run_cli("apply", "project").exit_code == 1
    assert path.read_text(encoding="utf-8") == dal001.after
    assert stat.S_IMODE(path.stat().st_mode) == mode


def test_no_temporary_files_are_left_behind(run_cli, project, dal001) -> None:
    (project / "nested").mkdir()
    (project / "nested" / "more.ts").write_text(dal001.before, encoding="utf-8")
    before = listing(project)
    assert run_cli("apply", "project").exit_code == 1
    assert listing(project) == before


def test_the_new_content_replaces_the_file_in_one_rename(project, monkeypatch, dal001) -> None:
    """The writer fills a temporary file beside the target and renames it over the target with os.replace."""
    path = project / "files.ts"
    original, fixed = dal001.before.encode(), dal001.after.encode()
    renames: list[tuple[Path, Path]] = []
    real_replace = os.replace

    def watching_replace(source, destination):  # type: ignore[no-untyped-def]
        source, destination = Path(source), Path(destination)
        assert path.read_bytes() == original, "the target must not be written in place before the rename"
        assert source.read_bytes() == fixed
        assert source.parent == destination.parent, "a rename is atomic only within one file system"
        renames.append((source, destination))
        real_replace(source, destination)

    monkeypatch.setattr(dalfix.writer.os, "replace", watching_replace)
    write_fixed(path, original, fixed, allowed_roots([project]))
    assert renames == [(renames[0][0], path.resolve())]
    assert path.read_bytes() == fixed
    assert not renames[0][0].exists()


@pytest.mark.parametrize("failing", ["replace", "fsync", "chmod"])
def test_a_failure_while_writing_leaves_the_original_intact(failing, project, monkeypatch, dal001) -> None:
    path = project / "files.ts"
    original = dal001.before.encode()

    def fail(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(dalfix.writer.os, failing, fail)
    with pytest.raises(OSError, match="No space left"):
        write_fixed(path, original, dal001.after.encode(), allowed_roots([project]))
    assert path.read_bytes() == original
    assert listing(project) == ["files.ts"]


def test_the_cli_reports_a_failed_write_and_exits_2(run_cli, project, monkeypatch, dal001) -> None:
    def fail(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(dalfix.writer.os, "replace", fail)
    result = run_cli("apply", "project")
    assert result.exit_code == 2
    assert "No space left on device" in result.stderr
    assert (project / "files.ts").read_text(encoding="utf-8") == dal001.before
    assert listing(project) == ["files.ts"]
