"""Scale bench (run by hand): public search and carrier-style lookup on a registry of ~1M names.

    # seed first (once per backend), e.g.
    BRANDNAME_DATA_DIR=/tmp/big flask --app wsgi brandname init
    BRANDNAME_DATA_DIR=/tmp/big flask --app wsgi brandname seed-demo --names 1000000
    # then
    python bench/bench_scale.py --database-url sqlite:////tmp/big/brandname.sqlite3
    python bench/bench_scale.py --database-url postgresql://postgres@127.0.0.1:5432/big

Every figure is measured in the same run beside two floors: the `SELECT 1` round trip and a
primary-key lookup, so a slow machine shows up as slow floors, not as a slow registry.
Query texts are drawn at random from names in the database (prefixes of 1–4 characters,
substrings of 3–5 characters) plus texts that match nothing (the worst case for a scan).
Bounded: --queries per kind (default 400) with a --max-seconds cap per kind.
Writes bench/results/scale-<backend>-<time>.json and prints a Markdown table.
"""

import argparse
import json
import random
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402

from brandname import create_app
from brandname.extensions import db  # noqa: E402
from brandname.store import search  # noqa: E402
from brandname.store.models import Brandname  # noqa: E402


def percentile(values, p):
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def measure(label, fn, inputs, max_seconds):
    times = []
    started = time.monotonic()
    for item in inputs:
        t0 = time.perf_counter()
        fn(item)
        times.append((time.perf_counter() - t0) * 1000)
        if time.monotonic() - started > max_seconds:
            break
    return {
        "what": label,
        "n": len(times),
        "p50_ms": round(statistics.median(times), 3),
        "p95_ms": round(percentile(times, 95), 3),
        "p99_ms": round(percentile(times, 99), 3),
        "max_ms": round(max(times), 3),
    }


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--max-seconds", type=float, default=60)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": args.database_url,
            "SECRET_KEY": "bench",
            "DATA_DIR": "/tmp/brandname-bench",
            "CERTS_DIR": "/tmp/brandname-bench/certs",
        }
    )
    rng = random.Random(args.seed)
    with app.app_context():
        session = db.session
        backend = db.engine.dialect.name
        total = session.scalar(select(func.count()).select_from(Brandname))
        max_id = session.scalar(select(func.max(Brandname.id))) or 0
        if total < 1000:
            sys.exit(f"only {total} names; seed the registry first (see the docstring)")
        sample_ids = [rng.randint(1, max_id) for _ in range(args.queries * 3)]
        names = [n for n in session.scalars(select(Brandname.name).where(Brandname.id.in_(sample_ids)))]
        rng.shuffle(names)
        n = args.queries
        prefixes = [name[: rng.randint(1, 4)] for name in names[:n]]
        substrings = []
        for name in names[n : 2 * n]:
            length = rng.randint(3, min(5, len(name)))
            start = rng.randint(0, len(name) - length)
            substrings.append(name[start : start + length])
        # a tenth of substring queries match nothing at all: the slowest case for a scan
        for i in range(0, len(substrings), 10):
            substrings[i] = "".join(rng.choice("QXZJ") for _ in range(4))
        lookups = names[2 * n : 3 * n] or names[:n]
        lookups = [x if i % 10 else f"NOPE{i:06d}" for i, x in enumerate(lookups)]
        pk_ids = [rng.randint(1, max_id) for _ in range(n)]

        def warm():
            for q in prefixes[:20]:
                search.search_names(session, q, mode="prefix")
            for q in substrings[:20]:
                search.search_names(session, q, mode="substring")
            for q in lookups[:20]:
                search.lookup_name(session, q)

        warm()
        results = [
            measure(
                "floor: SELECT 1",
                lambda _: session.execute(text("SELECT 1")).scalar(),
                range(n),
                args.max_seconds,
            ),
            measure(
                "floor: primary-key lookup",
                lambda i: session.execute(
                    select(Brandname.name, Brandname.status).where(Brandname.id == i)
                ).first(),
                pk_ids,
                args.max_seconds,
            ),
            measure(
                "public search, prefix (1-4 chars), page 1 of 20",
                lambda q: search.search_names(session, q, mode="prefix"),
                prefixes,
                args.max_seconds,
            ),
            measure(
                "public search, substring (3-5 chars), page 1 of 20",
                lambda q: search.search_names(session, q, mode="substring"),
                substrings,
                args.max_seconds,
            ),
            measure(
                "carrier lookup by name (exact)",
                lambda q: search.lookup_name(session, q),
                lookups,
                args.max_seconds,
            ),
        ]
        session.rollback()
    out = {
        "backend": backend,
        "names": total,
        "at": datetime.utcnow().isoformat(timespec="seconds") + "Z",
        "queries_per_kind": n,
        "results": results,
        "targets": {"public search p95_ms": 50, "carrier lookup p99_ms": 10},
    }
    folder = ROOT / "bench" / "results"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"scale-{backend}-{datetime.utcnow():%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"\n{backend}, {total:,} names, {n} queries per kind ({path.relative_to(ROOT)})\n")
    print("| measure | n | p50 ms | p95 ms | p99 ms | max ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(f"| {r['what']} | {r['n']} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | {r['max_ms']} |")
    search_p95 = max(r["p95_ms"] for r in results if r["what"].startswith("public search"))
    lookup_p99 = [r["p99_ms"] for r in results if r["what"].startswith("carrier")][0]
    print(
        f"\npublic search p95 {search_p95} ms (target ≤ 50): {'OK' if search_p95 <= 50 else 'MISSED'}; "
        f"carrier lookup p99 {lookup_p99} ms (target ≤ 10): {'OK' if lookup_p99 <= 10 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
