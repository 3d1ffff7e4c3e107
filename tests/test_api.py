from joserfc import jws
from joserfc.jwk import KeySet
from sqlalchemy import select

from brandname.store.models import Certificate


def test_availability_free_taken_invalid(client, registry_helper):
    registry_helper.issue("MOBIFONE")
    free = client.get("/api/v1/availability?name=Shopee").get_json()
    assert free == {
        "name": "Shopee",
        "valid": True,
        "errors": [],
        "available": True,
        "confusable_with": [],
        "registrable": True,
        "reason": None,
        "reason_en": None,
        "warnings": [],
    }
    taken = client.get("/api/v1/availability?name=mobifone").get_json()
    assert taken["available"] is False and taken["valid"] is True
    look = client.get("/api/v1/availability?name=M0BIFONE").get_json()
    assert look["available"] is True and look["confusable_with"] == ["MOBIFONE"]
    assert look["registrable"] is False and "MOBIFONE" in look["reason"]
    assert look["warnings"] == [{"kind": "lookalike", "name": "MOBIFONE", "category": None}]


def test_availability_warns_of_soundalikes_and_near_misses(client, registry_helper):
    for name in ("VINAPHONE", "KIMLONG", "VIETTEL", "MOMO"):
        registry_helper.issue(name)

    def warnings(name):
        answer = client.get("/api/v1/availability", query_string={"name": name}).get_json()
        return [(w["kind"], w["name"]) for w in answer["warnings"]], answer["confusable_with"]

    assert warnings("VINAFONE") == ([("soundalike", "VINAPHONE")], ["VINAPHONE"])
    assert warnings("KYMLONG") == ([("soundalike", "KIMLONG")], ["KIMLONG"])
    assert warnings("VIETEL") == ([("soundalike", "VIETTEL")], ["VIETTEL"])
    assert warnings("V1ETTEL") == ([("lookalike", "VIETTEL")], ["VIETTEL"])
    assert warnings("VIETTAL") == ([("near_miss", "VIETTEL")], [])  # near misses are not confusable_with
    assert warnings("VIETTELS") == ([("near_miss", "VIETTEL")], [])
    assert warnings("MOMI") == ([], [])  # MOMO is shorter than 5 characters
    assert warnings("VIETNAM") == ([], [])
    bad = client.get("/api/v1/availability", query_string={"name": "Điện  Máy Xanh"}).get_json()
    assert bad["valid"] is False and bad["available"] is False
    assert {e["code"] for e in bad["errors"]} == {"too_long", "bad_characters", "double_space"}
    assert all(e["message"] and e["message_en"] for e in bad["errors"])


def test_availability_requires_a_name(client):
    response = client.get("/api/v1/availability")
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_input"


def test_keys_publish_a_jwk_set_that_verifies_records(client, session, registry_helper):
    registry_helper.issue("JWKSNAME")
    key_set = client.get("/api/v1/keys").get_json()
    assert all(k["kty"] == "EC" and k["crv"] == "P-256" and "d" not in k for k in key_set["keys"])
    cert = session.scalars(select(Certificate)).one()
    obj = jws.deserialize_compact(cert.signature, KeySet.import_key_set(key_set), algorithms=["ES256"])
    assert obj.payload.decode() == cert.record


def test_unknown_api_route_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.get_json()["message_en"] == "Not found."
