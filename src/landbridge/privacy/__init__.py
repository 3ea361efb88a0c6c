"""Privacy by design (issue #12): keys, encryption at rest, blind indexes, masking and the audit of reads of
personal records. A kernel-level package: it imports no domain module, and every domain module may use it.

Public functions only; other modules import from here.
"""

from landbridge.kernel.ids import mask_name  # the one masking shape of names (kernel.ids masks IDs, phones)
from landbridge.privacy.crypto import (
    DecryptError,
    blind_index,
    blind_indexes,
    decrypt,
    decrypt_many,
    encrypt,
    encrypt_many,
    keyed_digest,
    needs_rotation,
    rotate,
    token_key_id,
)
from landbridge.privacy.keys import KeyConfigError, Keyring, keyring, parse_data_keys
from landbridge.privacy.service import COMMIT_READS, Reader, list_reads, record_read, record_reads

__all__ = [
    "COMMIT_READS",
    "DecryptError",
    "KeyConfigError",
    "Keyring",
    "Reader",
    "blind_index",
    "blind_indexes",
    "decrypt",
    "decrypt_many",
    "encrypt",
    "encrypt_many",
    "keyed_digest",
    "keyring",
    "list_reads",
    "mask_name",
    "needs_rotation",
    "parse_data_keys",
    "record_read",
    "record_reads",
    "rotate",
    "token_key_id",
]
