"""The holder's side: the record follows the latest filing (Art. 27), and each certificate on the
holder's pages shows its real state."""

import json
from datetime import date, datetime, timedelta

from sqlalchemy import select

from brandname import lifecycle
from brandname.store.models import Application, Brandname, Certificate, Event, Holder
from tests.conftest import NOW, org_applicant

NEW_ADDRESS = "Số 9 Láng Hạ, Đống Đa, Hà Nội"
OLD_ADDRESS = org_applicant()["address"]


def holder_address(record):
    return json.loads(record)["holder"]["address"]


def test_a_certificate_from_an_older_filing_does_not_bring_the_old_address_back(
    session, registry_helper, officer
):
    first = registry_helper.issue("ANHDUONG").certificates[0]
    # an issue filed with the old details, still undecided ...
    older = registry_helper.submit("BINHMINH", now=NOW + timedelta(days=1))
    # ... while a reissue for changed details is filed, decided and paid
    changed = dict(org_applicant(), address=NEW_ADDRESS)
    reissued = registry_helper.followup(
        "reissue",
        "ANHDUONG",
        applicant=changed,
        reissue_reason="changed_details",
        now=NOW + timedelta(days=2),
    ).certificates[0]
    assert holder_address(reissued.record) == NEW_ADDRESS
    registry_helper.approve(older, now=NOW + timedelta(days=3))
    later = registry_helper.pay_and_issue(older, now=NOW + timedelta(days=3)).certificates[0]
    holder = session.get(Holder, later.brandname.holder_id)
    assert holder.address == NEW_ADDRESS
    assert holder_address(later.record) == NEW_ADDRESS
    # the old details stay in the history: the superseded certificate and the filing as filed
    session.refresh(first)
    assert first.status == "superseded" and holder_address(first.record) == OLD_ADDRESS
    assert older.applicant["address"] == OLD_ADDRESS
    events = session.scalars(select(Event).where(Event.act == "update_holder")).all()
    assert [(e.details["fields"], e.application_id) for e in events] == [
        (["address"], reissued.application_id)
    ]


def test_after_a_reissue_later_forms_and_the_renewal_certificate_carry_the_new_details(
    portal, session, registry_helper, keys
):
    application_id = portal.application_id(portal.apply(portal.a, "ANHDUONG"))
    registry_helper.approve(session.get(Application, application_id))
    registry_helper.pay_and_issue(session.get(Application, application_id))
    bn = session.scalars(select(Brandname)).one()
    data = {f"app_{k}": v or "" for k, v in dict(org_applicant(), address=NEW_ADDRESS).items()}
    data.update(
        {
            "n-0-purpose": "Chăm sóc khách hàng",
            "n-0-use_sms": "on",
            "commitments": "on",
            "reissue_reason": "changed_details",
        }
    )
    response = portal.a.post(
        f"/applicant/names/{bn.id}/reissue", data=data, content_type="multipart/form-data"
    )
    reissue = session.get(Application, portal.application_id(response))
    registry_helper.approve(reissue)
    registry_helper.pay_and_issue(reissue)
    for url in ("/applicant/apply", f"/applicant/names/{bn.id}/renew", f"/applicant/names/{bn.id}/reissue"):
        page = portal.a.get(url).data.decode()
        assert NEW_ADDRESS in page and OLD_ADDRESS not in page, url
    # the next renewal, inside its window, prints the new address
    session.expire_all()
    bn = session.get(Brandname, bn.id)
    day = datetime.combine(bn.valid_until - timedelta(days=30), datetime.min.time()).replace(hour=3)
    applicant = {k: getattr(bn.holder, k) for k in ("kind", "name", "id_number", "tax_code", "address")}
    applicant.update(email=bn.holder.email, phone=bn.holder.phone)
    applicant.update(
        legal_representative=bn.holder.legal_representative, contact_person=bn.holder.contact_person
    )
    renewal = registry_helper.followup("renewal", bn.name, applicant=applicant, now=day).certificates[0]
    assert holder_address(renewal.record) == NEW_ADDRESS


def test_holder_pages_show_each_certificates_real_state(portal, session, registry_helper):
    application_id = portal.application_id(portal.apply(portal.a, "ANHDUONG", "BINHMINH", "CUONGTHINH"))
    registry_helper.approve(session.get(Application, application_id))
    registry_helper.pay_and_issue(session.get(Application, application_id))
    names = {bn.name: bn for bn in session.scalars(select(Brandname))}
    # ANHDUONG: reissued, its first certificate superseded
    reissued = registry_helper.followup("reissue", "ANHDUONG", reissue_reason="lost").certificates[0]
    # BINHMINH: given up by its holder
    lifecycle.give_up(
        session,
        names["BINHMINH"].id,
        actor=lifecycle.Actor.for_account(portal.account_a),
        now=NOW + timedelta(days=5),
    )
    # CUONGTHINH: expired
    session.execute(
        Brandname.__table__.update()
        .where(Brandname.id == names["CUONGTHINH"].id)
        .values(valid_until=date(2026, 3, 10))
    )
    session.execute(
        Certificate.__table__.update()
        .where(Certificate.brandname_id == names["CUONGTHINH"].id)
        .values(valid_until=date(2026, 3, 10))
    )
    session.commit()
    lifecycle.expire(session, today=date(2026, 3, 11))

    page = portal.a.get(f"/applicant/names/{names['ANHDUONG'].id}").data.decode()
    first = session.scalars(
        select(Certificate).where(Certificate.superseded_by_serial == reissued.serial)
    ).one()
    assert f"bởi số {reissued.serial}" in page and page.count("Tải PDF") == 1

    page = portal.a.get(f"/applicant/names/{names['BINHMINH'].id}").data.decode()
    assert "Đã thu hồi" in page and "điểm d khoản 1 Điều 29" in page
    assert "ngày 07/03/2026" in page  # the date of the revocation, Hanoi time
    assert "badge-current" not in page and "Tải PDF" not in page
    assert portal.a.get(f"/applicant/names/{names['BINHMINH'].id}/certificate.pdf").status_code == 404

    page = portal.a.get(f"/applicant/names/{names['CUONGTHINH'].id}").data.decode()
    assert "badge-expired" in page and "badge-current" not in page and "Tải PDF" not in page
    assert portal.a.get(f"/applicant/names/{names['CUONGTHINH'].id}/certificate.pdf").status_code == 404

    listing = portal.a.get("/applicant/names").data.decode()
    assert f"{reissued.serial} (PDF)" in listing
    assert listing.count("(PDF)") == 1
    # a superseded one is still there as history, by its serial
    assert first.serial in portal.a.get(f"/applicant/names/{names['ANHDUONG'].id}").data.decode()
