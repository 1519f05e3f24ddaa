"""`--jobs N`: files checked in forked worker processes (dalfix/workers.py) give exactly the serial run's output,
whatever the scheduling; a worker that raises or dies loses only its file; small runs never fork."""

from __future__ import annotations

import faulthandler
import json
import multiprocessing
import os
import random
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import dalfix.runner
import dalfix.workers
from dalfix.config import ConfigError, load_config
from dalfix.context import FileContext
from dalfix.fixes import Applicability, Finding
from dalfix.report import json_report
from dalfix.rules import Rule, select_rules
from dalfix.runner import RunOptions, RunResult, run
from dalfix.workers import Crash, run_forked, workers_for
from tests.test_new_files import _NeedsHelper

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
EXAMPLE = REPO / "examples" / "drizzle-app"


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Fork for any number of files, and count the pools started (each entry: its number of tasks)."""
    monkeypatch.setattr(dalfix.workers, "MIN_FILES_PER_WORKER", 1)
    pools: list[int] = []
    original = dalfix.runner.run_forked

    def counting(task, count, jobs):  # type: ignore[no-untyped-def]
        pools.append(count)
        return original(task, count, jobs)

    monkeypatch.setattr(dalfix.runner, "run_forked", counting)
    return pools


def cli(run_cli, *args: str | Path) -> tuple[str, str, int]:  # type: ignore[no-untyped-def]
    result = run_cli(*args)
    return result.stdout, result.stderr, result.exit_code


JSON = ("check", "--format", "json", "--preview")
DIFF_UNSAFE = ("diff", "--preview", "--unsafe-fixes")
CASES = [
    (FIXTURES, JSON),
    (FIXTURES, DIFF_UNSAFE),
    (EXAMPLE, JSON),
    (EXAMPLE, DIFF_UNSAFE),
    (EXAMPLE, ("diff", "--preview")),
    (EXAMPLE, ("check", "--format", "sarif", "--preview")),
    (EXAMPLE, ("check", "--preview", "--show-fixes")),
]


@pytest.mark.parametrize(
    ("tree", "command"),
    CASES,
    ids=["fixtures-json", "fixtures-diff", "app-json", "app-diff-unsafe", "app-diff", "app-sarif", "app-text"],
)
def test_two_workers_give_the_serial_output(run_cli, forks, tree: Path, command: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    serial = cli(run_cli, *command, "--no-cache", "--jobs", "1", tree)
    assert not forks
    forked = cli(run_cli, *command, "--no-cache", "--jobs", "2", tree)
    assert forks and forks[0] >= 2, "the pool was used"
    assert forked == serial
    assert serial[0].strip(), "something was found"


def test_three_workers_and_a_shuffled_schedule_give_the_serial_json(
    run_cli, forks, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Workers finish in another order every time (random delays): the output keeps the files' order."""
    serial = cli(run_cli, "check", "--format", "json", "--preview", "--no-cache", "--jobs", "1", EXAMPLE)
    original = dalfix.runner._process

    def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
        time.sleep(random.Random(os.getpid() + time.monotonic_ns()).random() * 0.01)
        return original(*args, **kwargs)

    monkeypatch.setattr(dalfix.runner, "_process", slow)
    for _ in range(2):
        assert cli(run_cli, "check", "--format", "json", "--preview", "--no-cache", "--jobs", "3", EXAMPLE) == serial


def test_apply_with_workers_writes_what_a_serial_apply_writes(run_cli, tmp_path: Path, forks) -> None:  # type: ignore[no-untyped-def]
    import shutil

    trees = {}
    for jobs in ("1", "2"):
        tree = tmp_path / f"app{jobs}"
        shutil.copytree(EXAMPLE, tree, ignore=shutil.ignore_patterns("node_modules", ".dalfix_cache"))
        outcome = cli(run_cli, "apply", "--preview", "--unsafe-fixes", "--no-cache", "--jobs", jobs, tree)
        assert outcome[2] == 1, outcome[1]
        trees[jobs] = {p.relative_to(tree): p.read_bytes() for p in sorted(tree.rglob("*")) if p.is_file()}
    assert trees["1"] == trees["2"]
    assert forks, "the pool was used"
    before = {path: (EXAMPLE / path).read_bytes() if (EXAMPLE / path).is_file() else None for path in trees["1"]}
    assert any(before[path] != text for path, text in trees["1"].items()), "apply changed or created files"


def test_files_whose_fixes_create_files_keep_the_first_come_order(tmp_path: Path, forks: list[int]) -> None:
    """Two files create one module with other texts: the first in order wins, as in a serial run (the parent
    checks such files again, in order, after the workers)."""
    (tmp_path / ".git").mkdir()
    for index in range(6):
        (tmp_path / f"f{index}.ts").write_text(f'const helperWanted = "v{index % 2}";\nexport const x{index} = 1;\n')

    def outcome(jobs: int) -> list[object]:
        result = run([tmp_path], RunOptions(rules=[_NeedsHelper], fix_threshold=Applicability.SAFE, jobs=jobs))
        return [(r.path.name, r.status, r.fixed, r.messages, [n.path.name for n in r.creates]) for r in result.files]

    serial = outcome(1)
    assert outcome(2) == serial
    assert forks
    assert sum(1 for entry in serial if entry[1] == "changed") == 3  # the v0 files; the v1 texts are refused


class _Raises(Rule):
    code = "DAL991"
    name = "test-raises"
    message = "test"
    fix_title = "none"
    fix_availability = "never"

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if b"boom" in ctx.parsed.source:
            raise RuntimeError("boom in a rule")
        if b"oom" in ctx.parsed.source:
            raise MemoryError("no memory left")
        if b"segfault" in ctx.parsed.source and multiprocessing.parent_process() is not None:
            faulthandler.disable()  # pytest's dump of the worker's stack would only be noise
            os.kill(os.getpid(), signal.SIGSEGV)  # only ever in a worker: the test process must survive
        for node in ctx.parsed.root.named_children:
            if ctx.text(node).startswith("const flagged"):
                yield ctx.finding(self, node)


def _files(tmp_path: Path, special: dict[int, str]) -> None:
    for index in range(8):
        text = f"const flagged{index} = {index};\n"
        (tmp_path / f"f{index}.ts").write_text(special.get(index, "") + text)


def _summary(result: RunResult) -> list[tuple[str, str, str | None, list[tuple[int, int]]]]:
    return [(r.path.name, r.status, r.reason, [(f.start, f.end) for f in r.findings]) for r in result.files]


def test_a_rule_raising_in_a_worker_fails_that_file_only(tmp_path: Path, forks: list[int]) -> None:
    _files(tmp_path, {2: "// boom\n", 5: "// oom\n"})
    serial = run([tmp_path], RunOptions(rules=[_Raises], jobs=1))
    forked = run([tmp_path], RunOptions(rules=[_Raises], jobs=2))
    assert forks
    assert _summary(forked) == _summary(serial)
    failed = {r.path.name: r.reason for r in forked.failed}
    assert failed == {
        "f2.ts": "internal error: RuntimeError: boom in a rule",
        "f5.ts": "internal error: MemoryError: no memory left",
    }
    assert sum(len(r.findings) for r in forked.files) == 6
    assert any("Traceback" in m for m in forked.failed[0].messages)


def test_a_worker_that_dies_loses_only_its_file_and_the_run_goes_on(tmp_path: Path, forks: list[int]) -> None:
    _files(tmp_path, {3: "// segfault\n"})
    result = run([tmp_path], RunOptions(rules=[_Raises], jobs=2, use_cache=True))
    by_name = {r.path.name: r for r in result.files}
    crashed = by_name.pop("f3.ts")
    assert crashed.status == "failed"
    assert crashed.reason is not None and "crashed (it was killed by SIGSEGV)" in crashed.reason
    assert all(r.status == "unchanged" and len(r.findings) == 1 for r in by_name.values())
    # The crash is not cached: the next run checks the file again (alone, so here, where it does not crash).
    again = {r.path.name: r for r in run([tmp_path], RunOptions(rules=[_Raises], jobs=2, use_cache=True)).files}
    assert again["f3.ts"].status == "unchanged" and len(again["f3.ts"].findings) == 1
    assert forks == [8]  # the other seven came from the cache, one file takes the serial path


def test_the_cli_names_a_crashed_file_and_exits_2(run_cli, workdir: Path, forks, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _files(workdir, {6: "// segfault\n"})
    monkeypatch.setattr(dalfix.runner, "select_rules", lambda *a: [_Raises], raising=False)
    monkeypatch.setattr("dalfix.cli.select_rules", lambda *a: [_Raises])
    stdout, stderr, code = cli(run_cli, "check", "--format", "json", "--jobs", "2", ".")
    assert code == 2
    assert "dalfix: error: f6.ts: the worker process checking this file crashed (it was killed by SIGSEGV)" in stderr
    report = json.loads(stdout)
    assert len(report["findings"]) == 7
    # SARIF's notification says "not checked" once (it read "not checked: … the file was not checked, …")
    stdout, _, code = cli(run_cli, "check", "--format", "sarif", "--jobs", "2", "--no-cache", ".")
    (invocation,) = json.loads(stdout)["runs"][0]["invocations"]
    (notification,) = invocation["toolExecutionNotifications"]
    assert notification["message"]["text"] == (
        "not checked: the worker process checking this file crashed (it was killed by SIGSEGV); the other files "
        "were checked"
    )


def test_run_forked_answers_every_task_by_its_index_whatever_finishes_first() -> None:
    def task(index: int) -> int:
        time.sleep(random.Random(index).random() * 0.005)
        return index * index

    answers = dict(run_forked(task, 40, 3))
    assert answers == {i: i * i for i in range(40)}


def test_run_forked_replaces_a_dead_worker_and_deals_its_queue_again() -> None:
    def task(index: int) -> int:
        if index in (4, 17):
            os._exit(3)
        return index

    answers = dict(run_forked(task, 30, 2))
    assert answers.pop(4) == Crash("it exited with status 3")
    assert answers.pop(17) == Crash("it exited with status 3")
    assert answers == {i: i for i in range(30) if i not in (4, 17)}


def test_closing_the_run_stops_every_worker() -> None:
    """What Ctrl-C in the parent does (the generator is closed on the way out): no worker is left running."""

    def task(index: int) -> int:
        time.sleep(0.2 if index else 0)
        return index

    answers = run_forked(task, 20, 2)
    assert next(answers) == (0, 0)
    answers.close()
    assert multiprocessing.active_children() == []


def test_a_keyboard_interrupt_in_the_parent_stops_the_workers() -> None:
    def task(index: int) -> int:
        time.sleep(0.05)
        return index

    def interrupted() -> None:
        for index, _ in run_forked(task, 50, 2):
            if index == 3:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    assert multiprocessing.active_children() == []


def test_small_runs_and_one_job_never_fork() -> None:
    assert workers_for(1, 10_000) == 0
    assert workers_for(2, 2 * dalfix.workers.MIN_FILES_PER_WORKER - 1) == 0
    assert workers_for(2, 2 * dalfix.workers.MIN_FILES_PER_WORKER) == 2
    assert workers_for(8, 3 * dalfix.workers.MIN_FILES_PER_WORKER) == 3


def test_a_few_files_take_the_serial_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    called: list[int] = []
    monkeypatch.setattr(dalfix.runner, "run_forked", lambda *a: called.append(1) or iter(()))
    _files(tmp_path, {})
    result = run([tmp_path], RunOptions(rules=[_Raises], jobs=4))
    assert not called and sum(len(r.findings) for r in result.files) == 8


def test_jobs_in_the_settings(tmp_path: Path) -> None:
    (tmp_path / "dalfix.toml").write_text("jobs = 3\n")
    assert load_config(tmp_path).jobs == 3
    for bad in ("0", "true", '"2"'):
        (tmp_path / "dalfix.toml").write_text(f"jobs = {bad}\n")
        with pytest.raises(ConfigError, match="`jobs` must be a positive integer"):
            load_config(tmp_path)


def test_jobs_from_the_settings_when_the_command_line_says_nothing(tmp_path: Path, forks: list[int]) -> None:
    _files(tmp_path, {})
    (tmp_path / "dalfix.toml").write_text("jobs = 1\n")
    run([tmp_path], RunOptions(rules=[_Raises], jobs=None))
    assert not forks
    (tmp_path / "dalfix.toml").write_text("jobs = 2\n")
    run([tmp_path], RunOptions(rules=[_Raises], jobs=None))
    assert forks == [8]


def test_the_number_of_jobs_does_not_invalidate_the_cache(run_cli, workdir: Path, forks) -> None:  # type: ignore[no-untyped-def]
    from tests.test_cache import POOLED_DB, USES_DB

    (workdir / "package.json").write_text('{"name": "app", "dependencies": {"pg": "8"}}\n')
    (workdir / "db.ts").write_text(POOLED_DB)
    for name in ("a", "b", "c"):
        (workdir / f"{name}.ts").write_text(USES_DB)
    first = cli(run_cli, "check", "--format", "json", "--jobs", "2", ".")
    ran: list[Path] = []
    original = dalfix.runner._process
    import unittest.mock

    with unittest.mock.patch.object(
        dalfix.runner, "_process", lambda r, *a, **k: ran.append(r.path) or original(r, *a, **k)
    ):
        second = cli(run_cli, "check", "--format", "json", "--jobs", "1", ".")
    assert second[0] == first[0] and json.loads(first[0])["findings"]
    assert forks == [3] and ran == [], "served from the cache"


def test_json_report_of_a_forked_run_equals_the_serial_one_on_the_example(forks: list[int]) -> None:
    rules = select_rules([], [], True)
    serial = run([EXAMPLE], RunOptions(rules=rules, jobs=1))
    forked = run([EXAMPLE], RunOptions(rules=rules, jobs=2))
    assert json_report(forked) == json_report(serial)
    assert [r.parsed is None for r in forked.files] == [r.parsed is None for r in serial.files]


class _FactsRaise(_Raises):
    code = "DAL992"

    @classmethod
    def project_facts(cls, project):  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug in the project facts")

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        type(self).project_facts(ctx.project)
        yield from ()


def test_a_bug_in_the_shared_facts_fails_the_files_as_a_serial_run_does(tmp_path: Path, forks: list[int]) -> None:
    _files(tmp_path, {})
    serial = run([tmp_path], RunOptions(rules=[_Raises, _FactsRaise], jobs=1))
    forked = run([tmp_path], RunOptions(rules=[_Raises, _FactsRaise], jobs=2))
    assert forks
    assert _summary(forked) == _summary(serial)
    assert {r.reason for r in forked.files} == {"internal error: RuntimeError: a bug in the project facts"}


def _dal010_findings(report: str) -> int:
    return sum(1 for f in json.loads(report)["findings"] if f["rule"] == "DAL010")


def test_the_index_plan_is_built_once_in_a_worker_while_the_others_check(
    run_cli, forks, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """DAL010's plan (a rule with stand-in facts) is not built before the fork: one worker builds it while the other
    checks under the stand-in, and its checks of the files the plan reports on replace the stand-in ones."""
    import dalfix.analysis.index_plan

    tree = FIXTURES / "missing_index"  # one project
    serial = cli(run_cli, *JSON, "--no-cache", "--jobs", "1", tree)
    builds = tmp_path / "builds"
    original = dalfix.analysis.index_plan.plan_indexes

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        with builds.open("a") as out:
            out.write(f"{os.getpid()} {multiprocessing.parent_process() is not None}\n")
        return original(*args, **kwargs)

    monkeypatch.setattr(dalfix.analysis.index_plan, "plan_indexes", counted)
    forked = cli(run_cli, *JSON, "--no-cache", "--jobs", "2", tree)
    assert forked == serial and forks
    assert _dal010_findings(serial[0]) > 20
    lines = builds.read_text().splitlines()
    assert len(lines) == 1 and lines[0].endswith("True"), lines  # once, in a worker


def test_a_worker_dying_while_it_builds_the_index_plan_loses_nothing(run_cli, forks, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The parent builds the plan itself and checks again, in order, the files it reports on."""
    import dalfix.analysis.index_plan
    from transforms.missing_index import MissingIndex

    tree = FIXTURES / "missing_index"
    serial = cli(run_cli, *JSON, "--no-cache", "--jobs", "1", tree)
    assert _dal010_findings(serial[0]) > 20
    original = MissingIndex.project_facts.__func__  # type: ignore[attr-defined]

    def dies(cls, project):  # type: ignore[no-untyped-def]
        if multiprocessing.parent_process() is not None:
            faulthandler.disable()
            os.kill(os.getpid(), signal.SIGSEGV)
        original(cls, project)

    monkeypatch.setattr(MissingIndex, "project_facts", classmethod(dies))
    builds = tmp_path / "builds"
    plan_indexes = dalfix.analysis.index_plan.plan_indexes

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        with builds.open("a") as out:
            out.write(f"{multiprocessing.parent_process() is not None}\n")
        return plan_indexes(*args, **kwargs)

    monkeypatch.setattr(dalfix.analysis.index_plan, "plan_indexes", counted)
    assert cli(run_cli, *JSON, "--no-cache", "--jobs", "2", tree) == serial
    assert forks
    assert builds.read_text().splitlines() == ["False"], "the worker died before its plan; the parent built one"


class _StandInRaises(_Raises):
    code = "DAL993"
    stand_in = True

    @classmethod
    def project_facts(cls, project):  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug in the stand-in rule's facts")

    @classmethod
    def stand_in_facts(cls, project):  # type: ignore[no-untyped-def]
        project.__dict__["_test_stand_in"] = True

    @classmethod
    def facts_concern(cls, project):  # type: ignore[no-untyped-def]
        cls.project_facts(project)
        return set()

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if not ctx.project.__dict__.get("_test_stand_in"):
            type(self).project_facts(ctx.project)
        yield from ()


def test_a_bug_in_facts_built_in_a_worker_fails_the_files_as_a_serial_run_does(
    tmp_path: Path, forks: list[int]
) -> None:
    """Task 0 cannot build the facts, nor can the parent: every file is checked again in the parent, where each
    fails as in a serial run (not silently passed under the stand-in)."""
    _files(tmp_path, {})
    serial = run([tmp_path], RunOptions(rules=[_Raises, _StandInRaises], jobs=1))
    forked = run([tmp_path], RunOptions(rules=[_Raises, _StandInRaises], jobs=2))
    assert forks
    assert _summary(forked) == _summary(serial)
    assert {r.reason for r in forked.files} == {"internal error: RuntimeError: a bug in the stand-in rule's facts"}
