"""Instructions per audit, counted by valgrind's callgrind: a figure the machine's load does not
move, to compare two builds or two commits on a shared machine, where bench_engine's audits
per second vary by a third from one run to the next.

The worker loads bench_engine's workload (about 2,000 rules, 30-outcome learners against one
40-course programme) and audits ``--warm`` learners (by default each of its 200 once, so that
the counted audits meet the indexes a long run has warm), then ``--audits`` more. It runs
twice under callgrind, with and without the extra audits (at once: one core each); the
difference of the two totals, divided by ``--audits``, is what one audit costs, whatever
loading and warming up cost. valgrind runs SHA-256 without the CPU's SHA instructions, so sealing counts for more
than it costs (about 0.8 M instructions an audit); both sides of a comparison pay it alike.

    .venv/bin/python scripts/bench_instructions.py [--audits 400] [--warm 200]

Needs valgrind (Debian's package ``valgrind``); about two minutes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_engine import learner, write_workload

from creditbank.compiled import build_name
from creditbank.engine.audit import compute_audit
from creditbank.ruleset.loader import load_ruleset

LEARNERS = 200


def audit_workload(audits: int) -> None:
    """The worker: the workload, then ``audits`` audits (cycling over its learners)."""
    rnd = random.Random(20261123)
    with tempfile.TemporaryDirectory() as tmp:
        write_workload(Path(tmp), rnd)
        ruleset = load_ruleset(Path(tmp))
    on = dt.date(2026, 9, 1)
    learners = [learner(rnd) for _ in range(LEARNERS)]
    for i in range(audits):
        compute_audit(ruleset, learners[i % LEARNERS], "prog00", on)


def counted(valgrind: str, audits: int, out: Path) -> subprocess.Popen[str]:
    """This script's worker under callgrind, started (its report on stderr)."""
    command = [
        valgrind,
        "--tool=callgrind",
        f"--callgrind-out-file={out}",
        sys.executable,
        __file__,
        "--worker",
        str(audits),
    ]
    fixed_hashes = {**os.environ, "PYTHONHASHSEED": "0"}  # set orders, so counts, repeat
    return subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=fixed_hashes
    )


def total_of(run: subprocess.Popen[str]) -> int:
    """The instructions callgrind counted in a finished run ("Collected : N")."""
    _, report = run.communicate()
    found = re.search(r"Collected : (\d+)", report)
    if run.returncode != 0 or found is None:
        raise SystemExit(f"the run under callgrind failed:\n{report[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--audits", type=int, default=400, help="audits counted")
    parser.add_argument("--warm", type=int, default=LEARNERS, help="audits before them")
    parser.add_argument("--worker", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        audit_workload(args.worker)
        return
    if args.audits < 1 or args.warm < 0:
        raise SystemExit("--audits counts at least one audit, and --warm none or more")
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("bench_instructions needs valgrind: apt-get install valgrind")
    print(f"engine: {build_name()}")
    print(
        f"counting {args.warm} and {args.warm + args.audits} audits under callgrind "
        "(about two minutes) ...",
        file=sys.stderr,
    )
    with tempfile.TemporaryDirectory() as tmp:
        runs = [
            counted(valgrind, n, Path(tmp) / f"{n}.out")
            for n in (args.warm, args.warm + args.audits)
        ]
        base, more = (total_of(run) for run in runs)
    print(
        f"instructions per audit: {(more - base) / args.audits / 1e6:.3f} M "
        f"({args.audits} audits after {args.warm}; loading and warming up: {base / 1e9:.2f} G)"
    )


if __name__ == "__main__":
    main()
