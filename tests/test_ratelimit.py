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
    """A shared-storage stand-in that counts the calls made to it."""

    def __init__(self):
        self.values, self.calls = {}, 0

    def incr(self, key, expiry, amount=1):
        self.calls += 1
        self.values[key] = self.values.get(key, 0) + amount
        return self.values[key]


def test_batched_counts_are_exact_for_small_limits_and_cheap_for_large_ones():
    from brandname.web.api.carrier import BatchedCounts

    small, storage = BatchedCounts(interval=3600), CountingStorage()
    item = parse("3 per minute")
    assert [small.hit(storage, item, "k") for _ in range(5)] == [True, True, True, False, False]
    assert storage.calls == 5  # batch of 1: every request goes to the shared counter
    big, storage = BatchedCounts(interval=3600), CountingStorage()
    item = parse("3200 per minute")  # batch of 32
    results = [big.hit(storage, item, "k") for _ in range(3300)]
    assert all(results[:3200]) and not any(results[3233:])
    assert storage.calls <= 3300 // 32 + 1
    assert storage.values[item.key_for("k")] >= 3264  # nothing is lost, only sent later


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
