"""Bench 1: GET /api/v1/brandnames/<random name> under gunicorn (production configuration, 100k
names seeded) against a bare endpoint of the same app, in the same run (target ratio ≥ 0.8).

    python bench/bench_carrier_http.py [--names 100000] [--seconds 8] [--redis]

Load comes from wrk on loopback when installed (apt-get install wrk), else from a bounded
Python generator (threads with keep-alive http.client connections). Rounds alternate
bare / name so drift on a shared machine hits both alike; the median of the per-round ratios
is reported next to the ratio of mean throughputs.

Then, in the same server, bulk verification: POST /api/v1/verify with batches of --verify-batch
(1000) random live names, reported in names per second next to the single-name route's names
per second (one name per request) from the rounds above (--verify-rounds 0 skips it).
"""

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import common

HERE = Path(__file__).resolve().parent
LUA = """
local names = {}
for line in io.lines(os.getenv("BENCH_NAMES")) do names[#names + 1] = line end
local fixed = os.getenv("BENCH_PATH")
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")
math.randomseed(os.time() + math.floor(os.clock() * 1000000))
request = function()
  if fixed ~= nil and fixed ~= "" then return wrk.format("GET", fixed) end
  return wrk.format("GET", "/api/v1/brandnames/" .. names[math.random(#names)])
end
"""
# one JSON body per line of BENCH_BODIES, posted in random order
VERIFY_LUA = """
local bodies = {}
for line in io.lines(os.getenv("BENCH_BODIES")) do bodies[#bodies + 1] = line end
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")
wrk.headers["Content-Type"] = "application/json"
math.randomseed(os.time() + math.floor(os.clock() * 1000000))
request = function()
  return wrk.format("POST", "/api/v1/verify", nil, bodies[math.random(#bodies)])
end
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def server_cpu_seconds(master_pid):
    """User + system CPU of the gunicorn workers (children of the master), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    except OSError:
        return 0.0
    for pid in children:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


def worker_rss_mb(master_pid):
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    except OSError:
        return []
    out = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                out.append(round(int(line.split()[1]) / 1024))
    return out


def run_wrk(port, seconds, env, connections):
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            env["BENCH_LUA"],
            f"http://127.0.0.1:{port}",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def pct(p):
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)\b", out)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50_ms": pct(50),
        "p99_ms": pct(99),
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
    }


def run_python(port, seconds, env, connections):
    names = Path(env["BENCH_NAMES"]).read_text().split()
    bodies = Path(env["BENCH_BODIES"]).read_text().splitlines() if env.get("BENCH_BODIES") else None
    fixed = env.get("BENCH_PATH")
    headers = {"Authorization": f"Bearer {env['BENCH_KEY']}", "Content-Type": "application/json"}
    latencies, errors, stop = [], [0], time.time() + seconds

    def worker(seed):
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port)
        mine = []
        while time.time() < stop:
            path = fixed or f"/api/v1/brandnames/{rng.choice(names)}"
            t = time.perf_counter()
            if bodies:
                conn.request("POST", "/api/v1/verify", body=rng.choice(bodies), headers=headers)
            else:
                conn.request("GET", path, headers=headers)
            r = conn.getresponse()
            r.read()
            mine.append(time.perf_counter() - t)
            if r.status >= 400 and r.status != 404:
                errors[0] += 1
        latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    q = statistics.quantiles(latencies, n=100)
    return {
        "rps": len(latencies) / seconds,
        "requests": len(latencies),
        "p50_ms": q[49] * 1000,
        "p99_ms": q[98] * 1000,
        "non_2xx": errors[0],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--names", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--database-url", help="e.g. postgresql+psycopg://postgres@127.0.0.1/bench (SQLite file otherwise)"
    )
    parser.add_argument("--redis", action="store_true", help="rate-limit storage in Redis (REDIS_URL)")
    parser.add_argument("--python-load", action="store_true", help="use the Python generator, not wrk")
    parser.add_argument("--verify-rounds", type=int, default=3, help="rounds of POST /verify (0: none)")
    parser.add_argument("--verify-batch", type=int, default=1000, help="names per POST /verify")
    args = parser.parse_args()
    _, url = common.database(args.names, args.database_url, label="http")
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
    if args.redis:
        env["REDIS_URL"] = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
        env["BRANDNAME_RATELIMIT_PREFIX"] = f"bench-{os.getpid()}"
    key = (
        subprocess.run(
            [
                sys.executable,
                "-c",
                (
                    "import bench_wsgi, time\n"
                    "from brandname.carriers import keys as carriers\nfrom brandname.extensions import db\n"
                    "with bench_wsgi.app.app_context():\n"
                    "    print(carriers.create_carrier(db.session, f'bench-{time.time_ns()}')[1])"
                ),
            ],
            cwd=HERE,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    with create_engine(url).connect() as conn:
        names = [r[0] for r in conn.execute(text("SELECT name FROM brandnames WHERE status != 'released'"))]
    names_file = work / "names.txt"
    names_file.write_text("\n".join(names) + "\n")
    lua = work / "bench.lua"
    lua.write_text(LUA)
    rng = random.Random(7)
    bodies_file = work / "verify-bodies.jsonl"
    bodies_file.write_text(
        "".join(
            json.dumps({"items": [{"name": n} for n in rng.sample(names, args.verify_batch)]}) + "\n"
            for _ in range(20)
        )
    )
    verify_lua = work / "verify.lua"
    verify_lua.write_text(VERIFY_LUA)
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "-w",
            str(args.workers),
            "-k",
            "gthread",
            "--threads",
            str(args.threads),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--chdir",
            str(HERE),
            os.environ.get("BENCH_APP", "bench_wsgi:app"),
        ],
        env=env,
        start_new_session=True,
    )
    use_wrk = shutil.which("wrk") and not args.python_load
    load = run_wrk if use_wrk else run_python
    results = {"bare": [], "name": [], "verify": []}
    try:
        wait_up(port)
        base = {**env, "BENCH_NAMES": str(names_file), "BENCH_KEY": key, "BENCH_LUA": str(lua)}
        load(port, 2, {**base, "BENCH_PATH": "/bench/bare"}, args.connections)  # warm up
        load(port, 2, {**base, "BENCH_PATH": ""}, args.connections)
        for _ in range(args.rounds):
            for label, path in (("bare", "/bench/bare"), ("name", "")):
                cpu = server_cpu_seconds(server.pid)
                run = load(port, args.seconds, {**base, "BENCH_PATH": path}, args.connections)
                run["server_cpu_us_per_request"] = round(
                    (server_cpu_seconds(server.pid) - cpu) / max(1, run["requests"]) * 1e6, 1
                )
                results[label].append(run)
        verify_env = {**base, "BENCH_LUA": str(verify_lua), "BENCH_BODIES": str(bodies_file)}
        for _ in range(args.verify_rounds):
            cpu = server_cpu_seconds(server.pid)
            run = load(port, args.seconds, verify_env, args.connections)
            run["server_cpu_us_per_request"] = round(
                (server_cpu_seconds(server.pid) - cpu) / max(1, run["requests"]) * 1e6, 1
            )
            results["verify"].append(run)
        rss = worker_rss_mb(server.pid)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(15)

    def summary(runs):
        return {
            "rps": round(statistics.mean(r["rps"] for r in runs)),
            "p50_ms": round(statistics.median(r["p50_ms"] for r in runs), 2),
            "p99_ms": round(statistics.median(r["p99_ms"] for r in runs), 2),
            "errors": sum(r["non_2xx"] for r in runs),
            "server_cpu_us_per_request": round(
                statistics.median(r["server_cpu_us_per_request"] for r in runs), 1
            ),
        }

    bare, name = summary(results["bare"]), summary(results["name"])
    # each round measures bare then name back to back; the median of the per-round ratios is
    # robust to other load on a shared machine
    ratios = [n["rps"] / b["rps"] for b, n in zip(results["bare"], results["name"])]
    # CPU the server spends per request does not depend on what else runs on the machine:
    # its inverse ratio is the throughput ratio of a CPU-bound server
    cpu_ratio = bare["server_cpu_us_per_request"] / max(0.1, name["server_cpu_us_per_request"])
    verify = None
    if results["verify"]:
        per_name = (
            statistics.median(r["server_cpu_us_per_request"] for r in results["verify"]) / args.verify_batch
        )
        verify = {
            "batch": args.verify_batch,
            "names_per_second": round(
                statistics.mean(r["rps"] for r in results["verify"]) * args.verify_batch
            ),
            "single_name_route_names_per_second": name["rps"],
            "requests_per_second": round(statistics.mean(r["rps"] for r in results["verify"]), 1),
            "p50_ms": round(statistics.median(r["p50_ms"] for r in results["verify"]), 1),
            "p99_ms": round(statistics.median(r["p99_ms"] for r in results["verify"]), 1),
            "errors": sum(r["non_2xx"] for r in results["verify"]),
            "server_cpu_us_per_name": round(per_name, 1),
            "single_name_route_server_cpu_us_per_name": name["server_cpu_us_per_request"],
        }
    print(
        json.dumps(
            {
                "median_round_ratio": round(statistics.median(ratios), 2),
                "server_cpu_ratio": round(cpu_ratio, 2),
                "round_ratios": [round(r, 2) for r in ratios],
                "bench": "carrier_http",
                "names": args.names,
                "load": "wrk" if use_wrk else "python",
                "server": f"gunicorn gthread {args.workers} workers x {args.threads} threads, production config, "
                f"{make_url(url).get_backend_name()}",
                "rate_limit_storage": "redis" if args.redis else "memory",
                "bare": bare,
                "brandname": name,
                "ratio": round(name["rps"] / bare["rps"], 2),
                "target_ratio": 0.8,
                "verify": verify,
                "worker_rss_mb": rss,
                "rounds": results,
            }
        )
    )


if __name__ == "__main__":
    main()
