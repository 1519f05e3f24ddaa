"""Inline suppressions: `// dalfix-ignore[CODE]: reason` (line before or same line), `// dalfix-ignore-file[CODE]`,
unused-suppression reports, suppressed counts, and that a suppressed finding's fix is never applied."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dalfix.parsing import parse_file
from dalfix.suppressions import find_suppressions
from tests.conftest import documented_example

DAL001 = documented_example("DAL001")
DAL002 = documented_example("DAL002")
FIRST_READ = "  const [file] = await db.select()"


def with_line_before(source: str, marker: str, comment: str) -> str:
    """`source` with `comment` on its own line before the line starting with `marker`, indented alike."""
    lines = source.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith(marker))
    indent = lines[at][: len(lines[at]) - len(lines[at].lstrip())]
    return "".join([*lines[:at], indent + comment + "\n", *lines[at:]])


def on_same_line(source: str, marker: str, comment: str) -> str:
    lines = source.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith(marker))
    lines[at] = lines[at].rstrip("\n") + " " + comment + "\n"
    return "".join(lines)


def suppressed_count(stderr: str) -> int:
    summary = next(line for line in stderr.splitlines() if re.search(r" files? scanned, ", line))
    match = re.search(r" findings? \((\d+) suppressed\)$", summary)
    return int(match.group(1)) if match else 0


@pytest.mark.parametrize(
    "source",
    [
        with_line_before(DAL001.before, FIRST_READ, "// dalfix-ignore[DAL001]: deliberate, the graph is optional"),
        with_line_before(DAL001.before, FIRST_READ, "/* dalfix-ignore[sequential-awaits] */"),
        with_line_before(DAL001.before, FIRST_READ, "// dalfix-ignore"),
        on_same_line(DAL001.before, FIRST_READ, "// dalfix-ignore[DAL001]: same line"),
        with_line_before(
            with_line_before(DAL001.before, FIRST_READ, "// dalfix-ignore[DAL002]"),
            FIRST_READ,
            "// dalfix-ignore[DAL001]",
        ),
    ],
    ids=["line-before", "block-comment-by-name", "bare", "same-line", "stacked"],
)
def test_a_suppressed_finding_is_not_reported_nor_fixed(source, run_cli, workdir) -> None:
    path = workdir / "files.ts"
    path.write_text(source, encoding="utf-8")
    check = run_cli("check", "files.ts")
    assert check.exit_code == 0, check.stdout + check.stderr
    assert check.stdout == ""
    assert suppressed_count(check.stderr) == 1
    diff = run_cli("diff", "--unsafe-fixes", "files.ts")
    assert (diff.exit_code, diff.stdout) == (0, "")
    run_cli("apply", "--unsafe-fixes", "files.ts")
    assert path.read_text(encoding="utf-8") == source


@pytest.mark.parametrize(
    "comment",
    [
        "// dalfix-ignore[DAL002]: another rule",
        "// dalfix-ignored[DAL001]",  # not the directive
        "// see dalfix-ignore[DAL001] in the docs",  # the directive must open the comment
    ],
)
def test_a_directive_for_something_else_does_not_suppress(comment, run_cli, workdir) -> None:
    (workdir / "files.ts").write_text(with_line_before(DAL001.before, FIRST_READ, comment), encoding="utf-8")
    check = run_cli("check", "files.ts")
    assert check.exit_code == 1
    assert [line.split()[1] for line in check.stdout.splitlines()] == ["DAL001"]
    assert suppressed_count(check.stderr) == 0


def test_a_directive_inside_a_string_is_not_a_comment(run_cli, workdir) -> None:
    source = on_same_line(DAL001.before, FIRST_READ, "").replace(
        FIRST_READ, '  const note = "// dalfix-ignore[DAL001]";\n' + FIRST_READ
    )
    (workdir / "files.ts").write_text(source, encoding="utf-8")
    assert run_cli("check", "files.ts").exit_code == 1


def test_the_line_before_means_the_next_line_of_code_not_a_later_one(run_cli, workdir) -> None:
    source = with_line_before(DAL001.before, "export async function", "// dalfix-ignore[DAL001]")
    (workdir / "files.ts").write_text(source, encoding="utf-8")
    assert run_cli("check", "files.ts").exit_code == 1


def both_rules_source() -> str:
    body = DAL002.before.split("\n\n", 1)[1]
    return DAL001.before.replace('import { canvasFiles, canvasGraphs } from "./schema";', "").replace(
        'import { db } from "./db";',
        'import { db } from "./db";\nimport { canvasFiles, canvasGraphs, renders } from "./schema";',
    ) + ("\n" + body)


def test_a_file_directive_suppresses_its_rule_everywhere_and_only_its_rule(run_cli, workdir) -> None:
    source = "// dalfix-ignore-file[DAL002]: batch later\n" + both_rules_source()
    path = workdir / "both.ts"
    path.write_text(source, encoding="utf-8")
    check = run_cli("check", "both.ts")
    assert [line.split()[1] for line in check.stdout.splitlines()] == ["DAL001"]
    assert suppressed_count(check.stderr) == 1
    run_cli("apply", "--unsafe-fixes", "both.ts")
    fixed = path.read_text(encoding="utf-8")
    assert "await Promise.all([" in fixed  # DAL001 fixed
    assert "for (const r of chainRenders)" in fixed and "inArray" not in fixed  # DAL002 left alone


def test_a_suppressed_fix_stays_out_in_later_fix_rounds(run_cli, workdir) -> None:
    """Two copies of the example: the first is fixed (its lines grow), the second, suppressed, stays as it is."""
    second = DAL001.before.split("\n\n", 1)[1].replace("getFileWithGraph", "getFileWithGraphAgain")
    source = DAL001.before + "\n" + with_line_before(second, FIRST_READ, "// dalfix-ignore[DAL001]: on purpose")
    path = workdir / "files.ts"
    path.write_text(source, encoding="utf-8")
    run_cli("apply", "--unsafe-fixes", "files.ts")
    fixed = path.read_text(encoding="utf-8")
    assert fixed.count("await Promise.all([") == 1
    assert fixed.endswith(with_line_before(second, FIRST_READ, "// dalfix-ignore[DAL001]: on purpose"))


def test_unused_suppressions_are_reported_only_when_asked(run_cli, workdir) -> None:
    source = with_line_before(DAL001.after, "  return", "// dalfix-ignore[DAL001, DAL002]: stale")
    (workdir / "files.ts").write_text(source, encoding="utf-8")
    quiet = run_cli("check", "files.ts")
    assert (quiet.exit_code, quiet.stdout) == (0, "")
    loud = run_cli("check", "--report-unused-suppressions", "files.ts")
    assert loud.exit_code == 1
    line = source.splitlines().index("  // dalfix-ignore[DAL001, DAL002]: stale") + 1
    assert loud.stdout.splitlines() == [
        f"files.ts:{line}:3: dalfix-ignore[DAL001, DAL002] unused suppression: no DAL001 on line {line + 1}",
        f"files.ts:{line}:3: dalfix-ignore[DAL001, DAL002] unused suppression: no DAL002 on line {line + 1}",
    ]
    data = json.loads(run_cli("check", "--format", "json", "--report-unused-suppressions", "files.ts").stdout)
    assert [r["code"] for r in data["unused_suppressions"]] == ["DAL001", "DAL002"]


@pytest.mark.parametrize("no_cache", [True, False])
def test_unused_suppressions_in_files_no_rule_needs_to_check_are_reported(run_cli, workdir, no_cache) -> None:
    """A file the run does not analyse (no query, no handle: it cannot hold a finding) still has its stale
    directives reported, as a file with queries does; a second, cached run reports them too."""
    (workdir / "files.ts").write_text(with_line_before(DAL001.after, "  return", "// dalfix-ignore[DAL001]: stale"))
    (workdir / "plain.ts").write_text("// dalfix-ignore[DAL002]: stale\nexport const answer = 42;\n")
    (workdir / "client.ts").write_text('// dalfix-ignore-file[DAL001]\nexport const url = "x";\n')
    (workdir / "plain.test.ts").write_text("// dalfix-ignore[DAL002]: a test file: left out\nexport const t = 1;\n")
    args = ["check", "--report-unused-suppressions", *(["--no-cache"] if no_cache else []), "."]
    for _ in range(1 if no_cache else 2):
        result = run_cli(*args)
        assert result.exit_code == 1
        assert sorted(line.split(":", 1)[0] for line in result.stdout.splitlines()) == [
            "client.ts",
            "files.ts",
            "plain.ts",
        ], result.stdout
    assert run_cli("check", "--no-cache", ".").exit_code == 0


def test_a_used_suppression_is_not_reported_unused_and_unselected_rules_are_not_judged(run_cli, workdir) -> None:
    source = with_line_before(DAL001.before, FIRST_READ, "// dalfix-ignore[DAL001]")
    source = with_line_before(source, "export async", "// dalfix-ignore-file[DAL002]")
    (workdir / "files.ts").write_text(source, encoding="utf-8")
    result = run_cli("check", "--select", "DAL001", "--report-unused-suppressions", "files.ts")
    assert (result.exit_code, result.stdout) == (0, "")
    assert suppressed_count(result.stderr) == 1
    data = json.loads(run_cli("check", "--format", "json", "files.ts").stdout)
    assert data["summary"]["suppressed"] == 1 and data["findings"] == []


def test_directives_are_parsed_with_codes_reason_and_target(tmp_path: Path) -> None:
    source = (
        "// dalfix-ignore-file[DAL002]\n"
        "function f() {\n"
        "  // dalfix-ignore[DAL001, sequential-awaits]: reason: with a colon\n"
        "  // an ordinary comment between\n"
        "\n"
        "  g(); // dalfix-ignore\n"
        "}\n"
    )
    parsed = parse_file(tmp_path / "a.ts", source.encode())
    found = [(s.file_level, s.codes, s.line, s.target_line, s.reason) for s in find_suppressions(parsed)]
    assert found == [
        (True, ("DAL002",), 1, 0, ""),
        (False, ("DAL001", "sequential-awaits"), 3, 6, "reason: with a colon"),
        (False, (), 6, 6, ""),
    ]
