"""The client and the registry's transparency log: each sync verifies the signed checkpoint and a
consistency proof from the one verified before; a rewritten, forked or truncated log, or a
checkpoint signed by another key, is refused and changes nothing; two clients compare views."""

import json

import pytest
from conftest import FakeRegistry, LogSigner, record, state_bytes

from brandname_carrier import ReplayedData, TamperedData, merkle
from brandname_carrier.errors import LogInconsistent


def test_sync_pins_the_log_key_and_proves_each_new_checkpoint_extends_the_last(make_client, registry):
    registry.put(record("VietSun"))
    client = make_client()
    client.sync()
    view = client.log_view()
    assert view["vkey"] == registry.log_signer.vkey and view["size"] == 1
    registry.put(record("SunMart"))
    registry.put(record("VietSun", "revoked"), act="revoke")
    client.sync()
    assert client.log_view()["size"] == 3 and client.log_view()["root"] == registry.tree.root().hex()
    assert any(p.startswith("/api/v1/tlog/consistency?from=1&to=3") for p, _ in registry.log)


def rewrite_history(registry, index):
    """The registry's tree with leaf `index` replaced: same size, another past."""
    hashes = [registry.tree.node(0, i) for i in range(len(registry.tree))]
    hashes[index] = merkle.leaf_hash(b"a rewritten entry")
    registry.tree = merkle.MemoryTree(hashes)


def test_a_rewritten_past_entry_is_detected(make_client, registry):
    registry.put(record("VietSun"))
    registry.put(record("SunMart"))
    client = make_client()
    client.sync()
    before = state_bytes(client)
    registry.put(record("VietSun", "revoked"), act="revoke")
    rewrite_history(registry, 0)  # and then it grows: the proof from size 2 cannot hold
    with pytest.raises(LogInconsistent, match="does not extend"):
        client.sync()
    assert state_bytes(client) == before and client.log_view()["size"] == 2


def test_a_forked_checkpoint_of_the_same_size_is_detected(make_client, registry):
    registry.put(record("VietSun"))
    registry.put(record("SunMart"))
    client = make_client()
    client.sync()
    before = state_bytes(client)
    rewrite_history(registry, 1)
    with pytest.raises(LogInconsistent, match="forked"):
        client.sync()
    assert state_bytes(client) == before


def test_a_truncated_log_is_refused(make_client, registry):
    for name in ("VietSun", "SunMart", "MinhAn"):
        registry.put(record(name))
    client = make_client()
    client.sync()
    before = state_bytes(client)
    hashes = [registry.tree.node(0, i) for i in range(2)]
    registry.tree = merkle.MemoryTree(hashes)
    with pytest.raises(ReplayedData, match="truncated"):
        client.sync()
    assert state_bytes(client) == before


def test_a_checkpoint_signed_by_another_key_is_refused(make_client, registry):
    registry.put(record("VietSun"))
    client = make_client()
    client.sync()
    before = state_bytes(client)
    registry.log_signer = LogSigner()  # same origin, a key the client does not know
    registry.put(record("SunMart"))
    with pytest.raises(TamperedData, match="does not verify"):
        client.sync()
    assert state_bytes(client) == before
    # an operator-pinned key other than the one the state holds is refused too
    pinned = make_client(log_key=registry.log_signer.vkey)
    with pytest.raises(LogInconsistent, match="pinned"):
        pinned.sync()


def test_two_clients_compare_their_views_and_detect_a_split_view(tmp_path, registry, make_client):
    registry.put(record("VietSun"))
    a = make_client(directory=tmp_path / "a")
    a.sync()
    registry.put(record("SunMart"))
    b = make_client(directory=tmp_path / "b")
    b.sync()
    exported = json.loads(json.dumps(b.log_view()))  # what b would publish or send to a
    assert a.compare_view(exported["checkpoint"]) == {"consistent": True, "sizes": [1, 2]}
    assert b.compare_view(a.log_view()["checkpoint"])["consistent"]
    # the registry shows a third client another history (same key, same size as b's)
    split = FakeRegistry()
    split.log_signer = registry.log_signer
    split.signer = registry.signer
    split.put(record("VietSun"))
    split.put(record("Impostor"))
    c_checkpoint = split.log_signer.checkpoint(len(split.tree), split.tree.root())
    with pytest.raises(LogInconsistent):
        b.compare_view(c_checkpoint)
    with pytest.raises(LogInconsistent):
        a.compare_view(c_checkpoint)  # the registry's proof from size 1 leads to b's root, not c's
    with pytest.raises(TamperedData):
        a.compare_view(LogSigner().checkpoint(2, split.tree.root()))
