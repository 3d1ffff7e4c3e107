"""Serving: /healthz, the operator endpoint, gunicorn config, and two app instances racing."""

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select

from brandname import create_app, lifecycle
from brandname.store.models import Application, Brandname, Event

from .conftest import NOW, TEST_DATABASE_URL, attach, name_entry, org_applicant

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "test-operator-token-0123456789"


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["signing_key"]["ok"]
    assert body["checks"]["signing_key"]["kid"]


def test_healthz_503_when_database_unreachable(tmp_path, certs_dir):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "DATA_DIR": str(tmp_path / "d"),
            "CERTS_DIR": str(certs_dir),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/no/such/dir/x.sqlite3",
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] is False and body["checks"]["signing_key"]["ok"] is True
    assert "no/such" not in response.get_data(as_text=True)  # no connection details leak


def test_healthz_503_when_signing_key_missing(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "DATA_DIR": str(tmp_path / "d"),
            "CERTS_DIR": str(tmp_path / "empty-certs"),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/ok.sqlite3",
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["signing_key"] == {
        "ok": False,
        "error": "KeysMissing",
        "ms": response.get_json()["checks"]["signing_key"]["ms"],
    }


def test_postgresql_url_gets_the_psycopg_driver(tmp_path, certs_dir):
    from config import database_url

    assert database_url("postgresql://u@h:5432/db") == "postgresql+psycopg://u@h:5432/db"
    assert database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("sqlite:///x") == "sqlite:///x"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "postgresql://u@127.0.0.1:1/db",
            "SECRET_KEY": "x",
            "DATA_DIR": str(tmp_path),
            "CERTS_DIR": str(certs_dir),
        }
    )
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_operator_endpoint_off_without_token_then_approves(app, client, session, officer):
    application = lifecycle.submit(
        session,
        applicant=org_applicant(),
        names=[name_entry("OPAPI")],
        actor=officer,
        commitments_confirmed=True,
        now=NOW,
    )
    attach(session, application, "enterprise_registration", officer)
    url = f"/api/v1/operator/applications/{application.id}/approve"
    assert client.post(url).status_code == 404
    app.config["OPERATOR_TOKEN"] = TOKEN
    assert client.post(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
    response = client.post(url, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "approved"
    again = client.post(url, headers={"Authorization": f"Bearer {TOKEN}"})
    assert again.status_code == 409 and again.get_json()["error"] == "not_allowed"
    event = session.scalars(select(Event).where(Event.act == "approve")).one()
    assert event.actor_label == "operator:api"


def test_gunicorn_config_loads():
    import importlib
    import multiprocessing

    conf = importlib.import_module("brandname.ops.gunicorn_conf")
    expected = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
    assert conf.workers == expected and conf.worker_class == "gthread" and conf.preload_app is False
    assert conf.bind == os.environ.get("BRANDNAME_BIND", "127.0.0.1:8000")


# -- two instances ---------------------------------------------------------------------------


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis_url():
    try:
        import redis

        url = "redis://127.0.0.1:6379/6"
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        return url
    except Exception:
        return None


def _get_json(url, data=None, headers=None, timeout=30):
    request = urllib.request.Request(
        url, data=data, headers=headers or {}, method="POST" if data is not None else "GET"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


@pytest.fixture
def two_instances(app, tmp_path):
    if not TEST_DATABASE_URL:
        pytest.skip("two app instances share one server database: set TEST_DATABASE_URL (PostgreSQL)")
    redis_url = _redis_url()
    servers, logs = [], []
    for i in range(2):
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BRANDNAME_", "DATABASE_", "REDIS_"))}
        env.update(
            DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
            BRANDNAME_CERTS_DIR=str(app.config["CERTS_DIR"]),
            BRANDNAME_DATA_DIR=str(tmp_path / f"instance{i}"),
            SECRET_KEY="shared-secret",
            BRANDNAME_OPERATOR_TOKEN=TOKEN,
            BRANDNAME_BIND=f"127.0.0.1:{port}",
            WEB_CONCURRENCY="2",
            BRANDNAME_THREADS="6",
            BRANDNAME_ACCESS_LOG="/dev/null",
        )
        if redis_url:
            env["REDIS_URL"] = redis_url
        log = open(tmp_path / f"gunicorn{i}.log", "w")
        logs.append(log)
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:brandname.ops.gunicorn_conf", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        servers.append((proc, f"http://127.0.0.1:{port}"))
    try:
        deadline = time.monotonic() + 60
        for proc, base in servers:
            while True:
                assert proc.poll() is None, (tmp_path / "gunicorn0.log").read_text()
                try:
                    status, body = _get_json(base + "/healthz", timeout=2)
                    if status == 200:
                        assert ("redis" in body["checks"]) == bool(redis_url)
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, "server did not become healthy"
                time.sleep(0.2)
        yield [base for _, base in servers], redis_url
    finally:
        for proc, _ in servers:
            proc.terminate()
        for proc, _ in servers:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log in logs:
            log.close()


def test_fifty_way_race_across_two_instances(two_instances, session, officer):
    bases, _ = two_instances
    apps = [
        lifecycle.submit(
            session,
            applicant=org_applicant(code=f"0108{i:06d}"),
            names=[name_entry("TWOINST")],
            actor=officer,
            commitments_confirmed=True,
            now=NOW,
        )
        for i in range(50)
    ]
    for application in apps:  # each dossier complete (Art. 24)
        attach(session, application, "enterprise_registration", officer)
    ids = [a.id for a in apps]  # plain ints: the threads have no app context
    barrier = threading.Barrier(50)
    results = [None] * 50
    order = list(range(49, -1, -1))  # the earliest application's request starts last

    def worker(slot, index):
        barrier.wait(timeout=60)
        base = bases[slot % 2]
        results[slot] = (index,) + _get_json(
            f"{base}/api/v1/operator/applications/{ids[index]}/approve",
            data=b"",
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=120,
        )

    threads = [threading.Thread(target=worker, args=(slot, index)) for slot, index in enumerate(order)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert all(r is not None for r in results)
    statuses = sorted(r[1] for r in results)
    assert statuses == [200] + [409] * 49, statuses  # never a 500
    winner = [r for r in results if r[1] == 200][0]
    assert winner[0] == 0  # first come, first served
    assert all(r[2]["error"] == "conflict" for r in results if r[1] == 409), [r[2] for r in results][:3]
    session.expire_all()
    live = session.scalars(
        select(Brandname).where(Brandname.name_normal == "TWOINST", Brandname.status != "released")
    ).all()
    assert len(live) == 1 and live[0].application_id == ids[0]
    assert (
        session.scalar(select(func.count()).select_from(Application).where(Application.status == "approved"))
        == 1
    )
    seqs = session.scalars(select(Event.seq).order_by(Event.seq)).all()
    account_events = session.scalar(
        select(func.count()).select_from(Event).where(Event.subject_type == "account")
    )
    assert (
        seqs == list(range(1, len(seqs) + 1)) and len(seqs) - account_events == 2 * 50 + 1 + 49
    )  # documents too
