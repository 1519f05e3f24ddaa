"""Handles known by declared types inside functions (Project._declared_handles, HandleIndex.declared).

kan's routers read `ctx.db` of a tRPC resolver, whose type is the procedure's context
(`initTRPC.context<typeof createTRPCContext>()`, declaring `db: dbClient`); openstatus's services write
`const db = ctx.db ?? defaultDb`, where `ctx.db` is typed `DB = DrizzleClient | DrizzleTx` (a caller may thread a
transaction through it). The application below makes a pool *and* a single connection, so a handle dalfix cannot
follow has no kind: what DAL001 says depends only on what the declared types resolve to.
"""

from __future__ import annotations

from pathlib import Path

from fixture_harness import run_fix

from dalfix.fixes import Applicability
from dalfix.parsing import count_errors, parse_file
from dalfix.rules import rule_by_code

DB = (
    'import { drizzle } from "drizzle-orm/node-postgres";\n'
    'import { drizzle as drizzleLite } from "drizzle-orm/pglite";\n'
    'import type { NodePgDatabase } from "drizzle-orm/node-postgres";\n'
    'import { PGlite } from "@electric-sql/pglite";\n'
    'import { Pool } from "pg";\n'
    'import { pgTable, text } from "drizzle-orm/pg-core";\n'
    'export const users = pgTable("users", { id: text("id").primaryKey() });\n'
    'export const posts = pgTable("posts", { id: text("id").primaryKey(), userId: text("user_id") });\n'
    "export const db = drizzle(new Pool());\n"
    "export const local = drizzleLite(new PGlite());\n"  # a second kind: untraced handles are unknown
    "export type Database = NodePgDatabase;\n"
)

TRPC = (
    'import { initTRPC } from "@trpc/server";\n'
    'import { db, type Database } from "./db";\n'
    "interface CreateContextOptions {\n  user: string | null;\n  db: Database;\n}\n"
    "export const createInnerTRPCContext = (opts: CreateContextOptions) => {\n"
    "  return { user: opts.user, db: opts.db };\n};\n"
    "export const createTRPCContext = async () => createInnerTRPCContext({ user: null, db });\n"
    "const t = initTRPC.context<typeof createTRPCContext>().create();\n"
    "export const publicProcedure = t.procedure;\n"
    "const authed = t.middleware(async ({ ctx, next }) => {\n"
    '  if (!ctx.user) throw new Error("UNAUTHORIZED");\n'
    "  return next({ ctx });\n});\n"
    "export const protectedProcedure = t.procedure.use(authed);\n"
    "const inTx = t.middleware(async ({ ctx, next }) =>\n"
    "  ctx.db.transaction(async (tx) => next({ ctx: { ...ctx, db: tx } })),\n);\n"
    "export const txProcedure = protectedProcedure.use(inTx);\n"
)


def _two_reads(receiver: str) -> str:
    return (
        f"    const user = await {receiver}.select().from(users).where(eq(users.id, input));\n"
        f"    const rows = await {receiver}.select().from(posts).where(eq(posts.userId, input));\n"
        "    return { user, rows };\n"
    )


def _dal001(tmp_path: Path) -> dict[tuple[str, int], str]:
    result = run_fix([tmp_path], rule_by_code("DAL001"), threshold=None)
    found: dict[tuple[str, int], str] = {}
    for r in result.files:
        source = Path(r.path).read_bytes()
        for f in r.findings:
            found[(Path(r.path).name, source[: f.start].count(b"\n") + 1)] = (
                f.applicability.value if f.applicability is not None else "display-only"
            )
    return found


def _router(tmp_path: Path, trpc: str = TRPC) -> None:
    (tmp_path / "db.ts").write_text(DB)
    (tmp_path / "trpc.ts").write_text(trpc)
    (tmp_path / "router.ts").write_text(
        'import { eq } from "drizzle-orm";\nimport { users, posts } from "./db";\n'
        'import { protectedProcedure, publicProcedure, txProcedure } from "./trpc";\n'
        'import { cache } from "./cache";\n'
        "export const a = protectedProcedure.input(String).query(async ({ ctx, input }) => {\n"
        + _two_reads("ctx.db")
        + "});\n"
        "export const b = publicProcedure.mutation(async (opts) => {\n  const input = opts.input;\n"
        + _two_reads("opts.ctx.db")
        + "});\n"
        # the middleware hands `next` a transaction as `db`: this `ctx.db` is not the context's
        "export const c = txProcedure.query(async ({ ctx, input }) => {\n" + _two_reads("ctx.db") + "});\n"
        # not a tRPC procedure: a `ctx.db` of a type dalfix does not know
        "export const d = cache.query(async ({ ctx, input }) => {\n" + _two_reads("ctx.db") + "});\n"
    )
    (tmp_path / "cache.ts").write_text("export const cache: any = {};\n")


def test_a_trpc_resolvers_ctx_db_is_the_contexts_declared_handle(tmp_path: Path) -> None:
    _router(tmp_path)
    assert _dal001(tmp_path) == {
        ("router.ts", 6): "safe",  # `ctx.db`: `Database` (NodePgDatabase, the pool's type)
        ("router.ts", 12): "safe",  # `opts.ctx.db`
        ("router.ts", 17): "unsafe",  # a middleware replaced `db`: unknown, as before
        ("router.ts", 22): "unsafe",  # not a procedure: unknown, as before
    }


def test_a_context_type_the_application_casts_a_single_connection_to_gets_no_promise_all(tmp_path: Path) -> None:
    """kan: `createDrizzleClient(): dbClient` returns a pool's handle or, without POSTGRES_URL, a PGlite one cast
    to the same type; `ctx.db` is then single-connection (as every parameter typed `dbClient`): no DAL001."""
    _router(tmp_path)
    (tmp_path / "db.ts").write_text(
        DB.replace(
            "export const local = drizzleLite(new PGlite());\n",
            "export const local = drizzleLite(new PGlite());\n"
            "export function createClient(): Database {\n"
            "  if (!process.env.URL) return drizzleLite(new PGlite()) as unknown as Database;\n"
            "  return drizzle(new Pool()) as Database;\n}\n",
        )
    )
    found = _dal001(tmp_path)
    assert ("router.ts", 6) not in found and ("router.ts", 12) not in found
    assert found[("router.ts", 17)] == "unsafe" and found[("router.ts", 22)] == "unsafe"


CONTEXT = (
    'import { db as defaultDb } from "./db";\n'
    "export type DrizzleClient = typeof defaultDb;\n"
    'export type DrizzleTx = Parameters<Parameters<DrizzleClient["transaction"]>[0]>[0];\n'
    "export type DB = DrizzleClient | DrizzleTx;\n"
    "export type ServiceContext = {\n  workspace: string;\n  name?: string;\n  db?: DB;\n"
    "  client?: DrizzleClient;\n};\n"
)


def _service(tmp_path: Path, local: str) -> None:
    (tmp_path / "db.ts").write_text(DB)
    (tmp_path / "context.ts").write_text(CONTEXT)
    (tmp_path / "service.ts").write_text(
        'import { eq } from "drizzle-orm";\nimport { db as defaultDb, users, posts } from "./db";\n'
        'import type { ServiceContext } from "./context";\n'
        "export async function load(args: { ctx: ServiceContext; input: string }) {\n"
        "  const { ctx, input } = args;\n"
        f"  const db = {local};\n" + _two_reads("db").replace("    ", "  ") + "}\n"
    )


def test_an_optional_handle_that_admits_a_transaction_makes_the_default_a_maybe_transaction(tmp_path: Path) -> None:
    """`ctx.db ?? defaultDb` with `db?: DB` (client or transaction): a caller may thread its transaction through
    `ctx.db`, so the reads may share one connection: no `Promise.all` (before: `db` by its name, unknown: unsafe)."""
    _service(tmp_path, "ctx.db ?? defaultDb")
    assert _dal001(tmp_path) == {}
    _service(tmp_path, "args.ctx.db || defaultDb")
    assert _dal001(tmp_path) == {}


def test_an_optional_handle_of_the_client_type_keeps_the_pool(tmp_path: Path) -> None:
    _service(tmp_path, "ctx.client ?? defaultDb")
    assert _dal001(tmp_path) == {("service.ts", 7): "safe"}


def test_a_side_that_is_no_handle_leaves_the_name_as_it_was(tmp_path: Path) -> None:
    """`ctx.name ?? defaultDb`: `name` is a string, so nothing is concluded from the `??`; `db` is read as
    before (the project's default name), and the application's kinds disagree: unknown, unsafe. Neither a
    record's other property (`ctx.db`) nor the whole context is taken for it."""
    _service(tmp_path, "ctx.name ?? defaultDb")
    assert _dal001(tmp_path) == {("service.ts", 7): "unsafe"}
    _service(tmp_path, "ctx ?? defaultDb")
    assert _dal001(tmp_path) == {("service.ts", 7): "unsafe"}


def _fix(tmp_path: Path) -> bytes:
    result = run_fix([tmp_path], rule_by_code("DAL001"), threshold=Applicability.SAFE)
    (router,) = [r for r in result.files if Path(r.path).name == "router.ts"]
    (tmp_path / "router.ts").write_bytes(router.fixed)
    return router.fixed


def test_the_safe_fix_through_a_resolvers_ctx_db_reparses_and_is_idempotent(tmp_path: Path) -> None:
    _router(tmp_path)
    after = _fix(tmp_path)
    assert count_errors(parse_file(tmp_path / "router.ts", after).root) == 0
    assert after.count(b"await Promise.all([") == 2  # the two resolvers whose `ctx.db` is the pool's type
    assert sorted(v for (name, _), v in _dal001(tmp_path).items() if name == "router.ts") == ["unsafe", "unsafe"]
    assert _fix(tmp_path) == after
