"""Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite (W3C vc-di-eddsa).

Signing: the proof options (type, cryptosuite, created, verification method, purpose, and the
document's ``@context``) and the document without its proof are each canonicalised with RDF
Dataset Canonicalization (RDFC-1.0, pyld's URDNA2015) and hashed with SHA-256; the Ed25519
signature covers the proof hash followed by the document hash, and is written as multibase
base58btc in ``proofValue``. Verifying redoes the same from the signed document and the
issuer's public key. Contexts come from the bundled files only (``documents.py``).
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld import jsonld

from creditbank.credentials import multibase
from creditbank.credentials.documents import Loader, UnknownContext, document_loader

CRYPTOSUITE = "eddsa-rdfc-2022"
SIGNATURE_TEXT_AT_MOST = 100
"""A 64-byte Ed25519 signature is at most 89 characters of base58btc multibase; longer text
is refused before it is decoded (decoding grows with the square of its length)."""


class ProofError(ValueError):
    """Why a credential's proof does not hold, in words for the person who submitted it."""


@dataclass(frozen=True)
class Hashes:
    """What is signed: the canonical forms and their SHA-256 hashes."""

    proof_canonical: str
    document_canonical: str

    @property
    def proof_hash(self) -> bytes:
        return hashlib.sha256(self.proof_canonical.encode("utf-8")).digest()

    @property
    def document_hash(self) -> bytes:
        return hashlib.sha256(self.document_canonical.encode("utf-8")).digest()

    @property
    def signed_bytes(self) -> bytes:
        return self.proof_hash + self.document_hash


def canonical(document: dict[str, Any], loader: Loader | None = None) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document (contexts from the bundle)."""
    try:
        text: str = jsonld.normalize(
            document,
            {
                "algorithm": "URDNA2015",
                "format": "application/n-quads",
                "documentLoader": loader or document_loader(),
                "safe": True,
            },
        )
    except jsonld.JsonLdError as exc:
        cause = exc
        while cause is not None:
            if isinstance(cause, UnknownContext):
                raise ProofError(str(cause)) from exc
            # pyld keeps a loader's error in its details, not as a cause: the chain is
            # followed through the exceptions each was raised while handling
            cause = getattr(cause, "cause", None) or cause.__cause__ or cause.__context__
        raise ProofError(f"the credential is not valid JSON-LD: {exc.type}") from exc
    return text


def hashes(
    document: dict[str, Any], options: dict[str, Any], loader: Loader | None = None
) -> Hashes:
    """The canonical proof options (with the document's context) and document (without its
    proof)."""
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    config = {k: v for k, v in options.items() if k != "proofValue"}
    config["@context"] = document.get("@context")
    return Hashes(canonical(config, loader), canonical(unsigned, loader))


def sign(
    document: dict[str, Any],
    key: Ed25519PrivateKey,
    verification_method: str,
    created: str,
    loader: Loader | None = None,
    *,
    as_set: bool = False,
) -> dict[str, Any]:
    """``document`` with a DataIntegrityProof by ``key``; ``created`` is an XML dateTime.
    ``as_set`` writes the proof as a one-proof list, as Open Badges' schemas require."""
    options = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    signature = key.sign(hashes(document, options, loader).signed_bytes)
    signed = copy.deepcopy(document)
    written = {**options, "proofValue": multibase.encode(signature)}
    signed["proof"] = [written] if as_set else written
    return signed


def verify(document: dict[str, Any], key: Ed25519PublicKey, loader: Loader | None = None) -> None:
    """Nothing if ``document``'s proof is a valid eddsa-rdfc-2022 proof by ``key``; else
    ProofError saying what does not hold."""
    proof = document.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    if not isinstance(proof, dict):
        raise ProofError("the credential carries no proof (one DataIntegrityProof expected)")
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(
            f"the proof is not a DataIntegrityProof of {CRYPTOSUITE} "
            f"(type {proof.get('type')!r}, cryptosuite {proof.get('cryptosuite')!r})"
        )
    if proof.get("proofPurpose") != "assertionMethod":
        raise ProofError("the proof's purpose is not assertionMethod")
    value = proof.get("proofValue")
    if not isinstance(value, str):
        raise ProofError("the proof has no proofValue")
    if len(value) > SIGNATURE_TEXT_AT_MOST:
        raise ProofError("the proofValue is too long for an Ed25519 signature")
    try:
        signature = multibase.decode(value)
    except multibase.MultibaseError as exc:
        raise ProofError(f"the proofValue is not a signature: {exc}") from exc
    try:
        key.verify(signature, hashes(document, proof, loader).signed_bytes)
    except InvalidSignature as exc:
        raise ProofError(
            "the signature does not match: the credential was changed after it was signed, "
            "or signed by another key"
        ) from exc


def private_key(multibase_text: str) -> Ed25519PrivateKey:
    """An Ed25519 private key from its multibase form (``z3u2...``)."""
    raw = multibase.ed25519_key(multibase_text, multibase.ED25519_PRIVATE)
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_key(multibase_text: str) -> Ed25519PublicKey:
    """An Ed25519 public key from its multibase form (``z6Mk...``)."""
    raw = multibase.ed25519_key(multibase_text, multibase.ED25519_PUBLIC)
    return Ed25519PublicKey.from_public_bytes(raw)


def public_multibase(key: Ed25519PublicKey) -> str:
    """The multibase form of a public key, as did:key and Multikey documents write it."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return multibase.encode(multibase.ED25519_PUBLIC + raw)
