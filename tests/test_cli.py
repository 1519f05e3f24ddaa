"""The command line: exit codes, commands, output formats, rule selection, fix gating, the summary line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar
from urllib.parse import unquote

import pytest

import dalfix
import dalfix.cli
import dalfix.report
import dalfix.rules
from dalfix.context import FileContext
from dalfix.fixes import Applicability, Edit, Finding
from dalfix.parsing import descendants_of_type
from dalfix.rules import DOC_SECTIONS, Rule, all_rules, code_block, doc_sections, rule_by_code
from dalfix.runner import RunOptions, run

SUMMARY = re.compile(
    r"^dalfix: (?P<scanned>\d+) files? scanned, (?P<changed>\d+) (?P<verb>changed|would change|with findings), "
    r"(?P<skipped>\d+) skipped(?: \((?P<reasons>[^)]*)\))?, (?:(?P<failed>\d+) failed, )?(?P<findings>\d+) findings?$",
    re.M,
)
CHECK_LINE = re.compile(
    r"^(?P<path>[^:\n]+):(?P<line>\d+):(?P<column>\d+): (?P<code>[A-Z]+\d+) (?P<message>.+) "
    r"\[(?P<applicability>safe|unsafe|display-only|no fix)\]$"
)


# ---- test doubles: tiny rules registered by patching the registry ------------------------------------------


class VarDeclaration(Rule):
    """Flags `var` declarations; the fix (`let`) has the applicability a subclass declares."""

    code = "DAL991"
    name = "test-unsafe-var"
    message = "`var` declaration"
    fix_title = "Declare with `let`"
    fix_availability = "always"
    needles = (b"var ",)
    fix_applicability: ClassVar[Applicability | None] = Applicability.UNSAFE

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        for node in descendants_of_type(ctx.parsed.root, "variable_declaration"):
            keyword = node.children[0]
            edits = [Edit(keyword.start_byte, keyword.end_byte, "let")]
            yield ctx.finding(self, node, edits=edits, applicability=self.fix_applicability)


class DisplayOnlyVar(VarDeclaration):
    code = "DAL992"
    name = "test-display-only-var"
    fix_applicability = Applicability.DISPLAY_ONLY


class UnfixableVar(VarDeclaration):
    code = "DAL993"
    name = "test-unfixable-var"
    fix_availability = "never"
    fix_applicability = None


class Exploding(Rule):
    """Fails on any file that mentions `explode`, like a rule with a bug."""

    code = "DAL999"
    name = "test-exploding"
    message = "never reported"
    fix_title = "none"
    fix_availability = "never"
    needles = (b"explode",)

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        raise RuntimeError("boom in a rule")


@pytest.fixture
def extra_rules(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Register test rules next to the real ones, everywhere the registry is read."""
    real = dalfix.rules.all_rules()

    def register(*rules: type[Rule]) -> tuple[type[Rule], ...]:
        combined = tuple(sorted((*real, *rules), key=lambda r: r.code))
        for module in (dalfix.rules, dalfix.cli, dalfix.report):
            monkeypatch.setattr(module, "all_rules", lambda: combined)
        return combined

    return register


@pytest.fixture
def example_file(workdir: Path, dal001) -> Path:  # type: ignore[no-untyped-def]
    path = workdir / "src" / "files.ts"
    path.parent.mkdir()
    path.write_text(dal001.before, encoding="utf-8")
    return path


def summary_of(stderr: str) -> dict[str, object]:
    matches = list(SUMMARY.finditer(stderr))
    assert len(matches) == 1, f"expected one summary line on stderr, got:\n{stderr}"
    found = matches[0]
    reasons: dict[str, int] = {}
    for part in (found["reasons"] or "").split(", "):
        if part:
            count, reason = part.split(" ", 1)
            reasons[reason] = int(count)
    return {
        "scanned": int(found["scanned"]),
        "changed": int(found["changed"]),
        "verb": found["verb"],
        "skipped": int(found["skipped"]),
        "reasons": reasons,
        "failed": int(found["failed"] or 0),
        "findings": int(found["findings"]),
    }


def position_of(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column (characters) of the first `needle`."""
    index = text.index(needle)
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


# ---- exit codes -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["diff", "check", "apply"])
def test_exit_0_when_nothing_is_found(command, run_cli, workdir, dal001) -> None:
    clean = workdir / "clean.ts"
    clean.write_text(dal001.after, encoding="utf-8")
    result = run_cli(command, clean)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert clean.read_text(encoding="utf-8") == dal001.after


@pytest.mark.parametrize("command", ["diff", "check", "apply"])
def test_exit_1_when_something_is_found_or_changed(command, run_cli, example_file) -> None:
    result = run_cli(command, example_file)
    assert result.exit_code == 1, result.stderr


@pytest.mark.parametrize(
    "args",
    [
        pytest.param([], id="no-arguments"),
        pytest.param(["diff"], id="diff-without-paths"),
        pytest.param(["check"], id="check-without-paths"),
        pytest.param(["apply"], id="apply-without-paths"),
        pytest.param(["check", "--select", "DAL9999", "PATH"], id="unknown-selected-rule"),
        pytest.param(["--ignore", "no-such-rule", "PATH"], id="unknown-ignored-rule"),
        pytest.param(["check", "--format", "xml", "PATH"], id="bad-format"),
        pytest.param(["--no-such-option", "PATH"], id="unknown-option"),
        pytest.param(["explain", "DAL9999"], id="explain-unknown-rule"),
    ],
)
def test_exit_2_on_usage_errors(args, run_cli, example_file, dal001) -> None:
    result = run_cli(*[example_file if a == "PATH" else a for a in args])
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert example_file.read_text(encoding="utf-8") == dal001.before


def test_exit_2_on_a_bad_config_file(run_cli, example_file) -> None:
    (example_file.parent / "dalfix.toml").write_text("no-such-key = 1\n", encoding="utf-8")
    result = run_cli("check", example_file)
    assert result.exit_code == 2
    assert "no-such-key" in result.stderr


def test_exit_2_when_a_rule_fails_and_other_files_are_still_fixed(run_cli, extra_rules, workdir, dal001) -> None:
    extra_rules(Exploding)
    (workdir / "a_broken.ts").write_text(dal001.before + "// explode\n", encoding="utf-8")
    (workdir / "b_fine.ts").write_text(dal001.before, encoding="utf-8")
    result = run_cli("diff", workdir)
    assert result.exit_code == 2
    assert "dalfix: error: a_broken.ts: internal error: RuntimeError: boom in a rule" in result.stderr
    assert "Traceback" not in result.stderr
    assert re.findall(r"^diff --git (\S+)", result.stdout, re.M) == ["a/b_fine.ts"]


@pytest.mark.parametrize("command", ["check", "diff"])
def test_the_summary_line_counts_a_file_lost_to_a_rule_as_the_json_does(
    run_cli, extra_rules, workdir, dal001, command
) -> None:
    extra_rules(Exploding)
    (workdir / "a_broken.ts").write_text(dal001.before + "// explode\n", encoding="utf-8")
    (workdir / "b_fine.ts").write_text(dal001.before, encoding="utf-8")
    result = run_cli(command, workdir)
    assert result.exit_code == 2  # the exit code is unchanged: an error (README "Exit codes")
    line = summary_of(result.stderr)
    assert (line["scanned"], line["failed"]) == (2, 1)
    report = json.loads(run_cli("check", "--format", "json", workdir).stdout)
    assert report["summary"]["files_failed"] == line["failed"]
    # Nothing lost, nothing said.
    (workdir / "a_broken.ts").unlink()
    assert " failed, " not in run_cli(command, workdir).stderr


def test_sarif_says_the_run_lost_a_file_and_which(run_cli, extra_rules, workdir, dal001) -> None:
    extra_rules(Exploding)
    (workdir / "a_broken.ts").write_text(dal001.before + "// explode\n", encoding="utf-8")
    (workdir / "b_fine.ts").write_text(dal001.before, encoding="utf-8")
    result = run_cli("check", "--format", "sarif", workdir)
    assert result.exit_code == 2
    (invocation,) = json.loads(result.stdout)["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    (notification,) = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error"
    assert notification["message"]["text"] == "not checked: internal error: RuntimeError: boom in a rule"
    assert notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("a_broken.ts")
    (workdir / "a_broken.ts").unlink()
    (clean,) = json.loads(run_cli("check", "--format", "sarif", workdir).stdout)["runs"][0]["invocations"]
    assert clean == {"executionSuccessful": True, "toolExecutionNotifications": []}


def test_exit_2_with_one_line_on_an_internal_error_outside_the_rules(monkeypatch, capsys, example_file) -> None:
    def broken_run(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the engine broke")

    monkeypatch.setattr(dalfix.cli, "run", broken_run)
    monkeypatch.setattr(sys, "argv", ["dalfix", "check", str(example_file)])
    with pytest.raises(SystemExit) as exited:
        dalfix.cli.entry()
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.strip() == "dalfix: internal error: RuntimeError: the engine broke"


def test_the_console_script_is_the_guarded_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    # The script (and `python -m dalfix`) is replay.main: a warm re-run replays its record, anything else goes to
    # the guarded cli.entry. Read from pyproject.toml, not the installed metadata (an older install may linger).
    import tomllib

    from dalfix import cli, replay

    project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"]["dalfix"] == "dalfix.replay:main"
    called: list[bool] = []
    monkeypatch.setattr(cli, "entry", lambda: called.append(True))
    monkeypatch.setattr(sys, "argv", ["dalfix", "rules"])  # a command that leaves no record
    replay.main()
    assert called == [True]


# ---- commands ---------------------------------------------------------------------------------------------


def test_paths_alone_mean_diff(run_cli, example_file) -> None:
    bare, explicit = run_cli(example_file), run_cli("diff", example_file)
    assert bare.exit_code == explicit.exit_code == 1
    assert bare.stdout == explicit.stdout
    assert bare.stdout.startswith("diff --git a/src/files.ts b/src/files.ts\n")


def test_diff_does_not_write_and_apply_writes_the_use_instead(run_cli, example_file, dal001) -> None:
    run_cli("diff", example_file)
    assert example_file.read_text(encoding="utf-8") == dal001.before
    result = run_cli("apply", example_file)
    assert result.stdout == ""
    assert example_file.read_text(encoding="utf-8") == dal001.after
    again = run_cli("apply", example_file)
    assert again.exit_code == 0
    assert example_file.read_text(encoding="utf-8") == dal001.after


def test_diff_apply_flag_writes_like_apply(run_cli, example_file, dal001) -> None:
    result = run_cli("diff", "--apply", example_file)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert example_file.read_text(encoding="utf-8") == dal001.after


def test_check_prints_one_line_per_finding(run_cli, example_file, dal001) -> None:
    result = run_cli("check", example_file)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    parsed = CHECK_LINE.match(lines[0])
    assert parsed, lines[0]
    line, column = position_of(dal001.before, "const [file]")
    assert parsed["path"] == "src/files.ts"
    assert (int(parsed["line"]), int(parsed["column"])) == (line, column)
    assert parsed["code"] == "DAL001"
    assert parsed["applicability"] == "safe"
    assert "[file], [graph]" in parsed["message"]
    assert example_file.read_text(encoding="utf-8") == dal001.before


def test_check_columns_count_characters_not_bytes(run_cli, workdir, dal001) -> None:
    source = dal001.before.replace("fileId", "fichierÉté")
    (workdir / "accents.ts").write_text(source, encoding="utf-8")
    result = run_cli("check", "--format", "json", "accents.ts")
    (finding,) = json.loads(result.stdout)["findings"]
    line, column = position_of(source, "const [file]")
    assert (finding["line"], finding["column"]) == (line, column)
    end_line, end_column = position_of(source, "fichierÉté));\n  return")
    assert finding["end_line"] == end_line
    assert finding["end_column"] == end_column + len("fichierÉté));")


JSON_FINDING_TYPES = {
    "path": str,
    "rule": str,
    "name": str,
    "message": str,
    "line": int,
    "end_line": int,
    "column": int,
}


def test_check_json_schema(run_cli, extra_rules, workdir, dal001) -> None:
    extra_rules(UnfixableVar)
    (workdir / "src").mkdir()
    (workdir / "src" / "files.ts").write_text(dal001.before + "var legacy = 1;\n", encoding="utf-8")
    result = run_cli("check", "--format", "json", "src")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert set(document) == {"findings", "summary"}
    findings = document["findings"]
    assert [f["rule"] for f in findings] == ["DAL001", "DAL993"]
    for finding in findings:
        for key, kind in JSON_FINDING_TYPES.items():
            assert isinstance(finding[key], kind), (key, finding)
        assert finding["applicability"] in ("safe", "unsafe", "display-only", None)
        assert finding["path"] == "src/files.ts"
        assert 1 <= finding["line"] <= finding["end_line"]
        assert finding["column"] >= 1
    sequential, unfixable = findings
    assert sequential["name"] == "sequential-awaits"
    assert sequential["applicability"] == "safe"
    assert unfixable["applicability"] is None, "a finding without a fix has applicability null"
    assert unfixable["line"] == unfixable["end_line"] == dal001.before.count("\n") + 1

    summary = document["summary"]
    assert summary["files_scanned"] == 1
    assert summary["findings"] == 2
    assert summary["by_rule"] == {"DAL001": 1, "DAL993": 1}
    assert summary["files_skipped"] == 0 and summary["skipped_reasons"] == {}
    assert all(isinstance(value, int | dict) for value in summary.values())


def test_check_sarif_shape(run_cli, example_file, dal001) -> None:
    result = run_cli("check", "--format", "sarif", example_file)
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["version"] == "2.1.0"
    assert "sarif" in document["$schema"]
    (sarif_run,) = document["runs"]
    driver = sarif_run["tool"]["driver"]
    assert driver["name"] == "dalfix"
    assert driver["version"] == dalfix.__version__
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert rule_ids == [rule.code for rule in all_rules()]
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"]
        assert rule["fullDescription"]["text"]
    (sarif_result,) = sarif_run["results"]
    assert sarif_result["ruleId"] == "DAL001"
    assert driver["rules"][sarif_result["ruleIndex"]]["id"] == "DAL001"
    assert sarif_result["level"] in ("none", "note", "warning", "error")
    assert sarif_result["message"]["text"]
    (location,) = sarif_result["locations"]
    physical = location["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "src/files.ts"
    region = physical["region"]
    line, column = position_of(dal001.before, "const [file]")
    assert (region["startLine"], region["startColumn"]) == (line, column)
    assert region["endLine"] >= region["startLine"]


def test_check_sarif_uris_are_percent_encoded(run_cli, workdir, dal001) -> None:
    path = workdir / "my dir" / "fïle.ts"
    path.parent.mkdir()
    path.write_text(dal001.before, encoding="utf-8")
    document = json.loads(run_cli("check", "--format", "sarif", ".").stdout)
    (sarif_result,) = document["runs"][0]["results"]
    uri = sarif_result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "my%20dir/f%C3%AFle.ts"
    assert unquote(uri) == "my dir/fïle.ts"


def test_check_sarif_with_nothing_found_is_still_a_document(run_cli, workdir, dal001) -> None:
    (workdir / "clean.ts").write_text(dal001.after, encoding="utf-8")
    result = run_cli("check", "--format", "sarif", "clean.ts")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["version"] == "2.1.0"
    assert document["runs"][0]["results"] == []


# ---- rule selection ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ([], {"DAL001", "DAL991"}),
        (["--select", "DAL001"], {"DAL001"}),
        (["--select", "dal001"], {"DAL001"}),
        (["--select", "DAL99"], {"DAL991"}),
        (["--select", "sequential-awaits"], {"DAL001"}),
        (["--select", "DAL001,DAL991"], {"DAL001", "DAL991"}),
        (["--select", "DAL001", "--select", "DAL991"], {"DAL001", "DAL991"}),
        (["--select", "DAL", "--ignore", "DAL00"], {"DAL991"}),
        (["--ignore", "sequential-awaits"], {"DAL991"}),
        (["--select", "ALL", "--ignore", "DAL991"], {"DAL001"}),
        (["--ignore", "DAL001,DAL991"], set()),
    ],
)
def test_select_and_ignore(options, expected, run_cli, extra_rules, workdir, dal001) -> None:
    extra_rules(VarDeclaration)
    (workdir / "mixed.ts").write_text(dal001.before + "var legacy = 1;\n", encoding="utf-8")
    result = run_cli("check", "--format", "json", *options, "mixed.ts")
    reported = {finding["rule"] for finding in json.loads(result.stdout)["findings"]}
    assert reported == expected
    assert result.exit_code == (1 if expected else 0)


def test_ignored_rule_is_not_applied(run_cli, example_file, dal001) -> None:
    result = run_cli("apply", "--ignore", "DAL001", example_file)
    assert result.exit_code == 0
    assert example_file.read_text(encoding="utf-8") == dal001.before


# ---- fix applicability ------------------------------------------------------------------------------------


def test_unsafe_fixes_are_applied_only_when_asked(run_cli, extra_rules, workdir) -> None:
    extra_rules(VarDeclaration)
    path = workdir / "legacy.ts"
    path.write_text("var legacy = 1;\n", encoding="utf-8")

    check = run_cli("check", path)
    assert check.stdout.rstrip().endswith("[unsafe]")

    safe_only = run_cli("diff", path)
    assert safe_only.exit_code == 0, "diff exits 1 only when it prints a diff (findings are check's business)"
    assert safe_only.stdout == ""
    assert summary_of(safe_only.stderr)["changed"] == 0
    assert "dalfix: 1 fix available with `--unsafe-fixes`" in safe_only.stderr.splitlines()
    assert run_cli("apply", path).exit_code == 1
    assert path.read_text(encoding="utf-8") == "var legacy = 1;\n"

    unsafe = run_cli("diff", "--unsafe-fixes", path)
    assert "-var legacy = 1;\n+let legacy = 1;\n" in unsafe.stdout
    assert run_cli("apply", "--unsafe-fixes", path).exit_code == 1
    assert path.read_text(encoding="utf-8") == "let legacy = 1;\n"


def test_display_only_fixes_are_never_applied(run_cli, extra_rules, workdir) -> None:
    extra_rules(DisplayOnlyVar)
    path = workdir / "legacy.ts"
    path.write_text("var legacy = 1;\n", encoding="utf-8")
    assert run_cli("check", path).stdout.rstrip().endswith("[display-only]")
    result = run_cli("apply", "--unsafe-fixes", path)
    assert result.exit_code == 1
    assert path.read_text(encoding="utf-8") == "var legacy = 1;\n"


@pytest.mark.parametrize(
    ("threshold", "changed"),
    [(Applicability.SAFE, False), (Applicability.UNSAFE, True), (None, False)],
)
def test_runner_gates_fixes_by_applicability(threshold, changed, tmp_path) -> None:
    path = tmp_path / "legacy.ts"
    path.write_text("var a = 1;\nfunction f() { var b = 2; }\n", encoding="utf-8")
    (result,) = run([path], RunOptions(rules=[VarDeclaration], fix_threshold=threshold)).files
    assert [f.applicability for f in result.findings] == [Applicability.UNSAFE] * 2
    assert (result.status == "changed") is changed
    expected = b"let a = 1;\nfunction f() { let b = 2; }\n" if changed else path.read_bytes()
    assert result.fixed == expected
    assert len(result.applied) == (2 if changed else 0)


def test_dal001_read_known_only_by_summary_is_an_unsafe_fix(run_cli, workdir) -> None:
    """DAL001's Fix safety: a member that is a read only through a function summary makes the fix unsafe."""
    (workdir / "package.json").write_text('{"dependencies": {"drizzle-orm": "*", "pg": "*"}}\n', encoding="utf-8")
    (workdir / "graphs.ts").write_text(
        'import { eq } from "drizzle-orm";\nimport { db } from "./db";\nimport { canvasGraphs } from "./schema";\n\n'
        "export async function findGraph(fileId: string) {\n"
        "  return db.select().from(canvasGraphs).where(eq(canvasGraphs.fileId, fileId));\n}\n",
        encoding="utf-8",
    )
    service = workdir / "service.ts"
    before = (
        'import { eq } from "drizzle-orm";\nimport { db } from "./db";\nimport { canvasFiles } from "./schema";\n'
        'import { findGraph } from "./graphs";\n\n'
        "export async function getFileWithGraph(fileId: string) {\n"
        "  const [file] = await db.select().from(canvasFiles).where(eq(canvasFiles.id, fileId));\n"
        "  const [graph] = await findGraph(fileId);\n"
        "  return { file, graph };\n}\n"
    )
    service.write_text(before, encoding="utf-8")
    findings = json.loads(run_cli("check", "--format", "json", workdir).stdout)["findings"]
    grouped = [f for f in findings if f["rule"] == "DAL001" and f["path"] == "service.ts"]
    assert [f["applicability"] for f in grouped] == ["unsafe"]
    assert run_cli("diff", workdir).stdout == ""
    run_cli("apply", workdir)
    assert service.read_text(encoding="utf-8") == before
    assert "findGraph(fileId)" in run_cli("diff", "--unsafe-fixes", workdir).stdout
    run_cli("apply", "--unsafe-fixes", workdir)
    assert "Promise.all" in service.read_text(encoding="utf-8")


# ---- rules, explain, version ------------------------------------------------------------------------------


def test_rules_lists_every_rule(run_cli, extra_rules) -> None:
    registered = extra_rules(VarDeclaration, UnfixableVar)
    result = run_cli("rules")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(registered)
    for rule, line in zip(registered, lines, strict=True):
        assert line.split()[:2] == [rule.code, rule.name]
        assert f"fix: {rule.fix_availability}" in line
    assert "DAL001" in [line.split()[0] for line in lines]


def test_rules_line_summarises_what_the_rule_flags(run_cli) -> None:
    lines = run_cli("rules").stdout.splitlines()
    for rule in all_rules():
        (line,) = [line for line in lines if line.startswith(rule.code + " ")]
        assert line.rstrip().endswith(rule.summary()) or "(preview)" in line


@pytest.mark.parametrize("spelling", ["DAL001", "dal001", "sequential-awaits"])
def test_explain_prints_the_documentation(spelling, run_cli) -> None:
    result = run_cli("explain", spelling)
    assert result.exit_code == 0
    rule = rule_by_code("DAL001")
    assert result.stdout.startswith(f"# {rule.code} {rule.name}\n")
    sections = doc_sections(rule.documentation())
    for title in DOC_SECTIONS:
        assert f"## {title}\n" in result.stdout
        assert sections[title].strip() in result.stdout
    assert code_block(sections["Example"]) in result.stdout
    assert code_block(sections["Use instead"]) in result.stdout


def test_version(run_cli) -> None:
    result = run_cli("--version")
    assert result.exit_code == 0
    assert dalfix.__version__ in result.stdout
    assert "dalfix" in result.stdout


# ---- the summary line -------------------------------------------------------------------------------------


@pytest.fixture
def mixed_tree(workdir: Path, dal001) -> Path:  # type: ignore[no-untyped-def]
    (workdir / "a.ts").write_text(dal001.before, encoding="utf-8")
    (workdir / "b.ts").write_text(dal001.before, encoding="utf-8")
    (workdir / "clean.ts").write_text(dal001.after, encoding="utf-8")
    (workdir / "schema.ts").write_text("// @generated by a tool\n" + dal001.before, encoding="utf-8")
    (workdir / "latin1.ts").write_bytes(dal001.before.replace("fileId", "fïleId").encode("latin-1"))
    return workdir


def test_the_summary_line_says_one_file_and_one_finding_in_the_singular(run_cli, workdir, dal001) -> None:
    (workdir / "files.ts").write_text(dal001.before, encoding="utf-8")
    lines = run_cli("check", "files.ts").stderr.splitlines()
    assert "dalfix: 1 file scanned, 1 with findings, 0 skipped, 1 finding" in lines
    assert "dalfix: 1 fix available with `dalfix apply`" in lines
    (workdir / "more.ts").write_text(dal001.before, encoding="utf-8")
    lines = run_cli("check", ".").stderr.splitlines()
    assert "dalfix: 2 files scanned, 2 with findings, 0 skipped, 2 findings" in lines
    assert "dalfix: 2 fixes available with `dalfix apply`" in lines
    # JSON keeps its keys and numbers whatever the count.
    report = json.loads(run_cli("check", "--format", "json", "files.ts").stdout)["summary"]
    assert (report["files_scanned"], report["findings"]) == (1, 1)


@pytest.mark.parametrize(("command", "changed", "verb"), [("check", 2, "with findings"), ("diff", 2, "would change"),
                                                           ("apply", 2, "changed")])  # fmt: skip
def test_summary_line(command, changed, verb, run_cli, mixed_tree) -> None:
    result = run_cli(command, ".")
    assert summary_of(result.stderr) == {
        "scanned": 3,
        "changed": changed,
        "verb": verb,
        "skipped": 2,
        "reasons": {"generated file": 1, "not UTF-8": 1},
        "failed": 0,
        "findings": 2,
    }
    assert "latin1.ts: skipped: not UTF-8" in result.stderr


# ---- the installed console script, as a real process ------------------------------------------------------


def run_dalfix(exe: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True, encoding="utf-8", timeout=120)


def test_subprocess_exit_codes_and_output(dalfix_exe, tmp_path, dal001) -> None:
    (tmp_path / "clean.ts").write_text(dal001.after, encoding="utf-8")
    (tmp_path / "files.ts").write_text(dal001.before, encoding="utf-8")

    clean = run_dalfix(dalfix_exe, "clean.ts", cwd=tmp_path)
    assert (clean.returncode, clean.stdout) == (0, "")
    assert summary_of(clean.stderr)["scanned"] == 1

    found = run_dalfix(dalfix_exe, "files.ts", cwd=tmp_path)
    assert found.returncode == 1
    assert found.stdout.startswith("diff --git a/files.ts b/files.ts\n")
    assert summary_of(found.stderr) == {"scanned": 1, "changed": 1, "verb": "would change", "skipped": 0,
                                        "reasons": {}, "failed": 0, "findings": 1}  # fmt: skip

    for usage_error in ([], ["check", "--format", "xml", "files.ts"], ["--select", "NOPE", "files.ts"]):
        failed = run_dalfix(dalfix_exe, *usage_error, cwd=tmp_path)
        assert failed.returncode == 2, usage_error
        assert failed.stdout == ""
        assert "Error" in failed.stderr or "error" in failed.stderr

    assert (tmp_path / "files.ts").read_text(encoding="utf-8") == dal001.before


def test_subprocess_version(dalfix_exe, tmp_path) -> None:
    result = run_dalfix(dalfix_exe, "--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip().endswith(dalfix.__version__)


def test_subprocess_output_is_utf8_whatever_the_locale(dalfix_exe, tmp_path, dal001) -> None:
    source = dal001.before.replace("fileId", "fichierÉté")
    (tmp_path / "accents.ts").write_text(source, encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "ascii", "LC_ALL": "C"}
    result = subprocess.run([str(dalfix_exe), "accents.ts"], cwd=tmp_path, capture_output=True, env=env, timeout=120)
    assert result.returncode == 1, result.stderr
    assert "+    db.select().from(canvasFiles).where(eq(canvasFiles.id, fichierÉté)),\n" in result.stdout.decode()


def test_a_check_run_without_colour_or_fixes_imports_neither_rich_nor_jinja2(tmp_path: Path) -> None:
    """Start-up: rich is for colour and the progress bar, jinja2 for rendering a fix; a JSON run to a pipe over a
    file with no finding needs neither (each cost tens of milliseconds of every run's start-up)."""
    (tmp_path / "a.ts").write_text("export const x = 1;\n", encoding="utf-8")
    probe = (
        "import sys\nfrom dalfix import cli\n"
        "try:\n    cli.main.main(['check', '--no-cache', '--format', 'json', 'a.ts'], standalone_mode=False)\n"
        "finally:\n    print(sorted(m for m in ('rich', 'jinja2') if m in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(dalfix.__file__).parent.parent), "NO_COLOR": "1"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "[]"
    assert json.loads(done.stdout)["findings"] == []
    from dalfix.console import color_diff

    assert "\x1b[" in color_diff("+added\n")  # colour still renders (rich imported when asked)
