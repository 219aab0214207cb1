"""Canonical decision JSON: the msgspec encoder (``Decision.canonical``) against pydantic's
``TypeAdapter(Decision)`` and, when installed, orjson, on the golden workload's decisions
(tests/engine/test_golden.py). Each must give the same bytes; prints the median per decision
of several rounds, taken in turn in the same minutes:

    .venv/bin/python scripts/bench_serialiser.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from bench_engine import learner, write_workload
from pydantic import TypeAdapter

from creditbank.domain import Label
from creditbank.engine.audit import compute_audit
from creditbank.engine.decision import Decision
from creditbank.engine.trace import RuleRef
from creditbank.ruleset.loader import load_ruleset

Encoder = Callable[[Decision], bytes]


def golden_decisions() -> list[Decision]:
    """The decisions whose digests tests/engine/golden/bench_decisions.json keeps."""
    rnd = random.Random(20261123)
    with tempfile.TemporaryDirectory() as tmp:
        write_workload(Path(tmp), rnd)
        ruleset = load_ruleset(Path(tmp))
    learners = [learner(rnd) for _ in range(200)] + [learner(rnd, 60) for _ in range(40)]
    on = dt.date(2026, 9, 1)
    return [
        compute_audit(ruleset, one, programme, on)
        for programme, count in (("prog00", 240), ("prog01", 60), ("prog07", 60))
        for one in learners[:count]
    ]


def orjson_encoder() -> Encoder | None:
    """orjson with the same output (labels and rule references pre-serialised, cached by
    identity as the msgspec encoder does); None when orjson is not installed."""
    try:
        import orjson
    except ImportError:
        return None
    cache: dict[int, tuple[object, object]] = {}

    def default(value: object) -> object:
        if isinstance(value, Decimal):
            return str(value)
        known = cache.get(id(value))
        if known is None:
            if isinstance(value, Label):
                plain: dict[str, str | None] = {"zh": value.zh, "en": value.en}
            elif isinstance(value, RuleRef):
                plain = {"id": value.id}
            else:
                raise TypeError(type(value).__name__)
            known = cache[id(value)] = (value, orjson.Fragment(orjson.dumps(plain)))
        return known[1]

    return lambda decision: orjson.dumps(decision, default=default, option=orjson.OPT_SORT_KEYS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    decisions = golden_decisions()
    encoders: dict[str, Encoder] = {
        "pydantic": TypeAdapter(Decision).dump_json,
        "msgspec (canonical)": lambda decision: decision.canonical().encode(),
    }
    if (with_orjson := orjson_encoder()) is not None:
        encoders["orjson"] = with_orjson
    reference = encoders["pydantic"]
    for name, encode in encoders.items():
        differ = sum(encode(d) != reference(d) for d in decisions)
        print(f"{name}: {differ} of {len(decisions)} decisions differ from pydantic's bytes")
    times: dict[str, list[float]] = {name: [] for name in encoders}
    for _ in range(args.rounds):
        for name, encode in encoders.items():
            start = time.perf_counter()
            for decision in decisions:
                encode(decision)
            times[name].append((time.perf_counter() - start) / len(decisions) * 1e6)
    base = statistics.median(times["pydantic"])
    for name, runs in times.items():
        median = statistics.median(runs)
        print(f"{name}: median {median:.1f} us per decision ({median / base:.2f}x pydantic)")


if __name__ == "__main__":
    main()
