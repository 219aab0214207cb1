"""What a person is told when the bank refuses what they asked: the common refusals in their
language, anything else in the bank's own (English) words, which say what is wrong and where."""

from __future__ import annotations

from collections.abc import Callable

from api.web.access import PageError
from creditbank.errors import CreditBankError, NotFound

_NOT_FOUND = {
    "programme": "unknown_programme",
    "course": "unknown_course",
    "learner": "unknown_learner",
    "outcome": "unknown_outcome",
    "ruleset_version": "unknown_version",
}


def problem_text(t: Callable[..., str], error: CreditBankError | PageError) -> str:
    """One or two sentences for the person who met ``error``."""
    if isinstance(error, PageError):
        return t(error.key, **error.values)
    if isinstance(error, NotFound) and error.thing in _NOT_FOUND:
        return t(_NOT_FOUND[error.thing], id=error.ident)
    return f"{t('problem')} {error.message}"
