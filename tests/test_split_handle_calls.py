"""A cold run that forks workers finds the files' calls handing a handle (`Project.handle_passing_calls`) in several
processes at once (`Project._split_handle_calls`, dalfix/workers.py `run_shares`): the transaction parameters, the
handle facts the children hand back and the report are the serial run's, and a child that dies or raises costs
nothing but its time (its files are found again in the parent)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import dalfix.workers
from dalfix.analysis.project import Project
from dalfix.analysis.summaries import Summaries
from dalfix.report import json_report
from dalfix.rules import select_rules
from dalfix.runner import RunOptions, RunResult, run
from dalfix.workers import Claims, run_shares

DB = """import { drizzle } from "drizzle-orm/node-postgres";
import { pgTable, text } from "drizzle-orm/pg-core";
export const posts = pgTable("posts", { id: text("id"), userId: text("user_id") });
export const users = pgTable("users", { id: text("id") });
export const db = drizzle(process.env.DATABASE_URL!);
export type Db = typeof db;
"""
# Callees first (the parent's end of the order), callers last (a child's end): every transaction crosses processes.
SAVE = """import {{ eq }} from "drizzle-orm";
import {{ posts, users, type Db }} from "./a-db";
export async function save{n}(conn: Db, id: string) {{
  const [user] = await conn.select().from(users).where(eq(users.id, id));
  const list = await conn.select().from(posts).where(eq(posts.userId, id));
  return {{ user, list }};
}}
export async function load{n}({{ db: handle, id }}: {{ db: Db; id: string }}) {{
  const [user] = await handle.select().from(users).where(eq(users.id, id));
  const list = await handle.select().from(posts).where(eq(posts.userId, id));
  return {{ user, list }};
}}
export async function forward{n}(h: Db, id: string) {{
  return save{m}(h, id);
}}
"""
CALLER = """import {{ db }} from "./a-db";
import {{ forward{n}, load{n}, save{n} }} from "./b-save{n}";
export async function run{n}(id: string) {{
  await db.transaction(async (tx) => {{
    const handle = tx;
    await {callee}(handle, id);
    await load{n}({{ db: tx, id }});
  }});
  return save{other}(db, id);
}}
"""
FILES = 12


def _project(tmp_path: Path) -> Path:
    (tmp_path / "package.json").write_text('{"name": "split", "dependencies": {"drizzle-orm": "0.44.0", "pg": "8"}}')
    src = tmp_path / "src"
    src.mkdir()
    (src / "a-db.ts").write_text(DB)
    for n in range(FILES):
        (src / f"b-save{n}.ts").write_text(SAVE.format(n=n, m=(n + 1) % FILES))
        imports = CALLER.format(n=n, callee=f"forward{n}" if n % 2 else f"save{n}", other=n)
        (src / f"c-run{n}.ts").write_text(imports)
    return tmp_path


@pytest.fixture
def shares(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Fork for any number of files; each entry: the number of shares a `run_shares` was asked for."""
    monkeypatch.setattr(dalfix.workers, "MIN_FILES_PER_WORKER", 1)
    asked: list[int] = []
    original = dalfix.workers.run_shares

    def counting(task, count):  # type: ignore[no-untyped-def]
        asked.append(count)
        return original(task, count)

    monkeypatch.setattr(dalfix.workers, "run_shares", counting)
    return asked


def _run(tree: Path, jobs: int) -> tuple[RunResult, Project]:
    result = run([tree], RunOptions(rules=select_rules([], [], True), jobs=jobs, use_cache=False))
    return result, result.projects[0]


def _facts(project: Project) -> tuple[object, ...]:
    summaries = project.summaries
    handles = {path: summaries.handles_at(path) for path in project.analysed}
    return project.transaction_parameters, project.__dict__["handle_calls"], handles


def test_the_split_finds_the_serial_transaction_parameters_and_report(tmp_path: Path, shares: list[int]) -> None:
    tree = _project(tmp_path)
    serial, serial_project = _run(tree, 1)
    assert not shares
    forked, forked_project = _run(tree, 2)
    assert shares == [2]
    assert json_report(forked) == json_report(serial)
    assert _facts(forked_project) == _facts(serial_project)
    parameters = forked_project.transaction_parameters
    save = tree / "src" / "b-save0.ts"
    # `save0(handle)` (an alias of tx) and `save0(db)`: a maybe-transaction; `load0({ db: tx })`: a transaction;
    # `forward1(h)` hands `save2` what it is handed (a transaction from c-run1).
    assert sorted(parameters[save]) == [("load0", "handle", False), ("save0", "conn", True)]
    assert ("save2", "conn", True) in parameters[tree / "src" / "b-save2.ts"]
    assert json.loads(json_report(forked))["findings"], "something was found"


def test_the_children_found_some_files_and_their_handles_are_not_followed_again(
    tmp_path: Path, shares: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = _project(tmp_path)
    calls, followed = tmp_path / "calls", tmp_path / "followed"
    original, follow = Project.handle_passing_calls, Summaries._handle_driver

    def noting(self: Project, path: Path) -> list[tuple[tuple[Path, str, str], str]]:
        with calls.open("a") as out:
            out.write(f"{os.getpid()} {path.name}\n")
        return original(self, path)

    def following(self: Summaries, path: Path, name: str) -> object:
        with followed.open("a") as out:
            out.write(f"{os.getpid()} {path.name} {name}\n")
        return follow(self, path, name)

    monkeypatch.setattr(Project, "handle_passing_calls", noting)
    monkeypatch.setattr(Summaries, "_handle_driver", following)
    _, project = _run(tree, 2)
    found = [line.split() for line in calls.read_text().splitlines()]
    assert sorted(name for _, name in found) == sorted(p.name for p in project.analysed), "each file once"
    children = {name: pid for pid, name in found if pid != str(os.getpid())}
    assert list(project.analysed)[-1].name in children  # the children take the files from the back
    # A name of a child's file is followed in that child only: its answer reaches the parent, and the workers
    # forked later (which build that file's vocabulary and check it) inherit it.
    names = [line.split() for line in followed.read_text().splitlines()]
    assert {name for pid, name, _ in names if name in children} == set(children)
    assert all(pid == children[name] for pid, name, _ in names if name in children)


def test_a_run_with_a_pack_splits_only_when_many_files_calls_are_found_again(
    tmp_path: Path, shares: list[int]
) -> None:
    """With a cache pack, the calls of the files whose key is unchanged come from it; an edit of a module every file
    imports leaves every file's calls to be found again, in shares (the parse-ahead thread stopped first), and the
    report is a cold serial run's; an edit of one caller leaves one file: no fork."""
    (tmp_path / "tree").mkdir()
    tree = _project(tmp_path / "tree")
    cache = RunOptions(rules=select_rules([], [], True), jobs=2, use_cache=True, cache_dir=tmp_path / "cache")
    run([tree], cache)
    assert shares == [2]  # the cold run that fills the pack
    caller = tree / "src" / "c-run3.ts"
    caller.write_text(caller.read_text() + "// an edit\n")
    again = run([tree], cache)
    assert shares == [2], "one file's calls to find: no fork"
    assert json_report(again) == json_report(_run(tree, 1)[0])
    db = tree / "src" / "a-db.ts"
    db.write_text(db.read_text() + "export const unused = 1;\n")
    edited = run([tree], cache)
    assert shares == [2, 2]
    serial, serial_project = _run(tree, 1)
    assert json_report(edited) == json_report(serial)
    assert edited.projects[0].transaction_parameters == serial_project.transaction_parameters


@pytest.mark.parametrize("how", ["dies", "raises"])
def test_a_child_that_dies_or_raises_loses_nothing(
    tmp_path: Path, shares: list[int], monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    tree = _project(tmp_path)
    serial, serial_project = _run(tree, 1)
    parent = os.getpid()
    original = Project.handle_passing_calls

    def failing(self: Project, path: Path) -> list[tuple[tuple[Path, str, str], str]]:
        if os.getpid() != parent:
            if how == "dies":
                os._exit(9)
            raise RuntimeError("a bug in a child")
        return original(self, path)

    monkeypatch.setattr(Project, "handle_passing_calls", failing)
    forked, forked_project = _run(tree, 2)
    assert shares == [2]
    assert json_report(forked) == json_report(serial)
    assert _facts(forked_project) == _facts(serial_project)


def test_claims_hand_each_item_once_the_first_share_from_the_front() -> None:
    claims = Claims(5)
    assert [claims.take(0), claims.take(1), claims.take(0), claims.take(2), claims.take(0)] == [0, 4, 1, 3, 2]
    assert claims.take(0) is None and claims.take(1) is None


def test_run_shares_answers_in_share_order_and_names_a_dead_child() -> None:
    parent = os.getpid()

    def task(index: int) -> object:
        if index == 2:
            os._exit(3)
        return (index, os.getpid() == parent)

    answers = run_shares(task, 3)
    assert answers[:2] == [(0, True), (1, False)]
    assert isinstance(answers[2], dalfix.workers.Crash) and "status 3" in answers[2].how


def test_a_workers_left_out_test_file_is_not_parsed(
    tmp_path: Path, shares: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A test file a share's child found the calls of reaches a worker unparsed: the rules leave it out by its path, so
    its check needs no tree (`runner._left_out_unparsed`), and the report is the serial run's."""
    import dalfix.runner
    from dalfix.analysis.project import ProjectFiles

    tree = _project(tmp_path)
    for n in range(FILES):  # last in the order: the child's end
        (tree / "src" / f"d-run{n}.test.ts").write_text(
            'import { db } from "./a-db";\nimport { posts } from "./a-db";\n'
            "export async function each(ids: string[]) {\n  for (const id of ids) await db.select().from(posts);\n}\n"
        )
    serial, _ = _run(tree, 1)
    log = tmp_path / "log"
    parse, check = ProjectFiles._parse, dalfix.runner._check_one

    def parsing(self: ProjectFiles, path: Path, source: bytes) -> object:
        with log.open("a") as out:
            out.write(f"parse {os.getpid()} {path.name}\n")
        return parse(self, path, source)

    def checking(path: Path, *args: object) -> object:
        with log.open("a") as out:
            out.write(f"check {os.getpid()} {path.name}\n")
        return check(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(ProjectFiles, "_parse", parsing)
    monkeypatch.setattr(dalfix.runner, "_check_one", checking)
    forked, _ = _run(tree, 2)
    assert json_report(forked) == json_report(serial)
    lines = [line.split() for line in log.read_text().splitlines()]
    workers = {pid for kind, pid, _ in lines if kind == "check"}
    checked = {name for kind, _, name in lines if kind == "check"}
    assert {f"d-run{n}.test.ts" for n in range(FILES)} <= checked
    assert workers and os.getpid() not in {int(pid) for pid in workers}
    parsed_by_workers = {name for kind, pid, name in lines if kind == "parse" and pid in workers}
    assert parsed_by_workers, "the workers parse the application files they check"
    assert not {name for name in parsed_by_workers if name.endswith(".test.ts")}


def test_modules_both_ends_import_are_indexed_before_the_fork(
    tmp_path: Path, shares: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database module, which files at both ends of the order import, is parsed and indexed once, in the parent
    before the shares fork (`Project._index_shared_modules`), not again in a child; the facts are the serial run's."""
    from dalfix.analysis.project import ProjectFiles

    tree = _project(tmp_path)
    _, serial_project = _run(tree, 1)
    serial_facts = _facts(serial_project)
    log = tmp_path / "log"
    parse = ProjectFiles._parse

    def parsing(self: ProjectFiles, path: Path, source: bytes) -> object:
        with log.open("a") as out:
            out.write(f"{os.getpid()} {path.name}\n")
        return parse(self, path, source)

    monkeypatch.setattr(ProjectFiles, "_parse", parsing)
    _, project = _run(tree, 2)
    assert shares == [2]
    assert _facts(project) == serial_facts
    parsed = [line.split() for line in log.read_text().splitlines()]
    assert [pid for pid, name in parsed if name == "a-db.ts"] == [str(os.getpid())]


def _pack(cache: Path) -> dict[str, object]:
    """The project pack's dependencies and entries (dalfix/incremental.py), without the code's fingerprint."""
    [pack] = [json.loads(p.read_text()) for p in cache.glob("*/*.json") if "files" in json.loads(p.read_text())]
    return {"extra": pack["extra"], "files": pack["files"]}


def test_a_first_run_with_a_cache_reads_the_schema_in_the_parents_share(
    tmp_path: Path, shares: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a cache, the schema (and the SQL facts) are read in the parent's share while the child takes claims
    (`Project._read_schema_in_share`), not in `incremental.global_facts` before the workers fork; what it records as
    read (every result's dependency on the schema files) and the pack are a serial run's, and a warm run reuses it."""
    import dalfix.incremental

    (tmp_path / "tree").mkdir()
    tree = _project(tmp_path / "tree")
    rules = select_rules([], [], True)
    serial = run([tree], RunOptions(rules=rules, jobs=1, use_cache=True, cache_dir=tmp_path / "serial"))
    assert not shares and serial.projects[0].schema_reads is None  # read in `global_facts`, as before
    order: list[str] = []
    facts, share = dalfix.incremental.global_facts, Project._read_schema_in_share

    def global_facts(project: Project, digest_of: object) -> object:
        order.append("global_facts")
        return facts(project, digest_of)  # type: ignore[arg-type]

    def read_schema(self: Project) -> None:
        order.append("share 0")
        share(self)
        assert "schema" in self.__dict__ and "_sql_facts" in self.__dict__

    monkeypatch.setattr(dalfix.incremental, "global_facts", global_facts)
    monkeypatch.setattr(Project, "_read_schema_in_share", read_schema)
    cache = RunOptions(rules=rules, jobs=2, use_cache=True, cache_dir=tmp_path / "forked")
    forked = run([tree], cache)
    assert shares == [2] and order == ["share 0", "global_facts"]
    project = forked.projects[0]
    assert project.schema_reads and tree / "src" / "a-db.ts" in project.schema_reads
    assert json_report(forked) == json_report(serial)
    assert _pack(tmp_path / "forked") == _pack(tmp_path / "serial")
    warm = run([tree], cache)
    assert json_report(warm) == json_report(serial)
    assert shares == [2], "every result reused: nothing to split"
