"""DAL004 with every other rule: no pair of reads is fixed by both DAL001 and DAL004, and applying all rules
to each fetch-then-fetch fixture reaches a fixpoint with valid syntax."""

from __future__ import annotations

import re

import pytest
from fixture_harness import Case, discover_cases, materialize, new_syntax_errors

from dalfix.fixes import Applicability
from dalfix.rules import all_rules
from dalfix.runner import RunOptions, run

CASES = [c for c in discover_cases() if c.rule_dir == "fetch_then_fetch"]


def _run_all(tmp_path):  # type: ignore[no-untyped-def]
    return run([tmp_path], RunOptions(rules=list(all_rules()), fix_threshold=Applicability.UNSAFE, preview=True))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_dal001_never_groups_a_pair_dal004_joins(case: Case, tmp_path) -> None:
    materialize(case, tmp_path)
    result = run([tmp_path], RunOptions(rules=list(all_rules()), preview=True))
    for file in result.files:
        source = file.original.decode()
        joins = [f for f in file.findings if f.rule == "DAL004"]
        groups = [f for f in file.findings if f.rule == "DAL001" and f.fix is not None]
        for join in joins:
            # The pair's two queries: after the first `await` of the span and after its last one.
            span = source[join.start : join.end]
            parent = span.split("await ", 1)[1].split(";", 1)[0]
            child = span.rsplit("await ", 1)[1].split(";", 1)[0]
            for group in groups:
                assert group.fix is not None
                text = "".join(edit.text for edit in group.fix.edits)
                grouped = text.split("Promise.all([", 1)[-1].split("\n])", 1)[0].split("])", 1)[0]
                assert not (parent in grouped and child in grouped), f"{case.id}: DAL001 groups the pair DAL004 joins"
        # Where the two rules' fixes overlap, the join is applied first (the greedy choice takes the fix
        # that ends first) and DAL001 groups what is left in the next round.
        if joins and groups:
            fixed = run([tmp_path], RunOptions(rules=list(all_rules()), fix_threshold=Applicability.SAFE, preview=True))
            assert re.search(r"\.(left|inner)Join\(", fixed.files[0].fixed.decode())


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_all_rules_reach_a_fixpoint(case: Case, tmp_path) -> None:
    files = materialize(case, tmp_path)
    originals = {name: path.read_bytes() for name, path in files.items()}
    for _ in range(4):
        result = _run_all(tmp_path)
        assert not result.failed, [f.messages for f in result.failed]
        changed = [f for f in result.files if f.status == "changed"]
        if not changed:
            break
        for file in changed:
            file.path.write_bytes(file.fixed)
    else:
        pytest.fail(f"{case.id}: all rules together still change the file after 4 runs")
    for name, path in files.items():
        assert new_syntax_errors(originals[name], path.read_bytes(), path) <= 0
