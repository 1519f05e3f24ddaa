"""The proof: the example app gives the same results with no more SQL statements after `dalfix apply`.

The app is copied twice; one copy is rewritten with `dalfix apply --unsafe-fixes`, must still typecheck
with the app's pinned TypeScript, and the TS harness runs every DAL and service method on both copies
(PGlite by default, a real PostgreSQL when DATABASE_URL is set). Every method must return the same value
and leave the same rows; none may issue more statements. The per-method table is printed.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest
from example_app import copy_app, ensure_installed, run_dalfix, run_harness, typecheck

pytestmark = [pytest.mark.node, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parent.parent / "build"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    node_modules = ensure_installed()
    base = tmp_path_factory.mktemp("equivalence")
    before = copy_app(base / "before", node_modules)
    after = copy_app(base / "after", node_modules)
    fixed = run_dalfix(after, "apply", "--unsafe-fixes")
    typecheck(after)
    return {
        "before": run_harness(before, base / "before.json"),
        "after": run_harness(after, base / "after.json"),
        "dalfix_stderr": fixed.stderr,
        "changed": sorted(
            str(p.relative_to(after))
            for p in (after / "src").rglob("*.ts")
            if p.read_bytes() != (before / p.relative_to(after)).read_bytes()
        ),
    }


def _cases(run: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    cases = {case["name"]: case for case in run["cases"]}
    assert cases, "the harness recorded no cases"
    return cases


def _pretty(value: object) -> list[str]:
    return json.dumps(value, indent=1, sort_keys=True, default=str).splitlines()


def test_same_results_and_rows(runs: dict) -> None:  # type: ignore[type-arg]
    before, after = _cases(runs["before"]), _cases(runs["after"])
    assert before.keys() == after.keys()
    problems = []
    for name, old in before.items():
        new = after[name]
        for key in ("result", "rows"):
            if old.get(key) != new.get(key):
                diff = "\n".join(
                    difflib.unified_diff(
                        _pretty(old.get(key)), _pretty(new.get(key)), "before", "after", lineterm="", n=2
                    )
                )
                problems.append(f"{name}: {key} differs after dalfix:\n{diff[:3000]}")
    assert not problems, "\n\n".join(problems)


def test_no_method_issues_more_statements(runs: dict, request: pytest.FixtureRequest) -> None:  # type: ignore[type-arg]
    before, after = _cases(runs["before"]), _cases(runs["after"])

    # Data statements: BEGIN/COMMIT are counted apart, so a rewrite that adds a transaction (atomicity
    # bought with two statements) is judged on the queries it sends, and the table shows both.
    def data(case: dict) -> int:  # type: ignore[type-arg]
        return int(case["statements"]) - int(case.get("transactionControl", 0))

    lines = ["| method | statements before | after | change | BEGIN/COMMIT before → after |", "|---|---:|---:|---|---|"]
    worse = []
    for name in sorted(before):
        old, new = data(before[name]), data(after[name])
        change = "same" if old == new else f"{new - old:+d}"
        control = f"{before[name].get('transactionControl', 0)} → {after[name].get('transactionControl', 0)}"
        lines.append(f"| {name} | {old} | {new} | {change} | {control} |")
        if new > old:
            worse.append(f"{name}: {old} -> {new} statements")
    total_before = sum(data(c) for c in before.values())
    total_after = sum(data(c) for c in after.values())
    lines.append(f"| **total** | {total_before} | {total_after} | {total_after - total_before:+d} | |")
    table = "\n".join(lines)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "equivalence.md").write_text(
        f"# Equivalence on {runs['before'].get('engine')}\n\n"
        f"Files dalfix changed: {', '.join(runs['changed'])}\n\n{table}\n"
    )
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line("")
        reporter.write_line(f"statements per method, before -> after dalfix ({runs['before'].get('engine')}):")
        for line in lines:
            reporter.write_line(line)
    assert not worse, "methods issue more statements after dalfix:\n" + "\n".join(worse)


def test_dalfix_rewrote_the_app(runs: dict) -> None:  # type: ignore[type-arg]
    # The app holds the seeds' anti-patterns; if no file changed, the proof above proves nothing.
    assert runs["changed"], f"dalfix changed no file of the example app\n{runs['dalfix_stderr']}"
