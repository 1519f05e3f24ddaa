"""A fix round re-checks only the top-level statements it edited when nothing the rules read outside a statement
changed (dalfix/rounds.py); anything else is a full round. The suite runs with DALFIX_VERIFY_ROUNDS=1 (conftest),
so every fixture's restricted round is also compared with the full one."""

from __future__ import annotations

from pathlib import Path

import pytest

from dalfix import rounds, runner
from dalfix.fixes import Applicability
from dalfix.rules import select_rules
from dalfix.runner import RunOptions, run

DB = """import { drizzle } from "drizzle-orm/node-postgres";
import { Pool } from "pg";

export const db = drizzle(new Pool());
"""
SCHEMA = """import { pgTable, text } from "drizzle-orm/pg-core";
export const files = pgTable("files", { id: text("id").primaryKey() });
export const graphs = pgTable("graphs", { id: text("id").primaryKey(), fileId: text("file_id") });
export const users = pgTable("users", { id: text("id").primaryKey() });
"""
FIRST = """import { eq } from "drizzle-orm";
import { db } from "./db";
import { files, graphs, users } from "./schema";

export async function first(fileId: string) {
  const [file] = await db.select().from(files).where(eq(files.id, fileId)).limit(1);
  const [graph] = await db.select().from(graphs).where(eq(graphs.fileId, fileId)).limit(1);
  return { file, graph };
}

"""


def _project(tmp_path: Path, second: str) -> Path:
    (tmp_path / "db.ts").write_text(DB)
    (tmp_path / "schema.ts").write_text(SCHEMA)
    (tmp_path / "dal.ts").write_text(FIRST + second)
    return tmp_path


def _run(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[object], list[object]]:
    """The fixed bytes and messages of a run, and the ranges each later round's check was given."""
    given: list[object] = []
    real = runner.check_parsed

    def check(parsed, project, rules, ranges=None):  # type: ignore[no-untyped-def]
        given.append(ranges)
        return real(parsed, project, rules, ranges)

    monkeypatch.setattr(runner, "check_parsed", check)
    options = RunOptions(rules=select_rules([], [], True), fix_threshold=Applicability.UNSAFE, jobs=1)
    result = run([root / "dal.ts"], options)
    monkeypatch.setattr(runner, "check_parsed", real)
    out = [(r.fixed, r.status, r.messages, [(f.rule, f.start) for f in r.applied]) for r in result.files]
    return out, given


SECOND = """export async function second(userId: string) {
  const [user] = await db.select().from(users).where(eq(users.id, userId)).limit(1);
  return user;
}
"""


def test_only_the_edited_function_is_checked_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path, SECOND)
    restricted, given = _run(root, monkeypatch)
    source = (root / "dal.ts").read_bytes()
    assert b"Promise.all" in restricted[0][0]  # type: ignore[index]
    # The confirming round searched `first` (edited) only: its range in the fixed source.
    (ranges,) = [g for g in given if g is not None]
    fixed = restricted[0][0]  # type: ignore[index]
    assert len(ranges) == 1 and fixed[ranges[0][0] :].startswith(b"export async function first")  # type: ignore[index]
    assert fixed[ranges[0][1] :].lstrip().startswith(b"export async function second")  # type: ignore[index]
    # The same result as full rounds.
    monkeypatch.setattr(rounds, "recheck_ranges", lambda *a, **k: None)
    full, given = _run(root, monkeypatch)
    assert full == restricted and all(g is None for g in given)
    assert (root / "dal.ts").read_bytes() == source


@pytest.mark.parametrize(
    ("second", "why"),
    [
        # `file`'s declarator changed (`const [file]` became `const [[file], [graph]]`), and `second` names a
        # `file` it does not declare: a lookup from there reaches the whole file.
        (SECOND.replace("return user;", "return { user, file };"), "a changed declarator's name used outside"),
        # A logger's name is looked up over the whole file (`_is_logger`): any occurrence outside counts.
        (
            SECOND.replace("return user;", "const log = console;\n  log.info(user);\n  return user;"),
            "none: `log` is not a changed name",
        ),
    ],
)
def test_names_seen_from_outside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, second: str, why: str) -> None:
    root = _project(tmp_path, second)
    restricted, given = _run(root, monkeypatch)
    later = [g for g in given if g is not None]
    if why.startswith("none"):
        assert len(later) == 1, why
    else:
        assert later == [], why
    monkeypatch.setattr(rounds, "recheck_ranges", lambda *a, **k: None)
    full, _ = _run(root, monkeypatch)
    assert full == restricted


def test_a_round_that_edits_imports_is_checked_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fix that adds an import (DAL002's `inArray`) changes the vocabulary's input: a full round."""
    loop = """export async function third(ids: string[]) {
  const out = [];
  for (const id of ids) {
    const [user] = await db.select().from(users).where(eq(users.id, id));
    out.push(user);
  }
  return out;
}
"""
    root = _project(tmp_path, SECOND + "\n" + loop)
    restricted, given = _run(root, monkeypatch)
    fixed = restricted[0][0]  # type: ignore[index]
    assert b"inArray" in fixed  # type: ignore[operator]
    assert [g for g in given if g is not None] == []


def test_the_verification_fails_on_a_wrong_restriction(tmp_path: Path) -> None:
    """DALFIX_VERIFY_ROUNDS compares a restricted check with the full one: restricted to `second`, the check of
    the unfixed file misses `first`'s fix, and the verification says so."""
    from dalfix.analysis.project import Project
    from dalfix.parsing import parse_file

    root = _project(tmp_path, SECOND)
    paths = sorted(root.glob("*.ts"))
    project = Project.load(root)
    project.prepare({p: parse_file(p, p.read_bytes()) for p in paths})
    parsed = project.analysed[root / "dal.ts"]
    rules = select_rules([], [], True)
    second = next(c for c in parsed.root.named_children if parsed.text(c).startswith("export async function second"))
    ranges = ((second.start_byte, second.end_byte),)
    found, _ = runner.check_parsed(parsed, project, rules, ranges)
    assert all(second.start_byte <= f.start for f in found if f.rule != "DAL010")  # DAL010 reports file-wide
    with pytest.raises(AssertionError, match="DALFIX_VERIFY_ROUNDS"):
        runner._verify_round(parsed, project, rules, Applicability.UNSAFE, set(), ranges, found)
    full, _ = runner.check_parsed(parsed, project, rules)
    runner._verify_round(parsed, project, rules, Applicability.UNSAFE, set(), ((0, len(parsed.source)),), full)
