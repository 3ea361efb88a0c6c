"""The Ed25519 key that signs tree heads. Generated on first use outside production."""

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
            key = Ed25519PrivateKey.generate()
            pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
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
