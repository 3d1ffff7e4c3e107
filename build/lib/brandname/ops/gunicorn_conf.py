"""Gunicorn settings for production: `gunicorn -c python:brandname.ops.gunicorn_conf wsgi:app`.

Every value can be overridden by the environment (GUNICORN_CMD_ARGS, or the variables below).
App processes keep no state of their own, so any number of instances can run behind a load
balancer against one PostgreSQL (and one Redis for rate limits when REDIS_URL is set).
"""

import multiprocessing
import os
import shutil
import sys
import tempfile
from pathlib import Path

from gunicorn import glogging

from brandname.ops import logs
from config import Config

bind = os.environ.get("BRANDNAME_BIND", "127.0.0.1:8000")
# The classic (2 x cores) + 1; threads let a worker overlap database waits.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("BRANDNAME_THREADS", "4"))
timeout = int(os.environ.get("BRANDNAME_WORKER_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (bounded memory), with jitter so they do not restart together.
max_requests = 2000
max_requests_jitter = 200
# Each worker opens its own database pool after the fork (no connection crosses a fork).
preload_app = False
# The app writes one access line per request itself, with its request ID (brandname/ops/logs.py);
# gunicorn's own access log only when asked for.
accesslog = os.environ.get("BRANDNAME_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("BRANDNAME_LOG_LEVEL", "info")
# Behind a reverse proxy on the same host: trust its X-Forwarded-* headers only.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "brandname"

LOG_FORMAT = logs.chosen_format(Config.LOG_FORMAT, Config.PRODUCTION)


class Logger(glogging.Logger):
    """Gunicorn's own lines in the app's format (JSON in production)."""

    def setup(self, cfg):
        super().setup(cfg)
        logs.use_formatter(LOG_FORMAT, self.error_log, self.access_log)


logger_class = Logger

# -- Prometheus multiprocess mode -------------------------------------------------------------
# Each worker writes its metric values to files in PROMETHEUS_MULTIPROC_DIR and /metrics adds up
# every worker's files, so a scrape answered by any worker counts the requests of all of them. The
# variable must be set before a worker first imports prometheus_client, hence here, in the master,
# before the workers are forked. Without it a temporary folder is made for this server's life.
_created_metrics_dir = None


def on_starting(server):
    global _created_metrics_dir
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        # Files left by a previous run would add its counts (and dead workers) to this one's.
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        for pattern in ("*.db", "*.db.partial"):
            for stale in path.glob(pattern):
                stale.unlink()
    else:
        directory = _created_metrics_dir = tempfile.mkdtemp(prefix="brandname-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    if "prometheus_client" in sys.modules:
        server.log.error(
            "prometheus_client was imported before PROMETHEUS_MULTIPROC_DIR was set: "
            "each worker will report only its own metrics"
        )


def child_exit(server, worker):
    # A dead worker's live gauges leave the sums; its counters and histograms stay in them, folded
    # into one archive file so that recycled workers do not pile up files every scrape reads.
    from brandname.ops import metrics_files

    try:
        metrics_files.worker_exited(os.environ["PROMETHEUS_MULTIPROC_DIR"], worker.pid)
    except Exception:  # noqa: BLE001 - the master must keep reaping and spawning workers
        server.log.exception("could not fold the metrics of worker %s", worker.pid)


def on_exit(server):
    if _created_metrics_dir:
        shutil.rmtree(_created_metrics_dir, ignore_errors=True)
