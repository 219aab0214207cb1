"""Finds the rule sets (packs) in a folder, so that one command checks or tests each on its own.

A folder is one pack when a rule file directly in it holds the ``pack`` section (a file named
``pack.yaml``, or any ``*.yaml`` file with a top-level ``pack:`` key): the pack is that folder
and everything below it (see ``loader``). A folder that is not a pack is searched below,
recursively. A rule file or test file that falls in no pack is a finding, never left out
without a word; a folder with no pack at all below it is taken as one pack, so that checking it
says what is missing.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from creditbank.errors import Finding, Location, Severity
from creditbank.ruleset.loader import RULE_SUFFIXES, TESTS_FOLDER, UNREADABLE, read_rule_text

PACK_FILE_NAMES = {"pack.yaml", "pack.yml"}
_PACK_KEY = re.compile(r"""^(?:pack|'pack'|"pack")[ \t]*:""", re.MULTILINE)
NO_PACK = "rules.no_pack"


@dataclass(frozen=True)
class PackFolders:
    """The pack folders found under a path, and what was found outside every pack (files
    named relative to that path)."""

    packs: tuple[Path, ...]
    findings: tuple[Finding, ...] = ()


def find_packs(path: Path) -> PackFolders:
    """Every pack at or below ``path``, sorted; ``path`` alone when it is one, or holds none."""
    if not path.is_dir() or is_pack(path):
        return PackFolders((path,))
    packs: list[Path] = []
    strays: list[Path] = []
    findings: list[Finding] = []

    def unlisted(error: OSError) -> None:
        name = Path(error.filename or path).relative_to(path).as_posix()
        message = f"cannot list this folder ({error.strerror}); packs in it would be left out"
        findings.append(Finding(Severity.ERROR, UNREADABLE, message, Location(name)))

    for folder, dirs, names in os.walk(path, onerror=unlisted):
        here = Path(folder)
        if here != path and is_pack(here):
            packs.append(here)
            dirs[:] = []
            continue
        if TESTS_FOLDER in dirs:
            strays.extend(p for p in (here / TESTS_FOLDER).rglob("*") if _is_rule_file(p))
        dirs[:] = sorted(d for d in dirs if d != TESTS_FOLDER)
        strays.extend(here / n for n in names if _is_rule_file(here / n))
    if not packs:
        return PackFolders((path,), tuple(findings))
    findings.extend(_stray(path, file) for file in sorted(strays))
    return PackFolders(tuple(sorted(packs)), tuple(findings))


def is_pack(folder: Path) -> bool:
    """Whether a rule file directly in ``folder`` holds the ``pack`` section."""
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return False
    for file in entries:
        if not _is_rule_file(file):
            continue
        if file.name in PACK_FILE_NAMES:
            return True
        text = read_rule_text(file, file.name)
        if isinstance(text, str) and _PACK_KEY.search(text):
            return True
    return False


def _is_rule_file(path: Path) -> bool:
    return path.suffix in RULE_SUFFIXES and not path.is_dir()


def _stray(root: Path, file: Path) -> Finding:
    message = (
        "this file is in no pack: no folder from it up to the one given holds a 'pack' "
        "section, so no rule set reads it; move it into a pack's folder, or give its folder "
        "a pack.yaml"
    )
    return Finding(Severity.ERROR, NO_PACK, message, Location(file.relative_to(root).as_posix()))
