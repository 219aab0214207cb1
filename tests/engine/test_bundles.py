"""All-of rules with many copies of their parts: the reduced combinations give the decision the
full product gives, byte for byte."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creditbank.domain import Outcome
from creditbank.engine import candidates
from creditbank.engine.audit import compute_audit
from creditbank.ruleset.loader import load_ruleset

PACK = Path(__file__).resolve().parents[2] / "rules" / "cn-open-university"
RULESET = load_ruleset(PACK)
ON = dt.date(2025, 9, 1)

training = st.builds(
    lambda ident, code, day, hours, assessed: Outcome(
        id=ident,
        kind="enterprise_training",
        issuer="xiangjiang-heavy",
        date=dt.date(2023, 1, 1) + dt.timedelta(days=day),
        code=code,
        title=f"Xiangjiang {code}",
        hours=hours,
        assessed=assessed,
    ),
    st.text("abcxyz019", min_size=1, max_size=4),
    st.sampled_from(["XJ-PLC-01", "XJ-PLC-02", "XJ-MFG-01"]),
    st.integers(0, 900),  # about six semesters: the per-semester cap binds at times
    st.sampled_from([16, 32, 40, 48, 64]),
    st.sampled_from([True, True, True, False]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(training, min_size=2, max_size=30, unique_by=lambda o: o.id))
def test_reduced_bundles_decide_as_the_full_product(outcomes: list[Outcome]) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(candidates, "BUNDLES_FROM", 10**9)
        full = compute_audit(RULESET, outcomes, "ouc-mechatronics-associate", ON)
        patch.setattr(candidates, "BUNDLES_FROM", 0)
        reduced = compute_audit(RULESET, outcomes, "ouc-mechatronics-associate", ON)
    assert reduced.canonical() == full.canonical()
