"""Does what dalfix writes pass the project's own formatter? Every fix applied, then the formatter's check.

Also, for the same applied tree: whether applying again would change anything (fixes settle in one `apply`;
a fix that waits for another file's, such as DAL003's `onConflictDoNothing` for the unique index DAL010 adds to the
schema, comes on the next run, once the migration exists: moemail's two find-or-creates) and whether TypeScript's
own parser reads every changed file without a syntax error (dalfix parses with tree-sitter).

For each repository checkout given (a git work tree: the ecosystem set under /work/eco, held-out ones elsewhere),
runs `dalfix apply --preview --unsafe-fixes --no-cache .`, groups the changed TypeScript files by the formatter
dalfix found for them (`print_width.formatter_settings_for`: Prettier or Biome settings; files with neither are
counted and not checked), runs that formatter's check on each changed file — the version the repository's
package.json pins, through `npx` — on the rewritten file and on the original, and prints the files that were clean
before and are not after: layouts dalfix produced that the formatter would print otherwise. Every changed file is
restored from git at the end (also on failure).

    python bench/formatter_audit.py /work/eco/agents /work/heldout/midday
    python bench/formatter_audit.py --show /work/heldout/midday      # and the formatter's own diff per file

A file dirty before (the repository does not run its formatter on it, or a plugin the check needs is missing) says
nothing either way and is counted apart.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dalfix.print_width import formatter_settings_for  # noqa: E402

PACKAGES = {"biome": "@biomejs/biome", "prettier": "prettier", "oxfmt": "oxfmt"}


def pinned_version(repo: Path, package: str) -> str | None:
    """The version of `package` the repository's root or package manifests ask for (first found)."""
    manifests = [repo / "package.json", *sorted(repo.glob("*/package.json")), *sorted(repo.glob("*/*/package.json"))]
    for manifest in manifests:
        try:
            text = manifest.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        match = re.search(rf'"{re.escape(package)}"\s*:\s*"[\^~]?(\d[\w.-]*)', text)
        if match:
            return match.group(1)
    try:  # a pnpm catalog: `  oxfmt: ^0.58.0`
        catalog = (repo / "pnpm-workspace.yaml").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    match = re.search(rf"^\s+[\"']?{re.escape(package)}[\"']?:\s*[\"']?[\^~]?(\d[\w.-]*)", catalog, re.M)
    return match.group(1) if match else None


def config_folder(repo: Path, path: Path, formatter: str) -> Path:
    """Where to run the formatter on `path`: for Biome the nearest folder up to the repository holding a biome.json
    (it resolves a nested configuration's `extends` paths against the working directory: buster's packages extend
    "../../biome.json"); Prettier finds its configuration from the file itself."""
    if formatter == "biome":
        for folder in path.parents:
            if folder == repo or any((folder / name).is_file() for name in ("biome.json", "biome.jsonc")):
                return folder
    return repo


def dirty(repo: Path, formatter: str, version: str, files: list[str]) -> dict[str, str]:
    """The files among `files` the formatter would print otherwise, with what it says."""
    out: dict[str, str] = {}
    for name in files:
        folder = config_folder(repo, repo / name, formatter)
        relative = str((repo / name).relative_to(folder))
        if formatter == "biome":
            command = ["npx", "-y", f"@biomejs/biome@{version}", "format", relative]
        elif formatter == "oxfmt":
            command = ["npx", "-y", f"oxfmt@{version}", "--check", relative]
        else:
            command = ["npx", "-y", f"prettier@{version}", "--check", relative]
        done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=300, check=False)
        if done.returncode != 0:
            out[name] = done.stdout + done.stderr
    return out


SYNTAX = """
const ts = require(process.argv[1]);
for (const f of process.argv.slice(2)) {
  const kind = f.endsWith("x") ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const file = ts.createSourceFile(f, require("fs").readFileSync(f, "utf8"), ts.ScriptTarget.Latest, true, kind);
  if (file.parseDiagnostics.length) console.log(f);
}
"""


def syntax_errors(repo: Path, files: list[str]) -> list[str] | None:
    """The files TypeScript's own parser (not tree-sitter, which dalfix parses with) finds syntax errors in; None
    without npm. TypeScript is installed once into .formatters/typescript."""
    prefix = ROOT / ".formatters" / "typescript"
    module = prefix / "node_modules" / "typescript"
    if not module.exists() and shutil.which("npm") is not None:
        subprocess.run(["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "typescript@5"],
                       capture_output=True, timeout=300, check=False)  # fmt: skip
    if not module.exists() or not files:
        return None if not module.exists() else []
    done = subprocess.run(["node", "-e", SYNTAX, str(module), *files], cwd=repo, capture_output=True, text=True,
                          timeout=300, check=False)  # fmt: skip
    return done.stdout.split()


def dalfix(repo: Path, command: str) -> subprocess.CompletedProcess[str]:
    """`dalfix <command>` on the whole checkout, every rule, unsafe fixes included."""
    arguments = [sys.executable, "-m", "dalfix", command, "--preview", "--unsafe-fixes", "--no-cache", "."]
    return subprocess.run(arguments, cwd=repo, capture_output=True, text=True, check=False)


def audit(repo: Path, show: bool) -> None:
    applied = dalfix(repo, "apply")
    summary = (applied.stderr.strip().splitlines() or ["(no summary)"])[-1]
    changed = subprocess.run(["git", "diff", "--name-only"], cwd=repo, capture_output=True, text=True, check=True)
    files = [f for f in changed.stdout.split() if f.endswith((".ts", ".tsx", ".mts", ".cts"))]
    try:
        print(f"== {repo.name}: {summary}")
        again = dalfix(repo, "diff")
        unsettled = sorted(set(re.findall(r"^\+\+\+ b/(.+)$", again.stdout, re.M)))
        listed = f": {', '.join(unsettled)}" if unsettled else ""
        print(f"   applied again: {len(unsettled)} file(s) would change{listed}")
        broken = syntax_errors(repo, files)
        if broken is not None:
            listed = f": {', '.join(broken)}" if broken else ""
            print(f"   TypeScript's parser: {len(files)} changed file(s), {len(broken)} with syntax errors{listed}")
        groups: dict[str | None, list[str]] = {}
        for name in files:
            groups.setdefault(formatter_settings_for((repo / name).resolve()).formatter, []).append(name)
        for formatter, names in sorted(groups.items(), key=lambda item: str(item[0])):
            if formatter is None:
                print(f"   no formatter settings found: {len(names)} changed file(s), not checked")
                continue
            fallback = {"biome": "2", "prettier": "3"}.get(formatter, "latest")
            version = pinned_version(repo, PACKAGES[formatter]) or fallback
            after = dirty(repo, formatter, version, names)
            rewritten = {name: (repo / name).read_bytes() for name in names}
            subprocess.run(["git", "checkout", "-q", "--", *names], cwd=repo, check=True)
            before = dirty(repo, formatter, version, names)
            for name, data in rewritten.items():
                (repo / name).write_bytes(data)
            worse = sorted(set(after) - set(before))
            print(
                f"   {formatter}@{version}: {len(names)} changed file(s); {len(before)} not formatted before (not "
                f"judged); {len(worse)} formatted before and not after{': ' if worse else ''}{', '.join(worse)}"
            )
            if show:
                for name in worse:
                    print(after[name])
    finally:
        if files:
            subprocess.run(["git", "checkout", "-q", "--", *files], cwd=repo, check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("repos", nargs="+", type=Path)
    parser.add_argument("--show", action="store_true", help="print the formatter's diff for each file it rejects")
    options = parser.parse_args()
    for repo in options.repos:
        if subprocess.run(["git", "diff", "--quiet"], cwd=repo, check=False).returncode != 0:
            print(f"== {repo.name}: the work tree has changes; skipped (the audit restores files from git)")
            continue
        audit(repo.resolve(), options.show)


if __name__ == "__main__":
    main()
