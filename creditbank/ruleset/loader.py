"""Reads a rule directory into a RuleSet, reporting every problem with file:line:column.

Each item of each section is validated on its own, so one broken rule neither hides the
errors of the others nor makes every reference to a valid rule look dangling.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from creditbank.errors import Finding, Location, RuleSetInvalid, Severity
from creditbank.ruleset import schema
from creditbank.ruleset.checker import check
from creditbank.ruleset.ruleset import RuleSet, Sourced
from creditbank.ruleset.yaml_io import (
    MAX_FILE_BYTES,
    TOO_LARGE,
    YamlDocument,
    YamlProblem,
    read_yaml,
)

TESTS_FOLDER = "tests"
"""Sub-folder of a rule set that holds policy test cases, not rules."""

RULE_SUFFIXES = {".yaml", ".yml"}
UNREADABLE = "rules.unreadable"


@dataclass(frozen=True)
class CheckReport:
    """What ``creditbank rules check`` prints: every finding, and the rule set if it loaded."""

    findings: tuple[Finding, ...]
    ruleset: RuleSet | None
    digest: str = ""
    """The content's digest when the items were valid enough to assemble (even where the
    checker then found errors): what a stored version's digest is compared with."""

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.WARNING)


def rule_files(root: Path) -> list[Path]:
    """The YAML files of a rule set, in a fixed order, leaving out its test cases."""
    return _walk(root)[0]


def read_sources(root: Path) -> dict[str, str]:
    """Text of every rule file, keyed by its path relative to ``root`` (for storing versions).

    A file that cannot be read raises RuleSetInvalid naming it, as any other rule error."""
    sources, findings = _read_rules(root)
    if findings:
        raise RuleSetInvalid(findings)
    return sources


def check_rules(root: Path | str) -> CheckReport:
    """Load and check the rule set in ``root``; never raises for a problem in the rules."""
    root = Path(root)
    sources, findings = _read_rules(root)
    if findings and not sources:
        return CheckReport(tuple(sorted(findings, key=Finding.sort_key)), None)
    report = check_sources(sources, label=root.as_posix())
    return CheckReport(
        tuple(sorted([*findings, *report.findings], key=Finding.sort_key)),
        report.ruleset if not findings else None,
    )


def _read_rules(root: Path) -> tuple[dict[str, str], list[Finding]]:
    """The text of each rule file by relative path, and a finding for each one that could not
    be read: such a file is never left out without a word."""
    if not root.is_dir():
        message = "no such rule directory; give the folder of a rule set (*.yaml files)"
        return {}, [_finding("", 0, 0, "rules.not_found", message)]
    files, findings = _walk(root)
    sources: dict[str, str] = {}
    for path in files:
        name = path.relative_to(root).as_posix()
        text = read_rule_text(path, name)
        if isinstance(text, Finding):
            findings.append(text)
        else:
            sources[name] = text
    return sources, findings


def _walk(root: Path) -> tuple[list[Path], list[Finding]]:
    """The YAML files under ``root`` outside test folders, sorted, and a finding for each
    folder that cannot be listed and each link that leads out of ``root``.

    Links to folders are not followed (one inside ``root`` names files read anyway); a link
    that leads outside is refused, so that a rule set cannot take in files from elsewhere."""
    files: list[Path] = []
    findings: list[Finding] = []
    inside = Path(os.path.realpath(root))

    def unlisted(error: OSError) -> None:
        name = Path(error.filename or root).relative_to(root).as_posix()
        message = f"cannot list this folder ({error.strerror}); its rule files would be left out"
        findings.append(_finding(name, 0, 0, UNREADABLE, message))

    for folder, dirs, names in os.walk(root, onerror=unlisted):
        here = Path(folder)
        dirs[:] = [d for d in dirs if d != TESTS_FOLDER]
        findings.extend(_outside(root, here / d) for d in dirs if _leaves(inside, here / d))
        for path in (here / n for n in names if Path(n).suffix in RULE_SUFFIXES):
            if _leaves(inside, path):
                findings.append(_outside(root, path))
            else:
                files.append(path)
    return sorted(files, key=lambda p: p.relative_to(root).as_posix()), findings


def _leaves(inside: Path, path: Path) -> bool:
    """Whether ``path`` is a link to somewhere outside the folder ``inside`` (resolved)."""
    return path.is_symlink() and not Path(os.path.realpath(path)).is_relative_to(inside)


def _outside(root: Path, link: Path) -> Finding:
    message = (
        f"a link to '{os.readlink(link)}', outside the rule set's folder: a rule set is only "
        "the files in its folder; copy what the link names into the folder instead"
    )
    return _finding(link.relative_to(root).as_posix(), 0, 0, "rules.outside_pack", message)


_READ_HINTS = {
    errno.ELOOP: "a link that leads back to itself",
    errno.ENOENT: "a link to a file that does not exist",
    errno.EACCES: "let the user who runs creditbank read it",
}


def read_rule_text(path: Path, name: str) -> str | Finding:
    """The UTF-8 text of one rule (or rule test) file, read up to the size limit, or the
    finding that says why it has none (``name``: how the finding names the file)."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            message = "not a regular file (a pipe or a device?); a rule file is plain text"
            return _finding(name, 0, 0, UNREADABLE, message)
        with path.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)  # never more than the limit, whatever the size
    except OSError as exc:
        hint = _READ_HINTS.get(exc.errno or 0, "")
        message = f"cannot read this file ({exc.strerror}" + (f": {hint})" if hint else ")")
        return _finding(name, 0, 0, UNREADABLE, message)
    if len(data) > MAX_FILE_BYTES:
        return _from_problem(name, TOO_LARGE)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        message = "the file is not UTF-8 text (saved as GBK?); save it as UTF-8"
        return _finding(name, line, column, "rules.encoding", message)


def check_sources(sources: dict[str, str], *, label: str = "") -> CheckReport:
    """Load and check a rule set given as ``{relative path: YAML text}``."""
    findings: list[Finding] = []
    items: dict[str, list[Sourced]] = {name: [] for name in schema.SECTIONS}
    packs: list[Sourced] = []
    if not sources:
        findings.append(_finding("", 0, 0, "rules.empty", "no rule files (*.yaml) found"))
    for name in sorted(sources):
        doc = read_yaml(sources[name])
        findings.extend(_from_problem(name, p) for p in doc.problems)
        for section, item in _validated_items(name, doc, findings):
            (packs if section == "pack" else items[section]).append(item)
    # A 'pack' section that is there but invalid has its own finding: not "missing" as well.
    invalid_pack = any(f.key == "pack" or f.key.startswith("pack.") for f in findings)
    if not packs and sources and not invalid_pack:
        findings.append(
            _finding(
                sorted(sources)[0],
                1,
                1,
                "rules.missing_pack",
                "no file has a 'pack' section naming the rule set and its framework",
            )
        )
    for extra in packs[1:]:
        findings.append(
            _at(
                extra.location,
                "rules.duplicate_id",
                f"a second 'pack' section (first at {packs[0].location})",
            )
        )
    if any(f.severity is Severity.ERROR for f in findings) or not packs:
        return CheckReport(tuple(sorted(findings, key=Finding.sort_key)), None)
    ruleset = RuleSet.build(packs[0], items)
    findings.extend(check(ruleset))
    ruleset = ruleset.with_findings(tuple(findings))
    ok = not any(f.severity is Severity.ERROR for f in findings)
    ordered = tuple(sorted(findings, key=Finding.sort_key))
    return CheckReport(ordered, ruleset if ok else None, ruleset.digest)


def load_ruleset(root: Path | str) -> RuleSet:
    """The checked rule set in ``root``; raises RuleSetInvalid listing every error."""
    report = check_rules(root)
    if report.ruleset is None:
        raise RuleSetInvalid(report.findings)
    return report.ruleset


def load_ruleset_from_sources(sources: dict[str, str]) -> RuleSet:
    """The checked rule set from stored sources (a published version); raises on errors."""
    report = check_sources(sources)
    if report.ruleset is None:
        raise RuleSetInvalid(report.findings)
    return report.ruleset


def _validated_items(
    name: str, doc: YamlDocument, findings: list[Finding]
) -> Iterator[tuple[str, Sourced]]:
    data = doc.data
    if data is None:
        return
    if not isinstance(data, dict):
        line, col = doc.position(())
        findings.append(
            _finding(
                name,
                line,
                col,
                "rules.wrong_type",
                "a rule file must be a mapping of sections such as 'programmes:' or 'transfers:'",
            )
        )
        return
    for section, value in data.items():
        line, col = doc.position((section,))
        if section == "pack":
            model = _validate(schema.Pack, value, name, doc, (section,), findings)
            if model is not None:
                yield section, Sourced(model, Location(name, line, col))
            continue
        if section not in schema.SECTIONS:
            allowed = ", ".join(("pack", *schema.SECTIONS))
            findings.append(
                _finding(
                    name,
                    line,
                    col,
                    "rules.unknown_key",
                    f"unknown section '{section}'; allowed sections are: {allowed}",
                    key=section,
                )
            )
            continue
        if not isinstance(value, list):
            findings.append(
                _finding(
                    name,
                    line,
                    col,
                    "rules.wrong_type",
                    f"'{section}' must be a list of items (each starting with '- ')",
                    key=section,
                )
            )
            continue
        model_type = _item_type(section)
        for index, raw in enumerate(value):
            path = (section, index)
            model = _validate(model_type, raw, name, doc, path, findings)
            if model is not None:
                item_line, item_col = doc.position(path)
                yield section, Sourced(model, Location(name, item_line, item_col))


def _item_type(section: str) -> type[BaseModel]:
    annotation = schema.RuleFile.model_fields[section].annotation
    return annotation.__args__[0]  # type: ignore[union-attr]


@cache
def _adapter(model_type: type[BaseModel]) -> TypeAdapter[Any]:
    return TypeAdapter(model_type)


def _validate(
    model_type: type[BaseModel],
    raw: Any,
    name: str,
    doc: YamlDocument,
    path: tuple[str | int, ...],
    findings: list[Finding],
) -> BaseModel | None:
    try:
        return _adapter(model_type).validate_python(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        for error in errors:
            if not _caused_by_child(error, errors) and not _misspelt(error, errors):
                findings.append(_from_pydantic(error, model_type, name, doc, path))
        return None


def _from_pydantic(
    error: Any,
    model_type: type[BaseModel],
    name: str,
    doc: YamlDocument,
    path: tuple[str | int, ...],
) -> Finding:
    """Turn one pydantic error into a finding a policy author can act on."""
    loc = tuple(part for part in error["loc"] if not _is_internal(part))
    full = (*path, *loc)
    line, col = doc.position(full)
    dotted = ".".join(str(p) for p in full)
    kind = error["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        allowed = _allowed_keys(model_type, loc[:-1])
        hint = f"; allowed keys here are: {', '.join(allowed)}" if allowed else ""
        close = _closest(key, allowed)
        did_you_mean = f" (did you mean '{close}'?)" if close else ""
        return _finding(
            name,
            line,
            col,
            "rules.unknown_key",
            f"unknown key '{key}'{did_you_mean}{hint}",
            key=dotted,
        )
    if kind == "missing":
        return _finding(
            name, line, col, "rules.missing_key", f"missing required key '{loc[-1]}'", key=dotted
        )
    message = error["msg"].removeprefix("Value error, ")
    given = error.get("input")
    if kind == "string_type" and isinstance(given, int | Decimal):
        message += "; codes made of digits must be quoted, e.g. '54601'"
    if kind not in {"value_error", "assertion_error"} and _is_scalar(given):
        message = f"{message} (got {given!r})"
    return _finding(
        name,
        line,
        col,
        "rules.wrong_type" if kind.endswith("_type") else "rules.invalid_value",
        message,
        key=dotted,
    )


def _caused_by_child(error: Any, errors: list[Any]) -> bool:
    """A list reported too short only because its items failed: report the items alone."""
    if error["type"] != "too_short":
        return False
    loc = error["loc"]
    return any(len(e["loc"]) > len(loc) and e["loc"][: len(loc)] == loc for e in errors)


def _misspelt(error: Any, errors: list[Any]) -> bool:
    """A missing key that an unknown key beside it misspells (``credts``) is one mistake:
    report the unknown key, whose message suggests the right name."""
    if error["type"] != "missing":
        return False
    import difflib

    loc, name = error["loc"][:-1], str(error["loc"][-1])
    extras = [
        str(e["loc"][-1]) for e in errors if e["type"] == "extra_forbidden" and e["loc"][:-1] == loc
    ]
    return bool(difflib.get_close_matches(name, extras, n=1, cutoff=0.6))


def _is_internal(part: Any) -> bool:
    """Pydantic adds union and validator tags to locations; authors never wrote them."""
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float) or value is None


def _allowed_keys(model_type: type[BaseModel], loc: Iterable[str | int]) -> list[str]:
    current: Any = model_type
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = _field_by_alias(current, str(part))
        if field is None:
            return []
        current = _inner_model(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return sorted(f.alias or n for n, f in current.model_fields.items())
    return []


def _field_by_alias(model: type[BaseModel], key: str) -> Any:
    for name, field in model.model_fields.items():
        if (field.alias or name) == key:
            return field
    return None


def _inner_model(annotation: Any) -> Any:
    """The model inside ``X | None``, ``tuple[X, ...]`` or ``Annotated[...]``, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or getattr(annotation, "__origin__", ()):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _closest(key: str, allowed: list[str]) -> str | None:
    import difflib

    matches = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    return matches[0] if matches else None


def _from_problem(file: str, problem: YamlProblem) -> Finding:
    return _finding(file, problem.line, problem.column, problem.code, problem.message)


def _finding(
    file: str, line: int, column: int, code: str, message: str, *, key: str = ""
) -> Finding:
    return Finding(Severity.ERROR, code, message, Location(file, line, column), key)


def _at(location: Location, code: str, message: str) -> Finding:
    return Finding(Severity.ERROR, code, message, location)
