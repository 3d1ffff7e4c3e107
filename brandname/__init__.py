"""brandname: the sender-name registry of Decree 91/2020/NĐ-CP."""

import os
import secrets
import time
from pathlib import Path

from flask import Flask, jsonify, render_template, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from brandname.errors import DomainError
from brandname.extensions import PUBLIC_LOOKUP_SCOPE, db, limiter, migrate

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def _check_charge_schedule(rows):
    """A wrong maintenance charge schedule stops the start, rather than every page later."""
    from brandname.rules import charges

    try:
        charges.schedule_from_config(rows)
    except (ValueError, TypeError) as exc:
        raise RuntimeError(f"BRANDNAME_MAINTENANCE_CHARGES: {exc}") from exc


def _check_report_calendar(period, due_days):
    """A wrong reporting calendar stops the start too."""
    from brandname.rules import reporting

    try:
        reporting.calendar_from_config(period, due_days)
    except (ValueError, TypeError) as exc:
        raise RuntimeError(f"BRANDNAME_REPORT_PERIOD / BRANDNAME_REPORT_DUE_DAYS: {exc}") from exc


def create_app(config=None):
    """Build the app. `config` is a dict (or object) of settings that override config.Config."""
    app = Flask(
        __name__,
        template_folder=str(Path(__file__).resolve().parent.parent / "templates"),
        instance_relative_config=False,
    )
    app.config.from_object("config.Config")
    if config is not None:
        if isinstance(config, dict):
            app.config.update(config)
        else:
            app.config.from_object(config)
    data_dir = Path(app.config["DATA_DIR"])
    if (
        isinstance(config, dict)
        and "DATA_DIR" in config
        and "SQLALCHEMY_DATABASE_URI" not in config
        and not os.environ.get("DATABASE_URL")
    ):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{data_dir.resolve() / 'brandname.sqlite3'}"
    from config import database_url

    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    _check_charge_schedule(app.config.get("MAINTENANCE_CHARGES"))
    _check_report_calendar(app.config.get("REPORT_PERIOD"), app.config.get("REPORT_DUE_DAYS"))
    data_dir.mkdir(parents=True, exist_ok=True)
    from brandname.ops import logs

    logs.init_app(app)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _development_secret(data_dir)

    if app.config.get("DATABASE_READ_URL"):
        # a streaming replica for read-only public lookups (registry.read_session)
        app.config["DATABASE_READ_URL"] = database_url(app.config["DATABASE_READ_URL"])
        app.config["SQLALCHEMY_BINDS"] = {
            **(app.config.get("SQLALCHEMY_BINDS") or {}),
            "read": app.config["DATABASE_READ_URL"],
        }
    db.init_app(app)
    from brandname.registry import close_read_session

    app.teardown_appcontext(close_read_session)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    limiter.init_app(app)
    from brandname.web import site as web

    web.init_app(app)
    with app.app_context():
        from brandname import registry

        registry.payee()  # a malformed payee account stops the start, not the fee page

    from brandname.extensions import csrf
    from brandname.web.api import bp as api_bp
    from brandname.web.applicant import bp as applicant_bp
    from brandname.web.officer import bp as officer_bp
    from brandname.web.public import bp as public_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(api_bp)
    from brandname.web.api.tlog import tiles as tlog_bp

    app.register_blueprint(tlog_bp)
    from brandname.web.api.certificates import pki as pki_bp

    app.register_blueprint(pki_bp)
    from brandname.web.health import bp as health_bp

    app.register_blueprint(health_bp)
    from brandname.web import metrics

    metrics.init_app(app)
    app.register_blueprint(applicant_bp)
    app.register_blueprint(officer_bp)
    csrf.exempt(api_bp)  # carriers post JSON with bearer keys; no cookies, no CSRF

    from brandname.ops.cli import brandname_cli

    app.cli.add_command(brandname_cli)

    _register_error_handlers(app)
    return app


def _development_secret(data_dir):
    """A per-installation secret kept in the data folder, so sessions survive restarts."""
    path = data_dir / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    # SQLite enforces foreign keys only when asked, per connection.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


def _wants_json():
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


_UNITS = {
    "second": ("giây", "second"),
    "minute": ("phút", "minute"),
    "hour": ("giờ", "hour"),
    "day": ("ngày", "day"),
}


def _lookup_refusal(item):
    """The public lookup's refusal in words: the allowance and when the client may ask again."""
    unit_vi, unit_en = _UNITS.get(item.GRANULARITY.name, (item.GRANULARITY.name, item.GRANULARITY.name))
    per_vi = f"{item.multiples} {unit_vi}" if item.multiples > 1 else unit_vi
    per_en = f"{item.multiples} {unit_en}s" if item.multiples > 1 else unit_en
    current = limiter.current_limit
    wait = max(1, int(current.reset_at - time.time())) if current is not None else item.get_expiry()
    return {
        "message": (
            f"Bạn đã tra cứu quá nhiều lần: mỗi địa chỉ được tra cứu tối đa {item.amount} lần mỗi "
            f"{per_vi}. Vui lòng thử lại sau {wait} giây."
        ),
        "message_en": (
            f"Too many lookups: each address may look up at most {item.amount} times per {per_en}. "
            f"Try again in {wait} seconds."
        ),
        "retry_after": wait,
    }


def _register_error_handlers(app):
    @app.errorhandler(DomainError)
    def domain_error(exc):
        if _wants_json():
            return jsonify(exc.as_dict()), exc.status
        return render_template("error.html", error=exc), exc.status

    @app.errorhandler(429)
    def too_many_requests(exc):
        body = {
            "error": "rate_limited",
            "message": "Quá nhiều yêu cầu; vui lòng thử lại sau.",
            "message_en": "Too many requests; try again later.",
            "limit": str(getattr(exc, "description", "")),
        }
        limit = getattr(exc, "limit", None)
        if getattr(limit, "scope", None) == PUBLIC_LOOKUP_SCOPE:
            body.update(_lookup_refusal(limit.limit))
        if _wants_json():
            return jsonify(body), 429
        return render_template("error.html", error=DomainError(body["message"], body["message_en"])), 429

    from flask_wtf.csrf import CSRFError

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        err = DomainError(
            "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ; hãy tải lại trang và thử lại.",
            "The session expired or the form is not valid; reload the page and try again.",
        )
        if _wants_json():
            return jsonify({"error": "csrf", "message": err.message_vi, "message_en": err.message_en}), 400
        return render_template("error.html", error=err), 400

    for code, vi, en in (
        (400, "Yêu cầu không hợp lệ.", "Bad request."),
        (404, "Không tìm thấy trang.", "Not found."),
        (403, "Bạn không có quyền truy cập trang này.", "You may not access this page."),
        (
            413,
            "Tệp tải lên quá lớn (tối đa 10 MB mỗi tệp).",
            "The upload is too large (at most 10 MB per file).",
        ),
        (405, "Phương thức không được hỗ trợ.", "Method not allowed."),
        (500, "Lỗi hệ thống; yêu cầu chưa được thực hiện.", "Internal error; nothing was done."),
    ):

        def handler(exc, code=code, vi=vi, en=en):
            if code == 500:
                db.session.rollback()
            if _wants_json():
                return jsonify({"error": str(code), "message": vi, "message_en": en}), code
            err = DomainError(vi, en)
            return render_template("error.html", error=err), code

        app.register_error_handler(code, handler)
