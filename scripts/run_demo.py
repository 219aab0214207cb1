"""The demo bank, served: upgrade the database, seed it (``creditbank.service.demo``), print
one key per role and the URLs, and serve the API with uvicorn until stopped (``scripts/run``).

Demo secrets live in ``.creditbank-demo/`` at the repository root: the API keys (kept in
plain text so that each run prints the same ones) and, when ``CREDITBANK_ISSUER_KEY`` is
unset, an issuer signing key. They open a demo database on loopback and nothing else.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path

import uvicorn

from api.main import create_app
from creditbank.config import Settings
from creditbank.errors import CreditBankError
from creditbank.service import demo, signing_keys
from creditbank.store import migrate
from creditbank.store.session import make_engine

ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = ROOT / ".creditbank-demo"
NOTICE = (
    "DEMO ONLY. The files here were made by scripts/run for a demo bank on loopback: the API\n"
    "keys are kept in plain text and the issuer key signs credentials no one should trust.\n"
    "Delete this folder (and the demo database) to start afresh.\n"
)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=os.environ.get("CREDITBANK_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("CREDITBANK_PORT", "8000")))
    parser.add_argument(
        "--no-serve", action="store_true", help="seed and print the keys, then stop"
    )
    return parser.parse_args()


def private_file(path: Path, text: str) -> None:
    """Write ``text`` readable by its owner only."""
    path.parent.mkdir(mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)


def issuer_key(settings: Settings) -> Settings:
    """The settings with an issuer key: the configured one, else the demo's own."""
    if settings.issuer_key is not None:
        return settings
    path = DEMO_DIR / "issuer-demo.key"
    if not path.exists():
        private_file(DEMO_DIR / "README.txt", NOTICE)
        signing_keys.create_key_files(path)
        print(f"==> demo: made an issuer key {path.relative_to(ROOT)} (demo only)")
    return settings.model_copy(update={"issuer_key": path})


def api_keys(settings: Settings, now: dt.datetime) -> dict[str, str]:
    """The demo keys, stored ones reused while the bank accepts them."""
    path = DEMO_DIR / "api-keys.json"
    stored = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    engine = make_engine(settings.database_url)
    try:
        found, made = demo.demo_keys(engine, stored, now)
    finally:
        engine.dispose()
    if made:
        private_file(DEMO_DIR / "README.txt", NOTICE)
        private_file(path, json.dumps(found, indent=2) + "\n")
        print(f"==> demo: made new keys for {', '.join(made)} (kept in {path.relative_to(ROOT)})")
    else:
        print(f"==> demo: the keys of the last run still work ({path.relative_to(ROOT)})")
    return found


def seed(settings: Settings, now: dt.datetime) -> None:
    print(f"==> database {settings.database_url}: upgrading to the latest schema")
    migrate.upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        report = demo.seed(
            engine,
            packs=sorted(p for p in (ROOT / "rules").iterdir() if (p / "pack.yaml").exists()),
            learner_files=sorted((ROOT / "scripts" / "examples").glob("learner-*.json")),
            now=now,
        )
    finally:
        engine.dispose()
    for line in report.added:
        print(f"    added: {line}")
    if report.present:
        print(f"    already there, nothing added: {len(report.present)} item(s)")


def main() -> int:
    args = arguments()
    settings = Settings()
    now = dt.datetime.now(dt.UTC)
    try:
        seed(settings, now)
        settings = issuer_key(settings)
        found = api_keys(settings, now)
    except CreditBankError as exc:
        print(f"scripts/run: {exc}", file=sys.stderr)
        return 1
    base = f"http://{args.host}:{args.port}"
    print("==> demo keys, one per role (paste these lines into the shell for the README's walk):")
    for name, key in found.items():
        role, scope = demo.CALLERS[name]
        print(f"export {name}={key}    # {role}{f' {scope}' if scope else ''}")
    print(f"export CB={base}/v1")
    print(f"==> web pages {base}/web/  (sign in with a learner, institution or policy key above)")
    print(f"==> docs {base}/docs   OpenAPI {base}/openapi.json")
    print(f"    try  {base}/v1/programmes   {base}/v1/health")
    if args.no_serve:
        return 0
    print(f"==> serving on {base} until stopped (Ctrl-C)")
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info")
    return 0


if __name__ == "__main__":
    sys.exit(main())
