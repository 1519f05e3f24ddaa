"""A run over many projects holds little per listed file (issue 17, "Memory 8x"): the per-directory answers the
listing needed (project roots, workspaces, repositories, settings files) go once every file has its project, the
walk kept for `walked_directories` holds strings and source file names only, and a finished workspace's part of
a walk above it goes with the workspace."""

from __future__ import annotations

from pathlib import Path

import pytest

import dalfix.runner as runner
from dalfix.analysis.project import Project
from dalfix.analysis.schema.reader import _walk
from dalfix.config import forget_directory_probes, memoized_probes, probe, probed
from dalfix.discovery import discover_once, forget_walked, walked_directories
from dalfix.report import json_report
from dalfix.rules import select_rules
from dalfix.runner import RunOptions, run
from tests.conftest import documented_example

DAL001 = documented_example("DAL001")


def _copies(tmp_path: Path, count: int) -> Path:
    """`count` copies of one small workspace side by side (as bench/speed.py makes them), each with a nested
    package and files in subdirectories."""
    for index in range(count):
        copy = tmp_path / f"copy{index}"
        (copy / "packages" / "db" / "src" / "deep").mkdir(parents=True)
        (copy / "package.json").write_text('{"name": "root", "workspaces": ["packages/*"]}\n', encoding="utf-8")
        (copy / "packages" / "db" / "package.json").write_text('{"name": "db"}\n', encoding="utf-8")
        (copy / "packages" / "db" / "src" / "users.ts").write_text(DAL001.before, encoding="utf-8")
        (copy / "packages" / "db" / "src" / "deep" / "plain.ts").write_text("export const x = 1;\n", encoding="utf-8")
        (copy / "packages" / "db" / "src" / "deep" / "notes.md").write_text("# not a source\n", encoding="utf-8")
    return tmp_path


def _options() -> RunOptions:
    return RunOptions(rules=select_rules(preview=True), preview=True, release_projects=True)


def test_the_listing_s_directory_answers_go_once_every_file_has_its_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _copies(tmp_path, 2)
    asked: dict[str, list[Path]] = {}
    prepare = Project.prepare

    def preparing(self: Project, files, deferred=None, order=None) -> None:  # type: ignore[no-untyped-def]
        if (files or deferred) and not asked:
            for kind in ("config", "workspace_of", "workspace", "repository"):
                asked[kind] = [directory for directory, _ in probed(kind)]
        prepare(self, files, deferred, order)

    monkeypatch.setattr(Project, "prepare", preparing)
    result = run([root], _options())
    deep = root / "copy0" / "packages" / "db" / "src" / "deep"
    # The listing asked about the files' directories; by the first project's turn only the roots and the
    # directories above them are remembered.
    assert asked["config"] and not any(d == deep or root / "copy0" in d.parents for d in asked["config"])
    for kind, directories in asked.items():
        assert all(d in (root / "copy0", root / "copy1") or d in root.parents or d == root for d in directories), kind
    # Nothing the run concluded depends on it.
    assert [str(f.path.relative_to(root)) for f, _ in result.findings] == [
        "copy0/packages/db/src/users.ts",
        "copy1/packages/db/src/users.ts",
    ]


def test_reports_are_those_of_a_run_that_remembers_every_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _copies(tmp_path, 3)
    forgetting = json_report(run([root], _options()))
    monkeypatch.setattr(runner, "forget_directory_probes", lambda keep: None)
    monkeypatch.setattr(runner, "forget_walked", lambda root: None)
    assert json_report(run([root], _options())) == forgetting


def test_forget_directory_probes_keeps_the_walks_and_the_directories_kept(tmp_path: Path) -> None:
    kept, other = tmp_path / "a", tmp_path / "a" / "b"
    with memoized_probes():
        for directory in (kept, other):
            probe("discover", directory, lambda d=directory: str(d))  # type: ignore[misc]
            probe("config", directory, lambda: None)
            probe("workspace_of", directory, lambda: None)
        forget_directory_probes([kept])
        assert [d for d, _ in probed("discover")] == [kept, other]
        assert [d for d, _ in probed("config")] == [kept] == [d for d, _ in probed("workspace_of")]
    forget_directory_probes([kept])  # outside a run: nothing to forget


def test_the_walk_keeps_source_names_as_strings_and_forgets_a_finished_directory(tmp_path: Path) -> None:
    root = _copies(tmp_path, 2)
    with memoized_probes():
        discover_once(root)
        [(_, (_, listing))] = probed("discover")
        assert all(isinstance(here, str) and isinstance(names, tuple) for here, names in listing)
        assert all(name.endswith(".ts") for _, names in listing for name in names)  # notes.md is not kept
        for sub in ("copy0", "copy1/packages", "copy1/packages/db/src"):
            assert walked_directories(root / sub) == list(_walk(root / sub)), sub
        copy1 = walked_directories(root / "copy1")
        forget_walked(root / "copy0")
        assert walked_directories(root / "copy0") is None  # the schema reader walks it itself, to the same list
        assert walked_directories(root / "copy1") == copy1
        assert not any(here.startswith(str(root / "copy0")) for here, _ in listing)
        assert [here for here, _ in listing][0] == str(root)


LOOP = documented_example("DAL002").before


def test_no_tree_outlives_its_project_through_a_loop_s_file_wide_comments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_tree_release import _alive, _record_trees

    for name in ("api", "web"):
        (tmp_path / name / "src").mkdir(parents=True)
        (tmp_path / name / "package.json").write_text(f'{{"name": "{name}"}}\n', encoding="utf-8")
        (tmp_path / name / "src" / "names.ts").write_text(LOOP, encoding="utf-8")
    trees = _record_trees(monkeypatch)
    monkeypatch.setattr(runner, "KEPT_TREES", 0)
    monkeypatch.setattr(runner, "KEPT_SOURCE", 0)
    result = run([tmp_path], _options())
    assert sorted(f.rule for _, f in result.findings).count("DAL002") == 2  # the loop was analysed in both
    for project in result.projects:
        project.prepare({})
    assert _alive(trees) == 0
