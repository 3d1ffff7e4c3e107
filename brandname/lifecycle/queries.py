"""Read-only questions the acts and the portals ask of the registry: is a name taken, what does it
resemble, who may send under it, what waits for an officer.
"""

import json
from datetime import timedelta

from sqlalchemy import String, and_, any_, bindparam, func, literal_column, or_, select
from sqlalchemy.dialects.postgresql import ARRAY

from brandname.rules import confusion, dates
from brandname.rules import names as name_rules
from brandname.store.models import (
    Application,
    Authorization,
    Brandname,
    Event,
    Payment,
    RequestedName,
    RevocationProposal,
    WatchEntry,
)


def find_brandname(session, name, *, live_only=True):
    """The registry row for a name, case-insensitively; the newest one if released ones exist."""
    stmt = select(Brandname).where(Brandname.name_normal == name_rules.normal_form(name))
    if live_only:
        stmt = stmt.where(Brandname.status != "released")
    return session.scalars(stmt.order_by(Brandname.id.desc())).first()


def _resembling(stmt, key_of, name):
    """The rows of `stmt` that resemble `name`, each with its kind (the strongest that holds)."""
    for row in stmt:
        kind = confusion.kind_between(name, key_of(row))
        if kind is not None:
            yield row, kind


def _keys_in(dialect, column):
    """`column` equals one of the `keys` parameter, sent as one value (an array on PostgreSQL, a
    JSON list on SQLite) rather than hundreds: binding each value costs more than the lookups."""
    if dialect == "postgresql":
        return column == any_(bindparam("keys", type_=ARRAY(String)))
    listed = select(literal_column("value")).select_from(func.json_each(bindparam("keys", type_=String)))
    return column.in_(listed.scalar_subquery())


def _resembles(dialect, model):
    """Rows whose name is the same by sight or sound, or one edit away: index lookups on the two
    keys, never a scan of every name."""
    return or_(_keys_in(dialect, model.confusable_key), model.lookalike_key == bindparam("lookalike"))


_STATEMENTS = {}


def _statement(what, dialect):
    """The confusion queries, built once per database kind so that each request only binds."""
    stmt = _STATEMENTS.get((what, dialect))
    if stmt is not None:
        return stmt
    if what == "registered":
        stmt = (
            select(Brandname.name, Brandname.status)
            .where(
                _resembles(dialect, Brandname),
                Brandname.status != "released",
                Brandname.name_normal != bindparam("normal"),
            )
            .order_by(Brandname.name_normal)
        )
    elif what == "pending":
        stmt = (
            select(RequestedName.name, RequestedName.application_id)
            .join(Application)
            .where(
                _resembles(dialect, RequestedName),
                RequestedName.status == "pending",
                Application.status == "submitted",
                RequestedName.name_normal != bindparam("normal"),
                Application.id != bindparam("exclude"),
            )
            .order_by(Application.received_at)
        )
    else:
        plain = bindparam("plain", type_=String)
        protected = and_(
            WatchEntry.category != "sensitive",
            or_(_resembles(dialect, WatchEntry), WatchEntry.name_normal == plain),
        )
        sensitive = and_(
            WatchEntry.category == "sensitive",
            or_(
                plain.contains(WatchEntry.name_normal),
                bindparam("key", type_=String).contains(WatchEntry.confusable_key),
                bindparam("lookalike", type_=String).contains(WatchEntry.lookalike_key),
            ),
        )
        stmt = (
            select(WatchEntry.id, WatchEntry.name, WatchEntry.category)
            .where(or_(protected, sensitive))
            .order_by(WatchEntry.name)
        )
    _STATEMENTS[(what, dialect)] = stmt
    return stmt


def _params(session, name):
    key = name_rules.confusable_key(name)
    keys = [key, *confusion.one_edit_neighbours(key)]
    dialect = session.get_bind().dialect.name
    return dialect, {
        "key": key,
        "lookalike": name_rules.lookalike_key(name),
        "normal": name_rules.normal_form(name),
        "plain": confusion.plain(name),
        "keys": keys if dialect == "postgresql" else json.dumps(keys),
    }


def confusable_matches(session, name, *, include_pending=False, exclude_application_id=None, params=None):
    """Registered (and optionally pending) names a reader could mistake for `name`, by sight
    ("lookalike"), by sound ("soundalike") or one edit away ("near_miss"), each with its kind."""
    dialect, bound = params or _params(session, name)
    found = []
    rows = session.execute(_statement("registered", dialect), bound)
    for (other, status), kind in _resembling(rows, lambda row: row[0], name):
        found.append({"name": other, "status": status, "source": "registered", "kind": kind})
    if include_pending:
        exclude = -1 if exclude_application_id is None else exclude_application_id
        rows = session.execute(_statement("pending", dialect), {**bound, "exclude": exclude})
        for (other, application_id), kind in _resembling(rows, lambda row: row[0], name):
            found.append(
                {
                    "name": other,
                    "status": "pending",
                    "source": "application",
                    "application_id": application_id,
                    "kind": kind,
                }
            )
    order = {kind: i for i, kind in enumerate(confusion.WARNING_KINDS)}
    return sorted(found, key=lambda m: order[m["kind"]])


def watch_matches(session, name, *, params=None):
    """The watch-list entries `name` matches: a protected name by any fold or one edit away, a
    sensitive word anywhere inside it."""
    dialect, bound = params or _params(session, name)
    found = []
    for entry_id, entry_name, category in session.execute(_statement("watch", dialect), bound):
        match = confusion.watch_match(name, entry_name, category)
        if match is not None:
            found.append(
                {
                    "name": entry_name,
                    "category": category,
                    "source": "watchlist",
                    "kind": "watchlist",
                    "match": match,
                    "entry_id": entry_id,
                }
            )
    return found


def warnings_for(session, name, *, include_pending=False, exclude_application_id=None):
    """Every confusion warning for `name`: the names it resembles, then the watch-list entries
    it matches."""
    params = _params(session, name)
    registered = confusable_matches(
        session,
        name,
        include_pending=include_pending,
        exclude_application_id=exclude_application_id,
        params=params,
    )
    return registered + watch_matches(session, name, params=params)


def public_warning(warning):
    """A warning as the public availability answer gives it."""
    out = {"kind": warning["kind"], "name": warning["name"], "category": warning.get("category")}
    if "match" in warning:
        out["match"] = warning["match"]
    return out


def availability(session, name):
    """The public availability answer (GET /api/v1/availability)."""
    errors = name_rules.name_errors(name)
    out = {
        "name": name,
        "valid": not errors,
        "errors": [e.as_dict() for e in errors],
        "available": False,
        "confusable_with": [],
        "warnings": [],
    }
    if errors:
        return out
    out["available"] = find_brandname(session, name) is None
    warnings = warnings_for(session, name)
    out["confusable_with"] = [w["name"] for w in warnings if w["kind"] in ("lookalike", "soundalike")]
    out["warnings"] = [public_warning(w) for w in warnings]
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
    already hold it]}, for the names of a new issue still pending."""
    out = {}
    if application.kind != "issue":
        return out
    for rn in application.names:
        if rn.status != "pending":
            continue
        matches = warnings_for(session, rn.name, include_pending=True, exclude_application_id=application.id)
        taken = find_brandname(session, rn.name)
        if taken is not None:
            matches = [
                {"name": taken.name, "status": taken.status, "source": "registered", "kind": "taken"}
            ] + matches
        if matches:
            out[rn.name] = matches
    return out


def warning_decisions(session, application_id):
    """The officers' latest decision on each warning of an application, from the event log:
    {(requested name, kind, warned name): event}."""
    out = {}
    for event in session.scalars(
        select(Event)
        .where(Event.application_id == application_id, Event.act == "decide_warning")
        .order_by(Event.seq)
    ):
        d = event.details
        out[(d["requested"], d["kind"], d["name"])] = event
    return out


def watch_entries(session, category=None):
    stmt = select(WatchEntry).order_by(WatchEntry.category, WatchEntry.name_normal)
    if category:
        stmt = stmt.where(WatchEntry.category == category)
    return session.scalars(stmt).all()


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
