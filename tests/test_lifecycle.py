from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from brandname import lifecycle
from brandname.errors import Conflict, Forbidden, InvalidInput, InvalidName, NotAllowed
from brandname.models import Application, Brandname, Certificate, Event, RequestedName

from .conftest import NOW, name_entry, org_applicant, person_applicant


def events(session):
    return session.scalars(select(Event).order_by(Event.seq)).all()


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_full_path_submit_approve_pay_issue_reissue_renew_revoke(session, keys, officer, registry_helper):
    application = registry_helper.submit("VIETSUN", "SunMart")
    assert application.status == "submitted"
    assert application.received_at == NOW
    assert application.decision_due_at == datetime(2026, 3, 3, 16, 59, 59)
    registry_helper.approve(application)
    assert application.status == "approved" and application.fee_vnd == 200_000
    assert {b.status for b in session.scalars(select(Brandname))} == {"reserved"}
    result = registry_helper.pay_and_issue(application)
    assert application.status == "issued"
    assert [c.serial for c in result.certificates] == ["BN-2026-0000001", "BN-2026-0000002"]
    bn = lifecycle.find_brandname(session, "vietsun")
    assert bn.status == "active"
    assert (bn.valid_from, bn.valid_until) == (date(2026, 3, 2), date(2029, 3, 1))
    first = bn.current_certificate

    later = NOW + timedelta(days=200)
    result = registry_helper.followup("reissue", "VIETSUN", now=later, reissue_reason="lost")
    reissued = result.certificates[0]
    assert reissued.valid_until == date(2029, 3, 1)
    assert reissued.previous_serial == first.serial
    session.refresh(first)
    assert first.status == "superseded" and first.superseded_by_serial == reissued.serial

    renew_day = datetime(2028, 12, 20, 3, 0)
    result = registry_helper.followup("renewal", "VIETSUN", now=renew_day)
    renewed = result.certificates[0]
    assert renewed.valid_until == date(2032, 3, 1) and bn.valid_until == date(2032, 3, 1)
    assert renewed.previous_serial == reissued.serial
    assert result.applications[0].fee_vnd == 200_000

    event = lifecycle.give_up(session, bn.id, actor=officer, request_note="Ngừng kinh doanh", now=renew_day)
    assert bn.status == "revoked" and bn.revocation_ground == "holder_request"
    assert event.act == "revoke"
    for cert in session.scalars(select(Certificate)):
        header, payload = keys.verify(cert.signature, cert.record.encode())
        assert header["kid"] == cert.kid
    seqs = [e.seq for e in events(session)]
    assert seqs == list(range(1, len(seqs) + 1))
