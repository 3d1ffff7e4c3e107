"""Fee payments: one bank transfer pays one fee, and an officer can refuse a wrongly recorded one
with a reason the applicant reads."""

import pytest
from sqlalchemy import select

from brandname import lifecycle
from brandname.errors import Conflict, Forbidden, InvalidInput, NotAllowed
from brandname.store.models import Application, Event, Outbox, Payment
from tests.conftest import NOW, org_applicant


def approved(registry_helper, *names, code="0101234567"):
    application = registry_helper.submit(*names, applicant=org_applicant(code))
    registry_helper.approve(application)
    return application


def test_the_same_reference_is_refused_for_the_same_application(session, registry_helper, officer):
    application = approved(registry_helper, "ANHDUONG")
    lifecycle.record_payment(session, application.id, actor=officer, reference="FT2603021234", now=NOW)
    with pytest.raises(Conflict) as err:
        lifecycle.record_payment(session, application.id, actor=officer, reference="FT2603021234", now=NOW)
    assert "đã được ghi nhận cho hồ sơ này" in err.value.message_vi
    assert len(session.scalars(select(Payment)).all()) == 1


def test_a_reference_already_used_by_another_fee_is_refused_without_naming_it(
    session, registry_helper, officer
):
    first = approved(registry_helper, "ANHDUONG")
    second = approved(registry_helper, "SAOMAI", code="0309998887")
    lifecycle.record_payment(session, first.id, actor=officer, reference="FT 2603 021234", now=NOW)
    events = session.scalars(select(Event)).all()
    # spacing and case do not make a new transfer
    with pytest.raises(Conflict) as err:
        lifecycle.record_payment(session, second.id, actor=officer, reference="ft2603021234", now=NOW)
    assert "khoản lệ phí khác" in err.value.message_vi
    assert "hồ sơ số" not in err.value.message_vi  # another holder's dossier is not named
    assert len(session.scalars(select(Event)).all()) == len(events)


def test_the_database_refuses_a_duplicate_that_slipped_past_the_check(session, registry_helper, officer):
    """Two racing recordings both pass the SELECT; the partial unique index stops the second."""
    first = approved(registry_helper, "ANHDUONG")
    second = approved(registry_helper, "SAOMAI", code="0309998887")
    lifecycle.record_payment(session, first.id, actor=officer, reference="FT1", now=NOW)
    from brandname.lifecycle import certificates

    original = certificates._refuse_duplicate_reference
    certificates._refuse_duplicate_reference = lambda *a, **k: None
    try:
        with pytest.raises(Conflict):
            lifecycle.record_payment(session, second.id, actor=officer, reference="FT1", now=NOW)
    finally:
        certificates._refuse_duplicate_reference = original
    assert session.scalar(select(Payment.id).where(Payment.application_id == second.id)) is None


def test_an_officer_refuses_a_wrong_payment_and_the_applicant_reads_why(
    portal, session, registry_helper, officer
):
    response = portal.apply(portal.a, "ANHDUONG")
    application_id = portal.application_id(response)
    application = session.get(Application, application_id)
    registry_helper.approve(application)
    response = portal.a.post(f"/applicant/applications/{application_id}/payment", data={"reference": "FT999"})
    assert response.status_code == 302
    payment = session.scalars(select(Payment)).one()
    # a reason is required
    response = portal.officer.post(f"/officer/payments/{payment.id}/refuse", data={"reason": " "})
    session.refresh(payment)
    assert payment.status == "recorded"
    response = portal.officer.post(
        f"/officer/payments/{payment.id}/refuse",
        data={"reason": "Không có giao dịch FT999 trong sao kê ngày 02/03/2026."},
    )
    assert response.status_code == 302
    session.refresh(payment)
    assert payment.status == "refused" and payment.refusal_reason.startswith("Không có giao dịch")
    event = session.scalars(select(Event).where(Event.act == "refuse_payment")).one()
    assert event.details["reason"].startswith("Không có giao dịch") and event.application_id == application_id
    mail = session.scalars(select(Outbox).where(Outbox.key == f"payment-refused:{payment.id}")).one()
    assert mail.to == "a@anhduong.vn" and "FT999" in mail.body
    page = portal.a.get(f"/applicant/applications/{application_id}").data.decode()
    assert "Không có giao dịch FT999 trong sao kê" in page
    # the refused reference is free again: the applicant may record the corrected transfer
    response = portal.a.post(f"/applicant/applications/{application_id}/payment", data={"reference": "FT999"})
    assert response.status_code == 302
    assert session.scalar(select(Payment.status).where(Payment.id != payment.id)) == "recorded"


def test_a_duplicate_reference_shows_a_clear_message_on_the_page(portal, session, registry_helper):
    application_id = portal.application_id(portal.apply(portal.a, "ANHDUONG"))
    registry_helper.approve(session.get(Application, application_id))
    url = f"/applicant/applications/{application_id}/payment"
    assert portal.a.post(url, data={"reference": "FT777"}).status_code == 302
    response = portal.a.post(url, data={"reference": "FT777"})
    assert response.status_code == 409
    assert "Mã giao dịch FT777 đã được ghi nhận cho hồ sơ này" in response.data.decode()


def test_refusing_is_for_officers_and_only_for_a_payment_awaiting_confirmation(
    session, registry_helper, officer, keys
):
    application = approved(registry_helper, "ANHDUONG")
    applicant = lifecycle.Actor("applicant", "a@x.vn", None, application.holder_id)
    payment = lifecycle.record_payment(session, application.id, actor=applicant, reference="FT5", now=NOW)
    with pytest.raises(Forbidden):
        lifecycle.refuse_payment(session, payment.id, actor=applicant, reason="nhầm")
    with pytest.raises(InvalidInput):
        lifecycle.refuse_payment(session, payment.id, actor=officer, reason="x" * 501)
    lifecycle.confirm_payment(session, payment.id, actor=officer, keys=keys, now=NOW)
    with pytest.raises(NotAllowed):
        lifecycle.refuse_payment(session, payment.id, actor=officer, reason="nhầm")
