"""The RFC 9162 Merkle tree against transparency-dev/merkle's published vectors and a brute-force
reference (the recursive definitions of RFC 9162 §2.1, written as literally as possible)."""

import base64
import hashlib
import json
import random
from pathlib import Path

import pytest

from brandname_carrier import merkle

VECTORS = Path(__file__).parent / "vectors" / "merkle"


def _b64(value):
    return base64.b64decode(value) if value is not None else None


def _cases(kind):
    files = sorted((VECTORS / kind).rglob("*.json"))
    assert len(files) > 90, "the vectors are missing"
    return [pytest.param(json.loads(f.read_text()), id=str(f.relative_to(VECTORS))) for f in files]


@pytest.mark.parametrize("case", _cases("inclusion"))
def test_inclusion_vectors(case):
    proof = [_b64(p) for p in case["proof"] or ()]

    def verify():
        merkle.verify_inclusion(
            case["leafIdx"], case["treeSize"], _b64(case["leafHash"]), proof, _b64(case["root"])
        )

    if case["wantErr"]:
        with pytest.raises(merkle.ProofError):
            verify()
    else:
        verify()


@pytest.mark.parametrize("case", _cases("consistency"))
def test_consistency_vectors(case):
    proof = [_b64(p) for p in case["proof"] or ()]
    root1 = _b64(case["root1"]) or b""

    def verify():
        merkle.verify_consistency(case["size1"], case["size2"], root1, _b64(case["root2"]), proof)

    if case["wantErr"]:
        with pytest.raises(merkle.ProofError):
            verify()
    else:
        verify()


# -- brute force: the RFC's recursive definitions -----------------------------------------------


def ref_mth(d):
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = 1
    while k * 2 < len(d):
        k *= 2
    return hashlib.sha256(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:])).digest()


def ref_path(m, d):
    if len(d) <= 1:
        return []
    k = 1
    while k * 2 < len(d):
        k *= 2
    if m < k:
        return ref_path(m, d[:k]) + [ref_mth(d[k:])]
    return ref_path(m - k, d[k:]) + [ref_mth(d[:k])]


def ref_subproof(m, d, b):
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return ref_subproof(m, d[:k], b) + [ref_mth(d[k:])]
    return ref_subproof(m - k, d[k:], False) + [ref_mth(d[:k])]


def _entries(n):
    return [f"entry {i}".encode() for i in range(n)]


SIZES = [*range(1, 34), 63, 64, 65, 127, 128, 129, 200, 255, 256, 257, 1000]


@pytest.mark.parametrize("n", SIZES)
def test_root_and_proofs_match_the_reference(n):
    rng = random.Random(n)
    d = _entries(n)
    tree = merkle.MemoryTree(merkle.leaf_hash(e) for e in d)
    assert tree.root() == ref_mth(d) == merkle.root_of([merkle.leaf_hash(e) for e in d])
    for m in {0, n - 1, rng.randrange(n), rng.randrange(n)}:
        proof = tree.inclusion(m)
        assert proof == ref_path(m, d)
        merkle.verify_inclusion(m, n, merkle.leaf_hash(d[m]), proof, tree.root())
        for bad in (m + 1, n):
            if bad < n and merkle.leaf_hash(d[bad]) != merkle.leaf_hash(d[m]):
                with pytest.raises(merkle.ProofError):
                    merkle.verify_inclusion(bad, n, merkle.leaf_hash(d[m]), proof, tree.root())
    for m in {1, n, rng.randint(1, n), rng.randint(1, n)}:
        proof = tree.consistency(m)
        assert proof == (ref_subproof(m, d, True) if m < n else [])
        merkle.verify_consistency(m, n, tree.root(m), tree.root(), proof)
        if m < n:
            other = merkle.MemoryTree(merkle.leaf_hash(e + b"!") for e in d[:m])  # a forked past
            with pytest.raises(merkle.ProofError):
                merkle.verify_consistency(m, n, other.root(), tree.root(), proof)
            with pytest.raises(merkle.ProofError):
                merkle.verify_consistency(m, n, tree.root(m), tree.root(), proof[:-1])


def test_prefix_roots_of_a_growing_tree():
    d = _entries(70)
    tree = merkle.MemoryTree()
    for i, e in enumerate(d):
        tree.append(merkle.leaf_hash(e))
        assert tree.root() == ref_mth(d[: i + 1])
        assert tree.root(i // 2 + 1) == ref_mth(d[: i // 2 + 1])


def test_sizes_and_lengths_are_checked_before_hashing():
    tree = merkle.MemoryTree(merkle.leaf_hash(e) for e in _entries(5))
    proof = tree.inclusion(2)
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(
            2, 5, merkle.leaf_hash(b"entry 2"), [*proof[:-1], proof[-1][:31]], tree.root()
        )
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(5, 5, merkle.leaf_hash(b"entry 2"), proof, tree.root())
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(4, 3, tree.root(4), tree.root(3), [])
    with pytest.raises(merkle.ProofError):
        tree.inclusion(5)
