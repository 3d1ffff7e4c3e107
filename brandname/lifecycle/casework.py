"""Who works on a dossier: an officer takes an undecided application ("nhận xử lý"), or a
supervisor assigns it. Each is a recorded act; the decision itself stays open to any officer, as
the decree gives the deadline to the Authority, not to one person.
"""

from brandname.errors import Conflict, Forbidden, InvalidInput, NotAllowed
from brandname.lifecycle._kernel import SUPERVISORS, act, fetch, moment, record_event, require_staff
from brandname.store.models import Account, Application


def _open_dossier(session, application_id):
    application = fetch(session, Application, application_id, what_vi="hồ sơ", what_en="application")
    if application.status != "submitted":
        raise NotAllowed(
            f"Hồ sơ số {application.id} đã được quyết định; không giao xử lý được nữa.",
            f"Application {application.id} has been decided; it can no longer be assigned.",
        )
    return application


def _hand_to(session, application, account, actor, now, act_name):
    previous = application.assigned_to
    application.assigned_to_id, application.assigned_at = account.id, now
    session.flush()
    record_event(
        session,
        actor,
        act_name,
        "application",
        application.id,
        now=now,
        application_id=application.id,
        details={
            "assignee_id": account.id,
            "assignee": account.full_name or account.email,
            "previous_id": previous.id if previous else None,
            "previous": (previous.full_name or previous.email) if previous else None,
        },
    )
    return application


@act
def take(session, application_id, *, actor, now=None):
    """The signed-in officer takes an undecided dossier that nobody holds."""
    now = moment(now)
    require_staff(actor)
    if actor.id is None:
        raise Forbidden(
            "Chỉ tài khoản cán bộ nhận xử lý hồ sơ.", "Only an officer's account takes a dossier."
        )
    application = _open_dossier(session, application_id)
    if application.assigned_to_id == actor.id:
        raise NotAllowed(
            f"Anh/chị đang xử lý hồ sơ số {application.id}.",
            f"You already hold application {application.id}.",
        )
    if application.assigned_to_id is not None:
        holder = application.assigned_to
        raise Conflict(
            f"Hồ sơ số {application.id} đang do {holder.full_name or holder.email} xử lý; "
            "chỉ lãnh đạo giao lại được.",
            f"Application {application.id} is held by {holder.full_name or holder.email}; "
            "only a supervisor can reassign it.",
        )
    return _hand_to(session, application, session.get(Account, actor.id), actor, now, "take")


@act
def assign(session, application_id, *, actor, assignee_id, now=None):
    """A supervisor gives an undecided dossier to an officer or supervisor (or takes it back)."""
    now = moment(now)
    if actor.kind not in SUPERVISORS:
        raise Forbidden("Chỉ lãnh đạo giao hồ sơ cho cán bộ.", "Only a supervisor assigns a dossier.")
    try:
        assignee_id = int(assignee_id)
    except (TypeError, ValueError):
        raise InvalidInput("Hãy chọn cán bộ nhận hồ sơ.", "Choose the officer to assign.") from None
    account = session.get(Account, assignee_id)
    if account is None or not account.does_casework or not account.is_active_account:
        raise InvalidInput(
            "Người được giao phải là cán bộ hoặc lãnh đạo đang hoạt động.",
            "The assignee must be an active officer or supervisor.",
        )
    application = _open_dossier(session, application_id)
    if application.assigned_to_id == account.id:
        raise NotAllowed(
            f"Hồ sơ số {application.id} đã do {account.full_name or account.email} xử lý.",
            f"Application {application.id} is already held by {account.full_name or account.email}.",
        )
    return _hand_to(session, application, account, actor, now, "assign")
