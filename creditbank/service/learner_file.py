"""Learner files: a learner's outcomes as JSON, validated with the JSON path of every problem.

{"learner": "L-0001", "outcomes": [{"id": "o1", "kind": "skill_certificate", ...}]}
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from creditbank.domain import Ident, Outcome
from creditbank.errors import InputInvalid


class LearnerFile(BaseModel):
    """A pseudonymous learner id and the learner's outcomes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    learner: Ident
    outcomes: tuple[Outcome, ...] = Field(max_length=2000)


def json_path(loc: tuple[Any, ...]) -> str:
    """``$.outcomes[2].date`` from a pydantic location.

    >>> json_path(("outcomes", 2, "date"))
    '$.outcomes[2].date'
    """
    path = "$"
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def parse_learner(data: Any, *, source: str = "") -> LearnerFile:
    """Validate learner data; every problem is reported with its JSON path."""
    try:
        return LearnerFile.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = f"unknown field '{loc[-1]}'"
            problems.append((json_path(loc), message))
        raise InputInvalid(problems, source=source) from None


def read_learner(path: Path) -> LearnerFile:
    """Read and validate a learner JSON file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputInvalid(
            [(f"line {exc.lineno} column {exc.colno}", exc.msg)], source=str(path)
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputInvalid([("$", f"cannot read the file: {exc}")], source=str(path)) from None
    return parse_learner(data, source=str(path))
