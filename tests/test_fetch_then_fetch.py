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
        # A display-only DAL004 finding (a relation to declare first) leaves the pair to DAL001's fix.
        joins = [
            f
            for f in file.findings
            if f.rule == "DAL004" and f.fix is not None and f.fix.applicability != Applicability.DISPLAY_ONLY
        ]
        groups = [f for f in file.findings if f.rule == "DAL001" and f.fix is not None]
        for join in joins:
            assert join.fix is not None
            # A relational query deletes the children's reads: DAL001 groups none of them.
            for deleted in (e for e in join.fix.edits if not e.text.strip()):
                query = source[deleted.start : deleted.end].split("await ", 1)[-1].split(";", 1)[0].strip()
                for group in groups:
                    assert group.fix is not None
                    grouped = "".join("".join(edit.text.split()) for edit in group.fix.edits)
                    message = f"{case.id}: DAL001 groups a read DAL004's relational query loads"
                    assert "".join(query.split()) not in grouped, message
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
        if any("relational query" not in j.message for j in joins) and groups:
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


def _dal004_messages(case_id: str, tmp_path) -> list[str]:  # type: ignore[no-untyped-def]
    case = next(c for c in CASES if c.id == f"fetch_then_fetch/{case_id}")
    materialize(case, tmp_path)
    result = run([tmp_path], RunOptions(rules=list(all_rules()), preview=True))
    return [f.message for file in result.files for f in file.findings if f.rule == "DAL004"]


def test_relational_message_names_the_columns_json_decodes_differently(tmp_path) -> None:
    (message,) = _dal004_messages("relational_find_first_decoding_unsafe", tmp_path)
    assert "items.price (numeric)" in message and "items.listedAt (timestamp)" in message
    assert "items.stock" not in message and "items.shopId" not in message


def test_relational_display_only_names_the_relations_to_declare(tmp_path) -> None:
    (message,) = _dal004_messages("relational_missing_relation_display_only", tmp_path)
    assert "`cards: many(cards)` in relations(boards, …)" in message
    assert "one(boards, { fields: [cards.boardId], references: [boards.id] })` in relations(cards, …)" in message


def test_a_run_of_safe_fixes_keeps_dal001s_promise_all_where_the_relational_query_is_unsafe(tmp_path) -> None:
    # DAL004's relational query is always unsafe: DAL001 leaves the reads to it only when the run may take it;
    # a safe-only run (`dalfix diff --preview`) would otherwise lose the safe Promise.all and fix nothing.
    (case,) = [c for c in CASES if c.id.endswith("/relational_children_unsafe")]
    materialize(case, tmp_path)
    rules = list(all_rules())

    def dal001(threshold):  # type: ignore[no-untyped-def]
        result = run([tmp_path], RunOptions(rules=rules, fix_threshold=threshold, preview=True))
        return result, [f for file in result.files for f in file.findings if f.rule == "DAL001"]

    _, unsafe_run = dal001(Applicability.UNSAFE)
    _, report_run = dal001(None)
    assert unsafe_run == [] and report_run == [], "the relational query is the better fix when it may be taken"
    safe, safe_run = dal001(Applicability.SAFE)
    assert [f.fix.applicability for f in safe_run if f.fix is not None] == [Applicability.SAFE]
    assert "Promise.all" in safe.files[0].fixed.decode()
