"""Bench 3: build the carrier snapshot at 1M names (target ≤ 10 s) and its peak memory.

    python bench/bench_snapshot.py [--names 1000000] [--database-url URL]

Seeds once into $BENCH_DIR (default /tmp/brandname-bench), then runs each build in a fresh
process so its peak RSS (ru_maxrss) is the build's alone.
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time

import common  # noqa: F401 - sets sys.path

from brandname.carriers import feed


def build_only(url, folder):
    from sqlalchemy import create_engine

    engine = create_engine(url)
    store = common.keys()
    t = time.perf_counter()
    path, _, payload = feed.build_snapshot(engine, store, folder)
    seconds = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": round(seconds, 2),
                "peak_rss_mb": round(rss),
                "count": payload["count"],
                "size_mb": round(payload["size"] / 1e6, 1),
                "seq": payload["seq"],
            }
        )
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--names", type=int, default=1_000_000)
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--build-only", nargs=2, metavar=("URL", "FOLDER"))
    args = parser.parse_args()
    if args.build_only:
        return build_only(*args.build_only)
    _, url = common.database(args.names, args.database_url, label="snapshot")
    results = []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory(dir=common.WORK) as folder:
            out = subprocess.run(
                [sys.executable, __file__, "--build-only", url, folder],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
        print(f"run {run + 1}: {results[-1]}", flush=True)
    best = min(results, key=lambda r: r["seconds"])
    print(
        json.dumps(
            {
                "bench": "snapshot",
                "names_in_db": args.names,
                "backend": url.split(":")[0],
                "best_seconds": best["seconds"],
                "peak_rss_mb": max(r["peak_rss_mb"] for r in results),
                "lines": best["count"],
                "file_mb": best["size_mb"],
                "target_seconds": 10,
            }
        )
    )


if __name__ == "__main__":
    main()
