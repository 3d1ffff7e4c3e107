"""Account creation and password hashing (Argon2id). No Flask."""

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
        "Mã số / số giấy tờ này đã có trong sổ đăng ký. Liên hệ Cục An toàn thông tin để được gắn tài khoản.",
        "This code / document number is already in the registry. Contact the Authority to link an account.",
    )


def _email_taken():
    return Conflict("Thư điện tử này đã có tài khoản.", "An account with this email already exists.")


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
    record_event(
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
    session, *, email, password, role="applicant", full_name="", holder_id=None, now=None, actor=None
):
    """A new account; `actor` (default: the operator CLI) is recorded in the event log."""
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
    if len(password or "") < MIN_PASSWORD:
        raise InvalidInput(
            f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự.",
            f"The password needs at least {MIN_PASSWORD} characters.",
        )
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
    _audit(session, actor, "create_account", account, now, holder_id=holder_id)
    session.commit()
    return account


# --- Web portals for applicants, officers and the public ---


def register_applicant(session, *, email, password, profile, now=None):
    """Sign-up: a new holder (organization or individual, Form 01 applicant fields) and its account.

    A holder already in the registry is never attached to a new account by a self-service sign-up
    (anyone could type someone else's enterprise code); the Authority links such accounts.
    """
    from brandname.store.models import Holder

    now = now or dates.utcnow()
    profile = form01.validate_applicant(profile)
    email_clean = (email or "").strip().lower()
    if session.scalar(
        select(func.count())
        .select_from(Holder)
        .where(Holder.kind == profile["kind"], Holder.id_number == profile["id_number"])
    ):
        raise _holder_taken()
    if session.scalar(select(func.count()).select_from(Account).where(Account.email == email_clean)):
        raise _email_taken()
    holder = Holder(
        created_at=now,
        updated_at=now,
        **{
            k: profile.get(k)
            for k in (
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
            )
        },
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
        )
    except IntegrityError as exc:
        session.rollback()
        conflict = _conflict_of(exc)
        if conflict is None:
            raise
        raise conflict from exc
    except BaseException:
        session.rollback()
        raise


def authenticate(session, email, password, *, now=None, max_failures=5, lock_minutes=15):
    """The account for these credentials, or None. Repeated failures lock the account for a while;
    a locked account is refused even with the right password until the lock ends."""
    from datetime import timedelta

    now = now or dates.utcnow()
    email = (email or "").strip().lower()
    account = session.scalars(select(Account).where(Account.email == email)).first()
    if account is None:
        _hasher.hash(password or "")  # same work as a real check: no timing hint about emails
        return None
    if account.locked_until and account.locked_until > now:
        return None
    if not check_password(account, password or ""):
        account.failed_logins = (account.failed_logins or 0) + 1
        if account.failed_logins >= max_failures:
            account.locked_until = now + timedelta(minutes=lock_minutes)
            account.failed_logins = 0
            _audit(
                session,
                Actor.system(),
                "lock_account",
                account,
                now,
                locked_until=account.locked_until.isoformat(),
                failures=max_failures,
            )
        session.commit()
        return None
    if not account.is_active_account:
        return None
    account.failed_logins, account.locked_until = 0, None
    session.commit()
    return account


def is_locked(account, now=None):
    return bool(account and account.locked_until and account.locked_until > (now or dates.utcnow()))


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


def change_password(session, account, *, current, new, repeat, now=None):
    """The signed-in user replaces their own password (the current one is asked again)."""
    if not check_password(account, current or ""):
        raise InvalidInput("Mật khẩu hiện tại không đúng.", "The current password is wrong.")
    if (new or "") != (repeat or ""):
        raise InvalidInput("Hai lần nhập mật khẩu mới không khớp.", "The two new passwords do not match.")
    if len(new or "") < MIN_PASSWORD:
        raise InvalidInput(
            f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự.",
            f"The password needs at least {MIN_PASSWORD} characters.",
        )
    if new == current:
        raise InvalidInput(
            "Mật khẩu mới phải khác mật khẩu hiện tại.", "The new password must differ from the current one."
        )
    account.password_hash = hash_password(new)
    _next_generation(account)  # whoever held an old session (or the old password) is signed out
    session.flush()
    _audit(session, Actor.for_account(account), "change_password", account, now or dates.utcnow())
    session.commit()
    return account
