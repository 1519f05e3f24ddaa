"""Parsing ahead in a thread (dalfix/parse_ahead.py): what it hands over is `parse_file`'s result, a parse that
raises in the thread loses no file, the thread holds a bounded number of parses and is gone before any fork, and a
run's output does not depend on it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import dalfix.parse_ahead
import dalfix.runner
import dalfix.workers
from dalfix.analysis.project import Project
from dalfix.analysis.relevance import Relevance
from dalfix.parse_ahead import ParseAhead, parsing_ahead
from dalfix.parsing import MAX_NESTING, ParsedFile, parse_file
from dalfix.report import json_report
from dalfix.rules import select_rules
from dalfix.runner import RunOptions, run
from tests.test_relevance import CLIENT, QUERIES

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
EXAMPLE = REPO / "examples" / "drizzle-app"

SOURCES = {
    Path("plain.ts"): b"export async function f(db) { return db.select().from(users); }\n",
    # a grammar gap parse_file masks (dalfix/grammar_gaps.py) and a syntax error it keeps as an error region
    Path("gap.ts"): b'export const f = g<typeof import("./m")>();\nconst x: import("./m").T<A> = 1;\n',
    Path("broken.ts"): b"export function f( { return 1 }\nexport const ok = 2;\n",
    Path("deep.ts"): b"export const f = () => " + b"(" * (MAX_NESTING + 20) + b"1" + b")" * (MAX_NESTING + 20) + b";\n",
    Path("view.tsx"): b"export const V = () => <div>a & b</div>;\n",
}


def _when_parsed(ahead: ParseAhead, path: Path, source: bytes) -> ParsedFile | None:
    """`ahead.take` once the thread has parsed `path` (a take before that leaves the file to the caller)."""
    for _ in range(1000):
        with ahead._lock:
            if path in ahead._ready:
                break
        threading.Event().wait(0.01)
    return ahead.take(path, source)


def _same(a: ParsedFile, b: ParsedFile) -> bool:
    return (
        a.path == b.path
        and a.source == b.source
        and a.original == b.original
        and a.grammar == b.grammar
        and a.masks == b.masks
        and a.error_regions == b.error_regions
        and a.error_lines == b.error_lines
        and str(a.root) == str(b.root)
    )


def test_what_the_thread_hands_over_is_parse_file_s_result() -> None:
    with parsing_ahead(2) as ahead:
        assert ahead is not None
        for path, source in SOURCES.items():
            ahead.feed(path, source)
        ahead.fed()
        taken = {path: _when_parsed(ahead, path, source) for path, source in SOURCES.items()}
        assert ahead.handed == len(SOURCES)
    for path, source in SOURCES.items():
        parsed = taken[path]
        assert parsed is not None and _same(parsed, parse_file(path, source)), path
    assert [m.reason for m in taken[Path("gap.ts")].masks if m.reason] and taken[Path("deep.ts")].masks  # type: ignore[union-attr]
    assert taken[Path("broken.ts")].error_regions  # type: ignore[union-attr]


def test_other_bytes_than_those_fed_are_not_handed_over() -> None:
    with parsing_ahead(4) as ahead:
        assert ahead is not None
        ahead.feed(Path("a.ts"), b"const a = 1;\n")
        ahead.fed()
        assert _when_parsed(ahead, Path("a.ts"), b"const a = 2;\n") is None
        assert ahead.take(Path("unknown.ts"), b"x") is None


def test_a_parse_that_raises_in_the_thread_is_left_to_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(path: Path, source: bytes) -> ParsedFile:
        if path.name == "gap.ts":
            raise RecursionError("too deep for the thread")
        return parse_file(path, source)

    monkeypatch.setattr(dalfix.parse_ahead, "parse_file", failing)
    with parsing_ahead(8) as ahead:
        assert ahead is not None
        for path, source in SOURCES.items():
            ahead.feed(path, source)
        ahead.fed()
        taken = {path: _when_parsed(ahead, path, source) for path, source in SOURCES.items()}
        assert ahead.handed == len(SOURCES) - 1  # the thread tried gap.ts, and left it to the caller
    assert taken.pop(Path("gap.ts")) is None
    assert all(parsed is not None for parsed in taken.values())


def test_the_thread_holds_at_most_its_bound_and_stops_when_closed() -> None:
    ahead = ParseAhead(2)
    try:
        for index in range(20):
            ahead.feed(Path(f"f{index}.ts"), b"const a = %d;\n" % index)
        ahead.fed()
        for _ in range(200):
            if len(ahead._ready) == 2:
                break
            threading.Event().wait(0.01)
        threading.Event().wait(0.05)
        assert len(ahead._ready) == 2  # nobody takes them: the thread waits
        assert ahead.take(Path("f0.ts"), b"const a = 0;\n") is not None
        # a file asked for before the thread reached it is the caller's: the thread skips it
        assert ahead.take(Path("f9.ts"), b"const a = 9;\n") is None
    finally:
        ahead.close()
    assert not ahead._thread.is_alive()
    assert not ahead._ready


def test_skipped_files_are_not_parsed_and_free_their_room() -> None:
    """A one-edit run: the files a previous run's facts serve are skipped (dalfix/incremental.py); one held already is
    dropped so that the thread parses on, and one asked for all the same is the caller's to parse."""
    parsed: list[Path] = []
    ahead = ParseAhead(2)
    original = dalfix.parse_ahead.parse_file

    def counting(path: Path, source: bytes) -> ParsedFile:
        parsed.append(path)
        return original(path, source)

    dalfix.parse_ahead.parse_file = counting  # type: ignore[assignment]
    try:
        for index in range(6):
            ahead.feed(Path(f"f{index}.ts"), b"const a = %d;\n" % index)
        ahead.fed()
        for _ in range(200):
            if len(ahead._ready) == 2:
                break
            threading.Event().wait(0.01)
        ahead.skip([Path("f0.ts"), Path("f1.ts"), Path("f2.ts"), Path("f4.ts")])
        assert _when_parsed(ahead, Path("f3.ts"), b"const a = 3;\n") is not None
        assert _when_parsed(ahead, Path("f5.ts"), b"const a = 5;\n") is not None
        assert ahead.take(Path("f4.ts"), b"const a = 4;\n") is None
    finally:
        ahead.close()
        dalfix.parse_ahead.parse_file = original  # type: ignore[assignment]
    assert parsed == [Path(f"f{index}.ts") for index in (0, 1, 3, 5)]


def test_the_runner_s_output_does_not_depend_on_parsing_ahead(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = select_rules([], [], True)
    monkeypatch.setattr(dalfix.parse_ahead, "PARSE_AHEAD", 0)
    reports = [json_report(run([tree], RunOptions(rules=rules, jobs=1))) for tree in (FIXTURES, EXAMPLE)]
    handed: list[int] = []
    close = ParseAhead.close

    def counting(self: ParseAhead) -> None:
        close(self)
        handed.append(self.handed)

    monkeypatch.setattr(ParseAhead, "close", counting)
    for ahead in (1, 8):
        monkeypatch.setattr(dalfix.parse_ahead, "PARSE_AHEAD", ahead)
        assert [json_report(run([tree], RunOptions(rules=rules, jobs=1))) for tree in (FIXTURES, EXAMPLE)] == reports
    assert sum(handed) > 0  # the thread did hand parses over


def test_a_file_whose_parse_raises_in_the_thread_is_still_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = select_rules([], [], True)
    serial = json_report(run([EXAMPLE], RunOptions(rules=rules, jobs=1)))

    def failing(path: Path, source: bytes) -> ParsedFile:
        raise MemoryError("no memory left in the thread")

    monkeypatch.setattr(dalfix.parse_ahead, "parse_file", failing)
    assert json_report(run([EXAMPLE], RunOptions(rules=rules, jobs=1))) == serial


def test_no_parsing_thread_is_alive_when_the_workers_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dalfix.workers, "MIN_FILES_PER_WORKER", 1)
    alive: list[list[str]] = []
    original = dalfix.runner.run_forked

    def checking(task, count, jobs):  # type: ignore[no-untyped-def]
        alive.append([t.name for t in threading.enumerate() if t is not threading.main_thread()])
        return original(task, count, jobs)

    monkeypatch.setattr(dalfix.runner, "run_forked", checking)
    rules = select_rules([], [], True)
    forked = json_report(run([EXAMPLE], RunOptions(rules=rules, jobs=2)))
    assert alive and all("dalfix-parse-ahead" not in names for names in alive)
    assert forked == json_report(run([EXAMPLE], RunOptions(rules=rules, jobs=1)))


def _when_pushed(ahead: ParseAhead, path: Path) -> None:
    for _ in range(1000):
        with ahead._lock:
            if path in ahead._pushed or (path in ahead._tried and ahead._busy != path):
                return
        threading.Event().wait(0.01)


def test_the_modules_a_taken_file_links_to_are_parsed_next(tmp_path: Path) -> None:
    on_disk = tmp_path / "outside.ts"
    on_disk.write_bytes(b"export const o = 1;\n")
    known = {Path("a.ts"): b"export * from './b';\n", Path("b.ts"): b"export const b = 1;\n"}
    links = {Path("a.ts"): [Path("b.ts"), on_disk, tmp_path / "missing.ts"]}
    with parsing_ahead(4, linked=lambda path: links.get(path, []), known=known.get) as ahead:
        assert ahead is not None
        ahead.feed(Path("a.ts"), known[Path("a.ts")])
        ahead.fed()
        assert _when_parsed(ahead, Path("a.ts"), known[Path("a.ts")]) is not None
        _when_pushed(ahead, on_disk)
        _when_pushed(ahead, tmp_path / "missing.ts")  # unreadable: nothing held for it
        assert set(ahead._pushed) == {Path("b.ts"), on_disk}
        b = ahead.take(Path("b.ts"), known[Path("b.ts")])
        assert b is not None and _same(b, parse_file(Path("b.ts"), known[Path("b.ts")]))
        outside = ahead.take(on_disk, on_disk.read_bytes())  # read again by the caller: equal bytes
        assert outside is not None and _same(outside, parse_file(on_disk, on_disk.read_bytes()))
        assert ahead.handed == 3


def test_linked_parses_beyond_their_bound_are_dropped_oldest_first() -> None:
    known = {Path(f"m{i}.ts"): b"export const m = %d;\n" % i for i in range(5)}
    known[Path("a.ts")] = b"export {};\n"
    ahead = ParseAhead(
        4,
        linked=lambda path: [Path(f"m{i}.ts") for i in range(5)] if path.name == "a.ts" else [],
        known=known.get,
        pushed=2,
        pushed_bytes=1000,
    )
    try:
        ahead.feed(Path("a.ts"), known[Path("a.ts")])
        ahead.fed()
        assert _when_parsed(ahead, Path("a.ts"), known[Path("a.ts")]) is not None
        _when_pushed(ahead, Path("m4.ts"))
        assert list(ahead._pushed) == [Path("m3.ts"), Path("m4.ts")] and ahead.dropped == 3
        assert ahead.take(Path("m0.ts"), known[Path("m0.ts")]) is None  # dropped: the caller parses it
        assert ahead.take(Path("m3.ts"), known[Path("m3.ts")]) is not None
    finally:
        ahead.close()
    assert not ahead._thread.is_alive()


def test_linked_modules_are_re_export_targets_and_imports_on_a_path_to_a_handle(tmp_path: Path) -> None:
    files = {
        "client.ts": CLIENT,
        "queries.ts": QUERIES,
        "format.ts": "export async function format(x: string) {\n  return x.trim();\n}\n",
        "types.ts": "export type Id = string;\n",
        "util.ts": "export const z = 1;\n",
        "index.ts": (
            'export * from "./types";\nexport { format } from "./format";\n'
            'import { loadUser } from "./queries";\nimport { format as f } from "./format";\n'
            'import { Id } from "./types";\nimport { z } from "./util";\n'
            "export const go = (id: Id) => loadUser(f(id), z);\n"
        ),
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    sources = {p: p.read_bytes() for p in sorted(tmp_path.glob("*.ts"))}
    relevance = Relevance(Project.load(tmp_path), sources)
    assert relevance.is_relevant(tmp_path / "index.ts")
    # re-exports first (every one), then the imports on a path to the handle (not util's)
    assert [p.name for p in relevance.linked_modules(tmp_path / "index.ts")] == ["format.ts", "types.ts", "queries.ts"]
    assert relevance.linked_modules(tmp_path / "nowhere.ts") == []


def test_linked_parses_are_held_up_to_a_number_of_bytes_of_source() -> None:
    known = {Path(f"m{i}.ts"): b"export const m = %d;" % i + b" " * 100 + b"\n" for i in range(4)}
    known[Path("big.ts")] = b"export const big = 1;" + b" " * 1000 + b"\n"
    known[Path("a.ts")] = b"export {};\n"
    links = [Path("big.ts"), *(Path(f"m{i}.ts") for i in range(4))]
    ahead = ParseAhead(
        4, linked=lambda path: links if path.name == "a.ts" else [], known=known.get, pushed=10, pushed_bytes=300
    )
    try:
        ahead.feed(Path("a.ts"), known[Path("a.ts")])
        ahead.fed()
        assert _when_parsed(ahead, Path("a.ts"), known[Path("a.ts")]) is not None
        _when_pushed(ahead, Path("m3.ts"))
        # big.ts alone is over the bound: not parsed; of the others, the last two fit (120 bytes each)
        assert list(ahead._pushed) == [Path("m2.ts"), Path("m3.ts")] and ahead.dropped == 2
        assert ahead.take(Path("big.ts"), known[Path("big.ts")]) is None
        assert ahead.take(Path("m3.ts"), known[Path("m3.ts")]) is not None and ahead._pushed_bytes == 120
    finally:
        ahead.close()
