"""The README's promises: exactly two set-up commands, CI runs the second, the rule table is current."""

from __future__ import annotations

import json
import re
from pathlib import Path

from dalfix.rules import all_rules

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def setup_commands() -> list[str]:
    section = README.split("## Set up", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, re.S)]


def test_readme_has_exactly_two_setup_commands_and_ci_runs_the_test_one() -> None:
    commands = setup_commands()
    assert len(commands) == 2, commands
    install_and_run, run_tests = commands
    assert "dalfix" in install_and_run and "examples/" in install_and_run
    assert "pytest" in run_tests
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert run_tests in ci, ".ci/run must call the README's test command exactly"


def test_ci_runs_the_test_command_in_a_fresh_venv_as_a_newcomer_does() -> None:
    """CI that installs into the global interpreter hides set-up failures a newcomer in a venv meets."""
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    run_tests = setup_commands()[1]
    venv = next(i for i, line in enumerate(ci) if re.fullmatch(r"python3? -m venv (\S+)", line))
    directory = ci[venv].split()[-1]
    activate = ci.index(f". {directory}/bin/activate")
    assert f"rm -rf {directory}" in ci[:venv], "the venv must be fresh on every run"
    assert venv < activate < ci.index(run_tests)


def test_rule_table_matches_dalfix_rules() -> None:
    table = README.split("<!-- rules:start -->", 1)[1].split("<!-- rules:end -->", 1)[0]
    rows = [line for line in table.strip().splitlines()[2:]]
    # A newcomer must see from the table which rules do not run by default, as `dalfix rules` shows.
    expected = [
        f"| {r.code} | `{r.name}` | {r.fix_availability} | {r.summary()}{' (preview)' if r.preview else ''} |"
        for r in all_rules()
    ]
    assert rows == expected, "README rule table is out of date; regenerate it from `dalfix rules`"


def test_readme_figures_are_the_pinned_ones() -> None:
    # The proof's numbers come from examples/drizzle-app/harness/expected.json, which the equivalence test
    # compares exactly; regenerate both with DALFIX_UPDATE_EXPECTED=1 python -m pytest tests/test_equivalence.py
    from harness_check import EXPECTED, REGENERATE, figures_from, readme_figures

    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    assert readme_figures(README) == figures_from(expected), (
        f"README's proof figures differ from {EXPECTED.name}; run `{REGENERATE}`"
    )
    for name, (before, after) in expected["statements"].items():
        for match in re.finditer(rf"`{re.escape(name)}`[^.]*? from (\d+) to (\d+) statement", README):
            assert (int(match[1]), int(match[2])) == (before, after), f"README: {match[0]!r} but {EXPECTED.name}"
