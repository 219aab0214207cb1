"""Decisions stay byte-identical: digests of the benchmark workload's decisions, kept in a file.

The workload is scripts/bench_engine.py's (seeded rules and learners), audited against several
programmes, with learners of 30 and of 60 outcomes. The digests were written by the engine
before its allocation was rewritten; any change to a decision shows here. To rewrite them after
an intended change of semantics (say why in the commit):

    .venv/bin/python -m tests.engine.test_golden --write
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import importlib.util
import json
import random
import sys
import tempfile
from pathlib import Path
from types import ModuleType

from creditbank.domain import Outcome
from creditbank.engine.audit import compute_audit
from creditbank.ruleset.loader import load_ruleset
from creditbank.ruleset.ruleset import RuleSet

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).with_name("golden") / "bench_decisions.json"
ON = dt.date(2026, 9, 1)


def load_script(name: str) -> ModuleType:
    """A module from scripts/ (they are not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


@functools.cache
def workload() -> tuple[RuleSet, list[list[Outcome]]]:
    """The benchmark's rule set and learners: 200 of 30 outcomes, then 40 of 60."""
    bench = load_script("bench_engine")
    rnd = random.Random(20261123)
    with tempfile.TemporaryDirectory() as tmp:
        bench.write_workload(Path(tmp), rnd)
        ruleset = load_ruleset(Path(tmp))
    learners = [bench.learner(rnd) for _ in range(200)]
    learners += [bench.learner(rnd, 60) for _ in range(40)]
    return ruleset, learners


def bench_digests() -> dict[str, list[str]]:
    """Programme -> the decision digest of each workload learner, in order."""
    ruleset, learners = workload()
    digests: dict[str, list[str]] = {}
    for programme, count in (("prog00", 240), ("prog01", 60), ("prog07", 60)):
        digests[programme] = [
            compute_audit(ruleset, learner, programme, ON).digest for learner in learners[:count]
        ]
    return digests


def test_bench_workload_decisions_are_unchanged() -> None:
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    got = bench_digests()
    for programme, digests in expected.items():
        changed = [
            i for i, (a, b) in enumerate(zip(digests, got[programme], strict=True)) if a != b
        ]
        assert not changed, f"{programme}: decisions of learners {changed[:10]} changed"


def test_an_unsealed_decision_differs_from_the_sealed_one_only_by_its_digests() -> None:
    ruleset, learners = workload()
    for learner in learners[::6]:
        sealed = compute_audit(ruleset, learner, "prog00", ON)
        unsealed = compute_audit(ruleset, learner, "prog00", ON, sealed=False)
        assert unsealed.input_digest == unsealed.digest == ""
        assert dataclasses.replace(unsealed, input_digest=sealed.input_digest).sealed() == sealed


if __name__ == "__main__":
    if "--write" in sys.argv:
        GOLDEN.write_text(json.dumps(bench_digests(), indent=1) + "\n", encoding="utf-8")
