"""`GET /healthz` for load balancers and orchestrators: JSON, 200 when ready, 503 when not.

Checks that the database answers, that the signing key loads and signs (a JWS that verifies),
and, when REDIS_URL is set, that Redis answers. Never shows connection strings or key material.
"""

import time

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from brandname import registry
from brandname.extensions import db

bp = Blueprint("health", __name__)


def _timed(check):
    started = time.perf_counter()
    try:
        info = check() or {}
        info["ok"] = True
    except Exception as exc:  # report, never raise: this endpoint must answer
        info = {"ok": False, "error": type(exc).__name__}
    info["ms"] = round((time.perf_counter() - started) * 1000, 2)
    return info


def _database():
    db.session.execute(text("SELECT 1")).scalar()
    db.session.rollback()
    return {"dialect": db.engine.dialect.name}


def _signing_key():
    keys = registry.keys()
    token = keys.sign(b"healthz", typ="healthz")
    keys.verify(token, b"healthz")
    return {"kid": keys.current_kid}


def _redis():
    import redis

    client = redis.Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()
    return {}


@bp.get("/healthz")
def healthz():
    checks = {"database": _timed(_database), "signing_key": _timed(_signing_key)}
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = _timed(_redis)
    if not checks["database"]["ok"]:
        db.session.rollback()
    ok = all(c["ok"] for c in checks.values())
    response = jsonify({"status": "ok" if ok else "unavailable", "checks": checks})
    response.status_code = 200 if ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response
