"""The ways a name stops being usable (Art. 29): revocation on each legal ground, expiry, lapse of an
unpaid approval, and release of a blocked name.
"""

from datetime import date, datetime, timedelta

from sqlalchemy import select

from brandname.errors import Forbidden, InvalidInput, NotAllowed
from brandname.lifecycle import charges as charge_ledger
from brandname.lifecycle._kernel import (
    DEFAULT_RULES,
    SUPERVISORS,
    Actor,
    act,
    fetch,
    lock_brandnames,
    moment,
    record_event,
    require_holder_or_staff,
    require_staff,
)
from brandname.rules import dates, grounds
from brandname.store.models import (
    Account,
    Application,
    Brandname,
    ChargeInvoice,
    RevocationProposal,
)

# Art. 29 grounds: code -> (letter, Vietnamese, English, evidence fields, who starts it); the
# wording and the evidence each needs live in rules/grounds.py
REVOCATION_GROUNDS = {
    g.code: (g.letter, g.words_vi, g.words_en, g.evidence, g.started_by) for g in grounds.GROUNDS.values()
}


TWO_PERSON_GROUNDS = ("spam", "arrears", "authority_request")


def _require_revocable(bn):
    if bn.status != "active":
        raise NotAllowed(
            f"Chỉ thu hồi được tên đang hoạt động; {bn.name} đang ở trạng thái {bn.status}.",
            f"Only an active name can be revoked; {bn.name} is {bn.status}.",
        )


EVIDENCE_WORDS = {
    "agency": ("cơ quan nhà nước có thẩm quyền", "the competent state agency"),
    "conclusion_number": ("số văn bản kết luận", "the number of the conclusion"),
    "conclusion_date": ("ngày kết luận", "the date of the conclusion"),
    "invoice": ("số hóa đơn", "the invoice number"),
    "due_date": ("hạn nộp", "the due date"),
    "request_number": ("số văn bản yêu cầu", "the number of the request"),
    "request_date": ("ngày văn bản yêu cầu", "the date of the request"),
    "expiry_date": ("ngày hết hạn", "the expiry date"),
}


def _words(fields, lang):
    index = 0 if lang == "vi" else 1
    return ", ".join(EVIDENCE_WORDS.get(f, (f, f))[index] for f in fields)


def _iso_date(value):
    """A date typed as YYYY-MM-DD (the date picker) or dd/mm/yyyy, as YYYY-MM-DD; None if neither."""
    for parse in (date.fromisoformat, lambda v: datetime.strptime(v, "%d/%m/%Y").date()):
        try:
            return parse(value).isoformat()
        except ValueError:
            continue
    return None


def _check_evidence(ground, evidence):
    if ground not in REVOCATION_GROUNDS or ground == "expired":
        choices = [g for g in REVOCATION_GROUNDS if g != "expired"]
        raise InvalidInput(
            "Căn cứ thu hồi không hợp lệ; chọn một trong các điểm "
            + ", ".join(REVOCATION_GROUNDS[g][0] for g in choices)
            + " khoản 1 Điều 29.",
            "Unknown revocation ground; choose one of points "
            + ", ".join(REVOCATION_GROUNDS[g][0] for g in choices)
            + " of Article 29(1).",
        )
    evidence = {k: " ".join(str(v).split()) for k, v in (evidence or {}).items() if v not in (None, "")}
    missing = [f for f in REVOCATION_GROUNDS[ground][3] if not evidence.get(f)]
    if missing:
        raise InvalidInput(
            "Thiếu căn cứ chứng minh: " + _words(missing, "vi") + ".",
            "Missing evidence: " + _words(missing, "en") + ".",
        )
    for key in ("conclusion_date", "request_date", "due_date"):
        if key in evidence:
            iso = _iso_date(evidence[key])
            if iso is None:
                raise InvalidInput(
                    f"{_words([key], 'vi').capitalize()} không hợp lệ: nhập ngày dạng ngày/tháng/năm (dd/mm/yyyy).",
                    f"{_words([key], 'en').capitalize()} is not a valid date: enter it as dd/mm/yyyy.",
                ) from None
            evidence[key] = iso
    return evidence


def _revoke(session, bn, *, ground, evidence, note, actor, now, rules, proposal_id=None):
    _require_revocable(bn)
    today = dates.local_date(now)
    bn.status, bn.revoked_at, bn.revocation_ground = "revoked", now, ground
    bn.renewal_pending = False  # a revoked name is not renewed; its open renewal can no longer issue
    bn.revocation_note = note or None
    document = grounds.agency_document(ground, evidence)
    bn.revocation_agency, bn.revocation_document, bn.revocation_document_date = document or (None, None, None)
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
    now = moment(now)
    bn = fetch(session, Brandname, brandname_id, what_vi="tên định danh", what_en="sender name")
    require_holder_or_staff(actor, bn.holder_id)
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


def ground_b_available(rules):
    """Ground (b) exists only where a maintenance charge is in force (a schedule is configured)."""
    return bool(rules.charge_schedule)


def _arrears_evidence(session, bn, now, rules):
    """Art. 29(1)(b): the invoice more than 30 days overdue that a proposal on ground (b) rests
    on, as its evidence; the officer types none of it."""
    if not ground_b_available(rules):
        raise NotAllowed(
            "Chưa có mức chi phí duy trì tên định danh nào được áp dụng, nên không thể thu hồi theo "
            "điểm b khoản 1 Điều 29 (quá 30 ngày chưa nộp chi phí duy trì).",
            "No maintenance charge is in force, so a name cannot be revoked on ground (b) of "
            "Article 29(1) (maintenance charge more than 30 days overdue).",
        )
    today = dates.local_date(now)
    invoice = charge_ledger.arrears_invoice(session, bn.id, today)
    if invoice is None and (
        waiting := charge_ledger.arrears_invoice(session, bn.id, today, with_awaiting=True)
    ):
        raise NotAllowed(
            f"Người sử dụng đã ghi nhận khoản nộp cho {waiting.number}; cần xác nhận hoặc từ chối khoản nộp "
            "đó trước khi đề xuất thu hồi theo điểm b khoản 1 Điều 29.",
            f"The holder recorded a payment of {waiting.number}; confirm or refuse it before proposing "
            "revocation on ground (b) of Article 29(1).",
        )
    if invoice is None:
        raise NotAllowed(
            f"Tên {bn.name} không có khoản chi phí duy trì nào quá hạn nộp hơn 30 ngày; không thể đề "
            "xuất thu hồi theo điểm b khoản 1 Điều 29.",
            f"{bn.name} has no maintenance charge more than 30 days overdue; it cannot be proposed "
            "for revocation on ground (b) of Article 29(1).",
        )
    return charge_ledger.invoice_evidence(invoice, today)


def _still_in_arrears(session, proposal):
    """At confirmation, the invoice a ground (b) proposal rests on must still be unpaid."""
    invoice = session.get(ChargeInvoice, (proposal.evidence or {}).get("invoice_id") or 0)
    if invoice is None or invoice.status != "open":
        raise NotAllowed(
            "Khoản chi phí duy trì mà đề xuất dựa vào đã được nộp; không thu hồi theo điểm b được. "
            "Hãy không xác nhận đề xuất.",
            "The maintenance charge this proposal rests on has been paid; the name cannot be revoked "
            "on ground (b). Decline the proposal.",
        )
    if charge_ledger.awaiting_payment(session, invoice.id) is not None:
        raise NotAllowed(
            f"Người sử dụng đã ghi nhận khoản nộp cho {invoice.number}; cần xác nhận hoặc từ chối khoản "
            "nộp đó trước khi quyết định thu hồi.",
            f"The holder recorded a payment of {invoice.number}; confirm or refuse it before deciding "
            "the revocation.",
        )


@act
def propose_revocation(
    session, brandname_id, *, actor, ground, evidence, note="", now=None, rules=DEFAULT_RULES
):
    """First officer of a two-person revocation (grounds a, b, đ). On ground (b) the evidence is
    the name's invoice more than 30 days overdue, found here; the `evidence` passed is ignored."""
    now = moment(now)
    require_staff(actor)
    if ground not in TWO_PERSON_GROUNDS:
        raise InvalidInput(
            "Căn cứ này không thu hồi theo đề xuất của cán bộ.",
            "This ground is not revoked on an officer's proposal.",
        )
    if ground != "arrears":
        evidence = _check_evidence(ground, evidence)
    bn = fetch(session, Brandname, brandname_id, what_vi="tên định danh", what_en="sender name")
    _require_revocable(bn)
    if ground == "arrears":
        evidence = _arrears_evidence(session, bn, now, rules)
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
    proposal = fetch(
        session, RevocationProposal, proposal_id, what_vi="đề xuất thu hồi", what_en="revocation proposal"
    )
    if proposal.status != "proposed":
        raise NotAllowed("Đề xuất này đã được xử lý.", "This proposal was already decided.")
    if actor.id is not None and actor.id == proposal.proposed_by_id:
        raise Forbidden(
            "Người đề xuất không tự xác nhận đề xuất của mình.",
            "The proposer cannot confirm their own proposal.",
        )
    if actor.id is not None and _linked_accounts(session, actor.id, proposal.proposed_by_id):
        raise Forbidden(
            "Không được quyết định đề xuất thu hồi của tài khoản do chính mình tạo hoặc mở khóa, "
            "hay của người đã tạo hoặc mở khóa tài khoản của mình; cần một lãnh đạo khác quyết định.",
            "You cannot decide a revocation proposal made by an account you created or enabled, "
            "or by the account that created or enabled yours; another supervisor must decide it.",
        )
    return proposal


def _linked_accounts(session, decider_id, proposer_id):
    """Two people, not one with a second account: neither made or enabled the other's account."""
    if proposer_id is None:
        return False
    decider, proposer = session.get(Account, decider_id), session.get(Account, proposer_id)
    if decider is None or proposer is None:
        return False
    return decider.id in (proposer.created_by_id, proposer.enabled_by_id) or proposer.id in (
        decider.created_by_id,
        decider.enabled_by_id,
    )


@act
def confirm_revocation(session, proposal_id, *, actor, now=None, rules=DEFAULT_RULES):
    """The supervisor's confirmation: the name is revoked now."""
    now = moment(now)
    proposal = _decidable_proposal(session, proposal_id, actor)
    bn = fetch(session, Brandname, proposal.brandname_id, what_vi="tên định danh", what_en="sender name")
    if proposal.ground == "arrears":
        _still_in_arrears(session, proposal)
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
    now = moment(now)
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


def expire_name(session, bn, *, actor, now, rules):
    """Ground c: record that `bn`, past its last valid day, has expired. Part of an act."""
    bn.status, bn.expired_at, bn.renewal_pending = "expired", now, False
    bn.blocked_until = bn.valid_until + timedelta(days=rules.quarantine_days)
    session.flush()
    return record_event(
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


def close_renewal(session, application, *, actor, now, rules):
    """A renewal ends without a certificate (refused, withdrawn, lapsed): its name no longer
    waits on it, and expires now if its last valid day has passed. Part of an act."""
    if application.kind != "renewal" or application.brandname_id is None:
        return None
    bn = session.get(Brandname, application.brandname_id)
    bn.renewal_pending = False
    session.flush()
    if bn.status == "active" and bn.valid_until is not None and bn.valid_until < dates.local_date(now):
        return expire_name(session, bn, actor=actor, now=now, rules=rules)
    return None


@act
def expire(session, *, today=None, actor=None, rules=DEFAULT_RULES, now=None):
    """Ground c, by the system: active names past their last valid day become expired, except a
    name whose renewal, filed before its expiry, is still undecided or awaiting its fee (Art. 28).

    Idempotent: a name already expired is not touched again.
    """
    now = moment(now)
    today = today or dates.local_date(now)
    actor = actor or Actor.system()
    expired = []
    for bn in session.scalars(
        select(Brandname)
        .where(
            Brandname.status == "active",
            Brandname.valid_until < today,
            Brandname.renewal_pending.is_(False),
        )
        .order_by(Brandname.id)
        .with_for_update()
    ):
        expire_name(session, bn, actor=actor, now=now, rules=rules)
        expired.append(bn)
    return expired


def paid_in_time(application):
    """A payment the holder recorded by the deadline carries the application, however late an
    officer confirms it."""
    return any(
        p.status in ("recorded", "confirmed") and p.recorded_at <= application.payment_due_at
        for p in application.payments
    )


@act
def lapse_unpaid(session, *, now=None, actor=None, rules=DEFAULT_RULES):
    """Approvals whose fee stayed unpaid past the deadline lapse; reserved names are freed, and
    the name of a lapsed renewal expires if its last valid day has passed."""
    now = moment(now)
    actor = actor or Actor.system()
    lapsed = []
    for application in session.scalars(
        select(Application)
        .where(Application.status == "approved", Application.payment_due_at < now)
        .order_by(Application.id)
        .with_for_update()
    ):
        if paid_in_time(application):
            continue
        if application.brandname_id is not None:
            lock_brandnames(session, [application.brandname_id])
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
            name_normal=application.brandname.name_normal if application.brandname else None,
            details={"payment_due_at": application.payment_due_at.isoformat(), "freed": freed},
        )
        close_renewal(session, application, actor=actor, now=now, rules=rules)
        lapsed.append(application)
    return lapsed


@act
def release(session, brandname_id, *, actor, reason, now=None):
    """An officer frees an expired or revoked name before its quarantine ends."""
    now = moment(now)
    require_staff(actor)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Phải nêu lý do giải phóng tên.", "A release needs a reason.")
    bn = fetch(session, Brandname, brandname_id, what_vi="tên định danh", what_en="sender name")
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
    now = moment(now)
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
    """The scheduled duties, each its own act: expire, lapse unpaid approvals, end quarantines,
    raise the maintenance charges whose period began, remind holders of unpaid charges and of
    the periodic reports (Art. 30–31) they still owe."""
    from brandname.notifications import reminders

    now = moment(now)
    lapsed = lapse_unpaid(session, now=now, rules=rules)
    expired = expire(session, today=today, now=now, rules=rules)
    released = release_quarantined(session, today=today, now=now)
    invoiced = charge_ledger.raise_invoices(session, today=today, now=now, rules=rules)
    reminded = reminders.send_charge_reminders(
        session,
        today=today or dates.local_date(now),
        now=now,
        public_url=rules.public_url,
        authority=(rules.authority, rules.authority_en),
    )
    from brandname.lifecycle import periodic_reports

    day = today or dates.local_date(now)
    report_reminders = reminders.send_report_reminders(
        session,
        periodic_reports.reminders_due(session, today=day, rules=rules),
        today=day,
        now=now,
        public_url=rules.public_url,
        authority=(rules.authority, rules.authority_en),
    )
    # a lapsed renewal expires its name at once, when its last valid day has passed
    ended = [a.brandname for a in lapsed if a.kind == "renewal" and a.brandname.status == "expired"]
    return {
        "expired": [b.name for b in ended] + [b.name for b in expired],
        "lapsed": [a.id for a in lapsed],
        "released": [b.name for b in released],
        "invoiced": [i.number for i in invoiced],
        "charge_reminders": len(reminded),
        "report_reminders": len(report_reminders),
    }
