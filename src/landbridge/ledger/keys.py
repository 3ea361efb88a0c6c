"""The Ed25519 key that signs tree heads (generated on first use outside production), and the key ring that
verifies them: the current key and the public halves of the keys it replaced (issue #22 item 6)."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from landbridge.config import Mode, Settings, get_settings

_lock = threading.Lock()
_cache: dict[Path, Ed25519PrivateKey] = {}


def load_signing_key(settings: Settings | None = None) -> Ed25519PrivateKey:
    """Load (or, outside production, create) the ledger signing key."""
    settings = settings or get_settings()
    path = settings.signing_key_path()
    with _lock:
        if path in _cache:
            return _cache[path]
        if not path.exists():
            if settings.mode is Mode.production:
                raise RuntimeError(f"ledger signing key {path} is missing")
            path.parent.mkdir(parents=True, exist_ok=True)
            pem, _ = new_signing_key_pem()
            path.write_bytes(pem)
            path.chmod(0o600)
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(loaded, Ed25519PrivateKey):
            raise RuntimeError("ledger signing key must be Ed25519")
        _cache[path] = loaded
        return loaded


def public_key_bytes(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """Short identifier of a key: the first 8 bytes of SHA-256 of the raw public key, hex."""
    return hashlib.sha256(public_key_bytes(key)).hexdigest()[:16]


def new_signing_key_pem() -> tuple[bytes, Ed25519PrivateKey]:
    """A fresh Ed25519 signing key as unencrypted PKCS#8 PEM (the file is the secret: store it 0600)."""
    key = Ed25519PrivateKey.generate()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()), key


def verification_keys(settings: Settings | None = None) -> dict[str, Ed25519PublicKey]:
    """Every key whose tree heads this deployment accepts, by key id: the retired ones (settings, oldest first)
    and the current signing key last."""
    settings = settings or get_settings()
    ring: dict[str, Ed25519PublicKey] = {}
    for hex_key in settings.ledger_retired_public_keys:
        pub = Ed25519PublicKey.from_public_bytes(bytes.fromhex(hex_key))
        ring[key_id(pub)] = pub
    current = load_signing_key(settings).public_key()
    ring.pop(key_id(current), None)
    ring[key_id(current)] = current
    return ring
