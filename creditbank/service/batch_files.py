"""Reading uploaded files: enterprise batches (CSV or JSON), and the strict JSON that learner
files are read with too.

Whatever a sender gets wrong is an ``InputInvalid`` that says where: ``line N`` of a CSV file
(the file's own line, as an editor shows it), ``line N column M`` or a JSON path (``$[3].date``)
of a JSON one, ``byte N`` of text that is not UTF-8. Nothing here touches the database; a
file is read whole, within the limits below, before anything is stored.

JSON is read strictly: an object that gives a field twice is refused (the last value would
silently win, moving a record to another learner), as are numbers too long to be meant
(``MAX_NUMBER_CHARS``) or beyond a float's range, ``NaN`` and ``Infinity``, half of an escaped
character (a lone ``\\ud800``), and nesting deeper than ``MAX_DEPTH``.

CSV is read as the ``csv`` module's strict dialect: no outcome field holds a line break, so a
value that does (a quote left open, swallowing the lines after it) is refused with the line
where it starts, as is a quote never closed and a value over the module's field size limit.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from creditbank.domain import Outcome
from creditbank.errors import InputInvalid
from creditbank.text import printable

BANK_FIELDS = frozenset({"id", "issuer", "status"})
"""Outcome fields the bank sets, never a submitted row."""
OUTCOME_FIELDS = tuple(f for f in Outcome.model_fields if f not in BANK_FIELDS)
COLUMNS = ("learner", "national_id", "external_id", *OUTCOME_FIELDS)
"""A batch's columns (a JSON row's fields)."""
REQUIRED_COLUMNS = ("external_id", "date")
"""Besides ``learner`` or ``national_id`` (or both), which name the row's account."""
MAX_BATCH_BYTES = 100_000_000
"""A batch file's size: 200,000 records (``submissions.MAX_ROWS``) of 500 bytes."""
MAX_DEPTH = 20
"""Nesting of JSON arrays and objects (a batch needs 3: ``{"rows": [{...}]}``)."""
MAX_NUMBER_CHARS = 40
"""Characters in a JSON number: enough for any amount an outcome holds, and Python reads no
number into thousands of digits (or a 5,000-digit one into an error)."""


@dataclass(frozen=True)
class BatchFile:
    """A batch's rows as sent, and for a CSV file the line each row starts on."""

    rows: list[dict[str, Any]]
    lines: list[int] | None = None


def read_batch_file(path: Path) -> BatchFile:
    """The batch in the file at ``path`` (see ``read_batch``); problems name the file."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_BATCH_BYTES + 1)
    except OSError as exc:
        problem = ("file", f"cannot read it: {exc.strerror or exc}")
        raise InputInvalid([problem], source=str(path)) from None
    try:
        return read_batch(data, name=path.name)
    except InputInvalid as exc:
        raise InputInvalid(exc.problems, source=str(path)) from None


def read_json_file(path: Path) -> Any:
    """A JSON document from ``path``, read strictly (``load_json``) and at most as large as a
    batch may be; problems name the file."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_BATCH_BYTES + 1)
    except OSError as exc:
        raise InputInvalid(
            [("file", f"cannot read it: {exc.strerror or exc}")], source=str(path)
        ) from None
    _check_size(data)
    return load_json(data, source=str(path))


ENCODINGS = ("utf-8", "gbk")
"""Encodings a CSV upload may declare; GBK (as Excel saves CSV in China) is read as GB18030,
its superset, and handled as the same text in UTF-8: lines and values do not change."""


def read_batch(data: bytes, *, name: str = "", encoding: str = "utf-8") -> BatchFile:
    """A batch from CSV or JSON: by the file's name when it ends in ``.json`` or ``.csv``,
    else by its first character (``[`` or ``{`` is JSON). ``encoding`` (one of
    ``ENCODINGS``) is the text's: GBK text is read as UTF-8 after decoding it."""
    if encoding.lower() not in ENCODINGS:
        raise InputInvalid([("encoding", f"'{encoding}' is not one of {', '.join(ENCODINGS)}")])
    if encoding.lower() == "gbk":
        _check_size(data)
        try:
            data = data.decode("gb18030").encode("utf-8")
        except UnicodeDecodeError as exc:
            message = "the file is not GBK text; say which encoding it is in"
            raise InputInvalid([(f"byte {exc.start}", message)]) from None
    suffix = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    if suffix == "json" or (suffix != "csv" and _looks_json(data)):
        return parse_json(data)
    return parse_csv(data)


def _looks_json(data: bytes) -> bool:
    return data.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] in (b"[", b"{")


# -------------------------------------------------------------------------------------- JSON


def parse_json(data: bytes | str) -> BatchFile:
    """Rows from a JSON array of objects (or ``{"rows": [...]}``), read by ``load_json``."""
    _check_size(data)
    parsed = load_json(data)
    rows, path = (parsed.get("rows"), "$.rows") if isinstance(parsed, dict) else (parsed, "$")
    if not isinstance(rows, list):
        raise InputInvalid([(path, "expected a JSON array of objects (one per record)")])
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise InputInvalid([(f"{path}[{index}]", "expected an object (one record)")])
    return BatchFile(rows)


def load_json(data: bytes | str, *, source: str = "") -> Any:
    """A JSON document, read strictly (see the module's docstring); UTF-8, with or without a
    byte order mark. Every refusal is an ``InputInvalid`` with a line and column or a JSON
    path."""
    text = _utf8(data, source) if isinstance(data, bytes) else data.removeprefix("\ufeff")
    duplicates: list[tuple[dict[str, Any], str]] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(items)
        if len(obj) != len(items):
            seen: set[str] = set()
            for key, _ in items:
                if key in seen:
                    duplicates.append((obj, key))
                    break
                seen.add(key)
        return obj

    try:
        value = json.loads(
            text,
            object_pairs_hook=pairs,
            parse_int=_int,
            parse_float=_float,
            parse_constant=_constant,
        )
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise InputInvalid([(where, f"not valid JSON: {exc.msg}")], source=source) from None
    except _BadNumber as exc:
        where = _position(text, _number_at(text, exc.text))
        raise InputInvalid([(where, exc.message)], source=source) from None
    except RecursionError:
        raise InputInvalid([_too_deep(text)], source=source) from None
    if _deeper_than(value, MAX_DEPTH):  # first: the searches below walk the value recursively
        raise InputInvalid([_too_deep(text)], source=source)
    if duplicates:
        obj, key = duplicates[0]
        where = f"{_path_to(value, obj)}.{printable(key)}"
        message = f"the field '{printable(key)}' is given twice in one object; give it once"
        raise InputInvalid([(where, message)], source=source)
    maybe_half = _SURROGATE_ESCAPE.search(text) or (
        not isinstance(data, bytes) and _SURROGATE.search(text)  # UTF-8 holds none
    )
    if maybe_half and (path := _half_character(value)):
        message = (
            "holds half of a character (a lone surrogate such as \\ud800); send whole characters"
        )
        raise InputInvalid([(path, message)], source=source)
    return value


def _utf8(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputInvalid(
            [
                (
                    f"byte {exc.start}",
                    "the file is not UTF-8 text; save it as UTF-8 and send it again",
                )
            ],
            source=source,
        ) from None


class _BadNumber(ValueError):
    def __init__(self, text: str, message: str) -> None:
        super().__init__(message)
        self.text = text
        self.message = message


def _int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise _BadNumber(text, f"a number of {len(text)} digits; at most {MAX_NUMBER_CHARS}")
    return int(text)


def _float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise _BadNumber(
            text, f"a number written with {len(text)} characters; at most {MAX_NUMBER_CHARS}"
        )
    value = float(text)
    if math.isinf(value):
        raise _BadNumber(text, f"the number {text} is too large")
    if value == 0 and re.search(r"[1-9]", re.split(r"[eE]", text)[0]):
        raise _BadNumber(text, f"the number {text} is too small to be kept (it would become 0)")
    return value


def _constant(text: str) -> Any:
    raise _BadNumber(text, f"{text} is not a number JSON allows")


_TOKEN = re.compile(
    r'"(?:[^"\\]|\\.)*"|(-?(?:\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|NaN|Infinity))|([\[{])|([\]}])'
)
"""A JSON string (skipped whole: what it holds is text), a number or constant, an opening or
a closing bracket; used only to say where a refused document goes wrong."""
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")
"""An escaped or raw surrogate: only then is every string searched for a lone one."""
_CONTAINERS = frozenset({dict, list})


def _number_at(text: str, number: str) -> int:
    for match in _TOKEN.finditer(text):
        if match.group(1) == number:
            return match.start()
    return 0  # pragma: no cover (the parser read it from the text)


def _too_deep(text: str) -> tuple[str, str]:
    """Where ``text`` first nests deeper than ``MAX_DEPTH``, and the message."""
    depth, offset = 0, 0
    for match in _TOKEN.finditer(text):
        if match.group(2):
            depth += 1
            if depth > MAX_DEPTH:
                offset = match.start()
                break
        elif match.group(3):
            depth -= 1
    message = f"arrays and objects nested deeper than {MAX_DEPTH} levels"
    return _position(text, offset), message


def _position(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    return f"line {line} column {offset - text.rfind(chr(10), 0, offset)}"


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether ``value`` nests arrays and objects more than ``limit`` deep (level by level,
    without recursion; a container of plain values is passed over in C)."""
    level, depth = ([value] if type(value) in _CONTAINERS else []), 0
    while level:
        if not _CONTAINERS.isdisjoint(map(type, level)):
            depth += 1
        if depth > limit:
            return True
        deeper: list[Any] = []
        for item in level:
            values = item.values() if type(item) is dict else item
            if not _CONTAINERS.isdisjoint(map(type, values)):
                deeper.extend(v for v in values if type(v) in _CONTAINERS)
        level = deeper
    return False


def _walk(value: Any, path: str = "$") -> Iterator[tuple[str, Any]]:
    """Every (path, container or text) in ``value``, keys included as text; depth is
    bounded by ``MAX_DEPTH`` when this runs."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield f"{path}.{printable(key)}", key
            yield from _walk(item, f"{path}.{printable(key)}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")


def _path_to(value: Any, target: object) -> str:
    return next((path for path, item in _walk(value) if item is target), "$")


def _half_character(value: Any) -> str | None:
    for path, item in _walk(value):
        if isinstance(item, str) and _SURROGATE.search(item):
            return path
    return None


# --------------------------------------------------------------------------------------- CSV


def parse_csv(data: bytes) -> BatchFile:
    """Rows from UTF-8 CSV with a header line, each with the line it starts on; a byte order
    mark and blank lines are tolerated, values are stripped and empty ones left out.

    >>> batch = parse_csv(b"\\xef\\xbb\\xbflearner,external_id,date,hours\\n\\nL1,r1,2024-01-02,16\\n")
    >>> batch.rows, batch.lines
    ([{'learner': 'L1', 'external_id': 'r1', 'date': '2024-01-02', 'hours': '16'}], [3])
    """
    _check_size(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        hint = " (it looks like GBK/GB18030 from Excel)" if _looks_gbk(data) else ""
        raise InputInvalid(
            [
                (
                    f"byte {exc.start}",
                    "the file is not UTF-8 text"
                    + hint
                    + "; save it as 'CSV UTF-8' and send it again",
                )
            ]
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    start = 1  # the line the next record starts on
    try:
        for record in reader:
            line, start = start, reader.line_num + 1
            if reader.line_num > line:
                raise InputInvalid([(f"line {line}", _line_break(record, header, reader.line_num))])
            values = [v.strip() for v in record]
            if not any(values):
                continue  # a blank line
            if header is None:
                header = values
                _check_header(header, line)
                continue
            if len(values) > len(header):
                message = f"{len(values)} values but {len(header)} columns"
                raise InputInvalid([(f"line {line}", message)])
            # fewer values than columns: the rest are empty
            rows.append({k: v for k, v in zip(header, values, strict=False) if v})
            lines.append(line)
    except csv.Error as exc:
        raise InputInvalid([(f"line {start}", _csv_problem(exc, start))]) from None
    if header is None:
        _check_header([], 1)
    return BatchFile(rows, lines)


def _check_header(header: list[str], line: int) -> None:
    unknown = [h for h in header if h not in COLUMNS]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if "learner" not in header and "national_id" not in header:
        missing.insert(0, "learner (or national_id)")
    twice = len(set(header)) != len(header)
    if not (unknown or missing or twice):
        return
    where = f"line {line} (header)"
    problems = []
    if missing:
        problems.append((where, f"missing column(s): {', '.join(missing)}"))
    if unknown:
        names = ", ".join(f"'{printable(h)}'" for h in unknown)
        problems.append((where, f"unknown column(s): {names}; allowed: {', '.join(COLUMNS)}"))
    if twice:
        problems.append((where, "a column name appears twice"))
    raise InputInvalid(problems)


def _line_break(record: list[str], header: list[str] | None, last: int) -> str:
    """The message for a record that runs over several lines (up to line ``last``)."""
    names = header or []
    index = next((i for i, v in enumerate(record) if "\n" in v or "\r" in v), 0)
    field = names[index] if index < len(names) else f"value {index + 1}"
    return (
        f"{printable(field)}: the value runs on to line {last}, but no field may hold a line "
        "break: is a quote left open?"
    )


def _csv_problem(exc: csv.Error, line: int) -> str:
    text = str(exc)
    if "unexpected end of data" in text:
        return "a quote opened in this record is never closed (the file ends inside it)"
    if "field larger than field limit" in text:
        return f"a value longer than {csv.field_size_limit():,} characters"
    if "expected after" in text:
        return "a quoted value must be followed by a comma or the end of the line"
    return f"not valid CSV ({printable(text)})"


def _looks_gbk(data: bytes) -> bool:
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        return False
    return True


def _check_size(data: bytes | str) -> None:
    if len(data) > MAX_BATCH_BYTES:
        raise InputInvalid(
            [("file", f"more than {MAX_BATCH_BYTES:,} bytes; send the records in smaller batches")]
        )
