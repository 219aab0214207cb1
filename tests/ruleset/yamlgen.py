"""Write rule items back to YAML in many equivalent ways, for the digest property tests.

A rule set is handled here as a list of entries ``(section, item)`` of plain data (``("pack",
{...})`` for the pack), read with the project's own YAML reader so numbers stay ``Decimal`` and
dates stay text. The helpers lay those entries out in files, reorder keys, vary how numbers,
dates and one-element lists are written, and sprinkle comments and blank lines: all changes of
form that must leave the content digest alone.
"""

from __future__ import annotations

import copy
import random
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from creditbank.ruleset.loader import read_sources
from creditbank.ruleset.schema import MATCH_SET_KEYS
from creditbank.ruleset.yaml_io import read_yaml

Entry = tuple[str, Any]

_DATE = re.compile(r"\d{4}-\d\d-\d\d")
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_DATE_TAG = "tag:yaml.org,2002:timestamp"

COMMENTS = (
    "#",
    "# note",
    "# 备注：见第 3 条（2024 年修订）",
    "# key: value - [x] {y}",
    "#   -- 2024-01-01 --",
)

# Keys whose value is a set of names: "x" means ["x"], and their order means nothing.
_SET_KEYS = frozenset(MATCH_SET_KEYS)


def read_entries(root: Path) -> list[Entry]:
    """Every pack and section item of the rule folder ``root``, as plain data."""
    entries: list[Entry] = []
    for _name, text in sorted(read_sources(root).items()):
        doc = read_yaml(text)
        assert not doc.problems, doc.problems
        for section, value in (doc.data or {}).items():
            if section == "pack":
                entries.append(("pack", value))
            else:
                entries.extend((section, item) for item in value)
    return entries


def dump_yaml(
    data: Any, *, rnd: random.Random | None = None, indent: int = 2, flow: bool | None = False
) -> str:
    """YAML text of ``data``; with ``rnd``, numbers and dates are written in varied forms.

    Decimals come out as plain numbers (``4``, or ``4.0``/``4.00`` at random), dates either
    quoted or bare; both read back to the same values.
    """

    class Dumper(yaml.SafeDumper):
        pass

    def decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
        text = format(value, "f")
        if rnd is not None and rnd.random() < 0.3:
            text += ("" if "." in text else ".") + "0" * rnd.randint(1, 2)
        return dumper.represent_scalar(_FLOAT_TAG if "." in text else _INT_TAG, text)

    def string(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
        if rnd is not None and _DATE.fullmatch(value) and rnd.random() < 0.5:
            return dumper.represent_scalar(_DATE_TAG, value)
        return dumper.represent_str(value)

    Dumper.add_representer(Decimal, decimal)
    Dumper.add_representer(str, string)
    text: str = yaml.dump(
        data,
        Dumper=Dumper,
        allow_unicode=True,
        sort_keys=False,
        indent=indent,
        default_flow_style=flow,
        width=10**6,
    )
    return text


def shuffle_keys(data: Any, rnd: random.Random) -> Any:
    """A copy of ``data`` with every mapping's keys in a random order (lists keep theirs)."""
    if isinstance(data, dict):
        keys = list(data)
        rnd.shuffle(keys)
        return {key: shuffle_keys(data[key], rnd) for key in keys}
    if isinstance(data, list):
        return [shuffle_keys(value, rnd) for value in data]
    return data


def vary_sets(section: str, item: Any, rnd: random.Random) -> Any:
    """A copy of ``item`` where name sets are reordered, and ``[x]`` and ``x`` swapped.

    Only where the schema reads a set of names (selectors, a rule's programmes, a transfer's
    target courses or categories, a requirement's courses), never a single name such as a
    catalogue course's ``code``.
    """
    item = copy.deepcopy(item)
    if section == "pack":
        _vary_keys(item, ("accreditation_required_for",), rnd)
        return item
    _vary_keys(item, ("programme",), rnd)
    for key in ("match", "outcome"):
        if isinstance(item.get(key), dict):
            _vary_keys(item[key], _SET_KEYS, rnd)
    source = item.get("from")
    if isinstance(source, dict):
        for selector in [source.get("outcome"), *(source.get("all_of") or [])]:
            if isinstance(selector, dict):
                _vary_keys(selector, _SET_KEYS, rnd)
    if section == "transfers":
        _vary_keys(item["to"], ("courses", "category"), rnd)
    if section == "substitutes":
        _vary_keys(item, ("courses",), rnd)
    for requirement in item.get("requirements") or []:
        _vary_keys(requirement, ("courses",), rnd)
    return item


def _vary_keys(data: dict[str, Any], keys: Any, rnd: random.Random) -> None:
    for key in keys:
        if isinstance(data.get(key), str | list):
            data[key] = _vary_set(data[key], rnd)


def _vary_set(value: str | list[Any], rnd: random.Random) -> str | list[Any]:
    if isinstance(value, str):
        return [value] if rnd.random() < 0.5 else value
    values = list(value)
    rnd.shuffle(values)
    if len(values) == 1 and rnd.random() < 0.5:
        return values[0]  # type: ignore[no-any-return]
    return values


def decorate(text: str, rnd: random.Random) -> str:
    """``text`` with comment lines, end-of-line comments, blank lines and trailing spaces."""
    lines = [rnd.choice(COMMENTS)] if rnd.random() < 0.5 else []
    for line in text.splitlines():
        roll = rnd.random()
        if roll < 0.15:
            lines.append(" " * rnd.randint(0, 8) + rnd.choice(COMMENTS))
        elif roll < 0.25:
            lines.append(" " * rnd.randint(0, 3))
        roll = rnd.random()
        if roll < 0.15:
            line += " " * rnd.randint(1, 3) + rnd.choice(COMMENTS)
        elif roll < 0.25:
            line += " " * rnd.randint(1, 3)
        lines.append(line)
    if rnd.random() < 0.5:
        lines.append(rnd.choice(COMMENTS))
    return "\n".join(lines) + "\n"


def layout(
    entries: list[Entry], files: list[str], placement: list[int], rnd: random.Random
) -> dict[str, str]:
    """Write ``entries`` (in their given order) into ``files``: entry i goes to
    ``files[placement[i]]``; keys, name sets, number and date forms and comments vary."""
    documents: dict[str, dict[str, Any]] = {name: {} for name in files}
    for (section, item), index in zip(entries, placement, strict=True):
        document = documents[files[index]]
        item = vary_sets(section, item, rnd)
        if section == "pack":
            document["pack"] = item
        else:
            document.setdefault(section, []).append(item)
    sources = {}
    for name, document in documents.items():
        sections = list(document.items())
        rnd.shuffle(sections)
        data = shuffle_keys(dict(sections), rnd)
        text = (
            dump_yaml(data, rnd=rnd, indent=rnd.choice([2, 3, 4]), flow=rnd.choice([False, None]))
            if data
            else ""
        )
        sources[name] = decorate(text, rnd)
    return sources


def sources_of(entries: list[Entry]) -> dict[str, str]:
    """Plain layout: one file per section, items in the given order."""
    documents: dict[str, dict[str, Any]] = {}
    for section, item in entries:
        if section == "pack":
            documents.setdefault("pack.yaml", {})["pack"] = item
        else:
            documents.setdefault(f"{section}.yaml", {}).setdefault(section, []).append(item)
    return {name: dump_yaml(data) for name, data in documents.items()}
