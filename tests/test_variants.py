"""Protected variants (Art. 23(4)): a holder asks to protect look-alike variants of their own
name, an officer approves or refuses each one (events), and an approved variant is blocked for
everyone else: availability says why, filing it is refused, and carriers treat a name resembling
it as an impersonation of the holder's name, online and offline."""

import pytest

from brandname import lifecycle
from brandname.errors import Conflict, DomainError, Forbidden, NotAllowed
from brandname.lifecycle import queries
from brandname.store.models import Event, ProtectedVariant
from brandname_carrier import CarrierClient

from .conftest import NOW, org_applicant
from .test_carrier_client import BASE, fresh_name_cache, make_client, transport  # noqa: F401 - fixtures

OTHER = org_applicant("0109876543", "Công ty Khác")


def holder_actor(bn):
    return lifecycle.Actor("applicant", "holder@example.vn", None, bn.holder_id)


@pytest.fixture
def viettel(registry_helper):
    return registry_helper.issue("VIETTEL").brandnames[0]


def test_a_holder_asks_and_an_officer_decides_each_variant(session, viettel, officer):
    asked = lifecycle.request_variant(session, viettel.id, actor=holder_actor(viettel), name="VTPay", now=NOW)
    other = lifecycle.request_variant(
        session, viettel.id, actor=holder_actor(viettel), name="VTMoney", now=NOW
    )
    assert asked.status == other.status == "requested"
    lifecycle.approve_variant(session, asked.id, actor=officer, now=NOW)
    with pytest.raises(DomainError):
        lifecycle.reject_variant(session, other.id, actor=officer, note="", now=NOW)  # a reason is needed
    lifecycle.reject_variant(session, other.id, actor=officer, note="Không giống tên", now=NOW)
    assert [v.status for v in queries.variants_of(session, viettel.id)] == ["rejected", "approved"]
    acts = (
        session.query(Event.act).filter(Event.subject_type == "protected_variant").order_by(Event.seq).all()
    )
    assert [a for (a,) in acts] == ["request_variant", "request_variant", "approve_variant", "reject_variant"]
    with pytest.raises(NotAllowed):
        lifecycle.approve_variant(session, other.id, actor=officer, now=NOW)  # decided already
    with pytest.raises(Forbidden):
        lifecycle.approve_variant(session, asked.id, actor=holder_actor(viettel), now=NOW)


def test_only_the_holder_of_an_active_name_asks_for_a_fresh_variant(session, viettel, registry_helper):
    stranger = lifecycle.Actor("applicant", "x@example.vn", None, viettel.holder_id + 99)
    with pytest.raises(Forbidden):
        lifecycle.request_variant(session, viettel.id, actor=stranger, name="VTPay", now=NOW)
    registry_helper.issue("SUNMART", applicant=OTHER)
    with pytest.raises(Conflict):  # registered already
        lifecycle.request_variant(session, viettel.id, actor=holder_actor(viettel), name="sunmart", now=NOW)
    with pytest.raises(DomainError):  # not a valid sender name
        lifecycle.request_variant(session, viettel.id, actor=holder_actor(viettel), name="VIỆT TEL", now=NOW)
    with pytest.raises(DomainError):  # the name itself
        lifecycle.request_variant(session, viettel.id, actor=holder_actor(viettel), name="Viettel", now=NOW)
    lifecycle.request_variant(session, viettel.id, actor=holder_actor(viettel), name="VTPay", now=NOW)
    with pytest.raises(Conflict):  # asked once
        lifecycle.request_variant(session, viettel.id, actor=holder_actor(viettel), name="VTPAY", now=NOW)


def approved(session, bn, officer, name="VTPay"):
    variant = lifecycle.request_variant(session, bn.id, actor=holder_actor(bn), name=name, now=NOW)
    return lifecycle.approve_variant(session, variant.id, actor=officer, now=NOW)


def test_an_approved_variant_is_blocked_for_everyone_else(session, viettel, officer, registry_helper):
    requested = lifecycle.request_variant(
        session, viettel.id, actor=holder_actor(viettel), name="VTPay", now=NOW
    )
    assert queries.availability(session, "VTPAY")["available"]  # only once approved
    lifecycle.approve_variant(session, requested.id, actor=officer, now=NOW)
    answer = queries.availability(session, "vtpay")
    assert not answer["available"] and not answer["registrable"]
    assert answer["protected_variant_of"] == "VIETTEL" and "VIETTEL" in answer["reason_en"]
    with pytest.raises(Conflict, match="protected variant of VIETTEL"):
        registry_helper.submit("VTPAY", applicant=OTHER)
    # the holder may still register it
    assert registry_helper.issue("VTPay").brandnames[0].name == "VTPay"


def test_an_application_filed_before_the_approval_is_refused_at_approval(
    session, viettel, officer, registry_helper
):
    application = registry_helper.submit("VTPAY", applicant=OTHER)
    approved(session, viettel, officer)
    with pytest.raises(Conflict):
        registry_helper.approve(application)


def test_carriers_treat_names_like_an_approved_variant_as_the_holders_name(
    session,
    viettel,
    officer,
    client,
    carrier_headers,
    make_client,  # noqa: F811
):
    carrier = make_client()
    carrier.sync()
    approved(session, viettel, officer)
    carrier.sync()  # by the change page of the approval
    for name in ("VTPAY", "VTPAAY", "VT-PAY"):
        online = client.post("/api/v1/verify", headers=carrier_headers, json={"items": [{"name": name}]})
        result = online.get_json()["results"][0]
        assert (result["reason"], result["lookalike_of"]) == ("impersonation_risk", ["VIETTEL"]), name
        single = client.get(f"/api/v1/brandnames/{name}", headers=carrier_headers).get_json()
        assert single["lookalike_of"] == ["VIETTEL"]
        offline = carrier.check(name)
        assert offline.reason == "impersonation_risk" and offline.lookalike_of == ("VIETTEL",)
    fresh = CarrierClient(
        BASE, key=carrier.key, directory=carrier.dir.parent / "fresh", transport=carrier.transport
    )
    fresh.sync()  # by the snapshot
    assert fresh.check("VTPAY").lookalike_of == ("VIETTEL",)
    # released, the name protects no variant any more
    lifecycle.give_up(session, viettel.id, actor=officer, now=NOW)
    lifecycle.release(session, viettel.id, actor=officer, reason="Giải phóng", now=NOW)
    carrier.sync()
    assert carrier.check("VTPAY").reason == "not_registered"
    assert queries.availability(session, "VTPAY")["available"]
    assert session.query(ProtectedVariant).count() == 1


def test_the_holder_asks_on_the_name_page_and_the_officer_decides_on_the_watch_page(
    portal, session, registry_helper
):
    bn = registry_helper.issue("VIETSUN", applicant=org_applicant()).brandnames[0]
    page = portal.a.get(f"/applicant/names/{bn.id}")
    assert "Biến thể được bảo vệ" in page.get_data(as_text=True)
    sent = portal.a.post(f"/applicant/names/{bn.id}/variants", data={"variant": "VSPay"})
    assert sent.status_code == 302
    refused = portal.a.post(f"/applicant/names/{bn.id}/variants", data={"variant": "VSPAY"})
    assert refused.status_code == 409
    assert portal.b.post(f"/applicant/names/{bn.id}/variants", data={"variant": "X1"}).status_code == 404
    watch = portal.officer.get("/officer/watch").get_data(as_text=True)
    assert "VSPay" in watch and "Biến thể chờ duyệt" in watch
    variant = session.query(ProtectedVariant).one()
    done = portal.officer.post(f"/officer/variants/{variant.id}/approve", data={})
    assert done.status_code == 302
    session.expire_all()
    assert session.get(ProtectedVariant, variant.id).status == "approved"
    assert "Đã bảo vệ" in portal.a.get(f"/applicant/names/{bn.id}").get_data(as_text=True)
    assert portal.a.post(f"/officer/variants/{variant.id}/approve").status_code in (302, 403)
