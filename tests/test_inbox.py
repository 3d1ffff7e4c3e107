"""Notifications inside the portal: every mail an account receives is also in its list, read or
unread, linked to its application or name; the mails themselves stay."""

import re
from datetime import date

from sqlalchemy import select

from brandname import lifecycle, notifications
from brandname.lifecycle import accounts
from brandname.notifications import outbox
from brandname.notifications.messages import Mail
from brandname.store.models import Account, Application, Notification, Outbox

from .conftest import NOW


def notes(session, account):
    return session.scalars(
        select(Notification).where(Notification.account_id == account.id).order_by(Notification.id)
    ).all()


def assert_every_mail_to_an_account_is_a_notification(session):
    """The list and the mailbox agree: each mail addressed to an account has its notification."""
    emails = {a.email: a.id for a in session.scalars(select(Account))}
    for mail in session.scalars(select(Outbox)):
        if mail.to in emails:
            found = session.scalars(select(Notification).where(Notification.outbox_id == mail.id)).one()
            assert found.account_id == emails[mail.to] and found.subject == mail.subject


def test_receipt_decision_issue_and_reminders_reach_the_account_list(portal, session, registry_helper):
    response = portal.apply(portal.a, "ANHDUONG")
    application_id = portal.application_id(response)
    application = session.get(Application, application_id)
    registry_helper.approve(application)
    registry_helper.pay_and_issue(application)
    kinds = [n.kind for n in notes(session, portal.account_a)]
    assert kinds[-3:] == ["received", "decided", "issued"]
    assert all(n.application_id == application_id for n in notes(session, portal.account_a)[-3:])
    queued = notifications.send_reminders(session, today=date(2028, 12, 31))  # 60 days before expiry
    assert len(queued) == 1
    reminder = notes(session, portal.account_a)[-1]
    assert reminder.kind == "reminder" and reminder.brandname_id == application.names[0].brandname_id
    assert reminder.read_at is None and "ANHDUONG" in reminder.subject
    assert_every_mail_to_an_account_is_a_notification(session)
    # the mails stay: each notification has its outbox row (the fixture cleared the welcome mails)
    assert all(n.outbox_id for n in notes(session, portal.account_a) if n.kind != "account-created")


def test_a_mail_to_an_address_with_no_account_makes_no_notification(session, registry_helper):
    registry_helper.submit("NOACCOUNT")  # filed by an officer; the applicant has no account
    assert session.scalars(select(Outbox)).all()
    assert session.scalars(select(Notification)).all() == []


def test_a_mail_any_act_writes_becomes_a_notification_with_its_links(portal, session):
    # a mail added later (a request for documents, say) is covered by the outbox hook itself
    row = outbox.write(
        session,
        Mail(to="a@anhduong.vn", subject="Yêu cầu bổ sung / More documents", body="x", key="k:1"),
        application_id=None,
    )
    session.commit()
    (note,) = [n for n in notes(session, portal.account_a) if n.outbox_id == row.id]
    assert note.kind == "k" and note.subject == "Yêu cầu bổ sung / More documents"


def test_a_one_time_link_stays_in_the_mail(portal, session):
    accounts.request_password_reset(session, "a@anhduong.vn", public_url="https://tdd.example.vn")
    note = notes(session, portal.account_a)[-1]
    mail = session.get(Outbox, note.outbox_id)
    assert "/applicant/reset/" in mail.body
    assert note.kind == "password-reset" and note.body == ""
    # any other mail keeps its text, with a token-bearing link taken out
    row = outbox.write(
        session,
        Mail(
            to="a@anhduong.vn",
            subject="S",
            body="Mở https://tdd.example.vn/claim/AbCdEfGhIjKlMnOpQrStUvWxYz012345 trong 1 giờ; "
            "hồ sơ: https://tdd.example.vn/applicant/applications/7",
            key="other:1",
        ),
    )
    session.commit()
    kept = session.scalars(select(Notification).where(Notification.outbox_id == row.id)).one()
    assert "AbCdEfGhIjKlMnOpQrStUvWxYz012345" not in kept.body
    assert outbox.LINK_KEPT_IN_MAIL in kept.body and "/applicant/applications/7" in kept.body


def test_the_list_shows_unread_and_read_and_the_header_counts_unread(portal, session, registry_helper):
    first = portal.application_id(portal.apply(portal.a, "ANHDUONG"))
    second = portal.application_id(portal.apply(portal.a, "BINHMINH"))

    registry_helper.approve(session.get(Application, first))
    unread = [n for n in notes(session, portal.account_a) if n.read_at is None]
    assert sorted(n.kind for n in unread) == ["account-created", "decided", "received", "received"]
    page = portal.a.get("/applicant/notifications").data.decode()
    assert re.search(r'id="unread-count"[^>]*>4<', page)
    assert page.count('class="inbox-item unread"') == 4
    # one marked read
    decided = next(n for n in unread if n.kind == "decided")
    assert portal.a.post("/applicant/notifications/read", data={"id": str(decided.id)}).status_code == 302
    page = portal.a.get("/applicant/notifications").data.decode()
    assert re.search(r'id="unread-count"[^>]*>3<', page) and page.count('class="inbox-item read"') == 1
    assert page.count('class="inbox-item unread"') == 3
    only_unread = portal.a.get("/applicant/notifications?show=unread").data.decode()
    assert f'id="n-{decided.id}"' not in only_unread and only_unread.count("inbox-item unread") == 3
    # opening one marks it read and goes to its application
    receipt = next(n for n in unread if n.kind == "received" and n.application_id == second)
    opened = portal.a.get(f"/applicant/notifications/{receipt.id}")
    assert opened.headers["Location"].endswith(f"/applicant/applications/{second}")
    session.expire_all()
    assert session.get(Notification, receipt.id).read_at is not None
    # all at once
    portal.a.post("/applicant/notifications/read", data={"all": "1"})
    page = portal.a.get("/applicant/notifications").data.decode()
    assert 'id="unread-count"' not in page and "inbox-item unread" not in page


def test_another_accounts_notifications_are_out_of_reach(portal, session):
    portal.apply(portal.a, "ANHDUONG")
    note = notes(session, portal.account_a)[-1]
    assert portal.b.get(f"/applicant/notifications/{note.id}").status_code == 404
    portal.b.post("/applicant/notifications/read", data={"id": str(note.id)})
    session.expire_all()
    assert session.get(Notification, note.id).read_at is None
    assert f'id="n-{note.id}"' not in portal.b.get("/applicant/notifications").data.decode()
    assert portal.anon.get("/applicant/notifications").status_code == 302  # to the sign-in page
    assert portal.officer.get("/applicant/notifications").status_code == 403


def test_marking_read_records_no_event(portal, session):
    from brandname.store.models import Event

    portal.apply(portal.a, "ANHDUONG")
    before = session.scalars(select(Event.seq)).all()
    assert lifecycle.mark_notifications_read(session, portal.account_a.id, now=NOW) >= 1
    assert session.scalars(select(Event.seq)).all() == before
