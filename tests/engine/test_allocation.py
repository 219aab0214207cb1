"""The optimiser against brute force: optimal, feasible, and unique under the tie-break."""

from __future__ import annotations

from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from creditbank.engine.allocation import Cap, Problem, feasible, objective, solve


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    n = draw(st.integers(1, 9))
    outcomes = [f"o:{i}" for i in range(draw(st.integers(1, 6)))]
    courses = [f"c:{i}" for i in range(draw(st.integers(1, 5)))]
    resources, credits, counts = [], [], []
    for _ in range(n):
        used = draw(st.lists(st.sampled_from(outcomes), min_size=1, max_size=2, unique=True))
        course = draw(st.lists(st.sampled_from(courses), max_size=2, unique=True))
        resources.append(frozenset(used + course))
        counts.append(len(used))
        credits.append(draw(st.sampled_from([50, 100, 200, 250, 300, 400, 600])))
    caps = []
    for c in range(draw(st.integers(0, 3))):
        members = draw(st.lists(st.integers(0, n - 1), min_size=1, unique=True))
        by_count = draw(st.booleans())
        weights = {i: counts[i] if by_count else credits[i] for i in members}
        bound = draw(st.integers(0, sum(weights.values())))
        caps.append(Cap(f"cap{c}", bound, weights))
    keys = [f"k{draw(st.integers(0, 99)):02d}-{i}" for i in range(n)]
    return Problem(keys, credits, counts, resources, caps)


def brute_force(problem: Problem) -> frozenset[int]:
    n = len(problem.keys)
    best: frozenset[int] = frozenset()
    best_value = objective(problem, best)
    for size in range(1, n + 1):
        for combo in combinations(range(n), size):
            chosen = frozenset(combo)
            if feasible(problem, chosen) and objective(problem, chosen) > best_value:
                best, best_value = chosen, objective(problem, chosen)
    return best


@settings(max_examples=300, deadline=None)
@given(problems())
def test_solver_equals_brute_force_caps_and_bundles_included(problem: Problem) -> None:
    chosen = solve(problem)
    assert feasible(problem, chosen)
    assert chosen == brute_force(problem)


def test_most_credits_beat_the_first_candidate() -> None:
    # o1 could fill c1 (4 credits) or c2 (3); o2 only c1 (4): the best uses o1 on c2.
    problem = Problem(
        keys=["c1|r|o1", "c2|r|o1", "c1|r|o2"],
        credits=[400, 300, 400],
        outcome_counts=[1, 1, 1],
        resources=[
            frozenset({"o:o1", "c:c1"}),
            frozenset({"o:o1", "c:c2"}),
            frozenset({"o:o2", "c:c1"}),
        ],
        caps=[],
    )
    assert sorted(solve(problem)) == [1, 2]


def test_a_credit_cap_is_filled_as_a_knapsack_not_greedily() -> None:
    # cap 6: greedy by size takes 4 and stops at 4; the optimum is 3 + 3.
    problem = Problem(
        keys=["a", "b", "c"],
        credits=[400, 300, 300],
        outcome_counts=[1, 1, 1],
        resources=[frozenset({"o:1"}), frozenset({"o:2"}), frozenset({"o:3"})],
        caps=[Cap("max", 600, {0: 400, 1: 300, 2: 300})],
    )
    assert sorted(solve(problem)) == [1, 2]


def test_ties_prefer_fewer_outcomes_then_the_smaller_key() -> None:
    # A bundle of two outcomes and a single outcome give the same credits: use one outcome.
    problem = Problem(
        keys=["x|bundle|o1,o2", "x|single|o3", "x|single|o4"],
        credits=[300, 300, 300],
        outcome_counts=[2, 1, 1],
        resources=[
            frozenset({"o:o1", "o:o2", "c:x"}),
            frozenset({"o:o3", "c:x"}),
            frozenset({"o:o4", "c:x"}),
        ],
        caps=[],
    )
    assert solve(problem) == frozenset({1})
