"""Renewals filed in time are never lost (Art. 28, 29(1)(c)): the name stays in force while its
renewal is undecided or awaiting a fee paid in time, and the new term follows the old one."""

from datetime import date, datetime

import pytest
from sqlalchemy import select

from brandname import lifecycle
from brandname.errors import NotAllowed
from brandname.notifications import messages
from brandname.store.models import Event

from .conftest import org_applicant

# issued on 2 March 2026 (conftest NOW): last valid day 1 March 2029
FILED = datetime(2029, 2, 13, 3, 0)  # 16 days before expiry, 10:00 in Hanoi


def renew(session, officer, name, now=FILED):
    return lifecycle.submit(
        session,
        kind="renewal",
        brandname=name,
        applicant=org_applicant(),
        names=None,
        actor=officer,
        commitments_confirmed=True,
        now=now,
    )


def acts(session, name_normal):
    return [
        e.act
        for e in session.scalars(select(Event).where(Event.name_normal == name_normal).order_by(Event.seq))
    ]


def test_fee_recorded_in_time_carries_the_renewal_past_expiry(session, officer, keys, registry_helper):
    registry_helper.issue("RENEWME")
    application = renew(session, officer, "RENEWME")
    registry_helper.approve(application, now=FILED)
    assert application.payment_due_at > datetime(2029, 3, 1, 17, 0)  # the holder may pay after expiry
    payment = lifecycle.record_payment(session, application.id, actor=officer, reference="FT1", now=FILED)
    lifecycle.daily(session, now=datetime(2029, 3, 2, 1, 0))
    bn = lifecycle.find_brandname(session, "RENEWME")
    assert bn.status == "active" and bn.renewal_pending
    # the officer confirms after the old expiry, even after the payment deadline
    result = lifecycle.confirm_payment(
        session, payment.id, actor=officer, keys=keys, now=application.payment_due_at.replace(hour=23)
    )
    cert = result.certificates[0]
    assert (cert.valid_from, cert.valid_until) == (date(2029, 3, 2), date(2032, 3, 1))
    assert bn.status == "active" and not bn.renewal_pending and bn.valid_until == date(2032, 3, 1)
    assert "expire" not in acts(session, "RENEWME")


def expire_events(session, name_normal):
    return session.scalars(
        select(Event).where(Event.name_normal == name_normal, Event.act == "expire").order_by(Event.seq)
    ).all()


def test_the_term_runs_from_the_old_expiry_whatever_day_it_is_confirmed(
    session, officer, keys, registry_helper
):
    for name, confirmed in (("EARLYCONF", FILED), ("LATECONF", datetime(2029, 3, 10, 3, 0))):
        registry_helper.issue(name)
        application = renew(session, officer, name)
        registry_helper.approve(application, now=FILED)
        payment = lifecycle.record_payment(session, application.id, actor=officer, reference="FT", now=FILED)
        lifecycle.daily(session, now=datetime(2029, 3, 5, 1, 0))
        cert = lifecycle.confirm_payment(
            session, payment.id, actor=officer, keys=keys, now=confirmed
        ).certificates[0]
        assert (cert.valid_from, cert.valid_until) == (date(2029, 3, 2), date(2032, 3, 1)), name
        assert cert.issued_at == confirmed


def test_the_payment_deadline_is_stated_and_capped(session, officer, registry_helper):
    registry_helper.issue("DEADLINE")
    application = renew(session, officer, "DEADLINE", now=datetime(2029, 2, 27, 3, 0))  # late
    # the officer decides a week after the expiry: the fee is due 30 days after the expiry, not
    # 30 days after the decision
    registry_helper.approve(application, now=datetime(2029, 3, 8, 3, 0))
    assert application.payment_due_at == datetime(2029, 3, 31, 16, 59, 59)  # 23:59:59 Hanoi
    approve = session.scalars(select(Event).where(Event.act == "approve").order_by(Event.seq.desc())).first()
    assert approve.details["payment_due_at"] == "2029-03-31T16:59:59"
    body = messages.application_decided(session, application).body
    assert "nộp trước 31/03/2029 23:59" in body and "01/03/2029" in body and "02/03/2029" in body
    assert "by 31/03/2029 23:59" in body


def test_unpaid_renewal_lapses_and_the_name_expires_then(session, officer, registry_helper):
    registry_helper.issue("UNPAID")
    application = renew(session, officer, "UNPAID")
    registry_helper.approve(application, now=FILED)
    due = application.payment_due_at
    lifecycle.daily(session, now=datetime(2029, 3, 2, 1, 0))
    bn = lifecycle.find_brandname(session, "UNPAID")
    assert bn.status == "active" and bn.renewal_pending and not expire_events(session, "UNPAID")
    with pytest.raises(NotAllowed):  # a fee recorded after the deadline carries nothing
        lifecycle.record_payment(
            session, application.id, actor=officer, reference="FT2", now=due.replace(hour=23)
        )
    summary = lifecycle.daily(session, now=due.replace(hour=23))
    assert summary["lapsed"] == [application.id] and summary["expired"] == ["UNPAID"]
    assert application.status == "lapsed" and bn.status == "expired" and not bn.renewal_pending
    [event] = expire_events(session, "UNPAID")
    assert event.details["ground"] == "expired" and event.details["expiry_date"] == "2029-03-01"
    assert acts(session, "UNPAID")[-2:] == ["lapse", "expire"]


@pytest.mark.parametrize("ending", ["reject", "withdraw"])
def test_renewal_refused_or_withdrawn_after_expiry_expires_the_name_then(
    session, officer, registry_helper, ending
):
    registry_helper.issue("ENDING")
    application = renew(session, officer, "ENDING", now=datetime(2029, 2, 28, 3, 0))
    assert application.late
    lifecycle.daily(session, now=datetime(2029, 3, 2, 1, 0))
    bn = lifecycle.find_brandname(session, "ENDING")
    assert bn.status == "active" and bn.renewal_pending
    after = datetime(2029, 3, 3, 3, 0)
    if ending == "reject":
        lifecycle.reject(session, application.id, actor=officer, reasons="Thông tin không khớp", now=after)
    else:
        lifecycle.withdraw(session, application.id, actor=officer, now=after)
    assert bn.status == "expired" and bn.expired_at == after and not bn.renewal_pending
    assert acts(session, "ENDING")[-2:] == [ending, "expire"]


def test_renewal_refused_before_expiry_leaves_the_term_as_it_was(session, officer, registry_helper):
    registry_helper.issue("BEFORE")
    application = renew(session, officer, "BEFORE")
    lifecycle.reject(session, application.id, actor=officer, reasons="Thiếu thông tin", now=FILED)
    bn = lifecycle.find_brandname(session, "BEFORE")
    assert bn.status == "active" and not bn.renewal_pending and not expire_events(session, "BEFORE")
    lifecycle.daily(session, now=datetime(2029, 3, 2, 1, 0))
    assert bn.status == "expired"


def test_window_opens_twelve_months_ahead_and_late_filings_are_marked(session, officer, registry_helper):
    registry_helper.issue("WINDOW")
    with pytest.raises(NotAllowed) as info:
        renew(session, officer, "WINDOW", now=datetime(2028, 2, 29, 3, 0))
    assert "01/03/2028" in info.value.message_vi
    early = renew(session, officer, "WINDOW", now=datetime(2028, 3, 1, 3, 0))  # 365 days before
    assert not early.late
    lifecycle.withdraw(session, early.id, actor=officer, now=datetime(2028, 3, 1, 4, 0))
    assert not lifecycle.find_brandname(session, "WINDOW").renewal_pending
    on_time = renew(session, officer, "WINDOW", now=datetime(2029, 2, 14, 3, 0))  # exactly 15 days before
    assert not on_time.late
    lifecycle.withdraw(session, on_time.id, actor=officer, now=datetime(2029, 2, 14, 4, 0))
    assert renew(session, officer, "WINDOW", now=datetime(2029, 2, 15, 3, 0)).late  # 14 days before
