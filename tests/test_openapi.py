"""The OpenAPI document describes every /api/v1 route, and real responses fit its schemas."""

import base64
import gzip
import json
import re

import jsonschema
import pytest
from openapi_spec_validator import validate

from brandname import lifecycle

from .conftest import NOW


@pytest.fixture(autouse=True)
def fresh_name_cache(app):
    """Let every request see acts committed just before it (the cache polls the event log
    every request instead of every 0.2 s); tests/test_feed.py covers the polling itself."""
    app.config["CARRIER_NAME_CACHE_POLL_SECONDS"] = 0
    app.config["CARRIER_NAME_CACHE_PRELOAD"] = False  # deterministic; preloading is tested in test_feed


@pytest.fixture
def spec(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    return r.get_json()


def schema_validator(spec, name):
    return jsonschema.Draft202012Validator(
        {"$ref": f"#/components/schemas/{name}", "components": spec["components"]},
        format_checker=jsonschema.FormatChecker(),
    )


def response_schema(spec, path, method, status, mimetype="application/json"):
    return spec["paths"][path][method]["responses"][str(status)]["content"][mimetype]["schema"]


def check(spec, path, method, response):
    """Validate a real response against the schema the document gives for its status."""
    described = spec["paths"][path][method]["responses"][str(response.status_code)]
    content = described.get("content", {})
    assert response.mimetype in content, (path, response.status_code, response.mimetype)
    schema = content[response.mimetype]["schema"]
    if response.mimetype == "application/json":
        jsonschema.Draft202012Validator(
            {**schema, "components": spec["components"]}, format_checker=jsonschema.FormatChecker()
        ).validate(response.get_json())
    elif response.mimetype == "application/jose":
        token = response.get_data(as_text=True)
        assert re.fullmatch(schema["pattern"], token)
        payload = token.split(".")[1]
        payload = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        ref = described["x-jws-payload"]["$ref"].rsplit("/", 1)[1]
        schema_validator(spec, ref).validate(payload)
        return payload
    return None


def test_document_is_valid_openapi(spec):
    validate(spec)


def test_every_api_route_is_described(app, spec):
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (path, method.lower()) not in documented:
                missing.append((method, path))
    assert not missing, f"routes missing from /api/v1/openapi.json: {missing}"
    # and the document names no route the app lacks
    routes = {re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", r.rule) for r in app.url_map.iter_rules()}
    assert set(spec["paths"]) - routes == set()


def test_real_responses_validate(app, client, spec, registry_helper, session, officer, carrier_headers):
    bn = registry_helper.issue("VietSun", "SunMart").brandnames
    lifecycle.authorize(
        session, bn[0].id, actor=officer, party_id_number="0312345678", party_name="Đại lý", now=NOW
    )
    lifecycle.give_up(session, bn[1].id, actor=officer, now=NOW)
    reserved = registry_helper.submit("HOLDME")
    registry_helper.approve(reserved)
    h = carrier_headers
    check(spec, "/api/v1/availability", "get", client.get("/api/v1/availability?name=VietSun"))
    lifecycle.add_watch_entry(session, actor=officer, name="Lừa đảo", category="sensitive", now=NOW)
    for asked, kinds in (
        ("V1ETSUNN", ["soundalike"]),
        ("VIETSUM", ["near_miss"]),
        ("SUN LUADAO", ["watchlist"]),
    ):
        warned = client.get("/api/v1/availability", query_string={"name": asked})
        assert [w["kind"] for w in warned.get_json()["warnings"]] == kinds
        check(spec, "/api/v1/availability", "get", warned)
    check(spec, "/api/v1/availability", "get", client.get("/api/v1/availability?name=B%E1%BA%A1n"))
    check(spec, "/api/v1/availability", "get", client.get("/api/v1/availability"))
    check(spec, "/api/v1/keys", "get", client.get("/api/v1/keys"))
    check(spec, "/api/v1/tlog/vkey", "get", client.get("/api/v1/tlog/vkey"))
    check(spec, "/api/v1/tlog/inclusion", "get", client.get("/api/v1/tlog/inclusion?index=1&size=3"))
    check(spec, "/api/v1/tlog/inclusion", "get", client.get("/api/v1/tlog/inclusion?index=3&size=3"))
    check(spec, "/api/v1/tlog/consistency", "get", client.get("/api/v1/tlog/consistency?from=2&to=5"))
    check(spec, "/api/v1/tlog/consistency", "get", client.get("/api/v1/tlog/consistency?from=5&to=2"))
    cert = client.get("/api/v1/registry-certificate")
    assert (
        cert.status_code == 200
        and cert.mimetype
        in spec["paths"]["/api/v1/registry-certificate"]["get"]["responses"]["200"]["content"]
    )
    for name in ("vietsun", "SunMart", "holdme"):
        check(spec, "/api/v1/brandnames/{name}", "get", client.get(f"/api/v1/brandnames/{name}", headers=h))
    check(spec, "/api/v1/brandnames/{name}", "get", client.get("/api/v1/brandnames/NONE", headers=h))
    risky = client.get("/api/v1/brandnames/V1ETSUN", headers=h)
    assert risky.get_json()["reason"] == "impersonation_risk"
    check(spec, "/api/v1/brandnames/{name}", "get", risky)
    check(spec, "/api/v1/brandnames/{name}", "get", client.get("/api/v1/brandnames/NONE"))
    items = [
        {"name": "VIETSUN", "holder_id": "0312345678"},
        {"name": "SUNMART"},
        {"name": "X"},
        {"name": "VIETSUN", "holder_id": "0399999999"},
        {"name": "HOLDME"},
        {"name": "V1ETSUN"},
    ]
    check(spec, "/api/v1/verify", "post", client.post("/api/v1/verify", headers=h, json={"items": items}))
    schema_validator(spec, "VerifyRequest").validate({"items": items})
    check(spec, "/api/v1/verify", "post", client.post("/api/v1/verify", headers=h, json={"items": [{}]}))
    check(
        spec,
        "/api/v1/verify",
        "post",
        client.post("/api/v1/verify", headers=h, json={"items": [{"name": "A"}] * 1001}),
    )
    manifest = check(
        spec, "/api/v1/snapshot/manifest", "get", client.get("/api/v1/snapshot/manifest", headers=h)
    )
    snap = client.get(f"/api/v1/snapshot?seq={manifest['seq']}", headers=h)
    assert snap.mimetype in spec["paths"]["/api/v1/snapshot"]["get"]["responses"]["200"]["content"]
    lines = gzip.decompress(snap.data).decode().splitlines()
    assert len(lines) == 3
    for line in lines:
        schema_validator(spec, "StateRecord").validate(json.loads(line))
    check(spec, "/api/v1/snapshot", "get", client.get("/api/v1/snapshot?seq=424242", headers=h))
    page = check(spec, "/api/v1/changes", "get", client.get("/api/v1/changes?since=0&limit=100", headers=h))
    assert page["changes"]
    check(spec, "/api/v1/changes", "get", client.get("/api/v1/changes?since=zz", headers=h))
    app.config["CARRIER_RATE_LIMIT"] = "1 per minute"
    check(spec, "/api/v1/changes", "get", client.get("/api/v1/changes?since=0", headers=h))
    check(spec, "/api/v1/changes", "get", client.get("/api/v1/changes?since=0", headers=h))  # 429
    check(spec, "/api/v1/openapi.json", "get", client.get("/api/v1/openapi.json"))


def test_released_record_shape_validates(spec):
    schema_validator(spec, "StateRecord").validate({"name_normal": "GONE", "status": "released"})
    with pytest.raises(jsonschema.ValidationError):
        schema_validator(spec, "StateRecord").validate({"name_normal": "GONE", "status": "active"})
