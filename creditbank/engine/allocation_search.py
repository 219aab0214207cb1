"""The combinatorial search of one allocation component: exact, iterative, within a work budget.

A component arrives with its options in tie-break order (rank 0 first), its binding caps and
the symmetry chains that hold in it (see ``allocation.py``). Each search is depth-first with
an explicit stack (no recursion, so no depth limit), "take" tried before "skip"; its first
descent is the greedy solution, and when the root's bounds show that one optimal the search
ends there.

- :meth:`ComponentSearch.max_credits`: options in decreasing credits (then rank); a branch is
  cut when its upper bound on credits cannot beat the best found.
- :meth:`ComponentSearch.best`: options in rank order, only allocations with the maximum
  credits C*; among them the fewest outcomes, and among those the first the search meets. In
  this order the search meets allocations in decreasing lexicographic order of their
  membership vectors, which is the documented tie-break (the allocation holding the smaller
  key at the first difference wins; one allocation never meets another that extends it with
  equal outcomes, as every option uses one), so the first found with the fewest outcomes is
  the answer. A branch is cut when it cannot reach C*, or when its lower bound on outcomes
  cannot beat the best found (an equal count met later loses the tie). Given the fewest
  outcomes O* (from the integer programme), it stops at the first allocation with C* and O*.
- :meth:`ComponentSearch.lexicographic`: both in one search, for small components: rank
  order, most credits then fewest outcomes, first met; the outcome bound cuts only a branch
  that can at most match the best credits.

Bounds. Credits (the smallest applies): one option per clique (options sharing the resource
most of them use exclude each other: the clique's best counts); and, for each binding cap, the
fractional knapsack of its room (over its options, and over one item per clique with the
clique's most credits and least weight: the smaller) plus the most each clique can add outside
the cap. The per-cap bound sees a category maximum that binds together with per-issuer limits
inside it, and a count cap over options that exclude each other. Outcomes: the fewest whose
options could add the missing credits, one item per clique (its most credits, its fewest
outcomes), fractional; and, given prices for the caps and resources (the solver's dual values,
when the search runs again knowing C* and O*), the Lagrangian relaxation of every cap and
resource row at once: a fractional cover by priced cost per credit, less each cap's room and
each free resource at their price. Knowing O*, the outcome bounds come before the caps' (they
are cheaper, and cut most nodes), and the priced one also rules out, for the node's whole
subtree, each option that taken would push the bound past O* (a reduced-cost test, one binary
search per option): the search then never visits those options, which it would otherwise take,
first, one by one. Likewise an option the bound's cover cannot do without is in every
allocation below (the search takes it when it comes to it), and the options sharing a resource
with it, or too heavy for a cap's room beside it, are ruled out at once. A cap whose
candidates all fit its room at once cannot bind anywhere below the node (they only lose weight
faster than it loses room), so its knapsack is not read again there. Knapsacks are filled in
exact ratio order (floats checked pair by pair in integers). Symmetry: a chain of
interchangeable resources (twins) is used as a prefix, in order, each member on a pattern no
earlier than the one before it; an option that would break this is never taken.

Work is counted in options read (candidates scanned, cap members visited); past ``budget``
the search gives up with :class:`OutOfBudget` and the caller solves the component another way.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from fractions import Fraction
from itertools import pairwise

_NEVER = 1 << 62
"""More outcomes than any allocation uses."""


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
        self.capw = cap_weights(caps, m)
        # Each cap's members by decreasing credits per unit of weight, for knapsacks.
        self.by_ratio = [_by_ratio(members, self.credits) for _, members in caps]
        self.clique = cliques(self.rlist)
        # For each cap, the options outside it whose clique has members inside it.
        self.outside: list[list[int]] = []
        for _, members in caps:
            inside = {k for k, _ in members}
            keys = {self.clique[k] for k in inside}
            self.outside.append([k for k in range(m) if k not in inside and self.clique[k] in keys])
        self.chains = chains
        self.work = 0
        self.budget: int | None = None
        self.fewest: int | None = None
        self.floor = 0
        """Credits some allocation is known to reach (the lex search cuts below them)."""
        self.prices: Prices | None = None
        self.priced: list[int] = []
        self.priced_order: list[int] = []

    # -- public ------------------------------------------------------------------------------

    def max_credits(self, budget: int | None) -> tuple[int, list[int]]:
        """The most credits any allocation reaches, with one allocation that reaches them."""
        self.budget = None if budget is None else self.work + budget
        order = sorted(range(self.m), key=lambda k: (-self.credits[k], k))
        return self._search(order, lambda q, c: (-c, q), "credits", 0)

    def best(
        self,
        target: int,
        budget: int | None,
        fewest: int | None = None,
        prices: Prices | None = None,
    ) -> list[int]:
        """The tie-break's allocation among those with ``target`` credits (options, ascending);
        when ``fewest`` outcomes is known to be their least, the first met that has it. With
        ``prices``, the outcome bound also prices the caps and resources (:data:`Prices`)."""
        self.budget = None if budget is None else self.work + budget
        self.fewest = fewest
        if prices is not None:
            self._set_prices(prices)
        _, chosen = self._search(list(range(self.m)), lambda q, c: (q,), "target", target)
        return sorted(chosen)

    def lexicographic(self, budget: int | None) -> list[int]:
        """The tie-break's allocation in one search (for small components): the most credits,
        the fewest outcomes, the first met in rank order."""
        self.budget = None if budget is None else self.work + budget
        _, chosen = self._search(list(range(self.m)), lambda q, c: (q,), "lex", 0)
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
        mode: str,
        target: int,
    ) -> tuple[int, list[int]]:
        """Depth-first search over ``order``: ``mode`` "credits" maximises credits; "target"
        finds, among allocations with ``target`` credits, the fewest outcomes met first; "lex"
        the most credits, then the fewest outcomes, met first."""
        m = self.m
        credits, outcomes, rmask, capw = self.credits, self.outcomes, self.rmask, self.capw
        req = self._requirements(pattern_order)
        room = list(self.bounds)
        used = 0
        chosen_mask = 0
        chosen: list[int] = []
        cur_c = cur_o = 0
        best_c = -1
        best_o = _NEVER
        best: list[int] = []
        to_target = mode == "target"
        known = to_target and self.fewest is not None
        if known:
            best_o = self.fewest + 1  # type: ignore[operator]
        # The first descent is the greedy solution; when it meets the root's bounds, it is the
        # answer (in the rank-order modes it is also the first the search would meet).
        for k in order:
            if to_target and cur_c == target:
                break
            if (
                not rmask[k] & used
                and all(w <= room[c] for c, w in capw[k])
                and all(chosen_mask & mask for mask in req[k])
            ):
                chosen.append(k)
                chosen_mask |= 1 << k
                used |= rmask[k]
                cur_c += credits[k]
                cur_o += outcomes[k]
                for c, w in capw[k]:
                    room[c] -= w
                if to_target:
                    if cur_c == target and cur_o < best_o:
                        best_c, best_o, best = cur_c, cur_o, list(chosen)
                elif cur_c > best_c:
                    best_c, best_o, best = cur_c, cur_o, list(chosen)
        if best_c < 0 and not to_target:
            best_c, best_o = 0, 0  # the empty allocation
        self.floor = 0
        if mode == "lex":
            # The greedy by credits is no tie-break answer, but the optimum has at least its
            # credits: branches that cannot reach them are cut.
            self.floor = self._greedy_credits(req)
        if known and best:
            return best_c, best  # the fewest outcomes, met first
        room = list(self.bounds)
        settled = self._cut(order, 0, 0, room, (0, 0), 0, 0, mode, target, best_c, best_o)
        if settled is None and best_c >= 0:
            return best_c, best
        banned, slack = settled or (0, 0)
        # At each node of the path, the options ruled out and the caps that no longer bind in
        # its subtree (both stand for its "skip" branch too).
        saved: list[tuple[int, int]] = []
        used = chosen_mask = cur_c = cur_o = 0
        chosen = []
        root = True  # its bounds were just computed
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
                banned, slack = saved.pop()
                stack.append(d + 1)
                continue
            d = entry
            self.work += 1
            if to_target:
                if cur_c == target:
                    if cur_o < best_o:
                        best_c, best_o, best = cur_c, cur_o, list(chosen)
                        if known:
                            return best_c, best  # the fewest outcomes, met first
                    continue  # more options add outcomes, never credits
            elif cur_c > best_c or (mode == "lex" and cur_c == best_c and cur_o < best_o):
                best_c, best_o, best = cur_c, cur_o, list(chosen)
            # Options that cannot be taken here are skipped without branching.
            while d < m:
                k = order[d]
                if (
                    not rmask[k] & used
                    and not banned >> k & 1
                    and all(w <= room[c] for c, w in capw[k])
                    and all(chosen_mask & mask for mask in req[k])
                ):
                    break
                d += 1
            if d >= m:
                continue
            if root:
                root = False
            else:
                settled = self._cut(
                    order,
                    d,
                    used,
                    room,
                    (banned, slack),
                    cur_c,
                    cur_o,
                    mode,
                    target,
                    best_c,
                    best_o,
                )
                if settled is None:
                    continue
                banned, slack = banned | settled[0], slack | settled[1]
            saved.append((banned, slack))
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
        if best_c < 0:
            raise AssertionError("no allocation reaches the maximum credits")  # pragma: no cover
        return best_c, best

    def _greedy_credits(self, req: list[list[int]]) -> int:
        """The credits of the greedy allocation by decreasing credits."""
        credits, rmask, capw = self.credits, self.rmask, self.capw
        room = list(self.bounds)
        used = chosen_mask = total = 0
        for k in sorted(range(self.m), key=lambda k: -credits[k]):
            if (
                not rmask[k] & used
                and all(w <= room[c] for c, w in capw[k])
                and all(chosen_mask & mask for mask in req[k])
            ):
                used |= rmask[k]
                chosen_mask |= 1 << k
                total += credits[k]
                for c, w in capw[k]:
                    room[c] -= w
        return total

    def _cut(
        self,
        order: list[int],
        d: int,
        used: int,
        room: list[int],
        settled: tuple[int, int],
        cur_c: int,
        cur_o: int,
        mode: str,
        target: int,
        best_c: int,
        best_o: int,
    ) -> tuple[int, int] | None:
        """None when no allocation below this node can beat the best found; else what is
        settled below it, as masks: the options no allocation below it that beats the best
        found can hold, and the caps that cannot bind below it (as they cannot here: the
        candidates that remain only lose weight faster than a cap loses room). ``settled`` is
        what the nodes above it settled."""
        rmask, capw = self.rmask, self.capw
        self.work += len(order) - d
        if self.budget is not None and self.work > self.budget:
            raise OutOfBudget
        # The options still possible.
        cand: list[int] = []
        banned, slack = settled
        for k in order[d:]:
            if rmask[k] & used or banned >> k & 1:
                continue
            for c, w in capw[k]:
                if w > room[c]:
                    break
            else:
                cand.append(k)
        top = self._clique_tops(cand)
        # The credits this node can add; it is cut when they cannot beat the best found.
        if mode == "credits":
            goal = best_c - cur_c
        elif mode == "target":
            goal = target - 1 - cur_c
        else:
            goal = max(best_c, self.floor) - 1 - cur_c
        bound = sum(top.values())
        if bound <= goal:
            return None
        ruled_out = 0
        known = mode == "target" and self.fewest is not None
        if known:
            # The outcome bounds first: cheaper than the caps', they cut more nodes here.
            found = self._outcome_bound(cand, room, target - cur_c, best_o - cur_o)
            if found is None:
                return None
            ruled_out = found
            if ruled_out:
                # The options ruled out no longer count in the credit bounds either.
                self.work += len(cand)
                cand = [k for k in cand if not ruled_out >> k & 1]
                top = self._clique_tops(cand)
                bound = sum(top.values())
                if bound <= goal:
                    return None
        if self.bounds:
            by_caps, slack = self._cap_bound(cand, room, slack, top, goal)
            bound = min(bound, by_caps)
            if bound <= goal:
                return None
        if best_o == _NEVER or mode == "credits" or known:
            return ruled_out, slack
        # Credits can at most be matched: the outcomes decide.
        need = target - cur_c if mode == "target" else best_c - cur_c
        if mode == "lex" and bound > need:
            return 0, slack
        found = self._outcome_bound(cand, room, need, best_o - cur_o)
        return None if found is None else (found, slack)

    def _clique_tops(self, cand: list[int]) -> dict[int, int]:
        """The most credits of each clique among ``cand`` (options sharing a resource exclude
        each other: at most one per clique counts)."""
        credits, clique = self.credits, self.clique
        top: dict[int, int] = {}
        for k in cand:
            ck, key = credits[k], clique[k]
            if ck > top.get(key, 0):
                top[key] = ck
        return top

    def _outcome_bound(self, cand: list[int], room: list[int], need: int, spare: int) -> int | None:
        """None when adding ``need`` credits from ``cand`` takes ``spare`` outcomes or more;
        else the options of ``cand`` (a mask) that the priced bound shows no allocation that
        takes fewer can hold."""
        if self._fewest_outcomes(cand, need) >= spare:
            return None
        if self.prices is None:
            return 0
        return self._priced_outcomes(cand, need, room, spare)

    def _cap_bound(
        self, cand: list[int], room: list[int], slack: int, top: dict[int, int], goal: int
    ) -> tuple[int, int]:
        """Credits ``cand`` can add within the caps' room (stops once at most ``goal``): for
        each cap, a fractional knapsack of its room (over its options, and over one item per
        clique: the clique's most credits, its least weight; the smaller), plus the most each
        clique can add outside the cap. And the caps that do not bind (a mask): ``slack``
        (known not to), and those whose room every candidate of theirs fits at once."""
        credits, clique = self.credits, self.clique
        is_cand = set(cand)
        single = base = sum(top.values())
        for c, members in enumerate(self.by_ratio):
            if slack >> c & 1:
                continue
            self.work += len(members)
            left, plain = room[c], 0  # the knapsack of the options themselves
            for k, w in members:
                if k in is_cand:
                    if w > left:
                        plain += -(-credits[k] * left // w)
                        break
                    plain += credits[k]
                    left -= w
            else:
                # Every option of the cap fits its room: the cap adds nothing to the clique
                # bound (its items are at least the cliques' best inside it).
                slack |= 1 << c
                continue
            items: dict[int, list[int]] = {}
            merged = False
            bound = base  # less the best of each clique inside the cap, plus what is outside
            for k, w in members:
                if k not in is_cand:
                    continue
                key, ck = clique[k], credits[k]
                item = items.get(key)
                if item is None:
                    items[key] = [ck, w]
                    bound -= top.get(key, 0)  # none when its options add no credit
                else:
                    if ck > item[0]:
                        item[0] = ck
                    if w < item[1]:
                        item[1] = w
                    merged = True
            if not items:
                continue
            outside: dict[int, int] = {}
            for k in self.outside[c]:
                key = clique[k]
                if key in items and k in is_cand and credits[k] > outside.get(key, 0):
                    outside[key] = credits[k]
            bound += sum(outside.values())
            if merged:
                pairs = _exact_order([(ci, wi) for ci, wi in items.values()])
                plain = min(plain, _knapsack(pairs, room[c]))
            bound += plain
            if bound < single:
                single = bound
                if single <= goal:
                    break
        return single, slack

    def _fewest_outcomes(self, cand: list[int], need: int) -> int:
        """A lower bound on the outcomes options of ``cand`` need to add ``need`` credits:
        one item per clique (its most credits, its fewest outcomes), fractional."""
        if need <= 0:
            return 0
        clique, credits, outcomes = self.clique, self.credits, self.outcomes
        best: dict[int, tuple[int, int]] = {}
        for k in cand:
            key = clique[k]
            c, o = credits[k], outcomes[k]
            old = best.get(key)
            best[key] = (c, o) if old is None else (max(old[0], c), min(old[1], o))
        return _cover(_exact_order(list(best.values())), need)

    def _set_prices(self, prices: Prices) -> None:
        """Each option's priced cost, and the options that add credits by priced cost per
        credit, exactly."""
        scale, per_cap, per_resource = prices
        self.prices = prices
        self.priced = [
            scale * self.outcomes[k]
            + sum(per_cap[c] * w for c, w in self.capw[k])
            + sum(per_resource.get(r, 0) for r in self.rlist[k])
            for k in range(self.m)
        ]
        paying = [(k, self.priced[k]) for k in range(self.m) if self.credits[k] > 0]
        # (No credit: never in a cover. Every priced cost is positive: each option uses an
        # outcome.) Most credits per priced cost first is the least cost per credit first.
        self.priced_order = [k for k, _ in _by_ratio(paying, self.credits)]

    def _priced_outcomes(
        self, cand: list[int], need: int, room: list[int], spare: int
    ) -> int | None:
        """None when options of ``cand`` need ``spare`` outcomes or more to add ``need``
        credits within the caps' ``room``, each resource used once; else the options of
        ``cand`` (a mask) that, taken, would. The bound is the Lagrangian relaxation of the caps
        and resource rows at :data:`Prices` (valid whatever they are): a fractional cover by
        priced cost per credit, less what the prices credit back (each cap's room, each
        resource once), in units of ``scale``, rounded up. An option taken adds its priced
        cost to the cover of the credits it leaves; one the cover already uses costs nothing
        more, but left out it makes the cover reach further: when that costs too much, every
        allocation below holds it, and what cannot sit beside it is ruled out too."""
        assert self.prices is not None
        scale, per_cap, per_resource = self.prices
        credits, priced = self.credits, self.priced
        self.work += self.m + len(cand)
        is_cand = set(cand)
        free = {r for k in cand for r in self.rlist[k]}
        back = sum(price * room[c] for c, price in enumerate(per_cap) if price)
        back += sum(per_resource.get(r, 0) for r in free)
        limit = (spare - 1) * scale + back  # a cover costing more needs ``spare`` outcomes
        items = [k for k in self.priced_order if k in is_cand]
        sums, costs = [0], [0]
        for k in items:
            sums.append(sums[-1] + credits[k])
            costs.append(costs[-1] + priced[k])

        def over(extra: int, rest: int) -> bool:
            """Whether ``extra`` plus the cheapest fractional cover of ``rest`` credits costs
            more than ``limit``."""
            j = bisect_left(sums, rest)
            if j == 0:
                return extra > limit
            if j == len(sums):
                return True
            k = items[j - 1]
            c = credits[k]
            return (extra + costs[j - 1]) * c + priced[k] * (rest - sums[j - 1]) > limit * c

        if over(0, need):
            return None
        place = {k: t for t, k in enumerate(items)}
        ruled_out = 0
        forced = []
        for k in cand:
            t = place.get(k)
            if t is None:
                if over(priced[k], need):
                    ruled_out |= 1 << k
            elif t >= bisect_left(sums, need - credits[k]):
                if over(priced[k], need - credits[k]):
                    ruled_out |= 1 << k
            elif over(-priced[k], need + credits[k]):
                forced.append(k)  # the cover without it costs too much
        return self._excluded_by(forced, cand, room, ruled_out)

    def _excluded_by(
        self, forced: list[int], cand: list[int], room: list[int], ruled_out: int
    ) -> int | None:
        """``ruled_out`` with the options of ``cand`` that cannot sit beside ``forced`` ones
        (which every allocation below the node holds): those sharing a resource with one, or
        too heavy for a cap's room beside them. None when the forced ones cannot sit together."""
        if not forced:
            return ruled_out
        rmask, capw = self.rmask, self.capw
        taken = 0
        left = list(room)
        for f in forced:
            if rmask[f] & taken:
                return None
            taken |= rmask[f]
            for c, w in capw[f]:
                left[c] -= w
                if left[c] < 0:
                    return None
        self.work += len(cand)
        is_forced = set(forced)
        for k in cand:
            if k not in is_forced and (rmask[k] & taken or any(w > left[c] for c, w in capw[k])):
                ruled_out |= 1 << k
        return ruled_out


Prices = tuple[int, list[int], dict[int, int]]
"""Lagrangian multipliers for the outcome bound, as integers over a common ``scale``: one per
cap (by index) and one per resource (by number), none negative (from the dual of the
linear relaxation, ``allocation_milp.ComponentMILP.prices``; any such values give a valid
bound, good ones a tight one)."""


def _cover(items: list[tuple[int, int]], need: int) -> int:
    """The fewest outcomes (fractional, rounded up) ``items`` (credits, outcomes), by
    decreasing credits per outcome, need to add ``need`` credits."""
    count = 0
    for c, o in items:
        if c >= need:
            return count + -(-o * need // c)
        need -= c
        count += o
    return _NEVER  # the credits cannot be reached at all


def _exact_order(items: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """(credits, weight) items by decreasing credits per unit of weight, exactly: sorted by
    float, checked pair by pair in integers, sorted by fractions if a float erred."""
    ordered = sorted(items, key=lambda cw: -cw[0] / cw[1])
    for (a, wa), (b, wb) in pairwise(ordered):
        if a * wb < b * wa:
            return sorted(items, key=lambda cw: -Fraction(cw[0], cw[1]))
    return ordered


def _knapsack(items: list[tuple[int, int]], room: int) -> int:
    """The most credits (rounded up) a fractional knapsack of ``room`` takes from ``items``,
    given by decreasing credits per unit of weight."""
    fill = 0
    for c, w in items:
        if w <= room:
            fill += c
            room -= w
        else:
            return fill + -(-c * room // w)
    return fill


def _by_ratio(members: Sequence[tuple[int, int]], credits: Sequence[int]) -> list[tuple[int, int]]:
    """(option, weight) pairs by decreasing credits per unit of weight, exactly (as
    :func:`_exact_order`), ties by option."""
    ordered = sorted(members, key=lambda kw: (-credits[kw[0]] / kw[1], kw[0]))
    for (a, wa), (b, wb) in pairwise(ordered):
        if credits[a] * wb < credits[b] * wa:
            return sorted(members, key=lambda kw: (-Fraction(credits[kw[0]], kw[1]), kw[0]))
    return ordered


def cap_weights(
    caps: Sequence[tuple[int, Sequence[tuple[int, int]]]], m: int
) -> list[list[tuple[int, int]]]:
    """For each of ``m`` options, the (cap, weight) of each cap it is in."""
    weights: list[list[tuple[int, int]]] = [[] for _ in range(m)]
    for c, (_, members) in enumerate(caps):
        for k, w in members:
            weights[k].append((c, w))
    return weights


def cliques(resources: Sequence[Sequence[int]]) -> list[int]:
    """Each option's clique: its most used resource (options sharing it exclude each other),
    or one of its own."""
    users: dict[int, int] = {}
    for rs in resources:
        for r in rs:
            users[r] = users.get(r, 0) + 1
    return [
        max(rs, key=lambda r: (users[r], -r)) if rs else -1 - k for k, rs in enumerate(resources)
    ]
