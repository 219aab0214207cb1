"""A re-audit killed with SIGKILL in the middle of a partition's audits, then run again, stores
each learner's new decision once and leaves a ledger that verifies (issue 16)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from creditbank.service import reaudit
from tests.store import population
from tests.store.conftest import verified
from tests.store.test_concurrency import CHILD_TIMEOUT, SPAWN
from tests.store.test_reaudit import decisions, publish_raised_cap, run

KILL_AT = 12
"""The audit, counted across partitions of three learners, inside which the child is killed."""


def _child(url: str, version_id: int, ready: Any) -> None:
    """Re-audit; at the KILL_AT-th audit, tell the parent and wait to be killed."""
    real, calls = reaudit.compute_audit, []

    def slow(*args: Any) -> Any:
        calls.append(1)
        if len(calls) == KILL_AT:
            ready.set()
            time.sleep(CHILD_TIMEOUT)
        return real(*args)

    reaudit.compute_audit = slow  # type: ignore[assignment]
    run(url, version_id, partition=3)


def test_a_run_killed_mid_partition_is_finished_by_the_next_without_duplicates(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    population.build(engine, tmp_path / "pack")
    second = publish_raised_cap(engine, tmp_path)
    engine.dispose()
    ready = SPAWN.Event()
    child = SPAWN.Process(target=_child, args=(db_url, second, ready), daemon=True)
    child.start()
    try:
        if not ready.wait(CHILD_TIMEOUT):
            pytest.fail(f"the child never reached audit {KILL_AT} (exit code {child.exitcode})")
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
        child.join(timeout=30)
        assert child.exitcode == -signal.SIGKILL
    finally:
        if child.is_alive():
            child.kill()
            child.join(timeout=10)
    part_way = decisions(engine)
    finished = run(db_url, second, partition=3)
    stored = decisions(engine)
    assert part_way, "some partitions were done before the kill"
    assert len(set(stored)) == len(stored) == finished.decisions
    assert set(part_way) < set(stored)
    assert verified(engine)[1] == []
