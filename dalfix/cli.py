"""The command line: `dalfix [diff|apply|check|rules|explain] PATHS…` (diff is the default)."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from dalfix import __version__, replay
from dalfix.cache import cache_dir_for
from dalfix.config import ConfigError
from dalfix.console import color_diff, progress_on, use_color
from dalfix.context import relative_display
from dalfix.diffs import new_file_diff, unified_diff
from dalfix.discovery import is_source_file
from dalfix.fixes import Applicability
from dalfix.formatter import FormatterError, run_formatter
from dalfix.report import (
    applied_fixes_report,
    counted,
    fix_hint,
    json_report,
    nothing_checked,
    sarif_report,
    statistics_report,
    summary,
    text_report,
    waiting_fixes_hint,
)
from dalfix.rules import UnknownRule, all_rules, rule_by_code, select_rules
from dalfix.runner import RunOptions, RunResult, run
from dalfix.writer import WriteRefused, allowed_roots, create_new_file, remove_stale_temp_files, write_fixed

if TYPE_CHECKING:
    from dalfix.analysis.project import Project

EXIT_CLEAN, EXIT_FOUND, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130


class DefaultGroup(click.Group):
    """A group whose default subcommand is `diff`: `dalfix src/` means `dalfix diff src/`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["diff", *args]
        elif not args:
            args = ["diff"]
        return super().parse_args(ctx, args)


def _common(function):  # type: ignore[no-untyped-def]
    options = [
        click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
        click.option(
            "--select", multiple=True, help="Rule codes, prefixes or names to run (repeat or comma-separate)."
        ),
        click.option("--ignore", multiple=True, help="Rule codes, prefixes or names to skip."),
        click.option("--preview", is_flag=True, help="Also run rules still in preview."),
        click.option("--exclude", multiple=True, help="Gitignore-style patterns of paths to skip."),
        click.option(
            "--include-tests",
            is_flag=True,
            help="Also report and fix findings in test, seed, migration and script files (`include-tests`).",
        ),
        click.option("--unsafe-fixes", is_flag=True, help="Include fixes marked unsafe (default: safe fixes only)."),
        click.option(
            "--config",
            "config_file",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="Settings file (dalfix.toml, pyproject.toml or package.json) for every project, instead of theirs.",
        ),
        click.option(
            "--stdin-filename",
            type=click.Path(path_type=Path),
            help="With `-` as the path: the name of the file read from stdin (its project, its name in the output).",
        ),
        click.option("-q", "--quiet", is_flag=True, help="Print findings or diffs only: no summary, no progress."),
        click.option("--exit-zero", is_flag=True, help="Exit 0 even when something was found (errors still exit 2)."),
        click.option(
            "--color",
            type=click.Choice(["auto", "always", "never"]),
            default="auto",
            show_default=True,
            help="Colour on stdout; `auto` honours NO_COLOR / FORCE_COLOR, else colours a terminal only.",
        ),
        click.option("--show-fixes", is_flag=True, help="Show each fix: its title (check) or what was fixed."),
        click.option(
            "--no-cache",
            is_flag=True,
            help="Neither read nor write the cache of results (.dalfix_cache; `dalfix clean` removes it).",
        ),
        click.option(
            "-j",
            "--jobs",
            type=click.IntRange(min=1),
            default=None,
            help="Worker processes that check files once the project facts are built (default: `jobs` in "
            "dalfix.toml, else the usable cores; 1: no workers). The output never depends on it.",
        ),
        click.option(
            "--cache-dir",
            type=click.Path(file_okay=False, path_type=Path),
            help="Where the cache goes (default: $DALFIX_CACHE_DIR, `cache-dir` in dalfix.toml, "
            "else .dalfix_cache at the workspace root).",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _output_file_option(function):  # type: ignore[no-untyped-def]
    return click.option(
        "-o", "--output-file", type=click.Path(dir_okay=False, path_type=Path), help="Write the output to this file."
    )(function)


def _split(values: tuple[str, ...]) -> list[str]:
    return [part for value in values for part in value.split(",") if part.strip()]


def _stdin_source(opts: dict[str, Any]) -> bytes | None:
    """`-` as the only path (or --stdin-filename with no path): read the source from stdin."""
    paths = opts["paths"]
    if "-" not in {str(p) for p in paths} and not (opts["stdin_filename"] and not paths):
        return None
    if len(paths) > 1:
        raise click.UsageError("`-` (stdin) must be the only path")
    name = opts["stdin_filename"] or Path("stdin.ts")
    if not is_source_file(name):
        raise click.UsageError(f"--stdin-filename {name}: not a TypeScript file name (.ts, .tsx, .mts, .cts)")
    opts["paths"] = (name,)
    return sys.stdin.buffer.read()


def _run(opts: dict[str, Any], threshold: Applicability | None) -> RunResult:
    # A run allocates millions of small, long-lived objects (tree nodes, project facts) and few cycles:
    # with the default threshold of 700 the collector ran 3,117 times on homarr for 18 % of the CPU time. The
    # middle generation is collected every 100 young collections, not 10: its four collections were most of what
    # was left on homarr (0.07-0.1 s; peak the same), the runner collects between projects itself.
    gc.set_threshold(50_000, 100, 10)
    stdin = _stdin_source(opts)
    opts["stdin_used"] = stdin is not None
    if not opts["paths"]:
        raise click.UsageError("give at least one path (a file or a directory), or `-` for stdin")
    select, ignore = _split(opts["select"]), _split(opts["ignore"])
    try:
        rules = select_rules(select, ignore, opts["preview"])
    except UnknownRule as exc:
        raise click.UsageError(str(exc)) from exc
    # A run whose output only depends on the files leaves a record that a re-run replays (dalfix/replay.py).
    use_cache = not opts["no_cache"] and not opts.get("verbose")
    session = replay.current()
    recorded = (
        session is not None
        and use_cache
        and stdin is None
        and click.get_current_context().info_name in ("check", "diff")
        and not opts.get("apply_")
        and not opts.get("add_ignore")  # writes files: a re-run on the same bytes must write again
        and opts.get("output_file") is None
    )
    fingerprints = None
    if recorded:
        assert session is not None
        fingerprints = session.before_run([os.path.abspath(p) for p in opts["paths"]])
    with progress_on(sys.stderr, enabled=not opts["quiet"]) as progress:
        try:
            options = RunOptions(
                rules=rules,
                fix_threshold=threshold,
                exclude=tuple(opts["exclude"]),
                cli_select=tuple(select),
                cli_ignore=tuple(ignore),
                preview=opts["preview"],
                include_tests=opts["include_tests"],
                stdin=stdin,
                config_file=opts["config_file"],
                progress=progress,
                # `check -v` describes the project model, which a run served from the cache does not build.
                use_cache=use_cache,
                cache_dir=opts["cache_dir"],
                release_projects=not opts.get("verbose"),
                fingerprints=fingerprints,
                jobs=opts["jobs"],
            )
            result = run(opts["paths"], options)
        except ConfigError as exc:
            raise click.UsageError(str(exc)) from exc
    if recorded:
        assert session is not None
        explicit = opts["cache_dir"]
        session.after_run(
            [
                (str(p.workspace.repository_root), str(cache_dir_for(p.workspace.root, p.config.cache_dir, explicit)))
                for p in result.projects
            ]
        )
    return result


def _report_problems(result: RunResult) -> None:
    for file in result.files:
        shown = relative_display(file.path)
        if file.status == "failed":
            click.echo(f"dalfix: error: {shown}: {file.reason}", err=True)
        elif file.status == "skipped" and file.reason != "generated file":  # generated files are expected: counted only
            click.echo(f"dalfix: {shown}: skipped: {file.reason}", err=True)
        for message in file.messages:
            if not message.startswith("Traceback"):
                click.echo(f"dalfix: {shown}: {message}", err=True)


def _summary_line(result: RunResult, verb: str, opts: dict[str, Any]) -> None:
    if nothing_checked(result):
        click.echo(f"dalfix: nothing checked: every input was skipped ({_skip_detail(result)})", err=True)
    if opts["quiet"]:
        return
    data = summary(result)

    def number(key: str) -> int:
        value = data[key]
        assert isinstance(value, int)
        return value

    detail = f" ({_skip_detail(result)})" if data["files_skipped"] else ""
    changed = data["files_changed"]
    if verb == "with findings":
        changed = len({file.path for file, _ in result.findings})
    click.echo(
        f"dalfix: {counted(number('files_scanned'), 'file')} scanned, {changed} {verb}, "
        f"{data['files_skipped']} skipped{detail}, "
        # A file lost to a rule raising or a worker dying was not checked: the line says so, as the JSON does.
        + (f"{data['files_failed']} failed, " if data["files_failed"] else "")
        + counted(number("findings"), "finding")
        + (f" ({data['suppressed']} suppressed)" if data["suppressed"] else "")
        + (
            f"; {counted(number('files_setup_code'), 'test/setup file')} left out (`--include-tests` checks them)"
            if data["files_setup_code"]
            else ""
        ),
        err=True,
    )
    hint = fix_hint(result, verb == "with findings", opts["unsafe_fixes"])
    if hint:
        click.echo(f"dalfix: {hint}", err=True)
    waiting = waiting_fixes_hint(result, opts["unsafe_fixes"]) if verb == "changed" else ""
    if waiting:
        click.echo(f"dalfix: {waiting}", err=True)
    follow_ups = sum(file.follow_ups for file in result.files) if verb == "with findings" else 0
    if follow_ups:
        click.echo(
            f"dalfix: {counted(follow_ups, 'more fix', 'more fixes')} in code these fixes write, not listed (the code "
            "is not in the files yet): `dalfix diff` shows them, `dalfix apply` applies them too",
            err=True,
        )


def _skip_detail(result: RunResult) -> str:
    reasons = summary(result)["skipped_reasons"]
    assert isinstance(reasons, dict)
    # A reason naming what was skipped counts it ("2 generated files"); the others read as a cause ("1 not UTF-8").
    return ", ".join(counted(n, r) if r.endswith(" file") else f"{n} {r}" for r, n in reasons.items())


def _write_output(text: str, opts: dict[str, Any] | None = None) -> None:
    """Reports and patches go to stdout (or --output-file) as UTF-8 bytes, whatever the locale: a patch must be
    byte-exact."""
    data = text.encode("utf-8", "surrogateescape")
    target = opts.get("output_file") if opts else None
    if target is not None:
        with open(target, "ab") as stream:
            stream.write(data)
        return
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def _colored(opts: dict[str, Any]) -> bool:
    return opts.get("output_file") is None and use_color(opts["color"], sys.stdout)


def _start_output(opts: dict[str, Any]) -> None:
    """--output-file starts empty: the run's outputs are appended to it."""
    target = opts.get("output_file")
    if target is not None:
        try:
            Path(target).write_bytes(b"")
        except OSError as exc:
            raise click.UsageError(f"--output-file {target}: {exc.strerror or exc}") from exc


def _exit_code(result: RunResult, found: bool, opts: dict[str, Any]) -> int:
    """2 for errors and for a run that checked nothing; else 1 when `found` (0 with --exit-zero)."""
    if result.failed or any(f.reason == "no such file or directory" for f in result.files) or nothing_checked(result):
        return EXIT_ERROR
    return EXIT_FOUND if found and not opts["exit_zero"] else EXIT_CLEAN


def _apply(result: RunResult, paths: tuple[Path, ...], force: bool = False) -> bool:
    roots = allowed_roots(paths)
    for stale in remove_stale_temp_files(f.path.parent for f in result.files if f.status != "skipped"):
        click.echo(f"dalfix: removed {relative_display(stale)}, left by an interrupted run", err=True)
    ok = True
    # The files fixes create go first: a fixed file that imports one is written only once it exists. They may go
    # anywhere in the repository of the project (next to the module defining the database handle, say).
    repositories = roots + [Path(os.path.realpath(p.workspace.repository_root)) for p in result.projects]
    not_created: dict[Path, str] = {}
    for new in result.new_files():
        try:
            if create_new_file(new.path, new.data, repositories):
                click.echo(f"dalfix: created {relative_display(new.path)}", err=True)
        except WriteRefused as exc:
            click.echo(f"dalfix: error: {exc}", err=True)
            not_created[new.path] = str(exc)
            ok = False
    for file in result.files:
        if file.status != "changed":
            continue
        missing = next((why for new in file.creates if (why := not_created.get(new.path))), None)
        if missing is not None:
            reason = f"{relative_display(file.path)}: not written: a file its fixes import was not created ({missing})"
            click.echo(f"dalfix: error: {reason}", err=True)
            file.status, file.reason = "failed", reason
            continue
        try:
            write_fixed(file.path, file.original, file.fixed, roots, force=force)
        except (WriteRefused, OSError) as exc:
            click.echo(f"dalfix: error: {exc}", err=True)
            file.status, file.reason = "failed", str(exc)
            ok = False
    return ok


def _show_applied(result: RunResult, opts: dict[str, Any]) -> None:
    if opts["show_fixes"] and not opts["quiet"]:
        for line in applied_fixes_report(result):
            click.echo(line, err=True)


def _threshold(opts: dict[str, Any]) -> Applicability:
    return Applicability.UNSAFE if opts["unsafe_fixes"] else Applicability.SAFE


def _write_fixes(result: RunResult, opts: dict[str, Any]) -> None:
    """`apply` / `diff --apply`: write in place; with stdin, print the fixed source instead (as ruff does)."""
    if opts["stdin_used"]:
        for file in result.files:
            _write_output((file.fixed or file.original).decode("utf-8", "surrogateescape"))
        return
    _apply(result, opts["paths"], opts["force"])
    if opts.get("formatter"):
        _format_changed(result, opts["formatter"])


def _format_changed(result: RunResult, command: str) -> None:
    """--formatter: the project's formatter on each file dalfix wrote (a failure is reported, the fix stays)."""
    _format_files([file.path for file in result.files if file.status == "changed"], command, "dalfix's fix")


def _format_files(paths: list[Path], command: str, kept: str) -> None:
    for path in paths:
        try:
            problem = run_formatter(command, path)
        except FormatterError as exc:
            raise click.UsageError(str(exc)) from exc
        if problem is not None:
            click.echo(f"dalfix: {relative_display(path)}: {problem} ({kept} is kept)", err=True)


def _formatter_option(function):  # type: ignore[no-untyped-def]
    return click.option(
        "--formatter",
        metavar="CMD",
        help='Run this formatter on each changed file, e.g. "npx prettier --write {path}".',
    )(function)


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="dalfix")
def main() -> None:
    """Find database round-trip anti-patterns in Drizzle ORM code and rewrite them as reviewable patches."""


@main.command()
@_common
@_output_file_option
@click.option("--apply", "apply_", is_flag=True, help="Write the fixes in place instead of printing diffs.")
@_formatter_option
@click.option("--force", is_flag=True, help="Also write read-only files and files with several hard links.")
def diff(**opts: Any) -> None:
    """Print unified diffs of the fixes (the default command). Exits 1 when it prints a diff."""
    _start_output(opts)
    result = _run(opts, _threshold(opts))
    _report_problems(result)
    changed = any(f.status == "changed" for f in result.files)
    if opts["apply_"]:
        _write_fixes(result, opts)
        _show_applied(result, opts)
        _summary_line(result, "changed", opts)
        sys.exit(_exit_code(result, bool(result.findings) or changed, opts))
    colored = _colored(opts)
    for file in result.files:
        if file.status == "changed":
            patch = unified_diff(file.original, file.fixed, relative_display(file.path))
            _write_output(color_diff(patch) if colored else patch, opts)
    for new in result.new_files():
        patch = new_file_diff(new.data, relative_display(new.path))
        _write_output(color_diff(patch) if colored else patch, opts)
    _show_applied(result, opts)
    _summary_line(result, "would change", opts)
    sys.exit(_exit_code(result, changed, opts))


@main.command()
@_common
@click.option("--force", is_flag=True, help="Also write read-only files and files with several hard links.")
@_formatter_option
def apply(**opts: Any) -> None:
    """Write the fixes in place (with `-`: print the fixed source read from stdin)."""
    result = _run(opts, _threshold(opts))
    _report_problems(result)
    _write_fixes(result, opts)
    _show_applied(result, opts)
    _summary_line(result, "changed", opts)
    changed = any(f.status == "changed" for f in result.files)
    sys.exit(_exit_code(result, bool(result.findings) or changed, opts))


@main.command()
@_common
@_output_file_option
@click.option("--format", "format_", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True)
@click.option(
    "--report-unused-suppressions",
    is_flag=True,
    help="Report `dalfix-ignore` comments that suppress nothing (they count as findings for the exit code).",
)
@click.option("--statistics", is_flag=True, help="Counts per rule and applicability instead of one line per finding.")
@click.option("-v", "--verbose", is_flag=True, help="Also print what dalfix concluded per package (stderr).")
@click.option(
    "--add-ignore",
    is_flag=True,
    help="Write a `// dalfix-ignore[CODES]: reason` comment above each line with a finding (adopting dalfix: CI then "
    "fails on new findings only); prints no report.",
)
@click.option(
    "--add-ignore-reason",
    metavar="TEXT",
    help="The reason --add-ignore writes after each comment's codes (default: existing finding, suppressed by …).",
)
@click.option(
    "--formatter",
    metavar="CMD",
    help='With --add-ignore: run this formatter on each file written, e.g. "npx biome format --write {path}".',
)
def check(**opts: Any) -> None:
    """List findings, one line each (or JSON / SARIF). Exits 1 when there are findings."""
    if opts["add_ignore"] and ("-" in {str(p) for p in opts["paths"]} or opts["stdin_filename"] is not None):
        raise click.UsageError("--add-ignore writes files in place: it cannot read standard input")
    if opts["add_ignore_reason"] is not None and not opts["add_ignore"]:
        raise click.UsageError("--add-ignore-reason needs --add-ignore")
    if opts["formatter"] is not None and not opts["add_ignore"]:
        raise click.UsageError("check --formatter needs --add-ignore (`apply --formatter` formats fixed files)")
    _start_output(opts)
    result = _run(opts, None)
    _report_problems(result)
    if opts["add_ignore"]:
        sys.exit(_add_ignores(result, opts))
    if opts["verbose"]:
        from dalfix.analysis.doctor import package_lines

        for project in result.projects:
            for line in package_lines(project):
                click.echo(f"dalfix: {line}", err=True)
            if project.relevance_note is not None:
                click.echo(f"dalfix: project {project.root}: {project.relevance_note}", err=True)
    unused = opts["report_unused_suppressions"]
    if opts["format_"] == "json":
        _write_output(json_report(result, unused_suppressions=unused), opts)
    elif opts["format_"] == "sarif":
        _write_output(sarif_report(result), opts)
    elif opts["statistics"]:
        _write_output(statistics_report(result), opts)
    else:
        report = text_report(result, unused_suppressions=unused, show_fixes=opts["show_fixes"], color=_colored(opts))
        _write_output(report, opts)
    _summary_line(result, "with findings", opts)
    found = bool(result.findings) or (unused and any(f.unused_suppressions for f in result.files))
    sys.exit(_exit_code(result, found, opts))


def _add_ignores(result: RunResult, opts: dict[str, Any]) -> int:
    """`check --add-ignore`: suppression comments written above the findings (dalfix/add_ignore.py); the exit
    code is 0 when every finding is now suppressed, 1 when some line could not take one, 2 on errors."""
    from dalfix.add_ignore import DEFAULT_REASON, add_ignores

    roots = allowed_roots(opts["paths"])
    reason = opts["add_ignore_reason"] or DEFAULT_REASON
    comments = files = 0
    written: list[Path] = []
    left = False
    for file in result.files:
        if not file.findings:
            continue
        added = add_ignores(file.path, file.original, file.findings, reason)
        for problem in added.problems:
            click.echo(f"dalfix: {relative_display(file.path)}: {problem}", err=True)
        left = left or bool(added.problems)
        if added.comments:
            try:
                write_fixed(file.path, file.original, added.source, roots, force=False)
            except (WriteRefused, OSError) as exc:
                click.echo(f"dalfix: error: {exc}", err=True)
                left = True
                continue
            comments += added.comments
            files += 1
            written.append(file.path)
    if opts["formatter"]:
        _format_files(written, opts["formatter"], "the comment")
    if not opts["quiet"]:
        click.echo(f"dalfix: added {counted(comments, 'suppression comment')} in {counted(files, 'file')}", err=True)
        later = sum(len(file.later_findings) for file in result.files)
        if later:
            click.echo(
                f"dalfix: {counted(later, 'finding')} appeared only in code other fixes would write; with "
                "those findings suppressed they are not reported, so no comment was needed",
                err=True,
            )
    if result.failed or nothing_checked(result):
        return EXIT_ERROR
    return EXIT_FOUND if left and not opts["exit_zero"] else EXIT_CLEAN


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "format_", type=click.Choice(["text", "json"]), default="text", show_default=True)
def doctor(paths: tuple[Path, ...], format_: str) -> None:
    """Show what dalfix concludes about a repository: workspace, packages, db handles, drivers, schema."""
    import json

    from dalfix.analysis.doctor import diagnose, render_text

    try:
        facts = diagnose(paths or (Path("."),))
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from exc
    if format_ == "json":
        _write_output(json.dumps(facts, indent=2) + "\n")
    else:
        _write_output(render_text(facts))


@main.command()
@click.option(
    "--format",
    "format_",
    type=click.Choice(["text", "markdown"]),
    default="text",
    show_default=True,
    help="markdown: the full documentation of every rule, as docs/rules.md holds it.",
)
def rules(format_: str) -> None:
    """List every rule: code, name, fix availability, what it flags."""
    if format_ == "markdown":
        from dalfix.docs import rules_markdown

        _write_output(rules_markdown())
        return
    for rule in all_rules():
        preview = " (preview)" if rule.preview else ""
        click.echo(f"{rule.code}  {rule.name:<24} fix: {rule.fix_availability:<9} {rule.summary()}{preview}")


@main.command()
@click.argument("code")
def explain(code: str) -> None:
    """Print a rule's documentation."""
    try:
        rule = rule_by_code(code)
    except UnknownRule as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(f"# {rule.code} {rule.name}\n")
    click.echo(f"Fix is {rule.fix_availability} available.{' Preview rule.' if rule.preview else ''}\n")
    click.echo(rule.documentation())


@main.command()
@click.argument("path", required=False, default=".", type=click.Path(path_type=Path))
@click.option("--format", "format_", type=click.Choice(["text", "json"]), default="text", show_default=True)
def schema(path: Path, format_: str) -> None:
    """Print the Drizzle schema model dalfix reads: tables, keys, unique sets, indexes, foreign keys, relations."""
    from dalfix.analysis.schema import read_schema
    from dalfix.analysis.schema.output import schema_json_text, schema_text

    scanned, project = _scanned_project(path)
    model = read_schema(project, [scanned])
    base = scanned if scanned.is_dir() else scanned.parent
    _write_output(schema_json_text(model, base) if format_ == "json" else schema_text(model, base))


@main.command()
@click.argument("path", required=False, default=".", type=click.Path(path_type=Path))
@click.option("--format", "format_", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--database-url",
    default=None,
    help="PostgreSQL URL: EXPLAIN each proposal's representative query before and after creating the index in a "
    "transaction that is rolled back (needs psql; CREATE INDEX blocks writes to the table until the rollback: "
    "use a copy of production).",
)
def indexes(path: Path, format_: str, database_url: str | None) -> None:
    """Print the index plan (DAL010): the indexes the project's queries need and no index provides."""
    from dalfix.analysis.index_output import plan_json, plan_text
    from dalfix.analysis.index_plan import index_plan
    from dalfix.analysis.query_sites import application_files

    project = _scanned_project(path)[1]
    project.prepare({parsed.path: parsed for parsed in application_files(project)})
    plan = index_plan(project)
    explained = None
    if database_url:
        from dalfix.analysis.explain import explain_proposal

        explained = {p.name: explain_proposal(database_url, p) for p in plan.proposals if p.table.dialect == "pg"}
    base = project.root
    _write_output(plan_json(plan, base, explained) if format_ == "json" else plan_text(plan, base, explained))


def _scanned_project(path: Path) -> tuple[Path, Project]:
    """The absolute `path` a command that reads the whole project (`schema`, `indexes`) was given, and the project
    it is in; a missing path exits with an error, a bad configuration is a usage error."""
    from dalfix.analysis.project import Project
    from dalfix.config import find_project_root

    if not path.exists():
        click.echo(f"dalfix: error: {path}: no such file or directory", err=True)
        sys.exit(EXIT_ERROR)
    scanned = path.resolve()
    try:
        return scanned, Project.load(find_project_root(scanned, scanned if scanned.is_dir() else scanned.parent))
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from exc


def entry() -> None:
    """The console script: click's errors exit 2, Ctrl-C exits 130 (128 + SIGINT) as shells expect, and an
    internal failure exits 2 with one readable line."""
    try:
        code = main.main(standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (click.Abort, KeyboardInterrupt):
        click.echo("dalfix: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:  # an internal failure: exit 2 with one readable line
        click.echo(f"dalfix: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    sys.exit(code if isinstance(code, int) else EXIT_CLEAN)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), help="Also remove this cache.")
def clean(paths: tuple[Path, ...], cache_dir: Path | None) -> None:
    """Remove the cache of results (.dalfix_cache) of the projects under PATHS (default: .)."""
    from dalfix.analysis.workspace import project_root_for, workspace_for
    from dalfix.cache import CACHE_DIR_NAME, cache_dir_for
    from dalfix.cache import clean as remove_caches
    from dalfix.config import load_config

    found: list[Path] = [cache_dir] if cache_dir is not None else []
    for path in paths or (Path("."),):
        base = Path(path).resolve()
        root = project_root_for(base, base if base.is_dir() else base.parent)
        try:
            configured = load_config(root).cache_dir
        except ConfigError as exc:
            raise click.UsageError(str(exc)) from exc
        found.append(cache_dir_for(workspace_for(root).root, configured))
        found.append(base / CACHE_DIR_NAME)
    for removed in remove_caches(found):
        click.echo(f"dalfix: removed {relative_display(removed)}", err=True)


class _LazyBot(click.Group):
    """`dalfix bot …`, imported only when used: the GitHub client costs 0.2 s of start-up on every run."""

    def _real(self) -> click.Group:
        from dalfix.bot.cli import bot

        return bot

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._real().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self._real().get_command(ctx, name)


main.add_command(
    _LazyBot(
        "bot",
        help="GitHub pull-request bot: review comments with one-click suggestions, and fix pull requests.",
        context_settings={"help_option_names": ["-h", "--help"]},
    )
)
