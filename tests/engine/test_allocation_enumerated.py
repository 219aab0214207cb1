"""Small components enumerated give the branch and bound's answer, and brute force's."""

from __future__ import annotations

from itertools import product

from hypothesis import given, settings
from hypothesis import strategies as st

from creditbank.engine.allocation_enumerated import WALK_BUDGET, WALKED_WHOLE_UP_TO, first_best
from creditbank.engine.allocation_search import ComponentSearch

Component = tuple[list[int], list[int], list[list[int]], list[tuple[int, list[tuple[int, int]]]]]


@st.composite
def components(draw: st.DrawFn, most: int = WALKED_WHOLE_UP_TO) -> Component:
    """Options in rank order over a few resources, equal credits and outcomes common (ties
    are where the tie-break shows), with caps by credits or by count."""
    m = draw(st.integers(1, most))
    resources = [
        draw(st.lists(st.integers(0, 4), min_size=1, max_size=3, unique=True)) for _ in range(m)
    ]
    credits = [draw(st.sampled_from([100, 200, 300])) for _ in range(m)]
    outcomes = [draw(st.integers(1, 3)) for _ in range(m)]
    caps = []
    for _ in range(draw(st.integers(0, 3))):
        members = draw(st.lists(st.integers(0, m - 1), min_size=1, unique=True))
        weights = [(k, credits[k] if draw(st.booleans()) else 1) for k in sorted(members)]
        caps.append(
            (draw(st.integers(max(w for _, w in weights), sum(w for _, w in weights))), weights)
        )
    return credits, outcomes, resources, caps


def brute_force(component: Component) -> list[int]:
    """Every allocation: the most credits, then the fewest outcomes, then the membership
    vector in rank order that is largest (the option ranked first taken, at the first
    difference)."""
    credits, outcomes, resources, caps = component
    m = len(credits)
    best: tuple[int, int, tuple[int, ...]] | None = None
    for taken in product((1, 0), repeat=m):
        chosen = [k for k in range(m) if taken[k]]
        used = [r for k in chosen for r in resources[k]]
        if len(used) != len(set(used)):
            continue
        if any(sum(w for k, w in members if taken[k]) > bound for bound, members in caps):
            continue
        key = (sum(credits[k] for k in chosen), -sum(outcomes[k] for k in chosen), taken)
        if best is None or key > best:
            best = key
    assert best is not None  # taking nothing is always an allocation
    return [k for k in range(m) if best[2][k]]


@settings(max_examples=400)
@given(components())
def test_enumeration_agrees_with_the_search_and_with_brute_force(component: Component) -> None:
    credits, outcomes, resources, caps = component
    found = first_best(credits, outcomes, resources, caps)
    assert found == brute_force(component)
    searched = ComponentSearch(credits, outcomes, resources, caps, []).lexicographic(None)
    assert found == searched


def test_equal_credits_go_to_the_allocation_with_fewer_outcomes_then_the_first_ranked() -> None:
    # options 0 and 1 exclude each other (resource 0); each alone gives 200 credits
    credits, outcomes, resources = [200, 200, 100, 100], [2, 1, 1, 1], [[0], [0], [1], [2]]
    assert first_best(credits, outcomes, resources, []) == [1, 2, 3]
    assert first_best(credits, [1, 1, 1, 1], resources, []) == [0, 2, 3]
    # a cap of 300 credits over everything: 300 of 600, first ranked among equals
    cap = (300, [(0, 200), (1, 200), (2, 100), (3, 100)])
    assert first_best(credits, [1, 1, 1, 1], resources, [cap]) == [0, 2]


@settings(max_examples=200)
@given(components(), st.integers(1, 40))
def test_a_walk_within_its_budget_is_exact_and_one_past_it_says_so(
    component: Component, budget: int
) -> None:
    credits, outcomes, resources, caps = component
    found = first_best(credits, outcomes, resources, caps, budget)
    assert found is None or found == brute_force(component)
    if budget >= 2 ** (len(credits) + 1) - 1:  # the whole tree's nodes
        assert found is not None


@settings(max_examples=150, deadline=None)
@given(components(most=11))
def test_walks_of_larger_components_within_the_budget_agree_with_the_search(
    component: Component,
) -> None:
    credits, outcomes, resources, caps = component
    found = first_best(credits, outcomes, resources, caps, WALK_BUDGET)
    searched = ComponentSearch(credits, outcomes, resources, caps, []).lexicographic(None)
    assert found is None or found == searched


def test_many_interchangeable_options_under_a_tight_cap_exhaust_the_budget() -> None:
    m = 11  # every way of taking 5 of 11 equal options
    credits, outcomes, resources = [100] * m, [1] * m, [[k] for k in range(m)]
    cap = (500, [(k, 100) for k in range(m)])
    assert first_best(credits, outcomes, resources, [cap], WALK_BUDGET) is None
    assert first_best(credits, outcomes, resources, [cap]) == [0, 1, 2, 3, 4]
