"""Encryption at rest and keyed digests of personal data (issue #12 item 4; 个人信息保护法 art. 28, 51).

- ``encrypt``/``decrypt``: AES-256-GCM. A token reads ``v1.<kid>.<base64(nonce ‖ ciphertext ‖ tag)>``; the key id
  names the data key, so several keys can be live during a rotation. The ``context`` (what the value belongs to,
  e.g. ``registry.party.id_number``) is bound in as associated data: a ciphertext copied into another column or
  purpose does not decrypt.
- ``blind_index``: HMAC-SHA-256 under the index key, with the purpose in the message, so an ID number's index in
  one table cannot be matched against another purpose's. Used for unique constraints and exact look-up.
- ``keyed_digest``: the same HMAC as raw bytes, for digests that stand in for personal data in records others can
  read (never a bare hash of a low-entropy value such as an ID number or a phone).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from landbridge.privacy.keys import Keyring, keyring

CIPHERTEXT_FORMAT = "v1"  # the token layout, not a secret
NONCE_BYTES = 12


class DecryptError(ValueError):
    """A token that this deployment cannot open: unknown key, wrong context, or tampered."""


def _aad(context: str) -> bytes:
    return b"landbridge-pii-v1\x00" + context.encode("utf-8")


def encrypt(plaintext: str, *, context: str, ring: Keyring | None = None) -> str:
    """Encrypt a personal value under the current data key, bound to ``context``."""
    ring = ring or keyring()
    kid, key = ring.current
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), _aad(context))
    return f"{CIPHERTEXT_FORMAT}.{kid}.{base64.b64encode(nonce + sealed).decode()}"


def encrypt_many(plaintexts: Sequence[str | None], *, context: str, ring: Keyring | None = None) -> list[str | None]:
    """Encrypt many values under the current key with one cipher object (bulk paths); None stays None."""
    ring = ring or keyring()
    kid, key = ring.current
    cipher, aad, prefix = AESGCM(key), _aad(context), f"{CIPHERTEXT_FORMAT}.{kid}."
    nonces = os.urandom(NONCE_BYTES * len(plaintexts))  # one system call for the batch's random nonces
    seal, b64 = cipher.encrypt, base64.b64encode
    out: list[str | None] = []
    for i, text in enumerate(plaintexts):
        if text is None:
            out.append(None)
            continue
        nonce = nonces[i * NONCE_BYTES:(i + 1) * NONCE_BYTES]
        out.append(prefix + b64(nonce + seal(nonce, text.encode("utf-8"), aad)).decode())
    return out


def token_key_id(token: str) -> str:
    """The id of the data key a token was made with (for rotation)."""
    _, kid, _ = _split(token)
    return kid


def _split(token: str) -> tuple[str, str, str]:
    parts = token.split(".", 2)
    if len(parts) != 3 or parts[0] != CIPHERTEXT_FORMAT:
        raise DecryptError("not an encrypted value of this platform")
    return parts[0], parts[1], parts[2]


def decrypt(token: str, *, context: str, ring: Keyring | None = None) -> str:
    """The plaintext of a token made by ``encrypt`` for the same ``context``."""
    ring = ring or keyring()
    _, kid, body = _split(token)
    key = ring.data_key(kid)
    if key is None:
        raise DecryptError(f"data key {kid!r} is not configured")
    try:
        raw = base64.b64decode(body, validate=True)
        return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(context)).decode("utf-8")
    except (binascii.Error, InvalidTag, ValueError) as exc:
        raise DecryptError("the value does not decrypt (tampered, or another context)") from exc


def decrypt_many(tokens: Sequence[str | None], *, context: str, ring: Keyring | None = None) -> list[str | None]:
    """Decrypt many tokens with one cipher object per key (bulk paths); None stays None."""
    ring = ring or keyring()
    aad = _aad(context)
    ciphers: dict[str, AESGCM] = {}
    out: list[str | None] = []
    for token in tokens:
        if token is None:
            out.append(None)
            continue
        _, kid, body = _split(token)
        cipher = ciphers.get(kid)
        if cipher is None:
            key = ring.data_key(kid)
            if key is None:
                raise DecryptError(f"data key {kid!r} is not configured")
            cipher = ciphers[kid] = AESGCM(key)
        try:
            raw = base64.b64decode(body, validate=True)
            out.append(cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad).decode("utf-8"))
        except (binascii.Error, InvalidTag, ValueError) as exc:
            raise DecryptError("the value does not decrypt (tampered, or another context)") from exc
    return out


def needs_rotation(token: str, ring: Keyring | None = None) -> bool:
    """True when a token was made with a key other than the current one."""
    ring = ring or keyring()
    return token_key_id(token) != ring.current[0]


def rotate(token: str, *, context: str, ring: Keyring | None = None) -> str:
    """Re-encrypt a token under the current key (unchanged if it already is)."""
    ring = ring or keyring()
    if not needs_rotation(token, ring):
        return token
    return encrypt(decrypt(token, context=context, ring=ring), context=context, ring=ring)


def keyed_digest(value: str, *, purpose: str, ring: Keyring | None = None) -> bytes:
    """HMAC-SHA-256 of ``value`` for ``purpose`` under the index key (32 bytes)."""
    ring = ring or keyring()
    message = purpose.encode("utf-8") + b"\x00" + value.encode("utf-8")
    return hmac.new(ring.index_key, message, hashlib.sha256).digest()


def blind_index(value: str, *, purpose: str, ring: Keyring | None = None) -> str:
    """The hex blind index of a personal value (unique constraints and exact look-up on encrypted columns)."""
    return keyed_digest(value, purpose=purpose, ring=ring).hex()


def blind_indexes(values: Sequence[str | None], *, purpose: str, ring: Keyring | None = None) -> list[str | None]:
    """Blind indexes of many values (bulk paths); None stays None."""
    ring = ring or keyring()
    base = hmac.new(ring.index_key, purpose.encode("utf-8") + b"\x00", hashlib.sha256)
    out: list[str | None] = []
    for value in values:
        if value is None:
            out.append(None)
            continue
        mac = base.copy()
        mac.update(value.encode("utf-8"))
        out.append(mac.hexdigest())
    return out
