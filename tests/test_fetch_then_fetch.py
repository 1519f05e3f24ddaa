"""DAL004 with every other rule: no pair of reads is fixed by both DAL001 and DAL004, and applying all rules
to each fetch-then-fetch fixture reaches a fixpoint with valid syntax."""

from __future__ import annotations

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
        joins = [f for f in file.findings if f.rule == "DAL004"]
        groups = [f for f in file.findings if f.rule == "DAL001"]
        for join in joins:
            for group in groups:
                # DAL004's span runs from the parent read to the child read; DAL001 grouping both of them would
                # cover that span whole.
                assert not (group.start <= join.start and join.end <= group.end), (
                    f"{case.id}: DAL001 and DAL004 both fix the same pair"
                )


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
