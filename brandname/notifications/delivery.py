"""Delivery: send the outbox over SMTP, or write each mail to the log when no server is configured.

A mail that fails is retried on the next run, up to MAX_ATTEMPTS. An outbox row lists its
attachments by reference; `load_attachment(session, reference)` (given by the caller, which knows
where the files live: the signed certificate PDFs) returns `(filename, "type/subtype", bytes)` and
each becomes a MIME part of the message. A mail whose attachment cannot be loaded is not sent
without it: it fails and is retried. No Flask here.
"""

import logging
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import select

from brandname.rules import dates
from brandname.store.models import Outbox

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


def deliver(
    session,
    *,
    server=None,
    port=25,
    sender="no-reply@localhost",
    username=None,
    password=None,
    starttls=False,
    limit=100,
    now=None,
    load_attachment=None,
):
    """Send queued mails; return (sent, failed). Without a server, each mail is logged instead
    (its attachments by reference)."""
    pending = session.scalars(
        select(Outbox)
        .where(Outbox.sent_at.is_(None), Outbox.attempts < MAX_ATTEMPTS)
        .order_by(Outbox.id)
        .limit(limit)
    ).all()
    if not pending:
        return 0, 0
    sent = failed = 0
    smtp = None
    try:
        if server:
            smtp = smtplib.SMTP(server, int(port), timeout=30)
            if starttls:
                smtp.starttls()
            if username:
                smtp.login(username, password or "")
    except (OSError, smtplib.SMTPException) as exc:
        for mail in pending:
            mail.attempts += 1
            mail.last_error = f"connect: {exc}"[:1000]
        session.commit()
        return 0, len(pending)
    try:
        for mail in pending:
            msg = EmailMessage()
            msg["From"], msg["To"], msg["Subject"] = sender, mail.to, mail.subject
            msg["Date"] = formatdate(localtime=False)
            msg["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1] or None)
            msg.set_content(mail.body)
            mail.attempts += 1
            if _send_one(session, smtp, msg, mail, load_attachment):
                mail.sent_at, mail.last_error = now or dates.utcnow(), None
                sent += 1
            else:
                failed += 1
            session.commit()
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
    return sent, failed


def _send_one(session, smtp, msg, mail, load_attachment):
    """Send (or log) one mail; False with the error kept on the row when it could not go."""
    if smtp is None:
        log.info(
            "mail (no MAIL_SERVER set) to=%s subject=%s attachments=%s\n%s",
            mail.to,
            mail.subject,
            mail.attachments or [],
            mail.body,
        )
        return True
    if not _attach(session, msg, mail, load_attachment):
        return False
    try:
        smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        mail.last_error = str(exc)[:1000]
        return False
    return True


def _attach(session, msg, mail, load_attachment):
    """Add the mail's attachments to `msg`; False (the error kept on the row) when one is missing."""
    for reference in mail.attachments or []:
        if load_attachment is None:
            mail.last_error = f"attachment {reference}: no attachment loader given"
            return False
        try:
            filename, content_type, data = load_attachment(session, reference)
        except Exception as exc:  # noqa: BLE001 - any failure to produce the file keeps the mail for retry
            mail.last_error = f"attachment {reference}: {exc}"[:1000]
            return False
        maintype, subtype = content_type.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return True
