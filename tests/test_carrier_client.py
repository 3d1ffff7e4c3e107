"""The reference carrier client (the installed brandname_carrier package, as carriers use it)
against the real API: Flask test client through a transport adapter, and once through a real
server on an ephemeral port. The client's own tests, with a fake registry, are in
carrier-client/tests/."""

import base64
import json
import random
import threading
from datetime import date, datetime

import pytest
from werkzeug.serving import make_server

from brandname import lifecycle
from brandname.carriers import feed
from brandname.certificates.signing import KeyStore
from brandname_carrier import (
    CarrierClient,
    RegistryCertificateMismatch,
    ReplayedData,
    SyncError,
    TamperedData,
)
from brandname_carrier.cli import main as carrier_main

from .conftest import NOW, attach, name_entry, org_applicant, person_applicant, required_documents

BASE = "http://registry.test"


@pytest.fixture(autouse=True)
def fresh_name_cache(app):
    """Let every request see acts committed just before it (the cache polls the event log
    every request instead of every 0.2 s); tests/test_feed.py covers the polling itself."""
    app.config["CARRIER_NAME_CACHE_POLL_SECONDS"] = 0
    app.config["CARRIER_NAME_CACHE_PRELOAD"] = False  # deterministic; preloading is tested in test_feed


class FlaskTransport:
    """Carrier client transport over the Flask test client; `hooks` may rewrite answers."""

    def __init__(self, client):
        self.client = client
        self.hooks = []
        self.log = []

    def __call__(self, method, url, headers, body=None):
        path = url[len(BASE) :]
        r = self.client.open(path, method=method, headers=headers, data=body)
        status, data = r.status_code, r.data
        for hook in self.hooks:
            status, data = hook(path, status, data)
        self.log.append((path, status, data))
        return status, dict(r.headers), data


@pytest.fixture
def transport(client):
    return FlaskTransport(client)


@pytest.fixture
def make_client(tmp_path, transport, carrier_key):
    def make(**kw):
        return CarrierClient(BASE, key=carrier_key, directory=tmp_path / "carrier", transport=transport, **kw)

    return make


def state_bytes(client):
    path = client.state_path
    return path.read_bytes() if path.exists() else None


def leftovers(client):
    return sorted(p.name for p in client.dir.glob(".*tmp")) if client.dir.exists() else []


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def tamper_payload(token, change):
    """Re-encode a JWS payload after `change(payload_dict)`, keeping the old signature."""
    header, payload, signature = token.split(b".")
    data = json.loads(base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4)))
    change(data)
    return b".".join([header, _b64(json.dumps(data).encode()), signature])


# -- first sync and check --------------------------------------------------------------------


def test_first_sync_pins_the_root_and_answers_offline(make_client, registry_helper, session, officer, keys):
    bn = registry_helper.issue("VietSun").brandnames[0]
    lifecycle.authorize(
        session, bn.id, actor=officer, party_id_number="0312345678", party_name="Đại lý", now=NOW
    )
    client = make_client()
    summary = client.sync()
    assert summary["start"] == "snapshot" and summary["seq"] == feed.head(session) and summary["names"] == 1
    assert (
        client.state["root_pem"]
        == keys.pem_chain().split("-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n"
    )
    assert client.check("vietsun") == (True, "active", "ok")
    assert client.check("VIETSUN", "0101234567").deliverable
    assert client.check("VIETSUN", "0312345678").deliverable
    assert client.check("VIETSUN", "0399999999") == (False, "active", "holder_mismatch")
    assert client.check("NOPE") == (False, None, "not_registered")
    # a fresh process loads the same index from disk and needs no network
    offline = CarrierClient(directory=client.dir)
    assert offline.check("VietSun") == (True, "active", "ok") and offline.seq == client.seq


def test_second_sync_applies_changes_from_the_local_seq(make_client, registry_helper, session, officer):
    bn = registry_helper.issue("VietSun", "SunMart").brandnames
    client = make_client(page_limit=2)
    client.sync()
    lifecycle.give_up(session, bn[0].id, actor=officer, now=NOW)
    registry_helper.issue("NEWONE")
    summary = client.sync()
    assert summary["start"] == "local" and summary["pages"] >= 2 and summary["seq"] == feed.head(session)
    assert client.check("VIETSUN") == (False, "revoked", "revoked")
    assert client.check("NEWONE").deliverable
    lifecycle.release(session, bn[0].id, actor=officer, reason="Giải phóng", now=NOW)
    client.sync()
    assert client.check("VIETSUN") == (False, None, "not_registered")
    assert client.sync()["changes"] == 0  # already at the head


# -- refusals: each leaves the local state as it was -----------------------------------------


def test_tampered_snapshot_byte_is_refused(make_client, transport, registry_helper):
    registry_helper.issue("VietSun", "SunMart")

    def flip(path, status, data):
        if path.startswith("/api/v1/snapshot?"):
            data = bytearray(data)
            data[len(data) // 2] ^= 0x01
            data = bytes(data)
        return status, data

    transport.hooks.append(flip)
    client = make_client()
    with pytest.raises(TamperedData, match="SHA-256"):
        client.sync()
    assert state_bytes(client) is None and leftovers(client) == []
    assert client.check("VIETSUN") == (False, None, "not_registered")


def test_tampered_manifest_is_refused(make_client, transport, registry_helper):
    registry_helper.issue("VietSun")
    transport.hooks.append(
        lambda p, s, d: (
            (s, tamper_payload(d, lambda m: m.update(count=99)))
            if p.startswith("/api/v1/snapshot/manifest")
            else (s, d)
        )
    )
    client = make_client()
    with pytest.raises(TamperedData, match="signature does not verify"):
        client.sync()
    assert state_bytes(client) is None


def test_tampered_change_page_is_refused(make_client, transport, registry_helper, session, officer):
    bn = registry_helper.issue("VietSun").brandnames[0]
    client = make_client()
    client.sync()
    before = state_bytes(client)
    lifecycle.give_up(session, bn.id, actor=officer, now=NOW)

    def unrevoke(page):
        for change in page["changes"]:
            for rec in change["names"]:
                rec["status"] = "active"

    transport.hooks.append(
        lambda p, s, d: (s, tamper_payload(d, unrevoke)) if p.startswith("/api/v1/changes") else (s, d)
    )
    with pytest.raises(TamperedData):
        client.sync()
    assert state_bytes(client) == before and leftovers(client) == []
    assert client.check("VIETSUN").deliverable  # the in-memory index is untouched too
    transport.hooks.clear()
    client.sync()
    assert client.check("VIETSUN") == (False, "revoked", "revoked")


def test_replayed_older_page_is_refused(
    make_client, transport, registry_helper, session, officer, carrier_headers, client
):
    bn = registry_helper.issue("VietSun").brandnames[0]
    carrier = make_client()
    carrier.sync()
    old_seq = carrier.seq
    registry_helper.issue("SunMart")
    old_page = client.get(f"/api/v1/changes?since={old_seq}", headers=carrier_headers).data  # signed, genuine
    carrier.sync()
    before = state_bytes(carrier)
    lifecycle.give_up(session, bn.id, actor=officer, now=NOW)
    transport.hooks.append(lambda p, s, d: (s, old_page) if p.startswith("/api/v1/changes") else (s, d))
    with pytest.raises(ReplayedData, match="replayed"):
        carrier.sync()
    assert state_bytes(carrier) == before and leftovers(carrier) == []


def test_signed_but_out_of_order_page_is_refused(make_client, transport, registry_helper, keys):
    registry_helper.issue("VietSun")
    carrier = make_client()
    carrier.sync()
    before = state_bytes(carrier)
    seq = carrier.seq
    forged = {
        "type": "brandname-changes",
        "version": 1,
        "since": seq,
        "next": seq + 2,
        "head": seq + 2,
        "time": "2026-03-02T03:00:00Z",
        "changes": [
            {
                "seq": seq + 2,
                "at": "2026-03-02T03:00:00Z",
                "act": "revoke",
                "names": [{"name_normal": "VIETSUN", "status": "released"}],
            }
        ],
    }
    _, token = keys.sign_json(forged, typ=feed.CHANGES_TYP)
    transport.hooks.append(lambda p, s, d: (s, token.encode()) if p.startswith("/api/v1/changes") else (s, d))
    with pytest.raises(ReplayedData, match="out of order"):
        carrier.sync()
    assert state_bytes(carrier) == before


def test_a_different_registry_certificate_is_refused(make_client, transport, registry_helper, tmp_path):
    registry_helper.issue("VietSun")
    carrier = make_client()
    carrier.sync()
    before = state_bytes(carrier)
    other = KeyStore.create(tmp_path / "other-certs")
    transport.hooks.append(
        lambda p, s, d: (s, other.pem_chain().encode()) if p == "/api/v1/registry-certificate" else (s, d)
    )
    with pytest.raises(RegistryCertificateMismatch, match="differs from the pinned"):
        carrier.sync()
    assert state_bytes(carrier) == before


def test_first_sync_against_a_foreign_chain_is_refused(make_client, transport, registry_helper, tmp_path):
    registry_helper.issue("VietSun")
    other = KeyStore.create(tmp_path / "other-certs")
    transport.hooks.append(
        lambda p, s, d: (s, other.pem_chain().encode()) if p == "/api/v1/registry-certificate" else (s, d)
    )
    carrier = make_client()
    with pytest.raises(TamperedData, match="not an issuing certificate"):
        carrier.sync()
    assert state_bytes(carrier) is None


def test_an_issuing_certificate_not_signed_by_the_root_is_refused(
    make_client, transport, registry_helper, keys, tmp_path
):
    registry_helper.issue("VietSun")
    other = KeyStore.create(tmp_path / "other-certs")
    genuine_root = keys.pem_chain().split("-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n"
    mixed = genuine_root + other.current.pem()
    transport.hooks.append(
        lambda p, s, d: (s, mixed.encode()) if p == "/api/v1/registry-certificate" else (s, d)
    )
    with pytest.raises(TamperedData, match="not signed by the registry root"):
        make_client().sync()


def test_http_errors_are_reported_and_change_nothing(tmp_path, transport, registry_helper):
    registry_helper.issue("VietSun")
    carrier = CarrierClient(BASE, key="bnk_00000000_wrong", directory=tmp_path / "c", transport=transport)
    with pytest.raises(SyncError, match="401"):
        carrier.sync()
    assert state_bytes(carrier) is None


# -- the client agrees with the API ----------------------------------------------------------


def _events_round_one(session, registry_helper, officer):
    rng = random.Random(5)
    holders = [org_applicant(f"01{n:08d}", f"Công ty Số {n}") for n in range(6)] + [person_applicant()]
    made = []
    for n in range(40):
        holder = holders[n % len(holders)]
        when = NOW if n % 4 else datetime(2023, 1, 10, 3, 0)  # a quarter will expire
        if n % 10 == 7:
            when = datetime(2023, 6, 1, 3, 0)  # valid until 2026-05-31: stored active, effectively expired
        name = f"BRAND{n:02d}" if n % 3 else f"Sun.{n:02d}-x"
        made.extend(registry_helper.issue(name, applicant=holder, now=when).brandnames)
    for bn in rng.sample(made, 6):
        lifecycle.authorize(
            session,
            bn.id,
            actor=officer,
            party_id_number=f"03{rng.randint(10**7, 10**8 - 1)}",
            party_name="Đại lý quảng cáo",
            now=NOW,
        )
    for n in range(3):
        application = registry_helper.submit(f"HOLD{n}", applicant=holders[n])
        registry_helper.decide_warnings(application)  # HOLD1 is one edit from HOLD0
        registry_helper.approve(application)
    # names certified for voice calls only, or for both forms of use, held by either kind of holder
    for n, (sms, voice) in enumerate([(False, True), (True, True), (False, True), (True, True)]):
        application = lifecycle.submit(
            session,
            applicant=holders[-1] if n % 2 else holders[n],
            names=[{**name_entry(f"CALL{n}"), "use_sms": sms, "use_voice": voice}],
            actor=officer,
            commitments_confirmed=True,
            now=NOW,
        )
        for kind in required_documents(application.applicant):
            attach(session, application, kind, officer)
        registry_helper.decide_warnings(application)
        registry_helper.approve(application)
        made.extend(registry_helper.pay_and_issue(application).brandnames)
    return made, holders


def _events_round_two(session, registry_helper, officer, made, holders):
    lifecycle.expire(session, today=date(2026, 3, 2), now=NOW)
    active = [b for b in made if b.status == "active" and b.valid_until.year == 2029]
    for bn in active[:3]:
        registry_helper.followup(
            "renewal",
            bn.name,
            applicant=holders[made.index(bn) % len(holders)],
            now=datetime(2028, 12, 20, 3, 0),
        )
    for bn in active[3:6]:
        lifecycle.give_up(session, bn.id, actor=officer, now=NOW)
    lifecycle.release(session, active[3].id, actor=officer, reason="Giải phóng sớm", now=NOW)
    expired = [b for b in made if b.status == "expired"]
    lifecycle.release(session, expired[0].id, actor=officer, reason="Giải phóng sớm", now=NOW)
    auths = [a for b in made for a in lifecycle.active_authorizations(session, b.id)]
    lifecycle.withdraw_authorization(session, auths[0].id, actor=officer, now=NOW)
    registry_helper.issue("LATECOMER", applicant=holders[1])
    registry_helper.issue(expired[0].name, applicant=holders[2])  # a released name issued anew


WATCHED = [
    ("VIETCOMBANK", "bank"),
    ("Bo Cong An", "state"),
    ("VINAPHONE", "carrier"),
    ("LUADAO", "sensitive"),
]
_FOLDS = [
    ("I", "1"),
    ("O", "0"),
    ("PH", "F"),
    ("Y", "I"),
    ("I", "Y"),
    ("C", "K"),
    ("D", "Z"),
    ("W", "V"),
    ("S", "5"),
]


def _lookalike(name, rng):
    """A name a reader could take for `name`: a look-alike or sound-alike fold, a doubled letter,
    or one edit (insert, delete, substitute, swap)."""
    upper = name.upper()
    choice = rng.randrange(6)
    if choice == 0:
        folds = [(a, b) for a, b in _FOLDS if a in upper]
        if folds:
            a, b = rng.choice(folds)
            return upper.replace(a, b, 1)
    i = rng.randrange(len(name))
    if choice == 1:
        return name[:i] + name[i] + name[i:]  # a doubled letter
    if choice == 2:
        return name[:i] + name[i + 1 :]
    if choice == 3:
        return name[:i] + rng.choice("ABEKMNTX") + name[i:]
    if choice == 4 and i + 1 < len(name):
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    return name[:i] + rng.choice("ABEKMNTX") + name[i + 1 :]


def _random_queries(session, made, holders, n=3000):
    rng = random.Random(11)
    names = [b.name for b in made] + ["HOLD0", "HOLD1", "HOLD2", "LATECOMER", "UNKNOWN", "brand99"]
    watched = [w for w, _ in WATCHED]
    ids = [h["id_number"] for h in holders] + ["0399999999"]
    for bn in made:
        ids.extend(a.party_id_number for a in lifecycle.active_authorizations(session, bn.id))
    queries = []
    for _ in range(n):
        name = rng.choice(names)
        name = rng.choice([name, name.upper(), name.lower(), name.swapcase(), name + "Z", name[:-1]])
        if rng.random() < 0.4:  # look-alikes of registered and watched names, and harmless ones
            name = _lookalike(rng.choice([name, name, rng.choice(watched)]), rng)
        elif rng.random() < 0.1:
            name = "".join(rng.choice("QWXZJ0123456789") for _ in range(rng.randint(3, 9)))
        holder = rng.choice([None, None, rng.choice(ids)])
        query = {"name": name, "holder_id": holder} if holder else {"name": name}
        channel = rng.choice([None, None, "sms", "voice"])
        if channel:
            query["channel"] = channel
        queries.append(query)
    return queries


def test_client_answers_equal_the_api_after_issue_renew_revoke_expire(
    make_client, client, carrier_headers, registry_helper, session, officer
):
    made, holders = _events_round_one(session, registry_helper, officer)
    for watched, category in WATCHED[:2]:
        lifecycle.add_watch_entry(session, actor=officer, name=watched, category=category, now=NOW)
    carrier = make_client(page_limit=7)
    carrier.sync()  # snapshot
    _events_round_two(session, registry_helper, officer, made, holders)
    for watched, category in WATCHED[2:]:  # reach the carrier through the change feed
        lifecycle.add_watch_entry(session, actor=officer, name=watched, category=category, now=NOW)
    summary = carrier.sync()  # change feed, several pages
    assert summary["start"] == "local" and summary["pages"] > 1
    queries = _random_queries(session, made, holders)
    api = []
    for start in range(0, len(queries), 1000):
        r = client.post(
            "/api/v1/verify", headers=carrier_headers, json={"items": queries[start : start + 1000]}
        )
        api.extend(r.get_json()["results"])
    mine = [carrier.check(q["name"], q.get("holder_id"), q.get("channel")) for q in queries]
    # exactly the same answers, the names an impersonation risk could pass for included
    online = [(a["deliverable"], a["status"], a["reason"], tuple(a.get("lookalike_of", ()))) for a in api]
    assert online == [(*m, m.lookalike_of) for m in mine]
    seen = {(m.deliverable, m.status, m.reason) for m in mine}
    risks = [m for m in mine if m.reason == "impersonation_risk"]
    assert len(risks) > 300 and len(mine) - len(risks) > 1000
    passed_for = {n for m in risks for n in m.lookalike_of}
    assert {"VIETCOMBANK", "Bo Cong An", "VINAPHONE"} <= passed_for  # watched, by snapshot and by page
    assert "LUADAO" not in passed_for  # a sensitive word impersonates nobody
    assert len(passed_for & {b.name for b in made}) > 20
    for outcome in [
        (True, "active", "ok"),
        (False, "active", "holder_mismatch"),
        (False, "active", "channel_not_certified"),
        (False, "revoked", "revoked"),
        (False, "expired", "expired"),
        (False, "reserved", "reserved"),
        (False, None, "not_registered"),
        (False, "unregistered", "impersonation_risk"),
    ]:
        assert outcome in seen, outcome
    # an individual sending under their own name is recognized by the ID number the carrier verified
    person = person_applicant()["id_number"]
    assert tuple(carrier.check("CALL1", person, "voice")) == (True, "active", "ok")
    assert tuple(carrier.check("CALL1", person[:-1] + "9", "voice")) == (False, "active", "holder_mismatch")
    assert tuple(carrier.check("CALL0", None, "sms")) == (False, "active", "channel_not_certified")
    # single-name API agrees too
    client.application.config["CARRIER_RATE_LIMIT"] = "100000 per second"
    for q in queries[:300]:
        r = client.get(f"/api/v1/brandnames/{q['name']}", headers=carrier_headers)
        assert r.status_code in (200, 404)
        body = r.get_json()
        offline = carrier.check(q["name"])
        if r.status_code == 200:
            assert body["status"] == offline.status
        else:
            assert (body.get("reason", "not_registered"), tuple(body.get("lookalike_of", ()))) == (
                offline.reason,
                offline.lookalike_of,
            )
    # and a client starting from a fresh snapshot reaches the same index
    fresh = CarrierClient(
        BASE, key=carrier.key, directory=carrier.dir.parent / "fresh", transport=carrier.transport
    )
    fresh.sync()
    assert sorted(fresh.entries()) == sorted(carrier.entries()) and fresh.seq == carrier.seq
    assert [fresh.check(q["name"], q.get("holder_id"), q.get("channel")) for q in queries] == mine


# -- command line, over real HTTP --------------------------------------------------------------


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


def test_command_line_sync_and_check(live_server, carrier_key, registry_helper, tmp_path, capsys):
    registry_helper.issue("VietSun")
    folder = str(tmp_path / "cli")
    assert carrier_main(["sync", live_server, "--key", carrier_key, "--dir", folder]) == 0
    assert json.loads(capsys.readouterr().out)["names"] == 1
    assert carrier_main(["check", "vietsun", "--dir", folder]) == 0
    assert json.loads(capsys.readouterr().out)["deliverable"] is True
    assert carrier_main(["check", "VIETSUN", "--holder", "0399999999", "--dir", folder]) == 1
    assert json.loads(capsys.readouterr().out)["reason"] == "holder_mismatch"
    assert carrier_main(["check", "OTHER", "--dir", folder]) == 1
    assert carrier_main(["sync", live_server, "--key", "bnk_0_wrong", "--dir", folder]) == 2
    assert "401" in capsys.readouterr().err
    assert carrier_main(["check", "X", "--dir", str(tmp_path / "empty")]) == 2


# -- replayed and frozen feeds -----------------------------------------------------------------


def test_recorded_older_responses_cannot_roll_the_client_back(
    make_client, transport, registry_helper, session, officer
):
    bn = registry_helper.issue("VietSun", "SunMart").brandnames
    carrier = make_client()
    carrier.sync()
    recorded = {path.split("?")[0]: (status, data) for path, status, data in transport.log}
    old_seq = carrier.seq
    lifecycle.give_up(session, bn[0].id, actor=officer, now=NOW)
    carrier.sync()
    assert carrier.seq == old_seq + 1 and carrier.check("VIETSUN") == (False, "revoked", "revoked")
    before = state_bytes(carrier)
    transport.hooks.append(lambda p, s, d: recorded.get(p.split("?")[0], (s, d)))
    for full in (True, False):
        with pytest.raises(ReplayedData, match="replayed"):
            carrier.sync(full=full)
        assert state_bytes(carrier) == before and leftovers(carrier) == []
        assert carrier.seq == old_seq + 1 and carrier.check("VIETSUN") == (False, "revoked", "revoked")


def test_a_frozen_feed_is_refused_and_the_client_answers_stale(make_client, transport, registry_helper):
    from datetime import UTC, timedelta

    from brandname_carrier import StaleData

    registry_helper.issue("VietSun")
    carrier = make_client()
    carrier.sync()
    assert carrier.check("VIETSUN").deliverable
    # the recorded page is genuine, but its signed time no longer advances: a day later it is stale
    frozen = {path.split("?")[0]: (status, data) for path, status, data in transport.log}
    transport.hooks.append(lambda p, s, d: frozen.get(p.split("?")[0], (s, d)))
    later = datetime.now(UTC) + timedelta(hours=25)
    carrier = make_client(clock=lambda: later)
    assert carrier.check("VIETSUN") == (False, None, "stale")
    before = state_bytes(carrier)
    with pytest.raises(StaleData, match="freshness limit"):
        carrier.sync()
    assert state_bytes(carrier) == before and carrier.check("VIETSUN").reason == "stale"


def test_the_manifest_is_signed_when_served(client, carrier_headers, registry_helper, keys):
    registry_helper.issue("VietSun")
    first = client.get("/api/v1/snapshot/manifest", headers=carrier_headers).data.decode()
    body = first.split(".")[1]
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    signed = datetime.fromisoformat(payload["time"].replace("Z", "+00:00"))
    assert abs((datetime.now(signed.tzinfo) - signed).total_seconds()) < 600
