"""sync() against the fake registry: first sync, the change feed, and every refusal, each of
which must leave the local state (on disk and in memory) as it was."""

import base64
import json

import pytest
from conftest import BASE, KEY, TODAY, FakeRegistry, Signer, record, state_bytes

from brandname_carrier import (
    CHANGES_TYP,
    SNAPSHOT_TYP,
    CarrierClient,
    RegistryCertificateMismatch,
    ReplayedData,
    SyncError,
    TamperedData,
)

OK = (True, "active", "ok")
MISMATCH = (False, "active", "holder_mismatch")
NOT_REGISTERED = (False, None, "not_registered")


def populate(registry):
    registry.put(record("VietSun", auths=["0312345678"]))
    registry.put(record("SunMart", holder="0109999999"))
    registry.put(record("Person", holder=None))  # an individual: the ID number is never published
    registry.put(record("Held", "reserved", until=None))
    registry.put(record("Gone", "revoked"))
    registry.put(record("Old", "expired", until="2025-01-01"))
    registry.put(record("Lapsing", until="2026-03-01"))  # stored active, past its last day
    registry.put(record("LastDay", until="2026-03-02"))


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def tamper_payload(token, change):
    """Re-encode a JWS payload after `change(payload)`, keeping the old signature."""
    header, payload, signature = token.split(b".")
    data = json.loads(base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4)))
    change(data)
    return b".".join([header, b64(json.dumps(data).encode()), signature])


# -- sync and check --------------------------------------------------------------------------------


def test_first_sync_pins_the_root_and_answers_offline(make_client, registry):
    populate(registry)
    client = make_client()
    summary = client.sync()
    assert summary == {"seq": registry.head, "names": 8, "start": "snapshot", "pages": 1, "changes": 0}
    assert client.state["root_pem"] == registry.signer.chain().decode().split("-----END CERTIFICATE-----")[
        0
    ] + ("-----END CERTIFICATE-----\n")
    assert client.check("vietsun") == OK and client.check("VietSun") == OK and client.check("VIETSUN") == OK
    assert client.check("VIETSUN", "0101234567").deliverable
    assert client.check("VIETSUN", " 0312345678 ").deliverable  # an authorized party
    assert client.check("VIETSUN", "0399999999") == MISMATCH
    assert client.check("SunMart", "0101234567") == MISMATCH
    assert client.check("Person") == OK and client.check("Person", "001203004567") == MISMATCH
    assert client.check("Held", "0101234567") == (False, "reserved", "reserved")
    assert client.check("Gone") == (False, "revoked", "revoked")
    assert client.check("Old") == (False, "expired", "expired")
    assert client.check("Lapsing") == (False, "expired", "expired")
    assert client.check("LastDay") == OK  # the last valid day still counts
    assert client.check("NOPE") == NOT_REGISTERED
    # dotless i: only ASCII letters fold into the name itself, but it looks like VietSun
    assert client.check("vıetsun") == (False, "unregistered", "impersonation_risk")
    assert client.check("vıetsun").lookalike_of == ("VietSun",)
    assert client.check(None) == NOT_REGISTERED and client.check(b"VIETSUN") == NOT_REGISTERED
    assert client.check(["VIETSUN"]) == NOT_REGISTERED
    assert len(client) == 8

    offline = CarrierClient(directory=client.dir, today=TODAY)  # a fresh process, no network
    assert offline.seq == client.seq and len(offline) == 8
    for name in ("VietSun", "Person", "Held", "Gone", "Lapsing", "NOPE"):
        for holder in (None, "0101234567", "0312345678", "x"):
            assert offline.check(name, holder) == client.check(name, holder)
    assert sorted(offline.entries()) == sorted(client.entries())
    entry = next(e for e in offline.entries() if e.name_normal == "VIETSUN")
    assert entry.name == "VietSun" and entry.authorized == ("0312345678",) and entry.serial.startswith("BN-")


def test_later_syncs_follow_the_change_feed(make_client, registry):
    populate(registry)
    client = make_client(page_limit=2)
    client.sync()
    registry.put(record("VietSun", "revoked"), act="revoke")
    registry.put(record("NewOne", holder="0107777777"))
    registry.put(record("SunMart", holder="0108888888"), act="reissue")  # a new holder
    registry.put(record("LastDay", until="2029-03-01"), act="renewal")
    registry.put(record("Person", holder=None, auths=["0305555555"]), act="authorize")
    registry.release("Gone")
    registry.put(record("HELD", "reserved", until=None), act="reissue")  # spelled anew
    registry.silent_event()
    summary = client.sync()
    assert summary == {"seq": registry.head, "names": 8, "start": "local", "pages": 4, "changes": 8}
    assert "Held" not in client._index and "Gone" not in client._index and "HELD" in client._index
    assert client.check("Held") == (False, "reserved", "reserved")
    assert client.check("VIETSUN") == (False, "revoked", "revoked")
    assert client.check("NewOne", "0107777777") == OK
    assert client.check("SunMart", "0109999999") == MISMATCH and client.check("SunMart", "0108888888") == OK
    assert client.check("Person", "0305555555") == OK
    assert client.check("Gone") == NOT_REGISTERED
    assert client.sync()["changes"] == 0  # already at the head
    # a client starting from a fresh snapshot reaches the same local copy
    fresh = make_client(directory=client.dir.parent / "fresh")
    fresh.sync()
    assert sorted(fresh.entries()) == sorted(client.entries()) and fresh.seq == client.seq
    reloaded = CarrierClient(directory=client.dir, today=TODAY)
    assert sorted(reloaded.entries()) == sorted(client.entries()) and len(reloaded) == len(client) == 8
    # old names files do not pile up
    assert len(list(client.dir.glob("names-*.jsonl"))) <= 2


def test_first_sync_applies_changes_made_after_the_snapshot(make_client, registry):
    populate(registry)
    real_snapshot = registry.snapshot

    def snapshot_then_act():  # the registry moves on between the manifest and the changes
        found = real_snapshot()
        registry.put(record("Later"))
        registry.release("VietSun")
        return found

    registry.snapshot = snapshot_then_act
    client = make_client()
    summary = client.sync()
    assert summary["changes"] == 2 and summary["names"] == 8
    assert client.check("Later") == OK and client.check("VietSun") == NOT_REGISTERED
    assert {e.name_normal for e in client.entries()} == {
        "SUNMART",
        "PERSON",
        "HELD",
        "GONE",
        "OLD",
        "LAPSING",
        "LASTDAY",
        "LATER",
    }


def test_full_resync_downloads_the_snapshot_again(make_client, registry):
    populate(registry)
    client = make_client()
    client.sync()
    registry.put(record("Another"))
    assert client.sync(full=True)["start"] == "snapshot"
    assert client.check("Another") == OK and len(client) == 9


def test_two_processes_share_a_folder(make_client, registry):
    populate(registry)
    first = make_client()
    first.sync()
    second = CarrierClient(BASE, key=KEY, directory=first.dir, transport=registry.transport, today=TODAY)
    registry.put(record("One"))
    first.sync()
    registry.put(record("Two"))
    assert second.sync()["start"] == "local"  # picks up what the first one wrote
    assert second.check("One") == OK and second.check("Two") == OK
    registry.put(record("Three"))
    first.sync()
    assert first.check("Two") == OK and first.check("Three") == OK


# -- refusals --------------------------------------------------------------------------------------


def flip_middle_byte(data):
    data = bytearray(data)
    data[len(data) // 2] ^= 0x01
    return bytes(data)


def test_a_tampered_snapshot_byte_is_refused(make_client, registry):
    populate(registry)
    registry.tamper("/api/v1/snapshot?", flip_middle_byte)
    client = make_client()
    with pytest.raises(TamperedData, match="SHA-256"):
        client.sync()
    assert state_bytes(client) == {} and client.check("VIETSUN") == NOT_REGISTERED and client.seq is None


def test_a_tampered_manifest_is_refused(make_client, registry):
    populate(registry)
    registry.tamper("/api/v1/snapshot/manifest", lambda d: tamper_payload(d, lambda m: m.update(count=99)))
    client = make_client()
    with pytest.raises(TamperedData, match="signature does not verify"):
        client.sync()
    assert state_bytes(client) == {}


def test_a_snapshot_that_lies_about_its_count_is_refused(make_client, registry):
    populate(registry)
    real = registry.snapshot

    def short_snapshot():
        registry.records.pop("OLD")  # the signed count is right, the file has one name less
        token, body = real()
        registry.records["OLD"] = record("Old", "expired", until="2025-01-01")
        payload = json.loads(base64.urlsafe_b64decode(token.split(b".")[1] + b"=="))
        return registry.signer.sign({**payload, "count": payload["count"] + 1}, SNAPSHOT_TYP), body

    registry.snapshot = short_snapshot
    client = make_client()
    with pytest.raises(TamperedData, match="count"):
        client.sync()
    assert state_bytes(client) == {} and client.check("VIETSUN") == NOT_REGISTERED


def test_a_tampered_change_page_is_refused_and_nothing_changes(make_client, registry):
    populate(registry)
    client = make_client(page_limit=1)
    client.sync()
    before = state_bytes(client)
    registry.put(record("NewOne"))
    registry.put(record("VietSun", "revoked"), act="revoke")

    def unrevoke(page):
        for change in page["changes"]:
            for rec in change["names"]:
                rec["status"] = "active"

    registry.hooks.append(
        lambda p, s, d: (s, tamper_payload(d, unrevoke)) if "since=" + str(registry.head - 1) in p else (s, d)
    )
    with pytest.raises(TamperedData, match="signature does not verify"):
        client.sync()  # the first page verified, the second did not: nothing of either applies
    assert state_bytes(client) == before
    assert client.check("NewOne") == NOT_REGISTERED and client.check("VIETSUN") == OK
    registry.hooks.clear()
    client.sync()
    assert client.check("NewOne") == OK and client.check("VIETSUN") == (False, "revoked", "revoked")


def test_a_manifest_served_as_a_change_page_is_refused(make_client, registry):
    populate(registry)
    client = make_client()
    client.sync()
    before = state_bytes(client)
    registry.put(record("NewOne"))
    registry.hooks.append(
        lambda p, s, d: (s, registry.snapshot()[0]) if p.startswith("/api/v1/changes") else (s, d)
    )
    with pytest.raises(TamperedData, match=f"Expected a {CHANGES_TYP} JWS"):
        client.sync()
    assert state_bytes(client) == before


def test_a_replayed_older_page_is_refused(make_client, registry):
    populate(registry)
    client = make_client()
    client.sync()
    old_seq = client.seq
    registry.put(record("NewOne"))
    old_page = registry.changes(old_seq, 1000)  # genuine, signed
    client.sync()
    before = state_bytes(client)
    registry.put(record("VietSun", "revoked"), act="revoke")
    registry.hooks.append(lambda p, s, d: (s, old_page) if p.startswith("/api/v1/changes") else (s, d))
    with pytest.raises(ReplayedData, match="replayed"):
        client.sync()
    assert state_bytes(client) == before and client.check("VIETSUN") == OK


@pytest.mark.parametrize(
    "events",
    [
        [2],  # a gap
        [1, 1],  # a repeat
        [2, 1],  # out of order
    ],
)
def test_signed_but_out_of_order_pages_are_refused(make_client, registry, events):
    populate(registry)
    client = make_client()
    client.sync()
    before = state_bytes(client)
    seq = client.seq
    forged = {
        "type": "brandname-changes",
        "version": 1,
        "since": seq,
        "next": seq + events[-1],
        "head": seq + max(events),
        "time": "2026-03-02T03:00:00Z",
        "changes": [
            {
                "seq": seq + n,
                "at": "2026-03-02T03:00:00Z",
                "act": "release",
                "names": [{"name_normal": "VIETSUN", "status": "released"}],
            }
            for n in events
        ],
    }
    token = registry.signer.sign(forged, CHANGES_TYP)
    registry.hooks.append(lambda p, s, d: (s, token) if p.startswith("/api/v1/changes") else (s, d))
    with pytest.raises(ReplayedData, match="out of order"):
        client.sync()
    assert state_bytes(client) == before and client.check("VIETSUN") == OK


def test_a_page_whose_next_does_not_match_is_refused(make_client, registry):
    populate(registry)
    client = make_client()
    client.sync()
    registry.put(record("NewOne"))
    payload = registry.changes_payload(client.seq, 1000)
    payload["next"] += 1
    token = registry.signer.sign(payload, CHANGES_TYP)
    registry.hooks.append(lambda p, s, d: (s, token) if p.startswith("/api/v1/changes") else (s, d))
    with pytest.raises(TamperedData, match="next/head"):
        client.sync()


def test_a_malformed_signed_record_is_refused(make_client, registry):
    populate(registry)
    client = make_client()
    client.sync()
    before = state_bytes(client)
    registry.put({**record("NewOne"), "valid_until": "soon"})
    with pytest.raises(TamperedData, match="valid_until"):
        client.sync()
    registry.records["NEWONE"]["status"] = "weird"
    with pytest.raises(TamperedData, match="Malformed name record"):
        client.sync()
    assert state_bytes(client) == before and client.check("NewOne") == NOT_REGISTERED


def test_a_different_registry_root_is_refused_after_pinning(make_client, registry):
    populate(registry)
    client = make_client()
    client.sync()
    before = state_bytes(client)
    registry.signer = Signer()  # a whole new root and key, consistent in itself
    with pytest.raises(RegistryCertificateMismatch, match="differs from the pinned"):
        client.sync()
    assert state_bytes(client) == before


def test_a_key_outside_the_chain_is_refused(make_client, registry):
    populate(registry)
    other = Signer()
    registry.hooks.append(
        lambda p, s, d: (s, other.chain()) if p == "/api/v1/registry-certificate" else (s, d)
    )
    client = make_client()
    with pytest.raises(TamperedData, match="not an issuing certificate"):
        client.sync()
    assert state_bytes(client) == {}


def test_an_issuing_certificate_not_signed_by_the_root_is_refused(make_client, registry):
    populate(registry)
    other = Signer()
    genuine_root = (
        registry.signer.chain().split(b"-----END CERTIFICATE-----")[0] + b"-----END CERTIFICATE-----\n"
    )
    mixed = (
        genuine_root + other.chain().split(b"-----END CERTIFICATE-----\n")[1] + b"-----END CERTIFICATE-----\n"
    )
    registry.hooks.append(lambda p, s, d: (s, mixed) if p == "/api/v1/registry-certificate" else (s, d))
    with pytest.raises(TamperedData, match="not signed by the registry root"):
        make_client().sync()


def test_http_errors_are_reported_and_change_nothing(tmp_path, registry):
    populate(registry)
    client = CarrierClient(BASE, key="bnk_0_wrong", directory=tmp_path / "c", transport=registry.transport)
    with pytest.raises(SyncError, match="401: Invalid API key"):
        client.sync()
    assert state_bytes(client) == {}
    with pytest.raises(SyncError, match="API key is needed"):
        CarrierClient(BASE, directory=tmp_path / "d", transport=registry.transport).sync()


# -- the local state -------------------------------------------------------------------------------


def test_a_format_1_state_is_upgraded_keeping_the_pinned_root(make_client, registry):
    populate(registry)
    client = make_client()
    client.sync()
    old = {
        "format": 1,
        "registry": BASE,
        "root_pem": client.state["root_pem"],
        "seq": client.seq,
        "synced_at": "2026-03-02T03:00:00+00:00",
        "names": {
            e.name_normal: [e.name, e.status, e.valid_until, e.holder_id, list(e.authorized), e.serial]
            for e in client.entries()
        },
    }
    folder = client.dir.parent / "old"
    folder.mkdir()
    (folder / "carrier-state.json").write_text(json.dumps(old))
    upgraded = CarrierClient(BASE, key=KEY, directory=folder, transport=registry.transport, today=TODAY)
    assert upgraded.state["format"] == 2 and upgraded.state["root_pem"] == old["root_pem"]
    assert sorted(upgraded.entries()) == sorted(client.entries())
    assert upgraded.check("VIETSUN", "0312345678") == OK
    registry.put(record("NewOne"))
    # a copy from before the protected names were published takes the snapshot once, which has them
    assert upgraded.sync()["start"] == "snapshot" and upgraded.check("NewOne") == OK
    registry.put(record("NewTwo"))
    assert upgraded.sync()["start"] == "local" and upgraded.check("NewTwo") == OK
    registry.signer = Signer()
    with pytest.raises(RegistryCertificateMismatch):
        upgraded.sync()


def test_deleting_the_local_state_starts_afresh(make_client, registry):
    populate(registry)
    client = make_client()
    client.sync()
    for path in client.dir.iterdir():
        path.unlink()
    registry.signer = Signer()  # the registry announced a new root: the carrier deleted its state
    assert client.sync()["start"] == "snapshot" and client.check("VIETSUN") == OK


def test_a_fake_registry_signs_like_the_real_one():
    """The fake's documents verify with the client's own trust code (a sanity check of the fixture)."""
    from brandname_carrier.trust import trusted_keys, verify_jws

    fake = FakeRegistry()
    fake.put(record("VietSun"))
    _, keys = trusted_keys(fake.signer.chain())
    assert list(keys) == [fake.signer.kid]
    assert verify_jws(fake.snapshot()[0], keys, SNAPSHOT_TYP)["count"] == 1
    assert verify_jws(fake.changes(0, 10), keys, CHANGES_TYP)["next"] == 1
