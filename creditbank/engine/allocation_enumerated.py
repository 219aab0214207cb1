"""The allocation of a small component by enumeration: no bounds, no budget, no set-up.

Most components hold two to five options (a learner's course and the certificates that
could stand for it); for them the branch and bound of ``allocation_search.py`` costs more in
setting up its cliques, knapsack orders and bounds than the whole tree costs to walk. This
walk visits every allocation in the search's order (options in rank order, "take" before
"skip"), so it meets allocations in decreasing lexicographic order of their membership
vectors, as the search does, and keeps the first with the most credits, then the fewest
outcomes: the documented tie-break, the answer ``ComponentSearch.lexicographic`` gives
(``tests/engine/test_allocation_enumerated.py`` compares them). An option that would share a
resource with one taken, or overfill a cap, is never taken.
"""

from __future__ import annotations

from collections.abc import Sequence

ENUMERATED_UP_TO = 6
"""Components of at most this many options are enumerated (at most 64 allocations)."""


def first_best(
    credits: Sequence[int],
    outcomes: Sequence[int],
    resources: Sequence[Sequence[int]],
    caps: Sequence[tuple[int, Sequence[tuple[int, int]]]],
) -> list[int]:
    """The tie-break's allocation (local options, ascending) of a component given as
    ``ComponentSearch`` takes it: ``resources[k]`` the resource numbers of option ``k``,
    ``caps`` (bound, [(option, weight)])."""
    walk = _Walk(credits, outcomes, resources, caps)
    walk.visit(0, 0, 0, 0, 0)
    return [k for k in range(len(credits)) if walk.best >> k & 1]


class _Walk:
    """The state of one enumeration: each cap's room left, and the best allocation met."""

    def __init__(
        self,
        credits: Sequence[int],
        outcomes: Sequence[int],
        resources: Sequence[Sequence[int]],
        caps: Sequence[tuple[int, Sequence[tuple[int, int]]]],
    ) -> None:
        self.m = len(credits)
        self.credits = list(credits)
        self.outcomes = list(outcomes)
        self.masks = [sum(1 << r for r in rs) for rs in resources]
        self.weights: list[list[tuple[int, int]]] = [[] for _ in range(self.m)]
        for c, (_, members) in enumerate(caps):
            for k, w in members:
                self.weights[k].append((c, w))
        self.room = [bound for bound, _ in caps]
        self.rest = [sum(self.credits[k:]) for k in range(self.m + 1)]
        """The credits of the options from ``k`` on: a branch that cannot reach the best
        credits met is not walked."""
        self.best_credits = -1
        self.best_outcomes = 0
        self.best = 0
        """The best allocation met, as a mask of options."""

    def visit(self, k: int, used: int, chosen: int, got: int, spent: int) -> None:
        """Every allocation that extends ``chosen`` (options before ``k`` decided; ``used``
        their resources, ``got`` their credits, ``spent`` their outcomes)."""
        if k == self.m:
            if got > self.best_credits or (got == self.best_credits and spent < self.best_outcomes):
                self.best_credits, self.best_outcomes, self.best = got, spent, chosen
            return
        most = got + self.rest[k]
        if most < self.best_credits or (most == self.best_credits and spent >= self.best_outcomes):
            return  # it can at best tie with the best met, which comes first
        weights = self.weights[k]
        room = self.room
        if not self.masks[k] & used and all(room[c] >= w for c, w in weights):
            for c, w in weights:
                room[c] -= w
            self.visit(
                k + 1,
                used | self.masks[k],
                chosen | 1 << k,
                got + self.credits[k],
                spent + self.outcomes[k],
            )
            for c, w in weights:
                room[c] += w
        self.visit(k + 1, used, chosen, got, spent)
