"""Expiry reminders: a scheduled job, not an act, so it writes its mails and commits by itself."""

from datetime import timedelta

from sqlalchemy import select

from brandname.notifications import messages, outbox
from brandname.rules import charges, dates
from brandname.store.models import Brandname, ChargeInvoice

REMINDER_DAYS = (60, 30, 7)


def send_reminders(session, *, today=None, public_url="", authority=messages.DEFAULT_AUTHORITY):
    """Queue an expiry reminder 60, 30 and 7 days before expiry; each once per term.

    A name that enters a window between two runs gets the reminder of the closest window only; a
    name whose renewal is already filed and pending gets none.
    """
    today = today or dates.local_today()
    horizon = today + timedelta(days=max(REMINDER_DAYS))
    queued = []
    for bn in session.scalars(
        select(Brandname)
        .where(
            Brandname.status == "active",
            Brandname.valid_until >= today,
            Brandname.valid_until <= horizon,
            Brandname.renewal_pending.is_(False),
        )
        .order_by(Brandname.valid_until, Brandname.id)
    ):
        left = (bn.valid_until - today).days
        window = min(d for d in REMINDER_DAYS if left <= d)
        mail = messages.expiry_reminder(session, bn, left=left, window=window, public_url=public_url)
        row = outbox.write(session, mail, authority=authority, brandname_id=bn.id)
        if row is not None:
            queued.append(row)
    session.commit()
    return queued


def send_charge_reminders(
    session, *, today=None, now=None, public_url="", authority=messages.DEFAULT_AUTHORITY
):
    """Queue a reminder of each unpaid maintenance charge 14 and 3 days before its due date,
    and 1 and 23 days after it (the second a week before ground (b) of Art. 29(1) applies);
    each once per invoice and window. Only names still active are reminded."""
    today = today or dates.local_today()
    horizon = today + timedelta(days=max(charges.REMINDERS_BEFORE))
    queued = []
    for invoice in session.scalars(
        select(ChargeInvoice)
        .join(Brandname, Brandname.id == ChargeInvoice.brandname_id)
        .where(
            ChargeInvoice.status == "open", ChargeInvoice.due_date <= horizon, Brandname.status == "active"
        )
        .order_by(ChargeInvoice.due_date, ChargeInvoice.id)
    ):
        window = charges.reminder_window(invoice.due_date, today)
        if window is None:
            continue
        mail = messages.charge_reminder(session, invoice, today=today, window=window, public_url=public_url)
        row = outbox.write(session, mail, now=now, authority=authority, brandname_id=invoice.brandname_id)
        if row is not None:
            queued.append(row)
    session.commit()
    return queued


def send_report_reminders(
    session, due, *, today=None, now=None, public_url="", authority=messages.DEFAULT_AUTHORITY
):
    """Queue a reminder of each report a holder still owes (lifecycle.periodic_reports.reminders_due
    says which, with its reminder window); each once per report and window. Carriers have no
    address in the registry: they read what they owe from the API."""
    queued = []
    for item in due:
        left = (item.due_date - (today or dates.local_today())).days
        mail = messages.report_reminder(
            session,
            item.holder,
            what_vi=item.what_vi,
            what_en=item.what_en,
            due=item.due_date,
            left=left,
            key=f"report-reminder:{item.key}:{item.window}",
            public_url=public_url,
        )
        row = outbox.write(session, mail, now=now, authority=authority)
        if row is not None:
            queued.append(row)
    session.commit()
    return queued
