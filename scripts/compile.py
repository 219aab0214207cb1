"""Build (or remove) the optional compiled engine: the engine's modules compiled by mypyc.

    .venv/bin/python scripts/compile.py           # needs a C compiler and Python's headers
    .venv/bin/python scripts/compile.py --clean   # back to pure Python

The compiled build gives the same decisions, byte for byte, as pure Python (scripts/test runs
the engine's tests on both), about 1.8x faster. Nothing needs it: without a C compiler, or
after ``--clean``, everything runs pure Python. The extension modules sit next to their
sources; ``creditbank/compiled.json`` keeps the sources' digests, and importing creditbank
refuses a build whose sources changed since (``creditbank/compiled.py``). ``--into DIR``
copies the working tree to DIR and builds there, leaving this tree as it is.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "creditbank"


def _guard() -> ModuleType:
    """``creditbank/compiled.py`` on its own: importing it through the package would run the
    check it makes, and refuse the very tree being rebuilt."""
    spec = importlib.util.spec_from_file_location("compiled_guard", ROOT / PACKAGE / "compiled.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GUARD = _guard()
SUFFIX: str = GUARD.SUFFIX
RUNTIME_GROUP = "creditbank.compiled"
"""The shared library's module name: inside the package, so an editable install finds it."""

NOT_COMPILED = {"__init__.py", "decision.py", "trace.py"}
"""Engine modules left to Python: trace's rule references are pydantic models, which mypyc
does not compile; pydantic reads the decision's dataclasses (``TypeAdapter(Decision)`` loads
stored decisions) and, compiled, no longer sees their annotations' serialisers (tried: the
mappings came out unsorted), so the parts without a mapping are in ``decision_parts.py``,
compiled; the package's __init__ has nothing to speed up."""

EXTRA = ["creditbank/ruleset/ruleset.py"]
"""The rule set's date views: every audit asks them what is in force."""

COPY_IGNORED = shutil.ignore_patterns(
    ".git", ".venv", "build", "__pycache__", ".*_cache", ".hypothesis", "*.so", "test-artifacts"
)


def modules(root: Path) -> list[str]:
    engine = sorted(
        p for p in (root / PACKAGE / "engine").glob("*.py") if p.name not in NOT_COMPILED
    )
    return [p.relative_to(root).as_posix() for p in engine] + EXTRA


WORK = "build/compiled"
"""mypyc's C files and the compiler's objects: kept between builds, so that a rebuild after a
small change compiles only what changed."""


def clean(root: Path, work_too: bool = True) -> int:
    """Remove every extension module of the package and the manifest (and with ``work_too``,
    the build's work files); return how many files of the package."""
    removed = list((root / PACKAGE).rglob(f"*{SUFFIX}"))
    manifest = root / PACKAGE / GUARD.MANIFEST_NAME
    if manifest.exists():
        removed.append(manifest)
    for path in removed:
        path.unlink()
    if work_too:
        shutil.rmtree(root / WORK, ignore_errors=True)
    return len(removed)


def what_is_missing() -> str:
    """What this machine lacks to build the compiled engine ("" when nothing)."""
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        return f"no C compiler ({compiler}); pure Python runs without it"
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").is_file():
        return "no Python headers (Python.h; Debian: python3-dev); pure Python runs without them"
    if importlib.util.find_spec("mypyc") is None:
        return "mypyc is missing: it comes with mypy in the dev tools (scripts/test)"
    return ""


SETUP = """
import sys
from setuptools import setup
from mypyc.build import mypycify

setup(
    name="creditbank-compiled",
    packages=[],
    py_modules=[],
    ext_modules=mypycify(sys.argv[1:], group_name={group!r}, target_dir="{work}/c"),
    script_args=[
        "-q", "build_ext", "--inplace", "-j", "{jobs}",
        "--build-temp", "{work}/temp", "--build-lib", "{work}/lib",
    ],
)
"""


def build(root: Path, jobs: int) -> None:
    sources = modules(root)
    clean(root, work_too=False)
    print(f"==> mypyc: {len(sources)} modules to C, then C to extension modules ({jobs} jobs)")
    started = time.perf_counter()
    script = SETUP.format(group=RUNTIME_GROUP, jobs=jobs, work=WORK)
    result = subprocess.run(
        [sys.executable, "-c", script, *sources],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        print(result.stdout[-4000:], result.stderr[-4000:], sep="\n", file=sys.stderr)
        clean(root)
        sys.exit(
            f"compile.py: the build failed (exit {result.returncode}); the tree is pure Python"
        )
    manifest = {  # what GUARD.compiled_modules reads back
        "sources": {s: GUARD.digest(root / s) for s in sources},
        "runtime": RUNTIME_GROUP.rsplit(".", 1)[1] + "__mypyc" + SUFFIX,
    }
    (root / PACKAGE / GUARD.MANIFEST_NAME).write_text(
        json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    check = subprocess.run(
        [sys.executable, "-c", "from creditbank.compiled import build_name; print(build_name())"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if check.returncode != 0:
        print(check.stderr[-4000:], file=sys.stderr)
        clean(root)
        sys.exit("compile.py: the compiled modules do not import; the tree is pure Python")
    print(f"==> {check.stdout.strip()} in {time.perf_counter() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clean", action="store_true", help="remove the compiled build")
    parser.add_argument(
        "--into", type=Path, help="copy the working tree to this directory and build there"
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--can-build", action="store_true", help="only say whether this machine can build it"
    )
    args = parser.parse_args()
    root = ROOT
    if args.clean:
        print(f"==> removed {clean(root)} files: pure Python")
        return
    missing = what_is_missing()
    if missing:
        sys.exit(f"compile.py: {missing}")
    if args.can_build:
        print("the compiled engine can be built here")
        return
    if args.into:
        shutil.copytree(ROOT, args.into, ignore=COPY_IGNORED, dirs_exist_ok=True)
        root = args.into.resolve()
    build(root, args.jobs)


if __name__ == "__main__":
    main()
