"""Engine benchmark: rule-set load/check against the bare YAML parse, audits per second, and
programme matching; plan compilation and suggestions when the engine has them.

Seeded workload: about 2,000 rules over 20 programmes of 40 courses; learners with 30
outcomes each, audited against one 40-course programme, and matched against all 20
programmes; then the same shape with 100 programmes for ``match`` (issue 14's goal: under
100 ms with compiled plans). Prints medians (of each round's median, several rounds) and
ratios; run it alone on a quiet machine:

    .venv/bin/python scripts/bench_engine.py [--audits 2000] [--match-programmes 100]

The worst case (adversarial learners of up to the most outcomes an audit takes) has its own
benchmark: scripts/bench_worst_case.py. tests/engine/test_golden.py keeps the digests of this
workload's decisions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import yaml

from creditbank.compiled import build_name
from creditbank.domain import Outcome
from creditbank.engine.audit import compute_audit
from creditbank.engine.match import match
from creditbank.ruleset.loader import load_ruleset, rule_files
from creditbank.ruleset.ruleset import RuleSet, RuleSetAt

PROGRAMMES, COURSES, OCCUPATIONS, COLLEGES = 20, 40, 20, 5
RUNGS = ["apprentice", "junior", "intermediate", "senior", "technician", "senior_technician"]


def write_workload(root: Path, rnd: random.Random, programmes: int = PROGRAMMES) -> int:
    """Write the seeded rule set under ``root``; return the number of rules. Another number of
    programmes (same shape each) gives a larger pack for ``match``."""
    frame = {
        "pack": {
            "id": "bench",
            "name": {"en": "Bench"},
            "framework": "nf",
            "accreditation_required_for": ["enterprise"],
        },
        "frameworks": [
            {
                "id": "nf",
                "name": {"en": "NF"},
                "levels": [{"level": i, "name": {"en": f"L{i}"}} for i in range(1, 9)],
            }
        ],
        "ladders": [
            {
                "id": "worker",
                "name": {"en": "Ladder"},
                "framework": "nf",
                "occupations": [
                    {"code": f"occ{i}", "name": {"en": f"Occ {i}"}} for i in range(OCCUPATIONS)
                ],
                "rungs": [
                    {"id": r, "name": {"en": r}, "framework_level": i + 2}
                    for i, r in enumerate(RUNGS)
                ],
            }
        ],
        "grade_scales": [
            {"id": "letter", "name": {"en": "L"}, "grades": ["F", "D", "C", "B", "A"]}
        ],
        "issuers": [
            {"id": "ou", "name": {"en": "OU"}, "type": "open_university"},
            {"id": "skills", "name": {"en": "Skills"}, "type": "skill_evaluation_body"},
            *(
                {
                    "id": f"ent{i}",
                    "name": {"en": f"Ent {i}"},
                    "type": "enterprise",
                    "accreditations": [{"effective": {"from": "2015-01-01"}}],
                }
                for i in range(10)
            ),
            *(
                {"id": f"col{i}", "name": {"en": f"College {i}"}, "type": "university"}
                for i in range(COLLEGES)
            ),
        ],
        "catalogues": [
            {
                "institution": "ou",
                "courses": [
                    {
                        "code": f"P{p:02d}C{c:02d}",
                        "name": {"en": f"Course {p}-{c}"},
                        "credits": rnd.choice([2, 3, 4]),
                    }
                    for p in range(programmes)
                    for c in range(COURSES)
                ],
            },
            *(
                {
                    "institution": f"col{i}",
                    "courses": [
                        {
                            "code": f"X{c:03d}",
                            "name": {"en": f"Ext {c}"},
                            "credits": rnd.choice([2, 3, 4]),
                        }
                        for c in range(60)
                    ],
                }
                for i in range(COLLEGES)
            ),
        ],
    }
    (root / "frame.yaml").write_text(yaml.safe_dump(frame, allow_unicode=True), encoding="utf-8")
    rules = 0
    for p in range(programmes):
        pid = f"prog{p:02d}"
        codes = [f"P{p:02d}C{c:02d}" for c in range(COURSES)]
        programme = {
            "id": pid,
            "name": {"en": f"Programme {p}"},
            "institution": "ou",
            "level": 5,
            "total_credits": 120,
            "effective": {"from": "2018-01-01"},
            "categories": [
                {"id": "core", "name": {"en": "Core"}, "min_credits": 40},
                {"id": "elective", "name": {"en": "Elective"}, "max_credits": 20},
            ],
            "courses": [{"code": c, "category": "core"} for c in codes],
            "requirements": [{"id": "core10", "name": {"en": "Core"}, "courses": codes[:10]}],
            "residency": {"min_credits": 30},
        }
        transfers = []
        for t in range(80):
            shape = t % 4
            base = {
                "id": f"{pid}.t{t:02d}",
                "effective": {"from": "2018-01-01"},
                "programme": pid,
                "priority": t,
            }
            if shape == 0:
                base |= {
                    "from": {
                        "outcome": {
                            "kind": "skill_certificate",
                            "occupation": f"occ{rnd.randrange(OCCUPATIONS)}",
                            "min_rung": rnd.choice(RUNGS[1:4]),
                        }
                    },
                    "to": {"courses": rnd.sample(codes, rnd.choice([1, 1, 2]))},
                }
            elif shape == 1:
                base |= {
                    "from": {
                        "outcome": {
                            "kind": "enterprise_training",
                            "programme": f"ep{rnd.randrange(40)}",
                        }
                    },
                    "to": {"category": "elective", "credits": rnd.choice([1, 2, 3])},
                }
            elif shape == 2:
                base |= {
                    "from": {
                        "outcome": {
                            "kind": "academic_course",
                            "issuer": f"col{rnd.randrange(COLLEGES)}",
                            "code": f"X{rnd.randrange(60):03d}",
                        }
                    },
                    "to": {"courses": [rnd.choice(codes)]},
                    "conditions": {"min_grade": "C"},
                }
            else:
                base |= {
                    "from": {
                        "all_of": [
                            {"kind": "enterprise_training", "programme": f"ep{rnd.randrange(40)}"},
                            {
                                "kind": "skill_certificate",
                                "occupation": f"occ{rnd.randrange(OCCUPATIONS)}",
                            },
                        ]
                    },
                    "to": {"courses": [rnd.choice(codes)]},
                }
            transfers.append(base)
        limits = [
            {
                "id": f"{pid}.max",
                "effective": {"from": "2018-01-01"},
                "programme": pid,
                "max_share": "0.5",
            },
            {
                "id": f"{pid}.ent",
                "effective": {"from": "2018-01-01"},
                "programme": pid,
                "scope": {"kinds": ["enterprise_training"]},
                "max_credits": 12,
                "per": "issuer",
            },
            {
                "id": f"{pid}.count",
                "effective": {"from": "2018-01-01"},
                "programme": pid,
                "scope": {"kinds": ["skill_certificate"]},
                "max_count": 4,
            },
            {
                "id": f"{pid}.year",
                "effective": {"from": "2018-01-01"},
                "programme": pid,
                "max_credits": 30,
                "period": {"unit": "year"},
            },
        ]
        doc = {"programmes": [programme], "transfers": transfers, "limits": limits}
        (root / f"{pid}.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        rules += len(transfers) + len(limits) + 1
    recognitions = [
        {
            "id": f"rec.occ{i}",
            "effective": {"from": "2018-01-01"},
            "match": {"kind": "skill_certificate", "occupation": f"occ{i}"},
            "by_rung": {r: 2 + j for j, r in enumerate(RUNGS)},
        }
        for i in range(OCCUPATIONS)
    ]
    recognitions.append(
        {
            "id": "rec.training",
            "effective": {"from": "2018-01-01"},
            "match": {"kind": "enterprise_training"},
            "per_hours": {"hours": 16},
        }
    )
    equivalences = [
        {
            "id": f"eq{i:03d}",
            "effective": {"from": "2018-01-01"},
            "from": f"col{rnd.randrange(COLLEGES)}:X{rnd.randrange(60):03d}",
            "to": f"ou:P{rnd.randrange(programmes):02d}C{rnd.randrange(COURSES):02d}",
        }
        for i in range(300)
    ]
    equivalences = list({(e["from"], e["to"]): e for e in equivalences}.values())
    doc = {"recognitions": recognitions, "equivalences": equivalences}
    (root / "shared.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return rules + len(recognitions) + len(equivalences)


def learner(rnd: random.Random, n: int = 30) -> list[Outcome]:
    outcomes = []
    for i in range(n):
        shape = rnd.randrange(3)
        date = dt.date(rnd.randrange(2018, 2026), rnd.randrange(1, 13), 15)
        if shape == 0:
            outcomes.append(
                Outcome(
                    id=f"o{i}",
                    kind="skill_certificate",
                    issuer="skills",
                    date=date,
                    occupation=f"occ{rnd.randrange(OCCUPATIONS)}",
                    rung=rnd.choice(RUNGS),
                )
            )
        elif shape == 1:
            outcomes.append(
                Outcome(
                    id=f"o{i}",
                    kind="enterprise_training",
                    issuer=f"ent{rnd.randrange(10)}",
                    date=date,
                    programme=f"ep{rnd.randrange(40)}",
                    hours=rnd.choice([16, 32, 48]),
                )
            )
        else:
            outcomes.append(
                Outcome(
                    id=f"o{i}",
                    kind="academic_course",
                    issuer=f"col{rnd.randrange(COLLEGES)}",
                    date=date,
                    code=f"X{rnd.randrange(60):03d}",
                    credits=3,
                    grade=rnd.choice("ABCD"),
                )
            )
    return outcomes


def median_time(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def round_medians(calls: list[Callable[[], object]], rounds: int) -> tuple[float, float, float]:
    """Each call timed alone; the median of each round's median, and the lowest and highest
    round medians (the spread a busy machine adds), in milliseconds."""
    medians = []
    for _ in range(rounds):
        times = []
        for call in calls:
            start = time.perf_counter()
            call()
            times.append(time.perf_counter() - start)
        medians.append(statistics.median(times) * 1000)
    return statistics.median(medians), min(medians), max(medians)


def report_new_rules(ruleset: RuleSet, one: list[Outcome], on: dt.date, rounds: int) -> None:
    """What audits pay for rules no audit has met yet (a newly published version, or a date
    past a change of the rules): the first audit of each programme in force on a copy of the
    rule set with nothing built (plans, selector indexes, candidate tables, the equivalence
    graph), against the same audits again; and the memory that keeps. Another day of an epoch
    already met pays only its plans (``RuleSet.at``)."""
    programmes = sorted(ruleset.at(on).programmes)

    def audit_all(rules: RuleSet) -> None:
        for programme in programmes:
            compute_audit(rules, one, programme, on)

    extra = []
    for _ in range(rounds):
        fresh = ruleset.with_findings(ruleset.findings)  # the same rules, nothing built on them
        start = time.perf_counter()
        audit_all(fresh)
        cold = time.perf_counter() - start
        start = time.perf_counter()
        audit_all(fresh)
        extra.append((cold - (time.perf_counter() - start)) * 1000 / len(programmes))
    fresh = ruleset.with_findings(ruleset.findings)
    tracemalloc.start()
    audit_all(fresh)
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    print(
        f"new rules: a programme's first audit costs {statistics.median(extra):.2f} ms more than "
        f"the next (rounds {min(extra):.2f}-{max(extra):.2f} ms; {len(programmes)} programmes); "
        f"{held / len(programmes) / 1024:.0f} KiB kept per programme"
    )


def report_match(ruleset: RuleSet, learners: list[list[Outcome]], on: dt.date, rounds: int) -> None:
    """The cost of ranking every programme in force for one learner (``creditbank match``)."""
    count = len(ruleset.at(on).programmes)
    match(ruleset, learners[0], on)  # build the date's indexes once, as for audits
    calls = [lambda one=one: match(ruleset, one, on) for one in learners]
    median, low, high = round_medians(calls, rounds)
    goal = " (goal < 100 ms with plans)" if count >= 100 else ""
    print(
        f"match over {count} programmes: median {median:.1f} ms per learner "
        f"({median / count:.2f} ms per programme; rounds {low:.1f}-{high:.1f} ms){goal}"
    )


def report_plan_compile(ruleset: RuleSet, on: dt.date, rounds: int) -> None:
    """Plan compile time and memory per plan (issue 14), once the engine compiles plans
    (``creditbank.engine.plan``; nothing is printed before): every programme's plan compiled
    from a fresh view of the date, so nothing is reused from earlier audits. The plan's
    author owns this measurement and adjusts it to the plan module as it settles."""
    if importlib.util.find_spec("creditbank.engine.plan") is None:
        return
    from creditbank.engine.plan import compile_plan

    programmes = sorted(ruleset.at(on).programmes)

    def compile_all() -> list[object]:
        rules = RuleSetAt(ruleset, on)
        return [compile_plan(rules, programme) for programme in programmes]

    median, low, high = round_medians([compile_all], rounds)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    plans = compile_all()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    per_plan = len(plans) or 1
    print(
        f"plan compile: median {median / per_plan:.2f} ms per plan "
        f"({len(plans)} plans: rounds {low:.1f}-{high:.1f} ms for all); "
        f"{held / per_plan / 1024:.0f} KiB per plan (with the date indexes it builds)"
    )


def report_suggest(
    ruleset: RuleSet, learners: list[list[Outcome]], on: dt.date, rounds: int
) -> None:
    """The cost of ``audit --suggest 5`` against prog00, once the engine suggests
    (``creditbank.engine.suggest``; nothing is printed before)."""
    if importlib.util.find_spec("creditbank.engine.suggest") is None:
        return
    from creditbank.engine.suggest import suggest

    calls = [lambda one=one: suggest(ruleset, one, "prog00", on, 5) for one in learners]
    median, low, high = round_medians(calls, rounds)
    print(
        f"suggest 5 (prog00): median {median:.1f} ms per learner (rounds {low:.1f}-{high:.1f} ms)"
    )


def report_large_learners(ruleset: RuleSet, on: dt.date, rounds: int, count: int = 5) -> None:
    """Learners of 200 outcomes of the workload's kinds against prog00 (issue 14's goal:
    under 20 ms each); their own seed, so the other figures' learners stay the same."""
    rnd = random.Random(200)
    calls = [
        lambda one=one: compute_audit(ruleset, one, "prog00", on)
        for one in (learner(rnd, 200) for _ in range(count))
    ]
    median, low, high = round_medians(calls, rounds)
    slowest = max(median_time(call, rounds) for call in calls) * 1000
    print(
        f"{count} learners of 200 outcomes (prog00): median {median:.1f} ms "
        f"(rounds {low:.1f}-{high:.1f} ms), slowest learner {slowest:.1f} ms (goal < 20 ms)"
    )


def report_large_match(
    programmes: int, learners: list[list[Outcome]], on: dt.date, rounds: int
) -> None:
    """``match`` over a pack of the workload's shape with ``programmes`` programmes."""
    with tempfile.TemporaryDirectory() as tmp:
        write_workload(Path(tmp), random.Random(20261123), programmes)
        start = time.perf_counter()
        ruleset = load_ruleset(Path(tmp))
    loaded = time.perf_counter() - start
    print(f"loaded {programmes} programmes in {loaded:.1f} s", file=sys.stderr)
    report_match(ruleset, learners, on, rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--audits", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--match-programmes",
        type=int,
        default=100,
        help="programmes in the larger pack for match (0: skip it)",
    )
    args = parser.parse_args()
    rnd = random.Random(20261123)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        count = write_workload(root, rnd)
        files = rule_files(root)
        print(f"engine: {build_name()}")
        print(
            f"workload: {count} rules in {len(files)} files, {PROGRAMMES} programmes x {COURSES} courses"
        )

        def bare_parse() -> None:
            for f in files:
                yaml.load(f.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)

        floor = median_time(bare_parse, args.repeat)
        load = median_time(lambda: load_ruleset(root), args.repeat)
        print(
            f"load+check: median {load * 1000:.0f} ms; yaml.CSafeLoader parse alone "
            f"{floor * 1000:.0f} ms; ratio {load / floor:.2f}x (goal <= 3x)"
        )
        ruleset = load_ruleset(root)
        on = dt.date(2026, 9, 1)
        learners = [learner(rnd) for _ in range(200)]
        compute_audit(ruleset, learners[0], "prog00", on)  # build the date's indexes once
        latencies = []
        print(f"auditing {args.audits} learners of 30 outcomes against prog00 ...", file=sys.stderr)
        start = time.perf_counter()
        for i in range(args.audits):
            t0 = time.perf_counter()
            compute_audit(ruleset, learners[i % len(learners)], "prog00", on)
            latencies.append(time.perf_counter() - t0)
            if (i + 1) % max(1, args.audits // 5) == 0:
                print(f"  {i + 1}/{args.audits}", file=sys.stderr)
        elapsed = time.perf_counter() - start
        latencies.sort()
        p50 = latencies[len(latencies) // 2] * 1000
        p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
        print(
            f"audits: {args.audits / elapsed:.0f}/s on one core (goal >= 2000/s); "
            f"p50 {p50:.2f} ms, p99 {p99:.2f} ms"
        )
        report_large_learners(ruleset, on, args.repeat)
        report_plan_compile(ruleset, on, args.repeat)
        report_new_rules(ruleset, learners[0], on, args.repeat)
        report_match(ruleset, learners[:20], on, args.repeat)
        report_suggest(ruleset, learners[:20], on, args.repeat)
        if args.match_programmes:
            report_large_match(args.match_programmes, learners[:10], on, max(3, args.repeat // 2))


if __name__ == "__main__":
    main()
