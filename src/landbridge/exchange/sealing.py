"""Sealing reserve prices at rest: AES-256-GCM with a key from Settings, the lot bound in as associated data
so a ciphertext cannot be moved to another lot (F4, rules.md Exchange: reserve sealed, encrypted at rest)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from decimal import Decimal, InvalidOperation

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from landbridge.config import Mode, get_settings
from landbridge.errors import DomainError
from landbridge.exchange.errors import ExchangeError

DEV_RESERVE_KEY = hashlib.sha256(b"landbridge-dev-reserve-key").digest()  # dev, test and demo modes only
NONCE_BYTES = 12


def _not_configured() -> DomainError:
    return ExchangeError.RESERVE_KEY_NOT_CONFIGURED.error()


def reserve_key() -> bytes:
    """The 32-byte key: base64 in ``LANDBRIDGE_EXCHANGE_RESERVE_KEY``; a fixed dev key only outside production."""
    settings = get_settings()
    if settings.exchange_reserve_key:
        try:
            key = base64.b64decode(settings.exchange_reserve_key, validate=True)
        except binascii.Error:
            raise _not_configured() from None
        if len(key) != 32:
            raise _not_configured()
        return key
    if settings.mode is Mode.production:
        raise _not_configured()
    return DEV_RESERVE_KEY


def key_id(key: bytes) -> str:
    """A short public name of the key (for rotation), never the key."""
    return hashlib.sha256(b"key-id:" + key).hexdigest()[:16]


def _aad(lot_id: int) -> bytes:
    return f"exchange.lot:{lot_id}:reserve".encode()


def seal_bytes(plain: bytes, aad: bytes, key: bytes) -> str:
    """Base64 of nonce + AES-GCM(plain), bound to ``aad`` (what the ciphertext belongs to)."""
    nonce = os.urandom(NONCE_BYTES)
    return base64.b64encode(nonce + AESGCM(key).encrypt(nonce, plain, aad)).decode()


def open_bytes(token: str, aad: bytes, key: bytes) -> bytes | None:
    """The plain bytes sealed under ``aad``, or None on a wrong key, a wrong owner or tampering."""
    try:
        raw = base64.b64decode(token, validate=True)
        return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad)
    except (binascii.Error, InvalidTag, ValueError):
        return None


def seal(amount: Decimal, lot_id: int, key: bytes) -> str:
    """Base64 of nonce + AES-GCM(amount as text), bound to the lot."""
    return seal_bytes(str(amount).encode(), _aad(lot_id), key)


def unseal(token: str, lot_id: int, key: bytes) -> Decimal:
    """The amount sealed for this lot; 409 exchange.reserve_unreadable on a wrong key, lot or tampering."""
    plain = open_bytes(token, _aad(lot_id), key)
    try:
        if plain is None:
            raise ValueError(token)
        return Decimal(plain.decode())
    except (InvalidOperation, UnicodeDecodeError, ValueError):
        raise ExchangeError.RESERVE_UNREADABLE.error() from None
