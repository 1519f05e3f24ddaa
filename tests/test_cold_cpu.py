"""Shortcuts on a cold run's hot paths (bench/speed.md, "Cold CPU"): memos and byte searches, each answering what
the computation it replaces answers (memos also after the facts they were computed from grew)."""

from __future__ import annotations

import random
import re
from pathlib import Path

from dalfix.analysis.handle_reach import WORD_BYTES, mentions
from dalfix.analysis.schema.model import SchemaModel, Table
from dalfix.analysis.setup_code import TEST_FRAMEWORK, TEST_FRAMEWORK_WORDS, setup_code_kind
from dalfix.fixes import Applicability
from dalfix.rules import Rule, all_rules
from dalfix.runner import RunOptions, _may_match, run
from tests.test_schema_sources import _node, _project
from transforms import missing_index
from transforms.missing_index import MissingIndex


def _first_table(model: SchemaModel, path: Path, ts_name: str | None) -> Table | None:
    return next((t for t in model.tables if t.path == path and t.ts_name == ts_name), None)


def test_a_table_by_path_and_name_is_the_first_declared(tmp_path: Path) -> None:
    project, _ = _project(tmp_path)
    model = project.schema
    asked = {(t.path, t.ts_name) for t in model.tables} | {(tmp_path / "none.ts", "teams"), (model.tables[0].path, "x")}
    for path, name in asked:
        assert model.table(path, name) is _first_table(model, path, name)
    # The reader only appends: a second declaration under the same name does not replace the first, a new one is
    # found, and a list that shrank is indexed again.
    first = model.tables[0]
    model.tables.append(Table(ts_name=first.ts_name, name="again", dialect=first.dialect, path=first.path, line=99))
    model.tables.append(Table(ts_name="later", name="later", dialect=first.dialect, path=first.path, line=100))
    assert model.table(first.path, first.ts_name) is first
    assert model.table(first.path, "later") is model.tables[-1]
    del model.tables[1:]
    for path, name in asked:
        assert model.table(path, name) is _first_table(model, path, name)
    assert model.table(first.path, "later") is None


def test_dialect_alternatives_follow_the_tables_merged_later(tmp_path: Path) -> None:
    project, parsed = _project(tmp_path)
    model = project.schema
    sqlite_users = next(t for t in model.tables if t.ts_name == "users" and t.dialect == "sqlite")
    before = len(model.merged)
    # Asked before user code named `users` through the run-time choice: a table of one dialect, as far as known.
    assert model.dialect_alternatives(sqlite_users) == model._dialect_alternatives(sqlite_users)
    merged = model.table_for_identifier(parsed, _node(parsed, "users"))
    assert merged is not None and len(model.merged) > before
    found = model.dialect_alternatives(sqlite_users)
    assert [t.dialect for t in found] == ["sqlite", "mysql"]
    assert found == model._dialect_alternatives(sqlite_users)
    assert model.dialect_alternatives(merged) == merged.alternatives


def test_mentions_are_the_regular_expressions_whole_words() -> None:
    rng = random.Random(17)
    alphabet = [b"a", b"b", b"$", b"_", b"1", b" ", b".", b"(", b"\xc3", b"\xa9", b"\n"]
    # Names are identifiers; words holding other bytes tell non-overlapping matches and retries apart.
    words = [b"a", b"ab", b"aa", b"a$", b"$", b"b_1", b"\xc3\xa9", b"aba", b"..", b"aa.a"]
    cases = [(b"...", b".."), (b"aa.aa.a", b"aa.a")]
    for _ in range(5000):
        small = rng.random() < 0.5
        letters = [b"a", b".", b" "] if small else alphabet
        source = b"".join(rng.choice(letters) for _ in range(rng.randrange(0, 12 if small else 40)))
        cases.append((source, rng.choice(words)))
    for source, word in cases:
        expected = [
            m.start()
            for m in re.finditer(re.escape(word) + rb"(?![\w$])", source)
            if m.start() == 0 or source[m.start() - 1 : m.start()] not in WORD_BYTES
        ]
        assert list(mentions(source, word)) == expected, (source, word)


def test_a_test_framework_import_holds_one_of_the_words_looked_for_first() -> None:
    # Every alternative of TEST_FRAMEWORK, in each form it accepts: the words must let each through.
    frameworks = [
        "vitest",
        "vitest/config",
        "@vitest/spy",
        "@jest/globals",
        "bun:test",
        "node:test",
        "@playwright/test",
    ]
    forms = ['from "{}"', "import '{}'", 'require("{}")', "require ( '{}' )", 'import ("{}")', "from\n  '{}'"]
    samples = [form.format(name).encode() for name in frameworks for form in forms] + [b"Deno.test(() => {})"]
    for sample in samples:
        assert TEST_FRAMEWORK.search(sample) is not None, sample
        assert any(word in sample for word in TEST_FRAMEWORK_WORDS), sample
        assert setup_code_kind("src/a.ts", b"const x = 1;\n" + sample) == "test"
    # Each word is needed by some sample.
    for word in TEST_FRAMEWORK_WORDS:
        others = [w for w in TEST_FRAMEWORK_WORDS if w != word]
        assert any(not any(w in sample for w in others) for sample in samples), word


def test_the_needles_a_file_is_searched_for_answer_as_every_rules_needles_do() -> None:
    class Anywhere(Rule):  # no needles: every file
        code = "X999"

    rules = (*all_rules(), Anywhere)
    rng = random.Random(5)
    needles = sorted({n for rule in rules for n in rule.needles})
    # `create` and DAL003's guard shape: a file admitted by `admits_also` alone
    words = [*needles, b"fo", b"awai", b"x", b" ", b"(", b"create", b"const x = await q; if (x)"]
    for _ in range(3000):
        chosen = tuple(rng.sample(rules, rng.randrange(1, len(rules) + 1)))
        source = b"".join(rng.choice(words) for _ in range(rng.randrange(0, 4)))
        expected = any(rule.may_match(source) for rule in chosen)
        assert expected is any(not rule.needles or any(n in source for n in rule.needles) or (
            rule.code == "DAL003" and b"create" in source and b"if (x)" in source) for rule in chosen)  # fmt: skip
        assert _may_match(source, chosen) is expected, (source, chosen)


def _dal010_findings(paths: list[Path]) -> list[tuple[str, int, int, str, str | None]]:
    result = run(paths, RunOptions(rules=[MissingIndex], fix_threshold=Applicability.UNSAFE, preview=True))
    return [
        (str(file.path), f.start, f.end, f.message, f.fix.applicability.name if f.fix else None)
        for file in result.files
        for f in file.findings
    ]


def test_dal010_reports_the_same_when_each_file_goes_only_through_the_proposals_reaching_it(monkeypatch) -> None:
    fixtures = Path(__file__).parent / "fixtures" / "missing_index"
    roots = [[d] for d in sorted(fixtures.glob("*.input")) if d.is_dir()]
    roots += [[Path(__file__).parent.parent / "examples" / "drizzle-app"]]
    indexed = [_dal010_findings(paths) for paths in roots]
    assert sum(map(len, indexed)) > 20  # the comparison has findings to compare
    monkeypatch.setattr(missing_index, "_proposals_reaching", lambda project, plan, path: plan.proposals)
    assert indexed == [_dal010_findings(paths) for paths in roots]


def _reexport_graph(tmp_path: Path, rng: random.Random) -> list[Path]:
    """Modules re-exporting each other at random: `export *` (cycles included), named re-exports (renamed, or of
    a name the target lacks), own exports, an exported import, and chains longer than MAX_DEPTH."""
    count = 14
    names = ["a", "b", "c", "d", "default"]
    for index in range(count):
        lines = []
        for _ in range(rng.randint(0, 4)):
            target = rng.randrange(count)
            if rng.random() < 0.6:
                lines.append(f'export * from "./m{target}";')
            else:
                lines.append(f'export {{ {rng.choice(names[:4])} as {rng.choice(names[:4])} }} from "./m{target}";')
        if rng.random() < 0.4:
            name = rng.choice(names[:4])
            lines.append(f"export const {name} = {index};")
        if rng.random() < 0.2:
            lines.append(f'import {{ c as imported }} from "./m{rng.randrange(count)}";\nexport {{ imported as d }};')
        (tmp_path / f"m{index}.ts").write_text("\n".join(lines) + "\n")
    for index in range(12):  # a chain deeper than MAX_DEPTH, entered at every level
        last = index == 11
        text = "export const deep = 1;\n" if last else f'export * from "./chain{index + 1}";\n'
        (tmp_path / f"chain{index}.ts").write_text(text)
    return [*(tmp_path / f"m{i}.ts" for i in range(count)), *(tmp_path / f"chain{i}.ts" for i in range(12))]


def test_remembered_exports_are_the_searchs_answers_in_any_order(tmp_path: Path) -> None:
    from dalfix.analysis import reads
    from dalfix.analysis.project import Project
    from dalfix.analysis.summaries import MAX_DEPTH

    for seed in range(8):
        root = tmp_path / str(seed)
        root.mkdir()
        rng = random.Random(seed)
        paths = [p.resolve() for p in _reexport_graph(root, rng)]
        names = ("a", "b", "c", "d", "default", "deep")
        questions = [(p, n, d) for p in paths for n in names for d in range(MAX_DEPTH + 2)]
        searched = Project.load(root).summaries
        with reads.recording():  # inside a check: searched each time, nothing remembered
            expected = {q: searched.resolve_export(*q) for q in questions}
        assert not searched._exports
        for _ in range(3):
            rng.shuffle(questions)
            remembered = Project.load(root).summaries
            assert {q: remembered.resolve_export(*q) for q in questions} == expected
            assert remembered._exports  # the memo was used
            # A name the search finds is among those a module's re-exports can find (else its search is skipped).
            assert all(n in remembered._exportable(p) for (p, n, _), found in expected.items() if found is not None)
        # Answers that depend on the depth are there: the chain is cut off below MAX_DEPTH levels.
        assert expected[(root.resolve() / "chain0.ts", "deep", 0)] is None
        assert expected[(root.resolve() / "chain3.ts", "deep", 0)] is not None
