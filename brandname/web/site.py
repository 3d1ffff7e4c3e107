"""What every web page shares: sign-in, language, security headers, template helpers.

`init_app(app)` is called once from create_app; no business rule lives here.
"""

import logging
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app, g, redirect, request, session, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_babel import refresh as refresh_babel
from flask_login import UserMixin, current_user

from brandname import lifecycle
from brandname.extensions import babel, csrf, db, login_manager
from brandname.rules import dates, text
from brandname.rules.text import has_control_characters
from brandname.store.models import Account

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
GROUND_LABELS = {
    "spam": _l("Điểm a: gửi tin nhắn rác, dịch vụ trái pháp luật (theo kết luận của cơ quan có thẩm quyền)"),
    "arrears": _l("Điểm b: quá 30 ngày chưa nộp chi phí duy trì"),
    "expired": _l("Điểm c: hết hạn mà không gia hạn"),
    "holder_request": _l("Điểm d: theo đề nghị của người sử dụng"),
    "authority_request": _l("Điểm đ: theo yêu cầu của cơ quan nhà nước có thẩm quyền"),
}
USE_LABELS = {"sms": _l("Tin nhắn (SMS)"), "voice": _l("Cuộc gọi thoại")}
EVIDENCE_LABELS = {
    "conclusion_number": _l("Số văn bản kết luận"),
    "conclusion_date": _l("Ngày kết luận"),
    "invoice": _l("Số hóa đơn"),
    "due_date": _l("Hạn nộp"),
    "request_number": _l("Số văn bản yêu cầu"),
    "request_date": _l("Ngày văn bản"),
}


class LoginUser(UserMixin):
    """Flask-Login's view of an Account: every attribute is the account's."""

    def __init__(self, account):
        self.account = account

    def __getattr__(self, item):
        return getattr(self.account, item)

    def get_id(self):
        return str(self.account.id)

    @property
    def is_active(self):
        return bool(self.account.is_active_account)


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


def evidence_value(key, value):
    """An evidence field as people read it: dates as dd/mm/yyyy."""
    if key.endswith("date") and isinstance(value, str):
        try:
            return vntime(value)
        except ValueError:
            return value
    return value


def money(value):
    if value is None:
        return "—"
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
    app.config.setdefault("LOGIN_MAX_FAILURES", 5)
    app.config.setdefault("LOGIN_LOCK_MINUTES", 15)
    app.config.setdefault("LOGIN_RATE_LIMIT", "20 per minute; 200 per hour")  # sign-in POSTs per IP
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
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
        try:
            account = db.session.get(Account, int(user_id))
        except (TypeError, ValueError):
            return None
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
            "ground_label": lambda g: GROUND_LABELS.get(g, g),
            "warning_label": lambda k: WARNING_LABELS.get(k, k),
            "watch_category_label": lambda c: WATCH_CATEGORY_LABELS.get(c, c),
            "watch_categories": WATCH_CATEGORY_LABELS,
            "warning_decision_label": lambda d: WARNING_DECISION_LABELS.get(d, d),
            "evidence_label": lambda e: EVIDENCE_LABELS.get(e, e),
            "evidence_value": evidence_value,
            "error_message": error_message,
            "authority": authority_names(),
        }


def login_rate_limit():
    """Sign-in attempts allowed per client address (LOGIN_RATE_LIMIT), on top of the account lockout."""
    return current_app.config["LOGIN_RATE_LIMIT"]


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
