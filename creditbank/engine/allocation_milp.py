"""The integer programme of one allocation component, solved by HiGHS when the search cannot.

Only components the combinatorial search (``allocation_search.py``) cannot close within its
budget come here. The tie-break is not folded into one objective (its coefficients would run
past what a floating-point solver resolves exactly); it is solved lexicographically, every
stage with small integer coefficients:

1. the most credits C*;
2. with credits at least C*, the fewest outcomes O*;
3. with both fixed, the options in rank order, sixteen undecided ones at a time, weighted
   2^15 ... 2^0: each block's best is the tie-break's choice for it given the blocks before
   (an option sharing a resource with a chosen one, or too heavy for a cap's room, is decided
   without the solver).

Every call passes the whole model at once (``passModel``), with ``mip_rel_gap=0``, one thread
and no output; every answer is rounded, re-checked against every resource and cap in exact
integer arithmetic, and refused (RuntimeError) if it is not an integral, feasible solution.
"""

from __future__ import annotations

from collections.abc import Sequence

import highspy
import numpy as np
from highspy._core import _Highs  # the plain solver: ``highspy.Highs`` prints a banner

BLOCK = 16
"""Options decided per solve in the tie-break stage (weights up to 2^15: exact in doubles)."""

_INF = highspy.kHighsInf


class _Model:
    """The packing rows (one per shared resource, one per cap) of a component."""

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
        self.resources = resources
        self.caps = caps
        users: dict[int, list[int]] = {}
        for k, rs in enumerate(resources):
            for r in rs:
                users.setdefault(r, []).append(k)
        self.rows: list[tuple[list[tuple[int, int]], int]] = [
            ([(k, 1) for k in ks], 1) for _, ks in sorted(users.items()) if len(ks) > 1
        ]
        self.rows += [(list(members), bound) for bound, members in caps]

    def solve(
        self,
        cost: Sequence[float],
        extra: Sequence[tuple[Sequence[int], float, float]],
        fixed: dict[int, int],
    ) -> list[int]:
        """Maximise ``cost`` over the rows, the ``extra`` rows (coefficients on every option,
        lower, upper) and the ``fixed`` options; the chosen options, checked."""
        m = self.m
        starts, index, value = [0], [], []
        lower, upper = [], []
        for members, bound in self.rows:
            for k, w in members:
                index.append(k)
                value.append(float(w))
            starts.append(len(index))
            lower.append(-_INF)
            upper.append(float(bound))
        for coefficients, low, high in extra:
            for k, w in enumerate(coefficients):
                if w:
                    index.append(k)
                    value.append(float(w))
            starts.append(len(index))
            lower.append(low)
            upper.append(high)
        lp = highspy.HighsLp()
        lp.num_col_ = m
        lp.num_row_ = len(lower)
        lp.sense_ = highspy.ObjSense.kMaximize
        lp.col_cost_ = np.array(cost, dtype=np.double)
        lp.col_lower_ = np.array([float(fixed.get(k, 0)) for k in range(m)], dtype=np.double)
        lp.col_upper_ = np.array([float(fixed.get(k, 1)) for k in range(m)], dtype=np.double)
        lp.row_lower_ = np.array(lower, dtype=np.double)
        lp.row_upper_ = np.array(upper, dtype=np.double)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(value, dtype=np.double)
        lp.integrality_ = [highspy.HighsVarType.kInteger] * m
        solver = _Highs()
        for option, setting in (
            ("output_flag", False),
            ("threads", 1),
            ("mip_rel_gap", 0.0),
            ("random_seed", 0),
        ):
            solver.setOptionValue(option, setting)
        if solver.passModel(lp) != highspy.HighsStatus.kOk:
            raise RuntimeError("HiGHS refused the allocation model")
        solver.run()
        if solver.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"HiGHS did not solve the allocation: {solver.getModelStatus()}")
        values = solver.getSolution().col_value
        chosen = []
        for k in range(m):
            v = values[k]
            if abs(v - round(v)) > 1e-6:
                raise RuntimeError("HiGHS gave a fractional allocation")
            if round(v):
                chosen.append(k)
        self.check(chosen, extra, fixed)
        return chosen

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
        for coefficients, low, high in extra:
            total = sum(coefficients[k] for k in chosen)
            if total < low or total > high:
                raise RuntimeError("HiGHS gave an allocation off the optimal face")
        if any((k in picked) != bool(v) for k, v in fixed.items()):
            raise RuntimeError("HiGHS moved a fixed option")


def solve_component(
    credits: Sequence[int],
    outcomes: Sequence[int],
    resources: Sequence[Sequence[int]],
    caps: Sequence[tuple[int, Sequence[tuple[int, int]]]],
) -> list[int]:
    """The tie-break's optimum of one component (options in rank order), in three stages."""
    model = _Model(credits, outcomes, resources, caps)
    m = model.m
    first = model.solve(credits, [], {})
    most = sum(credits[k] for k in first)
    face: list[tuple[Sequence[int], float, float]] = [(credits, float(most), _INF)]
    second = model.solve([-o for o in outcomes], face, {})
    fewest = sum(outcomes[k] for k in second)
    face.append((outcomes, -_INF, float(fewest)))
    # Stage 3: decide the options in rank order.
    users: dict[int, list[int]] = {}
    for k, rs in enumerate(resources):
        for r in rs:
            users.setdefault(r, []).append(k)
    weights: list[list[tuple[int, int]]] = [[] for _ in range(m)]
    for c, (_, members) in enumerate(caps):
        for k, w in members:
            weights[k].append((c, w))
    room = [bound for bound, _ in caps]
    fixed: dict[int, int] = {}
    k = 0
    while k < m:
        block: list[int] = []
        while k < m and len(block) < BLOCK:
            if k not in fixed:
                if any(w > room[c] for c, w in weights[k]):
                    fixed[k] = 0
                else:
                    block.append(k)
            k += 1
        if not block:
            break
        cost = [0.0] * m
        for position, j in enumerate(block):
            cost[j] = float(1 << (len(block) - 1 - position))
        picked = set(model.solve(cost, face, fixed))
        for j in block:
            fixed[j] = int(j in picked)
            if j in picked:
                for c, w in weights[j]:
                    room[c] -= w
                for r in resources[j]:
                    for other in users[r]:
                        if other != j:
                            fixed.setdefault(other, 0)
    result = sorted(k for k, v in fixed.items() if v)
    model.check(result, face, {})
    return result
