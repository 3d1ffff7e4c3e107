"""Availability bench (run by hand): `GET /api/v1/availability` at 1M registered names, beside a
bare endpoint of the same app in the same run.

    python bench/bench_availability.py                       # SQLite in $BENCH_DIR, 1M names
    python bench/bench_availability.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/avail

The registry is seeded once (reused by later runs) with realistic Vietnamese-looking names —
syllables, a business word, sometimes digits — in bulk through SQLAlchemy Core, each with its
two keys, plus a watch-list of banks, carriers, state bodies and sensitive words. Only the
brandnames table matters to this check, so no certificates or events are made.

Asked names, in equal parts: registered names, one-edit mutations of registered names (near
misses and sound-alikes: the answers with the most warnings) and fresh names. Each request goes
through the Flask test client (routing, the availability query, JSON), the rate limit off; the
floor is a bare JSON route on the same app, measured in alternating rounds so machine load hits
both alike. Writes bench/results/availability-<backend>-<time>.json and prints a table.
"""

import argparse
import json
import logging
import os
import random
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from flask import jsonify  # noqa: E402
from sqlalchemy import create_engine, func, insert, select  # noqa: E402

from brandname.rules import names as name_rules  # noqa: E402
from brandname.rules.confusion import plain  # noqa: E402
from brandname.store.models import Base, Brandname, Holder, WatchEntry  # noqa: E402

WORK = Path(os.environ.get("BENCH_DIR", "/tmp/brandname-bench"))
NOW = datetime(2026, 12, 1, 9, 0)

SYLLABLES = (
    "AN BAO BINH CHAU CUONG DAT DUC GIA HA HAI HOA HUNG KHANG KIM LAM LINH LONG MAI MINH NAM NGOC "
    "PHAT PHU QUANG SON TAM TAN THANH THIEN TIN TRUNG TUAN VIET VINH XUAN HOANG HUY KHOA LOC NHAT "
    "PHONG QUOC SANG THAI THINH TRI VAN YEN DUONG GIANG HAU KHANH LUAN NGHIA PHUC SAO TOAN"
).split()
WORDS = ("", "", "", "BANK", "SHOP", "MART", "TECH", "VN", "PAY", "FOOD", "LAND", "CARE", "GROUP")
WATCH = [("VIETCOMBANK", "bank"), ("TECHCOMBANK", "bank"), ("AGRIBANK", "bank"), ("VIETINBANK", "bank")]
WATCH += [("BIDV", "bank"), ("SACOMBANK", "bank"), ("VPBANK", "bank"), ("MBBANK", "bank")]
WATCH += [
    ("VIETTEL", "carrier"),
    ("VINAPHONE", "carrier"),
    ("MOBIFONE", "carrier"),
    ("VIETNAMOBILE", "carrier"),
]
WATCH += [("BOCONGAN", "state"), ("CHINHPHU", "state"), ("THUEVN", "state"), ("BHXH", "state")]
WATCH += [("LUADAO", "sensitive"), ("CHUIBOI", "sensitive"), ("DITME", "sensitive"), ("CAVE", "sensitive")]


def make_names(count, rng):
    """`count` distinct names; a name already made gets digits, as real holders do."""
    seen, out = set(), []
    while len(out) < count:
        name = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((1, 2, 2, 3)))) + rng.choice(WORDS)
        if rng.random() < 0.25 or name in seen:
            name = name[:8] + str(rng.randint(1, 999))
        if len(name) > 11 or name in seen:
            continue
        seen.add(name)
        out.append(name.title() if rng.random() < 0.2 else name)
    return out


def database(count, url):
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    with engine.connect() as conn:
        have = conn.execute(select(func.count()).select_from(Brandname)).scalar()
    if have == count:
        return engine
    if have:
        raise SystemExit(f"{url} holds {have} names, not {count}; remove it first")
    print(f"seeding {count:,} names into {url} …", flush=True)
    t = time.perf_counter()
    names = make_names(count, random.Random(1))
    with engine.begin() as conn:
        conn.execute(
            insert(Holder),
            [
                {
                    "kind": "organization",
                    "name": "Công ty Bench",
                    "id_number": "0100000001",
                    "address": "Hà Nội",
                    "email": "bench@example.vn",
                    "phone": "0241234567",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            ],
        )
        holder = conn.execute(select(Holder.id)).scalar()
        for start in range(0, count, 20_000):
            conn.execute(
                insert(Brandname),
                [
                    {
                        "name": n,
                        "name_normal": name_rules.normal_form(n),
                        **name_rules.keys(n),
                        "holder_id": holder,
                        "status": "active",
                        "use_sms": True,
                        "use_voice": False,
                        "purpose": "",
                        "reserved_at": NOW,
                    }
                    for n in names[start : start + 20_000]
                ],
            )
        conn.execute(
            insert(WatchEntry),
            [
                {
                    "name": n,
                    "name_normal": plain(n),
                    **name_rules.keys(n),
                    "category": c,
                    "note": "",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for n, c in WATCH
            ],
        )
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    print(f"seeded in {time.perf_counter() - t:.0f} s", flush=True)
    return engine


def mutate(name, rng):
    letters = "ABCDEFGHIKLMNOPQRSTUVXY"
    i = rng.randrange(len(name))
    edit = rng.choice(("sub", "ins", "del", "swap"))
    if edit == "sub":
        return name[:i] + rng.choice(letters) + name[i + 1 :]
    if edit == "ins" and len(name) < 11:
        return name[:i] + rng.choice(letters) + name[i:]
    if edit == "swap" and i + 1 < len(name):
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    return name[:i] + name[i + 1 :] if len(name) > 2 else name + "X"


def percentile(values, p):
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def summary(label, times):
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
    parser.add_argument("--names", type=int, default=1_000_000)
    parser.add_argument("--database-url")
    parser.add_argument("--queries", type=int, default=3000, help="asked names (split in rounds)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{WORK / f'availability-{args.names}.sqlite3'}"
    engine = database(args.names, url)
    with engine.connect() as conn:
        registered = (
            conn.execute(select(Brandname.name).order_by(func.random()).limit(args.queries)).scalars().all()
        )
    engine.dispose()

    from brandname import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "DATA_DIR": str(WORK / "data"),
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
            "CERTS_DIR": str(WORK / "certs"),
        }
    )

    logging.disable(logging.INFO)  # the access log would time the terminal, not the registry

    @app.get("/bench/bare")
    def bare():
        return jsonify({"ok": True})

    rng = random.Random(2)
    third = args.queries // 3
    asked = (
        [("registered", n) for n in registered[:third]]
        + [("one edit from a registered name", mutate(n, rng)) for n in registered[third : 2 * third]]
        + [("fresh", n) for n in make_names(args.queries - 2 * third, random.Random(99))]
    )
    rng.shuffle(asked)
    client = app.test_client()
    for _, n in asked[:50]:  # warm up: connections, caches, the first compiled statements
        client.get("/api/v1/availability", query_string={"name": n})
        client.get("/bench/bare")
    times = {"bare": [], "availability": []}
    by_kind, warned = {}, 0
    per_round = max(1, len(asked) // args.rounds)
    for r in range(args.rounds):
        chunk = asked[r * per_round : (r + 1) * per_round]
        for _ in chunk:
            t0 = time.perf_counter()
            client.get("/bench/bare")
            times["bare"].append((time.perf_counter() - t0) * 1000)
        for kind, n in chunk:
            t0 = time.perf_counter()
            answer = client.get("/api/v1/availability", query_string={"name": n})
            elapsed = (time.perf_counter() - t0) * 1000
            assert answer.status_code == 200, answer.data
            warned += bool(answer.get_json()["warnings"])
            times["availability"].append(elapsed)
            by_kind.setdefault(kind, []).append(elapsed)
    rows = [
        summary("bare endpoint (floor)", times["bare"]),
        summary("availability, all", times["availability"]),
    ]
    rows += [summary(f"availability, {kind}", t) for kind, t in sorted(by_kind.items())]
    backend = engine.dialect.name
    result = {
        "backend": backend,
        "names": args.names,
        "watch_entries": len(WATCH),
        "answers_with_warnings": warned,
        "load_average": os.getloadavg(),
        "at": datetime.now().isoformat(timespec="seconds"),
        "rows": rows,
    }
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    path = out / f"availability-{backend}-{datetime.now():%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(result, indent=2))
    print(
        f"\n{args.names:,} names, {backend}, load average {result['load_average']}, "
        f"{warned}/{len(times['availability'])} answers with warnings\n"
    )
    print("| what | n | p50 ms | p95 ms | p99 ms | max ms |\n| --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print(
            f"| {row['what']} | {row['n']} | {row['p50_ms']} | {row['p95_ms']} | {row['p99_ms']} | {row['max_ms']} |"
        )
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
