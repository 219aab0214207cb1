"""Impact and re-audit on Dask distributed give what the single-process path gives
(issue 16): a small LocalCluster in this process, a few learners."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from sqlalchemy import Engine

from creditbank.service import impact, reaudit
from creditbank.service.fanout import YOUNG_THRESHOLD, LocalRunner, dask_runner
from tests.store import population
from tests.store.test_reaudit import decisions, publish_raised_cap


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
