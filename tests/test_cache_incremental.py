"""Per-file invalidation (dalfix/incremental.py): after an edit, a cached run prints byte for byte what an uncached run
prints on the edited tree, whatever the edit changes across files, and checks again only what can change."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dalfix.runner

POOLED = """import { drizzle } from "drizzle-orm/node-postgres";
import { Pool } from "pg";

export const db = drizzle(new Pool());
"""
SERIAL = 'import { drizzle } from "drizzle-orm/better-sqlite3";\n\nexport const db = drizzle("local.db");\n'
SCHEMA = """import { integer, pgTable, serial, text } from "drizzle-orm/pg-core";

export const users = pgTable("users", {
  id: serial("id").primaryKey(),
  email: text("email").notNull(),
  teamId: integer("team_id"),
});

export const teams = pgTable("teams", {
  id: serial("id").primaryKey(),
  name: text("name"),
});
"""
HELPERS = """import { eq } from "drizzle-orm";
import { db } from "./db";
import { teams, users } from "./schema";

export async function findUser(id: number) {
  return db.select().from(users).where(eq(users.id, id));
}

export async function findTeam(id: number) {
  return db.select().from(teams).where(eq(teams.id, id));
}

export async function renameTeam(handle: typeof db, id: number, name: string) {
  const team = await handle.select().from(teams).where(eq(teams.id, id));
  const members = await handle.select().from(users).where(eq(users.teamId, id));
  await handle.update(teams).set({ name }).where(eq(teams.id, id));
  return { team, members };
}
"""
PAGE = """import { findTeam, findUser } from "./helpers";

export async function load(userId: number, teamId: number) {
  const user = await findUser(userId);
  const team = await findTeam(teamId);
  return { user, team };
}
"""
LOOP = """import { eq } from "drizzle-orm";
import { db } from "./db";
import { users } from "./schema";

export async function emails(ids: number[]) {
  const out = [];
  for (const id of ids) {
    out.push(await db.select().from(users).where(eq(users.id, id)));
  }
  return out;
}
"""
WRITES = """import { db } from "./db";
import { renameTeam } from "./helpers";
import { teams, users } from "./schema";

export async function create(email: string, name: string) {
  await db.insert(teams).values({ name });
  await db.insert(users).values({ email });
  await renameTeam(db, 1, "first");
}
"""
UI = 'export const title = "Teams";\n'
CALLER = """import { db } from "./db";
import { renameTeam } from "./helpers";

export async function renameInside(name: string) {
  await db.transaction(async (tx) => {
    await renameTeam(tx, 1, name);
    await renameTeam(tx, 2, name);
  });
}
"""
BASE = {
    "package.json": '{"name": "app", "dependencies": {"pg": "8", "drizzle-orm": "0.44.0"}}\n',
    "src/db.ts": POOLED,
    "src/schema.ts": SCHEMA,
    "src/helpers.ts": HELPERS,
    "src/page.ts": PAGE,
    "src/loop.ts": LOOP,
    "src/writes.ts": WRITES,
    "src/ui.ts": UI,
}


def _replace(name: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        path = root / name
        if path.exists():
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace(old, new) if old in text else text.replace(new, old), encoding="utf-8")

    return edit


def _toggle(name: str, text: str) -> Callable[[Path], None]:
    """The file appears with `text`, or goes when it is there."""

    def edit(root: Path) -> None:
        path = root / name
        if path.exists():
            path.unlink()
        else:
            path.write_text(text, encoding="utf-8")

    return edit


# Each edit is its own inverse where it can be (applied twice, the tree is as before), so that a random sequence of
# them keeps visiting states a pack was written for.
EDITS: dict[str, Callable[[Path], None]] = {
    "comment in a checked file": _replace("src/loop.ts", "  const out = [];\n", "  // one per id\n  const out = [];\n"),
    "string in a checked file": _replace("src/writes.ts", '"first"', '"the first"'),
    "comment in the helpers": _replace(
        "src/helpers.ts", "export async function findTeam", "// teams\nexport async function findTeam"
    ),
    "a helper starts writing": _replace(
        "src/helpers.ts",
        "  return db.select().from(teams).where(eq(teams.id, id));",
        "  await db.update(teams).set({ name: null }).where(eq(teams.id, id));\n  return db.select().from(teams);",
    ),
    "the handle's driver": _replace("src/db.ts", POOLED, SERIAL),
    "an export renamed": _replace("src/helpers.ts", "function findTeam(", "function findGroup("),
    "a file added": _toggle("src/extra.ts", PAGE.replace("load(", "loadAgain(")),
    "a file removed": _toggle("src/loop.ts", LOOP),
    "a caller hands a transaction": _replace(
        "src/writes.ts",
        '  await renameTeam(db, 1, "first");',
        '  await db.transaction(async (tx) => {\n    await renameTeam(tx, 1, "first");\n  });',
    ),
    "a file that hands a transaction": _toggle("src/caller.ts", CALLER),
    "a schema table changed": _replace("src/schema.ts", 'pgTable("teams"', 'pgTable("groups"'),
    "a schema index added": _replace(
        "src/schema.ts",
        '  email: text("email").notNull(),\n',
        '  email: text("email").notNull().unique(),\n',
    ),
    "a file with no handle": _replace("src/ui.ts", '"Teams"', '"Groups"'),
}
FORMATS = (["--format", "json"], [], ["--format", "sarif"])


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "app"
    _write(root)
    monkeypatch.chdir(root)
    monkeypatch.setenv("DALFIX_CACHE_DIR", str(tmp_path / "cache"))
    return root


def _write(root: Path) -> None:
    for name, text in BASE.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


@pytest.fixture
def analysed(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files whose rules ran (not served from the cache)."""
    ran: list[Path] = []
    original = dalfix.runner._process

    def counting(result, parsed, project, options, new_files=None):  # type: ignore[no-untyped-def]
        ran.append(result.path)
        original(result, parsed, project, options, new_files)

    monkeypatch.setattr(dalfix.runner, "_process", counting)
    return ran


def _outputs(run_cli, *cache: str) -> list[tuple[int, str, str]]:  # type: ignore[no-untyped-def]
    """What `check` (JSON, text, SARIF) and `diff` print, with `cache` options."""
    runs = [run_cli("check", *cache, *form, ".") for form in FORMATS]
    runs.append(run_cli("diff", *cache, "--unsafe-fixes", "."))
    return [(r.exit_code, r.stdout, r.stderr) for r in runs]


def _same_as_uncached(run_cli) -> None:  # type: ignore[no-untyped-def]
    cached = _outputs(run_cli)
    assert cached == _outputs(run_cli, "--no-cache")


def test_the_project_has_findings_of_every_default_rule(run_cli, project) -> None:
    found = run_cli("check", "--no-cache", "--format", "json", ".").stdout
    for code in ("DAL001", "DAL002", "DAL005"):
        assert code in found


@pytest.mark.parametrize("name", list(EDITS))
def test_after_each_kind_of_edit_a_cached_run_prints_what_an_uncached_run_does(run_cli, project, name) -> None:
    _outputs(run_cli)  # fills the cache
    EDITS[name](project)
    _same_as_uncached(run_cli)
    EDITS[name](project)  # back to the first tree: its results again
    _same_as_uncached(run_cli)


@pytest.mark.parametrize("name", list(EDITS))
def test_with_preview_rules_too(run_cli, project, name) -> None:
    """DAL010's index plan reads every file's queries: the files it reports on are checked again each run."""

    def both() -> tuple[object, object]:
        cached = run_cli("check", "--preview", "--format", "json", ".")
        uncached = run_cli("check", "--preview", "--no-cache", "--format", "json", ".")
        assert "DAL010" in uncached.stdout or name in ("a schema index added", "a file removed")
        return (cached.exit_code, cached.stdout, cached.stderr), (uncached.exit_code, uncached.stdout, uncached.stderr)

    run_cli("check", "--preview", ".")
    EDITS[name](project)
    cached, uncached = both()
    assert cached == uncached
    EDITS[name](project)
    cached, uncached = both()
    assert cached == uncached


def test_a_comment_checks_that_file_again_and_nothing_that_does_not_import_it(run_cli, project, analysed) -> None:
    run_cli("check", ".")
    assert (project / "src" / "page.ts") in analysed
    analysed.clear()
    EDITS["comment in a checked file"](project)
    run_cli("check", ".")
    assert analysed == [project / "src" / "loop.ts"]  # nothing imports loop.ts


def test_an_edit_of_a_helper_checks_its_importers_again(run_cli, project, analysed) -> None:
    run_cli("check", ".")
    analysed.clear()
    EDITS["comment in the helpers"](project)
    run_cli("check", ".")
    assert set(analysed) == {project / "src" / name for name in ("helpers.ts", "page.ts", "writes.ts")}


def test_a_project_wide_fact_that_changes_checks_every_file_again(run_cli, project, analysed) -> None:
    run_cli("check", ".")
    before = set(analysed)
    analysed.clear()
    EDITS["a caller hands a transaction"](project)  # renameTeam's parameter becomes a maybe-transaction
    run_cli("check", ".")
    assert set(analysed) == before  # helpers.ts too, though it does not import writes.ts


def test_the_files_whose_calls_are_known_are_not_parsed_ahead(run_cli, project, monkeypatch) -> None:
    """After a comment in loop.ts, the parsing thread is told to skip every other analysed file: a previous run's facts
    and results serve them (a parse nobody takes is CPU spent for nothing; tests/test_parse_ahead.py: a skipped file
    is not parsed)."""
    from dalfix.parse_ahead import ParseAhead

    skipped: list[Path] = []
    original = ParseAhead.skip

    def recording(self, paths):  # type: ignore[no-untyped-def]
        paths = list(paths)
        skipped.extend(paths)
        original(self, paths)

    monkeypatch.setattr(ParseAhead, "skip", recording)
    run_cli("check", ".")
    assert skipped == []  # a cold run knows nothing
    EDITS["comment in a checked file"](project)
    run_cli("check", ".")
    checked = {project / "src" / name for name in ("helpers.ts", "page.ts", "writes.ts")}
    assert checked <= set(skipped) and project / "src" / "loop.ts" not in skipped


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(sorted(EDITS)), min_size=1, max_size=5), st.booleans())
def test_random_edit_sequences_keep_cached_output_exact(run_cli, tmp_path_factory, monkeypatch, names, preview) -> None:
    options = ["--preview"] if preview else []
    base = tmp_path_factory.mktemp("random")
    root = base / "app"
    _write(root)
    monkeypatch.chdir(root)
    monkeypatch.setenv("DALFIX_CACHE_DIR", str(base / "cache"))
    run_cli("check", *options, "--format", "json", ".")
    for name in names:
        EDITS[name](root)
        cached = run_cli("check", *options, "--format", "json", ".")
        uncached = run_cli("check", *options, "--no-cache", "--format", "json", ".")
        assert (cached.exit_code, cached.stdout, cached.stderr) == (
            uncached.exit_code,
            uncached.stdout,
            uncached.stderr,
        )


def test_a_file_a_check_read_outside_its_imports_becomes_an_input_of_every_result(
    run_cli, project, analysed, monkeypatch
) -> None:
    from dalfix.analysis import reads

    counting = dalfix.runner._process

    def reading_ui(result, parsed, project_, options, new_files=None):  # type: ignore[no-untyped-def]
        if result.path.name == "page.ts":
            reads.note(project / "src" / "ui.ts")  # as a project-wide fact built lazily inside this check would
        counting(result, parsed, project_, options, new_files)

    monkeypatch.setattr(dalfix.runner, "_process", reading_ui)
    run_cli("check", ".")
    before = set(analysed)
    analysed.clear()
    EDITS["a file with no handle"](project)  # ui.ts: imported by nothing
    run_cli("check", ".")
    assert set(analysed) == before
    analysed.clear()
    EDITS["comment in a checked file"](project)
    run_cli("check", ".")
    assert analysed == [project / "src" / "loop.ts"]


def test_the_calls_handing_a_handle_are_found_again_only_in_files_that_can_have_changed(
    run_cli, project, monkeypatch
) -> None:
    from dalfix.analysis.project import Project

    found: list[Path] = []
    original = Project.handle_passing_calls

    def counting(self, path):  # type: ignore[no-untyped-def]
        found.append(path)
        return original(self, path)

    monkeypatch.setattr(Project, "handle_passing_calls", counting)
    run_cli("check", ".")
    assert project / "src" / "writes.ts" in found
    found.clear()
    EDITS["comment in a checked file"](project)
    run_cli("check", ".")
    assert found == [project / "src" / "loop.ts"]
    found.clear()
    EDITS["comment in the helpers"](project)
    run_cli("check", ".")
    assert set(found) == {project / "src" / name for name in ("helpers.ts", "page.ts", "writes.ts")}


ROLES_DB = """import { drizzle } from "drizzle-orm/node-postgres";
import { Pool } from "pg";
import { pgTable, serial, text } from "drizzle-orm/pg-core";
export const db = drizzle(new Pool());
export const roles = pgTable("roles", { id: serial("id").primaryKey(), name: text("name").notNull() });
"""
ROLE_BY_NAME = """import { eq } from "drizzle-orm";
import { db, roles } from "./db";

export async function roleByName(name: string) {
  const [found] = await db.select().from(roles).where(eq(roles.name, name)).limit(1);
  if (found) return found;
  const [created] = await db.insert(roles).values({ name }).returning();
  return created;
}
"""
UNIQUE_MIGRATION = """import { sql } from "drizzle-orm";

export const migration = {
  up: async (db: { run: (q: unknown) => Promise<void> }) => {
    await db.run(sql`CREATE UNIQUE INDEX IF NOT EXISTS "roles_name_index" ON "roles" ("name")`);
  },
};
"""
ENSURE_ROLE = """import { eq } from "drizzle-orm";
import { db, roles } from "./db";
import { grantRole } from "./grants";

export async function ensureRole(name: string) {
  const [found] = await db.select().from(roles).where(eq(roles.name, name)).limit(1);
  if (found) return found;
  const [created] = await db.insert(roles).values({ name }).returning();
  await grantRole(name);
  return created;
}
"""
GRANTS = """import { db, roles } from "./db";

export async function grantRole(name: string) {
  await db.insert(roles).values({ name });
}
"""


def _dal003_project(root: Path, files: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    files = {"package.json": BASE["package.json"], "src/db.ts": ROLES_DB, **files}
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(root)
    monkeypatch.setenv("DALFIX_CACHE_DIR", str(root.parent / "cache"))


def _dal003_outputs(run_cli, *options: str) -> list[tuple[int, str, str]]:  # type: ignore[no-untyped-def]
    flags = ["--preview", "--select", "DAL003", *options]
    runs = [
        run_cli("check", *flags, "--format", "json", "."),
        run_cli("diff", *flags, "--unsafe-fixes", "."),
    ]
    return [(r.exit_code, r.stdout, r.stderr) for r in runs]


@pytest.mark.parametrize("direction", ["unique dropped", "unique added"])
def test_a_ts_migration_whose_unique_index_changes_is_an_input_of_dal003(
    run_cli, tmp_path, monkeypatch, direction
) -> None:
    """DAL003's onConflictDoNothing fix needs a unique constraint on the key; one a TS migration creates in SQL (a
    setup file nothing imports) decides it: an uncached run shows it only while the index is UNIQUE."""
    unique, plain = UNIQUE_MIGRATION, UNIQUE_MIGRATION.replace("CREATE UNIQUE INDEX", "CREATE INDEX")
    before, after = (unique, plain) if direction == "unique dropped" else (plain, unique)
    root = tmp_path / "app"
    migration = root / "src" / "migrations" / "0001-roles.migration.ts"
    _dal003_project(
        root, {"src/service.ts": ROLE_BY_NAME, "src/migrations/0001-roles.migration.ts": before}, monkeypatch
    )
    first = _dal003_outputs(run_cli)
    assert ("onConflictDoNothing" in first[1][1]) == (before == unique)
    migration.write_text(after, encoding="utf-8")
    assert _dal003_outputs(run_cli) == _dal003_outputs(run_cli, "--no-cache")
    migration.write_text(before, encoding="utf-8")
    assert _dal003_outputs(run_cli) == first


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_unchecked_insert_elsewhere_is_an_input_of_every_dal003_message(
    run_cli, tmp_path, monkeypatch, jobs
) -> None:
    """DAL003 names the table's other inserts that write the key unchecked (a project-wide memo): a_first.ts builds it
    (and reaches grants.ts), service.ts reuses it without importing grants.ts; a line added there moves the insert."""
    root = tmp_path / "app"
    files = {"src/a_first.ts": ENSURE_ROLE, "src/grants.ts": GRANTS, "src/service.ts": ROLE_BY_NAME}
    _dal003_project(root, files, monkeypatch)
    first = _dal003_outputs(run_cli, "--jobs", jobs)
    assert "grants.ts:4" in first[0][1]
    grants = root / "src" / "grants.ts"
    grants.write_text(GRANTS.replace("export async function", "// one line added\nexport async function"), "utf-8")
    cached = _dal003_outputs(run_cli, "--jobs", jobs)
    assert "grants.ts:5" in cached[0][1]
    assert cached == _dal003_outputs(run_cli, "--jobs", jobs, "--no-cache")


BARREL_SCHEMA = 'import { TEAMS } from "./shared";\n' + SCHEMA.replace('pgTable("teams"', "pgTable(TEAMS")
SHARED = {  # a barrel of `export *` (homarr's @homarr/common): finding TEAMS reads every module before names.ts
    "src/shared/index.ts": 'export * from "./ids";\nexport * from "./names";\n',
    "src/shared/ids.ts": "export const FIRST_ID = 1;\n",
    "src/shared/names.ts": 'export const TEAMS = "teams";\n',
}


def test_a_memoised_resolution_notes_the_files_it_read_each_time_it_answers(project) -> None:
    """What a check is recorded to have read (the safety net, the schema's files) must not depend on which check asked
    first: finding TEAMS through the barrel reads index.ts, ids.ts and names.ts; the memo's answer notes them too."""
    from dalfix.analysis import reads
    from dalfix.analysis.project import Project
    from dalfix.parsing import parse_file

    (project / "src" / "schema.ts").write_text(BARREL_SCHEMA, encoding="utf-8")
    for name, text in SHARED.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text, encoding="utf-8")
    loaded = Project.load(project)
    loaded.prepare({p: parse_file(p, p.read_bytes()) for p in sorted((project / "src").rglob("*.ts"))})
    schema = project / "src" / "schema.ts"
    answers = [loaded.summaries.resolve_import(schema, "TEAMS")]  # outside a check: nothing noted, memoised
    for _ in range(2):
        with reads.recording() as seen:
            answers.append(loaded.summaries.resolve_import(schema, "TEAMS"))
        assert seen == {schema, *(project / name for name in SHARED)}
    assert answers == [(project / "src" / "shared" / "names.ts", "TEAMS")] * 3
