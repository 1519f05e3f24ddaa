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
        ("const out: Record<string, { n: number }> = {};", "out[row.buildId].n = 1;", False),  # nothing stored
        # one level inside: every value stored in a slot is new, so `out[k]` is the function's own too
        (
            "const out: Record<string, string[]> = {};",
            "out[row.buildId] ??= [];\n    out[row.buildId].push(row.id);",
            True,
        ),
        (
            "const out = new Map<string, string[]>();",
            "if (!out.has(row.buildId)) out.set(row.buildId, []);\n    out.get(row.buildId)!.push(row.id);",
            True,
        ),
        (
            "const out: Record<string, { n: number }> = {};",
            "out[row.buildId] = { n: 0 };\n    out[row.buildId].n = 1;",
            True,
        ),
        # a slot holding the caller's value: filling it changes what the caller holds
        (
            "const out: Record<string, string[]> = {};",
            "out[row.buildId] ??= seen[row.id];\n    out[row.buildId].push(row.id);",
            False,
        ),
        (
            "const out = new Map<string, string[]>();",
            "out.set(row.buildId, seen[row.id]);\n    out.get(row.buildId)!.push(row.id);",
            False,
        ),
        (
            "const out: Record<string, string[]> = {};",
            "Object.assign(out, seen);\n    out[row.buildId].push(row.id);",
            False,
        ),
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


REDUCE = """import {{ inArray }} from "drizzle-orm";
import {{ drizzle }} from "drizzle-orm/node-postgres";
import {{ pgTable, text }} from "drizzle-orm/pg-core";
import {{ Pool }} from "pg";

export const db = drizzle(new Pool());
export const likes = pgTable("likes", {{ id: text("id").primaryKey(), buildId: text("build_id").notNull() }});
export const users = pgTable("users", {{ id: text("id").primaryKey(), address: text("address").notNull() }});

export async function likesByBuild(ids: string[], seen: Record<string, string[]>) {{
  const rows = await db.select().from(likes).where(inArray(likes.buildId, ids));
  return rows.reduce(
    (acc, row) => {{
      {fill}
      return {returned};
    }},
    {start} as Record<string, string[]>,
  );
}}
"""


@pytest.mark.parametrize(
    ("fill", "returned", "start", "grouped"),
    [
        ("if (!acc[row.buildId]) acc[row.buildId] = [];\n      acc[row.buildId].push(row.id);", "acc", "{}", True),
        ("acc[row.buildId] ??= [];\n      acc[row.buildId].push(row.id);", "acc", "{}", True),
        ("acc[row.buildId] = [row.id];", "acc", "{}", True),
        # started from the caller's object: every fill changes it
        ("acc[row.buildId] ??= [];\n      acc[row.buildId].push(row.id);", "acc", "seen", False),
        # the next iteration's accumulator may be something else
        ("acc[row.buildId] ??= [];\n      acc[row.buildId].push(row.id);", "seen", "{}", False),
        # a slot holding the caller's array
        ("acc[row.buildId] ??= seen[row.id];\n      acc[row.buildId].push(row.id);", "acc", "{}", False),
    ],
)
def test_a_reduce_into_a_new_collection_is_the_helpers_own(
    tmp_path: Path, fill: str, returned: str, start: str, grouped: bool
) -> None:
    (tmp_path / "helpers.ts").write_text(REDUCE.format(fill=fill, returned=returned, start=start), encoding="utf-8")
    (tmp_path / "page.ts").write_text(PAGE, encoding="utf-8")
    result = run([tmp_path], RunOptions(rules=select_rules(["DAL001"], preview=True)))
    found = [x for f, x in result.findings if f.path.name == "page.ts" and x.rule == "DAL001"]
    assert bool(found) == grouped
