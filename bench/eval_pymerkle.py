"""Does pymerkle fit the registry's log? It is checked here against RFC 9162 §2.1 as our own
module (brandname_carrier.merkle, tested against transparency-dev/merkle's vectors) computes it:
roots, inclusion and consistency proofs on the same trees, then the time to append and to prove.

pymerkle is not a dependency of the registry; this evaluation needs it in the environment:

    pip install pymerkle && python bench/eval_pymerkle.py [--leaves 100000]

It prints what agrees, what differs and the timings, and exits 1 when pymerkle's roots disagree
with RFC 9162 (the one thing that would matter to anyone reading our tiles with it).
"""

import argparse
import random
import sys
import time

from brandname_carrier import merkle

try:
    import pymerkle
except ImportError:  # pragma: no cover - an evaluation tool, not part of the suite
    sys.exit("pymerkle is not installed: pip install pymerkle")


def _ours(entries):
    hashes = [merkle.leaf_hash(e) for e in entries]

    def subtree(lo, hi):
        return merkle.root_of(hashes[lo:hi])

    return hashes, subtree


def _rfc_path_from_pymerkle(proof):
    """pymerkle's inclusion path starts with the leaf itself and is ordered deepest first; the
    RFC audit path is the rest, as long as pymerkle's rule bits agree on left and right."""
    path = [bytes.fromhex(h) if isinstance(h, str) else h for h in proof.path]
    return path[1:]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, default=200, help="every tree size up to this")
    parser.add_argument("--leaves", type=int, default=100_000, help="leaves for the timings")
    args = parser.parse_args()
    rnd = random.Random(9162)
    print(f"pymerkle {getattr(pymerkle, '__version__', '?')}")

    roots_differ = inclusion_differ = consistency_differ = reordered = 0
    tree = pymerkle.InmemoryTree(algorithm="sha256")
    entries = []
    if tree.get_root(0) != merkle.EMPTY_ROOT:
        roots_differ += 1
        print("empty tree: pymerkle's root is not SHA-256 of the empty string")
    for size in range(1, args.sizes + 1):
        entry = rnd.randbytes(rnd.randrange(0, 64))
        entries.append(entry)
        tree.append_entry(entry)
        hashes, subtree = _ours(entries)
        if tree.get_root(size) != merkle.root_of(hashes):
            roots_differ += 1
        index = rnd.randrange(size)
        # pymerkle numbers leaves from 1; RFC 9162 from 0
        ours = merkle.inclusion_proof(index, size, subtree)
        theirs = _rfc_path_from_pymerkle(tree.prove_inclusion(index + 1, size))
        if theirs != ours:
            inclusion_differ += 1
        prior = rnd.randrange(1, size + 1)
        ours_c = merkle.consistency_proof(prior, size, subtree)
        proof = tree.prove_consistency(prior, size)
        theirs_c = [bytes.fromhex(h) if isinstance(h, str) else h for h in proof.path]
        if sorted(theirs_c) == sorted(ours_c) and theirs_c != ours_c:
            reordered += 1  # the RFC's hashes, in pymerkle's own order (its rule bits say it)
        elif theirs_c != ours_c:
            consistency_differ += 1  # hashes the RFC proof leaves out (the prior root, ...)
    checked = args.sizes
    print(f"roots:        {checked - roots_differ}/{checked} sizes agree with RFC 9162")
    print(f"inclusion:    {checked - inclusion_differ}/{checked} paths equal the RFC audit path")
    equal = checked - consistency_differ - reordered
    print(
        f"consistency:  {equal}/{checked} proofs equal the RFC proof, {reordered} hold its hashes "
        f"in another order, {consistency_differ} hold other hashes too"
    )

    # time: append N leaves then prove inclusion of the middle one, each library on its own
    big = [rnd.randbytes(48) for _ in range(args.leaves)]
    start = time.perf_counter()
    ptree = pymerkle.InmemoryTree(algorithm="sha256")
    for e in big:
        ptree.append_entry(e)
    p_append = time.perf_counter() - start
    start = time.perf_counter()
    ptree.prove_inclusion(args.leaves // 2 + 1, args.leaves)
    p_prove = time.perf_counter() - start

    start = time.perf_counter()
    hashes = [merkle.leaf_hash(e) for e in big]
    o_append = time.perf_counter() - start
    levels = [hashes]  # complete subtrees, as the registry stores them
    while len(levels[-1]) > 1:
        row = levels[-1]
        levels.append([merkle.node_hash(row[i], row[i + 1]) for i in range(0, len(row) - 1, 2)])
    o_append = time.perf_counter() - start

    def node(level, index):
        return levels[level][index]

    start = time.perf_counter()
    merkle.inclusion_proof(
        args.leaves // 2,
        args.leaves,
        lambda lo, hi: merkle.range_hash(lo, hi, node),
    )
    o_prove = time.perf_counter() - start
    print(
        f"{args.leaves} leaves: append pymerkle {p_append:.2f} s, ours (leaves + complete "
        f"subtrees) {o_append:.2f} s; one inclusion proof pymerkle {p_prove * 1000:.1f} ms, "
        f"ours {o_prove * 1000:.2f} ms"
    )
    return 1 if roots_differ else 0


if __name__ == "__main__":
    sys.exit(main())
