"""A strict YAML reader that keeps the line and column of every key and list item.

PyYAML silently keeps the last of two equal keys and turns ``2024-01-01`` into a date and
``0.1`` into a binary float. Policy authors need the opposite: a duplicate key is a mistake to
report with its line, dates stay text until the schema parses them, and decimals stay exact
(``Decimal``), because credits must add up the same everywhere.

Rule files also come from people and places the bank does not control, so reading one must
never hurt: a file is refused, with the line to look at, when it is too large, nested too
deeply, repeats too much through aliases (a few hundred bytes of "billion laughs" would
otherwise expand to billions of values), or carries a tag (``!!python/object:...``, ``!x``):
policy staff write plain values, and a tag only ever asks for something else. Aliases and
anchors for repeated blocks are fine within the budget.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

import yaml

try:  # the C parser is several times faster; the pure one gives the same nodes
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

Path = tuple[str | int, ...]

MAX_FILE_BYTES = 1024 * 1024
"""Largest rule file read, in UTF-8 bytes (1 MiB). Real pack files are below 15 KB; the
benchmark's 2,000-rule pack has 72 KB in its largest file and 515 KB written as one file.
Reading costs up to about 300 times the size in memory (long lists of short values)."""

MAX_DEPTH = 32
"""Most lists and mappings nested in one another, aliases written out (real packs use 7).
Counted on the parser's events before PyYAML's recursive composer sees the text."""

MAX_ALIAS_VALUES = 100_000
"""Values that aliases may add to one file in all: an alias repeats every value under its
anchor. A condition block repeated in hundreds of rules stays far below this."""

# codes of the findings made of the problems found while reading
SYNTAX = "rules.yaml_syntax"
DUPLICATE_KEY = "rules.duplicate_key"
LIMIT = "rules.yaml_limit"
TAG = "rules.yaml_tag"
ALIAS = "rules.yaml_alias"

_BOOL = {"true": True, "false": False, "yes": True, "no": False, "on": True, "off": False}


@dataclass(frozen=True)
class YamlProblem:
    """A problem found while reading: message, 1-based line and column, finding code."""

    message: str
    line: int
    column: int
    code: str = SYNTAX


TOO_LARGE = YamlProblem(
    f"the file is larger than {MAX_FILE_BYTES // 1024 // 1024} MiB ({MAX_FILE_BYTES:,} bytes); "
    "split it into several files of the rule set",
    1,
    1,
    LIMIT,
)


@dataclass
class YamlDocument:
    """Plain data read from one file, with the position of every path in it."""

    data: Any
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    problems: list[YamlProblem] = field(default_factory=list)

    def position(self, path: Path) -> tuple[int, int]:
        """Line and column of ``path``, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            found = self.positions.get(tuple(path[:end]))
            if found:
                return found
        return (1, 1)


def read_yaml(text: str) -> YamlDocument:
    """Parse one YAML document from ``text``; syntax errors become problems, not exceptions.

    >>> doc = read_yaml("a: 1\\nb: [x, 0.5]\\n")
    >>> doc.data, doc.position(("b", 1))
    ({'a': 1, 'b': ['x', Decimal('0.5')]}, (2, 8))
    >>> read_yaml("a: 1\\na: 2\\n").problems[0].message
    "duplicate key 'a' (first at line 1)"
    """
    doc = YamlDocument(data=None)
    if _too_large(text):
        doc.problems.append(TOO_LARGE)
        return doc
    try:
        _Scan(doc.problems).run(text)
        node = None if doc.problems else yaml.compose(text, Loader=_BaseLoader)
    except yaml.YAMLError as exc:
        doc.problems.append(_syntax_error(exc))
        return doc
    if node is not None:
        doc.data = _build(node, (), doc)
    return doc


def _too_large(text: str) -> bool:
    """Over MAX_FILE_BYTES in UTF-8 (a text with more characters is, without encoding it)."""
    return len(text) > MAX_FILE_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES


def _syntax_error(exc: yaml.YAMLError) -> YamlProblem:
    problem = getattr(exc, "problem", None) or str(exc)
    return YamlProblem(f"YAML syntax error: {problem}", *_place(getattr(exc, "problem_mark", None)))


class _Mark(Protocol):
    """A position from PyYAML's pure or C parser (0-based)."""

    line: int
    column: int


def _place(mark: _Mark | None) -> tuple[int, int]:
    """1-based line and column of a parser mark (0-based)."""
    return (mark.line + 1, mark.column + 1) if mark else (1, 1)


_Value = yaml.ScalarEvent | yaml.CollectionStartEvent
"""The events that begin a value written out (an alias only names one)."""


@dataclass
class _Open:
    """A list or mapping being read: its anchor, the values counted before it, its height."""

    anchor: str | None
    values_before: int
    height: int = 1


class _Scan:
    """One pass over the parser's events, before anything is composed: finds tags, and
    refuses too deep a nesting or too many values added by aliases before PyYAML's
    recursive composer, or our builder, which writes every alias out, meets them.

    The events come one by one from the parser, so the pass itself neither recurses nor
    holds the document. An anchor is remembered as (values under it, height), so that an
    alias counts what it would add to the values and the depth without being expanded.
    """

    def __init__(self, problems: list[YamlProblem]) -> None:
        self.problems = problems
        self._open: list[_Open] = []
        self._anchors: dict[str, tuple[int, int]] = {}
        self._values = 0
        self._added = 0

    def run(self, text: str) -> None:
        """Scan ``text``; stop at the first limit reached (the file is refused anyway)."""
        for event in yaml.parse(text, Loader=_BaseLoader):
            if isinstance(event, yaml.CollectionEndEvent):
                self._close()
            elif isinstance(event, yaml.AliasEvent):
                if not self._alias(event):
                    return
            elif isinstance(event, _Value) and not self._node(event):
                return

    def _node(self, event: _Value) -> bool:
        if event.tag is not None:
            tag = _short_tag(event.tag)
            self._problem(
                event,
                TAG,
                f"tag '{tag}' is not allowed: rule files hold plain values; remove it "
                "(quote a value to keep it text)",
            )
        self._values += 1
        if isinstance(event, yaml.CollectionStartEvent):
            self._open.append(_Open(event.anchor, self._values - 1))
            return self._within_depth(event, len(self._open))
        if event.anchor is not None:
            self._anchors[event.anchor] = (1, 0)
        return True

    def _close(self) -> None:
        done = self._open.pop()
        if done.anchor is not None:
            self._anchors[done.anchor] = (self._values - done.values_before, done.height)
        self._grow(done.height)

    def _alias(self, event: yaml.AliasEvent) -> bool:
        name = str(event.anchor)
        if any(o.anchor == name for o in self._open):
            message = f"alias '*{name}' is inside its own anchor '&{name}': it would never end"
            self._problem(event, ALIAS, message)
            return True
        values, height = self._anchors.get(name, (0, 0))  # an unknown one: the composer says
        self._values += values
        self._added += values
        if self._added > MAX_ALIAS_VALUES:
            self._problem(
                event,
                ALIAS,
                f"aliases repeat more than {MAX_ALIAS_VALUES:,} values in this file (each "
                f"'*{name}' copies everything under '&{name}'); use fewer aliases",
            )
            return False
        self._grow(height)
        return self._within_depth(event, len(self._open) + height)

    def _grow(self, height: int) -> None:
        """The innermost open list or mapping holds something ``height`` levels high."""
        if self._open:
            self._open[-1].height = max(self._open[-1].height, height + 1)

    def _within_depth(self, event: yaml.Event, depth: int) -> bool:
        if depth <= MAX_DEPTH:
            return True
        self._problem(
            event,
            LIMIT,
            f"lists and mappings are nested more than {MAX_DEPTH} levels deep here (counting "
            "what aliases repeat); rules need far fewer levels",
        )
        return False

    def _problem(self, event: yaml.Event, code: str, message: str) -> None:
        self.problems.append(YamlProblem(message, *_place(event.start_mark), code))


def _short_tag(tag: str) -> str:
    """A tag as it was written: ``tag:yaml.org,2002:str`` is ``!!str``."""
    prefix = "tag:yaml.org,2002:"
    return "!!" + tag.removeprefix(prefix) if tag.startswith(prefix) else tag


def _build(node: yaml.Node, path: Path, doc: YamlDocument) -> Any:
    doc.positions[path] = _place(node.start_mark)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            line, col = _place(key_node.start_mark)
            if not isinstance(key, str | int) or isinstance(key, bool):
                doc.problems.append(YamlProblem("a key must be plain text", line, col))
                continue
            key = str(key)
            if key in first_line:
                message = f"duplicate key '{key}' (first at line {first_line[key]})"
                doc.problems.append(YamlProblem(message, line, col, DUPLICATE_KEY))
                continue
            first_line[key] = line
            result[key] = _build(value_node, (*path, key), doc)
            doc.positions[(*path, key)] = (line, col)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), doc) for i, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    """Plain value of a scalar: exact decimals, dates kept as text, YAML 1.1 booleans."""
    value: str = node.value
    tag = node.tag
    if tag == "tag:yaml.org,2002:int":
        try:
            return int(value.replace("_", ""), 0)
        except ValueError:
            return value
    if tag == "tag:yaml.org,2002:float":
        try:
            return Decimal(value.replace("_", ""))
        except ArithmeticError:
            return value
    if tag == "tag:yaml.org,2002:bool":
        return _BOOL.get(value.lower(), value)
    if tag == "tag:yaml.org,2002:null":
        return None
    return value
