"""Population benchmark: the impact of a draft over a synthetic province, next to the floor of
reading the same learners' outcomes.

A province: ``--learners`` accounts (default 10,000), each with about 20 verified outcomes of
every kind drawn from the Chinese sample pack's own worked cases (rules/cn-open-university/
tests), enrolled in one of its three programmes on one of the ``--days`` (default 730) up to
2026-09-01, as a province enrols all year round and audits each learner on their own day.
Accounts, outcomes and enrolments are bulk inserted (outside every timing), then PostgreSQL's
planner statistics are gathered, as its autovacuum would have gathered them by the time anyone
runs an impact (without them it scanned the whole outcomes table for each 500 learners read: a
floor of 67 s at 100,000 learners, 30 s with them); the pack is published as version 1, and a
draft that changes five rules (two caps, a count cap, an hours rate, a residency) is stored
next to it.

Timed, each ``--repeat`` times (medians quoted):

* floor: every enrolment's learner and usable outcomes read from the database, in the
  partitions the impact reads them in (``population.read_partition``), one process;
* the impact of a broad draft (five rules, every programme), full (every enrolment of the
  pack's programmes) and incremental (only those the change can touch), and of a narrow
  draft (one transfer rule), incremental: in one process (skipped with ``--dask-only``) and
  on a Dask LocalCluster of ``--workers`` single-threaded worker processes.

Learners per second and the ratio to the floor are printed; given two sizes (``--learners
10000 100000``), how each run's time grows from one to the other (it should be linear); and,
for every run, what the largest size's rate projects for a province of 4.3 million learners.
SQLite by default; ``--pg URL`` also runs PostgreSQL (its tables are dropped first: point it
at a test database only).

    .venv/bin/python scripts/bench_population.py [--learners N [N ...]] [--days 730] [--workers 2]
        [--pg URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import itertools
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import insert, select, text

from creditbank.compiled import build_name
from creditbank.service import rulesets, submissions
from creditbank.service.fanout import LocalRunner, Runner, dask_runner
from creditbank.service.impact import run_impact
from creditbank.service.population import partitions, read_partition
from creditbank.store import migrate
from creditbank.store.session import make_engine, session_scope
from creditbank.store.tables import Enrolment, Issuer, Learner, OutcomeRow

ROOT = Path(__file__).resolve().parents[1]
PACK = ROOT / "rules" / "cn-open-university"
NOW = dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC)
ON = dt.date(2026, 9, 1)
PROGRAMMES = {
    "ouc-mechatronics-associate": "ouc",
    "ouc-logistics-associate": "ouc",
    "ouc-mech-bachelor": "ouc",
}
CHANGES = (
    ("limits/mechatronics-associate.yaml", "max_credits: 45", "max_credits: 40"),
    ("limits/mechatronics-associate.yaml", "max_count: 3", "max_count: 2"),
    ("limits/logistics-associate.yaml", "max_credits: 8\n", "max_credits: 6\n"),
    ("recognition/hours.yaml", "per_hours: {hours: 16,", "per_hours: {hours: 18,"),
    (
        "programmes/mech-bachelor.yaml",
        "residency: {min_credits: 20,",
        "residency: {min_credits: 24,",
    ),
)
"""The broad draft's five changed rules: (file, text, replacement). It touches every
programme (a cap in each, and the hours rate), so its incremental impact audits nearly all."""
NARROW = (
    (
        "transfers/logistics-associate.yaml",
        "to: {category: elective, credits: 2}",
        "to: {category: elective, credits: 3}",
    ),
)
"""The narrow draft: one transfer rule of one programme, for competition awards; its
incremental impact audits only the learners of that programme holding an award."""
DRAFTS = {"five rules": CHANGES, "one transfer": NARROW}
PROVINCE = 4_300_000
"""Shanghai's learning accounts: the size of province the projection is made for."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def sample_outcomes() -> list[dict[str, Any]]:
    """Every outcome of the pack's worked audit cases (the vocabulary its rules speak of)."""
    found = []
    for path in sorted((PACK / "tests").glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")).get("cases", []):
            found.extend(case.get("outcomes", []))
    return found


def province(count: int, rng: random.Random) -> tuple[list[str], list[tuple[str, dict[str, Any]]]]:
    """Learner ids and their outcome rows (about 20 each)."""
    pool = sample_outcomes()
    ids = [f"P{i:07d}" for i in range(count)]
    rows = []
    for learner in ids:
        for n, outcome in enumerate(rng.sample(pool, k=min(20, len(pool)))):
            row = {k: v for k, v in outcome.items() if k not in ("id", "issuer")}
            row["learner"], row["external_id"] = learner, f"{learner}-{n}"
            row["date"] = str(row["date"])
            rows.append((outcome["issuer"], row))
    return ids, rows


def fill(
    url: str,
    ids: list[str],
    rows: list[tuple[str, dict[str, Any]]],
    rng: random.Random,
    days: int,
) -> None:
    """Accounts, verified outcomes and enrolments, bulk-inserted after the pack is published
    (what the service would store, without the ledger: the impact reads outcomes, not
    entries)."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            insert(Learner),
            [
                {"id": i, "national_id_hash": None, "employer_id": None, "ledger_seq": 0,
                 "ledger_head": "", "created_at": NOW}
                for i in ids
            ],
        )  # fmt: skip
    with engine.connect() as conn:
        known = set(conn.scalars(select(Issuer.id)))
    by_issuer: dict[str, list[dict[str, Any]]] = {}
    for issuer, row in rows:
        if issuer in known:  # the worked cases also name issuers the rules do not know
            by_issuer.setdefault(issuer, []).append(row)
    values = []
    for issuer, issued in by_issuer.items():
        records, problems = submissions.validate(issued, issuer, NOW.date())
        if problems:
            log(f"  {len(problems):,} of {issuer}'s rows left out: {next(iter(problems.values()))}")
        for record in records:
            if record is None:
                continue
            learner, external, kind, obtained_on, attributes = record
            values.append(
                {"learner_id": learner, "issuer_id": issuer, "external_id": external,
                 "kind": kind, "obtained_on": dt.date.fromisoformat(obtained_on),
                 "attributes": json.loads(attributes), "status": "verified",
                 "status_reason": None, "batch_id": None, "created_at": NOW}
            )  # fmt: skip
    with engine.begin() as conn:
        for start in range(0, len(values), 20_000):
            conn.execute(insert(OutcomeRow), values[start : start + 20_000])
        conn.execute(
            insert(Enrolment),
            [
                {"learner_id": i, "programme": p, "institution": PROGRAMMES[p],
                 "enrolled_on": ON - dt.timedelta(days=rng.randrange(days)), "created_at": NOW}
                for i in ids
                for p in [rng.choice(sorted(PROGRAMMES))]
            ],
        )  # fmt: skip
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    engine.dispose()
    log(f"  {len(ids):,} learners, {len(values):,} outcomes, {len(ids):,} enrolments")


def versions(url: str, workdir: Path) -> tuple[int, dict[str, int]]:
    """Publish the pack (version 1) and store each draft of ``DRAFTS``: their ids by name."""
    engine = make_engine(url)
    first = rulesets.load_draft(engine, root=PACK, actor="bench", now=NOW)
    rulesets.publish(
        engine, version_id=first.id, effective_from=dt.date(2021, 9, 1), actor="bench", now=NOW
    )
    drafts = {}
    for label, changes in DRAFTS.items():
        draft_root = workdir / label.replace(" ", "-")
        for path in PACK.rglob("*.yaml"):
            target = draft_root / path.relative_to(PACK)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
        for name, old, new in changes:
            path = draft_root / name
            text = path.read_text(encoding="utf-8")
            if old not in text:
                raise SystemExit(f"the draft's change to {name} no longer applies: '{old}'")
            path.write_text(text.replace(old, new, 1), encoding="utf-8")
        drafts[label] = rulesets.load_draft(engine, root=draft_root, actor="bench", now=NOW).id
    engine.dispose()
    return first.id, drafts


def read_floor(url: str) -> None:
    engine = make_engine(url)
    with session_scope(engine, read_only=True) as session:
        for bounds in partitions(session, None, 2_000):
            read_partition(session, bounds, None)
    engine.dispose()


def median_of(repeat: int, work: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


@contextmanager
def database(kind: str, pg: str | None, path: Path) -> Iterator[str]:
    """A migrated database: PostgreSQL at ``pg``, emptied before and after, or a new SQLite
    file at ``path`` (a file of its own for each province: the runs' connections may be kept
    past this block), removed after."""
    if kind == "sqlite":
        url = f"sqlite:///{path}"
    else:
        assert pg is not None
        url = pg
        migrate.drop_everything(url)
    migrate.upgrade(url)
    try:
        yield url
    finally:
        if kind == "postgresql":
            migrate.drop_everything(url)
        else:
            path.unlink()


Timings = dict[str, tuple[float, int]]
"""By run (``floor`` and each impact's label): seconds and learners or enrolments read."""


def bench(kind: str, learners: int, args: argparse.Namespace, workdir: Path) -> Timings:
    rng = random.Random(20261205)
    log(f"== {kind}: building a province of {learners:,} learners")
    ids, rows = province(learners, rng)
    timings: Timings = {}
    with database(kind, args.pg, workdir / f"province-{learners}.sqlite3") as url:
        against, drafts = versions(url, workdir)
        fill(url, ids, rows, rng, args.days)
        floor, _ = median_of(args.repeat, lambda: read_floor(url))
        timings["floor"] = floor, learners
        print(f"{kind}: floor (read {learners:,} learners' outcomes) {floor:.2f} s")
        runs = [("five rules", True), ("five rules", False), ("one transfer", False)]
        for (label, full), runner_name in itertools.product(runs, runners(args)):
            with runner_for(runner_name, args.workers) as runner:
                work = functools.partial(
                    run_impact,
                    url,
                    draft_id=drafts[label],
                    against_id=against,
                    full=full,
                    runner=runner,
                )
                took, impact = median_of(args.repeat, work)
            run = f"impact of {label}, {'full' if full else 'incremental'}, {runner_name}"
            timings[run] = took, impact.audited
            per = took / max(impact.audited, 1) * 1000
            print(
                f"{kind}: {run}: {took:.1f} s for {impact.audited:,} enrolments "
                f"({impact.audited / took:,.0f}/s, {per:.2f} ms each), "
                f"{len(impact.changes):,} changed; {took / floor:.1f}x the floor"
            )
    return timings


def report_growth(kind: str, sizes: list[int], timings: dict[int, Timings]) -> None:
    """How each run's time grows from the smallest province to the largest (linear when the
    time per learner stays the same), and what the largest one's rate projects for a province
    of ``PROVINCE`` learners."""
    small, large = min(sizes), max(sizes)
    if small != large:
        print(f"{kind}: growth from {small:,} to {large:,} learners ({large / small:.1f}x):")
        for run, (took, count) in timings[large].items():
            before, before_count = timings[small][run]
            print(
                f"  {run}: {took / before:.1f}x the time for {count / max(before_count, 1):.1f}x "
                f"the {'learners' if run == 'floor' else 'enrolments'} "
                f"({before / max(before_count, 1) * 1000:.2f} to {took / max(count, 1) * 1000:.2f} ms each)"
            )
    print(f"{kind}: projected to {PROVINCE:,} learners at the rate of {large:,}:")
    for run, (took, _) in timings[large].items():
        print(f"  {run}: {took / large * PROVINCE / 60:.0f} min")


def runners(args: argparse.Namespace) -> list[str]:
    """The runners to time: one process (unless ``--dask-only``), then Dask if asked."""
    found = [] if args.dask_only else ["one process"]
    return found + ([f"{args.workers} Dask workers"] if args.workers else [])


@contextmanager
def runner_for(name: str, workers: int) -> Iterator[Runner]:
    if name == "one process":
        yield LocalRunner()
        return
    with dask_runner(workers) as runner:
        yield runner


def positive(text: str) -> int:
    """A count of at least 1, for argparse (0 learners, days or runs has nothing to time)."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text}: give at least 1")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--learners",
        type=positive,
        nargs="+",
        default=[10_000],
        help="province sizes, e.g. 10000 100000",
    )
    parser.add_argument("--workers", type=int, default=2, help="0: no Dask run")
    parser.add_argument(
        "--days", type=positive, default=730, help="enrolment days up to 2026-09-01 (1: all on one)"
    )
    parser.add_argument("--repeat", type=positive, default=1)
    parser.add_argument("--pg", default=None, help="a PostgreSQL test database URL (reset!)")
    parser.add_argument(
        "--dask-only", action="store_true", help="skip the one-process runs (large provinces)"
    )
    args = parser.parse_args()
    sizes = sorted(set(args.learners))  # each size once: a province's SQLite file is its size's
    print(f"engine: {build_name()}")
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ["sqlite", *(["postgresql"] if args.pg else [])]:
            timings = {size: bench(kind, size, args, Path(tmp)) for size in sizes}
            report_growth(kind, sizes, timings)


if __name__ == "__main__":
    main()
