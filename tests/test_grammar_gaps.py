"""Valid TypeScript tree-sitter-typescript 0.23 cannot parse: masked with same-length bytes, then analysed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dalfix.parsing import parse_bytes, parse_file

GAPS = {
    "typed tagged template": ("ts", b"const rows = await db.execute(sql<{ id: string }>`select id from t`);\n"),
    "typed tagged template (array)": ("ts", b"const ids = sql<T[]>`array_agg(id)`.mapWith(String);\n"),
    "typed tagged template (tuple)": ("ts", b"const pair = sql<[number, string]>`select 1, 'a'`;\n"),
    "typed tagged template (members over lines)": (
        "ts",
        b"const q = { category: sql<{\n  id: string;\n  name: string | null;\n} | null>"
        b"`json_build_object('id', ${t.id})`.as(\"c\") };\n",
    ),
    "typed tagged template (function type)": ("ts", b"const f = sql<(row: { a: string }) => void>`select 1`;\n"),
    "typeof import() type argument": ("ts", b'const mod = load<typeof import("./db")>();\n'),
    "import() type in type arguments": (
        "ts",
        b'const s = useState<{ p: typeof import("m").default; } | null>(null);\n'
        b'const a = f<\n  import("./t").K,\n  B>();\n',
    ),
    "import() type with type arguments": ("ts", b'let row: import("./schema").Row<typeof users>;\n'),
    "export type *": ("ts", b'export type * from "./schema";\nexport type * as s from "./schema";\n'),
    "`<` before unique/keyof/infer": (
        "ts",
        b"for (let start = 0; start < unique.size; start += 900) { f(keyof); }\nconst b = a < infer[0];\n",
    ),
    "bare & in JSX text": ("tsx", b"const x = <p>Tom & Jerry {a} & {b}</p>;\n"),
    "a variable named `using`": (
        "ts",
        b"function p(using: string, check: string) {\n  const s = `ON t${using}${check}`;\n  return f(using, s);\n}\n",
    ),
    "NUL byte in a literal": ("ts", b"const key = (a: string, b: string) => `${a}\x00${b}`;\n"),
}


@pytest.mark.parametrize("gap", list(GAPS))
def test_each_gap_is_masked_with_the_same_length(gap: str, tmp_path: Path) -> None:
    suffix, source = GAPS[gap]
    assert parse_bytes(source, "tsx" if suffix == "tsx" else "typescript").root_node.has_error, "a real gap"
    parsed = parse_file(tmp_path / f"a.{suffix}", source)
    assert not parsed.root.has_error
    assert parsed.masks and {m.reason for m in parsed.masks} == {gap.split(" (")[0]}
    assert parsed.original == source and len(parsed.source) == len(source)
    kept = bytearray(source)
    for mask in parsed.masks:
        kept[mask.start : mask.end] = parsed.source[mask.start : mask.end]
    assert bytes(kept) == parsed.source, "only masked bytes differ"
    two_statements = ("export type *", "`<` before unique/keyof/infer", "import() type in type arguments")
    assert parsed.masked_functions == 1 + (gap in two_statements)


@pytest.mark.parametrize(
    "source",
    [
        b"const n = sql<number>`count(*)`;\nconst flags = a & b;\n",
        b'type M = ReturnType<typeof import("./db")>;\nlet d: typeof import("m").default;\n',
        b"export type { A } from './a';\nconst x = a < b && c > `d`;\n",
        b"if (a < b) { f(); }\nconst y = c > `d`;\n",
        b'const m = await Promise.all([g(), import("./m").then((x) => x.default)]);\n',
        b"const x = { using: sql`true` };\nconst y = policy.using;\nconst { using } = o;\n",
    ],
)
def test_code_that_parses_is_never_masked(source: bytes, tmp_path: Path) -> None:
    parsed = parse_file(tmp_path / "a.ts", source)
    assert parsed.masks == [] and parsed.source == source


def test_an_unrelated_syntax_error_still_skips_its_function(tmp_path: Path) -> None:
    source = b"function f() { const a = ; }\nconst ok = sql<number>`1`;\n"
    parsed = parse_file(tmp_path / "a.ts", source)
    assert parsed.masks == [] and parsed.error_regions


def test_masked_functions_are_counted_in_the_json_summary(run_cli, workdir: Path) -> None:
    fixture = Path(__file__).parent / "fixtures" / "sequential_awaits" / "grammar_gap_typed_sql.input.ts"
    (workdir / "a.ts").write_bytes(fixture.read_bytes())
    result = run_cli("check", "--format", "json", "a.ts")
    summary = json.loads(result.stdout)["summary"]
    assert summary["functions_masked"] == 3  # two functions and the `export type *` statement
    assert summary["functions_skipped_for_parse_errors"] == 0
    assert "3 function(s) analysed with syntax tree-sitter cannot parse masked" in result.stderr


def test_a_fix_that_would_change_masked_bytes_is_not_applied(run_cli, workdir: Path) -> None:
    fixture = Path(__file__).parent / "fixtures" / "sequential_awaits" / "grammar_gap_typed_sql.input.ts"
    (workdir / "dal").mkdir()
    (workdir / "dal" / "a.ts").write_bytes(fixture.read_bytes())
    shared = fixture.parent / "_project" / "db.ts"  # the pooled handle the fixture imports: safe fixes
    (workdir / "db.ts").write_bytes(shared.read_bytes())
    checked = run_cli("check", "--format", "json", ".")
    findings = json.loads(checked.stdout)["findings"]
    masked = [f for f in findings if "no fix: it would change syntax tree-sitter cannot parse" in f["message"]]
    assert len(masked) == 1 and masked[0]["applicability"] == "display-only"  # `check` counts only fixes apply makes
    assert "masked: typed tagged template" in masked[0]["message"]
    result = run_cli("apply", ".")
    assert "would change bytes dalfix masked" not in result.stderr  # nothing is offered that the applier refuses
    fixed = (workdir / "dal" / "a.ts").read_bytes()
    assert b"sql<number[]>`count(*)`" in fixed and b"sql<{ tag: string }>" in fixed and b"export type * from" in fixed


def test_a_test_file_the_rules_leave_out_gets_no_note_about_its_functions(run_cli, workdir: Path) -> None:
    fixture = Path(__file__).parent / "fixtures" / "sequential_awaits" / "grammar_gap_typed_sql.input.ts"
    (workdir / "a.ts").write_bytes(fixture.read_bytes())
    (workdir / "a.spec.ts").write_bytes(fixture.read_bytes() + b"\nfunction broken() { const x = ; }\n")
    result = run_cli("check", "--format", "json", ".")
    summary = json.loads(result.stdout)["summary"]
    assert summary["files_setup_code"] == 1
    assert summary["functions_masked"] == 3  # a.ts's alone: nobody checks a.spec.ts
    assert summary["functions_skipped_for_parse_errors"] == 0
    assert "a.spec.ts" not in result.stderr
    checked = run_cli("check", "--format", "json", "--include-tests", ".")
    assert json.loads(checked.stdout)["summary"]["functions_masked"] == 6
    assert "a.spec.ts: 3 function(s) analysed with syntax tree-sitter cannot parse masked" in checked.stderr
    assert "a.spec.ts: 1 function(s) skipped: parse error" in checked.stderr


def test_a_comparison_before_a_template_is_not_taken_for_type_arguments(tmp_path: Path) -> None:
    # a syntax error elsewhere in the statement makes it an error region; `<` ... `>` around a `;` is no type
    source = b"function f() { if (a < b) { g(; } return c > `d`; }\n"
    parsed = parse_file(tmp_path / "a.ts", source)
    assert parsed.masks == [] and parsed.error_regions


def test_a_dynamic_import_call_is_never_taken_for_a_type(tmp_path: Path) -> None:
    # in an error region, `, import("m").then(` is a call on the module's promise: masking it would change the code
    source = b'function f() { g(a, import("./m").then((m) => m.x); }\nfunction h() { k(; }\n'
    parsed = parse_file(tmp_path / "a.ts", source)
    assert all(mask.reason != "import() type in type arguments" for mask in parsed.masks)


def test_a_variable_named_using_reads_as_one_name_in_its_function(tmp_path: Path) -> None:
    source = (
        b"async function p(db: DB, using: string) {\n"
        b"  const rows = await db.select().from(t).where(eq(t.a, using));\n"
        b"  return `${using}:${rows.length}`;\n"
        b"}\n"
    )
    parsed = parse_file(tmp_path / "a.ts", source)
    assert not parsed.root.has_error
    assert parsed.source.count(b"$sing") == 3 and b"using" not in parsed.source
    assert parsed.original == source
