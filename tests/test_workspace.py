"""Workspaces: the project root, packages, `exports`, tsconfig per package, catalogs, and bad input."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from dalfix.analysis.drivers import drizzle_version_spec
from dalfix.analysis.modules import ModuleResolver
from dalfix.analysis.workspace import project_root_for, workspace_for
from dalfix.discovery import looks_generated
from dalfix.rules import all_rules
from dalfix.runner import RunOptions, run


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


PNPM = {
    ".git/HEAD": "ref: refs/heads/main\n",
    "pnpm-workspace.yaml": "packages:\n  - apps/*\n  - packages/*\n  - '!packages/ignored'\n"
    "catalog:\n  drizzle-orm: ^0.45.1\ncatalogs:\n  next:\n    drizzle-orm: 1.0.0-beta.2\n",
    "package.json": json.dumps({"name": "root", "private": True}),
    "packages/db/package.json": json.dumps(
        {
            "name": "@acme/db",
            "dependencies": {"drizzle-orm": "catalog:"},
            "exports": {
                ".": {"types": "./dist/index.d.ts", "import": "./dist/index.js"},
                "./schema": "./src/schema/index.ts",
                "./tables/*": "./src/tables/*.ts",
                "./client": {"import": {"types": "./dist/client.d.ts", "default": "./dist/client.js"}},
            },
        }
    ),
    "packages/db/src/index.ts": "export const db = 1;\n",
    "packages/db/src/client.ts": "export const client = 1;\n",
    "packages/db/src/schema/index.ts": "export const users = 1;\n",
    "packages/db/src/tables/users.ts": "export const users = 1;\n",
    "packages/ignored/package.json": json.dumps({"name": "@acme/ignored"}),
    "packages/ignored/index.ts": "export const x = 1;\n",
    "packages/next/package.json": json.dumps({"name": "@acme/next", "dependencies": {"drizzle-orm": "catalog:next"}}),
    "apps/web/package.json": json.dumps({"name": "web", "dependencies": {"@acme/db": "workspace:*"}}),
    "apps/web/tsconfig.json": '{ // comments and trailing commas\n "extends": "./tsconfig.base.json",\n'
    ' "compilerOptions": { "paths": { "@/*": ["./src/*"], }, }, }',
    "apps/web/tsconfig.base.json": '{ "compilerOptions": { "baseUrl": "." } }',
    "apps/web/src/lib/db.ts": "export const x = 1;\n",
    "apps/web/src/app/page.ts": "export const y = 1;\n",
    "apps/api/package.json": json.dumps({"name": "api"}),
    "apps/api/tsconfig.json": '{ "compilerOptions": { "paths": { "@/*": ["./lib/*"] } } }',
    "apps/api/lib/lib/db.ts": "export const other = 1;\n",
    "apps/api/main.ts": "export const z = 1;\n",
}


def test_pnpm_workspace_root_packages_and_exports(tmp_path: Path) -> None:
    write(tmp_path, PNPM)
    page = tmp_path / "apps/web/src/app/page.ts"
    assert project_root_for(page, tmp_path / "apps/web") == tmp_path
    workspace = workspace_for(tmp_path / "apps/web")
    assert workspace.root == tmp_path
    assert set(workspace.packages_by_name) == {"root", "@acme/db", "@acme/next", "web", "api"}
    resolver = ModuleResolver(workspace)
    db = tmp_path / "packages/db/src"
    assert resolver.resolve(page, "@acme/db") == db / "index.ts"  # dist/index.d.ts mirrors src/index.ts
    assert resolver.resolve(page, "@acme/db/schema") == db / "schema/index.ts"
    assert resolver.resolve(page, "@acme/db/tables/users") == db / "tables/users.ts"
    assert resolver.resolve(page, "@acme/db/client") == db / "client.ts"
    assert resolver.resolve(page, "@acme/ignored") is None  # excluded by `!packages/ignored`
    # Each package's own tsconfig decides what `@/` means (with `extends` and JSONC).
    assert resolver.resolve(page, "@/lib/db") == tmp_path / "apps/web/src/lib/db.ts"
    assert resolver.resolve(tmp_path / "apps/api/main.ts", "@/lib/db") == tmp_path / "apps/api/lib/lib/db.ts"
    assert resolver.resolve(page, "src/lib/db") == tmp_path / "apps/web/src/lib/db.ts"  # baseUrl
    assert resolver.resolve(page, "../../../../outside") is None  # never leaves the repository
    assert workspace.problems == []


def test_catalog_versions(tmp_path: Path) -> None:
    write(tmp_path, PNPM)
    workspace = workspace_for(tmp_path)
    assert drizzle_version_spec(tmp_path / "packages/db", workspace) == "^0.45.1"
    assert drizzle_version_spec(tmp_path / "packages/next", workspace) == "1.0.0-beta.2"
    assert workspace.resolve_version(workspace.packages_by_name["web"], "@acme/db") is not None


def test_npm_workspaces_object_and_nested_dalfix_toml(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "package.json": json.dumps({"name": "r", "workspaces": {"packages": ["packages/*"]}}),
            "packages/a/package.json": json.dumps({"name": "a", "main": "lib/index.js"}),
            "packages/a/src/index.ts": "export const a = 1;\n",
            "packages/b/package.json": json.dumps({"name": "b"}),
            "packages/b/dalfix.toml": "",
            "packages/b/x.ts": "export const b = 1;\n",
        },
    )
    assert project_root_for(tmp_path / "packages/a/src/index.ts", tmp_path) == tmp_path
    assert project_root_for(tmp_path / "packages/b/x.ts", tmp_path) == tmp_path / "packages/b"
    # A project of its own (dalfix.toml) still resolves the other packages of its workspace.
    resolver = ModuleResolver(workspace_for(tmp_path / "packages/b"))
    assert resolver.resolve(tmp_path / "packages/b/x.ts", "a") == tmp_path / "packages/a/src/index.ts"


def test_a_directory_answers_for_each_workspace_that_walks_through_it(tmp_path: Path) -> None:
    """Within a run the walk up to a project root is remembered per directory and workspace: a file of a nested
    repository (no workspace) walks through the outer workspace's root without stopping there, a file of the outer
    workspace stops at it, whichever of the two is asked first."""
    from dalfix.config import memoized_probes

    write(
        tmp_path / "w",
        {
            ".git/HEAD": "ref: refs/heads/main\n",
            "pnpm-workspace.yaml": "packages:\n  - apps/*\n",
            "apps/web/package.json": json.dumps({"name": "web"}),
            "apps/web/a.ts": "export const a = 1;\n",
            "vendor/lib/.git/HEAD": "ref: refs/heads/main\n",
            "vendor/lib/src/b.ts": "export const b = 1;\n",
        },
    )
    (tmp_path / "dalfix.toml").write_text("")  # above both: the nested repository's files walk up to it
    outer, nested = tmp_path / "w/apps/web/a.ts", tmp_path / "w/vendor/lib/src/b.ts"
    expected = {outer: tmp_path / "w", nested: tmp_path}
    assert {path: project_root_for(path, path.parent) for path in expected} == expected  # no memo
    for order in ([outer, nested], [nested, outer]):
        with memoized_probes():
            assert {path: project_root_for(path, path.parent) for path in order} == expected


def _problems(tmp_path: Path) -> dict[str, str]:
    result = run([tmp_path], RunOptions(rules=list(all_rules())))
    return {f.path.relative_to(tmp_path).as_posix(): f.reason or "" for f in result.files if f.status == "skipped"}


def test_bad_workspace_files_are_reported_and_lose_nothing(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pnpm-workspace.yaml": "packages:\n  - apps/*\n  bad: [unclosed\n",
            "packages/db/package.json": "{ not json",
            "packages/db/index.ts": 'import { drizzle } from "drizzle-orm/node-postgres";\n'
            "export const db = drizzle(process.env.URL!);\n",
            "apps/web/package.json": json.dumps({"name": "web"}),
            "apps/web/tsconfig.json": "{ nope",
            "apps/web/use.ts": 'import { db } from "../../packages/db";\nimport { t } from "@/t";\n'
            "export async function f() {\n  const a = await db.select().from(t);\n"
            "  const b = await db.select().from(t);\n  return [a, b];\n}\n",
        },
    )
    problems = _problems(tmp_path)
    assert "not valid YAML" in problems["pnpm-workspace.yaml"]
    assert "not valid JSON" in problems["packages/db/package.json"]
    assert "not valid JSON" in problems["apps/web/tsconfig.json"]
    result = run([tmp_path], RunOptions(rules=list(all_rules())))
    assert [finding.rule for _, finding in result.findings] == ["DAL001"]  # the code itself is still checked


def test_import_cycle_between_packages_ends(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "package.json": json.dumps({"workspaces": ["p/*"]}),
            "p/a/package.json": json.dumps({"name": "a"}),
            "p/a/index.ts": 'export * from "b";\nexport { x as y } from "b";\n',
            "p/b/package.json": json.dumps({"name": "b"}),
            "p/b/index.ts": 'export * from "a";\nexport { y as x } from "a";\n',
            "p/c/package.json": json.dumps({"name": "c"}),
            "p/c/use.ts": 'import { y, db } from "a";\nexport async function f() {\n'
            "  const u = await db.select().from(y);\n  const v = await db.select().from(y);\n  return [u, v];\n}\n",
        },
    )
    result = run([tmp_path], RunOptions(rules=list(all_rules())))
    assert not result.failed


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_symlinked_package_outside_the_repository_is_not_followed(tmp_path: Path) -> None:
    outside, repo = tmp_path / "outside", tmp_path / "repo"
    write(outside, {"package.json": json.dumps({"name": "evil"}), "index.ts": "export const db = 1;\n"})
    write(repo, {".git/HEAD": "", "package.json": json.dumps({"workspaces": ["packages/*"]})})
    (repo / "packages").mkdir()
    os.symlink(outside, repo / "packages/evil")
    workspace = workspace_for(repo)
    assert "evil" not in workspace.packages_by_name
    assert [(p.relative_to(repo).as_posix(), "outside" in m) for p, m in workspace.problems] == [
        ("packages/evil/package.json", True)
    ]


@pytest.mark.parametrize(
    ("head", "generated"),
    [
        (b"// @generated by protoc\nexport const x = 1;\n", True),
        (b"/*\n * Code generated by Speakeasy. DO NOT EDIT.\n */\nimport x from 'y';\n", True),
        (b"#!/usr/bin/env node\n// This file is auto-generated by the codegen script\n", True),
        (b"// Auto-generated from schema.graphql\nexport type A = 1;\n", True),
        (b"/**\n * Restricts the auto-generated tool surface to the curated list.\n */\nexport const t = [];\n", False),
        (b"/**\n * Breakdown keys.\n * - UI colors (auto-generated)\n */\nexport const k = 1;\n", False),
        (b"import x from 'y';\n// DO NOT EDIT below this line\n", False),
        (b"export const a = 1;\n/* @generated */\n", False),
    ],
)
def test_generated_marker_only_in_the_header(head: bytes, generated: bool) -> None:
    assert looks_generated(head) is generated


def test_compiler_options_follow_extends_own_settings_first(tmp_path: Path) -> None:
    files = {
        "package.json": json.dumps({"name": "root", "workspaces": ["packages/*"]}),
        "tsconfig.base.json": '{ "compilerOptions": { "noUncheckedIndexedAccess": true, "strict": true } }',
        "packages/a/package.json": json.dumps({"name": "a"}),
        "packages/a/tsconfig.json": '{ "extends": "../../tsconfig.base.json", "compilerOptions": { "strict": false } }',
        "packages/a/src/x.ts": "export const x = 1;\n",
        "packages/b/package.json": json.dumps({"name": "b"}),
        "packages/b/src/y.ts": "export const y = 1;\n",
    }
    write(tmp_path, files)
    resolver = ModuleResolver(workspace_for(tmp_path / "packages/a"))
    assert resolver.compiler_option(tmp_path / "packages/a/src", "noUncheckedIndexedAccess") is True  # inherited
    assert resolver.compiler_option(tmp_path / "packages/a/src", "strict") is False  # own setting wins
    assert resolver.compiler_option(tmp_path / "packages/a/src", "exactOptionalPropertyTypes") is None
    assert resolver.compiler_option(tmp_path / "packages/b/src", "noUncheckedIndexedAccess") is None  # no tsconfig


def test_a_walk_tells_which_markers_a_directory_lacks(tmp_path: Path) -> None:
    """The run's walk notes which of the probed names each listed directory holds (in any case), so that asking
    for a workspace marker, a settings file or `.git` in it needs no `stat`: absent only when the walk saw no such
    entry; a directory the walk did not list, or a name it does not note, is asked of the disk."""
    from dalfix.analysis.workspace import WORKSPACE_MARKERS
    from dalfix.config import CONFIG_NAME, PROBED_NAMES, may_exist, memoized_probes
    from dalfix.discovery import discover_once

    assert {*WORKSPACE_MARKERS, CONFIG_NAME, "package.json", "pyproject.toml", ".git", ".gitignore"} <= PROBED_NAMES
    write(tmp_path / "repo", {"a/Package.json": "{}", "a/x.ts": "", "b/y.ts": "", "b/nx.json/z.ts": ""})
    repo = tmp_path / "repo"
    with memoized_probes():
        discover_once(repo)
        assert not may_exist(repo / "b", "package.json") and not may_exist(repo / "b", ".git")
        assert may_exist(repo / "a", "package.json")  # `Package.json`: the disk decides (case-insensitive ones)
        assert may_exist(repo / "b", "nx.json")  # a directory of that name: the disk says it is no file
        assert may_exist(repo / "b", "tsconfig.json")  # not a probed name
        assert may_exist(tmp_path, "package.json")  # above the walk
    assert may_exist(repo / "b", "package.json")  # outside a run nothing is remembered


def test_workspace_and_settings_found_alike_with_and_without_the_walk(tmp_path: Path) -> None:
    """The project roots a run finds for its files (workspace markers, package.json `workspaces`, dalfix.toml, a
    nested repository) are those found by asking the disk for every directory."""
    from dalfix.config import memoized_probes
    from dalfix.discovery import discover_once

    write(
        tmp_path,
        {
            ".git/HEAD": "",
            "package.json": json.dumps({"name": "r", "workspaces": ["packages/*"]}),
            "packages/a/package.json": json.dumps({"name": "a"}),
            "packages/a/src/x.ts": "",
            "packages/b/dalfix.toml": "",
            "packages/b/src/y.ts": "",
            "tools/lerna/lerna.json": "{}",
            "tools/lerna/p/z.ts": "",
            "vendor/.git/HEAD": "",
            "vendor/pyproject.toml": "[tool.dalfix]\n",
            "vendor/w.ts": "",
        },
    )
    files = [p for p in tmp_path.rglob("*.ts")]
    expected = {path: project_root_for(path, tmp_path) for path in files}
    assert set(expected.values()) == {tmp_path, tmp_path / "packages/b", tmp_path / "tools/lerna", tmp_path / "vendor"}
    workspaces = {root: (workspace_for(root).root, workspace_for(root).repository_root) for root in expected.values()}
    with memoized_probes():
        discover_once(tmp_path)
        assert {path: project_root_for(path, tmp_path) for path in files} == expected
        assert {
            root: (workspace_for(root).root, workspace_for(root).repository_root) for root in expected.values()
        } == (workspaces)
