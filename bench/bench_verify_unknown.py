"""Verify bench (run by hand): `POST /api/v1/verify` of batches of 1000 distinct names that are
not registered — half of them one edit from a registered name (impersonation risks), half fresh —
the answer that pays for the resemblance look-up.

    python bench/bench_verify_unknown.py                     # SQLite in $BENCH_DIR, 20k names
    python bench/bench_verify_unknown.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/verify

The registry is seeded as by bench_availability.py (names with their two keys, the watch-list).
Each batch goes through the Flask test client (routing, the carrier key, the queries, JSON),
the rate limit off. Prints the median and the worst batch time, and how many names were risks.
`--per-name` times the former way for comparison: the confusion queries of each name on their
own (queries.warnings_for), as the single lookup still does.
"""

import argparse
import logging
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_availability import WORK, database, make_names, mutate  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from brandname.store.models import Brandname  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=int, default=20_000)
    parser.add_argument("--database-url")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--per-name", action="store_true", help="one name's queries at a time (before)")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{WORK / f'verify-unknown-{args.names}.sqlite3'}"
    engine = database(args.names, url)
    with engine.connect() as conn:
        registered = set(conn.execute(select(Brandname.name_normal)).scalars())
        sample = (
            conn.execute(select(Brandname.name).order_by(func.random()).limit(args.batch * args.rounds))
            .scalars()
            .all()
        )
    engine.dispose()

    from brandname import create_app
    from brandname.carriers import keys as carrier_keys
    from brandname.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "DATA_DIR": str(WORK / "data"),
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
            "CARRIER_RATE_LIMIT": "1000000 per second",
            "CERTS_DIR": str(WORK / "certs"),
        }
    )
    logging.disable(logging.INFO)
    if args.per_name:
        from brandname.lifecycle import queries
        from brandname_carrier import rules as carrier_rules

        def per_name(session, names):
            out = {}
            for n in names:
                if not carrier_rules.can_impersonate(n):
                    continue
                found = {
                    w["name"]
                    for w in queries.warnings_for(session, n)
                    if w["source"] != "watchlist" or w["category"] in carrier_rules.PROTECTED_CATEGORIES
                }
                out[n] = carrier_rules.lookalike_list(found)
            return out

        queries.impersonated_names_many = per_name
    with app.app_context():
        _, key = carrier_keys.create_carrier(db.session, f"bench-{time.time_ns()}")
    headers = {"Authorization": f"Bearer {key}"}

    rng = random.Random(3)
    batches = []
    fresh = iter(make_names(args.batch * args.rounds * 2, random.Random(99)))
    for r in range(args.rounds):
        seen, items = set(), []
        near = iter(sample[r * args.batch : (r + 1) * args.batch])
        while len(items) < args.batch:
            name = mutate(next(near), rng) if len(items) % 2 else next(fresh)
            if name.upper() in registered or name.upper() in seen:
                continue
            seen.add(name.upper())
            items.append({"name": name})
        batches.append(items)
    client = app.test_client()
    client.post("/api/v1/verify", headers=headers, json={"items": batches[0][:50]})  # warm up
    times, risks = [], 0
    for items in batches:
        t0 = time.perf_counter()
        answer = client.post("/api/v1/verify", headers=headers, json={"items": items})
        times.append((time.perf_counter() - t0) * 1000)
        assert answer.status_code == 200, answer.data
        results = answer.get_json()["results"]
        assert not any(r["reason"] == "ok" for r in results)
        risks += sum(r["reason"] == "impersonation_risk" for r in results)
    print(
        f"{'per name' if args.per_name else 'batched'}, "
        f"{engine.dialect.name}, {args.names:,} registered names: POST /verify of {args.batch} distinct "
        f"unregistered names: median {statistics.median(times):.0f} ms, worst {max(times):.0f} ms "
        f"over {args.rounds} batches; {risks / args.rounds:.0f} risks per batch"
    )


if __name__ == "__main__":
    main()
