"""Where the carrier client's memory goes: the size of each structure of its index at N names.

    python bench/bench_carrier_memory.py [--names 1000000] [--database-url URL]

The registry serves the bench database (bench/seed.py, cached under $BENCH_DIR) over HTTP from
this process; a child process syncs a client from nothing into a temporary folder, and a second
child loads that local state and sizes each dict or set of the index with `sys.getsizeof` over
the container and everything it holds, each object counted once (in the first structure that
reaches it). Run with PYTHONPATH=carrier-client/src to measure the working copy of the client
rather than an installed one.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time

STRUCTURES = (
    "deliverable",
    "expired",
    "others",
    "senders",
    "channels",
    "individuals",
    "resembling",
    "targets",
    "allowed",
    "_slots",
    "_days",
)


def deep_size(obj, seen):
    todo, total = [obj], 0
    while todo:
        o = todo.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        total += sys.getsizeof(o)
        if isinstance(o, dict):
            todo.extend(o.keys())
            todo.extend(o.values())
        elif isinstance(o, (list, tuple, set, frozenset)):
            todo.extend(o)
    return total


def child_sizes(folder):
    from bench_carrier_client import peak_rss_mb

    from brandname_carrier import CarrierClient

    index = CarrierClient(directory=folder)._index
    seen, out = set(), {"load_peak_rss_mb": peak_rss_mb()}
    for name in STRUCTURES:
        structure = getattr(index, name)
        out[name] = {"entries": len(structure), "mb": round(deep_size(structure, seen) / 2**20)}
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--names", type=int, default=1_000_000)
    parser.add_argument("--database-url")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child_sizes(args.child)))
        return

    import common
    from werkzeug.serving import WSGIRequestHandler, make_server

    from brandname import create_app
    from brandname.carriers import keys as carriers
    from brandname.extensions import db

    _, url = common.database(args.names, args.database_url, label="snapshot")
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
        _, key = carriers.create_carrier(db.session, f"bench-memory-{time.time_ns()}")
    quiet = type("Quiet", (WSGIRequestHandler,), {"log_request": lambda *a, **k: None})
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    folder = f"{work}/carrier"
    try:
        sync = (
            "from brandname_carrier import CarrierClient; "
            f"CarrierClient({f'http://127.0.0.1:{server.server_port}'!r}, key={key!r}, "
            f"directory={folder!r}).sync()"
        )
        subprocess.run([sys.executable, "-c", sync], check=True)
        server.shutdown()
        done = subprocess.run(
            [sys.executable, __file__, "--child", folder], capture_output=True, text=True, check=True
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps({"bench": "carrier_memory", "names": args.names, **json.loads(done.stdout)}))


if __name__ == "__main__":
    main()
