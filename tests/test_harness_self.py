"""The example app's harness checks itself (`npm test`: harness/harness.test.ts) — part of the suite."""

from __future__ import annotations

import pytest
from example_app import APP, _run, ensure_installed

pytestmark = [pytest.mark.node, pytest.mark.slow]


def test_harness_own_tests_pass() -> None:
    ensure_installed()
    # On PGlite (the harness' default engine) whatever DATABASE_URL says; the equivalence test covers PostgreSQL.
    _run(["npm", "test", "--silent"], APP, timeout=900, env={"DATABASE_URL": None})
