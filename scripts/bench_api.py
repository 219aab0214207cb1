"""The API under load: requests/s and p50/p99 latency under concurrent clients on loopback for
an equivalence query, a statement read and a learner's (what-if) audit, next to the floor, a
constant endpoint of the same app (/v1/health), measured in the same run.

The bank is the demo of scripts/run (the sample packs, the example learners), in a temporary
SQLite database, served by uvicorn in a child process on a free port. Each measure is a bounded
async httpx loop: ``--requests`` per endpoint and run, stopped early at ``--seconds``; each
figure is the median over ``--runs``. The audit is a what-if (the same engine work as a stored
audit, nothing written), so that 50 clients auditing one learner do not just queue on its
account's ledger.

    .venv/bin/python scripts/bench_api.py [--clients 50] [--requests 2000] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from creditbank.service import demo
from creditbank.store import migrate
from creditbank.store.session import make_engine

ROOT = Path(__file__).resolve().parent.parent
PROGRAMME = "ouc-mechatronics-associate"
LEARNER = demo.ENROLMENT[0]
ENDPOINTS: dict[str, tuple[str, str, dict[str, Any] | None, str | None]] = {
    "floor: GET /v1/health": ("GET", "/v1/health", None, None),
    "equivalence: GET /v1/equivalence/from": (
        "GET",
        f"/v1/equivalence/from?programme={PROGRAMME}&course=hnmvc:JD1101&date=2026-09-01",
        None,
        None,
    ),
    "statement: GET /v1/learners/{id}/statement": (
        "GET",
        f"/v1/learners/{LEARNER}/statement",
        None,
        "LEARNER_KEY",
    ),
    "audit: POST /v1/learners/{id}/audits/what-if": (
        "POST",
        f"/v1/learners/{LEARNER}/audits/what-if",
        {"programme": PROGRAMME, "date": "2026-09-01"},
        "LEARNER_KEY",
    ),
}
GOALS = "goals: equivalence >= 0.5x the floor's requests/s and p99 < 50 ms; audit p99 < 100 ms"


@dataclass(frozen=True)
class Measure:
    rate: float
    p50_ms: float
    p99_ms: float
    errors: int


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def seed(url: str) -> dict[str, str]:
    """The demo bank in ``url``; the demo keys."""
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        now = dt.datetime.now(dt.UTC)
        demo.seed(
            engine,
            packs=sorted(p for p in (ROOT / "rules").iterdir() if (p / "pack.yaml").exists()),
            learner_files=sorted((ROOT / "scripts" / "examples").glob("learner-*.json")),
            now=now,
        )
        return demo.demo_keys(engine, {}, now)[0]
    finally:
        engine.dispose()


def serve(url: str, port: int) -> subprocess.Popen[bytes]:
    """uvicorn over the bank, in a child process; returns once it answers."""
    env = {**os.environ, "CREDITBANK_DATABASE_URL": url}
    command = [sys.executable, "-m", "uvicorn", "--factory", "api.main:create_app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    server = subprocess.Popen(command, env=env, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("uvicorn did not answer within 60 s")


async def load(
    base: str, request: tuple[str, str, dict[str, Any] | None, dict[str, str]], args: Any
) -> Measure:
    """``args.requests`` requests from ``args.clients`` concurrent clients, or fewer if
    ``args.seconds`` pass first."""
    method, path, body, headers = request
    latencies: list[float] = []
    errors = 0
    remaining = args.requests
    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        for _ in range(min(args.clients, 20)):  # warm the connections and caches
            await client.request(method, path, json=body, headers=headers)
        start = time.perf_counter()
        stop = start + args.seconds

        async def one_client() -> None:
            nonlocal remaining, errors
            while remaining > 0 and time.perf_counter() < stop:
                remaining -= 1
                sent = time.perf_counter()
                try:
                    answer = await client.request(method, path, json=body, headers=headers)
                except httpx.TransportError:  # a dropped connection is an error, counted
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - sent)
                errors += answer.status_code >= 300

        await asyncio.gather(*(one_client() for _ in range(args.clients)))
        elapsed = time.perf_counter() - start
    latencies.sort()
    return Measure(
        rate=len(latencies) / elapsed,
        p50_ms=1000 * latencies[len(latencies) // 2],
        p99_ms=1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        errors=errors,
    )


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2000, help="per endpoint and run")
    parser.add_argument("--seconds", type=float, default=20.0, help="cap per endpoint and run")
    parser.add_argument("--runs", type=int, default=3)
    return parser.parse_args()


def main() -> int:
    args = arguments()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        print(f"seeding the demo bank in {url} ...", flush=True)
        keys = seed(url)
        port = free_port()
        server = serve(url, port)
        base = f"http://127.0.0.1:{port}"
        measures: dict[str, list[Measure]] = {name: [] for name in ENDPOINTS}
        try:
            for run in range(1, args.runs + 1):
                for name, (method, path, body, key) in ENDPOINTS.items():
                    headers = {"Authorization": f"Bearer {keys[key]}"} if key else {}
                    found = asyncio.run(load(base, (method, path, body, headers), args))
                    measures[name].append(found)
                    print(
                        f"run {run}/{args.runs} {name}: {found.rate:.0f} req/s, "
                        f"p50 {found.p50_ms:.1f} ms, p99 {found.p99_ms:.1f} ms, "
                        f"{found.errors} errors",
                        flush=True,
                    )
        finally:
            server.terminate()
            server.wait(10)
    report(measures, args)
    return 0


def report(measures: dict[str, list[Measure]], args: argparse.Namespace) -> None:
    print(f"\nmedians of {args.runs} runs, {args.clients} concurrent clients on loopback:")
    medians = {
        name: Measure(
            statistics.median(m.rate for m in found),
            statistics.median(m.p50_ms for m in found),
            statistics.median(m.p99_ms for m in found),
            sum(m.errors for m in found),
        )
        for name, found in measures.items()
    }
    floor = medians["floor: GET /v1/health"].rate
    for name, m in medians.items():
        print(
            f"  {name:<46} {m.rate:7.0f} req/s ({m.rate / floor:4.2f}x floor)  "
            f"p50 {m.p50_ms:6.1f} ms  p99 {m.p99_ms:6.1f} ms  errors {m.errors}"
        )
    print(GOALS)


if __name__ == "__main__":
    sys.exit(main())
