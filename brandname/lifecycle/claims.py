"""Claims of names already in the registry: a business whose names came from a paper filing or a
legacy import (its holder has no portal account) takes charge of them with its account. No Flask.

The claimant proves control in one of two ways: a one-time code mailed to the email on the
holder's record (never to an address the claimant types), or an uploaded authorization an officer
approves. Granting links the claimant's account to the holder as its first administrator: the
holder's names appear on its pages, and it renews, reissues or gives them up like any holder.

A holder is granted once. Granting locks the claimant's account, then the holder (always in that
order), and a partial unique index lets one granted claim per holder exist: of two claims racing
for the same holder, exactly one wins.
"""

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from brandname.errors import Conflict, Forbidden, InvalidInput, NotAllowed, NotFound, TooManyAttempts
from brandname.lifecycle._kernel import act, moment, record_event, require_staff
from brandname.rules import claims as claim_rules
from brandname.store.models import Account, Brandname, Claim, Holder

MAX_REASON = 1000
OPEN = ("open", "review")


def _clean_code(id_number):
    return "".join((id_number or "").split()).upper()[:40]


def _require_claimant(actor, session):
    account = session.get(Account, actor.id) if actor.id is not None else None
    if actor.kind != "applicant" or account is None or account.role != "applicant":
        raise Forbidden(
            "Chỉ tài khoản người đăng ký mới nhận quyền với tên đã đăng ký.",
            "Only an applicant account can claim names already in the registry.",
        )
    return account


def _already_in_holder(account):
    return NotAllowed(
        "Tài khoản này đã làm việc cho một tổ chức, cá nhân; một tài khoản chỉ làm việc cho một tổ chức, "
        "cá nhân. Hãy dùng một tài khoản khác để nhận quyền.",
        "This account already works for a holder; an account works for one holder only. Use another "
        "account to make the claim.",
        code="account_has_holder",
    )


def _holder_has_account(holder):
    return Conflict(
        f"{holder.name} đã có tài khoản trên cổng, nên không nhận quyền được nữa. Hãy đề nghị quản trị "
        "tài khoản của tổ chức mời bạn tham gia.",
        f"{holder.name} already has a portal account, so it cannot be claimed. Ask the organization's "
        "administrator to invite you.",
        code="already_claimed",
    )


def members_of(session, holder_id):
    return session.scalar(
        select(func.count())
        .select_from(Account)
        .where(Account.holder_id == holder_id, Account.role == "applicant")
    )


def find_claimable(session, id_number):
    """The holder with this enterprise code, tax code or ID number, or None."""
    code = _clean_code(id_number)
    if not code:
        return None
    return session.scalars(
        select(Holder)
        .where(or_(Holder.id_number == code, Holder.tax_code == code))
        .order_by(Holder.kind != "organization", Holder.id)
    ).first()


def _claim_for(session, claim_id, actor, *, lock=True):
    stmt = select(Claim).where(Claim.id == claim_id)
    if lock:
        stmt = stmt.with_for_update()
    claim = session.scalars(stmt.execution_options(populate_existing=True)).first()
    if claim is None or (actor.kind == "applicant" and claim.account_id != actor.id):
        raise NotFound("Không tìm thấy yêu cầu nhận quyền này.", "No such claim.")
    return claim


def _event(session, actor, act_name, claim, now, **details):
    return record_event(
        session,
        actor,
        act_name,
        "claim",
        claim.id,
        now=now,
        details={"holder_id": claim.holder_id, "account_id": claim.account_id, **details},
    )


@act
def start_claim(session, id_number, *, actor, now=None):
    """A claimant names the holder by its enterprise code (or tax code, ID number). Returns the
    claim: a new one, or the claimant's claim for that holder still under way."""
    now = moment(now)
    account = _require_claimant(actor, session)
    if account.holder_id is not None:
        raise _already_in_holder(account)
    code = _clean_code(id_number)
    if not code:
        raise InvalidInput(
            "Nhập mã số doanh nghiệp, mã số thuế hoặc số giấy tờ của tổ chức, cá nhân.",
            "Enter the enterprise code, tax code or ID number of the holder.",
        )
    holder = find_claimable(session, code)
    if holder is None:
        raise NotFound(
            f"Không có tổ chức, cá nhân nào mang mã số {code} trong sổ đăng ký. Nếu chưa từng được cấp tên "
            "định danh, hãy đăng ký tài khoản mới cho tổ chức.",
            f"No holder with the code {code} is in the registry. If it was never given a sender name, sign "
            "up a new account for it.",
            code="no_holder",
        )
    if members_of(session, holder.id):
        raise _holder_has_account(holder)
    mine = session.scalars(
        select(Claim)
        .where(Claim.holder_id == holder.id, Claim.account_id == account.id, Claim.status.in_(OPEN))
        .order_by(Claim.id.desc())
    ).first()
    if mine is not None:
        return mine
    claim = Claim(holder_id=holder.id, account_id=account.id, status="open", created_at=now, code_sends=[])
    session.add(claim)
    session.flush()
    _event(session, actor, "start_claim", claim, now, id_number=code, email=account.email)
    return claim


def _require_open(claim):
    if claim.status == "granted":
        raise NotAllowed("Yêu cầu nhận quyền này đã được chấp nhận.", "This claim was already granted.")
    if claim.status == "rejected":
        raise NotAllowed(
            "Yêu cầu nhận quyền này đã bị từ chối; hãy tạo yêu cầu mới.",
            "This claim was rejected; start a new one.",
        )


@dataclass
class CodeSent:
    claim: Claim
    code: str  # for the caller's tests and the CLI only: the web never shows it
    masked_email: str
    expires_at: object


@act
def send_claim_code(
    session,
    claim_id,
    *,
    actor,
    minutes=claim_rules.CODE_MINUTES,
    public_url="",
    authority=None,
    now=None,
):
    """Mail a fresh 6-digit code to the email on the holder's record; the code before it stops
    working. Refused when the record has no email (only the authorization is left) and beyond
    `MAX_SENDS` codes an hour."""
    from brandname.notifications import messages, outbox

    now = moment(now)
    claim = _claim_for(session, claim_id, actor)
    _require_open(claim)
    holder = session.get(Holder, claim.holder_id)
    if members_of(session, holder.id):  # another claim won meanwhile: no more codes to its mailbox
        raise _holder_has_account(holder)
    to = (holder.email or "").strip().lower()
    if not to:
        raise NotAllowed(
            "Hồ sơ của tổ chức, cá nhân này không có thư điện tử, nên không gửi được mã xác nhận. Hãy tải "
            "lên giấy ủy quyền để cán bộ của Cục xem xét.",
            "The holder's record has no email, so no code can be sent. Upload an authorization for an "
            "officer to review.",
            code="no_email_on_record",
        )
    retry = claim_rules.next_send_at(claim.code_sends, now)
    if retry is not None:
        raise TooManyAttempts(
            f"Đã gửi {claim_rules.MAX_SENDS} mã trong một giờ. Hãy thử lại sau "
            f"{messages._t(retry)} (giờ Hà Nội).",
            f"{claim_rules.MAX_SENDS} codes were sent within an hour. Try again after {messages._t(retry)} "
            "(Hanoi time).",
            retry_at=retry,
        )
    code = claim_rules.new_code()
    claim.code_salt = claim_rules.new_salt()
    claim.code_hash = claim_rules.hash_code(code, claim.code_salt)
    claim.code_expires_at = claim_rules.expires_at(now, minutes)
    claim.code_attempts = 0
    claim.code_sends = [t.isoformat() for t in claim_rules.sends_in_window(claim.code_sends, now)] + [
        now.isoformat()
    ]
    session.flush()
    masked = claim_rules.mask_email(to)
    event = _event(
        session,
        actor,
        "send_claim_code",
        claim,
        now,
        to=masked,
        expires_at=claim.code_expires_at.isoformat(),
    )
    account = session.get(Account, claim.account_id)
    mail = messages.claim_code(
        holder, account, to=to, code=code, expires=claim.code_expires_at, event=event, public_url=public_url
    )
    outbox.write(
        session, mail, event_seq=event.seq, now=now, authority=authority or messages.DEFAULT_AUTHORITY
    )
    return CodeSent(claim, code, masked, claim.code_expires_at)


def _grant(session, claim, *, actor, method, now):
    """Link the claimant's account to the holder as its administrator, or refuse when another
    claim or a member got there first. Locks the account, then the holder."""
    account = session.scalars(
        select(Account)
        .where(Account.id == claim.account_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    holder = session.scalars(
        select(Holder)
        .where(Holder.id == claim.holder_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if account.holder_id is not None:
        raise _already_in_holder(account)
    if members_of(session, holder.id) or session.scalar(
        select(Claim.id).where(Claim.holder_id == holder.id, Claim.status == "granted")
    ):
        raise _holder_has_account(holder)
    claim.status, claim.method = "granted", method
    claim.decided_at = now
    claim.decided_by_id = actor.id if actor.is_staff else None
    claim.code_hash = claim.code_salt = None
    account.holder_id, account.org_role = holder.id, "admin"
    try:
        # the unique index on granted claims decides a race the locks did not serialize
        session.flush()
    except IntegrityError as exc:
        raise _holder_has_account(holder) from exc
    names = session.scalars(
        select(Brandname.name_normal).where(Brandname.holder_id == holder.id, Brandname.status != "released")
    ).all()
    _event(session, actor, "grant_claim", claim, now, method=method, email=account.email, names=sorted(names))
    return claim


@dataclass
class CodeOutcome:
    claim: Claim
    right: bool
    left: int = 0


@act
def _try_code(session, claim_id, code, *, actor, now):
    claim = _claim_for(session, claim_id, actor)
    _require_open(claim)
    if claim.code_hash is None:
        raise NotAllowed("Hãy bấm “Gửi mã” để nhận mã xác nhận.", "Press “Send a code” to get a code first.")
    if claim_rules.is_locked(claim.code_attempts):
        raise TooManyAttempts(
            f"Mã này đã bị nhập sai {claim_rules.MAX_ATTEMPTS} lần nên không dùng được nữa. Hãy gửi mã mới.",
            f"This code was entered wrongly {claim_rules.MAX_ATTEMPTS} times and works no more. Send a new "
            "code.",
            retry_at=now,
            code="code_locked",
        )
    if claim_rules.is_expired(claim.code_expires_at, now):
        raise NotAllowed("Mã xác nhận đã hết hạn. Hãy gửi mã mới.", "The code has expired. Send a new one.")
    if claim_rules.code_matches(code, claim.code_salt, claim.code_hash):
        return CodeOutcome(_grant(session, claim, actor=actor, method="code", now=now), True)
    claim.code_attempts = (claim.code_attempts or 0) + 1
    session.flush()
    left = claim_rules.attempts_left(claim.code_attempts)
    _event(session, actor, "claim_code_wrong", claim, now, attempts=claim.code_attempts)
    return CodeOutcome(claim, False, left)


def confirm_claim_code(session, claim_id, code, *, actor, now=None):
    """The claimant types the mailed code. Right: the holder is theirs. Wrong: the try is counted
    (committed), and the answer says how many are left; after 5 the code works no more."""
    outcome = _try_code(session, claim_id, code, actor=actor, now=moment(now))
    if outcome.right:
        return outcome.claim
    if outcome.left == 0:
        raise TooManyAttempts(
            f"Mã xác nhận không đúng. Mã này đã bị nhập sai {claim_rules.MAX_ATTEMPTS} lần nên không dùng "
            "được nữa. Hãy gửi mã mới.",
            f"The code is wrong. It was entered wrongly {claim_rules.MAX_ATTEMPTS} times and works no more. "
            "Send a new code.",
            retry_at=moment(now),
            code="code_locked",
        )
    raise InvalidInput(
        f"Mã xác nhận không đúng. Còn {outcome.left} lần thử.",
        f"The code is wrong. {outcome.left} tries left.",
        code="wrong_code",
    )


@act
def submit_claim_authorization(session, claim_id, *, actor, document, now=None):
    """The claimant uploads an authorization (checked and stored by the caller, as dossier files
    are): the claim waits for an officer."""
    now = moment(now)
    claim = _claim_for(session, claim_id, actor)
    _require_open(claim)
    if claim.status == "review":
        raise NotAllowed(
            "Giấy ủy quyền đã được gửi và đang chờ cán bộ xem xét.",
            "An authorization was already sent and waits for an officer.",
        )
    if members_of(session, claim.holder_id):
        raise _holder_has_account(session.get(Holder, claim.holder_id))
    if not document or not document.get("stored_name"):
        raise InvalidInput("Hãy chọn tệp giấy ủy quyền.", "Choose the authorization file.")
    claim.document = dict(document)
    claim.submitted_at = now
    claim.status = "review"
    session.flush()
    _event(
        session,
        actor,
        "submit_claim_authorization",
        claim,
        now,
        filename=document.get("original_filename"),
        sha256=document.get("sha256"),
    )
    return claim


def _in_review(session, claim_id, actor):
    claim = _claim_for(session, claim_id, actor)
    if claim.status != "review":
        raise NotAllowed(
            "Chỉ xét được yêu cầu đang chờ cán bộ xem xét giấy ủy quyền.",
            "Only a claim whose authorization waits for review can be decided.",
        )
    return claim


@act
def approve_claim(session, claim_id, *, actor, now=None, rules=None):
    """An officer accepts the uploaded authorization: the holder is the claimant's."""
    now = moment(now)
    require_staff(actor)
    claim = _in_review(session, claim_id, actor)
    return _grant(session, claim, actor=actor, method="authorization", now=now)


@act
def reject_claim(session, claim_id, reason, *, actor, now=None, rules=None):
    """An officer refuses the authorization, with the reason the claimant reads."""
    now = moment(now)
    require_staff(actor)
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput(
            "Hãy ghi lý do từ chối; người yêu cầu sẽ đọc được lý do này.",
            "Give the reason for the refusal; the claimant reads it.",
        )
    if len(reason) > MAX_REASON:
        raise InvalidInput(
            f"Lý do dài tối đa {MAX_REASON} ký tự.", f"The reason may have at most {MAX_REASON} characters."
        )
    claim = _in_review(session, claim_id, actor)
    claim.status, claim.reason = "rejected", reason
    claim.decided_at, claim.decided_by_id = now, actor.id
    session.flush()
    _event(session, actor, "reject_claim", claim, now, reason=reason)
    return claim


def claims_of(session, account_id):
    return session.scalars(
        select(Claim).where(Claim.account_id == account_id).order_by(Claim.id.desc())
    ).all()


def review_queue(session):
    """The claims whose authorization waits for an officer, oldest first."""
    return session.scalars(
        select(Claim).where(Claim.status == "review").order_by(Claim.submitted_at, Claim.id)
    ).all()


def recently_decided(session, limit=20):
    return session.scalars(
        select(Claim)
        .where(Claim.status.in_(("granted", "rejected")), Claim.decided_by_id.is_not(None))
        .order_by(Claim.decided_at.desc(), Claim.id.desc())
        .limit(limit)
    ).all()
