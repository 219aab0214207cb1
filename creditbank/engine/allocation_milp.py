"""The integer programme of one allocation component, solved by HiGHS when the search cannot.

Only components the combinatorial search (``allocation_search.py``) cannot close within its
budget come here. The tie-break is not folded into one objective (its coefficients would run
past what a floating-point solver resolves exactly); :class:`ComponentMILP` solves it
lexicographically, every stage with small integer coefficients, each stage callable alone
(the search takes over again once C* and O* are known):

1. the most credits C*;
2. with credits at least C*, the fewest outcomes O* (1 and 2 in one solve when their
   objectives fold exactly: :meth:`ComponentMILP.most_credits_fewest_outcomes`);
3. with both fixed, the options in rank order, a block of undecided ones at a time, each
   weighted above every set of later ones in the block that can be chosen together (at most
   one option per clique of options sharing a resource: :func:`_lexicographic`), as many as
   keep the block's weight within ``EXACT_OBJECTIVE``: each block's best is the tie-break's
   choice for it given the blocks before. An option sharing a resource with a chosen one, too
   heavy for a cap's room, or that a clique bound shows cannot be in an allocation with C* and
   O* is decided without the solver; each solve starts from the last allocation found (the
   first from stage 2's). Every stage's optimum is a row of the next, as an equality: a
   tighter relaxation, the same solutions.

With floors (``allocation._meet_floors``), each shared resource is also a column of its own,
the sum of its options, read instead of them in every row where they weigh the same
(:class:`_Model`): HiGHS decides which courses are granted before which outcome grants each,
and closes at its root the proofs that an option is off the face that took it hundreds of
nodes. The solve that finds the most floors met and the fewest outcomes also decides the
tie-break's first block (:meth:`ComponentMILP.most_met_fewest_outcomes`).

Every call passes the whole model at once (``passModel``), with ``mip_rel_gap=0``, one thread,
no sub-MIP heuristics or restart (:func:`_run`) and no output (the plain ``_Highs`` class:
``highspy.Highs`` prints a banner); an answer counts only if it is worth the bound HiGHS
proved (:func:`_proven`), and is rounded, re-checked against every resource and cap and the
stage's face in exact integer arithmetic, and refused (RuntimeError) if it is not an integral,
feasible solution.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from fractions import Fraction
from functools import reduce
from math import gcd

import highspy
import numpy as np
from highspy._core import _Highs  # the plain solver: ``highspy.Highs`` prints a banner

from creditbank.engine.allocation_search import Prices, cliques

_INF = highspy.kHighsInf

EXACT_OBJECTIVE = 1 << 20
"""The largest objective value stages are folded into (credits, then outcomes; floors met,
outcomes, then the first options) or a tie-break block weighs: far below where doubles or
the solver's tolerances (about 1e-7 of the objective) could lose a unit. The components of
200-outcome learners fold to about 3e4."""

CUT_POOL = 3
"""HiGHS's soft limit on its pool of cuts (10,000 by default). The floors' models (a course
fitting several requirement groups) spent most of their root in separating thousands of
cuts. Replaying the 108 solves of twelve 80-course ``overlapping-groups`` learners
(scripts/bench_worst_case.py) took 7.0-7.4 s with 100 cuts kept, 6.1-6.3 s with 10 and
5.4-5.7 s with 3 (the slowest learner 0.70-0.76 s, 0.55-0.57 s, 0.52-0.53 s); a pool of 0
took 8.6 s. The other shapes moved within noise, except the slowest 1,000-outcome ``awards``
learner: 0.18-0.22 s with 100, 0.26-0.30 s with 10 or 3, far from the 1 s goal."""

PRICE_SCALE = 1 << 32
"""The common denominator of the search's prices (:meth:`ComponentMILP.prices`)."""


Rows = Sequence[tuple[int, Sequence[tuple[int, int]]]]
"""Caps (bound, [(option, weight)]) or floors (need, [(option, weight)])."""


class _Model:
    """The packing rows (one per shared resource, one per cap) of a component, and one binary
    per floor (``y``, after the options' columns) that may be 1 only when the floor is met.

    With floors, the solver also sees each shared resource as a column of its own (``z``,
    after the floors'): the sum of the options that use it, at most 1. Every row in which
    those options all weigh the same reads ``z`` instead of them, so a course that counts the
    same towards each cap and floor whichever outcome grants it is one column there. HiGHS
    then decides which courses are granted before which outcome grants each, and proves an
    option off the floors' face at its root where it searched hundreds of nodes on the options
    alone (the same integer programme: the same optima). Without floors they are left out:
    bench_engine's 200-outcome learners' solves were slightly slower with them."""

    def __init__(
        self,
        credits: Sequence[int],
        outcomes: Sequence[int],
        resources: Sequence[Sequence[int]],
        caps: Rows,
        floors: Rows = (),
    ) -> None:
        self.m = len(credits)
        self.floors = floors
        self.width = self.m + len(floors)
        self.credits = list(credits)
        self.outcomes = list(outcomes)
        self.resources = resources
        self.caps = caps
        shared = _shared(resources)
        self.rows: list[tuple[list[tuple[int, int]], int]] = [
            ([(k, 1) for k in users], 1) for users in shared.values()
        ]
        self.rows += [(list(members), bound) for bound, members in caps]
        self.grouped = sorted(shared.values(), key=len, reverse=True) if floors else []
        """The options of each resource that has a column, most used first (``width + i``)."""
        self.packing = self.rows[len(shared) :] if self.grouped else self.rows
        """The rows the solver reads (a grouped resource's row is its column's bound)."""

    def aggregated(self, terms: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
        """``terms`` (column, weight) with the options of a shared resource replaced by its
        column wherever they are all there with one weight (each option replaced once)."""
        weight = dict(terms)
        columns = []
        for i, users in enumerate(self.grouped):
            w = weight.get(users[0])
            if w and all(weight.get(k) == w for k in users):
                for k in users:
                    del weight[k]
                columns.append((self.width + i, w))
        return [*weight.items(), *columns]

    def solve(
        self,
        cost: Sequence[float],
        extra: Sequence[tuple[Sequence[int], float, float]],
        fixed: dict[int, int],
        start: Sequence[int] | None = None,
    ) -> list[int]:
        """Maximise ``cost`` over the rows, the ``extra`` rows (coefficients on every option,
        lower, upper) and the ``fixed`` options, from the feasible allocation ``start`` if
        given; the chosen options, checked."""
        m, n = self.m, self.width + len(self.grouped)
        lp = self.programme(cost, extra, fixed)
        initial = None if start is None else self.initial(start)
        # HiGHS 1.16's presolve can fail on these models: reduce one to nothing and not
        # restore a feasible solution (a solve error), call a model infeasible that a known
        # allocation satisfies, or, from a start, prove the start optimal when it is not
        # (all seen with floors: tests/engine/test_allocation.py, tests/data/allocation). So
        # a model with floors is solved without presolve. From a start, HiGHS can also hand
        # the start back while reporting, and proving, a better objective: an answer counts
        # only if it is optimal and worth its proven bound; otherwise the model is solved
        # again without presolve, then without the start. Every answer is re-checked exactly.
        attempts = [(initial, "off")] if self.floors else [(initial, "choose"), (initial, "off")]
        if initial is not None:
            attempts.append((None, "off"))
        for attempt, presolve in attempts:
            solver = _run(lp, attempt, presolve)
            values = _proven(solver, lp.col_cost_.tolist())
            if values is not None:
                break
        else:
            raise RuntimeError(f"HiGHS did not solve the allocation: {solver.getModelStatus()}")
        chosen = []
        for k in range(n):
            v = values[k]
            if abs(v - round(v)) > 1e-6:
                raise RuntimeError("HiGHS gave a fractional allocation")
            if round(v) and k < m:
                chosen.append(k)
        self.check(chosen, extra, fixed)
        return chosen

    def initial(self, start: Sequence[int]) -> list[float]:
        """The values of every column for the allocation ``start``: its options, the floors
        it meets and the resources it uses."""
        on = {*start, *(self.m + f for f in self.met(start))}
        on.update(self.width + i for i, users in enumerate(self.grouped) if on & {*users})
        return [1.0 if k in on else 0.0 for k in range(self.width + len(self.grouped))]

    def programme(
        self,
        cost: Sequence[float],
        extra: Sequence[tuple[Sequence[int], float, float]],
        fixed: dict[int, int],
    ) -> highspy.HighsLp:
        """The integer programme: maximise ``cost`` over the rows, the ``extra`` rows and the
        ``fixed`` options."""
        m, n = self.m, self.width + len(self.grouped)
        starts, index, value = [0], [], []
        lower, upper = [], []

        def row(terms: Iterable[tuple[int, float]], low: float, high: float) -> None:
            for k, w in terms:
                index.append(k)
                value.append(float(w))
            starts.append(len(index))
            lower.append(low)
            upper.append(high)

        for i, users in enumerate(self.grouped):
            row([*((k, 1) for k in users), (self.width + i, -1)], 0.0, 0.0)
        for members, bound in self.packing:
            row(self.aggregated(members), -_INF, float(bound))
        for f, (need, terms) in enumerate(self.floors):
            row([*self.aggregated(terms), (m + f, -need)], 0.0, _INF)
        for coefficients, low, high in extra:
            row(self.aggregated((k, w) for k, w in enumerate(coefficients) if w), low, high)
        cost = [*cost, *[0.0] * (n - len(cost))]
        lp = highspy.HighsLp()
        lp.num_col_ = n
        lp.num_row_ = len(lower)
        lp.sense_ = highspy.ObjSense.kMaximize
        lp.col_cost_ = np.array(cost, dtype=np.double)
        lp.col_lower_ = np.array([float(fixed.get(k, 0)) for k in range(n)], dtype=np.double)
        lp.col_upper_ = np.array([float(fixed.get(k, 1)) for k in range(n)], dtype=np.double)
        lp.row_lower_ = np.array(lower, dtype=np.double)
        lp.row_upper_ = np.array(upper, dtype=np.double)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(value, dtype=np.double)
        lp.integrality_ = [highspy.HighsVarType.kInteger] * n
        return lp

    def met(self, chosen: Sequence[int]) -> list[int]:
        """The floors ``chosen`` meets, by index."""
        picked = set(chosen)
        return [
            f
            for f, (need, members) in enumerate(self.floors)
            if sum(w for k, w in members if k in picked) >= need
        ]

    def check(
        self,
        chosen: list[int],
        extra: Sequence[tuple[Sequence[int], float, float]],
        fixed: dict[int, int],
    ) -> None:
        """The solver's answer, re-checked in exact integer arithmetic."""
        picked = set(chosen)
        for members, bound in self.rows:
            if sum(w for k, w in members if k in picked) > bound:
                raise RuntimeError("HiGHS gave an allocation that breaks a resource or a cap")
        met = [self.m + f for f in self.met(chosen)]
        for coefficients, low, high in extra:
            total = sum(coefficients[k] for k in (*chosen, *met) if k < len(coefficients))
            if total < low or total > high:
                raise RuntimeError("HiGHS gave an allocation off the optimal face")
        if any((k in picked) != bool(v) for k, v in fixed.items()):
            raise RuntimeError("HiGHS moved a fixed option")


def _proven(solver: _Highs, cost: Sequence[float]) -> list[float] | None:
    """The solution of a solve that ended optimal and is worth the bound HiGHS proved (the
    costs are integers: within half a unit); None otherwise."""
    if solver.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    values = list(solver.getSolution().col_value)
    worth = sum(c * round(v) for c, v in zip(cost, values, strict=True))
    return values if abs(worth - solver.getInfo().mip_dual_bound) < 0.5 else None


def _run(lp: highspy.HighsLp, start: list[float] | None, presolve: str) -> _Highs:
    """HiGHS on ``lp`` (exact gap, one thread, repeatable, silent), from ``start`` if given.

    Without the sub-MIP heuristics (RINS, RENS) and the restart after the root: the floors'
    solves, closed at the root or in a few nodes, spent some 40% of their time there (every
    solve but the first starts from an allocation anyway); no slower elsewhere."""
    solver = _Highs()
    for option, setting in (
        ("output_flag", False),
        ("threads", 1),
        ("mip_rel_gap", 0.0),
        ("random_seed", 0),
        ("presolve", presolve),
        ("mip_heuristic_run_rins", False),
        ("mip_heuristic_run_rens", False),
        ("mip_allow_restart", False),
        ("mip_pool_soft_limit", CUT_POOL),
    ):
        solver.setOptionValue(option, setting)
    if solver.passModel(lp) != highspy.HighsStatus.kOk:
        raise RuntimeError("HiGHS refused the allocation model")
    if start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = start
        solver.setSolution(solution)
    solver.run()
    return solver


class ComponentMILP:
    """The stages over one component (options in rank order), each callable alone so that
    the search can take over again once the solver has fixed C* and O*. With ``floors``
    (programme minimums), the floors met M* come before the outcomes, in one solve with
    them (:meth:`most_met_fewest_outcomes`)."""

    def __init__(
        self,
        credits: Sequence[int],
        outcomes: Sequence[int],
        resources: Sequence[Sequence[int]],
        caps: Rows,
        floors: Rows = (),
    ) -> None:
        self.model = _Model(credits, outcomes, resources, caps, floors)
        self.credits, self.outcomes = list(credits), list(outcomes)
        self.resources, self.caps = resources, caps
        self._found: dict[tuple[int, int, int], list[int]] = {}
        """An allocation stage 2 found, by its (credits, floors met, outcomes): the
        tie-break's first start when it is asked for that face."""
        self._decided: dict[tuple[int, int, int], tuple[int, list[int]]] = {}
        """By face, how many options in rank order stage 2 also decided, and its allocation
        (:meth:`most_met_fewest_outcomes`)."""

    def _face(self, most: int, met: int) -> list[tuple[Sequence[int], float, float]]:
        """Rows keeping an allocation at ``most`` credits (C*) and ``met`` floors met (M*).
        No allocation has more of either, so both are equalities: a tighter relaxation than
        "at least", with the same integer solutions, that HiGHS closes in fewer nodes."""
        face: list[tuple[Sequence[int], float, float]] = [(self.credits, most, most)]
        if met:
            width = self.model.width
            face.append(([0] * self.model.m + [1] * (width - self.model.m), met, met))
        return face

    def prices(self, most: int) -> Prices:
        """Multipliers for the search's outcome bound (``allocation_search.Prices``): the dual
        values of the caps and shared resources in the linear relaxation of stage 2 (the
        fewest outcomes with ``most`` credits), times ``PRICE_SCALE``, rounded (the bound is
        valid whatever they are: an unsolved relaxation gives none)."""
        shared = _shared(self.resources)
        rows = _relaxed_rows(self.credits, most, shared, self.caps)
        dual = _relaxation(self.outcomes, rows)
        if dual is None:
            return PRICE_SCALE, [0] * len(self.caps), {}
        price = _scaled_prices(dual)
        per_resource = {r: price[1 + i] for i, r in enumerate(shared) if price[1 + i]}
        return PRICE_SCALE, price[1 + len(shared) :], per_resource

    def most_credits(self) -> int:
        """Stage 1: C*."""
        return sum(self.credits[k] for k in self.model.solve(self.credits, [], {}))

    def most_credits_fewest_outcomes(self, exact: int = EXACT_OBJECTIVE) -> tuple[int, int]:
        """Stages 1 and 2, (C*, O*), in one solve when they fold into one objective whose
        values stay within ``exact``: maximise ``credits / unit * weight - outcomes``, where
        ``unit`` divides every option's credits and ``weight`` exceeds every allocation's
        outcomes, so one unit of credit outweighs any number of outcomes. Otherwise (or for
        a component of options without credit) one stage after the other."""
        unit = reduce(gcd, self.credits, 0)
        weight = sum(self.outcomes) + 1
        if not unit or sum(c // unit for c in self.credits) * weight > exact:
            most = self.most_credits()
            return most, self.fewest_outcomes(most)
        cost = [c // unit * weight - o for c, o in zip(self.credits, self.outcomes, strict=True)]
        chosen = self.model.solve(cost, [], {})
        most, fewest = sum(self.credits[k] for k in chosen), sum(self.outcomes[k] for k in chosen)
        self._found[(most, 0, fewest)] = chosen
        return most, fewest

    def most_met_fewest_outcomes(self, most: int, exact: int = EXACT_OBJECTIVE) -> tuple[int, int]:
        """Stages 1b and 2 in one solve, (M*, O*), with the tie-break's first options:
        maximise ``floors met * weight - outcomes * span + block`` with ``most`` credits,
        where ``block`` weighs the first options in rank order as a tie-break block does
        (:func:`_lexicographic`, at most ``span - 1``) and ``weight`` exceeds what any
        allocation's outcomes and block weigh, so one more floor met outweighs any number of
        outcomes, and one outcome fewer any choice in the block. The block is as long as the
        objective stays within ``exact``. HiGHS closes this solve in about the time of the face
        alone, where a first block solved after it took as long again or longer
        (``overlapping-groups``, 30 courses: up to 1.1 s)."""
        model = self.model
        floors, outcomes = model.width - model.m, sum(self.outcomes)
        clique = cliques(self.resources)
        room = (exact - floors * (outcomes + 1)) // (floors * (outcomes + 1) + 1)
        block: list[int] = []
        while len(block) < model.m and _lexicographic([*block, len(block)], clique)[1] <= room:
            block.append(len(block))
        ranks, span = _lexicographic(block, clique)
        span += 1
        cost = [-o * span for o in self.outcomes] + [(outcomes + 1) * span] * floors
        for j, w in zip(block, ranks, strict=True):
            cost[j] += w
        chosen = model.solve(cost, self._face(most, 0), {})
        met, fewest = len(model.met(chosen)), sum(self.outcomes[k] for k in chosen)
        self._found[(most, met, fewest)] = chosen
        self._decided[(most, met, fewest)] = (len(block), chosen)
        return met, fewest

    def fewest_outcomes(self, most: int, met: int = 0) -> int:
        """Stage 2: O*, the fewest outcomes of an allocation with ``most`` credits (and
        ``met`` floors met)."""
        chosen = self.model.solve([-o for o in self.outcomes], self._face(most, met), {})
        fewest = sum(self.outcomes[k] for k in chosen)
        self._found[(most, met, fewest)] = chosen
        return fewest

    def tie_break(self, most: int, fewest: int, met: int = 0) -> list[int]:
        """Stage 3: among allocations with ``most`` credits, ``met`` floors met and
        ``fewest`` outcomes, the one the tie-break prefers, decided in rank order block by
        block."""
        model, m, resources, caps = self.model, self.model.m, self.resources, self.caps
        face = [*self._face(most, met), (self.outcomes, fewest, fewest)]
        users = _users(resources)
        weights: list[list[tuple[int, int]]] = [[] for _ in range(m)]
        for c, (_, members) in enumerate(caps):
            for k, w in members:
                weights[k].append((c, w))
        room = [bound for bound, _ in caps]
        fixed = dict.fromkeys(
            _off_the_face(self.credits, self.outcomes, resources, most, fewest), 0
        )
        # An allocation on the face to start from, which decides the first ``decided``
        # options if stage 2 did (:meth:`most_met_fewest_outcomes`).
        decided, current = self._decided.get((most, met, fewest), (0, None))
        if current is None:
            current = self._found.get((most, met, fewest))
        if current is None:
            current = model.solve([0.0] * m, face, fixed)
        holding = set(current)

        def take(j: int) -> None:
            fixed[j] = 1
            for c, w in weights[j]:
                room[c] -= w
            for r in resources[j]:
                for other in users[r]:
                    if other != j:
                        fixed.setdefault(other, 0)

        for j in range(decided):
            if j in holding:
                take(j)
            else:
                fixed.setdefault(j, 0)
        clique = cliques(resources)
        k = decided
        while k < m:
            block: list[int] = []
            while k < m:
                if k not in fixed:
                    if not block and k in holding:
                        take(k)  # the first option undecided, and an allocation holds it
                    elif any(w > room[c] for c, w in weights[k]):
                        fixed[k] = 0
                    elif _lexicographic([*block, k], clique)[1] > EXACT_OBJECTIVE:
                        break
                    else:
                        block.append(k)
                k += 1
            if not block:
                break
            cost = [0.0] * m
            for j, w in zip(block, _lexicographic(block, clique)[0], strict=True):
                cost[j] = float(w)
            current = model.solve(cost, face, fixed, current)
            holding = set(current)
            for j in block:
                if j in holding:
                    take(j)
                else:
                    fixed[j] = 0
        result = sorted(k for k, v in fixed.items() if v)
        model.check(result, face, {})
        return result

    def solve(self) -> list[int]:
        """All three stages."""
        return self.tie_break(*self.most_credits_fewest_outcomes())


def _lexicographic(block: Sequence[int], clique: Sequence[int]) -> tuple[list[int], int]:
    """Weights for ``block`` (options in rank order) that make the heaviest allocation the
    tie-break's choice among them: each option outweighs every set of later ones that can be
    chosen together (at most one of a clique, the heaviest), and the most any allocation can
    weigh."""
    weights = [0] * len(block)
    top: dict[int, int] = {}
    later = 0
    for position in range(len(block) - 1, -1, -1):
        weight = later + 1
        weights[position] = weight
        c = clique[block[position]]
        later += weight - top.get(c, 0)
        top[c] = weight
    return weights, later


def _off_the_face(
    credits: Sequence[int],
    outcomes: Sequence[int],
    resources: Sequence[Sequence[int]],
    most: int,
    fewest: int,
) -> list[int]:
    """Options no allocation with ``most`` credits and ``fewest`` outcomes can hold: with one
    of them taken, even the best options of every clique (options sharing their most shared
    resource: at most one counts), taken fractionally, need more outcomes to add the rest."""
    best: dict[int, tuple[int, int]] = {}
    for k, key in enumerate(cliques(resources)):
        c, o = credits[k], outcomes[k]
        old = best.get(key)
        best[key] = (c, o) if old is None else (max(old[0], c), min(old[1], o))
    items = sorted(best.values(), key=lambda co: -Fraction(co[0], co[1]))
    sums, counts = [0], [0]
    for c, o in items:
        sums.append(sums[-1] + c)
        counts.append(counts[-1] + o)
    off = []
    for k in range(len(credits)):
        need = most - credits[k]
        if need <= 0:
            continue
        i = bisect_left(sums, need) - 1  # items[:i] fall short, items[i] completes
        if i >= len(items):
            off.append(k)
            continue
        c, o = items[i]
        if outcomes[k] + counts[i] + -(-o * (need - sums[i]) // c) > fewest:
            off.append(k)
    return off


def floor_bound(
    credits: Sequence[int],
    resources: Sequence[Sequence[int]],
    caps: Rows,
    weights: Sequence[int],
    least: int,
) -> int:
    """A bound, exact, on the weight ``weights`` (a floor's) that an allocation with at least
    ``least`` credits reaches: the Lagrangian bound at the duals of the linear relaxation (the
    most weight under the resources, the caps and the credits), rounded to multiples of
    1/``PRICE_SCALE`` and computed in integers. It holds whatever the multipliers are, so the
    solver's tolerances cannot make it wrong; a floor it puts below its need is out of reach
    without an integer programme. The credits row is what the combinatorial bound
    (``allocation._floor_reach``) cannot see: an optimum whose credits need every heavy option
    leaves a floor of light ones out of reach."""
    shared = _shared(resources)
    rows = _relaxed_rows(credits, least, shared, caps)
    dual = _relaxation([-w for w in weights], rows)
    if dual is None:
        return sum(w for w in weights if w > 0)
    price = _scaled_prices(dual)
    credit_price = max(0, round(dual[0] * PRICE_SCALE))  # a row bounded below: dual >= 0
    reduced = [PRICE_SCALE * w + credit_price * c for w, c in zip(weights, credits, strict=True)]
    total = -credit_price * least
    for (members, _, high), rate in zip(rows[1:], price[1:], strict=True):
        if rate:
            total += rate * int(high)
            for k, w in members:
                reduced[k] -= rate * w
    return (total + sum(r for r in reduced if r > 0)) // PRICE_SCALE


_Row = tuple[Sequence[tuple[int, int]], float, float]
"""A row of a linear relaxation: (option, coefficient) pairs, lower and upper bounds."""


def _users(resources: Sequence[Sequence[int]]) -> dict[int, list[int]]:
    """The options using each resource, by resource number."""
    users: dict[int, list[int]] = {}
    for k, rs in enumerate(resources):
        for r in rs:
            users.setdefault(r, []).append(k)
    return users


def _shared(resources: Sequence[Sequence[int]]) -> dict[int, list[int]]:
    """The options of each resource more than one option uses, by resource number."""
    users = _users(resources)
    return {r: users[r] for r in sorted(users) if len(users[r]) > 1}


def _relaxed_rows(
    credits: Sequence[int], least: int, shared: dict[int, list[int]], caps: Rows
) -> list[_Row]:
    """The credits (at least ``least``), each shared resource (once), each cap."""
    return [
        (list(enumerate(credits)), float(least), _INF),
        *(([(k, 1) for k in users], -_INF, 1.0) for users in shared.values()),
        *((members, -_INF, float(bound)) for bound, members in caps),
    ]


def _relaxation(cost: Sequence[int], rows: Sequence[_Row]) -> list[float] | None:
    """The row duals of the linear relaxation that minimises ``cost`` over options in [0, 1]
    under ``rows``; None unless it is solved to optimality."""
    starts, index, value = [0], [], []
    for members, _, _ in rows:
        for k, w in members:
            index.append(k)
            value.append(float(w))
        starts.append(len(index))
    lp = highspy.HighsLp()
    lp.num_col_ = len(cost)
    lp.num_row_ = len(rows)
    lp.sense_ = highspy.ObjSense.kMinimize
    lp.col_cost_ = np.array(cost, dtype=np.double)
    lp.col_lower_ = np.zeros(len(cost))
    lp.col_upper_ = np.ones(len(cost))
    lp.row_lower_ = np.array([low for _, low, _ in rows], dtype=np.double)
    lp.row_upper_ = np.array([high for _, _, high in rows], dtype=np.double)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
    lp.a_matrix_.value_ = np.array(value, dtype=np.double)
    solver = _run(lp, None, presolve="choose")
    if solver.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return list(solver.getSolution().row_dual)


def _scaled_prices(dual: Sequence[float]) -> list[int]:
    """Each row's price, times ``PRICE_SCALE``, rounded: a row bounded above has a dual value
    <= 0 in a minimisation, its price is minus it (0 for the credits row, bounded below)."""
    return [max(0, round(-y * PRICE_SCALE)) for y in dual]
