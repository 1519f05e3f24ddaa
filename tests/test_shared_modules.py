"""Where a shared module goes and how each file imports it (dalfix/analysis/shared_modules.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dalfix.analysis.project import Project
from dalfix.analysis.shared_modules import exports_name, file_name_like_siblings, import_specifier
from dalfix.analysis.workspace import workspace_for
from dalfix.parsing import parse_file


def _project(root: Path, files: dict[str, str], tsconfig: dict[str, object] | None = None) -> Project:
    (root / ".git").mkdir()
    (root / "package.json").write_text('{ "name": "app" }')
    if tsconfig is not None:
        (root / "tsconfig.json").write_text(json.dumps(tsconfig))
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return Project.load(root, workspace_for(root))


def _specifier(project: Project, importer: str, target: str) -> str:
    path = project.root / importer
    return import_specifier(project, parse_file(path, path.read_bytes()), project.root / target)


ALIASES = {"compilerOptions": {"baseUrl": ".", "paths": {"@/*": ["./src/*"]}}}
TS_EXTENSIONS: dict[str, object] = {"allowImportingTsExtensions": True, "noEmit": True}
DB = {"src/db/index.ts": "export const db = 1;\n", "src/lib/util.ts": "export const u = 1;\n"}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('import { db } from "@/db";\n', "@/db/is-unique-violation"),  # reaches the directory by alias
        ('import { db } from "../db";\nimport { u } from "@/lib/util";\n', "../db/is-unique-violation"),
        ('import { u } from "@/lib/util";\n', "@/db/is-unique-violation"),  # most modules by alias
        ('import { u } from "../lib/util";\n', "../db/is-unique-violation"),
        ("export const nothing = 1;\n", "../db/is-unique-violation"),  # no habit: relative
    ],
)
def test_alias_or_relative_as_the_file_does(tmp_path: Path, source: str, expected: str) -> None:
    project = _project(tmp_path, {**DB, "src/dal/a.ts": source}, ALIASES)
    assert _specifier(project, "src/dal/a.ts", "src/db/is-unique-violation.ts") == expected


def test_a_workspace_package_import_is_not_a_path_alias(tmp_path: Path) -> None:
    files = {**DB, "src/dal/a.ts": 'import { x } from "@acme/db";\nimport { y } from "@acme/util";\n'}
    project = _project(tmp_path, files, {"compilerOptions": {"paths": {"~/*": ["./src/*"]}}})
    assert _specifier(project, "src/dal/a.ts", "src/db/is-unique-violation.ts") == "../db/is-unique-violation"


@pytest.mark.parametrize(
    ("source", "options", "expected"),
    [
        ('import { db } from "../db/index.js";\n', {}, "../db/is-unique-violation.js"),
        (
            'import { db } from "../db/index.ts";\n',
            {"allowImportingTsExtensions": True},
            "../db/is-unique-violation.ts",
        ),
        ('import { db } from "../db";\n', {"moduleResolution": "NodeNext"}, "../db/is-unique-violation"),  # its habit
        ("export const nothing = 1;\n", {"module": "Node16"}, "../db/is-unique-violation.js"),
        ("export const nothing = 1;\n", {"moduleResolution": "bundler"}, "../db/is-unique-violation"),
    ],
)
def test_the_extension_of_its_relative_imports_else_what_resolution_requires(
    tmp_path: Path, source: str, options: dict[str, object], expected: str
) -> None:
    project = _project(tmp_path, {**DB, "src/dal/a.ts": source}, {"compilerOptions": options})
    assert _specifier(project, "src/dal/a.ts", "src/db/is-unique-violation.ts") == expected


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["index.ts", "schema.ts"], "is-unique-violation.ts"),
        (["db-client.ts", "user-schema.ts"], "is-unique-violation.ts"),
        (["db_client.ts", "user_schema.ts"], "is_unique_violation.ts"),
        (["dbClient.ts", "userSchema.ts", "index.ts"], "isUniqueViolation.ts"),
    ],
)
def test_the_file_is_named_like_its_neighbours(tmp_path: Path, names: list[str], expected: str) -> None:
    for name in names:
        (tmp_path / name).write_text("")
    assert file_name_like_siblings(tmp_path, ["is", "unique", "violation"], ".ts") == expected


def test_exports_name(tmp_path: Path) -> None:
    cases = {
        "export function isUniqueViolation() {}": True,
        "export const isUniqueViolation = () => true;": True,
        "function isUniqueViolation() {}\nexport { isUniqueViolation };": True,
        "function check() {}\nexport { check as isUniqueViolation };": True,
        "function isUniqueViolation() {}": False,
        'export { isUniqueViolation } from "./other";': False,  # a re-export dalfix does not follow
    }
    for index, (source, expected) in enumerate(cases.items()):
        path = tmp_path / f"m{index}.ts"
        path.write_text(source)
        assert exports_name(path, "isUniqueViolation") is expected, source
