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
    # named relative to the working directory, as every other error names a file (it printed the absolute path)
    assert "dalfix: error: project/files.ts changed on disk since dalfix read it; not written" in result.stderr
    assert str(project) not in result.stderr
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


@pytest.mark.parametrize("mode", [0o640, 0o600, 0o755, 0o4755])
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


@pytest.mark.parametrize("failing", ["replace", "fsync", "fchmod"])
def test_a_failure_while_writing_leaves_the_original_intact(failing, project, monkeypatch, dal001) -> None:
    path = project / "files.ts"
    original = dal001.before.encode()

    def fail(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(dalfix.writer.os, failing, fail)
    with pytest.raises(WriteRefused, match=r"files\.ts: not written: No space left on device"):
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


def test_an_error_names_the_file_not_the_temporary_file(run_cli, project, monkeypatch, dal001) -> None:
    def denied(source, destination):  # type: ignore[no-untyped-def]
        raise PermissionError(13, "Permission denied", str(source))

    monkeypatch.setattr(dalfix.writer.os, "replace", denied)
    result = run_cli("apply", "project")
    assert result.exit_code == 2
    assert "files.ts: not written: Permission denied" in result.stderr
    assert ".dalfix" not in result.stderr
    assert listing(project) == ["files.ts"]


# ---- a save that lands while dalfix writes ----------------------------------------------------------------


def _save_during_fsync(monkeypatch, path: Path, save) -> None:  # type: ignore[no-untyped-def]
    """Run `save` (an editor saving `path`) right after the temporary file is synced, before the rename."""
    real_fsync = os.fsync

    def fsync_then_save(descriptor: int) -> None:
        real_fsync(descriptor)
        save()

    monkeypatch.setattr(dalfix.writer.os, "fsync", fsync_then_save)


def test_a_save_in_place_just_before_the_rename_is_kept(project, monkeypatch, dal001) -> None:
    path = project / "files.ts"
    saved = b"// the editor's save\n"
    _save_during_fsync(monkeypatch, path, lambda: path.write_bytes(saved))
    with pytest.raises(WriteRefused, match="changed on disk while dalfix was writing"):
        write_fixed(path, dal001.before.encode(), dal001.after.encode(), allowed_roots([project]))
    assert path.read_bytes() == saved
    assert listing(project) == ["files.ts"]


def test_a_save_by_rename_just_before_the_rename_is_kept(project, monkeypatch, dal001) -> None:
    """Editors that save atomically put a new inode in place, even with identical size."""
    path = project / "files.ts"
    saved = dal001.before.encode().replace(b"db", b"DB")

    def editor_save() -> None:
        (project / "editor.tmp").write_bytes(saved)
        os.replace(project / "editor.tmp", path)

    _save_during_fsync(monkeypatch, path, editor_save)
    with pytest.raises(WriteRefused, match="changed on disk while dalfix was writing"):
        write_fixed(path, dal001.before.encode(), dal001.after.encode(), allowed_roots([project]))
    assert path.read_bytes() == saved


def test_a_same_size_save_with_the_old_mtime_is_caught_by_the_content_hash(project, monkeypatch, dal001) -> None:
    path = project / "files.ts"
    original = dal001.before.encode()
    saved = original.replace(b"db", b"DB")
    assert len(saved) == len(original) and saved != original

    def sneaky_save() -> None:
        st = path.stat()
        with open(path, "r+b") as handle:  # same inode, same size
            handle.write(saved)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))

    _save_during_fsync(monkeypatch, path, sneaky_save)
    with pytest.raises(WriteRefused, match="changed on disk while dalfix was writing"):
        write_fixed(path, original, dal001.after.encode(), allowed_roots([project]))
    assert path.read_bytes() == saved


def test_a_file_locked_by_another_process_is_not_written(project, dal001) -> None:
    fcntl = pytest.importorskip("fcntl")

    path = project / "files.ts"
    with open(path, "rb") as holder:
        fcntl.flock(holder.fileno(), fcntl.LOCK_EX)
        with pytest.raises(WriteRefused, match="locked by another process"):
            write_fixed(path, dal001.before.encode(), dal001.after.encode(), allowed_roots([project]))
    assert path.read_text(encoding="utf-8") == dal001.before
    write_fixed(path, dal001.before.encode(), dal001.after.encode(), allowed_roots([project]))
    assert path.read_text(encoding="utf-8") == dal001.after


# ---- read-only files, owners, hard links ---------------------------------------------------------------


@pytest.mark.parametrize("command", [["apply"], ["diff", "--apply"]])
def test_a_read_only_file_is_refused_without_force(command, run_cli, project, dal001) -> None:
    path = project / "files.ts"
    path.chmod(0o444)
    result = run_cli(*command, "project")
    assert result.exit_code == 2
    assert "files.ts is read-only; not written" in result.stderr
    assert path.read_text(encoding="utf-8") == dal001.before

    result = run_cli(*command, "--force", "project")
    assert result.exit_code == 1, result.stderr
    assert path.read_text(encoding="utf-8") == dal001.after
    assert stat.S_IMODE(path.stat().st_mode) == 0o444


@pytest.mark.skipif(os.geteuid() != 0, reason="changing a file's owner needs root")
def test_owner_and_group_are_kept(run_cli, project, dal001) -> None:
    path = project / "files.ts"
    os.chown(path, 4321, 8765)
    assert run_cli("apply", "project").exit_code == 1
    assert path.read_text(encoding="utf-8") == dal001.after
    assert (path.stat().st_uid, path.stat().st_gid) == (4321, 8765)


@pytest.mark.skipif(os.geteuid() != 0, reason="changing a file's owner needs root")
def test_an_owner_that_cannot_be_kept_refuses_the_write(project, monkeypatch, dal001) -> None:
    """As a user who may write another user's file (group-writable) but not give a file away."""

    def refuse(*args):  # type: ignore[no-untyped-def]
        raise PermissionError(1, "Operation not permitted")

    path = project / "files.ts"
    os.chown(path, 4321, 8765)
    monkeypatch.setattr(dalfix.writer.os, "fchown", refuse)
    with pytest.raises(WriteRefused, match="owner or group .* could not be kept"):
        write_fixed(path, dal001.before.encode(), dal001.after.encode(), allowed_roots([project]))
    assert path.read_text(encoding="utf-8") == dal001.before
    assert listing(project) == ["files.ts"]


def test_a_hard_linked_file_is_refused_without_force_and_written_in_place_with_it(run_cli, project, dal001) -> None:
    path, other = project / "files.ts", project / "other-name.ts"
    os.link(path, other)
    result = run_cli("apply", project / "files.ts")
    assert result.exit_code == 2
    assert "has 2 hard links" in result.stderr
    assert path.read_text(encoding="utf-8") == other.read_text(encoding="utf-8") == dal001.before

    result = run_cli("apply", "--force", project / "files.ts")
    assert result.exit_code == 1, result.stderr
    assert path.read_text(encoding="utf-8") == dal001.after
    assert other.read_text(encoding="utf-8") == dal001.after, "the link is kept: both names show the fix"
    assert path.stat().st_ino == other.stat().st_ino


# ---- temporary files an interrupted run left behind ---------------------------------------------------


def test_stale_temporary_files_are_removed_on_the_next_run(run_cli, project, dal001) -> None:
    (project / "nested").mkdir()
    (project / "nested" / "clean.ts").write_text("export const x = 1;\n", encoding="utf-8")
    stale = [project / ".files.ts.k3x9_a1z.dalfix", project / "nested" / ".clean.ts.00000000.dalfix"]
    for path in stale:
        path.write_bytes(b"half of a fix")
    look_alikes = [project / ".files.ts.dalfix", project / "notes.dalfix", project / ".files.ts.TOOLONG123.dalfix"]
    for path in look_alikes:
        path.write_bytes(b"not ours")

    result = run_cli("apply", "project")
    assert result.exit_code == 1, result.stderr
    for path in stale:
        assert not path.exists()
        assert f"removed project/{path.relative_to(project).as_posix()}, left by an interrupted run" in result.stderr
    assert all(path.exists() for path in look_alikes)
    assert (project / "files.ts").read_text(encoding="utf-8") == dal001.after


def test_a_temporary_file_another_run_is_still_writing_is_left_alone(project) -> None:
    fcntl = pytest.importorskip("fcntl")

    live = project / ".files.ts.abcdefgh.dalfix"
    live.write_bytes(b"in progress")
    with open(live, "rb") as holder:
        fcntl.flock(holder.fileno(), fcntl.LOCK_EX)
        assert dalfix.writer.remove_stale_temp_files([project]) == []
    assert live.exists()
    assert dalfix.writer.remove_stale_temp_files([project]) == [live]
