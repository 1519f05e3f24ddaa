"""Rendering fix templates: jinja2 with StrictUndefined, re-indented to the insertion column, in the file's style."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from tree_sitter import Node

from dalfix.parsing import descendants_unordered, walk
from dalfix.print_width import (
    DEFAULT_PRINT_WIDTH,
    DEFAULT_TAB_WIDTH,
    FormatterSettings,
    break_arrow_argument,
    break_call_arguments,
    break_for_head,
    break_object_argument,
    break_property_value,
    display_width,
    formatter_settings_for,
    hug_last_object,
    wrap_long_line,
)

if TYPE_CHECKING:
    import jinja2


@dataclass(frozen=True)
class SourceStyle:
    """The conventions of one file that generated code must follow."""

    newline: str  # "\n" or "\r\n"
    indent_unit: str  # "  ", "    " or "\t"
    quote: str  # "'" or '"'
    semicolons: bool
    # Generated lines longer than this are wrapped where they hold a method chain (dalfix/print_width.py).
    print_width: int = DEFAULT_PRINT_WIDTH
    # Columns a tab counts for the width (Prettier's tabWidth, Biome's indentWidth).
    tab_width: int = DEFAULT_TAB_WIDTH
    # "prettier" / "biome" / "oxfmt" when the project's formatter configuration was found: generated code then
    # follows their layout where dalfix knows it (see `fits`); None keeps the source's own line breaks.
    formatter: str | None = None
    trailing_commas: bool = True  # the formatter ends broken call arguments with a comma
    object_commas: bool = True  # and a broken object literal

    @classmethod
    def detect(cls, source: bytes, root: Node | None = None, path: Path | None = None) -> SourceStyle:
        """The file's style; with `path`, the print width its project's formatter settings give."""
        text = source.decode("utf-8", "surrogateescape")
        crlf = text.count("\r\n")
        newline = "\r\n" if crlf and crlf * 2 >= text.count("\n") else "\n"
        semicolons = _tree_semicolons(root) if root is not None else _semicolons(text)
        settings = formatter_settings_for(path) if path is not None else FormatterSettings(DEFAULT_PRINT_WIDTH)
        return cls(
            newline,
            _indent_unit(text),
            _quote(text),
            semicolons,
            settings.width,
            settings.tab_width,
            settings.formatter,
            settings.trailing_commas,
            settings.object_commas,
        )

    def fits(self, line: str) -> bool:
        """Whether `line` (with its indentation) fits the print width."""
        return display_width(line, self.tab_width) <= self.print_width


_STATEMENTS = frozenset(
    {
        "lexical_declaration",
        "expression_statement",
        "return_statement",
        "import_statement",
        "variable_declaration",
        "throw_statement",
    }
)


def _tree_semicolons(root: Node) -> bool:
    """Whether most statements end with an explicit `;` (multi-line statements included)."""
    ended = total = 0
    # The named nodes of those types, found by one query (detected again in each fix round: a cursor walk over every
    # node in Python was most of it); counted, so in any order.
    for node in descendants_unordered(root, *_STATEMENTS):
        if node.child_count:
            total += 1
            last = node.children[-1]
            ended += last.type == ";" and not last.is_missing
    return True if total == 0 else ended * 2 >= total


def _indent_unit(text: str) -> str:
    tabs = spaces2 = spaces4 = steps2 = steps4 = 0
    previous: int | None = None
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("\t"):
            tabs += 1
            previous = None
            continue
        width = len(line) - len(line.lstrip(" "))
        if width % 4 == 0:
            spaces4 += width > 0
        elif width % 2 == 0:
            spaces2 += 1
        if previous is not None:
            steps2 += width - previous == 2
            steps4 += width - previous == 4
        previous = width
    if tabs > spaces2 + spaces4:
        return "\t"
    # A file indented only in multiples of four uses four. Else the step most lines go in by: a four-space file has
    # lines at odd multiples of two where Prettier aligns a conditional's branch (`? await q({` then `      where`),
    # a two-space file steps in by four there too, but far more lines of either step in by one unit.
    return "    " if spaces4 and (not spaces2 or steps4 > steps2) else "  "


_IMPORT_QUOTE = re.compile(r"""^\s*(?:import|export)\b[^\n]*?\bfrom\s*(['"])""", re.M)


def _quote(text: str) -> str:
    quotes = [m.group(1) for m in _IMPORT_QUOTE.finditer(text)]
    if not quotes:
        return "'" if text.count("'") >= text.count('"') else '"'
    return "'" if quotes.count("'") >= quotes.count('"') else '"'


def _semicolons(text: str) -> bool:
    statements = re.findall(r"^\s*(?:const|let|var|return|import)\b.*$", text, re.M)
    if not statements:
        return True
    ended = sum(1 for s in statements if s.rstrip().endswith(";"))
    return ended * 2 >= len(statements)


@cache
def template_environment() -> jinja2.Environment:
    import jinja2  # only when a fix is rendered: a run without fixes does not pay for importing it

    root = resources.files("templates")
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )


def template_names() -> list[str]:
    return sorted(t for t in template_environment().list_templates() if t.endswith(".ts.j2"))


def render_template(name: str, style: SourceStyle, indent: str, **variables: object) -> str:
    """Render `templates/<name>` and place it at a line indented by `indent`.

    Templates write one level of indentation as `{{ i }}` (the file's unit), semicolons as `{{ semi }}`
    and quotes as `{{ q }}`. Every output line after the first gets `indent` prepended (the first lands at
    the insertion column already); lines are joined with the file's newline. A line longer than the style's
    print width that holds a method chain is broken before each call, one level deeper. Node texts passed in keep
    their relative indentation: move them with `reindent()` to the level they land at first.
    """
    template = template_environment().get_template(name)
    text = template.render(i=style.indent_unit, q=style.quote, semi=";" if style.semicolons else "", **variables)
    text = text.replace("\r\n", "\n").rstrip("\n")
    lines = text.split("\n")
    out = to_width(indent + lines[0], style)
    out[0] = out[0][len(indent) :]  # the first line lands at the insertion column already
    for line in lines[1:]:
        out.extend(to_width(indent + line, style) if line.strip() else [""])
    return style.newline.join(out)


def to_width(line: str, style: SourceStyle) -> list[str]:
    """A generated line broken to the print width: a method chain before its calls; then, where the project's
    formatter is known, a call that still does not fit with its arguments one per line (a node's text moved one
    level deeper may no longer fit where it did), a call of one arrow function (`.filter((x) => g)`) or of one
    object literal (`.values({ … })`) and a `for` head as the formatters break them."""
    lines = wrap_long_line(line, style.indent_unit, style.print_width, style.tab_width)
    if style.formatter is None:
        return lines
    hugged = hug_last_object(line, style.indent_unit, style.print_width, style.tab_width, style.object_commas)
    if hugged is not None and len(lines) > 1 and not style.fits(lines[-1]):
        return hugged
    unit, width, tabs = style.indent_unit, style.print_width, style.tab_width
    out: list[str] = []
    for each in lines:
        pieces = break_call_arguments(each, unit, width, tabs, style.trailing_commas)
        if pieces == [each]:
            pieces = break_arrow_argument(each, unit, width, tabs, style.trailing_commas)
        if pieces == [each]:
            pieces = break_object_argument(each, unit, width, tabs, style.object_commas)
        if pieces == [each]:
            pieces = break_for_head(each, unit, width, tabs)
        if pieces == [each]:
            pieces = break_property_value(each, unit, width, tabs, style.trailing_commas)
        out.extend(pieces)
    return out


def reindent(text: str, from_indent: str, to_indent: str) -> str:
    """Move a node's text from a line indented `from_indent` to one indented `to_indent`.

    The first line is left alone (it starts mid-line); each later line loses `from_indent` (when it
    starts with it) and gains `to_indent`. Returns "\\n" newlines; `render_template` restores the file's.
    """
    lines = text.replace("\r\n", "\n").split("\n")
    out = [lines[0]]
    for line in lines[1:]:
        if not line.strip():
            out.append("")
            continue
        if line.startswith(from_indent):
            line = line[len(from_indent) :]
        out.append(to_indent + line)
    return "\n".join(out)


# ---- Prettier's and Biome's member-chain layout, as far as generated code needs it ------------------------------

_TAGGED = re.compile(r"[A-Za-z_$][\w$.]*(<[\w$.\[\], ]+>)?`[^`$\n\\]*`")
_LEAF_TYPES = frozenset({"identifier", "this", "number", "string", "true", "false", "null", "undefined"})


def _leaf(node: Node, tagged: bool = False) -> bool:
    """An identifier, literal or `a.b.c`; with `tagged`, also a tagged template without substitutions
    (sql<number> and a template `count(*)`), which Biome treats as simple and Prettier does not."""
    if node.type in _LEAF_TYPES:
        return True
    if node.type == "member_expression":  # `videos.id`, `a.b.c`
        inner = node.child_by_field_name("object")
        return inner is not None and _leaf(inner)
    text = (node.text or b"").decode("utf-8", "replace")
    if node.type == "template_string":
        return "\n" not in text and not any(c.type == "template_substitution" for c in node.named_children)
    # sql<number> and a template (tree-sitter may read the type argument as `<` and `>` comparisons)
    return tagged and node.type in ("call_expression", "binary_expression") and _TAGGED.fullmatch(text) is not None


def _simple_argument(node: Node, tagged: bool = False) -> bool:
    """Prettier's `isSimpleCallArgument`, conservatively: leaves, a call of leaves (`eq(t.id, id)`), an object
    or array of leaves. A call inside a call (`and(eq(…), eq(…))`) or a function is not simple."""
    if _leaf(node, tagged):
        return True
    if node.type == "object":
        return all(c.type == "shorthand_property_identifier" or _simple_pair(c, tagged) for c in node.named_children)
    if node.type == "array":
        return all(_leaf(c, tagged) for c in node.named_children)
    if node.type == "call_expression":
        function, args = node.child_by_field_name("function"), node.child_by_field_name("arguments")
        return (
            function is not None
            and _leaf(function)
            and args is not None
            and args.type == "arguments"
            and all(_leaf(a, tagged) for a in args.named_children)
        )
    return False


def _simple_pair(node: Node, tagged: bool) -> bool:
    key, value = node.child_by_field_name("key"), node.child_by_field_name("value")
    return (
        node.type == "pair"
        and key is not None
        and key.type in ("property_identifier", "string")
        and (value is not None and _leaf(value, tagged))
    )


def chain_on_one_line(node: Node, text: str, formatter: str | None = "prettier") -> str | None:
    """`text`, a method chain broken before its calls (`db` / `.select()` / `.from(t)` / `.where(eq(…))`), on one
    line, when every call's arguments are simple: Prettier and Biome then print the chain on one line wherever it
    fits (an array element, an argument), so a chain moved there from a longer line must be joined to pass them.
    None when the chain has other line breaks, comments, or arguments that are not simple."""
    if "\n" not in text or "//" in text or "/*" in text:
        return None
    lines = text.replace("\r\n", "\n").split("\n")
    if not all(line.strip().startswith((".", "?.")) for line in lines[1:]):
        return None
    tagged = formatter == "biome"
    current: Node | None = node
    while current is not None:
        if current.type == "call_expression":
            args = current.child_by_field_name("arguments")
            if args is None or args.type != "arguments":
                return None
            if not all(_simple_argument(a, tagged) for a in args.named_children):
                return None
            current = current.child_by_field_name("function")
        elif current.type == "member_expression":
            current = current.child_by_field_name("object")
        elif current.type == "non_null_expression":
            current = current.named_children[0] if current.named_children else None
        else:
            break
    return lines[0].rstrip() + "".join(line.strip() for line in lines[1:])


def call_on_one_line(node: Node, text: str, formatter: str | None = "prettier") -> str | None:
    """`text`, a call whose arguments are broken one per line (`f(` / `a,` / `b,` / `)`), on one line when every
    argument is simple: Prettier and Biome keep no line breaks between call arguments, so a call moved where it
    fits is printed joined. The callee may be a call of simple arguments on one line (a curried helper,
    `getMembers(db)(orgId, userId)`). None for anything else (a chain, comments, arguments that are not simple)."""
    if "\n" not in text or "//" in text or "/*" in text or node.type != "call_expression":
        return None
    function, args = node.child_by_field_name("function"), node.child_by_field_name("arguments")
    if function is None or args is None or args.type != "arguments":
        return None
    curried = function.type == "call_expression" and "\n" not in _text(function) and _simple_argument(function)
    if not _leaf(function) and not curried:
        return None
    tagged = formatter == "biome"
    if not args.named_children or not all(_simple_argument(a, tagged) for a in args.named_children):
        return None
    if any("\n" in (a.text or b"").decode("utf-8", "replace") for a in args.named_children):
        return None
    callee = (function.text or b"").decode("utf-8", "replace")
    return callee + "(" + ", ".join((a.text or b"").decode("utf-8", "replace") for a in args.named_children) + ")"


def chain_with_shorter_head(
    chain: Node, head: Node, new_head: str, prefix: str, suffix: str, style: SourceStyle
) -> str | None:
    """The text of `chain` (the outermost call of a method chain on `head`) with `head` replaced by `new_head` (a
    bare name: the transaction's `tx` for `db()` or `this.db`), laid out as Prettier and Biome print it, when the
    project's formatter is known and the layout changes: a chain printed broken before each call
    (`await db()` / `.insert(t)` / `.values({`) becomes one line (`await tx.insert(t).values({`) where the
    formatters' member-chain rule prints it so. With a name for a head and two calls, or more calls whose arguments
    are all simple, and no call but the last breaking, they print the chain on one line when it fits up to its first
    forced line break (an object literal written broken, a function body); the last call's lines then move one
    level up. An object that must break keeps the chain on one line where `….values({` fits. `prefix` is what
    stands before the chain on its line where it lands (indentation included), `suffix` what follows it on its
    last line. The text returned is in the chain's original indentation; None keeps the source's layout (already
    on one line, comments, shapes dalfix does not lay out, or too long)."""
    if style.formatter is None or "//" in _text(chain) or "/*" in _text(chain):
        return None
    if chain.parent is None or chain.parent.type == "expression_statement":
        return None  # a statement of its own: a short head stays with the first call (Prettier's `isShort`)
    if any(t.type == "template_string" and "\n" in _text(t) for t in walk(chain)):
        return None  # lines inside a template literal never move
    groups: list[tuple[Node, Node]] = []  # (member, arguments) of each call, outermost first
    node: Node | None = chain
    while node is not None and node != head:
        function, args = node.child_by_field_name("function"), node.child_by_field_name("arguments")
        if node.type != "call_expression" or function is None or function.type != "member_expression":
            return None
        if args is None or args.type != "arguments":
            return None
        groups.append((function, args))
        node = function.child_by_field_name("object")
    if node is None or len(groups) < 2:
        return None
    groups.reverse()
    source, start = chain.text or b"", chain.start_byte
    previous = head.end_byte
    for member, args in groups:  # broken before every call: each `.name(` starts a line
        name = member.child_by_field_name("property")
        if name is None or name.prev_sibling is None:
            return None
        between = source[previous - start : name.prev_sibling.start_byte - start]
        if between.strip() or b"\n" not in between:
            return None
        previous = args.end_byte
    *leading, (last_member, last_args) = groups
    for _, args in leading:
        if "\n" in _text(args) or any(a.type in ("arrow_function", "function_expression") for a in args.named_children):
            return None  # a call but the last breaks, or passes a function: the formatters keep the chain broken
    tagged = style.formatter == "biome"
    if len(groups) > 2 and not all(_simple_argument(a, tagged) for _, args in groups for a in args.named_children):
        return None
    joined = new_head + "".join(_text(m)[len(_text(m.child_by_field_name("object"))):].strip() + _text(a)
                                for m, a in leading)  # fmt: skip
    last_name = _text(last_member)[len(_text(last_member.child_by_field_name("object"))) :].strip()
    last = _text(last_args)
    unit = style.indent_unit
    if "\n" not in last:
        if style.fits(prefix + joined + last_name + last + suffix):
            return joined + last_name + last
        indent = prefix[: len(prefix) - len(prefix.lstrip())]
        if style.fits(indent + unit + last_name + last + suffix):
            return None  # broken before each call, every line fits: they print it so
        # The last call's object must break: the formatters keep the chain on one line when `….values({` fits.
        hugged = hug_last_object(prefix + joined + last_name + last + suffix, unit, style.print_width,
                                 style.tab_width, style.object_commas)  # fmt: skip
        if hugged is None or not hugged[0].startswith(prefix + joined) or not hugged[-1].endswith(suffix):
            return None
        hugged[-1] = hugged[-1][: len(hugged[-1]) - len(suffix)]
        return "\n".join([hugged[0][len(prefix) :], *(h[len(unit) :] for h in hugged[1:])])
    if _forced_break(last_args):
        first, *rest = last.split("\n")
        if not style.fits(prefix + joined + last_name + first):
            return None
        return "\n".join([joined + last_name + first, *(r[len(unit) :] if r.startswith(unit) else r for r in rest)])
    # Broken only for the width: longer still once joined (the last call's first line was already too long).
    return None


def expanded_chain(
    source: bytes, start: int, last_call: Node, steps: list[str], tail: str, line_prefix: str, style: SourceStyle
) -> str | None:
    """A hugged method chain given more calls, laid out as Prettier and Biome print it.

    The source holds `await db.insert(t).values({` / `…` / `})`: a chain on one line whose only line breaks are in
    its last call's object literal (`last_call`), written broken. A fix adds calls after it (`steps`, each without
    its dot, e.g. `onConflictDoNothing({ target: t.id })`), before `tail` (the chain's calls after `last_call` in the
    source, on one line: `.returning()`, or ""). With more than two calls and one but the last breaking, the
    formatters print the chain broken before each call: the head (`await db`, `db()`, `this.db`) on the first line,
    every call one level in on a line of its own, the object's lines one level deeper than they were; an added call
    that does not fit is broken as they break it. Returns the text from `start` (e.g. the `await`) to the chain's
    end, later lines with their indentation; `line_prefix` is what stands before `start` on its line. None when
    the formatter is unknown or the chain has another shape (line breaks elsewhere, comments, a template literal
    spanning lines, a tail that is not plain calls) or the head's line does not fit."""
    if style.formatter is None or not steps:
        return None
    calls: list[Node] = []
    node: Node | None = last_call
    while node is not None and node.type == "call_expression":
        function = node.child_by_field_name("function")
        if function is None or function.type != "member_expression":
            break
        calls.append(node)
        node = function.child_by_field_name("object")
    if node is None or not calls:
        return None
    head = node
    calls.reverse()
    begin = source.rfind(b"\n", 0, start) + 1
    text = _text_between(source, begin, last_call.end_byte)
    args = last_call.child_by_field_name("arguments")
    if "//" in text or "/*" in text or args is None or "\n" in _text_between(source, start, args.start_byte):
        return None
    if len(args.named_children) != 1 or args.named_children[0].type != "object":
        return None
    if not _forced_break(args) or any(t.type == "template_string" and "\n" in _text(t) for t in walk(args)):
        return None
    semicolon = ";" if tail.rstrip().endswith(";") else ""
    tail = tail.rstrip()[: len(tail.rstrip()) - len(semicolon)]
    tail_calls = re.findall(r"\s*(\??\.[A-Za-z_$][\w$]*\([^()\n]*\))", tail)
    if "".join("".join(c.split()) for c in tail_calls) != "".join(tail.split()):
        return None  # something else follows the chain
    if len(calls) + len(steps) + len(tail_calls) <= 2:
        return None
    unit = style.indent_unit
    indent = line_prefix[: len(line_prefix) - len(line_prefix.lstrip())]
    first = source[start : head.end_byte].decode("utf-8", "surrogateescape")
    if not style.fits(line_prefix + first):
        return None
    lines, previous = [first], head.end_byte
    for call in calls:  # each call's text after the chain before it: `.insert(t)`, `.values({ … })`
        link = _text_between(source, previous, call.end_byte).strip()
        previous = call.end_byte
        lines.append(indent + unit + (reindent(link, "", unit) if call == last_call else link))
    for step in steps:
        lines.extend(to_width(indent + unit + "." + step, style))
    lines.extend(indent + unit + call.strip() for call in tail_calls)
    return "\n".join(lines) + semicolon


def _text_between(source: bytes, start: int, end: int) -> str:
    return source[start:end].decode("utf-8", "surrogateescape")


def _text(node: Node | None) -> str:
    return (node.text or b"").decode("utf-8", "surrogateescape") if node is not None else ""


def _forced_break(node: Node) -> bool:
    """Whether the formatters must break inside `node`: an object literal written with a line break after its `{`
    (they keep it broken), a function body with statements, a template literal spanning lines."""
    for inner in walk(node):
        text = _text(inner)
        if inner.type == "object" and re.match(r"\{[ \t]*\r?\n", text):
            return True
        if inner.type == "statement_block" and inner.named_children:
            return True
        if inner.type == "template_string" and "\n" in text:
            return True
    return False
