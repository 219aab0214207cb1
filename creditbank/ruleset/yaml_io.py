"""A strict YAML reader that keeps the line and column of every key and list item.

PyYAML silently keeps the last of two equal keys and turns ``2024-01-01`` into a date and
``0.1`` into a binary float. Policy authors need the opposite: a duplicate key is a mistake to
report with its line, dates stay text until the schema parses them, and decimals stay exact
(``Decimal``), because credits must add up the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import yaml

try:  # the C parser is several times faster; the pure one gives the same nodes
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

Path = tuple[str | int, ...]

_BOOL = {"true": True, "false": False, "yes": True, "no": False, "on": True, "off": False}


@dataclass(frozen=True)
class YamlProblem:
    """A problem found while reading: message, 1-based line and column."""

    message: str
    line: int
    column: int


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
    try:
        node = yaml.compose(text, Loader=_BaseLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = getattr(exc, "problem", None) or str(exc)
        doc.problems.append(YamlProblem(f"YAML syntax error: {problem}", line, col))
        return doc
    if node is not None:
        doc.data = _build(node, (), doc)
    return doc


def _build(node: yaml.Node, path: Path, doc: YamlDocument) -> Any:
    doc.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if not isinstance(key, str | int) or isinstance(key, bool):
                doc.problems.append(YamlProblem("a key must be plain text", line, col))
                continue
            key = str(key)
            if key in first_line:
                doc.problems.append(
                    YamlProblem(
                        f"duplicate key '{key}' (first at line {first_line[key]})", line, col
                    )
                )
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
