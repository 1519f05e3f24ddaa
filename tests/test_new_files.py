"""Fixes that create a file (`Fix.creates`): the fixpoint, conflicts, diffs, apply, reports, cache and bot."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from dalfix.bot.hunks import DiffMap
from dalfix.bot.review_plan import FileFinding, Placement, plan_review
from dalfix.cache import decode_finding, encode_finding
from dalfix.cli import _apply
from dalfix.context import FileContext
from dalfix.diffs import new_file_diff, unified_diff
from dalfix.fixes import Applicability, Edit, Finding, NewFile
from dalfix.report import json_report
from dalfix.rules import Rule
from dalfix.runner import RunOptions, RunResult, run
from dalfix.sarif import sarif_document
from dalfix.writer import WriteRefused, create_new_file


class _NeedsHelper(Rule):
    """Test rule: `const helperWanted = "v";` becomes `const helperWanted = helper;`, importing `helper` from
    `./shared/helper` and creating that module as `export const helper = "v";` (the file's string decides the
    created text, so that two files can ask for the same path with the same or another text)."""

    code = "DAL901"
    name = "test-needs-helper"
    message = "test"
    fix_title = "use the shared helper"
    fix_availability = "always"
    module = "shared/helper.ts"
    template = 'export const helper = "{}";\n'

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        for node in ctx.parsed.root.named_children:
            text = ctx.text(node)
            if node.type == "lexical_declaration" and text.startswith('const helperWanted = "'):
                value = text.split('"')[1]
                value_node = node.named_children[0].child_by_field_name("value")
                assert value_node is not None
                new = NewFile(ctx.parsed.path.parent / self.module, self.template.format(value))
                yield ctx.finding(
                    self,
                    node,
                    edits=[Edit(value_node.start_byte, value_node.end_byte, "helper")],
                    applicability=Applicability.SAFE,
                    imports=frozenset({("./shared/helper", "helper")}),
                    creates=(new,),
                )


def _run(*paths: Path, rule: type[Rule] = _NeedsHelper, **options: object) -> RunResult:
    return run(list(paths), RunOptions(rules=[rule], fix_threshold=Applicability.SAFE, **options))  # type: ignore[arg-type]


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    return tmp_path


def test_a_fix_creates_its_module_and_imports_it(repo: Path) -> None:
    a = _write(repo / "a.ts", 'const helperWanted = "one";\n')
    result = _run(a)
    (file,) = result.files
    assert file.fixed == b"import { helper } from './shared/helper';\nconst helperWanted = helper;\n"
    assert result.new_files() == [NewFile(repo / "shared/helper.ts", 'export const helper = "one";\n')]
    assert not (repo / "shared").exists()  # a run decides; only apply writes


def test_two_files_creating_one_module_with_one_text_share_it(repo: Path) -> None:
    a = _write(repo / "a.ts", 'const helperWanted = "same";\n')
    b = _write(repo / "b.ts", 'const x = 1;\nconst helperWanted = "same";\n')
    result = _run(a, b)
    assert [f.status for f in result.files] == ["changed", "changed"]
    assert len(result.new_files()) == 1


def test_two_files_creating_one_module_with_other_texts_keep_the_first(repo: Path) -> None:
    a = _write(repo / "a.ts", 'const helperWanted = "first";\n')
    b = _write(repo / "b.ts", 'const helperWanted = "second";\n')
    for first, second, text in ((a, b, "first"), (b, a, "second")):  # files are fixed in the order given
        result = _run(first, second)
        by_path = {f.path: f for f in result.files}
        assert by_path[first].status == "changed" and by_path[second].status == "unchanged"
        assert any(m.endswith(f"/{first.name}) with other content") for m in by_path[second].messages)
        assert [n.text for n in result.new_files()] == [f'export const helper = "{text}";\n']
    result = _run(repo)  # a directory: its files in sorted order
    assert [n.text for n in result.new_files()] == ['export const helper = "first";\n']


def test_an_existing_file_with_the_same_text_is_reused(repo: Path) -> None:
    _write(repo / "shared/helper.ts", 'export const helper = "one";\n')
    a = _write(repo / "a.ts", 'const helperWanted = "one";\n')
    result = _run(a)
    assert result.files[0].status == "changed"
    assert result.new_files() == []


def test_an_existing_file_with_other_text_refuses_the_fix(repo: Path) -> None:
    _write(repo / "shared/helper.ts", "export const helper = 0;\n")
    a = _write(repo / "a.ts", 'const helperWanted = "one";\n')
    (file,) = _run(a).files
    assert file.status == "unchanged"
    assert any("shared/helper.ts exists with other content; dalfix never overwrites" in m for m in file.messages)


def test_a_created_file_outside_the_repository_is_refused(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    a = _write(repo / "a.ts", 'const helperWanted = "one";\n')
    rule = type("Rule", (_NeedsHelper,), {"module": "../outside/helper.ts"})
    (file,) = _run(a, rule=rule).files
    assert file.status == "unchanged"
    assert any("outside the repository" in m for m in file.messages)


def test_a_created_file_that_would_not_parse_is_refused(repo: Path) -> None:
    a = _write(repo / "a.ts", 'const helperWanted = "one";\n')
    rule = type("Rule", (_NeedsHelper,), {"template": "export const helper = ({};\n"})
    (file,) = _run(a, rule=rule).files
    assert file.status == "unchanged"
    assert any("would not parse" in m for m in file.messages)


def test_no_file_is_created_for_standard_input(repo: Path) -> None:
    a = repo / "a.ts"
    result = _run(a, stdin=b'const helperWanted = "one";\n')
    assert result.files[0].status == "unchanged"
    assert any("standard input" in m for m in result.files[0].messages)


def test_the_patch_creates_the_file_with_git_apply_and_patch(
    repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    a = _write(repo / "src/a.ts", 'const helperWanted = "one";\n')
    result = _run(a)
    (file,) = result.files
    (new,) = result.new_files()
    patch = unified_diff(file.original, file.fixed, "src/a.ts") + new_file_diff(new.data, "src/shared/helper.ts")
    assert "new file mode 100644\n--- /dev/null\n+++ b/src/shared/helper.ts\n@@ -0,0 +1 @@\n" in patch
    for tool in ("git", "patch"):
        if shutil.which(tool) is None:
            continue
        target = tmp_path_factory.mktemp(tool)
        _write(target / "src/a.ts", 'const helperWanted = "one";\n')
        command = ["git", "apply", "-"] if tool == "git" else ["patch", "-p1", "--batch"]
        if tool == "git":
            subprocess.run(["git", "init", "-q"], cwd=target, check=True)
        subprocess.run(command, cwd=target, input=patch.encode(), check=True, capture_output=True)
        assert (target / "src/a.ts").read_bytes() == file.fixed
        assert (target / "src/shared/helper.ts").read_bytes() == new.data


def test_apply_creates_the_file_then_a_second_run_creates_nothing(repo: Path) -> None:
    a = _write(repo / "a.ts", 'const helperWanted = "one";\n')
    result = _run(a)
    assert _apply(result, (repo,))
    assert (repo / "shared/helper.ts").read_text() == 'export const helper = "one";\n'
    assert a.read_text().startswith("import { helper } from './shared/helper';")
    again = _run(a)
    assert [f.status for f in again.files] == ["unchanged"] and again.new_files() == []


def test_apply_refuses_the_importer_when_its_module_appeared_meanwhile(repo: Path) -> None:
    a = _write(repo / "a.ts", 'const helperWanted = "one";\n')
    result = _run(a)
    _write(repo / "shared/helper.ts", "// someone else's\n")  # between the run and the write
    assert not _apply(result, (repo,))
    assert (repo / "shared/helper.ts").read_text() == "// someone else's\n"
    assert a.read_text() == 'const helperWanted = "one";\n'  # never written without its import target
    assert result.files[0].status == "failed" and "was not created" in (result.files[0].reason or "")


def test_create_new_file_never_overwrites(repo: Path) -> None:
    target = repo / "d/e/new.ts"
    assert create_new_file(target, b"x\n", [repo]) is True
    assert create_new_file(target, b"x\n", [repo]) is False  # the same text: nothing to do
    with pytest.raises(WriteRefused, match="exists with other content"):
        create_new_file(target, b"y\n", [repo])
    with pytest.raises(WriteRefused, match="outside the paths given"):
        create_new_file(repo.parent / "elsewhere.ts", b"x\n", [repo])
    assert target.read_bytes() == b"x\n"
    assert not [p for p in target.parent.iterdir() if p.name.endswith(".dalfix")]  # no temporary file left


def test_reports_carry_the_created_file(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    a = _write(repo / "a.ts", 'const helperWanted = "one";\n')
    result = _run(a)
    (record,) = json.loads(json_report(result))["findings"]
    assert record["creates"] == [{"path": "shared/helper.ts", "content": 'export const helper = "one";\n'}]
    document = sarif_document(result, "https://x/{code}", [_NeedsHelper])
    changes = document["runs"][0]["results"][0]["fixes"][0]["artifactChanges"]  # type: ignore[index]
    assert [c["artifactLocation"]["uri"] for c in changes] == ["a.ts", "shared/helper.ts"]
    assert changes[1]["properties"] == {"newFile": True}
    assert changes[1]["replacements"][0]["insertedContent"]["text"] == 'export const helper = "one";\n'


def test_the_cache_round_trips_created_files(repo: Path) -> None:
    a = _write(repo / "a.ts", 'const helperWanted = "one";\n')
    (finding,) = _run(a).files[0].applied
    assert decode_finding(json.loads(json.dumps(encode_finding(finding)))) == finding
    cold = _run(a, use_cache=True)
    warm = _run(a, use_cache=True)
    assert warm.new_files() == cold.new_files() and len(warm.new_files()) == 1
    assert warm.files[0].fixed == cold.files[0].fixed


def test_the_bot_does_not_suggest_a_fix_that_creates_a_file(repo: Path) -> None:
    a = _write(repo / "a.ts", 'const helperWanted = "one";\n')
    (file,) = _run(a).files
    (finding,) = file.findings
    item = FileFinding("a.ts", a, file.original, finding)
    plan = plan_review([item], DiffMap({"a.ts": [range(1, 3)]}), set(), Placement(Applicability.SAFE, "u/{code}"))
    (comment,) = plan.to_post
    assert not comment.suggested and "```suggestion" not in comment.body
    assert "also creates `shared/helper.ts`, which a suggestion cannot do" in comment.body
    assert "```diff" in comment.body


FIXTURE = Path(__file__).parent / "fixtures/check_then_insert/catch_module_relative.input"
OUTPUT = FIXTURE.with_name("catch_module_relative.output")


def test_dal003_diff_and_apply_create_one_module_for_the_project(
    tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    project = tmp_path / "app"
    shutil.copytree(FIXTURE, project)
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    monkeypatch.chdir(project)
    flags = ("--no-cache", "--preview", "--select", "DAL003", "--unsafe-fixes")
    diff = run_cli("diff", *flags, ".")
    assert diff.stdout.count("new file mode 100644") == 1  # two importing files, one module
    assert "+++ b/src/db/is-unique-violation.ts" in diff.stdout
    checked = tmp_path / "patched"
    shutil.copytree(FIXTURE, checked)
    subprocess.run(["git", "apply", "-"], cwd=checked, input=diff.stdout.encode(), check=True)
    applied = run_cli("apply", *flags, ".")
    assert "created src/db/is-unique-violation.ts" in applied.stderr
    for path in OUTPUT.rglob("*"):
        if path.is_file():
            name = path.relative_to(OUTPUT)
            assert (project / name).read_bytes() == path.read_bytes() == (checked / name).read_bytes(), name
    again = run_cli("diff", *flags, ".")
    assert again.exit_code == 0 and again.stdout == ""  # a second run changes and creates nothing


@pytest.mark.node
def test_the_created_module_and_its_nodenext_import_typecheck(tmp_path: Path) -> None:
    """The `.js`-extension case as TypeScript sees it: the created module and the import of it compile under
    NodeNext (without the extension, tsc rejects the import: TS2835)."""
    from example_app import _run, ensure_installed

    case = Path(__file__).parent / "fixtures/check_then_insert/catch_module_js_extension"
    shutil.copytree(case.with_name(case.name + ".input"), tmp_path, dirs_exist_ok=True)
    shutil.copytree(case.with_name(case.name + ".output"), tmp_path, dirs_exist_ok=True)
    (tmp_path / "node_modules").symlink_to(ensure_installed(), target_is_directory=True)
    options = {"module": "NodeNext", "moduleResolution": "NodeNext", "strict": True, "noEmit": True}
    config = {"compilerOptions": {**options, "types": ["node"], "skipLibCheck": True}, "include": ["src"]}
    (tmp_path / "tsconfig.json").write_text(json.dumps(config))
    _run([str(tmp_path / "node_modules" / ".bin" / "tsc"), "-p", str(tmp_path)], tmp_path)
