"""Renewals filed in time are never lost (Art. 28, 29(1)(c)): the name stays in force while its
renewal is undecided or awaiting a fee paid in time, and the new term follows the old one."""

import gzip
import json
from datetime import date, datetime

import pytest
from sqlalchemy import select

from brandname import lifecycle
from brandname.carriers import feed
from brandname.certificates import verification
from brandname.errors import NotAllowed
from brandname.extensions import db
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
        payment = lifecycle.record_payment(
            session, application.id, actor=officer, reference=f"FT{application.id}", now=FILED
        )
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


# -- what carriers and the public see ------------------------------------------------------

ISSUED_2023 = datetime(2023, 6, 1, 3, 0)  # valid until 31 May 2026: past by the real clock


def pending_past_expiry(session, officer, registry_helper):
    """A name past its last valid day (by today's real date) with a renewal filed in time and
    still undecided; the daily job has run."""
    registry_helper.issue("PENDING", now=ISSUED_2023)
    renew(session, officer, "PENDING", now=datetime(2026, 5, 10, 3, 0))
    lifecycle.daily(session, now=datetime(2026, 6, 2, 1, 0))
    return lifecycle.find_brandname(session, "PENDING")


def test_carriers_see_an_active_name_with_its_renewal_pending(
    app, client, session, officer, keys, registry_helper, carrier_headers, tmp_path
):
    bn = pending_past_expiry(session, officer, registry_helper)
    assert bn.status == "active" and bn.valid_until == date(2026, 5, 31)
    body = client.get("/api/v1/brandnames/pending", headers=carrier_headers).get_json()
    assert body["status"] == "active" and body["renewal_pending"] is True
    assert body["valid_until"] == "2026-05-31"
    r = client.post("/api/v1/verify", headers=carrier_headers, json={"items": [{"name": "PENDING"}]})
    assert r.get_json()["results"][0]["deliverable"] is True
    path, _, _ = feed.build_snapshot(db.engine, keys, tmp_path / "snap")
    lines = [json.loads(x) for x in gzip.decompress(path.read_bytes()).splitlines() if x]
    assert [x["renewal_pending"] for x in lines if x["name"] == "PENDING"] == [True]
    # the same record without the renewal: expired to carriers even before the daily job
    record = dict(feed.state_of(session, "PENDING"), renewal_pending=False)
    assert feed.deliverable(record) == (False, "expired", "expired")


def test_the_public_sees_renewal_pending(client, session, officer, registry_helper):
    bn = pending_past_expiry(session, officer, registry_helper)
    cert = bn.current_certificate
    info = verification.status_of(session, cert.serial)
    assert info["status"] == "active" and info["renewal_pending"] is True
    page = client.get(f"/verify/{cert.serial}?code={cert.verification_code}").get_data(as_text=True)
    assert "Gia hạn đang xử lý" in page
    assert "Gia hạn đang xử lý" in client.get("/lookup?q=PENDING").get_data(as_text=True)
    hit = client.get("/api/v1/search?q=PENDING").get_json()["results"][0]
    assert hit["status"] == "active" and hit["renewal_pending"] is True


def test_the_officer_queue_marks_a_late_renewal(portal, session, officer, registry_helper):
    registry_helper.issue("LATEQ")
    renew(session, officer, "LATEQ", now=datetime(2029, 2, 20, 3, 0))
    page = portal.officer.get("/officer/queue").get_data(as_text=True)
    assert "nộp muộn" in page


def test_no_expiry_reminder_once_a_renewal_is_filed_and_a_revocation_ends_the_wait(
    session, officer, registry_helper
):
    from brandname.notifications import reminders

    registry_helper.issue("REMIND", "NOREMIND")
    renew(session, officer, "NOREMIND")
    queued = reminders.send_reminders(session, today=date(2029, 2, 22))
    assert [row.key for row in queued] and all("NOREMIND" not in row.body for row in queued)
    assert any("REMIND" in row.body for row in queued)
    bn = lifecycle.find_brandname(session, "NOREMIND")
    lifecycle.give_up(session, bn.id, actor=officer, now=datetime(2029, 2, 23, 3, 0))
    assert bn.status == "revoked" and not bn.renewal_pending
