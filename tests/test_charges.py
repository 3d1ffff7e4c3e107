"""The maintenance charge (Art. 23(8)) and revocation for arrears (Art. 29(1)(b)): the schedule,
the invoices, the holder's payments and the officer's confirmation, the reminders, and the
gate that lets ground (b) be proposed only for a name with an invoice over 30 days overdue."""

import threading
from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from brandname import lifecycle, registry
from brandname.errors import Forbidden, InvalidInput, NotAllowed
from brandname.extensions import db
from brandname.rules import charges
from brandname.store.models import ChargeInvoice, ChargePayment, Event, Outbox, RevocationProposal

from .conftest import Registry, org_applicant


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_ground_b_is_refused_for_a_name_with_no_charge_overdue(session, officer, registry_helper):
    bn = registry_helper.issue("NOCHARGE").brandnames[0]
    with pytest.raises(NotAllowed) as refused:
        lifecycle.propose_revocation(
            session,
            bn.id,
            actor=officer,
            ground="arrears",
            evidence={"invoice": "HD-1", "due_date": "2026-01-01"},
        )
    assert "điểm b" in refused.value.message_vi
    assert count(session, RevocationProposal) == 0 and bn.status == "active"


def test_the_form_does_not_offer_ground_b_without_a_schedule(portal, registry_helper):
    bn = registry_helper.issue("NOFORMB").brandnames[0]
    page = portal.officer.get(f"/officer/names/{bn.id}").get_data(as_text=True)
    assert 'value="spam"' in page and 'value="arrears"' not in page


# -- the schedule (rules/charges.py) ---------------------------------------------------------

SOURCE = "Thông tư mẫu số 01/2026/TT-BCA về chi phí duy trì tên định danh (giả định cho kiểm thử)"
ROWS = [{"from": "2026-01-01", "amount": 500_000, "period_months": 12, "source": SOURCE}]
SCHEDULE = charges.schedule_from_config(ROWS)
CHARGED = replace(lifecycle.DEFAULT_RULES, charge_schedule=SCHEDULE)


def test_schedule_from_configuration_is_dated_sourced_and_checked():
    assert charges.schedule_from_config([]) == charges.DEFAULT_SCHEDULE == ()
    (line,) = SCHEDULE
    assert (line.effective_from, line.amount_vnd, line.period_months, line.due_days) == (
        date(2026, 1, 1),
        500_000,
        12,
        30,
    )
    assert line.source == SOURCE
    two = charges.schedule_from_config(
        [
            {"from": "2027-07-01", "amount": 600_000, "period_months": 12, "source": "B", "due_days": 15},
            {"from": "2026-01-01", "amount": 500_000, "period_months": 12, "source": "A"},
        ]
    )
    assert [x.source for x in two] == ["A", "B"]
    assert charges.line_for(date(2025, 12, 31), two) is None
    assert charges.line_for(date(2027, 6, 30), two).amount_vnd == 500_000
    assert charges.line_for(date(2027, 7, 1), two).amount_vnd == 600_000
    for bad in (
        [{"from": "2026-01-01", "amount": 0, "period_months": 12, "source": "x"}],
        [{"from": "2026-01-01", "amount": -5, "period_months": 12, "source": "x"}],
        [{"from": "2026-01-01", "amount": 5, "period_months": 0, "source": "x"}],
        [{"from": "2026-01-01", "amount": 5, "period_months": 12}],
        [{"from": "2026-13-01", "amount": 5, "period_months": 12, "source": "x"}],
        [ROWS[0], ROWS[0]],
        ["2026-01-01"],
    ):
        with pytest.raises(ValueError):
            charges.schedule_from_config(bad)


def test_the_setting_is_read_and_a_wrong_one_stops_the_start(tmp_path):
    from brandname import create_app

    base = {"DATA_DIR": str(tmp_path), "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    assert registry.rules_from_config({**base, "MAINTENANCE_CHARGES": ROWS}).charge_schedule == SCHEDULE
    assert registry.rules_from_config(base).charge_schedule == ()
    with pytest.raises(RuntimeError, match="BRANDNAME_MAINTENANCE_CHARGES: a maintenance charge must be"):
        create_app({**base, "MAINTENANCE_CHARGES": [{**ROWS[0], "amount": -1}]})
    with pytest.raises(RuntimeError, match="BRANDNAME_MAINTENANCE_CHARGES"):
        create_app({**base, "MAINTENANCE_CHARGES": {"from": "2026-01-01"}})


def test_periods_run_from_the_term_start_and_are_never_retroactive():
    start, end = date(2026, 3, 2), date(2029, 3, 1)
    assert charges.periods(start, end, date(2030, 1, 1), ()) == []
    periods = charges.periods(start, end, date(2027, 3, 2), SCHEDULE)
    assert [(p.start, p.end, p.due_date) for p in periods] == [
        (date(2026, 3, 2), date(2027, 3, 1), date(2026, 4, 1)),
        (date(2027, 3, 2), date(2028, 3, 1), date(2027, 4, 1)),
    ]
    assert len(charges.periods(start, end, date(2040, 1, 1), SCHEDULE)) == 3  # the term's 3 years
    # a schedule that starts mid-period charges from the next period on, at the line then in force
    later = charges.schedule_from_config(
        [
            {"from": "2026-06-01", "amount": 500_000, "period_months": 12, "source": "A"},
            {"from": "2027-01-01", "amount": 700_000, "period_months": 12, "source": "B"},
        ]
    )
    periods = charges.periods(start, end, date(2028, 12, 31), later)
    assert [(p.start, p.line.amount_vnd) for p in periods] == [
        (date(2027, 3, 2), 700_000),
        (date(2028, 3, 2), 700_000),
    ]
    assert charges.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert charges.add_months(date(2027, 12, 15), 3) == date(2028, 3, 15)


def test_arrears_begin_on_the_31st_day_after_the_due_date():
    due = date(2026, 4, 1)
    assert not charges.in_arrears(due, due + timedelta(days=30))
    assert charges.in_arrears(due, due + timedelta(days=31))
    assert charges.arrears_from(due) == date(2026, 5, 2)
    assert charges.reminder_window(due, due - timedelta(days=20)) is None
    assert charges.reminder_window(due, due - timedelta(days=14)) == ("before", 14)
    assert charges.reminder_window(due, due - timedelta(days=5)) == ("before", 14)
    assert charges.reminder_window(due, due - timedelta(days=3)) == ("before", 3)
    assert charges.reminder_window(due, due) == ("before", 3)
    assert charges.reminder_window(due, due + timedelta(days=1)) == ("after", 1)
    assert charges.reminder_window(due, due + timedelta(days=40)) == ("after", 23)


# -- the ledger (lifecycle/charges.py) -------------------------------------------------------

ISSUED = date(2026, 3, 2)  # the day conftest's NOW issues names
DUE = date(2026, 4, 1)


def at(day):
    return datetime.combine(day, time(3, 0))  # 10:00 in Hanoi


def daily(session, day, rules=CHARGED):
    return lifecycle.daily(session, today=day, now=at(day), rules=rules)


@pytest.fixture
def charged(session, keys, officer):
    return Registry(session, keys, officer, rules=CHARGED)


def holder_actor(bn):
    return lifecycle.Actor("applicant", "holder@example.vn", None, bn.holder_id)


def test_the_daily_duty_raises_each_invoice_once_with_its_event_and_mail(session, charged):
    bn = charged.issue("PHIDUYTRI").brandnames[0]
    summary = daily(session, ISSUED)
    assert summary["invoiced"] == ["CP-2026-0000001"]
    invoice = session.scalars(select(ChargeInvoice)).one()
    assert (invoice.brandname_id, invoice.holder_id, invoice.status) == (bn.id, bn.holder_id, "open")
    assert (invoice.period_start, invoice.period_end, invoice.due_date) == (ISSUED, date(2027, 3, 1), DUE)
    assert invoice.amount_vnd == 500_000 and invoice.source == SOURCE
    event = session.scalars(select(Event).where(Event.act == "raise_charge")).one()
    assert event.subject_id == invoice.id and event.name_normal == "PHIDUYTRI"
    assert event.details["due_date"] == "2026-04-01" and event.details["source"] == SOURCE
    mail = session.scalars(select(Outbox).where(Outbox.key == f"charge:{invoice.id}")).one()
    assert mail.event_seq == event.seq and "500.000 đồng" in mail.body and "01/04/2026" in mail.body
    assert SOURCE in mail.body and "điểm b khoản 1 Điều 29" in mail.body
    # run again, the same day or later in the period: nothing new
    before = count(session, Event)
    assert daily(session, ISSUED)["invoiced"] == []
    assert daily(session, date(2026, 9, 1))["invoiced"] == []
    assert count(session, ChargeInvoice) == 1 and count(session, Event) == before
    # the next period, once it begins
    assert daily(session, date(2027, 3, 2))["invoiced"] == ["CP-2027-0000002"]
    # without a schedule the duty raises nothing
    other = charged.issue("KHONGPHI", applicant=org_applicant("0109999999")).brandnames[0]
    assert daily(session, date(2027, 3, 3), rules=lifecycle.DEFAULT_RULES)["invoiced"] == []
    assert session.scalars(select(ChargeInvoice).where(ChargeInvoice.brandname_id == other.id)).all() == []


def test_names_not_active_are_not_invoiced(session, charged, officer):
    bn = charged.issue("BOCUOC").brandnames[0]
    lifecycle.give_up(session, bn.id, actor=officer, now=at(ISSUED))
    assert daily(session, ISSUED)["invoiced"] == []


def test_one_invoice_per_name_and_period_is_the_databases_rule(session, charged):
    charged.issue("DUYNHAT")
    daily(session, ISSUED)
    invoice = session.scalars(select(ChargeInvoice)).one()
    session.add(
        ChargeInvoice(
            brandname_id=invoice.brandname_id,
            holder_id=invoice.holder_id,
            period_start=invoice.period_start,
            period_end=invoice.period_end,
            due_date=invoice.due_date,
            amount_vnd=1,
            source="x",
            status="open",
            raised_at=at(ISSUED),
        )
    )
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_racing_daily_runs_raise_one_invoice_each(app, session, charged):
    for i in range(5):
        charged.issue(f"DUA{i}", applicant=org_applicant(f"010555000{i}"))
    session.commit()
    engine = create_engine(db.engine.url, pool_size=4, max_overflow=0)
    barrier, outcomes = threading.Barrier(4), []

    def run():
        own = Session(engine, expire_on_commit=False)
        try:
            barrier.wait(timeout=30)
            outcomes.append(len(lifecycle.raise_invoices(own, today=ISSUED, now=at(ISSUED), rules=CHARGED)))
        except Exception as exc:  # a failed run would be a failed daily job
            outcomes.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    engine.dispose()
    assert all(isinstance(o, int) for o in outcomes), outcomes
    assert sum(outcomes) == 5
    session.expire_all()
    assert count(session, ChargeInvoice) == 5
    assert session.scalar(select(func.count()).where(Event.act == "raise_charge")) == 5


def test_holder_records_and_officer_confirms_or_refuses_a_payment(session, charged, officer):
    bn = charged.issue("NOPPHI").brandnames[0]
    daily(session, ISSUED)
    invoice = session.scalars(select(ChargeInvoice)).one()
    holder = holder_actor(bn)
    stranger = lifecycle.Actor("applicant", "x@example.vn", None, bn.holder_id + 99)
    with pytest.raises(Forbidden):
        lifecycle.record_charge_payment(session, invoice.id, actor=stranger, reference="FT1")
    with pytest.raises(InvalidInput):
        lifecycle.record_charge_payment(session, invoice.id, actor=holder, reference="  ")
    first = lifecycle.record_charge_payment(
        session, invoice.id, actor=holder, reference="FT 0001", now=at(DUE)
    )
    assert (first.amount_vnd, first.reference, first.status) == (500_000, "FT 0001", "recorded")
    with pytest.raises(NotAllowed):  # one payment awaiting at a time
        lifecycle.record_charge_payment(session, invoice.id, actor=holder, reference="FT2")
    with pytest.raises(Forbidden):
        lifecycle.confirm_charge_payment(session, first.id, actor=holder)
    with pytest.raises(InvalidInput):
        lifecycle.refuse_charge_payment(session, first.id, actor=officer, reason="")
    lifecycle.refuse_charge_payment(session, first.id, actor=officer, reason="Không thấy tiền về tài khoản")
    assert first.status == "refused" and invoice.status == "open"
    low = lifecycle.record_charge_payment(session, invoice.id, actor=holder, reference="FT2", amount_vnd=100)
    with pytest.raises(NotAllowed):
        lifecycle.confirm_charge_payment(session, low.id, actor=officer)
    lifecycle.refuse_charge_payment(session, low.id, actor=officer, reason="Thiếu tiền")
    good = lifecycle.record_charge_payment(session, invoice.id, actor=holder, reference="FT3")
    event = lifecycle.confirm_charge_payment(session, good.id, actor=officer, now=at(DUE))
    assert good.status == "confirmed" and invoice.status == "paid" and invoice.paid_at == at(DUE)
    assert event.act == "confirm_charge_payment" and event.details["invoice"] == invoice.number
    with pytest.raises(NotAllowed):
        lifecycle.confirm_charge_payment(session, good.id, actor=officer)
    with pytest.raises(NotAllowed):
        lifecycle.record_charge_payment(session, invoice.id, actor=holder, reference="FT4")
    acts = [e.act for e in session.scalars(select(Event).order_by(Event.seq)) if "charge" in e.act]
    assert acts == [
        "raise_charge",
        "record_charge_payment",
        "refuse_charge_payment",
        "record_charge_payment",
        "refuse_charge_payment",
        "record_charge_payment",
        "confirm_charge_payment",
    ]


def test_reminders_before_and_after_the_due_date_once_each(session, charged):
    charged.issue("NHACNO")
    daily(session, ISSUED)

    def reminders():
        return sorted(
            r.key.rsplit(":", 2)[1] + ":" + r.key.rsplit(":", 1)[1]
            for r in session.scalars(select(Outbox).where(Outbox.key.like("charge-reminder:%")))
        )

    for day in (
        date(2026, 3, 10),
        DUE - timedelta(days=14),
        DUE - timedelta(days=10),
        DUE - timedelta(days=3),
    ):
        daily(session, day)
    daily(session, DUE - timedelta(days=3))
    assert reminders() == ["before:14", "before:3"]
    assert daily(session, DUE)["charge_reminders"] == 0  # the due day itself: the 3-day reminder was sent
    daily(session, DUE + timedelta(days=1))
    daily(session, DUE + timedelta(days=2))
    daily(session, DUE + timedelta(days=40))  # runs skipped: only the latest window
    assert reminders() == ["after:1", "after:23", "before:14", "before:3"]
    late = session.scalars(select(Outbox).where(Outbox.key.like("%after:23"))).one()
    assert "01/05/2026" in late.body and "điểm b khoản 1 Điều 29" in late.body


def test_a_paid_invoice_gets_no_reminder(session, charged, officer):
    bn = charged.issue("DANOP").brandnames[0]
    daily(session, ISSUED)
    invoice = session.scalars(select(ChargeInvoice)).one()
    payment = lifecycle.record_charge_payment(session, invoice.id, actor=holder_actor(bn), reference="FT9")
    lifecycle.confirm_charge_payment(session, payment.id, actor=officer)
    assert daily(session, DUE - timedelta(days=3))["charge_reminders"] == 0
    assert daily(session, DUE + timedelta(days=1))["charge_reminders"] == 0


# -- ground (b): only for an invoice more than 30 days overdue ------------------------------


def propose_b(session, bn, officer, day, rules=CHARGED, evidence=None):
    return lifecycle.propose_revocation(
        session, bn.id, actor=officer, ground="arrears", evidence=evidence or {}, now=at(day), rules=rules
    )


def test_ground_b_needs_an_invoice_more_than_30_days_overdue_and_carries_it(
    session, charged, officer, supervisor
):
    bn = charged.issue("NOQUAHAN").brandnames[0]
    with pytest.raises(NotAllowed) as refused:  # a schedule, but nothing raised yet
        propose_b(session, bn, officer, ISSUED)
    assert "không có khoản chi phí duy trì nào quá hạn" in refused.value.message_vi
    daily(session, ISSUED)
    invoice = session.scalars(select(ChargeInvoice)).one()
    with pytest.raises(NotAllowed):  # 30 days overdue: not yet "more than 30"
        propose_b(session, bn, officer, DUE + timedelta(days=30))
    assert count(session, RevocationProposal) == 0
    # typed evidence is ignored: the proposal carries the registry's invoice
    proposal = propose_b(
        session,
        bn,
        officer,
        DUE + timedelta(days=31),
        evidence={"invoice": "HD-GIA", "due_date": "2020-01-01"},
    )
    assert proposal.evidence == {
        "invoice": invoice.number,
        "invoice_id": invoice.id,
        "due_date": "2026-04-01",
        "amount_vnd": 500_000,
        "period": "02/03/2026 – 01/03/2027",
        "days_overdue": 31,
    }
    event = lifecycle.confirm_revocation(
        session, proposal.id, actor=supervisor, now=at(DUE + timedelta(days=32))
    )
    assert bn.status == "revoked" and bn.revocation_ground == "arrears"
    assert event.details["letter"] == "b" and event.details["evidence"]["invoice"] == invoice.number


def test_a_payment_recorded_or_confirmed_stops_ground_b(session, charged, officer, supervisor):
    bn = charged.issue("DANGNOP").brandnames[0]
    daily(session, ISSUED)
    invoice = session.scalars(select(ChargeInvoice)).one()
    late = DUE + timedelta(days=45)
    proposal = propose_b(session, bn, officer, late)
    payment = lifecycle.record_charge_payment(session, invoice.id, actor=holder_actor(bn), reference="FT-TRE")
    with pytest.raises(NotAllowed) as waiting:  # the holder says it paid: decide the payment first
        lifecycle.confirm_revocation(session, proposal.id, actor=supervisor, now=at(late))
    assert "FT" not in waiting.value.message_vi and invoice.number in waiting.value.message_vi
    lifecycle.decline_revocation(session, proposal.id, actor=supervisor, reason="Chờ xác nhận khoản nộp")
    with pytest.raises(NotAllowed) as awaiting:  # nor a new proposal while the payment awaits
        propose_b(session, bn, officer, late)
    assert "đã ghi nhận khoản nộp" in awaiting.value.message_vi
    lifecycle.confirm_charge_payment(session, payment.id, actor=officer)
    with pytest.raises(NotAllowed):
        propose_b(session, bn, officer, late)
    assert bn.status == "active"


def test_a_charge_paid_after_the_proposal_cannot_be_revoked_for(session, charged, officer, supervisor):
    bn = charged.issue("NOPMUON").brandnames[0]
    daily(session, ISSUED)
    invoice = session.scalars(select(ChargeInvoice)).one()
    proposal = propose_b(session, bn, officer, DUE + timedelta(days=40))
    payment = lifecycle.record_charge_payment(
        session, invoice.id, actor=holder_actor(bn), reference="FT-MUON"
    )
    lifecycle.confirm_charge_payment(session, payment.id, actor=officer)
    with pytest.raises(NotAllowed) as paid:
        lifecycle.confirm_revocation(session, proposal.id, actor=supervisor)
    assert "đã được nộp" in paid.value.message_vi and bn.status == "active"


def test_without_a_schedule_ground_b_is_refused_in_words(session, charged, officer):
    bn = charged.issue("KHONGBIEU").brandnames[0]
    daily(session, ISSUED)  # invoices raised under a schedule since withdrawn from configuration
    with pytest.raises(NotAllowed) as refused:
        propose_b(session, bn, officer, DUE + timedelta(days=60), rules=lifecycle.DEFAULT_RULES)
    assert "Chưa có mức chi phí duy trì" in refused.value.message_vi
    assert "No maintenance charge is in force" in refused.value.message_en
    assert not lifecycle.ground_b_available(lifecycle.DEFAULT_RULES) and lifecycle.ground_b_available(CHARGED)


# -- web: the holder's invoices, the officers' arrears list, the ground (b) form ------------


@pytest.fixture
def charged_portal(app, portal):
    app.extensions["brandname_rules"] = replace(
        registry.rules_from_config(app.config), charge_schedule=SCHEDULE
    )
    return portal


def overdue_name(session, charged, name):
    """A name of applicant A's holder, issued on 2 March 2026, with its first charge raised (due
    1 April 2026, so long past due by the real clock the pages use)."""
    bn = charged.issue(name).brandnames[0]
    daily(session, ISSUED)
    return bn, session.scalars(select(ChargeInvoice).where(ChargeInvoice.brandname_id == bn.id)).one()


def page(response):
    return response.get_data(as_text=True)


def test_holder_sees_invoices_and_records_a_payment_officer_confirms(session, charged_portal, charged):
    portal = charged_portal
    bn, invoice = overdue_name(session, charged, "WEBPHI")
    assert bn.holder_id == portal.account_a.holder_id
    mine = page(portal.a.get("/applicant/charges"))
    assert (
        invoice.number in mine
        and "500.000" in mine
        and "WEBPHI" in mine
        and 'href="/applicant/charges"' in mine
    )
    assert invoice.number not in page(portal.b.get("/applicant/charges"))
    assert (
        portal.b.post(f"/applicant/charges/{invoice.id}/payment", data={"reference": "X"}).status_code == 404
    )
    refused = portal.a.post(f"/applicant/charges/{invoice.id}/payment", data={"reference": ""})
    assert refused.status_code == 400 and "Nhập mã giao dịch" in page(refused)
    assert (
        portal.a.post(f"/applicant/charges/{invoice.id}/payment", data={"reference": "FT777"}).status_code
        == 302
    )
    assert "FT777" in page(portal.a.get("/applicant/charges"))
    arrears = page(portal.officer.get("/officer/arrears"))
    assert "FT777" in arrears and invoice.number in arrears and 'href="/officer/arrears"' in arrears
    assert SOURCE in arrears
    payment = session.scalars(select(ChargePayment)).one()
    response = portal.officer.post(f"/officer/charge-payments/{payment.id}/confirm")
    assert response.status_code == 302
    session.expire_all()
    assert session.get(ChargeInvoice, invoice.id).status == "paid"
    assert "Không có khoản chi phí duy trì nào quá hạn." in page(portal.officer.get("/officer/arrears"))
    trail = page(portal.officer.get(f"/officer/names/{bn.id}"))
    assert "xác nhận khoản nộp FT777" in trail and "lập khoản chi phí duy trì" in trail


def test_arrears_page_and_payment_acts_are_for_staff_only(session, charged_portal, charged):
    portal = charged_portal
    bn, invoice = overdue_name(session, charged, "QUYEN")
    payment = lifecycle.record_charge_payment(
        session, invoice.id, actor=lifecycle.Actor.for_account(portal.account_a), reference="FT1"
    )
    # the ground (b) form says why it cannot be used yet
    assert "người sử dụng đã ghi nhận khoản nộp" in page(portal.officer.get(f"/officer/names/{bn.id}"))
    assert portal.anon.get("/officer/arrears").status_code == 302
    assert portal.a.get("/officer/arrears").status_code == 403
    assert portal.admin.get("/officer/arrears").status_code == 403
    assert portal.a.post(f"/officer/charge-payments/{payment.id}/confirm").status_code == 403
    assert (
        portal.officer.post(f"/officer/charge-payments/{payment.id}/refuse", data={"reason": ""}).status_code
        == 302
    )
    assert payment.status == "recorded"
    portal.officer.post(f"/officer/charge-payments/{payment.id}/refuse", data={"reason": "Không thấy tiền"})
    session.expire_all()
    assert session.get(ChargePayment, payment.id).status == "refused"
    assert portal.anon.get("/applicant/charges").status_code == 302


def test_officer_proposes_ground_b_from_the_form_with_the_invoice_as_evidence(
    session, charged_portal, charged
):
    portal = charged_portal
    bn, invoice = overdue_name(session, charged, "FORMB")
    arrears = page(portal.officer.get("/officer/arrears"))
    assert "Quá 30 ngày" in arrears and f"/officer/names/{bn.id}#ground-arrears" in arrears
    form = page(portal.officer.get(f"/officer/names/{bn.id}"))
    assert 'value="arrears"' in form and invoice.number in form and 'name="arrears-invoice"' not in form
    response = portal.officer.post(
        f"/officer/names/{bn.id}/propose-revocation", data={"ground": "arrears", "note": "Nợ phí"}
    )
    assert response.status_code == 302
    proposal = session.scalars(select(RevocationProposal)).one()
    assert proposal.ground == "arrears" and proposal.evidence["invoice"] == invoice.number
    assert (
        invoice.number in page(portal.supervisor.get("/officer/revocations")) or proposal.status == "proposed"
    )


def test_without_a_schedule_the_pages_say_so_and_the_act_refuses(portal, session, registry_helper):
    bn = registry_helper.issue("KHONGB").brandnames[0]
    assert 'href="/officer/arrears"' not in page(portal.officer.get("/officer/"))
    assert "BRANDNAME_MAINTENANCE_CHARGES" in page(portal.officer.get("/officer/arrears"))
    portal.officer.get("/lang/en")
    response = portal.officer.post(f"/officer/names/{bn.id}/propose-revocation", data={"ground": "arrears"})
    assert response.status_code == 409 and "No maintenance charge is in force" in page(response)
