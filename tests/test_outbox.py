"""The transactional outbox: an act's mails are written in the act's own transaction.

A mail exists if and only if its act committed: a refused act, a failure while writing the mail,
and a SIGKILL before the commit leave neither; a SIGKILL right after the commit leaves both.
"""

import signal
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from brandname import lifecycle
from brandname.errors import Forbidden
from brandname.notifications import outbox
from brandname.store.models import Application, Event, Outbox

from .conftest import NOW, org_applicant
from .test_crash import ready_to_issue, run_issue

MAIL_ACTS = ("submit", "approve", "reject", "issue", "reissue", "renewal", "revoke")


def mails(session):
    return session.scalars(select(Outbox).order_by(Outbox.id)).all()


def assert_mails_match_events(session):
    """Every mail names a committed event, and every event that announces something has its mail."""
    events = {e.seq: e for e in session.scalars(select(Event))}
    rows = mails(session)
    announced = {row.event_seq for row in rows if row.event_seq is not None}
    assert announced <= set(events), "a mail without its act"
    for event in events.values():
        needs_mail = event.act in MAIL_ACTS or (
            event.act == "auto_reject" and event.details.get("application_rejected")
        )
        if not needs_mail:
            continue
        if event.act in outbox.ISSUING_ACTS:
            # one mail per application lists all its certificates
            siblings = [
                e.seq
                for e in events.values()
                if e.act == event.act and e.application_id == event.application_id
            ]
            assert announced & set(siblings), f"an act without its mail: {event.act} #{event.seq}"
        else:
            assert event.seq in announced, f"an act without its mail: {event.act} #{event.seq}"


def test_each_act_writes_its_mail_with_its_event(session, registry_helper):
    application = registry_helper.submit("OUTBOXA", "OUTBOXB")
    (received,) = mails(session)
    submit_event = session.scalars(select(Event).where(Event.act == "submit")).one()
    assert received.key == f"received:{application.id}" and received.event_seq == submit_event.seq
    assert received.to == org_applicant()["email"] and "OUTBOXA, OUTBOXB" in received.body

    decided = registry_helper.approve(application)
    assert [m.key for m in decided.mails] == [f"decided:{application.id}:approved"]
    assert decided.events[0].act == "approve" and decided.mails[0].event_seq == decided.events[0].seq

    issued = registry_helper.pay_and_issue(application)
    assert len(issued.certificates) == 2 and len(issued.mails) == 1  # one mail lists both certificates
    body = issued.mails[0].body
    assert all(c.serial in body for c in issued.certificates)

    bn = issued.brandnames[0]
    lifecycle.give_up(session, bn.id, actor=registry_helper.officer, request_note="thôi", now=NOW)
    assert mails(session)[-1].key.startswith(f"revoked:{bn.id}:")
    assert_mails_match_events(session)


def test_approval_tells_the_applications_it_refused(session, registry_helper):
    first = registry_helper.submit("FIRSTCOME", applicant=org_applicant("0101111111"))
    later = registry_helper.submit(
        "firstcome", applicant=org_applicant("0102222222"), now=NOW + timedelta(minutes=5)
    )
    result = registry_helper.approve(first, now=NOW + timedelta(hours=1))
    assert [a.id for a in result.applications] == [first.id, later.id]
    assert session.get(Application, later.id).status == "rejected"
    keys = {m.key for m in result.mails}
    assert keys == {f"decided:{first.id}:approved", f"decided:{later.id}:rejected"}
    auto = session.scalars(select(Event).where(Event.act == "auto_reject")).one()
    assert next(m for m in result.mails if m.key.endswith("rejected")).event_seq == auto.seq
    assert_mails_match_events(session)


def test_a_refused_act_writes_no_mail(session, registry_helper):
    application = registry_helper.submit("NOMAIL")
    before = len(mails(session))
    stranger = lifecycle.Actor("applicant", "x@example.vn", holder_id=None)
    with pytest.raises(Forbidden):
        lifecycle.approve(session, application.id, actor=stranger)
    assert len(mails(session)) == before


def test_a_mail_that_cannot_be_written_undoes_the_act(session, registry_helper, monkeypatch):
    events_before = lifecycle.event_count(session)

    def broken(*args, **kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(outbox, "write_for_events", broken)
    with pytest.raises(RuntimeError):
        registry_helper.submit("UNDONE")
    assert lifecycle.event_count(session) == events_before
    assert session.scalar(select(func.count()).select_from(Application)) == 0
    assert mails(session) == []


@pytest.mark.parametrize("crash_at", ["before_commit", "after_certificate_insert"])
def test_kill_before_the_commit_leaves_neither_act_nor_mail(app, session, registry_helper, crash_at):
    app_id, pay_id = ready_to_issue(registry_helper, session, "KILLMAIL")
    before = [m.key for m in mails(session)]
    proc = run_issue(app, pay_id, crash_at)
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, proc.stderr)
    session.expire_all()
    session.rollback()
    assert session.get(Application, app_id).status == "approved"
    assert [m.key for m in mails(session)] == before
    assert_mails_match_events(session)


def test_kill_right_after_the_commit_leaves_act_and_mail(app, session, registry_helper):
    app_id, pay_id = ready_to_issue(registry_helper, session, "KILLLATE")
    proc = run_issue(app, pay_id, "after_commit")
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, proc.stderr)
    session.expire_all()
    session.rollback()
    assert session.get(Application, app_id).status == "issued"
    issued = session.scalars(select(Outbox).where(Outbox.key == f"issued:{app_id}")).one()
    event = session.scalars(select(Event).where(Event.act == "issue")).one()
    assert issued.event_seq == event.seq
    assert_mails_match_events(session)
