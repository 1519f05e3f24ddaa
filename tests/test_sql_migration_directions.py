"""The SQL reader (dalfix/analysis/schema/sql_indexes.py) reads migrations the way they run: only the up direction,
in migration order. A down step's drop did not run (the index is still there); a down step's create did not run
either (DAL003 must not write an `onConflict` target on it); a later up step's drop does remove the index."""

# ruff: noqa: E501  (migration files as tables: one string per file line reads better unbroken)

from __future__ import annotations

from pathlib import Path

import pytest

from dalfix.analysis.schema.sql_indexes import migration_order, sql_indexes

KEEP = 'CREATE UNIQUE INDEX "keep_idx" ON "t" ("a");'
GONE = 'CREATE UNIQUE INDEX "gone_idx" ON "t" ("b");'


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def names(root: Path) -> set[str]:
    return {index.name for index in sql_indexes(root).indexes}


# Each format: keep_idx is created in an up step and dropped only in a down step; gone_idx is dropped in a later
# up step and re-created by that step's down; never_idx is created only in a down step.
FORMATS = {
    "dbmate": {
        "db/migrations/20240101000000_init.sql": f'-- migrate:up\n{KEEP}\n{GONE}\n\n-- migrate:down\nDROP INDEX "keep_idx";\n'
        'DROP INDEX "gone_idx";\n',
        "db/migrations/20240102000000_drop.sql": '-- migrate:up transaction:false\nDROP INDEX "gone_idx";\n'
        '-- migrate:down\nCREATE UNIQUE INDEX "gone_idx" ON "t" ("b");\nCREATE INDEX "never_idx" ON "t" ("c");\n',
    },
    "goose": {
        "migrations/00001_init.sql": f'-- +goose Up\n{KEEP}\n{GONE}\n-- +goose Down\nDROP INDEX "keep_idx";\n',
        "migrations/00002_drop.sql": '-- +goose up\n-- +goose StatementBegin\nDROP INDEX "gone_idx";\n'
        '-- +goose StatementEnd\n-- +goose down\nCREATE UNIQUE INDEX "gone_idx" ON "t" ("b");\n'
        'CREATE INDEX "never_idx" ON "t" ("c");\n',
    },
    "golang-migrate": {
        "migrations/000001_init.up.sql": f"{KEEP}\n{GONE}\n",
        "migrations/000001_init.down.sql": 'DROP INDEX "keep_idx";\nDROP INDEX "gone_idx";\n',
        "migrations/000002_drop.up.sql": 'DROP INDEX "gone_idx";\n',
        "migrations/000002_drop.down.sql": 'CREATE UNIQUE INDEX "gone_idx" ON "t" ("b");\n'
        'CREATE INDEX "never_idx" ON "t" ("c");\n',
    },
    "diesel": {
        "migrations/2024-01-01-000000_init/up.sql": f"{KEEP}\n{GONE}\n",
        "migrations/2024-01-01-000000_init/down.sql": 'DROP INDEX "keep_idx";\n',
        "migrations/2024-01-02-000000_drop/up.sql": 'DROP INDEX "gone_idx";\n',
        "migrations/2024-01-02-000000_drop/down.sql": 'CREATE INDEX "never_idx" ON "t" ("c");\n',
    },
    "node-pg-migrate sql": {
        "migrations/1700000000000_init.sql": f'-- Up Migration\n{KEEP}\n{GONE}\n-- Down Migration\nDROP INDEX "keep_idx";\n',
        "migrations/1700000000001_drop.sql": '-- Up Migration\nDROP INDEX "gone_idx";\n-- Down Migration\n'
        'CREATE INDEX "never_idx" ON "t" ("c");\n',
    },
    "node-pg-migrate js": {
        "migrations/1700000000000_init.js": f"exports.up = (pgm) => {{\n  pgm.sql('{KEEP}');\n  pgm.sql('{GONE}');\n}};\n"
        "exports.down = (pgm) => {\n  pgm.sql('DROP INDEX \"keep_idx\"');\n};\n",
        "migrations/1700000000001_drop.js": "module.exports.up = function (pgm) {\n  pgm.sql('DROP INDEX \"gone_idx\"');\n};\n"
        "module.exports.down = function (pgm) {\n  pgm.sql('CREATE INDEX \"never_idx\" ON \"t\" (\"c\")');\n};\n",
    },
    "kysely": {
        "src/migrations/2024_01_01_init.ts": "export async function up(db: Kysely<any>) {\n"
        f"  await sql`{KEEP} {GONE}`.execute(db);\n}}\n"
        'export async function down(db: Kysely<any>) {\n  await sql`DROP INDEX "keep_idx"`.execute(db);\n}\n',
        "src/migrations/2024_01_02_drop.ts": "export const up = async (db: Kysely<any>) => {\n"
        '  await sql`DROP INDEX "gone_idx"`.execute(db);\n};\n'
        'export const down = async (db: Kysely<any>) => {\n  await sql`CREATE INDEX "never_idx" ON "t" ("c")`.execute(db);\n};\n',
    },
    "typeorm": {
        "src/migrations/1700000000000-Init.ts": "export class Init1700000000000 implements MigrationInterface {\n"
        f"  public async up(q: QueryRunner): Promise<void> {{\n    await q.query(`{KEEP}`);\n    await q.query(`{GONE}`);\n  }}\n"
        '  public async down(q: QueryRunner): Promise<void> {\n    await q.query(`DROP INDEX "keep_idx"`);\n  }\n}\n',
        "src/migrations/1700000000001-Drop.ts": "export class Drop1700000000001 implements MigrationInterface {\n"
        '  async up(q: QueryRunner) {\n    await q.query(`DROP INDEX "gone_idx"`);\n  }\n'
        '  async down(q: QueryRunner) {\n    await q.query(`CREATE INDEX "never_idx" ON "t" ("c")`);\n  }\n}\n',
    },
    "migration list (papra)": {
        "src/migrations/list/0001-init.migration.ts": "export const initMigration = {\n  name: 'init',\n"
        f"  up: async ({{ db }}) => {{\n    await db.batch([db.run(sql`{KEEP}`), db.run(sql`{GONE}`)]);\n  }},\n"
        '  down: async ({ db }) => {\n    await db.run(sql`DROP INDEX IF EXISTS "keep_idx"`);\n  },\n'
        "} satisfies Migration;\n",
        "src/migrations/list/0002-drop.migration.ts": "export const dropMigration = {\n"
        '  async up({ db }) {\n    await db.run(sql`DROP INDEX IF EXISTS "gone_idx"`);\n  },\n'
        "  'down': async ({ db }) => {\n"
        '    await db.run(sql`CREATE UNIQUE INDEX IF NOT EXISTS "gone_idx" ON "t" ("b")`);\n'
        '    await db.run(sql`CREATE INDEX "never_idx" ON "t" ("c")`);\n  },\n'
        "} satisfies Migration;\n",
    },
}


@pytest.mark.parametrize("files", FORMATS.values(), ids=FORMATS.keys())
def test_only_the_up_direction_runs(tmp_path: Path, files: dict[str, str]) -> None:
    write(tmp_path, files)
    assert names(tmp_path) == {"keep_idx"}


@pytest.mark.parametrize(
    "files",
    [
        {  # drizzle-kit: every file runs up, in the journal's (= the zero-padded names') order
            "drizzle/0000_init.sql": f"{KEEP}\n--> statement-breakpoint\n{GONE}\n",
            "drizzle/0001_drop.sql": 'DROP INDEX "gone_idx";',
            "drizzle/meta/_journal.json": '{"entries": [{"idx": 0, "tag": "0000_init"}, {"idx": 1, "tag": "0001_drop"}]}',
        },
        {  # drizzle-kit 1.0: a folder per migration
            "drizzle/20250101000000_init/migration.sql": f"{KEEP}\n{GONE}\n",
            "drizzle/20250101000000_init/snapshot.json": "{}",
            "drizzle/20250102000000_drop/migration.sql": 'DROP INDEX "gone_idx";',
        },
        {  # versions compare as numbers: 10 runs after 2 (a sort by text runs it first)
            "migrations/1_init.up.sql": KEEP,
            "migrations/2_gone.up.sql": GONE,
            "migrations/10_drop.up.sql": 'DROP INDEX "gone_idx";',
        },
    ],
    ids=["drizzle-kit", "drizzle-kit folders", "numeric versions"],
)
def test_a_later_up_step_s_drop_removes_the_index(tmp_path: Path, files: dict[str, str]) -> None:
    write(tmp_path, files)
    assert names(tmp_path) == {"keep_idx"}


def test_a_script_s_drop_outside_an_up_step_is_not_followed(tmp_path: Path) -> None:
    # A reset script or a teardown helper may drop an index it re-creates later; only a migration's up step is
    # known to have run. Its creates still count, as they did.
    write(
        tmp_path,
        {
            "src/db/setup.ts": f"export async function reset() {{\n  await db.execute(sql`{KEEP}`);\n}}\n"
            'export async function teardown() {\n  await db.execute(sql`DROP INDEX "keep_idx"`);\n}\n'
            "// the index is looked up on every request\n",
            "src/db/other.ts": f'const up = sql`{GONE}`;\nconst down = sql`DROP INDEX "gone_idx"`;\n',
        },
    )
    assert names(tmp_path) == {"keep_idx", "gone_idx"}


def test_a_down_marker_inside_a_string_or_mid_line_is_no_marker(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "drizzle/0000.sql": f"{KEEP}\nCOMMENT ON TABLE \"t\" IS '-- migrate:down';\n{GONE} -- +goose Down\n",
        },
    )
    assert names(tmp_path) == {"keep_idx", "gone_idx"}


def test_migration_order_compares_versions_as_numbers() -> None:
    paths = [Path(p) for p in ("m/10_c.up.sql", "m/2_b.up.sql", "m/1_a.up.sql", "a/9_x.sql", "m/seed.sql")]
    assert [p.as_posix() for p in sorted(paths, key=migration_order)] == [
        "a/9_x.sql", "m/1_a.up.sql", "m/2_b.up.sql", "m/10_c.up.sql", "m/seed.sql"
    ]  # fmt: skip
