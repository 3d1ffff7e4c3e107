"""Account creation and password hashing (Argon2id). No Flask."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from . import dates, form01
from .errors import Conflict, InvalidInput
from .models import Account

_hasher = PasswordHasher()
MIN_PASSWORD = 10


def hash_password(password):
    return _hasher.hash(password)


def check_password(account, password):
    try:
        return _hasher.verify(account.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_account(session, *, email, password, role="applicant", full_name="", holder_id=None, now=None):
    email = (email or "").strip().lower()
    if not form01._EMAIL.match(email):
        raise InvalidInput("Thư điện tử không đúng định dạng.", "The email address is not valid.")
    if role not in Account.ROLES:
        raise InvalidInput(f"Vai trò không hợp lệ: {role}.", f"Unknown role: {role}.")
    if len(password or "") < MIN_PASSWORD:
        raise InvalidInput(f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự.",
                           f"The password needs at least {MIN_PASSWORD} characters.")
    if session.scalar(select(func.count()).select_from(Account).where(Account.email == email)):
        raise Conflict("Thư điện tử này đã có tài khoản.", "An account with this email already exists.")
    account = Account(email=email, password_hash=hash_password(password), role=role,
                      full_name=full_name, holder_id=holder_id, created_at=now or dates.utcnow())
    session.add(account)
    session.commit()
    return account
