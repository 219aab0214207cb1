"""The equivalence graph: outcome classes, courses and programmes linked by rules.

Nodes are outcome classes (the ``from`` selectors of transfer rules), courses of each
institution (``inst:CODE``) and programmes; edges are transfer rules (outcome class -> course),
course equivalences (course -> course, both directions when ``both_ways``) and membership
(course -> programme). It is the only module that imports networkx. Paths are explored in
sorted order and the best is chosen by most credits, then fewest hops, then smallest rule ids,
so the same rules always give the same answer and the same chain.

Chaining never creates credit: credits carried along a path are the source's credits times
the ratios on the way, and never more than the target course's credits.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import networkx as nx

from creditbank.engine.trace import RuleRef
from creditbank.ruleset import schema
from creditbank.ruleset.ruleset import RuleSetAt

_Path = list[tuple[str, str, dict[str, Any]]]
"""Equivalence edges from a source, each (from node, to node, edge data)."""


@dataclass(frozen=True)
class Route:
    """How a source reaches a programme course: the chain of rules and the credits it carries."""

    target: str
    credits: Decimal
    chain: tuple[RuleRef, ...]
    ratio: Fraction
    min_overlap: Decimal | None

    @property
    def hops(self) -> int:
        return len(self.chain)


def course_node(institution: str, code: str) -> str:
    return f"{institution}:{code}"


def outcome_class(match: schema.OutcomeMatch) -> str:
    """A stable node name for an outcome selector, readable in a table.

    >>> outcome_class(schema.OutcomeMatch(kind="skill_certificate", min_rung="senior"))
    'outcome[kind=skill_certificate; min_rung=senior]'
    """
    data = match.model_dump(mode="json", exclude_none=True)
    parts = [
        f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}"
        for k, v in sorted(data.items())
    ]
    return f"outcome[{'; '.join(parts)}]"


class EquivalenceGraph:
    """The graph of the rules in force on one date; build it with :func:`equivalence_graph`."""

    def __init__(self, rules: RuleSetAt) -> None:
        self.rules = rules
        self.graph = nx.MultiDiGraph()
        self._routes: dict[tuple[str, str], dict[str, Route]] = {}
        self._members: dict[str, frozenset[str]] = {}
        self._path_lists: dict[tuple[str, int], list[_Path]] = {}
        for prog in sorted(rules.programmes.values(), key=lambda p: p.id):
            self.graph.add_node(f"programme:{prog.id}", kind="programme")
            for course in prog.courses:
                node = course_node(prog.institution, course.code)
                self.graph.add_node(node, kind="course")
                self.graph.add_edge(
                    node, f"programme:{prog.id}", kind="member", category=course.category
                )
        for eq in rules.sections["equivalences"]:
            ref = RuleRef.of(rules, eq)
            self._equivalence_edge(eq.from_, eq.to, Fraction(eq.ratio), eq, ref)
            if eq.both_ways:
                self._equivalence_edge(eq.to, eq.from_, 1 / Fraction(eq.ratio), eq, ref)
        for tr in rules.sections["transfers"]:
            for part in tr.from_.parts():
                source = outcome_class(part)
                self.graph.add_node(source, kind="outcome", match=part)
                for prog_id in tr.programme:
                    member = rules.programmes.get(prog_id)
                    if member is None:
                        continue
                    for code in tr.to.courses or ():
                        self.graph.add_edge(
                            source,
                            course_node(member.institution, code),
                            kind="transfer",
                            rule=tr,
                            ref=RuleRef.of(rules, tr),
                        )

    def _equivalence_edge(
        self, source: str, target: str, ratio: Fraction, eq: schema.Equivalence, ref: RuleRef
    ) -> None:
        self.graph.add_node(source, kind="course")
        self.graph.add_node(target, kind="course")
        self.graph.add_edge(source, target, kind="equivalence", rule=eq, ref=ref, ratio=ratio)

    def routes_from_course(self, source: str, programme: schema.Programme) -> dict[str, Route]:
        """Best route from course ``source`` to each course of ``programme`` it can count as.

        Honours direction, the programme's chaining policy and maximum depth, and each edge's
        ``chain`` flag (such an edge may only be used alone) and ``max_depth`` (a route through
        it has at most that many steps).
        """
        policy = programme.articulation
        depth = policy.max_depth if policy.chain else 1
        cached = self._routes.get((source, programme.id))
        if cached is not None:
            return cached
        members = self._members.get(programme.id)
        if members is None:
            members = self._members[programme.id] = frozenset(
                course_node(programme.institution, c.code)
                for c in programme.courses
                if c.exemptable
            )
        paths = self._path_lists.get((source, depth))
        if paths is None:
            # The paths do not depend on the programme: ``match`` asks for every programme.
            paths = self._path_lists[(source, depth)] = list(self._paths(source, depth))
        best: dict[str, Route] = {}
        for path in paths:
            target = path[-1][1]
            if target not in members or target == source:
                continue
            route = self._route(source, target, path)
            current = best.get(target)
            if current is None or _route_rank(route) < _route_rank(current):
                best[target] = route
        self._routes[(source, programme.id)] = best
        return best

    def _paths(self, source: str, depth: int) -> Iterator[_Path]:
        if source not in self.graph:
            return
        stack: list[tuple[str, list[tuple[str, str, dict[str, Any]]]]] = [(source, [])]
        while stack:
            node, path = stack.pop()
            if len(path) >= depth:
                continue
            edges = [
                e for e in self.graph.out_edges(node, data=True) if e[2]["kind"] == "equivalence"
            ]
            for _, nxt, data in sorted(edges, key=lambda e: (e[1], e[2]["ref"].id)):
                if nxt == source or any(nxt == u for u, _, _ in path):
                    continue
                new_path = [*path, (node, nxt, data)]
                if len(new_path) > _depth_allowed(new_path):
                    continue
                yield new_path
                stack.append((nxt, new_path))

    def _route(
        self, source: str, target: str, path: list[tuple[str, str, dict[str, Any]]]
    ) -> Route:
        ratio = Fraction(1)
        overlaps = []
        for _, _, data in path:
            ratio *= data["ratio"]
            if data["rule"].overlap is not None:
                overlaps.append(data["rule"].overlap)
        institution, code = target.split(":", 1)
        target_credits = self.rules.courses[(institution, code)].credits
        src_inst, src_code = source.split(":", 1)
        src = self.rules.courses.get((src_inst, src_code))
        carried = (
            target_credits if src is None else carry_credits(src.credits, ratio, target_credits)
        )
        return Route(
            target,
            carried,
            tuple(d["ref"] for _, _, d in path),
            ratio,
            min(overlaps) if overlaps else None,
        )

    def sources_toward(self, programme: schema.Programme, code: str) -> list[tuple[str, Route]]:
        """Every catalogue course that counts toward ``code`` of ``programme``, best route each."""
        target = course_node(programme.institution, code)
        found = []
        for node in sorted(nx.ancestors(self.graph, target)) if target in self.graph else []:
            if self.graph.nodes[node].get("kind") != "course":
                continue
            route = self.routes_from_course(node, programme).get(target)
            if route is not None:
                found.append((node, route))
        return found

    def transfer_rules_toward(
        self, programme: schema.Programme, code: str
    ) -> list[schema.Transfer]:
        """Transfer rules in force that grant course ``code`` of ``programme``."""
        return [
            tr
            for tr in self.rules.sections["transfers"]
            if programme.id in tr.programme and code in (tr.to.courses or ())
        ]


def carry_credits(source_credits: Decimal, ratio: Fraction, cap: Decimal) -> Decimal:
    """Credits carried along a chain: source x ratios, never above the target's credits.

    >>> carry_credits(Decimal(3), Fraction(2, 3), Decimal(4))
    Decimal('2')
    >>> carry_credits(Decimal(6), Fraction(1), Decimal(4))
    Decimal('4')
    """
    numerator, denominator = source_credits.as_integer_ratio()  # exact, in integers
    carried = Decimal(numerator * ratio.numerator) / Decimal(denominator * ratio.denominator)
    return min(cap, carried.quantize(Decimal("0.01")).normalize())


def _depth_allowed(path: list[tuple[str, str, dict[str, Any]]]) -> int:
    """The most steps a route through these equivalences may have: 1 if one of them may not
    be chained, else the smallest ``max_depth`` among them (unbounded if none sets one)."""
    bounds = [1 if not d["rule"].chain else d["rule"].max_depth or len(path) for _, _, d in path]
    return min(bounds)


def _route_rank(route: Route) -> tuple[Any, ...]:
    return (-route.credits, route.hops, tuple(r.id for r in route.chain))


def best_route(routes: dict[str, Route]) -> Route | None:
    """The best of routes to several targets (most credits, fewest hops, smallest rule ids,
    then smallest target), or None when there is none."""
    return min(routes.values(), key=lambda r: (_route_rank(r), r.target), default=None)


def equivalence_graph(rules: RuleSetAt) -> EquivalenceGraph:
    """The graph of ``rules``, built once per rule set and date."""
    graph = rules.memo.get("graph")
    if graph is None:
        graph = rules.memo["graph"] = EquivalenceGraph(rules)
    return graph
