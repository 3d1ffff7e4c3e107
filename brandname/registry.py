"""The app-bound registry context: rules from configuration and the key store, built once per app."""

from flask import current_app, g
from sqlalchemy.orm import Session

from brandname.certificates.signing import KeyStore
from brandname.lifecycle import Rules
from brandname.rules import charges, fees, form01, reporting, vietqr
from brandname.rules.dates import parse_holidays


def rules_from_config(config):
    return Rules(
        holidays=parse_holidays(config.get("HOLIDAYS", "")),
        workdays=parse_holidays(config.get("WORKDAYS", "")),
        fee_schedule=fees.schedule_from_config(config.get("FEE_SCHEDULE")),
        charge_schedule=charges.schedule_from_config(config.get("MAINTENANCE_CHARGES")),
        payment_days=int(config.get("PAYMENT_DAYS", 30)),
        quarantine_days=int(config.get("QUARANTINE_DAYS", 365)),
        renewal_window_days=int(config.get("RENEWAL_WINDOW_DAYS", 365)),
        report_calendar=reporting.calendar_from_config(
            config.get("REPORT_PERIOD"), config.get("REPORT_DUE_DAYS")
        ),
        authority=config.get("AUTHORITY_NAME") or Rules.authority,
        authority_en=config.get("AUTHORITY_NAME_EN") or Rules.authority_en,
        public_url=(config.get("PUBLIC_URL") or "").rstrip("/"),
        carriers=form01.carriers_from_config(config.get("CARRIERS")),
    )


def rules():
    ext = current_app.extensions
    if "brandname_rules" not in ext:
        ext["brandname_rules"] = rules_from_config(current_app.config)
    return ext["brandname_rules"]


def payee():
    """The fee account (BRANDNAME_PAYEE_*), or None when none is configured."""
    ext = current_app.extensions
    if "brandname_payee" not in ext:
        config = current_app.config
        ext["brandname_payee"] = vietqr.Payee.from_config(
            config.get("PAYEE_BANK_BIN"),
            config.get("PAYEE_ACCOUNT"),
            config.get("PAYEE_BANK_NAME"),
            config.get("PAYEE_ACCOUNT_NAME"),
        )
    return ext["brandname_payee"]


def transfer_content(application):
    """What the applicant writes as the transfer's content: the dossier code, so the
    accountant matches the transfer to its application."""
    return vietqr.transfer_content(f"{application.code} LE PHI TDD")


CRL_PATH = "/pki/issuing.crl"


def crl_url():
    """Where the root's CRL over the issuing certificates is published (named in them)."""
    return (current_app.config.get("PUBLIC_URL") or "").rstrip("/") + CRL_PATH


def tsa_roots():
    """The certificates BRANDNAME_TSA_CERTS names (a PEM file): what the TSA's timestamps chain to."""
    from pathlib import Path

    from cryptography import x509

    path = current_app.config.get("TSA_CERTS")
    return x509.load_pem_x509_certificates(Path(path).read_bytes()) if path else []


def keys():
    """The registry key store; raises KeysMissing until `brandname init` has made or found keys."""
    ext = current_app.extensions
    if ext.get("brandname_keys") is None:
        config = current_app.config
        ext["brandname_keys"] = KeyStore(
            config["CERTS_DIR"],
            config.get("KEY_PASSPHRASE"),
            crl_url=crl_url(),
            tsa_url=config.get("TSA_URL"),
            tsa_roots=tsa_roots(),
        )
    return ext["brandname_keys"]


def log_origin():
    """The transparency log's origin: BRANDNAME_LOG_ORIGIN, else the public host + "/log"."""
    from urllib.parse import urlsplit

    configured = current_app.config.get("LOG_ORIGIN")
    if configured:
        return configured
    host = urlsplit(current_app.config.get("PUBLIC_URL") or "").netloc or "brandname.localhost"
    return f"{host}/log"


def log_key():
    return keys().log_key(log_origin())


def reload_keys():
    current_app.extensions["brandname_keys"] = None
    return keys()


# --- Production footing: read replica ---


def read_session():
    """The session for read-only public lookups: bound to the replica (DATABASE_READ_URL, a
    SQLAlchemy bind named "read") when one is configured, else the primary's db.session.
    Closed when the app context ends. Never write through it; a replica refuses writes anyway."""
    from brandname.extensions import db

    if not current_app.config.get("DATABASE_READ_URL"):
        return db.session
    if "brandname_read_session" not in g:
        g.brandname_read_session = Session(db.engines["read"])
    return g.brandname_read_session


def close_read_session(exc=None):
    session = g.pop("brandname_read_session", None)
    if session is not None:
        session.close()
