"""The national-ID key: no default, remembered by fingerprint, rotated by `learners rehash`;
and the checkpoint key kept in a private file (issue 12)."""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from creditbank.config import Settings
from creditbank.errors import CreditBankError, InputInvalid
from creditbank.service import learners, signing_keys
from creditbank.store.session import session_scope
from creditbank.store.tables import Learner
from tests.store.conftest import NOW, Bank

KEY = "bank-secret-0123456789"
NEW_KEY = "rotated-secret-9876543210"
NUMBER = "110105194912310021"
FORMER_PUBLIC_DEFAULT = "creditbank-development-key-change-me"
"""The key earlier versions used when none was set: published in their source code."""


def register(bank: Bank, learner_id: str, number: str = NUMBER, key: str | None = KEY) -> None:
    learners.register_learner(
        bank.engine, learner_id=learner_id, now=NOW, national_id=number, id_hash_key=key
    )


def stored_hash(bank: Bank, learner_id: str) -> str:
    with session_scope(bank.engine) as s:
        learner = s.get(Learner, learner_id)
        assert learner is not None and learner.national_id_hash
        return learner.national_id_hash


def owner(bank: Bank, number: str, key: str) -> str | None:
    with session_scope(bank.engine) as s:
        return learners.learners_by_national_id(s, [number], key, NOW).get(number)


def test_there_is_no_built_in_key_and_hashing_without_one_is_refused(
    bank: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CREDITBANK_ID_HASH_KEY", raising=False)
    assert Settings().id_hash_key is None
    with pytest.raises(CreditBankError, match="set CREDITBANK_ID_HASH_KEY") as refused:
        register(bank, "N1", key=None)
    assert refused.value.code == "config.id_hash_key"
    with pytest.raises(CreditBankError, match="at least 16"):
        register(bank, "N1", key="short")


def test_a_stolen_database_cannot_be_searched_for_numbers_without_the_key(bank: Bank) -> None:
    """What an attacker with a dump tries: every plausible number under every key they
    know. Without the bank's key none matches; with it the same search finds the number."""
    register(bank, "N1")
    stolen = stored_hash(bank, "N1")
    candidates = [f"1101051949123{n:05d}" for n in range(20_000)]
    assert NUMBER in candidates

    def keyed(key: str, number: str) -> str:
        return hmac.new(key.encode(), number.encode(), hashlib.sha256).hexdigest()

    attempts = [
        *(hashlib.sha256(n.encode()).hexdigest() for n in candidates),
        *(keyed(FORMER_PUBLIC_DEFAULT, n) for n in candidates),
        *(keyed("", n) for n in candidates),
    ]
    assert stolen not in attempts
    assert [n for n in candidates if keyed(KEY, n) == stolen] == [NUMBER]


def test_another_key_is_refused_instead_of_opening_second_accounts(bank: Bank) -> None:
    register(bank, "N1")
    with pytest.raises(CreditBankError, match="learners rehash") as refused:
        register(bank, "N2", key="another-key-0123456789")
    assert refused.value.code == "config.id_hash_key_changed"
    with pytest.raises(CreditBankError, match="not the key"):
        owner(bank, NUMBER, "another-key-0123456789")
    with session_scope(bank.engine) as s:
        assert s.get(Learner, "N2") is None


def test_rehash_rotates_every_stored_hash_to_a_ring_ending_with_the_new_key(bank: Bank) -> None:
    register(bank, "N1")
    register(bank, "N2", "310101199001011234")
    before = stored_hash(bank, "N1")
    count, ring = learners.rehash(bank.engine, key=KEY, new_key=NEW_KEY, now=NOW)
    assert (count, len(ring.keys)) == (2, 2)
    after = stored_hash(bank, "N1")
    assert after == hmac.new(NEW_KEY.encode(), before.encode(), hashlib.sha256).hexdigest()
    # the old key alone is now refused; the ring (old, then new) finds the same accounts
    with pytest.raises(CreditBankError, match="not the key"):
        owner(bank, NUMBER, KEY)
    ring_text = f"{KEY} {NEW_KEY}"
    assert owner(bank, NUMBER, ring_text) == "N1"
    assert owner(bank, "310101199001011234", ring_text) == "N2"
    register(bank, "N3", "440101199001011234", key=ring_text)
    assert owner(bank, "440101199001011234", ring_text) == "N3"


def test_rehash_needs_the_current_key_and_a_new_one(bank: Bank) -> None:
    register(bank, "N1")
    before = stored_hash(bank, "N1")
    with pytest.raises(CreditBankError, match="not the key"):
        learners.rehash(bank.engine, key="wrong-key-0123456789", new_key=NEW_KEY, now=NOW)
    with pytest.raises(InputInvalid, match="already in the key ring"):
        learners.rehash(bank.engine, key=KEY, new_key=KEY, now=NOW)
    with pytest.raises(CreditBankError, match="at least 16"):
        learners.rehash(bank.engine, key=KEY, new_key="short", now=NOW)
    assert stored_hash(bank, "N1") == before
    with session_scope(bank.engine) as s:
        assert len(s.scalars(select(Learner.id)).all()) == 4  # L1-L3 and N1, nothing else


def test_the_checkpoint_key_file_is_private_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "checkpoint.pem"
    public = signing_keys.create_key_files(path)
    assert (path.stat().st_mode & 0o777) == 0o600
    settings = Settings(checkpoint_key=path)  # type: ignore[call-arg]
    assert signing_keys.private_key(settings).public_key() == public
    assert (
        signing_keys.public_key(
            Settings(checkpoint_public_key=signing_keys.public_path(path))  # type: ignore[call-arg]
        )
        == public
    )
    with pytest.raises(CreditBankError, match="already exists"):
        signing_keys.create_key_files(path)
    os.chmod(path, 0o644)
    with pytest.raises(CreditBankError, match="readable by other users"):
        signing_keys.private_key(settings)
    with pytest.raises(CreditBankError, match="CREDITBANK_CHECKPOINT_KEY"):
        signing_keys.private_key(Settings(checkpoint_key=None))  # type: ignore[call-arg]


def test_a_number_typed_in_full_width_digits_finds_the_same_account(bank: Bank) -> None:
    register(bank, "N1")
    assert owner(bank, "１１０１０５１９４９１２３１００２１", KEY) == "N1"
