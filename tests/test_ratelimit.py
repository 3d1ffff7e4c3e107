"""Rate-limit storage: the swept in-memory storage, and Redis when it is reachable."""

import socket
import time
import uuid

import pytest
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from brandname import create_app
from brandname.carriers import keys as carriers
from brandname.web.ratelimit import SweptMemoryStorage


def test_swept_memory_storage_counts_and_forgets():
    storage = storage_from_string("brandname-memory://")
    assert isinstance(storage, SweptMemoryStorage)
    storage.SWEEP_SECONDS = 0.05
    limiter = FixedWindowRateLimiter(storage)
    item = parse("2 per second")
    assert limiter.hit(item, "k") and limiter.hit(item, "k")
    assert not limiter.hit(item, "k")
    assert limiter.hit(item, "other")  # another key has its own allowance
    assert storage.storage
    time.sleep(1.2)
    assert storage._sweeper.is_alive()
    assert not storage.storage and not storage.expirations  # swept once the window passed
    assert limiter.hit(item, "k")


def _redis_up():
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_carrier_limit_in_redis(app, tmp_path, session, registry_helper):
    registry_helper.issue("VietSun")
    _, key = carriers.create_carrier(session, "Redis Carrier")
    other = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "DATA_DIR": str(tmp_path / "d2"),
            "CERTS_DIR": app.config["CERTS_DIR"],
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/14",
            "RATELIMIT_KEY_PREFIX": f"bn-test-{uuid.uuid4().hex}",
            "CARRIER_RATE_LIMIT": "2 per minute",
        }
    )
    client = other.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    assert [client.get("/api/v1/brandnames/VIETSUN", headers=headers).status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]


class CountingStorage:
    """A shared-storage stand-in that counts the calls made to it; `expire()` ends the window."""

    def __init__(self):
        self.values, self.calls = {}, 0

    def incr(self, key, expiry, amount=1):
        self.calls += 1
        self.values[key] = self.values.get(key, 0) + amount
        return self.values[key]

    def expire(self):
        self.values.clear()


def test_batched_counts_are_exact_for_small_limits_and_cheap_for_large_ones():
    from brandname.web.api.carrier import BatchedCounts

    small, storage = BatchedCounts(interval=3600), CountingStorage()
    assert [small.hit(storage, "k", 3, 60) for _ in range(5)] == [True, True, True, False, False]
    assert storage.calls == 5  # batch of 1: every request goes to the shared counter
    big, storage = BatchedCounts(interval=3600), CountingStorage()
    results = [big.hit(storage, "k", 3200, 60) for _ in range(3300)]  # batch of 64
    assert all(results[:3200]) and not any(results[3200:])  # refusals are decided on the shared total
    assert storage.calls <= 3200 // 64 + 100 + 1  # one call per batch, then one per refused request
    assert storage.values["k"] == 3300  # nothing is lost


def test_batched_counts_across_workers_overshoot_at_most_workers_times_batch():
    from brandname.web.api.carrier import BatchedCounts

    storage = CountingStorage()
    workers = [BatchedCounts(interval=3600) for _ in range(4)]
    limit = 5000  # batch of 100
    allowed = sum(w.hit(storage, "k", limit, 60) for _ in range(2000) for w in workers)
    assert limit <= allowed <= limit + 4 * 100
    assert storage.values["k"] >= allowed


def test_batched_counts_a_new_window_is_not_refused_on_the_old_total():
    from brandname.web.api.carrier import BatchedCounts

    counts, storage = BatchedCounts(interval=3600), CountingStorage()
    assert sum(counts.hit(storage, "k", 500, 1) for _ in range(600)) == 500
    storage.expire()  # the shared window ends
    assert all(counts.hit(storage, "k", 500, 1) for _ in range(500))
    assert not counts.hit(storage, "k", 500, 1)


def test_batched_counts_flush_after_the_interval():
    from brandname.web.api.carrier import BatchedCounts

    counts, storage = BatchedCounts(interval=0.05), CountingStorage()
    counts.hit(storage, "k", 100_000, 60)
    counts.hit(storage, "k", 100_000, 60)
    assert storage.values["k"] == 1  # the second waits for its batch ...
    time.sleep(0.06)
    counts.hit(storage, "k", 100_000, 60)
    assert storage.values["k"] == 3  # ... or for the interval


def test_local_counts_are_exact_per_window():
    from brandname.web.api.carrier import LocalCounts

    counts = LocalCounts()
    results = [counts.hit("k", 1000, 0.3) for _ in range(1005)]
    assert all(ok for ok, _ in results[:1000]) and not any(ok for ok, _ in results[1000:])
    assert 0 < results[-1][1] <= 0.3  # seconds until the window ends, for Retry-After
    assert counts.hit("other", 1000, 0.3)[0]  # another key has its own allowance
    time.sleep(0.35)
    assert counts.hit("k", 1000, 0.3)[0]  # a new window


def test_local_counts_stay_bounded():
    from brandname.web.api.carrier import LocalCounts

    counts = LocalCounts()
    counts.MAX_KEYS = counts._sweep_at = 10
    for i in range(25):
        counts.hit(f"k{i}", 5, 0.01)
    time.sleep(0.02)
    for i in range(25):
        counts.hit(f"n{i}", 5, 60)
    assert not any(k.startswith("k") for k in counts._windows)  # closed windows were dropped
    assert len(counts._windows) == 25  # open ones are kept: their counts still matter


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_carrier_limit_in_redis_larger_limit(app, tmp_path, session, registry_helper):
    registry_helper.issue("VietSun")
    _, key = carriers.create_carrier(session, "Redis Carrier 2")
    other = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "DATA_DIR": str(tmp_path / "d3"),
            "CERTS_DIR": app.config["CERTS_DIR"],
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/14",
            "RATELIMIT_KEY_PREFIX": f"bn-test-{uuid.uuid4().hex}",
            "CARRIER_RATE_LIMIT": "100 per minute",
        }
    )
    client = other.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    codes = [client.get("/api/v1/brandnames/VIETSUN", headers=headers).status_code for _ in range(110)]
    assert codes[:100] == [200] * 100 and codes[-5:] == [429] * 5
