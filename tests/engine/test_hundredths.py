"""Credits in hundredths: the kept conversions give what the arithmetic gives, for any value
and its other spellings (2.5 and 2.50), and the cache stays bounded."""

from __future__ import annotations

import math
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from creditbank.engine import limits

credits = st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False)


@given(st.lists(credits, min_size=1, max_size=50))
def test_kept_conversions_give_the_arithmetic(values: list[Decimal]) -> None:
    for value in values + values:
        assert limits.hundredths(value) == math.floor(value * 100)
        assert limits.hundredths(value.quantize(Decimal("0.0001"))) == math.floor(value * 100)


def test_the_cache_stays_bounded() -> None:
    for n in range(limits.HUNDREDTHS_KEPT * 2 + 7):
        assert limits.hundredths(Decimal(n) / 8) == math.floor(Decimal(n) * 100 / 8)
    assert len(limits._HUNDREDTHS) <= limits.HUNDREDTHS_KEPT
