"""The deployment's personal-data keys (issue #12; 个人信息保护法 art. 51, MLPS 2.0 level 3 at-rest encryption).

Two kinds of key, both from Settings:
- data keys (AES-256-GCM) that encrypt sensitive personal data at rest. ``LANDBRIDGE_PRIVACY_DATA_KEYS`` lists
  them as ``kid=base64,kid=base64``; the last one encrypts, every listed one decrypts, so a new key is added at the
  end and old ciphertexts are re-encrypted at leisure (rotation);
- the index key (HMAC-SHA-256) of blind indexes and keyed digests: equal inputs give equal digests, so uniqueness
  and exact look-up work on encrypted columns, while nobody without the key can test a guessed ID number.

Outside production a random set is made once per installation in ``var/privacy_keys.json`` (mode 0600);
production refuses to start without both settings (``config.Settings``).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from landbridge.config import Mode, Settings, get_settings

KEY_BYTES = 32
_KID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
_lock = threading.Lock()
_cache: dict[tuple[str | None, str | None, str], Keyring] = {}


class KeyConfigError(RuntimeError):
    """The privacy keys in the settings are malformed (a start-up error, never a user's)."""


@dataclass(frozen=True)
class Keyring:
    """The data keys by id (the last encrypts) and the index key."""

    data_keys: tuple[tuple[str, bytes], ...]
    index_key: bytes

    @property
    def current(self) -> tuple[str, bytes]:
        """The key that encrypts new data: the last one listed."""
        return self.data_keys[-1]

    def data_key(self, kid: str) -> bytes | None:
        """A data key by id, or None when this deployment does not hold it."""
        for name, key in self.data_keys:
            if name == kid:
                return key
        return None


def _decode_key(text: str, what: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except binascii.Error:
        raise KeyConfigError(f"{what} is not base64") from None
    if len(key) != KEY_BYTES:
        raise KeyConfigError(f"{what} must be {KEY_BYTES} bytes, not {len(key)}")
    return key


def parse_data_keys(text: str) -> tuple[tuple[str, bytes], ...]:
    """Parse ``kid=base64,kid=base64`` into (id, key) pairs, refusing duplicates and malformed entries."""
    pairs: list[tuple[str, bytes]] = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        kid, sep, b64 = item.partition("=")
        if not sep or not _KID.match(kid):
            raise KeyConfigError(f"privacy data key entry {kid!r} must read kid=base64 (kid: 1-16 of A-Z a-z 0-9 _ -)")
        if any(kid == seen for seen, _ in pairs):
            raise KeyConfigError(f"privacy data key id {kid!r} is listed twice")
        pairs.append((kid, _decode_key(b64, f"privacy data key {kid!r}")))
    if not pairs:
        raise KeyConfigError("no privacy data key is configured")
    return tuple(pairs)


def _dev_keys(var_dir: Path) -> tuple[str, str]:
    path = var_dir / "privacy_keys.json"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        made = {"data_keys": "dev1=" + base64.b64encode(os.urandom(KEY_BYTES)).decode(),
                "index_key": base64.b64encode(os.urandom(KEY_BYTES)).decode()}
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(made))
        tmp.chmod(0o600)
        tmp.replace(path)
    stored = json.loads(path.read_text())
    return str(stored["data_keys"]), str(stored["index_key"])


def keyring(settings: Settings | None = None) -> Keyring:
    """The deployment's keyring (cached per configuration)."""
    settings = settings or get_settings()
    cache_key = (settings.privacy_data_keys, settings.privacy_index_key, str(settings.var_dir.resolve()))
    with _lock:
        found = _cache.get(cache_key)
        if found is not None:
            return found
        data_text, index_text = settings.privacy_data_keys, settings.privacy_index_key
        if not data_text or not index_text:
            if settings.mode is Mode.production:
                raise KeyConfigError("LANDBRIDGE_PRIVACY_DATA_KEYS and LANDBRIDGE_PRIVACY_INDEX_KEY are required")
            dev_data, dev_index = _dev_keys(settings.var_dir)
            data_text, index_text = data_text or dev_data, index_text or dev_index
        ring = Keyring(parse_data_keys(data_text), _decode_key(index_text, "privacy index key"))
        _cache[cache_key] = ring
        return ring
