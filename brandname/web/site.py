"""What every web page shares: sign-in, language, security headers, template helpers.

`init_app(app)` is called once from create_app; no business rule lives here.
"""

import logging
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app, g, redirect, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import refresh as refresh_babel
from flask_login import UserMixin, current_user

from brandname import lifecycle
from brandname.extensions import babel, csrf, db, login_manager
from brandname.lifecycle import accounts as account_acts
from brandname.rules import dates, form01, grounds, text
from brandname.rules.text import has_control_characters
from brandname.web import forms

log = logging.getLogger(__name__)

LANGUAGES = ("vi", "en")
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

# Status words shown to people; the codes stay in the database.
WARNING_LABELS = {
    "taken": _l("đã có người giữ tên này"),
    "lookalike": _l("trông giống"),
    "soundalike": _l("đọc giống"),
    "near_miss": _l("chỉ khác một ký tự"),
    "watchlist": _l("trong danh sách theo dõi"),
}
WATCH_CATEGORY_LABELS = {
    "state": _l("cơ quan nhà nước"),
    "bank": _l("ngân hàng"),
    "carrier": _l("doanh nghiệp viễn thông"),
    "protected": _l("tên được bảo hộ"),
    "sensitive": _l("từ nhạy cảm"),
}
WARNING_DECISION_LABELS = {
    "not_confusable": _l("không gây nhầm lẫn"),
    "confusable": _l("dễ gây nhầm lẫn"),
}

STATUS_LABELS = {
    "submitted": _l("Đang chờ quyết định"),
    "approved": _l("Đã chấp thuận, chờ lệ phí"),
    "rejected": _l("Bị từ chối"),
    "withdrawn": _l("Đã rút"),
    "lapsed": _l("Hết hạn nộp lệ phí"),
    "issued": _l("Đã cấp"),
    "pending": _l("Đang xét"),
    "reserved": _l("Đã giữ chỗ"),
    "active": _l("Đang hoạt động"),
    "expired": _l("Hết hạn"),
    "revoked": _l("Đã thu hồi"),
    "released": _l("Đã giải phóng"),
    "current": _l("Hiệu lực"),
    "superseded": _l("Đã được thay thế"),
    "recorded": _l("Chờ xác nhận"),
    "confirmed": _l("Đã xác nhận"),
    "refused": _l("Không xác nhận"),
    "proposed": _l("Chờ lãnh đạo xác nhận"),
    "declined": _l("Không được xác nhận"),
    "open": _l("Chưa nộp"),
    "paid": _l("Đã nộp"),
}
KIND_LABELS = {
    "issue": _l("Cấp mới"),
    "reissue": _l("Cấp lại"),
    "renewal": _l("Gia hạn"),
    "legacy": _l("Chuyển đổi"),
    "organization": _l("Tổ chức"),
    "individual": _l("Cá nhân"),
}
ROLE_LABELS = {
    "applicant": _l("Người đăng ký"),
    "officer": _l("Cán bộ xử lý"),
    "supervisor": _l("Lãnh đạo"),
    "admin": _l("Quản trị tài khoản"),
}
DOCUMENT_KINDS = {
    "enterprise_registration": _l("Giấy chứng nhận đăng ký doanh nghiệp / quyết định thành lập"),
    "id_document": _l("CCCD / hộ chiếu"),
    "trademark": _l("Văn bằng nhãn hiệu, sở hữu trí tuệ"),
    "authorization_letter": _l("Giấy ủy quyền nộp hồ sơ"),
    "business_registration": _l("Giấy đăng ký hộ kinh doanh"),
    "other": _l("Tài liệu khác"),
}
CERTIFICATE_STATUS_LABELS = {
    "active": _l("Đang có hiệu lực"),
    "superseded": _l("Đã được thay thế"),
    "expired": _l("Đã hết hạn"),
    "revoked": _l("Đã bị thu hồi"),
}
USE_LABELS = {"sms": _l("Tin nhắn (SMS)"), "voice": _l("Cuộc gọi thoại")}
EVIDENCE_LABELS = {
    "agency": _l("Cơ quan nhà nước có thẩm quyền"),
    "conclusion_number": _l("Số văn bản kết luận"),
    "conclusion_date": _l("Ngày kết luận"),
    "invoice": _l("Số hóa đơn"),
    "due_date": _l("Hạn nộp"),
    "request_number": _l("Số văn bản yêu cầu"),
    "request_date": _l("Ngày văn bản"),
    "invoice_id": _l("Mã khoản chi phí"),
    "amount_vnd": _l("Số tiền"),
    "period": _l("Kỳ"),
    "days_overdue": _l("Số ngày quá hạn"),
}


class LoginUser(UserMixin):
    """Flask-Login's view of an Account: every attribute is the account's."""

    def __init__(self, account):
        self.account = account

    def __getattr__(self, item):
        return getattr(self.account, item)

    def get_id(self):
        # the session names the account's sign-in generation too: see accounts.account_for_session
        return account_acts.session_token(self.account)

    @property
    def is_active(self):
        return bool(self.account.is_active_account)


DEVICE_COOKIE = "brandname_device"
DEVICE_COOKIE_DAYS = 365
DEVICE_EMAILS = 8  # accounts remembered per browser


def _device_serializer():
    from itsdangerous import URLSafeSerializer

    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="brandname-known-device")


def _email_tag(email):
    import hashlib

    return hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:16]


def _device():
    """The browser's signed known-device record {"d": id, "e": [email tags]}, or None."""
    from itsdangerous import BadSignature

    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw or len(raw) > 2000:
        return None
    try:
        value = _device_serializer().loads(raw)
    except BadSignature:
        return None
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("d"), str)
        or not isinstance(value.get("e"), list)
    ):
        return None
    return value


def sign_in_client(email):
    """(client key, known device?) for a sign-in as `email`: this browser when it signed in as
    that email before (its signed known-device cookie), else the client's address."""
    device = _device()
    if device is not None and _email_tag(email) in device["e"]:
        return "device:" + device["d"][:64], True
    return "address:" + (request.remote_addr or "?"), False


def remember_device(response, email):
    """After a successful sign-in: this browser becomes a known device for the email."""
    import secrets

    device = _device() or {"d": secrets.token_urlsafe(16), "e": []}
    tag = _email_tag(email)
    device["e"] = [tag, *[t for t in device["e"] if t != tag]][:DEVICE_EMAILS]
    response.set_cookie(
        DEVICE_COOKIE,
        _device_serializer().dumps(device),
        max_age=DEVICE_COOKIE_DAYS * 86400,
        httponly=True,
        secure=bool(current_app.config.get("PRODUCTION")),
        samesite="Lax",
    )
    return response


SECOND_FACTOR_SECONDS = 300  # how long the password step waits for its code


def ask_second_factor(account, next_url):
    """The password was right and the account has a second factor: remember that (and nothing
    else) for a few minutes, and ask for the code."""
    import time

    session.pop("_user_id", None)
    session["second_factor"] = {
        "t": account_acts.session_token(account),
        "at": int(time.time()),
        "next": safe_next(next_url, ""),
    }
    return redirect(url_for("officer.login_code"))


def pending_second_factor():
    """(account, next) of a sign-in waiting for its code, or (None, None)."""
    import time

    pending = session.get("second_factor")
    if not isinstance(pending, dict) or time.time() - int(pending.get("at") or 0) > SECOND_FACTOR_SECONDS:
        return None, None
    account = account_acts.account_for_session(db.session, pending.get("t"))
    if account is None or not account.is_active_account or not account.totp_secret:
        return None, None
    return account, pending.get("next") or None


def console_home(account):
    """Where a staff account lands in the officer console: casework, or the accounts page."""
    return url_for("officer.staff_accounts" if account.role == "admin" else "officer.dashboard")


def actor():
    """The signed-in account as the actor of a lifecycle act."""
    return lifecycle.Actor.for_account(current_user)


def lang():
    """'vi' or 'en' for the current request."""
    return str(get_locale() or "vi")[:2]


def authority_names():
    """The issuing body in the reader's language, full and short, from BRANDNAME_AUTHORITY(_EN)."""
    from brandname.registry import rules

    full = rules().authority_en if lang() == "en" else rules().authority
    short, _parent = text.authority_parts(full)
    return {"full": full, "short": short}


def error_message(exc):
    """A DomainError in the reader's language, the other language after it."""
    if lang() == "en":
        return exc.message_en
    return exc.message_vi


def _select_locale():
    chosen = session.get("lang")
    return chosen if chosen in LANGUAGES else "vi"


def compile_catalogues(directory=TRANSLATIONS_DIR):
    """Compile each messages.po to messages.mo when the .mo is missing or older (fresh checkouts)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in directory.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        try:
            with po.open("rb") as f:
                catalog = read_po(f, locale=po.parent.parent.name)
            with mo.open("wb") as f:
                write_mo(f, catalog)
        except OSError as exc:  # a read-only install keeps the committed .mo
            log.warning("could not compile %s: %s", po, exc)


def vntime(value, with_time=True):
    """A stored naive-UTC timestamp as a Hanoi wall-clock time."""
    if value is None:
        return "—"
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if isinstance(value, datetime):
        local = value.replace(tzinfo=dates.timezone.utc).astimezone(dates.VN_TZ)
        return local.strftime("%d/%m/%Y %H:%M") if with_time else local.strftime("%d/%m/%Y")
    return value.strftime("%d/%m/%Y")


def ground_label(code):
    """The legal ground of Art. 29(1) in words, in the reader's language; never the code."""
    return _(grounds.legal_ground(code, "vi")) if code else "—"


def evidence_value(key, value):
    """An evidence field as people read it: dates as dd/mm/yyyy."""
    if key.endswith("date") and isinstance(value, str):
        try:
            return vntime(value)
        except ValueError:
            return value
    if key == "amount_vnd" and isinstance(value, int):
        return money(value)
    return value


def money(value):
    if value is None:
        return "—"
    if lang() == "en":
        return f"VND {value:,}"
    return f"{value:,}".replace(",", ".") + " đ"


def safe_next(target, fallback):
    """Only local paths are followed after sign-in or a language switch."""
    if target and not has_control_characters(target):  # a line break would split the header
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return fallback


def init_app(app):
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "vi")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh")
    app.config.setdefault("MAX_CONTENT_LENGTH", 60 * 1024 * 1024)
    app.config.setdefault("LOGIN_RATE_LIMIT", "20 per minute; 200 per hour")  # sign-in POSTs per IP
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    if app.config.get("STAFF_TOTP_REQUIRED") is None:  # production asks staff for a second factor
        app.config["STAFF_TOTP_REQUIRED"] = bool(app.config.get("PRODUCTION"))
    if app.config.get("PRODUCTION"):
        app.config.update(
            SESSION_COOKIE_SECURE=True,
            REMEMBER_COOKIE_SECURE=True,
            SESSION_COOKIE_HTTPONLY=True,
            REMEMBER_COOKIE_HTTPONLY=True,
            SESSION_COOKIE_SAMESITE="Lax",
            PREFERRED_URL_SCHEME="https",
        )
    else:
        app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")

    from brandname.web import input as input_checks

    input_checks.init_app(app)  # before CSRF and sign-in read the form
    compile_catalogues()
    babel.init_app(app, locale_selector=_select_locale)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id):
        account = account_acts.account_for_session(db.session, user_id)
        return LoginUser(account) if account is not None else None

    @login_manager.unauthorized_handler
    def unauthorized():
        endpoint = "officer.login" if request.path.startswith("/officer") else "applicant.login"
        return redirect(url_for(endpoint, next=request.full_path.rstrip("?")))

    @app.before_request
    def forget_cached_user():
        # Flask-Login caches the user in `g`, which lives in the app context; when an outer app
        # context is already pushed (CLI tasks, tests) requests would share it. Load it afresh.
        g.pop("_login_user", None)
        refresh_babel()  # Flask-Babel caches the locale the same way

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("PRODUCTION"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if current_user and getattr(current_user, "is_authenticated", False):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.route("/lang/<code>")
    def set_language(code):
        if code in LANGUAGES:
            session["lang"] = code
        return redirect(safe_next(request.args.get("next"), url_for("public.home")))

    app.jinja_env.filters["vntime"] = vntime
    app.jinja_env.filters["vndate"] = lambda v: vntime(v, with_time=False)
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["use_label"] = lambda u: USE_LABELS.get(u, u)

    @app.context_processor
    def helpers():
        return {
            "lang": lang(),
            "status_label": lambda s: STATUS_LABELS.get(s, s),
            "kind_label": lambda k: KIND_LABELS.get(k, k),
            "role_label": lambda r: ROLE_LABELS.get(r, r),
            "document_kinds": DOCUMENT_KINDS,
            "ground_label": ground_label,
            "certificate_state": _certificate_state,
            "warning_label": lambda k: WARNING_LABELS.get(k, k),
            "watch_category_label": lambda c: WATCH_CATEGORY_LABELS.get(c, c),
            "watch_categories": WATCH_CATEGORY_LABELS,
            "warning_decision_label": lambda d: WARNING_DECISION_LABELS.get(d, d),
            "evidence_label": lambda e: EVIDENCE_LABELS.get(e, e),
            "evidence_value": evidence_value,
            "error_message": error_message,
            "field_error": lambda error, name: forms.field_error(error, name, lang()),
            "applicant_limits": form01.FIELD_LIMITS,
            "entry_limits": form01.ENTRY_LIMITS,
            "carrier_list": _rules().carriers,
            "carrier_choices": lambda form, i: forms.carrier_choices(form, i, _rules().carriers),
            "authority": authority_names(),
            "charges_in_force": bool(_rules().charge_schedule),
            "certificate_status_label": lambda s: CERTIFICATE_STATUS_LABELS.get(s, s),
            "certificate_sentence": certificate_sentence,
        }


def _rules():
    from brandname.registry import rules

    return rules()


def _certificate_state(cert):
    from brandname.certificates.verification import certificate_status

    return certificate_status(cert)


def certificate_sentence(info):
    """Where certificate `info` (verification.status_of) stands, in one sentence of the reader's
    language, dates as dd/mm/yyyy."""
    from flask_babel import gettext

    serial, name, status = info["serial"], info["name"], info["status"]
    if status == "active":
        return gettext(
            "Giấy chứng nhận %(serial)s (tên định danh %(name)s) đang có hiệu lực đến hết ngày %(date)s.",
            serial=serial,
            name=name,
            date=info["valid_until_text"],
        )
    if status == "superseded":
        return gettext(
            "Giấy chứng nhận %(serial)s (tên định danh %(name)s) đã được thay thế bởi giấy chứng nhận "
            "số %(new)s; chỉ giấy chứng nhận mới có hiệu lực.",
            serial=serial,
            name=name,
            new=info["superseded_by"],
        )
    if status == "expired":
        return gettext(
            "Giấy chứng nhận %(serial)s (tên định danh %(name)s) đã hết hạn; hiệu lực đến hết ngày %(date)s.",
            serial=serial,
            name=name,
            date=info["valid_until_text"],
        )
    return gettext(
        "Giấy chứng nhận %(serial)s (tên định danh %(name)s) đã bị thu hồi ngày %(date)s; căn cứ: %(ground)s.",
        serial=serial,
        name=name,
        date=info["revoked_on_text"],
        ground=info["ground_text_en"] if lang() == "en" else info["ground_text"],
    )


def login_rate_limit():
    """Sign-in attempts allowed per client address (LOGIN_RATE_LIMIT), on top of the throttling
    per account and client (accounts.Throttle)."""
    return current_app.config["LOGIN_RATE_LIMIT"]


def login_throttle():
    from brandname.lifecycle.accounts import Throttle

    c = current_app.config
    return Throttle(
        free=c["LOGIN_THROTTLE_FREE"],
        base_seconds=c["LOGIN_THROTTLE_BASE_SECONDS"],
        max_seconds=c["LOGIN_THROTTLE_MAX_SECONDS"],
        shared_free=c["LOGIN_THROTTLE_SHARED_FREE"],
    )


def page_number():
    from flask import request as _request

    try:
        return max(1, min(int(_request.args.get("page", 1)), 100000))
    except ValueError:
        return 1


def paginate(session, stmt, *, size=25):
    """(rows, page, pages, total) for a SELECT of one entity, page taken from ?page=."""
    from sqlalchemy import func, select

    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    pages = max(1, -(-total // size))
    page = min(page_number(), pages)
    rows = session.scalars(stmt.offset((page - 1) * size).limit(size)).all()
    return rows, page, pages, total
