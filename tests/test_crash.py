"""Crash safety: a process SIGKILLed in the middle of issuance never leaves a half-issued certificate.

The crash hook (lifecycle.crash_point, driven by BRANDNAME_CRASH_AT) kills the subprocess with
SIGKILL at the named point: nothing gets to clean up, exactly like a power cut of the app server.
"""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select

from brandname import lifecycle
from brandname.errors import NotAllowed
from brandname.ops import doctor
from brandname.store.models import Application, Brandname, Certificate, Event, LegacyRow, Payment

from .conftest import NOW
from .test_bulk import legacy_row, write_csv

ROOT = Path(__file__).resolve().parent.parent

ISSUE_SCRIPT = textwrap.dedent("""
    import sys
    from datetime import datetime
    from brandname import create_app, lifecycle, registry
    from brandname.extensions import db
    app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "CERTS_DIR": sys.argv[2],
                      "DATA_DIR": sys.argv[3], "SECRET_KEY": "x"})
    with app.app_context():
        lifecycle.confirm_payment(db.session, int(sys.argv[4]), actor=lifecycle.Actor.operator("crash"),
                                  keys=registry.keys(), now=datetime.fromisoformat(sys.argv[5]))
    print("issued")
""")


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRANDNAME_", "DATABASE_"))}
    env.update(extra)
    return env


def run_issue(app, payment_id, crash_at):
    env = _env(BRANDNAME_CRASH_AT=crash_at) if crash_at else _env()
    return subprocess.run(
        [
            sys.executable,
            "-c",
            ISSUE_SCRIPT,
            app.config["SQLALCHEMY_DATABASE_URI"],
            str(app.config["CERTS_DIR"]),
            str(app.config["DATA_DIR"]),
            str(payment_id),
            NOW.isoformat(),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def ready_to_issue(registry_helper, session, name):
    application = registry_helper.submit(name)
    registry_helper.approve(application)
    payment = lifecycle.record_payment(
        session, application.id, actor=registry_helper.officer, reference=f"FT{application.id}", now=NOW
    )
    return application.id, payment.id


@pytest.mark.parametrize("crash_at", ["after_certificate_insert", "before_commit"])
def test_kill_during_issuance_leaves_nothing_half_done(app, session, keys, registry_helper, crash_at):
    app_id, pay_id = ready_to_issue(registry_helper, session, "CRASHME")
    events_before = lifecycle.event_count(session)
    proc = run_issue(app, pay_id, crash_at)
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, proc.stdout, proc.stderr)
    session.expire_all()
    session.rollback()
    # after the "restart": no certificate, the application still waits for its fee
    assert session.scalar(select(func.count()).select_from(Certificate)) == 0
    assert session.get(Application, app_id).status == "approved"
    assert session.get(Payment, pay_id).status == "recorded"
    assert lifecycle.find_brandname(session, "CRASHME").status == "reserved"
    assert lifecycle.event_count(session) == events_before
    found = doctor.check(session, keys, app.config["DATA_DIR"])
    assert found.ok, found.problems
    # and it can be issued now, completely
    result = lifecycle.confirm_payment(session, pay_id, actor=registry_helper.officer, keys=keys, now=NOW)
    cert = result.certificates[0]
    keys.verify(cert.signature, cert.record.encode())
    seqs = session.scalars(select(Event.seq).order_by(Event.seq)).all()
    assert seqs == list(range(1, len(seqs) + 1))
    assert doctor.check(session, keys, app.config["DATA_DIR"]).ok


def test_kill_right_after_commit_leaves_a_complete_certificate(app, session, keys, registry_helper):
    app_id, pay_id = ready_to_issue(registry_helper, session, "CRASHLATE")
    proc = run_issue(app, pay_id, "after_commit")
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, proc.stderr)
    session.expire_all()
    session.rollback()
    assert session.get(Application, app_id).status == "issued"
    cert = session.scalars(select(Certificate)).one()
    keys.verify(cert.signature, cert.record.encode())
    assert lifecycle.find_brandname(session, "CRASHLATE").status == "active"
    assert doctor.check(session, keys, app.config["DATA_DIR"]).ok
    with pytest.raises(NotAllowed):  # no second certificate for the same payment
        lifecycle.confirm_payment(session, pay_id, actor=registry_helper.officer, keys=keys, now=NOW)


def test_issue_without_crash_variable_runs_normally(app, session, registry_helper):
    app_id, pay_id = ready_to_issue(registry_helper, session, "NOCRASH")
    proc = run_issue(app, pay_id, None)
    assert proc.returncode == 0 and "issued" in proc.stdout, proc.stderr
    session.expire_all()
    session.rollback()
    assert session.get(Application, app_id).status == "issued"


def test_kill_in_the_middle_of_a_legacy_import_then_rerun(app, session, keys, tmp_path):
    rows = [legacy_row(f"LEG{i:03d}", code=f"03000{i:05d}") for i in range(12)]
    path = write_csv(tmp_path / "legacy.csv", rows)
    cmd = [
        sys.executable,
        "-m",
        "flask",
        "--app",
        "wsgi",
        "brandname",
        "import-legacy",
        str(path),
        "--carrier",
        "VNPT",
        "--batch",
        "5",
    ]
    env = dict(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        BRANDNAME_CERTS_DIR=str(app.config["CERTS_DIR"]),
        BRANDNAME_DATA_DIR=str(app.config["DATA_DIR"]),
    )
    proc = subprocess.run(
        cmd,
        cwd=ROOT,
        env=_env(BRANDNAME_CRASH_AT="legacy_after_chunk", **env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    session.expire_all()
    session.rollback()
    # the first chunk committed whole, nothing of the second
    pending = select(func.count()).select_from(LegacyRow).where(LegacyRow.status == "pending")
    assert session.scalar(pending) == 5
    assert doctor.check(session, keys, app.config["DATA_DIR"]).ok
    proc = subprocess.run(cmd, cwd=ROOT, env=_env(**env), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr  # the five already waiting are refused
    assert "queued 7" in proc.stdout and proc.stdout.count("waiting for review in list 1") == 5
    session.expire_all()
    assert session.scalar(pending) == 12
    assert session.scalar(select(func.count()).select_from(Brandname)) == 0  # the queue issues nothing
    assert doctor.check(session, keys, app.config["DATA_DIR"]).ok


def test_doctor_command_reports_problems_and_exits_1(app, session, keys, registry_helper):
    registry_helper.issue("DOCTOR", "DOCTWO")
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["brandname", "doctor"])
    assert ok.exit_code == 0 and "OK" in ok.output
    # break things the way a crash or a bad hand edit would
    cert = session.scalars(select(Certificate).order_by(Certificate.id)).first()
    cert.record = cert.record.replace("DOCTOR", "D0CTOR")
    second = session.scalars(select(Certificate).order_by(Certificate.id.desc())).first()
    second.status = "superseded"
    session.delete(session.scalars(select(Event).order_by(Event.seq.desc())).first())
    pdf_dir = Path(app.config["DATA_DIR"]) / "certificates"
    pdf_dir.mkdir(parents=True, exist_ok=True)
    (pdf_dir / "BN-2026-0000001.pdf").write_bytes(b"")  # a PDF cut off while being written
    (pdf_dir / "BN-2026-0999999.pdf").write_bytes(b"%PDF-1.7")  # a kept file nobody issued
    session.commit()
    bad = runner.invoke(args=["brandname", "doctor"])
    assert bad.exit_code == 1
    assert "[signature] BN-2026-0000001" in bad.output
    assert "[current_certificate] active name DOCTWO has no current certificate" in bad.output
    assert "[counter]" not in bad.output
    assert "[files]" in bad.output and "not a PDF file" in bad.output
    assert "no certificate with serial BN-2026-0999999" in bad.output
    # the deleted event was the last one: the counter is now ahead; delete one in the middle too
    middle = session.scalars(select(Event).where(Event.seq == 3)).one()
    session.delete(middle)
    session.commit()
    gap = runner.invoke(args=["brandname", "doctor", "--quick"])
    assert gap.exit_code == 1 and "gap: 3..3 missing" in gap.output


PDF_SCRIPT = textwrap.dedent("""
    import sys
    from brandname import create_app
    from brandname.certificates import documents
    from brandname.extensions import db
    from brandname.store.models import Certificate
    app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "CERTS_DIR": sys.argv[2],
                      "DATA_DIR": sys.argv[3], "SECRET_KEY": "x"})
    with app.app_context():
        cert = db.session.scalars(db.select(Certificate).where(Certificate.serial == sys.argv[4])).one()
        print(documents.certificate_pdf_path(cert))
""")


def test_kill_while_the_pdf_is_written_leaves_no_half_file(app, session, keys, registry_helper):
    from brandname.certificates import documents, signing

    cert = registry_helper.issue("HALFPDF").certificates[0]
    args = [
        sys.executable,
        "-c",
        PDF_SCRIPT,
        app.config["SQLALCHEMY_DATABASE_URI"],
        str(app.config["CERTS_DIR"]),
        str(app.config["DATA_DIR"]),
        cert.serial,
    ]
    killed = subprocess.run(
        args,
        cwd=ROOT,
        env=_env(BRANDNAME_CRASH_AT="pdf_half_written"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    folder = Path(app.config["DATA_DIR"]) / "certificates"
    assert not (folder / f"{cert.serial}.pdf").exists()  # only a hidden temporary file may remain
    assert doctor.check(session, keys, Path(app.config["DATA_DIR"])).ok
    again = subprocess.run(args, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    path = Path(again.stdout.strip())
    assert path == folder / f"{cert.serial}.pdf"
    assert signing.check_pdf(keys, path.read_bytes()).ok
    with app.test_request_context():
        assert documents.certificate_pdf_path(cert) == path
