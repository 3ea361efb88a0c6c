"""RFC 6962 hashing, audit paths and consistency proofs (pure; P2)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from landbridge.ledger import merkle

# Test vectors of the Certificate Transparency reference implementation (RFC 6962 test tree).
CT_LEAVES = [b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43",
             bytes(range(0x50, 0x58)), bytes(range(0x60, 0x70))]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def test_ct_reference_roots() -> None:
    leaves = [merkle.leaf_hash(x) for x in CT_LEAVES]
    for n, expected in enumerate(CT_ROOTS, start=1):
        assert merkle.root_from_leaves(leaves[:n]).hex() == expected
        frontier = merkle.Frontier()
        for leaf in leaves[:n]:
            frontier.append(leaf)
        assert frontier.root().hex() == expected


def test_empty_tree_root() -> None:
    assert merkle.root_from_leaves([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def _stored(n: int) -> tuple[list[bytes], merkle.SubtreeFn]:
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]
    nodes: dict[tuple[int, int], bytes] = {}
    frontier = merkle.Frontier()
    for i, leaf in enumerate(leaves):
        nodes[(0, i)] = leaf
        for level, index, h in frontier.append(leaf):
            nodes[(level, index)] = h
    return leaves, lambda lo, hi: merkle.subtree_hash(lo, hi, lambda lv, ix: nodes[(lv, ix)])


@given(st.integers(min_value=1, max_value=300), st.data())
def test_inclusion_proofs_verify(n: int, data: st.DataObject) -> None:
    leaves, subtree = _stored(n)
    root = merkle.root_from_leaves(leaves)
    assert subtree(0, n) == root
    i = data.draw(st.integers(min_value=0, max_value=n - 1))
    proof = merkle.inclusion_proof(i, n, subtree)
    assert proof == merkle.inclusion_proof(i, n, merkle.subtree_from_leaves(leaves))
    assert merkle.verify_inclusion(leaves[i], i, n, proof, root)
    assert not merkle.verify_inclusion(merkle.leaf_hash(b"forged"), i, n, proof, root)
    if n > 1:
        assert not merkle.verify_inclusion(leaves[i], (i + 1) % n, n, proof, root)


@given(st.integers(min_value=1, max_value=300), st.data())
def test_consistency_proofs_verify(n: int, data: st.DataObject) -> None:
    leaves, subtree = _stored(n)
    m = data.draw(st.integers(min_value=1, max_value=n))
    proof = merkle.consistency_proof(m, n, subtree)
    first_root = merkle.root_from_leaves(leaves[:m])
    second_root = merkle.root_from_leaves(leaves)
    assert merkle.verify_consistency(m, n, first_root, second_root, proof)
    if m < n:
        assert not merkle.verify_consistency(m, n, merkle.leaf_hash(b"x"), second_root, proof)
        assert not merkle.verify_consistency(m, n, first_root, merkle.leaf_hash(b"x"), proof)
