"""The optional compiled build (scripts/compile.py): a compiled module whose source changed
since is refused at import, with what to do; the build a test run asked for is the one that
runs (scripts/test runs the engine's tests once on each)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from creditbank.compiled import SUFFIX, StaleBuild, compiled_modules, digest
from creditbank.engine import audit

RUNTIME = "compiled__mypyc" + SUFFIX


def fake_build(tmp_path: Path, manifest: bool = True) -> Path:
    """A package with one "compiled" module (an empty file stands for the extension) and the
    shared runtime, as the build leaves them."""
    package = tmp_path / "creditbank"
    (package / "engine").mkdir(parents=True)
    source = package / "engine" / "audit.py"
    source.write_text("X = 1\n", encoding="utf-8")
    (package / "engine" / f"audit{SUFFIX}").write_bytes(b"")
    (package / RUNTIME).write_bytes(b"")
    if manifest:
        (package / "compiled.json").write_text(
            json.dumps(
                {"sources": {"creditbank/engine/audit.py": digest(source)}, "runtime": RUNTIME}
            ),
            encoding="utf-8",
        )
    return package


def test_a_tree_without_extension_modules_is_pure_python(tmp_path: Path) -> None:
    (tmp_path / "creditbank").mkdir()
    (tmp_path / "creditbank" / "audit.py").write_text("X = 1\n", encoding="utf-8")
    assert compiled_modules(tmp_path / "creditbank") == ()


def test_a_fresh_build_names_its_compiled_modules(tmp_path: Path) -> None:
    assert compiled_modules(fake_build(tmp_path)) == ("creditbank/engine/audit.py",)


def test_a_source_changed_after_the_build_is_refused_by_name(tmp_path: Path) -> None:
    package = fake_build(tmp_path)
    (package / "engine" / "audit.py").write_text("X = 2\n", encoding="utf-8")
    with pytest.raises(StaleBuild, match=r"creditbank/engine/audit\.py changed.*compile\.py"):
        compiled_modules(package)


def test_a_source_removed_after_the_build_is_refused(tmp_path: Path) -> None:
    package = fake_build(tmp_path)
    (package / "engine" / "audit.py").unlink()
    with pytest.raises(StaleBuild, match=r"creditbank/engine/audit\.py is gone"):
        compiled_modules(package)


def test_extension_modules_without_a_manifest_are_refused(tmp_path: Path) -> None:
    with pytest.raises(StaleBuild, match=r"without creditbank/compiled\.json"):
        compiled_modules(fake_build(tmp_path, manifest=False))


def test_an_unreadable_manifest_is_refused(tmp_path: Path) -> None:
    package = fake_build(tmp_path)
    (package / "compiled.json").write_text('{"sources": ', encoding="utf-8")
    with pytest.raises(StaleBuild, match=r"compiled\.json is unreadable"):
        compiled_modules(package)


def test_an_extension_module_the_build_did_not_make_is_refused(tmp_path: Path) -> None:
    package = fake_build(tmp_path)
    (package / f"other{SUFFIX}").write_bytes(b"")
    with pytest.raises(
        StaleBuild, match=re.escape(f"creditbank/other{SUFFIX} is not in compiled.json")
    ):
        compiled_modules(package)


def test_the_build_this_run_asked_for_is_the_one_running() -> None:
    running_compiled = audit.__file__ is not None and audit.__file__.endswith(SUFFIX)
    assert running_compiled == ("creditbank/engine/audit.py" in compiled_modules())
    if os.environ.get("CREDITBANK_EXPECT_COMPILED") == "1":
        assert running_compiled, "scripts/test asked for the compiled engine; pure Python ran"
