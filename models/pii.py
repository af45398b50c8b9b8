"""Personal data at rest: AES-GCM encryption and a keyed hash for exact look-up.

One 32-byte master key (KX_DATA_KEY) is stretched with HKDF into an encryption key and a
hashing key, so the look-up hash reveals nothing about the ciphertext key. Each ciphertext is
bound to its column by the associated data ("person.id_number"), so a value copied into another
column does not decrypt. Layout: version byte 0x01 | 12-byte nonce | ciphertext and tag.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

FORMAT_V1 = b"\x01"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """A stored value does not decrypt with this key (wrong key, or tampered data)."""


class Vault:
    """Encrypt, decrypt and hash personal identifiers with keys derived from one master key."""

    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != 32:
            raise ValueError("the master key must be 32 bytes")
        self._aead = AESGCM(_derive(master_key, b"kuaixiang/pii/aes-gcm"))
        self._mac_key = _derive(master_key, b"kuaixiang/pii/lookup-hmac")

    def encrypt(self, plaintext: str, *, context: str) -> bytes:
        """Return the ciphertext of `plaintext`, bound to `context`."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return FORMAT_V1 + nonce + sealed

    def decrypt(self, blob: bytes, *, context: str) -> str:
        """Return the plaintext of a value made by encrypt() with the same context."""
        if not blob or blob[:1] != FORMAT_V1:
            raise DecryptionError("unknown ciphertext format")
        nonce, sealed = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, sealed, context.encode()).decode()
        except InvalidTag:
            raise DecryptionError(f"cannot decrypt a {context} value with this key") from None

    def lookup_hash(self, value: str, *, context: str) -> bytes:
        """Return a 32-byte keyed hash of `value` for equality look-ups."""
        message = context.encode() + b"\x00" + value.encode()
        return hmac.new(self._mac_key, message, hashlib.sha256).digest()


def _derive(master_key: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master_key)
