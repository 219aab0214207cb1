"""The README's walkthrough, run as written: its shell block is read command by command, each
curl line becomes the same request to the app over the demo bank that scripts/run seeds, and
each ``| python3 -c`` runs on the answer, so a walkthrough that drifts from the API fails."""

from __future__ import annotations

import datetime as dt
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from creditbank.config import Settings
from creditbank.service import demo, signing_keys
from creditbank.store.session import make_engine
from tests.store.conftest import db_url

__all__ = ["db_url"]

ROOT = Path(__file__).resolve().parents[2]
HEADING = "### From a batch to an explained audit"
ASSIGN = re.compile(r"^([A-Z_]+)=(.*)$", re.S)
CAPTURE = re.compile(r"^\$\((.*)\)$", re.S)
VARIABLE = re.compile(r"\$\{?([A-Z_]+)\}?")


def walkthrough() -> list[str]:
    """The block's commands: continuation lines joined, comments and blank lines left out."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index(HEADING) :]
    block = section[section.index("```sh\n") + 6 :]
    block = block[: block.index("```")]
    joined = block.replace("\\\n", " ")
    return [c for c in joined.splitlines() if c.strip() and not c.startswith("#")]


def expand(word: str, env: dict[str, str]) -> str:
    return VARIABLE.sub(lambda m: env[m.group(1)], word)


def curl(client: TestClient, words: list[str], env: dict[str, str]) -> httpx.Response:
    """The request a curl command line sends (only the flags the walkthrough may use)."""
    method, headers, data, url = "GET", {}, None, None
    items = iter(expand(w, env) for w in words[1:])
    for word in items:
        if word == "-s":
            continue
        if word == "-X":
            method = next(items)
        elif word == "-H":
            name, _, value = next(items).partition(":")
            headers[name.strip()] = value.strip()
        elif word == "-d":
            data = next(items).encode("utf-8")
        elif url is None and word.startswith("http"):
            url = word
        else:
            pytest.fail(f"the walkthrough uses a curl word this test does not read: {word!r}")
    assert url is not None, "a curl command without a URL"
    return client.request(method, url, headers=headers, content=data)


def run(client: TestClient, command: str, env: dict[str, str]) -> str:
    """Run one pipeline (curl, then any ``python3 -c`` stages); its output."""
    stages = [shlex.split(s) for s in split_pipes(command)]
    assert stages[0][0] == "curl", f"a command that is not curl: {command}"
    answer = curl(client, stages[0], env)
    assert answer.status_code < 300, f"{command}\n-> {answer.status_code} {answer.text}"
    output = answer.text
    for stage in stages[1:]:
        assert stage[:2] == ["python3", "-c"], f"a pipe into something else: {stage}"
        done = subprocess.run(
            [sys.executable, "-c", stage[2]], input=output, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        output = done.stdout
    return output


def split_pipes(command: str) -> list[str]:
    """The command's stages: ``|`` outside quotes separates them."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars="|")
    lexer.whitespace_split = True
    stages: list[list[str]] = [[]]
    for token in lexer:
        if token == "|":
            stages.append([])
        else:
            stages[-1].append(shlex.quote(token))
    return [" ".join(s) for s in stages]


@pytest.fixture
def served(db_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    engine = make_engine(db_url)
    now = dt.datetime.now(dt.UTC)
    demo.seed(
        engine,
        packs=[ROOT / "rules" / demo.PACK],
        learner_files=sorted((ROOT / "scripts" / "examples").glob("learner-*.json")),
        now=now,
    )
    env, _ = demo.demo_keys(engine, {}, now)
    engine.dispose()
    issuer_key = tmp_path / "issuer.key"
    signing_keys.create_key_files(issuer_key)
    app = create_app(Settings(database_url=db_url, issuer_key=issuer_key))
    with TestClient(app) as client:
        yield client, {**env, "CB": "http://testserver/v1"}


def test_the_readme_walkthrough_runs_as_written(
    served: tuple[TestClient, dict[str, str]],
) -> None:
    client, env = served
    outputs = []
    for command in walkthrough():
        assigned = ASSIGN.match(command)
        if assigned is None:
            outputs.append(run(client, command, env))
            continue
        name, value = assigned.groups()
        captured = CAPTURE.match(value)
        env[name] = (
            run(client, captured.group(1), env).strip() if captured else shlex.split(value)[0]
        )
    assert env["OUTCOME"].isdigit()
    verified, zh, en, statement, badges = outputs[1:]
    assert '"status":"verified"' in verified
    assert "mecha.xj-machining-basics.partial" in zh and "认定为课程51304" in zh
    assert "Course 51304 Fundamentals of Mechanical Manufacturing (2 credits" in en
    assert "XJ-HR-2025-0630" in statement
    assert "OpenBadgeCredential" in badges
