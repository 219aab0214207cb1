"""Checks a rule set as a whole: references, ids, dates, conflicts, cycles, shadowed rules.

The schema checks each item alone; this module checks what only the whole set can show.
Precedence (type 25): among rules that apply to the same outcome and target, the higher
``priority`` wins, then the more specific selector (more keys). Two rules with overlapping
selectors, overlapping dates, the same priority and specificity but different results are a
conflict the engine could not resolve, so they are an error here. A rule that a higher-ranked,
unconditional rule always beats is shadowed: a warning.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from fractions import Fraction
from itertools import combinations
from typing import TYPE_CHECKING, Any

from creditbank.errors import Finding, Location, Severity
from creditbank.ruleset import schema

if TYPE_CHECKING:
    from creditbank.ruleset.ruleset import RuleSet


def check(ruleset: RuleSet) -> list[Finding]:
    """Every cross-item finding of ``ruleset``."""
    checker = _Checker(ruleset)
    checker.run()
    return checker.findings


class _Checker:
    def __init__(self, ruleset: RuleSet) -> None:
        self.rs = ruleset
        self.findings: list[Finding] = []
        s = ruleset.sections
        self.frameworks = {f.id: f for f in s["frameworks"]}
        self.issuers = {i.id for i in s["issuers"]}
        self.ladders = list(s["ladders"])
        self.occupations = {o.code for lad in self.ladders for o in lad.occupations}
        self.grades = {g for scale in s["grade_scales"] for g in scale.grades}
        self.catalogue: dict[str, dict[str, schema.Course]] = {}
        for cat in s["catalogues"]:
            self.catalogue.setdefault(cat.institution, {}).update((c.code, c) for c in cat.courses)
        self.programmes: dict[str, list[schema.Programme]] = defaultdict(list)
        for prog in s["programmes"]:
            self.programmes[prog.id].append(prog)
        self.transfer_ids = {t.id for t in s["transfers"]}

    # --- plumbing ---------------------------------------------------------------------

    def error(self, item: Any, code: str, message: str, key: str = "") -> None:
        self._add(Severity.ERROR, self.rs.where(item), code, message, key)

    def warn(self, item: Any, code: str, message: str, key: str = "") -> None:
        self._add(Severity.WARNING, self.rs.where(item), code, message, key)

    def _add(self, sev: Severity, loc: Location, code: str, message: str, key: str) -> None:
        self.findings.append(Finding(sev, code, message, loc, key))

    def unknown(self, item: Any, what: str, name: str, known: Iterable[str], key: str) -> None:
        import difflib

        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        self.error(item, "rules.unknown_reference", f"unknown {what} '{name}'{hint}", key)

    # --- the checks ---------------------------------------------------------------------

    def run(self) -> None:
        self.check_ids()
        self.check_frame()
        self.check_programmes()
        self.check_rules()
        self.check_conflicts_and_shadows()
        self.check_cycles()

    def check_ids(self) -> None:
        s = self.rs.sections
        for section in ("frameworks", "ladders", "issuers", "grade_scales"):
            self._unique(s[section], lambda i: i.id, section)
        self._unique(s["catalogues"], lambda c: c.institution, "catalogues")
        by_id: dict[str, list[tuple[str, Any]]] = defaultdict(list)
        for section in schema.DATED_SECTIONS:
            for item in s[section]:
                by_id[item.id].append((section, item))
        for ident, entries in by_id.items():
            sections = sorted({sec for sec, _ in entries})
            if len(sections) > 1:
                for _sec, item in entries[1:]:
                    self.error(
                        item,
                        "rules.duplicate_id",
                        f"id '{ident}' is used in several sections ({', '.join(sections)}); "
                        "give each rule its own id",
                        "id",
                    )
                continue
            for (_, a), (_, b) in combinations(entries, 2):
                if a.effective.overlaps(b.effective):
                    self.error(
                        b,
                        "rules.overlapping_dates",
                        f"'{ident}' has two versions in force on the same days "
                        f"(the other is at {self.rs.where(a)}); end one version before "
                        "the next begins",
                        "effective",
                    )

    def _unique(self, items: Iterable[Any], key: Any, what: str) -> None:
        seen: dict[str, Any] = {}
        for item in items:
            ident = key(item)
            if ident in seen:
                self.error(
                    item,
                    "rules.duplicate_id",
                    f"duplicate id '{ident}' in {what} (first at {self.rs.where(seen[ident])})",
                    "id",
                )
            else:
                seen[ident] = item

    def check_frame(self) -> None:
        pack = self.rs.pack
        if pack.framework not in self.frameworks:
            self.unknown(pack, "framework", pack.framework, self.frameworks, "pack.framework")
        for ladder in self.ladders:
            framework = self.frameworks.get(ladder.framework)
            if framework is None:
                self.unknown(ladder, "framework", ladder.framework, self.frameworks, "framework")
                continue
            levels = {lv.level for lv in framework.levels}
            self._dupes(ladder, [r.id for r in ladder.rungs], "rung", "rungs")
            for rung in ladder.rungs:
                if rung.framework_level not in levels:
                    self.error(
                        ladder,
                        "rules.unknown_reference",
                        f"rung '{rung.id}' is on framework level {rung.framework_level}, "
                        f"which framework '{framework.id}' does not have",
                        "rungs",
                    )
        for cat in self.rs.sections["catalogues"]:
            if cat.institution not in self.issuers:
                self.unknown(cat, "issuer", cat.institution, self.issuers, "institution")
            self._dupes(cat, [c.code for c in cat.courses], "course code", "courses")
            for course in cat.courses:
                self._level(cat, course.level, f"courses.{course.code}.level")
        for section in ("programmes", "recognitions", "placements"):
            for item in self.rs.sections[section]:
                self._level(item, item.level, "level")

    def _level(self, item: Any, level: int | None, key: str) -> None:
        """A level must be one of the pack's framework (a typo would place outcomes nowhere)."""
        framework = self.frameworks.get(self.rs.pack.framework)
        if level is None or framework is None:
            return
        levels = sorted(lv.level for lv in framework.levels)
        if level not in levels:
            self.error(
                item,
                "rules.unknown_reference",
                f"level {level} is not a level of framework '{framework.id}' "
                f"(levels {', '.join(map(str, levels))})",
                key,
            )

    def _dupes(self, item: Any, values: list[str], what: str, key: str) -> None:
        seen: set[str] = set()
        for value in values:
            if value in seen:
                self.error(item, "rules.duplicate_id", f"duplicate {what} '{value}'", key)
            seen.add(value)

    def check_programmes(self) -> None:
        for versions in self.programmes.values():
            for prog in versions:
                self._check_programme(prog)

    def _check_programme(self, prog: schema.Programme) -> None:
        if prog.institution not in self.issuers:
            self.unknown(prog, "issuer", prog.institution, self.issuers, "institution")
        catalogue = self.catalogue.get(prog.institution, {})
        categories = {c.id for c in prog.categories}
        codes = [c.code for c in prog.courses]
        self._dupes(prog, [c.id for c in prog.categories], "category", "categories")
        self._dupes(prog, codes, "course", "courses")
        self._dupes(prog, [r.id for r in prog.requirements], "requirement", "requirements")
        for course in prog.courses:
            if course.code not in catalogue:
                self.unknown(
                    prog, f"course of '{prog.institution}'", course.code, catalogue, "courses"
                )
            if course.category not in categories:
                self.unknown(prog, "category", course.category, categories, "courses")
        for req in prog.requirements:
            for code in req.courses:
                if code not in codes:
                    self.unknown(prog, "programme course", code, codes, f"requirements.{req.id}")
        for source in prog.source_minimums:
            self._outcome_scope(prog, source, f"source_minimums.{source.id}.")
        minimum = sum((c.min_credits for c in prog.categories), start=0)
        if minimum > prog.total_credits:
            self.error(
                prog,
                "rules.invalid_value",
                f"category minimums add up to {minimum}, more than total_credits "
                f"{prog.total_credits}",
                "categories",
            )
        if prog.articulation.min_grade:
            self._grade(prog, prog.articulation.min_grade, "articulation.min_grade")

    def _grade(self, item: Any, grade: str, key: str) -> None:
        if grade not in self.grades:
            self.unknown(item, "grade", grade, self.grades, key)

    def _ladders_for(self, occupation: tuple[str, ...] | None) -> list[schema.Ladder]:
        """The ladders a rung named for ``occupation`` may be on (every ladder when none
        names it)."""
        return [
            lad
            for lad in self.ladders
            if not occupation or any(o.code in occupation for o in lad.occupations)
        ] or self.ladders

    def _rung(self, item: Any, name: str, occupation: tuple[str, ...] | None, key: str) -> None:
        ladders = self._ladders_for(occupation)
        if not any(lad.rank(name) is not None for lad in ladders):
            known = {r.id for lad in ladders for r in lad.rungs}
            self.unknown(item, "rung", name, known, key)

    def _rung_twice(self, rec: schema.Recognition) -> None:
        """A ``by_rung`` table naming one rung twice (by its id and an alias, or by two
        aliases) would grant what the first entry says, an order the digest does not keep."""
        for ladder in self._ladders_for(rec.match.occupation):
            named: dict[int, str] = {}
            for name in rec.by_rung or {}:
                rank = ladder.rank(name)
                if rank is None:
                    continue
                if rank in named:
                    self.error(
                        rec,
                        "rules.duplicate_id",
                        f"by_rung names rung '{ladder.rungs[rank].id}' of ladder '{ladder.id}' "
                        f"twice, as '{named[rank]}' and as '{name}'; keep one entry",
                        "by_rung",
                    )
                named.setdefault(rank, name)

    def _match(self, item: Any, match: schema.OutcomeMatch, key: str) -> None:
        for issuer in match.issuer or ():
            if issuer not in self.issuers:
                self.unknown(item, "issuer", issuer, self.issuers, f"{key}.issuer")
        for occupation in match.occupation or ():
            if occupation not in self.occupations:
                self.unknown(item, "occupation", occupation, self.occupations, f"{key}.occupation")
        for rung in (*(match.rung or ()), *([match.min_rung] if match.min_rung else [])):
            self._rung(item, rung, match.occupation, f"{key}.rung")

    def _condition(
        self,
        item: Any,
        cond: schema.Condition | None,
        key: str,
        occupation: tuple[str, ...] | None = None,
    ) -> None:
        if cond is None:
            return
        for child in (*(cond.all or ()), *(cond.any or ()), *([cond.not_] if cond.not_ else [])):
            self._condition(item, child, key, occupation)
        if cond.min_grade:
            self._grade(item, cond.min_grade, f"{key}.min_grade")
        if cond.min_rung:
            self._rung(item, cond.min_rung, occupation, f"{key}.min_rung")

    def _programme_refs(self, item: Any, ids: Iterable[str]) -> list[schema.Programme]:
        found: list[schema.Programme] = []
        for ident in ids:
            versions = self.programmes.get(ident)
            if not versions:
                self.unknown(item, "programme", ident, self.programmes, "programme")
            else:
                found.extend(v for v in versions if v.effective.overlaps(item.effective))
        return found

    def check_rules(self) -> None:
        s = self.rs.sections
        for rec in s["recognitions"]:
            self._match(rec, rec.match, "match")
            self._condition(rec, rec.conditions, "conditions", rec.match.occupation)
            for rung in rec.by_rung or {}:
                self._rung(rec, rung, rec.match.occupation, "by_rung")
            self._rung_twice(rec)
            for grade in rec.by_grade or {}:
                self._grade(rec, grade, "by_grade")
        for item in (*s["placements"], *s["exclusions"]):
            self._match(item, item.match, "match")
        for exc in s["exclusions"]:
            self._condition(exc, exc.conditions, "conditions")
            self._programme_refs(exc, exc.programme or ())
        for sub in s["subsumptions"]:
            for i, level in enumerate(sub.levels):
                self._match(sub, level, f"levels.{i}")
        for tr in s["transfers"]:
            self._check_transfer(tr)
        for eq in s["equivalences"]:
            if not eq.chain and eq.max_depth is not None and eq.max_depth > 1:
                self.error(
                    eq,
                    "rules.invalid_value",
                    f"'max_depth: {eq.max_depth}' with 'chain: false': an equivalence that "
                    "may not be chained is only used alone (depth 1); drop one of the two",
                    "max_depth",
                )
            for end in (eq.from_, eq.to):
                institution, code = end.split(":", 1)
                if code not in self.catalogue.get(institution, {}):
                    known = [f"{i}:{c}" for i, cat in self.catalogue.items() for c in cat]
                    self.unknown(eq, "course", end, known, "from" if end == eq.from_ else "to")
        for limit in s["limits"]:
            progs = self._programme_refs(limit, limit.programme)
            for body in (limit, *limit.sub_limits):
                self._scope(limit, body.scope, progs)
                for code in body.pool or ():
                    self._course(limit, code, progs, "pool")
        for rec in s["recency"]:
            self._programme_refs(rec, rec.programme)
            self._outcome_scope(rec, rec.scope, "scope.")
        for sub in s["substitutes"]:
            for code in sub.courses:
                self._course(sub, code, self._programme_refs(sub, sub.programme), "courses")

    def _check_transfer(self, tr: schema.Transfer) -> None:
        progs = self._programme_refs(tr, tr.programme)
        for i, part in enumerate(tr.from_.parts()):
            self._match(tr, part, f"from.{i}")
        self._condition(tr, tr.conditions, "conditions")
        for prog in progs:
            courses = {c.code: c for c in prog.courses}
            for code in tr.to.courses or ():
                course = courses.get(code)
                if course is None:
                    self.unknown(
                        tr, f"course of programme '{prog.id}'", code, courses, "to.courses"
                    )
                elif not course.exemptable:
                    self.warn(
                        tr,
                        "rules.not_exemptable",
                        f"course '{code}' of '{prog.id}' is not exemptable: this rule never "
                        "grants it, and the outcomes it matches are refused (not_exemptable)",
                        "to.courses",
                    )
                elif tr.to.credits is not None:
                    credits = self.catalogue.get(prog.institution, {}).get(code)
                    if credits is not None and tr.to.credits > credits.credits:
                        self.error(
                            tr,
                            "rules.invalid_value",
                            f"grants {tr.to.credits} credits for '{code}', which is worth "
                            f"only {credits.credits}",
                            "to.credits",
                        )
            categories = {c.id for c in prog.categories}
            for cat in tr.to.category or ():
                if cat not in categories:
                    self.unknown(
                        tr, f"category of programme '{prog.id}'", cat, categories, "to.category"
                    )

    def _course(self, item: Any, code: str, progs: list[schema.Programme], key: str) -> None:
        for prog in progs:
            codes = {c.code for c in prog.courses}
            if code not in codes:
                self.unknown(item, f"course of programme '{prog.id}'", code, codes, key)

    def _outcome_scope(self, item: Any, scope: schema.OutcomeScope, key: str) -> None:
        for issuer in scope.issuers:
            if issuer not in self.issuers:
                self.unknown(item, "issuer", issuer, self.issuers, f"{key}issuers")

    def _scope(self, item: Any, scope: schema.LimitScope, progs: list[schema.Programme]) -> None:
        self._outcome_scope(item, scope, "scope.")
        for code in scope.courses:
            self._course(item, code, progs, "scope.courses")
        for rule in scope.rules:
            if rule not in self.transfer_ids:
                self.unknown(item, "transfer rule", rule, self.transfer_ids, "scope.rules")
        for prog in progs:
            categories = {c.id for c in prog.categories}
            for cat in scope.categories:
                if cat not in categories:
                    self.unknown(
                        item,
                        f"category of programme '{prog.id}'",
                        cat,
                        categories,
                        "scope.categories",
                    )

    # --- precedence ------------------------------------------------------------------------

    def check_conflicts_and_shadows(self) -> None:
        groups: dict[tuple[str, str], list[Any]] = defaultdict(list)
        for tr in self.rs.sections["transfers"]:
            for prog in tr.programme:
                for target in _targets(tr.to):
                    groups[(prog, target)].append(tr)
        for rec in self.rs.sections["recognitions"]:
            groups[("", "recognition")].append(rec)
        reported: set[tuple[str, str]] = set()
        for (_prog, target), rules in sorted(groups.items()):
            for a, b in combinations(rules, 2):
                if a.id == b.id or not a.effective.overlaps(b.effective):
                    continue
                if not self._may_meet(a, b):
                    continue
                self._compare(a, b, target, reported)

    def _may_meet(self, a: Any, b: Any) -> bool:
        parts_a, parts_b = _parts(a), _parts(b)
        if len(parts_a) != len(parts_b):
            return False
        return all(any(_overlap(pa, pb, self.ladders) for pb in parts_b) for pa in parts_a)

    def _compare(self, a: Any, b: Any, target: str, reported: set[tuple[str, str]]) -> None:
        rank_a = (a.priority, _specificity(a))
        rank_b = (b.priority, _specificity(b))
        pair = (min(a.id, b.id), max(a.id, b.id))
        if rank_a == rank_b:
            if _result(a) != _result(b) and pair not in reported:
                reported.add(pair)
                self.error(
                    b,
                    "rules.conflict",
                    f"'{b.id}' and '{a.id}' (at {self.rs.where(a)}) can apply to the same "
                    f"outcome for {target} with the same priority and specificity but "
                    "give different results; set 'priority' on the one that should win",
                    "priority",
                )
            return
        winner, loser = (a, b) if rank_a > rank_b else (b, a)
        if (
            winner.conditions is None
            and winner.effective.contains(loser.effective)
            and _covers(_parts(winner), _parts(loser), self.ladders)
            and pair not in reported
        ):
            reported.add(pair)
            self.warn(
                loser,
                "rules.shadowed",
                f"'{loser.id}' never applies: '{winner.id}' (at {self.rs.where(winner)}) "
                f"ranks higher and matches every outcome it matches, for {target}",
                "priority",
            )

    # --- cycles -------------------------------------------------------------------------------

    def check_cycles(self) -> None:
        edges: dict[str, dict[str, tuple[Fraction, Any]]] = defaultdict(dict)
        for eq in self.rs.sections["equivalences"]:
            ratio = Fraction(eq.ratio)
            pairs = [(eq.from_, eq.to, ratio)]
            if eq.both_ways:
                pairs.append((eq.to, eq.from_, 1 / ratio))
            # Of parallel edges only the one with the highest ratio can make a cycle grow.
            for source, target, value in pairs:
                current = edges[source].get(target)
                if current is None or value > current[0]:
                    edges[source][target] = (value, eq)
        for component in _strong_components(edges):
            inner = [
                (u, v, r, eq)
                for u in component
                for v, (r, eq) in edges[u].items()
                if v in component
            ]
            if all(r == 1 for _, _, r, _ in inner):
                continue
            growth = _growing_cycle(component, inner)
            if growth is not None:
                nodes, eq = growth
                self.error(
                    eq,
                    "rules.credit_cycle",
                    "equivalences form a cycle whose ratios multiply to more than 1, "
                    f"so credit would grow around it: {' -> '.join(nodes)}",
                    "ratio",
                )


def _targets(target: schema.TransferTarget) -> Iterator[str]:
    for code in target.courses or ():
        yield f"course '{code}'"
    for cat in target.category or ():
        yield f"category '{cat}'"
    if target.reject:
        yield "rejection"


def _parts(rule: Any) -> tuple[schema.OutcomeMatch, ...]:
    return rule.from_.parts() if isinstance(rule, schema.Transfer) else (rule.match,)


def _specificity(rule: Any) -> int:
    return sum(len(part.constrained()) for part in _parts(rule))


def _result(rule: Any) -> Any:
    if isinstance(rule, schema.Transfer):
        return (rule.to.courses, rule.to.category, rule.to.credits, rule.to.reject)
    return (
        rule.credits,
        rule.by_rung,
        rule.by_grade,
        rule.per_hours,
        rule.ratio,
        rule.level,
        rule.field,
    )


def _overlap(a: schema.OutcomeMatch, b: schema.OutcomeMatch, ladders: list[schema.Ladder]) -> bool:
    """Whether some outcome could match both selectors (conservative: when unsure, yes)."""
    for key in schema.MATCH_SET_KEYS:
        va, vb = getattr(a, key), getattr(b, key)
        if va is not None and vb is not None and not set(va) & set(vb):
            return False
    for key in ("exam_based", "requires_degree"):
        va, vb = getattr(a, key), getattr(b, key)
        if va is not None and vb is not None and va != vb:
            return False
    for exact, minimum in ((a.rung, b.min_rung), (b.rung, a.min_rung)):
        if (
            exact
            and minimum
            and not any(_at_least(lad, r, minimum) for lad in ladders for r in exact)
        ):
            return False
    return True


def _at_least(ladder: schema.Ladder, rung: str, minimum: str) -> bool:
    have, need = ladder.rank(rung), ladder.rank(minimum)
    return have is not None and need is not None and have >= need


def _covers(
    general: tuple[schema.OutcomeMatch, ...],
    specific: tuple[schema.OutcomeMatch, ...],
    ladders: list[schema.Ladder],
) -> bool:
    """Whether every outcome (bundle) matching ``specific`` also matches ``general``."""
    if len(general) != len(specific):
        return False
    return all(any(_match_covers(g, s, ladders) for g in general) for s in specific)


def _match_covers(g: schema.OutcomeMatch, s: schema.OutcomeMatch, ladders: list[Any]) -> bool:
    for key in (*schema.MATCH_SET_KEYS, "exam_based", "requires_degree"):
        vg, vs = getattr(g, key), getattr(s, key)
        if vg is None:
            continue
        if vs is None:
            return False
        if key in schema.MATCH_SET_KEYS and not set(vs) <= set(vg):
            return False
        if key not in schema.MATCH_SET_KEYS and vg != vs:
            return False
    if g.min_rung is not None:
        floor = s.min_rung or (s.rung[0] if s.rung and len(s.rung) == 1 else None)
        if floor is None or not any(_at_least(lad, floor, g.min_rung) for lad in ladders):
            return False
    if g.max_rank is not None and (s.max_rank is None or s.max_rank > g.max_rank):
        return False
    return not (g.min_level is not None and (s.min_level or 0) < g.min_level)


def _strong_components(edges: dict[str, dict[str, Any]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative, over nodes in sorted order (deterministic)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[set[str]] = []
    counter = 0
    nodes = sorted(set(edges) | {v for targets in edges.values() for v in targets})
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, {}))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, {})))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    result.append(component)
    return result


def _growing_cycle(
    component: set[str], inner: list[tuple[str, str, Fraction, Any]]
) -> tuple[list[str], Any] | None:
    """A cycle whose ratio product exceeds 1, found by Bellman-Ford on exact fractions."""
    nodes = sorted(component)
    best: dict[str, Fraction] = dict.fromkeys(nodes, Fraction(1))
    parent: dict[str, tuple[str, Any]] = {}
    changed: str | None = None
    for _ in range(len(nodes)):
        changed = None
        for u, v, ratio, eq in sorted(inner, key=lambda e: (e[0], e[1])):
            if best[u] * ratio > best[v]:
                best[v] = best[u] * ratio
                parent[v] = (u, eq)
                changed = v
        if changed is None:
            return None
    assert changed is not None  # the loop ran at least once and kept relaxing
    node: str = changed
    for _ in range(len(nodes)):
        node = parent[node][0]
    cycle = [node]
    current = parent[node][0]
    while current != node:
        cycle.append(current)
        current = parent[current][0]
    cycle.append(node)
    cycle.reverse()
    return cycle, parent[node][1]
