"""The applicant's own working state: Form 01 drafts and the read marks of its notifications.

A draft is not an application: no dossier code, no receipt, no deadline, and no officer sees it.
Saving and deleting one are acts with their events (the events name the draft only, never its
content). Reading a notification is no registry fact: its mark is kept without an event, so
the public log does not learn when anyone reads their mail.
"""

from sqlalchemy import select, update

from brandname.errors import NotFound
from brandname.lifecycle._kernel import DEFAULT_RULES, act, moment, record_event
from brandname.rules import dates, form01
from brandname.store.models import Draft, Notification


def own_draft(session, draft_id, actor, *, lock=False):
    """The draft of the actor's holder; anyone else's is NotFound, as if it did not exist."""
    stmt = select(Draft).where(Draft.id == draft_id)
    if lock:
        stmt = stmt.with_for_update()
    draft = session.scalars(stmt).first()
    if draft is None or actor.holder_id is None or draft.holder_id != actor.holder_id:
        raise NotFound(f"Không tìm thấy bản nháp {draft_id}.", f"No draft {draft_id}.")
    return draft


@act
def save_draft(
    session, *, actor, applicant, names, commitments=False, draft_id=None, now=None, rules=DEFAULT_RULES
):
    """Keep a Form 01 as typed, to finish later; checked for length only (form01.validate_draft).
    The kind and number of the applicant are the account holder's. Files are not kept."""
    now = moment(now)
    if actor.kind != "applicant" or actor.holder_id is None:
        raise NotFound(
            "Chỉ tài khoản người đăng ký lưu được bản nháp.", "Only an applicant account keeps drafts."
        )
    section, rows = form01.validate_draft(applicant, names, carriers=rules.carriers)
    form = {"applicant": section, "names": rows, "commitments": bool(commitments)}
    if draft_id is None:
        draft = Draft(
            holder_id=actor.holder_id, account_id=actor.id, form=form, created_at=now, updated_at=now
        )
        session.add(draft)
    else:
        draft = own_draft(session, draft_id, actor, lock=True)
        draft.form, draft.updated_at, draft.account_id = form, now, actor.id
    session.flush()
    record_event(session, actor, "save_draft", "draft", draft.id, now=now, details={"names": len(rows)})
    return draft


def discard(session, draft, *, actor, now, reason):
    """Delete a draft inside the current act (`reason`: "deleted", or "submitted" with the
    application it became)."""
    ident = draft.id
    session.delete(draft)
    session.flush()
    record_event(session, actor, "delete_draft", "draft", ident, now=now, details={"reason": reason})


@act
def delete_draft(session, draft_id, *, actor, now=None):
    now = moment(now)
    draft = own_draft(session, draft_id, actor, lock=True)
    discard(session, draft, actor=actor, now=now, reason="deleted")
    return draft_id


def mark_notifications_read(session, account_id, ids=None, *, now=None):
    """Mark the account's notifications read: those of `ids`, or every unread one. Commits;
    returns how many changed. Another account's ids change nothing."""
    now = now or dates.utcnow()
    stmt = update(Notification).where(Notification.account_id == account_id, Notification.read_at.is_(None))
    if ids is not None:
        ids = [int(i) for i in ids]
        if not ids:
            return 0
        stmt = stmt.where(Notification.id.in_(ids))
    changed = session.execute(stmt.values(read_at=now)).rowcount
    session.commit()
    return changed
