"""Setup code — tests, seeds, migrations and scripts: files whose queries never serve the application's requests.

One classifier for every rule and for the analysis (which handles decide the application's driver, which
queries DAL010 plans indexes for). By default no rule reports findings in these files: a round trip in a test,
a seed or a one-off script costs nothing in production, a fixture is written step by step on purpose, and a
reordering in a test can change what the test observes. `include-tests = true` (or `--include-tests`) opts
back in.

A file is test or setup code when, relative to its project root:
- a directory on its path is one test runners or projects use for it: `__tests__`, `__mocks__`, `test(s)`,
  `e2e`, `testing`, `spec`, `fixture(s)`, `mock(s)`, `seed(s)`, `seeders`, `migration(s)`, `migrate`,
  `script(s)`, `bench(mark)(s)`, `e2e-tests`/`integration-tests`, or a test-support name (below);
- its name is a test runner's default pattern: `*.test.ts`, `*.spec.ts` (Jest, Vitest, Playwright; also
  `*.int.test.ts`, `*.e2e.ts`), `*_test.ts` and `test.ts` (Deno), or `*.mock.ts`, `*.fixture.ts`, `*.seed.ts`,
  `*.bench.ts`;
- its name says test support: a `test`/`testing` word next to a support word (`test-utils`, `testHelpers`,
  `tasks.test-utils`, `setupTests`, `test_support`), `test-db-utils`, or a name that starts with `test` and
  ends with `client`, `db`, `env`, `setup` or `harness` (`test-runtime-client`); `vitest.setup.ts`, `jest.setup.ts`;
- its name starts with `seed`, `migrate` or `backfill` (`seed.ts`, `migrate-users.ts`,
  `backfill-skill-files.ts`), or ends with `seed(s)`;
- it imports a test framework: `vitest`, `@jest/globals`, `bun:test`, `node:test`, `@playwright/test`, or
  calls `Deno.test(`.

Look-alikes that stay application code: a name that merely contains "test" (`contest.ts`, `latest.ts`,
`attestation.ts`), a feature named after tests (`test-connection-service.ts`, `test_assertion_handlers.ts`,
`ab-test.ts`, `run_tests_utils.ts`), `seedling.tsx`, `portal_migration.ts`.
"""

from __future__ import annotations

import re

# Directory names that hold tests, fixtures, seeds, migrations and scripts.
SETUP_DIRECTORIES = {
    "__tests__": "test",
    "__mocks__": "test",
    "__fixtures__": "test",
    "test": "test",
    "tests": "test",
    "e2e": "test",
    "testing": "test",
    "spec": "test",
    "specs": "test",
    "fixture": "test",
    "fixtures": "test",
    "mock": "test",
    "mocks": "test",
    "seed": "seed",
    "seeds": "seed",
    "seeders": "seed",
    "migration": "migration",
    "migrations": "migration",
    "migrate": "migration",
    "script": "script",
    "scripts": "script",
    "bench": "benchmark",
    "benchmark": "benchmark",
    "benchmarks": "benchmark",
}
# `<kind>-tests/`: a test suite's folder named by its kind.
SUITE_KINDS = frozenset({"e2e", "integration", "int", "unit", "functional", "acceptance", "smoke", "api", "load"})
# Dotted name parts of test runners' default patterns and of fixture conventions (`users.test.ts`).
DOTTED_KINDS = {
    "test": "test",
    "spec": "test",
    "e2e": "test",
    "mock": "test",
    "mocks": "test",
    "fixture": "test",
    "fixtures": "test",
    "bench": "benchmark",
    "seed": "seed",
}
TEST_WORDS = frozenset({"test", "testing"})
TEST_RUNNERS = frozenset({"vitest", "jest", "playwright"})
SUPPORT_WORDS = frozenset(
    {
        "utils", "util", "helpers", "helper", "setup", "support", "fixtures", "fixture", "factory", "factories",
        "mocks", "mock", "harness", "data", "env", "client", "clients", "db", "context", "seed",
    }
)  # fmt: skip
CLIENT_WORDS = frozenset({"client", "clients", "db", "env", "setup", "harness"})
SCRIPT_PREFIXES = {"seed": "seed", "seeds": "seed", "seeding": "seed", "migrate": "migration", "backfill": "script"}
SOURCE_SUFFIX = re.compile(r"\.(d\.)?[cm]?[jt]sx?$", re.I)
WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+")
TEST_FRAMEWORK = re.compile(
    rb"""(?:\bfrom|\bimport|\brequire\s*\()\s*\(?\s*["'](?:vitest|vitest/[\w/-]+|@vitest/[\w/-]+|@jest/globals|"""
    rb"""bun:test|node:test|@playwright/test)["']|\bDeno\.test\("""
)


def setup_code_kind(relative_path: str, source: bytes | None = None) -> str | None:
    """The kind of test or setup code the file at `relative_path` (relative to its project root, `/`-separated)
    is — "test", "seed", "migration", "script" or "benchmark" — judged by its path and, when given, its
    source; None for application code."""
    *directories, filename = relative_path.split("/")
    for directory in directories:
        kind = _directory_kind(directory)
        if kind is not None:
            return kind
    kind = _name_kind(SOURCE_SUFFIX.sub("", filename))
    if kind is not None:
        return kind
    if source is not None and TEST_FRAMEWORK.search(source) is not None:
        return "test"
    return None


def is_setup_code(relative_path: str, source: bytes | None = None) -> bool:
    return setup_code_kind(relative_path, source) is not None


def _words(name: str) -> list[str]:
    """`testDbUtils` / `test-db-utils` / `test_db.utils` -> ["test", "db", "utils"]."""
    return [w.lower() for part in re.split(r"[-_.\s]+", name) for w in WORD.findall(part)]


def _directory_kind(directory: str) -> str | None:
    kind = SETUP_DIRECTORIES.get(directory.lower())
    if kind is not None:
        return kind
    words = _words(directory)
    if len(words) == 2 and words[0] in SUITE_KINDS and words[1] in ("test", "tests"):
        return "test"
    return "test" if _names_test_support(words) else None


def _name_kind(stem: str) -> str | None:
    parts = stem.lower().split(".")
    for part in parts[1:]:
        if part in DOTTED_KINDS:
            return DOTTED_KINDS[part]
    if stem.lower() == "test" or stem.lower().endswith("_test"):  # Deno: {*_,*.,}test.{ts,tsx,…}
        return "test"
    words = _words(stem)
    if not words:
        return None
    if _names_test_support(words) or words[0] in TEST_RUNNERS:
        return "test"
    if words[0] in SCRIPT_PREFIXES:
        return SCRIPT_PREFIXES[words[0]]
    if words[-1] in ("seed", "seeds"):
        return "seed"
    return None


def _names_test_support(words: list[str]) -> bool:
    """A `test`/`testing` word followed by a support word (test-utils, testHelpers), with at most a `db`
    between (test-db-utils); a name that starts with the test word and ends with a client or setup word
    (test-runtime-client); `setup` before `test(s)` (setupTests)."""
    for index, word in enumerate(words):
        if word in ("test", "tests") and index > 0 and words[index - 1] == "setup":
            return True
        if word not in TEST_WORDS:
            continue
        after = words[index + 1 : index + 3]
        if after[:1] and after[0] in SUPPORT_WORDS:
            return True
        if len(after) == 2 and after[0] in ("db", "database") and after[1] in SUPPORT_WORDS:
            return True
        if index == 0 and len(words) > 2 and words[-1] in CLIENT_WORDS:
            return True
    return False
