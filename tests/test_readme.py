"""The README's promises: exactly two set-up commands, CI runs the second, the rule table is current."""

from __future__ import annotations

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
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert run_tests in ci.splitlines(), ".ci/run must call the README's test command exactly"


def test_rule_table_matches_dalfix_rules() -> None:
    table = README.split("<!-- rules:start -->", 1)[1].split("<!-- rules:end -->", 1)[0]
    rows = [line for line in table.strip().splitlines()[2:]]
    expected = [f"| {r.code} | `{r.name}` | {r.fix_availability} | {r.summary()} |" for r in all_rules()]
    assert rows == expected, "README rule table is out of date; regenerate it from `dalfix rules`"
