"""The fix rounds' per-tree work (helper perline): the validation of a fix, the fresh names and the style's
semicolon count find their nodes with one tree-sitter query instead of a walk in Python, and give what the walks
gave; the unused-import count is kept per tree; DAL005's project-wide driver and the keyed reads are memoised."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from fixture_harness import discover_cases

from dalfix import imports, render
from dalfix.analysis import transactions
from dalfix.analysis.summaries import Summaries
from dalfix.comments import comment_texts
from dalfix.fixes import Applicability, Edit, apply_edits
from dalfix.parsing import FUNCTION_TYPES, ParsedFile, descendants_of_type, fresh_name, parse_file, reparse, walk
from dalfix.rules import select_rules
from dalfix.runner import RunOptions, run

CASES = [c for c in discover_cases() if c.input.is_file()]
BROKEN = b"""import { eq } from "drizzle-orm";
// one
export async function f(db: Db) {
  const a = await db.select().from(t).where(eq(t.id, 1)) /* two */
  if (a { return
}
"""


def _walked_comments(parsed: ParsedFile) -> Counter[str]:
    found: Counter[str] = Counter()
    for node in walk(parsed.root):
        if node.type == "comment" and node.text is not None:
            found[re.sub(rb"\s+", b"", node.text).decode("utf-8", "surrogateescape")] += 1
    return found


def _walked_uses(parsed: ParsedFile) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for statement in parsed.root.named_children:
        if statement.type != "import_statement":
            for node in imports._walk_named(statement):
                if node.type in ("identifier", "type_identifier", "shorthand_property_identifier"):
                    counts[parsed.text(node)] += 1
    return dict(counts)


def _walked_semicolons(parsed: ParsedFile) -> tuple[int, int]:
    ended = total = 0
    for node in walk(parsed.root):
        if node.type in render._STATEMENTS and node.is_named and node.child_count:
            total += 1
            ended += node.children[-1].type == ";" and not node.children[-1].is_missing
    return total, ended


def _walked_names(scope) -> set[str]:  # type: ignore[no-untyped-def]
    kinds = ("identifier", "shorthand_property_identifier", "shorthand_property_identifier_pattern")
    return {(n.text or b"").decode("utf-8", "surrogateescape") for n in walk(scope) if n.type in kinds and n.is_named}


def _parses() -> list[ParsedFile]:
    parsed = [parse_file(c.input, c.input.read_bytes()) for c in CASES]
    return [*parsed, parse_file(Path("broken.ts"), BROKEN), parse_file(Path("broken.tsx"), BROKEN)]


@pytest.mark.parametrize("parsed", _parses(), ids=lambda p: p.path.name)
def test_queries_give_what_the_walks_gave(parsed: ParsedFile) -> None:
    assert comment_texts(parsed.root) == _walked_comments(parsed)
    assert {k: v for k, v in imports._uses(parsed).items() if v} == _walked_uses(parsed)
    total, ended = _walked_semicolons(parsed)
    assert render._tree_semicolons(parsed.root) == (True if total == 0 else ended * 2 >= total)
    for function in [None, *descendants_of_type(parsed.root, *FUNCTION_TYPES)]:
        scope = function if function is not None else parsed.root
        used = _walked_names(scope)
        for base in ("x", "a", "db", "tx", "row"):
            expected, counter = base, 1
            while expected in used:
                counter += 1
                expected = f"{base}{counter}"
            assert fresh_name(function, scope, base) == expected


def test_unused_imports_count_each_tree_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A round's new tree is the `after` of its round and the `before` of the next: its names are counted once."""
    source = b'import { and, eq } from "drizzle-orm";\nexport const a = (x: number) => and(eq(t.id, x));\n'
    before = parse_file(Path("a.ts"), source)
    edit_at = source.index(b"and(eq(t.id, x))")
    edits = [Edit(edit_at, edit_at + len(b"and(eq(t.id, x))"), "eq(t.id, x)")]
    after = reparse(before, apply_edits(source, edits), edits)
    counted: list[ParsedFile] = []
    real = imports.descendants_unordered

    def counting(node, *types):  # type: ignore[no-untyped-def]
        counted.append(node)
        return real(node, *types)

    monkeypatch.setattr(imports, "descendants_unordered", counting)
    first = imports.unused_import_edits(before, after)
    again = imports.unused_import_edits(before, after)
    assert first == again and len(first) == 1  # `and` is left unused: removed
    assert len(counted) == 2, "each tree's names counted once, then kept on the parse"
    no_drizzle = parse_file(Path("b.ts"), b"export const b = 1;\n")
    assert imports.unused_import_edits(no_drizzle, no_drizzle) == []
    assert len(counted) == 2, "a file importing nothing from drizzle-orm is not searched"


def test_dal005_asks_for_every_file_s_handles_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two DAL005 findings in a file whose handle is not followed: the project's handles are listed once."""
    body = 'import type { NodePgDatabase } from "drizzle-orm/node-postgres";\n' + "\n".join(
        f"export async function f{i}(db: NodePgDatabase) {{\n  await db.insert(a).values({{}});\n"
        f"  await db.update(b).set({{}});\n}}\n"
        for i in range(2)
    )
    (tmp_path / "dal.ts").write_text(body)
    (tmp_path / "other.ts").write_text("export const x = 1;\n")
    listed: list[Path] = []  # files whose handles `_one_project_driver` asked for
    inside = [False]
    real_driver, real_handles = transactions._one_project_driver, Summaries.handles_at

    def driver(project):  # type: ignore[no-untyped-def]
        inside[0] = True
        try:
            return real_driver(project)
        finally:
            inside[0] = False

    def handles_at(self, path):  # type: ignore[no-untyped-def]
        if inside[0]:
            listed.append(path)
        return real_handles(self, path)

    monkeypatch.setattr(transactions, "_one_project_driver", driver)
    monkeypatch.setattr(Summaries, "handles_at", handles_at)
    options = RunOptions(rules=select_rules(["DAL005"], [], True), fix_threshold=Applicability.UNSAFE, jobs=1)
    result = run([tmp_path], options)
    findings = [f for r in result.files for f in r.findings if f.rule == "DAL005"]
    assert len(findings) == 2, findings
    assert sorted(p.name for p in listed) == ["dal.ts"], "every analysed file listed once for the whole run"


def test_keyed_reads_are_computed_once_per_node(monkeypatch: pytest.MonkeyPatch) -> None:
    """DAL003, DAL004, DAL008 and DAL009 ask about the same reads: each is worked out once per tree, and the
    findings are those worked out afresh at every question."""
    from dalfix.analysis import keyed_reads

    cases = [c.input for c in CASES if c.rule_dir in ("check_then_insert", "guarded_write", "lost_update")]
    options = RunOptions(rules=select_rules(["DAL"], [], True), fix_threshold=Applicability.UNSAFE, jobs=1)
    asked: list[tuple[object, ...]] = []
    real = keyed_reads._keyed_read

    def counting(project, parsed, vocabulary, query, throwing, exclusion, filters=False):  # type: ignore[no-untyped-def]
        asked.append((id(vocabulary), query.start_byte, query.end_byte, query.type, throwing, exclusion, filters))
        return real(project, parsed, vocabulary, query, throwing, exclusion, filters)

    monkeypatch.setattr(keyed_reads, "_keyed_read", counting)
    memoised = run(cases, options)
    assert asked and len(asked) == len(set(asked)), "a read worked out twice for one vocabulary"

    def afresh(project, parsed, vocabulary, query, throwing_helpers=False, exclusion=False, filters=False):  # type: ignore[no-untyped-def]
        return real(project, parsed, vocabulary, query, throwing_helpers, exclusion, filters)

    monkeypatch.setattr(keyed_reads, "keyed_read", afresh)
    for module in ("check_then_insert", "guarded_write", "lost_update", "fetch_then_fetch"):
        transform = __import__(f"transforms.{module}", fromlist=["keyed_read"])
        if hasattr(transform, "keyed_read"):
            monkeypatch.setattr(transform, "keyed_read", afresh)
    fresh = run(cases, options)
    assert [(r.path, r.findings, r.fixed) for r in memoised.files] == [
        (r.path, r.findings, r.fixed) for r in fresh.files
    ]


def _walked_locally_bound(identifier) -> bool:  # type: ignore[no-untyped-def]
    """`locally_bound` as it was: every statement of every enclosing block searched for each identifier."""
    from dalfix.analysis.schema.reader import _in_pattern

    name = identifier.text
    current = identifier.parent
    while current is not None and current.type != "program":
        declared = []
        if current.type in FUNCTION_TYPES:
            declared += [n for n in (current.child_by_field_name(f) for f in ("parameters", "parameter")) if n]
        elif current.type in ("statement_block", "for_in_statement", "for_statement", "catch_clause", "switch_body"):
            for child in current.named_children:
                if child.type in ("lexical_declaration", "variable_declaration"):
                    for declarator in child.named_children:
                        name_node = declarator.child_by_field_name("name")
                        if declarator.type == "variable_declarator" and name_node is not None:
                            declared.append(name_node)
                elif child.type in ("function_declaration", "class_declaration", "generator_function_declaration"):
                    name_node = child.child_by_field_name("name")
                    if name_node is not None:
                        declared.append(name_node)
            if current.type == "for_in_statement" and current.child_by_field_name("left") is not None:
                declared.append(current.child_by_field_name("left"))
            if current.type == "catch_clause" and current.child_by_field_name("parameter") is not None:
                declared.append(current.child_by_field_name("parameter"))
        for node in declared:
            for found in descendants_of_type(node, "identifier", "shorthand_property_identifier_pattern"):
                if found.text == name and _in_pattern(found, node):
                    return True
        current = current.parent
    return False


def test_locally_bound_remembers_each_scope_s_names() -> None:
    """`locally_bound` answers from each scope's declared names, kept per tree: the answer of the search through
    every enclosing block's statements for every identifier of every fixture, asked in two orders."""
    from dalfix.analysis.schema.reader import locally_bound

    asked = 0
    for parsed in _parses():
        identifiers = list(descendants_of_type(parsed.root, "identifier"))
        for identifier in [*identifiers, *reversed(identifiers)]:
            assert locally_bound(identifier) == _walked_locally_bound(identifier), (parsed.path, identifier)
            asked += locally_bound(identifier)
    assert asked > 100


def test_tables_by_id_as_a_search_finds_them() -> None:
    """`SchemaModel.by_id`'s index gives the first table of the list with that id, after appends and after the
    reader's sort (`reordered`)."""
    from dalfix.analysis.schema.model import SchemaModel, Table

    model = SchemaModel()
    a, b = Table("a", "a", "pg", Path("x.ts"), 1), Table("b", "b", "pg", Path("x.ts"), 2)
    model.tables += [b, a]
    assert model.by_id(a.id) is a and model.by_id(b.id) is b and model.by_id("x.ts:c") is None
    c = Table("c", "c", "pg", Path("w.ts"), 3)
    model.tables.append(c)
    assert model.by_id(c.id) is c
    twin = Table("a", "a2", "pg", Path("x.ts"), 9)  # the same id: the first in the list's order wins
    model.tables.insert(0, twin)
    model.reordered()
    assert model.by_id(a.id) is twin
    model.tables.sort(key=lambda t: (str(t.path), t.line))
    model.reordered()
    assert [model.by_id(t.id) for t in (a, b, c)] == [next(u for u in model.tables if u.id == t.id) for t in (a, b, c)]
