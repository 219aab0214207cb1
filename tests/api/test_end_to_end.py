"""End to end through real HTTP: uvicorn serves the app on a free loopback port; a batch is
sent twice with one key (stored once), then at once from several processes (stored once), an
institution verifies, the learner is audited, the decision re-run to its digest, and the ledger
verified."""

from __future__ import annotations

import itertools
import json
import multiprocessing
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import select

from creditbank.service import integrity
from creditbank.store.session import session_scope
from creditbank.store.tables import Batch, OutcomeRow
from tests.api.conftest import Api

SENDERS = 4


@pytest.fixture
def served(api: Api) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = api.client.app
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_a_batch_to_a_verified_ledger_over_http(api: Api, served: str) -> None:
    def auth(caller: str) -> dict[str, str]:
        return api.auth(caller)

    with httpx.Client(base_url=served, timeout=30) as http:
        rows = [{"learner": "L1", "external_id": "e2e-1", "date": "2023-09-01", "hours": 32}]
        headers = {**auth("enterprise"), "Idempotency-Key": "e2e"}
        first = http.post("/v1/batches", json=rows, headers=headers)
        again = http.post("/v1/batches", json=rows, headers=headers)
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json()["batch_id"] == first.json()["batch_id"] and again.json()["replayed"]
        outcome = first.json()["rows"][0]["outcome"]

        verified = http.post(
            f"/v1/institution/outcomes/{outcome}/verify", json={}, headers=auth("institution")
        )
        assert verified.json()["status"] == "verified"

        audit = http.post(
            "/v1/learners/L1/audits",
            json={"programme": "mech", "date": "2024-01-01"},
            headers=auth("learner"),
        )
        assert audit.status_code == 201, audit.text
        decision = audit.json()
        assert "acme:e2e-1" in json.dumps(decision["decision"])  # granted or explained unused

        rerun = http.post(
            f"/v1/learners/L1/decisions/{decision['id']}/rerun", headers=auth("learner")
        ).json()
        assert rerun["reproduced"] and rerun["recomputed_digest"] == decision["digest"]

        ledger = http.get("/v1/learners/L1/ledger", headers=auth("learner")).json()["items"]
        assert [e["kind"] for e in ledger][-1] == "transfer"
        assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(ledger))
    report = integrity.verify_bank(api.bank.engine)
    assert not report.problems


def send_batch(url: str, key: str, rows: list[dict[str, object]], start: Any, out: Any) -> None:
    """One sender process: wait for the others, send the batch, report status and answer."""
    start.wait(60)
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": "concurrent"}
    answer = httpx.post(f"{url}/v1/batches", json=rows, headers=headers, timeout=60)
    out.put((answer.status_code, answer.json()))


def test_a_batch_sent_at_once_from_several_processes_is_stored_once(api: Api, served: str) -> None:
    rows = [
        {"learner": "L1", "external_id": f"par-{i}", "date": "2023-09-01", "hours": 8}
        for i in range(3)
    ]
    context = multiprocessing.get_context("spawn")
    start, out = context.Barrier(SENDERS), context.Queue()
    senders = [
        context.Process(target=send_batch, args=(served, api.keys["enterprise"], rows, start, out))
        for _ in range(SENDERS)
    ]
    for sender in senders:
        sender.start()
    answers = [out.get(timeout=120) for _ in senders]
    for sender in senders:
        sender.join(30)
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * (SENDERS - 1) + [201], answers
    assert len({a["batch_id"] for _, a in answers}) == 1
    assert sum(not a["replayed"] for _, a in answers) == 1
    with session_scope(api.bank.engine, read_only=True) as session:
        batches = session.scalars(select(Batch).where(Batch.idempotency_key == "concurrent"))
        stored = session.scalars(
            select(OutcomeRow.external_id).where(OutcomeRow.external_id.like("par-%"))
        )
        assert (len(batches.all()), sorted(stored)) == (1, ["par-0", "par-1", "par-2"])
    assert not integrity.verify_bank(api.bank.engine).problems
