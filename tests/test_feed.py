"""brandname/carriers/feed.py: state records, deliverability, snapshot build and cache, change pages."""

import gzip
import hashlib
import json
import time
from datetime import date, datetime

import pytest
from sqlalchemy import insert, select

from brandname import lifecycle
from brandname.carriers import feed
from brandname.extensions import db
from brandname.store.models import Brandname, Certificate, Holder

from .conftest import NOW


def record(status="active", until="2029-03-01", holder="0101234567", auths=()):
    return {
        "name": "X",
        "name_normal": "X",
        "status": status,
        "valid_until": until,
        "holder": {"name": "H", "id_number": holder},
        "authorizations": [{"id_number": a, "name": "P"} for a in auths],
    }


TODAY = date(2026, 3, 2)


@pytest.mark.parametrize(
    "rec,holder,expected",
    [
        (None, None, (False, None, "not_registered")),
        (record(), None, (True, "active", "ok")),
        (record(), "0101234567", (True, "active", "ok")),
        (record(), " 0101234567 ", (True, "active", "ok")),
        (record(), "0101234568", (False, "active", "holder_mismatch")),
        (record(auths=["0312345678"]), "0312345678", (True, "active", "ok")),
        (record(auths=["0312345678"]), "0312345679", (False, "active", "holder_mismatch")),
        (record(holder=None), "001203004567", (False, "active", "holder_mismatch")),
        (record(holder=None), None, (True, "active", "ok")),
        (record(until="2026-03-02"), None, (True, "active", "ok")),  # the last valid day still counts
        (record(until="2026-03-01"), None, (False, "expired", "expired")),
        (record("reserved", until=None), None, (False, "reserved", "reserved")),
        (record("revoked"), "0101234567", (False, "revoked", "revoked")),
        (record("expired"), None, (False, "expired", "expired")),
    ],
)
def test_deliverable(rec, holder, expected):
    assert feed.deliverable(rec, holder, TODAY) == expected


def _snapshot_lines(path):
    return [json.loads(x) for x in gzip.decompress(path.read_bytes()).decode().splitlines()]


def test_build_snapshot_signed_manifest_and_deterministic_bytes(
    app, session, registry_helper, keys, tmp_path
):
    registry_helper.issue("VietSun", "SunMart")
    path, token, payload = feed.build_snapshot(db.engine, keys, tmp_path / "a", now=NOW)
    _, signed = keys.verify(token)
    assert json.loads(signed) == payload
    assert payload["seq"] == feed.head(session) and payload["count"] == 2
    assert payload["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert [x["name"] for x in _snapshot_lines(path)] == ["VietSun", "SunMart"]
    again, _, payload2 = feed.build_snapshot(db.engine, keys, tmp_path / "b", now=NOW)
    assert again.read_bytes() == path.read_bytes() and payload2 == payload
    assert [p.name for p in (tmp_path / "a").iterdir() if p.name.startswith(".")] == []


def test_snapshot_is_consistent_with_its_seq_when_an_act_commits_during_the_build(
    app, session, registry_helper, keys, tmp_path, monkeypatch, officer
):
    bn = registry_helper.issue("VietSun").brandnames[0]
    before = feed.head(session)
    original = feed._write_lines
    calls = []

    def write_then_act(conn, fh, batch=5000):
        count = original(conn, fh, batch)
        if not calls:
            calls.append(1)
            lifecycle.give_up(session, bn.id, actor=officer, now=NOW)  # another connection commits
        return count

    monkeypatch.setattr(feed, "_write_lines", write_then_act)
    path, _, payload = feed.build_snapshot(db.engine, keys, tmp_path, now=NOW)
    status = _snapshot_lines(path)[0]["status"]
    # PostgreSQL reads one REPEATABLE READ snapshot; SQLite notices the new head and rebuilds
    assert (payload["seq"], status) in ((before, "active"), (before + 1, "revoked"))


def test_current_snapshot_is_cached_per_seq_and_pruned(
    app, session, registry_helper, keys, tmp_path, monkeypatch, officer
):
    names = registry_helper.issue("AAA1", "AAA2", "AAA3", "AAA4", "AAA5").brandnames
    builds = []
    original = feed.build_snapshot
    monkeypatch.setattr(feed, "build_snapshot", lambda *a, **k: builds.append(1) or original(*a, **k))
    first = feed.current_snapshot(db.engine, keys, tmp_path)
    assert feed.current_snapshot(db.engine, keys, tmp_path)[0] == first[0] and len(builds) == 1
    for bn in names:
        lifecycle.give_up(session, bn.id, actor=officer, now=NOW)
        feed.current_snapshot(db.engine, keys, tmp_path)
    assert len(builds) == 6
    kept = feed.cached_snapshots(tmp_path)
    assert len(kept) == feed.KEEP_SNAPSHOTS and kept[0][0] == feed.head(session)
    # with a max age, a young snapshot is served although the head moved on
    registry_helper.issue("AAA6")
    assert feed.current_snapshot(db.engine, keys, tmp_path, max_age=3600)[0] == kept[0][0]
    assert len(builds) == 6


def test_changes_pages_are_contiguous_and_signed(app, session, registry_helper, keys):
    registry_helper.issue("VietSun", "SunMart")
    head = feed.head(session)
    seen, since = [], 0
    while since < head:
        token, page = feed.changes(session, keys, since, 2)
        assert json.loads(keys.verify(token)[1]) == page
        assert page["since"] == since and len(page["changes"]) <= 2
        seen.extend(c["seq"] for c in page["changes"])
        since = page["next"]
    assert seen == list(range(1, head + 1))
    acts = {c["act"]: c for c in feed.changes(session, keys, 0, 100)[1]["changes"]}
    assert {r["name_normal"] for r in acts["approve"]["names"]} == {"VIETSUN", "SUNMART"}
    assert acts["submit"]["names"] == []  # nothing for carriers in an issue application's receipt


def _bulk_seed(session, count):
    """Realistic rows straight through SQLAlchemy Core (the bench does the same at scale)."""
    now = NOW
    session.execute(
        insert(Holder),
        [
            {
                "kind": "organization",
                "name": f"Công ty {i}",
                "id_number": f"01{i:08d}",
                "address": "Hà Nội",
                "email": "a@b.vn",
                "phone": "024",
                "created_at": now,
                "updated_at": now,
            }
            for i in range(count // 10)
        ],
    )
    holder_ids = session.scalars(select(Holder.id).order_by(Holder.id)).all()
    session.execute(
        insert(Brandname),
        [
            {
                "name": f"BULK{i:06d}",
                "name_normal": f"BULK{i:06d}",
                "confusable_key": f"BUIK{i:06d}",
                "holder_id": holder_ids[i % len(holder_ids)],
                "status": "active",
                "use_sms": True,
                "use_voice": False,
                "purpose": "",
                "reserved_at": now,
                "valid_from": date(2026, 3, 2),
                "valid_until": date(2029, 3, 1),
            }
            for i in range(count)
        ],
    )
    ids = session.scalars(select(Brandname.id).order_by(Brandname.id)).all()
    session.execute(
        insert(Certificate),
        [
            {
                "serial": f"BN-2026-{i:07d}",
                "brandname_id": bid,
                "kind": "issue",
                "status": "current",
                "issued_at": now,
                "valid_from": date(2026, 3, 2),
                "valid_until": date(2029, 3, 1),
                "record": "{}",
                "signature": "x",
                "kid": "k",
            }
            for i, bid in enumerate(ids)
        ],
    )
    session.commit()


def test_snapshot_streams_many_names(app, session, keys, tmp_path):
    _bulk_seed(session, 12_000)
    path, _, payload = feed.build_snapshot(db.engine, keys, tmp_path, now=NOW)
    lines = _snapshot_lines(path)
    assert payload["count"] == len(lines) == 12_000
    assert lines[-1]["serial"] == "BN-2026-0011999" and lines[0]["holder"]["id_number"] == "0100000000"


def test_state_of_unknown_and_malformed(app, session):
    assert feed.state_of(session, "NOPE") is None
    assert feed.state_of(session, "") is None
    assert feed.state_of(session, "x" * 12) is None


def test_snapshot_lines_equal_the_api_records(app, session, registry_helper, keys, tmp_path, officer):
    from .conftest import person_applicant

    made = registry_helper.issue("VietSun", "Sun.Mart", "A-B_C").brandnames
    lifecycle.authorize(
        session,
        made[0].id,
        actor=officer,
        party_id_number="0312345678",
        party_name='Đại lý "Tin nhắn" \\ số 1',
        now=NOW,
    )
    lifecycle.give_up(session, made[1].id, actor=officer, now=datetime(2026, 4, 1, 5, 6, 7, 123456))
    registry_helper.issue("CUONG", applicant=person_applicant())
    registry_helper.approve(registry_helper.submit("RESERVED"))
    path, _, _ = feed.build_snapshot(db.engine, keys, tmp_path, now=NOW)
    lines = _snapshot_lines(path)
    assert len(lines) == 5
    batch = feed.states_of(session.connection(), [line["name_normal"] for line in lines])
    for line in lines:
        assert line == feed.state_of(session, line["name"]) == batch[line["name_normal"]]
    assert [list(line) for line in lines] == [list(feed.state_of(session, line["name"])) for line in lines]


def test_fast_reader_reconnects_after_a_broken_connection(app, session, registry_helper):
    registry_helper.issue("VietSun")
    reader = feed.FastReader(db.engine)
    assert reader.state_of("vietsun")["status"] == "active"
    reader._local.conn.close()  # e.g. the database server restarted
    assert reader.state_of("VIETSUN")["serial"] == "BN-2026-0000001"
    assert reader.state_of("NOPE") is None and reader.state_of("") is None
    assert len(reader._all) == 1  # the replacement only
    reader._close_all(reader._all)
    assert reader._all == []


def test_name_cache_polls_the_event_log_and_drops_touched_names(app, session, registry_helper, officer):
    made = registry_helper.issue("VietSun", "SunMart").brandnames
    cache = feed.NameCache(feed.FastReader(db.engine), poll_seconds=3600)
    assert cache.state_of("vietsun")["status"] == "active"
    assert cache.state_of("NEWNAME") is None  # negative answers are cached too
    assert cache.state_of("SUNMART")["status"] == "active"
    lifecycle.give_up(session, made[0].id, actor=officer, now=NOW)
    registry_helper.approve(registry_helper.submit("NEWNAME"))
    assert cache.state_of("VIETSUN")["status"] == "active"  # within the poll interval
    cache._checked -= 3600  # the interval has passed
    assert cache.state_of("VIETSUN")["status"] == "revoked"
    assert cache.state_of("NEWNAME")["status"] == "reserved"  # approve names the reserved name
    assert "SUNMART" in cache.entries  # untouched names stay cached
    # a new certificate for the same holder may carry new holder details: its names are dropped
    registry_helper.issue("THIRD")
    cache._checked -= 3600
    assert cache.state_of("THIRD")["status"] == "active"
    assert "SUNMART" not in cache.entries and "VIETSUN" not in cache.entries
    # a record read while another request moved the head is not kept
    reader = cache.reader
    original = reader.state_and_holder

    def slow_read(name):
        found = original(name)
        cache.head += 1  # as if a refresh processed a newer event meanwhile
        return found

    reader.state_and_holder = slow_read
    assert cache.state_of("SUNMART")["status"] == "active"
    assert "SUNMART" not in cache.entries


def test_name_cache_is_bounded(app, session, registry_helper):
    registry_helper.issue("AAA1", "AAA2", "AAA3")
    cache = feed.NameCache(feed.FastReader(db.engine), max_entries=2, poll_seconds=3600)
    for name in ("AAA1", "AAA2", "AAA3"):
        assert cache.state_of(name)["name"] == name
    assert len(cache.entries) <= 2


def test_name_cache_preload_when_the_registry_fits(app, session, registry_helper, officer):
    made = registry_helper.issue("VietSun", "SunMart", "Third").brandnames
    lifecycle.authorize(
        session, made[0].id, actor=officer, party_id_number="0312345678", party_name="P", now=NOW
    )
    reader = feed.FastReader(db.engine)
    assert feed.NameCache(reader, max_entries=2, poll_seconds=3600).preload() is False  # does not fit
    cache = feed.NameCache(reader, max_entries=10, poll_seconds=3600)
    assert cache.preload() is True and cache.preloaded
    assert set(cache.entries) == {"VIETSUN", "SUNMART", "THIRD"}
    for name in ("VIETSUN", "SUNMART", "THIRD"):
        assert cache.entries[name] == feed.state_of(session, name)
    assert cache.entries["VIETSUN"]["authorizations"] == [{"id_number": "0312345678", "name": "P"}]
    lifecycle.give_up(session, made[1].id, actor=officer, now=NOW)
    assert cache.state_of("SUNMART")["status"] == "revoked"  # the first lookup after a preload polls
    assert cache.state_of("vietsun")["status"] == "active"


def test_name_cache_background_preload_through_the_api(
    app, client, session, registry_helper, carrier_headers
):
    registry_helper.issue("VietSun")
    app.config["CARRIER_NAME_CACHE_PRELOAD"] = True
    assert client.get("/api/v1/brandnames/VIETSUN", headers=carrier_headers).status_code == 200
    cache = app.extensions["brandname_fast_reader"]
    deadline = time.time() + 10
    while not cache.preloaded and time.time() < deadline:
        time.sleep(0.05)
    assert cache.preloaded and "VIETSUN" in cache.entries
