"""Read-only questions the acts and the portals ask of the registry: is a name taken, what does it
resemble, who may send under it, what waits for an officer.
"""

from datetime import timedelta

from sqlalchemy import func, select

from brandname.rules import dates
from brandname.rules import names as name_rules
from brandname.store.models import (
    Application,
    Authorization,
    Brandname,
    Event,
    Payment,
    RequestedName,
    RevocationProposal,
)


def find_brandname(session, name, *, live_only=True):
    """The registry row for a name, case-insensitively; the newest one if released ones exist."""
    stmt = select(Brandname).where(Brandname.name_normal == name_rules.normal_form(name))
    if live_only:
        stmt = stmt.where(Brandname.status != "released")
    return session.scalars(stmt.order_by(Brandname.id.desc())).first()


def confusable_matches(session, name, *, include_pending=False, exclude_application_id=None):
    """Registered (and optionally pending) names a reader could mistake for `name`."""
    normal, key = name_rules.normal_form(name), name_rules.confusable_key(name)
    found = []
    for bn in session.scalars(
        select(Brandname)
        .where(
            Brandname.confusable_key == key, Brandname.status != "released", Brandname.name_normal != normal
        )
        .order_by(Brandname.name_normal)
    ):
        found.append({"name": bn.name, "status": bn.status, "source": "registered"})
    if include_pending:
        stmt = (
            select(RequestedName)
            .join(Application)
            .where(
                RequestedName.confusable_key == key,
                RequestedName.status == "pending",
                Application.status == "submitted",
                RequestedName.name_normal != normal,
            )
        )
        if exclude_application_id is not None:
            stmt = stmt.where(Application.id != exclude_application_id)
        for rn in session.scalars(stmt.order_by(Application.received_at)):
            found.append(
                {
                    "name": rn.name,
                    "status": "pending",
                    "source": "application",
                    "application_id": rn.application_id,
                }
            )
    return found


def availability(session, name):
    """The public availability answer (GET /api/v1/availability)."""
    errors = name_rules.name_errors(name)
    out = {
        "name": name,
        "valid": not errors,
        "errors": [e.as_dict() for e in errors],
        "available": False,
        "confusable_with": [],
    }
    if errors:
        return out
    out["available"] = find_brandname(session, name) is None
    out["confusable_with"] = [m["name"] for m in confusable_matches(session, name)]
    return out


def active_authorizations(session, brandname_id):
    return session.scalars(
        select(Authorization)
        .where(Authorization.brandname_id == brandname_id, Authorization.withdrawn_at.is_(None))
        .order_by(Authorization.id)
    ).all()


def event_count(session):
    return session.scalar(select(func.count()).select_from(Event))


def decision_warnings(session, application):
    """What an officer must see before deciding: {requested name: [names it resembles or that
    already hold it]}. Live for a new issue still undecided; once decided, the warnings the
    decision was taken with, as its event recorded them, so they stay on the record."""
    out = {}
    if application.kind != "issue":
        return out
    if application.status != "submitted":
        decision = session.scalars(
            select(Event)
            .where(Event.application_id == application.id, Event.act.in_(("approve", "reject")))
            .order_by(Event.seq.desc())
        ).first()
        return dict((decision.details or {}).get("confusable_warnings") or {}) if decision else {}
    for rn in application.names:
        if rn.status != "pending":
            continue
        matches = confusable_matches(
            session, rn.name, include_pending=True, exclude_application_id=application.id
        )
        taken = find_brandname(session, rn.name)
        if taken is not None:
            matches = [{"name": taken.name, "status": taken.status, "source": "registered"}] + matches
        if matches:
            out[rn.name] = matches
    return out


def dashboard(session, now):
    """The officers' dashboard figures: counts by state, overdue decisions, names expiring soon,
    payments and revocation proposals waiting for someone."""
    today = dates.local_date(now)

    def expiring_within(days):
        return (
            Brandname.status == "active",
            Brandname.valid_until >= today,
            Brandname.valid_until <= today + timedelta(days=days),
        )

    return {
        "app_counts": dict(
            session.execute(select(Application.status, func.count()).group_by(Application.status)).all()
        ),
        "name_counts": dict(
            session.execute(select(Brandname.status, func.count()).group_by(Brandname.status)).all()
        ),
        "overdue": session.scalars(
            select(Application)
            .where(Application.status == "submitted", Application.decision_due_at < now)
            .order_by(Application.received_at)
        ).all(),
        "expiring": {
            days: session.scalar(select(func.count()).select_from(Brandname).where(*expiring_within(days)))
            for days in (30, 60, 90)
        },
        "soon": session.scalars(
            select(Brandname).where(*expiring_within(90)).order_by(Brandname.valid_until).limit(20)
        ).all(),
        "payments": session.scalar(
            select(func.count()).select_from(Payment).where(Payment.status == "recorded")
        ),
        "proposals": session.scalar(
            select(func.count())
            .select_from(RevocationProposal)
            .where(RevocationProposal.status == "proposed")
        ),
    }
