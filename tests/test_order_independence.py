"""Facts memoized across files do not depend on the order they are asked in (`--jobs`: each worker asks about the
files it was handed, in its own order, and must conclude what a serial run concludes).

Handles (dalfix/analysis/handles.py) end a cycle of names with a provisional "nothing"; a value computed from
another name's provisional answer is not kept, so `a = b ?? x` / `b = a ?? y` give both names both drivers
whichever is asked first (it used to be: the first one asked got both, the other only its own). Function
summaries (dalfix/analysis/summaries.py) end recursion with "unknown", which absorbs every other effect, over a call
graph that does not depend on what was asked before: every order gives the same summaries.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path

from dalfix.analysis.handles import Handle
from dalfix.analysis.project import Project
from dalfix.parsing import parse_file

CYCLE = {
    "a.ts": """import { drizzle } from "drizzle-orm/node-postgres";
import { b } from "./b";
export const a = b ?? drizzle(process.env.DATABASE_URL!);
""",
    "b.ts": """import { drizzle } from "drizzle-orm/better-sqlite3";
import { a } from "./a";
export const b = a ?? drizzle("local.db");
""",
    "c.ts": """import { a } from "./a";
export const c = a;
""",
    "package.json": '{"name": "x", "dependencies": {"drizzle-orm": "0.44.0"}}',
}

RECURSIVE = {
    "db.ts": """import { drizzle } from "drizzle-orm/node-postgres";
import { pgTable, integer } from "drizzle-orm/pg-core";
export const users = pgTable("users", { id: integer("id") });
export const db = drizzle(process.env.DATABASE_URL!);
""",
    "walk.ts": """import { db, users } from "./db";
import { eq } from "drizzle-orm";
export async function even(n: number): Promise<boolean> {
  if (n === 0) return true;
  await db.select().from(users).where(eq(users.id, n));
  return odd(n - 1);
}
export async function odd(n: number): Promise<boolean> {
  if (n === 0) return false;
  return even(n - 1);
}
export async function self(n: number): Promise<number> {
  return n > 0 ? self(n - 1) : 0;
}
export async function reader(id: number) {
  return db.select().from(users).where(eq(users.id, id));
}
export async function viaReader(id: number) {
  await reader(id);
  return odd(id);
}
export async function writer(id: number) {
  await db.delete(users).where(eq(users.id, id));
  return reader(id);
}
export function pure(n: number) {
  return n + 1;
}
""",
    "package.json": '{"name": "x", "dependencies": {"drizzle-orm": "0.44.0", "pg": "8.0.0"}}',
}


def make_project(root: Path, files: dict[str, str]) -> Project:
    for name, text in files.items():
        (root / name).write_text(text)
    project = Project.load(root)
    project.prepare({p: parse_file(p, p.read_bytes()) for p in sorted(root.glob("*.ts"))})
    return project


def drivers(value: object) -> set[str]:
    assert isinstance(value, Handle), value
    return {d.driver for d in value.drivers}


def test_a_cycle_of_handles_gives_every_name_every_driver_in_any_order(tmp_path: Path) -> None:
    names = ["a", "b", "c"]
    seen = []
    for order in itertools.permutations(names):
        project = make_project(tmp_path, CYCLE)
        answers = {name: drivers(project.summaries.handles.binding(tmp_path / f"{name}.ts", name)) for name in order}
        seen.append(answers)
    assert all(answers == seen[0] for answers in seen)
    assert seen[0]["a"] == seen[0]["b"] == seen[0]["c"] == {"node-postgres", "better-sqlite3"}


def test_handle_facts_of_a_cycle_do_not_depend_on_the_file_asked_first(tmp_path: Path) -> None:
    """What `file_handles` / the vocabularies see: the drivers of each file's handles."""
    seen = []
    for order in itertools.permutations(["a.ts", "b.ts", "c.ts"]):
        project = make_project(tmp_path, CYCLE)
        found = {}
        for name in order:
            parsed = project.files[tmp_path / name]
            found[name] = {k: v.driver for k, v in project.summaries.file_handles(parsed).items()}
        seen.append(found)
    assert all(found == seen[0] for found in seen)


def test_summaries_of_recursive_helpers_do_not_depend_on_the_order_asked(tmp_path: Path) -> None:
    functions = ["even", "odd", "self", "reader", "viaReader", "writer", "pure"]
    path = tmp_path / "walk.ts"
    orders = [functions, functions[::-1], *(random.Random(seed).sample(functions, len(functions)) for seed in range(8))]
    seen = []
    for order in orders:
        project = make_project(tmp_path, RECURSIVE)
        seen.append({name: project.summaries.function_effect(path, name) for name in order})
    assert all(summary == seen[0] for summary in seen)
    assert seen[0] == {
        "even": "unknown",
        "odd": "unknown",
        "self": "unknown",
        "reader": "read",
        "viaReader": "unknown",
        "writer": "write",
        "pure": "none",
    }
