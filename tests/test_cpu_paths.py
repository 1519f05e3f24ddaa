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
