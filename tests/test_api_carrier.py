"""Carrier API: keys, name state, bulk verification, snapshot, change feed, rate limits, CLI."""

import gzip
import hashlib
import json
import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from brandname import lifecycle
from brandname.carriers import feed
from brandname.carriers import keys as carriers
from brandname.store.models import CarrierKey, Event
from brandname_carrier.rules import matches_holder_check

from .conftest import NOW, attach, name_entry, org_applicant, person_applicant

HOLDER = "0101234567"
OTHER = "0309876543"


@pytest.fixture(autouse=True)
def fresh_name_cache(app):
    """Let every request see acts committed just before it (the cache polls the event log
    every request instead of every 0.2 s); tests/test_feed.py covers the polling itself."""
    app.config["CARRIER_NAME_CACHE_POLL_SECONDS"] = 0
    app.config["CARRIER_NAME_CACHE_PRELOAD"] = False  # deterministic; preloading is tested in test_feed


def issue(registry_helper, *names, applicant=None, now=NOW):
    result = registry_helper.issue(*names, applicant=applicant, now=now)
    return result.brandnames


@pytest.fixture
def world(session, registry_helper, officer, supervisor):
    """One name in each state, with an authorization."""
    active = issue(registry_helper, "VietSun")[0]
    lifecycle.authorize(
        session,
        active.id,
        actor=officer,
        party_id_number="0312345678",
        party_name="Công ty Đại lý Tin nhắn",
        now=NOW,
    )
    revoked = issue(registry_helper, "SunMart")[0]
    lifecycle.give_up(session, revoked.id, actor=officer, request_note="Ngừng kinh doanh", now=NOW)
    old = issue(registry_helper, "OLDBRAND", now=datetime(2022, 1, 5, 3, 0))[0]
    lifecycle.expire(session, today=date(2025, 1, 10), now=datetime(2025, 1, 10, 1, 0))
    lapsing = issue(registry_helper, "LATEBRAND", now=datetime(2023, 6, 1, 3, 0))[0]  # valid until 2026-05-31
    reserved_app = registry_helper.submit("RESERVED1")
    registry_helper.approve(reserved_app)
    person = issue(registry_helper, "CUONGSHOP", applicant=person_applicant())[0]
    released = issue(registry_helper, "GONE", applicant=org_applicant(OTHER, "Công ty TNHH Khác"))[0]
    lifecycle.give_up(session, released.id, actor=officer, now=NOW)
    lifecycle.release(session, released.id, actor=officer, reason="Giải phóng theo đề nghị", now=NOW)
    return {
        "active": active,
        "revoked": revoked,
        "expired": old,
        "lapsing": lapsing,
        "person": person,
        "released": released,
    }


def get(client, name, headers, **kw):
    return client.get(f"/api/v1/brandnames/{name}", headers=headers, **kw)


# -- GET /brandnames/<name> ------------------------------------------------------------------


def test_active_name_full_answer_case_insensitive(client, world, carrier_headers):
    for spelling in ("VietSun", "VIETSUN", "vietsun"):
        r = get(client, spelling, carrier_headers)
        assert r.status_code == 200
        body = r.get_json()
        assert body == {
            "name": "VietSun",
            "status": "active",
            "channels": ["sms"],
            "holder": {"name": "Công ty Cổ phần Ánh Dương", "id_number": HOLDER, "id_check": None},
            "serial": "BN-2026-0000001",
            "valid_from": "2026-03-02",
            "valid_until": "2029-03-01",
            "revoked_at": None,
            "revocation_ground": None,
            "authorizations": [{"id_number": "0312345678", "name": "Công ty Đại lý Tin nhắn"}],
            "renewal_pending": False,
        }
        assert r.headers["ETag"]
        assert "max-age=" in r.headers["Cache-Control"]


def test_each_status(client, world, carrier_headers):
    revoked = get(client, "sunmart", carrier_headers).get_json()
    assert revoked["status"] == "revoked" and revoked["revocation_ground"] == "holder_request"
    assert revoked["revoked_at"] == NOW.isoformat() + "Z"
    assert get(client, "OLDBRAND", carrier_headers).get_json()["status"] == "expired"
    # stored active, but its last valid day (2026-05-31) has passed: carriers must see expired
    assert get(client, "LATEBRAND", carrier_headers).get_json()["status"] == "expired"
    reserved = get(client, "reserved1", carrier_headers).get_json()
    assert reserved["status"] == "reserved" and reserved["serial"] is None and reserved["valid_from"] is None


def test_individual_holder_id_is_hidden(client, world, carrier_headers):
    response = get(client, "CuongShop", carrier_headers)
    holder = response.get_json()["holder"]
    assert holder["name"] == "Lê Hoàng Cường" and holder["id_number"] is None
    # only a keyed hash of the ID number, under a salt of this name's own
    assert set(holder["id_check"]) == {"salt", "hmac"}
    assert re.fullmatch("[0-9a-f]{32}", holder["id_check"]["salt"])
    assert re.fullmatch("[0-9a-f]{64}", holder["id_check"]["hmac"])
    assert b"001203004567" not in response.data
    assert matches_holder_check(holder["id_check"], "001203004567")
    assert not matches_holder_check(holder["id_check"], "001203004568")


def test_never_registered_and_released_are_404_json(client, world, carrier_headers):
    for name in ("NOPE", "GONE", "far-too-long-name", "Việt"):
        r = get(client, name, carrier_headers)
        assert r.status_code == 404
        assert r.get_json()["error"] == "not_found" and r.get_json()["message_en"]


# -- impersonation risk ----------------------------------------------------------------------

IMPERSONATIONS = [
    ("V1ETSUN", ["VietSun"]),  # look-alike of a registered name (1 for I)
    ("VIETSUNN", ["VietSun"]),  # sound-alike
    ("VIETXUN", ["VietSun"]),  # one edit away
    ("VIETCOMBANK", ["Vietcombank"]),  # a protected watch-list entry itself
    ("VIETC0MBANK", ["Vietcombank"]),  # its look-alike
    ("VIETCOMBAN", ["Vietcombank"]),  # one edit from it
]


@pytest.fixture
def watched(session, world, officer):
    lifecycle.add_watch_entry(session, actor=officer, name="Vietcombank", category="bank", now=NOW)
    lifecycle.add_watch_entry(session, actor=officer, name="BOCONGAN", category="state", now=NOW)
    lifecycle.add_watch_entry(session, actor=officer, name="LOTTO", category="sensitive", now=NOW)
    session.commit()


@pytest.mark.parametrize(("name", "lookalike_of"), IMPERSONATIONS)
def test_an_unregistered_confusable_name_is_an_impersonation_risk(
    client, watched, carrier_headers, name, lookalike_of
):
    r = get(client, name, carrier_headers)
    assert r.status_code == 404
    body = r.get_json()
    assert body["error"] == "not_found" and lookalike_of[0] in body["message_en"]
    assert (body["status"], body["deliverable"], body["reason"]) == (
        "unregistered",
        False,
        "impersonation_risk",
    )
    assert body["lookalike_of"] == lookalike_of
    # the same answer for each item of a batch, whoever the sender
    results = verify(client, carrier_headers, [{"name": name}, {"name": name, "holder_id": HOLDER}])
    assert (
        results.get_json()["results"]
        == [
            {
                "name": name,
                "status": "unregistered",
                "deliverable": False,
                "reason": "impersonation_risk",
                "lookalike_of": lookalike_of,
            }
        ]
        * 2
    )


def test_harmless_unknown_and_registered_names_answer_as_before(client, watched, carrier_headers):
    # a harmless name, and one holding only a sensitive word (officers weigh those; carriers are not told)
    for name in ("HELLOWORLD", "LOTTOMAX"):
        r = get(client, name, carrier_headers)
        assert r.status_code == 404
        assert set(r.get_json()) == {"error", "message", "message_en"}
        assert verify(client, carrier_headers, [{"name": name}]).get_json()["results"] == [
            {"name": name, "deliverable": False, "status": None, "reason": "not_registered"}
        ]
    # registered names keep their own answer, however many names they resemble
    assert get(client, "VietSun", carrier_headers).get_json()["status"] == "active"
    assert verify(client, carrier_headers, [{"name": "VIETSUN"}, {"name": "SunMart"}]).get_json()[
        "results"
    ] == [
        {"name": "VIETSUN", "deliverable": True, "status": "active", "reason": "ok"},
        {"name": "SunMart", "deliverable": False, "status": "revoked", "reason": "revoked"},
    ]


def test_registered_names_skip_the_confusion_queries(client, world, carrier_headers, monkeypatch):
    from brandname.lifecycle import queries

    asked = []
    monkeypatch.setattr(queries, "impersonated_names_many", lambda session, names: asked.extend(names) or {})
    get(client, "VietSun", carrier_headers)
    verify(
        client,
        carrier_headers,
        [{"name": "VIETSUN"}, {"name": "SunMart"}, {"name": "NOPE"}, {"name": "nope"}],
    )
    get(client, "NOPE", carrier_headers)
    assert asked == ["NOPE", "NOPE"]


def test_etag_gives_304_and_changes_with_state(client, world, carrier_headers, session, officer):
    first = get(client, "VIETSUN", carrier_headers)
    again = client.get(
        "/api/v1/brandnames/VIETSUN", headers={**carrier_headers, "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
    lifecycle.give_up(session, world["active"].id, actor=officer, now=NOW)
    after = client.get(
        "/api/v1/brandnames/VIETSUN", headers={**carrier_headers, "If-None-Match": first.headers["ETag"]}
    )
    assert after.status_code == 200 and after.get_json()["status"] == "revoked"


# -- keys ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer bnk_0000_wrong"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer not-even-a-key"},
    ],
)
@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/api/v1/brandnames/VIETSUN"),
        ("POST", "/api/v1/verify"),
        ("GET", "/api/v1/snapshot"),
        ("GET", "/api/v1/snapshot/manifest"),
        ("GET", "/api/v1/changes?since=0"),
    ],
)
def test_missing_or_wrong_key_is_401_json(client, carrier_key, headers, method, path):
    r = client.open(path, method=method, headers=headers, json={"items": []} if method == "POST" else None)
    assert r.status_code == 401
    assert r.get_json()["error"] == "unauthorized"
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_key_is_401_and_a_new_key_works(client, session, world, carrier_key, carrier_headers):
    assert get(client, "VIETSUN", carrier_headers).status_code == 200
    carriers.revoke_carrier(session, "Viettel Test")
    assert get(client, "VIETSUN", carrier_headers).status_code == 401
    _, new_key = carriers.create_carrier(session, "Viettel Test")
    assert new_key != carrier_key
    assert get(client, "VIETSUN", {"Authorization": f"Bearer {new_key}"}).status_code == 200
    assert get(client, "VIETSUN", carrier_headers).status_code == 401


def test_only_the_hash_of_the_key_is_stored(session, carrier_key):
    row = session.scalars(select(CarrierKey)).one()
    assert row.key_hash == hashlib.sha256(carrier_key.encode()).hexdigest()
    assert carrier_key.startswith(row.key_prefix + "_")
    for value in (row.name, row.key_prefix, row.key_hash):
        assert carrier_key not in value


def test_cli_create_and_revoke_carrier_are_recorded(app, session, client, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["brandname", "create-carrier", "MobiFone"])
    assert result.exit_code == 0, result.output
    key = result.stdout.strip().splitlines()[-1]
    assert key.startswith("bnk_")
    assert get(client, "VIETSUN", {"Authorization": f"Bearer {key}"}).status_code == 200
    again = runner.invoke(args=["brandname", "create-carrier", "MobiFone"])
    assert again.exit_code == 1 and "already has an active API key" in again.output
    result = runner.invoke(args=["brandname", "revoke-carrier", "MobiFone"])
    assert result.exit_code == 0, result.output
    assert get(client, "VIETSUN", {"Authorization": f"Bearer {key}"}).status_code == 401
    assert runner.invoke(args=["brandname", "revoke-carrier", "MobiFone"]).exit_code == 1
    assert runner.invoke(args=["brandname", "revoke-carrier", "Nobody"]).exit_code == 1
    acts = [e for e in session.scalars(select(Event).where(Event.subject_type == "carrier_key"))]
    assert [e.act for e in acts] == ["create_carrier_key", "revoke_carrier_key"]
    assert all(e.actor_kind == "operator" for e in acts)
    assert key not in json.dumps([e.details for e in acts])


# -- POST /verify ----------------------------------------------------------------------------


def verify(client, headers, items):
    return client.post("/api/v1/verify", headers=headers, json={"items": items})


def test_verify_answers_in_order(client, world, carrier_headers, session, officer):
    auth = lifecycle.active_authorizations(session, world["active"].id)[0]
    items = [
        {"name": "vietsun"},
        {"name": "VIETSUN", "holder_id": HOLDER},
        {"name": "VIETSUN", "holder_id": " 0312345678 "},  # authorized party, spaces ignored
        {"name": "VIETSUN", "holder_id": OTHER},
        {"name": "SunMart"},
        {"name": "OLDBRAND", "holder_id": HOLDER},
        {"name": "LATEBRAND"},
        {"name": "RESERVED1"},
        {"name": "NEVER"},
        {"name": "GONE"},
        {"name": "CUONGSHOP"},
        {"name": "CUONGSHOP", "holder_id": "001203004567"},  # the ID number the carrier verified
        {"name": "CUONGSHOP", "holder_id": "001203004568"},
        {"name": ""},
        {"name": "x" * 40},
        {"name": "VIETSUN", "holder_id": None},
    ]
    r = verify(client, carrier_headers, items)
    assert r.status_code == 200
    got = [(x["name"], x["deliverable"], x["status"], x["reason"]) for x in r.get_json()["results"]]
    assert got == [
        ("vietsun", True, "active", "ok"),
        ("VIETSUN", True, "active", "ok"),
        ("VIETSUN", True, "active", "ok"),
        ("VIETSUN", False, "active", "holder_mismatch"),
        ("SunMart", False, "revoked", "revoked"),
        ("OLDBRAND", False, "expired", "expired"),
        ("LATEBRAND", False, "expired", "expired"),
        ("RESERVED1", False, "reserved", "reserved"),
        ("NEVER", False, None, "not_registered"),
        ("GONE", False, None, "not_registered"),
        ("CUONGSHOP", True, "active", "ok"),
        ("CUONGSHOP", True, "active", "ok"),
        ("CUONGSHOP", False, "active", "holder_mismatch"),
        ("", False, None, "not_registered"),
        ("x" * 40, False, None, "not_registered"),
        ("VIETSUN", True, "active", "ok"),
    ]
    lifecycle.withdraw_authorization(session, auth.id, actor=officer, now=NOW)
    r = verify(client, carrier_headers, [{"name": "VIETSUN", "holder_id": "0312345678"}])
    assert r.get_json()["results"][0]["reason"] == "holder_mismatch"


def test_verify_by_channel(client, world, carrier_headers, session, registry_helper):
    """A name certified for SMS only is not deliverable for voice calls (Art. 9.8, 13.8)."""
    application = lifecycle.submit(
        session,
        applicant=org_applicant(),
        names=[
            {**name_entry("VOICEONLY"), "use_sms": False, "use_voice": True},
            {**name_entry("BOTHWAYS"), "use_voice": True},
        ],
        actor=registry_helper.officer,
        commitments_confirmed=True,
        now=NOW,
    )
    attach(session, application, "enterprise_registration", registry_helper.officer)
    registry_helper.approve(application)
    registry_helper.pay_and_issue(application)
    items = [
        {"name": "VIETSUN", "channel": "sms"},
        {"name": "VIETSUN", "channel": "voice"},
        {"name": "VIETSUN", "channel": "voice", "holder_id": OTHER},  # the channel is refused first
        {"name": "VOICEONLY", "channel": "sms"},
        {"name": "VOICEONLY", "channel": "voice", "holder_id": HOLDER},
        {"name": "BOTHWAYS", "channel": "voice"},
        {"name": "BOTHWAYS", "channel": "sms"},
        {"name": "SUNMART", "channel": "voice"},  # revoked says revoked, whatever the channel
        {"name": "VIETSUN"},
    ]
    got = [
        (x["deliverable"], x["reason"]) for x in verify(client, carrier_headers, items).get_json()["results"]
    ]
    assert got == [
        (True, "ok"),
        (False, "channel_not_certified"),
        (False, "channel_not_certified"),
        (False, "channel_not_certified"),
        (True, "ok"),
        (True, "ok"),
        (True, "ok"),
        (False, "revoked"),
        (True, "ok"),
    ]
    assert get(client, "VOICEONLY", carrier_headers).get_json()["channels"] == ["voice"]
    assert get(client, "BOTHWAYS", carrier_headers).get_json()["channels"] == ["sms", "voice"]
    bad = verify(client, carrier_headers, [{"name": "VIETSUN", "channel": "fax"}])
    assert bad.status_code == 200
    (answer,) = bad.get_json()["results"]
    assert answer["reason"] == "invalid_item" and answer["errors"][0]["path"] == "$.items[0].channel"


def test_verify_accepts_1000_items_and_refuses_1001_with_413(client, world, carrier_headers):
    r = verify(client, carrier_headers, [{"name": f"N{i}"} for i in range(1000)])
    assert r.status_code == 200 and len(r.get_json()["results"]) == 1000
    r = verify(client, carrier_headers, [{"name": f"N{i}"} for i in range(1001)])
    assert r.status_code == 413
    assert r.get_json()["error"] == "too_many_items" and r.get_json()["max_items"] == 1000


@pytest.mark.parametrize(
    "body,path",
    [
        ("not json", "$"),
        ("[" * 100_000 + "]" * 100_000, "$"),
        ({"items": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}, "$"),
        ([1, 2], "$"),
        ({}, "$.items"),
        ({"items": "VIETSUN"}, "$.items"),
        ({"items": [], "extra": 1}, "$.extra"),
    ],
)
def test_verify_malformed_body_is_400_saying_what_is_wrong(client, carrier_headers, body, path):
    if isinstance(body, str):
        r = client.post(
            "/api/v1/verify", headers={**carrier_headers, "Content-Type": "application/json"}, data=body
        )
    else:
        r = client.post("/api/v1/verify", headers=carrier_headers, json=body)
    assert r.status_code == 400
    data = r.get_json()
    assert data["error"] == "invalid_input" and data["message"] and data["message_en"]
    assert path in [e["path"] for e in data["errors"]]


@pytest.mark.parametrize(
    "item,path",
    [
        ("VIETSUN", "$.items[1]"),
        ({"holder_id": HOLDER}, "$.items[1].name"),
        ({"name": 12}, "$.items[1].name"),
        ({"name": "VIET\x00SUN"}, "$.items[1].name"),
        ({"name": "VIET\nSUN"}, "$.items[1].name"),
        ({"name": "B", "holder_id": 101234567}, "$.items[1].holder_id"),
        ({"name": "B", "holder_id": "0101\x00234567"}, "$.items[1].holder_id"),
        ({"name": "A", "holder": HOLDER}, "$.items[1].holder"),
        ({"name": "A", "channel": "fax"}, "$.items[1].channel"),
    ],
)
def test_verify_a_bad_item_fails_only_itself(client, world, carrier_headers, item, path):
    items = [{"name": "VIETSUN"}] + [item] + [{"name": f"N{i}"} for i in range(997)] + [{"name": "vietsun"}]
    r = verify(client, carrier_headers, items)
    assert r.status_code == 200, r.get_json()
    results = r.get_json()["results"]
    assert len(results) == 1000
    assert results[0] == {"name": "VIETSUN", "deliverable": True, "status": "active", "reason": "ok"}
    assert results[-1]["deliverable"] is True and results[-1]["name"] == "vietsun"
    assert {x["reason"] for x in results[2:-1]} == {"not_registered"}
    bad = results[1]
    assert bad["deliverable"] is False and bad["status"] is None and bad["reason"] == "invalid_item"
    assert path in [e["path"] for e in bad["errors"]] and all(e["problem"] for e in bad["errors"])
    assert bad["name"] == (
        item.get("name") if isinstance(item, dict) and isinstance(item.get("name"), str) else None
    )
    assert "errors" not in results[0]


# -- rate limits -----------------------------------------------------------------------------


def test_rate_limit_per_key_returns_429_json(app, client, session, world, carrier_headers):
    app.config["CARRIER_RATE_LIMIT"] = "3 per minute"
    for _ in range(3):
        assert get(client, "VIETSUN", carrier_headers).status_code == 200
    r = get(client, "VIETSUN", carrier_headers)
    assert r.status_code == 429
    body = r.get_json()
    assert body["error"] == "rate_limited" and body["message"] and body["message_en"]
    assert "Retry-After" in r.headers
    # another carrier has its own allowance
    _, other = carriers.create_carrier(session, "VNPT Test")
    assert get(client, "VIETSUN", {"Authorization": f"Bearer {other}"}).status_code == 200


def test_rate_limit_counts_every_request_at_larger_limits(app, client, world, carrier_headers):
    app.config["CARRIER_RATE_LIMIT"] = "120 per minute;1000 per hour"
    codes = [get(client, "VIETSUN", carrier_headers).status_code for _ in range(125)]
    assert codes[:120] == [200] * 120 and codes[120:] == [429] * 5
    assert "120 per 1 minute" in get(client, "VIETSUN", carrier_headers).get_json()["limit"]


def test_limiter_pass_is_skipped_for_carrier_endpoints_only(app, client, world, carrier_headers, monkeypatch):
    import flask_limiter
    from flask import request

    from brandname.extensions import Limiter

    # the Limiter's per-request hook is the override that skips carrier endpoints
    assert any(
        getattr(f, "__func__", None) is Limiter._check_request_limit for f in app.before_request_funcs[None]
    )
    seen, original = [], flask_limiter.Limiter._check_request_limit

    def spy(self, *args, **kwargs):
        seen.append(request.endpoint)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(flask_limiter.Limiter, "_check_request_limit", spy)
    assert get(client, "VIETSUN", carrier_headers).status_code == 200
    assert client.get("/api/v1/availability?name=ABC").status_code == 200
    assert "api.brandname_state" not in seen and "api.availability" in seen


def test_rendered_body_is_the_general_json_encoding(client, world, carrier_headers):
    from brandname.web.api.carrier import _dumps, _public_record, _render

    base = get(client, "VIETSUN", carrier_headers).get_json()
    base["name_normal"] = "VIETSUN"
    records = [
        base,
        {**base, "authorizations": [], "serial": None, "status": "reserved"},
        {**base, "holder": {"name": 'Công ty "Ánh Dương"\\ \n\u0001', "id_number": None, "id_check": None}},
        {
            **base,
            "channels": ["sms", "voice"],
            "holder": {**base["holder"], "id_check": {"salt": "ab", "hmac": "cd"}},
        },
        {**base, "status": "revoked", "revoked_at": "2025-01-02T03:04:05Z", "revocation_ground": "Điều 23"},
        {**base, "valid_until": "2020-01-01"},  # past its last day: reported expired
    ]
    for record in records:
        for today in (date(2019, 12, 31), date(2026, 6, 1)):
            body, etag = _render(record, today)
            assert body == _dumps(_public_record(record, today)).encode("utf-8")
            assert etag == f'"{hashlib.sha1(body).hexdigest()}"'


def test_rendered_answer_follows_the_record_and_the_day():
    from brandname.web.api.carrier import RenderedStates

    rendered = RenderedStates(max_entries=10)
    record = {
        "name": "LATEBRAND",
        "name_normal": "LATEBRAND",
        "status": "active",
        "channels": ["sms"],
        "holder": {"name": "X", "id_number": None, "id_check": None},
        "serial": "1",
        "valid_from": "2023-06-01",
        "valid_until": "2026-05-31",
        "revoked_at": None,
        "revocation_ground": None,
        "authorizations": [],
    }
    body, etag = rendered.get(record, date(2026, 5, 31))
    assert json.loads(body)["status"] == "active" and rendered.get(record, date(2026, 5, 31)) == (body, etag)
    later, later_etag = rendered.get(record, date(2026, 6, 1))  # the next day it has expired
    assert json.loads(later)["status"] == "expired" and later_etag != etag
    revoked = {**record, "status": "revoked"}  # an act puts a new record in the name cache
    assert json.loads(rendered.get(revoked, date(2026, 6, 1))[0])["status"] == "revoked"


def test_availability_is_rate_limited_per_ip(app, client):
    app.config["AVAILABILITY_RATE_LIMIT"] = "2 per minute"
    here = {"REMOTE_ADDR": "10.0.0.1"}
    assert client.get("/api/v1/availability?name=ABC", environ_base=here).status_code == 200
    assert client.get("/api/v1/availability?name=ABC", environ_base=here).status_code == 200
    r = client.get("/api/v1/availability?name=ABC", environ_base=here)
    assert r.status_code == 429 and r.get_json()["error"] == "rate_limited"
    assert (
        client.get("/api/v1/availability?name=ABC", environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code
        == 200
    )


# -- snapshot --------------------------------------------------------------------------------


def test_snapshot_and_signed_manifest(client, world, carrier_headers, keys, session):
    r = client.get("/api/v1/snapshot/manifest", headers=carrier_headers)
    assert r.status_code == 200 and r.mimetype == "application/jose"
    header, payload = keys.verify(r.get_data(as_text=True))
    assert header["typ"] == feed.SNAPSHOT_TYP
    manifest = json.loads(payload)
    assert manifest["seq"] == feed.head(session) == int(r.headers["X-Snapshot-Seq"])
    snap = client.get(f"/api/v1/snapshot?seq={manifest['seq']}", headers=carrier_headers)
    assert snap.status_code == 200 and snap.mimetype == "application/gzip"
    assert hashlib.sha256(snap.data).hexdigest() == manifest["sha256"] and len(snap.data) == manifest["size"]
    lines = [json.loads(x) for x in gzip.decompress(snap.data).decode().splitlines()]
    assert manifest["count"] == len(lines) == 6  # every live name, the released one excluded
    by_name = {x["name_normal"]: x for x in lines}
    assert set(by_name) == {"VIETSUN", "SUNMART", "OLDBRAND", "LATEBRAND", "RESERVED1", "CUONGSHOP"}
    assert by_name["VIETSUN"]["authorizations"] == [
        {"id_number": "0312345678", "name": "Công ty Đại lý Tin nhắn"}
    ]
    assert by_name["LATEBRAND"]["status"] == "active"  # the file carries the stored status and dates
    assert by_name["CUONGSHOP"]["holder"]["id_number"] is None
    # the current snapshot (no seq) is the same file
    assert client.get("/api/v1/snapshot", headers=carrier_headers).data == snap.data


def test_snapshot_follows_the_head_and_old_seq_404(app, client, world, carrier_headers, session, officer):
    app.config["SNAPSHOT_MAX_AGE"] = 0
    first = client.get("/api/v1/snapshot", headers=carrier_headers)
    seq1 = int(first.headers["X-Snapshot-Seq"])
    lifecycle.give_up(session, world["active"].id, actor=officer, now=NOW)
    second = client.get("/api/v1/snapshot", headers=carrier_headers)
    seq2 = int(second.headers["X-Snapshot-Seq"])
    assert seq2 == seq1 + 1 and second.data != first.data
    assert client.get(f"/api/v1/snapshot?seq={seq1}", headers=carrier_headers).data == first.data
    assert client.get("/api/v1/snapshot?seq=99999", headers=carrier_headers).status_code == 404
    assert client.get("/api/v1/snapshot?seq=abc", headers=carrier_headers).status_code == 400


def test_a_young_cached_snapshot_is_served_while_the_feed_catches_up(
    app, client, world, carrier_headers, session, officer
):
    app.config["SNAPSHOT_MAX_AGE"] = 3600
    seq1 = int(client.get("/api/v1/snapshot", headers=carrier_headers).headers["X-Snapshot-Seq"])
    lifecycle.give_up(session, world["active"].id, actor=officer, now=NOW)
    r = client.get("/api/v1/snapshot/manifest", headers=carrier_headers)
    assert int(r.headers["X-Snapshot-Seq"]) == seq1


# -- changes ---------------------------------------------------------------------------------


def changes(client, headers, keys, query):
    r = client.get(f"/api/v1/changes?{query}", headers=headers)
    assert r.status_code == 200, r.get_json()
    header, payload = keys.verify(r.get_data(as_text=True))
    assert header["typ"] == feed.CHANGES_TYP
    return json.loads(payload)


def test_changes_list_every_event_in_order_with_states(client, world, carrier_headers, keys, session):
    page = changes(client, carrier_headers, keys, "since=0&limit=5000")
    seqs = [c["seq"] for c in page["changes"]]
    assert seqs == list(range(1, feed.head(session) + 1))
    assert page["since"] == 0 and page["next"] == page["head"] == seqs[-1]
    touched = {}
    for change in page["changes"]:
        for rec in change["names"]:
            touched[rec["name_normal"]] = rec
    assert touched["GONE"] == {"name_normal": "GONE", "status": "released"}
    assert touched["RESERVED1"]["status"] == "reserved"  # approve events name the reserved names
    assert touched["VIETSUN"]["authorizations"][0]["id_number"] == "0312345678"
    assert touched["OLDBRAND"]["status"] == "expired"


def test_changes_paging_and_errors(client, world, carrier_headers, keys, session):
    head = feed.head(session)
    page = changes(client, carrier_headers, keys, "since=2&limit=3")
    assert [c["seq"] for c in page["changes"]] == [3, 4, 5] and page["next"] == 5 and page["head"] == head
    empty = changes(client, carrier_headers, keys, f"since={head}")
    assert empty["changes"] == [] and empty["next"] == head
    for query in ("", "since=-1", "since=x", "since=0&limit=0", "since=0&limit=999999", f"since={head + 1}"):
        r = client.get(f"/api/v1/changes?{query}", headers=carrier_headers)
        assert r.status_code == 400, query
        assert r.get_json()["error"] == "invalid_input"


def test_lapse_frees_reserved_names_in_the_feed(client, world, carrier_headers, keys, session):
    head = feed.head(session)
    lifecycle.lapse_unpaid(session, now=NOW + timedelta(days=40))
    page = changes(client, carrier_headers, keys, f"since={head}")
    assert page["changes"][0]["act"] == "lapse"
    assert page["changes"][0]["names"] == [{"name_normal": "RESERVED1", "status": "released"}]
