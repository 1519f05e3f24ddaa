"""Per-file invalidation of the persistent cache: after an edit, only the files whose results can change are checked.

A pack (dalfix/cache.py) whose project fingerprint no longer matches is still read when its *layout* matches: the
same dalfix code, options, settings, manifests, migrations and set of module paths, only module contents changed
(`Fingerprints.layout`). Each entry then holds a key of what the file's result depends on, and is reused when the
file's bytes and that key are unchanged. The key (`ProjectDependencies.key`) is a hash of

- the project-wide facts, computed again each run and compared as plain data (`global_facts`): which files are
  analysed, the transaction parameters (which functions some caller, anywhere, hands a transaction), the drivers
  the application creates, imports and casts to, the project's concurrency, its transaction helpers and their call
  sites, the client files, the schema (the files its reader chose by their bytes and the contents of every
  file it read), and, when a rule reads them (`Rule.reads_sql_facts`: DAL003, DAL010), the indexes the project's
  SQL creates (`index_plan.sql_facts`: `.sql` files and TS migrations, which no import reaches);
- the contents of every module the file's imports reach, transitively (the import graph of
  dalfix/analysis/relevance.py, which over-approximates what the analysis follows: a function's summary, a
  handle, a table are found through imports);
- the contents of every file some check of the project read outside its own reach (`extra`, below).

The safety net: while a file's rules run, the files the analysis reads or asks about are recorded
(dalfix/analysis/reads.py); one outside the file's reach (a project-wide fact built lazily inside a check, which
later checks use without reading it again) joins `extra`, the files every result depends on from then on; `extra`
only grows while the layout stays the same (a pack whose layout changed starts over). A project-wide memo built
inside a check (`reads.project_wide`: DAL003's unchecked inserts of a key, read from every application file) joins
`extra` with every file it read, whether or not the building file's imports reach them: later checks use the memo
without reading them again. A result whose check asked
whether a fix may create a file (the run's first-come-first-served registry of created files) is never reused this
way: it depends on the files checked before it. DAL010's index plan (a `Rule.stand_in` fact, read from every
application file's queries) is built before the checks when a pack may be reused; which files it concerns joins the
project-wide facts, and those files are checked again every run (their findings depend on every file's queries);
a file it does not concern gets under it what the stand-in plan gives, nothing.

The serial facts come from the pack too: each analysed file's calls that hand a handle to a project function
(`Project.handle_passing_calls`, merged into `transaction_parameters`) and its handles (`Summaries.handles_at`) are
kept in its entry with a key of the modules its imports reach and the drivers the application creates and casts to
(`driver_facts`), and handed back for the files whose key is unchanged (`Project.known_handle_calls`).
"""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from dalfix.analysis import reads
from dalfix.file_index import content_hash

if TYPE_CHECKING:
    from dalfix.analysis.drivers import DriverInfo
    from dalfix.analysis.project import Project
    from dalfix.analysis.relevance import Relevance
    from dalfix.rules import Rule

# What the checks of the current project read (file -> files) and the files whose check asked whether a fix may
# create a file: filled by the runner (a worker's reads come back with its answer), taken when the pack is stored.
RECORDED: dict[Path, set[Path]] = {}
ASKED: set[Path] = set()
# The files a worker's `stand_in` facts concern (task 0's answer, one set per answer), when a worker built them.
CONCERNED: list[set[Path]] = []
# The files a project-wide memo built inside a file's check read (`reads.project_wide`; file -> files): every result
# depends on them, whatever file's check built it.
WIDE: dict[Path, set[Path]] = {}


def per_file(rules: Iterable[type[Rule]]) -> bool:
    """Whether a project's results may be reused per file: every rule that builds project facts of its own says which
    files they concern (`Rule.stand_in`, DAL010's index plan: the files it reports on are checked again each run;
    under it, a file it does not concern gets what the stand-in facts give, nothing)."""
    from dalfix.rules import Rule

    own = Rule.project_facts.__func__  # type: ignore[attr-defined]
    return all(rule.stand_in or rule.project_facts.__func__ is own for rule in rules)  # type: ignore[attr-defined]


def with_concern(facts: str, concern: Iterable[Path]) -> str:
    """The project-wide facts of a run with a `stand_in` rule: also which files that rule's facts concern."""
    return content_hash("\n".join([facts, *sorted(str(path) for path in concern)]).encode("utf-8", "surrogateescape"))


def canonical(value: object) -> object:
    """`value` as JSON-able data that does not depend on hashing order (sets and dict keys sorted); TypeError for
    anything else (a tree node: such a fact cannot be compared across runs)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, enum.Enum):
        return canonical(value.value)
    if isinstance(value, tuple | list):
        return [canonical(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((canonical(v) for v in value), key=_order)
    if isinstance(value, dict):
        return sorted(([canonical(k), canonical(v)] for k, v in value.items()), key=_order)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [type(value).__name__, *(canonical(getattr(value, f.name)) for f in dataclasses.fields(value))]
    raise TypeError(f"not plain data: {type(value).__name__}")


def _order(value: object) -> str:
    return json.dumps(value, sort_keys=True)


def driver_facts(project: Project) -> str:
    """A hash of the project-wide facts a file's vocabulary reads (which drivers the application creates and casts
    its handles to): with the modules its imports reach, what decides its `Project.handle_passing_calls`."""
    facts = [project.application_drivers, project.created_driver_names, project.handle_type_casts()]
    return content_hash(json.dumps(canonical(facts), separators=(",", ":")).encode("utf-8", "surrogateescape"))


def encode_calls(calls: Iterable[tuple[tuple[Path, str, str], str]]) -> list[list[object]]:
    return [[str(path), function, name, kind] for (path, function, name), kind in calls]


def decode_calls(data: object) -> list[tuple[tuple[Path, str, str], str]]:
    """`encode_calls` read back (ValueError when it is not that)."""
    if not isinstance(data, list):
        raise ValueError("not a list of calls")
    calls = []
    for item in data:
        if not (isinstance(item, list) and len(item) == 4 and all(isinstance(part, str) for part in item)):
            raise ValueError("not a call")
        calls.append(((Path(item[0]), item[1], item[2]), item[3]))
    return calls


def encode_handles(handles: Mapping[str, DriverInfo]) -> list[list[object]]:
    """A file's `Summaries.handles_at` as plain data, in its order."""
    return [
        [
            name,
            d.driver,
            d.dialect,
            d.evidence,
            d.connection,
            None if d.defined_in is None else str(d.defined_in),
            d.schema_option,
        ]
        for name, d in handles.items()
    ]


def decode_handles(data: object) -> dict[str, DriverInfo]:
    """`encode_handles` read back (ValueError when it is not that)."""
    from dalfix.analysis.drivers import DriverInfo

    if not isinstance(data, list):
        raise ValueError("not a list of handles")
    found = {}
    for item in data:
        if not (isinstance(item, list) and len(item) == 7):
            raise ValueError("not a handle")
        name, driver, dialect, evidence, connection, defined_in, schema_option = item
        if not (isinstance(name, str) and isinstance(driver, str) and isinstance(evidence, str)):
            raise ValueError("not a handle")
        if not all(v is None or isinstance(v, str) for v in (dialect, connection, defined_in)):
            raise ValueError("not a handle")
        if schema_option is not None and not isinstance(schema_option, bool):
            raise ValueError("not a handle")
        found[name] = DriverInfo(
            driver, dialect, evidence, connection, None if defined_in is None else Path(defined_in), schema_option
        )
    return found


def global_facts(project: Project, digest_of: Callable[[Path], str]) -> tuple[str, set[Path]]:
    """A hash of the project-wide facts a file's check may read (see the module docstring), computed now: each is
    memoised, so the checks read these very values; and the files the schema was read from (every result depends on
    them). Raises when a fact cannot be built or compared (the caller then reuses nothing)."""
    from dalfix.analysis.transactions import (
        _one_project_driver,
        application_handle_kinds,
        project_import_driver,
        transaction_helpers,
    )

    facts: list[object] = [
        list(project.analysed),
        project.transaction_parameters,
        project.application_drivers,
        project.created_driver_names,
        project.project_driver_concurrency,
        project.handle_type_casts(),
        project.defined_drivers(),
        _one_project_driver(project),
        project_import_driver(project),
        application_handle_kinds(project),
        transaction_helpers(project),
        project.client_files,
    ]
    if any(rule.reads_sql_facts for rule in project.rules):  # DAL003's onConflict target, DAL010's indexes
        from dalfix.analysis.index_plan import sql_facts

        facts.append(sql_facts(project))
    schema_reads: Iterable[Path]
    if "schema" not in project.__dict__:
        with reads.recording() as schema_reads:
            model = project.schema
    elif project.schema_reads is not None:  # read in a share, recording the same (`Project._read_schema_in_share`)
        model, schema_reads = project.schema, project.schema_reads
    else:
        raise ValueError("the schema was read before: which files it read is not known")
    facts.append(model.candidates)
    schema_files = {*schema_reads, *(path for chosen in model.candidates for path in chosen)}
    text = json.dumps(canonical(facts), separators=(",", ":"))
    return content_hash(text.encode("utf-8", "surrogateescape")), schema_files


class ProjectDependencies:
    """The import graph of a project's analysed files and what each one's result depends on (`key`)."""

    def __init__(
        self,
        relevance: Relevance,
        analysed: Iterable[Path],
        digest_of: Callable[[Path], str],
        extra: Iterable[Path],
    ) -> None:
        self.digest_of = digest_of
        self.extra = set(extra)
        self._index: dict[Path, int] = {}
        self._paths: list[Path] = []
        self._links = relevance._links
        self.reach: dict[Path, int] = {}  # file -> bit mask of the modules its imports reach (itself included)
        self._tarjan(list(analysed))
        self._hashes: list[int] | None = None
        self._combined: dict[int, int] = {}  # reach mask -> the XOR of its modules' hashes
        self._extra: str | None = None

    def _node(self, path: Path) -> int:
        index = self._index.get(path)
        if index is None:
            index = self._index[path] = len(self._paths)
            self._paths.append(path)
        return index

    def _successors(self, path: Path) -> list[Path]:
        links = self._links(path)
        if links is None:
            return []
        targets = [target for target, _ in links.imports]
        targets += [target for each in links.reexports.values() for target, _ in each]
        return [*dict.fromkeys([*targets, *links.stars, *links.opaque])]

    def _tarjan(self, starts: list[Path]) -> None:
        """Strongly connected components (iterative Tarjan); each component's mask is its members' bits and the
        masks of the components it reaches, finished before it."""
        number: dict[Path, int] = {}
        low: dict[Path, int] = {}
        stack: list[Path] = []
        on_stack: set[Path] = set()
        for start in starts:
            if start in number:
                continue
            work: list[tuple[Path, list[Path], int]] = [(start, self._successors(start), 0)]
            number[start] = low[start] = len(number)
            stack.append(start)
            on_stack.add(start)
            while work:
                node, successors, at = work[-1]
                if at < len(successors):
                    work[-1] = (node, successors, at + 1)
                    successor = successors[at]
                    if successor not in number:
                        number[successor] = low[successor] = len(number)
                        stack.append(successor)
                        on_stack.add(successor)
                        work.append((successor, self._successors(successor), 0))
                    elif successor in on_stack:
                        low[node] = min(low[node], number[successor])
                    continue
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] != number[node]:
                    continue
                members = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    members.append(member)
                    if member == node:
                        break
                mask = 0
                for member in members:
                    mask |= 1 << self._node(member)
                for member in members:
                    for successor in self._successors(member):
                        if successor not in on_stack and successor in self.reach:
                            mask |= self.reach[successor]
                for member in members:
                    self.reach[member] = mask

    def reaches(self, path: Path, other: Path) -> bool:
        index = self._index.get(other)
        return index is not None and path in self.reach and bool(self.reach[path] >> index & 1)

    def key(self, path: Path, facts: str) -> str | None:
        """What `path`'s result (or other data computed from it under project-wide `facts`) depends on, as a hash:
        the facts, the contents of every module its imports reach (itself included) and of the `extra` files. None:
        not a file of the graph."""
        mask = self.reach.get(path)
        if mask is None:
            return None
        if self._hashes is None:
            self._hashes = [
                int(content_hash(f"{p}\0{self.digest_of(p)}".encode("utf-8", "surrogateescape")), 16)
                for p in self._paths
            ]
        combined = self._combined.get(mask)
        if combined is None:  # files of one component, or with the same reach, share it
            hashes, combined = self._hashes, 0
            bits = bin(mask)[:1:-1]
            at = bits.find("1")
            while at >= 0:
                combined ^= hashes[at]
                at = bits.find("1", at + 1)
            self._combined[mask] = combined
        if self._extra is None:
            parts = sorted(f"{p}\0{self.digest_of(p)}" for p in self.extra)
            self._extra = content_hash("\n".join(parts).encode("utf-8", "surrogateescape"))
        return content_hash(f"{facts}\n{combined:032x}\n{self._extra}".encode())

    def add_extra(self, paths: Iterable[Path]) -> None:
        """Files every result depends on from now on."""
        before = len(self.extra)
        self.extra.update(paths)
        if len(self.extra) != before:
            self._extra = None

    def outside(self, path: Path, read: Iterable[Path]) -> set[Path]:
        """The files of `read` that `path`'s imports do not reach."""
        return {other for other in read if not self.reaches(path, other)}


def digests_for(scanned: Mapping[str, str], file_hash: Callable[[str], str | None]) -> Callable[[Path], str]:
    """The content hash of any file: a scanned file's from the run's reading, else the repository walk's (the
    index's), else read now; memoised for the run."""
    memo: dict[Path, str] = {}

    def digest_of(path: Path) -> str:
        found = memo.get(path)
        if found is None:
            text = str(path)
            found = scanned.get(text) or file_hash(text)
            if found is None:
                try:
                    found = content_hash(path.read_bytes())
                except OSError as exc:
                    found = f"unreadable:{exc.errno}"
            memo[path] = found
        return found

    return digest_of
