"""Rule-set versions: a changed pack is a new version, however small the change."""

from __future__ import annotations

from pathlib import Path

from creditbank.service import rulesets
from tests.store.conftest import NOW, Bank, write_small_pack


def test_a_pack_changed_only_beyond_the_28th_digit_is_stored_as_a_new_version(
    bank: Bank, tmp_path: Path
) -> None:
    """Before, 7 and 7.0000000000000000000000000001 shared a digest and loading the changed
    pack answered with the old version, though audits under the two differ."""
    root = write_small_pack(tmp_path / "changed")
    rules = root / "rules.yaml"
    text = rules.read_text(encoding="utf-8")
    assert "max_credits: 3\n" in text
    rules.write_text(
        text.replace("max_credits: 3\n", "max_credits: 3.0000000000000000000000000001\n"),
        encoding="utf-8",
    )
    version = rulesets.load_draft(bank.engine, root=root, actor="policy", now=NOW)
    assert version.id != bank.version_id
    assert version.status == "draft"
