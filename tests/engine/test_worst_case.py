"""The adversarial learners of scripts/bench_worst_case.py, 300 outcomes each: audited without
error (the old recursive search hit RecursionError at this size), every cap respected, and the
search and the integer programme choose the same allocation."""

from __future__ import annotations

from typing import Any

import pytest

from creditbank.compiled import compiled_modules
from creditbank.engine import audit as audit_module
from creditbank.engine.allocation import Problem, feasible, solve
from tests.engine.test_golden import load_script

WORST = load_script("bench_worst_case")
RULESET = WORST.load_ruleset(WORST.PACK)


@pytest.mark.skipif(
    "creditbank/engine/audit.py" in compiled_modules(),
    reason="watches the audit's call to solve by monkeypatching, which a compiled module refuses",
)
@pytest.mark.parametrize("shape", sorted(WORST.SHAPES))
def test_three_hundred_adversarial_outcomes_are_audited_exactly(
    shape: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[Problem, frozenset[int]]] = []

    def recording(problem: Problem, **kwargs: Any) -> frozenset[int]:
        chosen = solve(problem, **kwargs)
        seen.append((problem, chosen))
        return chosen

    monkeypatch.setattr(audit_module, "solve", recording)
    programme, outcomes = WORST.SHAPES[shape](300, 1)
    decision = audit_module.compute_audit(RULESET, outcomes, programme, WORST.ON)
    assert all(limit.used <= limit.bound for limit in decision.limits)
    ((problem, chosen),) = seen
    assert feasible(problem, chosen)
    assert solve(problem, method="search") == chosen
    assert solve(problem, method="milp") == chosen
