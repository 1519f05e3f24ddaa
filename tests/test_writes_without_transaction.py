"""DAL005 together with the other rules: no `Promise.all` ever lands inside a transaction it makes."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from fixture_harness import FIXTURES, discover_cases

from dalfix.fixes import Applicability
from dalfix.rules import select_rules
from dalfix.runner import RunOptions, run

CASES = [c for c in discover_cases() if c.rule_dir == "writes_without_transaction" and c.output is not None]


def _callbacks(source: str) -> list[str]:
    """Bodies of `.transaction(async (tx) => { … })` callbacks (brace matching; fixtures hold no braces in strings)."""
    bodies = []
    for match in re.finditer(r"\.transaction\(async \(\w+\) => \{", source):
        depth, index = 1, match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(source[index], 0)
            index += 1
        bodies.append(source[match.end() : index])
    return bodies


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_rule_together_reaches_a_fixpoint_without_promise_all_in_a_transaction(case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    if case.input.is_dir():
        shutil.copytree(case.input, tmp_path / "case")
    else:
        (tmp_path / "case").mkdir()
        shutil.copyfile(case.input, tmp_path / "case" / "input.ts")
    rules = select_rules(["DAL"], [], preview=True)
    options = RunOptions(rules=rules, fix_threshold=Applicability.UNSAFE)
    first = run([tmp_path / "case"], options)
    assert not first.failed
    for result in first.files:
        result.path.write_bytes(result.fixed)
        for body in _callbacks(result.fixed.decode()):
            assert "Promise.all" not in body, f"{case.name}: Promise.all inside a transaction:\n{body}"
    again = run([tmp_path / "case"], options)
    assert [f.path.name for f in again.files if f.status == "changed"] == []
    if case.name == "reads_between_writes":
        assert _callbacks(first.files[0].fixed.decode()), "DAL005 made no transaction"


def test_dal001_first_then_dal005_keeps_promise_all_out_of_the_transaction(tmp_path: Path) -> None:
    """Reads grouped by an earlier DAL001 run are not moved into a transaction: DAL005 then reports only."""
    source = tmp_path / "input.ts"
    shutil.copyfile(FIXTURES / "writes_without_transaction" / "reads_between_writes.input.ts", source)
    grouped = run([source], RunOptions(rules=select_rules(["DAL001"]), fix_threshold=Applicability.UNSAFE))
    source.write_bytes(grouped.files[0].fixed)
    assert "Promise.all" in source.read_text()
    later = run([source], RunOptions(rules=select_rules(["DAL005"], [], True), fix_threshold=Applicability.UNSAFE))
    (finding,) = later.files[0].findings
    assert finding.applicability is Applicability.DISPLAY_ONLY
    assert "Promise.all" in finding.message


def _dal005_messages(case: str) -> list[str]:
    result = run(
        [FIXTURES / "writes_without_transaction" / case],
        RunOptions(rules=select_rules(["DAL005"]), fix_threshold=Applicability.UNSAFE),
    )
    return [f.message for r in result.files for f in r.findings]


def test_the_projects_own_transaction_helper_is_named_where_no_fix_is_made() -> None:
    """A function the project hands the handle and per-driver callbacks that open `.transaction(` on it (homarr's
    `handleTransactionsAsync`) is named, with its call site and definition, when the driver leaves no fix."""
    (message,) = _dal005_messages("project_transaction_helper.input")
    assert "may run on better-sqlite3 or node-postgres" in message
    assert (
        "The project opens its transactions per kind of driver through `runPerDriver(db, { onAsync, onSync })` (as "
        "at folders.ts:7, defined at transactions.ts:4): it hands the handle to one callback per kind of driver, and "
        "each callback opens the transaction itself"
    ) in message
    assert "hands each driver's transaction" not in message  # the helper opens none: its callbacks do


def test_a_helper_whose_callbacks_open_no_transaction_on_their_handle_is_not_named() -> None:
    (message,) = _dal005_messages("project_transaction_helper_lookalikes.input")
    assert "no automatic fix" in message
    assert "The project opens its transactions" not in message
