"""The reads a check noted for the per-file cache (dalfix/incremental.py `RECORDED`, `WIDE`) do not outlive their
project (issue 17, flat memory): a run without the cache notes none, a run with it hands them to the project's pack
when the project is stored. The workers' answers were noted in the parent whether or not a cache would take them,
and without one nothing did: every checked file's reads stayed to the end of the run (homarr 8x: ~9 MiB of peak)."""

from __future__ import annotations

from pathlib import Path

import pytest

import dalfix.runner as runner
import dalfix.workers
from dalfix import incremental
from dalfix.analysis.project import Project
from dalfix.rules import select_rules
from dalfix.runner import RunOptions, run
from tests.conftest import documented_example

DAL001 = documented_example("DAL001")
PLAIN = "export async function one(db: any) {\n  return await db.query.users.findFirst();\n}\n"


def _projects(root: Path) -> Path:
    for name in ("api", "web"):
        (root / name / "src").mkdir(parents=True)
        (root / name / "package.json").write_text(f'{{"name": "{name}"}}\n', encoding="utf-8")
        (root / name / "src" / "files.ts").write_text(DAL001.before, encoding="utf-8")
        (root / name / "src" / "plain.ts").write_text(PLAIN, encoding="utf-8")
    return root


@pytest.mark.parametrize("cached", [False, True], ids=["no-cache", "cache"])
def test_no_noted_read_outlives_its_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cached: bool) -> None:
    root = _projects(tmp_path / "tree")
    monkeypatch.setattr(dalfix.workers, "MIN_FILES_PER_WORKER", 1)  # two files per project: forked
    incremental.RECORDED.clear()
    incremental.WIDE.clear()
    pools: list[int] = []
    forked = runner.run_forked

    def counting(task, count, jobs):  # type: ignore[no-untyped-def]
        pools.append(count)
        return forked(task, count, jobs)

    held_at_prepare: dict[str, set[Path]] = {}
    prepare = Project.prepare

    def preparing(self: Project, files, deferred=None, order=None) -> None:  # type: ignore[no-untyped-def]
        if files or deferred:
            held_at_prepare[self.root.name] = set(incremental.RECORDED) | set(incremental.WIDE)
        prepare(self, files, deferred, order)

    noted_at_store: dict[str, set[Path]] = {}
    store = runner._ProjectCaches.store

    def storing(self, root, by_path, leave_out=frozenset()):  # type: ignore[no-untyped-def]
        noted_at_store[root.name] = set(incremental.RECORDED)
        store(self, root, by_path, leave_out)

    monkeypatch.setattr(runner, "run_forked", counting)
    monkeypatch.setattr(Project, "prepare", preparing)
    monkeypatch.setattr(runner._ProjectCaches, "store", storing)
    options = RunOptions(
        rules=select_rules(), release_projects=True, jobs=2, use_cache=cached, cache_dir=tmp_path / "cache"
    )
    result = run([root], options)

    assert pools == [2, 2], "each project's two files were checked by workers"
    assert [r.path.name for r in result.files if r.findings] == ["files.ts", "files.ts"]
    # When the second project's turn comes, nothing noted for the first is held; nothing at the end either.
    assert held_at_prepare == {"api": set(), "web": set()}
    assert not incremental.RECORDED and not incremental.WIDE
    if cached:  # the workers' reads still reach the pack, which takes a project's when it is stored
        assert noted_at_store == {
            name: {root / name / "src" / "files.ts", root / name / "src" / "plain.ts"} for name in ("api", "web")
        }
    else:
        assert noted_at_store == {}
