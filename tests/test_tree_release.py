"""Trees are let go once a file's rules ran (dalfix/analysis/project.py `ProjectFiles.trim`, `ParsedFile.release`)
and parsed again when asked for: the facts and the findings do not depend on how many trees the project keeps."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import dalfix.grammar_gaps
import dalfix.parsing
import dalfix.runner
from dalfix.analysis.project import ProjectFiles
from dalfix.analysis.summaries import ModuleInfo
from dalfix.fixes import Applicability
from dalfix.parsing import parse_file
from dalfix.rules import select_rules
from dalfix.runner import RunOptions, run

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "examples" / "drizzle-app"

CLIENT = (
    'import { drizzle } from "drizzle-orm/node-postgres";\n'
    'import { pgTable, text } from "drizzle-orm/pg-core";\n'
    'export const users = pgTable("users", { id: text("id").primaryKey(), name: text("name") });\n'
    "export const database = drizzle(process.env.DATABASE_URL!);\n"
)
QUERIES = (
    'import { eq } from "drizzle-orm";\n'
    'import { database, users } from "./client";\n'
    "export async function loadUser(id: string) {\n"
    "  return database.select().from(users).where(eq(users.id, id));\n"
    "}\n"
)
CALLER = (
    'import { loadUser } from "./queries";\n'
    "export async function loadAll(ids: string[]) {\n"
    "  const out = [];\n"
    "  for (const id of ids) {\n"
    "    out.push(await loadUser(id));\n"
    "  }\n"
    "  return out;\n"
    "}\n"
)
MASKED_AND_BROKEN = (
    b'import { database } from "./client";\n'
    b'const mod = load<typeof import("./db")>();\n'
    b"export async function broken( {\n"
    b"export class Store { async get() { return database.select(); } }\n"
)


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def _record_trees(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every tree parsed from now on (parse_file, grammar-gap masking and re-parses after a release)."""
    trees: list[object] = []
    original = dalfix.parsing.parse_bytes

    def recording(source: bytes, grammar: str = "typescript") -> object:
        tree = original(source, grammar)
        trees.append(tree)
        return tree

    monkeypatch.setattr(dalfix.parsing, "parse_bytes", recording)
    monkeypatch.setattr(dalfix.grammar_gaps, "parse_bytes", recording)
    return trees


def _alive(trees: list[object]) -> int:
    # A tree nobody else holds has three references here: the list, the loop variable and the argument.
    return sum(1 for tree in trees if sys.getrefcount(tree) > 3)


def test_a_released_parse_gives_the_same_facts() -> None:
    parsed = parse_file(Path("store.ts"), MASKED_AND_BROKEN)
    assert parsed.masks and parsed.error_regions
    masks, regions, lines = list(parsed.masks), list(parsed.error_regions), list(parsed.error_lines)
    before = str(parsed.root)
    info = ModuleInfo.index(parsed)
    spans = {name: (n.type, n.start_byte, n.end_byte) for name, n in info.declarations.items()}
    parsed.release()
    assert not parsed.has_tree and parsed.generation == 1
    assert "_dalfix_declarations" not in parsed.__dict__  # the nodes went with the tree
    assert {name: (n.type, n.start_byte, n.end_byte) for name, n in info.declarations.items()} == spans
    assert parsed.has_tree and str(parsed.root) == before
    assert (parsed.masks, parsed.error_regions, parsed.error_lines) == (masks, regions, lines)


def test_trim_keeps_the_files_asked_for_last_and_the_pinned(tmp_path: Path) -> None:
    paths = [tmp_path / f"f{i}.ts" for i in range(4)]
    files = ProjectFiles({p: f"export const v{i} = {i};\n".encode() for i, p in enumerate(paths)})
    parsed = [files[p] for p in paths]
    files.pinned = {paths[0]}
    files[paths[2]]  # asked for again: most recent
    files.trim(2)  # two besides the pinned one
    assert [p.has_tree for p in parsed] == [True, False, True, True]
    assert files[paths[1]] is parsed[1] and not parsed[1].has_tree  # one object per path
    assert parsed[1].root.type == "program" and parsed[1].has_tree  # its tree parsed again when asked for
    assert files.parses == 5


def test_the_first_trees_within_the_kept_source_are_never_let_go(tmp_path: Path) -> None:
    paths = [tmp_path / f"f{i}.ts" for i in range(3)]
    files = ProjectFiles({p: b"export const v = 1;\n" for p in paths})  # 20 bytes each
    files.kept_source = 45
    parsed = [files[p] for p in paths]
    files.trim(0)
    assert [p.has_tree for p in parsed] == [True, True, False]
    files.let_go_since(set())
    assert [p.has_tree for p in parsed] == [True, True, False]
    files.close()
    assert not any(p.has_tree for p in parsed) and all(p.on_reparse is None for p in parsed)


def test_a_tree_is_not_kept_past_its_files_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(
        tmp_path,
        {
            "src/client.ts": CLIENT,
            "src/queries.ts": QUERIES,
            "src/a.ts": CALLER,
            "src/b.ts": CALLER.replace("All", "B"),
        },
    )
    trees = _record_trees(monkeypatch)
    monkeypatch.setattr(dalfix.runner, "KEPT_TREES", 0)
    monkeypatch.setattr(dalfix.runner, "KEPT_SOURCE", 0)
    alive_at_start: list[int] = []
    process = dalfix.runner._process

    def checked(*args: object, **kwargs: object) -> None:
        alive_at_start.append(_alive(trees))
        process(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(dalfix.runner, "_process", checked)
    result = run([tmp_path], RunOptions(rules=select_rules((), (), True), preview=True))
    assert {f.path.name for f, _ in result.findings} == {"a.ts", "b.ts"}  # DAL002 through the summaries
    # No tree is held when a file's rules start (its own is parsed again when they ask): the pass over every
    # file for transaction parameters and the files checked before it let theirs go.
    assert alive_at_start == [0, 0, 0, 0]
    assert _alive(trees) == 0


def _outcome(kept: int, monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, ...]]:
    monkeypatch.setattr(dalfix.runner, "KEPT_TREES", kept)
    monkeypatch.setattr(dalfix.runner, "KEPT_SOURCE", kept * 1000)
    options = RunOptions(rules=select_rules((), (), True), preview=True, fix_threshold=Applicability.UNSAFE)
    result = run([APP], options)
    return [
        (
            file.path,
            finding.rule,
            finding.start,
            finding.end,
            finding.message,
            finding.fix.applicability if finding.fix else None,
            tuple((e.start, e.end, e.text) for e in finding.fix.edits) if finding.fix else (),
            file.fixed,
        )
        for file, finding in result.findings
    ]


def test_findings_and_fixes_do_not_depend_on_the_trees_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """The example app, every rule, fixes applied: parsing every module again whenever it is asked for (none
    kept) gives what keeping every tree gives."""
    kept_all = _outcome(1_000_000, monkeypatch)
    assert len(kept_all) > 10
    assert _outcome(0, monkeypatch) == kept_all
    assert _outcome(3, monkeypatch) == kept_all
