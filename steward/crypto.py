"""Key derivation, key wrapping and field encryption (AES-256-GCM).

Every secret in Steward is a random 32-byte key. Passphrases only ever derive a key-encryption
key (KEK) with Argon2id; the KEK wraps the workspace key and, for some roles, the safeguarding key.
"""

from __future__ import annotations

import base64
import os
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
NONCE_BYTES = 12
# Argon2id costs measured here: ~130 ms on 2 cores with 64 MiB, well under the 300 ms unlock target.
DEFAULT_KDF = {"alg": "argon2id", "iterations": 3, "lanes": 4, "memory_kib": 65536}
# What a workspace.json may ask for: below the floor (OWASP's Argon2id minimum) someone weakened
# it; above the ceiling it would exhaust the laptop. Tests lower the floor for speed.
KDF_FLOOR = {"memory_kib": 19 * 1024, "iterations": 2}
KDF_CEILING = {"memory_kib": 4 * 2**20, "iterations": 64, "lanes": 64}
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed back


class DecryptionFailed(Exception):
    """The key is wrong or the ciphertext was altered."""


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def check_kdf(params: object) -> str | None:
    """None when `params` are key-derivation settings Steward accepts, else what is wrong."""
    if not isinstance(params, dict):
        return "no key-derivation settings"
    if params.get("alg") != "argon2id":
        return f"unknown key derivation {params.get('alg')!r}"
    try:
        values = {k: int(params[k]) for k in ("iterations", "lanes", "memory_kib")}
    except (KeyError, TypeError, ValueError):
        return "incomplete key-derivation settings"
    if values["memory_kib"] < KDF_FLOOR["memory_kib"] or values["iterations"] < KDF_FLOOR[
            "iterations"]:
        return (f"key derivation weaker than Steward allows (Argon2id needs at least "
                f"{KDF_FLOOR['memory_kib'] // 1024} MiB and {KDF_FLOOR['iterations']} passes)")
    if any(values[k] > KDF_CEILING[k] for k in KDF_CEILING) or values["lanes"] < 1:
        return "key-derivation settings out of range"
    return None


def derive_kek(passphrase: str, salt: bytes, params: dict | None = None) -> bytes:
    """Derive a key-encryption key from a passphrase with Argon2id."""
    p = params or DEFAULT_KDF
    if p.get("alg") != "argon2id":
        raise ValueError(f"unknown key derivation {p.get('alg')!r}")
    kdf = Argon2id(
        salt=salt,
        length=KEY_BYTES,
        iterations=int(p["iterations"]),
        lanes=int(p["lanes"]),
        memory_cost=int(p["memory_kib"]),
    )
    return kdf.derive(passphrase.encode("utf-8"))


def seal(key: bytes, plaintext: bytes, context: bytes = b"") -> bytes:
    """Encrypt and authenticate, binding `context` as associated data; nonce || ciphertext."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, context)


def open_sealed(key: bytes, sealed: bytes, context: bytes = b"") -> bytes:
    if len(sealed) < NONCE_BYTES + 16:
        raise DecryptionFailed("ciphertext too short")
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], context)
    except InvalidTag as exc:
        raise DecryptionFailed("wrong key or altered data") from exc


def new_recovery_key() -> str:
    """A printable recovery key: 32 characters (160 bits) in groups of four."""
    chars = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(32))
    return "-".join(chars[i : i + 4] for i in range(0, 32, 4))


def normalise_recovery_key(text: str) -> str:
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    return "-".join(cleaned[i : i + 4] for i in range(0, len(cleaned), 4))


def recovery_kek(recovery_key: str, salt: bytes) -> bytes:
    """The recovery key already carries 160 random bits, so HKDF is enough to stretch it."""
    material = normalise_recovery_key(recovery_key).encode("ascii")
    return HKDF(algorithm=SHA256(), length=KEY_BYTES, salt=salt, info=b"steward recovery").derive(
        material
    )


class FieldCipher:
    """Encrypts sensitive text fields with the safeguarding key (AES-256-GCM).

    The associated data names the table and column, so a value copied into another field
    fails to decrypt rather than being read in the wrong place.
    """

    def __init__(self, key: bytes, dropbox_private: bytes | None = None):
        if len(key) != KEY_BYTES:
            raise ValueError("field key must be 32 bytes")
        self._key = key
        self._dropbox_private = dropbox_private

    def encrypt(self, text: str | None, field: str) -> bytes | None:
        if text is None:
            return None
        return seal(self._key, text.encode("utf-8"), field.encode("utf-8"))

    def decrypt(self, sealed: bytes | None, field: str) -> str | None:
        if sealed is None:
            return None
        return open_sealed(self._key, sealed, field.encode("utf-8")).decode("utf-8")

    def open_dropbox(self, sealed: bytes | None, field: str) -> str | None:
        """Read what any profile sealed for the leads with `Workspace.seal_for_safeguarding`."""
        if sealed is None:
            return None
        if self._dropbox_private is None:
            raise DecryptionFailed("this workspace has no safeguarding drop box")
        return open_from(self._dropbox_private, sealed, field.encode("utf-8")).decode("utf-8")


# --- the safeguarding drop box ---------------------------------------------------------------
# Anyone may hand something to the safeguarding leads (a steward escalating a message), but only
# holders of the safeguarding key may read it. The workspace keeps an X25519 key pair: the public
# half is open; the private half is sealed with the safeguarding key.


def new_dropbox_keypair() -> tuple[bytes, bytes]:
    """(public, private) raw X25519 keys."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    private = X25519PrivateKey.generate()
    raw = serialization.Encoding.Raw
    public = private.public_key().public_bytes(raw, serialization.PublicFormat.Raw)
    secret = private.private_bytes(raw, serialization.PrivateFormat.Raw,
                                   serialization.NoEncryption())
    return public, secret


def _dropbox_key(shared: bytes, ephemeral_public: bytes) -> bytes:
    return HKDF(algorithm=SHA256(), length=KEY_BYTES, salt=ephemeral_public,
                info=b"steward safeguarding drop box").derive(shared)


def seal_to(public: bytes, plaintext: bytes, context: bytes = b"") -> bytes:
    """Encrypt for the holder of the private key: ephemeral public key || nonce || ciphertext."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import (
        X25519PrivateKey,
        X25519PublicKey,
    )

    ephemeral = X25519PrivateKey.generate()
    eph_public = ephemeral.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(public))
    return eph_public + seal(_dropbox_key(shared, eph_public), plaintext, context)


def open_from(private: bytes, sealed: bytes, context: bytes = b"") -> bytes:
    from cryptography.hazmat.primitives.asymmetric.x25519 import (
        X25519PrivateKey,
        X25519PublicKey,
    )

    eph_public, rest = sealed[:32], sealed[32:]
    try:
        shared = X25519PrivateKey.from_private_bytes(private).exchange(
            X25519PublicKey.from_public_bytes(eph_public)
        )
    except ValueError as exc:
        raise DecryptionFailed("not a drop-box message") from exc
    return open_sealed(_dropbox_key(shared, eph_public), rest, context)


def mac(key: bytes, data: bytes) -> bytes:
    """HMAC-SHA256 of `data` under `key`."""
    import hmac

    return hmac.new(key, data, "sha256").digest()


def mac_matches(key: bytes, data: bytes, expected: bytes) -> bool:
    import hmac

    return hmac.compare_digest(mac(key, data), expected)


def scan_tag(key: bytes, message_id: int, category: str) -> str:
    """A flag's blind index: HMAC of the message and category the scanner raised it for."""
    return b64(mac(key, f"{message_id}/{category}".encode()))
