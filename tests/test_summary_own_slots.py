"""A project function that fills an object or array it made itself (`const out = {}; out[k] = []`) is, for its
callers, what it would be without the fill: nobody else holds that object until it is returned (Cap's
`resolveEffectiveVideoRules`, SpeedRunEthereum-v2's builders helpers). A slot of anything else stays an effect."""

from __future__ import annotations

from pathlib import Path

import pytest

from dalfix.rules import select_rules
from dalfix.runner import RunOptions, run

HELPERS = """import {{ eq, inArray }} from "drizzle-orm";
import {{ drizzle }} from "drizzle-orm/node-postgres";
import {{ pgTable, text }} from "drizzle-orm/pg-core";
import {{ Pool }} from "pg";

export const db = drizzle(new Pool());
export const likes = pgTable("likes", {{ id: text("id").primaryKey(), buildId: text("build_id").notNull() }});
export const users = pgTable("users", {{ id: text("id").primaryKey(), address: text("address").notNull() }});

export async function likesByBuild(ids: string[], seen: Record<string, string[]>) {{
  const rows = await db.select().from(likes).where(inArray(likes.buildId, ids));
  {setup}
  for (const row of rows) {{
    {fill}
  }}
  return out;
}}
"""

PAGE = """import { eq } from "drizzle-orm";
import { db, likesByBuild, users } from "./helpers";

export async function page(address: string, ids: string[]) {
  const user = await db.select().from(users).where(eq(users.id, address)).limit(1);
  const byBuild = await likesByBuild(ids, {});
  return { user, byBuild };
}
"""


@pytest.mark.parametrize(
    ("setup", "fill", "grouped"),
    [
        ("const out: Record<string, string[]> = {};", "if (!out[row.buildId]) out[row.buildId] = [];", True),
        ("const out: string[] = [];", "out[out.length] = row.id;", True),
        ("const out: Record<string, { n: number }> = {};", "out[row.buildId] = { n: 0 };", True),
        # a slot of what was stored in it, which may be the caller's
        ("const out: Record<string, string[]> = seen;", "out[row.buildId] = [];", False),
        ("const out = {} as Record<string, { n: number }>;", "seen[row.buildId] = [];", False),  # the caller's
        ("let out: Record<string, string[]> = {};", "out[row.buildId] = [];", False),  # may be reassigned
        ("const out: Record<string, { n: number }> = {};", "out[row.buildId].n = 1;", False),  # one level only
    ],
)
def test_a_helper_filling_its_own_object_is_still_a_read(tmp_path: Path, setup: str, fill: str, grouped: bool) -> None:
    (tmp_path / "helpers.ts").write_text(HELPERS.format(setup=setup, fill=fill), encoding="utf-8")
    (tmp_path / "page.ts").write_text(PAGE, encoding="utf-8")
    result = run([tmp_path], RunOptions(rules=select_rules(["DAL001"], preview=True)))
    found = [x for f, x in result.findings if f.path.name == "page.ts" and x.rule == "DAL001"]
    assert bool(found) == grouped
    if grouped:  # a read only by the helper's summary: grouped, never a safe fix
        assert "read only by its function's summary" in found[0].message
