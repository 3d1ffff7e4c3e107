"""Shared bench plumbing: a data folder, registry keys, a seeded database that is reused."""

import os
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, func, select

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from brandname.certificates.signing import KeyStore  # noqa: E402
from brandname.store.models import Brandname  # noqa: E402

WORK = Path(os.environ.get("BENCH_DIR", "/tmp/brandname-bench"))


def keys():
    certs = WORK / "certs"
    store, _ = KeyStore.ensure(certs)
    return store


def database(count, url=None, label="names"):
    """(engine, url) of a database holding `count` bench names; seeded once, then reused."""
    from seed import seed  # bench/seed.py

    WORK.mkdir(parents=True, exist_ok=True)
    url = url or f"sqlite:///{WORK / f'{label}-{count}.sqlite3'}"
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            have = conn.execute(select(func.count()).select_from(Brandname)).scalar()
    except Exception:  # noqa: BLE001 - no schema yet
        have = 0
    if have != count:
        if have:
            raise SystemExit(f"{url} holds {have} names, not {count}; remove it first")
        print(f"seeding {count:,} names into {url} …", flush=True)
        t = time.perf_counter()
        seed(engine, keys(), count, log=lambda m: print(m, flush=True))
        if engine.dialect.name == "postgresql":
            # planner statistics for the bulk-loaded tables: without them (autovacuum off, or not
            # yet run) PostgreSQL plans the name lookups on default estimates
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE")
        print(f"seeded in {time.perf_counter() - t:.0f} s", flush=True)
    return engine, url
