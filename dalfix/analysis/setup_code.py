"""Setup code — tests, seeds, migrations and scripts: files whose queries never serve the application's requests.

One classifier for every rule and for the analysis (which handles decide the application's driver, which
queries DAL010 plans indexes for). By default no rule reports findings in these files: a round trip in a test,
a seed or a one-off script costs nothing in production, a fixture is written step by step on purpose, and a
reordering in a test can change what the test observes. `include-tests = true` (or `--include-tests`) opts
back in.

A file is test or setup code when, relative to its project root:
- a directory on its path is one test runners or projects use for it: `__tests__`, `__mocks__`, `test(s)`,
  `e2e`, `testing`, `fixture(s)`, `mock(s)`, `seed(s)`, `seeders`, `migration(s)`, `migrate`, `script(s)`,
  `bench(mark)(s)`, `e2e-tests`/`integration-tests`, a test-support name (below), or `spec(s)` outside a
  source tree (`spec/users.ts`, not `src/api/spec/handlers.ts`, an API specification);
- its name is a test runner's default pattern: `*.test.ts`, `*.spec.ts` (Jest, Vitest, Playwright; also
  `*.int.test.ts`, `*.e2e.ts`), `*_test.ts` and `test.ts` (Deno), or `*.mock.ts`, `*.fixture.ts`, `*.seed.ts`,
  `*.bench.ts`;
- its name says test support: a name (or a dotted part of it) that starts with `test`/`testing`, after at most
  a suite kind or `db` (`integration-test-setup`, `db-test-utils`), followed by a support word (`test-utils`,
  `testHelpers`, `tasks.test-utils`, `test_support`, `test-db-utils`), or ending with `client`, `db`, `env`,
  `setup` or `harness` (`test-runtime-client`); `setupTests`; a test runner's setup or config (`vitest.setup.ts`);
- it is named `seed`, `seeds`, `seeding`, `migrate` or `backfill` (also `seed.data.ts`), or `*-seeds`; or its
  name starts with one of those words, or with `migration(s)` or `reset`, or ends with `seed` (`migrate-users.ts`,
  `backfill-skill-files.ts`, `migration.ts`, `reset-password.ts`) and it runs as a program or a migrator (a
  shebang, `process.argv`, `process.exit`, `import.meta.main`, `require.main === module`, a call such as
  `main();` or `seed().catch(…)` at the top level, a drizzle `…/migrator` import);
- it imports a test framework: `vitest`, `@jest/globals`, `bun:test`, `node:test`, `@playwright/test`, or
  calls `Deno.test(`.

Look-alikes that stay application code: a name that merely contains "test" (`contest.ts`, `latest.ts`,
`attestation.ts`), a feature named after tests (`test-connection-service.ts`, `test_assertion_handlers.ts`,
`ab-test.ts`, `ab-test-client.ts`, `isolated_test_db.ts`, `run_tests_utils.ts`), `seedling.tsx`,
`portal_migration.ts`, and a module that is named like a script but runs as part of the application
(`seed-phrase.ts`, `migrateWorkspace.ts`, `backfillSearch.ts`: no entry point of its own).

What a name cannot tell (dyad's `test_utils.ts` exports a flag the application reads) the project says in its
settings: `setup-code` / `not-setup-code` (gitignore-style paths, `SetupCodePaths`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from functools import cached_property, lru_cache
from pathlib import Path

import pathspec

from dalfix.analysis.reads import note as note_read

# Directory names that hold tests, fixtures, seeds, migrations and scripts.
SETUP_DIRECTORIES = {
    "__tests__": "test",
    "__mocks__": "test",
    "__fixtures__": "test",
    "test": "test",
    "tests": "test",
    "e2e": "test",
    "testing": "test",
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
# `spec/` holds Jasmine's and RSpec-style suites at a package's top, but inside a source tree it is as often an
# API specification (`src/api/spec/handlers.ts`): there the files' own names (`*.spec.ts`) decide.
SPEC_DIRECTORIES = frozenset({"spec", "specs"})
SOURCE_TREES = frozenset({"src", "app", "lib", "server", "source"})
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
# Words that may come before the test word of a test-support name (`db-test-utils`, `e2e-test-setup`); any
# other word makes the name a feature's (`ab-test-client`, `isolated_test_db`).
TEST_QUALIFIERS = SUITE_KINDS | {"db", "database"}
TEST_RUNNERS = frozenset({"vitest", "jest", "playwright"})
# What follows a test runner's name in its setup files (`vitest.setup.ts`, `jest.config.ts`); `playwright-pdf.ts`
# or `playwright-browser.ts` is an application using the library.
RUNNER_SETUP_WORDS = frozenset(
    {"setup", "config", "workspace", "global", "globals", "teardown", "fixtures", "fixture", "helpers", "utils", "env"}
)
SUPPORT_WORDS = frozenset(
    {
        "utils", "util", "helpers", "helper", "setup", "support", "fixtures", "fixture", "factory", "factories",
        "mocks", "mock", "harness", "data", "env", "client", "clients", "db", "context", "seed",
    }
)  # fmt: skip
CLIENT_WORDS = frozenset({"client", "clients", "db", "env", "setup", "harness"})
SCRIPT_PREFIXES = {"seed": "seed", "seeds": "seed", "seeding": "seed", "migrate": "migration", "backfill": "script"}
# Words that name a script only when the file also runs as a program or a migrator, even as its whole name: an
# application may have a `migration.ts` (a feature) or a `reset.ts`, but dokploy's `migration.ts` runs
# `migrate(db, …)` on a handle of its own and `reset.ts` drops the schema from a top-level call.
PROGRAM_PREFIXES = {"migration": "migration", "migrations": "migration", "reset": "script"}
SOURCE_SUFFIX = re.compile(r"\.(d\.)?[cm]?[jt]sx?$", re.I)
WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+")
TEST_FRAMEWORK = re.compile(
    rb"""(?:\bfrom|\bimport|\brequire\s*\()\s*\(?\s*["'](?:vitest|vitest/[\w/-]+|@vitest/[\w/-]+|@jest/globals|"""
    rb"""bun:test|node:test|@playwright/test)["']|\bDeno\.test\("""
)
# Every match of TEST_FRAMEWORK holds one of these: most files hold none, and `in` is faster than the search.
TEST_FRAMEWORK_WORDS = (b"vitest", b"@jest/globals", b"bun:test", b"node:test", b"@playwright/test", b"Deno.test(")
# A file that runs as a program (or runs migrations): what tells `migrate-users.ts`, a script, from
# `migrateWorkspace.ts`, a module of the application that happens to start with the same word.
RUNS_AS_PROGRAM = re.compile(
    rb"""\A#!|\bprocess\s*\.\s*(?:argv\b|exit\s*\(|exitCode\b)|\bimport\.meta\.main\b|"""
    rb"""\brequire\.main\s*===?\s*module\b|/migrator["']|"""
    rb"""^(?:await\s+|void\s+)?[A-Za-z_$][\w$]*\(\)\s*(?:;|$|\.(?:then|catch|finally)\()""",
    re.M,
)

Reader = Callable[[], bytes | None]


def setup_code_kind(relative_path: str, source: bytes | None = None, read: Reader | None = None) -> str | None:
    """The kind of test or setup code the file at `relative_path` (relative to its project root, `/`-separated)
    is — "test", "seed", "migration", "script" or "benchmark" — judged by its path and, when given, its
    source; None for application code. `read` gives the source when only the name is in doubt (a name that
    starts like a script's: is it one?) and the caller has not read the file."""
    *directories, filename = relative_path.split("/")
    kind = _directories_kind(tuple(directories))
    if kind is not None:
        return kind
    kind, needs_program = _name_kind(SOURCE_SUFFIX.sub("", filename))
    if kind is not None and needs_program:
        text = source if source is not None else read() if read is not None else None
        kind = kind if text is not None and RUNS_AS_PROGRAM.search(text) is not None else None
    if kind is not None:
        return kind
    if (
        source is not None
        and any(word in source for word in TEST_FRAMEWORK_WORDS)
        and TEST_FRAMEWORK.search(source) is not None
    ):
        return "test"
    return None


def is_setup_code(relative_path: str, source: bytes | None = None, read: Reader | None = None) -> bool:
    return setup_code_kind(relative_path, source, read) is not None


class SetupCodePaths:
    """A project's own word on what is setup code (`setup-code` / `not-setup-code` in its settings: gitignore-style
    patterns relative to the project root), over the classifier's. `not-setup-code` wins when both match: a
    finding shown is better than one hidden."""

    def __init__(self, root: Path, setup: Sequence[str] = (), not_setup: Sequence[str] = ()) -> None:
        self.root, self.setup, self.not_setup = root, tuple(setup), tuple(not_setup)
        self._kinds: dict[Path, str | None] = {}
        self._root_text = str(root)
        self._root_prefix = self._root_text.rstrip("/") + "/" if _plain_absolute(self._root_text) else None

    @cached_property
    def _setup_spec(self) -> pathspec.PathSpec | None:
        return pathspec.GitIgnoreSpec.from_lines(list(self.setup)) if self.setup else None

    @cached_property
    def _not_setup_spec(self) -> pathspec.PathSpec | None:
        return pathspec.GitIgnoreSpec.from_lines(list(self.not_setup)) if self.not_setup else None

    def kind(self, path: Path, source: bytes | None = None, fallback_root: Path | None = None) -> str | None:
        """The setup-code kind of the file at `path` (absolute); "setup" for a file only the settings name. A file
        outside the project is judged relative to `fallback_root` (its workspace), else by its whole path. Read
        from disk only when the name is in doubt; remembered per path when the source was not given."""
        if source is None and path in self._kinds:
            return self._kinds[path]
        inside, relative = self._relative(path, fallback_root)
        kind = setup_code_kind(relative, source, lambda: _read(path))
        if inside and (self._setup_spec is not None or self._not_setup_spec is not None):
            if self._not_setup_spec is not None and self._not_setup_spec.match_file(relative):
                kind = None
            elif self._setup_spec is not None and self._setup_spec.match_file(relative):
                kind = kind or "setup"
        if source is None:
            self._kinds[path] = kind
        return kind

    def _relative(self, path: Path, fallback_root: Path | None) -> tuple[bool, str]:
        """Whether `path` is inside the root, and its `/`-separated path relative to the root, else to `fallback_root`
        when inside that, else its whole path. Absolute paths as strings (`Path.relative_to` of every file the run
        lists cost more than judging its name)."""
        text = str(path)
        if _plain_absolute(text) and self._root_prefix is not None:
            if text.startswith(self._root_prefix):
                return True, text[len(self._root_prefix) :]
            fallback = str(fallback_root) if fallback_root is not None else ""
            if text != self._root_text and (not fallback or _plain_absolute(fallback) and text != fallback):
                prefix = fallback.rstrip("/") + "/"
                return False, text[len(prefix) :] if fallback and text.startswith(prefix) else text
        inside = path.is_relative_to(self.root)
        base = self.root if inside else fallback_root if fallback_root and path.is_relative_to(fallback_root) else None
        return inside, path.relative_to(base).as_posix() if base is not None else path.as_posix()


def _plain_absolute(text: str) -> bool:
    """A POSIX path (a Path's string) that one is below another exactly when its string starts with the other's and a
    "/": absolute, and not `//` (which POSIX lets mean something else, and pathlib keeps)."""
    return text.startswith("/") and not text.startswith("//") and os.sep == "/"


def _read(path: Path) -> bytes | None:
    note_read(path)
    try:
        return path.read_bytes()
    except OSError:
        return None


def _words(name: str) -> list[str]:
    """`testDbUtils` / `test-db-utils` / `test_db.utils` -> ["test", "db", "utils"]."""
    return [w.lower() for part in re.split(r"[-_.\s]+", name) for w in WORD.findall(part)]


@lru_cache(maxsize=8192)
def _directories_kind(directories: tuple[str, ...]) -> str | None:
    """The kind the first directory that says one says (a file's directories, outermost first). Remembered: the
    files of one directory ask alike, once per file when the run lists them."""
    for index, directory in enumerate(directories):
        kind = _directory_kind(directory, directories[:index])
        if kind is not None:
            return kind
    return None


def _directory_kind(directory: str, above: Sequence[str] = ()) -> str | None:
    lower = directory.lower()
    if lower in SPEC_DIRECTORIES:
        return None if any(d.lower() in SOURCE_TREES for d in above) else "test"
    kind = SETUP_DIRECTORIES.get(lower)
    if kind is not None:
        return kind
    words = _words(directory)
    if len(words) == 2 and words[0] in SUITE_KINDS and words[1] in ("test", "tests"):
        return "test"
    return "test" if _names_test_support(words) else None


@lru_cache(maxsize=16384)  # a file's name is asked about at listing, at its check and for DAL010's application files
def _name_kind(stem: str) -> tuple[str | None, bool]:
    """The kind a file's name (without its extension) says, and whether the file must also run as a program
    for it (a name that only starts like a script's)."""
    parts = stem.lower().split(".")
    for part in parts[1:]:
        if part in DOTTED_KINDS:
            return DOTTED_KINDS[part], False
    if stem.lower() == "test" or stem.lower().endswith("_test"):  # Deno: {*_,*.,}test.{ts,tsx,…}
        return "test", False
    if any(_names_test_support(_words(part)) for part in stem.split(".")):
        return "test", False
    words = _words(stem)
    if not words:
        return None, False
    if words[0] in TEST_RUNNERS and any(w in RUNNER_SETUP_WORDS for w in words[1:]):
        return "test", False
    if words[0] in SCRIPT_PREFIXES:  # `seed.ts`, `seed.data.ts` by name; `seed-phrase.ts` must run as one
        return SCRIPT_PREFIXES[words[0]], parts[0] != words[0]
    if words[0] in PROGRAM_PREFIXES:  # `migration.ts` by name and entry point (`portal_migration.ts` is not one)
        return PROGRAM_PREFIXES[words[0]], True
    if words[-1] == "seeds":
        return "seed", False
    if words[-1] == "seed":
        return "seed", True
    return None, False


def _names_test_support(words: list[str]) -> bool:
    """A name that starts with a `test`/`testing` word (after at most suite kinds or `db`: `db-test-utils`)
    followed by a support word (test-utils, testHelpers), with at most a `db` between (test-db-utils), or that
    ends with a client or setup word (test-runtime-client); `setup` before `test(s)` (setupTests)."""
    if len(words) >= 2 and words[0] == "setup" and words[1] in ("test", "tests"):
        return True
    index = next((i for i, word in enumerate(words) if word not in TEST_QUALIFIERS), len(words))
    if index == len(words) or words[index] not in TEST_WORDS:
        return False
    after = words[index + 1 : index + 3]
    if after[:1] and after[0] in SUPPORT_WORDS:
        return True
    if len(after) == 2 and after[0] in ("db", "database") and after[1] in SUPPORT_WORDS:
        return True
    return len(words) > index + 2 and words[-1] in CLIENT_WORDS
