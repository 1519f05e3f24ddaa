"""`apply --formatter CMD`: the project's formatter runs on the files dalfix changed, and only on those."""

from __future__ import annotations

import shlex
import sys

from tests.conftest import documented_example

DAL001 = documented_example("DAL001")
FORMATTER = "import sys; p = sys.argv[-1]; open(p, 'a').write('// formatted\\n')"
FAILING = "import sys; sys.stderr.write('bad config\\n'); sys.exit(3)"


def command(code: str, with_path: bool = True) -> str:
    return shlex.join([sys.executable, "-c", code]) + (" {path}" if with_path else "")


def test_only_changed_files_are_formatted(run_cli, workdir) -> None:
    (workdir / "bad.ts").write_text(DAL001.before, encoding="utf-8")
    (workdir / "good.ts").write_text(DAL001.after, encoding="utf-8")
    result = run_cli("apply", "--formatter", command(FORMATTER), ".")
    assert result.exit_code == 1
    assert (workdir / "bad.ts").read_text(encoding="utf-8") == DAL001.after + "// formatted\n"
    assert (workdir / "good.ts").read_text(encoding="utf-8") == DAL001.after


def test_the_path_is_appended_when_the_command_does_not_name_it(run_cli, workdir) -> None:
    (workdir / "bad.ts").write_text(DAL001.before, encoding="utf-8")
    run_cli("diff", "--apply", "--formatter", command(FORMATTER, with_path=False), "bad.ts")
    assert (workdir / "bad.ts").read_text(encoding="utf-8").endswith("// formatted\n")


def test_a_failing_or_missing_formatter_is_reported_and_the_fix_kept(run_cli, workdir) -> None:
    (workdir / "bad.ts").write_text(DAL001.before, encoding="utf-8")
    failing = run_cli("apply", "--formatter", command(FAILING), "bad.ts")
    assert failing.exit_code == 1
    assert "bad.ts: formatter exited 3: bad config (dalfix's fix is kept)" in failing.stderr
    assert (workdir / "bad.ts").read_text(encoding="utf-8") == DAL001.after
    (workdir / "bad.ts").write_text(DAL001.before, encoding="utf-8")
    missing = run_cli("apply", "--formatter", "no-such-formatter-xyz --write {path}", "bad.ts")
    assert "formatter not found: no-such-formatter-xyz" in missing.stderr
    assert (workdir / "bad.ts").read_text(encoding="utf-8") == DAL001.after
