"""A transaction handed on in a shape dalfix does not follow into the callee (a callback a project helper calls
inside `db.transaction`, `f.call`/`f.bind`, a spread, `new C(tx)`, a method of a receiver it cannot resolve): every
function it could reach keeps its DAL001 finding, unsafe, saying where the transaction came from. The shapes of one
project are in tests/fixtures/sequential_awaits/transaction_reaches_callee_in_unfollowed_shapes; here the helper
of a sibling workspace package, the messages, and the merge of the kinds as plain data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dalfix.fixes import Applicability
from dalfix.rules import all_rules
from dalfix.runner import RunOptions, run

PROJECTS = Path(__file__).parent / "projects"
FIXTURES = Path(__file__).parent / "fixtures" / "sequential_awaits"
DAL001 = [rule for rule in all_rules() if rule.code == "DAL001"]


def _dal001(paths: list[Path], root: Path) -> dict[tuple[str, int], tuple[str, str]]:
    result = run(paths, RunOptions(rules=DAL001))
    assert not result.failed
    return {
        (file.path.relative_to(root).as_posix(), file.path.read_bytes()[: finding.start].count(b"\n") + 1): (
            finding.applicability.value if finding.applicability else "no-fix",
            finding.message,
        )
        for file, finding in result.findings
    }


@pytest.mark.parametrize("checked", [".", "apps/api"])
def test_a_sibling_packages_transaction_helper_makes_its_callback_unsafe(tmp_path: Path, checked: str) -> None:
    # Checked from the workspace root, or only the app (the package's helper is then a module outside the run).
    root = tmp_path / "workspace"
    shutil.copytree(PROJECTS / "unfollowed_workspace", root)
    found = _dal001([root / checked], root)
    profile, summary = found[("apps/api/src/profile.ts", 6)], found[("apps/api/src/profile.ts", 13)]
    assert profile[0] == "unsafe"
    assert "`conn` may be a transaction, handed on by `runInTransaction((handle) =>" in profile[1]
    assert "(apps/api/src/routes.ts:4)" in profile[1]
    assert summary[0] == "safe"  # handed only the pool


def test_each_unfollowed_shape_names_where_the_transaction_comes_from(tmp_path: Path) -> None:
    case = FIXTURES / "transaction_reaches_callee_in_unfollowed_shapes.input"
    shutil.copytree(case, tmp_path / "case")
    found = _dal001([tmp_path / "case"], tmp_path / "case")
    messages = [message for (name, _), (kind, message) in sorted(found.items()) if kind == "unsafe"]
    assert [m[m.index("handed on by ") + 13 : m.index(" in a way")] for m in messages] == [
        "`withTx(loadCallback)` (service.ts:21)",
        "`withTx((tx) => loadInline(tx, id))` (service.ts:22)",
        "`loadCall.call(null, tx, id)` (service.ts:23)",
        "`loadBind.bind(null, tx)` (service.ts:24)",
        "`loadSpread(...[tx, id])` (service.ts:25)",
        "`loadSpreadArgs(...args)` (service.ts:29)",
        "`new UserRepo(tx)` (service.ts:32)",
    ]


def test_an_unresolved_receivers_method_reaches_every_method_of_that_name(tmp_path: Path) -> None:
    (tmp_path / "db.ts").write_text(
        'import { drizzle } from "drizzle-orm/node-postgres";\nimport { Pool } from "pg";\n\n'
        "export const db = drizzle(new Pool());\nexport type Db = typeof db;\n"
    )
    (tmp_path / "schema.ts").write_text(
        'import { pgTable, serial } from "drizzle-orm/pg-core";\n\n'
        'export const users = pgTable("users", { id: serial("id").primaryKey() });\n'
        'export const posts = pgTable("posts", { id: serial("id").primaryKey() });\n'
    )
    reads = (
        "    const user = await h.select().from(users).where(eq(users.id, id));\n"
        "    const list = await h.select().from(posts).where(eq(posts.id, id));\n"
        "    return { user, list };\n"
    )
    (tmp_path / "repos.ts").write_text(
        'import { eq } from "drizzle-orm";\nimport type { Db } from "./db";\n'
        'import { posts, users } from "./schema";\n\n'
        f"export const users_ = {{\n  async loadPair(h: Db, id: number) {{\n{reads}  }},\n}};\n\n"
        f"export const other = {{\n  async loadOther(h: Db, id: number) {{\n{reads}  }},\n}};\n"
    )
    (tmp_path / "service.ts").write_text(
        'import { db } from "./db";\n\n'
        "export function make(deps: { repo: { loadPair(h: unknown, id: number): Promise<unknown> } }) {\n"
        "  return (id: number) => db.transaction((tx) => deps.repo.loadPair(tx, id));\n}\n"
    )
    found = _dal001([tmp_path], tmp_path)
    assert found[("repos.ts", 7)][0] == "unsafe"
    assert "`deps.repo.loadPair(tx, id)` (service.ts:4)" in found[("repos.ts", 7)][1]
    assert found[("repos.ts", 15)][0] == "safe"  # another name: not reached


def test_merge_turns_a_transaction_through_an_unseen_step_into_a_reason() -> None:
    from dalfix.analysis.passed_handles import SLOT, forward, unseen
    from dalfix.analysis.project import METHOD, merged_transaction_parameters

    a, b = Path("/p/a.ts"), Path("/p/b.ts")
    calls = {
        # withTx calls its callback parameter `fn` with a transaction; `load` is passed to it
        a: [
            ((a, "withTx", "fn" + SLOT), "tx"),
            ((b, "load", "h"), unseen("R", forward("withTx", "fn" + SLOT, str(a)))),
        ],
        # `pooled` is passed to a helper that calls it with the pool only; `inner` is forwarded load's `h`
        b: [
            ((a, "withDb", "fn" + SLOT), "db"),
            ((b, "pooled", "h"), unseen("S", forward("withDb", "fn" + SLOT, str(a)))),
            ((b, "inner", "h"), forward("load", "h")),
            ((b, METHOD, "save"), unseen("M", "tx")),
        ],
    }
    merged = merged_transaction_parameters(calls)
    assert merged == {b: [("load", "h", "R"), ("inner", "h", "R")]}


def test_a_followed_transaction_wins_over_an_unseen_one() -> None:
    from dalfix.analysis.passed_handles import unseen
    from dalfix.analysis.project import merged_transaction_parameters

    b = Path("/p/b.ts")
    merged = merged_transaction_parameters({b: [((b, "load", "h"), unseen("R", "tx")), ((b, "load", "h"), "tx")]})
    assert merged == {b: [("load", "h", False)]}


def test_the_safe_look_alikes_stay_safe_under_a_safe_only_run(tmp_path: Path) -> None:
    case = FIXTURES / "transaction_reaches_callee_in_unfollowed_shapes.input"
    shutil.copytree(case, tmp_path / "case")
    result = run([tmp_path / "case"], RunOptions(rules=DAL001, fix_threshold=Applicability.SAFE))
    fixed = {f.path.name: f.fixed for f in result.files if f.status == "changed"}
    text = fixed["loaders.ts"].decode()
    for name in ("poolCallback", "poolRegistered", "poolCall", "poolBind", "poolSpread"):
        body = text[text.index(f"function {name}(") :]
        assert body.index("Promise.all") < body.index("return")
    for name in ("loadCallback", "loadInline", "loadCall", "loadBind", "loadSpread", "loadSpreadArgs"):
        body = text[text.index(f"function {name}(") :]
        assert "Promise.all" not in body[: body.index("return")]
