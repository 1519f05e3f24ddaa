"""DAL010's query sites look only at calls whose bytes can matter; each filter must give what the full walk gives."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from dalfix.analysis import query_sites as qs
from dalfix.analysis.project import Project
from dalfix.parsing import ParsedFile, descendants_right_to_left, parse_file

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(
    [*(ROOT / "examples" / "drizzle-app" / "src").rglob("*.ts"), *(ROOT / "tests" / "fixtures").rglob("*.input.ts")]
)
PARSED = [parse_file(path, path.read_bytes()) for path in SOURCES[::7]]

SCHEMA = """import { index, integer, pgTable, serial, text } from "drizzle-orm/pg-core";
import { relations } from "drizzle-orm";

export const items = pgTable("items", {
  id: serial("id").primaryKey(),
  code: text("code").notNull(),
  owner: integer("owner").notNull(),
  status: text("status").notNull(),
});
export const notes = pgTable("notes", {
  id: serial("id").primaryKey(),
  itemId: integer("item_id").notNull(),
  body: text("body").notNull(),
});
export const itemsRelations = relations(items, ({ many }) => ({ notes: many(notes) }));
export const notesRelations = relations(notes, ({ one }) => ({
  item: one(items, { fields: [notes.itemId], references: [items.id] }),
}));
"""

# Every query shape DAL010 reads, some inside helpers that other files call (with a space or a line break
# before the name, which the callee's text keeps and the caller count therefore does not match).
DAL = """import { and, asc, desc, eq, gte, inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import * as schema from "./schema";
import { items, notes } from "./schema";

const db = drizzle(process.env.DATABASE_URL!, { schema });

export async function byOwner(owner: number) {
  return db.select().from(items).where(eq(items.owner, owner)).orderBy(desc(items.id)).limit(10);
}
export async function distinct(owner: number) {
  return db.selectDistinctOn([items.code]).from(items).where(and(eq(items.owner, owner), gte(items.id, 3)));
}
export async function counted(status: string) {
  return db.$count(items, eq(items.status, status));
}
export async function touch(ids: number[]) {
  await db.update(items).set({ status: "x" }).where(inArray(items.id, ids));
  await db.delete(notes).where(eq(notes.itemId, ids[0]));
}
export async function joined(owner: number) {
  return db.select().from(items).innerJoin(notes, eq(notes.itemId, items.id)).where(eq(items.owner, owner));
}
export async function récent(code: string) {
  return db.query.items.findFirst({ where: (t, { eq }) => eq(t.code, code), with: { notes: true } });
}
export const listed = async (owner: number) =>
  db.query.items.findMany({ where: eq(items.owner, owner), orderBy: [asc(items.code)] });
export async function each(codes: string[]) {
  await Promise.all(codes.map((code) => db.select().from(items).where(eq(items.code, code))));
}
"""

CALLERS = """import { byOwner, counted, listed, récent } from "./dal";

export const service = {
  a: () => byOwner(1),
  b: () => byOwner(2),
  c: () => counted("x"),
  d: () => récent("y"),
  e: () => récent("z"),
  f: () => listed(1),
};
export const g = (api: typeof service) => api. byOwner;
export const h = (x: { listed(n: number): void }) => x.
  listed(2);
"""


def walked_sites(project: Project) -> list[tuple[object, ...]]:
    """The sites as the full walk finds them: every outermost call of every application file classified."""
    found = []
    for parsed in qs.application_files(project):
        vocabulary = project.vocabulary_for(parsed)
        for call in descendants_right_to_left(parsed.root, "call_expression"):
            if call.parent is not None and call.parent.type == "member_expression":
                continue
            chain = vocabulary.query_chain(call)
            if chain is not None and chain.kind in ("read", "write"):
                found.extend(qs._chain_sites(project, parsed, chain))
    return [key(site) for site in found]


def key(site: qs.QuerySite) -> tuple[object, ...]:
    return (site.path.name, site.start, site.table.id, site.operation, site.lookup, site.ranges, site.order)


def walked_counts(parsed_files: list[ParsedFile], names: set[str]) -> Counter[str]:
    calls: Counter[str] = Counter()
    for parsed in parsed_files:
        for call in descendants_right_to_left(parsed.root, "call_expression"):
            function = call.child_by_field_name("function")
            if function is not None:
                calls[parsed.text(function).rsplit(".", 1)[-1]] += 1
    return Counter({name: count for name, count in calls.items() if name in names})


def test_sites_and_weights_are_those_of_the_full_walk(tmp_path: Path) -> None:
    for name, text in {"schema.ts": SCHEMA, "dal.ts": DAL, "callers.ts": CALLERS}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    project = Project.load(tmp_path)
    project.prepare({p: parse_file(p, p.read_bytes()) for p in sorted(tmp_path.glob("*.ts"))})  # as `check .`
    sites = qs.query_sites(project)
    assert [key(site) for site in sites] == walked_sites(project)
    assert {s.operation for s in sites} >= {"select", "count", "update", "delete", "join", "findFirst", "findMany"}
    weights = {(s.operation, s.line): s.weight_reasons for s in sites if s.path.name == "dal.ts"}
    assert weights[("select", 9)] == ("byOwner() called from 2 places",)  # `api. byOwner` is no call
    assert weights[("count", 15)] == ()  # called once
    assert weights[("findFirst", 25)] == ("récent() called from 2 places",)  # not an ASCII word
    assert weights[("findMany", 28)] == ()  # `x.\n  listed(2)`: the callee's text is not the name
    assert weights[("select", 30)] == ("in a loop",)


def test_example_app_sites_are_those_of_the_full_walk() -> None:
    project = Project.load(ROOT / "examples" / "drizzle-app")
    project.prepare({p.path: p for p in qs.application_files(project)})
    sites = qs.query_sites(project)
    assert len(sites) > 20
    assert [key(site) for site in sites] == walked_sites(project)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_calls_around_offsets_are_the_walk_filtered(data: st.DataObject) -> None:
    parsed = data.draw(st.sampled_from(PARSED))
    size = max(len(parsed.source), 1)
    offsets = sorted(data.draw(st.lists(st.integers(0, size - 1), max_size=12)))
    expected = [
        call
        for call in descendants_right_to_left(parsed.root, "call_expression")
        if any(call.start_byte <= at < call.end_byte for at in offsets)
    ]
    assert [c.id for c in qs._calls_around(parsed, offsets)] == [c.id for c in expected]


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_caller_counts_are_those_of_the_full_walk(data: st.DataObject) -> None:
    every = walked_counts(PARSED, set(_all_callee_names()))
    names = set(data.draw(st.lists(st.sampled_from(sorted(every)), max_size=20)))
    names |= set(data.draw(st.lists(st.sampled_from(["a.b", "(x)", "é", "get", "map", "then", "$count"]))))
    files = data.draw(st.lists(st.sampled_from(PARSED), min_size=1, max_size=6, unique_by=id))
    assert qs._count_calls(files, names) == walked_counts(files, names)


def _all_callee_names() -> set[str]:
    names = set()
    for parsed in PARSED:
        for call in descendants_right_to_left(parsed.root, "call_expression"):
            function = call.child_by_field_name("function")
            if function is not None:
                names.add(parsed.text(function).rsplit(".", 1)[-1])
    return names


OPTION_CALLBACKS = """import { eq, exists } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import * as schema from "./schema";
import { items, notes } from "./schema";

const db = drizzle(process.env.DATABASE_URL!, { schema });

export async function withNotes(owner: number) {
  return db.query.items.findMany({
    where: (t) => exists(db.select().from(notes).where(eq(notes.itemId, t.id))),
  });
}
export const api = {
  byCode: async (code: string) => db.select().from(items).where(eq(items.code, code)),
};
export const a = () => [api.byCode("a"), api.byCode("b"), withNotes(1), withNotes(2)];
export const b = () => db.select().from(items).where(eq(items.owner, 1)).where(eq(items.id, 2));
"""


def test_an_option_callback_is_not_a_helper_called_by_its_key(tmp_path: Path) -> None:
    """A query inside a call's option callback (`findMany({ where: (t) => exists(db.select()…) })`) is weighed by
    the function around the call, not by calls of `where(` (dokploy: "where() called from 225 places"); a
    function that is a property of an object held in a variable is still a helper called by its key."""
    for name, text in {"schema.ts": SCHEMA, "dal.ts": OPTION_CALLBACKS}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    project = Project.load(tmp_path)
    project.prepare({p: parse_file(p, p.read_bytes()) for p in sorted(tmp_path.glob("*.ts"))})
    weights = {(s.table.ts_name, s.line): s.weight_reasons for s in qs.query_sites(project)}
    assert weights[("notes", 10)] == ("withNotes() called from 2 places",)
    assert weights[("items", 14)] == ("byCode() called from 2 places",)
