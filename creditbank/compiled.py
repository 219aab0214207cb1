"""Which build runs: pure Python, or the optional compiled engine (``scripts/compile.py``).

The compiled build (mypyc) puts an extension module next to each source it compiles, and
Python imports an extension before the source beside it. A compiled module older than its
source would silently run code that is no longer there, so importing ``creditbank`` refuses
such a tree: the manifest written by the build holds the digest of every compiled source,
and every extension module in the package must be in it, with its source unchanged. Only
extensions of this interpreter's ABI count: another Python's are not imported at all.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import json
from pathlib import Path

PACKAGE = Path(__file__).parent
MANIFEST_NAME = "compiled.json"
"""Written by ``scripts/compile.py`` beside this module: ``{"sources": {path: sha256}}``,
paths relative to the package's parent directory, and ``"runtime"``: the shared library's
file name (it has no source of its own)."""

SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]


class StaleBuild(ImportError):
    """Compiled modules that do not match their sources: rebuild, or remove them."""


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def compiled_modules(package: Path = PACKAGE) -> tuple[str, ...]:
    """The sources running compiled (paths relative to the package's parent), sorted; empty
    for pure Python. Raises :class:`StaleBuild` naming what does not match."""
    extensions = sorted(package.rglob(f"*{SUFFIX}"))
    if not extensions:
        return ()
    root = package.parent
    manifest_path = package / MANIFEST_NAME
    fix = "run scripts/compile.py again, or scripts/compile.py --clean for pure Python"
    if not manifest_path.is_file():
        raise StaleBuild(
            f"compiled modules without {manifest_path.relative_to(root)} "
            f"(e.g. {extensions[0].relative_to(root)}): {fix}"
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        sources: dict[str, str] = dict(manifest["sources"])
        runtime = str(manifest["runtime"])
    except (ValueError, KeyError, TypeError) as exc:
        raise StaleBuild(f"{manifest_path.relative_to(root)} is unreadable ({exc}): {fix}") from exc
    problems, compiled = [], []
    for extension in extensions:
        if extension.name == runtime:
            continue
        source = extension.with_name(extension.name.removesuffix(SUFFIX) + ".py")
        relative = source.relative_to(root).as_posix()
        if relative not in sources:
            problems.append(f"{extension.relative_to(root)} is not in {MANIFEST_NAME}")
        elif not source.is_file():
            problems.append(f"{relative} is gone")
        elif digest(source) != sources[relative]:
            problems.append(f"{relative} changed since it was compiled")
        compiled.append(relative)
    if problems:
        raise StaleBuild(f"stale compiled build: {'; '.join(problems)}: {fix}")
    return tuple(sorted(compiled))


def build_name() -> str:
    """One line for benchmarks and logs: which build this process runs."""
    modules = compiled_modules()
    return f"compiled (mypyc, {len(modules)} modules)" if modules else "pure Python"
