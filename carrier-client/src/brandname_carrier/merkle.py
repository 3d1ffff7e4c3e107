"""Merkle trees of RFC 9162 §2.1 (Certificate Transparency v2): hashing, proofs, verification.

Leaf hash SHA-256(0x00 || entry), interior node SHA-256(0x01 || left || right) (§2.1.1); the
tree of n leaves splits at k, the largest power of two below n. Proof generation takes a
`subtree(lo, hi)` function giving MTH(D[lo:hi]), so the same code serves an in-memory list and
the registry's stored nodes. Verification checks sizes and lengths before any hashing.
"""

import hashlib

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH({}) (§2.1.1)


class ProofError(ValueError):
    """A proof, size or hash that cannot belong to the tree claimed."""


def leaf_hash(entry):
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n):
    """k, the largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(hashes):
    """MTH over a list of leaf hashes, in one pass (a stack of complete subtrees)."""
    stack = []  # (level, hash), levels strictly decreasing
    for i, h in enumerate(hashes):
        level = 0
        while (i >> level) & 1:  # merge the complete subtrees this leaf closes
            h = node_hash(stack.pop()[1], h)
            level += 1
        stack.append((level, h))
    if not stack:
        return EMPTY_ROOT
    h = stack.pop()[1]
    while stack:
        h = node_hash(stack.pop()[1], h)
    return h


def range_hash(lo, hi, node):
    """MTH(D[lo:hi]) from `node(level, index)`, the hash of the complete subtree of 2**level
    leaves starting at index * 2**level. Valid for the ranges the proofs ask for (lo aligned)."""
    n = hi - lo
    if n & (n - 1) == 0 and lo % n == 0:
        return node(n.bit_length() - 1, lo // n)
    k = split(n)
    return node_hash(range_hash(lo, lo + k, node), range_hash(lo + k, hi, node))


def inclusion_proof(index, size, subtree):
    """PATH(index, D[size]) of §2.1.3.1, deepest sibling first."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is outside a tree of {size} leaves")
    proof, lo, hi = [], 0, size
    while hi - lo > 1:
        k = split(hi - lo)
        if index < lo + k:
            proof.append(subtree(lo + k, hi))
            hi = lo + k
        else:
            proof.append(subtree(lo, lo + k))
            lo += k
    return proof[::-1]


def consistency_proof(size1, size2, subtree):
    """PROOF(size1, D[size2]) of §2.1.4.1 (empty when size1 is 0 or equals size2)."""
    if not 0 <= size1 <= size2:
        raise ProofError(f"no consistency proof from {size1} to {size2}")
    if size1 in (0, size2):
        return []
    proof, lo, hi, m, whole = [], 0, size2, size1, True
    while m != hi - lo:
        k = split(hi - lo)
        if m <= k:
            proof.append(subtree(lo + k, hi))
            hi = lo + k
        else:
            proof.append(subtree(lo, lo + k))
            lo, m, whole = lo + k, m - k, False
    if not whole:
        proof.append(subtree(lo, hi))
    return proof[::-1]


def _check_hashes(*hashes):
    for h in hashes:
        if not isinstance(h, bytes) or len(h) != HASH_SIZE:
            raise ProofError("a hash is not 32 bytes")


def _inclusion_length(index, size):
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def verify_inclusion(index, size, leaf, proof, root):
    """§2.1.3.2: raise ProofError unless `leaf` (a leaf hash) is at `index` of the tree `root`."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is outside a tree of {size} leaves")
    _check_hashes(leaf, root, *proof)
    if len(proof) != _inclusion_length(index, size):
        raise ProofError(f"an inclusion proof at {index} of {size} has the wrong length")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or r != root:
        raise ProofError("the inclusion proof does not lead to the root")


def _consistency_length(size1, size2):
    level = (size1 & -size1).bit_length() - 1  # trailing zeros of size1
    index, size = (size1 - 1) >> level, ((size2 - 1) >> level) + 1
    return _inclusion_length(index, size) + (0 if size1 == 1 << level else 1)


def verify_consistency(size1, size2, root1, root2, proof):
    """§2.1.4.2: raise ProofError unless the tree `root2` of `size2` extends `root1` of `size1`."""
    if not 0 < size1 <= size2:  # every tree extends the empty one: callers need no proof for it
        raise ProofError(f"no consistency proof from size {size1} to size {size2}")
    if size1 == size2:  # nothing to prove: no proof, and one size has one root
        if proof:
            raise ProofError("the consistency proof should be empty")
        if root1 != root2:
            raise ProofError("two different roots for one tree size")
        return
    _check_hashes(root1, root2, *proof)
    if len(proof) != _consistency_length(size1, size2):
        raise ProofError(f"a consistency proof from {size1} to {size2} has the wrong length")
    if size1 & (size1 - 1) == 0:  # size1 is a power of two: its root is the first node
        proof = [root1, *proof]
    fr, sr, sn = _consistency_roots(size1, size2, proof)
    if sn != 0 or fr != root1 or sr != root2:
        raise ProofError("the consistency proof does not lead to both roots")


def _consistency_roots(size1, size2, proof):
    """The two roots the chaining loop of §2.1.4.2 computes, and the remaining sn."""
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr, sr, sn


class MemoryTree:
    """An in-memory tree of leaf hashes keeping every complete subtree: proofs in O(log n)."""

    def __init__(self, hashes=()):
        self.levels = [[]]  # levels[l][i]: complete subtree of 2**l leaves at i * 2**l
        for h in hashes:
            self.append(h)

    def __len__(self):
        return len(self.levels[0])

    def append(self, h):
        level = 0
        self.levels[0].append(h)
        while len(self.levels[level]) % 2 == 0:
            up = node_hash(self.levels[level][-2], self.levels[level][-1])
            level += 1
            if level == len(self.levels):
                self.levels.append([])
            self.levels[level].append(up)

    def node(self, level, index):
        return self.levels[level][index]

    def subtree(self, lo, hi):
        return range_hash(lo, hi, self.node)

    def root(self, size=None):
        size = len(self) if size is None else size
        return self.subtree(0, size) if size else EMPTY_ROOT

    def inclusion(self, index, size=None):
        return inclusion_proof(index, len(self) if size is None else size, self.subtree)

    def consistency(self, size1, size2=None):
        return consistency_proof(size1, len(self) if size2 is None else size2, self.subtree)
