"""Handle facts follow only names that can denote a handle (dalfix/analysis/handle_reach.py), with the same answers.

`file_handles` and `handle_facts` ask about every top-level name of every file; names whose statements mention
no handle source and no such name are answered "nothing" without being followed. The answers must be those of
following every name: each test compares with a `HandleIndex` that follows everything.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dalfix.analysis.handles import HandleIndex
from dalfix.analysis.project import Project
from dalfix.analysis.summaries import Summaries
from dalfix.parsing import parse_file
from dalfix.rules import all_rules
from dalfix.runner import RunOptions, run

PROJECTS = Path(__file__).parent / "projects"


def make_project(tmp_path: Path, files: dict[str, str]) -> Project:
    for name, text in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode())
    parsed = {p: parse_file(p, p.read_bytes()) for p in tmp_path.rglob("*.ts*")}
    project = Project.load(tmp_path)
    project.prepare(parsed)
    return project


def every_name(project: Project) -> list[tuple[Path, str]]:
    summaries = project.summaries
    return [
        (path, name)
        for path in project.files
        for info in [summaries.module(path)]
        if info is not None
        for name in [*info.declarations, *info.imports]
    ]


def assert_same_as_following_everything(project: Project) -> None:
    """Every name's value, asked in the order `file_handles` asks, equals what following everything gives."""
    names = every_name(project)
    pruned = HandleIndex(project.summaries)
    complete = HandleIndex(project.summaries)
    complete.reach.may_denote = lambda path, name: True  # type: ignore[method-assign]
    assert [pruned.binding(*key) for key in names] == [complete.binding(*key) for key in names]


def count_followed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Path, str]]:
    followed: list[tuple[Path, str]] = []
    original = HandleIndex._binding

    def spy(self: HandleIndex, path: Path, name: str):  # type: ignore[no-untyped-def]
        followed.append((path, name))
        return original(self, path, name)

    monkeypatch.setattr(HandleIndex, "_binding", spy)
    return followed


COMPONENTS = "".join(
    f"export function Card{i}(props: {{ title: string }}) {{ return <div>{{props.title}}</div>; }}\n"
    f"export const format{i} = (n: number) => n.toFixed({i % 3});\n"
    f"export type Props{i} = {{ id: string; n: number }};\n"
    for i in range(30)
)


def test_only_names_that_can_denote_a_handle_are_followed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = make_project(
        tmp_path,
        {
            "db.ts": 'import { drizzle } from "drizzle-orm/node-postgres";\n'
            "export const db = drizzle(process.env.DATABASE_URL!);\n"
            "export const label = 'users';\n",
            "page.tsx": 'import { useState } from "react";\nimport { Button } from "@mantine/core";\n'
            'import { db, label } from "./db";\n' + COMPONENTS + "export const getUsers = () => db.select();\n",
        },
    )
    followed = count_followed(monkeypatch)
    page = project.files[tmp_path / "page.tsx"]
    assert set(project.summaries.file_handles(page)) == {"db"}
    project.handle_facts(page)
    # 95 names in page.tsx; followed: the imported db, the helper that mentions it, and db's own definition.
    assert set(followed) == {(page.path, "db"), (page.path, "getUsers"), (tmp_path / "db.ts", "db")}
    assert len(every_name(project)) > 90
    assert_same_as_following_everything(project)


@pytest.mark.parametrize("name", sorted(p.name for p in PROJECTS.iterdir() if p.is_dir()))
def test_fixture_projects_get_the_same_answers(name: str) -> None:
    result = run([PROJECTS / name], RunOptions(rules=all_rules(), preview=True))
    checked = [p for p in result.projects if "summaries" in p.__dict__]
    assert checked
    for project in checked:
        assert_same_as_following_everything(project)


def test_forms_that_reach_a_handle_indirectly_are_followed(tmp_path: Path) -> None:
    """Each name below denotes something only through a statement that does not name a handle source itself:
    an assignment elsewhere (behind a comment, a no-break space), a renamed driver import, a `globalThis` cache,
    a re-export under another name, a default export, a type alias of a type alias."""
    project = make_project(
        tmp_path,
        {
            "client.ts": 'import { drizzle as connect } from "drizzle-orm/node-postgres";\n'
            "let conn;\nlet other;\n"
            "export function init(url: string) { conn /* once */ = connect(url); other\u00a0= connect(url); }\n"
            "export function getConn() { return conn; }\n"
            "export function getOther() { return other; }\n"
            "export function remember() { (globalThis as any).cachedDb = connect(process.env.U!); }\n"
            "export const cached = globalThis.cachedDb;\n"
            "const made = connect(process.env.U!);\nexport default function fresh() { return made; }\n"
            "export type Conn = typeof made;\nexport type Handle = Conn;\n",
            "index.ts": 'export { getConn as useConn, cached as shared } from "./client";\nexport * from "./client";\n',
            "use.ts": 'import { useConn, shared, getOther, type Handle } from "./index";\n'
            'import fresh from "./client";\n'
            "export const viaFactory = useConn;\nexport const q = (h: Handle) => h.select();\n",
        },
    )
    use = project.files[tmp_path / "use.ts"]
    summaries: Summaries = project.summaries
    facts = project.handle_facts(use)
    assert {"useConn", "getOther", "viaFactory", "fresh"} <= facts.factory_names
    assert "Handle" in facts.db_types
    assert set(summaries.file_handles(use)) == {"shared"}
    assert_same_as_following_everything(project)


def test_imports_the_import_graph_rules_out_are_not_resolved(tmp_path: Path) -> None:
    """With the relevance filter's graph (`Project.import_graph`), an import whose name cannot reach a handle source
    is neither resolved nor loaded (a barrel of components), and every answer is the one following everything gives;
    an import through a barrel that reaches the database still is."""
    from dalfix.analysis.relevance import Relevance

    project = make_project(
        tmp_path,
        {
            "db.ts": 'import { drizzle } from "drizzle-orm/node-postgres";\n'
            "export const db = drizzle(process.env.DATABASE_URL!);\n",
            "components/cards.tsx": COMPONENTS,
            "components/index.ts": 'export * from "./cards";\n',
            "data/index.ts": 'export * from "../db";\n',
            "page.tsx": 'import { Card1, format2 } from "./components";\nimport { db as handle } from "./data";\n'
            "export const getUsers = () => handle.select();\nexport const view = () => Card1({ title: format2(1) });\n",
        },
    )
    project.import_graph = Relevance(project, {p: p.read_bytes() for p in project.files})
    page = project.files[tmp_path / "page.tsx"]
    assert set(project.summaries.file_handles(page)) == {"handle"}
    assert project.summaries.handles.binding(page.path, "Card1") is None
    assert (page.path, "Card1") not in project.summaries._imported
    assert tmp_path / "components" / "cards.tsx" not in project.summaries._modules
    assert (page.path, "handle") in project.summaries._imported
    assert_same_as_following_everything(project)
