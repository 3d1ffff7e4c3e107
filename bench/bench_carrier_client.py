"""Bench 2: offline checks per second of the reference carrier client over 1M names, against a
plain dict lookup of the same names (target ratio ≥ 0.5).

    python bench/bench_carrier_client.py [--names 1000000]

Syncs a CarrierClient from the bench database through the app (Flask test client as transport),
then times check(name) and dict.get(name) over the same shuffled list of registered spellings
(best of 3 passes each; the first pass of check(), which computes each answer before it is
memoized, is reported separately).
"""

import argparse
import json
import random
import resource
import tempfile
import time

import common


def flask_transport(test_client, base):
    def transport(method, url, headers, body=None):
        r = test_client.open(url[len(base) :], method=method, headers=headers, data=body)
        return r.status_code, dict(r.headers), r.data

    return transport


def timed(fn, names, repeat=3):
    best = None
    for _ in range(repeat):
        t = time.perf_counter()
        fn(names)
        elapsed = time.perf_counter() - t
        best = elapsed if best is None else min(best, elapsed)
    return len(names) / best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--names", type=int, default=1_000_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    _, url = common.database(args.names, args.database_url, label="snapshot")
    from brandname import create_app
    from brandname.carrier_client import CarrierClient
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
    base = "http://bench.local"
    client = CarrierClient(
        base, key=key, directory=f"{work}/carrier", transport=flask_transport(app.test_client(), base)
    )
    t = time.perf_counter()
    summary = client.sync()
    sync_seconds = time.perf_counter() - t
    names = [entry[0] for entry in client.index.values()]
    random.Random(3).shuffle(names)
    plain = {name: entry for name, entry in zip(names, client.index.values())}
    get, check = plain.get, client.check

    def plain_loop(items):
        for n in items:
            get(n)

    def check_loop(items):
        for n in items:
            check(n)

    holders = [(n, client.index[n.upper()][3] or "0399999999") for n in names[:200_000]]

    def holder_loop(items):
        for n, h in items:
            check(n, h)

    t = time.perf_counter()
    check_loop(names)  # first check of each name: computed from the index, then memoized
    cold_rate = len(names) / (time.perf_counter() - t)
    dict_rate = timed(plain_loop, names)
    check_rate = timed(check_loop, names)
    holder_loop(holders)
    holder_rate = timed(holder_loop, holders)
    t = time.perf_counter()
    CarrierClient(directory=f"{work}/carrier")
    load_seconds = time.perf_counter() - t
    print(
        json.dumps(
            {
                "bench": "carrier_client",
                "names": summary["names"],
                "sync_seconds": round(sync_seconds, 1),
                "load_seconds": round(load_seconds, 1),
                "dict_lookups_per_s": round(dict_rate),
                "checks_per_s": round(check_rate),
                "ratio": round(check_rate / dict_rate, 2),
                "target_ratio": 0.5,
                "first_checks_per_s": round(cold_rate),
                "first_check_ratio": round(cold_rate / dict_rate, 2),
                "checks_with_holder_per_s": round(holder_rate),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        )
    )


if __name__ == "__main__":
    main()
