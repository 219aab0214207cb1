"""Running partitions of work: in this process (``--local``), or on Dask distributed, a
LocalCluster of one worker process per core by default, or the scheduler named by
``CREDITBANK_DASK_SCHEDULER`` for a cluster.

Tasks carry only small arguments (the database URL, ids, bounds); each worker opens its own
engine once (``engine_for``) and reads its partition itself, so nothing large passes
through the scheduler. A task whose worker dies is run again by Dask on another worker, so
partition functions that write must write each partition at most once themselves.
"""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar
from uuid import uuid4

from sqlalchemy import Engine

from creditbank.store.session import make_engine

R = TypeVar("R")
SCHEDULER_VARIABLE = "CREDITBANK_DASK_SCHEDULER"

_ENGINES: dict[str, Engine] = {}


def engine_for(url: str) -> Engine:
    """This process's engine for ``url``, made once (a worker reuses its connections)."""
    engine = _ENGINES.get(url)
    if engine is None:
        engine = _ENGINES[url] = make_engine(url)
    return engine


YOUNG_THRESHOLD = 50_000
"""Allocations between two young collections while a task runs (Python's default is 700).

A partition audits thousands of learners, each audit making tens of thousands of
short-lived objects that reference counting frees; at the default, the collector also
walks the rule sets' objects again and again, 7-8% of an impact's time
(scripts/bench_population.py)."""


class _RarerCollections:
    """Holds the collector's young threshold at :data:`YOUNG_THRESHOLD` while any task runs
    in this process (tasks may run in threads side by side), and puts the thresholds back
    when the last one ends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._before = gc.get_threshold()

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._lock:
            if not self._running:
                self._before = gc.get_threshold()
                gc.set_threshold(max(YOUNG_THRESHOLD, self._before[0]), *self._before[1:])
            self._running += 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1
                if not self._running:
                    gc.set_threshold(*self._before)


_RARER = _RarerCollections()


def run_task(function: Callable[..., R], *task: Any) -> R:
    """``function(*task)`` with young collections rarer (:data:`YOUNG_THRESHOLD`)."""
    with _RARER.held():
        return function(*task)


class Runner(Protocol):
    def run(
        self,
        function: Callable[..., R],
        tasks: Sequence[tuple[Any, ...]],
        weights: Sequence[int],
        progress: Callable[[int], None],
    ) -> list[R]:
        """``function(*task)`` for each task, results in task order; ``progress(weight)``
        as each task ends."""
        ...


class LocalRunner:
    """Every task in this process, one after the other."""

    def run(
        self,
        function: Callable[..., R],
        tasks: Sequence[tuple[Any, ...]],
        weights: Sequence[int],
        progress: Callable[[int], None],
    ) -> list[R]:
        results = []
        for task, weight in zip(tasks, weights, strict=True):
            results.append(run_task(function, *task))
            progress(weight)
        return results


class DaskRunner:
    """Tasks on a Dask distributed client, gathered as they complete."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def run(
        self,
        function: Callable[..., R],
        tasks: Sequence[tuple[Any, ...]],
        weights: Sequence[int],
        progress: Callable[[int], None],
    ) -> list[R]:
        from distributed import as_completed

        futures = [
            self.client.submit(run_task, function, *task, key=f"{function.__name__}-{uuid4()}")
            for task in tasks
        ]
        index = {f.key: i for i, f in enumerate(futures)}
        results: list[Any] = [None] * len(futures)
        for future in as_completed(futures):
            i = index[future.key]
            results[i] = future.result()
            progress(weights[i])
        return results


@contextmanager
def dask_runner(workers: int | None = None, *, processes: bool = True) -> Iterator[DaskRunner]:
    """A runner on the scheduler named by ``CREDITBANK_DASK_SCHEDULER``, else on a new
    LocalCluster of ``workers`` single-threaded workers (default: one per core), stopped
    when the block ends."""
    from distributed import Client, LocalCluster

    address = os.environ.get(SCHEDULER_VARIABLE)
    if address:
        with Client(address) as client:
            yield DaskRunner(client)
        return
    with (
        LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=processes,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield DaskRunner(client)
