"""The optimiser: choose grants that give the most credit, exactly, under every cap.

The problem. Each *option* is one way to use outcomes: a rule applied to one outcome (or an
all-of bundle) that grants whole courses, partial credit or category credits. Options exclude
each other when they share a *resource* (an outcome: each is used at most once; a course: each
is granted at most once). *Caps* are linear: the options in a cap's scope, weighted by their
credits (or by their outcome count), may add up to at most its bound. Choosing the best set is
a 0-1 integer programme: a weighted set packing with knapsack rows, NP-hard in general.

The tie-break, documented, makes the optimum unique: first the most credits; then the most
*floors* met (programme minimums: a floor is met when the weights of the chosen options reach
its need); then the fewest outcomes used (keep outcomes free); then, comparing the chosen
options sorted by key (target, rule id, outcome ids), the set holding the smaller key at the
first difference (a set that extends another wins). :func:`preference` writes this order as a
tuple, which the brute-force tests compare.

*Chronological* caps come first (:func:`admission`): each outcome's claim on them is read in
date order and admitted if it still fits the room the earlier claims left; the options of a
refused claim are out, the admitted ones compete in the optimum below like any other.

The method, exact:

1. Options too heavy for a cap on their own are dropped; so are caps their options cannot
   exceed (most caps, for a given learner), and caps another one implies. The options split into independent components
   (linked by a shared resource or a binding cap); the objective adds up across components,
   so each is solved alone. A component of one option is taken.
2. Symmetry, in components of ``TWINS_FROM`` options or more: resources that are
   interchangeable (twins: swapping two maps the options of one onto those of the other with
   equal credits, outcomes, cap weights and other resources, each ranking before its
   counterpart) form chains. The optimum uses a chain as a prefix, each member on a pattern no
   earlier than the one before (else swapping gives a smaller key), so the search never takes
   an option that breaks this, and a chain keeps only as many members as could ever be used at
   once (one, when every pattern needs the same course; the room of a cap over all of them):
   two thousand copies of a certificate cost what a few do. What is left splits again.
3. A component of at most ``WALKED_WHOLE_UP_TO`` options is walked whole
   (``allocation_enumerated.py``: every allocation in rank order, the first with the most
   credits, then the fewest outcomes, is the tie-break's), one of fewer than ``WALKED_BELOW``
   within ``WALK_BUDGET`` nodes, before the search: most components hold two to five options,
   and setting up the search's bounds costs more than walking them. The search
   (``allocation_search.py``): a small component in one rank-order search (most
   credits, fewest outcomes, first met); a larger one first for the most credits C*, then in
   rank order for the allocation with C* and the fewest outcomes met first. Every term of the
   tie-break is bounded (credits by cliques of options sharing a resource and by the caps'
   knapsacks; outcomes by the fewest that could add the missing credits).
4. Past the search's budget (``SEARCH_BUDGET`` options read per stage, some 15 ms, and
   ``CREDITS_BUDGET`` for the most credits), or at once for a component of ``SOLVER_FIRST``
   options or more, HiGHS (``allocation_milp.py``) finds what the search could not, C* and
   then the fewest outcomes O*, as integer programmes with small integer objectives
   (mip_rel_gap=0, one thread, the model passed in one call); the search, knowing both, looks
   for the first allocation in rank order that has them and stops there, its outcome bound now
   also pricing the caps and shared resources at the dual values of the linear relaxation (a
   Lagrangian bound: the interacting caps of a large learner, which no single-cap bound sees,
   cut it down to what the linear relaxation allows; it also rules out, for a whole subtree,
   each option that would push it past O* or that cannot sit beside one it cannot do without);
   past its budget again, HiGHS decides the tie-break in blocks of options, each weighted above
   every set of later ones that can be chosen with it (one per group of options sharing a
   resource). An answer of the solver counts only if it is worth the bound HiGHS proved; it is
   rounded and re-checked against every resource and cap in exact integer arithmetic.

5. Floors (:func:`_meet_floors`): the optimum of steps 1-4 ignores them and is kept when every
   floor it misses is out of reach (a bound: the heaviest option of each group sharing a
   resource, added up, and no more inside a cap than its bound allows; where that bound
   reaches the floor, the linear relaxation's, which also keeps the credits found:
   ``allocation_milp.floor_bound``, exact whatever the solver's duals). Otherwise the
   components that touch a floor are searched again if small (``allocation_floors.py``: rank
   order, the credits found, then the most floors met, the fewest outcomes, the first met),
   and if larger or past the search's budget solved by HiGHS with one binary per floor (and
   one column per shared resource, read wherever its options weigh the same: a course
   granted by one outcome or another): the most floors met M* at the credits found, then the
   fewest outcomes and the tie-break's first block (all in one solve: a floor met outweighs
   every outcome, an outcome fewer every choice in the block), then the rest of the tie-break
   block by block, as in step 4.

All-of rules whose parts come in many copies are reduced before the allocation sees them
(``candidates._bundle_combinations``): only the combinations an optimum or an explanation can
use are offered.

Complexity and what is bounded. Steps 1 and 2 are linear in the option-resource and
option-cap incidences (twins: one hashed signature per resource). The search is exponential in
a component's size in the worst case but stops at its budget, so its time is bounded (about
three budgets per component). The integer programme is exponential in the worst case too,
but only in what HiGHS's presolve, cuts and branching leave of packing rows: milliseconds per
solve on the learners of the benchmarks, at most some thirty solves; with programme minimums
that cannot all be met over courses fitting several of them, up to hundreds of milliseconds
per solve (scripts/bench_worst_case.py, ``overlapping-groups``: medians of 0.1 to 0.85 s,
slowest 0.25 to 1.4 s, from 20 to 80 courses). Only the walk of step 3 recurses, at most
``WALKED_BELOW`` calls deep, so no input meets Python's recursion limit. There is no time limit
and no approximation: the answer is always the unique optimum. An audit takes at most
``audit.MAX_OUTCOMES`` outcomes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from creditbank.engine.allocation_enumerated import WALK_BUDGET, WALKED_WHOLE_UP_TO, first_best
from creditbank.engine.allocation_floors import most_floors_met
from creditbank.engine.allocation_search import ComponentSearch, OutOfBudget


@dataclass(unsafe_hash=True, slots=True)
class Cap:
    """A linear limit: the weights of chosen member options add up to at most ``bound``.

    A ``chronological`` cap admits options in date order before the optimum is sought (see
    :func:`admission`). A value with its own ``__init__``, as ``decision.py`` explains."""

    id: str
    bound: int
    weights: dict[int, int] = field(hash=False)
    chronological: bool = False

    def __init__(
        self, id: str, bound: int, weights: dict[int, int], chronological: bool = False
    ) -> None:
        self.id = id
        self.bound = bound
        self.weights = weights
        self.chronological = chronological


@dataclass(unsafe_hash=True, slots=True)
class Floor:
    """A programme minimum: met when the weights of the chosen options reach ``need`` (a
    value with its own ``__init__``, as :class:`Cap`)."""

    id: str
    need: int
    weights: dict[int, int] = field(hash=False)

    def __init__(self, id: str, need: int, weights: dict[int, int]) -> None:
        self.id = id
        self.need = need
        self.weights = weights


@dataclass(slots=True)
class Problem:
    """Options with integer credits (hundredths), outcome counts, resources and caps.

    ``keys`` give the tie-break order; ``resources[i]`` are what option ``i`` uses up;
    ``floors`` are the minimums an allocation should meet; ``dates[i]`` (an ordinal) orders
    options under chronological caps (needed only when a cap is chronological). A value with
    its own ``__init__``, as :class:`Cap`.
    """

    keys: Sequence[str]
    credits: Sequence[int]
    outcome_counts: Sequence[int]
    resources: Sequence[frozenset[str]]
    caps: Sequence[Cap]
    floors: Sequence[Floor]
    dates: Sequence[int]

    def __init__(
        self,
        keys: Sequence[str],
        credits: Sequence[int],
        outcome_counts: Sequence[int],
        resources: Sequence[frozenset[str]],
        caps: Sequence[Cap],
        floors: Sequence[Floor] = (),
        dates: Sequence[int] = (),
    ) -> None:
        self.keys = keys
        self.credits = credits
        self.outcome_counts = outcome_counts
        self.resources = resources
        self.caps = caps
        self.floors = floors
        self.dates = dates


Method = Literal["auto", "search", "milp"]
"""How components are solved: the search with the MILP past its budget, or one of them alone."""

SEARCH_BUDGET = 50_000
"""Options the combinatorial search may scan per component before the MILP takes over."""


def solve(
    problem: Problem,
    *,
    method: Method = "auto",
    budget: int = SEARCH_BUDGET,
    relaxed_from: int | None = None,
) -> frozenset[int]:
    """The indices of the chosen options: the unique optimum under the documented tie-break.

    ``method`` forces one way of solving every component, ``relaxed_from`` the size from
    which the floors' relaxation bound is tried (default :data:`RELAXED_FROM`), for tests
    that compare them.

    >>> p = Problem(keys=["a", "b", "c"], credits=[400, 300, 300], outcome_counts=[1, 1, 1],
    ...             resources=[frozenset({"o1"}), frozenset({"o1"}), frozenset({"o2"})],
    ...             caps=[Cap("max", 600, {0: 400, 1: 300, 2: 300})])
    >>> sorted(solve(p))
    [1, 2]
    """
    n = len(problem.keys)
    if n == 0:
        return frozenset()
    if min(problem.outcome_counts) < 1:
        raise ValueError("every option uses at least one outcome")
    rank = ranks(problem)
    passed = set(admission(problem, rank))
    unordered = [cap for cap in problem.caps if not cap.chronological]
    alive = _fitting(unordered, n) - passed
    caps = _binding(unordered, alive)
    chosen = _solve_alive(problem, alive, caps, rank, method, budget)
    if problem.floors:
        relaxed = RELAXED_FROM if relaxed_from is None else relaxed_from
        chosen = _meet_floors(problem, chosen, alive, caps, rank, relaxed, method, budget)
    return frozenset(chosen)


def _solve_alive(
    problem: Problem,
    alive: set[int],
    caps: list[Cap],
    rank: Sequence[int],
    method: Method,
    budget: int,
) -> set[int]:
    """The tie-break's optimum over the options ``alive`` under ``caps`` (floors aside),
    component by component."""
    chosen: set[int] = set()
    for component in _components(sorted(alive, key=rank.__getitem__), problem.resources, caps):
        if len(component) == 1:
            chosen.add(component[0])  # it fits every cap alone
            continue
        members = set(component)
        mine = [cap for cap in caps if next(iter(cap.weights)) in members]
        if len(component) < TWINS_FROM:
            chosen |= _solve_component(problem, component, mine, [], method, budget)
            continue
        chains, dropped = _chains(problem, members, mine, rank)
        if dropped:
            members -= dropped
            mine = _binding(mine, members)
        for part in _components(sorted(members, key=rank.__getitem__), problem.resources, mine):
            if len(part) == 1:
                chosen.add(part[0])
                continue
            inside = set(part)
            chosen |= _solve_component(
                problem,
                part,
                [cap for cap in mine if next(iter(cap.weights)) in inside],
                [chain for chain in chains if _within(chain, inside, members)],
                method,
                budget,
            )
    return chosen


def admission(problem: Problem, rank: Sequence[int] | None = None) -> dict[int, list[int]]:
    """The options chronological caps refuse, each with the caps (by index) it did not fit.

    Each outcome's claim on a chronological cap is read in date order (an option's date;
    then most credits, then the tie-break rank): the options that use the same outcomes form
    one claim, weighing as the heaviest of them in each cap. A claim that fits the room the
    earlier claims left is admitted and keeps its room; one that does not is refused, all its
    options with it. Admitted options then compete with every other option in the optimum,
    where chronological caps no longer bind (the admitted claims fit together by
    construction). So an outcome recorded later never changes what an earlier one could
    claim, and adding one dated after all others never lowers the credits. Outcomes are the
    resources named ``o:...``."""
    ordered = [(c, cap) for c, cap in enumerate(problem.caps) if cap.chronological]
    if not ordered:
        return {}
    if rank is None:
        rank = ranks(problem)
    claims: dict[frozenset[str], list[int]] = {}
    for i in sorted({i for _, cap in ordered for i, w in cap.weights.items() if w}):
        outcomes = frozenset(r for r in problem.resources[i] if r.startswith("o:"))
        claims.setdefault(outcomes, []).append(i)
    room = {c: cap.bound for c, cap in ordered}
    refused: dict[int, list[int]] = {}
    for claim in sorted(
        claims.values(),
        key=lambda members: (
            max(problem.dates[i] for i in members),
            -max(problem.credits[i] for i in members),
            min(rank[i] for i in members),
        ),
    ):
        need = {c: max(cap.weights.get(i, 0) for i in claim) for c, cap in ordered}
        short = [c for c in room if need[c] > room[c]]
        if short:
            refused.update((i, short) for i in claim)
        else:
            for c in room:
                room[c] -= need[c]
    return refused


def _meet_floors(
    problem: Problem,
    chosen: set[int],
    alive: set[int],
    caps: list[Cap],
    rank: Sequence[int],
    relaxed_from: int,
    method: Method,
    budget: int,
) -> set[int]:
    """Among allocations with the credits of ``chosen`` (the optimum without floors), the one
    that meets the most floors, then uses the fewest outcomes, then ranks first.

    ``chosen`` is that allocation already when every floor it misses is out of reach
    (:func:`_floor_reach`). Otherwise the options linked to a floor (through a resource or a
    cap) are searched again (``allocation_floors.py``, within ``budget``), or solved by
    HiGHS with one more binary per floor past it (or with ``method`` "milp"); the rest of
    ``chosen`` stands (the floors do not see it)."""
    short = [
        f for f, floor in enumerate(problem.floors) if _load(floor.weights, chosen) < floor.need
    ]
    if not short:
        return chosen
    reach = _floor_reach(problem, alive | chosen, [problem.floors[f] for f in short])
    near = [
        problem.floors[f]
        for f, bound in zip(short, reach, strict=True)
        if bound >= problem.floors[f].need
    ]
    if not near or (
        len(alive) >= relaxed_from and not _reachable_at(problem, chosen, alive, caps, near)
    ):
        return chosen
    touched = {i for floor in problem.floors for i in floor.weights if i in alive}
    part: list[int] = []
    for component in _components(sorted(alive, key=rank.__getitem__), problem.resources, caps):
        if touched.intersection(component):
            part.extend(component)
    part.sort(key=rank.__getitem__)
    inside = set(part)
    fixed = chosen - inside
    local, resources, cap_rows = _numbered(
        problem, part, [cap for cap in caps if inside.intersection(cap.weights)]
    )
    floor_rows = []
    always = 0
    for floor in problem.floors:
        need = floor.need - _load(floor.weights, fixed)
        if need <= 0:
            always += 1
        else:
            floor_rows.append(
                (need, [(local[i], w) for i, w in floor.weights.items() if i in inside])
            )
    most = sum(problem.credits[i] for i in chosen & inside)
    best = _floors_optimum(
        [problem.credits[i] for i in part],
        [problem.outcome_counts[i] for i in part],
        resources,
        cap_rows,
        floor_rows,
        most,
        _met(problem, chosen) - always,
        method,
        budget,
    )
    if best is None:
        return chosen  # ``chosen`` meets as many: it is already the best of those that do
    return fixed | {part[k] for k in best}


def _floors_optimum(
    credits: list[int],
    outcomes: list[int],
    resources: list[list[int]],
    cap_rows: list[tuple[int, list[tuple[int, int]]]],
    floor_rows: list[tuple[int, list[tuple[int, int]]]],
    most: int,
    met_now: int,
    method: Method,
    budget: int,
) -> list[int] | None:
    """The part's allocation with ``most`` credits that meets the most floors, then uses the
    fewest outcomes, then ranks first; None when it meets no more than ``met_now``. Searched
    within ``budget`` if it has at most :data:`FLOORS_SEARCHED` options (unless ``method`` is
    "milp"), else solved by HiGHS."""
    if method != "milp" and len(credits) <= FLOORS_SEARCHED:
        try:
            met, _, best = most_floors_met(
                credits, outcomes, resources, cap_rows, floor_rows, most, budget
            )
            return best if met > met_now else None
        except OutOfBudget:
            pass
    from creditbank.engine.allocation_milp import ComponentMILP

    solver = ComponentMILP(credits, outcomes, resources, cap_rows, floor_rows)
    met, fewest = solver.most_met_fewest_outcomes(most)
    return solver.tie_break(most, fewest, met) if met > met_now else None


def _reachable_at(
    problem: Problem, chosen: set[int], alive: set[int], caps: list[Cap], floors: list[Floor]
) -> bool:
    """Whether an allocation with the credits of ``chosen`` may meet one of ``floors``, by the
    bound of the linear relaxation (``allocation_milp.floor_bound``), which weighs the credits
    the optimum must keep where :func:`_floor_reach` does not."""
    from creditbank.engine.allocation_milp import floor_bound

    options = sorted(alive | chosen)
    _, resources, cap_rows = _numbered(problem, options, caps)
    credits = [problem.credits[i] for i in options]
    most = sum(problem.credits[i] for i in chosen)
    return any(
        floor_bound(credits, resources, cap_rows, [floor.weights.get(i, 0) for i in options], most)
        >= floor.need
        for floor in floors
    )


def _load(weights: dict[int, int], chosen: set[int] | frozenset[int]) -> int:
    return sum(w for i, w in weights.items() if i in chosen)


def _met(problem: Problem, chosen: set[int] | frozenset[int]) -> int:
    """How many floors ``chosen`` meets."""
    return sum(_load(floor.weights, chosen) >= floor.need for floor in problem.floors)


def _floor_reach(problem: Problem, options: set[int], floors: Sequence[Floor]) -> list[int]:
    """For each of ``floors``, a bound on what any allocation of ``options`` can add to it.
    Options sharing a resource exclude each other, so each group of options sharing its most
    shared resource adds at most its heaviest option's weight. And a cap holds what its
    options add: at most its bound times the most floor weight per unit of cap weight among
    them (a count cap over a minimum of courses, say), the others still bounded by groups;
    the bound is the least over the caps, tightened only until it falls below the floor's
    need (out of reach: a tighter bound tells the caller no more)."""
    users: dict[str, int] = {}
    for i in options:
        for r in problem.resources[i]:
            users[r] = users.get(r, 0) + 1
    group = {i: max(problem.resources[i], key=lambda r: (users[r], r)) for i in options}

    def by_groups(weights: dict[int, int], members: list[int]) -> int:
        heaviest: dict[str, int] = {}
        for i in members:
            if weights[i] > heaviest.get(group[i], 0):
                heaviest[group[i]] = weights[i]
        return sum(heaviest.values())

    reach = []
    for floor in floors:
        members = [i for i in floor.weights if i in options]
        bound = by_groups(floor.weights, members)
        for cap in problem.caps:
            if bound < floor.need:
                break  # out of reach already: the caller needs no tighter bound
            if cap.chronological:
                continue  # it admits claims; the allocation is checked against the others
            inside = [i for i in members if cap.weights.get(i, 0) > 0]
            if not inside:
                continue
            top = inside[0]  # the most floor weight per unit of cap weight, compared exactly
            for i in inside:
                if floor.weights[i] * cap.weights[top] > floor.weights[top] * cap.weights[i]:
                    top = i
            within = min(
                by_groups(floor.weights, inside),
                cap.bound * floor.weights[top] // cap.weights[top],
            )
            outside = [i for i in members if cap.weights.get(i, 0) <= 0]
            bound = min(bound, within + by_groups(floor.weights, outside))
        reach.append(bound)
    return reach


TWINS_FROM = 12
"""Components this small are searched without looking for twins (it would cost more)."""

WALKED_BELOW = TWINS_FROM
"""Components of fewer options are walked (``allocation_enumerated.py``) before they are
searched, when ``method`` is "auto" ("search" and "milp" name the branch and bound and the
solver, which tests compare)."""

SOLVER_FIRST = 60
"""Components of this many options start with the solver's C* and O*: on bench_engine's
learners of 100 to 200 outcomes, the search without them ran out of its budget on every
such component, some milliseconds lost each time; the worst-case shapes, twins included,
are no slower for it (scripts/bench_worst_case.py)."""


FLOORS_SEARCHED = 24
"""Parts with floors of at most this many options are searched before HiGHS is asked: the
sample pack's population has 4 to 14 (0.4 ms a search against about 4 ms a solve); on the
``overlapping-groups`` learners the search wins up to 25 options, is as slow as HiGHS at 28
and runs out of its budget from 31 (some 15 to 50 ms lost before the solver, pure Python)."""


RELAXED_FROM = 20
"""Options from which the floors' relaxation bound (:func:`_reachable_at`) is tried before
their integer programme: below, the programme costs about what the relaxation does, and
rarely is it spared (the sample pack's population: 5 to 14 options, 5 spared in 51); from 28
to 97 options (bench_engine's learners of 60 to 200 outcomes) every one tried was spared."""


CREDITS_BUDGET = 12_000
"""Options the search for the most credits may read in a component before HiGHS finds C*
(and O*) instead. On bench_engine's learners of 30 to 150 outcomes, nine in ten of the
components that search solved took under 5,000, but a quarter of those it was given ran
through the whole ``SEARCH_BUDGET`` (some 17 ms compiled) before the solver took over (some
10 ms). At 12,000, the learners of 80 and 100 outcomes take a fifth less time, and the
200-outcome learner with a component of 57 options some 16 ms instead of 21."""


def _within(chain: _Chain, part: set[int], members: set[int]) -> bool:
    """Whether every option of ``chain`` still alive lies in ``part`` (and one does)."""
    options = [i for member in chain[1] for i in member if i in members]
    return bool(options) and all(i in part for i in options)


def ranks(problem: Problem) -> list[int]:
    """Each option's position in the tie-break order (by key)."""
    rank = [0] * len(problem.keys)
    for position, i in enumerate(sorted(range(len(problem.keys)), key=problem.keys.__getitem__)):
        rank[i] = position
    return rank


def preference(problem: Problem, chosen: frozenset[int]) -> tuple[int, int, int, int]:
    """How the tie-break ranks a choice (greater is better): credits, floors met, fewer
    outcomes, then the set with the earlier option at the first difference (for tests that
    compare against brute force)."""
    n, rank = len(problem.keys), ranks(problem)
    return (
        sum(problem.credits[i] for i in chosen),
        _met(problem, chosen),
        -sum(problem.outcome_counts[i] for i in chosen),
        sum(1 << (n - 1 - rank[i]) for i in chosen),
    )


def feasible(problem: Problem, chosen: frozenset[int]) -> bool:
    """Whether a choice uses each resource once and respects every cap, exactly."""
    used: set[str] = set()
    for i in chosen:
        if used & problem.resources[i]:
            return False
        used |= problem.resources[i]
    return all(sum(cap.weights.get(i, 0) for i in chosen) <= cap.bound for cap in problem.caps)


def _fitting(caps: Sequence[Cap], n: int) -> set[int]:
    """Options that fit every cap on their own (the others can never be chosen)."""
    alive = set(range(n))
    for cap in caps:
        alive -= {i for i, w in cap.weights.items() if w > cap.bound}
    return alive


def _binding(caps: Sequence[Cap], alive: set[int]) -> list[Cap]:
    """Caps the options still alive could exceed, restricted to those options, less those
    another of them implies (one with no more room, weighing each of their options as much or
    more: a residency cap over every transfer beside a lower maximum over the same)."""
    result = []
    for cap in caps:
        weights = {i: w for i, w in cap.weights.items() if i in alive and w}
        if sum(weights.values()) > cap.bound:
            result.append(Cap(cap.id, cap.bound, weights))
    kept: list[Cap] = []
    for cap in sorted(result, key=lambda cap: (-len(cap.weights), cap.bound)):
        if not any(_implies(other, cap) for other in kept):
            kept.append(cap)
    return [cap for cap in result if any(cap is other for other in kept)]


def _implies(strong: Cap, weak: Cap) -> bool:
    """Whether every allocation within ``strong`` is within ``weak``."""
    if strong.bound > weak.bound or len(strong.weights) < len(weak.weights):
        return False
    return all(strong.weights.get(i, 0) >= w for i, w in weak.weights.items())


_Chain = tuple[list[int], list[list[int]]]
"""A symmetry chain: the credits of each pattern, and each member's option on each pattern."""


def _chains(
    problem: Problem, alive: set[int], caps: Sequence[Cap], rank: Sequence[int]
) -> tuple[list[_Chain], set[int]]:
    """Chains of interchangeable resources (twins), and the options no optimum uses.

    Resources ``a`` and ``b`` are twins when swapping them maps the options of one onto those of
    the other with equal credits, outcomes, cap weights and other resources, and each of
    ``a``'s options ranks before its counterpart of ``b``, pattern by pattern. Then the
    optimum never uses ``b`` while ``a`` is free (swapping would give the smaller key), nor
    uses ``b`` on an earlier pattern than ``a`` (swapping both would): a chain of twins is used
    as a prefix, patterns in order. A chain whose used members could never exceed some count
    (a shared course, a cap) keeps only that many members; the options of the others go.
    """
    weights: dict[int, list[tuple[int, int]]] = {}
    for c, cap in enumerate(caps):
        for i, w in cap.weights.items():
            weights.setdefault(i, []).append((c, w))
    users: dict[str, list[int]] = {}
    for i in sorted(alive, key=rank.__getitem__):
        for resource in problem.resources[i]:
            users.setdefault(resource, []).append(i)
    groups: dict[tuple[object, ...], list[str]] = {}
    for resource, options in users.items():
        signature = tuple(
            (
                problem.resources[i] - {resource},
                problem.credits[i],
                problem.outcome_counts[i],
                tuple(weights.get(i, ())),
            )
            for i in options
        )
        groups.setdefault(signature, []).append(resource)
    chains: list[_Chain] = []
    dropped: set[int] = set()
    for members in groups.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda r: rank[users[r][0]])
        built: list[list[str]] = []
        for resource in members:
            mine = users[resource]
            for chain in built:
                last = users[chain[-1]]
                if all(rank[a] < rank[b] for a, b in zip(last, mine, strict=True)):
                    chain.append(resource)
                    break
            else:
                built.append([resource])
        for chain in built:
            if len(chain) < 2:
                continue
            patterns = [users[r] for r in chain]
            keep = _chain_room(problem, chain[0], patterns[0], caps, weights)
            for member in patterns[keep:]:
                dropped.update(member)
            if keep > 1:
                chains.append(([problem.credits[i] for i in patterns[0]], patterns[:keep]))
    return chains, dropped


def _chain_room(
    problem: Problem,
    first: str,
    patterns: list[int],
    caps: Sequence[Cap],
    weights: dict[int, list[tuple[int, int]]],
) -> int:
    """How many members of a chain can be used at once, at most (its first member's options
    on each pattern are ``patterns``)."""
    shared = [problem.resources[i] - {first} for i in patterns]
    if frozenset.intersection(*shared):
        return 1  # every pattern needs the same other resource
    total = 0
    for i, others in zip(patterns, shared, strict=True):
        if others:
            total += 1
        elif weights.get(i):
            total += min(caps[c].bound // w for c, w in weights[i])
        else:
            return 1 << 62
    for cap in caps:
        if all(i in cap.weights for i in patterns):
            total = min(total, cap.bound // min(cap.weights[i] for i in patterns))
    return total


def _components(
    members: list[int], resources: Sequence[frozenset[str]], caps: Sequence[Cap]
) -> list[list[int]]:
    """``members`` split into independent groups (linked by a resource or a cap), each in the
    order of ``members``."""
    parent = {i: i for i in members}

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
    for i in members:
        for resource in resources[i]:
            if resource in owner:
                join(i, owner[resource])
            else:
                owner[resource] = i
    for cap in caps:
        first, *others = cap.weights
        for other in others:
            join(first, other)
    groups: dict[int, list[int]] = {}
    for i in members:
        groups.setdefault(find(i), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])


def _numbered(
    problem: Problem, options: list[int], caps: Sequence[Cap]
) -> tuple[dict[int, int], list[list[int]], list[tuple[int, list[tuple[int, int]]]]]:
    """``options`` renumbered 0..n-1 for a solver: the local number of each, its resources as
    small integers, and ``caps`` as (bound, [(local option, weight)]) over those options."""
    local = {i: k for k, i in enumerate(options)}
    numbers: dict[str, int] = {}
    resources = [
        [numbers.setdefault(r, len(numbers)) for r in sorted(problem.resources[i])] for i in options
    ]
    rows = [
        (cap.bound, [(local[i], w) for i, w in cap.weights.items() if i in local]) for cap in caps
    ]
    return local, resources, rows


def _solve_component(
    problem: Problem,
    component: list[int],
    caps: Sequence[Cap],
    chains: Sequence[_Chain],
    method: Method,
    budget: int,
) -> set[int]:
    """The tie-break's optimum of one component (``component`` in rank order)."""
    local, resources, cap_rows = _numbered(problem, component, caps)
    chain_rows = [
        (pattern_credits, [[local.get(i) for i in member] for member in members])
        for pattern_credits, members in chains
    ]
    credits = [problem.credits[i] for i in component]
    outcomes = [problem.outcome_counts[i] for i in component]
    if method == "auto" and not chains and len(component) < WALKED_BELOW:
        nodes = None if len(component) <= WALKED_WHOLE_UP_TO else WALK_BUDGET
        walked = first_best(credits, outcomes, resources, cap_rows, nodes)
        if walked is not None:
            return {component[k] for k in walked}
    search = ComponentSearch(credits, outcomes, resources, cap_rows, chain_rows)
    limit = None if method == "search" else budget
    most: int | None = None
    if method == "search" or (method == "auto" and len(component) < SOLVER_FIRST):
        try:
            if len(component) < TWINS_FROM:
                return {component[k] for k in search.lexicographic(limit)}
            most, _ = search.max_credits(None if limit is None else min(limit, CREDITS_BUDGET))
            return {component[k] for k in search.best(most, limit)}
        except OutOfBudget:
            pass
    # Past the search's budget, the solver fixes what the search could not (the most credits,
    # then the fewest outcomes); the search, knowing both, looks for the first allocation that
    # has them; past its budget again, the solver finishes. (Imported here: most audits never
    # need it, and numpy with HiGHS take a while to load.)
    from creditbank.engine.allocation_milp import ComponentMILP

    solver = ComponentMILP(credits, outcomes, resources, cap_rows)
    if method == "milp":
        return {component[k] for k in solver.solve()}
    if most is None:
        most, fewest = solver.most_credits_fewest_outcomes()
    else:
        fewest = solver.fewest_outcomes(most)
    try:
        return {component[k] for k in search.best(most, budget, fewest, solver.prices(most))}
    except OutOfBudget:
        return {component[k] for k in solver.tie_break(most, fewest)}
