"""Encryption at rest, blind indexes, key rotation and masking (issue #12 item 4), without a database."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from landbridge.config import Mode, Settings
from landbridge.kernel.ids import mask_phone
from landbridge.privacy import (
    DecryptError,
    KeyConfigError,
    Keyring,
    blind_index,
    decrypt,
    encrypt,
    keyed_digest,
    keyring,
    mask_name,
    needs_rotation,
    parse_data_keys,
    rotate,
    token_key_id,
)


def _b64(byte: int) -> str:
    return base64.b64encode(bytes([byte]) * 32).decode()


OLD = Keyring(parse_data_keys(f"k1={_b64(1)}"), bytes([9]) * 32)
BOTH = Keyring(parse_data_keys(f"k1={_b64(1)},k2={_b64(2)}"), bytes([9]) * 32)
NEW_ONLY = Keyring(parse_data_keys(f"k2={_b64(2)}"), bytes([9]) * 32)
OTHER_INDEX = Keyring(parse_data_keys(f"k1={_b64(1)}"), bytes([8]) * 32)
ID = "360602199001011234"


@given(st.text(max_size=200))
def test_encrypt_round_trip_any_text(text: str) -> None:
    token = encrypt(text, context="registry.party.id_number", ring=OLD)
    assert token.startswith("v1.k1.")
    assert decrypt(token, context="registry.party.id_number", ring=OLD) == text


def test_ciphertext_is_fresh_each_time_and_bound_to_its_context() -> None:
    one, two = (encrypt(ID, context="registry.party.id_number", ring=OLD) for _ in range(2))
    assert one != two  # a random nonce: equal IDs are not equal ciphertexts
    with pytest.raises(DecryptError):
        decrypt(one, context="registry.party.phone", ring=OLD)


def test_tampering_and_foreign_tokens_are_refused() -> None:
    token = encrypt(ID, context="c", ring=OLD)
    body = bytearray(base64.b64decode(token.split(".", 2)[2]))
    body[-1] ^= 1
    with pytest.raises(DecryptError):
        decrypt("v1.k1." + base64.b64encode(bytes(body)).decode(), context="c", ring=OLD)
    for bad in ("plain", "v2.k1.AAAA", "v1.k1.%%%"):
        with pytest.raises(DecryptError):
            decrypt(bad, context="c", ring=OLD)


def test_rotation_reencrypts_under_the_newest_key() -> None:
    old_token = encrypt(ID, context="c", ring=OLD)
    assert token_key_id(old_token) == "k1"
    assert needs_rotation(old_token, BOTH)
    new_token = rotate(old_token, context="c", ring=BOTH)
    assert token_key_id(new_token) == "k2" and not needs_rotation(new_token, BOTH)
    assert rotate(new_token, context="c", ring=BOTH) == new_token
    assert decrypt(new_token, context="c", ring=NEW_ONLY) == ID  # the old key can then be retired
    with pytest.raises(DecryptError, match="not configured"):
        decrypt(old_token, context="c", ring=NEW_ONLY)


def test_blind_index_is_keyed_and_separated_by_purpose() -> None:
    assert blind_index(ID, purpose="party.id", ring=OLD) == blind_index(ID, purpose="party.id", ring=BOTH)
    assert blind_index(ID, purpose="party.id", ring=OLD) != blind_index(ID, purpose="party.phone", ring=OLD)
    assert blind_index(ID, purpose="party.id", ring=OLD) != blind_index(ID, purpose="party.id", ring=OTHER_INDEX)
    import hashlib
    assert keyed_digest(ID, purpose="party.id", ring=OLD) != hashlib.sha256(ID.encode()).digest()


@pytest.mark.parametrize("text", ["", "k1", "k1=notbase64!", f"k1={_b64(1)},k1={_b64(2)}",
                                  f"bad id={_b64(1)}", "k1=" + base64.b64encode(b"short").decode()])
def test_malformed_key_settings_are_refused(text: str) -> None:
    with pytest.raises(KeyConfigError):
        parse_data_keys(text)


def test_dev_keys_are_made_once_per_installation_and_production_requires_them(tmp_path: Path) -> None:
    dev = Settings(mode=Mode.test, var_dir=tmp_path)
    ring = keyring(dev)
    assert (tmp_path / "privacy_keys.json").stat().st_mode & 0o777 == 0o600
    assert json.loads((tmp_path / "privacy_keys.json").read_text())["data_keys"].startswith("dev1=")
    assert keyring(Settings(mode=Mode.test, var_dir=tmp_path)) == ring
    with pytest.raises(ValueError, match="PRIVACY"):
        Settings(mode=Mode.production, secret_key="s", ledger_signing_key_file=tmp_path / "k.pem")
    prod = Settings(mode=Mode.production, secret_key="s", ledger_signing_key_file=tmp_path / "k.pem",
                    privacy_data_keys=f"p1={_b64(3)}", privacy_index_key=_b64(4), var_dir=tmp_path / "prod")
    assert keyring(prod).current[0] == "p1"
    assert not (tmp_path / "prod" / "privacy_keys.json").exists()


@pytest.mark.parametrize(("name", "masked"), [("张三丰", "张*丰"), ("张三", "张*"), ("欧阳娜娜", "欧**娜"),
                                              ("李", "*"), (" 王五 ", "王*")])
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_mask_phone() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("12345") == "*****"
