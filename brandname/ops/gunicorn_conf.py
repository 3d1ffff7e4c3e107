"""Gunicorn settings for production: `gunicorn -c python:brandname.ops.gunicorn_conf wsgi:app`.

Every value can be overridden by the environment (GUNICORN_CMD_ARGS, or the variables below).
App processes keep no state of their own, so any number of instances can run behind a load
balancer against one PostgreSQL (and one Redis for rate limits when REDIS_URL is set).
"""

import multiprocessing
import os

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
accesslog = os.environ.get("BRANDNAME_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("BRANDNAME_LOG_LEVEL", "info")
# Behind a reverse proxy on the same host: trust its X-Forwarded-* headers only.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "brandname"
