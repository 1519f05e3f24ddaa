"""Statement effects and the Drizzle vocabulary: what a statement binds, reads, awaits and does to the db."""

from __future__ import annotations

from pathlib import Path

import pytest

from dalfix.analysis.drizzle import Vocabulary
from dalfix.analysis.effects import EffectAnalyzer, depends_on
from dalfix.parsing import parse_file

PRELUDE = 'import { eq, sql, and } from "drizzle-orm";\nimport { db } from "./db";\n'


def analyze(body: str, prelude: str = PRELUDE):  # type: ignore[no-untyped-def]
    source = f"{prelude}async function f(userId: string, items: string[]) {{\n{body}\n}}\n".encode()
    parsed = parse_file(Path("x.ts"), source)
    assert not parsed.root.has_error, body
    vocabulary = Vocabulary.build(parsed, ("db",))
    analyzer = EffectAnalyzer(parsed, vocabulary, None)
    function = [n for n in parsed.root.named_children if n.type == "function_declaration"][0]
    statements = [s for s in function.child_by_field_name("body").named_children if s.type != "comment"]
    return analyzer, statements


def effects_of(body: str):  # type: ignore[no-untyped-def]
    analyzer, statements = analyze(body)
    return [analyzer.effects(s) for s in statements]


@pytest.mark.parametrize(
    ("statement", "binds"),
    [
        ("const x = 1;", {"x"}),
        ("const [a, [b], { c, d: e, ...rest }] = load();", {"a", "b", "c", "e", "rest"}),
        ("let { a = userId } = {} as any;", {"a"}),
        ("x = 2;", {"x"}),
        ("[x, y] = pair;", {"x", "y"}),
        ("count += 1;", {"count"}),
        ("i++;", {"i"}),
        ("this.cache = new Map();", {"this.cache"}),
        ("obj.field.sub = 1;", {"obj"}),
        ("const g = () => { const inner = 1; return inner; };", {"g"}),
    ],
)
def test_binds(statement: str, binds: set[str]) -> None:
    (effects,) = effects_of(statement)
    assert set(effects.binds) == binds


@pytest.mark.parametrize(
    ("statement", "reads"),
    [
        ("const x = a + b.c;", {"a", "b"}),
        ("const o = { userId, n: count };", {"userId", "count"}),
        ("const f = (userId: string) => userId + other;", {"other"}),
        ("const f = (x = fallback) => x;", {"fallback"}),
        ("const y = items.map((item) => item.id + offset);", {"items", "offset"}),
        ("const z = this.cache.get(key);", {"this.cache", "key"}),
        ("const t: SomeType = value as OtherType;", {"value"}),
        ("function local() { const hidden = 1; return hidden + seen; }", {"seen"}),
        ("const s = `${first} and ${second}`;", {"first", "second"}),
        ("if (flag) { const scoped = 1; use(scoped); }", {"flag", "use"}),
    ],
)
def test_reads_are_scope_aware(statement: str, reads: set[str]) -> None:
    (effects,) = effects_of(statement)
    assert set(effects.reads) == reads


@pytest.mark.parametrize(
    ("statement", "db"),
    [
        ("const rows = await db.select().from(users).where(eq(users.id, userId));", "read"),
        ("const n = await db.$count(users);", "read"),
        ("const u = await db.query.users.findFirst({ where: eq(users.id, userId) });", "read"),
        ("const d = await db.selectDistinct({ a: users.a }).from(users);", "read"),
        ("const r = await db.execute(sql`select 1`);", "read"),
        ("await db.execute(sql`update users set a = 1`);", "write"),
        ("const l = await db.select().from(users).for('update');", "write"),
        ("await db.insert(users).values({ id: userId });", "write"),
        ("await db.update(users).set({ a: 1 }).where(eq(users.id, userId));", "write"),
        ("await db.delete(users).where(eq(users.id, userId));", "write"),
        ("await db.transaction(async (tx) => { await tx.select().from(users); });", "transaction"),
        ("const x = items.map((i) => i.length).join(',');", "none"),
        ("const d = new Date().toISOString();", "none"),
        ("const w = and(eq(users.id, userId), eq(users.a, 1));", "none"),
        ("console.log(userId);", "unknown"),
        ("const res = await fetch(url);", "unknown"),
        ("const rows = await other.select().from(users);", "unknown"),
        ("items.push(userId);", "unknown"),
        ("const rows = await Promise.all(items.map((id) => db.delete(users).where(eq(users.id, id))));", "write"),
    ],
)
def test_database_effect(statement: str, db: str) -> None:
    (effects,) = effects_of(statement)
    assert effects.db == db


def test_awaits_exits_and_conditions() -> None:
    plain, ret, cond, loop, closure = effects_of(
        "const a = await db.select().from(users);\n"
        "if (!a) return null;\n"
        "const b = flag ? 1 : 2;\n"
        "for (const i of items) { if (i) break; }\n"
        "const later = async () => { await db.select().from(users); return 1; };"
    )
    assert plain.awaits and not plain.exits and not plain.conditional
    assert ret.exits == {"return"} and ret.conditional
    assert cond.conditional and cond.pure
    assert "break" in loop.exits
    # A closure's awaits and returns are its own; its queries still count where it is created.
    assert not closure.awaits and not closure.exits and closure.db == "read"


def test_dependences() -> None:
    first, second, third, fourth = effects_of(
        "let a = await db.select().from(users);\n"
        "const b = await db.select().from(users).where(eq(users.id, a[0].id));\n"
        "const c = await db.select().from(users);\n"
        "a = [];"
    )
    assert depends_on(second, first)  # reads a
    assert not depends_on(third, first)
    assert depends_on(fourth, first)  # reassigns a (output dependence)
    assert depends_on(fourth, second)  # anti-dependence: second reads a


def test_transaction_handles_and_shadowing() -> None:
    source = (
        PRELUDE
        + "import type { PgTransaction } from 'drizzle-orm/pg-core';\n"
        + "export async function f(id: string) {\n"
        + "  await db.transaction(async (tx) => { await tx.select().from(users); await db.select().from(users); });\n"
        + "}\n"
        + "export async function g(trx: PgTransaction<any, any, any>) { await trx.select().from(users); }\n"
        + "export async function h(db: unknown) { await db.select().from(users); }\n"
    ).encode()
    parsed = parse_file(Path("x.ts"), source)
    vocabulary = Vocabulary.build(parsed, ("db",))
    calls = sorted(
        (n for n in _calls(parsed.root) if parsed.text(n).endswith(".from(users)")), key=lambda n: n.start_byte
    )
    handles = [(parsed.text(n).split(".")[0], getattr(vocabulary.query_chain(n), "handle", None)) for n in calls]
    # Source order: tx and db in f's transaction callback, trx typed PgTransaction in g, db in h.
    assert handles == [("tx", "tx"), ("db", "db"), ("trx", "tx"), ("db", None)]
    # `db` inside the callback is still the pooled handle (no fix there: the block is inside a transaction);
    # `db` in h is an untyped parameter that shadows the module handle.
    assert vocabulary.inside_transaction(calls[0]) and vocabulary.inside_transaction(calls[1])
    assert not vocabulary.inside_transaction(calls[3])


def _calls(root):  # type: ignore[no-untyped-def]
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "call_expression":
            yield node
        stack.extend(node.named_children)


@pytest.mark.parametrize(
    ("statement", "logging"),
    [
        ('console.info("loaded", userId);', True),
        ("logger.warn(`missing ${userId}`, { userId });", True),
        ('authLogger.error(new Error("x"));', True),
        ('console.info("loaded", track(userId));', False),  # an argument with an unknown effect
        ('audit.info("loaded", userId);', False),  # not a logger's name
        ('logger.flush("now");', False),  # not a logging method
        ('logger?.info("x");', True),  # an optional logger logs or does nothing
        ('log.info("x");', False),  # `log` below is a row, not a logger
    ],
)
def test_logging_statements(statement: str, logging: bool) -> None:
    analyzer, statements = analyze(f"const log = await db.query.logs.findFirst();\n{statement}")
    assert analyzer.logging_statement(statements[-1]) is logging


@pytest.mark.parametrize(
    ("body", "filled"),
    [
        ("const ids: string[] = [];\nids.push(userId);", "ids"),
        ("const seen = new Set<string>();\nseen.add(userId);", "seen"),
        ("const byId = new Map();\nbyId.set(userId, 1);", "byId"),
        ("items.push(userId);", None),  # a parameter: the caller sees it
        ("let ids: string[] = [];\nids.push(userId);", None),  # may be reassigned to anything
        ("const ids: string[] = [];\nconst same = ids;\nids.push(userId);", None),  # aliased
        ("const ids: string[] = [];\nconst o = { ids };\nids.push(userId);", None),  # stored
        ("const ids: string[] = [];\nids.push(track(userId));", None),  # impure argument
        ("const ids = load();\nids.push(userId);", None),  # not made here
    ],
)
def test_local_collection_mutations(body: str, filled: str | None) -> None:
    analyzer, statements = analyze(body)
    function = statements[-1].parent.parent
    assert analyzer.local_collection_mutation(statements[-1], function) == filled


@pytest.mark.parametrize(
    ("body", "pure"),
    [
        ("const build = (t: any) => and(eq(t.id, userId));\nbuild(x);", True),
        ("function build(t: any) {\n  const cs = [eq(t.id, userId)];\n  cs.push(eq(t.a, 1));\n  return and(...cs);\n}\nbuild(x);", True),
        ("const build = (t: any, ops: any) => ops.and(ops.eq(t.id, userId), ops.sql.raw('1'));\nbuild(x, { and, eq, sql });", True),
        ("const build = (t: any) => db.select().from(t);\nbuild(x);", False),  # a query
        ("let n = 0;\nconst build = (t: any) => { n++; return eq(t.id, userId); };\nbuild(x);", False),  # outer state
        ("const build = (t: any) => { items.push(userId); return eq(t.id, userId); };\nbuild(x);", False),  # a parameter's
        ("let build = (t: any) => eq(t.id, userId);\nbuild(x);", False),  # a `let`
        ("const build = (t: any) => { if (!t) throw new Error('x'); return eq(t.id, userId); };\nbuild(x);", False),
        ("const build = (t: any, ops: any) => ops.eq(t.id, userId);\nbuild(x, { eq: track });", False),  # not drizzle's
        ("const build = (t: any, ops: any) => ops.eq(t.id, userId);\nhandOn(build);\nbuild(x, { eq });", False),
        ("const build = (t: any) => build(t);\nbuild(x);", False),  # calls itself: never judged pure
    ],
)
def test_local_closures_that_only_build_sql_are_pure(body: str, pure: bool) -> None:
    analyzer, statements = analyze(body)
    assert analyzer.effects(statements[-1]).pure is pure


@pytest.mark.parametrize(
    ("body", "kept"),
    [
        ("const at = new Date();\nreturn { at };", True),
        ("const at = input || new Date().toISOString();\nconst due = addDays(new Date(at), 3);\nreturn due;", True),
        ("const at = Date.now();\nlog(Date.now() - at);", False),  # a duration
        ("const at = new Date();\nconst end = new Date();\nlog(end.getTime() - at.getTime());", False),
        ("const at = new Date();\nshow(formatDistanceToNow(at));", False),  # an unknown call named for time
        ("const at = performance.now();\nreturn at;", False),  # a monotonic clock only times
        ("const at = new Date();\nconst f = () => Date.now() - at.getTime();", False),
    ],
)
def test_clock_readings_that_only_keep_the_time(body: str, kept: bool) -> None:
    prelude = PRELUDE + 'import { addDays } from "date-fns";\n'
    analyzer, statements = analyze(body, prelude)
    function = statements[0].parent.parent
    assert analyzer.keeps_the_time(statements[0], function) is kept


@pytest.mark.parametrize(
    ("body", "pure"),
    [
        ("const v = (() => { switch (userId) { case 'a': return eq(x, 1); default: return eq(x, 2); } })();", True),
        ("let n = 0;\n(() => { n = 1; })();", False),  # assigns a name from outside it
        ("(() => { items.push(userId); })();", False),  # fills a parameter's list
    ],
)
def test_immediately_invoked_closures_count_as_their_body(body: str, pure: bool) -> None:
    analyzer, statements = analyze(body)
    assert analyzer.effects(statements[-1]).pure is pure
