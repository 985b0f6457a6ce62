"""A Merkle tree over the team-wide log, hashed as RFC 6962/9162 hash theirs.

A leaf is SHA-256(0x00 || entry), an inner node SHA-256(0x01 || left || right); a tree of
n leaves splits at the largest power of two below n. Such a root commits to every entry
and to their order, so a signed root taken once (a checkpoint) exposes any later change,
removal, insertion or reordering of what it covered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class Frontier:
    """The roots of the perfect subtrees of a growing tree: its root at any size, a leaf
    at a time, in memory of O(log n)."""

    def __init__(self) -> None:
        self.size = 0
        self._peaks: list[bytes] = []

    def append(self, leaf: bytes) -> None:
        """Add a leaf's hash (leaf_hash of its entry)."""
        merged = leaf
        size = self.size
        while size & 1:
            merged = node_hash(self._peaks.pop(), merged)
            size >>= 1
        self._peaks.append(merged)
        self.size += 1

    def root(self) -> bytes:
        if not self._peaks:
            return EMPTY_ROOT
        merged = self._peaks[-1]
        for peak in reversed(self._peaks[:-1]):
            merged = node_hash(peak, merged)
        return merged


def root_of(leaves: Iterable[bytes]) -> bytes:
    frontier = Frontier()
    for leaf in leaves:
        frontier.append(leaf)
    return frontier.root()


class Tree:
    """Every level of a tree of known leaves, to give inclusion paths: a node without a
    right sibling moves up a level as it is, which is RFC 6962's split."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.size = len(leaves)
        self._levels: list[list[bytes]] = [list(leaves)]
        while len(self._levels[-1]) > 1:
            below = self._levels[-1]
            above = [node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)]
            if len(below) % 2:
                above.append(below[-1])
            self._levels.append(above)

    def root(self) -> bytes:
        return self._levels[-1][0] if self.size else EMPTY_ROOT

    def inclusion_path(self, index: int) -> list[bytes]:
        """The sibling hashes from leaf `index` up to the root (RFC 9162 2.1.3.1)."""
        if not 0 <= index < self.size:
            raise IndexError(f"leaf {index} is not in a tree of {self.size}")
        path: list[bytes] = []
        for level in self._levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):
                path.append(level[sibling])
            index >>= 1
        return path


def included(leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes) -> bool:
    """Whether `path` proves leaf `index` of a tree of `size` leaves has `root` (RFC 9162 2.1.3.2)."""
    if not 0 <= index < size:
        return False
    position, last, merged = index, size - 1, leaf
    for sibling in path:
        if last == 0:
            return False
        if position & 1 or position == last:
            merged = node_hash(sibling, merged)
            while not position & 1 and position != 0:
                position >>= 1
                last >>= 1
        else:
            merged = node_hash(merged, sibling)
        position >>= 1
        last >>= 1
    return last == 0 and merged == root
