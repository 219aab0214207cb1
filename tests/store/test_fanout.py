"""Impact and re-audit on Dask distributed give what the single-process path gives
(issue 16): a small LocalCluster in this process, a few learners; and a worker process killed
in the middle of a partition's write makes Dask run the partition again, writing it once."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine, event

from creditbank.service import impact, reaudit
from creditbank.service.fanout import YOUNG_THRESHOLD, LocalRunner, Runner, dask_runner
from tests.store import population
from tests.store.conftest import verified
from tests.store.test_reaudit import decisions, publish_raised_cap

R = TypeVar("R")


def test_impact_and_reaudit_on_dask_match_the_local_path(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    first = population.build(engine, tmp_path / "pack")
    second = publish_raised_cap(engine, tmp_path)
    local = impact.run_impact(db_url, draft_id=second, against_id=first, partition=4)
    with dask_runner(2, processes=False) as runner:
        spread = impact.run_impact(
            db_url, draft_id=second, against_id=first, partition=4, runner=runner
        )
        assert local.changes
        assert spread == local
        done = reaudit.run_reaudit(
            db_url, version_id=second, actor="r", now=population.NOW, partition=4, runner=runner
        )
    stored = decisions(engine)
    assert done.decisions == len(stored) == len(set(stored)) > 0


def test_tasks_run_with_rarer_young_collections_and_the_thresholds_come_back() -> None:
    before = gc.get_threshold()
    seen = LocalRunner().run(gc.get_threshold, [()], [1], lambda _n: None)
    assert seen == [(YOUNG_THRESHOLD, *before[1:])]
    assert gc.get_threshold() == before

    def failing() -> None:
        raise RuntimeError("partition failed")

    with pytest.raises(RuntimeError):
        LocalRunner().run(failing, [()], [1], lambda _n: None)
    assert gc.get_threshold() == before


def _dies_at_its_first_commit(marker: str, function: Callable[..., R], *task: Any) -> R:
    """``function(*task)``, except that the first task to run anywhere (``marker`` not yet
    there) kills its worker process as its partition commits: the rows are written, the
    transaction is not committed."""
    if not os.path.exists(marker):
        Path(marker).touch()
        event.listen(Engine, "commit", lambda _connection: os._exit(1))
    return function(*task)


class _FirstCommitKills:
    """A runner whose first task kills its worker in the middle of its partition's write."""

    def __init__(self, inner: Runner, marker: Path) -> None:
        self.inner, self.marker = inner, str(marker)

    def run(
        self,
        function: Callable[..., R],
        tasks: Sequence[tuple[Any, ...]],
        weights: Sequence[int],
        progress: Callable[[int], None],
    ) -> list[R]:
        wrapped = [(self.marker, function, *task) for task in tasks]
        return self.inner.run(_dies_at_its_first_commit, wrapped, weights, progress)


def test_a_worker_killed_mid_partition_has_it_run_again_and_written_once(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    population.build(engine, tmp_path / "pack")
    second = publish_raised_cap(engine, tmp_path)
    marker = tmp_path / "killed-once"
    with dask_runner(2) as runner:  # worker processes, so that one can die
        done = reaudit.run_reaudit(
            db_url,
            version_id=second,
            actor="r",
            now=population.NOW,
            partition=4,
            runner=_FirstCommitKills(runner, marker),
        )
    assert marker.exists(), "no task ran the kill"
    stored = decisions(engine)
    assert done.decisions == len(stored) == len(set(stored)) > 0
    assert verified(engine)[1] == []
    # a run after it finds nothing left to do: the killed partition was done by another worker
    again = reaudit.run_reaudit(
        db_url, version_id=second, actor="r", now=population.NOW, partition=4
    )
    assert again.decisions == done.decisions and decisions(engine) == stored
