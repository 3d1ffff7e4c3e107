"""Notifications: the views queue a mail in the outbox after an act succeeded; `send-mail`
delivers the outbox over SMTP (or writes it to the log when no MAIL_SERVER is configured).

Every mail is Vietnamese first, English after. No Flask here: callers pass the session and settings.
"""

import logging
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from brandname.rules import dates
from brandname.store.models import Account, Brandname, Outbox

log = logging.getLogger(__name__)

REMINDER_DAYS = (60, 30, 7)
MAX_ATTEMPTS = 5
SIGNATURE = (
    "\n\n--\nHệ thống quản lý tên định danh — Cục An toàn thông tin\n"
    "Sender-name registry — Authority of Information Security\n"
)


def _t(moment):
    return (
        dates.local_date(moment).strftime("%d/%m/%Y")
        + " "
        + moment.replace(tzinfo=dates.timezone.utc).astimezone(dates.VN_TZ).strftime("%H:%M")
    )


def _recipient(session, application):
    if application.account_id:
        account = session.get(Account, application.account_id)
        if account is not None:
            return account.email
    return (application.applicant or {}).get("email") or application.holder.email


def queue(session, *, to, subject, body, key=None, now=None):
    """Add one mail to the outbox and commit. A `key` already queued is not queued again."""
    if not to:
        return None
    if key and session.scalar(select(Outbox.id).where(Outbox.key == key)):
        return None
    mail = Outbox(
        key=key, to=to, subject=subject, body=body + SIGNATURE, created_at=now or dates.utcnow(), attempts=0
    )
    session.add(mail)
    try:
        session.commit()
    except SQLAlchemyError:
        # The act itself is already committed; a lost notification is logged, never a 500.
        session.rollback()
        log.exception("could not queue mail %r to %s", subject, to)
        return None
    return mail


def _names(application):
    return ", ".join(rn.name for rn in application.names)


def application_received(session, application, *, public_url=""):
    received = _t(application.received_at)
    due = _t(application.decision_due_at)
    return queue(
        session,
        to=_recipient(session, application),
        now=application.received_at,
        key=f"received:{application.id}",
        subject=f"Xác nhận tiếp nhận hồ sơ số {application.id} / Application {application.id} received",
        body=(
            f"Cục An toàn thông tin đã tiếp nhận hồ sơ số {application.id} ({_names(application)}) "
            f"lúc {received} (giờ Hà Nội).\nHạn trả lời: {due}.\n"
            f"Theo dõi hồ sơ: {public_url}/applicant/applications/{application.id}\n\n"
            f"Your application {application.id} ({_names(application)}) was received at {received} "
            f"(Hanoi time). A decision is due by {due}."
        ),
    )


def application_decided(session, application, *, public_url=""):
    link = f"{public_url}/applicant/applications/{application.id}"
    if application.status == "approved":
        approved = ", ".join(rn.name for rn in application.names if rn.status == "approved")
        refused = [f"{rn.name}: {rn.rejection_reason}" for rn in application.names if rn.status == "rejected"]
        fee = f"{application.fee_vnd:,}".replace(",", ".")
        due = _t(application.payment_due_at)
        body = (
            f"Hồ sơ số {application.id} đã được chấp thuận cho: {approved}.\n"
            + (("Không chấp thuận: " + "; ".join(refused) + "\n") if refused else "")
            + f"Lệ phí: {fee} đồng, nộp trước {due}, sau đó ghi mã giao dịch tại {link}\n\n"
            f"Application {application.id} was approved for: {approved}. "
            f"Fee: {fee} VND, due by {due}; record the payment reference at {link}"
        )
        subject = f"Hồ sơ số {application.id} được chấp thuận / Application {application.id} approved"
    else:
        body = (
            f"Hồ sơ số {application.id} không được chấp thuận.\nLý do: {application.reasons}\n"
            f"Bạn có thể sửa và nộp lại hồ sơ tại {link}\n\n"
            f"Application {application.id} was refused. Reasons (in Vietnamese): {application.reasons}\n"
            f"You may amend and resubmit it at {link}"
        )
        subject = f"Hồ sơ số {application.id} bị từ chối / Application {application.id} refused"
    return queue(
        session,
        to=_recipient(session, application),
        subject=subject,
        body=body,
        key=f"decided:{application.id}:{application.status}",
    )


def certificate_issued(session, application, certificates, *, public_url=""):
    lines_vi = [
        f"- {c.brandname.name}: Giấy chứng nhận số {c.serial}, hiệu lực đến "
        f"{c.valid_until:%d/%m/%Y}; kiểm tra tại {public_url}/verify/{c.serial}"
        for c in certificates
    ]
    lines_en = [
        f"- {c.brandname.name}: certificate {c.serial}, valid until {c.valid_until.isoformat()}"
        for c in certificates
    ]
    return queue(
        session,
        to=_recipient(session, application),
        key=f"issued:{application.id}",
        subject=f"Cấp Giấy chứng nhận tên định danh / Certificate issued ({application.id})",
        body=(
            f"Lệ phí của hồ sơ số {application.id} đã được xác nhận. Giấy chứng nhận đã được cấp:\n"
            + "\n".join(lines_vi)
            + f"\nTải giấy chứng nhận (PDF có chữ ký số) tại {public_url}/applicant/names\n\n"
            f"The fee of application {application.id} was confirmed; certificates issued:\n"
            + "\n".join(lines_en)
        ),
    )


def revoked(session, brandname, *, public_url=""):
    holder = brandname.holder
    account = session.scalars(
        select(Account).where(Account.holder_id == holder.id).order_by(Account.id)
    ).first()
    to = account.email if account else holder.email
    return queue(
        session,
        to=to,
        key=f"revoked:{brandname.id}:{brandname.revoked_at.isoformat()}",
        subject=f"Thu hồi tên định danh {brandname.name} / Sender name {brandname.name} revoked",
        body=(
            f"Tên định danh {brandname.name} đã bị thu hồi ngày {_t(brandname.revoked_at)} "
            f"(căn cứ: {brandname.revocation_ground}). Thông báo công khai: {public_url}/revocations\n\n"
            f"The sender name {brandname.name} was revoked on {brandname.revoked_at:%Y-%m-%d} "
            f"(ground: {brandname.revocation_ground})."
        ),
    )


def send_reminders(session, *, today=None, public_url=""):
    """Queue an expiry reminder 60, 30 and 7 days before expiry; each once per term.

    A name that enters a window between two runs gets the reminder of the closest window only.
    """
    today = today or dates.local_today()
    horizon = today + timedelta(days=max(REMINDER_DAYS))
    queued = []
    for bn in session.scalars(
        select(Brandname)
        .where(Brandname.status == "active", Brandname.valid_until >= today, Brandname.valid_until <= horizon)
        .order_by(Brandname.valid_until, Brandname.id)
    ):
        left = (bn.valid_until - today).days
        window = min(d for d in REMINDER_DAYS if left <= d)
        key = f"reminder:{bn.id}:{bn.valid_until.isoformat()}:{window}"
        account = session.scalars(
            select(Account).where(Account.holder_id == bn.holder_id).order_by(Account.id)
        ).first()
        to = account.email if account else bn.holder.email
        mail = queue(
            session,
            to=to,
            key=key,
            subject=f"Tên định danh {bn.name} hết hạn ngày {bn.valid_until:%d/%m/%Y} / "
            f"{bn.name} expires on {bn.valid_until.isoformat()}",
            body=(
                f"Tên định danh {bn.name} hết hạn ngày {bn.valid_until:%d/%m/%Y} (còn {left} ngày). "
                f"Hồ sơ gia hạn cần nộp chậm nhất 15 ngày trước ngày hết hạn: {public_url}/applicant/names\n\n"
                f"The sender name {bn.name} expires on {bn.valid_until.isoformat()} ({left} days left). "
                "File the renewal at least 15 days before expiry."
            ),
        )
        if mail is not None:
            queued.append(mail)
    return queued


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
