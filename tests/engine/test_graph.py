"""Equivalence queries against a brute-force search on small generated rule sets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from creditbank.engine.graph import carry_credits, equivalence_graph
from creditbank.ruleset.loader import check_sources
from creditbank.ruleset.ruleset import RuleSetAt

ON = dt.date(2025, 1, 1)
PACK = {
    "pack": {"id": "g", "name": {"en": "G"}, "framework": "f"},
    "frameworks": [{"id": "f", "name": {"en": "F"}, "levels": [{"level": 1, "name": {"en": "1"}}]}],
    "issuers": [{"id": i, "name": {"en": i}, "type": "university"} for i in ("a", "b", "p")],
}


@st.composite
def rule_sets(draw: st.DrawFn) -> tuple[dict[str, str], list[str], dict[str, Decimal]]:
    courses = {
        f"{inst}:{inst.upper()}{n}": Decimal(draw(st.sampled_from([2, 3, 4])))
        for inst in ("a", "b", "p")
        for n in range(3)
    }
    names = sorted(courses)
    edges = []
    for i in range(draw(st.integers(0, 9))):
        source, target = draw(st.sampled_from(names)), draw(st.sampled_from(names))
        if source == target:
            continue
        edges.append(
            {
                "id": f"eq{i}",
                "effective": {"from": "2020-01-01"},
                "from": source,
                "to": target,
                "both_ways": draw(st.booleans()),
                "chain": draw(st.booleans()),
                "ratio": draw(st.sampled_from(["1", "0.5"])),
            }
        )
    chain = draw(st.booleans())
    depth = draw(st.integers(1, 3))
    catalogues = [
        {
            "institution": inst,
            "courses": [
                {"code": c.split(":")[1], "name": {"en": c}, "credits": str(v)}
                for c, v in courses.items()
                if c.startswith(inst + ":")
            ],
        }
        for inst in ("a", "b", "p")
    ]
    programme = {
        "id": "prog",
        "institution": "p",
        "level": 1,
        "total_credits": 60,
        "effective": {"from": "2020-01-01"},
        "categories": [{"id": "core", "name": {"en": "Core"}}],
        "courses": [{"code": f"P{n}", "category": "core"} for n in range(3)],
        "articulation": {"chain": chain, "max_depth": depth},
    }
    doc = {**PACK, "catalogues": catalogues, "programmes": [programme], "equivalences": edges}
    return {"all.yaml": yaml.safe_dump(doc)}, names, courses


def rules_of(sources: dict[str, str]) -> RuleSetAt:
    """The rules in force, skipping generated sets the checker rightly refuses (credit cycles)."""
    report = check_sources(sources)
    assume(report.ruleset is not None)
    assert report.ruleset is not None
    return report.ruleset.at(ON)


def brute_force(
    sources: dict[str, str], source: str, courses: dict[str, Decimal]
) -> dict[str, Decimal]:
    """Every simple path of equivalence edges, within the depth, that obeys the chain flags."""
    doc = yaml.safe_load(sources["all.yaml"])
    policy = doc["programmes"][0]["articulation"]
    depth = policy["max_depth"] if policy["chain"] else 1
    edges = []
    for e in doc["equivalences"]:
        ratio = Fraction(e["ratio"])
        edges.append((e["from"], e["to"], ratio, e["chain"]))
        if e["both_ways"]:
            edges.append((e["to"], e["from"], 1 / ratio, e["chain"]))
    best: dict[str, Decimal] = {}

    def walk(node: str, path: list[tuple[str, str, Fraction, bool]], seen: set[str]) -> None:
        if path and node.startswith("p:") and (len(path) == 1 or all(c for *_, c in path)):
            ratio = Fraction(1)
            for *_, r, _ in path:
                ratio *= r
            credits = carry_credits(courses[source], ratio, courses[node])
            best[node] = max(best.get(node, Decimal(0)), credits)
        if len(path) == depth:
            return
        for edge in edges:
            if edge[0] == node and edge[1] not in seen:
                walk(edge[1], [*path, edge], seen | {edge[1]})

    walk(source, [], {source})
    return best


@settings(max_examples=150, deadline=None)
@given(rule_sets(), st.data())
def test_what_a_course_counts_as_agrees_with_brute_force(generated, data) -> None:  # type: ignore[no-untyped-def]
    sources, names, courses = generated
    source = data.draw(st.sampled_from([n for n in names if not n.startswith("p:")]))
    rules = rules_of(sources)
    programme = rules.programmes["prog"]
    routes = equivalence_graph(rules).routes_from_course(source, programme)
    assert {t: r.credits for t, r in routes.items()} == brute_force(sources, source, courses)
    for target, route in routes.items():
        assert route.credits <= courses[target]
        assert 1 <= route.hops <= programme.articulation.max_depth


@settings(max_examples=60, deadline=None)
@given(rule_sets())
def test_what_counts_toward_a_course_is_the_reverse_of_what_it_counts_as(generated) -> None:  # type: ignore[no-untyped-def]
    sources, names, _ = generated
    rules = rules_of(sources)
    programme = rules.programmes["prog"]
    graph = equivalence_graph(rules)
    for code in ("P0", "P1", "P2"):
        toward = {src for src, _ in graph.sources_toward(programme, code)}
        forward = {src for src in names if f"p:{code}" in graph.routes_from_course(src, programme)}
        assert toward == forward
