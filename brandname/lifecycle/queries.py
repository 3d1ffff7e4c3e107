"""Read-only questions the acts and the portals ask of the registry: is a name taken, what does it
resemble, who may send under it.
"""

from sqlalchemy import func, select

from brandname.rules import names as name_rules
from brandname.store.models import (
    Application,
    Authorization,
    Brandname,
    Event,
    RequestedName,
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
