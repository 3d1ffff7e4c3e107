"""Filing and deciding Form 01 (Art. 24-26): submit, approve, reject, withdraw, and the dossier's
documents.
"""

from datetime import timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from brandname.errors import Conflict, Forbidden, InvalidInput, NotAllowed, NotFound
from brandname.lifecycle import drafts, queries
from brandname.lifecycle._kernel import (
    DEFAULT_RULES,
    Result,
    act,
    fetch,
    lock_brandnames,
    moment,
    record_event,
    require_holder_or_staff,
    require_staff,
)
from brandname.lifecycle.queries import decision_warnings, find_brandname, warning_decisions, warnings_for
from brandname.lifecycle.revocation import close_renewal
from brandname.rules import dates, dossier_code, fees, form01
from brandname.rules import dossier as dossier_rules
from brandname.rules import names as name_rules
from brandname.store.models import (
    Account,
    Application,
    Brandname,
    Document,
    Event,
    Holder,
    RequestedName,
)


def _require_undecided(application):
    if application.status != "submitted":
        raise NotAllowed(
            f"Hồ sơ số {application.id} không chờ quyết định (trạng thái: {application.status}).",
            f"Application {application.id} is not awaiting a decision (status: {application.status}).",
        )


def _holder_for(session, applicant, now):
    holder = session.scalars(
        select(Holder).where(Holder.kind == applicant["kind"], Holder.id_number == applicant["id_number"])
    ).first()
    if holder is None:
        holder = Holder(created_at=now, updated_at=now)
        update_holder(holder, applicant, now)
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


# the details a later filing may change (the kind and identifier of a holder stay)
HOLDER_DETAILS = tuple(k for k in form01.APPLICANT_KEYS if k not in ("kind", "id_number"))


def take_holder_details(session, holder, application, *, actor, now):
    """Art. 27: the holder's record takes the details of the Form 01 a certificate is issued
    from, unless it already carries those of a later filing. Records an `update_holder` event
    naming the fields that changed; the values before and after stay in the filings themselves
    (each application keeps its applicant section as filed) and in the signed certificates."""
    if holder.details_received_at is not None and application.received_at < holder.details_received_at:
        return []
    before = {k: getattr(holder, k) for k in HOLDER_DETAILS}
    update_holder(holder, application.applicant, now)
    holder.details_received_at = application.received_at
    changed = [k for k in HOLDER_DETAILS if (getattr(holder, k) or "") != (before[k] or "")]
    if changed:
        session.flush()
        record_event(
            session,
            actor,
            "update_holder",
            "holder",
            holder.id,
            now=now,
            application_id=application.id,
            details={"fields": changed, "from_application_id": application.id},
        )
    return changed


def update_holder(holder, applicant, now):
    for key in form01.APPLICANT_KEYS:
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


def _check_filing(kind, commitments_confirmed, reissue_reason):
    """The filing's own choices; returns the problems (the form shows them all at once)."""
    if kind not in Application.KINDS:
        raise InvalidInput(f"Loại hồ sơ không hợp lệ: {kind!r}.", f"Unknown application kind {kind!r}.")
    problems = []
    if kind == "reissue" and reissue_reason not in ("lost", "changed_details"):
        problems.append(
            form01.field_error(
                "reissue_reason",
                "Chọn lý do cấp lại: mất giấy chứng nhận hoặc thay đổi thông tin.",
                "Choose a reissue reason: lost certificate or changed details.",
            )
        )
    if not commitments_confirmed:
        problems.append(
            form01.field_error(
                "commitments",
                "Người đăng ký phải xác nhận các cam kết của Bản khai (Mẫu số 01).",
                "The applicant must confirm the commitments of Form 01.",
            )
        )
    return problems


def _try(check, problems):
    try:
        return check()
    except InvalidInput as exc:
        problems.append(exc)
        return None


def _refuse_pending_duplicates(session, holder, entries):
    """One holder asks for a name once at a time: a name already in another of its applications
    still being decided or awaiting its fee is refused, naming that application."""
    # the holder's row lock serializes its filings, so two racing ones cannot both pass
    session.scalars(select(Holder.id).where(Holder.id == holder.id).with_for_update()).all()
    wanted = {name_rules.normal_form(e["name"]): e for e in entries}
    rows = session.execute(
        select(RequestedName.name_normal, Application.id)
        .join(Application)
        .where(
            Application.holder_id == holder.id,
            Application.kind == "issue",
            Application.status.in_(("submitted", "approved")),
            RequestedName.status.in_(("pending", "approved")),
            RequestedName.name_normal.in_(list(wanted)),
        )
        .order_by(Application.id)
    ).all()
    if not rows:
        return
    problems, seen = [], set()
    for normal, other_id in rows:
        if normal in seen:
            continue
        seen.add(normal)
        entry = wanted[normal]
        problems.append(
            {
                "index": entry["row"],
                "field": "name",
                "message": f"tên {entry['name']} đã có trong hồ sơ số {other_id} của bạn đang được xử lý",
                "message_en": f"{entry['name']} is already in your application {other_id}, still in progress",
            }
        )
    raise Conflict(
        "Không nộp trùng: "
        + "; ".join(p["message"] for p in problems)
        + ". Theo dõi hồ sơ đó, hoặc rút hồ sơ đó trước khi nộp lại.",
        "No duplicate filing: "
        + "; ".join(p["message_en"] for p in problems)
        + ". Follow that application, or withdraw it before filing again.",
        details={"names": problems},
    )


def _check_account_may_file(session, actor):
    """An applicant files once its account has proved its email, and only while it still belongs
    to the holder it acts for (a member removed a moment ago files nothing)."""
    from brandname.lifecycle.accounts import unverified_email

    if actor.kind != "applicant" or actor.id is None:
        return
    account = session.get(Account, actor.id)
    if account is None:
        return
    if account.holder_id != actor.holder_id:
        raise Forbidden(
            "Tài khoản không còn thuộc tổ chức, cá nhân này.",
            "The account no longer belongs to this holder.",
        )
    if account.email_verified_at is None:
        raise unverified_email()


def _refuse_protected_variants(session, holder_id, names):
    """A variant an officer protected for another holder's name is blocked for everyone else."""
    blocked = queries.protected_variants_of(session, names, except_holder_id=holder_id)
    if not blocked:
        return
    raise Conflict(
        "Không thể đăng ký: "
        + "; ".join(f"{v.name} là biến thể được bảo vệ của tên {v.brandname.name}" for v in blocked)
        + ".",
        "Not available: "
        + "; ".join(f"{v.name} is a protected variant of {v.brandname.name}" for v in blocked)
        + ".",
        details={"protected_variants": [{"name": v.name, "variant_of": v.brandname.name} for v in blocked]},
    )


def _check_files_for_own_holder(session, actor, applicant):
    _check_account_may_file(session, actor)
    if actor.kind != "applicant" or actor.holder_id is None:
        return
    own = session.get(Holder, actor.holder_id)
    if own and (own.kind, own.id_number) != (applicant["kind"], applicant["id_number"]):
        raise Forbidden(
            "Bạn chỉ được nộp hồ sơ cho tổ chức, cá nhân của tài khoản mình.",
            "You may only file for the holder of your own account.",
        )


def _followup_target(session, kind, brandname):
    """The held name a reissue or renewal is about; None for a new issue."""
    if kind == "issue":
        return None
    target = find_brandname(session, brandname or "") if brandname else None
    if target is None:
        raise NotFound(
            "Không tìm thấy tên định danh cần cấp lại / gia hạn.",
            "No such sender name to reissue or renew.",
        )
    return target


def _name_entries(kind, names, target, rules):
    if target is None:
        return form01.validate_name_entries(names, carriers=rules.carriers)
    # a follow-up names one held name; the form may update its purpose and forms of use
    entries = form01.validate_name_entries(
        names or [{"purpose": target.purpose, "use_sms": target.use_sms, "use_voice": target.use_voice}],
        require_names=False,
        carriers=rules.carriers,
    )[:1]
    entries[0]["name"] = target.name
    return entries


def _check_followup(session, target, holder):
    # serialize follow-ups of one name: two racing renewals must not both pass the checks below
    lock_brandnames(session, [target.id])
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


def _renewal_is_late(target, now, rules):
    """Refuse a renewal outside its window; True when it is filed after the on-time limit."""
    standing = dates.renewal_status(
        dates.local_date(now), target.valid_until, rules.renewal_window_days, rules.renewal_on_time_days
    )
    if standing == "too_early":
        opens = dates.renewal_opens(target.valid_until, rules.renewal_window_days)
        raise NotAllowed(
            f"Chưa đến thời hạn gia hạn: có thể nộp từ ngày {opens:%d/%m/%Y}.",
            f"Too early to renew: requests open on {opens.isoformat()}.",
        )
    if standing == "expired":
        raise NotAllowed(
            "Tên định danh đã hết hạn, không thể gia hạn; hãy nộp hồ sơ cấp mới.",
            "The name has expired and cannot be renewed; apply anew.",
        )
    return standing == "late"


def _check_resubmission(session, resubmission_of_id, holder):
    previous = session.get(Application, resubmission_of_id)
    if previous is None or previous.holder_id != holder.id or previous.status != "rejected":
        raise NotAllowed(
            "Chỉ nộp lại được hồ sơ đã bị từ chối của chính người đăng ký.",
            "Only the applicant's own rejected application can be resubmitted.",
        )


# how far back an officer may date the receipt of a paper dossier when entering it
PAPER_RECEIPT_MAX_DAYS = 30


def _paper_receipt(received_at, now):
    if received_at > now:
        raise InvalidInput(
            "Thời điểm tiếp nhận hồ sơ giấy không được ở tương lai.",
            "A paper dossier's receipt time cannot be in the future.",
        )
    if received_at < now - timedelta(days=PAPER_RECEIPT_MAX_DAYS):
        raise InvalidInput(
            f"Thời điểm tiếp nhận hồ sơ giấy không được sớm hơn {PAPER_RECEIPT_MAX_DAYS} ngày trước khi nhập.",
            f"A paper dossier's receipt time cannot be more than {PAPER_RECEIPT_MAX_DAYS} days before its entry.",
        )
    return received_at


def _fresh_code(session, received):
    """A dossier code no other application has (a draw again on the rare collision)."""
    while True:
        code = dossier_code.new_code(received)
        if session.scalar(select(Application.id).where(Application.code == code)) is None:
            return code


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
    paper_received_at=None,
    draft_id=None,
    now=None,
    rules=DEFAULT_RULES,
):
    """File Form 01: receipt at once, decision due within the working-day deadline.

    kind 'issue' asks for one or many new names; 'reissue' and 'renewal' name one held name
    (`brandname`, its text) and may update its purpose and details.

    `paper_received_at` (naive UTC) marks a dossier filed on paper and entered by an officer: the
    receipt is the day the Authority really received it, and the deadline and the order of
    receipt (first come, first served) count from then. It is never in the future, nor more
    than PAPER_RECEIPT_MAX_DAYS before its entry.

    `draft_id`: the applicant's draft this filing finishes; it is deleted with the filing.
    """
    now = moment(now)
    received = now
    if paper_received_at is not None:
        require_staff(actor)
        received = _paper_receipt(paper_received_at, now)
    problems = _check_filing(kind, commitments_confirmed, reissue_reason)
    applicant = _try(lambda: form01.validate_applicant(applicant), problems)
    if applicant is not None:
        _check_files_for_own_holder(session, actor, applicant)
    target = _followup_target(session, kind, brandname)
    entries = _try(lambda: _name_entries(kind, names, target, rules), problems)
    if problems:
        raise form01.combine(problems)
    holder = _holder_for(session, applicant, now)
    if target is not None:
        _check_followup(session, target, holder)
    else:
        _refuse_pending_duplicates(session, holder, entries)
        _refuse_protected_variants(session, holder.id, [e["name"] for e in entries])
    late = kind == "renewal" and _renewal_is_late(target, received, rules)
    if kind == "renewal":
        # filed before expiry: the name stays in force until this renewal is decided and paid
        target.renewal_pending = True
    if resubmission_of_id is not None:
        _check_resubmission(session, resubmission_of_id, holder)
    application = Application(
        code=_fresh_code(session, received),
        kind=kind,
        status="submitted",
        holder_id=holder.id,
        account_id=account_id,
        brandname_id=target.id if target else None,
        resubmission_of_id=resubmission_of_id,
        applicant=applicant,
        reissue_reason=reissue_reason if kind == "reissue" else None,
        commitments_confirmed=True,
        received_at=received,
        decision_due_at=dates.decision_deadline(
            received, rules.holidays, rules.decision_working_days, rules.workdays
        ),
        late=late,
        on_paper=paper_received_at is not None,
    )
    session.add(application)
    session.flush()
    for entry in entries:
        session.add(
            RequestedName(
                application_id=application.id,
                name=entry["name"],
                name_normal=name_rules.normal_form(entry["name"]),
                **name_rules.keys(entry["name"]),
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
            "code": application.code,
            "names": [e["name"] for e in entries],
            "received_at": received.isoformat(),
            "decision_due_at": application.decision_due_at.isoformat(),
            "on_paper": paper_received_at is not None,
            "late": late,
            "resubmission_of": resubmission_of_id,
        },
    )
    if draft_id is not None:
        drafts.discard(
            session,
            drafts.own_draft(session, draft_id, actor, lock=True),
            actor=actor,
            now=now,
            reason="submitted",
        )
    return application


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
    _refuse_protected_variants(session, application.holder_id, [requested.name])
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
        lookalike_key=requested.lookalike_key,
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
    refused = []
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
            refused.append(app)
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
    return refused


def _check_not_lost_to_earlier(session, application):
    if application.status == "rejected" and session.scalar(
        select(Event.seq).where(Event.act == "auto_reject", Event.application_id == application.id).limit(1)
    ):
        # lost a race (or the queue) to an earlier application for the same name
        raise Conflict(
            f"Hồ sơ số {application.id} đã bị từ chối vì tên đã được chấp thuận cho hồ sơ nộp trước.",
            f"Application {application.id} was refused: the name was approved for an earlier application.",
            details={"application_id": application.id},
        )


def _split_decision(application, refuse):
    """(pending names, names to approve, {id: reason}) from the officer's per-name refusals."""
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
    return pending, to_approve, refuse


def _approve_new_names(session, application, to_approve, actor, now, rules, result):
    """Reserve each approved name, first come first served; return the confusable warnings."""
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
    warnings = {}
    for rn in to_approve:
        matches = warnings_for(session, rn.name, include_pending=True, exclude_application_id=application.id)
        if matches:
            warnings[rn.name] = matches
        result.brandnames.append(_reserve(session, application, rn, actor, now, rules))
        rn.status = "approved"
    return warnings


def _require_warnings_decided(session, application, to_approve, warnings):
    """Art. 23(4): the law gives no mechanical rule, so the officer records a decision on every
    confusion warning of a name before approving it (refusing the name needs none)."""
    decided = warning_decisions(session, application.id)
    undecided = {}
    for rn in to_approve:
        missing = [
            {"kind": w["kind"], "name": w["name"]}
            for w in warnings.get(rn.name, ())
            if (rn.name, w["kind"], w["name"]) not in decided
        ]
        if missing:
            undecided[rn.name] = missing
    if undecided:
        names = ", ".join(undecided)
        raise NotAllowed(
            f"Chưa ghi kết luận về mọi cảnh báo dễ nhầm lẫn của tên {names}; cán bộ ghi kết luận về "
            "từng cảnh báo trước khi chấp thuận, hoặc đánh dấu từ chối tên đó.",
            f"Not every confusion warning of {names} has a recorded decision; record a decision on "
            "each warning before approving, or refuse that name.",
            code="warnings_undecided",
            details={"undecided": undecided},
        )


def _approve_followup(session, application, to_approve):
    target = fetch(
        session, Brandname, application.brandname_id, what_vi="tên định danh", what_en="sender name"
    )
    if target.status != "active":
        raise NotAllowed(
            f"Tên {target.name} không còn hoạt động (trạng thái: {target.status}).",
            f"{target.name} is no longer active (status: {target.status}).",
        )
    to_approve[0].status = "approved"


def _check_documents(session, application, override, actor, now):
    """Art. 24, 26(2)(b): a dossier without its mandatory documents is not approved, unless the
    officer writes why (`override`, recorded as an `approve_without_documents` event)."""
    missing = queries.missing_documents(session, application)
    override = (override or "").strip()
    if not missing:
        return
    if not override:
        raise NotAllowed(
            f"Hồ sơ số {application.id} chưa đủ giấy tờ bắt buộc: {dossier_rules.words(missing)}. "
            "Yêu cầu bổ sung hồ sơ, hoặc ghi lý do chấp thuận khi chưa có các giấy tờ này.",
            f"Application {application.id} lacks mandatory documents: {dossier_rules.words(missing, 'en')}. "
            "Ask for more documents, or write why it is approved without them.",
            code="documents_missing",
            details={"missing": missing},
        )
    if len(override) > dossier_rules.OVERRIDE_REASON_LIMIT:
        raise InvalidInput(
            f"Lý do chấp thuận khi thiếu giấy tờ dài {len(override)} ký tự, tối đa "
            f"{dossier_rules.OVERRIDE_REASON_LIMIT}.",
            f"The reason for approving without the documents is {len(override)} characters long, "
            f"at most {dossier_rules.OVERRIDE_REASON_LIMIT}.",
            details={
                "fields": {
                    "documents_override": {
                        "message": f"tối đa {dossier_rules.OVERRIDE_REASON_LIMIT} ký tự",
                        "message_en": f"at most {dossier_rules.OVERRIDE_REASON_LIMIT} characters",
                    }
                }
            },
        )
    record_event(
        session,
        actor,
        "approve_without_documents",
        "application",
        application.id,
        now=now,
        application_id=application.id,
        details={"missing": missing, "reason": override},
    )


@act
def approve(
    session,
    application_id,
    *,
    actor,
    refuse=None,
    documents_override=None,
    now=None,
    rules=DEFAULT_RULES,
):
    """Officer's approval: names reserved, fee falls due. `refuse` maps requested-name ids to
    reasons for the names of a multi-name application that are refused.

    A dossier lacking a mandatory document (rules/dossier.py) is refused (`documents_missing`)
    unless `documents_override` gives the officer's written reason.

    Returns a Result: the approved application first, then the later applications for the same
    names that this approval refused in full (first come, first served)."""
    now = moment(now)
    require_staff(actor)
    application = fetch(session, Application, application_id, what_vi="hồ sơ", what_en="application")
    _check_not_lost_to_earlier(session, application)
    _require_undecided(application)
    # every warning the officer saw, refused names' included, stays on the record
    seen = decision_warnings(session, application)
    warnings = dict(seen)
    pending, to_approve, refuse = _split_decision(application, refuse)
    _check_documents(session, application, documents_override, actor, now)
    result = Result(applications=[application])
    if application.kind == "issue":
        warnings |= _approve_new_names(session, application, to_approve, actor, now, rules, result)
        # after the reservations, so that a name already taken is refused as such
        _require_warnings_decided(session, application, to_approve, seen)
    else:
        _approve_followup(session, application, to_approve)
    for rn in pending:
        if rn.id in refuse:
            rn.status, rn.rejection_reason = "rejected", refuse[rn.id]
    line = fees.fee_for(application.kind, dates.local_date(now), rules.fee_schedule)
    application.status = "approved"
    application.decided_at, application.decided_by_id = now, actor.id
    application.fee_vnd, application.fee_source = line.amount_vnd, line.source
    if application.kind == "renewal":
        application.payment_due_at = dates.renewal_payment_deadline(
            now, application.brandname.valid_until, rules.payment_days
        )
    else:
        application.payment_due_at = dates.payment_deadline(now, rules.payment_days)
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
            "payment_due_at": application.payment_due_at.isoformat(),
        },
    )
    if application.kind == "issue":
        for rn in to_approve:
            result.applications.extend(_refuse_later_requests(session, application, rn, actor, now))
    return result


@act
def reject(session, application_id, *, actor, reasons, now=None, rules=DEFAULT_RULES):
    """Officer's refusal, with the reasons the applicant will read."""
    now = moment(now)
    require_staff(actor)
    reasons = (reasons or "").strip()
    if not reasons:
        raise InvalidInput("Phải nêu lý do từ chối.", "A rejection needs its reasons.")
    application = fetch(session, Application, application_id, what_vi="hồ sơ", what_en="application")
    _require_undecided(application)
    warnings = decision_warnings(session, application)  # kept on the record with the decision
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
        name_normal=application.brandname.name_normal if application.brandname else None,
        details={"reasons": reasons, "confusable_warnings": warnings},
    )
    close_renewal(session, application, actor=actor, now=now, rules=rules)
    return application


def _withdraw_application(session, application, *, actor, now, rules):
    application.status, application.closed_at = "withdrawn", now
    for rn in application.names:
        if rn.status == "pending":
            rn.status = "withdrawn"
    session.flush()
    record_event(
        session,
        actor,
        "withdraw",
        "application",
        application.id,
        now=now,
        application_id=application.id,
        name_normal=application.brandname.name_normal if application.brandname else None,
    )
    close_renewal(session, application, actor=actor, now=now, rules=rules)
    return application


def _require_withdrawable(application):
    if application.status != "submitted":
        raise NotAllowed(
            "Chỉ rút được hồ sơ đang chờ quyết định.",
            "Only an application awaiting a decision can be withdrawn.",
        )


@act
def withdraw(session, application_id, *, actor, now=None, rules=DEFAULT_RULES):
    """The applicant takes back an application that has not been decided."""
    now = moment(now)
    application = fetch(session, Application, application_id, what_vi="hồ sơ", what_en="application")
    require_holder_or_staff(actor, application.holder_id)
    _require_withdrawable(application)
    return _withdraw_application(session, application, actor=actor, now=now, rules=rules)


@act
def withdraw_name(session, application_id, requested_name_id, *, actor, now=None, rules=DEFAULT_RULES):
    """The applicant takes back one name of an application that has not been decided; the
    others stay in it, still awaiting the decision. Taking back its last pending name takes back
    the application (a `withdraw` event, as `withdraw`). The fee is one per application, so it
    does not change; the receipt marks the name withdrawn."""
    now = moment(now)
    application = fetch(session, Application, application_id, what_vi="hồ sơ", what_en="application")
    require_holder_or_staff(actor, application.holder_id)
    _require_withdrawable(application)
    requested = next((rn for rn in application.names if rn.id == requested_name_id), None)
    if requested is None or requested.status != "pending":
        raise NotAllowed(
            "Tên này không thuộc hồ sơ hoặc không còn chờ quyết định.",
            "This name is not in the application or no longer awaits a decision.",
        )
    remaining = [rn for rn in application.names if rn.status == "pending" and rn.id != requested.id]
    if not remaining:
        return _withdraw_application(session, application, actor=actor, now=now, rules=rules)
    requested.status = "withdrawn"
    session.flush()
    record_event(
        session,
        actor,
        "withdraw_name",
        "requested_name",
        requested.id,
        now=now,
        application_id=application.id,
        details={"name": requested.name, "remaining": [rn.name for rn in remaining]},
    )
    return application


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

    now = moment(now)
    application = fetch(session, Application, application_id, what_vi="hồ sơ", what_en="application")
    require_holder_or_staff(actor, application.holder_id)
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


# the longest request for more documents an officer writes, and the longest answer
DOCUMENTS_REQUEST_LIMIT = 2000


def _text(value, *, field, what_vi, what_en, required=True):
    text = (value or "").strip()
    if required and not text:
        raise form01.field_error(field, f"Phải ghi {what_vi}.", f"{what_en.capitalize()} is required.")
    if len(text) > DOCUMENTS_REQUEST_LIMIT:
        raise form01.field_error(
            field,
            f"{what_vi.capitalize()} dài {len(text)} ký tự, tối đa {DOCUMENTS_REQUEST_LIMIT}.",
            f"{what_en.capitalize()} is {len(text)} characters long, at most {DOCUMENTS_REQUEST_LIMIT}.",
        )
    return text


@act
def request_documents(session, application_id, *, actor, message, now=None, rules=DEFAULT_RULES):
    """An officer asks the applicant for more documents ("yêu cầu bổ sung hồ sơ", Art. 26(2)(b)):
    the applicant is told what to add; the decision deadline stops until the answer
    (`supplement_documents`). One request is open at a time."""
    now = moment(now)
    require_staff(actor)
    application = fetch(session, Application, application_id, what_vi="hồ sơ", what_en="application")
    _require_undecided(application)
    if application.documents_requested_at is not None:
        raise NotAllowed(
            f"Hồ sơ số {application.id} đang chờ người đăng ký bổ sung theo yêu cầu trước.",
            f"Application {application.id} is already waiting for the documents asked for.",
        )
    message = _text(
        message, field="documents_request", what_vi="nội dung yêu cầu bổ sung", what_en="the request"
    )
    application.documents_requested_at, application.documents_request = now, message
    session.flush()
    record_event(
        session,
        actor,
        "request_documents",
        "application",
        application.id,
        now=now,
        application_id=application.id,
        details={
            "message": message,
            "missing": queries.missing_documents(session, application),
            "decision_due_at": application.decision_due_at.isoformat(),
        },
    )
    return application


@act
def supplement_documents(session, application_id, *, actor, reply=None, now=None, rules=DEFAULT_RULES):
    """The applicant answers a request for more documents: the documents attached since it was
    asked (`attach_document`) and/or a written reply. The request closes, and the decision
    deadline moves by the working days it stayed open (dates.stopped_working_days)."""
    now = moment(now)
    application = fetch(session, Application, application_id, what_vi="hồ sơ", what_en="application")
    require_holder_or_staff(actor, application.holder_id)
    _require_undecided(application)
    asked = application.documents_requested_at
    if asked is None:
        raise NotAllowed(
            f"Hồ sơ số {application.id} không có yêu cầu bổ sung nào đang chờ.",
            f"Application {application.id} has no open request for more documents.",
        )
    reply = _text(reply, field="reply", what_vi="nội dung trả lời", what_en="the reply", required=False)
    added = session.scalars(
        select(Document.id).where(Document.application_id == application.id, Document.uploaded_at >= asked)
    ).all()
    if not reply and not added:
        raise form01.field_error(
            "reply",
            "Hãy đính kèm tài liệu được yêu cầu hoặc ghi nội dung trả lời.",
            "Attach the documents asked for or write a reply.",
        )
    stopped = dates.stopped_working_days(asked, now, rules.holidays, rules.workdays)
    before = application.decision_due_at
    application.decision_due_at = dates.extend_deadline(before, stopped, rules.holidays, rules.workdays)
    application.documents_requested_at, application.documents_request = None, None
    session.flush()
    record_event(
        session,
        actor,
        "supplement_documents",
        "application",
        application.id,
        now=now,
        application_id=application.id,
        details={
            "reply": reply,
            "documents": list(added),
            "requested_at": asked.isoformat(),
            "stopped_working_days": stopped,
            "decision_due_before": before.isoformat(),
            "decision_due_at": application.decision_due_at.isoformat(),
        },
    )
    return application
