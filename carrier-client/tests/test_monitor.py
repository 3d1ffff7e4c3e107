"""The monitor reads the whole log, checks it against the signed checkpoint, rebuilds every name
from the entries alone and compares with the signed snapshot: a change without a logged act, a
changed past entry and a truncated log are each reported."""

import pytest
from conftest import record

from brandname_carrier import ReplayedData, monitor
from brandname_carrier.errors import LogInconsistent


def populated(registry, n=300):
    """More than one entry bundle (256 entries each)."""
    for i in range(n):
        registry.put(record(f"NAME{i:04d}"))
    registry.put(record("NAME0001", "revoked"), act="revoke")
    registry.release("NAME0002")
    registry.silent_event()


def test_an_honest_registry_passes(make_client, registry):
    populated(registry)
    report = monitor.run(make_client())
    assert report["ok"] and report["differences"] == []
    assert report["log_size"] == registry.head == report["seq"] == 303
    assert report["names"] == 299


def test_a_name_changed_without_a_logged_act_is_reported(make_client, registry):
    populated(registry, 5)
    registry.records["NAME0003"] = record("NAME0003", until="2035-01-01")  # no event, no leaf
    registry.records["GHOST"] = record("GHOST")
    report = monitor.run(make_client())
    assert not report["ok"]
    found = {d["name"]: d for d in report["differences"]}
    assert set(found) == {"NAME0003", "GHOST"}
    assert found["GHOST"]["log"] is None and found["NAME0003"]["log"]["valid_until"] == "2029-03-01"


def test_a_changed_past_entry_is_detected(make_client, registry):
    populated(registry, 5)
    registry.entries[2] = registry.entries[2].replace(b"2029-03-01", b"2039-03-01")  # tree unchanged
    with pytest.raises(LogInconsistent, match="do not hash"):
        monitor.run(make_client())


def test_a_truncated_log_is_detected(make_client, registry):
    populated(registry, 5)
    client = make_client()
    assert monitor.run(client)["ok"]
    registry.put(record("LATER"))
    registry.tree = type(registry.tree)([registry.tree.node(0, i) for i in range(4)])
    with pytest.raises(ReplayedData, match="truncated"):
        monitor.run(client)
