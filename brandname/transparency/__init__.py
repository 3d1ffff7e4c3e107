"""The registry's public transparency log: every event a leaf of an append-only Merkle tree."""
