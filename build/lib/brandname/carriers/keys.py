"""Carrier API keys: creating and revoking them are operator acts, recorded in the event log.

A key looks like `bnk_<8 hex>_<43 url-safe chars>`; the part before the second underscore is
the prefix, kept in clear for identification. Only the SHA-256 of the whole key is stored.
"""

import hashlib
import secrets
import threading
import time

from sqlalchemy import select

from brandname.errors import Conflict, InvalidInput, NotAllowed, NotFound
from brandname.lifecycle import Actor, act, record_event
from brandname.rules import dates
from brandname.store.models import CarrierKey

KEY_PREFIX = "bnk_"


def hash_key(key):
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _new_key():
    prefix = KEY_PREFIX + secrets.token_hex(4)
    return prefix, f"{prefix}_{secrets.token_urlsafe(32)}"


def _clean_name(name):
    name = " ".join((name or "").split())
    if not name or len(name) > 100:
        raise InvalidInput(
            "Tên doanh nghiệp viễn thông phải có từ 1 đến 100 ký tự.",
            "The carrier name must have 1 to 100 characters.",
        )
    return name


@act
def create_carrier(session, name, *, actor=None, now=None):
    """A new API key for carrier NAME; returns (CarrierKey, key). The key is never stored.

    A carrier whose key was revoked gets a fresh key under the same name.
    """
    now = now or dates.utcnow()
    actor = actor or Actor.operator()
    name = _clean_name(name)
    row = session.scalars(select(CarrierKey).where(CarrierKey.name == name).with_for_update()).first()
    if row is not None and row.revoked_at is None:
        raise Conflict(
            f"Doanh nghiệp {name} đã có khóa API đang hiệu lực; hãy thu hồi trước khi cấp khóa mới.",
            f"Carrier {name} already has an active API key; revoke it before making a new one.",
        )
    prefix, key = _new_key()
    replaced = row is not None
    if row is None:
        row = CarrierKey(name=name, created_at=now)
        session.add(row)
    row.key_prefix, row.key_hash, row.created_at, row.revoked_at = prefix, hash_key(key), now, None
    session.flush()
    record_event(
        session,
        actor,
        "create_carrier_key",
        "carrier_key",
        row.id,
        now=now,
        details={"carrier": name, "key_prefix": prefix, "replaced_revoked_key": replaced},
    )
    return row, key


@act
def revoke_carrier(session, name, *, actor=None, now=None):
    """Revoke carrier NAME's key at once (a request with it gets 401)."""
    now = now or dates.utcnow()
    actor = actor or Actor.operator()
    name = _clean_name(name)
    row = session.scalars(select(CarrierKey).where(CarrierKey.name == name).with_for_update()).first()
    if row is None:
        raise NotFound(f"Không có doanh nghiệp viễn thông {name}.", f"No carrier named {name}.")
    if row.revoked_at is not None:
        raise NotAllowed(f"Khóa API của {name} đã bị thu hồi.", f"The API key of {name} is already revoked.")
    row.revoked_at = now
    session.flush()
    record_event(
        session,
        actor,
        "revoke_carrier_key",
        "carrier_key",
        row.id,
        now=now,
        details={"carrier": name, "key_prefix": row.key_prefix},
    )
    _cache.clear()
    return row


class _KeyCache:
    """Key hash -> (carrier id, name) for a few seconds, so a lookup is not one query per request.

    A revocation clears it in the revoking process at once; other workers forget within `ttl`.
    """

    def __init__(self):
        self._data = {}
        self._lock = threading.Lock()

    def get(self, key_hash, ttl):
        hit = self._data.get(key_hash)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        return None

    def put(self, key_hash, value, ttl):
        if ttl <= 0:
            return
        with self._lock:
            if len(self._data) > 10_000:
                self._data.clear()
            self._data[key_hash] = (time.monotonic() + ttl, value)

    def clear(self):
        with self._lock:
            self._data.clear()


_cache = _KeyCache()


def authenticate(session, key, *, cache_seconds=0, digest=None):
    """The (id, name) of the carrier holding this active key, or None."""
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    digest = digest or hash_key(key)
    found = _cache.get(digest, cache_seconds)
    if found is not None:
        return found
    row = session.execute(
        select(CarrierKey.id, CarrierKey.name).where(
            CarrierKey.key_hash == digest, CarrierKey.revoked_at.is_(None)
        )
    ).first()
    if row is None:
        return None
    found = (row.id, row.name)
    _cache.put(digest, found, cache_seconds)
    return found
