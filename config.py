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
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL")) or f"sqlite:///{DATA_DIR / 'brandname.sqlite3'}"
    # Optional read replica (PostgreSQL streaming replica) for read-only public lookups.
    DATABASE_READ_URL = database_url(os.environ.get("DATABASE_READ_URL")) or None
    REDIS_URL = os.environ.get("REDIS_URL") or None
    OPERATOR_TOKEN = os.environ.get("BRANDNAME_OPERATOR_TOKEN") or None
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
