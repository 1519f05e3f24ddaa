"""Test, seed, migration and script code: one classifier (dalfix/analysis/setup_code.py), no findings there by
default for any rule, `include-tests` / `--include-tests` to opt back in. Also DAL002's helper-per-element
message (loop exits, per-item try/catch, a query that does not use the element)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pathspec
import pytest
from click.testing import CliRunner

from dalfix.analysis.project import Project
from dalfix.analysis.setup_code import setup_code_kind
from dalfix.cli import main
from dalfix.config import ConfigError, load_config_file
from dalfix.rules import rule_by_code, select_rules
from dalfix.runner import RunOptions, run

FIXTURES = Path(__file__).parent / "fixtures"
SETUP_CASE = FIXTURES / "sequential_awaits" / "setup_code_left_alone.input"


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        # Test runners' default patterns and folders.
        ("src/users.test.ts", "test"),
        ("src/docs/list-docs.int.test.ts", "test"),
        ("src/users.spec.tsx", "test"),
        ("src/users_test.ts", "test"),  # Deno
        ("src/__tests__/users.ts", "test"),
        ("packages/core/test/setup.ts", "test"),
        ("e2e-tests/helpers/db.ts", "test"),
        ("src/fixtures/users.ts", "test"),
        # Test support by name (buster, papra, agents).
        ("apps/server/src/api/v2/security/test-db-utils.ts", "test"),
        ("apps/server/src/api/v2/slack/test-helpers.ts", "test"),
        ("src/modules/tasks/tasks.test-utils.ts", "test"),
        ("src/db/runtime/test-runtime-client.ts", "test"),
        ("src/setupTests.ts", "test"),
        ("vitest.setup.ts", "test"),
        ("packages/test-utils/src/users.ts", "test"),
        ("e2e/db-test-utils.ts", "test"),
        ("src/integration-test-setup.ts", "test"),
        ("spec/users.ts", "test"),
        ("packages/api/spec/users.ts", "test"),
        # Seeds, migrations, scripts.
        ("src/seed.ts", "seed"),
        ("packages/nextjs/services/database/seed.data.example.ts", "seed"),
        ("packages/database/migrate.ts", "migration"),
        ("src/db/user-seeds.ts", "seed"),
        ("packages/database/migrations/orgid_backfill.ts", "migration"),
        ("packages/database/scripts/dump.ts", "script"),
        # Named like a script but not known to run as one (the path alone: see test_script_names_must_run_as_one).
        ("src/migrate-users.ts", None),
        ("src/dolt/backfill-skill-files.ts", None),
        # Look-alikes: application code.
        ("src/contest.ts", None),
        ("src/latest.ts", None),
        ("src/attestation.ts", None),
        ("src/hooks/useLatest.ts", None),
        ("src/protest/route.ts", None),
        ("src/ab-test.ts", None),
        ("src/integrations/test-connection/test-connection-service.ts", None),
        ("src/ipc/handlers/test_assertion_handlers.ts", None),
        ("src/tools/run_tests_utils.ts", None),
        ("src/lib/testResultUtils.ts", None),
        ("src/lib/test_database_schema.ts", None),
        ("src/ipc/utils/neon_test_branch.ts", None),
        ("src/components/seedling.tsx", None),
        ("src/ipc/utils/portal_migration.ts", None),
        ("src/testing.ts", None),
        # Application code named like setup code (the fresh review's T1, and dyad's and Cap's own files).
        ("src/experiments/ab-test-client.ts", None),
        ("src/ipc/services/isolated_test_db.ts", None),
        ("src/api/spec/handlers.ts", None),
        ("app/api/specs/route.ts", None),
        ("src/components/preview_panel/playwrightHighlight.tsx", None),
        ("src/ipc/utils/playwright_report.ts", None),
        ("apps/web/components/pages/seo/MigrateFromLoomPage.tsx", None),
        ("src/wallet/derive-seed.ts", None),
    ],
)
def test_classifier_by_path(path: str, kind: str | None) -> None:
    assert setup_code_kind(path) == kind


def test_classifier_by_content() -> None:
    assert setup_code_kind("src/shared.ts", b'import { describe, it } from "vitest";\n') == "test"
    assert setup_code_kind("src/shared.ts", b"import { test } from 'bun:test';\n") == "test"
    assert setup_code_kind("src/shared.ts", b'const { expect } = require("@jest/globals");\n') == "test"
    assert setup_code_kind("src/shared.ts", b'Deno.test("users", async () => {});\n') == "test"
    # A string or another package that merely names a test framework is application code.
    assert setup_code_kind("src/shared.ts", b'const runner = "vitest";\n') is None
    assert setup_code_kind("src/shared.ts", b'import config from "vitest-config-helper";\n') is None


APP_MODULE = b"""import { db } from "./db";
export async function run(id: string) {
  return db.query.users.findFirst({ where: (u, { eq }) => eq(u.id, id) });
}
"""


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("src/wallet/seed-phrase.ts", "seed"),
        ("src/actions/migrateWorkspace.ts", "migration"),
        ("src/features/backfillSearch.ts", "script"),
        ("src/migrate-users.ts", "migration"),
        ("src/dolt/backfill-skill-files.ts", "script"),
        ("src/db/user-seed.ts", "seed"),
        ("server/db/migration.ts", "migration"),  # dokploy: migrate(db, …) on a `max: 1` handle of its own
        ("src/migrations.ts", "migration"),
        ("server/db/reset.ts", "script"),  # dokploy: drops the schema from a top-level call
        ("reset-password.ts", "script"),
    ],
)
def test_script_names_must_run_as_one(path: str, kind: str) -> None:
    """A name that starts like a script's (or ends with `seed`) is setup code only when the file runs as a
    program: as an application module it is application code (`seed-phrase.ts`, `migrateWorkspace.ts`)."""
    assert setup_code_kind(path, APP_MODULE) is None
    for entry in (
        b"#!/usr/bin/env tsx\n",
        b"const [, , id] = process.argv;\n",
        b"await run(id);\nprocess.exit(0);\n",
        b"main();\n",
        b"void main();\n",
        b"await main();\n",
        b"seed().catch((error) => {\n  console.error(error);\n});\n",
        b"main().then(() => {});\n",
        b"if (require.main === module) run(process.env.ID);\n",
        b"if (import.meta.main) await run(Deno.args[0]);\n",
        b'import { migrate } from "drizzle-orm/node-postgres/migrator";\n',
    ):
        text = entry + APP_MODULE if entry.startswith(b"#!") else APP_MODULE + entry
        assert setup_code_kind(path, text) == kind, entry
        assert setup_code_kind(path, read=lambda: text) == kind, entry  # noqa: B023 (called at once)
    # A call inside a function, or a method call at the top level, is not an entry point.
    assert setup_code_kind(path, APP_MODULE + b"export function f() {\n  main();\n}\n") is None
    assert setup_code_kind(path, APP_MODULE + b"dotenv.config();\n") is None


def _found(root: Path, **options: object) -> dict[str, list[str]]:
    result = run([root], RunOptions(rules=select_rules(), **options))  # type: ignore[arg-type]
    return {
        f.path.relative_to(root).as_posix(): [x.rule for x in f.findings]
        for f in result.files
        if f.path.suffix == ".ts" and "/db/" not in f.path.as_posix()
    }


APPLICATION = {"src/contest.ts", "src/latest.ts", "src/attestation.ts", "src/test-connection.ts"}


def test_no_rule_reports_in_setup_code_by_default(tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(SETUP_CASE, root)
    found = _found(root)
    assert {name for name, rules in found.items() if rules} == APPLICATION
    assert len(found) == 12


def test_include_tests_in_settings_and_on_the_command_line(tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(SETUP_CASE, root)
    assert all(rules == ["DAL001"] for rules in _found(root, include_tests=True).values())
    (root / "dalfix.toml").write_text("include-tests = true\n")
    assert all(rules == ["DAL001"] for rules in _found(root).values())
    (root / "dalfix.toml").write_text("include-tests = false\n")
    assert {name for name, rules in _found(root).items() if rules} == APPLICATION

    outcome = CliRunner().invoke(main, ["check", "--no-cache", "--include-tests", str(root)])
    assert "src/tests/users.ts" in outcome.output and "src/seed.ts" in outcome.output
    outcome = CliRunner().invoke(main, ["check", "--no-cache", str(root)])
    assert "src/contest.ts" in outcome.output and "src/seed.ts" not in outcome.output


def test_settings_say_what_is_setup_code(tmp_path: Path) -> None:
    """`setup-code` / `not-setup-code`: gitignore-style paths over the classifier's word; `not-setup-code` wins
    where both match."""
    root = tmp_path / "p"
    shutil.copytree(SETUP_CASE, root)
    (root / "dalfix.toml").write_text(
        'setup-code = ["src/contest.ts", "src/latest.ts"]\n'
        'not-setup-code = ["src/seed.ts", "src/tests/", "/src/latest.ts"]\n'
    )
    assert {name for name, rules in _found(root).items() if rules} == {
        "src/attestation.ts",
        "src/test-connection.ts",
        "src/latest.ts",  # named by both: not setup code
        "src/seed.ts",
        "src/tests/users.ts",
    }
    project = Project.load(root)
    assert project.setup_code_kind(root / "src/contest.ts") == "setup"  # only the settings say so
    assert project.setup_code_kind(root / "src/seed.ts") is None
    # Read from disk when only the name is in doubt: this backfill runs as a program (`process.argv`).
    assert project.setup_code_kind(root / "src/dolt/backfill-skill-files.ts") == "script"
    assert not project.is_application_file(root / "src/dolt/backfill-skill-files.ts")


def test_not_setup_code_for_what_a_name_cannot_tell(tmp_path: Path) -> None:
    """dyad's `test_utils.ts` exports a flag the application reads: by its name it is test support, and only the
    project can say otherwise."""
    root = tmp_path / "p"
    shutil.copytree(SETUP_CASE / "src" / "db", root / "src" / "db")
    source = (SETUP_CASE / "src" / "contest.ts").read_text().replace('"./db', '"../db')
    (root / "src" / "flags").mkdir()
    (root / "src" / "flags" / "test_utils.ts").write_text(source)
    assert _found(root) == {"src/flags/test_utils.ts": []}
    (root / "dalfix.toml").write_text('not-setup-code = ["src/flags/test_utils.ts"]\n')
    assert _found(root) == {"src/flags/test_utils.ts": ["DAL001"]}


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('setup-code = "scripts/**"\nnot-setup-code = 3\n', "`not-setup-code` must be a list of strings"),
        ('setup-code = ["tools/**", "!"]\n', "`setup-code`: '!' is not a gitignore-style pattern"),
        ('not-setup-code = ["\\\\"]\n', "`not-setup-code`"),
    ],
)
def test_setup_code_settings_errors_name_the_file(tmp_path: Path, toml: str, message: str) -> None:
    (tmp_path / "dalfix.toml").write_text(toml)
    with pytest.raises(ConfigError, match=re.escape(message)) as raised:
        load_config_file(tmp_path / "dalfix.toml")
    assert str(tmp_path / "dalfix.toml") in str(raised.value)


def test_summary_counts_the_files_left_out(tmp_path: Path) -> None:
    """The text summary and the JSON summary say how many test/setup files the rules left out, by kind."""
    root = tmp_path / "p"
    shutil.copytree(SETUP_CASE, root)
    outcome = CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", str(root)])
    summary = json.loads(outcome.stdout)["summary"]
    kinds = {"script": 2, "seed": 1, "test": 5}
    assert summary["setup_code_kinds"] == kinds and summary["files_setup_code"] == 8
    assert "; 8 test/setup files left out (`--include-tests` checks them)" in outcome.stderr
    outcome = CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", "--include-tests", str(root)])
    assert json.loads(outcome.stdout)["summary"]["files_setup_code"] == 0
    assert "left out" not in outcome.stderr


def test_the_count_of_files_left_out_does_not_depend_on_the_rules_selected(tmp_path: Path) -> None:
    """A property of the files: a seed no selected rule's needles match is left out all the same (the count was
    8 with every rule, 0 with `--select DAL008`)."""
    root = tmp_path / "p"
    shutil.copytree(SETUP_CASE, root)
    counts = {}
    for selection in ([], ["--select", "DAL001"], ["--select", "DAL008", "--preview"],
                      ["--select", "DAL007", "--preview"], ["--preview"]):  # fmt: skip
        outcome = CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", *selection, str(root)])
        summary = json.loads(outcome.stdout)["summary"]
        counts[" ".join(selection) or "default"] = (summary["files_setup_code"], str(summary["setup_code_kinds"]))
    assert set(counts.values()) == {(8, str({"script": 2, "seed": 1, "test": 5}))}, counts


def test_include_tests_must_be_a_boolean(tmp_path: Path) -> None:
    (tmp_path / "dalfix.toml").write_text('include-tests = "yes"\n')
    with pytest.raises(ConfigError, match="include-tests"):
        load_config_file(tmp_path / "dalfix.toml")


def test_a_test_file_keeps_its_suppressions_quiet(tmp_path: Path) -> None:
    """A directive in a test file suppresses nothing because nothing is reported there: not an unused one."""
    shutil.copytree(SETUP_CASE / "src" / "db", tmp_path / "db")
    source = (SETUP_CASE / "src" / "users.int.test.ts").read_text()
    (tmp_path / "users.test.ts").write_text("// dalfix-ignore-file[DAL001, DAL002]\n" + source)
    result = run([tmp_path], RunOptions(rules=select_rules()))
    (test_file,) = [f for f in result.files if f.path.name == "users.test.ts"]
    assert test_file.status != "skipped" and not test_file.findings and not test_file.unused_suppressions


HELPER_CASE = FIXTURES / "query_in_loop" / "helper_loop_exits.input"


def test_helper_per_element_message_names_exits_try_and_unused_element(tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(HELPER_CASE, root)
    result = run([root], RunOptions(rules=[rule_by_code("DAL002")]))
    messages = {f.path.name: [x.message for x in f.findings] for f in result.files}
    assert messages["middleware.ts"] == []  # the loop leaves right after the call
    unused, switch, in_try, early, throws, caught = messages["per_element.ts"]
    assert "its queries do not use `permission`" in unused and "inArray" not in unused
    assert "inArray(teams.ownerId, ownerIds)" in switch and "stop early" not in switch and "try" not in switch
    assert "stop early" in in_try and "own `try`/`catch`" in in_try
    assert "stop early" in early and "try" not in early
    assert "stop early" in throws and "stop early" not in caught and "own `try`/`catch`" in caught


@pytest.mark.parametrize(
    ("root", "fallback", "path"),
    [
        ("/w/apps/web", "/w", "/w/apps/web/src/tests/users.ts"),  # inside the project
        ("/w/apps/web", "/w", "/w/packages/db/seed.ts"),  # outside it, inside its workspace
        ("/w/apps/web", "/w", "/elsewhere/scripts/run.ts"),  # outside both: its whole path
        ("/w/apps/web", None, "/w/packages/db/test-utils.ts"),
        ("/w/apps/web", "/w", "/w/apps/web-admin/scripts/x.ts"),  # a sibling whose name starts like the root's
        ("/", "/", "/scripts/seed.ts"),
        ("apps/web", "/w", "apps/web/tests/a.ts"),  # relative paths: asked the pathlib way
        ("/w/apps/web", "/w", "/w/apps/web"),  # the root itself
    ],
)
def test_setup_code_paths_judge_the_path_relative_to_the_root_as_pathlib_would(
    root: str, fallback: str | None, path: str
) -> None:
    from dalfix.analysis.setup_code import SetupCodePaths

    paths = SetupCodePaths(Path(root), setup=["**/x.ts"], not_setup=["src/tests/"])
    fallback_root = Path(fallback) if fallback is not None else None
    file = Path(path)
    inside = file.is_relative_to(paths.root)
    base = paths.root if inside else fallback_root if fallback_root and file.is_relative_to(fallback_root) else None
    relative = file.relative_to(base).as_posix() if base is not None else file.as_posix()
    assert paths._relative(file, fallback_root) == (inside, relative)
    expected = setup_code_kind(relative, b"")
    if inside and pathspec.GitIgnoreSpec.from_lines(["src/tests/"]).match_file(relative):
        expected = None
    elif inside and pathspec.GitIgnoreSpec.from_lines(["**/x.ts"]).match_file(relative):
        expected = expected or "setup"
    assert paths.kind(file, b"", fallback_root) == expected
