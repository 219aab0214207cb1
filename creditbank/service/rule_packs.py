"""Rule directories sent as a zip file (policy staff's uploads): checked, stored as a draft,
or their tests run, exactly as ``creditbank rules check|test`` and ``versions load`` read a
directory on disk.

The archive is unpacked into a private temporary directory, within limits (entries, bytes,
each file's size as the rule loader allows) and refusing any name that would land outside it,
so a hostile archive cannot fill the disk or write elsewhere. A zip holding one folder is read
from inside that folder.
"""

from __future__ import annotations

import datetime as dt
import io
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import Engine

from creditbank.errors import Finding, InputInvalid, RuleSetInvalid
from creditbank.ruleset.loader import check_rules, read_sources
from creditbank.service.rule_tests import case_files, read_cases, run_case
from creditbank.service.rulesets import store_draft
from creditbank.store.tables import RuleSetVersion

MAX_ENTRIES = 2000
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
"""All files together: twenty times the largest rule file the loader reads."""


@contextmanager
def unpacked(data: bytes) -> Iterator[Path]:
    """The rule directory inside a zip archive, unpacked for the duration of the block."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InputInvalid([("file", "not a zip archive; zip the rule directory")]) from None
    with archive, tempfile.TemporaryDirectory(prefix="creditbank-pack-") as tmp:
        root = Path(tmp)
        files = [i for i in archive.infolist() if not i.is_dir()]
        _check_limits(files)
        for info in files:
            if stat.S_ISLNK(info.external_attr >> 16):
                continue  # a link could point anywhere; rules are plain files
            _extract(archive, info, root)
        entries = [p for p in root.iterdir() if not p.name.startswith(("__MACOSX", "."))]
        yield entries[0] if len(entries) == 1 and entries[0].is_dir() else root


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, root: Path) -> None:
    """Write one entry under ``root``; an entry that cannot be read or written (encrypted,
    damaged, a name too long, a file where a folder is) is the sender's error, named."""
    if info.flag_bits & 0x1:
        raise InputInvalid(
            [(info.filename, "an encrypted entry; zip the rules without a password")]
        )
    target = root.joinpath(*PurePosixPath(info.filename).parts)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(info) as source:
            content = source.read(MAX_UNPACKED_BYTES + 1)
        target.write_bytes(content)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, zlib.error) as exc:
        raise InputInvalid([(info.filename, f"cannot be unpacked: {exc}")]) from None
    except OSError as exc:
        raise InputInvalid([(info.filename, f"cannot be written: {exc.strerror or exc}")]) from None


def _check_limits(files: list[zipfile.ZipInfo]) -> None:
    if len(files) > MAX_ENTRIES:
        raise InputInvalid([("file", f"{len(files)} files; a rule pack has at most {MAX_ENTRIES}")])
    total = sum(i.file_size for i in files)
    if total > MAX_UNPACKED_BYTES:
        message = f"{total:,} bytes unpacked; a rule pack has at most {MAX_UNPACKED_BYTES:,}"
        raise InputInvalid([("file", message)])
    for info in files:
        path = PurePosixPath(info.filename.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or not path.parts:
            raise InputInvalid([(info.filename, "a file name outside the rule directory")])


def findings_of(data: bytes) -> list[Finding]:
    """Every error and warning the checker finds in the zipped rule directory."""
    with unpacked(data) as root:
        return list(check_rules(root).findings)


def upload_draft(
    engine: Engine, data: bytes, *, actor: str, now: dt.datetime
) -> tuple[RuleSetVersion, list[Finding]]:
    """Store the zipped rule directory as a draft (the version with its digest if stored
    already) with the checker's warnings; refused with every error if it has any."""
    with unpacked(data) as root:
        report = check_rules(root)
        if report.ruleset is None:
            raise RuleSetInvalid(report.findings)
        sources = read_sources(root)
    version = store_draft(engine, sources=sources, ruleset=report.ruleset, actor=actor, now=now)
    return version, list(report.findings)


@dataclass(frozen=True)
class TestRun:
    passed: int
    failed: int
    problems: list[str]
    cases: list[dict[str, Any]]


def run_tests(data: bytes) -> TestRun:
    """Run the worked cases under the zipped pack's tests/ against its rules."""
    with unpacked(data) as root:
        report = check_rules(root)
        if report.ruleset is None:
            raise RuleSetInvalid(report.findings)
        problems: list[str] = []
        cases: list[dict[str, Any]] = []
        for file in case_files(root):
            loaded = read_cases(file, file.relative_to(root).as_posix())
            problems += loaded.problems
            for location, case in loaded.cases:
                result = run_case(report.ruleset, location, case)
                cases.append(
                    {
                        "name": case.name,
                        "at": str(location),
                        "passed": result.passed,
                        "failures": list(result.failures),
                    }
                )
    passed = sum(c["passed"] for c in cases)
    return TestRun(passed, len(cases) - passed + len(problems), problems, cases)
