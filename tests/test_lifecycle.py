from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from brandname import lifecycle
from brandname.errors import Conflict, Forbidden, InvalidInput, NotAllowed
from brandname.lifecycle import applications
from brandname.store.models import Application, Brandname, Certificate, Event

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
    # Art. 27: the reissued certificate keeps the term it replaces (not a new start date).
    assert (reissued.valid_from, reissued.valid_until) == (date(2026, 3, 2), date(2029, 3, 1))
    assert reissued.issued_at == later
    assert reissued.previous_serial == first.serial
    session.refresh(first)
    assert first.status == "superseded" and first.superseded_by_serial == reissued.serial

    renew_day = datetime(2028, 12, 20, 3, 0)
    result = registry_helper.followup("renewal", "VIETSUN", now=renew_day)
    renewed = result.certificates[0]
    # Art. 28: old expiry + 1 day, for 3 years, whatever day the renewal is confirmed.
    assert (renewed.valid_from, renewed.valid_until) == (date(2029, 3, 2), date(2032, 3, 1))
    assert bn.valid_until == date(2032, 3, 1)
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


def test_submit_confirms_receipt_and_records_one_event(session, officer, registry_helper):
    before = count(session, Event)  # the officer's account creation is an event too
    application = registry_helper.submit("ALPHA", "Beta-1", documents=())
    assert [n.name for n in application.names] == ["ALPHA", "Beta-1"]
    assert [n.name_normal for n in application.names] == ["ALPHA", "BETA-1"]
    evs = events(session)[before:]
    assert [e.act for e in evs] == ["submit"]
    assert evs[0].details["received_at"] == NOW.isoformat()
    assert evs[0].details["decision_due_at"] == application.decision_due_at.isoformat()


def test_individual_applicant_and_holder_reuse(session, registry_helper):
    a = registry_helper.submit("CUONGSHOP", applicant=person_applicant())
    b = registry_helper.submit("CUONGCAFE", applicant=person_applicant())
    assert a.holder_id == b.holder_id and a.holder.kind == "individual"
    assert a.holder.public_id_number() is None


@pytest.mark.parametrize(
    "change, error",
    [
        (dict(names=[]), InvalidInput),
        (dict(names=[name_entry("Việt Nam")]), InvalidInput),
        (dict(names=[name_entry("ABC"), name_entry("abc")]), InvalidInput),
        (dict(names=[dict(name_entry("ABC"), purpose="")]), InvalidInput),
        (dict(names=[dict(name_entry("ABC"), use_sms=False, use_voice=False)]), InvalidInput),
        (dict(applicant=dict(org_applicant(), email="not-an-email")), InvalidInput),
        (dict(applicant=dict(org_applicant(), legal_representative="")), InvalidInput),
        (dict(applicant=dict(org_applicant(), kind="robot")), InvalidInput),
        (dict(commitments_confirmed=False), InvalidInput),
        (dict(kind="transfer"), InvalidInput),
    ],
)
def test_bad_submissions_change_nothing(session, officer, change, error):
    kwargs = dict(
        applicant=org_applicant(),
        names=[name_entry("GOODNAME")],
        actor=officer,
        commitments_confirmed=True,
        now=NOW,
    )
    kwargs.update(change)
    events_before = count(session, Event)
    with pytest.raises(error) as info:
        lifecycle.submit(session, **kwargs)
    assert info.value.message_vi and info.value.message_en
    assert count(session, Application) == 0 and count(session, Event) == events_before


def test_invalid_name_message_lists_each_rule(session, officer):
    with pytest.raises(InvalidInput) as info:
        lifecycle.submit(
            session,
            applicant=org_applicant(),
            names=[name_entry("ĐẶC  BIỆT DÀI QUÁ")],
            actor=officer,
            commitments_confirmed=True,
            now=NOW,
        )
    assert "11 ký tự" in info.value.message_vi and "two spaces" in info.value.message_en


def test_reject_needs_reasons_and_allows_resubmission(session, officer, registry_helper):
    application = registry_helper.submit("GAMMA")
    with pytest.raises(InvalidInput):
        lifecycle.reject(session, application.id, actor=officer, reasons="  ")
    assert application.status == "submitted"
    lifecycle.reject(
        session, application.id, actor=officer, reasons="Thiếu bản sao giấy đăng ký doanh nghiệp"
    )
    assert application.status == "rejected" and application.names[0].status == "rejected"
    with pytest.raises(NotAllowed):
        registry_helper.approve(application)
    again = registry_helper.submit("GAMMA", resubmission_of_id=application.id, now=NOW + timedelta(hours=2))
    assert again.received_at == NOW + timedelta(hours=2) and again.resubmission_of_id == application.id
    registry_helper.approve(again)
    with pytest.raises(NotAllowed):  # only a rejected application can be resubmitted
        registry_helper.submit("DELTA", resubmission_of_id=again.id)


def test_withdraw_only_while_undecided(session, officer, registry_helper):
    application = registry_helper.submit("EPSILON")
    lifecycle.withdraw(session, application.id, actor=officer)
    assert application.status == "withdrawn"
    with pytest.raises(NotAllowed):
        lifecycle.withdraw(session, application.id, actor=officer)
    decided = registry_helper.submit("ZETA")
    registry_helper.approve(decided)
    with pytest.raises(NotAllowed):
        lifecycle.withdraw(session, decided.id, actor=officer)


def test_applicants_cannot_decide_and_only_act_on_their_own(session, officer, registry_helper):
    from brandname.lifecycle.accounts import create_account

    application = registry_helper.submit("OWNED")
    stranger = lifecycle.Actor("applicant", "x@example.vn", 99, holder_id=12345)
    with pytest.raises(Forbidden):
        lifecycle.approve(session, application.id, actor=stranger)
    with pytest.raises(Forbidden):
        lifecycle.withdraw(session, application.id, actor=stranger)
    owner_account = create_account(
        session, email="owner@anhduong.vn", password="a long password", holder_id=application.holder_id
    )
    owner = lifecycle.Actor.for_account(owner_account)
    with pytest.raises(Forbidden):  # filing for somebody else's enterprise code
        lifecycle.submit(
            session,
            applicant=org_applicant(code="0309999999"),
            names=[name_entry("OTHER")],
            actor=owner,
            commitments_confirmed=True,
        )
    lifecycle.withdraw(session, application.id, actor=owner)
    assert application.status == "withdrawn"


def test_first_come_first_served(session, officer, registry_helper):
    first = registry_helper.submit("ORION", applicant=org_applicant("0101111111"))
    second = registry_helper.submit(
        "orion", "Vega", applicant=org_applicant("0102222222"), now=NOW + timedelta(minutes=5)
    )
    third = registry_helper.submit(
        "ORION", applicant=org_applicant("0103333333"), now=NOW + timedelta(minutes=9)
    )
    with pytest.raises(Conflict) as info:
        registry_helper.approve(second)
    assert info.value.details["earlier_application_id"] == first.id
    assert second.status == "submitted"
    registry_helper.approve(first)
    session.refresh(second)
    session.refresh(third)
    assert third.status == "rejected" and "ORION" in third.reasons
    assert second.status == "submitted"  # still asks for Vega
    assert [n.status for n in second.names] == ["rejected", "pending"]
    registry_helper.approve(second)
    assert [n.status for n in second.names] == ["rejected", "approved"]
    assert [e.act for e in events(session)].count("auto_reject") == 2


def test_partial_refusal_in_a_multi_name_application(session, registry_helper):
    application = registry_helper.submit("KAPPA", "LAMBDA")
    lambda_id = application.names[1].id
    with pytest.raises(InvalidInput):
        registry_helper.approve(application, refuse={lambda_id: ""})
    registry_helper.approve(application, refuse={lambda_id: "Trùng nhãn hiệu đã bảo hộ"})
    assert [n.status for n in application.names] == ["approved", "rejected"]
    assert lifecycle.find_brandname(session, "LAMBDA") is None
    all_refused = registry_helper.submit("MU")
    with pytest.raises(NotAllowed):
        registry_helper.approve(all_refused, refuse={all_refused.names[0].id: "x"})


def test_taken_name_conflict_and_confusable_warning(session, registry_helper):
    registry_helper.issue("VIETTEL", applicant=org_applicant("0100109106"))
    dup = registry_helper.submit("viettel", applicant=org_applicant("0109999999"))
    with pytest.raises(Conflict):
        registry_helper.approve(dup)
    assert lifecycle.find_brandname(session, "VIETTEL").holder.id_number == "0100109106"
    lookalike = registry_helper.submit("V1ETTEL", applicant=org_applicant("0109999999"))
    registry_helper.decide_warnings(lookalike)
    registry_helper.approve(lookalike)
    approve_event = [e for e in events(session) if e.act == "approve"][-1]
    assert approve_event.details["confusable_warnings"]["V1ETTEL"][0]["name"] == "VIETTEL"


def test_approval_waits_for_a_decision_on_every_warning(session, officer, registry_helper):
    registry_helper.issue("VIETTEL", applicant=org_applicant("0100109106"))
    registry_helper.issue("VINAPHONE", applicant=org_applicant("0100686209"))
    application = registry_helper.submit("VIETEL", "VINAFONE", "KAPPA", applicant=org_applicant("0109999999"))
    vietel, vinafone, _ = application.names
    before = session.scalar(select(func.count()).select_from(Event))
    with pytest.raises(NotAllowed) as refused:
        registry_helper.approve(application)
    assert refused.value.code == "warnings_undecided"
    assert "VIETEL, VINAFONE" in refused.value.message_vi and "VIETEL, VINAFONE" in refused.value.message_en
    assert refused.value.details["undecided"]["VINAFONE"] == [{"kind": "soundalike", "name": "VINAPHONE"}]
    assert application.status == "submitted" and lifecycle.find_brandname(session, "KAPPA") is None
    assert session.scalar(select(func.count()).select_from(Event)) == before  # nothing recorded
    assert refused.value.details["undecided"]["VIETEL"] == [{"kind": "soundalike", "name": "VIETTEL"}]
    lifecycle.decide_warning(
        session,
        vietel.id,
        actor=officer,
        kind="soundalike",
        name="VIETTEL",
        decision="not_confusable",
        now=NOW,
    )
    with pytest.raises(NotAllowed, match="VINAFONE"):  # one name decided, the other not yet
        registry_helper.approve(application)
    # a name refused needs no decision; the decisions taken stay in the trail beside the approval
    registry_helper.approve(application, refuse={vinafone.id: "Đọc giống VINAPHONE"})
    assert [n.status for n in application.names] == ["approved", "rejected", "approved"]
    acts = [e.act for e in events(session) if e.application_id == application.id]
    assert acts[-2:] == ["decide_warning", "approve"]


def test_rejection_needs_no_decision_on_the_warnings(session, registry_helper):
    registry_helper.issue("VIETTEL", applicant=org_applicant("0100109106"))
    application = registry_helper.submit("VIETEL", applicant=org_applicant("0109999999"))
    lifecycle.reject(
        session, application.id, actor=registry_helper.officer, reasons="Dễ nhầm với VIETTEL", now=NOW
    )
    assert application.status == "rejected"


def test_payment_rules(session, officer, keys, registry_helper):
    application = registry_helper.submit("NU")
    with pytest.raises(NotAllowed):  # not approved yet
        lifecycle.record_payment(session, application.id, actor=officer, reference="FT1")
    registry_helper.approve(application)
    with pytest.raises(InvalidInput):
        lifecycle.record_payment(session, application.id, actor=officer, reference="  ")
    short = lifecycle.record_payment(session, application.id, actor=officer, reference="FT1", amount_vnd=1000)
    with pytest.raises(NotAllowed):
        lifecycle.confirm_payment(session, short.id, actor=officer, keys=keys)
    assert short.status == "recorded" and count(session, Certificate) == 0
    from brandname.lifecycle.accounts import create_account

    applicant = lifecycle.Actor.for_account(
        create_account(
            session, email="ketoan@anhduong.vn", password="a long password", holder_id=application.holder_id
        )
    )
    with pytest.raises(Forbidden):
        lifecycle.confirm_payment(session, short.id, actor=applicant, keys=keys)
    good = lifecycle.record_payment(session, application.id, actor=applicant, reference="FT2")
    result = lifecycle.confirm_payment(session, good.id, actor=officer, keys=keys)
    assert len(result.certificates) == 1 and application.status == "issued"
    with pytest.raises(NotAllowed):
        lifecycle.confirm_payment(session, good.id, actor=officer, keys=keys)


def test_unpaid_approval_lapses_and_frees_the_name(session, registry_helper):
    application = registry_helper.submit("XI")
    registry_helper.approve(application)
    assert lifecycle.lapse_unpaid(session, now=NOW + timedelta(days=29)) == []
    lapsed = lifecycle.lapse_unpaid(session, now=NOW + timedelta(days=31))
    assert [a.id for a in lapsed] == [application.id] and application.status == "lapsed"
    assert lifecycle.find_brandname(session, "XI") is None
    assert lifecycle.lapse_unpaid(session, now=NOW + timedelta(days=32)) == []
    again = registry_helper.submit("XI", applicant=org_applicant("0108888888"), now=NOW + timedelta(days=33))
    registry_helper.approve(again, now=NOW + timedelta(days=33))


def test_reissue_and_renewal_rules(session, officer, registry_helper):
    registry_helper.issue("OMICRON")
    with pytest.raises(InvalidInput):  # reissue needs its reason
        lifecycle.submit(
            session,
            kind="reissue",
            brandname="OMICRON",
            applicant=org_applicant(),
            names=None,
            actor=officer,
            commitments_confirmed=True,
            now=NOW,
        )
    with pytest.raises(Forbidden):
        lifecycle.submit(
            session,
            kind="reissue",
            brandname="OMICRON",
            reissue_reason="lost",
            applicant=org_applicant("0107777777"),
            names=None,
            actor=officer,
            commitments_confirmed=True,
            now=NOW,
        )
    with pytest.raises(NotAllowed) as info:  # too early: the window opens 90 days before expiry
        lifecycle.submit(
            session,
            kind="renewal",
            brandname="OMICRON",
            applicant=org_applicant(),
            names=None,
            actor=officer,
            commitments_confirmed=True,
            now=NOW,
        )
    assert "gia hạn" in info.value.message_vi
    late = lifecycle.submit(
        session,
        kind="renewal",
        brandname="OMICRON",
        applicant=org_applicant(),
        names=None,
        actor=officer,
        commitments_confirmed=True,
        now=datetime(2029, 2, 20, 3, 0),
    )
    assert late.late is True
    with pytest.raises(NotAllowed):  # one follow-up at a time
        lifecycle.submit(
            session,
            kind="reissue",
            brandname="OMICRON",
            reissue_reason="lost",
            applicant=org_applicant(),
            names=None,
            actor=officer,
            commitments_confirmed=True,
            now=datetime(2029, 2, 20, 3, 0),
        )
    lifecycle.withdraw(session, late.id, actor=officer)
    lifecycle.expire(session, today=date(2029, 3, 2))
    with pytest.raises(NotAllowed):
        lifecycle.submit(
            session,
            kind="renewal",
            brandname="OMICRON",
            applicant=org_applicant(),
            names=None,
            actor=officer,
            commitments_confirmed=True,
            now=datetime(2029, 3, 2, 3, 0),
        )


def test_reissue_updates_holder_details(session, registry_helper):
    registry_helper.issue("PIPI")
    changed = dict(org_applicant(), name="Công ty Cổ phần Ánh Dương Mới", address="Số 9 Láng Hạ, Hà Nội")
    result = registry_helper.followup(
        "reissue", "PIPI", applicant=changed, reissue_reason="changed_details", now=NOW + timedelta(days=10)
    )
    record = result.certificates[0].record
    assert "Ánh Dương Mới" in record and result.brandnames[0].holder.address == "Số 9 Láng Hạ, Hà Nội"
    assert result.applications[0].fee_vnd == 100_000


def test_reissue_racing_expiry_is_refused_at_payment(session, officer, keys, registry_helper):
    # a reissue keeps the term it replaces: once that term is over there is nothing to reissue
    # (a renewal filed in time, by contrast, keeps its name in force: tests/test_renewal.py)
    registry_helper.issue("RHO")
    day = datetime(2029, 2, 1, 3, 0)
    application = lifecycle.submit(
        session,
        kind="reissue",
        reissue_reason="lost",
        brandname="RHO",
        applicant=org_applicant(),
        names=None,
        actor=officer,
        commitments_confirmed=True,
        now=day,
    )
    registry_helper.approve(application, now=day)
    payment = lifecycle.record_payment(session, application.id, actor=officer, reference="FT9", now=day)
    lifecycle.expire(session, today=date(2029, 3, 2))
    with pytest.raises(NotAllowed):
        lifecycle.confirm_payment(
            session, payment.id, actor=officer, keys=keys, now=datetime(2029, 3, 2, 3, 0)
        )
    assert payment.status == "recorded" and application.status == "approved"


def test_expire_is_idempotent_and_quarantine_blocks_others(session, officer, registry_helper):
    registry_helper.issue("SIGMA")
    assert lifecycle.expire(session, today=date(2029, 3, 1)) == []  # last valid day
    assert [b.name for b in lifecycle.expire(session, today=date(2029, 3, 2))] == ["SIGMA"]
    assert lifecycle.expire(session, today=date(2029, 3, 3)) == []
    bn = lifecycle.find_brandname(session, "SIGMA")
    assert bn.status == "expired" and bn.blocked_until == date(2030, 3, 1)
    assert [e.act for e in events(session)].count("expire") == 1
    other = registry_helper.submit("SIGMA", applicant=org_applicant("0105555555"), now=datetime(2029, 4, 1))
    with pytest.raises(Conflict):
        registry_helper.approve(other, now=datetime(2029, 4, 1))
    assert lifecycle.release_quarantined(session, today=date(2030, 2, 28)) == []
    assert [b.name for b in lifecycle.release_quarantined(session, today=date(2030, 3, 1))] == ["SIGMA"]
    registry_helper.approve(other, now=datetime(2030, 3, 2))


def test_former_holder_may_reclaim_own_expired_name(session, registry_helper):
    registry_helper.issue("TAU")
    lifecycle.expire(session, today=date(2029, 3, 2))
    application = registry_helper.submit("TAU", now=datetime(2029, 3, 5))
    registry_helper.decide_warnings(application, now=datetime(2029, 3, 5))  # "TAU is taken (expired)"
    registry_helper.approve(application, now=datetime(2029, 3, 5))
    rows = session.scalars(
        select(Brandname).where(Brandname.name_normal == "TAU").order_by(Brandname.id)
    ).all()
    assert [r.status for r in rows] == ["released", "reserved"]


def test_two_person_revocation(session, officer, officer2, supervisor, registry_helper):
    registry_helper.issue("UPSILON")
    bn = lifecycle.find_brandname(session, "UPSILON")
    with pytest.raises(InvalidInput):  # the spam ground needs the conclusion's number and date
        lifecycle.propose_revocation(session, bn.id, actor=officer, ground="spam", evidence={})
    with pytest.raises(InvalidInput):
        lifecycle.propose_revocation(session, bn.id, actor=officer, ground="holder_request", evidence={})
    with pytest.raises(InvalidInput):
        lifecycle.propose_revocation(
            session,
            bn.id,
            actor=officer,
            ground="spam",
            evidence={"agency": "Bộ Công an", "conclusion_number": "12/KL", "conclusion_date": "12-01-2026"},
        )
    proposal = lifecycle.propose_revocation(
        session,
        bn.id,
        actor=officer,
        ground="spam",
        evidence={"agency": "Bộ Công an", "conclusion_number": "12/KL-A05", "conclusion_date": "2026-02-20"},
        note="Phát tán tin rác",
    )
    assert bn.status == "active"
    with pytest.raises(NotAllowed):
        lifecycle.propose_revocation(
            session,
            bn.id,
            actor=officer2,
            ground="authority_request",
            evidence={"agency": "Bộ Công an", "request_number": "1", "request_date": "2026-02-21"},
        )
    with pytest.raises(Forbidden):  # an officer cannot confirm
        lifecycle.confirm_revocation(session, proposal.id, actor=officer2)
    self_confirm = lifecycle.Actor("supervisor", officer.label, officer.id)
    with pytest.raises(Forbidden):  # nor can the proposer, even as a supervisor
        lifecycle.confirm_revocation(session, proposal.id, actor=self_confirm)
    event = lifecycle.confirm_revocation(session, proposal.id, actor=supervisor, now=NOW + timedelta(days=1))
    assert bn.status == "revoked" and bn.revocation_ground == "spam"
    assert event.details["evidence"]["conclusion_number"] == "12/KL-A05" and event.details["letter"] == "a"
    with pytest.raises(NotAllowed):
        lifecycle.confirm_revocation(session, proposal.id, actor=supervisor)
    with pytest.raises(NotAllowed):
        lifecycle.give_up(session, bn.id, actor=officer)


def test_decline_revocation(session, keys, officer, supervisor):
    from dataclasses import replace

    from brandname.rules import charges

    from .conftest import Registry

    # ground (b) needs a maintenance charge in force and an invoice more than 30 days overdue
    schedule = charges.schedule_from_config(
        [{"from": "2026-01-01", "amount": 500_000, "period_months": 12, "source": "kiểm thử"}]
    )
    rules = replace(lifecycle.DEFAULT_RULES, charge_schedule=schedule)
    Registry(session, keys, officer, rules=rules).issue("PHI")
    bn = lifecycle.find_brandname(session, "PHI")
    lifecycle.daily(session, today=date(2026, 3, 2), now=NOW, rules=rules)
    proposal = lifecycle.propose_revocation(
        session,
        bn.id,
        actor=officer,
        ground="arrears",
        evidence={},
        now=datetime(2026, 5, 2, 3, 0),
        rules=rules,
    )
    assert proposal.evidence["due_date"] == "2026-04-01"
    with pytest.raises(InvalidInput):
        lifecycle.decline_revocation(session, proposal.id, actor=supervisor, reason="")
    lifecycle.decline_revocation(session, proposal.id, actor=supervisor, reason="Đã nộp đủ")
    assert proposal.status == "declined" and bn.status == "active"


def test_release_by_officer(session, officer, registry_helper):
    registry_helper.issue("CHI")
    bn = lifecycle.find_brandname(session, "CHI")
    with pytest.raises(NotAllowed):
        lifecycle.release(session, bn.id, actor=officer, reason="x")
    lifecycle.give_up(session, bn.id, actor=officer)
    with pytest.raises(InvalidInput):
        lifecycle.release(session, bn.id, actor=officer, reason="")
    lifecycle.release(session, bn.id, actor=officer, reason="Chủ sở hữu nhãn hiệu đề nghị")
    assert bn.status == "released" and lifecycle.find_brandname(session, "CHI") is None


def test_authorizations(session, officer, registry_helper):
    registry_helper.issue("PSI")
    bn = lifecycle.find_brandname(session, "PSI")
    with pytest.raises(InvalidInput):
        lifecycle.authorize(session, bn.id, actor=officer, party_id_number="x", party_name="")
    auth = lifecycle.authorize(
        session, bn.id, actor=officer, party_id_number="0301234567", party_name="Công ty TNHH Đại lý Tin nhắn"
    )
    with pytest.raises(Conflict):
        lifecycle.authorize(session, bn.id, actor=officer, party_id_number="0301234567", party_name="x")
    assert [a.party_id_number for a in lifecycle.active_authorizations(session, bn.id)] == ["0301234567"]
    lifecycle.withdraw_authorization(session, auth.id, actor=officer)
    assert lifecycle.active_authorizations(session, bn.id) == []
    with pytest.raises(NotAllowed):
        lifecycle.withdraw_authorization(session, auth.id, actor=officer)


def test_every_act_appends_exactly_one_event_and_refusals_none(session, officer, keys, registry_helper):
    before = count(session, Event)
    application = registry_helper.submit("OMEGA")  # and its mandatory document
    assert count(session, Event) == before + 2
    registry_helper.approve(application)
    assert count(session, Event) == before + 3
    with pytest.raises(NotAllowed):
        registry_helper.approve(application)
    assert count(session, Event) == before + 3
    registry_helper.pay_and_issue(application)  # record, confirm, issue
    assert count(session, Event) == before + 6
    seqs = [e.seq for e in events(session)]
    assert seqs == list(range(1, len(seqs) + 1))


def test_availability(session, registry_helper):
    registry_helper.issue("VINAPHONE")
    assert lifecycle.availability(session, "vinaphone")["available"] is False
    free = lifecycle.availability(session, "V1NAPHONE")
    assert free["available"] is True and free["confusable_with"] == ["VINAPHONE"]
    bad = lifecycle.availability(session, "Việt")
    assert bad["valid"] is False and bad["errors"][0]["code"] == "bad_characters"


def test_daily_runs_all_duties(session, registry_helper):
    registry_helper.issue("DAILY")
    pending = registry_helper.submit("UNPAID")
    registry_helper.approve(pending)
    summary = lifecycle.daily(session, today=date(2029, 3, 2), now=datetime(2029, 3, 2, 3, 0))
    assert summary == {
        "expired": ["DAILY"],
        "lapsed": [pending.id],
        "released": [],
        "invoiced": [],  # no maintenance charge is configured by default
        "charge_reminders": 0,
        "report_reminders": 0,  # 2 March: no report is due within 30 days
    }
    assert lifecycle.daily(session, today=date(2029, 3, 2), now=datetime(2029, 3, 2, 3, 0)) == {
        "expired": [],
        "lapsed": [],
        "released": [],
        "invoiced": [],
        "charge_reminders": 0,
        "report_reminders": 0,
    }


def test_database_index_decides_when_the_prior_checks_saw_nothing(session, registry_helper, monkeypatch):
    """A racing approval whose SELECTs ran before the winner committed still cannot win:
    the partial unique index refuses the second reservation, and the act changes nothing."""
    winner = registry_helper.submit("RACER", applicant=org_applicant("0101111111"))
    loser = registry_helper.submit(
        "racer", applicant=org_applicant("0102222222"), now=NOW + timedelta(seconds=1)
    )
    registry_helper.approve(winner)
    before = count(session, Event)
    monkeypatch.setattr(applications, "_earlier_pending", lambda *a, **k: None)
    monkeypatch.setattr(applications, "find_brandname", lambda *a, **k: None)
    monkeypatch.setattr(applications, "_refuse_later_requests", lambda *a, **k: None)
    session.refresh(loser)
    loser.status = "submitted"  # as the racing transaction saw it
    for rn in loser.names:
        rn.status = "pending"
    session.commit()
    with pytest.raises(Conflict) as info:
        registry_helper.approve(loser)
    assert "vừa được cấp" in info.value.message_vi
    assert count(session, Event) == before
    rows = session.scalars(select(Brandname).where(Brandname.name_normal == "RACER")).all()
    assert [(r.status, r.application_id) for r in rows] == [("reserved", winner.id)]
