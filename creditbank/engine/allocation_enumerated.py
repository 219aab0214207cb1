"""The allocation of a small component by enumeration: two cheap cuts, no set-up.

Most components hold two to five options (a learner's course and the certificates that
could stand for it); for them the branch and bound of ``allocation_search.py`` costs more in
setting up its cliques, knapsack orders and bounds than the whole tree costs to walk. Past
six options the walk is tried within a budget of nodes (:data:`WALK_BUDGET`): shared
outcomes and courses keep most trees small, but many interchangeable options under a tight
cap make the walk visit every way of filling it, which the search's bounds avoid. This
walk visits every allocation in the search's order (options in rank order, "take" before
"skip"), so it meets allocations in decreasing lexicographic order of their membership
vectors, as the search does, and keeps the first with the most credits, then the fewest
outcomes: the documented tie-break, the answer ``ComponentSearch.lexicographic`` gives
(``tests/engine/test_allocation_enumerated.py`` compares them). An option that would share a
resource with one taken, or overfill a cap, is never taken; a branch whose options left
cannot beat the best met (fewer credits, or as many with no fewer outcomes) is not walked.
"""

from __future__ import annotations

from collections.abc import Sequence

from creditbank.engine.allocation_search import cap_weights

WALKED_WHOLE_UP_TO = 6
"""Components of at most this many options are always walked whole (at most 64 allocations,
127 nodes): on them the walk is never slower than the search."""

WALK_BUDGET = 256
"""Nodes a walk of a larger component may visit before it gives up (None returned)."""


def first_best(
    credits: Sequence[int],
    outcomes: Sequence[int],
    resources: Sequence[Sequence[int]],
    caps: Sequence[tuple[int, Sequence[tuple[int, int]]]],
    budget: int | None = None,
) -> list[int] | None:
    """The tie-break's allocation (local options, ascending) of a component given as
    ``ComponentSearch`` takes it: ``resources[k]`` the resource numbers of option ``k``,
    ``caps`` (bound, [(option, weight)]); None if the walk needed more than ``budget`` nodes."""
    walk = _Walk(credits, outcomes, resources, caps, budget)
    if not walk.visit(0, 0, 0, 0, 0):
        return None
    return [k for k in range(len(credits)) if walk.best >> k & 1]


class _Walk:
    """The state of one enumeration: each cap's room left, and the best allocation met."""

    def __init__(
        self,
        credits: Sequence[int],
        outcomes: Sequence[int],
        resources: Sequence[Sequence[int]],
        caps: Sequence[tuple[int, Sequence[tuple[int, int]]]],
        budget: int | None,
    ) -> None:
        self.left = -1 if budget is None else budget
        """Nodes the walk may still visit (-1: no limit)."""
        self.m = len(credits)
        self.credits = list(credits)
        self.outcomes = list(outcomes)
        self.masks = [sum(1 << r for r in rs) for rs in resources]
        self.weights = cap_weights(caps, self.m)
        self.room = [bound for bound, _ in caps]
        self.rest = [sum(self.credits[k:]) for k in range(self.m + 1)]
        """The credits of the options from ``k`` on: a branch that cannot reach the best
        credits met is not walked."""
        self.best_credits = -1
        self.best_outcomes = 0
        self.best = 0
        """The best allocation met, as a mask of options."""

    def visit(self, k: int, used: int, chosen: int, got: int, spent: int) -> bool:
        """Every allocation that extends ``chosen`` (options before ``k`` decided; ``used``
        their resources, ``got`` their credits, ``spent`` their outcomes); False once the
        budget is spent."""
        if self.left == 0:
            return False
        self.left -= 1
        if k == self.m:
            if got > self.best_credits or (got == self.best_credits and spent < self.best_outcomes):
                self.best_credits, self.best_outcomes, self.best = got, spent, chosen
            return True
        most = got + self.rest[k]
        if most < self.best_credits or (most == self.best_credits and spent >= self.best_outcomes):
            return True  # it can at best tie with the best met, which comes first
        weights = self.weights[k]
        room = self.room
        if not self.masks[k] & used and all(room[c] >= w for c, w in weights):
            for c, w in weights:
                room[c] -= w
            walked = self.visit(
                k + 1,
                used | self.masks[k],
                chosen | 1 << k,
                got + self.credits[k],
                spent + self.outcomes[k],
            )
            for c, w in weights:
                room[c] += w
            if not walked:
                return False
        return self.visit(k + 1, used, chosen, got, spent)
