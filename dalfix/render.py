"""Rendering fix templates: jinja2 with StrictUndefined, re-indented to the insertion column, in the file's style."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import jinja2
from tree_sitter import Node

from dalfix.parsing import walk
from dalfix.print_width import (
    DEFAULT_PRINT_WIDTH,
    DEFAULT_TAB_WIDTH,
    FormatterSettings,
    break_call_arguments,
    display_width,
    formatter_settings_for,
    wrap_long_line,
)


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
    # "prettier" / "biome" when the project's formatter configuration was found: generated code then follows
    # their layout where dalfix knows it (see `fits`); None keeps the source's own line breaks.
    formatter: str | None = None
    trailing_commas: bool = True  # the formatter ends broken call arguments with a comma

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
    for node in walk(root):  # a cursor walk: no Python object kept per node (see parsing.walk)
        if node.type in _STATEMENTS and node.is_named and node.child_count:
            total += 1
            last = node.children[-1]
            ended += last.type == ";" and not last.is_missing
    return True if total == 0 else ended * 2 >= total


def _indent_unit(text: str) -> str:
    tabs = spaces2 = spaces4 = 0
    for line in text.splitlines():
        if line.startswith("\t"):
            tabs += 1
        else:
            width = len(line) - len(line.lstrip(" "))
            if width and line.strip():
                if width % 4 == 0:
                    spaces4 += 1
                elif width % 2 == 0:
                    spaces2 += 1
    if tabs > spaces2 + spaces4:
        return "\t"
    # A file indented only in multiples of four uses four; one line at an odd multiple of two means two.
    return "    " if spaces4 and not spaces2 else "  "


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
    out = _to_width(indent + lines[0], style)
    out[0] = out[0][len(indent) :]  # the first line lands at the insertion column already
    for line in lines[1:]:
        out.extend(_to_width(indent + line, style) if line.strip() else [""])
    return style.newline.join(out)


def _to_width(line: str, style: SourceStyle) -> list[str]:
    """A generated line broken to the print width: a method chain before its calls; then, where the project's
    formatter is known, a call that still does not fit with its arguments one per line (a node's text moved one
    level deeper may no longer fit where it did)."""
    lines = wrap_long_line(line, style.indent_unit, style.print_width, style.tab_width)
    if style.formatter is None:
        return lines
    return [
        piece
        for each in lines
        for piece in break_call_arguments(
            each, style.indent_unit, style.print_width, style.tab_width, style.trailing_commas
        )
    ]


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
    fits is printed joined. None for anything else (a chain, comments, arguments that are not simple)."""
    if "\n" not in text or "//" in text or "/*" in text or node.type != "call_expression":
        return None
    function, args = node.child_by_field_name("function"), node.child_by_field_name("arguments")
    if function is None or args is None or args.type != "arguments" or not _leaf(function):
        return None
    tagged = formatter == "biome"
    if not args.named_children or not all(_simple_argument(a, tagged) for a in args.named_children):
        return None
    if any("\n" in (a.text or b"").decode("utf-8", "replace") for a in args.named_children):
        return None
    callee = (function.text or b"").decode("utf-8", "replace")
    return callee + "(" + ", ".join((a.text or b"").decode("utf-8", "replace") for a in args.named_children) + ")"
