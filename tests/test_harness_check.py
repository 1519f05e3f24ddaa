"""The equivalence test's own logic, without Node: fault plans, declared differences, pinned counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from harness_check import (
    EXPECTED,
    Declaration,
    canonical_key,
    changed_methods,
    compare,
    dump_expected,
    expected_from,
    expected_mismatches,
    fault_for_statement,
    fault_plan,
    figures_from,
    load_declarations,
    readme_figures,
    render_readme,
)

R5, R7, R10 = (f"00000006-0000-4000-8000-{n:012x}" for n in (5, 7, 10))
UPDATE = 'update "renders" set "status" = $1, "updated_at" = $2 where "renders"."id" = $3'
DATE = "2026-11-22T12:00:00.000Z"


def test_a_fault_names_the_statement_by_table_and_rarest_parameter() -> None:
    sql = [UPDATE] * 4
    params = [["failed", DATE, key] for key in (R5, R7, R5, R10)]
    # the 2nd statement: the only one with r7, so a batch carrying r7 is "the same statement"
    assert fault_for_statement(sql, params, 1) == {"startsWith": "update", "table": "renders", "param": R7, "nth": 1}
    assert fault_for_statement(sql, params, 3) == {"startsWith": "update", "table": "renders", "param": R10, "nth": 1}
    assert fault_for_statement(sql, params, 2) == {"startsWith": "update", "table": "renders", "param": R5, "nth": 2}


def test_a_fault_on_a_read_does_not_stand_for_the_insert_of_the_same_key() -> None:
    # DAL003 folds the pre-check read into the insert: "the read of slug 'moodboard'" must not match the insert
    # of 'moodboard' after the rewrite, or the fault lands on a statement of another kind.
    sql = ['select "id" from "files" where "files"."slug" = $1 limit $2', 'insert into "files" ("slug") values ($1)']
    assert fault_for_statement(sql, [["moodboard", 1], ["moodboard"]], 0) == {
        "startsWith": "select",
        "table": "files",
        "param": "moodboard",
        "nth": 1,
    }
    assert fault_for_statement(sql, [["moodboard", 1], ["moodboard"]], 1)["startsWith"] == "insert"


def test_transaction_control_is_named_by_its_word() -> None:
    sql = ["begin", 'insert into "users" ("id") values ($1)', "commit"]
    assert fault_for_statement(sql, [[], ["u1"], []], 2) == {"startsWith": "commit", "nth": 1}


def test_statements_without_parameters_count_by_table() -> None:
    sql = ['select * from "a"', 'select * from "b"', 'select * from "a"']
    assert fault_for_statement(sql, [[], [], []], 2) == {"startsWith": "select", "table": "a", "nth": 2}


def test_plan_skips_repeated_statements_and_adds_fail_all() -> None:
    run = {"cases": [{"name": "X.m", "sql": [UPDATE] * 3, "params": [["f", R5], ["f", R7], ["f", R5]]}]}
    plan = fault_plan(run, ["X.m"])
    # the 3rd statement repeats the 1st (a transient failure only), so "last" is the 2nd
    assert [(e["label"], e["position"]) for e in plan] == [("fail-1of3", 1), ("fail-2of3", 2), ("fail-all", 1)]


def _case(result: object, rows: object = None, at_start: object = None, fired: bool = True) -> dict:  # type: ignore[type-arg]
    case: dict[str, object] = {"result": result, "rows": rows, "fault": {"fired": [1] if fired else []}}
    if at_start is not None:
        case["rowsAtStart"] = at_start
    return case


ERROR = {"error": "x", "class": "DrizzleQueryError", "code": "23514"}
NOTHING = Declaration("X.m@*", "DAL002", "all-or-nothing", "q")


def test_undeclared_difference_fails_and_declared_kind_is_checked() -> None:
    before = {"X.m@f": _case(ERROR, rows=["partial"], at_start=["seed"])}
    assert compare(before, {"X.m@f": _case(ERROR, rows=["seed"], at_start=["seed"])}, [])[0]
    problems, accepted, used = compare(before, {"X.m@f": _case(ERROR, rows=["seed"], at_start=["seed"])}, [NOTHING])
    assert not problems and accepted and used == {"X.m@*"}
    # declared all-or-nothing, but the rewrite kept a write: not the declared difference
    problems, _, _ = compare(before, {"X.m@f": _case(ERROR, rows=["other"], at_start=["seed"])}, [NOTHING])
    assert problems and "not all-or-nothing" in problems[0]
    # a swallowed error is never "another injected error"
    which = Declaration("X.m@*", "DAL001", "another-injected-error", "q")
    problems, _, _ = compare({"X.m@f": _case(ERROR)}, {"X.m@f": _case([])}, [which])
    assert problems


def test_a_fault_that_never_fires_after_the_rewrite_is_a_difference() -> None:
    problems, _, _ = compare({"X.m@f": _case(ERROR)}, {"X.m@f": _case(ERROR, fired=False)}, [NOTHING])
    assert problems and "never fired" in problems[0]


def test_a_removed_statement_is_accepted_only_when_the_call_runs_as_without_the_fault() -> None:
    removed = Declaration("X.m@*", "DAL003", "removed-statement", "q")
    ok = {"result": {"id": 1}, "rows": ["r"]}
    before = {"X.m": {**ok}, "X.m@fail-1of2": _case(ERROR, rows=["seed"])}
    after = {"X.m": {**ok}, "X.m@fail-1of2": _case({"id": 1}, rows=["r"], fired=False)}
    problems, accepted, used = compare(before, after, [removed])
    assert not problems and used == {"X.m@*"}
    # the fault still fired: the statement was not removed, so the declaration does not apply
    fired = {"X.m": {**ok}, "X.m@fail-1of2": _case({"id": 1}, rows=["r"], fired=True)}
    problems, _, _ = compare(before, fired, [removed])
    assert problems and "fault fired after dalfix" in problems[0]
    # not fired, but the call did something else than the unfaulted run
    other = {"X.m": {**ok}, "X.m@fail-1of2": _case({"id": 2}, rows=["r"], fired=False)}
    problems, _, _ = compare(before, other, [removed])
    assert problems and "without a fault" in problems[0]
    # other kinds still reject a fault that never fired
    problems, _, _ = compare(before, after, [NOTHING])
    assert problems and "never fired" in problems[0]


def test_declarations_quote_fix_safety_verbatim(tmp_path: Path) -> None:
    assert load_declarations()  # the committed file is valid
    bad = tmp_path / "d.json"
    bad.write_text(json.dumps({"declared": {"X.m": {"rule": "DAL001", "allow": "result", "because": "it is fine"}}}))
    with pytest.raises(AssertionError, match="Fix safety"):
        load_declarations(bad)


def test_expected_json_round_trips_and_reports_what_moved() -> None:
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    assert json.loads(dump_expected(expected)) == expected
    before = {"A.x": {"statements": 3, "transactionControl": 2}, "B.y#longList": {"statements": 9}}
    after = {"A.x": {"statements": 3, "transactionControl": 2}, "B.y#longList": {"statements": 1}}
    got = expected_from(before, after, 4)
    assert (got["statementsBefore"], got["longListBefore"], got["transactionControl"]) == (1, 9, {"A.x": [2, 2]})
    moved = expected_mismatches({**got, "statements": {"A.x": [1, 0]}}, got)
    assert moved == ["statements[A.x]: expected [1, 0] (before, after), got [1, 1]", "statements[B.y#longList]:"
                     " expected None (before, after), got [9, 1]"]  # fmt: skip


def test_readme_figures_render_from_expected() -> None:
    text = "(1 cases, deterministic data) (9 fault variants) **1 → 1 statements** across the 1 cases, plus 1 `#longList` cases (k: 1 → 1)"  # noqa: E501
    expected = {
        "cases": 5,
        "faultVariants": 7,
        "statementsBefore": 10,
        "statementsAfter": 8,
        "longListCases": 1,
        "longListBefore": 1001,
        "longListAfter": 1,
    }
    assert readme_figures(render_readme(text, expected)) == figures_from(expected)


def test_changed_methods_maps_functions_to_case_targets(tmp_path: Path) -> None:
    for side, body in (("before", "return 1;"), ("after", "return 2;")):
        (tmp_path / side / "harness").mkdir(parents=True)
        (tmp_path / side / "src" / "dal").mkdir(parents=True)
        (tmp_path / side / "harness" / "cases.ts").write_text("import * as store from '../src/dal/store';\n")
        (tmp_path / side / "src" / "dal" / "store.ts").write_text(
            f"export async function load() {{ {body} }}\nexport async function keep() {{ return 0; }}\n"
        )
        (tmp_path / side / "src" / "dal" / "a.ts").write_text(
            f"export class ADAL {{\n  static async get() {{ {body} }}\n  static async same() {{ return 0; }}\n}}\n"
        )
    assert changed_methods(tmp_path / "before", tmp_path / "after") == ["ADAL.get", "store.load"]


def test_chunked_batches_may_keep_the_chunks_before_the_failing_one() -> None:
    chunked = Declaration("X.m@*", "DAL002", "chunked-all-or-nothing", "q")
    start, original = (
        {"t": [{"id": 1, "s": "a"}, {"id": 2, "s": "a"}]},
        {"t": [{"id": 1, "s": "b"}, {"id": 2, "s": "b"}]},
    )
    first_chunk_only = {"t": [{"id": 1, "s": "b"}, {"id": 2, "s": "a"}]}
    before = {"X.m@f": _case(ERROR, rows=original, at_start=start)}
    assert not compare(before, {"X.m@f": _case(ERROR, rows=first_chunk_only, at_start=start)}, [chunked])[0]
    invented = {"t": [{"id": 1, "s": "c"}, {"id": 2, "s": "a"}]}
    assert compare(before, {"X.m@f": _case(ERROR, rows=invented, at_start=start)}, [chunked])[0]


def test_uuid_parameters_compare_by_hex_digits() -> None:
    assert canonical_key(R7.upper()) == canonical_key("{" + R7 + "}") == canonical_key(R7.replace("-", ""))
    assert canonical_key("Worker lost") == "Worker lost"


def test_a_key_repeated_in_another_spelling_is_a_repeat() -> None:
    run = {"cases": [{"name": "X.m", "sql": [UPDATE] * 3, "params": [["f", R10.upper()], ["f", R7], ["f", R10]]}]}
    assert [e["position"] for e in fault_plan(run, ["X.m"])] == [1, 2, 1]
