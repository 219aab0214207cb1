"""eddsa-rdfc-2022 against the standard's own test vectors and 1EdTech's signed samples.

The files under tests/data/standards are copies of ../shared/standards (see its README for
their sources): the W3C vc-di-eddsa test vectors, 1EdTech's Open Badges 3.0 and CLR 2.0
samples, which 1EdTech's validator accepts.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from creditbank.credentials import multibase
from creditbank.credentials.documents import document_loader
from creditbank.credentials.proof import (
    ProofError,
    hashes,
    private_key,
    public_key,
    public_multibase,
    sign,
    verify,
)

STANDARDS = Path(__file__).resolve().parents[1] / "data" / "standards"
W3C = STANDARDS / "samples" / "eddsa-rdfc-2022" / "w3c-vc-di-eddsa"
EXAMPLES = {
    "https://www.w3.org/ns/credentials/examples/v2": STANDARDS / "credentials-examples-v2.jsonld"
}
LOADER = document_loader(EXAMPLES)
SAMPLES = [
    STANDARDS / "samples" / "ob-3.0" / "simple.json",
    STANDARDS / "samples" / "ob-3.0" / "simple-did-key-method.json",
    STANDARDS / "samples" / "ob-3.0" / "endorsement-valid.json",
    STANDARDS / "samples" / "clr-2.0" / "simple.json",
]


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _text(name: str) -> str:
    return (W3C / name).read_text(encoding="utf-8").strip()


def _key_of(credential: dict[str, Any]) -> Any:
    """The signer's key, as the samples write it: the multibase after '#' (or did:key:)."""
    method = (
        credential["proof"][0]["verificationMethod"]
        if isinstance(credential["proof"], list)
        else credential["proof"]["verificationMethod"]
    )
    return public_key(method.rsplit("#", 1)[-1].removeprefix("did:key:"))


def test_the_w3c_vector_reproduces_canonical_forms_hashes_and_signature() -> None:
    keys = _json(W3C / "keyPair.json")
    unsigned = _json(W3C / "unsigned.json")
    options = _json(W3C / "proofConfigDataInt.json")
    found = hashes(unsigned, options, LOADER)
    assert found.document_canonical.strip() == _text("canonDocDataInt.txt")
    assert found.proof_canonical.strip() == _text("proofCanonDataInt.txt")
    assert found.document_hash.hex() == _text("docHashDataInt.txt")
    assert found.proof_hash.hex() == _text("proofHashDataInt.txt")
    assert found.signed_bytes.hex() == _text("combinedHashDataInt.txt")
    signed = sign(
        unsigned, private_key(keys["privateKeyMultibase"]), options["verificationMethod"],
        options["created"], LOADER,
    )  # fmt: skip
    assert multibase.decode(signed["proof"]["proofValue"]).hex() == _text("sigHexDataInt.txt")
    assert signed["proof"]["proofValue"] == _text("sigBTC58DataInt.txt")
    assert signed == _json(W3C / "signedDataInt.json")
    verify(signed, public_key(keys["publicKeyMultibase"]), LOADER)
    assert (
        public_multibase(private_key(keys["privateKeyMultibase"]).public_key())
        == keys["publicKeyMultibase"]
    )


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_1edtech_samples_verify(path: Path) -> None:
    credential = _json(path)
    verify(credential, _key_of(credential))


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda c: c.update(name="Teamwork Badge!"), "does not match"),
        (lambda c: c["credentialSubject"]["achievement"].update(name="Teamwerk"), "does not match"),
        (lambda c: c["proof"][0].update(created="2010-01-01T19:23:25Z"), "does not match"),
        (lambda c: c.pop("proof"), "carries no proof"),
        (lambda c: c["proof"][0].update(cryptosuite="ecdsa-rdfc-2019"), "not a DataIntegrityProof"),
        (lambda c: c["proof"][0].update(proofValue="x123"), "not a signature"),
        (
            lambda c: c["@context"].append("https://example.org/evil.jsonld"),
            "not one this bank holds",
        ),
    ],
)
def test_a_changed_credential_fails_with_its_reason(change: Any, words: str) -> None:
    credential = _json(SAMPLES[0])
    key = _key_of(credential)
    changed = copy.deepcopy(credential)
    change(changed)
    with pytest.raises(ProofError, match=words):
        verify(changed, key)


def test_a_signature_by_another_key_is_refused() -> None:
    credential = _json(SAMPLES[0])
    other = public_key(_json(W3C / "keyPair.json")["publicKeyMultibase"])
    with pytest.raises(ProofError, match="another key"):
        verify(credential, other)
