"""Learner files: a learner's outcomes as JSON, validated with the JSON path of every problem.

{"learner": "L-0001", "outcomes": [{"id": "o1", "kind": "skill_certificate", ...}],
 "exceptions": [{"id": "X1", "kind": "waiver", "programme": ..., ...}]}   (optional)

A file is refused above ``MAX_FILE_BYTES`` or ``MAX_OUTCOMES``, and its JSON is read strictly
(``batch_files.load_json``: no field given twice, bounded nesting and numbers).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from creditbank.domain import Ident, LearnerException, Outcome
from creditbank.engine import audit
from creditbank.errors import InputInvalid
from creditbank.service.batch_files import load_json
from creditbank.text import printable

MAX_OUTCOMES = audit.MAX_OUTCOMES
"""Outcomes in one learner file: as many as one audit takes."""
MAX_EXCEPTIONS = 100
"""Exceptions in one learner file: far more than an institution grants one learner."""
MAX_FILE_BYTES = 2000 * MAX_OUTCOMES
"""A learner file's size: 2 kB an outcome is room for every field of the largest one."""


class LearnerFile(BaseModel):
    """A pseudonymous learner id, the learner's outcomes, and the exceptions an institution
    granted (``engine/exceptions.py``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    learner: Ident
    outcomes: tuple[Outcome, ...] = Field(max_length=MAX_OUTCOMES)
    exceptions: tuple[LearnerException, ...] = Field(default=(), max_length=MAX_EXCEPTIONS)


def json_path(loc: tuple[Any, ...]) -> str:
    """``$.outcomes[2].date`` from a pydantic location (keys shown escaped: see ``printable``).

    >>> json_path(("outcomes", 2, "date"))
    '$.outcomes[2].date'
    """
    path = "$"
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{printable(str(part))}"
    return path


def parse_learner(data: Any, *, source: str = "") -> LearnerFile:
    """Validate learner data; every problem is reported with its JSON path."""
    outcomes = data.get("outcomes") if isinstance(data, dict) else None
    if isinstance(outcomes, list | tuple) and len(outcomes) > MAX_OUTCOMES:
        message = f"{len(outcomes)} outcomes; a learner file may hold at most {MAX_OUTCOMES}"
        raise InputInvalid([("$.outcomes", message)], source=source)
    try:
        return LearnerFile.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            loc = _loc(error["loc"], key_last=error["type"] == "extra_forbidden")
            message = printable(error["msg"].removeprefix("Value error, "))
            if error["type"] == "extra_forbidden":
                message = f"unknown field '{printable(str(loc[-1]))}'"
            problems.append((json_path(loc), message))
        raise InputInvalid(problems, source=source) from None


def _loc(loc: tuple[Any, ...], *, key_last: bool) -> tuple[Any, ...]:
    """A pydantic location without the parts that name a schema (``function-after[...]``);
    with ``key_last`` the last part is a key of the input, whatever it looks like."""
    kept = tuple(p for p in loc if not (isinstance(p, str) and _SCHEMA_PART.match(p)))
    if key_last and loc and kept[-1:] != loc[-1:]:
        kept += loc[-1:]
    return kept


_SCHEMA_PART = re.compile(r"^[\w-]+\[.*\]$", re.DOTALL)


def read_learner(path: Path) -> LearnerFile:
    """Read and validate a learner JSON file (at most ``MAX_FILE_BYTES``)."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InputInvalid([("$", f"cannot read the file: {exc}")], source=str(path)) from None
    if len(data) > MAX_FILE_BYTES:
        message = f"larger than {MAX_FILE_BYTES:,} bytes, the most a learner file may have"
        raise InputInvalid([("file", message)], source=str(path))
    return parse_learner(load_json(data, source=str(path)), source=str(path))
