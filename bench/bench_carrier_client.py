"""Bench 2: the reference carrier client (brandname_carrier) over 1M names: sync time, checks per
second against a plain dict lookup of the same names (target: first check ≥ 0.5 × dict), and the
client's peak memory (target ≤ 300 MB).

    python bench/bench_carrier_client.py [--names 1000000] [--database-url URL]

The registry app serves the bench database (bench/seed.py, cached under $BENCH_DIR) over HTTP
on 127.0.0.1 from this process; its snapshot is built first and timed on its own. The client
runs in child processes that import only brandname_carrier, so their peak RSS is the client's:

- `sync`: sync from nothing (download, verify, parse, write the local state), then the rates.
  The registered spellings of every name, shuffled, are checked in chunks of 50,000; each chunk
  is timed with check() — the first check of those names — and with dict.get on a plain dict
  holding the same spellings as keys, alternating which goes first, so both see the same load
  on a shared machine. Two more rounds time repeated checks. The dict rate is the best of the
  three rounds, so both ratios are conservative. Then checks with the holder's id, and checks
  of 200,000 names spelled otherwise (swapped case) against the same names as registered.
  Peak RSS is read after the sync, before the bench builds its own lists and dict.
- `load`: a fresh process loads the local state from disk and checks every name once; its peak
  RSS is a carrier's checking process.
"""

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time

CHUNK = 50_000


def peak_rss_mb():
    """This process's peak RSS. On Linux, ru_maxrss of a child also counts the parent's peak
    before the exec (the registry app here), so the kernel's high-water mark of the child's own
    memory (VmHWM) is read instead."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def child_sync(url, key, folder):
    from brandname_carrier import CarrierClient

    client = CarrierClient(url, key=key, directory=folder)
    t = time.perf_counter()
    summary = client.sync()
    sync_seconds = time.perf_counter() - t
    sync_rss = peak_rss_mb()

    entries = list(client.entries())
    random.Random(3).shuffle(entries)
    names = [e.name for e in entries]  # registered spellings, new str objects as a query brings
    plain = {name: entry for name, entry in zip(names, reversed(entries))}
    holders = [(e.name, e.holder_id or "0399999999") for e in entries[:200_000]]
    del entries
    get, check = plain.get, client.check
    chunks = [names[i : i + CHUNK] for i in range(0, len(names), CHUNK)]

    def timed(fn, items):
        t = time.perf_counter()
        for n in items:
            fn(n)
        return time.perf_counter() - t

    rounds = []
    for _ in range(3):
        spent = {"check": 0.0, "dict": 0.0}
        for i, chunk in enumerate(chunks):
            order = (("check", check), ("dict", get)) if i % 2 else (("dict", get), ("check", check))
            for label, fn in order:
                spent[label] += timed(fn, chunk)
        rounds.append({label: len(names) / seconds for label, seconds in spent.items()})
    dict_rate = max(r["dict"] for r in rounds)
    first_rate = rounds[0]["check"]
    repeat_rate = max(r["check"] for r in rounds[1:])

    def holder_loop(items):
        t = time.perf_counter()
        for n, h in items:
            check(n, h)
        return len(items) / (time.perf_counter() - t)

    holder_rate = max(holder_loop(holders) for _ in range(2))
    # other spellings than the registered one take a second lookup under the normal form
    sample = names[:200_000]
    other_case = [n.swapcase() for n in sample]
    spent = {"registered": 0.0, "other": 0.0}
    for i in range(0, len(sample), CHUNK):
        spent["registered"] += timed(check, sample[i : i + CHUNK])
        spent["other"] += timed(check, other_case[i : i + CHUNK])
    return {
        "names": summary["names"],
        "sync_seconds": round(sync_seconds, 1),
        "sync_peak_rss_mb": sync_rss,
        "dict_lookups_per_s": round(dict_rate),
        "first_checks_per_s": round(first_rate),
        "first_check_ratio": round(first_rate / dict_rate, 2),
        "repeat_checks_per_s": round(repeat_rate),
        "repeat_check_ratio": round(repeat_rate / dict_rate, 2),
        "rounds": [{k: round(v) for k, v in r.items()} for r in rounds],
        "checks_with_holder_per_s": round(holder_rate),
        "checks_sample_registered_spelling_per_s": round(len(sample) / spent["registered"]),
        "checks_sample_other_spelling_per_s": round(len(sample) / spent["other"]),
        "other_spelling_vs_registered": round(spent["registered"] / spent["other"], 2),
        "bench_process_peak_rss_mb": peak_rss_mb(),
    }


def child_load(folder):
    from brandname_carrier import CarrierClient

    t = time.perf_counter()
    client = CarrierClient(directory=folder)
    load_seconds = time.perf_counter() - t
    deliverable = 0
    for entry in client.entries():  # one at a time, as queries arrive
        deliverable += client.check(entry.name).deliverable
    return {
        "load_seconds": round(load_seconds, 1),
        "deliverable": deliverable,
        "load_peak_rss_mb": peak_rss_mb(),
    }


def run_child(*args):
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"child {args[0]} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--names", type=int, default=1_000_000)
    parser.add_argument("--database-url")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        print(json.dumps(child_sync(*rest) if kind == "sync" else child_load(*rest)))
        return

    import common

    _, url = common.database(args.names, args.database_url, label="snapshot")
    from werkzeug.serving import WSGIRequestHandler, make_server

    from brandname import create_app
    from brandname.carriers import keys as carriers
    from brandname.extensions import db

    work = tempfile.mkdtemp(dir=common.WORK)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "DATA_DIR": work,
            "CERTS_DIR": str(common.WORK / "certs"),
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        _, key = carriers.create_carrier(db.session, f"bench-{time.time_ns()}")
    load_before = os.getloadavg()
    t = time.perf_counter()
    r = app.test_client().get("/api/v1/snapshot/manifest", headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 200, r.data
    build_seconds = time.perf_counter() - t
    quiet = type("Quiet", (WSGIRequestHandler,), {"log_request": lambda *a, **k: None})
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    folder = f"{work}/carrier"
    try:
        synced = run_child("sync", base, key, folder)
        server.shutdown()
        loaded = run_child("load", folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)  # the snapshot and the client's state, 100+ MB
    print(
        json.dumps(
            {
                "bench": "carrier_client",
                "snapshot_build_seconds": round(build_seconds, 1),
                **synced,
                **loaded,
                "target_first_check_ratio": 0.5,
                "target_peak_rss_mb": 300,
                "load_average": [round(x, 1) for x in load_before + os.getloadavg()],
            }
        )
    )


if __name__ == "__main__":
    main()
