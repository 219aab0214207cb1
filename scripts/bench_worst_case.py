"""Worst-case benchmark: adversarial learners against the sample Chinese pack, timed one by one.

Each shape is a learner file the tool accepts, built to make the exact allocation work hard:
many outcomes competing for few courses and categories under several overlapping caps, many
near-identical certificates, all-of bundles whose parts come in many copies; and, against a
pack of its own, university courses that fit several requirement groups of which not all can
be met (``overlapping-groups``, up to 80 courses). Seeded, so every
run audits the same learners. Prints the median of ``--repeat`` runs per learner (each run in
this process; a run past ``--timeout`` seconds is stopped and reported as such); with
``--seeds K``, K learners of each shape and size (seeds 1 to K), their median and the slowest:

    .venv/bin/python scripts/bench_worst_case.py [--repeat 5] [--timeout 60] [--only awards]
        [--sizes 30 80] [--seeds 8]

The generators are also used by tests/engine (golden decisions, the 300-outcome test).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import signal
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from creditbank.compiled import build_name
from creditbank.domain import Outcome
from creditbank.engine.audit import compute_audit
from creditbank.ruleset.loader import load_ruleset

PACK = Path(__file__).resolve().parent.parent / "rules" / "cn-open-university"
ON = dt.date(2025, 9, 1)
MECHATRONICS = "ouc-mechatronics-associate"
LOGISTICS = "ouc-logistics-associate"

Shape = Callable[[int, int], tuple[str, list[Outcome]]]


def _day(rnd: random.Random, start: dt.date, span: int) -> dt.date:
    return start + dt.timedelta(days=rnd.randrange(span))


def awards(n: int, seed: int = 1) -> tuple[str, list[Outcome]]:
    """Competition awards, each worth elective OR practice credits (a learner-chosen
    classification): electives stop at 12, all transfers at 45."""
    rnd = random.Random(seed)
    return MECHATRONICS, [
        Outcome(
            id=f"award{i:04d}",
            kind="competition_award",
            issuer=rnd.choice(["hn-skill-contest", "maker-cup"]),
            date=_day(rnd, dt.date(2023, 1, 1), 960),
            title=f"Skills contest {i}",
            tier=rnd.choice(["national", "provincial"]),
            grade=rnd.choice(["一等奖", "二等奖", "三等奖", "优秀奖"]),
        )
        for i in range(n)
    ]


def enterprise(n: int, seed: int = 1) -> tuple[str, list[Outcome]]:
    """Xiangjiang enterprise trainings: the two PLC parts of an all-of bundle and the
    machining-basics course in many copies, under the per-enterprise and per-semester caps."""
    rnd = random.Random(seed)
    return MECHATRONICS, [
        Outcome(
            id=f"ent{i:04d}",
            kind="enterprise_training",
            issuer="xiangjiang-heavy",
            date=_day(rnd, dt.date(2022, 3, 1), 1200),
            code=rnd.choice(["XJ-PLC-01", "XJ-PLC-02", "XJ-MFG-01"]),
            title=f"Xiangjiang training {i}",
            hours=rnd.choice([16, 32, 40, 48, 64]),
            assessed=True,
        )
        for i in range(n)
    ]


def near_identical(n: int, seed: int = 1) -> tuple[str, list[Outcome]]:
    """The same 54-hour training certificate n times (distinct titles, so no duplicates):
    each worth 3 elective credits; which ones count is decided by the tie-break alone."""
    return MECHATRONICS, [
        Outcome(
            id=f"cert{i:04d}",
            kind="training_certificate",
            issuer="cs-training",
            date=dt.date(2024, 6, 30),
            title=f"Numerical control workshop {i}",
            hours=54,
            score=80,
            assessed=True,
            delivery="in_person",
        )
        for i in range(n)
    ]


def training_mix(n: int, seed: int = 1) -> tuple[str, list[Outcome]]:
    """Online and in-person training certificates of many lengths: electives (12) and the
    online share (25%) overlap."""
    rnd = random.Random(seed)
    outcomes = []
    for i in range(n):
        online = rnd.random() < 0.5
        outcomes.append(
            Outcome(
                id=f"train{i:04d}",
                kind="training_certificate",
                issuer="craftsman-online" if online else "cs-training",
                date=_day(rnd, dt.date(2023, 1, 1), 960),
                title=f"Training {i}",
                hours=rnd.randrange(18, 130),
                score=rnd.randrange(60, 100),
                assessed=True,
                delivery="online" if online else "in_person",
            )
        )
    return MECHATRONICS, outcomes


def logistics_enterprise(n: int, seed: int = 1) -> tuple[str, list[Outcome]]:
    """Enterprise trainings of three enterprises as logistics electives: the elective maximum
    (12) binds together with the per-enterprise (6) and per-year (8) limits."""
    rnd = random.Random(seed)
    return LOGISTICS, [
        Outcome(
            id=f"lent{i:04d}",
            kind="enterprise_training",
            issuer=rnd.choice(["zhongbu-logistics", "hn-coldchain", "xiangjiang-heavy"]),
            date=_day(rnd, dt.date(2023, 1, 1), 960),
            code=f"EC-{i:04d}",
            title=f"Enterprise course {i}",
            hours=rnd.choice([16, 24, 32, 40, 48, 56, 64]),
            assessed=True,
        )
        for i in range(n)
    ]


def mixed(n: int, seed: int = 1) -> tuple[str, list[Outcome]]:
    """Awards, training certificates and Xiangjiang trainings in one learner."""
    rnd = random.Random(seed)
    pools = [awards(n, seed)[1], training_mix(n, seed)[1], enterprise(n, seed)[1]]
    return MECHATRONICS, [rnd.choice(pools)[i] for i in range(n)]


def policy_copies(n: int, seed: int = 1) -> tuple[str, list[Outcome]]:
    """Copies of every outcome the pack's own mechatronics cases use (skill certificates on
    ladders, college courses through equivalences, 1+X families, training, awards, enterprise
    bundles, work experience), under new ids and dates moved by up to a year."""
    from creditbank.service.rule_tests import Case, case_files, read_cases

    templates = [
        outcome
        for file in case_files(PACK)
        for _, case in read_cases(file).cases
        if isinstance(case, Case) and case.programme == MECHATRONICS
        for outcome in case.outcomes
    ]
    rnd = random.Random(seed)
    outcomes = []
    for i in range(n):
        template = rnd.choice(templates)
        day = template.date + dt.timedelta(days=rnd.randrange(-365, 366))
        start = template.start_date
        outcomes.append(
            template.model_copy(
                update={
                    "id": f"copy{i:04d}",
                    "date": min(day, ON),
                    "start_date": min(start, min(day, ON)) if start else None,
                }
            )
        )
    return MECHATRONICS, outcomes


GROUPS = "groups"
"""The programme of the overlapping-groups pack (:func:`write_groups_pack`)."""
GROUP_COURSES, GROUP_CODES, GROUP_CATEGORIES = 48, 80, ("A", "B", "C", "D")


def write_groups_pack(root: Path, seed: int = 7) -> None:
    """A pack shaped as a registrar's requirement groups, where exact degree auditors (such as
    degreepath/auditor) stop finishing once courses fit several groups: 48 programme courses
    in four categories (12 to 24 credits each); eight groups asking 12 credits of their ten
    courses each (a course is in one to three groups); 80 university courses, each
    transferring to two or three programme courses (one counts); at most 40 credits
    transferred, 27 from one university. Not every group can be met: which ones are is the
    work of the programme minimums."""
    rnd = random.Random(seed)
    courses = [f"P{c:02d}" for c in range(GROUP_COURSES)]
    levels = [{"level": i, "name": {"en": f"L{i}"}} for i in range(1, 9)]
    effective = {"from": "2018-01-01"}
    frame = {
        "pack": {"id": "groups", "name": {"en": "Requirement groups"}, "framework": "nf"},
        "frameworks": [{"id": "nf", "name": {"en": "NF"}, "levels": levels}],
        "issuers": [
            {"id": "ou", "name": {"en": "OU"}, "type": "open_university"},
            *({"id": f"u{i}", "name": {"en": f"U{i}"}, "type": "university"} for i in range(3)),
        ],
        "catalogues": [
            {
                "institution": "ou",
                "courses": [
                    {"code": c, "name": {"en": c}, "credits": rnd.choice([2, 3, 4])}
                    for c in courses
                ],
            }
        ],
    }
    programme = {
        "id": GROUPS,
        "name": {"en": "Groups"},
        "institution": "ou",
        "level": 6,
        "total_credits": 120,
        "effective": effective,
        "categories": [
            {"id": c, "name": {"en": c}, "min_credits": 12, "max_credits": 24}
            for c in GROUP_CATEGORIES
        ],
        "courses": [
            {"code": c, "category": GROUP_CATEGORIES[i % len(GROUP_CATEGORIES)]}
            for i, c in enumerate(courses)
        ],
        "requirements": [
            {
                "id": f"g{g}",
                "name": {"en": f"Group {g}"},
                "courses": rnd.sample(courses, 10),
                "credits": 12,
            }
            for g in range(8)
        ],
    }
    transfers = [
        {"id": f"t{code:03d}.{course}", "effective": effective, "programme": GROUPS,
         "from": {"outcome": {"kind": "academic_course", "code": f"G{code:03d}"}},
         "to": {"courses": [course]}}
        for code in range(GROUP_CODES)
        for course in rnd.sample(courses, rnd.choice([2, 2, 3]))
    ]  # fmt: skip
    limits = [
        {"id": "total", "effective": effective, "programme": GROUPS, "max_credits": 40},
        {"id": "university", "effective": effective, "programme": GROUPS, "max_credits": 27,
         "per": "issuer"},
    ]  # fmt: skip
    rules = {"programmes": [programme], "transfers": transfers, "limits": limits}
    for name, doc in (("frame.yaml", frame), ("groups.yaml", rules)):
        (root / name).write_text(yaml.safe_dump(doc), encoding="utf-8")


def overlapping_groups(n: int, seed: int = 1) -> tuple[str, list[Outcome]]:
    """``n`` (at most 80) distinct university courses of the groups pack, each fitting two or
    three programme courses and so, mostly, several requirement groups."""
    rnd = random.Random(seed)
    return GROUPS, [
        Outcome(
            id=f"course{i:03d}",
            kind="academic_course",
            issuer=f"u{rnd.randrange(3)}",
            date=_day(rnd, dt.date(2022, 1, 1), 900),
            code=f"G{code:03d}",
            credits=3,
            grade="B",
        )
        for i, code in enumerate(rnd.sample(range(GROUP_CODES), min(n, GROUP_CODES)))
    ]


SHAPES: dict[str, Shape] = {
    "awards": awards,
    "enterprise": enterprise,
    "near-identical": near_identical,
    "training-mix": training_mix,
    "logistics-enterprise": logistics_enterprise,
    "mixed": mixed,
    "policy-copies": policy_copies,
}
SIZES = (10, 20, 30, 40, 60, 300, 1000)


class _Timeout(Exception):
    pass


def _alarm(*_: Any) -> None:
    raise _Timeout


def time_one(ruleset: Any, programme: str, outcomes: list[Outcome], timeout: int) -> float | str:
    """Seconds for one audit, or what stopped it."""
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(timeout)
    start = time.perf_counter()
    try:
        compute_audit(ruleset, outcomes, programme, ON)
    except _Timeout:
        return f"> {timeout} s"
    except RecursionError:
        return "RecursionError"
    finally:
        signal.alarm(0)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--timeout", type=int, default=60)
    parser.add_argument("--only", nargs="*", default=None, help="shape names")
    parser.add_argument("--sizes", nargs="*", type=int, default=list(SIZES))
    parser.add_argument("--seeds", type=int, default=1, help="learners of each shape and size")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as groups:
        write_groups_pack(Path(groups))
        packs = {"cn": load_ruleset(PACK), GROUPS: load_ruleset(Path(groups))}
    print(f"engine: {build_name()}")
    across = f", {args.seeds} learners: their median, the slowest" if args.seeds > 1 else ""
    print(f"{'shape':<22}{'outcomes':>9}  median of {args.repeat}{across}")
    for name, shape in [*SHAPES.items(), ("overlapping-groups", overlapping_groups)]:
        if args.only and name not in args.only:
            continue
        for n in args.sizes:
            learners = [shape(n, seed) for seed in range(1, args.seeds + 1)]
            if len(learners[0][1]) < n:
                print(
                    f"{name:<22}{n:>9}  not run: the shape has {len(learners[0][1])} outcomes at most"
                )
                continue
            medians = []
            for programme, outcomes in learners:
                ruleset = packs[GROUPS if programme == GROUPS else "cn"]
                median = median_of_runs(ruleset, programme, outcomes, args.repeat, args.timeout)
                if isinstance(median, str):
                    print(f"{name:<22}{n:>9}  {median}", flush=True)
                    break
                medians.append(median)
            else:
                shown = f"{statistics.median(medians) * 1000:.1f} ms"
                if len(medians) > 1:
                    shown += f", slowest {max(medians) * 1000:.1f} ms"
                print(f"{name:<22}{n:>9}  {shown}", flush=True)


def median_of_runs(
    ruleset: Any, programme: str, outcomes: list[Outcome], repeat: int, timeout: int
) -> float | str:
    """The median of ``repeat`` audits of one learner, in seconds, or what stopped one."""
    runs: list[float] = []
    for _ in range(repeat):
        result = time_one(ruleset, programme, outcomes, timeout)
        if isinstance(result, str):
            return result
        runs.append(result)
    return statistics.median(runs)


if __name__ == "__main__":
    main()
