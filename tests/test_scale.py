"""Big files cost time in proportion to their size: each piece that was quadratic, checked on its own.

Each test compares a small and a 4-16x bigger input; the bounds leave room for a loaded machine while the
quadratic versions missed them by a factor of 4 or more.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import dalfix.runner
from dalfix.analysis.drizzle import Vocabulary
from dalfix.comments import comment_texts
from dalfix.diffs import _anchored_opcodes, unified_diff
from dalfix.fixes import Applicability, Edit, Finding, Fix
from dalfix.parsing import SpanIndex, clear_root_index, descendants_of_type, line_col, parse_file, walk
from dalfix.render import _tree_semicolons
from dalfix.runner import _non_overlapping

BLOCK = """export async function load{n}(id: string) {{
  const a = await db.select().from(users).where(eq(users.id, id));
  const b = await db.select().from(orders).where(eq(orders.userId, id));
  return [a, b];
}}

export async function move{n}(from: string) {{
  return db.transaction(async (tx) => {{
    await tx.update(accounts).set({{ balance: 0 }}).where(eq(accounts.id, from));
  }});
}}

"""
GROUPED = """  const [a, b] = await Promise.all([
    db.select().from(users).where(eq(users.id, id)),
    db.select().from(orders).where(eq(orders.userId, id)),
  ]);
"""


def generated(repetitions: int) -> bytes:
    return ('import { db } from "./db";\n' + "".join(BLOCK.format(n=n) for n in range(repetitions))).encode()


def seconds(function: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def assert_linear(small: float, big: float, factor: int) -> None:
    # Linear work grows `factor` times; allow twice that (noise, caches). Quadratic grew factor² times.
    assert big < small * factor * 2 + 0.05, f"{factor}x the input took {big / small:.1f}x the time"


def test_unified_diff_of_a_repetitive_file() -> None:
    def pair(repetitions: int) -> tuple[bytes, bytes]:
        before = generated(repetitions)
        old = b"  const a = await db.select().from(users).where(eq(users.id, id));\n"
        old += b"  const b = await db.select().from(orders).where(eq(orders.userId, id));\n"
        return before, before.replace(old, GROUPED.encode())

    small, big = pair(300), pair(1200)
    assert_linear(seconds(lambda: unified_diff(*small, "a.ts")), seconds(lambda: unified_diff(*big, "a.ts")), 4)


@pytest.mark.parametrize("seed", range(300))
def test_anchored_opcodes_rebuild_the_new_side(seed: int) -> None:
    rng = random.Random(seed)
    vocabulary = [f"line {i}\n" for i in range(rng.randint(1, 8))]
    before = [rng.choice(vocabulary) for _ in range(rng.randint(0, 40))]
    after = list(before)
    for _ in range(rng.randint(0, 6)):
        roll = rng.random()
        if roll < 0.3 and after:
            del after[rng.randrange(len(after))]
        elif roll < 0.6:
            after.insert(rng.randint(0, len(after)), rng.choice([*vocabulary, "new\n"]))
        elif after:
            after[rng.randrange(len(after))] = f"changed {rng.randint(0, 3)}\n"
    rebuilt: list[str] = []
    position = (0, 0)
    for tag, i1, i2, j1, j2 in _anchored_opcodes(before, after):
        assert (i1, j1) == position, "opcodes are contiguous"
        if tag == "equal":
            assert before[i1:i2] == after[j1:j2]
        rebuilt += after[j1:j2]
        position = (i2, j2)
    assert position == (len(before), len(after)) and rebuilt == after


def test_line_col_does_not_rescan_the_file() -> None:
    def positions(repetitions: int) -> tuple[bytes, list[int]]:
        source = generated(repetitions)
        return source, [len(source) * k // 2000 for k in range(2000)]

    small, big = positions(100), positions(1600)
    assert line_col(*[big[0], big[1][-1]]) == (big[0].count(b"\n", 0, big[1][-1]) + 1, line_col(big[0], big[1][-1])[1])
    time_small = seconds(lambda: [line_col(small[0], p) for p in small[1]])
    time_big = seconds(lambda: [line_col(big[0], p) for p in big[1]])
    assert time_big < time_small * 4 + 0.05, "the same number of lookups must not grow with the file"


def test_handle_lookups_do_not_scan_every_transaction(tmp_path: Path) -> None:
    def lookups(repetitions: int) -> Callable[[], object]:
        parsed = parse_file(tmp_path / "a.ts", generated(repetitions))
        vocabulary = Vocabulary.build(parsed, ("db",))
        assert len(vocabulary.transaction_scopes) == repetitions
        roots = [n for n in descendants_of_type(parsed.root, "identifier") if parsed.text(n) in ("db", "tx")][:500]
        return lambda: [vocabulary.handle_kind(root, root) for root in roots]

    small, big = lookups(25), lookups(1600)
    assert_linear(seconds(small), seconds(big), 1)


def test_span_index_agrees_with_a_scan() -> None:
    rng = random.Random(7)
    for _ in range(200):
        spans: list[tuple[int, int]] = []

        def nest(start: int, end: int, depth: int, spans: list[tuple[int, int]] = spans) -> None:
            position = start
            while position < end and depth < 4:
                width = rng.randint(1, max(1, (end - position)))
                if rng.random() < 0.6:
                    spans.append((position, position + width))
                    nest(position + 1, position + width - 1, depth + 1)
                position += width + rng.randint(0, 3)

        nest(0, 200, 0)
        rng.shuffle(spans)
        index = SpanIndex(spans[: len(spans) // 2])
        for span in spans[len(spans) // 2 :]:
            index.add(*span)
        for offset in range(-1, 202):
            assert index.contains(offset) == any(s <= offset < e for s, e in spans), (spans, offset)


def _findings(count: int) -> list[Finding]:
    fix = lambda at: Fix((Edit(at, at + 5, "x"), Edit(at + 7, at + 7, "y")), Applicability.SAFE, "t")  # noqa: E731
    return [Finding("DAL900", "t", "t", at, at + 8, fix(at)) for at in range(0, count * 10, 10)]


def test_choosing_non_overlapping_fixes_is_not_quadratic(monkeypatch) -> None:
    calls = 0
    real = Fix.overlaps

    def counting(self: Fix, other: Fix) -> bool:
        nonlocal calls
        calls += 1
        return real(self, other)

    monkeypatch.setattr(Fix, "overlaps", counting)
    findings = _findings(2000)
    assert _non_overlapping(findings) == findings
    assert calls < 10 * len(findings), f"{calls} overlap checks for {len(findings)} fixes"


@pytest.mark.parametrize("seed", range(50))
def test_non_overlapping_matches_the_pairwise_choice(seed: int) -> None:
    rng = random.Random(seed)
    findings = []
    for _ in range(rng.randint(1, 30)):
        edits = []
        for _ in range(rng.randint(1, 3)):
            start = rng.randint(0, 100)
            edits.append(Edit(start, start + rng.choice([0, 0, 1, 3, 8]), "z"))
        edits.sort()
        if any(a.end > b.start for a, b in zip(edits, edits[1:], strict=False)):
            continue
        findings.append(Finding("DAL900", "t", "t", 0, 1, Fix(tuple(edits), Applicability.SAFE, "t")))
    expected: list[Finding] = []
    for finding in sorted(findings, key=lambda f: (f.fix.start, f.fix.end) if f.fix else (0, 0)):
        if all(not finding.fix.overlaps(other.fix) for other in expected):  # type: ignore[union-attr,arg-type]
            expected.append(finding)
    assert _non_overlapping(findings) == expected


def test_one_bad_fix_among_many_costs_log_n_reparses(tmp_path: Path, monkeypatch) -> None:
    source = ("".join(f"const v{n} = {n};\n" for n in range(256))).encode()
    parsed = parse_file(tmp_path / "a.ts", source)
    findings = []
    for declaration in parsed.root.named_children:
        value = declaration.named_children[0].child_by_field_name("value")
        assert value is not None
        text = "(" if parsed.text(value) == "77" else parsed.text(value) + " + 0"  # one fix breaks the syntax
        fix = Fix((Edit(value.start_byte, value.end_byte, text),), Applicability.SAFE, "t")
        findings.append(Finding("DAL900", "t", "t", value.start_byte, value.end_byte, fix))
    parses = 0
    real_parse = dalfix.runner.parse_file

    def counting(*args):  # type: ignore[no-untyped-def]
        nonlocal parses
        parses += 1
        return real_parse(*args)

    monkeypatch.setattr(dalfix.runner, "parse_file", counting)
    fixed, accepted, notes = dalfix.runner._apply_validated(parsed, findings)
    assert len(accepted) == 255 and b"const v77 = 77;" in fixed and b"const v3 = 3 + 0;" in fixed
    assert notes == [
        f"DAL900 fix at byte {findings[77].start} dropped: it produced invalid syntax (a dalfix bug; please report it)"
    ]
    # Three per halving (each half, then both together); one per fix before (258).
    assert parses <= 3 * 8 + 2, f"{parses} re-parses for one bad fix among 256"


# ---- the size cap ------------------------------------------------------------------------------------------


def test_a_file_over_max_file_size_is_skipped_with_a_reason(run_cli, workdir, dal001) -> None:
    (workdir / "small.ts").write_text(dal001.before, encoding="utf-8")
    big = dal001.before + "// padding\n" * 500
    (workdir / "big.ts").write_text(big, encoding="utf-8")
    (workdir / "dalfix.toml").write_text('max-file-size = "4 KB"\n', encoding="utf-8")
    result = run_cli("apply", ".")
    assert "big.ts: skipped: larger than max-file-size (4 KB)" in result.stderr
    assert (workdir / "big.ts").read_text(encoding="utf-8") == big
    assert (workdir / "small.ts").read_text(encoding="utf-8") == dal001.after


def test_the_default_cap_is_four_megabytes(run_cli, workdir) -> None:
    (workdir / "huge.ts").write_bytes(b"export const x = 1;\n" + b"// padding\n" * (4 * 1024 * 1024 // 11))
    result = run_cli("check", ".")
    assert "huge.ts: skipped: larger than max-file-size (4 MB)" in result.stderr


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1024", 1024), ('"8 MB"', 8 * 1024 * 1024), ('"512KB"', 512 * 1024), ('"100b"', 100)],
)
def test_max_file_size_values(value, expected, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from dalfix.config import ConfigError, load_config

    (tmp_path / "dalfix.toml").write_text(f"max-file-size = {value}\n", encoding="utf-8")
    assert load_config(tmp_path).max_file_size == expected
    for bad in ('"lots"', "0", "-5", "true", '"3 GB"'):
        (tmp_path / "dalfix.toml").write_text(f"max-file-size = {bad}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match="max-file-size"):
            load_config(tmp_path)


# ---- per-finding work that looked at the whole file ----------------------------------------------------------

LOOPS = """export async function archive{n}(ids: string[]) {{
  for (const id of ids) {{
    await db.update(orders).set({{ archived: true }}).where(eq(orders.id, id));
  }}
}}

export async function invoicesFor{n}(accountIds: string[]) {{
  const result = [];
  for (const accountId of accountIds) {{
    const rows = await db.select().from(invoices).where(eq(invoices.accountId, accountId));
    result.push(rows);
  }}
  return result;
}}

"""
LOOPS_HEADER = """import {{ eq }} from "drizzle-orm";
import {{ drizzle }} from "drizzle-orm/node-postgres";
import {{ Pool }} from "pg";
import {{ invoices, orders }} from "./schema";

export const db = drizzle(new Pool());

"""


def _fix_loops(tmp_path: Path, repetitions: int) -> list[Finding]:
    """Run every rule with fixes on a file of `repetitions` pairs of per-element loops."""
    from dalfix.rules import select_rules
    from dalfix.runner import RunOptions, run

    root = tmp_path / f"r{repetitions}"
    root.mkdir()
    (root / "package.json").write_text('{"dependencies": {"drizzle-orm": "^0.44.0", "pg": "^8"}}\n')
    source = LOOPS_HEADER.format() + "".join(LOOPS.format(n=n) for n in range(repetitions))
    (root / "loops.ts").write_text(source, encoding="utf-8")
    options = RunOptions(rules=select_rules([], [], True), fix_threshold=Applicability.UNSAFE)
    (result,) = run([root / "loops.ts"], options).files
    assert result.status == "changed", result.reason
    return result.findings


def test_the_chunk_helper_name_is_looked_up_once_per_source(tmp_path: Path, monkeypatch) -> None:
    import re

    import dalfix.batching

    searches = 0

    class CountingRe:
        M = re.M

        def search(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            nonlocal searches
            searches += 1
            return re.search(*args, **kwargs)

    monkeypatch.setattr(dalfix.batching, "re", CountingRe())
    findings = _fix_loops(tmp_path, 40)
    assert sum(f.rule == "DAL002" for f in findings) == 80
    # Each search reads the whole file: one or two per parsed source (two rounds), not one per loop (80+).
    assert searches <= 8, f"{searches} whole-file searches for 80 loops"


def test_a_files_handles_are_found_once_not_per_finding(tmp_path: Path, monkeypatch) -> None:
    from dalfix.analysis.summaries import Summaries

    calls = 0
    real = Summaries.handle_driver

    def counting(self, path, name):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        return real(self, path, name)

    monkeypatch.setattr(Summaries, "handle_driver", counting)
    _fix_loops(tmp_path, 10)
    small, calls = calls, 0
    _fix_loops(tmp_path, 40)
    # Each finding asked for every top-level name of the file (quadratic: 16x for 4x the file).
    assert calls < small * 4 * 1.5, f"{small} -> {calls} driver look-ups for 4x the file"


def test_later_findings_compare_each_finding_once(monkeypatch) -> None:
    count = 2000
    original = b"x" * (count * 10 + 10)
    first = _findings(count)
    found_on = [(f, original) for f in first[: count // 2]] + [(f, b"y" + original) for f in _findings(count // 2)]
    comparisons = 0
    real_hash, real_eq = Finding.__hash__, Finding.__eq__

    def counting_hash(self: Finding) -> int:
        nonlocal comparisons
        comparisons += 1
        return real_hash(self)

    def counting_eq(self: Finding, other: object) -> bool:
        nonlocal comparisons
        comparisons += 1
        return real_eq(self, other)

    monkeypatch.setattr(Finding, "__hash__", counting_hash)
    monkeypatch.setattr(Finding, "__eq__", counting_eq)
    dalfix.runner.later_findings(original, first, found_on)
    # A set rebuilt for each finding and a list searched for each made this count² (millions).
    assert comparisons < 20 * count, f"{comparisons} hashes and comparisons for {count} findings"


# ---- memory -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "walker",
    [
        lambda root: list(descendants_of_type(root, "comment")),
        lambda root: list(walk(root)),
        comment_texts,
        _tree_semicolons,
    ],
    ids=["descendants_of_type", "walk", "comment_texts", "tree_semicolons"],
)
def test_walking_a_held_node_keeps_no_object_per_node(tmp_path: Path, walker) -> None:  # type: ignore[no-untyped-def]
    import gc
    import tracemalloc

    parsed = parse_file(tmp_path / "a.ts", generated(300))
    root = parsed.root
    nodes = sum(1 for _ in walk(parsed.root))
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = walker(root)
        clear_root_index()  # the whole-tree search index keeps the nodes it found on purpose (bounded; below)
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    if isinstance(result, list) and len(result) == nodes:
        kept -= sum(map(sys.getsizeof, result)) + sys.getsizeof(result)  # what the caller asked to keep
    # `.children` caches a list on each wrapper: about 100 bytes per node stayed alive while `root` did.
    assert kept < nodes * 10, f"{kept} bytes kept after walking {nodes} nodes"


def test_whole_tree_searches_share_one_bounded_index(tmp_path: Path, monkeypatch) -> None:
    """Searches of a whole tree are answered from one index per tree (one query for the usual types and any other
    searched so far), equal to the walk they replace, in both orders; the index holds at most `capacity` trees."""
    from dalfix import parsing

    monkeypatch.setattr(parsing, "_ROOT_INDEX", parsing._RootIndex(capacity=2))
    builds: list[tuple[str, ...]] = []
    subtree_queries: list[tuple[str, ...]] = []
    real_index, real_captured = parsing._index_query, parsing._captured
    monkeypatch.setattr(parsing, "_index_query", lambda tsx, types: builds.append(types) or real_index(tsx, types))
    monkeypatch.setattr(
        parsing, "_captured", lambda n, tsx, types: subtree_queries.append(types) or real_captured(n, tsx, types)
    )
    trees = [parse_file(tmp_path / f"{i}.ts", generated(3 + i)).root for i in range(3)]

    def expected(root: object, *types: str) -> list[tuple[int, str]]:
        return [(n.id, n.type) for n in walk(root) if n.type in types and n.is_named]  # type: ignore[arg-type]

    calls = list(descendants_of_type(trees[0], "call_expression"))
    assert calls and [(n.id, n.type) for n in calls] == expected(trees[0], "call_expression")
    blocks = list(descendants_of_type(trees[0], "statement_block", "call_expression"))
    assert [(n.id, n.type) for n in blocks] == expected(trees[0], "statement_block", "call_expression")
    assert len(builds) == 1 and "statement_block" in builds[0]  # the usual types at once
    returns = list(descendants_of_type(trees[0], "return_statement", "call_expression"))
    assert [(n.id, n.type) for n in returns] == expected(trees[0], "return_statement", "call_expression")
    assert len(builds) == 2 and "return_statement" in builds[1]  # a new type: rebuilt once, for the union
    list(descendants_of_type(trees[0], "return_statement"))
    stack = parsing.descendants_right_to_left(trees[0], "call_expression", "statement_block")
    walked = parsing._stack_walk(trees[0], {"call_expression", "statement_block"})
    assert [(n.id, n.type) for n in stack] == [(n.id, n.type) for n in walked]
    assert len(builds) == 2  # answered from the index
    for root in trees[1:]:  # a new tree is indexed for the whole union at once
        found = [(n.id, n.type) for n in descendants_of_type(root, "return_statement")]
        assert found == expected(root, "return_statement")
    assert len(builds) == 4 and builds[-1] == builds[1]
    assert len(parsing._ROOT_INDEX._entries) == 2  # capacity: the first tree went
    inner = calls[0].parent
    assert inner is not None and not subtree_queries
    list(descendants_of_type(inner, "call_expression"))  # a subtree search is its own query, not the index
    assert subtree_queries == [("call_expression",)]
    assert list(descendants_of_type(trees[1], "no_such_kind")) == []
    clear_root_index()
    assert not parsing._ROOT_INDEX._entries


def test_the_fixpoint_parses_each_fixed_source_once(tmp_path: Path, monkeypatch) -> None:
    from dalfix import parsing

    parsed_sources: list[bytes] = []
    real = parsing.parse_file

    def counting(path, source):  # type: ignore[no-untyped-def]
        parsed_sources.append(source)
        return real(path, source)

    monkeypatch.setattr(dalfix.runner, "parse_file", counting)
    _fix_loops(tmp_path, 5)
    # Validation parses the fixed source; the next round checks that tree instead of parsing it again.
    repeats = [s for s in set(parsed_sources) if parsed_sources.count(s) > 1]
    assert not repeats, f"{len(repeats)} source(s) parsed more than once"


def test_a_reports_import_edits_look_at_the_file_once(tmp_path: Path, monkeypatch) -> None:
    import dalfix.imports
    from dalfix.fix_edits import EditsOf
    from dalfix.render import SourceStyle

    calls = 0
    real = SourceStyle.detect.__func__  # type: ignore[attr-defined]

    def counting(cls, *args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        return real(cls, *args, **kwargs)

    monkeypatch.setattr(dalfix.imports.SourceStyle, "detect", classmethod(counting))
    source = generated(200)
    edits_of = EditsOf()
    for at in range(0, 2000, 10):
        fix = Fix(
            (Edit(len(source) - 1, len(source) - 1, " "),),
            Applicability.SAFE,
            "t",
            imports=frozenset({("x", f"f{at}")}),
        )
        assert len(edits_of(tmp_path / "a.ts", source, fix)) == 2
    # Each fix's import edit walked the whole file for its style: one walk per finding, quadratic in a report.
    assert calls <= 1, f"{calls} style detections for 200 fixes in one file"
