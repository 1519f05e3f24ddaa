"""Incremental re-parsing (parsing.reparse) gives the tree a fresh parse gives, and the fixpoint and the reports
use it instead of parsing a file again."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest

from dalfix import fix_edits, parsing
from dalfix.fixes import Edit, apply_edits
from dalfix.parsing import ParsedFile, parse_file, reparse
from dalfix.report import json_report
from dalfix.rules import select_rules
from dalfix.runner import RunOptions, run

FIXTURES = Path(__file__).parent / "fixtures"
PAIRS = sorted(p for p in FIXTURES.glob("*/*.input.ts*") if p.with_name(p.name.replace(".input.", ".output.")).exists())


def nodes(parsed: ParsedFile) -> list[tuple[object, ...]]:
    out, cursor = [], parsed.tree.walk()
    while True:
        node = cursor.node
        assert node is not None
        out.append((node.type, node.start_byte, node.end_byte, node.start_point, node.end_point, node.is_missing))
        if cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return out


def same_parse(a: ParsedFile, b: ParsedFile) -> bool:
    return (a.source, a.original, a.masks, a.error_regions, nodes(a)) == (
        b.source,
        b.original,
        b.masks,
        b.error_regions,
        nodes(b),
    )


def edits_between(old: bytes, new: bytes) -> list[Edit]:
    """Line-level edits turning `old` into `new` (what a rule's fix edits look like)."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    starts = [0]
    for line in a:
        starts.append(starts[-1] + len(line))
    return [
        Edit(starts[i1], starts[i2], b"".join(b[j1:j2]).decode("utf-8", "surrogateescape"))
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
        if tag != "equal"
    ]


@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: f"{p.parent.name}/{p.name.split('.')[0]}")
def test_reparsing_a_fixture_into_its_fixed_output_equals_a_fresh_parse(pair: Path) -> None:
    path = Path("file.tsx" if pair.name.endswith(".tsx") else "file.ts")
    old, new = pair.read_bytes(), pair.with_name(pair.name.replace(".input.", ".output.")).read_bytes()
    edits = edits_between(old, new)
    assert apply_edits(old, edits) == new
    assert same_parse(reparse(parse_file(path, old), new, edits), parse_file(path, new))


def test_edits_that_touch_and_inserts_at_one_place_are_merged_the_way_they_are_applied() -> None:
    old = b"const a = f(x);\nconst b = g(y);\n"
    edits = [Edit(6, 7, "alpha"), Edit(7, 7, "_1"), Edit(7, 7, "\n/* two\nlines */"), Edit(16, 16, "// new\n")]
    new = apply_edits(old, edits)
    previous = parse_file(Path("a.ts"), old)
    assert same_parse(reparse(previous, new, edits), parse_file(Path("a.ts"), new))
    assert nodes(previous) == nodes(parse_file(Path("a.ts"), old)), "the previous tree is left as it was"


def test_a_result_with_a_syntax_error_or_a_masked_previous_is_parsed_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    old = b"export async function f() {\n  return 1;\n}\n"
    broken = apply_edits(old, [Edit(27, 27, "if (")])
    result = reparse(parse_file(Path("a.ts"), old), broken, [Edit(27, 27, "if (")])
    assert result.error_regions and same_parse(result, parse_file(Path("a.ts"), broken))
    deep = b"const x = " + b"[" * (parsing.MAX_NESTING + 5) + b"]" * (parsing.MAX_NESTING + 5) + b";\nconst y = 1;\n"
    masked = parse_file(Path("a.ts"), deep)
    assert masked.masks
    edit = Edit(len(deep) - 2, len(deep) - 2, "2")
    fresh = apply_edits(deep, [edit])
    assert same_parse(reparse(masked, fresh, [edit]), parse_file(Path("a.ts"), fresh))


def test_the_json_report_reuses_the_runs_parse_for_import_edits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = (FIXTURES / "query_in_loop" / "comments_kept.input.ts").read_bytes()
    (tmp_path / "a.ts").write_bytes(source)
    result = run([tmp_path / "a.ts"], RunOptions(rules=select_rules([], [], False)))
    [file] = result.files
    assert any(f.fix is not None and f.fix.imports for f in file.findings), "the fixture's fix adds an import"
    assert file.parsed is not None and file.parsed.original == source
    expected = json.loads(json_report(result))

    def no_parse(*args: object) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(fix_edits, "parse_file", no_parse)
    assert json.loads(json_report(result)) == expected
