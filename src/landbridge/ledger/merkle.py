"""RFC 6962 / RFC 9162 Merkle tree hashing, audit paths and consistency proofs. Pure, no database.

``leaf = SHA-256(0x00 ‖ entry)``, ``node = SHA-256(0x01 ‖ left ‖ right)``; the tree of n leaves
splits at the largest power of two below n. Subtree hashes are read through a callback
``subtree(lo, hi)`` so that callers can serve them from storage.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

SubtreeFn = Callable[[int, int], bytes]

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two strictly smaller than n (n ≥ 2)."""
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


def root_from_leaves(leaves: Sequence[bytes]) -> bytes:
    """Merkle tree hash of a list of leaf hashes (reference implementation, O(n))."""
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    # Iterative form equivalent to RFC 6962 MTH: pair left to right, promote an odd last node.
    while len(level) > 1:
        nxt = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def subtree_from_leaves(leaves: Sequence[bytes]) -> SubtreeFn:
    """A subtree callback over an in-memory list of leaf hashes."""

    def subtree(lo: int, hi: int) -> bytes:
        return root_from_leaves(leaves[lo:hi])

    return subtree


class Frontier:
    """The right edge of the tree (one hash per set bit of the size): O(log n) appends and roots.

    ``append`` returns the complete subtrees it finished, as (level, index, hash), so callers can
    store them for proofs.
    """

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        self.size = size
        self.hashes = list(hashes)
        if len(self.hashes) != bin(size).count("1"):
            raise ValueError("frontier does not match the tree size")

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        completed: list[tuple[int, int, bytes]] = []
        index = self.size
        node = leaf
        level = 0
        while index & 1:
            node = node_hash(self.hashes.pop(), node)
            level += 1
            index >>= 1
            completed.append((level, index, node))
        self.hashes.append(node)
        self.size += 1
        return completed

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        node = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            node = node_hash(left, node)
        return node


def subtree_hash(lo: int, hi: int, complete: Callable[[int, int], bytes]) -> bytes:
    """Hash of leaves [lo, hi) built from complete aligned subtrees ``complete(level, index)``."""
    n = hi - lo
    if n <= 0:
        raise ValueError("empty range")
    if n & (n - 1) == 0 and lo % n == 0:
        level = n.bit_length() - 1
        return complete(level, lo >> level)
    k = split_point(n)
    return node_hash(subtree_hash(lo, lo + k, complete), subtree_hash(lo + k, hi, complete))


def inclusion_proof(index: int, size: int, subtree: SubtreeFn) -> list[bytes]:
    """Audit path for leaf ``index`` in the tree of ``size`` leaves (RFC 6962 §2.1.1 PATH)."""
    if not 0 <= index < size:
        raise ValueError("index out of range")

    def path(m: int, lo: int, hi: int) -> list[bytes]:
        n = hi - lo
        if n == 1:
            return []
        k = split_point(n)
        if m < k:
            return [*path(m, lo, lo + k), subtree(lo + k, hi)]
        return [*path(m - k, lo + k, hi), subtree(lo, lo + k)]

    return path(index, 0, size)


def consistency_proof(first: int, second: int, subtree: SubtreeFn) -> list[bytes]:
    """Proof that the tree of ``first`` leaves is a prefix of the tree of ``second`` (RFC 6962 §2.1.2)."""
    if not 0 < first <= second:
        raise ValueError("need 0 < first <= second")

    def subproof(m: int, lo: int, hi: int, complete: bool) -> list[bytes]:
        n = hi - lo
        if m == n:
            return [] if complete else [subtree(lo, hi)]
        k = split_point(n)
        if m <= k:
            return [*subproof(m, lo, lo + k, complete), subtree(lo + k, hi)]
        return [*subproof(m - k, lo + k, hi, False), subtree(lo, lo + k)]

    return subproof(first, 0, second, True)


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """Check an audit path (RFC 9162 §2.1.3.2)."""
    if index >= size:
        return False
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """Check a consistency proof (RFC 9162 §2.1.4.2)."""
    if first == second:
        return not proof and first_root == second_root
    if first == 0 or first > second or not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # first is a power of two: its root is the implicit first node
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0
