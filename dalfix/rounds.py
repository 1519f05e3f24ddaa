"""What a fix round must check again (issue 17: no file above 10x the per-line median).

After a round's fixes the fixpoint checks the new tree for fixes that are left. Only the top-level statements the
round edited need that check when everything the rules read outside a statement is the same as before the round
(the audit, bench/speed.md "Fix rounds, third pass"); the other statements then give the findings they gave, and
none of those is a fix left to apply. `recheck_ranges` decides, conservatively: any doubt gives None, a full round.

What it requires of a round (old tree -> new tree):
- every edit (the fixes', and the imports `ensure_imports` and `unused_import_edits` add or drop) lies strictly
  inside a statement block of a function, within one top-level statement: the bytes outside those statements,
  and the top-level statements themselves (kind and order), are unchanged;
- no masked bytes in either tree (a masked file is re-checked whole);
- the file's facts the rules read outside a statement are equal, positions outside the edited statements mapped
  through the round's shift: the vocabulary (every field: handle names, factories, types, transaction callbacks,
  typed and transaction parameters), the style (quotes, semicolons, indent, newline, print width), the rules whose
  needles the source holds, whether the file is left out as setup code, and the error regions;
- the names of variable declarators the round added, removed or changed (old and new edited statements compared
  as multisets of bound names and text) are not looked up from outside the edited statements: lookups by name
  that reach the whole file (loops.py's binding, `_const_initializer`, `transactions._declarators`, `_is_logger`)
  stop at a function declaring the name, so each occurrence outside must be in one (a logger's or a handle's
  name: no occurrence outside at all);
- every fix the previous round's check offered outside the edited statements is rejected (by key: rule and edit
  texts), so it is no candidate in the full round either.

`DALFIX_VERIFY_ROUNDS=1` makes the fixpoint run the full round as well and fail on any difference (runner.py).
"""

from __future__ import annotations

import bisect
import os
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from dalfix.analysis.drizzle import Vocabulary
from dalfix.analysis.effects import LOGGER_NAME
from dalfix.parsing import FUNCTION_TYPES, Node, ParsedFile, descendants_of_type, walk
from dalfix.render import SourceStyle

if TYPE_CHECKING:
    from dalfix.analysis.project import Project
    from dalfix.fixes import Finding
    from dalfix.rules import Rule

# Vocabulary fields holding byte ranges of the tree: compared outside the edited statements, positions mapped.
_POSITIONAL = ("transaction_scopes", "typed_db_params", "typed_tx_params", "maybe_tx_params", "unseen_tx_params")
# Not facts: the tree itself, closures over the project (its tables, its transaction runners), a memo.
_NOT_FACTS = ("parsed", "is_table", "tx_runner", "_span_indexes", "_serial")


def verifying() -> bool:
    """Whether each restricted re-check is compared with the full round (`DALFIX_VERIFY_ROUNDS=1`)."""
    return os.environ.get("DALFIX_VERIFY_ROUNDS") == "1"


@dataclass
class FileFacts:
    """What the rules read of a file outside the statement they report on (see the module docstring)."""

    vocabulary: dict[str, object]
    positional: dict[str, list[tuple[int, ...]]]
    style: SourceStyle
    enabled: tuple[str, ...]
    left_out: bool
    error_regions: list[tuple[int, int]]


def file_facts(parsed: ParsedFile, project: Project, rules: Sequence[type[Rule]], left_out: bool) -> FileFacts:
    vocabulary = project.vocabulary_for(parsed)
    plain: dict[str, object] = {}
    positional: dict[str, list[tuple[int, ...]]] = {}
    for f in fields(Vocabulary):
        if f.name in _NOT_FACTS:
            continue
        value = getattr(vocabulary, f.name)
        if f.name in _POSITIONAL:
            positional[f.name] = [tuple(entry) for entry in value]
        else:
            plain[f.name] = value
    source = parsed.source
    enabled = tuple(r.code for r in rules if r.may_match(source))
    return FileFacts(plain, positional, style_of(parsed), enabled, left_out, list(parsed.error_regions))


def style_of(parsed: ParsedFile) -> SourceStyle:
    """`SourceStyle.detect` of the file, kept on the parse (the check's context and the round's facts ask)."""
    cached = parsed.__dict__.get("_rounds_style")
    if cached is None:
        cached = parsed.__dict__["_rounds_style"] = SourceStyle.detect(parsed.source, parsed.root, parsed.path)
    return cached


def recheck_ranges(
    old: ParsedFile,
    old_facts: FileFacts,
    new: ParsedFile,
    new_facts: FileFacts | None,
    project: Project,
    rules: Sequence[type[Rule]],
    left_out: bool,
    accepted: Sequence[Finding],
    offered: Sequence[Finding],
    rejected: set[tuple[str, tuple[str, ...]]],
) -> tuple[tuple[int, int], ...] | None:
    """The byte ranges (of `new`) of the top-level statements the round edited, when checking only those gives
    the full round's fixes; else None. `offered`: the fixes the previous check offered (allowed by the threshold);
    `rejected`: the keys of the fixes rejected so far (this round's included)."""
    if old.masks or new.masks:
        return None
    olds, news = old.root.named_children, new.root.named_children
    if len(olds) != len(news) or any(o.type != n.type for o, n in zip(olds, news, strict=True)):
        return None
    starts = [o.start_byte for o in olds]
    dirty: set[int] = set()
    for finding in accepted:
        assert finding.fix is not None
        for edit in finding.fix.edits:
            index = bisect.bisect_right(starts, edit.start) - 1
            if index < 0 or edit.end > olds[index].end_byte or not _inside_function_body(olds[index], edit):
                return None
            dirty.add(index)
    if not dirty or not _same_outside(old.source, new.source, olds, news, dirty):
        return None
    old_ranges = [(olds[i].start_byte, olds[i].end_byte) for i in sorted(dirty)]
    new_ranges = tuple((news[i].start_byte, news[i].end_byte) for i in sorted(dirty))
    applied = {id(f) for f in accepted}
    for finding in offered:
        if id(finding) in applied:
            continue
        assert finding.fix is not None
        spans = [(finding.start, finding.end), *((e.start, e.end) for e in finding.fix.edits)]
        inside = all(any(s <= a and b <= e for s, e in old_ranges) for a, b in spans)
        if not inside and (finding.rule, tuple(e.text for e in finding.fix.edits)) not in rejected:
            return None
    facts = new_facts if new_facts is not None else file_facts(new, project, rules, left_out)
    if not _same_facts(old_facts, facts, olds, news, dirty):
        return None
    changed = _changed_declared_names(old, new, [olds[i] for i in sorted(dirty)], [news[i] for i in sorted(dirty)])
    if changed and _seen_from_outside(new, new_ranges, changed, _handle_names(old_facts) | _handle_names(facts)):
        return None
    return new_ranges


def _inside_function_body(top: Node, edit: object) -> bool:
    """Whether the edit lies strictly inside a statement block of a function (its braces excluded)."""
    start, end = edit.start, edit.end  # type: ignore[attr-defined]
    node: Node | None = top.descendant_for_byte_range(start, max(start, end - 1))
    while node is not None and node.start_byte >= top.start_byte:
        if node.type == "statement_block" and node.start_byte < start and end < node.end_byte:
            current = node.parent
            while current is not None:
                if current.type in FUNCTION_TYPES:
                    return True
                current = current.parent
            return False
        node = node.parent
    return False


def _same_outside(old: bytes, new: bytes, olds: list[Node], news: list[Node], dirty: set[int]) -> bool:
    """Whether the bytes outside the edited top-level statements are the same, statement by statement and gap by
    gap (comments are statements here: `named_children` holds them)."""
    old_end = new_end = 0
    for index, (o, n) in enumerate(zip(olds, news, strict=True)):
        if old[old_end : o.start_byte] != new[new_end : n.start_byte]:
            return False
        if index not in dirty and old[o.start_byte : o.end_byte] != new[n.start_byte : n.end_byte]:
            return False
        old_end, new_end = o.end_byte, n.end_byte
    return old[old_end:] == new[new_end:]


def _changed_declared_names(old: ParsedFile, new: ParsedFile, old_tops: list[Node], new_tops: list[Node]) -> set[str]:
    def declarators(parsed: ParsedFile, tops: list[Node]) -> Counter[tuple[frozenset[str], bytes]]:
        found: Counter[tuple[frozenset[str], bytes]] = Counter()
        # The tree's declarators from its search index (the rules' search of the same tree builds or built it), those
        # inside the tops: a query of each top of its own cost about as much again. Counted: the order is moot.
        spans = [(top.start_byte, top.end_byte) for top in tops]
        for declarator in descendants_of_type(parsed.root, "variable_declarator"):
            if not any(start <= declarator.start_byte and declarator.end_byte <= end for start, end in spans):
                continue
            name = declarator.child_by_field_name("name")
            names = frozenset(
                parsed.text(n)
                for n in (walk(name) if name is not None else ())
                if n.type in ("identifier", "shorthand_property_identifier_pattern")
            )
            found[(names, parsed.source[declarator.start_byte : declarator.end_byte])] += 1
        return found

    before, after = declarators(old, old_tops), declarators(new, new_tops)
    return {name for names, _ in (before - after) + (after - before) for name in names}


def _handle_names(facts: FileFacts) -> set[str]:
    """Names the vocabulary knows as handles: DAL005 looks up their declarators anywhere in the file."""
    names = {str(n) for n in facts.vocabulary["db_names"]}  # type: ignore[attr-defined]
    names |= {str(n) for n in facts.vocabulary["handle_drivers"]}  # type: ignore[attr-defined]
    for entries in facts.positional.values():
        for entry in entries:
            names |= set(entry[2]) if isinstance(entry[2], frozenset) else {str(entry[2])}
    return names


def _seen_from_outside(
    parsed: ParsedFile, ranges: tuple[tuple[int, int], ...], names: set[str], strict: set[str]
) -> bool:
    """Whether a lookup by name from outside `ranges` could reach a declarator of `names` inside them: the name
    occurs as an identifier outside the ranges, and that occurrence is not inside a function binding it (see
    `_declared_around`). A logger's name (`_is_logger`) or a handle's (`transactions._declarators`) is looked up
    over the whole file: any occurrence as a word counts (strings and comments included)."""
    source = parsed.source
    pattern = re.compile(rb"(?<![\w$])(?:" + b"|".join(re.escape(n.encode()) for n in sorted(names)) + rb")(?![\w$])")
    at = 0
    for start, end in [*ranges, (len(source), len(source))]:
        for match in pattern.finditer(source, at, start):
            name = match.group().decode()
            if name in strict or LOGGER_NAME.match(name) or not _declared_around(parsed, match.start(), match.end()):
                return True
        at = end
    return False


def _declared_around(parsed: ParsedFile, start: int, end: int) -> bool:
    """Whether the occurrence at start..end is no variable reference (a string's, a comment's, a property's or a
    type's text: the lookups start from identifiers), or a function around it binds the name: a parameter
    (`(name) =>`, `(name: T) =>`: loops.py's binding stops there) or a `const name = …` anywhere in it (where
    loops.py's binding and `_const_initializer` stop)."""
    name = parsed.source[start:end]
    node: Node | None = parsed.root.descendant_for_byte_range(start, end)
    if node is None or node.type not in ("identifier", "shorthand_property_identifier"):
        return True
    if (node.start_byte, node.end_byte) != (start, end):
        return False
    while node is not None:
        if node.type in FUNCTION_TYPES:
            params = node.child_by_field_name("parameters")
            for param in params.named_children if params is not None else ():
                pattern = param.child_by_field_name("pattern")
                if pattern is not None and pattern.text == name:
                    return True
            for declarator in descendants_of_type(node, "variable_declarator"):
                target = declarator.child_by_field_name("name")
                if target is not None and target.type == "identifier" and target.text == name:
                    return True
        node = node.parent
    return False


def _same_facts(old: FileFacts, new: FileFacts, olds: list[Node], news: list[Node], dirty: set[int]) -> bool:
    if (old.vocabulary, old.style, old.enabled, old.left_out) != (new.vocabulary, new.style, new.enabled, new.left_out):
        return False
    old_starts = [o.start_byte for o in olds]
    new_starts = [n.start_byte for n in news]

    def outside(entries: list[tuple[int, ...]], starts: list[int], tops: list[Node], shift: bool) -> list[tuple] | None:
        kept: list[tuple] = []
        for entry in entries:
            start, end, rest = entry[0], entry[1], entry[2:]
            index = bisect.bisect_right(starts, start) - 1
            if index >= 0 and index in dirty and end <= tops[index].end_byte:
                continue  # inside an edited statement
            if index >= 0 and index in dirty:
                return None  # a range reaching out of an edited statement: not comparable
            delta = (news[index].start_byte - olds[index].start_byte) if shift and index >= 0 else 0
            kept.append((start + delta, end + delta, *rest))
        return kept

    pairs = [(old.positional[name], new.positional[name]) for name in _POSITIONAL]
    pairs.append(([(*r,) for r in old.error_regions], [(*r,) for r in new.error_regions]))
    for before, after in pairs:
        mapped = outside(before, old_starts, olds, True)
        if mapped is None or mapped != outside(after, new_starts, news, False):
            return False
    return True
