"""One error tree for the whole core; no HTTP here (the API maps codes to statuses).

    CreditBankError            code, message for a person, location
    ├── RuleSetInvalid         rules.invalid: the checker found errors (carries every finding)
    ├── InputInvalid           input.invalid: a learner file or request body is wrong (JSON path)
    └── NotFound               *.not_found: a programme, learner or version does not exist

Every error says what is wrong and where (``file:line:column`` or a field path), so the person
who meets it can fix the input without reading code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How bad a finding is: errors block loading, warnings are advice."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Location:
    """Where something is in a rule file: 1-based line and column."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.file or "."
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Finding:
    """One problem the checker found in a rule set, written for a policy author."""

    severity: Severity
    code: str
    message: str
    location: Location
    key: str = ""

    def __str__(self) -> str:
        where = f" [{self.key}]" if self.key else ""
        return f"{self.location}: {self.severity}: {self.message}{where} ({self.code})"

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.file, loc.line, loc.column, self.code, self.message)


class CreditBankError(Exception):
    """Base of every error the core raises on purpose."""

    code = "creditbank.error"

    def __init__(self, message: str, *, loc: str = "", code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.loc = loc
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return f"{self.loc}: {self.message}" if self.loc else self.message


class RuleSetInvalid(CreditBankError):
    """The rule set has errors; ``findings`` lists every one of them, sorted by place."""

    code = "rules.invalid"

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings = tuple(sorted(findings, key=Finding.sort_key))
        errors = [f for f in self.findings if f.severity is Severity.ERROR]
        lines = "\n".join(str(f) for f in errors)
        super().__init__(f"the rule set has {len(errors)} error(s):\n{lines}")


class InputInvalid(CreditBankError):
    """An input document (learner file, request body) is wrong at ``loc`` (a JSON path)."""

    code = "input.invalid"

    def __init__(self, problems: Sequence[tuple[str, str]], *, source: str = "") -> None:
        self.problems = tuple(problems)
        self.source = source
        prefix = f"{source}: " if source else ""
        lines = "\n".join(f"{prefix}{path}: {msg}" for path, msg in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the input:\n{lines}")


class NotFound(CreditBankError):
    """Something named by the caller does not exist (code ``<thing>.not_found``)."""

    def __init__(self, thing: str, ident: str, *, hint: str = "") -> None:
        message = f"unknown {thing} '{ident}'" + (f"; {hint}" if hint else "")
        super().__init__(message, code=f"{thing}.not_found")
        self.thing = thing
        self.ident = ident
