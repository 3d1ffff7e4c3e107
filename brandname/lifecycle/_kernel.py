"""The machinery every act shares: one transaction per act, gap-free counters, the event log,
the actor and the configurable rules. No Flask here.
"""

import os
import signal
from dataclasses import dataclass, field
from functools import wraps

from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError

from brandname.errors import Conflict, Forbidden, NotFound
from brandname.notifications import outbox
from brandname.rules import charges, dates, fees, form01, reporting
from brandname.store.models import (
    Brandname,
    Counter,
    Event,
)
from brandname.transparency.log import mark_events_written

STAFF = ("officer", "supervisor", "operator")


SUPERVISORS = ("supervisor", "operator")


@dataclass(frozen=True)
class Rules:
    """Configurable design choices (domain.md); defaults are the decree's or ours."""

    holidays: tuple = ()  # extra days off on top of the national calendar
    workdays: tuple = ()  # weekend days declared working days (ngày làm bù)
    fee_schedule: tuple = fees.DEFAULT_SCHEDULE
    # the maintenance charge (rules/charges.py); empty: nothing is invoiced, ground (b) unavailable
    charge_schedule: tuple = charges.DEFAULT_SCHEDULE
    decision_working_days: int = 1
    payment_days: int = 30
    quarantine_days: int = 365
    renewal_window_days: int = dates.RENEWAL_WINDOW_DAYS
    renewal_on_time_days: int = dates.RENEWAL_ON_TIME_DAYS
    # the periodic reports of Art. 30–31 (rules/reporting.py): the period and its due date
    report_calendar: reporting.Calendar = reporting.Calendar()
    authority: str = "Cục An toàn thông tin, Bộ Thông tin và Truyền thông"
    authority_en: str = "Authority of Information Security, Ministry of Information and Communications"
    public_url: str = ""  # links in mails: the public site's address
    # the expected carriers Form 01 offers (BRANDNAME_CARRIERS)
    carriers: tuple = form01.DEFAULT_CARRIERS


DEFAULT_RULES = Rules()


@dataclass(frozen=True)
class Actor:
    """Who performs an act, as the event log records it."""

    kind: str  # system, operator, officer, supervisor, admin (accounts only, no casework), applicant
    label: str
    id: int | None = None
    holder_id: int | None = None

    @classmethod
    def system(cls):
        return cls("system", "system")

    @classmethod
    def operator(cls, label="cli"):
        return cls("operator", f"operator:{label}")

    @classmethod
    def for_account(cls, account):
        return cls(account.role, account.email, account.id, account.holder_id)

    @property
    def is_staff(self):
        return self.kind in STAFF


@dataclass
class Result:
    """What an act that touches several rows returns; `events` and `mails` are filled in by `act`."""

    applications: list = field(default_factory=list)
    brandnames: list = field(default_factory=list)
    certificates: list = field(default_factory=list)
    events: list = field(default_factory=list)
    mails: list = field(default_factory=list)

    @property
    def application(self):
        return self.applications[0] if self.applications else None


CRASH_ENV = "BRANDNAME_CRASH_AT"


def crash_point(name):
    """Crash-safety tests only: SIGKILL this process at the named point when BRANDNAME_CRASH_AT
    names it. Inert (one dictionary lookup) when the variable is unset."""
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


PENDING_EVENTS = "brandname.pending_events"
# PostgreSQL NOTIFY channel on which every committed act announces the new head of the event log,
# so that carriers' waiting change requests on every instance wake at once (carriers/follow.py)
EVENTS_CHANNEL = "brandname_events"


def announce_head(session, events):
    """Queue the NOTIFY of the act's last sequence number; PostgreSQL delivers it at the commit
    and never for a rolled-back act. Other databases have no NOTIFY: waiters poll the head."""
    if events and session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_notify(:channel, :seq)"), {"channel": EVENTS_CHANNEL, "seq": str(events[-1].seq)}
        )


def act(fn):
    """Run one legal act as one transaction: commit on success, roll back on any error.

    Just before the commit, the mails its events announce are written to the outbox, in the
    same transaction: a mail exists if and only if the act committed."""

    @wraps(fn)
    def wrapper(session, *args, **kwargs):
        session.info[PENDING_EVENTS] = []
        try:
            result = fn(session, *args, **kwargs)
            events = session.info.pop(PENDING_EVENTS, [])
            rules = kwargs.get("rules") or DEFAULT_RULES
            mails = outbox.write_for_events(
                session, events, public_url=rules.public_url, authority=(rules.authority, rules.authority_en)
            )
            if isinstance(result, Result):
                result.events, result.mails = events, mails
            announce_head(session, events)
            crash_point("before_commit")
            session.commit()
            crash_point("after_commit")
            return result
        except IntegrityError as exc:
            session.info.pop(PENDING_EVENTS, None)
            session.rollback()
            if "uq_brandnames_live_name" in str(exc.orig) or "brandnames.name_normal" in str(exc.orig):
                raise Conflict(
                    "Tên định danh vừa được cấp hoặc giữ chỗ cho hồ sơ khác; yêu cầu này không được thực hiện.",
                    "The sender name was just reserved or issued for another application; nothing was done.",
                ) from exc
            raise
        except BaseException:
            session.info.pop(PENDING_EVENTS, None)
            session.rollback()
            raise

    return wrapper


COUNTERS = ("event", "serial")


def ensure_counters(session):
    """Create the gap-free counters if missing (the migration does this for real databases)."""
    present = set(session.scalars(select(Counter.name)))
    for name in COUNTERS:
        if name not in present:
            session.add(Counter(name=name, value=0))
    session.flush()


def next_value(session, name):
    """Increment a counter under its row lock: values are gap-free because rolled-back
    transactions release the lock without having consumed the number."""
    updated = session.execute(
        update(Counter).where(Counter.name == name).values(value=Counter.value + 1)
    ).rowcount
    if not updated:
        session.add(Counter(name=name, value=1))
        session.flush()
        return 1
    return session.scalar(select(Counter.value).where(Counter.name == name))


def record_event(
    session,
    actor,
    act_name,
    subject_type,
    subject_id=None,
    *,
    now,
    name_normal=None,
    application_id=None,
    details=None,
):
    event = Event(
        seq=next_value(session, "event"),
        at=now,
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_label=actor.label,
        act=act_name,
        subject_type=subject_type,
        subject_id=subject_id,
        name_normal=name_normal,
        application_id=application_id,
        details=details or {},
    )
    session.add(event)
    session.flush()
    mark_events_written(session)
    pending = session.info.get(PENDING_EVENTS)
    if pending is not None:
        pending.append(event)
    return event


def moment(now):
    return now or dates.utcnow()


def fetch(session, model, ident, *, lock=True, what_vi, what_en):
    stmt = select(model).where(model.__mapper__.primary_key[0] == ident)
    if lock:
        stmt = stmt.with_for_update()
    obj = session.scalars(stmt).first()
    if obj is None:
        raise NotFound(f"Không tìm thấy {what_vi} {ident}.", f"No {what_en} {ident}.")
    return obj


def require_staff(actor):
    if not actor.is_staff:
        raise Forbidden(
            "Chỉ cán bộ của Cục được thực hiện thao tác này.", "Only officers of the Authority may do this."
        )


def require_holder_or_staff(actor, holder_id):
    if actor.is_staff or actor.kind == "system":
        return
    if actor.kind == "applicant" and actor.holder_id == holder_id:
        return
    raise Forbidden(
        "Bạn không có quyền thao tác trên hồ sơ hoặc tên định danh này.",
        "You may not act on this application or name.",
    )


def lock_brandnames(session, ids):
    ids = sorted({i for i in ids if i is not None})
    if ids:
        # populate_existing: objects already loaded get the values current under the lock
        session.scalars(
            select(Brandname)
            .where(Brandname.id.in_(ids))
            .order_by(Brandname.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).all()
