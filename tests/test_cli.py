import json
from datetime import date

from sqlalchemy import select

from brandname import lifecycle
from brandname.store.models import Account, Brandname, Certificate


def test_create_officer_from_env(app, session, monkeypatch):
    monkeypatch.setenv("OFFICER_PW", "a very long password")
    result = app.test_cli_runner().invoke(
        args=[
            "brandname",
            "create-officer",
            "Can.Bo@cuc.gov.vn",
            "--password-env",
            "OFFICER_PW",
            "--role",
            "supervisor",
            "--name",
            "Trần Quốc Bảo",
        ]
    )
    assert result.exit_code == 0, result.output
    account = session.scalars(select(Account)).one()
    assert (account.email, account.role) == ("can.bo@cuc.gov.vn", "supervisor")
    assert account.password_hash.startswith("$argon2id$")
    again = app.test_cli_runner().invoke(
        args=[
            "brandname",
            "create-officer",
            "can.bo@cuc.gov.vn",
            "--password-env",
            "OFFICER_PW",
            "--name",
            "X",
        ]
    )
    assert again.exit_code == 1 and "đã có tài khoản" in again.output


def test_create_officer_rejects_short_password(app, monkeypatch):
    monkeypatch.setenv("PW", "short")
    result = app.test_cli_runner().invoke(
        args=[
            "brandname",
            "create-officer",
            "x@cuc.gov.vn",
            "--password-env",
            "PW",
            "--name",
            "Nguyễn Văn An",
        ]
    )
    assert result.exit_code == 1 and "10" in result.output


def test_seed_demo_makes_issued_names_through_the_lifecycle(app, session, keys):
    result = app.test_cli_runner().invoke(args=["brandname", "seed-demo", "--names", "5", "--seed", "7"])
    assert result.exit_code == 0, result.output
    made = result.output.split()
    assert len(made) == 5 and len(set(made)) == 5
    for name in made:
        bn = lifecycle.find_brandname(session, name)
        assert bn.status == "active"
        cert = bn.current_certificate
        assert keys.verify(cert.signature, cert.record.encode())


def test_show_json_and_text(app, registry_helper):
    registry_helper.issue("SHOWME")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["brandname", "show", "showme", "--json"])
    assert result.exit_code == 0
    info = json.loads(result.output)
    assert info["name"] == "SHOWME" and info["status"] == "active"
    assert info["certificates"][0]["serial"] == "BN-2026-0000001"
    assert [e["act"] for e in info["events"]] == [
        "submit",
        "attach_document",
        "approve",
        "record_payment",
        "confirm_payment",
        "issue",
    ]
    text = runner.invoke(args=["brandname", "show", "SHOWME"])
    assert "BN-2026-0000001" in text.output and "[active]" in text.output
    missing = runner.invoke(args=["brandname", "show", "NOPE", "--json"])
    assert missing.exit_code == 1 and json.loads(missing.output)["error"] == "not_found"


def test_expire_command_is_idempotent(app, session, registry_helper):
    registry_helper.issue("OLDNAME")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["brandname", "expire", "--today", "2029-03-02"])
    assert first.exit_code == 0 and "expired OLDNAME" in first.output
    second = runner.invoke(args=["brandname", "expire", "--today", "2029-03-02"])
    assert second.exit_code == 0 and "expired: 0" in second.output
    bn = session.scalars(select(Brandname)).one()
    assert bn.status == "expired" and bn.blocked_until == date(2030, 3, 1)


def test_demo_prepares_a_fresh_registry_without_serving(tmp_path, empty_db_url):
    from brandname import create_app
    from brandname.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": empty_db_url,
            "DATA_DIR": str(tmp_path / "data"),
            "CERTS_DIR": str(tmp_path / "certs"),
            "SECRET_KEY": "x",
        }
    )
    runner = app.test_cli_runner()
    result = runner.invoke(args=["brandname", "demo", "--no-serve", "--names", "3"])
    assert result.exit_code == 0, result.output
    assert "officer@demo.brandname.vn" in result.output and "http://127.0.0.1:5000/" in result.output
    assert "keys: created" in result.output
    with app.app_context():
        assert {a.role for a in db.session.scalars(select(Account))} == {"admin", "officer", "supervisor"}
        assert len(db.session.scalars(select(Certificate)).all()) == 3
    again = runner.invoke(args=["brandname", "demo", "--no-serve", "--names", "3"])
    assert again.exit_code == 0 and "keys: found" in again.output
    with app.app_context():
        assert len(db.session.scalars(select(Certificate)).all()) == 3
        db.engine.dispose()


def test_demo_serves_the_registry(tmp_path):
    """The README's first command ends in `brandname demo`: it must really serve, not just prepare."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRANDNAME_", "DATABASE_"))}
    env.update(BRANDNAME_DATA_DIR=str(tmp_path / "data"), BRANDNAME_CERTS_DIR=str(tmp_path / "certs"))
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "wsgi",
            "brandname",
            "demo",
            "--port",
            str(port),
            "--names",
            "2",
        ],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline, body = time.monotonic() + 90, None
        while time.monotonic() < deadline and body is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    body = json.loads(response.read())
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                time.sleep(0.5)
        assert body is not None and body["status"] == "ok"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lookup?q=a", timeout=5) as response:
            assert response.status == 200
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0]
    assert f"http://127.0.0.1:{port}/" in output and "officer@demo.brandname.vn" in output


def test_demo_refuses_in_production(tmp_path, empty_db_url):
    """The demo accounts' password is published in the README: a production registry never has them."""
    from brandname import create_app
    from brandname.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": empty_db_url,
            "DATA_DIR": str(tmp_path / "data"),
            "CERTS_DIR": str(tmp_path / "certs"),
            "SECRET_KEY": "x",
            "PRODUCTION": True,
        }
    )
    result = app.test_cli_runner().invoke(args=["brandname", "demo", "--no-serve", "--names", "1"])
    assert result.exit_code != 0
    assert "chế độ vận hành chính thức" in result.output and "production mode" in result.output
    with app.app_context():
        assert not db.inspect(db.engine).has_table("accounts")  # refused before touching the database
        db.engine.dispose()


def test_seed_demo_registers_exactly_the_names_given(app, session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["brandname", "seed-demo", "--name", "VIETTEL", "--name", "Vinaphone"])
    assert result.exit_code == 0, result.output
    assert result.output.split() == ["VIETTEL", "Vinaphone"]
    for name in ("VIETTEL", "VINAPHONE"):
        bn = lifecycle.find_brandname(session, name)
        assert bn.status == "active" and bn.current_certificate is not None
    again = runner.invoke(args=["brandname", "seed-demo", "--name", "viettel"])
    assert again.exit_code == 1 and "Error:" in again.output
    bad = runner.invoke(args=["brandname", "seed-demo", "--name", "SAIGONCAFE12"])
    assert bad.exit_code == 1 and lifecycle.find_brandname(session, "SAIGONCAFE12") is None


def test_seed_demo_records_a_decision_on_each_warning_of_a_look_alike(app, session):
    from brandname.store.models import Event

    runner = app.test_cli_runner()
    result = runner.invoke(args=["brandname", "seed-demo", "--name", "VINAPHONE", "--name", "VINAFONE"])
    assert result.exit_code == 0, result.output
    assert lifecycle.find_brandname(session, "VINAFONE").status == "active"
    decided = session.query(Event).filter(Event.act == "decide_warning").all()
    assert [
        (e.actor_kind, e.details["requested"], e.details["name"], e.details["decision"]) for e in decided
    ] == [("operator", "VINAFONE", "VINAPHONE", "not_confusable")]
