"""Work the rules skip because it cannot change a finding (issue 17, CPU): each test shows the skip happens and
that the findings are those of the full computation."""

from __future__ import annotations

from pathlib import Path

import pytest

import transforms.sequential_awaits as sequential_awaits
from dalfix.runner import RunOptions, run
from transforms.sequential_awaits import SequentialAwaits

DB = 'import { drizzle } from "drizzle-orm/node-postgres";\nexport const db = drizzle(process.env.URL!);\n'

NO_READS = """import { eq } from "drizzle-orm";
import { db } from "./db";
import { users } from "./schema";

export async function rename(id: string, name: string) {
  const trimmed = name.trim();
  if (trimmed.length === 0) {
    const message = "empty";
    throw new Error(message);
  }
  for (const part of trimmed.split(" ")) {
    console.log(part);
  }
  await db.update(users).set({ name: trimmed }).where(eq(users.id, id));
  return trimmed;
}
"""

TWO_READS = """import { eq } from "drizzle-orm";
import { db } from "./db";
import { users, posts } from "./schema";

export async function load(id: string) {
  const label = `user ${id}`;
  const user = await db.select().from(users).where(eq(users.id, id));
  const count = id.length + 1;
  const recent = await db.select().from(posts).where(eq(posts.authorId, id));
  if (count > 3) {
    const extra = count * 2;
    console.log(extra);
  }
  return { user, recent, label, count };
}
"""


def _project(tmp_path: Path, source: str) -> Path:
    (tmp_path / "package.json").write_text('{"dependencies": {"drizzle-orm": "0.44.0", "pg": "8.0.0"}}')
    (tmp_path / "db.ts").write_text(DB)
    (tmp_path / "schema.ts").write_text(
        'import { pgTable, text } from "drizzle-orm/pg-core";\n'
        'export const users = pgTable("users", { id: text("id"), name: text("name") });\n'
        'export const posts = pgTable("posts", { id: text("id"), authorId: text("author_id") });\n'
    )
    path = tmp_path / "service.ts"
    path.write_text(source)
    return path


def _check(path: Path) -> list[tuple[int, str]]:
    result = run([path], RunOptions(rules=[SequentialAwaits]))
    return [(f.start, f.message) for r in result.files for f in r.findings]


def test_dal001_walks_no_statement_of_a_block_without_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    walked: list[str] = []
    original = sequential_awaits._movable_unit

    def counting(statement, *args):  # type: ignore[no-untyped-def]
        walked.append(statement.text.decode())
        return original(statement, *args)

    monkeypatch.setattr(sequential_awaits, "_movable_unit", counting)
    assert _check(_project(tmp_path, NO_READS)) == []
    assert walked == []  # no groupable read anywhere: no statement's effects were needed


def test_dal001_walks_only_statements_after_a_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    walked: list[str] = []
    original = sequential_awaits._movable_unit

    def counting(statement, *args):  # type: ignore[no-untyped-def]
        walked.append(statement.text.decode().split("\n")[0])
        return original(statement, *args)

    monkeypatch.setattr(sequential_awaits, "_movable_unit", counting)
    findings = _check(_project(tmp_path, TWO_READS))
    assert len(findings) == 1
    # The statement before the first read is never asked about; those the reads may move past are.
    assert "const label = `user ${id}`;" not in walked
    assert "const count = id.length + 1;" in walked


FIXTURES = Path(__file__).parent / "fixtures"
PROJECTS = Path(__file__).parent / "projects"


def _project_of(root: Path):  # type: ignore[no-untyped-def]
    from dalfix.analysis.project import Project
    from dalfix.parsing import parse_file

    paths = [p for p in sorted(root.rglob("*.ts")) if "node_modules" not in p.parts]
    project = Project.load(root)
    project.prepare({p: parse_file(p, p.read_bytes()) for p in paths})
    return project


def _roots() -> list[Path]:
    return sorted({*(p.parent for p in FIXTURES.rglob("*.input.ts")), *(p for p in PROJECTS.iterdir() if p.is_dir())})


def _statements_and_functions(parsed):  # type: ignore[no-untyped-def]
    from dalfix.analysis.effects import FUNCTION_TYPES
    from dalfix.parsing import walk

    statements, functions = [], []
    for node in walk(parsed.root):
        if node.type in FUNCTION_TYPES:
            functions.append(node)
        elif node.parent is not None and node.parent.type == "statement_block":
            statements.append(node)
    return statements, functions


@pytest.mark.parametrize("root", _roots(), ids=lambda p: p.relative_to(Path(__file__).parent).as_posix())
def test_effects_equal_a_fresh_analyzer_and_summaries_equal_full_effects(root: Path) -> None:
    """Every statement's effects from the rules' (memoising) analyzer equal those of a fresh analyzer asked only
    about it; a function summary's db effect (`summary_effect`, which skips names) equals `summary_effects(…).db`;
    a closure's `_body_walk` keeps what `effects_of_body` said about it."""
    from dalfix.analysis.effects import EffectAnalyzer

    project = _project_of(root)
    for path, parsed in sorted(project.analysed.items()):
        analyzer = project.analyzer_for(parsed, project.vocabulary_for(parsed))
        statements, functions = _statements_and_functions(parsed)
        first = [analyzer.effects(s) for s in statements]
        again = [analyzer.effects(s) for s in statements]  # from the memo
        fresh = EffectAnalyzer(parsed, analyzer.vocabulary, project.summaries)
        assert first == again == [fresh.effects(s) for s in statements], path
        for function in functions:
            full = fresh.summary_effects(function)
            assert fresh.summary_effect(function) == full.db, (path, function.start_point)
            walked, body = fresh._body_walk(function), fresh.effects_of_body(function)
            assert (walked[0], walked[4]) == (body.db, body.by_summary)


def test_effects_memo_is_not_used_while_summarizing(tmp_path: Path) -> None:
    """Inside a summary, a collection the summarized function creates is invisible (`byId.set` is no write), so
    the same statement reads differently there: the memo is neither read nor filled then."""
    from dalfix.analysis.effects import EffectAnalyzer

    _project(tmp_path, TWO_READS)
    (tmp_path / "fill.ts").write_text(
        "export function fill(rows: string[]) {\n"
        "  const byId = new Map();\n  byId.set(rows[0], 1);\n  return byId;\n}\n"
    )
    project = _project_of(tmp_path)
    parsed = project.analysed[tmp_path / "fill.ts"]
    analyzer = EffectAnalyzer(parsed, project.vocabulary_for(parsed), project.summaries)
    function = parsed.root.named_children[0].named_children[0]
    body = function.child_by_field_name("body")
    setter = [s for s in body.named_children if b"byId.set" in s.text][0]
    assert analyzer.effects(setter).db == "unknown"  # outside a summary: a method call on an object
    assert analyzer.summary_effect(function) == "none"  # the summary: a collection of its own
    analyzer._summarized = function  # as while the summary is computed
    assert analyzer.effects(setter).db == "none"
    analyzer._summarized = None
    assert analyzer.effects(setter).db == "unknown"


def test_effects_memo_is_dropped_when_the_tree_is_parsed_again(tmp_path: Path) -> None:
    """A released tree's node ids may be reused by the next tree's nodes: the memo does not outlive its tree."""
    from dalfix.analysis.effects import EffectAnalyzer

    _project(tmp_path, TWO_READS)
    project = _project_of(tmp_path)
    parsed = project.analysed[tmp_path / "service.ts"]
    analyzer = EffectAnalyzer(parsed, project.vocabulary_for(parsed), project.summaries)
    first = [analyzer.effects(s) for s in _statements_and_functions(parsed)[0]]
    assert analyzer._effects_memo
    parsed.release()
    again = [analyzer.effects(s) for s in _statements_and_functions(parsed)[0]]  # a new tree
    assert again == first
    assert analyzer._memo_generation == parsed.generation
