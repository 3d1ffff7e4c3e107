"""Rate-limit storage: the swept in-memory storage, and Redis when it is reachable."""
import socket
import time
import uuid

import pytest
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from brandname import carriers, create_app
from brandname.ratelimit import SweptMemoryStorage


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
    other = create_app({
        "TESTING": True, "SECRET_KEY": "t", "DATA_DIR": str(tmp_path / "d2"), "CERTS_DIR": app.config["CERTS_DIR"],
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/14",
        "RATELIMIT_KEY_PREFIX": f"bn-test-{uuid.uuid4().hex}", "CARRIER_RATE_LIMIT": "2 per minute"})
    client = other.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    assert [client.get("/api/v1/brandnames/VIETSUN", headers=headers).status_code for _ in range(3)] == [200, 200, 429]
