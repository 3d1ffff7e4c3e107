"""Bench: how fast a revocation reaches carriers in follow mode, on PostgreSQL.

    python bench/bench_follow.py [--followers 50] [--revocations 200] [--names 1000]

A gunicorn server (production configuration, gthread workers) serves a seeded PostgreSQL
registry. `--followers` carrier clients, each with its own folder, run `follow()` in threads of
this process. The bench then revokes `--revocations` names one after another through the
service layer (lifecycle.give_up, ground d, in force at once) and times each one from its commit
to the moment every follower's `check` refuses the name. The floor, in the same run: as many
bare PostgreSQL LISTEN connections, and the same number of bare NOTIFY commits timed from the
commit to the moment every listener has the notification, with no registry work at all.
Prints p50 / p99 of both, and their ratio. Needs PostgreSQL (--database-url).
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import common
from bench_carrier_http import free_port, wait_up

HERE = Path(__file__).resolve().parent
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_follow"


def ensure_database(url):
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}
        ).first():
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def floor(url, listeners, rounds, timeout):
    """Seconds from a bare NOTIFY's commit to its arrival at every one of `listeners` connections."""
    import psycopg
    from sqlalchemy.engine import make_url

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conns = [psycopg.connect(dsn, autocommit=True) for _ in range(listeners)]
    for conn in conns:
        conn.execute("LISTEN bench_floor")
    arrived = {}
    lock = threading.Lock()
    done = threading.Event()

    def listen(i, conn):
        for note in conn.notifies(timeout=timeout * rounds + 10):
            with lock:
                arrived.setdefault(int(note.payload), {})[i] = time.perf_counter()
            if int(note.payload) == rounds - 1:
                return

    threads = [threading.Thread(target=listen, args=(i, c), daemon=True) for i, c in enumerate(conns)]
    for t in threads:
        t.start()
    sender = psycopg.connect(dsn, autocommit=True)
    times = []
    for r in range(rounds):
        committed = time.perf_counter()
        sender.execute(f"NOTIFY bench_floor, '{r}'")  # autocommit: delivered at this commit
        end = time.perf_counter() + timeout
        while time.perf_counter() < end:
            with lock:
                got = arrived.get(r, {})
                if len(got) == listeners:
                    times.append(max(got.values()) - committed)
                    break
            time.sleep(0.0005)
    done.set()
    for t in threads:
        t.join(5)
    for conn in conns + [sender]:
        conn.close()
    return times


class Followers:
    """`count` carrier clients following the registry in threads, noting when each first refuses
    a watched name."""

    def __init__(self, base, key, folder, count, wait):
        from brandname_carrier import CarrierClient

        self.stop = threading.Event()
        self.seen = {}  # (follower, name) -> perf_counter when its check first refused the name
        self.watched = set()
        self.lock = threading.Lock()
        self.clients = []
        for i in range(count):
            client = CarrierClient(base, key=key, directory=folder / f"follower-{i}")
            client.sync()
            self.clients.append(client)
        for i, client in enumerate(self.clients):
            kwargs = {"wait": wait, "stop": self.stop, "on_sync": self._noter(i, client)}
            threading.Thread(target=client.follow, kwargs=kwargs, daemon=True).start()

    def _noter(self, i, client):
        def note(summary):
            now = time.perf_counter()
            with self.lock:
                pending = [n for n in self.watched if (i, n) not in self.seen]
            for name in pending:
                if not client.check(name).deliverable:
                    with self.lock:
                        self.seen.setdefault((i, name), now)

        return note

    def time_until_all_refuse(self, name, act, timeout):
        """Seconds from act()'s return (its commit) until every follower refuses `name`, or None."""
        with self.lock:
            self.watched.add(name)
        act()
        committed = time.perf_counter()
        try:
            while time.perf_counter() < committed + timeout:
                with self.lock:
                    got = [self.seen.get((i, name)) for i in range(len(self.clients))]
                if all(got):
                    return max(got) - committed
                time.sleep(0.001)
            return None
        finally:
            with self.lock:
                self.watched.discard(name)

    def close(self):
        self.stop.set()  # each follower ends when its waiting request does (or the server stops)
        for client in self.clients:
            client.close()


def start_server(args, env, port):
    return subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            *("-w", str(args.workers), "-k", "gthread", "--threads", str(args.threads)),
            *("-b", f"127.0.0.1:{port}", "--timeout", str(args.wait + 30), "--log-level", "warning"),
            *("--chdir", str(HERE), "bench_wsgi:app"),
        ],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=open(Path(env["BRANDNAME_DATA_DIR"]) / "server.log", "w"),  # noqa: SIM115 - the access log
    )


def arguments():
    parser = argparse.ArgumentParser()
    parser.add_argument("--followers", type=int, default=50)
    parser.add_argument("--revocations", type=int, default=200)
    parser.add_argument("--names", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=40, help="per worker: waiting followers hold a thread")
    parser.add_argument("--wait", type=int, default=25)
    parser.add_argument("--timeout", type=float, default=10.0, help="give up on one revocation after this")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        raise SystemExit("follow mode across instances is measured on PostgreSQL (--database-url)")
    return args


def summary(args, times, missed, floor_times):
    def ms(seconds):
        return round(seconds * 1000, 1)

    return {
        "followers": args.followers,
        "revocations": len(times),
        "missed": missed,
        "names": args.names,
        "server": f"gunicorn gthread {args.workers} workers x {args.threads} threads, PostgreSQL",
        "revocation_to_every_follower_ms": {
            "p50": ms(pct(times, 50)),
            "p99": ms(pct(times, 99)),
            "max": ms(max(times)),
            "mean": ms(statistics.mean(times)),
        },
        "floor_bare_notify_ms": {"p50": ms(pct(floor_times, 50)), "p99": ms(pct(floor_times, 99))},
        "ratio_p50": round(pct(times, 50) / pct(floor_times, 50), 1),
        "ratio_p99": round(pct(times, 99) / pct(floor_times, 99), 1),
    }


def main():
    args = arguments()
    ensure_database(args.database_url)
    engine, url = common.database(args.names, args.database_url, label="follow")
    engine.dispose()
    work = Path(tempfile.mkdtemp(dir=common.WORK))
    env = {
        **os.environ,
        "BRANDNAME_PRODUCTION": "1",
        "DATABASE_URL": url,
        "BRANDNAME_DATA_DIR": str(work),
        "BRANDNAME_CERTS_DIR": str(common.WORK / "certs"),
        "SECRET_KEY": "bench-secret",
        "BRANDNAME_CARRIER_RATE_LIMIT": "1000000 per second",
        "PYTHONPATH": str(common.ROOT),
    }
    from brandname import create_app, lifecycle
    from brandname.carriers import keys as carriers
    from brandname.extensions import db
    from brandname.store.models import Brandname

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": str(work), "CERTS_DIR": str(common.WORK / "certs")}
    )
    with app.app_context():
        key = carriers.create_carrier(db.session, f"bench-{time.time_ns()}")[1]
        victims = db.session.execute(
            db.select(Brandname.id, Brandname.name).where(Brandname.status == "active").order_by(Brandname.id)
        ).all()[: args.revocations]
    if len(victims) < args.revocations:
        raise SystemExit(f"only {len(victims)} active names; seed more with --names")
    port = free_port()
    server = start_server(args, env, port)
    followers = None
    try:
        wait_up(port)
        followers = Followers(f"http://127.0.0.1:{port}", key, work, args.followers, args.wait)
        time.sleep(1.0)  # every follower is waiting at the head
        times, missed = [], 0
        with app.app_context():
            actor = lifecycle.Actor.operator("bench")
            for bid, name in victims:
                took = followers.time_until_all_refuse(
                    name, lambda bid=bid: lifecycle.give_up(db.session, bid, actor=actor), args.timeout
                )
                if took is None:
                    missed += 1
                else:
                    times.append(took)
        floor_times = floor(url, args.followers, args.revocations, args.timeout)
    finally:
        if followers is not None:
            followers.close()
        # SIGQUIT: gunicorn's quick stop; SIGTERM would let each waiting request run its course
        os.killpg(server.pid, signal.SIGQUIT)
        try:
            server.wait(3)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(10)
    print(json.dumps(summary(args, times, missed, floor_times), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
