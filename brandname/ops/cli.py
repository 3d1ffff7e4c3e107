"""Operator commands: `flask --app wsgi brandname ...`."""

import json
import os
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select

from brandname import lifecycle, registry
from brandname.certificates.signing import KeyStore
from brandname.errors import DomainError
from brandname.extensions import db
from brandname.lifecycle import accounts
from brandname.ops import demo
from brandname.store.models import Counter, Event


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
    _, created = KeyStore.ensure(
        current_app.config["CERTS_DIR"], current_app.config.get("KEY_PASSPHRASE"), registry.crl_url()
    )
    keys = registry.reload_keys()
    click.echo(f"database: {db.engine.url.render_as_string(hide_password=True)} (up to date)")
    click.echo(
        f"keys: {'created' if created else 'found'} in {current_app.config['CERTS_DIR']}, "
        f"issuing key {keys.current_kid}"
    )


@brandname_cli.command("create-officer")
@click.argument("email")
@click.option("--password-env", help="Read the password from this environment variable.")
@click.option(
    "--role",
    type=click.Choice(["officer", "supervisor", "admin"]),
    default="officer",
    help="admin: makes, disables and enables officer and supervisor accounts, and does no casework.",
)
@click.option(
    "--name", "full_name", required=True, help="Full name of the person who uses the account (audit trail)."
)
@with_appcontext
def create_officer(email, password_env, role, full_name):
    """Create an officer, supervisor or account administrator account."""
    if password_env:
        password = os.environ.get(password_env)
        if not password:
            raise click.UsageError(f"environment variable {password_env} is empty or unset")
    else:
        password = click.prompt("Mật khẩu / Password", hide_input=True, confirmation_prompt=True)
    try:
        account = accounts.create_account(
            db.session,
            email=email,
            password=password,
            role=role,
            full_name=full_name,
            actor=lifecycle.Actor.operator("create-officer"),
            min_score=current_app.config["PASSWORD_MIN_SCORE"],
        )
    except DomainError as exc:
        _fail(exc)
    click.echo(f"{account.role} {account.email} created (id {account.id})")


@brandname_cli.command("reset-totp")
@click.argument("email")
@click.option("--reason", required=True, help="Why (a lost phone, ...): recorded in the audit trail.")
@with_appcontext
def reset_totp_cmd(email, reason):
    """Remove a staff member's second factor (TOTP) and end their sessions; they enrol a new one."""
    try:
        account = accounts.reset_totp(
            db.session, email, actor=lifecycle.Actor.operator("reset-totp"), reason=reason
        )
    except DomainError as exc:
        _fail(exc)
    click.echo(
        f"second factor of {account.role} {account.email} reset; they enrol a new one at their next sign-in"
    )


@brandname_cli.command("expire")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="Run as of this day.")
@with_appcontext
def expire_cmd(today):
    """The daily duties: expire names past their last valid day, lapse unpaid approvals, end
    quarantines, raise maintenance charges and remind holders of them and of the periodic
    reports they owe. Idempotent."""
    day = today.date() if today else None
    summary = lifecycle.daily(db.session, today=day, rules=registry.rules())
    click.echo(
        f"expired: {len(summary['expired'])}  lapsed applications: {len(summary['lapsed'])}  "
        f"released: {len(summary['released'])}  charges raised: {len(summary['invoiced'])}  "
        f"charge reminders: {summary['charge_reminders']}  report reminders: {summary['report_reminders']}"
    )
    for name in summary["expired"]:
        click.echo(f"  expired {name}")
    for name in summary["released"]:
        click.echo(f"  released {name}")


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def describe(session, bn):
    """Everything an operator needs about one name, as plain data."""
    events = session.scalars(
        select(Event).where(Event.name_normal == bn.name_normal).order_by(Event.seq)
    ).all()
    app_ids = {bn.application_id} | {c.application_id for c in bn.certificates}
    app_events = session.scalars(
        select(Event).where(Event.application_id.in_([i for i in app_ids if i]), Event.name_normal.is_(None))
    ).all()
    all_events = sorted({e.seq: e for e in [*events, *app_events]}.values(), key=lambda e: e.seq)
    return {
        "name": bn.name,
        "status": bn.status,
        "holder": {"kind": bn.holder.kind, "name": bn.holder.name, "id_number": bn.holder.public_id_number()},
        "valid_from": _iso(bn.valid_from),
        "valid_until": _iso(bn.valid_until),
        "revoked_at": _iso(bn.revoked_at),
        "revocation_ground": bn.revocation_ground,
        "blocked_until": _iso(bn.blocked_until),
        "certificates": [
            {
                "serial": c.serial,
                "kind": c.kind,
                "status": c.status,
                "issued_at": _iso(c.issued_at),
                "valid_until": _iso(c.valid_until),
                "previous_serial": c.previous_serial,
                "kid": c.kid,
            }
            for c in bn.certificates
        ],
        "authorizations": [
            {"party_id_number": a.party_id_number, "party_name": a.party_name}
            for a in lifecycle.active_authorizations(session, bn.id)
        ],
        "events": [
            {
                "seq": e.seq,
                "at": _iso(e.at),
                "actor": e.actor_label,
                "act": e.act,
                "subject": f"{e.subject_type}:{e.subject_id}",
                "details": e.details,
            }
            for e in all_events
        ],
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
    click.echo(
        f"holder: {holder['name']} ({holder['kind']}{', ' + holder['id_number'] if holder['id_number'] else ''})"
    )
    if info["revocation_ground"]:
        click.echo(f"revoked: {info['revoked_at']} ground {info['revocation_ground']}")
    for c in info["certificates"]:
        click.echo(f"certificate {c['serial']}  {c['kind']}  {c['status']}  until {c['valid_until']}")
    for e in info["events"]:
        click.echo(f"  #{e['seq']} {e['at']} {e['actor']} {e['act']} {e['subject']}")


@brandname_cli.command("seed-demo")
@click.option("--names", "count", type=click.IntRange(1), default=20, show_default=True)
@click.option("--seed", "seed_value", type=int, default=None, help="Random seed for repeatable data.")
@click.option(
    "--bulk/--no-bulk",
    default=None,
    help="Bulk path (bulk.issue_many, as import-legacy); default: on above 1000 names.",
)
@click.option("--batch", "batch_size", type=click.IntRange(1), default=5000, show_default=True)
@click.option(
    "--name",
    "exact_names",
    multiple=True,
    help="Register exactly this name (repeatable) instead of COUNT random ones.",
)
@with_appcontext
def seed_demo(count, seed_value, bulk, batch_size, exact_names):
    """Create COUNT realistic holders and names through the lifecycle services (or in bulk)."""
    if exact_names:
        try:
            for name in demo.seed_names(
                db.session, exact_names, keys=registry.keys(), rules=registry.rules(), seed_value=seed_value
            ):
                click.echo(name)
        except DomainError as exc:
            _fail(exc)
        return
    if bulk or (bulk is None and count > BULK_THRESHOLD):
        return _seed_demo_bulk(count, seed_value, batch_size)
    for name in demo.seed(
        db.session, count, keys=registry.keys(), rules=registry.rules(), seed_value=seed_value
    ):
        click.echo(name)


@brandname_cli.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--names",
    "count",
    default=20,
    show_default=True,
    type=int,
    help="Demo names to seed when the registry is empty.",
)
@click.option("--no-serve", is_flag=True, help="Prepare everything but do not start the server.")
@click.pass_context
@with_appcontext
def demo_cmd(ctx, host, port, count, no_serve):
    """Development: init, demo accounts and names, then serve on HOST:PORT."""
    if current_app.config.get("PRODUCTION"):
        # the demo accounts' password is published: a production registry must never have them
        _fail(
            DomainError(
                "Không tạo dữ liệu và tài khoản demo ở chế độ vận hành chính thức (BRANDNAME_PRODUCTION); "
                "tạo tài khoản cán bộ bằng lệnh create-officer.",
                "Demo data and accounts are refused in production mode (BRANDNAME_PRODUCTION); "
                "create staff accounts with create-officer.",
            )
        )
    ctx.invoke(init)
    from brandname.store.models import Brandname

    demo.ensure_accounts(db.session)
    if count and db.session.scalar(select(Brandname.id).limit(1)) is None:
        made = list(
            demo.seed(db.session, count, keys=registry.keys(), rules=registry.rules(), seed_value=2026)
        )
        click.echo(f"seeded {len(made)} demo names: {', '.join(made[:5])}, …")
    base = f"http://{host}:{port}"
    click.echo(f"\nSổ đăng ký tên định danh / brandname registry: {base}/")
    for email, role, _ in demo.DEMO_ACCOUNTS:
        click.echo(f"  {role:<10} {email}  mật khẩu/password: {demo.DEMO_PASSWORD}  → {base}/officer/")
    click.echo(f"  applicants sign up at {base}/applicant/")
    if not no_serve:
        # app.run() refuses to start inside the flask CLI; serve through werkzeug directly.
        from werkzeug.serving import run_simple

        run_simple(host, port, current_app._get_current_object(), threaded=True)


# --- Signed certificate documents ---


@brandname_cli.command("rotate-key")
@with_appcontext
def rotate_key():
    """Make a new issuing key under the same root; older certificates keep verifying."""
    keys = registry.keys()
    old = keys.current_kid
    kid = keys.rotate()
    registry.reload_keys()
    click.echo(f"issuing key rotated: {old} -> {kid}")
    click.echo(f"{len(keys.issuers)} issuing certificates kept; new certificates are signed with {kid}")


@brandname_cli.command("revoke-issuing-key")
@click.argument("kid")
@click.option(
    "--compromised-since",
    default=None,
    help="ISO moment (UTC) from which the key is not trusted; default: the certificate's start",
)
@click.option("--reason", default="", help="a note for the audit trail")
@with_appcontext
def revoke_issuing_key(kid, compromised_since, reason):
    """Revoke issuing key KID as compromised: a new issuing key takes over if KID was signing,
    the root's CRL names KID (keyCompromise), and the revocation is an event. PDFs signed with it
    no longer validate; their kept files are removed so the next download is signed afresh."""
    from datetime import datetime

    from brandname.certificates import signing

    since = datetime.fromisoformat(compromised_since) if compromised_since else None
    keys = registry.keys()
    try:
        current = lifecycle.revoke_issuing_key(
            db.session,
            keys,
            kid,
            actor=lifecycle.Actor.operator("revoke-issuing-key"),
            compromised_since=since,
            reason=reason,
        )
    except DomainError as exc:
        raise click.ClickException(f"{exc.message_vi} / {exc.message_en}") from exc
    removed = _remove_kept_pdfs_signed_by(keys, kid)
    crl = keys.crl()
    [event] = db.session.scalars(
        select(Event).where(Event.act == "revoke_issuing_key").order_by(Event.seq.desc()).limit(1)
    ).all()
    click.echo(f"issuing key {kid} revoked as compromised; CRL number {signing.crl_number(crl)}")
    click.echo(f"new certificates are signed with {current}; {removed} kept PDFs signed with {kid} removed")
    click.echo(f"{event.details['resigned_records']} certificate records re-signed with {current}")


def _remove_kept_pdfs_signed_by(keys, kid):
    from pathlib import Path

    from brandname.certificates import signing

    folder = Path(current_app.config["DATA_DIR"]) / "certificates"
    removed = 0
    if not folder.is_dir():
        return 0
    for path in folder.glob("*.pdf"):
        if signing.pdf_signer_kid(keys, path.read_bytes()) == kid:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


@brandname_cli.command("show-log-key")
@with_appcontext
def show_log_key():
    """Print the transparency log's verifier key (C2SP signed-note form) for monitors to pin."""
    click.echo(registry.log_key().vkey)


@brandname_cli.command("log-sync")
@with_appcontext
def log_sync():
    """Append to the transparency log every event not yet in it (after an upgrade); prints the
    signed checkpoint."""
    from brandname.transparency import log

    before = log.size(db.session)
    # the event counter's row lock: no act writes events while the log catches up
    db.session.execute(select(Counter).where(Counter.name == "event").with_for_update())
    after = log.append_pending(db.session)
    db.session.commit()
    _, _, note = log.signed_checkpoint(db.session, registry.log_key())
    click.echo(f"log: {before} -> {after} leaves")
    click.echo(note, nl=False)


@brandname_cli.command("certificate-pdf")
@click.argument("name")
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="Where to write the signed PDF.",
)
@with_appcontext
def certificate_pdf_cmd(name, out_path):
    """Write the current certificate of NAME as its signed PDF (the file the holder downloads)."""
    import shutil

    from brandname.certificates.documents import certificate_pdf_path

    bn = lifecycle.find_brandname(db.session, name, live_only=False)
    cert = bn.current_certificate if bn is not None else None
    if cert is None:
        click.echo(
            f"Lỗi: tên định danh {name} không có giấy chứng nhận.\nError: {name} has no certificate.",
            err=True,
        )
        sys.exit(1)
    shutil.copyfile(certificate_pdf_path(cert), out_path)
    click.echo(f"{cert.serial} ({bn.name}) -> {out_path}")


@brandname_cli.command("verify")
@click.argument("pdf_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as one JSON object.")
@with_appcontext
def verify_cmd(pdf_file, as_json):
    """Check a certificate PDF. Exit 0 only when it is genuine and the certificate is active."""
    from pathlib import Path

    from brandname.certificates import verification

    with open(pdf_file, "rb") as fh:
        data = fh.read(20 * 1024 * 1024 + 1)
    verdict = verification.verify_pdf(db.session, registry.keys(), data)
    if as_json:
        click.echo(json.dumps(verdict, ensure_ascii=False, default=str))
    else:
        click.echo(f"{Path(pdf_file).name}:")
        for line in verification.summary_lines(verdict):
            click.echo(f"  {line}")
    status = verdict.get("status") or {}
    sys.exit(0 if verdict["genuine"] and status.get("status") == "active" else 1)


# --- Carrier verification ---


@brandname_cli.command("create-carrier")
@click.argument("name")
@with_appcontext
def create_carrier_cmd(name):
    """Create carrier NAME's API key and print it once (only its SHA-256 is stored)."""
    from brandname.carriers import keys as carriers

    try:
        row, key = carriers.create_carrier(db.session, name)
    except DomainError as exc:
        _fail(exc)
    click.echo(
        f"Khóa API của {row.name} (chỉ hiển thị một lần) / API key of {row.name} (shown once):", err=True
    )
    click.echo(key)


@brandname_cli.command("revoke-carrier")
@click.argument("name")
@with_appcontext
def revoke_carrier_cmd(name):
    """Revoke carrier NAME's API key."""
    from brandname.carriers import keys as carriers

    try:
        row = carriers.revoke_carrier(db.session, name)
    except DomainError as exc:
        _fail(exc)
    click.echo(f"revoked the API key {row.key_prefix}… of {row.name}")


# --- Confusion control: the watch-list ---


@brandname_cli.group("watch")
def watch_cli():
    """The watch-list of protected names and sensitive words (Art. 23(4))."""


@watch_cli.command("add")
@click.argument("name")
@click.option(
    "--category",
    required=True,
    type=click.Choice(["state", "bank", "carrier", "protected", "sensitive"]),
    help="state body, bank, carrier, a name its holder asked to protect, or a sensitive word",
)
@click.option("--note", default="", help="Why the name is watched (shown to officers).")
@with_appcontext
def watch_add(name, category, note):
    """Put NAME on the watch-list (recorded as an event)."""
    try:
        entry = lifecycle.add_watch_entry(
            db.session, actor=lifecycle.Actor.operator(), name=name, category=category, note=note
        )
    except DomainError as exc:
        _fail(exc)
    click.echo(f"{entry.id}\t{entry.category}\t{entry.name}")


@watch_cli.command("list")
@click.option("--category", default=None, help="Only this category.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")
@with_appcontext
def watch_list(category, as_json):
    """List the watch-list."""
    rows = lifecycle.queries.watch_entries(db.session, category)
    if as_json:
        out = [{"id": e.id, "name": e.name, "category": e.category, "note": e.note} for e in rows]
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    for e in rows:
        click.echo(f"{e.id}\t{e.category}\t{e.name}\t{e.note}")


@watch_cli.command("remove")
@click.argument("name")
@with_appcontext
def watch_remove(name):
    """Take NAME off the watch-list (recorded as an event)."""
    from brandname.lifecycle.watch import find_watch_entry

    entry = find_watch_entry(db.session, name)
    if entry is None:
        click.echo(
            f"Lỗi: {name} không có trong danh sách theo dõi.\nError: {name} is not on the watch-list.",
            err=True,
        )
        sys.exit(1)
    try:
        lifecycle.remove_watch_entry(db.session, entry.id, actor=lifecycle.Actor.operator())
    except DomainError as exc:
        _fail(exc)
    click.echo(f"removed {entry.name}")


# --- Production footing: bulk issue, legacy import, doctor, backups ---

BULK_THRESHOLD = 1000


def _progress(started, label):
    import time

    def show(report, rejected=None):
        elapsed = time.monotonic() - started
        rejected = report.rejected_count if rejected is None else rejected
        click.echo(
            f"  {label}: {report.imported} issued, {report.skipped} skipped, "
            f"{rejected} rejected, {report.batches} batches, {elapsed:.0f} s",
            err=True,
        )

    return show


def _seed_demo_bulk(count, seed_value, batch_size):
    import time
    from datetime import date

    from sqlalchemy import func

    from brandname.ops import bulk
    from brandname.store.models import Brandname

    start = db.session.scalar(select(func.count()).select_from(Brandname)) or 0
    started = time.monotonic()
    rows = demo.bulk_rows(
        count, seed_value=seed_value, start=start, source=f"demo: seed-demo --bulk {date.today().isoformat()}"
    )
    report = bulk.issue_many(
        db.session,
        rows,
        keys=registry.keys(),
        rules=registry.rules(),
        actor=lifecycle.Actor.operator("seed-demo"),
        batch_size=batch_size,
        progress=_progress(started, "seed-demo"),
    )
    for line, vi, en in report.rejected:
        click.echo(f"row {line}: {vi} / {en}", err=True)
    click.echo(
        f"seeded {report.imported} names in {time.monotonic() - started:.1f} s "
        f"({report.batches} batches, {report.rejected_count} rejected)"
    )


@brandname_cli.command("import-legacy")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--carrier", default="", help="Carrier that handed the list over (else the carrier column).")
@click.option(
    "--file-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Date of the carrier's list (default: the file's modification date).",
)
@click.option("--batch", "batch_size", type=click.IntRange(1), default=5000, show_default=True)
@with_appcontext
def import_legacy(csv_file, carrier, file_date, batch_size):
    """Put the names carriers held before the decree into the review queue (Art. 36).

    Nothing is issued: every row is checked (Art. 23 format, holder, repeats in the file and in
    the registry, look-alikes) and either queued for an officer at /officer/legacy or refused
    with its reason. One line of summary per row; exit 1 when a row was refused."""
    import time
    from pathlib import Path

    from brandname.ops import bulk

    path = Path(csv_file)
    day = file_date.date() if file_date else bulk.file_date_of(path)
    started = time.monotonic()
    actor = lifecycle.Actor.operator("import-legacy")
    totals = {"pending": 0, "refused": 0, "warned": 0, "cut": 0}
    bad_rows = []

    def flush(chunk):
        outcomes = lifecycle.queue_legacy_rows(
            db.session, batch.id, chunk, actor=actor, unreadable=list(bad_rows)
        )
        bad_rows.clear()
        lifecycle.crash_point("legacy_after_chunk")
        for o in outcomes:
            click.echo(_legacy_line(o))
            totals[o.status] += 1
            totals["warned"] += bool(o.warnings)
            totals["cut"] += o.term_cut

    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = bulk.read_legacy_csv(fh, carrier=carrier.strip(), file_date=day, bad_rows=bad_rows)
        try:
            chunk = [next(rows)]
        except StopIteration:
            chunk = []
        except bulk.CsvError as exc:
            click.echo(f"Lỗi: tệp CSV thiếu cột bắt buộc / Error: {exc}", err=True)
            sys.exit(2)
        batch = lifecycle.open_legacy_batch(
            db.session, filename=path.name, carrier=carrier.strip(), file_date=day, actor=actor
        )
        for row in rows:
            chunk.append(row)
            if len(chunk) + len(bad_rows) >= batch_size:
                flush(chunk)
                chunk = []
        if chunk or bad_rows:
            flush(chunk)
    click.echo(
        f"danh sách/list {batch.id}: chờ duyệt/queued {totals['pending']} "
        f"(cảnh báo/with warnings {totals['warned']}, thời hạn rút về 3 năm/term cut {totals['cut']}), "
        f"từ chối/refused {totals['refused']} in {time.monotonic() - started:.1f} s"
    )
    if totals["refused"]:
        sys.exit(1)


def _legacy_line(outcome):
    """One line of the import summary: the row's line number, its name and what became of it."""
    head = f"dòng/line {outcome.line}: {outcome.name or '-'}"
    if outcome.status == "refused":
        vi = "; ".join(p[0] for p in outcome.problems)
        en = "; ".join(p[1] for p in outcome.problems)
        return f"{head} — từ chối / refused: {vi} / {en}"
    text = f"{head} — chờ duyệt / queued"
    for vi, en in outcome.warnings:
        text += f"; cảnh báo / warning: {vi} / {en}"
    if outcome.term_cut:
        text += (
            "; thời hạn dài hơn 3 năm, sẽ rút về 3 năm kể từ ngày công nhận"
            " / term longer than 3 years, cut to 3 years from recognition"
        )
    return text


@brandname_cli.command("doctor")
@click.option("--quick", is_flag=True, help="Verify only current certificates' signatures.")
@with_appcontext
def doctor_cmd(quick):
    """Check the registry's invariants; print every problem; exit 1 if there is any."""
    from brandname.ops import doctor

    found = doctor.check(db.session, registry.keys(), current_app.config["DATA_DIR"], verify_all=not quick)
    for problem in found.problems:
        click.echo(problem)
    if not found.ok:
        summary = ", ".join(f"{k}: {v}" for k, v in sorted(found.counts.items()))
        click.echo(f"Sổ đăng ký có lỗi / registry has problems ({summary})", err=True)
        sys.exit(1)
    click.echo("OK: sổ đăng ký nhất quán / the registry is consistent")


@brandname_cli.command("export")
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option(
    "--include-private-keys",
    is_flag=True,
    help="Also copy the private keys (keep such a backup offline and encrypted).",
)
@with_appcontext
def export_cmd(out_dir, include_private_keys):
    """Write the whole registry state to OUT_DIR (rows as JSON lines, documents, public certs, manifest)."""
    from brandname.ops import backup

    try:
        manifest = backup.export(
            db.session,
            out_dir,
            data_dir=current_app.config["DATA_DIR"],
            certs_dir=current_app.config["CERTS_DIR"],
            include_private_keys=include_private_keys,
        )
    except backup.BackupError as exc:
        click.echo(f"Lỗi / Error: {exc}", err=True)
        sys.exit(1)
    rows = sum(t["rows"] for t in manifest["tables"])
    click.echo(
        f"exported {rows} rows from {len(manifest['tables'])} tables and "
        f"{len(manifest['files'])} files to {out_dir}"
    )


@brandname_cli.command("restore")
@click.argument("backup_dir", type=click.Path(exists=True, file_okay=False))
@with_appcontext
def restore_cmd(backup_dir):
    """Load BACKUP_DIR into an EMPTY database (upgraded to the latest schema first)."""
    from sqlalchemy import inspect as sa_inspect

    from brandname.ops import backup

    present = sa_inspect(db.engine)
    if not present.has_table("counters") or present.has_table("alembic_version"):
        # a new database gets the schema; a migrated one is brought to the latest revision
        upgrade(directory=current_app.extensions["migrate"].directory)
    try:
        manifest = backup.restore(
            db.session,
            backup_dir,
            data_dir=current_app.config["DATA_DIR"],
            certs_dir=current_app.config["CERTS_DIR"],
        )
    except backup.BackupError as exc:
        db.session.rollback()
        click.echo(f"Lỗi / Error: {exc}", err=True)
        sys.exit(1)
    registry.reload_keys()
    rows = sum(t["rows"] for t in manifest["tables"])
    click.echo(f"restored {rows} rows and {len(manifest['files'])} files; run `brandname doctor` to check")


# --- Web portals for applicants, officers and the public ---


@brandname_cli.command("send-reminders")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="Run as of this day.")
@with_appcontext
def send_reminders_cmd(today):
    """Queue expiry reminders (60, 30 and 7 days before expiry; each once per term)."""
    from brandname import notifications
    from brandname.registry import rules

    queued = notifications.send_reminders(
        db.session,
        today=today.date() if today else None,
        public_url=current_app.config.get("PUBLIC_URL", ""),
        authority=(rules().authority, rules().authority_en),
    )
    click.echo(f"reminders queued: {len(queued)}")


@brandname_cli.command("send-mail")
@click.option(
    "--loop",
    "interval",
    type=click.IntRange(1),
    default=None,
    help="Keep running: deliver the outbox every INTERVAL seconds.",
)
@with_appcontext
def send_mail_cmd(interval):
    """Deliver the outbox over SMTP (MAIL_SERVER); without MAIL_SERVER the mails are logged."""
    import logging
    import time

    from brandname import notifications
    from brandname.certificates.documents import mail_attachment

    logging.basicConfig(level=logging.INFO)
    cfg = current_app.config
    while True:
        sent, failed = notifications.deliver(
            db.session,
            server=cfg.get("MAIL_SERVER") or None,
            port=cfg.get("MAIL_PORT", 25),
            sender=cfg.get("MAIL_FROM", "no-reply@localhost"),
            username=cfg.get("MAIL_USERNAME") or None,
            password=cfg.get("MAIL_PASSWORD") or None,
            starttls=bool(cfg.get("MAIL_STARTTLS")),
            load_attachment=mail_attachment,
        )
        if sent or failed or interval is None:
            click.echo(f"sent: {sent}  failed: {failed}")
        if interval is None:
            return
        time.sleep(interval)
