"""The combinatorial search of one allocation component: exact, iterative, within a work budget.

A component arrives with its options in tie-break order (rank 0 first), its binding caps and
the symmetry chains that hold in it (see ``allocation.py``). Two depth-first searches, each an
explicit stack (no recursion, so no depth limit):

1. *Credits*: options in decreasing credits (then rank), "take" before "skip"; a branch is cut
   when its upper bound on credits cannot beat the best found. The first descent is the
   greedy solution.
2. *Tie-break*: options in rank order, "take" before "skip", looking only for allocations with
   the maximum credits C*; among them the fewest outcomes, and among those the first one the
   search meets. In this order the search meets allocations in decreasing lexicographic order
   of their membership vectors, which is exactly the documented tie-break (the allocation
   holding the smaller key at the first difference wins), so the first allocation found with
   the fewest outcomes is the answer. A branch is cut when it cannot reach C* credits, or when
   even its lower bound on outcomes cannot beat the best found (an equal count found later
   loses the tie).

Bounds on credits (the smallest applies): the credits of every option still possible; each
resource's best share of an option's credits (options sharing a resource exclude each other);
every option assigned to its tightest cap, each cap filled as a fractional knapsack; and, for
each cap alone, its fractional knapsack plus the credits outside it (this one sees a category
maximum that binds together with per-issuer limits inside it). The bound on outcomes: the
fewest outcomes whose options could add the missing credits (options sharing their most
shared resource taken as one, fractional). Symmetry: a chain of interchangeable resources
(twins) is used as a prefix, in order, each member on a pattern no earlier than the one
before it; an option that would break this is never taken.

Work is counted in options scanned; past ``budget`` the search gives up with
:class:`OutOfBudget` and the caller solves the component another way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction


class OutOfBudget(Exception):
    """The search used its work budget before it could prove an optimum."""


class ComponentSearch:
    """The search over one component; local option ``k`` is the ``k``-th in rank order."""

    def __init__(
        self,
        credits: Sequence[int],
        outcomes: Sequence[int],
        resources: Sequence[Sequence[int]],
        caps: Sequence[tuple[int, Sequence[tuple[int, int]]]],
        chains: Sequence[tuple[Sequence[int], Sequence[Sequence[int | None]]]],
    ) -> None:
        """``resources[k]``: resource numbers of option ``k``; ``caps``: (bound, [(option,
        weight)]); ``chains``: for each chain, the credits of each pattern and, per member in chain
        order, its option on each pattern (None where the option is gone)."""
        m = len(credits)
        self.m = m
        self.credits = list(credits)
        self.outcomes = list(outcomes)
        self.rlist = [list(r) for r in resources]
        self.rmask = [sum(1 << r for r in rs) for rs in self.rlist]
        self.bounds = [bound for bound, _ in caps]
        self.capw: list[list[tuple[int, int]]] = [[] for _ in range(m)]
        for c, (_, members) in enumerate(caps):
            for k, w in members:
                self.capw[k].append((c, w))
        # Each cap's members by decreasing credits per unit of weight (exact), for knapsacks.
        self.by_ratio = [
            sorted(members, key=lambda kw: (-Fraction(self.credits[kw[0]], kw[1]), kw[0]))
            for _, members in caps
        ]
        # An option's credits spread over its resources, rounded up.
        self.share = [-(-self.credits[k] // max(1, len(self.rlist[k]))) for k in range(m)]
        # The resource shared by most options: options with the same one exclude each other.
        users: dict[int, int] = {}
        for rs in self.rlist:
            for r in rs:
                users[r] = users.get(r, 0) + 1
        self.clique = [
            max(rs, key=lambda r: (users[r], -r)) if rs else -1 - k
            for k, rs in enumerate(self.rlist)
        ]
        self.chains = chains
        self.work = 0
        self.budget: int | None = None

    # -- public ------------------------------------------------------------------------------

    def max_credits(self, budget: int | None) -> tuple[int, list[int]]:
        """The most credits any allocation reaches, with one allocation that reaches them."""
        self.budget = budget
        order = sorted(range(self.m), key=lambda k: (-self.credits[k], k))
        return self._search(order, lambda q, c: (-c, q), None)

    def best(self, target: int, budget: int | None) -> list[int]:
        """The tie-break's allocation among those with ``target`` credits (options, ascending)."""
        self.budget = budget
        _, chosen = self._search(list(range(self.m)), lambda q, c: (q,), target)
        return sorted(chosen)

    # -- the search --------------------------------------------------------------------------

    def _requirements(
        self, pattern_order: Callable[[int, int], tuple[int, ...]]
    ) -> list[list[int]]:
        """For each option, masks of options one of which must already be chosen to take it:
        in a chain, a member sits on a pattern only if the member before it sits on a pattern
        no later (in ``pattern_order``), so options the search has already decided."""
        req: list[list[int]] = [[] for _ in range(self.m)]
        for pattern_credits, members in self.chains:
            keys = [pattern_order(q, c) for q, c in enumerate(pattern_credits)]
            for t in range(1, len(members)):
                before, member = members[t - 1], members[t]
                for p, k in enumerate(member):
                    if k is None:
                        continue
                    mask = 0
                    for q, j in enumerate(before):
                        if j is not None and keys[q] <= keys[p]:
                            mask |= 1 << j
                    req[k].append(mask)
        return req

    def _search(
        self,
        order: list[int],
        pattern_order: Callable[[int, int], tuple[int, ...]],
        target: int | None,
    ) -> tuple[int, list[int]]:
        m = self.m
        credits, outcomes, rmask, capw = self.credits, self.outcomes, self.rmask, self.capw
        req = self._requirements(pattern_order)
        room = list(self.bounds)
        used = 0
        chosen_mask = 0
        chosen: list[int] = []
        cur_c = cur_o = 0
        best_c = -1
        best_o = 1 << 62
        best: list[int] = []
        stack = [0]
        while stack:
            entry = stack.pop()
            if entry < 0:
                # Back from the "take" branch of the option at position ~entry: undo, then skip.
                d = ~entry
                k = order[d]
                chosen.pop()
                chosen_mask ^= 1 << k
                used ^= rmask[k]
                cur_c -= credits[k]
                cur_o -= outcomes[k]
                for c, w in capw[k]:
                    room[c] += w
                stack.append(d + 1)
                continue
            d = entry
            self.work += 1
            if target is None:
                if cur_c > best_c:
                    best_c, best = cur_c, list(chosen)
            elif cur_c == target:
                if cur_o < best_o:
                    best_o, best = cur_o, list(chosen)
                continue  # more options add outcomes, never credits
            # Options that cannot be taken here are skipped without branching.
            while d < m:
                k = order[d]
                if (
                    not rmask[k] & used
                    and all(w <= room[c] for c, w in capw[k])
                    and all(chosen_mask & mask for mask in req[k])
                ):
                    break
                d += 1
            if d >= m:
                continue
            if self._cut(order, d, used, room, cur_c, cur_o, target, best_c, best_o):
                continue
            k = order[d]
            chosen.append(k)
            chosen_mask |= 1 << k
            used |= rmask[k]
            cur_c += credits[k]
            cur_o += outcomes[k]
            for c, w in capw[k]:
                room[c] -= w
            stack.append(~d)
            stack.append(d + 1)
        if target is not None and best_o == 1 << 62:
            raise AssertionError("no allocation reaches the maximum credits")  # pragma: no cover
        return (best_c if target is None else target), best

    def _cut(
        self,
        order: list[int],
        d: int,
        used: int,
        room: list[int],
        cur_c: int,
        cur_o: int,
        target: int | None,
        best_c: int,
        best_o: int,
    ) -> bool:
        """Whether no allocation below this node can beat the best found."""
        credits, rmask, capw = self.credits, self.rmask, self.capw
        cand: list[int] = []
        for k in order[d:]:
            if rmask[k] & used:
                continue
            for c, w in capw[k]:
                if w > room[c]:
                    break
            else:
                cand.append(k)
        self.work += len(order) - d
        if self.budget is not None and self.work > self.budget:
            raise OutOfBudget
        goal = (best_c if target is None else target - 1) - cur_c
        # The node is cut when the credits it can add are at most ``goal``.
        total = 0
        for k in cand:
            total += credits[k]
        if total <= goal:
            return True
        # Options sharing a resource exclude each other: at most one per clique counts.
        clique, top = self.clique, dict[int, int]()
        for k in cand:
            key = clique[k]
            if credits[k] > top.get(key, 0):
                top[key] = credits[k]
        if sum(top.values()) <= goal:
            return True
        share = self.share
        best_share: dict[int, int] = {}
        for k in cand:
            s = share[k]
            for r in self.rlist[k]:
                if s > best_share.get(r, 0):
                    best_share[r] = s
        if sum(best_share.values()) <= goal:
            return True
        if self.bounds and self._cap_bound(cand, room, total) <= goal:
            return True
        if target is not None and best_o < 1 << 62:
            return cur_o + self._fewest_outcomes(cand, target - cur_c) >= best_o
        return False

    def _cap_bound(self, cand: list[int], room: list[int], total: int) -> int:
        """Credits ``cand`` can add within the caps' room, relaxed two ways (the smaller)."""
        capw = self.capw
        tight = {}
        uncapped = 0
        for k in cand:
            best_c, best_room = -1, 0
            for c, _ in capw[k]:
                if best_c < 0 or room[c] < best_room:
                    best_c, best_room = c, room[c]
            if best_c < 0:
                uncapped += self.credits[k]
            else:
                tight[k] = best_c
        assigned = uncapped
        single = total
        credits = self.credits
        for c, members in enumerate(self.by_ratio):
            left_all = left_own = room[c]
            fill_all = fill_own = 0
            inside = 0
            full_all = full_own = False
            for k, w in members:
                t = tight.get(k)
                if t is None:
                    continue  # not a candidate (or uncapped, which it cannot be here)
                inside += credits[k]
                if not full_all:
                    if w <= left_all:
                        fill_all += credits[k]
                        left_all -= w
                    else:
                        fill_all += -(-credits[k] * left_all // w)
                        full_all = True
                if t == c and not full_own:
                    if w <= left_own:
                        fill_own += credits[k]
                        left_own -= w
                    else:
                        fill_own += -(-credits[k] * left_own // w)
                        full_own = True
            assigned += fill_own
            single = min(single, total - inside + fill_all)
        return min(assigned, single)

    def _fewest_outcomes(self, cand: list[int], need: int) -> int:
        """A lower bound on the outcomes options of ``cand`` need to add ``need`` credits."""
        if need <= 0:
            return 0
        best: dict[int, tuple[int, int]] = {}
        for k in cand:
            key = self.clique[k]
            c, o = self.credits[k], self.outcomes[k]
            old = best.get(key)
            best[key] = (c, o) if old is None else (max(old[0], c), min(old[1], o))
        items = sorted(best.values(), key=lambda co: Fraction(-co[0], co[1]))
        count = 0
        for c, o in items:
            if c >= need:
                return count + -(-o * need // c)
            need -= c
            count += o
        return 1 << 62  # the credits cannot be reached at all
