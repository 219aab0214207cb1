"""The optimiser: choose grants that give the most credit, exactly, under every cap.

The problem. Each *option* is one way to use outcomes: a rule applied to one outcome (or an
all-of bundle) that grants whole courses, partial credit or category credits. Options exclude
each other when they share a *resource* (an outcome: each is used at most once; a course: each
is granted at most once). *Caps* are linear: the options in a cap's scope, weighted by their
credits (or by their outcome count), may add up to at most its bound. Choosing the best set is
a 0-1 integer programme: a weighted set packing with knapsack rows, NP-hard in general.

The method, exact and pure Python:

1. Caps that cannot bind (their members add up to at most the bound) are dropped.
2. The options split into independent components (connected by shared resources or binding
   caps); each is solved alone, since the objective adds up across components.
3. A component of one option is taken if it fits its caps. Larger ones go to a depth-first
   branch and bound: options in decreasing value, "take" tried before "skip", a greedy
   solution as the first incumbent, and the smaller of two upper bounds: each free outcome
   contributes at most its best compatible option's value per outcome; and the credits still
   reachable, where the options of each binding cap can add at most a fractional knapsack of
   its remaining room (each option counted under one of its caps). A branch is cut when its
   bound cannot beat the incumbent.

Complexity: linear in the options for the fast paths; the search is exponential in the size
of a component in the worst case (2^n nodes), but real components are small (a learner's
outcomes mostly have one or two candidate courses, and most caps cannot bind). There is no
time limit and no approximation: the answer is always optimal.

The tie-break, documented and folded into one integer objective so the optimum is unique:
first the most credits; then the fewest outcomes used (keep outcomes free); then, comparing the
chosen options sorted by key (target, rule id, outcome ids), the set holding the smaller key at
the first difference (a set that extends another wins). The objective is
``credits x K1 - outcomes x K2 + sum(2^(n-1-rank))`` with K2 = 2^n and K1 = K2 x (outcomes + 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Cap:
    """A linear limit: the weights of chosen member options add up to at most ``bound``."""

    id: str
    bound: int
    weights: dict[int, int] = field(hash=False)


@dataclass(frozen=True)
class Problem:
    """Options with integer credits (hundredths), outcome counts, resources and caps.

    ``keys`` give the tie-break order; ``resources[i]`` are what option ``i`` uses up.
    """

    keys: Sequence[str]
    credits: Sequence[int]
    outcome_counts: Sequence[int]
    resources: Sequence[frozenset[str]]
    caps: Sequence[Cap]


def solve(problem: Problem) -> frozenset[int]:
    """The indices of the chosen options: the unique optimum under the documented tie-break.

    >>> p = Problem(keys=["a", "b", "c"], credits=[400, 300, 300], outcome_counts=[1, 1, 1],
    ...             resources=[frozenset({"o1"}), frozenset({"o1"}), frozenset({"o2"})],
    ...             caps=[Cap("max", 600, {0: 400, 1: 300, 2: 300})])
    >>> sorted(solve(p))
    [1, 2]
    """
    n = len(problem.keys)
    if n == 0:
        return frozenset()
    values = _values(problem)
    caps = [cap for cap in problem.caps if sum(cap.weights.values()) > cap.bound]
    chosen: set[int] = set()
    for component in _components(n, problem.resources, caps):
        member_caps = [c for c in caps if any(i in c.weights for i in component)]
        if len(component) == 1:
            (i,) = component
            if all(c.weights[i] <= c.bound for c in member_caps):
                chosen.add(i)
            continue
        search = _Search(
            component, values, problem.credits, _k1(problem), problem.resources, member_caps
        )
        chosen |= search.run()
    return frozenset(chosen)


def objective(problem: Problem, chosen: frozenset[int]) -> int:
    """The folded objective of a choice (for tests that compare against brute force)."""
    values = _values(problem)
    return sum(values[i] for i in chosen)


def feasible(problem: Problem, chosen: frozenset[int]) -> bool:
    """Whether a choice uses each resource once and respects every cap, exactly."""
    used: set[str] = set()
    for i in chosen:
        if used & problem.resources[i]:
            return False
        used |= problem.resources[i]
    return all(sum(cap.weights.get(i, 0) for i in chosen) <= cap.bound for cap in problem.caps)


def _k1(problem: Problem) -> int:
    """Weight of one hundredth of a credit in the folded objective."""
    return (1 << len(problem.keys)) * (sum(problem.outcome_counts) + 1)


def _values(problem: Problem) -> list[int]:
    n = len(problem.keys)
    order = sorted(range(n), key=lambda i: problem.keys[i])
    rank = {index: position for position, index in enumerate(order)}
    k2 = 1 << n
    k1 = _k1(problem)
    return [
        problem.credits[i] * k1 - problem.outcome_counts[i] * k2 + (1 << (n - 1 - rank[i]))
        for i in range(n)
    ]


def _components(
    n: int, resources: Sequence[frozenset[str]], caps: Sequence[Cap]
) -> list[list[int]]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    owner: dict[str, int] = {}
    for i in range(n):
        for resource in resources[i]:
            if resource in owner:
                join(i, owner[resource])
            else:
                owner[resource] = i
    for cap in caps:
        members = sorted(cap.weights)
        for other in members[1:]:
            join(members[0], other)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return [groups[root] for root in sorted(groups)]


class _Search:
    """Branch and bound over one component."""

    def __init__(
        self,
        members: list[int],
        values: list[int],
        credits: Sequence[int],
        k1: int,
        resources: Sequence[frozenset[str]],
        caps: list[Cap],
    ) -> None:
        self.order = sorted(members, key=lambda i: -values[i])
        self.values = values
        self.credits = credits
        self.k1 = k1
        self.resources = resources
        self.caps = caps
        self.cap_of = {
            i: [(ci, c.weights[i]) for ci, c in enumerate(caps) if i in c.weights] for i in members
        }
        self.shares = {i: -(-values[i] // max(1, len(resources[i]))) for i in members}
        """Each option's value spread over its resources, rounded up (for the bound)."""
        self.best_value = 0
        self.best: set[int] = set()

    def fits(self, i: int, used: set[str], load: list[int]) -> bool:
        if self.resources[i] & used:
            return False
        return all(load[ci] + w <= self.caps[ci].bound for ci, w in self.cap_of[i])

    def run(self) -> set[int]:
        load = [0] * len(self.caps)
        used: set[str] = set()
        greedy: set[int] = set()
        for i in self.order:
            if self.fits(i, used, load):
                greedy.add(i)
                used |= self.resources[i]
                for ci, w in self.cap_of[i]:
                    load[ci] += w
        self.best, self.best_value = greedy, sum(self.values[i] for i in greedy)
        if len(self.order) > 1:
            self._dfs(0, set(), set(), [0] * len(self.caps), 0)
        return self.best

    def _bound(self, start: int, used: set[str], load: list[int]) -> int:
        """An upper bound on the value the options from ``start`` on can still add."""
        total = 0
        per_resource: dict[str, int] = {}
        uncapped = 0
        by_cap: dict[int, list[int]] = {}
        values, credits, resources, shares = self.values, self.credits, self.resources, self.shares
        room = [cap.bound - used_ for cap, used_ in zip(self.caps, load, strict=True)]
        for i in self.order[start:]:
            if resources[i] & used:
                continue
            caps_of_i = self.cap_of[i]
            tightest, tightest_room = -1, 0
            for ci, w in caps_of_i:
                if w > room[ci]:
                    break
                if tightest < 0 or room[ci] < tightest_room:
                    tightest, tightest_room = ci, room[ci]
            else:
                total += values[i]
                share = shares[i]
                for resource in resources[i]:
                    if share > per_resource.get(resource, 0):
                        per_resource[resource] = share
                if tightest < 0:
                    uncapped += credits[i]
                else:
                    by_cap.setdefault(tightest, []).append(i)
        reachable = uncapped + sum(
            self._knapsack(members, ci, room[ci]) for ci, members in by_cap.items()
        )
        return min(total, sum(per_resource.values()), reachable * self.k1)

    def _knapsack(self, members: list[int], ci: int, room: int) -> int:
        """Most credits members of cap ``ci`` can add in ``room``, allowing fractions."""
        weights = self.caps[ci].weights
        best = 0
        for i in sorted(members, key=lambda i: -self.credits[i] / max(weights[i], 1)):
            if weights[i] <= room:
                best += self.credits[i]
                room -= weights[i]
            else:
                best += -(-self.credits[i] * room // weights[i])
                break
        return best

    def _dfs(
        self, start: int, chosen: set[int], used: set[str], load: list[int], value: int
    ) -> None:
        if value > self.best_value:
            self.best_value, self.best = value, set(chosen)
        if start >= len(self.order):
            return
        if value + self._bound(start, used, load) <= self.best_value:
            return
        i = self.order[start]
        if self.fits(i, used, load):
            chosen.add(i)
            for ci, w in self.cap_of[i]:
                load[ci] += w
            self._dfs(start + 1, chosen, used | self.resources[i], load, value + self.values[i])
            for ci, w in self.cap_of[i]:
                load[ci] -= w
            chosen.discard(i)
        self._dfs(start + 1, chosen, used, load, value)
