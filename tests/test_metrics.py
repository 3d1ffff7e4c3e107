"""GET /metrics: who may scrape it, and that its numbers follow real acts, carrier checks and mail."""

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from brandname import create_app, lifecycle, notifications
from brandname.notifications.messages import Mail
from brandname.rules import dates

from .conftest import NOW

TOKEN = "metrics-token-for-tests"
OTHER = "0309876543"


@pytest.fixture(autouse=True)
def fresh_name_cache(app):
    """Carrier lookups see acts committed just before them (see tests/test_api_carrier.py)."""
    app.config["CARRIER_NAME_CACHE_POLL_SECONDS"] = 0
    app.config["CARRIER_NAME_CACHE_PRELOAD"] = False


def scrape(client, **kw):
    """{(sample name, frozenset of labels): value} of one scrape."""
    response = client.get("/metrics", **kw)
    assert response.status_code == 200, response.data[:300]
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    out = {}
    for family in text_string_to_metric_families(response.data.decode()):
        for sample in family.samples:
            out[sample.name, frozenset(sample.labels.items())] = sample.value
    return out


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


def delta(before, after, name, **labels):
    return value(after, name, **labels) - value(before, name, **labels)


# -- access ----------------------------------------------------------------------------------


def test_loopback_may_scrape_and_others_may_not(client):
    assert client.get("/metrics").status_code == 200  # the test client's address is 127.0.0.1
    for address in ("::1", "::ffff:127.0.0.1"):
        assert client.get("/metrics", environ_base={"REMOTE_ADDR": address}).status_code == 200
    for address in ("203.0.113.9", "10.1.2.3", "2001:db8::1", ""):
        refused = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
        assert refused.status_code == 403
        assert b"brandname_" not in refused.data


@pytest.mark.parametrize(
    "header", ["X-Forwarded-For", "X-Real-IP", "Forwarded"], ids=["x-forwarded-for", "x-real-ip", "forwarded"]
)
def test_forwarding_headers_never_grant_access(client, header):
    # a client claiming to be local is refused...
    forged = "for=127.0.0.1" if header == "Forwarded" else "127.0.0.1"
    response = client.get("/metrics", headers={header: forged}, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 403
    # ...and so is a request a reverse proxy on this host forwarded (its peer is 127.0.0.1)
    assert client.get("/metrics", headers={header: forged}).status_code == 403


def test_token_lets_any_address_in(app, client):
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    assert client.get("/metrics", headers=bearer, environ_base=outside).status_code == 403  # no token set
    app.config["METRICS_TOKEN"] = TOKEN
    assert client.get("/metrics", headers=bearer, environ_base=outside).status_code == 200
    with_proxy = {**bearer, "X-Forwarded-For": "198.51.100.7"}
    assert client.get("/metrics", headers=with_proxy, environ_base=outside).status_code == 200
    for wrong in ("Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer", "Bearer ŧøken"):
        assert (
            client.get("/metrics", headers={"Authorization": wrong}, environ_base=outside).status_code == 403
        )


def _settings(app):
    """The test app's settings, for another app on the same database."""
    keys = ("TESTING", "SECRET_KEY", "DATA_DIR", "CERTS_DIR", "SQLALCHEMY_DATABASE_URI", "WTF_CSRF_ENABLED")
    return {key: app.config[key] for key in keys}


def test_configured_networks(app):
    config = _settings(app)
    other = create_app({**config, "METRICS_NETWORKS": "10.0.0.0/8, 2001:db8::/32"})
    client = other.test_client()
    for address, status in (("10.1.2.3", 200), ("2001:db8::5", 200), ("127.0.0.1", 403), ("11.0.0.1", 403)):
        assert client.get("/metrics", environ_base={"REMOTE_ADDR": address}).status_code == status, address
    nobody = create_app({**config, "METRICS_NETWORKS": ""}).test_client()
    assert nobody.get("/metrics").status_code == 403
    with pytest.raises(ValueError):
        create_app({**config, "METRICS_NETWORKS": "10.0.0.0/33"})


def test_scrape_is_not_rate_limited_nor_csrf_checked(app, monkeypatch):
    from brandname.extensions import csrf, limiter

    assert "brandname.web.metrics.scrape" in csrf._exempt_views
    # the Limiter is one object for every app and keeps the first default limits it is given
    manager = limiter.limit_manager
    monkeypatch.setattr(manager, "_default_limits", manager._default_limits)
    limited = create_app({**_settings(app), "RATELIMIT_DEFAULT": "2 per minute"}).test_client()
    assert [limited.get("/healthz").status_code for _ in range(3)] == [200, 200, 429]  # the limit applies
    assert {limited.get("/metrics").status_code for _ in range(5)} == {200}


# -- what the registry holds -----------------------------------------------------------------


def test_acts_and_dossiers_follow_real_acts(client, registry_helper):
    before = scrape(client)
    application = registry_helper.submit("VietSun")  # received at NOW: its deadline is long past
    fresh = registry_helper.submit("SunMart", now=dates.utcnow())  # due in a working day or more
    after_submit = scrape(client)
    assert delta(before, after_submit, "brandname_acts_total", act="submit") == 2
    assert value(after_submit, "brandname_applications_awaiting_decision") == 2
    assert value(after_submit, "brandname_applications_overdue") == 1
    # each filing and its mandatory document
    assert value(after_submit, "brandname_event_log_head") == value(before, "brandname_event_log_head") + 4

    registry_helper.approve(application)
    after_approve = scrape(client)
    assert delta(after_submit, after_approve, "brandname_acts_total", act="approve") == 1
    assert delta(after_submit, after_approve, "brandname_acts_total", act="submit") == 0
    assert value(after_approve, "brandname_applications_awaiting_decision") == 1
    assert value(after_approve, "brandname_applications_overdue") == 0

    registry_helper.pay_and_issue(application)
    registry_helper.approve(fresh, now=dates.utcnow())
    after_issue = scrape(client)
    counted = {
        dict(labels)["act"]: v for (name, labels), v in after_issue.items() if name == "brandname_acts_total"
    }
    from sqlalchemy import func, select

    from brandname.extensions import db
    from brandname.store.models import Event

    in_log = dict(db.session.execute(select(Event.act, func.count()).group_by(Event.act)).all())
    assert counted == in_log  # the incremental count equals a full count of the log
    assert value(after_issue, "brandname_applications_awaiting_decision") == 0
    assert value(after_issue, "brandname_database_up") == 1


def test_outbox_backlog_and_failures(client, session):
    for i in range(3):
        notifications.write(session, Mail(to=f"a{i}@example.vn", subject="Thư", body="Nội dung"), now=NOW)
    session.commit()
    samples = scrape(client)
    assert value(samples, "brandname_outbox_mails", state="queued") == 3
    assert value(samples, "brandname_outbox_mails", state="retrying") == 0
    assert (
        value(samples, "brandname_outbox_oldest_unsent_age_seconds")
        >= (dates.utcnow() - NOW).total_seconds() - 5
    )

    # an SMTP server that refuses connections: every mail fails, is retried, then given up
    refused = {"server": "127.0.0.1", "port": 9}
    notifications.deliver(session, **refused)
    samples = scrape(client)
    assert value(samples, "brandname_outbox_mails", state="queued") == 0
    assert value(samples, "brandname_outbox_mails", state="retrying") == 3
    for _ in range(notifications.MAX_ATTEMPTS - 1):
        notifications.deliver(session, **refused)
    notifications.write(session, Mail(to="late@example.vn", subject="Thư", body="Nội dung"))
    session.commit()
    samples = scrape(client)
    assert value(samples, "brandname_outbox_mails", state="failed") == 3
    assert value(samples, "brandname_outbox_mails", state="retrying") == 0
    assert value(samples, "brandname_outbox_mails", state="queued") == 1
    assert value(samples, "brandname_outbox_oldest_unsent_age_seconds") < 60  # the given-up ones do not count

    notifications.deliver(session)  # no server: logged, hence sent
    samples = scrape(client)
    assert value(samples, "brandname_outbox_mails", state="queued") == 0
    assert value(samples, "brandname_outbox_oldest_unsent_age_seconds") == 0


def test_snapshot_age(client, registry_helper, carrier_headers):
    registry_helper.issue("VietSun")
    samples = scrape(client)
    assert ("brandname_snapshot_age_seconds", frozenset()) not in samples  # none built yet
    assert client.get("/api/v1/snapshot/manifest", headers=carrier_headers).status_code == 200
    samples = scrape(client)
    assert 0 <= value(samples, "brandname_snapshot_age_seconds") < 60
    assert value(samples, "brandname_snapshot_seq") == value(samples, "brandname_event_log_head")


def test_database_down_is_a_metric_not_a_failed_scrape(app, client, monkeypatch):
    from brandname.ops.metrics import RegistryCollector

    def broken(self, engine, now):
        raise OSError("connection refused")

    monkeypatch.setattr(RegistryCollector, "_database_families", broken)
    samples = scrape(client)
    assert value(samples, "brandname_database_up") == 0
    assert ("brandname_applications_awaiting_decision", frozenset()) not in samples


# -- carrier checks and request latency ------------------------------------------------------


def test_carrier_checks_by_result(client, session, registry_helper, carrier_headers, officer):
    active = registry_helper.issue("VietSun").brandnames[0]
    registry_helper.issue("SunMart")
    before = scrape(client)
    for name in ("VIETSUN", "vietsun", "NOPE"):
        client.get(f"/api/v1/brandnames/{name}", headers=carrier_headers)
    items = [
        {"name": "VietSun", "holder_id": "0101234567"},
        {"name": "VietSun", "holder_id": OTHER},
        {"name": "SunMart"},
        {"name": "Nope"},
        {"name": "Nope2"},
    ]
    assert client.post("/api/v1/verify", json={"items": items}, headers=carrier_headers).status_code == 200
    lifecycle.give_up(session, active.id, actor=officer, now=NOW)
    client.get("/api/v1/brandnames/VietSun", headers=carrier_headers)
    after = scrape(client)

    checks = "brandname_carrier_checks_total"
    assert delta(before, after, checks, route="lookup", result="deliverable") == 2
    assert delta(before, after, checks, route="lookup", result="not_registered") == 1
    assert delta(before, after, checks, route="lookup", result="revoked") == 1
    assert delta(before, after, checks, route="verify", result="deliverable") == 2
    assert delta(before, after, checks, route="verify", result="holder_mismatch") == 1
    assert delta(before, after, checks, route="verify", result="not_registered") == 2
    assert delta(before, after, checks, route="verify", result="revoked") == 0
    # a refused key checks nothing
    assert (
        client.get("/api/v1/brandnames/VietSun", headers={"Authorization": "Bearer wrong"}).status_code == 401
    )
    again = scrape(client)
    assert all(
        delta(after, again, checks, route=route, result=result) == 0
        for route in ("lookup", "verify")
        for result in ("deliverable", "not_registered", "reserved", "expired", "revoked", "holder_mismatch")
    )
    for verify_only in ("holder_mismatch", "channel_not_certified"):
        assert (
            "brandname_carrier_checks_total",
            frozenset({"route": "lookup", "result": verify_only}.items()),
        ) not in again
    assert (
        "brandname_carrier_checks_total",
        frozenset({"route": "verify", "result": "channel_not_certified"}.items()),
    ) in again
    assert (
        "brandname_carrier_checks_total",
        frozenset({"route": "verify", "result": "reserved"}.items()),
    ) in again


def test_latency_by_route_never_by_raw_path(client, registry_helper, carrier_headers):
    registry_helper.issue("VietSun")
    before = scrape(client)
    client.get("/api/v1/brandnames/VietSun", headers=carrier_headers)
    client.get("/api/v1/brandnames/NOPE", headers=carrier_headers)
    client.get("/no/such/page/VietSun")
    client.open("/api/v1/keys", method="BREW")
    after = scrape(client)
    hist = "brandname_http_request_duration_seconds_count"
    route = "/api/v1/brandnames/<name>"
    assert delta(before, after, hist, route=route, method="GET", status_class="2xx") == 1
    assert delta(before, after, hist, route=route, method="GET", status_class="4xx") == 1
    assert delta(before, after, hist, route="unmatched", method="GET", status_class="4xx") == 1
    # a method no route knows: 405, and the method is not a label value of its own
    assert delta(before, after, hist, route="unmatched", method="other", status_class="4xx") == 1
    buckets = [
        v
        for (name, labels), v in after.items()
        if name == "brandname_http_request_duration_seconds_bucket" and dict(labels)["route"] == route
    ]
    assert buckets and max(buckets) >= 1
    labels_seen = {v for (_, labels) in after for _, v in labels}
    assert not any("VietSun" in v or "no/such" in v for v in labels_seen)
    assert "BREW" not in labels_seen


# -- the multiprocess folder ------------------------------------------------------------------

WORKER = """
import os, sys
from prometheus_client import Counter, Histogram

checks = Counter("t_checks", "Checks.", ["result"])
seconds = Histogram("t_seconds", "Seconds.", ["route"], buckets=(0.1, 1))
for _ in range(int(sys.argv[1])):
    checks.labels("ok").inc()
    seconds.labels("/x").observe(0.05)
seconds.labels("/x").observe(0.5)
print(os.getpid())
"""


def test_a_dead_workers_counts_are_folded_into_the_archive(tmp_path):
    import os
    import subprocess
    import sys

    from brandname.ops import metrics_files

    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    pids = [
        int(
            subprocess.run(
                [sys.executable, "-c", WORKER, str(n)], env=env, capture_output=True, check=True
            ).stdout
        )
        for n in (3, 4)
    ]

    def totals():
        families = metrics_files.collect(tmp_path)
        return {(s.name, tuple(sorted(s.labels.items()))): s.value for f in families for s in f.samples}

    before = totals()
    assert before["t_checks_total", (("result", "ok"),)] == 7
    assert before["t_seconds_bucket", (("le", "0.1"), ("route", "/x"))] == 7
    assert before["t_seconds_count", (("route", "/x"),)] == 9
    for pid in pids:
        metrics_files.worker_exited(tmp_path, pid)
        assert totals() == pytest.approx(before)
    assert sorted(p.name for p in tmp_path.glob("*.db")) == ["counter_archive.db", "histogram_archive.db"]


# -- gunicorn: several workers, one set of numbers -------------------------------------------


def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url, headers=None, timeout=10):
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _scrape_url(base):
    status, body = _get(base + "/metrics")
    assert status == 200
    out = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            out[sample.name, frozenset(sample.labels.items())] = sample.value
    return out


def test_gunicorn_workers_add_up_and_log_json(app, registry_helper, carrier_headers, tmp_path):
    import json
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    registry_helper.issue("VietSun")
    root = Path(__file__).resolve().parent.parent
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    (metrics_dir / "counter_1.db").write_bytes(b"left by an earlier run")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BRANDNAME_", "DATABASE_", "REDIS_", "PROMETHEUS_", "GUNICORN_"))
    }
    env.update(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        BRANDNAME_CERTS_DIR=str(app.config["CERTS_DIR"]),
        BRANDNAME_DATA_DIR=str(tmp_path / "instance"),
        SECRET_KEY="shared-secret",
        BRANDNAME_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        BRANDNAME_THREADS="2",
        BRANDNAME_LOG_FORMAT="json",
        BRANDNAME_CARRIER_NAME_CACHE_PRELOAD="0",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
    )
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:brandname.ops.gunicorn_conf", "wsgi:app"],
            cwd=root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log_path.read_text()
            try:
                if _get(base + "/healthz", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
        assert not (metrics_dir / "counter_1.db").exists()  # a previous run's numbers are gone

        lookups = 12
        for i in range(lookups):  # a connection each, taken by whichever worker accepts first
            status, _ = _get(
                base + "/api/v1/brandnames/VietSun", {**carrier_headers, "X-Request-ID": f"gw-{i}"}
            )
            assert status == 200

        def counted():
            samples = _scrape_url(base)
            return (
                value(samples, "brandname_carrier_checks_total", route="lookup", result="deliverable"),
                value(
                    samples,
                    "brandname_http_request_duration_seconds_count",
                    route="/api/v1/brandnames/<name>",
                    method="GET",
                    status_class="2xx",
                ),
            )

        assert {counted() for _ in range(3)} == {(lookups, lookups)}

        def pids(kind):
            return {
                int(p.stem.rsplit("_", 1)[1])
                for p in metrics_dir.glob(f"{kind}_*.db")
                if "archive" not in p.stem
            }

        workers = pids("counter")
        assert len(workers) == 2
        served = pids("histogram")

        # Stop every worker that served a lookup (as max_requests recycling does): the scrapes are
        # then answered by other processes, which must still count the dead workers' lookups.
        for pid in served:
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 60
        while len(pids("counter") - served) < len(workers):  # the replacements have started
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
        assert {counted() for _ in range(4)} == {(lookups, lookups)}
        for pid in served:  # folded into the archive, not left for every scrape to read
            assert not list(metrics_dir.glob(f"*_{pid}.db"))
        assert (metrics_dir / "histogram_archive.db").exists()
        for _ in range(3):
            assert _get(base + "/api/v1/brandnames/VietSun", carrier_headers)[0] == 200
        assert {counted() for _ in range(4)} == {(lookups + 3, lookups + 3)}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()

    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]
    assert any(line["logger"] == "gunicorn.error" and "Booting worker" in line["message"] for line in lines)
    assert not any("prometheus_client was imported" in line["message"] for line in lines)
    access = {line["request_id"]: line for line in lines if line["logger"] == "brandname.access"}
    assert {f"gw-{i}" for i in range(lookups)} <= set(access)
    assert access["gw-0"]["path"] == "/api/v1/brandnames/VietSun" and access["gw-0"]["status"] == 200


def test_carrier_checks_know_the_day_changes_at_hanoi_midnight(monkeypatch):
    from datetime import UTC, datetime

    from brandname.ops import metrics
    from brandname.web.api import carrier

    before = datetime(2026, 5, 31, 16, 59, 59)  # 23:59:59 in Hanoi, the name's last valid day
    clock = {"now": before}
    # the route's own day, as the lookup route passes it to the counter
    monkeypatch.setattr(carrier, "_today", (None, None))
    monkeypatch.setattr(carrier.time, "time", lambda: clock["now"].replace(tzinfo=UTC).timestamp())
    record = {"status": "active", "valid_until": "2026-05-31"}
    checks = metrics._check_children

    def counts():
        return checks["lookup", "deliverable"]._value.get(), checks["lookup", "expired"]._value.get()

    start = counts()
    metrics.carrier_lookup(record, carrier._local_today())
    clock["now"] = before + timedelta(seconds=2)  # 00:00:01 on 1 June
    metrics.carrier_lookup(record, carrier._local_today())
    end = counts()
    assert (end[0] - start[0], end[1] - start[1]) == (1, 1)
