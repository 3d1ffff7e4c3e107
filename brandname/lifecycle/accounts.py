"""Account creation and password hashing (Argon2id). No Flask."""

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from brandname.errors import Conflict, InvalidInput
from brandname.lifecycle._kernel import Actor, record_event
from brandname.rules import dates, form01
from brandname.store.models import Account

_hasher = PasswordHasher()
MIN_PASSWORD = 10


def _holder_taken():
    return Conflict(
        "Mã số / số giấy tờ này đã có trong sổ đăng ký. Nếu đó là tổ chức, cá nhân của bạn (tên định danh từ "
        "hồ sơ giấy hoặc danh sách của doanh nghiệp viễn thông), bấm “Tạo tài khoản và nhận quyền”: bạn chứng "
        "minh bằng mã xác nhận gửi tới thư điện tử đã đăng ký, hoặc bằng giấy ủy quyền do Cục duyệt.",
        "This code / document number is already in the registry. If it is yours (names from a paper filing "
        "or a carrier's list), press “Create the account and claim”: prove it with a code sent to the email "
        "on record, or with an authorization the Authority approves.",
        code="holder_taken",
    )


def _email_taken():
    return Conflict(
        "Thư điện tử này đã có tài khoản.", "An account with this email already exists.", code="email_taken"
    )


def _conflict_of(exc):
    """The ordinary duplicate's Conflict for a unique index that refused the insert, or None.

    Two sign-ups (or two instances) can both pass the check before either inserts; the unique
    index decides, and the loser hears exactly what a later duplicate hears."""
    text = str(exc.orig)
    if "uq_holders_kind_id_number" in text or "holders.kind, holders.id_number" in text:
        return _holder_taken()
    if "uq_accounts_email" in text or "accounts.email" in text:
        return _email_taken()
    return None


MIN_SCORE = 3  # zxcvbn's 0-4 scale: 3 is "safely unguessable" against online and slow offline attacks
MAX_PASSWORD = 200
SCORED_CHARACTERS = 72  # zxcvbn refuses longer input: a longer password is scored by its start

# zxcvbn's feedback (English) in Vietnamese; an unknown line falls back to the general advice
FEEDBACK_VI = {
    "Use a few words, avoid common phrases.": "Dùng vài từ ghép lại, tránh các cụm từ thông dụng.",
    "No need for symbols, digits, or uppercase letters.": "Không cần ký hiệu, chữ số hay chữ hoa.",
    "Add another word or two. Uncommon words are better.": "Thêm một hai từ nữa; từ ít gặp thì tốt hơn.",
    "Straight rows of keys are easy to guess.": "Các phím liền nhau trên một hàng bàn phím rất dễ đoán.",
    "Short keyboard patterns are easy to guess.": "Các mẫu phím ngắn trên bàn phím rất dễ đoán.",
    "Use a longer keyboard pattern with more turns.": "Dùng mẫu phím dài hơn, đổi hướng nhiều hơn.",
    'Repeats like "aaa" are easy to guess.': 'Ký tự lặp lại như "aaa" rất dễ đoán.',
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': (
        'Chuỗi lặp lại như "abcabcabc" chỉ khó đoán hơn "abc" một chút.'
    ),
    "Avoid repeated words and characters.": "Tránh lặp lại từ và ký tự.",
    'Sequences like "abc" or "6543" are easy to guess.': 'Dãy liên tiếp như "abc" hay "6543" rất dễ đoán.',
    "Avoid sequences.": "Tránh các dãy liên tiếp.",
    "Recent years are easy to guess.": "Các năm gần đây rất dễ đoán.",
    "Avoid recent years.": "Tránh các năm gần đây.",
    "Avoid years that are associated with you.": "Tránh các năm gắn với bạn.",
    "Dates are often easy to guess.": "Ngày tháng thường dễ đoán.",
    "Avoid dates and years that are associated with you.": "Tránh ngày tháng và năm gắn với bạn.",
    "This is a top-10 common password.": "Đây là một trong 10 mật khẩu phổ biến nhất.",
    "This is a top-100 common password.": "Đây là một trong 100 mật khẩu phổ biến nhất.",
    "This is a very common password.": "Đây là mật khẩu rất phổ biến.",
    "This is similar to a commonly used password.": "Mật khẩu này gần giống một mật khẩu phổ biến.",
    "A word by itself is easy to guess.": "Một từ đứng riêng rất dễ đoán.",
    "Names and surnames by themselves are easy to guess.": "Tên và họ đứng riêng rất dễ đoán.",
    "Common names and surnames are easy to guess.": "Tên và họ phổ biến rất dễ đoán.",
    "Capitalization doesn't help very much.": "Viết hoa chữ đầu không giúp được nhiều.",
    "All-uppercase is almost as easy to guess as all-lowercase.": "Viết hoa toàn bộ cũng dễ đoán gần như viết thường.",
    "Reversed words aren't much harder to guess.": "Từ viết ngược không khó đoán hơn bao nhiêu.",
    "Predictable substitutions like '@' instead of 'a' don't help very much.": (
        "Thay ký tự dễ đoán như '@' thay cho 'a' không giúp được nhiều."
    ),
}
GENERAL_ADVICE = (
    "Dùng một cụm gồm vài từ ít gặp, không liên quan đến bạn.",
    "Use a phrase of a few uncommon words that have nothing to do with you.",
)


def _check_new_password(password, *, min_score=MIN_SCORE, user_inputs=()):
    """Refuse a short, common or guessable password, with zxcvbn's advice in both languages.
    `user_inputs` (the email, names) count as known to an attacker."""
    from zxcvbn import zxcvbn

    password = password or ""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự.",
            f"The password needs at least {MIN_PASSWORD} characters.",
        )
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(
            f"Mật khẩu dài tối đa {MAX_PASSWORD} ký tự.",
            f"The password may have at most {MAX_PASSWORD} characters.",
        )
    inputs = [str(v) for v in user_inputs if v]
    inputs += [
        part for v in inputs for part in v.replace("@", " ").replace(".", " ").split() if len(part) > 2
    ]
    result = zxcvbn(password[:SCORED_CHARACTERS], user_inputs=inputs)
    if result["score"] >= min_score:
        return
    feedback = result["feedback"]
    lines_en = [line for line in (feedback.get("warning"), *feedback.get("suggestions", ())) if line]
    lines_vi = [FEEDBACK_VI.get(line, "") for line in lines_en]
    if not any(lines_vi):
        lines_vi, lines_en = [GENERAL_ADVICE[0]], [GENERAL_ADVICE[1]]
    raise InvalidInput(
        "Mật khẩu quá dễ đoán. " + " ".join(line for line in lines_vi if line),
        "The password is too easy to guess. " + " ".join(lines_en),
        code="weak_password",
        details={"score": result["score"], "min_score": min_score},
    )


def hash_password(password):
    return _hasher.hash(password)


def check_password(account, password):
    try:
        return _hasher.verify(account.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _audit(session, actor, act_name, account, now, **details):
    """Account changes are state changes too: one event each, in the same transaction. A staff
    account's events name the person it belongs to, so the trail leads to someone."""
    named = {"full_name": account.full_name} if account.role in Account.STAFF_ROLES else {}
    return record_event(
        session,
        actor,
        act_name,
        "account",
        account.id,
        now=now,
        details={"email": account.email, "role": account.role, **named, **details},
    )


def may_make_staff(actor, role):
    """Dual control starts here: staff accounts are made by an administrator (officers and
    supervisors only) or by the operator at the command line; nobody who decides casework does."""
    if actor.kind == "operator":
        return True
    return actor.kind == "admin" and role in Account.CASEWORK_ROLES


def create_account(
    session,
    *,
    email,
    password,
    role="applicant",
    full_name="",
    holder_id=None,
    now=None,
    actor=None,
    announce=None,
    verify=None,
    min_score=MIN_SCORE,
    commit=True,
):
    """A new account; `actor` (default: the operator CLI) is recorded in the event log.

    `verify` (public_url, authority, hours) makes a sign-up's account: its email is not yet
    proved, and its welcome mail carries the link that proves it. Any other account (the
    operator's, an invitation's whose link proved the mailbox) counts as proved at once."""
    from brandname.errors import Forbidden

    now = now or dates.utcnow()
    email = (email or "").strip().lower()
    full_name = " ".join((full_name or "").split())
    if role not in Account.ROLES:
        raise InvalidInput(f"Vai trò không hợp lệ: {role}.", f"Unknown role: {role}.")
    staff = role in Account.STAFF_ROLES
    if staff and actor is not None and not may_make_staff(actor, role):
        raise Forbidden(
            "Chỉ người quản trị tài khoản tạo tài khoản cán bộ; tài khoản quản trị do người vận hành tạo.",
            "Only an account administrator creates staff accounts; administrators are made by the operator.",
        )
    if not form01._EMAIL.match(email):
        raise InvalidInput("Thư điện tử không đúng định dạng.", "The email address is not valid.")
    if staff and not full_name:
        # every staff act in the audit trail must lead to a named person
        raise InvalidInput(
            "Họ tên người dùng tài khoản cán bộ là bắt buộc.",
            "A staff account needs the full name of the person who uses it.",
        )
    _check_new_password(password, min_score=min_score, user_inputs=(email, full_name))
    if session.scalar(select(func.count()).select_from(Account).where(Account.email == email)):
        raise _email_taken()
    account = Account(
        email=email,
        password_hash=hash_password(password),
        role=role,
        full_name=full_name,
        holder_id=holder_id,
        created_at=now,
        created_by_id=actor.id if actor is not None and actor.kind != "applicant" else None,
        email_verified_at=None if verify is not None else now,
        # the first account of a holder administers its members
        org_role="admin" if role == "applicant" and holder_id is not None else None,
    )
    session.add(account)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        conflict = _conflict_of(exc)
        if conflict is None:
            raise
        raise conflict from exc
    if actor is None:
        # a sign-up acts for itself; any other account without a named actor came from the CLI
        actor = (
            Actor("applicant", email, account.id, holder_id) if role == "applicant" else Actor.operator("cli")
        )
    event = _audit(session, actor, "create_account", account, now, holder_id=holder_id)
    if announce is not None:  # (public_url, authority): the new account's welcome mail
        _announce(session, event, *announce)
    if verify is not None:
        public_url, authority, hours = verify
        _mail_verification(
            session,
            account,
            event,
            welcome=True,
            hours=hours,
            public_url=public_url,
            authority=authority,
            now=now,
        )
    if commit:  # else the caller's transaction goes on (an invitation's link spent with it)
        session.commit()
    return account


# --- Email verification: a sign-up proves its mailbox before it files ---

VERIFICATION_HOURS = 48


def _mail_verification(session, account, event, *, welcome, hours, public_url, authority, now):
    """A new single-use link (only its hash kept) and the mail that carries it; never commits."""
    import secrets
    from datetime import timedelta

    from brandname.notifications import messages, outbox
    from brandname.store.models import EmailVerification

    token = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=hours)
    session.add(
        EmailVerification(
            account_id=account.id, token_hash=_token_hash(token), created_at=now, expires_at=expires
        )
    )
    link = f"{public_url}/applicant/verify/{token}"
    build = messages.account_created if welcome else messages.email_verification
    mail = build(account, link=link, expires=expires, event=event, public_url=public_url)
    outbox.write(
        session, mail, event_seq=event.seq, now=now, authority=authority or messages.DEFAULT_AUTHORITY
    )
    return token


def request_email_verification(
    session, account, *, hours=VERIFICATION_HOURS, public_url="", authority=None, now=None
):
    """Mail a fresh verification link to a signed-in account whose email is not proved yet.
    Returns the token, or None when the email is proved or the last link is still fresh."""
    from datetime import timedelta

    from brandname.store.models import EmailVerification

    now = now or dates.utcnow()
    if account.email_verified_at is not None:
        return None
    recent = session.scalar(
        select(func.count())
        .select_from(EmailVerification)
        .where(
            EmailVerification.account_id == account.id,
            EmailVerification.used_at.is_(None),
            EmailVerification.created_at > now - timedelta(seconds=RESET_RESEND_SECONDS),
        )
    )
    if recent:
        return None
    event = _audit(session, Actor.for_account(account), "request_email_verification", account, now)
    token = _mail_verification(
        session,
        account,
        event,
        welcome=False,
        hours=hours,
        public_url=public_url,
        authority=authority,
        now=now,
    )
    session.commit()
    return token


def _invalid_verification():
    return InvalidInput(
        "Liên kết xác nhận thư điện tử không hợp lệ, đã được dùng hoặc đã hết hạn. "
        "Đăng nhập và bấm “Gửi lại liên kết xác nhận” để nhận liên kết mới.",
        "The email confirmation link is not valid, was already used or has expired. "
        "Sign in and press “Send the confirmation link again” for a new one.",
        code="invalid_verification_link",
    )


def verify_email(session, token, *, now=None):
    """Prove the account's email with the link mailed to it. The link (and every other live link
    of the account) is spent; unknown, used and expired links read alike."""
    from sqlalchemy import update

    from brandname.store.models import EmailVerification

    now = now or dates.utcnow()
    if not token or len(token) > 100:
        raise _invalid_verification()
    link = session.scalars(
        select(EmailVerification).where(EmailVerification.token_hash == _token_hash(token))
    ).first()
    if link is None or link.used_at is not None or link.expires_at <= now:
        raise _invalid_verification()
    account = session.get(Account, link.account_id)
    if account is None or not account.is_active_account:
        raise _invalid_verification()
    # spend the link first, guarded by its state, so two uses at once cannot both succeed
    spent = session.execute(
        update(EmailVerification)
        .where(EmailVerification.id == link.id, EmailVerification.used_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if spent != 1:
        session.rollback()
        raise _invalid_verification()
    session.execute(
        update(EmailVerification)
        .where(EmailVerification.account_id == account.id, EmailVerification.used_at.is_(None))
        .values(used_at=now)
    )
    account.email_verified_at = account.email_verified_at or now
    session.flush()
    _audit(session, Actor.for_account(account), "verify_email", account, now)
    session.commit()
    return account


def unverified_email():
    """Why an account that has not proved its email may not file, and what to do about it."""
    from brandname.errors import NotAllowed

    return NotAllowed(
        "Tài khoản chưa xác nhận thư điện tử nên chưa nộp được hồ sơ. Mở liên kết xác nhận trong thư "
        "chúng tôi đã gửi, hoặc bấm “Gửi lại liên kết xác nhận”.",
        "The account has not confirmed its email, so it cannot file yet. Open the confirmation link in "
        "the mail we sent, or press “Send the confirmation link again”.",
        code="email_unverified",
    )


# --- Web portals for applicants, officers and the public ---


def _announce(session, event, public_url, authority):
    """The mail an account event announces, in the event's transaction (accounts are not `act`s)."""
    from brandname.notifications import messages, outbox

    outbox.write_for_events(
        session, [event], public_url=public_url, authority=authority or messages.DEFAULT_AUTHORITY
    )


def register_applicant(
    session,
    *,
    email,
    password,
    profile,
    now=None,
    public_url="",
    authority=None,
    min_score=MIN_SCORE,
    verification_hours=VERIFICATION_HOURS,
    claim=False,
):
    """Sign-up: a new holder (organization or individual, Form 01 applicant fields) and its account.

    Returns the new account, or None when the email already has an account (staff included): then
    nothing is made, and the owner of that email is told by mail that someone tried. The caller
    answers both cases the same way ("look in your mailbox"), so sign-up reveals no email; the
    new account, the holder's first administrator, gets its own mail with the link that proves
    its email (it files nothing before). A holder already in the registry is never attached to a
    new account by a self-service sign-up (anyone could type someone else's enterprise code); the
    claimant proves control first (`lifecycle.claims`) — that refusal (409) names the code, which
    is public, not the email. With `claim`, the same sign-up for a holder already in the registry
    makes an account of no holder, from which its owner claims that holder.
    """
    from brandname.store.models import Holder

    now = now or dates.utcnow()
    profile = form01.validate_applicant(profile)
    email_clean = (email or "").strip().lower()
    if not form01._EMAIL.match(email_clean):
        raise InvalidInput("Thư điện tử không đúng định dạng.", "The email address is not valid.")
    # the same checks, in the same order, whether or not the email has an account
    _check_new_password(
        password,
        min_score=min_score,
        user_inputs=(
            email_clean,
            profile.get("name"),
            profile.get("contact_person"),
            profile.get("id_number"),
        ),
    )
    taken = session.scalar(
        select(func.count())
        .select_from(Holder)
        .where(Holder.kind == profile["kind"], Holder.id_number == profile["id_number"])
    )
    if taken and not claim:
        raise _holder_taken()
    if session.scalar(select(func.count()).select_from(Account).where(Account.email == email_clean)):
        hash_password(password)  # the work a new account costs: no timing hint either
        return _signup_attempted(session, email_clean, now, public_url, authority)
    if taken:
        # the claimant's own account: the holder on record becomes its only through a claim
        return create_account(
            session,
            email=email,
            password=password,
            role="applicant",
            full_name=profile.get("contact_person") or profile["name"],
            now=now,
            verify=(public_url, authority, verification_hours),
            min_score=min_score,
        )
    holder = Holder(
        created_at=now,
        updated_at=now,
        **{k: profile.get(k) for k in form01.APPLICANT_KEYS},
    )
    session.add(holder)
    try:
        session.flush()
        return create_account(
            session,
            email=email,
            password=password,
            role="applicant",
            full_name=profile["name"]
            if profile["kind"] == "individual"
            else (profile.get("contact_person") or profile["name"]),
            holder_id=holder.id,
            now=now,
            verify=(public_url, authority, verification_hours),
            min_score=min_score,
        )
    except IntegrityError as exc:
        session.rollback()
        conflict = _conflict_of(exc)
        if conflict is None:
            raise
        raise conflict from exc
    except Conflict as exc:
        # a sign-up for the same email won the race between the check and the insert: this one
        # is answered as any sign-up for an existing email is
        session.rollback()
        if exc.code != "email_taken":
            raise
        return _signup_attempted(session, email_clean, now, public_url, authority)
    except BaseException:
        session.rollback()
        raise


def _signup_attempted(session, email, now, public_url, authority):
    account = session.scalars(select(Account).where(Account.email == email)).one()
    event = _audit(session, Actor.system(), "signup_attempt", account, now)
    _announce(session, event, public_url, authority)
    session.commit()
    return None


@dataclass(frozen=True)
class Throttle:
    """How failed sign-ins slow a client down. Failures count per (email, client): after `free`
    of them the client waits `base_seconds`, doubling with each further failure up to
    `max_seconds`. Clients that are not known devices also share one count per email with the
    larger allowance `shared_free`, so an attacker who changes address still meets growing
    delays, while the holder's known devices are held up only by their own failures. A count
    is forgotten after `forget_hours` without a failure, and at a successful sign-in."""

    free: int = 5
    base_seconds: int = 30
    max_seconds: int = 3600
    shared_free: int = 50
    forget_hours: int = 24


SHARED = "*"  # the client key of the count shared by every client that is not a known device


def _throttle_row(session, email, client_key):
    from brandname.store.models import LoginThrottle

    where = (LoginThrottle.email == email, LoginThrottle.client_key == client_key)
    return session.scalars(select(LoginThrottle).where(*where)).first()


def _retry_at(rows, now):
    waits = [r.blocked_until for r in rows if r is not None and r.blocked_until and r.blocked_until > now]
    return max(waits) if waits else None


def _too_many(retry_at, now):
    from math import ceil

    from brandname.errors import TooManyAttempts

    seconds = max(1, ceil((retry_at - now).total_seconds()))
    at = retry_at.replace(tzinfo=dates.timezone.utc).astimezone(dates.VN_TZ).strftime("%H:%M:%S %d/%m/%Y")
    return TooManyAttempts(
        f"Đăng nhập sai quá nhiều lần từ thiết bị hoặc địa chỉ này. Vui lòng thử lại sau {seconds} giây "
        f"(lúc {at}, giờ Việt Nam). Các thiết bị bạn đã đăng nhập trước đây không bị ảnh hưởng.",
        f"Too many failed sign-ins from this device or address. Try again in {seconds} seconds "
        f"(at {at}, Vietnam time). Devices you signed in from before are not affected.",
        retry_at=retry_at,
        details={"retry_after": seconds},
    )


def _count_failure(session, email, client_key, *, free, throttle, now, account):
    """One more failure in this count; past its allowance the client waits, twice as long each time."""
    from datetime import timedelta

    from brandname.store.models import LoginThrottle

    row = _throttle_row(session, email, client_key)
    if row is None:
        row = LoginThrottle(email=email, client_key=client_key, failures=0, last_failure_at=now)
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:  # another request made it first
            row = _throttle_row(session, email, client_key)
    elif row.last_failure_at < now - timedelta(hours=throttle.forget_hours):
        row.failures, row.blocked_until = 0, None
    row.failures = (row.failures or 0) + 1
    row.last_failure_at = now
    if row.failures >= free:
        wait = min(throttle.max_seconds, throttle.base_seconds * 2 ** min(row.failures - free, 30))
        row.blocked_until = now + timedelta(seconds=wait)
        if row.failures == free and account is not None:
            _audit(
                session,
                Actor.system(),
                "throttle_sign_in",
                account,
                now,
                client="shared" if client_key == SHARED else client_key.partition(":")[0],
                retry_at=row.blocked_until.isoformat(),
                failures=row.failures,
            )


def authenticate(session, email, password, *, client_key, known_device=False, now=None, throttle=None):
    """The account for these credentials, or None.

    `client_key` names the client ("device:<id>" for a known device, "address:<ip>" otherwise;
    `known_device` says which). A client that failed too often is refused with TooManyAttempts
    until its wait ends, before the password is looked at, whether or not the email exists."""
    now = now or dates.utcnow()
    throttle = throttle or Throttle()
    email = (email or "").strip().lower()[:254]
    client_key = (client_key or "?")[:128]
    mine = _throttle_row(session, email, client_key)
    shared = None if known_device else _throttle_row(session, email, SHARED)
    retry_at = _retry_at((mine, shared), now)
    if retry_at is not None:
        raise _too_many(retry_at, now)
    account = session.scalars(select(Account).where(Account.email == email)).first()
    if account is None:
        _hasher.hash(password or "")  # same work as a real check: no timing hint about emails
    if account is None or not check_password(account, password or ""):
        _count_failure(
            session, email, client_key, free=throttle.free, throttle=throttle, now=now, account=account
        )
        if not known_device:
            _count_failure(
                session, email, SHARED, free=throttle.shared_free, throttle=throttle, now=now, account=account
            )
        session.commit()
        return None
    if not account.is_active_account:
        return None
    if mine is not None:
        session.delete(mine)
        session.commit()
    return account


# --- The staff second factor: TOTP (RFC 6238, 30-second steps, 6 digits) ---

TOTP_DRIFT_STEPS = 1  # a code of the step before or after is accepted too (clock drift)


def new_totp_secret():
    import pyotp

    return pyotp.random_base32()


def totp_uri(email, secret, issuer):
    """The otpauth:// URI an authenticator app reads from the enrolment QR code."""
    import pyotp

    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def _totp_step(secret, code, now, after=None):
    """The time step whose code this is (within the drift), later than `after`; else None."""
    import hmac

    import pyotp

    code = "".join((code or "").split())
    if not secret or not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now.replace(tzinfo=dates.timezone.utc))
    for step in range(current - TOTP_DRIFT_STEPS, current + TOTP_DRIFT_STEPS + 1):
        if (after is None or step > after) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _wrong_code():
    return InvalidInput(
        "Mã xác thực không đúng hoặc đã được dùng. Nhập mã đang hiện trong ứng dụng xác thực.",
        "The code is wrong or was already used. Enter the code your authenticator app shows now.",
    )


def enrol_totp(session, account, *, secret, code, now=None):
    """A staff member turns on their second factor, proving the app shows the right codes."""
    from brandname.errors import NotAllowed

    now = now or dates.utcnow()
    if not account.is_staff:
        raise NotAllowed(
            "Chỉ tài khoản cán bộ dùng xác thực hai lớp.", "Only staff accounts use a second factor."
        )
    if account.totp_secret:
        raise NotAllowed(
            "Tài khoản đã bật xác thực hai lớp; người vận hành đặt lại được khi mất thiết bị.",
            "The account already has a second factor; the operator resets it when the device is lost.",
        )
    step = _totp_step(secret, code, now)
    if step is None:
        raise _wrong_code()
    account.totp_secret, account.totp_last_step = secret, step
    session.flush()
    _audit(session, Actor.for_account(account), "enrol_totp", account, now)
    session.commit()
    return account


def check_totp(session, account, code, *, client_key, now=None, throttle=None):
    """The second step of a staff sign-in: True when `code` is the account's current code and
    newer than the last one accepted (each code is good once). Wrong codes slow the client down
    as wrong passwords do."""
    now = now or dates.utcnow()
    throttle = throttle or Throttle()
    key = ("totp:" + (client_key or "?"))[:128]
    row = _throttle_row(session, account.email, key)
    retry_at = _retry_at((row,), now)
    if retry_at is not None:
        raise _too_many(retry_at, now)
    step = _totp_step(account.totp_secret, code, now, after=account.totp_last_step)
    if step is None:
        _count_failure(
            session, account.email, key, free=throttle.free, throttle=throttle, now=now, account=account
        )
        session.commit()
        return False
    account.totp_last_step = step
    if row is not None:
        session.delete(row)
    session.commit()
    return True


def reset_totp(session, email, *, actor, reason="", now=None):
    """The operator removes a staff member's second factor (a lost phone); every session of the
    account ends, and the next sign-in enrols a new one."""
    from brandname.errors import NotFound

    now = now or dates.utcnow()
    account = session.scalars(select(Account).where(Account.email == (email or "").strip().lower())).first()
    if account is None or not account.is_staff:
        raise NotFound("Không tìm thấy tài khoản cán bộ.", "No such staff account.")
    had = bool(account.totp_secret)
    account.totp_secret, account.totp_last_step = None, None
    _next_generation(account)
    session.flush()
    _audit(session, actor, "reset_totp", account, now, had_second_factor=had, reason=" ".join(reason.split()))
    session.commit()
    return account


# --- "Forgot password": a time-limited, single-use link by mail ---

RESET_RESEND_SECONDS = 120  # a new link is not sent while the last one is this fresh


def _token_hash(token):
    import hashlib

    return hashlib.sha256((token or "").encode()).hexdigest()


def request_password_reset(session, email, *, minutes=60, public_url="", authority=None, now=None):
    """Mail a reset link to the account of `email`, if there is one (the caller answers the same
    either way). Returns the token (for tests and the CLI), or None when no link was sent."""
    import secrets
    from datetime import timedelta

    from brandname.notifications import messages, outbox
    from brandname.store.models import PasswordReset

    now = now or dates.utcnow()
    account = session.scalars(
        select(Account).where(Account.email == (email or "").strip().lower()[:254])
    ).first()
    if account is None or not account.is_active_account:
        return None
    recent = session.scalar(
        select(func.count())
        .select_from(PasswordReset)
        .where(
            PasswordReset.account_id == account.id,
            PasswordReset.used_at.is_(None),
            PasswordReset.created_at > now - timedelta(seconds=RESET_RESEND_SECONDS),
        )
    )
    if recent:
        return None
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(minutes=minutes)
    session.add(
        PasswordReset(
            account_id=account.id, token_hash=_token_hash(token), created_at=now, expires_at=expires
        )
    )
    event = _audit(
        session, Actor.system(), "request_password_reset", account, now, expires_at=expires.isoformat()
    )
    mail = messages.password_reset(account, f"{public_url}/applicant/reset/{token}", expires, event)
    outbox.write(
        session, mail, event_seq=event.seq, now=now, authority=authority or messages.DEFAULT_AUTHORITY
    )
    session.commit()
    return token


def _invalid_link():
    return InvalidInput(
        "Liên kết đặt lại mật khẩu không hợp lệ, đã được dùng hoặc đã hết hạn. Hãy yêu cầu liên kết mới.",
        "The password reset link is not valid, was already used or has expired. Ask for a new one.",
        code="invalid_reset_link",
    )


def reset_for_token(session, token, *, now=None):
    """The live reset of this token, or raise: unknown, used and expired links read alike."""
    from brandname.store.models import PasswordReset

    now = now or dates.utcnow()
    if not token or len(token) > 100:
        raise _invalid_link()
    reset = session.scalars(
        select(PasswordReset).where(PasswordReset.token_hash == _token_hash(token))
    ).first()
    if reset is None or reset.used_at is not None or reset.expires_at <= now:
        raise _invalid_link()
    account = session.get(Account, reset.account_id)
    if account is None or not account.is_active_account:
        raise _invalid_link()
    return reset, account


def reset_password(session, token, *, new, repeat, now=None, min_score=MIN_SCORE):
    """Set a new password through a reset link. The link and every other live link of the account
    are spent, and every session of the account ends."""
    from sqlalchemy import update

    from brandname.store.models import PasswordReset

    now = now or dates.utcnow()
    reset, account = reset_for_token(session, token, now=now)
    if (new or "") != (repeat or ""):
        raise InvalidInput("Hai lần nhập mật khẩu mới không khớp.", "The two new passwords do not match.")
    _check_new_password(new, min_score=min_score, user_inputs=(account.email, account.full_name))
    # spend the link first, guarded by its state, so two uses at once cannot both succeed
    spent = session.execute(
        update(PasswordReset)
        .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if spent != 1:
        session.rollback()
        raise _invalid_link()
    session.execute(
        update(PasswordReset)
        .where(PasswordReset.account_id == account.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    account.password_hash = hash_password(new)
    _next_generation(account)
    session.flush()
    _audit(session, Actor.system(), "reset_password", account, now)
    session.commit()
    return account


def set_active(session, account_id, active, *, actor_account, now=None):
    """An administrator enables or disables an officer's or supervisor's account (never their own)."""
    from brandname.errors import Forbidden, NotFound

    if actor_account.role != "admin":
        raise Forbidden(
            "Chỉ người quản trị tài khoản khóa hoặc mở khóa tài khoản cán bộ.",
            "Only an account administrator disables or enables staff accounts.",
        )
    account = session.get(Account, account_id)
    if account is None or not account.does_casework:
        raise NotFound("Không tìm thấy tài khoản cán bộ.", "No such officer account.")
    if account.id == actor_account.id:
        raise Forbidden("Không tự khóa tài khoản của mình.", "You cannot disable your own account.")
    account.is_active_account = bool(active)
    if active:
        account.enabled_by_id = actor_account.id
    session.flush()
    _audit(
        session,
        Actor.for_account(actor_account),
        "enable_account" if active else "disable_account",
        account,
        now or dates.utcnow(),
    )
    session.commit()
    return account


def _next_generation(account):
    account.session_generation = (account.session_generation or 0) + 1


def session_token(account):
    """What a session stores to name its account: the id and the generation it was opened with."""
    return f"{account.id}:{account.session_generation or 0}"


def account_for_session(session, token):
    """The account a session token names, or None when the token is malformed or its generation
    has ended (signed out, password changed)."""
    ident, sep, generation = (token or "").partition(":")
    if not sep or not ident.isdigit() or not generation.isdigit() or len(token) > 40:
        return None
    account = session.get(Account, int(ident))
    if account is None or (account.session_generation or 0) != int(generation):
        return None
    return account


def end_sessions(session, account):
    """Sign-out ends every session of the account, on every device: the cookies stay valid
    signatures, but their generation no longer opens the account."""
    _next_generation(account)
    session.commit()
    return account


def change_password(session, account, *, current, new, repeat, now=None, min_score=MIN_SCORE):
    """The signed-in user replaces their own password (the current one is asked again)."""
    if not check_password(account, current or ""):
        raise InvalidInput("Mật khẩu hiện tại không đúng.", "The current password is wrong.")
    if (new or "") != (repeat or ""):
        raise InvalidInput("Hai lần nhập mật khẩu mới không khớp.", "The two new passwords do not match.")
    if new == current:
        raise InvalidInput(
            "Mật khẩu mới phải khác mật khẩu hiện tại.", "The new password must differ from the current one."
        )
    _check_new_password(new, min_score=min_score, user_inputs=(account.email, account.full_name))
    account.password_hash = hash_password(new)
    _next_generation(account)  # whoever held an old session (or the old password) is signed out
    session.flush()
    _audit(session, Actor.for_account(account), "change_password", account, now or dates.utcnow())
    session.commit()
    return account
