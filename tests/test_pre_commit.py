"""`.pre-commit-hooks.yaml`: the `dalfix` (check) and `dalfix-fix` (apply) hooks, run as pre-commit runs them."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from dalfix.cli import main
from tests.conftest import documented_example

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parent.parent
DAL001 = documented_example("DAL001")


def hooks() -> dict[str, dict[str, object]]:
    loaded = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    return {hook["id"]: hook for hook in loaded}


def run_hook(run_cli, hook_id: str, *files: str):  # type: ignore[no-untyped-def]
    """pre-commit runs `entry` + `args` + the staged file names (pass_filenames defaults to true)."""
    hook = hooks()[hook_id]
    command = shlex.split(str(hook["entry"])) + list(hook.get("args", []))  # type: ignore[call-overload]
    assert command[0] == "dalfix"
    return run_cli(*command[1:], *files)


def test_the_two_hooks_exist_and_run_real_commands() -> None:
    found = hooks()
    assert set(found) == {"dalfix", "dalfix-fix"}
    for hook in found.values():
        assert hook["language"] == "python"
        assert set(hook["types_or"]) == {"ts", "tsx"}  # type: ignore[arg-type]
        assert hook["require_serial"] is True  # one process sees every staged file: cross-file facts hold
        assert shlex.split(str(hook["entry"]))[1] in main.commands
    assert shlex.split(str(found["dalfix"]["entry"]))[1] == "check"
    assert shlex.split(str(found["dalfix-fix"]["entry"]))[1] == "apply"


def test_check_hook_fails_on_findings_and_passes_on_clean_or_generated_files(run_cli, workdir) -> None:
    (workdir / "bad.ts").write_text(DAL001.before, encoding="utf-8")
    (workdir / "good.ts").write_text(DAL001.after, encoding="utf-8")
    (workdir / "schema.gen.ts").write_text("// @generated\nexport const x = 1;\n", encoding="utf-8")
    failing = run_hook(run_cli, "dalfix", "bad.ts", "good.ts")
    assert failing.exit_code == 1 and failing.stdout.startswith("bad.ts:9:3: DAL001 ")
    assert run_hook(run_cli, "dalfix", "good.ts").exit_code == 0
    assert run_hook(run_cli, "dalfix", "schema.gen.ts").exit_code == 0, "a generated file alone is not an error"


def test_fix_hook_writes_safe_fixes(run_cli, workdir) -> None:
    path = workdir / "bad.ts"
    path.write_text(DAL001.before, encoding="utf-8")
    result = run_hook(run_cli, "dalfix-fix", "bad.ts")
    assert result.exit_code == 1  # pre-commit fails the commit anyway because a file changed
    assert path.read_text(encoding="utf-8") == DAL001.after
    assert run_hook(run_cli, "dalfix-fix", "bad.ts").exit_code == 0


def test_readme_documents_both_hooks() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### pre-commit", 1)[1].split("\n### ", 1)[0]
    documented = yaml.safe_load(section.split("```yaml\n", 1)[1].split("```", 1)[0])
    assert [hook["id"] for hook in documented["repos"][0]["hooks"]] == ["dalfix", "dalfix-fix"]
