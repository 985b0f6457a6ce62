"""The log's Merkle tree against RFC 6962's definition, and its inclusion proofs attacked."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from callassist.core.merkle import EMPTY_ROOT, Frontier, Tree, included, leaf_hash, node_hash


def rfc6962_root(entries: list[bytes]) -> bytes:
    """MTH as RFC 6962 section 2.1 writes it, recursively."""
    if not entries:
        return hashlib.sha256(b"").digest()
    if len(entries) == 1:
        return hashlib.sha256(b"\x00" + entries[0]).digest()
    split = 1
    while split * 2 < len(entries):
        split *= 2
    return hashlib.sha256(b"\x01" + rfc6962_root(entries[:split]) + rfc6962_root(entries[split:])).digest()


entries_lists = st.lists(st.binary(max_size=12), max_size=70)


@given(entries_lists)
@settings(max_examples=150, deadline=None)
def test_every_way_of_computing_the_root_is_rfc_6962s(entries):
    leaves = [leaf_hash(entry) for entry in entries]
    frontier = Frontier()
    for count, leaf in enumerate(leaves, start=1):
        frontier.append(leaf)
        assert frontier.root() == rfc6962_root(entries[:count]) == Tree(leaves[:count]).root()
    assert Frontier().root() == Tree([]).root() == EMPTY_ROOT == rfc6962_root([])


@given(st.lists(st.binary(max_size=8), min_size=1, max_size=40), st.data())
@settings(max_examples=150, deadline=None)
def test_an_inclusion_path_proves_its_leaf_and_nothing_else(entries, data):
    leaves = [leaf_hash(entry) for entry in entries]
    tree = Tree(leaves)
    root = tree.root()
    index = data.draw(st.integers(0, len(leaves) - 1))
    path = tree.inclusion_path(index)
    assert included(leaves[index], index, len(leaves), path, root)
    # Attacks: another leaf, another place, a changed or shortened path, another root.
    assert not included(leaf_hash(b"forged"), index, len(leaves), path, root)
    if len(leaves) > 1:
        other = data.draw(st.integers(0, len(leaves) - 1).filter(lambda i: i != index))
        assert not included(leaves[index], other, len(leaves), path, root) or leaves[other] == leaves[index]
        assert not included(leaves[index], index, len(leaves), path[:-1], root)
        broken = list(path)
        broken[0] = node_hash(broken[0], broken[0])
        assert not included(leaves[index], index, len(leaves), broken, root)
    # (A root does not say its tree's size: the signed checkpoint binds the two together.)
    assert not included(leaves[index], len(leaves), len(leaves), path, root)
    assert not included(leaves[index], index, len(leaves), path, hashlib.sha256(b"another root").digest())
