"""The maintenance charge (Art. 23(8)): the daily duty raises each period's invoice, the holder
records a payment, an officer confirms or refuses it; and the arrears on which revocation ground
(b) of Art. 29(1) rests. Every act records its events; the schedule is `rules.charge_schedule`.
"""

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from brandname.errors import InvalidInput, NotAllowed
from brandname.lifecycle._kernel import (
    DEFAULT_RULES,
    Actor,
    act,
    fetch,
    lock_brandnames,
    moment,
    record_event,
    require_holder_or_staff,
    require_staff,
)
from brandname.rules import charges, dates, fees
from brandname.store.models import Brandname, ChargeInvoice, ChargePayment

BATCH = 500


def invoice_evidence(invoice, today):
    """What a proposal on ground (b) records about the invoice it rests on."""
    return {
        "invoice": invoice.number,
        "invoice_id": invoice.id,
        "due_date": invoice.due_date.isoformat(),
        "amount_vnd": invoice.amount_vnd,
        "period": charges.period_label(invoice.period_start, invoice.period_end),
        "days_overdue": charges.days_overdue(invoice.due_date, today),
    }


def _candidates(session, today, rules):
    """Ids of active names that may have a period with no invoice yet: none raised, or the
    latest invoiced period ended before today."""
    first = min(line.effective_from for line in rules.charge_schedule)
    latest = (
        select(ChargeInvoice.brandname_id, func.max(ChargeInvoice.period_end).label("end"))
        .group_by(ChargeInvoice.brandname_id)
        .subquery()
    )
    return session.scalars(
        select(Brandname.id)
        .outerjoin(latest, latest.c.brandname_id == Brandname.id)
        .where(
            Brandname.status == "active",
            Brandname.valid_from.is_not(None),
            Brandname.valid_until >= first,
            Brandname.valid_from <= today,
            (latest.c.end.is_(None)) | (latest.c.end < today),
        )
        .order_by(Brandname.id)
    ).all()


@act
def _invoice_batch(session, ids, *, today, now, actor, rules=DEFAULT_RULES):
    # row locks on the names first (as every act), then the event counter: a second run waiting
    # here sees the first run's invoices once it gets the locks, and raises none of them again
    lock_brandnames(session, ids)
    existing = {
        (b, start)
        for b, start in session.execute(
            select(ChargeInvoice.brandname_id, ChargeInvoice.period_start).where(
                ChargeInvoice.brandname_id.in_(ids)
            )
        )
    }
    raised = []
    for bn in session.scalars(select(Brandname).where(Brandname.id.in_(ids)).order_by(Brandname.id)):
        if bn.status != "active":
            continue
        for period in charges.periods(bn.valid_from, bn.valid_until, today, rules.charge_schedule):
            if (bn.id, period.start) in existing:
                continue
            invoice = ChargeInvoice(
                brandname_id=bn.id,
                holder_id=bn.holder_id,
                period_start=period.start,
                period_end=period.end,
                due_date=period.due_date,
                amount_vnd=period.line.amount_vnd,
                source=period.line.source,
                status="open",
                raised_at=now,
            )
            session.add(invoice)
            session.flush()
            record_event(
                session,
                actor,
                "raise_charge",
                "charge_invoice",
                invoice.id,
                now=now,
                name_normal=bn.name_normal,
                details={
                    "invoice": invoice.number,
                    "period_start": period.start.isoformat(),
                    "period_end": period.end.isoformat(),
                    "due_date": period.due_date.isoformat(),
                    "amount_vnd": invoice.amount_vnd,
                    "source": invoice.source,
                    "holder_id": bn.holder_id,
                },
            )
            raised.append(invoice)
    return raised


def raise_invoices(session, *, today=None, now=None, rules=DEFAULT_RULES, actor=None):
    """The daily duty: raise the invoice of every period that has begun for an active name and
    has none yet. Idempotent; each batch of names is its own act. Nothing without a schedule."""
    if not rules.charge_schedule:
        return []
    now = moment(now)
    today = today or dates.local_date(now)
    actor = actor or Actor.system()
    ids = _candidates(session, today, rules)
    raised = []
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        try:
            raised += _invoice_batch(session, batch, today=today, now=now, actor=actor, rules=rules)
        except IntegrityError:
            # a racing run committed some of these first (SQLite takes no row locks): the batch
            # was rolled back whole; again, it now sees those invoices and raises only the rest
            raised += _invoice_batch(session, batch, today=today, now=now, actor=actor, rules=rules)
    return raised


# -- payments -------------------------------------------------------------------------------


def awaiting_payment(session, invoice_id):
    """The payment of the invoice the holder recorded and no officer decided yet, or None."""
    return session.scalars(
        select(ChargePayment).where(
            ChargePayment.invoice_id == invoice_id, ChargePayment.status == "recorded"
        )
    ).first()


@act
def record_charge_payment(session, invoice_id, *, actor, reference, amount_vnd=None, now=None):
    """The holder records how a maintenance charge was paid; an officer confirms it later."""
    now = moment(now)
    invoice = fetch(
        session, ChargeInvoice, invoice_id, what_vi="khoản chi phí duy trì", what_en="charge invoice"
    )
    require_holder_or_staff(actor, invoice.holder_id)
    if invoice.status != "open":
        raise NotAllowed(
            f"Khoản chi phí duy trì {invoice.number} đã được nộp.",
            f"The maintenance charge {invoice.number} is already paid.",
        )
    if awaiting_payment(session, invoice.id) is not None:
        raise NotAllowed(
            f"Đã có khoản nộp cho {invoice.number} đang chờ cán bộ xác nhận.",
            f"A payment of {invoice.number} is already awaiting an officer's confirmation.",
        )
    reference, amount = fees.payment_reference_and_amount(reference, amount_vnd, invoice.amount_vnd)
    payment = ChargePayment(
        invoice_id=invoice.id,
        amount_vnd=amount,
        reference=reference,
        status="recorded",
        recorded_at=now,
        recorded_by_id=actor.id,
    )
    session.add(payment)
    session.flush()
    record_event(
        session,
        actor,
        "record_charge_payment",
        "charge_payment",
        payment.id,
        now=now,
        name_normal=invoice.brandname.name_normal,
        details={"invoice": invoice.number, "reference": reference, "amount_vnd": amount},
    )
    return payment


def _decidable(session, payment_id, actor):
    require_staff(actor)
    payment = fetch(session, ChargePayment, payment_id, what_vi="khoản nộp", what_en="payment")
    if payment.status != "recorded":
        raise NotAllowed("Khoản thanh toán này đã được xử lý.", "This payment was already handled.")
    invoice = fetch(
        session, ChargeInvoice, payment.invoice_id, what_vi="khoản chi phí duy trì", what_en="charge invoice"
    )
    return payment, invoice


@act
def confirm_charge_payment(session, payment_id, *, actor, now=None):
    """An officer confirms a recorded payment: the invoice is paid."""
    now = moment(now)
    payment, invoice = _decidable(session, payment_id, actor)
    if invoice.status != "open":
        raise NotAllowed(
            f"Khoản chi phí duy trì {invoice.number} đã được nộp.",
            f"The maintenance charge {invoice.number} is already paid.",
        )
    if payment.amount_vnd < invoice.amount_vnd:
        raise NotAllowed(
            f"Số tiền {payment.amount_vnd:,} đồng thấp hơn chi phí {invoice.amount_vnd:,} đồng.",
            f"The amount {payment.amount_vnd:,} VND is below the charge {invoice.amount_vnd:,} VND.",
        )
    payment.status, payment.decided_at, payment.decided_by_id = "confirmed", now, actor.id
    invoice.status, invoice.paid_at = "paid", now
    session.flush()
    return record_event(
        session,
        actor,
        "confirm_charge_payment",
        "charge_payment",
        payment.id,
        now=now,
        name_normal=invoice.brandname.name_normal,
        details={
            "invoice": invoice.number,
            "reference": payment.reference,
            "amount_vnd": payment.amount_vnd,
            "recorded_at": payment.recorded_at.isoformat(),
        },
    )


@act
def refuse_charge_payment(session, payment_id, *, actor, reason, now=None):
    """An officer refuses a recorded payment that did not arrive; the invoice stays open."""
    now = moment(now)
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput("Phải nêu lý do không xác nhận.", "A reason is required.")
    payment, invoice = _decidable(session, payment_id, actor)
    payment.status, payment.decided_at, payment.decided_by_id = "refused", now, actor.id
    payment.refusal_reason = reason
    session.flush()
    return record_event(
        session,
        actor,
        "refuse_charge_payment",
        "charge_payment",
        payment.id,
        now=now,
        name_normal=invoice.brandname.name_normal,
        details={"invoice": invoice.number, "reference": payment.reference, "reason": reason},
    )


# -- arrears (Art. 29(1)(b)) ----------------------------------------------------------------


def arrears_invoice(session, brandname_id, today, *, with_awaiting=False):
    """The oldest open invoice of the name more than 30 days past its due date and with no
    payment awaiting an officer's decision (with `with_awaiting`, with or without one); None if
    there is none."""
    for invoice in session.scalars(
        select(ChargeInvoice)
        .where(
            ChargeInvoice.brandname_id == brandname_id,
            ChargeInvoice.status == "open",
            ChargeInvoice.due_date < today - timedelta(days=charges.ARREARS_DAYS),
        )
        .order_by(ChargeInvoice.due_date, ChargeInvoice.id)
    ):
        if charges.in_arrears(invoice.due_date, today) and (
            with_awaiting or awaiting_payment(session, invoice.id) is None
        ):
            return invoice
    return None


def overdue_invoices(today):
    """Open invoices past their due date, oldest due first (the officers' arrears list)."""
    return (
        select(ChargeInvoice)
        .where(ChargeInvoice.status == "open", ChargeInvoice.due_date < today)
        .order_by(ChargeInvoice.due_date, ChargeInvoice.id)
    )


def recorded_charge_payments():
    """Payments the holders recorded that await an officer, oldest first."""
    return (
        select(ChargePayment)
        .where(ChargePayment.status == "recorded")
        .order_by(ChargePayment.recorded_at, ChargePayment.id)
    )
