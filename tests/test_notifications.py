"""Notifications: the outbox rows the portals queue, reminders, and delivery through a real SMTP
server on loopback (aiosmtpd), whose received mails the tests read."""

import email
import email.policy
import logging
import socket
from datetime import date

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from brandname import notifications
from brandname.notifications.messages import Mail
from brandname.store.models import Outbox

from .conftest import person_applicant


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield sink, controller.port
    finally:
        controller.stop()


def deliver(session, port, **kw):
    from brandname.certificates.documents import mail_attachment

    kw.setdefault("load_attachment", mail_attachment)
    return notifications.deliver(session, server="127.0.0.1", port=port, sender="no-reply@cuc.test", **kw)


def test_receipt_decision_and_certificate_mails_delivered(portal, session, smtp):
    sink, port = smtp
    response = portal.apply(portal.a, "MAILNAME")
    app_id = portal.application_id(response)
    assert deliver(session, port) == (1, 0)
    rcpt, receipt = sink.messages[0]
    assert rcpt == ["a@anhduong.vn"] and receipt["From"] == "no-reply@cuc.test"
    assert f"hồ sơ số {app_id}" in receipt["Subject"]
    body = receipt.get_content()
    assert "đã tiếp nhận hồ sơ" in body and "MAILNAME" in body and "Hạn trả lời" in body
    assert body.index("Cục An toàn thông tin đã tiếp nhận") < body.index("was received")  # Vietnamese first
    portal.officer.post(f"/officer/applications/{app_id}/approve")
    portal.a.post(f"/applicant/applications/{app_id}/payment", data={"reference": "FT1"})
    from brandname.store.models import Payment

    payment = session.scalars(select(Payment)).one()
    portal.officer.post(f"/officer/payments/{payment.id}/confirm")
    assert deliver(session, port) == (2, 0)
    subjects = [m["Subject"] for _, m in sink.messages]
    assert "được chấp thuận" in subjects[1] and "200.000 đồng" in sink.messages[1][1].get_content()
    issued = sink.messages[2][1].get_body(preferencelist=("plain",)).get_content()
    assert "BN-" in issued and "/verify/BN-" in issued
    assert deliver(session, port) == (0, 0)  # nothing is sent twice
    assert all(m.sent_at is not None and m.attempts == 1 for m in session.scalars(select(Outbox)))


def test_rejection_mail_carries_reasons(portal, session, smtp):
    sink, port = smtp
    app_id = portal.application_id(portal.apply(portal.b, "BREJECT", applicant=person_applicant()))
    portal.officer.post(f"/officer/applications/{app_id}/reject", data={"reasons": "Ảnh CCCD bị mờ"})
    deliver(session, port)
    rcpts = [r for r, _ in sink.messages]
    assert rcpts == [["b@example.vn"], ["b@example.vn"]]
    assert "Ảnh CCCD bị mờ" in sink.messages[1][1].get_content()


def test_expiry_reminders_60_30_7_each_once(session, registry_helper, smtp):
    sink, port = smtp
    registry_helper.issue("REMINDME")  # valid 2026-03-02 .. 2029-03-01
    assert deliver(session, port) == (3, 0)  # the acts' own mails: received, approved, issued
    sink.messages.clear()
    assert notifications.send_reminders(session, today=date(2028, 12, 1)) == []  # 90 days left
    first = notifications.send_reminders(session, today=date(2028, 12, 31))  # 60 days left
    assert len(first) == 1 and first[0].key.endswith(":60")
    assert notifications.send_reminders(session, today=date(2029, 1, 2)) == []  # already told
    second = notifications.send_reminders(session, today=date(2029, 1, 31))  # 29 days left
    assert len(second) == 1 and second[0].key.endswith(":30")
    third = notifications.send_reminders(session, today=date(2029, 2, 26))  # 3 days left
    assert len(third) == 1 and third[0].key.endswith(":7")
    assert notifications.send_reminders(session, today=date(2029, 2, 28)) == []
    assert deliver(session, port) == (3, 0)
    assert all("REMINDME" in m["Subject"] and "01/03/2029" in m["Subject"] for _, m in sink.messages)
    assert sink.messages[0][0] == ["lienhe@anhduong.vn"]  # the holder has no account: Form 01 email


def test_a_name_found_late_gets_only_the_closest_reminder(session, registry_helper):
    registry_helper.issue("LATEFIND")
    queued = notifications.send_reminders(session, today=date(2029, 2, 25))  # 4 days left
    assert [m.key.rsplit(":", 1)[1] for m in queued] == ["7"]


def test_cli_send_reminders_and_send_mail(app, session, registry_helper, smtp):
    sink, port = smtp
    registry_helper.issue("CLINAME")
    assert notifications.deliver(session, server=None) == (3, 0)  # the acts' own mails, to the log
    runner = app.test_cli_runner()
    result = runner.invoke(args=["brandname", "send-reminders", "--today", "2029-02-20"])
    assert result.exit_code == 0 and "reminders queued: 1" in result.output
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="registry@cuc.test")
    result = runner.invoke(args=["brandname", "send-mail"])
    assert result.exit_code == 0 and "sent: 1" in result.output, result.output
    assert sink.messages[0][1]["From"] == "registry@cuc.test"


def queue(session, **fields):
    row = notifications.write(session, Mail(**fields))
    session.commit()
    return row


def test_without_mail_server_mails_are_logged(session, caplog):
    queue(session, to="x@example.vn", subject="Thử / Test", body="Nội dung thử")
    with caplog.at_level(logging.INFO, logger="brandname.notifications"):
        assert notifications.deliver(session, server=None) == (1, 0)
    assert "x@example.vn" in caplog.text and "Nội dung thử" in caplog.text
    assert session.scalars(select(Outbox)).one().sent_at is not None


def test_unreachable_server_keeps_mail_for_retry(session):
    queue(session, to="x@example.vn", subject="Retry", body="...")
    sent, failed = notifications.deliver(session, server="127.0.0.1", port=free_port())
    assert (sent, failed) == (0, 1)
    mail = session.scalars(select(Outbox)).one()
    assert mail.sent_at is None and mail.attempts == 1 and mail.last_error.startswith("connect:")
    for _ in range(notifications.MAX_ATTEMPTS):
        notifications.deliver(session, server="127.0.0.1", port=free_port())
    session.refresh(mail)
    assert mail.attempts == notifications.MAX_ATTEMPTS  # gives up after the maximum


def test_mail_key_is_idempotent(session):
    assert queue(session, to="x@example.vn", subject="s", body="b", key="k1") is not None
    assert queue(session, to="x@example.vn", subject="s", body="b", key="k1") is None
    assert len(session.scalars(select(Outbox)).all()) == 1


def test_mail_signature_and_portal_name_the_configured_authority(app, client):
    from brandname.notifications import messages

    body = messages.signature(("Cục Kiểm thử, Bộ Công an", "Test Authority, Ministry of Public Security"))
    assert "Cục Kiểm thử" in body and "Test Authority" in body and "An toàn thông tin" not in body
    app.config["AUTHORITY_NAME"] = "Cục Kiểm thử, Bộ Công an"
    app.extensions.pop("brandname_rules", None)
    html = client.get("/").get_data(as_text=True)
    assert "Cục Kiểm thử" in html and "Cục An toàn thông tin" not in html


def test_expiry_sends_the_ground_c_notice(session, registry_helper, smtp):
    """Expiry is revocation on ground c: the holder is told in words, with the effective date."""
    from datetime import datetime

    from brandname import lifecycle

    sink, port = smtp
    registry_helper.issue("HETHAN")  # valid through 01/03/2029
    deliver(session, port)
    sink.messages.clear()
    lifecycle.expire(session, today=date(2029, 3, 3), now=datetime(2029, 3, 3, 1))
    assert deliver(session, port) == (1, 0)
    rcpt, message = sink.messages[0]
    body = message.get_content()
    assert rcpt == ["lienhe@anhduong.vn"] and "HETHAN" in message["Subject"]
    assert (
        "Căn cứ: điểm c khoản 1 Điều 29 Nghị định số 91/2020/NĐ-CP: tên định danh hết hạn sử dụng và chưa được gia hạn."
        in body
    )
    assert "Ngày có hiệu lực: 02/03/2029" in body and "Effective date: 02/03/2029" in body
    assert "point c, clause 1, Article 29" in body and "expired" not in body.replace("has expired", "")
    lifecycle.expire(session, today=date(2029, 3, 4))
    assert deliver(session, port) == (0, 0)  # told once


def test_revocation_notice_states_the_ground_the_agency_and_the_date(
    session, registry_helper, smtp, officer, supervisor
):
    from datetime import datetime

    from brandname import lifecycle

    sink, port = smtp
    mine, theirs = registry_helper.issue("BOCONGAN", "TUBO").brandnames
    deliver(session, port)
    sink.messages.clear()
    proposal = lifecycle.propose_revocation(
        session,
        mine.id,
        actor=officer,
        ground="authority_request",
        evidence={
            "agency": "Cục A05, Bộ Công an",
            "request_number": "7/CV-A05",
            "request_date": "05/04/2026",
        },
    )
    lifecycle.confirm_revocation(session, proposal.id, actor=supervisor, now=datetime(2026, 4, 9, 20))
    lifecycle.give_up(session, theirs.id, actor=officer, now=datetime(2026, 4, 10, 3))
    assert deliver(session, port) == (2, 0)
    agency, holder = (m.get_content() for _, m in sink.messages)
    assert (
        "điểm đ khoản 1 Điều 29 Nghị định số 91/2020/NĐ-CP: theo yêu cầu của cơ quan nhà nước có thẩm quyền"
        in agency
    )
    assert "Cục A05, Bộ Công an, số 7/CV-A05 ngày 05/04/2026" in agency
    assert "Ngày có hiệu lực: 10/04/2026" in agency  # 20:00 UTC is the next day in Hanoi
    assert "point dd, clause 1, Article 29" in agency and "No. 7/CV-A05 of 05/04/2026" in agency
    assert "điểm d khoản 1 Điều 29" in holder and "Ngày có hiệu lực: 10/04/2026" in holder
    assert "cơ quan nhà nước có thẩm quyền:" not in holder
    for body in (agency, holder):
        assert "authority_request" not in body and "holder_request" not in body


def test_issue_reissue_and_renewal_mails_carry_the_signed_certificate(session, registry_helper, keys, smtp):
    """Art. 26(2)(a): the certificate is sent; the PDF attached is the registry's signed document
    of that very certificate, and the download link stays."""
    from datetime import datetime

    from brandname.certificates import verification
    from brandname.certificates.documents import certificate_pdf_path
    from brandname.store.models import Certificate

    sink, port = smtp
    registry_helper.issue("GUIKEM", "GUIKEM2")
    registry_helper.followup("reissue", "GUIKEM", now=datetime(2027, 5, 4, 3), reissue_reason="lost")
    registry_helper.followup("renewal", "GUIKEM", now=datetime(2028, 12, 20, 3))
    assert deliver(session, port) == (9, 0)  # received, approved, issued: for each of the three acts
    certificate_mails = [m for _, m in sink.messages if "Certificate issued" in m["Subject"]]
    assert len(certificate_mails) == 3
    serials = []
    for message in certificate_mails:
        body = message.get_body(preferencelist=("plain",)).get_content()
        assert "gửi kèm thư này" in body and "/applicant/names" in body and "/verify/BN-" in body
        attached = list(message.iter_attachments())
        assert attached and all(a.get_content_type() == "application/pdf" for a in attached)
        for part in attached:
            data = part.get_content()
            verdict = verification.verify_pdf(session, keys, data)
            assert verdict["genuine"], verdict
            assert part.get_filename() == f"{verdict['serial']}.pdf"
            certificate = session.scalars(
                select(Certificate).where(Certificate.serial == verdict["serial"])
            ).one()
            assert data == certificate_pdf_path(certificate).read_bytes()
            serials.append(certificate.serial)
    kinds = [session.scalars(select(Certificate).where(Certificate.serial == s)).one().kind for s in serials]
    assert sorted(kinds) == ["issue", "issue", "reissue", "renewal"]
    row = session.scalars(select(Outbox).where(Outbox.key.like("issued:%")).order_by(Outbox.id)).first()
    assert [a["kind"] for a in row.attachments] == ["certificate", "certificate"]
    assert {a["serial"] for a in row.attachments} <= set(serials) and len(row.body) < 5000  # references only


def test_a_certificate_mail_is_never_sent_without_its_pdf(session, registry_helper, smtp):
    sink, port = smtp
    registry_helper.issue("KHONGPDF")
    assert deliver(session, port, load_attachment=None) == (2, 1)
    mail = session.scalars(select(Outbox).where(Outbox.key.like("issued:%"))).one()
    assert mail.sent_at is None and "attachment" in mail.last_error
    assert len(sink.messages) == 2
    assert deliver(session, port) == (1, 0)
    assert sink.messages[-1][1].get_payload()[1].get_filename().endswith(".pdf")
