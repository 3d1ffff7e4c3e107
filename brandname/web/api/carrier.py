"""Carrier endpoints: name state, bulk verification, signed snapshot and change feed.

Thin views: the state records, deliverability and signed documents come from
brandname/carriers/feed.py; keys are checked by brandname/carriers/keys.py.
"""

import hashlib
import json
import threading
import time
from datetime import date
from functools import wraps
from pathlib import Path

from flask import Response, current_app, g, jsonify, request, send_file
from limits import parse_many
from limits.storage import MemoryStorage

from brandname import registry
from brandname.carriers import feed, follow
from brandname.carriers import keys as carriers
from brandname.extensions import db, limiter
from brandname.lifecycle import queries
from brandname.ops import metrics
from brandname.rules import dates
from brandname.rules.text import has_control_characters
from brandname.web.api import bp
from brandname.web.input import MAX_JSON_DEPTH

MAX_VERIFY_ITEMS = 1000
MAX_VERIFY_BYTES = 1 << 20
JOSE = "application/jose"


def _error(http_status, code, vi, en, **extra):
    body = {"error": code, "message": vi, "message_en": en}
    body.update(extra)
    return jsonify(body), http_status


def _bearer(environ):
    # straight from the WSGI environ: request.headers builds a header view on every access
    scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def carrier_rate_key(digest, remote_addr=None):
    """Rate-limit bucket: the API key (hashed), so every carrier has its own allowance."""
    if digest:
        return "carrier:" + digest[:32]
    return "anonymous:" + (remote_addr or "?")


class LocalCounts:
    """Exact fixed-window counts in this process, for the in-memory storage.

    The same windows as limits' MemoryStorage (a key's window opens at its first request and lasts
    the limit's period), without its per-call bookkeeping (a lock per key, an expiry table, a
    timer check): this count runs on every carrier request. Expired windows are dropped when
    the table reaches MAX_KEYS (or twice the keys still open at the last clean-up, so a clean-up
    costs amortized constant time), so it stays about as large as the keys seen in one period.
    """

    MAX_KEYS = 10_000

    def __init__(self):
        self._windows = {}  # key -> [window end (monotonic), count]
        self._sweep_at = self.MAX_KEYS
        self._lock = threading.Lock()

    def hit(self, key, amount, seconds):
        """(allowed, seconds until the window ends)."""
        now = time.monotonic()
        with self._lock:
            window = self._windows.get(key)
            if window is None or window[0] <= now:
                if len(self._windows) >= self._sweep_at:
                    self._windows = {k: w for k, w in self._windows.items() if w[0] > now}
                    self._sweep_at = max(self.MAX_KEYS, 2 * len(self._windows))
                window = self._windows[key] = [now + seconds, 0]
            window[1] += 1
            return window[1] <= amount, window[0] - now


class BatchedCounts:
    """Per-key counting against a shared storage (Redis) with local pre-aggregation.

    Each process adds its requests to the shared fixed-window counter in batches (every
    `batch` requests or `interval` seconds, whichever comes first) and decides with the last
    shared total plus its own unsent requests, so most requests cost no network call. The
    batch is 1 for limits under 100 per window (exact counting) and 2 % of the limit above,
    at most MAX_BATCH: several workers may together let through at most (workers x batch)
    requests too many per window, and a process makes at most about 50 calls per window
    for a key however fast it is asked. A refusal is always decided on a fresh shared total
    (the pending requests are sent first), so a count left from an earlier window never
    refuses a request.
    """

    MAX_BATCH = 1000

    def __init__(self, interval=0.1):
        self.interval = interval
        self._state = {}
        self._lock = threading.Lock()

    def hit(self, storage, key, amount, expiry):
        batch = max(1, min(self.MAX_BATCH, amount // 50))
        now = time.monotonic()
        with self._lock:
            state = self._state.get(key)
            if state is None:
                state = self._state[key] = [0, 0, float("-inf")]  # pending, shared total, last flush
                if len(self._state) > 100_000:
                    self._state = {key: state}
            state[0] += 1
            flush = state[0] >= batch or now - state[2] >= self.interval or state[1] + state[0] > amount
            if flush:
                pending, state[0], state[2] = state[0], 0, now
        if not flush:
            return True
        total = storage.incr(key, expiry, amount=pending)  # an outage loses this batch: fail open
        with self._lock:
            state[1] = total
        return total <= amount


_local_counts = LocalCounts()
_batched = BatchedCounts()
_limit_keys = {}


def _limits_for(text, prefix, ident):
    """[(limit item, storage key, period in seconds)] of CARRIER_RATE_LIMIT for one bucket,
    memoized: building limits' key strings costs more than the count itself."""
    found = _limit_keys.get((text, prefix, ident))
    if found is None:
        if len(_limit_keys) > 10_000:
            _limit_keys.clear()
        found = _limit_keys[(text, prefix, ident)] = [
            (item, item.key_for(prefix, "carrier", ident), item.get_expiry()) for item in parse_many(text)
        ]
    return found


def _rate_limited(config, digest):
    """Count this request against its API key's allowance (CARRIER_RATE_LIMIT): exactly in this
    process with the in-memory storage (LocalCounts), in batches against the Flask-Limiter
    instance's shared storage otherwise (BatchedCounts, Redis when REDIS_URL is set). Done here
    rather than through the route decorator, which costs several times more on this hot path.
    Returns a 429 response or None. A storage outage fails open: carriers must always get an
    answer."""
    if not config.get("RATELIMIT_ENABLED", True):
        return None
    ident = carrier_rate_key(digest, None if digest else request.remote_addr)
    limits = _limits_for(
        config.get("CARRIER_RATE_LIMIT", "200 per second"),
        config.get("RATELIMIT_KEY_PREFIX", "brandname"),
        ident,
    )
    try:
        storage = limiter.storage
        local = isinstance(storage, MemoryStorage)
        for item, key, expiry in limits:
            if local:
                allowed, retry_after = _local_counts.hit(key, item.amount, expiry)
            else:
                allowed = _batched.hit(storage, key, item.amount, expiry)
                if not allowed:
                    retry_after = storage.get_expiry(key) - time.time()
            if not allowed:
                response, status = _error(
                    429,
                    "rate_limited",
                    "Quá nhiều yêu cầu với khóa API này; vui lòng thử lại sau.",
                    "Too many requests with this API key; try again later.",
                    limit=str(item),
                )
                response.headers["Retry-After"] = str(max(1, int(retry_after) + 1))
                return response, status
    except Exception:  # noqa: BLE001 - storage unreachable
        current_app.logger.warning("rate-limit storage unavailable; carrier request allowed", exc_info=True)
    return None


def carrier_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        config = current_app.config
        token = _bearer(request.environ)
        digest = carriers.hash_key(token) if token else None
        limited = _rate_limited(config, digest)
        if limited is not None:
            return limited
        found = carriers.authenticate(
            db.session,
            token,
            digest=digest,
            cache_seconds=config.get("CARRIER_KEY_CACHE_SECONDS", 5),
        )
        if found is None:
            response, status = _error(
                401,
                "unauthorized",
                "Thiếu khóa API hoặc khóa không hợp lệ / đã bị thu hồi (Authorization: Bearer <khóa>).",
                "Missing, wrong or revoked API key (Authorization: Bearer <key>).",
            )
            response.headers["WWW-Authenticate"] = 'Bearer realm="brandname"'
            return response, status
        g.carrier_id, g.carrier_name = found
        return view(*args, **kwargs)

    return wrapper


CARRIER_ENDPOINTS = limiter.self_counted


def carrier_route(rule, **options):
    """A carrier endpoint: rate limited per API key, then authenticated."""

    def decorator(view):
        CARRIER_ENDPOINTS.add(f"{bp.name}.{view.__name__}")
        return bp.route(rule, **options)(carrier_required(view))

    return decorator


@limiter.request_filter
def _limited_by_key():
    """Carrier endpoints count against their API key in carrier_required; the Limiter's own
    per-request pass (per-IP defaults) skips them (it is not even run for them, see
    extensions.Limiter; this filter covers any other way the Limiter may come to check them)."""
    return request.endpoint in CARRIER_ENDPOINTS


def _reader(app):
    """The name lookup of this process: a FastReader, behind a NameCache unless
    CARRIER_NAME_CACHE_SIZE is 0."""
    ext = app.extensions
    reader = ext.get("brandname_fast_reader")
    if reader is None:
        reader = feed.FastReader(db.engine)
        size = int(app.config.get("CARRIER_NAME_CACHE_SIZE", 200_000))
        if size > 0:
            reader = feed.NameCache(
                reader,
                max_entries=size,
                poll_seconds=float(app.config.get("CARRIER_NAME_CACHE_POLL_SECONDS", 0.2)),
                preload=bool(app.config.get("CARRIER_NAME_CACHE_PRELOAD", True)),
            )
            ext["brandname_rendered_states"] = RenderedStates(size)
        ext["brandname_fast_reader"] = reader
    return reader


def _public_record(record, today):
    """The API's view of a state record (left unchanged): the status carriers must act on."""
    out = {k: v for k, v in record.items() if k != "name_normal"}
    out["status"] = feed.effective_status(record, today)
    return out


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode

# _dumps(_public_record(record, today)), byte for byte (keys in sorted order), filled in field by
# field: the general encoder spends most of its time walking and sorting the two dicts
_BODY = (
    '{"authorizations":%s,"channels":%s,"holder":{"id_check":%s,"id_number":%s,"name":%s},"name":%s,'
    '"renewal_pending":%s,"revocation_ground":%s,"revoked_at":%s,"serial":%s,"status":%s,"valid_from":%s,'
    '"valid_until":%s}'
)
_quote = json.encoder.encode_basestring  # the C encoder of one string, as _dumps writes it


def _json_value(value):
    if value is None:
        return "null"
    return _quote(value) if value.__class__ is str else _dumps(value)


def _render(record, today):
    """(JSON body, quoted ETag) of the API's answer for a state record."""
    holder = record["holder"]
    body = (
        _BODY
        % (
            _dumps(record["authorizations"]) if record["authorizations"] else "[]",
            _dumps(record["channels"]),
            _json_value(holder["id_check"]),
            _json_value(holder["id_number"]),
            _json_value(holder["name"]),
            _json_value(record["name"]),
            "true" if record.get("renewal_pending") else "false",
            _json_value(record["revocation_ground"]),
            _json_value(record["revoked_at"]),
            _json_value(record["serial"]),
            _json_value(feed.effective_status(record, today)),
            _json_value(record["valid_from"]),
            _json_value(record["valid_until"]),
        )
    ).encode("utf-8")
    return body, f'"{hashlib.sha1(body).hexdigest()}"'


class RenderedStates:
    """The JSON body and ETag of GET /brandnames/<name> for the records of the NameCache, so a
    cached name costs no JSON encoding or hashing per request.

    An entry is reused only for the very record object it was made from (the NameCache puts a
    new object in place of every record an event touches, and never changes one) and for the
    same Hanoi day (the status turns to expired with the date): it can never be fresher or
    staler than the NameCache itself. Bounded like it: cleared when full.
    """

    def __init__(self, max_entries):
        self.max_entries = max_entries
        self._data = {}

    def get(self, record, today):
        normal = record["name_normal"]
        hit = self._data.get(normal)
        if hit is not None and hit[0] is record and hit[1] == today:
            return hit[2], hit[3]
        body, etag = _render(record, today)
        if len(self._data) >= self.max_entries:
            self._data = {}
        self._data[normal] = (record, today, body, etag)
        return body, etag


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_LOCAL_OFFSET = dates.VN_TZ.utcoffset(None).total_seconds()
_today = (None, None)


def _local_today():
    """dates.local_today() from the clock in a few operations: Hanoi keeps one UTC offset."""
    global _today
    number = int((time.time() + _LOCAL_OFFSET) // 86400)
    if _today[0] != number:
        _today = (number, date.fromordinal(_EPOCH_ORDINAL + number))
    return _today[1]


@carrier_route("/brandnames/<name>", methods=["GET"])
def brandname_state(name):
    app = current_app._get_current_object()
    record = _reader(app).state_of(name)
    today = _local_today()
    metrics.carrier_lookup(record, today)
    max_age = app.config.get("CARRIER_CACHE_SECONDS", 30)
    if record is None:
        # only an unregistered name pays for the confusion queries
        lookalike_of = queries.impersonated_names(db.session, name)
        if lookalike_of:
            response, status = _error(
                404,
                "not_found",
                f"Tên định danh {name} chưa được đăng ký và dễ nhầm với {', '.join(lookalike_of)}: "
                "không chuyển tin nhắn mang tên này.",
                f"The sender name {name} is not registered and can be mistaken for "
                f"{', '.join(lookalike_of)}: do not deliver messages under it.",
                **_impersonation(lookalike_of),
            )
        else:
            response, status = _error(
                404,
                "not_found",
                f"Tên định danh {name} chưa từng được đăng ký (hoặc đã được giải phóng).",
                f"The sender name {name} was never registered (or has been released).",
            )
        response.headers["Cache-Control"] = f"private, max-age={max_age}"
        return response, status
    rendered = app.extensions.get("brandname_rendered_states")
    body, etag = rendered.get(record, today) if rendered is not None else _render(record, today)
    headers = {"Cache-Control": f"private, max-age={max_age}", "ETag": etag}
    # parse If-None-Match only when it is there (request.if_none_match builds an object each time)
    if request.environ.get("HTTP_IF_NONE_MATCH") and request.if_none_match.contains(etag[1:-1]):
        return Response(status=304, headers=headers)
    return Response(body, content_type="application/json", headers=headers)


def _impersonation(lookalike_of):
    """The answer for an unregistered name that could pass for registered, protected or watched
    names (`lookalike_of`): never deliverable, whoever sends it."""
    return {
        "status": "unregistered",
        "deliverable": False,
        "reason": "impersonation_risk",
        "lookalike_of": lookalike_of,
    }


def _item_problems(i, item):
    """What is wrong with one item of a verify request ([] if nothing): such an item gets an
    answer of its own (reason invalid_item), the others are answered as usual."""
    if not isinstance(item, dict):
        return [{"path": f"$.items[{i}]", "problem": "must be an object {name, holder_id?, channel?}"}]
    errors = [
        {"path": f"$.items[{i}].{k}", "problem": "unknown field"} for k in sorted(set(item) - ITEM_FIELDS)
    ]
    if item.get("channel") not in (None, "sms", "voice"):
        errors.append({"path": f"$.items[{i}].channel", "problem": 'must be "sms" or "voice", or absent'})
    name = item.get("name")
    if not isinstance(name, str):
        errors.append({"path": f"$.items[{i}].name", "problem": "required: a string"})
    elif has_control_characters(name):
        errors.append({"path": f"$.items[{i}].name", "problem": "must not contain control characters"})
    holder = item.get("holder_id")
    if holder is not None and (
        not isinstance(holder, str) or not 0 < len(holder.strip()) <= 40 or has_control_characters(holder)
    ):
        errors.append(
            {
                "path": f"$.items[{i}].holder_id",
                "problem": "must be a string of 1 to 40 characters without control characters, or absent",
            }
        )
    return errors


ITEM_FIELDS = frozenset({"name", "holder_id", "channel"})


def _verify_items(body):
    """(items, errors) of a verify request: errors describe a body that is wrong as a whole;
    items is None then, or 413 for too many items."""
    if not isinstance(body, dict):
        return None, [{"path": "$", "problem": 'the body must be a JSON object {"items": [...]}'}]
    unknown = sorted(set(body) - {"items"})
    errors = [{"path": f"$.{k}", "problem": "unknown field"} for k in unknown]
    items = body.get("items")
    if not isinstance(items, list):
        return None, errors + [{"path": "$.items", "problem": "required: a list of {name, holder_id?}"}]
    if len(items) > MAX_VERIFY_ITEMS:
        return 413, []
    if errors:
        return None, errors
    return items, None


@carrier_route("/verify", methods=["POST"])
def verify():
    if request.content_length and request.content_length > MAX_VERIFY_BYTES:
        return _error(
            413,
            "too_large",
            "Yêu cầu quá lớn (tối đa 1000 mục).",
            "Request too large (at most 1000 items).",
            max_items=MAX_VERIFY_ITEMS,
        )
    body = request.get_json(silent=True)
    if body is None:
        return _error(
            400,
            "invalid_input",
            'Nội dung phải là JSON hợp lệ dạng {"items": [...]}.',
            'The body must be valid JSON: {"items": [...]}.',
            errors=[
                {
                    "path": "$",
                    "problem": "not valid JSON (Content-Type: application/json), "
                    f"or nested more than {MAX_JSON_DEPTH} levels",
                }
            ],
        )
    items, errors = _verify_items(body)
    if items == 413:
        return _error(
            413,
            "too_many_items",
            f"Tối đa {MAX_VERIFY_ITEMS} mục mỗi yêu cầu; hãy chia nhỏ danh sách.",
            f"At most {MAX_VERIFY_ITEMS} items per request; split the list.",
            max_items=MAX_VERIFY_ITEMS,
        )
    if errors:
        return _error(
            400,
            "invalid_input",
            "Yêu cầu không hợp lệ: " + "; ".join(f"{e['path']}: {e['problem']}" for e in errors[:10]),
            "Invalid request: " + "; ".join(f"{e['path']}: {e['problem']}" for e in errors[:10]),
            errors=errors,
        )
    from brandname.rules import names as name_rules

    problems = [_item_problems(i, item) for i, item in enumerate(items)]
    wanted = {
        name_rules.normal_form(item["name"])
        for item, wrong in zip(items, problems, strict=True)
        if not wrong and 0 < len(item["name"]) <= name_rules.MAX_LENGTH
    }
    states = feed.states_of(db.session.connection(), wanted)
    today = dates.local_today()
    results = []
    # the unregistered names pay for the resemblance look-up, all of them in a few queries and
    # each once however the batch spells or repeats it (the folds ignore case)
    unknown = {}
    for item, wrong in zip(items, problems, strict=True):
        if not wrong:
            unknown.setdefault(name_rules.normal_form(item["name"]), item["name"])
    for normal in states:
        unknown.pop(normal, None)
    found = queries.impersonated_names_many(db.session, list(unknown.values()))
    risks = {normal: found.get(name) for normal, name in unknown.items()}
    for item, wrong in zip(items, problems, strict=True):
        if wrong:
            name = item.get("name") if isinstance(item, dict) else None
            results.append(
                {
                    "name": name if isinstance(name, str) else None,
                    "deliverable": False,
                    "status": None,
                    "reason": "invalid_item",
                    "errors": wrong,
                }
            )
            continue
        normal = name_rules.normal_form(item["name"])
        record = states.get(normal)
        if record is None:
            lookalike_of = risks.get(normal)
            if lookalike_of:
                results.append({"name": item["name"], **_impersonation(lookalike_of)})
                continue
        ok, status, reason = feed.deliverable(record, item.get("holder_id"), today, item.get("channel"))
        results.append({"name": item["name"], "deliverable": ok, "status": status, "reason": reason})
    metrics.carrier_verified(results)
    response = jsonify({"results": results})
    response.headers["Cache-Control"] = "no-store"
    return response


def _snapshot_folder():
    return Path(current_app.config["DATA_DIR"]) / "snapshots"


def _jose(token, **headers):
    response = Response(token, mimetype=JOSE)
    response.headers["Cache-Control"] = "no-cache"
    for k, v in headers.items():
        response.headers[k] = str(v)
    return response


@carrier_route("/snapshot", methods=["GET"])
def snapshot():
    seq = request.args.get("seq")
    if seq is not None:
        if not seq.isdigit():
            return _error(
                400,
                "invalid_input",
                "Tham số seq phải là số nguyên không âm.",
                "The seq parameter must be a non-negative integer.",
            )
        found = feed.snapshot_for_seq(_snapshot_folder(), int(seq))
        if found is None:
            return _error(
                404,
                "not_found",
                f"Không còn bản chụp tại số thứ tự {seq}; hãy tải bản mới.",
                f"No snapshot at sequence {seq} any more; fetch the current one.",
            )
        path, _ = found
        seq = int(seq)
    else:
        seq, path, _ = feed.current_snapshot(
            db.engine,
            registry.keys(),
            _snapshot_folder(),
            max_age=current_app.config.get("SNAPSHOT_MAX_AGE", 0),
        )
    response = send_file(
        path,
        mimetype="application/gzip",
        conditional=True,
        etag=f"snapshot-{seq}",
        download_name=f"brandname-snapshot-{seq}.jsonl.gz",
        max_age=0,
    )
    response.headers["X-Snapshot-Seq"] = str(seq)
    return response


@carrier_route("/snapshot/manifest", methods=["GET"])
def snapshot_manifest():
    seq, _, token = feed.current_snapshot(
        db.engine, registry.keys(), _snapshot_folder(), max_age=current_app.config.get("SNAPSHOT_MAX_AGE", 0)
    )
    return _jose(feed.fresh_manifest(registry.keys(), token), **{"X-Snapshot-Seq": seq})


def _int_arg(name, default=None):
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise ValueError(name)
    return int(raw)


def _head_watcher(app):
    watcher = app.extensions.get("brandname_head_watcher")
    if watcher is None:
        watcher = app.extensions["brandname_head_watcher"] = follow.HeadWatcher(
            db.engine, poll_seconds=float(app.config.get("CARRIER_FOLLOW_POLL_SECONDS", 0.1))
        )
    return watcher


@carrier_route("/changes", methods=["GET"])
def changes():
    max_limit = current_app.config.get("CHANGES_MAX_LIMIT", 5000)
    max_wait = int(current_app.config.get("CARRIER_CHANGES_MAX_WAIT", 30))
    try:
        since = _int_arg("since")
        limit = _int_arg("limit", min(1000, max_limit))
        wait = _int_arg("wait", 0)
    except ValueError as exc:
        return _error(
            400,
            "invalid_input",
            f"Tham số {exc} phải là số nguyên không âm.",
            f"The {exc} parameter must be a non-negative integer.",
        )
    if since is None:
        return _error(
            400,
            "invalid_input",
            "Thiếu tham số since (số thứ tự sự kiện đã có).",
            "The since parameter (the last event sequence you hold) is missing.",
        )
    if not 1 <= limit <= max_limit:
        return _error(
            400,
            "invalid_input",
            f"Tham số limit phải từ 1 đến {max_limit}.",
            f"The limit parameter must be between 1 and {max_limit}.",
        )
    if wait > max_wait:
        return _error(
            400,
            "invalid_input",
            f"Tham số wait phải từ 0 đến {max_wait} giây.",
            f"The wait parameter must be between 0 and {max_wait} seconds.",
        )
    current_head = feed.head(db.session)
    if wait and since == current_head:
        # at the head: wait for the next act without holding a database connection
        db.session.close()
        _head_watcher(current_app._get_current_object()).wait_beyond(since, wait)
        current_head = feed.head(db.session)
    if since > current_head:
        return _error(
            400,
            "invalid_input",
            f"since={since} vượt quá số thứ tự mới nhất của sổ đăng ký ({current_head}).",
            f"since={since} is ahead of the registry's latest sequence ({current_head}).",
            head=current_head,
        )
    token, payload = feed.changes(db.session, registry.keys(), since, limit)
    return _jose(token, **{"X-Next-Seq": payload["next"], "X-Head-Seq": payload["head"]})
