"""Bench: the transparency log's cost. Appends N events (default 1M) in acts of `--batch` events,
once without the log and once with it (leaves, subtree hashes, a signed checkpoint after every
act), each into a fresh database in the same run; prints the ratio, then the time to compute and
verify an inclusion proof and a consistency proof at N leaves.

    python bench/bench_tlog.py [--events 1000000] [--batch 1000] [--database-url URL]

A PostgreSQL URL is used as a server: each pass creates and drops its own database on it.
"""

import argparse
import json
import random
import statistics
import time
import uuid
from datetime import UTC, datetime

import common  # noqa: F401 - sets sys.path
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from brandname.store.models import Base, Counter, Event
from brandname.transparency import log
from brandname_carrier import merkle, note


def fresh_engine(url, label):
    if url and url.startswith("postgresql"):
        server = make_url(url)
        name = f"bench_tlog_{label}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine = create_engine(server.set(database=name))

        def drop():
            engine.dispose()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE "{name}"'))

    else:
        path = common.WORK / f"tlog-{label}.sqlite3"
        path.unlink(missing_ok=True)
        engine = create_engine(f"sqlite:///{path}")

        def drop():
            engine.dispose()
            path.unlink(missing_ok=True)

    Base.metadata.create_all(engine)
    with Session(engine) as s:
        s.add(Counter(name="event", value=0))
        s.commit()
    return engine, drop


def event_rows(first, count, now):
    # account-style acts (no name): the log's own cost, not the name-state reads it adds per name
    return [
        {
            "seq": first + i,
            "at": now,
            "actor_kind": "system",
            "actor_id": None,
            "actor_label": "bench",
            "act": "bench",
            "subject_type": "registry",
            "subject_id": None,
            "name_normal": None,
            "application_id": None,
            "details": {"n": first + i},
        }
        for i in range(count)
    ]


def run(engine, events, batch, with_log, log_key):
    now = datetime.now(UTC).replace(tzinfo=None)
    t = time.perf_counter()
    with Session(engine) as session:
        for first in range(1, events + 1, batch):
            count = min(batch, events + 1 - first)
            session.execute(text("UPDATE counters SET value = value + :n WHERE name = 'event'"), {"n": count})
            session.execute(insert(Event), event_rows(first, count, now))
            if with_log:
                log.mark_events_written(session)  # the commit hook appends the leaves
            session.commit()
            if with_log:
                log.signed_checkpoint(session, log_key)  # a checkpoint as each act commits
                session.rollback()
    return time.perf_counter() - t


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    log_key = common.keys().log_key("bench.localhost/log")
    results = {"events": args.events, "batch": args.batch}
    for label, with_log in (("floor", False), ("log", True)):
        engine, drop = fresh_engine(args.database_url, label)
        try:
            results[f"{label}_seconds"] = round(run(engine, args.events, args.batch, with_log, log_key), 1)
            if with_log:
                with Session(engine) as session:
                    size, root, signed = log.signed_checkpoint(session, log_key)
                    verifier = note.Verifier.parse(log_key.vkey)
                    assert note.open_checkpoint(signed, verifier).size == size == args.events
                    times = []
                    for index in random.sample(range(size), 50):
                        t = time.perf_counter()
                        proof = log.inclusion(session, index, size)
                        leaf = merkle.leaf_hash(bytes(session.get(log.LogEntry, index).entry))
                        merkle.verify_inclusion(index, size, leaf, proof, root)
                        times.append(time.perf_counter() - t)
                    results["inclusion_proof_ms_median"] = round(statistics.median(times) * 1000, 2)
                    t = time.perf_counter()
                    old = size // 3
                    proof = log.consistency(session, old, size)
                    merkle.verify_consistency(old, size, log.root(session, old), root, proof)
                    results["consistency_proof_ms"] = round((time.perf_counter() - t) * 1000, 2)
        finally:
            drop()
    results["ratio"] = round(results["log_seconds"] / results["floor_seconds"], 2)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
