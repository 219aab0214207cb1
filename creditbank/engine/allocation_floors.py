"""The floors' stage of a small part searched exactly, without the solver.

A part arrives as the floors' integer programme does (``allocation._meet_floors``): options in
tie-break order (rank 0 first), their resources as small integers, the binding caps and the
floors as (bound or need, [(option, weight)]), and ``most``, the credits of the optimum without
floors. Among allocations with ``most`` credits the answer meets the most floors, then uses the
fewest outcomes, then is the first in rank order: what HiGHS's stages 1b, 2 and 3 decide.

The search is depth-first over the options in rank order, "take" tried before "skip", with an
explicit stack (no recursion). In that order it meets allocations in decreasing lexicographic
order of their membership vectors, which is the documented tie-break, so only a strictly
better allocation (more floors met, or as many and fewer outcomes) replaces the best found. A
node is cut when the options it can still take (each no heavier than a cap's room, sharing no
resource with the allocation, adding no credit past ``most``) cannot reach ``most`` credits
(one option per clique: options sharing their most shared resource exclude each other), or
cannot meet more floors than the best found (a floor's reach: each clique's heaviest option),
or can meet only as many and cannot use fewer outcomes.

Why: the sample pack's learners meet programme minimums over parts of 5 to 14 options, which
HiGHS solved in about 4 ms each (a fifth of a draft's impact on that population, compiled),
where this search reads a few hundred options. Past its ``budget`` of options read (with
their floor weights) it gives up (:class:`~creditbank.engine.allocation_search.OutOfBudget`)
and the caller asks HiGHS.
"""

from __future__ import annotations

from collections.abc import Sequence

from creditbank.engine.allocation_search import OutOfBudget, cliques

Rows = Sequence[tuple[int, Sequence[tuple[int, int]]]]
"""Caps or floors over a part's options: (bound or need, [(option, weight)])."""


def most_floors_met(
    credits: Sequence[int],
    outcomes: Sequence[int],
    resources: Sequence[Sequence[int]],
    caps: Rows,
    floors: Rows,
    most: int,
    budget: int,
) -> tuple[int, int, list[int]]:
    """(floors met, outcomes, options ascending) of the tie-break's allocation among those
    with ``most`` credits; :class:`OutOfBudget` past ``budget`` options read."""
    m = len(credits)
    rmask = [sum(1 << r for r in rs) for rs in resources]
    bounds = [bound for bound, _ in caps]
    cap_weights: list[list[tuple[int, int]]] = [[] for _ in range(m)]
    for c, (_, members) in enumerate(caps):
        for k, w in members:
            cap_weights[k].append((c, w))
    needs = [need for need, _ in floors]
    floor_weights: list[list[tuple[int, int]]] = [[] for _ in range(m)]
    for f, (_, members) in enumerate(floors):
        for k, w in members:
            floor_weights[k].append((f, w))
    clique = cliques(resources)
    reads = [1 + len(floor_weights[k]) for k in range(m)]  # what _may_improve reads of each

    room = list(bounds)
    load = [0] * len(floors)
    used = cur_c = cur_o = 0
    chosen: list[int] = []
    best_met, best_o = -1, 0
    best: list[int] = []
    work = 0
    stack = [0]
    while stack:
        entry = stack.pop()
        if entry < 0:
            # Back from taking the option ~entry: undo it, then skip it.
            k = ~entry
            chosen.pop()
            used ^= rmask[k]
            cur_c -= credits[k]
            cur_o -= outcomes[k]
            for c, w in cap_weights[k]:
                room[c] += w
            for f, w in floor_weights[k]:
                load[f] -= w
            stack.append(k + 1)
            continue
        if cur_c == most:
            met = sum(1 for f, need in enumerate(needs) if load[f] >= need)
            if met > best_met or (met == best_met and cur_o < best_o):
                best_met, best_o, best = met, cur_o, list(chosen)
        left = most - cur_c
        cand = [
            k
            for k in range(entry, m)
            if not rmask[k] & used
            and credits[k] <= left
            and all(w <= room[c] for c, w in cap_weights[k])
        ]
        work += m - entry + sum(reads[k] for k in cand)
        if work > budget:
            raise OutOfBudget
        if not cand or not _may_improve(
            cand, credits, outcomes, floor_weights, clique, left, load, needs, best_met,
            best_o - cur_o,
        ):  # fmt: skip
            continue
        k = cand[0]
        chosen.append(k)
        used |= rmask[k]
        cur_c += credits[k]
        cur_o += outcomes[k]
        for c, w in cap_weights[k]:
            room[c] -= w
        for f, w in floor_weights[k]:
            load[f] += w
        stack.append(~k)
        stack.append(k + 1)
    if best_met < 0:
        raise AssertionError("no allocation of the part reaches its credits")  # pragma: no cover
    return best_met, best_o, sorted(best)


def _may_improve(
    cand: list[int],
    credits: Sequence[int],
    outcomes: Sequence[int],
    floor_weights: list[list[tuple[int, int]]],
    clique: list[int],
    left: int,
    load: list[int],
    needs: list[int],
    best_met: int,
    spare: int,
) -> bool:
    """Whether some allocation adding options of ``cand`` (``left`` credits exactly) may meet
    more floors than ``best_met``, or as many with fewer than ``spare`` more outcomes."""
    top: dict[int, int] = {}
    reach: dict[tuple[int, int], int] = {}
    for k in cand:
        key = clique[k]
        if credits[k] > top.get(key, 0):
            top[key] = credits[k]
        for f, w in floor_weights[k]:
            if w > reach.get((f, key), 0):
                reach[(f, key)] = w
    if sum(top.values()) < left:
        return False
    within = list(load)
    for (f, _), w in reach.items():
        within[f] += w
    met = sum(1 for f, need in enumerate(needs) if within[f] >= need)
    if met != best_met:
        return met > best_met
    fewest = 0 if left == 0 else min(outcomes[k] for k in cand if credits[k] > 0)
    return fewest < spare
