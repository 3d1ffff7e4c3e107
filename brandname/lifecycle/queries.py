"""Read-only questions the acts and the portals ask of the registry: is a name taken, what does it
resemble, who may send under it, what waits for an officer.
"""

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import String, and_, any_, bindparam, func, literal_column, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import aliased

from brandname.carriers import feed
from brandname.errors import InvalidInput
from brandname.rules import confusion, dates
from brandname.rules import dossier as dossier_rules
from brandname.rules import names as name_rules
from brandname.store.models import (
    Application,
    Authorization,
    Brandname,
    Certificate,
    Document,
    Event,
    Payment,
    ProtectedVariant,
    RequestedName,
    RevocationProposal,
    WatchEntry,
)
from brandname_carrier import rules as carrier_rules


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


def _keys_in(dialect, column, name="keys"):
    """`column` equals one of the `keys` parameter, sent as one value (an array on PostgreSQL, a
    JSON list on SQLite) rather than hundreds: binding each value costs more than the lookups."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(String)))
    listed = select(literal_column("value")).select_from(func.json_each(bindparam(name, type_=String)))
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
    elif what in ("impersonated", "impersonated_lookalike"):
        # hundreds of thousands of keys for a batch: a set the database hashes once (IN a
        # subquery), not an array searched for each row (= ANY) nor one probe per name
        column = Brandname.confusable_key if what == "impersonated" else Brandname.lookalike_key
        if dialect == "postgresql":
            listed = select(func.unnest(bindparam("keys", type_=ARRAY(String))))
        else:
            listed = select(literal_column("value")).select_from(
                func.json_each(bindparam("keys", type_=String))
            )
        stmt = select(Brandname.name).where(
            Brandname.status != "released", column.in_(listed.scalar_subquery())
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


def impersonated_names(session, name):
    """The registered, protected or watched names an unregistered `name` could pass for, sorted
    and without repeats: the registered names it resembles by sight, by sound or one edit away,
    the watch-list entries it matches outside the sensitive words, and the holders' names whose
    approved variants it matches. Empty for a harmless name and for text longer than a sender
    name (it cannot be registered)."""
    return impersonated_names_many(session, [name]).get(name, [])


_IMPERSONATION_CHUNK = 50_000  # keys bound per query: a batch of 1000 names needs a few hundred thousand


def impersonated_names_many(session, names):
    """{name: impersonated_names(name)} for many names in a few queries: every key any of them
    could be confused under is looked up at once, and each name is then judged by the carrier
    client's own rule (brandname_carrier.rules.lookalikes_of), as a carrier's offline copy does."""
    asked = [n for n in dict.fromkeys(names) if carrier_rules.can_impersonate(n)]
    if not asked:
        return {}
    # a registered name is found by its confusable key among the asked names' keys and their
    # neighbours, or by its look-alike key (rules.resemblance_keys, minus what only protected
    # names are filed under)
    asked_keys = {n: confusion.resemblance_keys(n) for n in asked}
    keys = set()
    for found in asked_keys.values():
        keys.update(found)
    keys.discard("")
    keys = list(keys)
    lookalikes = sorted({name_rules.lookalike_key(n) for n in asked})
    dialect = session.get_bind().dialect.name

    def bind(values):
        return values if dialect == "postgresql" else json.dumps(values)

    held = {}
    lookups = [("impersonated_lookalike", lookalikes)] + [
        ("impersonated", keys[start : start + _IMPERSONATION_CHUNK])
        for start in range(0, len(keys), _IMPERSONATION_CHUNK)
    ]
    for what, chunk in lookups:
        for (other,) in session.execute(_statement(what, dialect), {"keys": bind(chunk)}):
            for key in confusion.filing_keys(other):
                found = held.get(key, ())
                if other not in found:
                    held[key] = (*found, other)
    targets = {}
    for target in feed.targets(session.connection()):
        item = (target["name"], target["category"], target["of"])
        for key in confusion.filing_keys(target["name"], target["category"]):
            targets.setdefault(key, []).append(item)
    return {n: carrier_rules.lookalikes_of(n, held.get, targets.get, asked_keys[n]) for n in asked}


def protected_variants_of(session, names, *, except_holder_id=None):
    """The approved variants of live names spelled as any of `names` (any case), but not those
    of the holder `except_holder_id`: what blocks their registration."""
    normals = sorted({name_rules.normal_form(n) for n in names})
    if not normals:
        return []
    stmt = (
        select(ProtectedVariant)
        .join(Brandname)
        .where(
            ProtectedVariant.name_normal.in_(normals),
            ProtectedVariant.status == "approved",
            Brandname.status != "released",
        )
        .order_by(ProtectedVariant.name_normal)
    )
    if except_holder_id is not None:
        stmt = stmt.where(Brandname.holder_id != except_holder_id)
    return session.scalars(stmt).all()


def variants_of(session, brandname_id):
    """Every variant asked for a name, newest first."""
    return session.scalars(
        select(ProtectedVariant)
        .where(ProtectedVariant.brandname_id == brandname_id)
        .order_by(ProtectedVariant.id.desc())
    ).all()


def requested_variants(session):
    """The variants waiting for an officer's decision, oldest first."""
    return session.scalars(
        select(ProtectedVariant).where(ProtectedVariant.status == "requested").order_by(ProtectedVariant.id)
    ).all()


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
        # free AND unlike any registered name: a name a reader could mistake for one already
        # held is refused (Art. 23), so it is not offered as registrable
        "registrable": False,
        "reason": None,
        "reason_en": None,
        "warnings": [],
    }
    if errors:
        suggestion = name_rules.unaccented(name)
        if suggestion:
            out["suggestion"] = suggestion
        out["reason"] = "Không hợp lệ: " + "; ".join(e.message_vi for e in errors)
        out["reason_en"] = "Not valid: " + "; ".join(e.message_en for e in errors)
        return out
    held = find_brandname(session, name)
    out["available"] = held is None
    warnings = warnings_for(session, name)
    out["confusable_with"] = [w["name"] for w in warnings if w["kind"] in ("lookalike", "soundalike")]
    out["warnings"] = [public_warning(w) for w in warnings]
    variant = None if held is not None else next(iter(protected_variants_of(session, [name])), None)
    if variant is not None:
        out["available"] = False
        out["protected_variant_of"] = variant.brandname.name
    if held is not None:
        out["reason"] = f"Tên {held.name} đã được đăng ký hoặc đang bị phong tỏa."
        out["reason_en"] = f"{held.name} is already registered or blocked."
    elif variant is not None:
        out["reason"] = (
            f"Không thể đăng ký: {variant.name} là biến thể được bảo vệ của tên {variant.brandname.name}."
        )
        out["reason_en"] = (
            f"Not available: {variant.name} is a protected variant of {variant.brandname.name}."
        )
    elif out["confusable_with"]:
        similar = ", ".join(out["confusable_with"])
        out["reason"] = (
            f"Không thể đăng ký: dễ nhầm lẫn với tên đã đăng ký {similar}; hồ sơ đề nghị tên này "
            "sẽ bị từ chối (Điều 23)."
        )
        out["reason_en"] = (
            f"Not available: it is easily mistaken for the registered name {similar}; an "
            "application for it is refused (Art. 23)."
        )
    else:
        out["registrable"] = True
    return out


def active_authorizations(session, brandname_id):
    return session.scalars(
        select(Authorization)
        .where(Authorization.brandname_id == brandname_id, Authorization.withdrawn_at.is_(None))
        .order_by(Authorization.id)
    ).all()


def event_count(session):
    return session.scalar(select(func.count()).select_from(Event))


def dossier_chain(session, application):
    """The earlier submissions `application` resubmits, newest first (at most 20)."""
    chain, previous = [], application.resubmission_of_id
    while previous and len(chain) < 20:
        earlier = session.get(Application, previous)
        if earlier is None:
            break
        chain.append(earlier)
        previous = earlier.resubmission_of_id
    return chain


def dossier_documents(session, application):
    """The documents that count for `application`'s dossier (Art. 24): its own, those of the
    earlier submissions it resubmits, and for a reissue or renewal those of the filings the name
    was issued, reissued or renewed from (the holder's legal document is on file there)."""
    ids = [application.id] + [a.id for a in dossier_chain(session, application)]
    if application.kind != "issue" and application.brandname_id is not None:
        target = session.get(Brandname, application.brandname_id)
        ids += session.scalars(
            select(Application.id).where(
                or_(
                    Application.id == target.application_id,
                    and_(Application.brandname_id == target.id, Application.status == "issued"),
                )
            )
        ).all()
    return session.scalars(
        select(Document).where(Document.application_id.in_(set(ids))).order_by(Document.id)
    ).all()


def missing_documents(session, application, documents=None):
    """The mandatory document kinds `application`'s dossier lacks (rules/dossier.py)."""
    if documents is None:
        documents = dossier_documents(session, application)
    return dossier_rules.missing_documents(application.applicant, [d.kind for d in documents])


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
            .where(
                Application.status == "submitted",
                Application.decision_due_at < now,
                # waiting for the applicant's documents: the clock is stopped
                Application.documents_requested_at.is_(None),
            )
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


# -- the officers' queue: filters and sorting ---------------------------------------------------


@dataclass(frozen=True)
class QueueFilter:
    """What the queue shows. Every field is optional; `status` "all" shows every status."""

    status: str = "submitted"
    kind: str | None = None
    overdue: bool = False
    warning: bool = False
    assignee: int | str | None = None  # an account id, or "none" for dossiers nobody holds
    received_from: date | None = None  # Hanoi days, both inclusive
    received_to: date | None = None
    sort: str = "received"

    SORTS = ("received", "-received", "due", "-due")

    def as_args(self):
        """The filter as query-string arguments (for page links and exports)."""
        out = {"status": self.status, "sort": self.sort}
        if self.kind:
            out["kind"] = self.kind
        if self.overdue:
            out["overdue"] = "1"
        if self.warning:
            out["warning"] = "1"
        if self.assignee is not None:
            out["assignee"] = str(self.assignee)
        if self.received_from:
            out["from"] = self.received_from.isoformat()
        if self.received_to:
            out["to"] = self.received_to.isoformat()
        return out


def _day(value, label_vi, label_en):
    value = (value or "").strip()
    if not value:
        return None
    for parse in (date.fromisoformat, lambda v: datetime.strptime(v, "%d/%m/%Y").date()):
        try:
            return parse(value)
        except ValueError:
            continue
    raise InvalidInput(
        f"{label_vi} không hợp lệ: hãy ghi ngày theo dạng dd/mm/yyyy.",
        f"{label_en} is not a valid date: write it as dd/mm/yyyy.",
    )


def queue_filter(args, *, me=None):
    """A QueueFilter from query-string arguments (a mapping of strings). `me` is the account id
    "assignee=me" stands for. Bad input raises InvalidInput in words."""
    status = args.get("status") or "submitted"
    if status not in (*Application.STATUSES, "all"):
        raise InvalidInput("Trạng thái hồ sơ không hợp lệ.", "Unknown application status.")
    kind = args.get("kind") or None
    if kind is not None and kind not in Application.KINDS:
        raise InvalidInput("Loại hồ sơ không hợp lệ.", "Unknown application kind.")
    sort = args.get("sort") or "received"
    if sort not in QueueFilter.SORTS:
        raise InvalidInput("Cách sắp xếp không hợp lệ.", "Unknown sort order.")
    assignee = (args.get("assignee") or "").strip() or None
    if assignee == "me":
        assignee = me
    elif assignee is not None and assignee != "none":
        if not assignee.isdigit():
            raise InvalidInput("Cán bộ xử lý không hợp lệ.", "Unknown assignee.")
        assignee = int(assignee)
    received_from = _day(args.get("from"), "Ngày tiếp nhận (từ)", "The first receipt day")
    received_to = _day(args.get("to"), "Ngày tiếp nhận (đến)", "The last receipt day")
    if received_from and received_to and received_from > received_to:
        raise InvalidInput(
            "Khoảng ngày tiếp nhận không hợp lệ: ngày bắt đầu sau ngày kết thúc.",
            "The receipt date range ends before it starts.",
        )
    return QueueFilter(
        status=status,
        kind=kind,
        overdue=args.get("overdue") in ("1", "on", "true"),
        warning=args.get("warning") in ("1", "on", "true"),
        assignee=assignee,
        received_from=received_from,
        received_to=received_to,
        sort=sort,
    )


def _utc_start(day):
    """The UTC moment a Hanoi day starts (timestamps are stored as naive UTC)."""
    return datetime.combine(day, time(), tzinfo=dates.VN_TZ).astimezone(UTC).replace(tzinfo=None)


def has_confusable_warning():
    """SQL condition: a new-issue application with a name that resembles a live registered name,
    is held by another, or resembles a name pending in another undecided application."""
    other = aliased(RequestedName)
    other_app = aliased(Application)
    rn = aliased(RequestedName)
    resembles_registered = (
        select(Brandname.id)
        .where(
            Brandname.confusable_key == rn.confusable_key,
            Brandname.status != "released",
            or_(
                Brandname.name_normal != rn.name_normal,
                Brandname.application_id.is_(None),
                Brandname.application_id != rn.application_id,
            ),
        )
        .exists()
    )
    resembles_pending = (
        select(other.id)
        .join(other_app, other_app.id == other.application_id)
        .where(
            other.confusable_key == rn.confusable_key,
            other.application_id != rn.application_id,
            other.status == "pending",
            other_app.status == "submitted",
            other.name_normal != rn.name_normal,
        )
        .exists()
    )
    return and_(
        Application.kind == "issue",
        select(rn.id)
        .where(rn.application_id == Application.id, or_(resembles_registered, resembles_pending))
        .exists(),
    )


def queue(flt, now):
    """SELECT of the applications `flt` (a QueueFilter) asks for, in its order."""
    stmt = select(Application)
    if flt.status != "all":
        stmt = stmt.where(Application.status == flt.status)
    if flt.kind:
        stmt = stmt.where(Application.kind == flt.kind)
    if flt.overdue:
        stmt = stmt.where(
            or_(
                and_(
                    Application.decided_at.is_(None),
                    Application.decision_due_at < now,
                    Application.documents_requested_at.is_(None),
                ),
                Application.decided_at > Application.decision_due_at,
            )
        )
    if flt.warning:
        stmt = stmt.where(has_confusable_warning())
    if flt.assignee == "none":
        stmt = stmt.where(Application.assigned_to_id.is_(None))
    elif flt.assignee is not None:
        stmt = stmt.where(Application.assigned_to_id == flt.assignee)
    if flt.received_from:
        stmt = stmt.where(Application.received_at >= _utc_start(flt.received_from))
    if flt.received_to:
        stmt = stmt.where(Application.received_at < _utc_start(flt.received_to + timedelta(days=1)))
    column = Application.decision_due_at if flt.sort.lstrip("-") == "due" else Application.received_at
    if flt.sort.startswith("-"):
        return stmt.order_by(column.desc(), Application.id.desc())
    return stmt.order_by(column, Application.id)


# -- a reissue or renewal: what changes -----------------------------------------------------------

COMPARED_FIELDS = ("holder_name", "id_number", "address", "forms_of_use")


def details_comparison(session, application):
    """{"serial", "rows": [(field, before, after, changed)]} for a reissue or renewal: the details the certificate in
    force when it was filed carries (its signed record) against the ones Form 01 asks for. None
    for a new issue or when the name had no certificate."""
    import json

    if application.kind not in ("reissue", "renewal") or application.brandname is None:
        return None
    issued = session.scalars(select(Certificate).where(Certificate.application_id == application.id)).first()
    if issued is not None and issued.previous_serial:
        before_cert = session.scalars(
            select(Certificate).where(Certificate.serial == issued.previous_serial)
        ).first()
    else:
        before_cert = application.brandname.current_certificate
    if before_cert is None:
        return None
    record = json.loads(before_cert.record)
    filed, name = application.applicant or {}, application.names[0] if application.names else None
    before = {
        "holder_name": record["holder"].get("name"),
        "id_number": record["holder"].get("id_number"),
        "address": record["holder"].get("address"),
        "forms_of_use": list(record.get("forms_of_use") or []),
    }
    after = {
        "holder_name": filed.get("name"),
        "id_number": filed.get("id_number") if before["id_number"] is not None else None,
        "address": filed.get("address"),
        "forms_of_use": name.forms_of_use if name else before["forms_of_use"],
    }
    rows = [(f, before[f], after[f], before[f] != after[f]) for f in COMPARED_FIELDS]
    return {"serial": before_cert.serial, "rows": [r for r in rows if r[1] is not None or r[2] is not None]}
