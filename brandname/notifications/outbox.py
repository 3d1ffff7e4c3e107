"""The transactional outbox: an act's mails are derived from its events and written in the act's
own transaction, so a mail exists if and only if its act committed.

`lifecycle`'s act wrapper calls `write_for_events` just before it commits. Each mail row carries
the sequence number of the event it announces and a key that makes it unique, so a mail is never
written twice for one fact. No Flask here.
"""

from sqlalchemy import select

from brandname.notifications import messages
from brandname.rules import dates
from brandname.store.models import (
    Account,
    Application,
    Brandname,
    Certificate,
    ChargeInvoice,
    Outbox,
    Payment,
)

ISSUING_ACTS = ("issue", "reissue", "renewal")


def write(session, mail, *, event_seq=None, now=None, authority=messages.DEFAULT_AUTHORITY):
    """Add one mail to the outbox of the current transaction; never commits.

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
    return row


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
    elif event.act == "expire":
        brandname = session.get(Brandname, event.subject_id)
        yield messages.expired(session, brandname, public_url=public_url)


def write_for_events(session, events, *, public_url="", authority=messages.DEFAULT_AUTHORITY):
    """Write the mails that `events`, all of one act, announce. Returns the rows written."""
    written = []
    issued = {}  # application id -> (first event, certificates), one mail per application
    for event in events:
        if event.act in ISSUING_ACTS and event.subject_type == "certificate":
            first, certificates = issued.setdefault(event.application_id, (event, []))
            certificates.append(session.get(Certificate, event.subject_id))
            continue
        for mail in _mails_for_event(session, event, public_url, authority):
            written.append(write(session, mail, event_seq=event.seq, now=event.at, authority=authority))
    for application_id, (first, certificates) in issued.items():
        application = session.get(Application, application_id)
        mail = messages.certificate_issued(session, application, certificates, public_url=public_url)
        written.append(write(session, mail, event_seq=first.seq, now=first.at, authority=authority))
    return [row for row in written if row is not None]
