"""The transactional outbox: an act's mails are derived from its events and written in the act's
own transaction, so a mail exists if and only if its act committed.

`lifecycle`'s act wrapper calls `write_for_events` just before it commits. Each mail row carries
the sequence number of the event it announces and a key that makes it unique, so a mail is never
written twice for one fact. No Flask here.
"""

import re

from sqlalchemy import select

from brandname.notifications import messages
from brandname.rules import dates
from brandname.store.models import (
    Account,
    Application,
    Brandname,
    Certificate,
    ChargeInvoice,
    Claim,
    Notification,
    Outbox,
    Payment,
    ReportRequest,
)

ISSUING_ACTS = ("issue", "reissue", "renewal")


def write(
    session,
    mail,
    *,
    event_seq=None,
    now=None,
    authority=messages.DEFAULT_AUTHORITY,
    application_id=None,
    brandname_id=None,
):
    """Add one mail to the outbox of the current transaction; never commits. When the address
    is an account's, the same mail becomes one of its notifications in the portal, linked to
    `application_id` or `brandname_id`.

    Returns the row, or None when there is no address or a mail with the same key exists."""
    if not mail.to:
        return None
    if mail.key and session.scalar(select(Outbox.id).where(Outbox.key == mail.key)):
        return None
    row = Outbox(
        key=mail.key,
        to=mail.to,
        subject=mail.subject,
        body=mail.body + messages.signature(authority),
        created_at=now or dates.utcnow(),
        attempts=0,
        event_seq=event_seq,
        attachments=[dict(a) for a in mail.attachments] or None,
    )
    session.add(row)
    session.flush()
    notify(session, row, mail, application_id=application_id, brandname_id=brandname_id)
    return row


# a link carrying a one-time secret (a reset or verification token, a claim code): it works from
# the mailbox only, so whoever sees a signed-in screen cannot take it from the portal's copy
_SECRET_LINK = re.compile(r"https?://\S*?[A-Za-z0-9_-]{20,}\S*")
# the mails whose whole text is about a secret: the portal shows the subject only
SECRET_KINDS = ("password-reset", "verify-email", "email-verification", "claim-code", "invite")
LINK_KEPT_IN_MAIL = "(liên kết trong thư điện tử / the link is in the mail)"


def notify(session, row, mail, *, application_id=None, brandname_id=None):
    """The in-portal copy of an outbox mail for the account it is addressed to (none when the
    address is no account's). Returns the Notification or None."""
    account_id = session.scalar(select(Account.id).where(Account.email == row.to.strip().lower()))
    if account_id is None:
        return None
    kind = (mail.key or "mail").split(":", 1)[0][:40]
    body = "" if kind in SECRET_KINDS else _SECRET_LINK.sub(LINK_KEPT_IN_MAIL, mail.body)
    notification = Notification(
        account_id=account_id,
        outbox_id=row.id,
        kind=kind,
        subject=row.subject[:300],
        body=body,
        application_id=application_id,
        brandname_id=brandname_id,
        created_at=row.created_at,
    )
    session.add(notification)
    session.flush()
    return notification


def _links(session, event):
    """(application id, brandname id) a mail announcing `event` is about."""
    brandname_id = None
    if event.subject_type == "brandname":
        brandname_id = event.subject_id
    elif event.subject_type == "charge_invoice" or event.act == "raise_charge":
        invoice = session.get(ChargeInvoice, event.subject_id)
        brandname_id = invoice.brandname_id if invoice else None
    return event.application_id, brandname_id


def _mails_for_event(session, event, public_url, authority):
    """(mail, event) pairs one event announces; certificates are grouped per application later."""
    if event.act == "submit":
        application = session.get(Application, event.application_id)
        yield messages.application_received(session, application, public_url=public_url, authority=authority)
    elif event.act in ("approve", "reject") or (
        event.act == "auto_reject" and event.details.get("application_rejected")
    ):
        application = session.get(Application, event.application_id)
        yield messages.application_decided(session, application, public_url=public_url)
    elif event.act == "request_documents":
        application = session.get(Application, event.application_id)
        yield messages.documents_requested(session, application, event, public_url=public_url)
    elif event.act == "refuse_payment":
        yield messages.payment_refused(session, session.get(Payment, event.subject_id), public_url=public_url)
    elif event.act == "signup_attempt":
        account = session.get(Account, event.subject_id)
        yield messages.signup_attempted(account, event, public_url=public_url)
    elif event.act == "revoke":
        brandname = session.get(Brandname, event.subject_id)
        yield messages.revoked(session, brandname, public_url=public_url)
    elif event.act == "raise_charge":
        yield messages.charge_raised(
            session, session.get(ChargeInvoice, event.subject_id), public_url=public_url
        )
    elif event.act == "request_report" and event.details.get("filer") == "holder":
        request = session.get(ReportRequest, event.subject_id)
        yield messages.report_requested(session, request, public_url=public_url)
    elif event.act == "expire":
        brandname = session.get(Brandname, event.subject_id)
        yield messages.expired(session, brandname, public_url=public_url)
    elif event.act in ("grant_claim", "reject_claim"):
        yield messages.claim_decided(session, session.get(Claim, event.subject_id), public_url=public_url)


def write_for_events(session, events, *, public_url="", authority=messages.DEFAULT_AUTHORITY):
    """Write the mails that `events`, all of one act, announce. Returns the rows written."""
    written = []
    issued = {}  # application id -> (first event, certificates), one mail per application
    for event in events:
        if event.act in ISSUING_ACTS and event.subject_type == "certificate":
            first, certificates = issued.setdefault(event.application_id, (event, []))
            certificates.append(session.get(Certificate, event.subject_id))
            continue
        application_id, brandname_id = _links(session, event)
        for mail in _mails_for_event(session, event, public_url, authority):
            written.append(
                write(
                    session,
                    mail,
                    event_seq=event.seq,
                    now=event.at,
                    authority=authority,
                    application_id=application_id,
                    brandname_id=brandname_id,
                )
            )
    for application_id, (first, certificates) in issued.items():
        application = session.get(Application, application_id)
        mail = messages.certificate_issued(session, application, certificates, public_url=public_url)
        written.append(
            write(
                session,
                mail,
                event_seq=first.seq,
                now=first.at,
                authority=authority,
                application_id=application_id,
            )
        )
    return [row for row in written if row is not None]
