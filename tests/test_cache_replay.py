"""Replaying a run (dalfix/replay.py) and the file index behind the fingerprints (dalfix/file_index.py): a re-run
with nothing changed prints byte for byte what the first run printed, and any change a fresh run would see
makes it run again."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dalfix import file_index
from dalfix.file_index import TreeIndex, tree_fingerprint
from tests.conftest import documented_example

ROOT = Path(__file__).resolve().parent.parent
DAL001 = documented_example("DAL001")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    (root / "src").mkdir(parents=True)
    (root / ".git").mkdir()  # a repository: its root is what the record fingerprints
    (root / "package.json").write_text('{"name": "app", "dependencies": {"pg": "8"}}\n', encoding="utf-8")
    (root / "src" / "files.ts").write_text(DAL001.before, encoding="utf-8")
    return root


class Dalfix:
    """`python -m dalfix` in a subprocess (the replay happens before the CLI is imported), with a replay log."""

    def __init__(self, cwd: Path, log: Path) -> None:
        self.cwd, self.log = cwd, log

    def __call__(self, *args: str, **env: str) -> subprocess.CompletedProcess[bytes]:
        environment = {k: v for k, v in os.environ.items() if k not in ("DALFIX_CACHE_DIR", "NO_COLOR", "FORCE_COLOR")}
        environment.update(PYTHONPATH=str(ROOT), DALFIX_REPLAY_LOG=str(self.log), **env)
        return subprocess.run(
            [sys.executable, "-m", "dalfix", *args], cwd=self.cwd, env=environment, capture_output=True, check=False
        )

    def last(self) -> str:
        return self.log.read_text(encoding="utf-8").splitlines()[-1]


@pytest.fixture
def dalfix(project: Path, tmp_path: Path) -> Dalfix:
    return Dalfix(project, tmp_path / "replay.log")


def same(a: subprocess.CompletedProcess[bytes], b: subprocess.CompletedProcess[bytes]) -> bool:
    return (a.stdout, a.stderr, a.returncode) == (b.stdout, b.stderr, b.returncode)


def test_a_rerun_replays_the_first_run_byte_for_byte(dalfix: Dalfix, project: Path) -> None:
    for args in (("check", "--format", "json", "."), ("check", "."), ("diff", "src"), ("src/files.ts",)):
        cold = dalfix(*args)
        assert dalfix.last().startswith("no record"), args
        assert cold.returncode == 1 and cold.stdout, (args, cold.stderr)
        warm = dalfix(*args)
        assert dalfix.last().startswith("replayed"), args
        assert same(warm, cold), args
    assert same(dalfix("check", "."), dalfix("check", "--no-cache", "."))
    assert list((project / ".dalfix_cache").glob("*/runs/*.json")), "the record is beside the packs"


def test_the_key_holds_the_command_line_and_the_colour_environment(dalfix: Dalfix) -> None:
    dalfix("check", ".")
    colored = dalfix("check", ".", FORCE_COLOR="1")
    assert dalfix.last().startswith("no record")
    assert b"\x1b[" in colored.stdout
    plain = dalfix("check", "--format", "text", ".")
    assert dalfix.last().startswith("no record") and b"\x1b[" not in plain.stdout


def test_touching_a_file_without_changing_it_still_replays(dalfix: Dalfix, project: Path) -> None:
    cold = dalfix("check", ".")
    source = project / "src" / "files.ts"
    info = source.stat()
    os.utime(source, ns=(info.st_atime_ns, info.st_mtime_ns + 5_000_000_000))
    assert same(dalfix("check", "."), cold)
    assert dalfix.last().startswith("replayed")


def test_a_change_keeping_size_and_mtime_is_seen(dalfix: Dalfix, project: Path) -> None:
    cold = dalfix("check", "--format", "json", ".")
    source = project / "src" / "files.ts"
    info = source.stat()
    changed = DAL001.before.replace("fileId", "fileIx")
    assert len(changed) == len(DAL001.before) and changed != DAL001.before
    source.write_text(changed, encoding="utf-8")
    os.utime(source, ns=(info.st_atime_ns, info.st_mtime_ns))
    warm = dalfix("check", "--format", "json", ".")
    assert dalfix.last().startswith("not replayed: files changed")
    assert warm.stdout != cold.stdout
    assert same(warm, dalfix("check", "--format", "json", "--no-cache", "."))


def test_a_new_file_a_new_setting_or_a_removed_file_is_not_replayed(dalfix: Dalfix, project: Path) -> None:
    cold = dalfix("check", ".")
    (project / "src" / "more.ts").write_text(DAL001.before, encoding="utf-8")
    more = dalfix("check", ".")
    assert dalfix.last().startswith("not replayed: files changed")
    assert b"more.ts" in more.stdout
    (project / "src" / "more.ts").unlink()
    assert same(dalfix("check", "."), cold)  # the record is the second run's: this one runs
    assert dalfix.last().startswith("not replayed: files changed")
    assert same(dalfix("check", "."), cold)
    assert dalfix.last().startswith("replayed")
    (project / "dalfix.toml").write_text('ignore = ["DAL001"]\n', encoding="utf-8")
    ignored = dalfix("check", ".")
    assert dalfix.last().startswith("not replayed: files changed") and ignored.returncode == 0


def test_a_missing_path_that_appears_is_not_replayed(dalfix: Dalfix, project: Path) -> None:
    missing = dalfix("check", "src/files.ts", "src/later.ts")
    assert missing.returncode == 2 and b"no such file" in missing.stderr
    assert same(dalfix("check", "src/files.ts", "src/later.ts"), missing)
    assert dalfix.last().startswith("replayed")
    (project / "src" / "later.ts").write_text(DAL001.before, encoding="utf-8")
    found = dalfix("check", "src/files.ts", "src/later.ts")
    assert dalfix.last().startswith("not replayed: given path changed") and found.returncode == 1


def test_runs_that_write_or_read_stdin_leave_no_record(dalfix: Dalfix, project: Path, tmp_path: Path) -> None:
    dalfix("check", "-o", str(tmp_path / "out.txt"), ".")
    dalfix("check", "-", "--stdin-filename", "src/files.ts")
    dalfix("diff", "--apply", ".")
    assert not list((project / ".dalfix_cache").glob("*/runs/*.json"))


def test_add_ignore_writes_again_after_the_files_are_restored(dalfix: Dalfix, project: Path) -> None:
    """`check --add-ignore` writes files: a re-run on the same bytes (after `git checkout`) must write again, not
    replay the first run's "added 1 suppression comment"."""
    source = (project / "src" / "files.ts").read_bytes()
    for _ in range(2):
        done = dalfix("check", "--add-ignore", ".")
        assert b"added 1 suppression comment in 1 file" in done.stderr
        assert b"dalfix-ignore[DAL001]" in (project / "src" / "files.ts").read_bytes()
        (project / "src" / "files.ts").write_bytes(source)
    assert not list((project / ".dalfix_cache").glob("*/runs/*.json"))


def test_an_output_cut_short_by_a_closed_pipe_is_not_recorded(dalfix: Dalfix, project: Path) -> None:
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    environment.pop("DALFIX_CACHE_DIR", None)
    reader = subprocess.Popen(
        [sys.executable, "-m", "dalfix", "check", "--format", "json", "."],
        cwd=project,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert reader.stdout is not None
    reader.stdout.close()  # like `| head` having read enough
    reader.wait(timeout=300)
    assert not list((project / ".dalfix_cache").glob("*/runs/*.json"))
    full = dalfix("check", "--format", "json", ".")
    assert dalfix.last().startswith("no record") and full.stdout.endswith(b"}\n")


def test_a_settings_file_above_the_repository_invalidates(tmp_path: Path) -> None:
    outer = tmp_path / "outer"
    project = outer / "app"
    (project / "src").mkdir(parents=True)
    (project / "src" / "files.ts").write_text(DAL001.before, encoding="utf-8")
    run = Dalfix(project, tmp_path / "replay.log")
    first = run("check", "src")  # no .git, no package.json: the project is the scanned directory
    run("check", "src")
    assert run.last().startswith("replayed")
    (outer / ".editorconfig").write_text("[*]\nmax_line_length = 40\n", encoding="utf-8")
    run("check", "src")
    assert run.last().startswith("not replayed")
    assert first.returncode == 1


# ---- the file index ------------------------------------------------------------------------------------
def fingerprint(root: Path, index: TreeIndex) -> str:
    return tree_fingerprint(str(root), index)


def test_the_index_rereads_only_files_whose_stat_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(file_index, "RACY_MARGIN_NS", 0)  # the files below are seconds old at most
    for name in ("a.ts", "b.ts", "package.json"):
        (tmp_path / name).write_text(f"// {name}\n", encoding="utf-8")
    index = TreeIndex(str(tmp_path), None)
    first = fingerprint(tmp_path, index)
    assert sorted(index.entries) == ["a.ts", "b.ts", "package.json"]
    read: list[str] = []
    real_open = open

    def counting_open(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        read.append(os.path.basename(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", counting_open)
    assert fingerprint(tmp_path, index) == first and read == []
    os.utime(tmp_path / "a.ts", ns=(0, 10**9))
    assert fingerprint(tmp_path, index) == first and read == ["a.ts"], "a touch costs one read, changes nothing"
    size_and_mtime = (tmp_path / "b.ts").stat()
    (tmp_path / "b.ts").write_text("// b.tz\n", encoding="utf-8")
    os.utime(tmp_path / "b.ts", ns=(size_and_mtime.st_atime_ns, size_and_mtime.st_mtime_ns))
    assert fingerprint(tmp_path, index) != first, "same size and mtime: the ctime tells"


def test_a_file_changed_within_the_timestamp_margin_is_not_trusted(tmp_path: Path) -> None:
    (tmp_path / "a.ts").write_text("// a\n", encoding="utf-8")  # just now: racy
    os.utime(tmp_path, ns=(0, 0))
    index = TreeIndex(str(tmp_path), None)
    fingerprint(tmp_path, index)
    assert "a.ts" not in index.entries, "read again next time: it may change again within the same tick"


def test_the_index_survives_a_corrupt_file_and_skipped_directories(tmp_path: Path) -> None:
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "x.ts").write_text("x", encoding="utf-8")
    (tmp_path / "a.ts").write_text("a", encoding="utf-8")
    broken = tmp_path / "index.json"
    broken.write_text("{not json", encoding="utf-8")
    index = TreeIndex(str(tmp_path), str(broken))
    assert index.entries == {}
    before = fingerprint(tmp_path, index)
    (tmp_path / "node_modules" / "x.ts").write_text("y", encoding="utf-8")
    assert fingerprint(tmp_path, index) == before
    (tmp_path / "sub" / ".git").mkdir(parents=True)
    assert fingerprint(tmp_path, index) != before, "a new repository boundary moves projects"


def test_the_installed_drizzle_version_invalidates_though_node_modules_is_not_walked(
    dalfix: Dalfix, project: Path
) -> None:
    # The analysis reads node_modules/drizzle-orm/package.json (the version decides rewrites); a yarn.lock or
    # bun.lockb upgrade can change it while nothing the index walks changes.
    manifest = project / "node_modules" / "drizzle-orm" / "package.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text('{"name": "drizzle-orm", "version": "0.44.0"}\n', encoding="utf-8")
    (project / "node_modules" / "drizzle-orm" / "index.js").write_text("x\n", encoding="utf-8")
    dalfix("check", ".")
    dalfix("check", ".")
    assert dalfix.last().startswith("replayed")
    (project / "node_modules" / "drizzle-orm" / "index.js").write_text("y\n", encoding="utf-8")
    dalfix("check", ".")
    assert dalfix.last().startswith("replayed"), "other files of node_modules are not read"
    manifest.write_text('{"name": "drizzle-orm", "version": "0.45.1"}\n', encoding="utf-8")
    dalfix("check", ".")
    assert dalfix.last().startswith("not replayed: files changed")


def test_a_config_file_outside_the_repository_is_part_of_the_record(
    dalfix: Dalfix, project: Path, tmp_path: Path
) -> None:
    settings = tmp_path / "elsewhere" / "dalfix.toml"
    settings.parent.mkdir()
    settings.write_text("ignore = []\n", encoding="utf-8")
    found = dalfix("check", "--config", str(settings), ".")
    assert found.returncode == 1
    assert same(dalfix("check", "--config", str(settings), "."), found)
    assert dalfix.last().startswith("replayed")
    settings.write_text('ignore = ["DAL001"]\n', encoding="utf-8")
    ignored = dalfix("check", "--config", str(settings), ".")
    assert dalfix.last().startswith("not replayed: settings changed") and ignored.returncode == 0
