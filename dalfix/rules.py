"""The rule interface and the registry that discovers one rule per module in `transforms/`."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import sys
from collections.abc import Iterable, Iterator
from functools import cache
from typing import TYPE_CHECKING, ClassVar, Literal

if TYPE_CHECKING:
    from pathlib import Path

    from dalfix.analysis.project import Project
    from dalfix.context import FileContext
    from dalfix.fixes import Finding

FixAvailability = Literal["always", "sometimes", "never"]

DOC_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety")


class Rule:
    """Base class of a rule. A subclass lives alone in its module, whose docstring documents it."""

    code: ClassVar[str]
    name: ClassVar[str]
    message: ClassVar[str]
    fix_title: ClassVar[str]
    fix_availability: ClassVar[FixAvailability]
    preview: ClassVar[bool] = False
    # A file holding none of these byte strings cannot match (unless `admits_also` says it may): it is not parsed
    # for this rule.
    needles: ClassVar[tuple[bytes, ...]] = ()
    # Every finding sits on a query chain, a call a summary classifies, a query site or a schema table: a file
    # that names no handle source and imports none (dalfix/analysis/relevance.py) holds none and is not analysed.
    # A rule without it (the default) is run on every file its needles match.
    needs_handle: ClassVar[bool] = False
    # The rule has stand-in project facts (`stand_in_facts`): with `--jobs`, one worker builds the real ones while
    # the others check.
    stand_in: ClassVar[bool] = False
    # The rule's checks read the indexes the project's SQL creates (`index_plan.sql_facts`, read from every `.sql`
    # file and TS/JS migration): dalfix/incremental.py then keys every result on them.
    reads_sql_facts: ClassVar[bool] = False

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        raise NotImplementedError

    @classmethod
    def admits_also(cls, source: bytes) -> bool:
        """Whether a file holding none of `needles` may match all the same: a rarer shape behind a common word,
        tested on the bytes (DAL003's check-then-insert through helpers: `create` and `const x = await …; if (x)`).
        Default: no."""
        return False

    @classmethod
    def may_match(cls, source: bytes) -> bool:
        """Whether the rule may find something in a file with these bytes (no needles: any file)."""
        return not cls.needles or any(n in source for n in cls.needles) or cls.admits_also(source)

    @classmethod
    def project_facts(cls, project: Project) -> None:
        """Build the project-wide facts every file's check shares (memoized on the project), before the files are
        checked in worker processes (dalfix/workers.py): else each worker builds them again. Default: none."""

    @classmethod
    def stand_in_facts(cls, project: Project) -> None:
        """When `stand_in`: give the project stand-in facts under which this rule finds nothing in any file, unless
        its real facts are built already: a worker checking files while another builds the real ones
        (dalfix/runner.py, `_check_forked`). The files the real facts can report on are those of
        `facts_concern`; every other file's findings, in every fix round, are the same under both."""

    @classmethod
    def facts_concern(cls, project: Project) -> set[Path]:
        """The files this rule's project facts (built here if need be) can report on: checked again with the real
        facts when the other files were checked under `stand_in_facts`."""
        return set()

    @classmethod
    def documentation(cls) -> str:
        module = inspect.getmodule(cls)
        return inspect.cleandoc(module.__doc__ or "") if module else ""

    @classmethod
    def summary(cls) -> str:
        """The first sentence of "What it does"."""
        body = doc_sections(cls.documentation()).get("What it does", "").strip()
        first = body.split("\n\n")[0].replace("\n", " ")
        return first.split(". ")[0].rstrip(".") + "."


def doc_sections(doc: str) -> dict[str, str]:
    """'## Title' sections of a rule's documentation."""
    sections: dict[str, str] = {}
    current = None
    for line in doc.splitlines():
        match = re.match(r"^##\s+(.*?)\s*$", line)
        if match:
            current = match.group(1)
            sections[current] = ""
        elif current is not None:
            sections[current] += line + "\n"
    return sections


def code_block(section: str) -> str:
    """The first fenced code block in a documentation section."""
    match = re.search(r"```[a-z]*\n(.*?)```", section, re.S)
    return match.group(1) if match else ""


@cache
def all_rules() -> tuple[type[Rule], ...]:
    import transforms

    found: list[type[Rule]] = []
    for info in pkgutil.iter_modules(transforms.__path__):
        module = importlib.import_module(f"transforms.{info.name}")
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, Rule) and obj is not Rule and obj.__module__ == module.__name__:
                found.append(obj)
    return tuple(sorted(found, key=lambda r: r.code))


class UnknownRule(ValueError):
    pass


def select_rules(select: Iterable[str] = (), ignore: Iterable[str] = (), preview: bool = False) -> list[type[Rule]]:
    """Rules chosen by code prefixes (`DAL`, `DAL001`) or names; preview rules only when selected by code or name."""
    rules = all_rules()
    select = [s.strip() for s in select if s.strip()]
    ignore = [s.strip() for s in ignore if s.strip()]
    for token in [*select, *ignore]:
        if token.upper() != "ALL" and not any(_matches(r, token) for r in rules):
            raise UnknownRule(f"unknown rule selector {token!r}; see `dalfix rules`")

    def chosen(rule: type[Rule]) -> bool:
        if any(_matches(rule, t) for t in ignore):
            return False
        if not select:
            return preview or not rule.preview
        exact = any(t.upper() == rule.code or t == rule.name for t in select)
        return exact or (any(_matches(rule, t) for t in select) and (preview or not rule.preview))

    return [r for r in rules if chosen(r)]


def _matches(rule: type[Rule], token: str) -> bool:
    return token.upper() == "ALL" or rule.code.startswith(token.upper()) or token == rule.name


def rule_by_code(code: str) -> type[Rule]:
    for rule in all_rules():
        if rule.code == code.upper() or rule.name == code:
            return rule
    raise UnknownRule(f"unknown rule {code!r}; see `dalfix rules`")


def iter_rule_templates(rule: type[Rule]) -> Iterator[str]:
    """Template names a rule module mentions (`templates/<dir>/<name>.ts.j2`), or a companion module of
    `transforms/` it imports from (DAL003's `check_then_update.py`)."""
    module = inspect.getmodule(rule)
    if module is None:
        return
    names = {module.__name__} | {
        owner
        for value in vars(module).values()
        if isinstance(owner := getattr(value, "__module__", None), str) and owner.startswith("transforms.")
    }
    for name in sorted(names):
        yield from re.findall(r"""["']([\w/.-]+\.ts\.j2)["']""", inspect.getsource(sys.modules[name]))
