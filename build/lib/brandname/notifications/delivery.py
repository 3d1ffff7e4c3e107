"""Delivery: send the outbox over SMTP, or write each mail to the log when no server is configured.

A mail that fails is retried on the next run, up to MAX_ATTEMPTS. No Flask here.
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
):
    """Send queued mails; return (sent, failed). Without a server, each mail is logged instead."""
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
            try:
                if smtp is None:
                    log.info(
                        "mail (no MAIL_SERVER set) to=%s subject=%s\n%s", mail.to, mail.subject, mail.body
                    )
                else:
                    smtp.send_message(msg)
                mail.sent_at, mail.last_error = now or dates.utcnow(), None
                sent += 1
            except (OSError, smtplib.SMTPException) as exc:
                mail.last_error = str(exc)[:1000]
                failed += 1
            session.commit()
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
    return sent, failed
