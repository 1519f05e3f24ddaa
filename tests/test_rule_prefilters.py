"""Work the rules skip must not change what they find: DAL001 analyses only blocks naming `await` twice
(`_may_hold_two_awaits`), DAL005's span takes a statement's query chains from the walk of its function's body
(`SpanFinder._found_chains`) instead of walking the statement again, and `samples_clock` walks only statements whose
bytes name a clock. Every fixture case, and a file whose second fix round must see the first round's edit, give the
same findings and fixes with the shortcuts turned off."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fixture_harness import discover_cases, materialize

from dalfix.analysis import effects
from dalfix.analysis.drizzle import Vocabulary
from dalfix.analysis.effects import EffectAnalyzer
from dalfix.analysis.transactions import SpanFinder, walk_chains
from dalfix.fixes import Applicability
from dalfix.parsing import FUNCTION_TYPES, descendants_of_type, parse_file
from dalfix.rules import select_rules
from dalfix.runner import RunOptions, run
from transforms import sequential_awaits

DB = """import { drizzle } from "drizzle-orm/node-postgres";
import { Pool } from "pg";

export const db = drizzle(new Pool());
"""
SCHEMA = """import { pgTable, text } from "drizzle-orm/pg-core";
export const videos = pgTable("videos", { id: text("id").primaryKey(), name: text("name") });
export const shared = pgTable("shared", {
  id: text("id").primaryKey(),
  videoId: text("video_id"),
  orgId: text("org_id"),
});
"""
# DAL002 batches the loop's deletes in the first round; DAL005's span (from the loop to the insert) overlaps it and
# waits: the second round's span must take its chains from the rewritten loop (`tx` for the batched delete too).
SHARE = """import { and, eq } from "drizzle-orm";
import { db } from "./db";
import { shared, videos } from "./schema";

export async function share(videoId: string, orgIds: string[]) {
  const current = await db.select().from(shared).where(eq(shared.videoId, videoId));
  const owner = await db.select().from(videos).where(eq(videos.id, videoId));
  for (const row of current) {
    await db.delete(shared).where(and(eq(shared.videoId, videoId), eq(shared.orgId, row.orgId)));
  }
  await db.update(videos).set({ name: "shared" }).where(eq(videos.id, videoId));
  await db.insert(shared).values({ id: videoId, videoId, orgId: orgIds[0] });
  return [current.length, owner.length];
}
"""


def _without_shortcuts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sequential_awaits, "_may_hold_two_awaits", lambda source, block: True)
    monkeypatch.setattr(SpanFinder, "_found_chains", lambda self, node: walk_chains(self.vocabulary, node))
    monkeypatch.setattr(effects, "_CLOCK_WORDS", (b"",))  # every statement's bytes hold b"": each is walked


def _outcome(root: Path) -> list[object]:
    options = RunOptions(rules=select_rules([], [], True), fix_threshold=Applicability.UNSAFE, jobs=1)
    result = run([root], options)
    return [
        (
            r.path.relative_to(root).as_posix(),
            r.status,
            r.fixed,
            list(r.messages),
            [(f.rule, f.start, f.end, f.message, f.fix) for f in r.findings],
            [(f.rule, f.start, f.end, f.message) for f in r.applied],
            [(f.rule, f.start, f.end, f.message) for f in r.later_findings],
        )
        for r in sorted(result.files, key=lambda r: r.path)
    ]


def test_a_later_round_sees_the_earlier_rounds_edit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, text in (("db.ts", DB), ("schema.ts", SCHEMA), ("dal.ts", SHARE)):
        (tmp_path / name).write_text(text)
    fast = _outcome(tmp_path)
    fixed = next(o[2] for o in fast if o[0] == "dal.ts")
    assert b"Promise.all" in fixed and b"db.transaction(async (tx)" in fixed and b"inArray(" in fixed
    assert b"await tx\n" in fixed and b"await db.delete" not in fixed  # the batched delete runs on `tx`
    applied = next(o[5] for o in fast if o[0] == "dal.ts")
    assert [a[0] for a in applied] == ["DAL001", "DAL002", "DAL005"]  # type: ignore[index]
    _without_shortcuts(monkeypatch)
    assert _outcome(tmp_path) == fast


CASES = [c for c in discover_cases() if c.rule_dir in ("sequential_awaits", "writes_without_transaction")]


def test_a_clock_read_is_found_without_a_walk_of_every_statement(monkeypatch: pytest.MonkeyPatch) -> None:
    source = b"""async function f() {
  const a = Date.now();
  const b = new Date();
  const c = performance.now();
  const d = process.hrtime.bigint();
  const e = new Date(a);
  const g = (Date.now)();
  const h = dates.now();
  const i = process.env.X;
}
"""
    parsed = parse_file(Path("clock.ts"), source)
    analyzer = EffectAnalyzer(parsed, Vocabulary.build(parsed))
    statements = list(descendants_of_type(parsed.root, "lexical_declaration"))
    fast = [analyzer.samples_clock(s) for s in statements]
    assert fast == [True, True, True, True, False, True, False, False]
    monkeypatch.setattr(effects, "_CLOCK_WORDS", (b"",))
    assert [analyzer.samples_clock(s) for s in statements] == fast


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_fixtures_find_the_same_without_the_shortcuts(case, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    materialize(case, first)
    shutil.copytree(first, second)
    fast = _outcome(first)
    _without_shortcuts(monkeypatch)
    assert _outcome(second) == fast


def test_a_statements_chains_are_those_its_own_walk_finds() -> None:
    """Every statement under a function body DAL005 walked: the chains taken from the body's walk, in order, are
    those a walk of the statement finds (nested functions excluded, the statement's own function type included)."""
    checked = 0
    for case in CASES:
        inputs = [case.input] if case.input.is_file() else sorted(case.input.rglob("*.ts"))
        for path in inputs:
            parsed = parse_file(path, path.read_bytes())
            vocabulary = Vocabulary.build(parsed)
            finder = SpanFinder(EffectAnalyzer(parsed, vocabulary))
            for function in descendants_of_type(parsed.root, *FUNCTION_TYPES):
                body = function.child_by_field_name("body")
                if body is None or body.type != "statement_block":
                    continue
                finder.chains_in(body)
                for node in descendants_of_type(body, "statement_block", "expression_statement", "if_statement",
                                                "for_in_statement", "lexical_declaration", "return_statement",
                                                *FUNCTION_TYPES):  # fmt: skip
                    fresh = SpanFinder(finder.analyzer).chains_in(node)
                    assert finder.chains_in(node) == fresh, (path, node)
                    checked += 1
    assert checked > 100
