"""Operator commands: `flask --app wsgi brandname ...`."""
import json
import os
import sys
from datetime import date

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select

from . import accounts, demo, lifecycle, registry
from .errors import DomainError
from .extensions import db
from .models import Application, Event
from .signing import KeyStore


@click.group("brandname")
def brandname_cli():
    """Registry operations."""


def _fail(exc):
    click.echo(f"Lỗi: {exc.message_vi}\nError: {exc.message_en}", err=True)
    sys.exit(1)


@brandname_cli.command("init")
@with_appcontext
def init():
    """Upgrade the database and create development keys if none exist. Safe to run again."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    lifecycle.ensure_counters(db.session)
    db.session.commit()
    _, created = KeyStore.ensure(current_app.config["CERTS_DIR"], current_app.config.get("KEY_PASSPHRASE"))
    keys = registry.reload_keys()
    click.echo(f"database: {db.engine.url.render_as_string(hide_password=True)} (up to date)")
    click.echo(f"keys: {'created' if created else 'found'} in {current_app.config['CERTS_DIR']}, "
               f"issuing key {keys.current_kid}")


@brandname_cli.command("create-officer")
@click.argument("email")
@click.option("--password-env", help="Read the password from this environment variable.")
@click.option("--role", type=click.Choice(["officer", "supervisor"]), default="officer")
@click.option("--name", "full_name", default="", help="Full name shown in the audit trail.")
@with_appcontext
def create_officer(email, password_env, role, full_name):
    """Create an officer (or supervisor) account."""
    if password_env:
        password = os.environ.get(password_env)
        if not password:
            raise click.UsageError(f"environment variable {password_env} is empty or unset")
    else:
        password = click.prompt("Mật khẩu / Password", hide_input=True, confirmation_prompt=True)
    try:
        account = accounts.create_account(db.session, email=email, password=password, role=role,
                                          full_name=full_name)
    except DomainError as exc:
        _fail(exc)
    click.echo(f"{account.role} {account.email} created (id {account.id})")


@brandname_cli.command("expire")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="Run as of this day.")
@with_appcontext
def expire_cmd(today):
    """Expire names past their last valid day, lapse unpaid approvals, end quarantines. Idempotent."""
    day = today.date() if today else None
    summary = lifecycle.daily(db.session, today=day, rules=registry.rules())
    click.echo(f"expired: {len(summary['expired'])}  lapsed applications: {len(summary['lapsed'])}  "
               f"released: {len(summary['released'])}")
    for name in summary["expired"]:
        click.echo(f"  expired {name}")
    for name in summary["released"]:
        click.echo(f"  released {name}")


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def describe(session, bn):
    """Everything an operator needs about one name, as plain data."""
    events = session.scalars(select(Event).where(Event.name_normal == bn.name_normal)
                             .order_by(Event.seq)).all()
    app_ids = {bn.application_id} | {c.application_id for c in bn.certificates}
    app_events = session.scalars(select(Event).where(
        Event.application_id.in_([i for i in app_ids if i]), Event.name_normal.is_(None))).all()
    all_events = sorted({e.seq: e for e in [*events, *app_events]}.values(), key=lambda e: e.seq)
    return {
        "name": bn.name, "status": bn.status,
        "holder": {"kind": bn.holder.kind, "name": bn.holder.name,
                   "id_number": bn.holder.public_id_number()},
        "valid_from": _iso(bn.valid_from), "valid_until": _iso(bn.valid_until),
        "revoked_at": _iso(bn.revoked_at), "revocation_ground": bn.revocation_ground,
        "blocked_until": _iso(bn.blocked_until),
        "certificates": [{"serial": c.serial, "kind": c.kind, "status": c.status,
                          "issued_at": _iso(c.issued_at), "valid_until": _iso(c.valid_until),
                          "previous_serial": c.previous_serial, "kid": c.kid} for c in bn.certificates],
        "authorizations": [{"party_id_number": a.party_id_number, "party_name": a.party_name}
                           for a in lifecycle.active_authorizations(session, bn.id)],
        "events": [{"seq": e.seq, "at": _iso(e.at), "actor": e.actor_label, "act": e.act,
                    "subject": f"{e.subject_type}:{e.subject_id}", "details": e.details}
                   for e in all_events],
    }


@brandname_cli.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@with_appcontext
def show(name, as_json):
    """State, holder, certificates and events of NAME."""
    bn = lifecycle.find_brandname(db.session, name, live_only=False)
    if bn is None:
        if as_json:
            click.echo(json.dumps({"name": name, "error": "not_found"}))
        else:
            click.echo(f"Không có tên định danh {name} trong sổ đăng ký / no such name", err=True)
        sys.exit(1)
    info = describe(db.session, bn)
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False))
        return
    click.echo(f"{info['name']}  [{info['status']}]  {info['valid_from']} → {info['valid_until']}")
    holder = info["holder"]
    click.echo(f"holder: {holder['name']} ({holder['kind']}{', ' + holder['id_number'] if holder['id_number'] else ''})")
    if info["revocation_ground"]:
        click.echo(f"revoked: {info['revoked_at']} ground {info['revocation_ground']}")
    for c in info["certificates"]:
        click.echo(f"certificate {c['serial']}  {c['kind']}  {c['status']}  until {c['valid_until']}")
    for e in info["events"]:
        click.echo(f"  #{e['seq']} {e['at']} {e['actor']} {e['act']} {e['subject']}")


@brandname_cli.command("seed-demo")
@click.option("--names", "count", type=click.IntRange(1), default=20, show_default=True)
@click.option("--seed", "seed_value", type=int, default=None, help="Random seed for repeatable data.")
@with_appcontext
def seed_demo(count, seed_value):
    """Create COUNT realistic holders and names through the lifecycle services."""
    for name in demo.seed(db.session, count, keys=registry.keys(), rules=registry.rules(),
                          seed_value=seed_value):
        click.echo(name)


DEMO_ACCOUNTS = (
    ("officer@demo.brandname.vn", "officer", "Cán bộ Demo"),
    ("supervisor@demo.brandname.vn", "supervisor", "Lãnh đạo Demo"),
)
DEMO_PASSWORD = "demo-password-2026"


@brandname_cli.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--names", "count", default=20, show_default=True, type=int,
              help="Demo names to seed when the registry is empty.")
@click.option("--no-serve", is_flag=True, help="Prepare everything but do not start the server.")
@click.pass_context
@with_appcontext
def demo_cmd(ctx, host, port, count, no_serve):
    """Development: init, demo accounts and names, then serve on HOST:PORT."""
    ctx.invoke(init)
    from .models import Account, Brandname
    for email, role, full_name in DEMO_ACCOUNTS:
        if db.session.scalar(select(Account).where(Account.email == email)) is None:
            accounts.create_account(db.session, email=email, password=DEMO_PASSWORD, role=role,
                                    full_name=full_name)
    if count and db.session.scalar(select(Brandname.id).limit(1)) is None:
        made = list(demo.seed(db.session, count, keys=registry.keys(), rules=registry.rules(), seed_value=2026))
        click.echo(f"seeded {len(made)} demo names: {', '.join(made[:5])}, …")
    base = f"http://{host}:{port}"
    click.echo(f"\nSổ đăng ký tên định danh / brandname registry: {base}/")
    for email, role, _ in DEMO_ACCOUNTS:
        click.echo(f"  {role:<10} {email}  mật khẩu/password: {DEMO_PASSWORD}  → {base}/officer/")
    click.echo(f"  applicants sign up at {base}/applicant/")
    if not no_serve:
        current_app.run(host=host, port=port, debug=False, use_reloader=False)


# --- Web portals for applicants, officers and the public ---

@brandname_cli.command("send-reminders")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="Run as of this day.")
@with_appcontext
def send_reminders_cmd(today):
    """Queue expiry reminders (60, 30 and 7 days before expiry; each once per term)."""
    from . import notifications
    queued = notifications.send_reminders(db.session, today=today.date() if today else None,
                                          public_url=current_app.config.get("PUBLIC_URL", ""))
    click.echo(f"reminders queued: {len(queued)}")


@brandname_cli.command("send-mail")
@click.option("--loop", "interval", type=click.IntRange(1), default=None,
              help="Keep running: deliver the outbox every INTERVAL seconds.")
@with_appcontext
def send_mail_cmd(interval):
    """Deliver the outbox over SMTP (MAIL_SERVER); without MAIL_SERVER the mails are logged."""
    import logging
    import time
    from . import notifications
    logging.basicConfig(level=logging.INFO)
    cfg = current_app.config
    while True:
        sent, failed = notifications.deliver(
            db.session, server=cfg.get("MAIL_SERVER") or None, port=cfg.get("MAIL_PORT", 25),
            sender=cfg.get("MAIL_FROM", "no-reply@localhost"), username=cfg.get("MAIL_USERNAME") or None,
            password=cfg.get("MAIL_PASSWORD") or None, starttls=bool(cfg.get("MAIL_STARTTLS")))
        if sent or failed or interval is None:
            click.echo(f"sent: {sent}  failed: {failed}")
        if interval is None:
            return
        time.sleep(interval)
