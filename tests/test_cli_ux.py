"""The command line as a ruff or ESLint user works it: stdin, colour, progress, exit codes and summaries."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

import dalfix.cli
import dalfix.console
from dalfix.console import ProgressReporter, use_color
from tests.conftest import documented_example

DAL001 = documented_example("DAL001")
DAL002 = documented_example("DAL002")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def example(workdir: Path) -> Path:
    path = workdir / "src" / "files.ts"
    path.parent.mkdir()
    path.write_text(DAL001.before, encoding="utf-8")
    return path


# ---- stdin ---------------------------------------------------------------------------------------------------


def test_check_reads_stdin_and_names_the_stdin_filename(run_cli, workdir) -> None:
    result = CliRunner_invoke(run_cli, ["check", "-", "--stdin-filename", "src/files.ts"], DAL001.before)
    assert result.exit_code == 1
    assert re.fullmatch(r"src/files\.ts:9:3: DAL001 .+ \[safe\]\n", result.stdout)
    assert not (workdir / "src").exists(), "nothing is written for stdin"


def test_diff_of_stdin_is_a_patch_for_the_named_file(run_cli, workdir) -> None:
    result = CliRunner_invoke(run_cli, ["diff", "-", "--stdin-filename", "lib/files.ts"], DAL001.before)
    assert result.exit_code == 1
    assert result.stdout.startswith("diff --git a/lib/files.ts b/lib/files.ts\n")
    assert "+  const [[file], [graph]] = await Promise.all([" in result.stdout


def test_apply_of_stdin_prints_the_fixed_source_and_writes_nothing(run_cli, workdir) -> None:
    (workdir / "files.ts").write_text("// the file on disk is not read\n", encoding="utf-8")
    result = CliRunner_invoke(run_cli, ["apply", "-", "--stdin-filename", "files.ts"], DAL001.before)
    assert result.stdout == DAL001.after
    assert (workdir / "files.ts").read_text(encoding="utf-8") == "// the file on disk is not read\n"
    clean = CliRunner_invoke(run_cli, ["apply", "-", "--stdin-filename", "files.ts"], DAL001.after)
    assert (clean.exit_code, clean.stdout) == (0, DAL001.after)


def test_stdin_takes_project_facts_from_the_filename_location(run_cli, workdir) -> None:
    """A dalfix.toml next to the stdin filename applies (here: it ignores DAL001)."""
    (workdir / "app").mkdir()
    (workdir / "app" / "dalfix.toml").write_text('ignore = ["DAL001"]\n', encoding="utf-8")
    inside = CliRunner_invoke(run_cli, ["check", "-", "--stdin-filename", "app/files.ts"], DAL001.before)
    assert (inside.exit_code, inside.stdout) == (0, "")
    outside = CliRunner_invoke(run_cli, ["check", "-", "--stdin-filename", "other/files.ts"], DAL001.before)
    assert outside.exit_code == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "-", "more.ts"], "`-` (stdin) must be the only path"),
        (["check", "-", "--stdin-filename", "notes.md"], "not a TypeScript file name"),
    ],
)
def test_stdin_usage_errors(args, message, run_cli, workdir) -> None:
    result = CliRunner_invoke(run_cli, args, DAL001.before)
    assert result.exit_code == 2 and message in result.stderr


def CliRunner_invoke(run_cli, args: list[str], stdin: str):  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from dalfix.cli import main

    return CliRunner().invoke(main, args, input=stdin.encode("utf-8"), catch_exceptions=False)


# ---- colour -------------------------------------------------------------------------------------------------


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("choice", "env", "tty", "expected"),
    [
        ("auto", {}, True, True),
        ("auto", {}, False, False),
        ("auto", {"NO_COLOR": "1"}, True, False),
        ("auto", {"NO_COLOR": ""}, True, True),  # empty NO_COLOR does not count (no-color.org)
        ("auto", {"FORCE_COLOR": "1"}, False, True),
        ("auto", {"NO_COLOR": "1", "FORCE_COLOR": "1"}, True, False),
        ("always", {"NO_COLOR": "1"}, False, True),
        ("never", {"FORCE_COLOR": "1"}, True, False),
    ],
)
def test_color_choice(choice, env, tty, expected, monkeypatch) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert use_color(choice, Tty() if tty else io.StringIO()) is expected


def test_colored_output_has_the_same_text_and_piped_output_has_no_escapes(run_cli, example, monkeypatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    for command in ("check", "diff"):
        plain = run_cli(command, "src")
        assert "\x1b[" not in plain.stdout
        colored = run_cli(command, "--color", "always", "src")
        assert "\x1b[" in colored.stdout
        assert ANSI.sub("", colored.stdout) == plain.stdout
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in run_cli("diff", "src").stdout
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in run_cli("diff", "src").stdout


def test_color_never_reaches_an_output_file(run_cli, example) -> None:
    result = run_cli("diff", "--color", "always", "--output-file", "out.patch", "src")
    assert result.stdout == ""
    assert "\x1b[" not in Path("out.patch").read_text(encoding="utf-8")


# ---- progress -----------------------------------------------------------------------------------------------


def test_progress_appears_only_on_a_terminal_after_the_delay() -> None:
    tty = Tty()
    quick = ProgressReporter(tty, enabled=True, delay=3600)
    quick(1, 10)
    assert not quick.shown and tty.getvalue() == ""

    slow = ProgressReporter(tty, enabled=True, delay=0)
    slow(1, None)
    slow(5, 10)
    assert slow.shown
    slow.stop()

    piped = io.StringIO()
    with dalfix.console.progress_on(piped, enabled=True, delay=0) as reporter:
        reporter(5, 10)
        assert not reporter.shown
    assert piped.getvalue() == ""


def test_the_runner_reports_progress_per_file(run_cli, workdir, monkeypatch) -> None:
    for i in range(3):
        (workdir / f"f{i}.ts").write_text(DAL001.before, encoding="utf-8")
    calls: list[tuple[int, int | None]] = []

    @contextmanager
    def recording(stream, enabled, delay=1.0):  # type: ignore[no-untyped-def]
        yield lambda done, total: calls.append((done, total))

    monkeypatch.setattr(dalfix.cli, "progress_on", recording)
    run_cli("check", ".")
    assert (3, 3) in calls and calls[-1] == (3, 3)
    assert any(total is None for _, total in calls)


# ---- exit codes and summaries ---------------------------------------------------------------------------------


def test_exit_zero_quiet_and_output_file(run_cli, example) -> None:
    result = run_cli("check", "--exit-zero", "--quiet", "--output-file", "report.txt", "src")
    assert result.exit_code == 0
    assert result.stdout == "" and result.stderr == ""
    assert Path("report.txt").read_text(encoding="utf-8").startswith("src/files.ts:9:3: DAL001 ")
    assert run_cli("check", "--exit-zero", "src/nope.ts").exit_code == 2, "errors still exit 2"


def test_statistics_counts_per_rule_and_applicability(run_cli, workdir) -> None:
    (workdir / "a.ts").write_text(DAL001.before, encoding="utf-8")
    (workdir / "b.ts").write_text(DAL001.before, encoding="utf-8")
    (workdir / "c.ts").write_text(DAL002.before, encoding="utf-8")
    result = run_cli("check", "--statistics", ".")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == ["2\tDAL001\t[safe]\tsequential-awaits", "1\tDAL002\t[safe]\tquery-in-loop"]


def test_show_fixes(run_cli, example) -> None:
    check = run_cli("check", "--show-fixes", "src")
    assert check.stdout.splitlines()[1].startswith("  fix (safe): ")
    applied = run_cli("apply", "--show-fixes", "src")
    lines = applied.stderr.splitlines()
    start = lines.index("dalfix: fixed 1 finding:")
    assert lines[start + 1 : start + 3] == [
        "- src/files.ts:",
        f"    1 × DAL001 (sequential-awaits): {check.stdout.splitlines()[1].split(': ', 1)[1]}",
    ]


def test_hint_names_the_fixes_left_and_the_flag(run_cli, example) -> None:
    check = run_cli("check", "src")
    assert "dalfix: 1 fix available with `dalfix apply`" in check.stderr.splitlines()
    assert " available with " not in run_cli("check", "--quiet", "src").stderr


def test_diff_exits_0_when_it_prints_no_diff(run_cli, workdir) -> None:
    (workdir / "done.ts").write_text(DAL001.after, encoding="utf-8")
    result = run_cli("diff", "done.ts")
    assert (result.exit_code, result.stdout) == (0, "")


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"bad.ts": b"\xff\xfe not utf-8"}, 2),
        ({"notes.md": b"# notes"}, 2),
        ({"gen.ts": b"// @generated\nexport const x = 1;\n"}, 0),  # a deliberate skip is not a problem
        ({"bad.ts": b"\xff\xfe not utf-8", "ok.ts": b"export const x = 1;\n"}, 0),
    ],
)
def test_a_run_that_checked_nothing_says_so_and_exits_2(files, expected, run_cli, workdir) -> None:
    for name, data in files.items():
        (workdir / name).write_bytes(data)
    result = run_cli("check", *files)
    assert result.exit_code == expected, result.stderr
    assert ("dalfix: nothing checked: every input was skipped" in result.stderr) is (expected == 2)


def test_ctrl_c_exits_130(monkeypatch, capsys, example) -> None:
    def interrupted(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(dalfix.cli, "run", interrupted)
    monkeypatch.setattr(sys, "argv", ["dalfix", "check", "src"])
    with pytest.raises(SystemExit) as exit_info:
        dalfix.cli.entry()
    assert exit_info.value.code == 130
    assert capsys.readouterr().err.strip().endswith("dalfix: interrupted")


READY_THEN_ENTRY = "import sys; from dalfix.cli import entry; sys.stderr.write('ready\\n'); sys.stderr.flush(); entry()"


def test_ctrl_c_on_a_real_process_exits_130(tmp_path) -> None:
    """SIGINT while dalfix waits on stdin: the process, not click, decides the code."""
    import signal
    import time

    process = subprocess.Popen(
        [sys.executable, "-c", READY_THEN_ENTRY, "check", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env={**__import__("os").environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
        # A suite started in the background of a non-interactive shell inherits SIGINT ignored, and Python then
        # installs no handler of its own: give the child the default disposition, as a terminal would.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert process.stderr is not None
    assert process.stderr.readline() == b"ready\n"
    time.sleep(0.5)  # into the read of stdin
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert b"dalfix: interrupted" in err


def test_json_summary_counts_suppressed(run_cli, example) -> None:
    data = json.loads(run_cli("check", "--format", "json", "src").stdout)
    assert data["summary"]["suppressed"] == 0 and data["summary"]["findings"] == 1


WAITING_SCHEMA = """import { pgTable, text, uuid } from "drizzle-orm/pg-core";

export const roles = pgTable("roles", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
});
"""
WAITING_ROLES = """import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { Pool } from "pg";
import * as schema from "./schema";
import { roles } from "./schema";

const db = drizzle(new Pool(), { schema });

export async function findOrCreateRole(name: string) {
  let role = await db.query.roles.findFirst({ where: eq(roles.name, name) });
  if (!role) {
    const [created] = await db.insert(roles).values({ name }).returning();
    role = created;
  }
  return role;
}
"""


def test_apply_says_which_find_or_creates_wait_for_the_unique_index_it_added(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # moemail: DAL010's unsafe fix adds the unique index to the schema file; DAL003's onConflictDoNothing needs it to
    # exist (42P10 otherwise), so its rewrite comes on the next run: `apply` says so instead of leaving it unsaid.
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "schema.ts").write_text(WAITING_SCHEMA, encoding="utf-8")
    (tmp_path / "src" / "roles.ts").write_text(WAITING_ROLES, encoding="utf-8")

    def apply(*flags: str) -> str:
        command = [sys.executable, "-m", "dalfix", "apply", "--preview", "--no-cache", *flags, "."]
        return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False).stderr

    assert "wait" not in apply()  # without --unsafe-fixes the index is not added: nothing waits for it
    assert "roles_name_unique" not in (tmp_path / "src" / "schema.ts").read_text(encoding="utf-8")
    first = apply("--unsafe-fixes")
    assert "1 DAL003 finding waits for the unique index this run added (`roles_name_unique`)" in first
    assert "roles_name_unique" in (tmp_path / "src" / "schema.ts").read_text(encoding="utf-8")
    assert "onConflictDoNothing" not in (tmp_path / "src" / "roles.ts").read_text(encoding="utf-8")
    second = apply("--unsafe-fixes")  # the index exists now: the rewrite comes, and nothing is said to wait
    assert "wait" not in second
    assert "onConflictDoNothing({ target: roles.name })" in (tmp_path / "src" / "roles.ts").read_text(encoding="utf-8")
