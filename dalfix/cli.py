"""The command line: `dalfix [diff|apply|check|rules|explain] PATHS…` (diff is the default)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dalfix import __version__
from dalfix.config import ConfigError
from dalfix.context import relative_display
from dalfix.diffs import unified_diff
from dalfix.fixes import Applicability
from dalfix.report import json_report, sarif_report, summary, text_report
from dalfix.rules import UnknownRule, all_rules, rule_by_code, select_rules
from dalfix.runner import RunOptions, RunResult, run
from dalfix.writer import WriteRefused, allowed_roots, remove_stale_temp_files, write_fixed

EXIT_CLEAN, EXIT_FOUND, EXIT_ERROR = 0, 1, 2


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
        click.option("--unsafe-fixes", is_flag=True, help="Include fixes marked unsafe (default: safe fixes only)."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _split(values: tuple[str, ...]) -> list[str]:
    return [part for value in values for part in value.split(",") if part.strip()]


def _run(paths: tuple[Path, ...], select, ignore, preview, exclude, threshold) -> RunResult:  # type: ignore[no-untyped-def]
    if not paths:
        raise click.UsageError("give at least one path (a file or a directory)")
    try:
        rules = select_rules(_split(select), _split(ignore), preview)
    except UnknownRule as exc:
        raise click.UsageError(str(exc)) from exc
    try:
        options = RunOptions(
            rules=rules,
            fix_threshold=threshold,
            exclude=tuple(exclude),
            cli_select=tuple(_split(select)),
            cli_ignore=tuple(_split(ignore)),
            preview=preview,
        )
        return run(paths, options)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from exc


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


def _summary_line(result: RunResult, verb: str) -> None:
    data = summary(result)
    reasons = data["skipped_reasons"]
    assert isinstance(reasons, dict)
    detail = f" ({', '.join(f'{n} {r}' for r, n in reasons.items())})" if reasons else ""
    changed = data["files_changed"]
    if verb == "with findings":
        changed = len({file.path for file, _ in result.findings})
    click.echo(
        f"dalfix: {data['files_scanned']} files scanned, {changed} {verb}, "
        f"{data['files_skipped']} skipped{detail}, {data['findings']} findings"
        + (f" ({data['suppressed']} suppressed)" if data["suppressed"] else ""),
        err=True,
    )


def _write_output(text: str) -> None:
    """Reports and patches go to stdout as UTF-8 bytes, whatever the locale: a patch must be byte-exact."""
    sys.stdout.flush()
    sys.stdout.buffer.write(text.encode("utf-8", "surrogateescape"))
    sys.stdout.buffer.flush()


def _exit_code(result: RunResult) -> int:
    if result.failed or any(f.reason == "no such file or directory" for f in result.files):
        return EXIT_ERROR
    return EXIT_FOUND if result.findings or any(f.status == "changed" for f in result.files) else EXIT_CLEAN


def _apply(result: RunResult, paths: tuple[Path, ...], force: bool = False) -> bool:
    roots = allowed_roots(paths)
    for stale in remove_stale_temp_files(f.path.parent for f in result.files if f.status != "skipped"):
        click.echo(f"dalfix: removed {relative_display(stale)}, left by an interrupted run", err=True)
    ok = True
    for file in result.files:
        if file.status != "changed":
            continue
        try:
            write_fixed(file.path, file.original, file.fixed, roots, force=force)
        except (WriteRefused, OSError) as exc:
            click.echo(f"dalfix: error: {exc}", err=True)
            file.status, file.reason = "failed", str(exc)
            ok = False
    return ok


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="dalfix")
def main() -> None:
    """Find database round-trip anti-patterns in Drizzle ORM code and rewrite them as reviewable patches."""


@main.command()
@_common
@click.option("--apply", "apply_", is_flag=True, help="Write the fixes in place instead of printing diffs.")
@click.option("--force", is_flag=True, help="Also write read-only files and files with several hard links.")
def diff(paths, select, ignore, preview, exclude, unsafe_fixes, apply_, force):  # type: ignore[no-untyped-def]
    """Print unified diffs of the fixes (the default command)."""
    threshold = Applicability.UNSAFE if unsafe_fixes else Applicability.SAFE
    result = _run(paths, select, ignore, preview, exclude, threshold)
    _report_problems(result)
    if apply_:
        _apply(result, paths, force)
        _summary_line(result, "changed")
        sys.exit(_exit_code(result))
    for file in result.files:
        if file.status == "changed":
            _write_output(unified_diff(file.original, file.fixed, relative_display(file.path)))
    _summary_line(result, "would change")
    sys.exit(_exit_code(result))


@main.command()
@_common
@click.option("--force", is_flag=True, help="Also write read-only files and files with several hard links.")
def apply(paths, select, ignore, preview, exclude, unsafe_fixes, force):  # type: ignore[no-untyped-def]
    """Write the fixes in place."""
    threshold = Applicability.UNSAFE if unsafe_fixes else Applicability.SAFE
    result = _run(paths, select, ignore, preview, exclude, threshold)
    _report_problems(result)
    _apply(result, paths, force)
    _summary_line(result, "changed")
    sys.exit(_exit_code(result))


@main.command()
@_common
@click.option("--format", "format_", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True)
@click.option(
    "--report-unused-suppressions",
    is_flag=True,
    help="Report `dalfix-ignore` comments that suppress nothing (they count as findings for the exit code).",
)
def check(paths, select, ignore, preview, exclude, unsafe_fixes, format_, report_unused_suppressions):  # type: ignore[no-untyped-def]
    """List findings, one line each (or JSON / SARIF)."""
    result = _run(paths, select, ignore, preview, exclude, None)
    _report_problems(result)
    if format_ == "json":
        _write_output(json_report(result, unused_suppressions=report_unused_suppressions))
    elif format_ == "sarif":
        _write_output(sarif_report(result))
    else:
        _write_output(text_report(result, unused_suppressions=report_unused_suppressions))
    _summary_line(result, "with findings")
    code = _exit_code(result)
    if code == EXIT_CLEAN and report_unused_suppressions and any(f.unused_suppressions for f in result.files):
        code = EXIT_FOUND
    sys.exit(code)


@main.command()
def rules() -> None:
    """List every rule: code, name, fix availability, what it flags."""
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
    from dalfix.analysis.project import Project
    from dalfix.analysis.schema import read_schema
    from dalfix.analysis.schema.output import schema_json_text, schema_text
    from dalfix.config import find_project_root

    if not path.exists():
        click.echo(f"dalfix: error: {path}: no such file or directory", err=True)
        sys.exit(EXIT_ERROR)
    scanned = path.resolve()
    try:
        project = Project.load(find_project_root(scanned, scanned if scanned.is_dir() else scanned.parent))
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from exc
    model = read_schema(project, [scanned])
    base = scanned if scanned.is_dir() else scanned.parent
    _write_output(schema_json_text(model, base) if format_ == "json" else schema_text(model, base))


def entry() -> None:
    try:
        main(standalone_mode=True)
    except Exception as exc:  # an internal failure: exit 2 with one readable line
        click.echo(f"dalfix: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(EXIT_ERROR)


from dalfix.bot.cli import bot  # noqa: E402  (the GitHub bot's commands live in dalfix/bot/)

main.add_command(bot)
