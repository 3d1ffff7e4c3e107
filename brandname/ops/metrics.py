"""Prometheus metrics: what happens inside the process (request latency, carrier checks) and what
the registry holds (acts, dossiers awaiting a decision, the mail outbox, the signed snapshot).

In-process instruments are prometheus_client metrics. Under gunicorn every worker is its own
process, so they run in prometheus_client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR, set up by
gunicorn_conf before any worker imports this module): each worker writes its values to files in
that folder and a scrape, whichever worker answers it, adds them all up.

What the registry holds is read from the database when /metrics is scraped (RegistryCollector),
never counted in the workers: the database is the one place every worker and host agrees on,
and requests pay nothing for it. No Flask here; brandname/web/metrics.py serves the endpoint.
"""

import base64
import json
import logging
import os
import threading
import time
from collections import Counter as Tally
from datetime import datetime
from pathlib import Path

import prometheus_client
from prometheus_client import REGISTRY, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from sqlalchemy import and_, case, func, select

from brandname.carriers import feed
from brandname.notifications import MAX_ATTEMPTS
from brandname.ops import metrics_files
from brandname.rules import dates
from brandname.store.models import Application, Event, Outbox

log = logging.getLogger(__name__)

# No `_created` series: they double the series count, and multiprocess mode has none anyway, so a
# single process and gunicorn expose the same names.
prometheus_client.disable_created_metrics()

# Carrier lookups take well under a millisecond, page views tens of milliseconds, a snapshot
# build seconds: the buckets span all three.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

REQUEST_SECONDS = Histogram(
    "brandname_http_request_duration_seconds",
    "Time to answer an HTTP request, by route (the URL rule, never the raw path), method and status class.",
    ["route", "method", "status_class"],
    buckets=LATENCY_BUCKETS,
)
CARRIER_CHECKS = Counter(
    "brandname_carrier_checks_total",
    "Names checked by carriers, by route (lookup: GET /api/v1/brandnames/<name>; verify: each item of "
    "POST /api/v1/verify) and result.",
    ["route", "result"],
)
CARRIER_RESULTS = (
    "deliverable",
    "not_registered",
    "reserved",
    "expired",
    "revoked",
    "channel_not_certified",
    "holder_mismatch",
)
VERIFY_ONLY = ("channel_not_certified", "holder_mismatch")  # a lookup names no sender nor channel

# Label children looked up once: .labels() validates and locks on every call, a dict get does not.
_latency_children = {}
_check_children = {}
for _route in ("lookup", "verify"):
    for _result in CARRIER_RESULTS:
        if _route == "lookup" and _result in VERIFY_ONLY:
            continue  # a lookup names no sender nor channel, so it never has these results
        # created up front so that every series exists (as 0) before its first event
        _check_children[_route, _result] = CARRIER_CHECKS.labels(_route, _result)

KNOWN_METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))


def observe_request(route, method, status, seconds):
    """Record one request. `route` is the URL rule (None when nothing matched); any other method
    than the usual ones is 'other', so clients cannot add label values at will."""
    key = (route or "unmatched", method if method in KNOWN_METHODS else "other", f"{status // 100}xx")
    child = _latency_children.get(key)
    if child is None:
        child = _latency_children[key] = REQUEST_SECONDS.labels(*key)
    child.observe(seconds)


def _count_check(route, result, amount=1):
    child = _check_children.get((route, result))
    if child is None:
        child = _check_children[route, result] = CARRIER_CHECKS.labels(route, result)
    child.inc(amount)


def carrier_lookup(record, today):
    """Count one GET /api/v1/brandnames/<name> by what it told the carrier (the record is the one
    the route answers with, None for a name never registered or released; `today` is the Hanoi
    day the route answered for)."""
    if record is None:
        result = "not_registered"
    else:
        status = feed.effective_status(record, today)
        result = "deliverable" if status == "active" else status
    _count_check("lookup", result)


def carrier_verified(results):
    """Count the items of one POST /api/v1/verify answer by reason ('ok' counts as deliverable)."""
    for reason, amount in Tally(r["reason"] for r in results).items():
        _count_check("verify", "deliverable" if reason == "ok" else reason, amount)


def multiprocess_mode():
    """Whether this process's metric values live in PROMETHEUS_MULTIPROC_DIR files (decided by
    prometheus_client when it was first imported)."""
    return bool(getattr(prometheus_client.values.ValueClass, "_multiprocess", False))


class _Families:
    """A collector made of other collectors and ready-made metric families (generate_latest only
    needs collect())."""

    def __init__(self, collectors, families):
        self.collectors, self.families = collectors, families

    def collect(self):
        for collector in self.collectors:
            yield from collector.collect()
        yield from self.families


def exposition(families, accept=None):
    """(body, content type) of this process's (or, in multiprocess mode, every worker's)
    instruments followed by `families`, in the format the scraper's Accept header asks for (the
    Prometheus text format unless it asks for OpenMetrics)."""
    if multiprocess_mode():
        source = _Families([], metrics_files.collect(os.environ["PROMETHEUS_MULTIPROC_DIR"]) + list(families))
    else:
        source = _Families([REGISTRY], families)
    encoder, content_type = choose_encoder(accept)
    return encoder(source), content_type


def _manifest_time(manifest_path):
    """Signing time of a snapshot manifest (the `time` in its JWS payload), as a Unix time; the
    file's modification time if the payload cannot be read."""
    token = manifest_path.read_text()
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return datetime.fromisoformat(claims["time"].replace("Z", "+00:00")).timestamp()
    except (IndexError, KeyError, TypeError, ValueError):
        return manifest_path.stat().st_mtime


class RegistryCollector:
    """Metric families read from the database and the snapshot folder at scrape time.

    Acts are counted from the event log incrementally: events are append-only and their sequence
    numbers are handed out under a row lock held until commit, so the events visible up to the
    head form a gap-free prefix, and only events after the last head seen need counting. The first
    scrape of a process counts the whole log once; the other queries read small, indexed sets
    (applications awaiting a decision, unsent mails).
    """

    def __init__(self, snapshot_folder):
        self.snapshot_folder = Path(snapshot_folder)
        self._acts = Tally()
        self._head = 0
        self._lock = threading.Lock()

    def _count_acts(self, conn):
        head = conn.execute(select(func.coalesce(func.max(Event.seq), 0))).scalar_one()
        with self._lock:
            if head < self._head:  # a restored or recreated database: count again from the start
                self._acts, self._head = Tally(), 0
            if head > self._head:
                rows = conn.execute(
                    select(Event.act, func.count())
                    .where(Event.seq > self._head, Event.seq <= head)
                    .group_by(Event.act)
                )
                for act, amount in rows:
                    self._acts[act] += amount
                self._head = head
            return head, dict(self._acts)

    def _database_families(self, engine, now):
        with engine.connect() as conn:
            head, acts = self._count_acts(conn)
            awaiting, overdue = conn.execute(
                select(
                    func.count(),
                    func.coalesce(
                        func.sum(
                            case(
                                (
                                    and_(
                                        Application.decision_due_at < now,
                                        # waiting for more documents: the clock is stopped
                                        Application.documents_requested_at.is_(None),
                                    ),
                                    1,
                                ),
                                else_=0,
                            )
                        ),
                        0,
                    ),
                ).where(Application.status == "submitted")
            ).one()
            left = Outbox.attempts < MAX_ATTEMPTS
            unsent, failed, retrying, oldest = conn.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(case((Outbox.attempts >= MAX_ATTEMPTS, 1), else_=0)), 0),
                    func.coalesce(
                        func.sum(case((and_(left, Outbox.last_error.is_not(None)), 1), else_=0)), 0
                    ),
                    func.min(case((left, Outbox.created_at))),
                ).where(Outbox.sent_at.is_(None))
            ).one()
        acts_family = CounterMetricFamily(
            "brandname_acts", "Acts recorded in the event log, by act (one event per act).", labels=["act"]
        )
        for act in sorted(acts):
            acts_family.add_metric([act], acts[act])
        yield acts_family
        yield GaugeMetricFamily(
            "brandname_event_log_head", "Sequence number of the newest event in the event log.", value=head
        )
        yield GaugeMetricFamily(
            "brandname_applications_awaiting_decision",
            "Applications (dossiers) submitted and not yet decided.",
            value=awaiting,
        )
        yield GaugeMetricFamily(
            "brandname_applications_overdue",
            "Applications awaiting a decision whose decision deadline (decision_due_at) has passed.",
            value=overdue,
        )
        mails = GaugeMetricFamily(
            "brandname_outbox_mails",
            "Unsent mails in the outbox: queued (not tried yet), retrying (last attempt failed, attempts "
            f"left), failed (given up after {MAX_ATTEMPTS} attempts).",
            labels=["state"],
        )
        mails.add_metric(["queued"], unsent - failed - retrying)
        mails.add_metric(["retrying"], retrying)
        mails.add_metric(["failed"], failed)
        yield mails
        oldest_age = GaugeMetricFamily(
            "brandname_outbox_oldest_unsent_age_seconds",
            "Age of the oldest mail still to be sent (0 when none waits).",
        )
        oldest_age.add_metric([], max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
        yield oldest_age

    def _snapshot_families(self):
        age = GaugeMetricFamily(
            "brandname_snapshot_age_seconds",
            "Seconds since the newest cached signed snapshot's manifest was signed (absent before the "
            "first snapshot).",
        )
        seq = GaugeMetricFamily(
            "brandname_snapshot_seq", "Event sequence number the newest cached signed snapshot is at."
        )
        found = feed.cached_snapshots(self.snapshot_folder)
        if found:
            newest_seq, _, manifest = found[0]
            try:
                age.add_metric([], max(0.0, time.time() - _manifest_time(manifest)))
                seq.add_metric([], newest_seq)
            except OSError:  # pruned by a concurrent build between the listing and the read
                pass
        return [age, seq]

    def families(self, engine, now=None):
        """Every family, read now. A database that does not answer gives brandname_database_up 0
        and leaves the database families out, so the scrape itself still succeeds."""
        now = now or dates.utcnow()
        out = []
        try:
            out.extend(self._database_families(engine, now))
            up = 1
        except Exception:  # noqa: BLE001 - reported as a metric, never as a failed scrape
            log.warning("metrics: the database did not answer", exc_info=True)
            out, up = [], 0
        out.append(
            GaugeMetricFamily(
                "brandname_database_up", "1 if the database answered the metrics queries.", value=up
            )
        )
        out.extend(self._snapshot_families())
        return out
