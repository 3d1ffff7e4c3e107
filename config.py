"""Settings from environment variables; README lists each one."""

import json
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def database_url(url):
    """Accept `postgresql://` / `postgres://` URLs and select the psycopg 3 driver for them."""
    if url and url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _bool(name, default=False):
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


class Config:
    DATA_DIR = Path(os.environ.get("BRANDNAME_DATA_DIR", BASE_DIR / "instance")).resolve()
    CERTS_DIR = Path(os.environ.get("BRANDNAME_CERTS_DIR", BASE_DIR / "certs")).resolve()
    SQLALCHEMY_DATABASE_URI = (
        database_url(os.environ.get("DATABASE_URL")) or f"sqlite:///{DATA_DIR / 'brandname.sqlite3'}"
    )
    # Optional read replica (PostgreSQL streaming replica) for read-only public lookups.
    DATABASE_READ_URL = database_url(os.environ.get("DATABASE_READ_URL")) or None
    REDIS_URL = os.environ.get("REDIS_URL") or None
    OPERATOR_TOKEN = os.environ.get("BRANDNAME_OPERATOR_TOKEN") or None
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    PUBLIC_URL = os.environ.get("BRANDNAME_PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/")
    # the transparency log's origin line and key name (C2SP tlog-checkpoint); "" = <host>/log
    LOG_ORIGIN = os.environ.get("BRANDNAME_LOG_ORIGIN", "")
    HOLIDAYS = os.environ.get("BRANDNAME_HOLIDAYS", "")
    WORKDAYS = os.environ.get("BRANDNAME_WORKDAYS", "")
    KEY_PASSPHRASE = os.environ.get("BRANDNAME_KEY_PASSPHRASE") or None
    # RFC 3161 time-stamping authority for certificate PDFs (PAdES B-LT), and the PEM file of the
    # certificate(s) its timestamps chain to; without a URL PDFs are signed at B-B
    TSA_URL = os.environ.get("BRANDNAME_TSA_URL") or None
    TSA_CERTS = os.environ.get("BRANDNAME_TSA_CERTS") or None
    AUTHORITY_NAME = os.environ.get(
        "BRANDNAME_AUTHORITY", "Cục An toàn thông tin, Bộ Thông tin và Truyền thông"
    )
    AUTHORITY_NAME_EN = os.environ.get(
        "BRANDNAME_AUTHORITY_EN",
        "Authority of Information Security, Ministry of Information and Communications",
    )
    SIGNER_TITLE = os.environ.get("BRANDNAME_SIGNER_TITLE", "Cục trưởng")
    SIGNER_NAME = os.environ.get("BRANDNAME_SIGNER_NAME", "")
    PAYMENT_DAYS = int(os.environ.get("BRANDNAME_PAYMENT_DAYS", "30"))
    QUARANTINE_DAYS = int(os.environ.get("BRANDNAME_QUARANTINE_DAYS", "365"))
    RENEWAL_WINDOW_DAYS = int(os.environ.get("BRANDNAME_RENEWAL_WINDOW_DAYS", "365"))
    # the periodic reports of Art. 30–31 (rules/reporting.py): annual | semiannual | quarterly,
    # due that many days after the period ends (default: the calendar year, due 15 January)
    REPORT_PERIOD = os.environ.get("BRANDNAME_REPORT_PERIOD", "annual")
    REPORT_DUE_DAYS = int(os.environ.get("BRANDNAME_REPORT_DUE_DAYS", "15"))
    FEE_SCHEDULE = json.loads(os.environ.get("BRANDNAME_FEES", "[]") or "[]")
    # the maintenance charge (Art. 23(8)): JSON list of {from, amount, period_months, source[, due_days]};
    # none by default, since no regulation setting it was found (brandname/rules/charges.py)
    MAINTENANCE_CHARGES = json.loads(os.environ.get("BRANDNAME_MAINTENANCE_CHARGES", "[]") or "[]")
    # the account that receives the fees, shown with a VietQR code on an approved application
    # the expected carriers Form 01 offers, comma-separated labels; empty: the built-in list
    CARRIERS = os.environ.get("BRANDNAME_CARRIERS", "")
    PAYEE_BANK_BIN = os.environ.get("BRANDNAME_PAYEE_BANK_BIN", "")
    PAYEE_ACCOUNT = os.environ.get("BRANDNAME_PAYEE_ACCOUNT", "")
    PAYEE_BANK_NAME = os.environ.get("BRANDNAME_PAYEE_BANK_NAME", "")
    PAYEE_ACCOUNT_NAME = os.environ.get("BRANDNAME_PAYEE_ACCOUNT_NAME", "")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    PRODUCTION = _bool("BRANDNAME_PRODUCTION")
    TESTING = False

    # Carrier verification
    RATELIMIT_STORAGE_URI = REDIS_URL or "brandname-memory://"  # brandname/ratelimit.py
    RATELIMIT_KEY_PREFIX = os.environ.get("BRANDNAME_RATELIMIT_PREFIX", "brandname")
    RATELIMIT_STRATEGY = "fixed-window"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_ENABLED = _bool("BRANDNAME_RATELIMIT_ENABLED", True)
    CARRIER_RATE_LIMIT = os.environ.get("BRANDNAME_CARRIER_RATE_LIMIT", "200 per second")
    AVAILABILITY_RATE_LIMIT = os.environ.get("BRANDNAME_AVAILABILITY_RATE_LIMIT", "300 per minute")
    # Public verification (brandname/web/public/verify.py, brandname/certificates/untrusted.py)
    # verify by serial, /api/v1/public/*, /lookup and /api/v1/search share one allowance per client
    PUBLIC_LOOKUP_RATE_LIMIT = os.environ.get("BRANDNAME_PUBLIC_LOOKUP_RATE_LIMIT", "60 per minute")
    VERIFY_UPLOAD_RATE_LIMIT = os.environ.get("BRANDNAME_VERIFY_UPLOAD_RATE_LIMIT", "10 per minute")
    VERIFY_PDF_TIMEOUT = float(os.environ.get("BRANDNAME_VERIFY_PDF_TIMEOUT", "4"))
    VERIFY_PDF_CPU_SECONDS = int(os.environ.get("BRANDNAME_VERIFY_PDF_CPU_SECONDS", "5"))
    VERIFY_PDF_MEMORY_MB = int(os.environ.get("BRANDNAME_VERIFY_PDF_MEMORY_MB", "1024"))
    CARRIER_KEY_CACHE_SECONDS = float(os.environ.get("BRANDNAME_CARRIER_KEY_CACHE_SECONDS", "5"))
    CARRIER_NAME_CACHE_SIZE = int(os.environ.get("BRANDNAME_CARRIER_NAME_CACHE_SIZE", "200000"))
    CARRIER_NAME_CACHE_PRELOAD = _bool("BRANDNAME_CARRIER_NAME_CACHE_PRELOAD", True)
    CARRIER_NAME_CACHE_POLL_SECONDS = float(
        os.environ.get("BRANDNAME_CARRIER_NAME_CACHE_POLL_SECONDS", "0.2")
    )
    CARRIER_CACHE_SECONDS = int(os.environ.get("BRANDNAME_CARRIER_CACHE_SECONDS", "30"))
    SNAPSHOT_MAX_AGE = int(os.environ.get("BRANDNAME_SNAPSHOT_MAX_AGE", "600"))
    CHANGES_MAX_LIMIT = int(os.environ.get("BRANDNAME_CHANGES_MAX_LIMIT", "5000"))
    # follow mode: GET /api/v1/changes?wait=S waits at most this long for the next act
    CARRIER_CHANGES_MAX_WAIT = int(os.environ.get("BRANDNAME_CARRIER_CHANGES_MAX_WAIT", "30"))
    CARRIER_FOLLOW_POLL_SECONDS = float(os.environ.get("BRANDNAME_CARRIER_FOLLOW_POLL_SECONDS", "0.1"))

    # Outgoing mail; without MAIL_SERVER mails are written to the log
    MAIL_SERVER = os.environ.get("BRANDNAME_MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("BRANDNAME_MAIL_PORT", "25"))
    MAIL_FROM = os.environ.get("BRANDNAME_MAIL_FROM", "no-reply@brandname.localhost")
    # where vulnerabilities are reported (RFC 9116 security.txt); mailto: or https: URIs, comma-separated
    SECURITY_CONTACT = os.environ.get("BRANDNAME_SECURITY_CONTACT", "")
    MAIL_USERNAME = os.environ.get("BRANDNAME_MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("BRANDNAME_MAIL_PASSWORD", "")
    MAIL_STARTTLS = _bool("BRANDNAME_MAIL_STARTTLS")

    # --- Sign-in (brandname/lifecycle/accounts.py Throttle) ---
    # failures per email and client before it waits; the wait starts at BASE and doubles up to MAX
    LOGIN_THROTTLE_FREE = int(os.environ.get("BRANDNAME_LOGIN_THROTTLE_FREE", "5"))
    LOGIN_THROTTLE_BASE_SECONDS = int(os.environ.get("BRANDNAME_LOGIN_THROTTLE_BASE_SECONDS", "30"))
    LOGIN_THROTTLE_MAX_SECONDS = int(os.environ.get("BRANDNAME_LOGIN_THROTTLE_MAX_SECONDS", "3600"))
    # failures per email from all clients that are not known devices, counted together
    LOGIN_THROTTLE_SHARED_FREE = int(os.environ.get("BRANDNAME_LOGIN_THROTTLE_SHARED_FREE", "50"))

    # least zxcvbn score (0-4) of a new password; 3: safely unguessable
    PASSWORD_MIN_SCORE = int(os.environ.get("BRANDNAME_PASSWORD_MIN_SCORE", "3"))
    # how long a "forgot password" link works
    PASSWORD_RESET_MINUTES = int(os.environ.get("BRANDNAME_PASSWORD_RESET_MINUTES", "60"))
    # how long a sign-up's "confirm your email" link works, and an organization's invitation
    EMAIL_VERIFICATION_HOURS = int(os.environ.get("BRANDNAME_EMAIL_VERIFICATION_HOURS", "48"))
    INVITATION_DAYS = int(os.environ.get("BRANDNAME_INVITATION_DAYS", "7"))
    # how long the one-time code of a claim of names already in the registry works
    CLAIM_CODE_MINUTES = int(os.environ.get("BRANDNAME_CLAIM_CODE_MINUTES", "15"))
    # staff sign in with a second factor (TOTP); on by default in production mode
    # (unset: follows the app's PRODUCTION setting, resolved in brandname/web/site.py)
    STAFF_TOTP_REQUIRED = (
        _bool("BRANDNAME_STAFF_TOTP_REQUIRED") if os.environ.get("BRANDNAME_STAFF_TOTP_REQUIRED") else None
    )

    # --- Upload quotas (brandname/web/uploads.py) ---
    UPLOAD_APPLICATION_MB = int(os.environ.get("BRANDNAME_UPLOAD_APPLICATION_MB", "50"))
    UPLOAD_APPLICATION_FILES = int(os.environ.get("BRANDNAME_UPLOAD_APPLICATION_FILES", "20"))
    UPLOAD_ACCOUNT_MB = int(os.environ.get("BRANDNAME_UPLOAD_ACCOUNT_MB", "200"))
    UPLOAD_ACCOUNT_FILES = int(os.environ.get("BRANDNAME_UPLOAD_ACCOUNT_FILES", "100"))
    # refuse uploads when the uploads volume has less free space than this
    UPLOAD_MIN_FREE_MB = int(os.environ.get("BRANDNAME_UPLOAD_MIN_FREE_MB", "1024"))

    # --- Logs (brandname/ops/logs.py) ---
    LOG_FORMAT = os.environ.get("BRANDNAME_LOG_FORMAT", "")  # json | text; unset: json in production
    LOG_LEVEL = os.environ.get("BRANDNAME_LOG_LEVEL", "info")
    LOG_ACCESS = _bool("BRANDNAME_LOG_ACCESS", True)  # one access line per request

    # --- Metrics (brandname/web/metrics.py) ---
    # who may scrape /metrics: clients inside these networks (comma-separated CIDRs), or the token
    METRICS_NETWORKS = os.environ.get("BRANDNAME_METRICS_NETWORKS", "127.0.0.1/32,::1/128")
    METRICS_TOKEN = os.environ.get("BRANDNAME_METRICS_TOKEN") or None
