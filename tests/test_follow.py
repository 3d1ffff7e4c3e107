"""Follow mode: GET /api/v1/changes?wait= holds a request at the head until the next act, and the
carrier client's follow() keeps its copy current through it, over a real server. On PostgreSQL,
an act committed through one instance wakes the waiters of another (LISTEN/NOTIFY)."""

import threading
import time

import pytest
from werkzeug.serving import make_server

from brandname import create_app, lifecycle
from brandname.carriers import feed
from brandname.carriers.follow import HeadWatcher
from brandname.extensions import db
from brandname_carrier import CarrierClient

from .conftest import NOW

WAIT = 20  # seconds a request may wait; every answer below must come well before it


def changes(client, headers, since, wait):
    return client.get(f"/api/v1/changes?since={since}&wait={wait}", headers=headers)


def in_thread(fn, *args):
    out = {}

    def run():
        out["value"] = fn(*args)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def test_a_waiting_request_answers_with_the_next_act(app, client, carrier_headers, registry_helper, session):
    name = registry_helper.issue("VietSun").brandnames[0]
    head = feed.head(session)
    session.commit()
    started = time.monotonic()
    thread, out = in_thread(changes, app.test_client(), carrier_headers, head, WAIT)
    time.sleep(0.5)  # the request is waiting now
    assert thread.is_alive()
    with app.app_context():
        lifecycle.give_up(db.session, name.id, actor=registry_helper.officer, now=NOW)
    thread.join(WAIT + 5)
    assert not thread.is_alive() and time.monotonic() - started < WAIT
    r = out["value"]
    assert r.status_code == 200 and int(r.headers["X-Next-Seq"]) == head + 1


def test_a_waiting_request_ends_with_an_empty_page_when_nothing_happens(client, carrier_headers, session):
    head = feed.head(session)
    session.commit()
    r = changes(client, carrier_headers, head, 1)
    assert r.status_code == 200 and r.headers["X-Next-Seq"] == str(head) == r.headers["X-Head-Seq"]


def test_behind_the_head_the_answer_does_not_wait(client, carrier_headers, registry_helper):
    registry_helper.issue("VietSun")
    started = time.monotonic()
    r = changes(client, carrier_headers, 0, WAIT)
    assert r.status_code == 200 and int(r.headers["X-Next-Seq"]) > 0
    assert time.monotonic() - started < WAIT


@pytest.mark.parametrize("wait", ["31", "-1", "x"])
def test_wait_out_of_bounds_is_400(client, carrier_headers, wait):
    r = client.get(f"/api/v1/changes?since=0&wait={wait}", headers=carrier_headers)
    assert r.status_code == 400 and "wait" in r.get_json()["message_en"]


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


def test_followers_see_a_revocation_without_polling(app, live_server, carrier_key, registry_helper, tmp_path):
    names = registry_helper.issue("VietSun", "SunMart").brandnames
    requests = []

    def transport(method, url, headers, body=None):
        from brandname_carrier import urllib_transport

        requests.append(url)
        return urllib_transport(method, url, headers, body)

    followers = [
        CarrierClient(live_server, key=carrier_key, directory=tmp_path / f"f{i}", transport=transport)
        for i in range(3)
    ]
    stop = threading.Event()
    threads = [
        threading.Thread(target=f.follow, kwargs={"wait": WAIT, "stop": stop}, daemon=True) for f in followers
    ]
    for f in followers:
        f.sync()
    for t in threads:
        t.start()
    try:
        assert all(f.check("VietSun").deliverable for f in followers)
        time.sleep(0.5)
        with app.app_context():
            lifecycle.give_up(db.session, names[0].id, actor=registry_helper.officer, now=NOW)
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline and any(f.check("VietSun").deliverable for f in followers):
            time.sleep(0.02)
        assert [tuple(f.check("VietSun")) for f in followers] == [(False, "revoked", "revoked")] * 3
        assert all(f.check("SunMart").deliverable for f in followers)
        assert any(f"wait={WAIT}" in url for url in requests)
    finally:
        stop.set()
        with app.app_context():  # one more act wakes the waiting requests, so the followers see stop
            lifecycle.give_up(db.session, names[1].id, actor=registry_helper.officer, now=NOW)
        for t in threads:
            t.join(WAIT + 5)
        for f in followers:
            f.close()
    assert not any(t.is_alive() for t in threads)


def test_the_command_line_follows(app, live_server, carrier_key, registry_helper, tmp_path):
    import io
    from contextlib import redirect_stdout

    from brandname_carrier import cli

    registry_helper.issue("VietSun")
    out = io.StringIO()
    stop = threading.Event()
    original = CarrierClient.follow

    def follow_until_stopped(self, **kw):
        return original(self, **{**kw, "stop": stop})

    with pytest.MonkeyPatch.context() as mp, redirect_stdout(out):
        mp.setattr(CarrierClient, "follow", follow_until_stopped)
        thread = threading.Thread(
            target=cli.main,
            args=(
                ["follow", live_server, "--key", carrier_key, "--dir", str(tmp_path / "c"), "--wait", "2"],
            ),
            daemon=True,
        )
        thread.start()
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline and '"snapshot"' not in out.getvalue():
            time.sleep(0.05)
        stop.set()
        thread.join(WAIT)
    assert not thread.is_alive()
    assert '"start": "snapshot"' in out.getvalue()


def test_an_act_on_one_instance_wakes_waiters_on_another(
    app, database_url, certs_dir, tmp_path, registry_helper
):
    if not database_url:
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL): LISTEN/NOTIFY across instances")
    other = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "other-instance",
            "DATA_DIR": str(tmp_path / "other"),
            "CERTS_DIR": str(certs_dir),
            "SQLALCHEMY_DATABASE_URI": database_url,
        }
    )
    name = registry_helper.issue("VietSun").brandnames[0]
    with other.app_context():
        watcher = HeadWatcher(db.engine, poll_seconds=60)  # polling too slow to be what wakes it
        assert watcher.listen
        head = watcher.read_head()
        thread, out = in_thread(watcher.wait_beyond, head, WAIT)
        time.sleep(0.5)
        lifecycle.give_up(registry_helper.session, name.id, actor=registry_helper.officer, now=NOW)
        thread.join(WAIT + 5)
        watcher.stop()
        db.engine.dispose()
    assert out["value"] == head + 1


def test_the_watcher_thread_ends_when_nobody_waits_and_when_the_engine_goes(app, session):
    head = feed.head(session)
    session.commit()
    watcher = HeadWatcher(db.engine, poll_seconds=0.05, idle_seconds=0.2)
    assert watcher.wait_beyond(head, 0.2) == head  # nothing new: the timeout ends the wait
    thread = watcher._thread
    thread.join(5)
    assert not thread.is_alive() and watcher._thread is None
    assert watcher.wait_beyond(head, 0.1) == head  # a new waiter starts a new thread
    db.engine.dispose()
    watcher._thread.join(5)
    assert watcher._stop.is_set()
    assert watcher._thread is None or not watcher._thread.is_alive()
