"""Settings from environment variables; README lists each one."""
import json
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _bool(name, default=False):
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


class Config:
    DATA_DIR = Path(os.environ.get("BRANDNAME_DATA_DIR", BASE_DIR / "instance")).resolve()
    CERTS_DIR = Path(os.environ.get("BRANDNAME_CERTS_DIR", BASE_DIR / "certs")).resolve()
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'brandname.sqlite3'}"
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    PUBLIC_URL = os.environ.get("BRANDNAME_PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/")
    HOLIDAYS = os.environ.get("BRANDNAME_HOLIDAYS", "")
    KEY_PASSPHRASE = os.environ.get("BRANDNAME_KEY_PASSPHRASE") or None
    AUTHORITY_NAME = os.environ.get(
        "BRANDNAME_AUTHORITY", "Cục An toàn thông tin, Bộ Thông tin và Truyền thông")
    PAYMENT_DAYS = int(os.environ.get("BRANDNAME_PAYMENT_DAYS", "30"))
    QUARANTINE_DAYS = int(os.environ.get("BRANDNAME_QUARANTINE_DAYS", "365"))
    RENEWAL_WINDOW_DAYS = int(os.environ.get("BRANDNAME_RENEWAL_WINDOW_DAYS", "90"))
    FEE_SCHEDULE = json.loads(os.environ.get("BRANDNAME_FEES", "[]") or "[]")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    PRODUCTION = _bool("BRANDNAME_PRODUCTION")
    TESTING = False
    # --- Web portals (issue 4): outgoing mail; without MAIL_SERVER mails are written to the log ---
    MAIL_SERVER = os.environ.get("BRANDNAME_MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("BRANDNAME_MAIL_PORT", "25"))
    MAIL_FROM = os.environ.get("BRANDNAME_MAIL_FROM", "no-reply@brandname.localhost")
    MAIL_USERNAME = os.environ.get("BRANDNAME_MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("BRANDNAME_MAIL_PASSWORD", "")
    MAIL_STARTTLS = _bool("BRANDNAME_MAIL_STARTTLS")
    # sign-in rate limit storage: memory:// counts per process; redis://host:6379/N shares it
    RATELIMIT_STORAGE_URI = os.environ.get("BRANDNAME_RATELIMIT_STORAGE", "memory://")
