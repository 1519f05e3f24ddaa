"""Every fixture case: expected output (or unchanged), expected findings, idempotence, and valid syntax."""

from __future__ import annotations

import pytest
from fixture_harness import (
    Case,
    discover_cases,
    expectations,
    expected_created,
    expected_outputs,
    materialize,
    new_syntax_errors,
    rule_for,
    run_fix,
)

CASES = discover_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_fixture(case: Case, tmp_path) -> None:
    rule = rule_for(case.rule_dir)
    files = materialize(case, tmp_path)
    want = expected_outputs(case, files)
    originals = {name: path.read_bytes() for name, path in files.items()}

    result = run_fix([tmp_path], rule)
    assert not result.failed, [f.messages for f in result.failed]
    by_name = {f.path.relative_to(tmp_path).as_posix(): f for f in result.files if f.path.is_relative_to(tmp_path)}

    for name in files:
        got = by_name[name].fixed if name in by_name else originals[name]
        assert got.decode() == want[name].decode(), f"{name}: fixed output differs from the expected output"
        assert new_syntax_errors(originals[name], got, files[name]) <= 0, f"{name}: the fix introduced syntax errors"

    # Files the fixes create: exactly the expected ones, each parsing cleanly.
    created = {new.path.relative_to(tmp_path).as_posix(): new.data for new in result.new_files()}
    assert created == expected_created(case, files), "the files the fixes create differ from the expected ones"
    for name, data in created.items():
        assert new_syntax_errors(b"", data, tmp_path / name) <= 0, f"{name}: the created file does not parse"

    # What the rule reports, when the input declares it: `// expect: DAL001 safe` lines, in order.
    for name, source in originals.items():
        declared = expectations(source)
        if declared is None:
            continue
        found = by_name[name].findings if name in by_name else []
        reported = [f"{f.rule} {f.applicability.value if f.applicability else 'no-fix'}" for f in found]
        assert reported == declared, f"{name}: findings {reported} != declared {declared}"

    # Idempotence: the output (created files included) is a fixpoint, and a second run creates nothing.
    for name, path in files.items():
        path.write_bytes(by_name[name].fixed if name in by_name else originals[name])
    for name, data in created.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    again = run_fix([tmp_path], rule)
    changed = [f.path.name for f in again.files if f.status == "changed"]
    assert not changed, f"a second run changed {changed}: the fix does not converge"
    assert not again.new_files(), "a second run creates files again"


def test_every_rule_has_fixtures_that_change_and_that_must_not() -> None:
    from dalfix.rules import all_rules

    for rule in all_rules():
        module = rule.__module__.split(".")[-1]
        cases = [c for c in CASES if c.rule_dir == module]
        assert any(c.output for c in cases), f"{rule.code} has no fixture with an expected output"
        assert any(c.output is None for c in cases), f"{rule.code} has no look-alike fixture that must not change"
