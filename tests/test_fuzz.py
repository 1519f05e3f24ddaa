"""Fuzzing as a habit: generated DAL files and mutated fixtures never crash dalfix, every fix applies, the
output parses, a second run changes nothing and `diff` + `git apply` equals `apply`.

A longer run: `python bench/fuzz.py` (its last result is in bench/fuzz_results.md).
"""

from __future__ import annotations

from fuzz_harness import check_properties, generated_file, mutated_fixture
from hypothesis import HealthCheck, given, settings

SMALL = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)


@SMALL
@given(generated_file())
def test_generated_dal_files(case: tuple[str, bytes]) -> None:
    check_properties(*case)


@SMALL
@given(mutated_fixture())
def test_mutated_fixtures(case: tuple[str, bytes]) -> None:
    check_properties(*case)
