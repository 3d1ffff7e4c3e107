"""The legal acts of Decree 91 as transactional services, and the state machine behind them.

Each public function here is one act: it runs in one database transaction, checks that the
state machine allows it, writes the new state and exactly one event per act, commits and
returns. On any refusal it raises a DomainError and the transaction is rolled back, so a refused
act changes nothing. No Flask here: callers pass the session, the actor, the time and the rules.
"""

import os
import signal
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import wraps

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from brandname.errors import Conflict, Forbidden, InvalidInput, NotAllowed, NotFound
from brandname.rules import dates, fees, form01
from brandname.rules import names as name_rules
from brandname.store.models import (
    Application,
    Authorization,
    Brandname,
    Certificate,
    Counter,
    Event,
    Holder,
    Payment,
    RequestedName,
    RevocationProposal,
)

STAFF = ("officer", "supervisor", "operator")
SUPERVISORS = ("supervisor", "operator")

# Art. 29 grounds: code -> (letter, Vietnamese, English, evidence fields, who starts it)
REVOCATION_GROUNDS = {
    "spam": (
        "a",
        "Sử dụng để gửi tin nhắn rác hoặc cung cấp dịch vụ trái pháp luật theo kết luận "
        "của cơ quan nhà nước có thẩm quyền",
        "Used for spam or unlawful services, as a competent state agency concluded",
        ("conclusion_number", "conclusion_date"),
        "officer",
    ),
    "arrears": (
        "b",
        "Quá 30 ngày chưa nộp chi phí duy trì tên định danh",
        "Maintenance charge more than 30 days overdue",
        ("invoice", "due_date"),
        "officer",
    ),
    "expired": (
        "c",
        "Hết thời hạn sử dụng mà không gia hạn",
        "Expired and not renewed",
        ("expiry_date",),
        "system",
    ),
    "holder_request": (
        "d",
        "Theo đề nghị của tổ chức, cá nhân sử dụng tên định danh",
        "At the holder's request",
        (),
        "holder",
    ),
    "authority_request": (
        "đ",
        "Theo yêu cầu của cơ quan nhà nước có thẩm quyền",
        "At the request of a competent state agency",
        ("request_number", "request_date"),
        "officer",
    ),
}
TWO_PERSON_GROUNDS = ("spam", "arrears", "authority_request")


@dataclass(frozen=True)
class Rules:
    """Configurable design choices (domain.md); defaults are the decree's or ours."""

    holidays: tuple = ()
    fee_schedule: tuple = fees.DEFAULT_SCHEDULE
    decision_working_days: int = 1
    payment_days: int = 30
    quarantine_days: int = 365
    renewal_window_days: int = 90
    renewal_on_time_days: int = dates.RENEWAL_ON_TIME_DAYS
    authority: str = "Cục An toàn thông tin, Bộ Thông tin và Truyền thông"


DEFAULT_RULES = Rules()


@dataclass(frozen=True)
class Actor:
    """Who performs an act, as the event log records it."""

    kind: str  # system, operator, officer, supervisor, applicant
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
    """What an act that touches several rows returns."""

    applications: list = field(default_factory=list)
    brandnames: list = field(default_factory=list)
    certificates: list = field(default_factory=list)
    events: list = field(default_factory=list)


# -- plumbing -------------------------------------------------------------------------------

CRASH_ENV = "BRANDNAME_CRASH_AT"


def crash_point(name):
    """Crash-safety tests only: SIGKILL this process at the named point when BRANDNAME_CRASH_AT
    names it. Inert (one dictionary lookup) when the variable is unset."""
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def act(fn):
    """Run one legal act as one transaction: commit on success, roll back on any error."""

    @wraps(fn)
    def wrapper(session, *args, **kwargs):
        try:
            result = fn(session, *args, **kwargs)
            crash_point("before_commit")
            session.commit()
            crash_point("after_commit")
            return result
        except IntegrityError as exc:
            session.rollback()
            if "uq_brandnames_live_name" in str(exc.orig) or "brandnames.name_normal" in str(exc.orig):
                raise Conflict(
                    "Tên định danh vừa được cấp hoặc giữ chỗ cho hồ sơ khác; yêu cầu này không được thực hiện.",
                    "The sender name was just reserved or issued for another application; nothing was done.",
                ) from exc
            raise
        except BaseException:
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
    return event


def _now(now):
    return now or dates.utcnow()


def _get(session, model, ident, *, lock=True, what_vi, what_en):
    stmt = select(model).where(model.__mapper__.primary_key[0] == ident)
    if lock:
        stmt = stmt.with_for_update()
    obj = session.scalars(stmt).first()
    if obj is None:
        raise NotFound(f"Không tìm thấy {what_vi} {ident}.", f"No {what_en} {ident}.")
    return obj


def _require_staff(actor):
    if not actor.is_staff:
        raise Forbidden(
            "Chỉ cán bộ của Cục được thực hiện thao tác này.", "Only officers of the Authority may do this."
        )


def _require_holder_or_staff(actor, holder_id):
    if actor.is_staff or actor.kind == "system":
        return
    if actor.kind == "applicant" and actor.holder_id == holder_id:
        return
    raise Forbidden(
        "Bạn không có quyền thao tác trên hồ sơ hoặc tên định danh này.",
        "You may not act on this application or name.",
    )


def _require_undecided(application):
    if application.status != "submitted":
        raise NotAllowed(
            f"Hồ sơ số {application.id} không chờ quyết định (trạng thái: {application.status}).",
            f"Application {application.id} is not awaiting a decision (status: {application.status}).",
        )


def _require_revocable(bn):
    if bn.status != "active":
        raise NotAllowed(
            f"Chỉ thu hồi được tên đang hoạt động; {bn.name} đang ở trạng thái {bn.status}.",
            f"Only an active name can be revoked; {bn.name} is {bn.status}.",
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


# -- submission -----------------------------------------------------------------------------


def _holder_for(session, applicant, now):
    holder = session.scalars(
        select(Holder).where(Holder.kind == applicant["kind"], Holder.id_number == applicant["id_number"])
    ).first()
    if holder is None:
        holder = Holder(created_at=now, updated_at=now)
        _copy_applicant(holder, applicant, now)
        try:
            # a savepoint: when a concurrent first filing by the same holder commits first, its
            # unique (kind, id_number) wins and this filing uses that row instead of failing
            with session.begin_nested():
                session.add(holder)
                session.flush()
        except IntegrityError:
            holder = session.scalars(
                select(Holder).where(
                    Holder.kind == applicant["kind"], Holder.id_number == applicant["id_number"]
                )
            ).first()
            if holder is None:
                raise
    return holder


def _copy_applicant(holder, applicant, now):
    for key in (
        "kind",
        "name",
        "id_number",
        "tax_code",
        "address",
        "email",
        "phone",
        "legal_representative",
        "contact_person",
        "business_registration",
    ):
        value = applicant.get(key)
        setattr(
            holder,
            key,
            value if value is not None or key not in ("name", "address", "email", "phone") else "",
        )
    holder.updated_at = now


def _open_followup(session, brandname_id):
    return session.scalars(
        select(Application).where(
            Application.brandname_id == brandname_id,
            Application.kind.in_(("reissue", "renewal")),
            Application.status.in_(("submitted", "approved")),
        )
    ).first()


@act
def submit(
    session,
    *,
    applicant,
    names,
    actor,
    kind="issue",
    brandname=None,
    account_id=None,
    reissue_reason=None,
    commitments_confirmed=False,
    resubmission_of_id=None,
    now=None,
    rules=DEFAULT_RULES,
):
    """File Form 01: receipt at once, decision due within the working-day deadline.

    kind 'issue' asks for one or many new names; 'reissue' and 'renewal' name one held name
    (`brandname`, its text) and may update its purpose and details.
    """
    now = _now(now)
    if kind not in Application.KINDS:
        raise InvalidInput(f"Loại hồ sơ không hợp lệ: {kind!r}.", f"Unknown application kind {kind!r}.")
    if not commitments_confirmed:
        raise InvalidInput(
            "Người đăng ký phải xác nhận các cam kết của Bản khai (Mẫu số 01).",
            "The applicant must confirm the commitments of Form 01.",
        )
    applicant = form01.validate_applicant(applicant)
    if actor.kind == "applicant" and actor.holder_id is not None:
        own = session.get(Holder, actor.holder_id)
        if own and (own.kind, own.id_number) != (applicant["kind"], applicant["id_number"]):
            raise Forbidden(
                "Bạn chỉ được nộp hồ sơ cho tổ chức, cá nhân của tài khoản mình.",
                "You may only file for the holder of your own account.",
            )
    target = None
    if kind == "issue":
        entries = form01.validate_name_entries(names)
    else:
        target = find_brandname(session, brandname or "") if brandname else None
        if target is None:
            raise NotFound(
                "Không tìm thấy tên định danh cần cấp lại / gia hạn.",
                "No such sender name to reissue or renew.",
            )
        entries = form01.validate_name_entries(
            names or [{"purpose": target.purpose, "use_sms": target.use_sms, "use_voice": target.use_voice}],
            require_names=False,
        )[:1]
        entries[0]["name"] = target.name
    holder = _holder_for(session, applicant, now)
    if target is not None:
        # serialize follow-ups of one name: two racing renewals must not both pass the check below
        _lock_brandnames(session, [target.id])
        if target.holder_id != holder.id:
            raise Forbidden(
                "Tên định danh này không thuộc người đăng ký.",
                "This sender name is not held by the applicant.",
            )
        if target.status != "active":
            raise NotAllowed(
                f"Chỉ cấp lại hoặc gia hạn tên đang hoạt động; tên {target.name} đang ở trạng thái {target.status}.",
                f"Only an active name can be reissued or renewed; {target.name} is {target.status}.",
            )
        if _open_followup(session, target.id):
            raise NotAllowed(
                "Đã có một hồ sơ cấp lại / gia hạn đang xử lý cho tên này.",
                "A reissue or renewal of this name is already in progress.",
            )
    late = False
    if kind == "renewal":
        standing = dates.renewal_status(
            dates.local_date(now), target.valid_until, rules.renewal_window_days, rules.renewal_on_time_days
        )
        if standing == "too_early":
            opens = target.valid_until - timedelta(days=rules.renewal_window_days - 1)
            raise NotAllowed(
                f"Chưa đến thời hạn gia hạn: có thể nộp từ ngày {opens:%d/%m/%Y}.",
                f"Too early to renew: requests open on {opens.isoformat()}.",
            )
        if standing == "expired":
            raise NotAllowed(
                "Tên định danh đã hết hạn, không thể gia hạn; hãy nộp hồ sơ cấp mới.",
                "The name has expired and cannot be renewed; apply anew.",
            )
        late = standing == "late"
    if kind == "reissue" and reissue_reason not in ("lost", "changed_details"):
        raise InvalidInput(
            "Chọn lý do cấp lại: mất giấy chứng nhận hoặc thay đổi thông tin.",
            "Choose a reissue reason: lost certificate or changed details.",
        )
    if resubmission_of_id is not None:
        previous = session.get(Application, resubmission_of_id)
        if previous is None or previous.holder_id != holder.id or previous.status != "rejected":
            raise NotAllowed(
                "Chỉ nộp lại được hồ sơ đã bị từ chối của chính người đăng ký.",
                "Only the applicant's own rejected application can be resubmitted.",
            )
    application = Application(
        kind=kind,
        status="submitted",
        holder_id=holder.id,
        account_id=account_id,
        brandname_id=target.id if target else None,
        resubmission_of_id=resubmission_of_id,
        applicant=applicant,
        reissue_reason=reissue_reason if kind == "reissue" else None,
        commitments_confirmed=True,
        received_at=now,
        decision_due_at=dates.decision_deadline(now, rules.holidays, rules.decision_working_days),
        late=late,
    )
    session.add(application)
    session.flush()
    for entry in entries:
        session.add(
            RequestedName(
                application_id=application.id,
                name=entry["name"],
                name_normal=name_rules.normal_form(entry["name"]),
                confusable_key=name_rules.confusable_key(entry["name"]),
                purpose=entry["purpose"],
                use_sms=entry["use_sms"],
                use_voice=entry["use_voice"],
                products=entry["products"],
                sectors=entry["sectors"],
                carriers=entry["carriers"],
                status="pending",
                brandname_id=target.id if target else None,
            )
        )
    session.flush()
    record_event(
        session,
        actor,
        "submit",
        "application",
        application.id,
        now=now,
        application_id=application.id,
        name_normal=target.name_normal if target else None,
        details={
            "kind": kind,
            "names": [e["name"] for e in entries],
            "received_at": now.isoformat(),
            "decision_due_at": application.decision_due_at.isoformat(),
            "late": late,
            "resubmission_of": resubmission_of_id,
        },
    )
    return application


# -- decision -------------------------------------------------------------------------------


def _earlier_pending(session, application, requested):
    """Pending applications received before this one that ask for the same name."""
    return session.scalars(
        select(Application)
        .join(RequestedName)
        .where(
            RequestedName.name_normal == requested.name_normal,
            RequestedName.status == "pending",
            Application.status == "submitted",
            Application.kind == "issue",
            Application.id != application.id,
            or_(
                Application.received_at < application.received_at,
                and_(Application.received_at == application.received_at, Application.id < application.id),
            ),
        )
        .order_by(Application.received_at)
    ).first()


def _reserve(session, application, requested, actor, now, rules):
    existing = find_brandname(session, requested.name)
    if existing is not None:
        reclaim = existing.status == "expired" and existing.holder_id == application.holder_id
        if not reclaim:
            raise Conflict(
                f"Tên định danh {existing.name} đã được cấp hoặc đang bị phong tỏa (trạng thái: {existing.status}).",
                f"The sender name {existing.name} is already held or blocked (status: {existing.status}).",
                details={"name": requested.name, "status": existing.status},
            )
        existing.status, existing.released_at = "released", now
        session.flush()
        record_event(
            session,
            actor,
            "release",
            "brandname",
            existing.id,
            now=now,
            name_normal=existing.name_normal,
            details={
                "reason": "reclaimed by its former holder with a new application",
                "application_id": application.id,
            },
        )
    brandname = Brandname(
        name=requested.name,
        name_normal=requested.name_normal,
        confusable_key=requested.confusable_key,
        holder_id=application.holder_id,
        status="reserved",
        use_sms=requested.use_sms,
        use_voice=requested.use_voice,
        purpose=requested.purpose,
        reserved_at=now,
        application_id=application.id,
    )
    session.add(brandname)
    session.flush()  # the live-name unique index decides a race here
    requested.brandname_id = brandname.id
    return brandname


def _refuse_later_requests(session, winner_app, requested, actor, now):
    """First come, first served: later pending requests for the reserved name are refused."""
    losers = session.scalars(
        select(RequestedName)
        .join(Application)
        .where(
            RequestedName.name_normal == requested.name_normal,
            RequestedName.status == "pending",
            Application.status == "submitted",
            Application.kind == "issue",
            Application.id != winner_app.id,
        )
        .with_for_update()
    ).all()
    for rn in losers:
        rn.status = "rejected"
        rn.rejection_reason = (
            f"Tên {requested.name} đã được chấp thuận cho hồ sơ số {winner_app.id} nộp trước "
            f"(nguyên tắc đăng ký trước được xét trước)."
        )
        app = rn.application
        remaining = [n for n in app.names if n.status == "pending"]
        details = {"name": rn.name, "winner_application_id": winner_app.id}
        if not remaining:
            app.status, app.decided_at, app.closed_at = "rejected", now, now
            app.reasons = rn.rejection_reason
            details["application_rejected"] = True
        session.flush()
        record_event(
            session,
            actor,
            "auto_reject",
            "application",
            app.id,
            now=now,
            application_id=app.id,
            name_normal=rn.name_normal,
            details=details,
        )


@act
def approve(session, application_id, *, actor, refuse=None, now=None, rules=DEFAULT_RULES):
    """Officer's approval: names reserved, fee falls due. `refuse` maps requested-name ids to
    reasons for the names of a multi-name application that are refused."""
    now = _now(now)
    _require_staff(actor)
    application = _get(session, Application, application_id, what_vi="hồ sơ", what_en="application")
    if application.status == "rejected" and session.scalar(
        select(Event.seq).where(Event.act == "auto_reject", Event.application_id == application.id).limit(1)
    ):
        # lost a race (or the queue) to an earlier application for the same name
        raise Conflict(
            f"Hồ sơ số {application.id} đã bị từ chối vì tên đã được chấp thuận cho hồ sơ nộp trước.",
            f"Application {application.id} was refused: the name was approved for an earlier application.",
            details={"application_id": application.id},
        )
    _require_undecided(application)
    refuse = {int(k): (v or "").strip() for k, v in (refuse or {}).items()}
    pending = [rn for rn in application.names if rn.status == "pending"]
    unknown = set(refuse) - {rn.id for rn in pending}
    if unknown or any(not reason for reason in refuse.values()):
        raise InvalidInput(
            "Mỗi tên bị từ chối phải thuộc hồ sơ và có lý do.",
            "Each refused name must belong to the application and carry a reason.",
        )
    to_approve = [rn for rn in pending if rn.id not in refuse]
    if not to_approve:
        raise NotAllowed(
            "Không còn tên nào được chấp thuận; hãy dùng thao tác từ chối hồ sơ.",
            "No name is left to approve; reject the application instead.",
        )
    warnings = {}
    if application.kind == "issue":
        for rn in to_approve:
            earlier = _earlier_pending(session, application, rn)
            if earlier is not None:
                raise Conflict(
                    f"Hồ sơ số {earlier.id} nộp trước ({earlier.received_at:%d/%m/%Y %H:%M} UTC) cũng đăng ký "
                    f"tên {rn.name}; phải xét hồ sơ đó trước.",
                    f"Application {earlier.id}, received earlier, also asks for {rn.name}; "
                    "it must be decided first.",
                    details={"earlier_application_id": earlier.id},
                )
        for rn in to_approve:
            matches = confusable_matches(
                session, rn.name, include_pending=True, exclude_application_id=application.id
            )
            if matches:
                warnings[rn.name] = matches
            _reserve(session, application, rn, actor, now, rules)
            rn.status = "approved"
    else:
        target = _get(
            session, Brandname, application.brandname_id, what_vi="tên định danh", what_en="sender name"
        )
        if target.status != "active":
            raise NotAllowed(
                f"Tên {target.name} không còn hoạt động (trạng thái: {target.status}).",
                f"{target.name} is no longer active (status: {target.status}).",
            )
        to_approve[0].status = "approved"
    for rn in pending:
        if rn.id in refuse:
            rn.status, rn.rejection_reason = "rejected", refuse[rn.id]
    line = fees.fee_for(application.kind, dates.local_date(now), rules.fee_schedule)
    application.status = "approved"
    application.decided_at, application.decided_by_id = now, actor.id
    application.fee_vnd, application.fee_source = line.amount_vnd, line.source
    application.payment_due_at = now + timedelta(days=rules.payment_days)
    session.flush()
    record_event(
        session,
        actor,
        "approve",
        "application",
        application.id,
        now=now,
        application_id=application.id,
        name_normal=application.brandname.name_normal if application.brandname else None,
        details={
            "approved": [rn.name for rn in to_approve],
            "refused": {rn.name: refuse[rn.id] for rn in pending if rn.id in refuse},
            "fee_vnd": line.amount_vnd,
            "confusable_warnings": warnings,
            "decided_after_deadline": now > application.decision_due_at,
        },
    )
    if application.kind == "issue":
        for rn in to_approve:
            _refuse_later_requests(session, application, rn, actor, now)
    return application


@act
def reject(session, application_id, *, actor, reasons, now=None):
    """Officer's refusal, with the reasons the applicant will read."""
    now = _now(now)
    _require_staff(actor)
    reasons = (reasons or "").strip()
    if not reasons:
        raise InvalidInput("Phải nêu lý do từ chối.", "A rejection needs its reasons.")
    application = _get(session, Application, application_id, what_vi="hồ sơ", what_en="application")
    _require_undecided(application)
    application.status, application.reasons = "rejected", reasons
    application.decided_at, application.decided_by_id, application.closed_at = now, actor.id, now
    for rn in application.names:
        if rn.status == "pending":
            rn.status, rn.rejection_reason = "rejected", reasons
    session.flush()
    record_event(
        session,
        actor,
        "reject",
        "application",
        application.id,
        now=now,
        application_id=application.id,
        details={"reasons": reasons},
    )
    return application


@act
def withdraw(session, application_id, *, actor, now=None):
    """The applicant takes back an application that has not been decided."""
    now = _now(now)
    application = _get(session, Application, application_id, what_vi="hồ sơ", what_en="application")
    _require_holder_or_staff(actor, application.holder_id)
    if application.status != "submitted":
        raise NotAllowed(
            "Chỉ rút được hồ sơ đang chờ quyết định.",
            "Only an application awaiting a decision can be withdrawn.",
        )
    application.status, application.closed_at = "withdrawn", now
    for rn in application.names:
        if rn.status == "pending":
            rn.status = "withdrawn"
    session.flush()
    record_event(
        session, actor, "withdraw", "application", application.id, now=now, application_id=application.id
    )
    return application


# -- payment and issue ----------------------------------------------------------------------


@act
def record_payment(session, application_id, *, actor, reference, amount_vnd=None, now=None):
    """The applicant records how the fee was paid; an officer confirms it later."""
    now = _now(now)
    application = _get(session, Application, application_id, what_vi="hồ sơ", what_en="application")
    _require_holder_or_staff(actor, application.holder_id)
    if application.status != "approved":
        raise NotAllowed(
            "Chỉ nộp lệ phí cho hồ sơ đã được chấp thuận và chưa cấp.",
            "A fee is paid only for an approved application not yet issued.",
        )
    reference = " ".join((reference or "").split())
    if not reference or len(reference) > 100:
        raise InvalidInput(
            "Nhập mã giao dịch thanh toán (tối đa 100 ký tự).",
            "Enter the payment reference (at most 100 characters).",
        )
    amount = application.fee_vnd if amount_vnd is None else amount_vnd
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        raise InvalidInput("Số tiền không hợp lệ.", "The amount is not valid.")
    payment = Payment(
        application_id=application.id,
        amount_vnd=amount,
        reference=reference,
        status="recorded",
        recorded_at=now,
        recorded_by_id=actor.id,
    )
    session.add(payment)
    session.flush()
    record_event(
        session,
        actor,
        "record_payment",
        "payment",
        payment.id,
        now=now,
        application_id=application.id,
        details={"reference": reference, "amount_vnd": amount},
    )
    return payment


@act
def confirm_payment(session, payment_id, *, actor, keys, now=None, rules=DEFAULT_RULES):
    """An officer confirms the fee; the certificates are issued in the same transaction."""
    now = _now(now)
    _require_staff(actor)
    payment = _get(session, Payment, payment_id, what_vi="khoản thanh toán", what_en="payment")
    application = _get(session, Application, payment.application_id, what_vi="hồ sơ", what_en="application")
    if payment.status != "recorded":
        raise NotAllowed("Khoản thanh toán này đã được xử lý.", "This payment was already handled.")
    if application.status != "approved":
        raise NotAllowed(
            f"Hồ sơ số {application.id} không chờ lệ phí (trạng thái: {application.status}).",
            f"Application {application.id} is not awaiting its fee (status: {application.status}).",
        )
    if payment.amount_vnd < (application.fee_vnd or 0):
        raise NotAllowed(
            f"Số tiền {payment.amount_vnd:,} đồng thấp hơn lệ phí {application.fee_vnd:,} đồng.",
            f"The amount {payment.amount_vnd:,} VND is below the fee {application.fee_vnd:,} VND.",
        )
    # Lock the names this issuance touches BEFORE the event counter: every act takes its row
    # locks first and the counter last, so a revocation racing a renewal cannot deadlock.
    _lock_brandnames(
        session,
        [application.brandname_id]
        if application.kind != "issue"
        else [rn.brandname_id for rn in application.names if rn.status == "approved"],
    )
    payment.status, payment.confirmed_at, payment.confirmed_by_id = "confirmed", now, actor.id
    session.flush()
    record_event(
        session,
        actor,
        "confirm_payment",
        "payment",
        payment.id,
        now=now,
        application_id=application.id,
        details={"reference": payment.reference, "amount_vnd": payment.amount_vnd},
    )
    result = Result(applications=[application])
    _issue(session, application, actor=actor, keys=keys, now=now, rules=rules, result=result)
    return result


def _lock_brandnames(session, ids):
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


def _certificate_record(cert, brandname, holder, rules):
    return {
        "type": "brandname-certificate",
        "version": 1,
        "serial": cert.serial,
        "kind": cert.kind,
        "name": brandname.name,
        "name_normal": brandname.name_normal,
        "forms_of_use": [f for f, on in (("sms", brandname.use_sms), ("voice", brandname.use_voice)) if on],
        "holder": {
            "kind": holder.kind,
            "name": holder.name,
            "id_number": holder.public_id_number(),
            "address": holder.address,
        },
        "issued_at": cert.issued_at.replace(microsecond=0).isoformat() + "Z",
        "valid_from": cert.valid_from.isoformat(),
        "valid_until": cert.valid_until.isoformat(),
        "previous_serial": cert.previous_serial,
        "authority": rules.authority,
    }


def make_certificate(
    session, brandname, *, kind, keys, now, rules, application_id=None, valid_from, valid_until
):
    """Add a signed certificate for `brandname`; supersede its current one. Part of an act."""
    previous = session.scalars(
        select(Certificate)
        .where(Certificate.brandname_id == brandname.id, Certificate.status == "current")
        .with_for_update()
    ).first()
    serial_no = next_value(session, "serial")
    cert = Certificate(
        serial=f"BN-{dates.local_date(now).year}-{serial_no:07d}",
        brandname_id=brandname.id,
        application_id=application_id,
        kind=kind,
        status="current",
        issued_at=now,
        valid_from=valid_from,
        valid_until=valid_until,
        previous_serial=previous.serial if previous else None,
        record="",
        signature="",
        kid="",
    )
    record, token = keys.sign_json(_certificate_record(cert, brandname, brandname.holder, rules))
    cert.record, cert.signature, cert.kid = record.decode("utf-8"), token, keys.current_kid
    if previous is not None:
        previous.status, previous.superseded_by_serial = "superseded", cert.serial
    session.add(cert)
    session.flush()
    crash_point("after_certificate_insert")
    return cert


def _issue(session, application, *, actor, keys, now, rules, result):
    today = dates.local_date(now)
    holder = application.holder
    _copy_applicant(holder, application.applicant, now)
    if application.kind == "issue":
        for rn in application.names:
            if rn.status != "approved":
                continue
            bn = _get(session, Brandname, rn.brandname_id, what_vi="tên định danh", what_en="sender name")
            if bn.status != "reserved":
                raise NotAllowed(
                    f"Tên {bn.name} không còn được giữ chỗ (trạng thái: {bn.status}).",
                    f"{bn.name} is no longer reserved (status: {bn.status}).",
                )
            bn.status, bn.valid_from, bn.valid_until = "active", today, dates.validity_end(today)
            cert = make_certificate(
                session,
                bn,
                kind="issue",
                keys=keys,
                now=now,
                rules=rules,
                application_id=application.id,
                valid_from=today,
                valid_until=bn.valid_until,
            )
            rn.status = "issued"
            _after_issue(session, actor, bn, cert, application, now, result)
    else:
        bn = _get(
            session, Brandname, application.brandname_id, what_vi="tên định danh", what_en="sender name"
        )
        if bn.status != "active" or bn.valid_until < today:
            raise NotAllowed(
                f"Tên {bn.name} không còn hoạt động (trạng thái: {bn.status}); không thể "
                f"{'gia hạn' if application.kind == 'renewal' else 'cấp lại'}.",
                f"{bn.name} is no longer active (status: {bn.status}); cannot {application.kind}.",
            )
        rn = application.names[0]
        bn.purpose, bn.use_sms, bn.use_voice = rn.purpose, rn.use_sms, rn.use_voice
        if application.kind == "renewal":
            bn.valid_until = dates.renewed_validity_end(bn.valid_until)
        cert = make_certificate(
            session,
            bn,
            kind=application.kind,
            keys=keys,
            now=now,
            rules=rules,
            application_id=application.id,
            valid_from=today,
            valid_until=bn.valid_until,
        )
        rn.status = "issued"
        _after_issue(session, actor, bn, cert, application, now, result)
    application.status, application.closed_at = "issued", now
    session.flush()


def _after_issue(session, actor, bn, cert, application, now, result):
    session.flush()
    result.brandnames.append(bn)
    result.certificates.append(cert)
    result.events.append(
        record_event(
            session,
            actor,
            application.kind,
            "certificate",
            cert.id,
            now=now,
            name_normal=bn.name_normal,
            application_id=application.id,
            details={
                "serial": cert.serial,
                "previous_serial": cert.previous_serial,
                "valid_from": cert.valid_from.isoformat(),
                "valid_until": cert.valid_until.isoformat(),
                "holder_id": bn.holder_id,
            },
        )
    )


# -- revocation, expiry, release ------------------------------------------------------------


def _check_evidence(ground, evidence):
    if ground not in REVOCATION_GROUNDS or ground == "expired":
        raise InvalidInput(
            "Căn cứ thu hồi không hợp lệ; chọn một trong: "
            + ", ".join(g for g in REVOCATION_GROUNDS if g != "expired"),
            "Unknown revocation ground; choose one of: "
            + ", ".join(g for g in REVOCATION_GROUNDS if g != "expired"),
        )
    evidence = {k: " ".join(str(v).split()) for k, v in (evidence or {}).items() if v not in (None, "")}
    missing = [f for f in REVOCATION_GROUNDS[ground][3] if not evidence.get(f)]
    if missing:
        raise InvalidInput(
            "Thiếu căn cứ chứng minh: " + ", ".join(missing), "Missing evidence: " + ", ".join(missing)
        )
    for key in ("conclusion_date", "request_date", "due_date"):
        if key in evidence:
            try:
                date.fromisoformat(evidence[key])
            except ValueError:
                raise InvalidInput(
                    f"Ngày không hợp lệ ({key}): dùng dạng YYYY-MM-DD.",
                    f"Invalid date ({key}): use YYYY-MM-DD.",
                ) from None
    return evidence


def _revoke(session, bn, *, ground, evidence, note, actor, now, rules, proposal_id=None):
    _require_revocable(bn)
    today = dates.local_date(now)
    bn.status, bn.revoked_at, bn.revocation_ground = "revoked", now, ground
    bn.revocation_note = note or None
    bn.blocked_until = today + timedelta(days=rules.quarantine_days)
    session.flush()
    return record_event(
        session,
        actor,
        "revoke",
        "brandname",
        bn.id,
        now=now,
        name_normal=bn.name_normal,
        details={
            "ground": ground,
            "letter": REVOCATION_GROUNDS[ground][0],
            "evidence": evidence,
            "note": note or "",
            "proposal_id": proposal_id,
            "blocked_until": bn.blocked_until.isoformat(),
        },
    )


@act
def give_up(session, brandname_id, *, actor, request_note="", now=None, rules=DEFAULT_RULES):
    """Revocation at the holder's request (ground d): takes effect at once."""
    now = _now(now)
    bn = _get(session, Brandname, brandname_id, what_vi="tên định danh", what_en="sender name")
    _require_holder_or_staff(actor, bn.holder_id)
    return _revoke(
        session,
        bn,
        ground="holder_request",
        evidence={"request": (request_note or "").strip() or "holder's request"},
        note=request_note,
        actor=actor,
        now=now,
        rules=rules,
    )


@act
def propose_revocation(session, brandname_id, *, actor, ground, evidence, note="", now=None):
    """First officer of a two-person revocation (grounds a, b, đ)."""
    now = _now(now)
    _require_staff(actor)
    if ground not in TWO_PERSON_GROUNDS:
        raise InvalidInput(
            "Căn cứ này không thu hồi theo đề xuất của cán bộ.",
            "This ground is not revoked on an officer's proposal.",
        )
    evidence = _check_evidence(ground, evidence)
    bn = _get(session, Brandname, brandname_id, what_vi="tên định danh", what_en="sender name")
    _require_revocable(bn)
    if session.scalars(
        select(RevocationProposal).where(
            RevocationProposal.brandname_id == bn.id, RevocationProposal.status == "proposed"
        )
    ).first():
        raise NotAllowed(
            "Đã có đề xuất thu hồi đang chờ xác nhận cho tên này.",
            "A revocation proposal for this name is already awaiting confirmation.",
        )
    proposal = RevocationProposal(
        brandname_id=bn.id,
        ground=ground,
        evidence=evidence,
        note=(note or "").strip(),
        status="proposed",
        proposed_by_id=actor.id,
        proposed_at=now,
    )
    session.add(proposal)
    session.flush()
    record_event(
        session,
        actor,
        "propose_revocation",
        "revocation_proposal",
        proposal.id,
        now=now,
        name_normal=bn.name_normal,
        details={"ground": ground, "evidence": evidence, "note": proposal.note},
    )
    return proposal


def _decidable_proposal(session, proposal_id, actor):
    if actor.kind not in SUPERVISORS:
        raise Forbidden(
            "Chỉ lãnh đạo (supervisor) xác nhận đề xuất thu hồi.",
            "Only a supervisor confirms a revocation proposal.",
        )
    proposal = _get(
        session, RevocationProposal, proposal_id, what_vi="đề xuất thu hồi", what_en="revocation proposal"
    )
    if proposal.status != "proposed":
        raise NotAllowed("Đề xuất này đã được xử lý.", "This proposal was already decided.")
    if actor.id is not None and actor.id == proposal.proposed_by_id:
        raise Forbidden(
            "Người đề xuất không tự xác nhận đề xuất của mình.",
            "The proposer cannot confirm their own proposal.",
        )
    return proposal


@act
def confirm_revocation(session, proposal_id, *, actor, now=None, rules=DEFAULT_RULES):
    """The supervisor's confirmation: the name is revoked now."""
    now = _now(now)
    proposal = _decidable_proposal(session, proposal_id, actor)
    bn = _get(session, Brandname, proposal.brandname_id, what_vi="tên định danh", what_en="sender name")
    proposal.status, proposal.decided_by_id, proposal.decided_at = "confirmed", actor.id, now
    return _revoke(
        session,
        bn,
        ground=proposal.ground,
        evidence=proposal.evidence,
        note=proposal.note,
        actor=actor,
        now=now,
        rules=rules,
        proposal_id=proposal.id,
    )


@act
def decline_revocation(session, proposal_id, *, actor, reason, now=None):
    now = _now(now)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Phải nêu lý do không xác nhận.", "A reason is required.")
    proposal = _decidable_proposal(session, proposal_id, actor)
    proposal.status, proposal.decided_by_id, proposal.decided_at = "declined", actor.id, now
    session.flush()
    return record_event(
        session,
        actor,
        "decline_revocation",
        "revocation_proposal",
        proposal.id,
        now=now,
        name_normal=proposal.brandname.name_normal,
        details={"reason": reason},
    )


@act
def expire(session, *, today=None, actor=None, rules=DEFAULT_RULES, now=None):
    """Ground c, by the system: active names past their last valid day become expired.

    Idempotent: a name already expired is not touched again.
    """
    now = _now(now)
    today = today or dates.local_date(now)
    actor = actor or Actor.system()
    expired = []
    for bn in session.scalars(
        select(Brandname)
        .where(Brandname.status == "active", Brandname.valid_until < today)
        .order_by(Brandname.id)
        .with_for_update()
    ):
        bn.status, bn.expired_at = "expired", now
        bn.blocked_until = bn.valid_until + timedelta(days=rules.quarantine_days)
        session.flush()
        record_event(
            session,
            actor,
            "expire",
            "brandname",
            bn.id,
            now=now,
            name_normal=bn.name_normal,
            details={
                "ground": "expired",
                "letter": "c",
                "expiry_date": bn.valid_until.isoformat(),
                "blocked_until": bn.blocked_until.isoformat(),
            },
        )
        expired.append(bn)
    return expired


@act
def lapse_unpaid(session, *, now=None, actor=None):
    """Approvals whose fee stayed unpaid past the deadline lapse; reserved names are freed."""
    now = _now(now)
    actor = actor or Actor.system()
    lapsed = []
    for application in session.scalars(
        select(Application)
        .where(Application.status == "approved", Application.payment_due_at < now)
        .order_by(Application.id)
        .with_for_update()
    ):
        freed = []
        for rn in application.names:
            if rn.status != "approved":
                continue
            rn.status = "lapsed"
            if application.kind == "issue" and rn.brandname_id:
                bn = session.get(Brandname, rn.brandname_id)
                if bn.status == "reserved":
                    bn.status, bn.released_at = "released", now
                    freed.append(bn.name)
        application.status, application.closed_at = "lapsed", now
        session.flush()
        record_event(
            session,
            actor,
            "lapse",
            "application",
            application.id,
            now=now,
            application_id=application.id,
            details={"payment_due_at": application.payment_due_at.isoformat(), "freed": freed},
        )
        lapsed.append(application)
    return lapsed


@act
def release(session, brandname_id, *, actor, reason, now=None):
    """An officer frees an expired or revoked name before its quarantine ends."""
    now = _now(now)
    _require_staff(actor)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Phải nêu lý do giải phóng tên.", "A release needs a reason.")
    bn = _get(session, Brandname, brandname_id, what_vi="tên định danh", what_en="sender name")
    if bn.status not in ("expired", "revoked"):
        raise NotAllowed(
            "Chỉ giải phóng tên đã hết hạn hoặc đã bị thu hồi.",
            "Only an expired or revoked name can be released.",
        )
    bn.status, bn.released_at = "released", now
    session.flush()
    return record_event(
        session,
        actor,
        "release",
        "brandname",
        bn.id,
        now=now,
        name_normal=bn.name_normal,
        details={"reason": reason},
    )


@act
def release_quarantined(session, *, today=None, now=None):
    """Names whose quarantine has passed become free for anyone."""
    now = _now(now)
    today = today or dates.local_date(now)
    released = []
    for bn in session.scalars(
        select(Brandname)
        .where(Brandname.status.in_(("expired", "revoked")), Brandname.blocked_until <= today)
        .order_by(Brandname.id)
        .with_for_update()
    ):
        bn.status, bn.released_at = "released", now
        session.flush()
        record_event(
            session,
            Actor.system(),
            "release",
            "brandname",
            bn.id,
            now=now,
            name_normal=bn.name_normal,
            details={"reason": "quarantine ended", "blocked_until": bn.blocked_until.isoformat()},
        )
        released.append(bn)
    return released


def daily(session, *, today=None, now=None, rules=DEFAULT_RULES):
    """The scheduled duties, each its own act: expire, lapse unpaid approvals, end quarantines."""
    now = _now(now)
    expired = expire(session, today=today, now=now, rules=rules)
    lapsed = lapse_unpaid(session, now=now)
    released = release_quarantined(session, today=today, now=now)
    return {
        "expired": [b.name for b in expired],
        "lapsed": [a.id for a in lapsed],
        "released": [b.name for b in released],
    }


# -- authorizations -------------------------------------------------------------------------


@act
def authorize(session, brandname_id, *, actor, party_id_number, party_name, now=None):
    """The holder allows another party (by enterprise code) to send under the name."""
    now = _now(now)
    bn = _get(session, Brandname, brandname_id, what_vi="tên định danh", what_en="sender name")
    _require_holder_or_staff(actor, bn.holder_id)
    party_id_number = "".join((party_id_number or "").split()).upper()
    party_name = " ".join((party_name or "").split())
    if (
        not party_id_number.replace("-", "").isalnum()
        or not 6 <= len(party_id_number) <= 20
        or not party_name
    ):
        raise InvalidInput(
            "Nhập mã số doanh nghiệp (6–20 chữ và số) và tên bên được ủy quyền.",
            "Enter the authorized party's enterprise code (6–20 letters and digits) and name.",
        )
    if bn.status not in ("active", "reserved"):
        raise NotAllowed("Chỉ ủy quyền cho tên đang hoạt động.", "Only an active name can be delegated.")
    if session.scalars(
        select(Authorization).where(
            Authorization.brandname_id == bn.id,
            Authorization.party_id_number == party_id_number,
            Authorization.withdrawn_at.is_(None),
        )
    ).first():
        raise Conflict(
            "Bên này đã được ủy quyền cho tên định danh này.",
            "This party is already authorized for this name.",
        )
    auth = Authorization(
        brandname_id=bn.id, party_id_number=party_id_number, party_name=party_name, created_at=now
    )
    session.add(auth)
    session.flush()
    record_event(
        session,
        actor,
        "authorize",
        "authorization",
        auth.id,
        now=now,
        name_normal=bn.name_normal,
        details={"party_id_number": party_id_number, "party_name": party_name},
    )
    return auth


@act
def withdraw_authorization(session, authorization_id, *, actor, now=None):
    now = _now(now)
    auth = _get(session, Authorization, authorization_id, what_vi="ủy quyền", what_en="authorization")
    bn = session.get(Brandname, auth.brandname_id)
    _require_holder_or_staff(actor, bn.holder_id)
    if auth.withdrawn_at is not None:
        raise NotAllowed("Ủy quyền này đã được thu hồi.", "This authorization was already withdrawn.")
    auth.withdrawn_at = now
    session.flush()
    record_event(
        session,
        actor,
        "withdraw_authorization",
        "authorization",
        auth.id,
        now=now,
        name_normal=bn.name_normal,
        details={"party_id_number": auth.party_id_number},
    )
    return auth


def active_authorizations(session, brandname_id):
    return session.scalars(
        select(Authorization)
        .where(Authorization.brandname_id == brandname_id, Authorization.withdrawn_at.is_(None))
        .order_by(Authorization.id)
    ).all()


def event_count(session):
    return session.scalar(select(func.count()).select_from(Event))


# -- documents (issue 4: web portals) -------------------------------------------------------


@act
def attach_document(
    session,
    application_id,
    *,
    actor,
    kind,
    original_filename,
    stored_name,
    content_type,
    size,
    sha256,
    now=None,
):
    """Add an uploaded dossier document to an application still awaiting its decision.

    The bytes are already stored (brandname/uploads.py) under `stored_name`; this records them.
    """
    from brandname.store.models import Document

    now = _now(now)
    application = _get(session, Application, application_id, what_vi="hồ sơ", what_en="application")
    _require_holder_or_staff(actor, application.holder_id)
    if application.status != "submitted":
        raise NotAllowed(
            "Chỉ bổ sung tài liệu cho hồ sơ đang chờ quyết định.",
            "Documents can be added only while the application awaits its decision.",
        )
    if kind not in Document.KINDS:
        raise InvalidInput("Loại tài liệu không hợp lệ.", "Unknown document kind.")
    document = Document(
        application_id=application.id,
        kind=kind,
        original_filename=original_filename,
        stored_name=stored_name,
        content_type=content_type,
        size=size,
        sha256=sha256,
        uploaded_at=now,
        uploaded_by_id=actor.id,
    )
    session.add(document)
    session.flush()
    record_event(
        session,
        actor,
        "attach_document",
        "document",
        document.id,
        now=now,
        application_id=application.id,
        details={"kind": kind, "content_type": content_type, "size": size, "sha256": sha256},
    )
    return document
