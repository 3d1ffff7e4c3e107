"""What carriers read: the state record of a name, the signed snapshot and the signed change feed.

No Flask here: callers pass a SQLAlchemy session (or engine), the key store and a folder.

A *state record* is the same JSON object everywhere (GET /api/v1/brandnames/<name>, each line of
the snapshot, each entry of a change page):

    {"name", "name_normal", "status", "channels", "holder": {"name", "id_number", "id_check"},
     "serial", "valid_from", "valid_until", "revoked_at", "revocation_ground",
     "authorizations": [{"id_number", "name"}], "renewal_pending"}

`channels` are the forms of use the certificate names ("sms", "voice"). `holder.id_number` is the
enterprise code of an organization and null for an individual (personal data never leaves the
registry); for an individual, `holder.id_check` is {"salt", "hmac"}, the keyed hash of the ID
number (brandname_carrier.rules.holder_check) that a carrier who verified its customer's number
compares against; null for an organization. A released name has no record: the change feed says
`{"name_normal", "status": "released"}` and a carrier drops the name from its index.
`renewal_pending` is true while a renewal filed before the expiry is undecided or awaiting its fee:
the name stays in force past `valid_until` until the renewal is issued (a new `valid_until`) or
ends without one (the name expires, an `expire` event).

*Protected names* (`targets`) are the names a carrier also compares an unregistered name with:
the watch-list's state bodies, banks, carriers and protected names, and the look-alike variants
officers approved for a holder, each as {"name", "category", "of"} (`of`: the name an answer
lists, the holder's registered name for a variant). The snapshot manifest (version 2) carries the
whole list; a change page carries it again (`targets`) when one of its events changed it.

Deliverability (`deliverable`) is a pure function of a record, the sender's holder id and the day:
`decide` comes from the carrier client's package, so the API and carriers answer alike.
"""

import fcntl
import gzip
import hashlib
import json
import os
import threading
import time
import weakref
from collections import namedtuple
from datetime import datetime
from pathlib import Path

from sqlalchemy import and_, bindparam, event, func, literal_column, select

from brandname.rules import confusion, dates, privacy
from brandname.rules import names as name_rules
from brandname.store.models import (
    Authorization,
    Brandname,
    Certificate,
    Event,
    Holder,
    ProtectedVariant,
    WatchEntry,
)
from brandname_carrier.rules import decide
from brandname_carrier.trust import CHANGES_TYP, CHANGES_TYPE, SNAPSHOT_TYP, SNAPSHOT_TYPE

KEEP_SNAPSHOTS = 3
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


# -- state records --------------------------------------------------------------------------


def _day(value):
    if value is None:
        return None
    return value[:10] if value.__class__ is str else value.isoformat()


def _iso_moment(value):
    if value is None:
        return None
    if isinstance(value, str):  # raw SQLite text
        value = datetime.fromisoformat(value)
    return value.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


_STATE_COLUMNS = (
    Brandname.id,
    Brandname.name,
    Brandname.name_normal,
    Brandname.status,
    Brandname.valid_from,
    Brandname.valid_until,
    Brandname.revoked_at,
    Brandname.revocation_ground,
    Holder.name.label("holder_name"),
    Holder.kind.label("holder_kind"),
    Holder.id_number.label("holder_id_number"),
    Certificate.serial,
    Brandname.use_sms,
    Brandname.use_voice,
    Brandname.holder_check,
    Brandname.renewal_pending,
)


_CHANNEL_LISTS = {(True, True): ("sms", "voice"), (True, False): ("sms",), (False, True): ("voice",)}


def channels_of(use_sms, use_voice):
    """The forms of use of a name as published (a new list each time: records are JSON data)."""
    return list(_CHANNEL_LISTS.get((bool(use_sms), bool(use_voice)), ()))


def id_check_of(holder_check):
    """The published {"salt", "hmac"} of a stored "<salt>:<hmac>", or None."""
    if not holder_check:
        return None
    salt, _, mac = holder_check.partition(":")
    return {"salt": salt, "hmac": mac}


def _state_select():
    return (
        select(*_STATE_COLUMNS)
        .join(Holder, Holder.id == Brandname.holder_id)
        .outerjoin(
            Certificate, and_(Certificate.brandname_id == Brandname.id, Certificate.status == "current")
        )
        .where(Brandname.status != "released")
    )


def _record(row, authorizations, public=False):
    return {
        "name": row.name,
        "name_normal": row.name_normal,
        "status": row.status,
        "channels": channels_of(row.use_sms, row.use_voice),
        "holder": {
            "name": privacy.public_holder_name(row.holder_kind, row.holder_name)
            if public
            else row.holder_name,
            "id_number": row.holder_id_number if row.holder_kind == "organization" else None,
            "id_check": id_check_of(row.holder_check),
        },
        "serial": row.serial,
        "valid_from": _day(row.valid_from),
        "valid_until": _day(row.valid_until),
        "revoked_at": _iso_moment(row.revoked_at),
        "revocation_ground": row.revocation_ground,
        "authorizations": authorizations,
        "renewal_pending": bool(row.renewal_pending),
    }


def _authorizations(connection, brandname_ids=None):
    """brandname id -> [{"id_number", "name"}] of its authorizations in force."""
    stmt = select(Authorization.brandname_id, Authorization.party_id_number, Authorization.party_name).where(
        Authorization.withdrawn_at.is_(None)
    )
    if brandname_ids is not None:
        if not brandname_ids:
            return {}
        stmt = stmt.where(Authorization.brandname_id.in_(list(brandname_ids)))
    else:
        stmt = stmt.join(Brandname, Brandname.id == Authorization.brandname_id).where(
            Brandname.status != "released"
        )
    out = {}
    for bid, number, name in connection.execute(stmt.order_by(Authorization.brandname_id, Authorization.id)):
        out.setdefault(bid, []).append({"id_number": number, "name": name})
    return out


_LIVE = (
    select(
        Brandname.name,
        Brandname.name_normal,
        Brandname.status,
        Holder.name,
        Holder.kind,
        Holder.id_number,
        Certificate.serial,
        Brandname.valid_from,
        Brandname.valid_until,
        Brandname.revoked_at,
        Brandname.revocation_ground,
        Authorization.party_id_number,
        Authorization.party_name,
        Brandname.holder_id,
        Brandname.use_sms,
        Brandname.use_voice,
        Brandname.holder_check,
        Brandname.renewal_pending,
    )
    .join(Holder, Holder.id == Brandname.holder_id)
    .outerjoin(
        Certificate,
        and_(Certificate.brandname_id == Brandname.id, Certificate.status == literal_column("'current'")),
    )
    .outerjoin(
        Authorization, and_(Authorization.brandname_id == Brandname.id, Authorization.withdrawn_at.is_(None))
    )
    .where(Brandname.status != literal_column("'released'"))
)
_BY_NAME = _LIVE.where(Brandname.name_normal == bindparam("name_normal")).order_by(Authorization.id)
_ALL_LIVE = _LIVE.order_by(Brandname.id, Authorization.id)
_compiled_by_name = {}


def _by_name_sql(dialect):
    """The one-name query compiled once per dialect, for a bare DB-API cursor: the hot path of
    GET /api/v1/brandnames/<name> skips SQLAlchemy's per-call statement and result handling."""
    found = _compiled_by_name.get(dialect.name)
    if found is None:
        compiled = _BY_NAME.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        found = _compiled_by_name[dialect.name] = (str(compiled), bool(compiled.positional))
    return found


def _state_from_rows(rows):
    if not rows:
        return None
    (
        name,
        normal,
        status,
        holder_name,
        holder_kind,
        holder_number,
        serial,
        vfrom,
        vuntil,
        revoked,
        ground,
        _,
        _,
        _,
        use_sms,
        use_voice,
        holder_check,
        renewal_pending,
    ) = rows[0]
    return {
        "name": name,
        "name_normal": normal,
        "status": status,
        "channels": channels_of(use_sms, use_voice),
        "holder": {
            "name": holder_name,
            "id_number": holder_number if holder_kind == "organization" else None,
            "id_check": id_check_of(holder_check),
        },
        "serial": serial,
        "valid_from": _day(vfrom),
        "valid_until": _day(vuntil),
        "revoked_at": _iso_moment(revoked),
        "revocation_ground": ground,
        "authorizations": [{"id_number": r[11], "name": r[12]} for r in rows if r[11] is not None],
        "renewal_pending": bool(renewal_pending),
    }


def _lookup_key(name):
    if not isinstance(name, str) or not 0 < len(name) <= name_rules.MAX_LENGTH:
        return None
    return name_rules.normal_form(name)


def state_of(session, name):
    """The state record of a (not released) name, case-insensitively, or None. One query,
    inside the session's transaction."""
    normal = _lookup_key(name)
    if normal is None:
        return None
    conn = session.connection()
    sql, positional = _by_name_sql(conn.dialect)
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql, (normal,) if positional else {"name_normal": normal})
        return _state_from_rows(cursor.fetchall())
    finally:
        cursor.close()


SQLITE_MMAP_BYTES = 1 << 30


class FastReader:
    """The hot path of GET /api/v1/brandnames/<name>: one dedicated DB-API connection per
    thread (autocommit, detached from the pool), so a lookup costs one query and no session,
    pool check-out or ping. A broken connection is dropped and the query retried once."""

    def __init__(self, engine):
        self.engine = engine
        self.sql, self.positional = _by_name_sql(engine.dialect)
        self._local = threading.local()
        self._all = []
        self._lock = threading.Lock()
        weakref.finalize(self, FastReader._close_all, self._all)
        event.listen(engine, "engine_disposed", lambda _engine: FastReader._close_all(self._all))

    def _connection(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            fairy = self.engine.raw_connection()
            conn = fairy.dbapi_connection
            fairy.detach()  # ours for the thread's life; the pool makes another for others
            if self.engine.dialect.name == "postgresql":
                conn.autocommit = True
            elif self.engine.dialect.name == "sqlite":
                # read pages through a memory map (the OS page cache) instead of a read() call each
                conn.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @staticmethod
    def _close_all(conns):
        while conns:
            try:
                conns.pop().close()
            except Exception:  # noqa: BLE001 - already gone
                pass

    def _run(self, sql, params):
        for attempt in (1, 2):
            conn = self._connection()
            try:
                cursor = conn.cursor()
                try:
                    cursor.execute(sql, params)
                    return cursor.fetchall()
                finally:
                    cursor.close()
            except self.engine.dialect.loaded_dbapi.Error:
                self._local.conn = None
                with self._lock:
                    if conn in self._all:
                        self._all.remove(conn)
                try:
                    conn.close()
                except Exception:  # noqa: BLE001
                    pass
                if attempt == 2:
                    raise
        return []

    def state_of(self, name):
        return self.state_and_holder(name)[0]

    def state_and_holder(self, name):
        """(state record or None, holder row id or None)."""
        normal = _lookup_key(name)
        if normal is None:
            return None, None
        rows = self._run(self.sql, (normal,) if self.positional else {"name_normal": normal})
        return _state_from_rows(rows), (rows[0][13] if rows else None)

    def head(self):
        return self._run("SELECT max(seq) FROM events", ())[0][0] or 0

    def count_live(self):
        return self._run("SELECT count(*) FROM brandnames WHERE status != 'released'", ())[0][0]

    def all_states(self, batch=10_000):
        """Yield (state record, holder row id) of every live name, streamed."""
        sql = str(_ALL_LIVE.compile(dialect=self.engine.dialect))
        conn = self._connection()
        cursor = conn.cursor()
        try:
            cursor.execute(sql, ())
            group = []
            while True:
                rows = cursor.fetchmany(batch)
                if not rows:
                    break
                for row in rows:
                    if group and row[1] != group[0][1]:
                        yield _state_from_rows(group), group[0][13]
                        group = []
                    group.append(row)
            if group:
                yield _state_from_rows(group), group[0][13]
        finally:
            cursor.close()

    def close_thread_connection(self):
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            self._local.conn = None
            with self._lock:
                if conn in self._all:
                    self._all.remove(conn)
            conn.close()

    def events_after(self, seq):
        sql = "SELECT seq, act, name_normal, details FROM events WHERE seq > %s ORDER BY seq" % (
            "?" if self.positional else "%(seq)s"
        )
        out = []
        for seq_, act_, normal, details in self._run(sql, (seq,) if self.positional else {"seq": seq}):
            if isinstance(details, (str, bytes)):
                details = json.loads(details)
            out.append(_EventRow(seq_, act_, normal, details))
        return out


_EventRow = namedtuple("_EventRow", "seq act name_normal details")
_MISSING = object()


class NameCache:
    """Read-through cache of state records for GET /api/v1/brandnames/<name>, per process.

    At most every `poll_seconds` a request reads the head of the event log; the names touched by
    new events (the same `_affected` the change feed uses) are dropped, so a cached answer is
    never older than `poll_seconds` behind the database. A record read while the head moved is
    not kept (it may predate an event already processed). Bounded: cleared when full.
    """

    def __init__(self, reader, *, max_entries=200_000, poll_seconds=0.2, max_events=5000, preload=False):
        self.reader, self.max_entries, self.poll_seconds = reader, max_entries, poll_seconds
        self._preload_wanted = preload
        self.preloaded = False
        self.max_events = max_events
        self.entries = {}
        self.by_holder = {}  # holder id -> names cached
        self.head = None
        self._checked = float("-inf")  # the first lookup reads the head
        self._lock = threading.Lock()

    def _refresh(self, now):
        with self._lock:
            if now - self._checked < self.poll_seconds and self.head is not None:
                return
            head = self.reader.head()
            if self.head is None or head < self.head or head - self.head > self.max_events:
                self.entries, self.by_holder = {}, {}
            elif head != self.head:
                for event in self.reader.events_after(self.head):
                    for normal in _affected(event):
                        self.entries.pop(normal, None)
                    holder_id = (event.details or {}).get("holder_id")
                    if event.act in ("issue", "reissue", "renewal") and holder_id is not None:
                        for normal in self.by_holder.pop(holder_id, ()):
                            self.entries.pop(normal, None)
                    head = max(head, event.seq)
            self.head, self._checked = head, now

    def start_preload(self):
        """Load every live name in a background thread when they all fit (see preload())."""
        with self._lock:
            if not self._preload_wanted:
                return
            self._preload_wanted = False
        threading.Thread(target=self.preload, name="name-cache-preload", daemon=True).start()

    def preload(self):
        """Fill the cache with every live name if they fit in it; returns True if it did.

        The records are read after the head `h`; the cache then restarts from `h`, so the next
        poll drops every name an act touched since, whatever was read before or meanwhile."""
        try:
            head = self.reader.head()
            if self.reader.count_live() > self.max_entries:
                return False
            entries, by_holder = {}, {}
            for record, holder_id in self.reader.all_states():
                entries[record["name_normal"]] = record
                by_holder.setdefault(holder_id, set()).add(record["name_normal"])
            with self._lock:
                self.entries, self.by_holder = entries, by_holder
                self.head, self._checked = head, float("-inf")
            self.preloaded = True
            return True
        except Exception:  # noqa: BLE001 - the cache stays a lazy one
            import logging

            logging.getLogger(__name__).warning("name cache preload failed", exc_info=True)
            return False
        finally:
            try:
                self.reader.close_thread_connection()
            except Exception:  # noqa: BLE001
                pass

    def state_of(self, name):
        normal = _lookup_key(name)
        if normal is None:
            return None
        if self._preload_wanted:
            self.start_preload()
        if time.monotonic() - self._checked >= self.poll_seconds:
            self._refresh(time.monotonic())
        found = self.entries.get(normal, _MISSING)
        if found is not _MISSING:
            return found  # shared: callers must not change it
        seen = self.head
        record, holder_id = self.reader.state_and_holder(name)
        with self._lock:
            if self.head == seen:
                if len(self.entries) >= self.max_entries:
                    self.entries, self.by_holder = {}, {}
                self.entries[normal] = record
                if holder_id is not None:
                    self.by_holder.setdefault(holder_id, set()).add(normal)
        return record


def states_of(connection, names_normal, *, public=False):
    """name_normal -> state record for the names among `names_normal` that are not released.

    `public`: individuals' names masked as on public pages (the transparency log)."""
    names_normal = sorted(set(names_normal))
    out = {}
    for start in range(0, len(names_normal), 500):
        chunk = names_normal[start : start + 500]
        rows = connection.execute(_state_select().where(Brandname.name_normal.in_(chunk))).all()
        auths = _authorizations(connection, [r.id for r in rows])
        for row in rows:
            out[row.name_normal] = _record(row, auths.get(row.id, []), public)
    return out


# -- protected names ---------------------------------------------------------------------------

# the acts that change the protected names a carrier compares with
TARGET_ACTS = frozenset(("watch_add", "watch_update", "watch_remove", "approve_variant"))


def targets(connection):
    """The protected names carriers compare unregistered names with, in a fixed order."""
    out = [
        {"name": name, "category": category, "of": name}
        for name, category in connection.execute(
            select(WatchEntry.name, WatchEntry.category)
            .where(WatchEntry.category.in_(confusion.PROTECTED_CATEGORIES))
            .order_by(WatchEntry.name_normal)
        )
    ]
    # a variant stands for its holder's name while that name lives
    out.extend(
        {"name": variant, "category": "variant", "of": name}
        for variant, name in connection.execute(
            select(ProtectedVariant.name, Brandname.name)
            .join(Brandname, Brandname.id == ProtectedVariant.brandname_id)
            .where(ProtectedVariant.status == "approved", Brandname.status != "released")
            .order_by(ProtectedVariant.name_normal, ProtectedVariant.id)
        )
    )
    return out


def touches_targets(connection, events):
    """Whether any of `events` changed the protected names: a watch-list act, a variant
    approved, or a name with approved variants released (or taken anew)."""
    if any(e.act in TARGET_ACTS for e in events):
        return True
    released = {n for e in events if e.act in ("release", "lapse") for n in _affected(e)}
    if not released:
        return False
    return (
        connection.execute(
            select(ProtectedVariant.id)
            .join(Brandname, Brandname.id == ProtectedVariant.brandname_id)
            .where(ProtectedVariant.status == "approved", Brandname.name_normal.in_(sorted(released)))
            .limit(1)
        ).first()
        is not None
    )


# -- deliverability (decide() is the carrier client's) ----------------------------------------


def effective_status(record, today):
    """The status a carrier must act on: an active name past its last valid day is expired even
    before the registry's daily job has recorded it, unless a renewal filed in time is pending."""
    if record is None:
        return None
    status = record["status"]
    if (
        status == "active"
        and record.get("valid_until")
        and record["valid_until"] < today.isoformat()
        and not record.get("renewal_pending")
    ):
        return "expired"
    return status


def deliverable(record, holder_id=None, today=None, channel=None):
    """decide() for a state record (None: never registered or released)."""
    if record is None:
        return False, None, "not_registered"
    today = today or dates.local_today()
    # a pending renewal keeps the name in force past its last day, as the carrier client's index
    # does: decide() then sees no last day
    pending = record["status"] == "active" and record.get("renewal_pending")
    return decide(
        record["status"],
        None if pending else record.get("valid_until"),
        record["holder"].get("id_number"),
        [a["id_number"] for a in record.get("authorizations") or ()],
        holder_id,
        today.isoformat(),
        channel=channel,
        channels=record.get("channels"),
        id_check=record["holder"].get("id_check"),
    )


# -- consistent reads ------------------------------------------------------------------------


def _head(connection):
    return connection.execute(select(func.coalesce(func.max(Event.seq), 0))).scalar_one()


def _read_connection(engine):
    conn = engine.connect()
    if engine.dialect.name == "postgresql":
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
    return conn


def head(session):
    return _head(session.connection())


# -- snapshot --------------------------------------------------------------------------------


class _HashingWriter:
    def __init__(self, fh):
        self.fh, self.sha, self.size = fh, hashlib.sha256(), 0

    def write(self, data):
        self.sha.update(data)
        self.size += len(data)
        return self.fh.write(data)

    def flush(self):
        self.fh.flush()


_LINE = (
    '{"name":%s,"name_normal":%s,"status":%s,"channels":%s,"holder":{%s,"id_check":%s},"serial":%s,'
    '"valid_from":%s,"valid_until":%s,"revoked_at":%s,"revocation_ground":%s,"authorizations":%s,'
    '"renewal_pending":%s}'
)
_CHANNELS_JSON = {key: _encode(list(value)) for key, value in _CHANNEL_LISTS.items()}


def _write_lines(connection, fh, batch=10_000):
    """Write one JSON line per live name, the same object as `_record` builds, without ORM
    objects or SQLAlchemy row processing: a raw DB-API cursor (server-side on PostgreSQL),
    holders and authorizations encoded once each, dates taken as the driver gives them."""
    quote = json.encoder.encode_basestring  # C-accelerated JSON string literal, UTF-8 kept

    def text(value):
        return "null" if value is None else quote(value)

    def day(value):
        if value is None:
            return "null"
        return quote(value[:10] if value.__class__ is str else value.isoformat())

    holders = {}
    for hid, kind, name, number in connection.execute(
        select(Holder.id, Holder.kind, Holder.name, Holder.id_number)
    ):
        number_json = quote(number) if kind == "organization" else "null"
        holders[hid] = f'"name":{quote(name)},"id_number":{number_json}'
    auths = {bid: _encode(items) for bid, items in _authorizations(connection).items()}
    stmt = (
        select(
            Brandname.id,
            Brandname.name,
            Brandname.name_normal,
            Brandname.status,
            Brandname.holder_id,
            Certificate.serial,
            Brandname.valid_from,
            Brandname.valid_until,
            Brandname.revoked_at,
            Brandname.revocation_ground,
            Brandname.use_sms,
            Brandname.use_voice,
            Brandname.holder_check,
            Brandname.renewal_pending,
        )
        .outerjoin(
            Certificate, and_(Certificate.brandname_id == Brandname.id, Certificate.status == "current")
        )
        .where(Brandname.status != "released")
        .order_by(Brandname.id)
    )
    sql = str(stmt.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    raw = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        cursor = raw.cursor(name=f"bn_snapshot_{os.getpid()}")  # server-side: rows stream in batches
        cursor.itersize = batch
    else:
        cursor = raw.cursor()
    count = 0
    try:
        cursor.execute(sql)
        line, moment = _LINE, _iso_moment
        while True:
            rows = cursor.fetchmany(batch)
            if not rows:
                break
            out = []
            for (
                bid,
                name,
                normal,
                status,
                hid,
                serial,
                vfrom,
                vuntil,
                revoked,
                ground,
                sms,
                voice,
                check,
                pending,
            ) in rows:
                out.append(
                    line
                    % (
                        quote(name),
                        quote(normal),
                        quote(status),
                        _CHANNELS_JSON.get((bool(sms), bool(voice)), "[]"),
                        holders[hid],
                        _encode(id_check_of(check)) if check else "null",
                        text(serial),
                        day(vfrom),
                        day(vuntil),
                        "null" if revoked is None else quote(moment(revoked)),
                        text(ground),
                        auths.get(bid, "[]"),
                        "true" if pending else "false",
                    )
                )
            count += len(out)
            out.append("")
            fh.write("\n".join(out).encode("utf-8"))
    finally:
        cursor.close()
    return count


def snapshot_paths(folder, seq):
    folder = Path(folder)
    return folder / f"snapshot-{seq:012d}.jsonl.gz", folder / f"snapshot-{seq:012d}.manifest.jws"


def build_snapshot(engine, keys, folder, *, now=None, compresslevel=1, attempts=5):
    """Write the snapshot of every name that is not released, as of one event sequence number,
    and its signed manifest. Returns (path, manifest_token, manifest_payload).

    Rows are streamed (server-side cursor on PostgreSQL) and never become ORM objects. On
    PostgreSQL the read runs in one REPEATABLE READ transaction; on SQLite the head sequence is
    read before and after and the build is retried if an act committed in between.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for _ in range(attempts):
        tmp = folder / f".snapshot-{os.getpid()}-{time.monotonic_ns()}.tmp"
        try:
            with _read_connection(engine) as conn, conn.begin():
                seq = _head(conn)
                with open(tmp, "wb") as raw:
                    writer = _HashingWriter(raw)
                    with gzip.GzipFile(fileobj=writer, mode="wb", compresslevel=compresslevel, mtime=0) as gz:
                        count = _write_lines(conn, gz)
                    raw.flush()
                    os.fsync(raw.fileno())
                protected = targets(conn)
                if _head(conn) != seq:
                    continue
            payload = {
                "type": SNAPSHOT_TYPE,
                "version": 2,
                "targets": protected,
                "seq": seq,
                "time": _iso_moment(now or dates.utcnow()),
                "count": count,
                "sha256": writer.sha.hexdigest(),
                "size": writer.size,
                "format": "application/jsonl+gzip",
            }
            _, token = keys.sign_json(payload, typ=SNAPSHOT_TYP)
            path, manifest_path = snapshot_paths(folder, seq)
            manifest_tmp = manifest_path.with_suffix(".tmp")
            manifest_tmp.write_text(token)
            os.replace(tmp, path)
            os.replace(manifest_tmp, manifest_path)
            _prune(folder)
            return path, token, payload
        finally:
            if tmp.exists():
                tmp.unlink()
    raise RuntimeError("the registry kept changing while the snapshot was built; try again")


def _prune(folder):
    snaps = sorted(Path(folder).glob("snapshot-*.jsonl.gz"))
    for old in snaps[:-KEEP_SNAPSHOTS]:
        for path in snapshot_paths(folder, int(old.name.split("-")[1].split(".")[0])):
            path.unlink(missing_ok=True)


def cached_snapshots(folder):
    """[(seq, path, manifest_path)] of complete cached snapshots, newest first."""
    out = []
    for path in sorted(Path(folder).glob("snapshot-*.jsonl.gz"), reverse=True):
        seq = int(path.name.split("-")[1].split(".")[0])
        manifest = snapshot_paths(folder, seq)[1]
        if manifest.exists():
            out.append((seq, path, manifest))
    return out


def current_snapshot(engine, keys, folder, *, max_age=0, now=None):
    """(seq, path, manifest token) of a snapshot to serve: the cached one if it is at the head,
    or younger than `max_age` seconds (the carrier catches up with the change feed), else a new
    one. One build at a time per folder (a file lock)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)

    def usable(current_head):
        for seq, path, manifest in cached_snapshots(folder):
            if seq == current_head or (max_age > 0 and time.time() - path.stat().st_mtime < max_age):
                return seq, path, manifest.read_text()
            return None
        return None

    with engine.connect() as conn:
        current_head = _head(conn)
    found = usable(current_head)
    if found:
        return found
    with open(folder / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with engine.connect() as conn:
            current_head = _head(conn)
        found = usable(current_head)  # another worker may have built it while we waited
        if found:
            return found
        path, token, payload = build_snapshot(engine, keys, folder, now=now)
        return payload["seq"], path, token


def snapshot_for_seq(folder, seq):
    path, manifest = snapshot_paths(folder, seq)
    if path.exists() and manifest.exists():
        return path, manifest.read_text()
    return None


# -- change feed -----------------------------------------------------------------------------


def _affected(event):
    """Names whose carrier-visible state an event may have changed (normal forms)."""
    out = []
    if event.name_normal:
        out.append(event.name_normal)
    details = event.details or {}
    if event.act == "approve":
        out.extend(name_rules.normal_form(n) for n in details.get("approved") or ())
    elif event.act == "lapse":
        out.extend(name_rules.normal_form(n) for n in details.get("freed") or ())
    return list(dict.fromkeys(out))


def events_after(session, since, limit):
    """The events after `since`, at most `limit`, in sequence order (the feed's columns)."""
    return session.execute(
        select(Event.seq, Event.at, Event.act, Event.name_normal, Event.details)
        .where(Event.seq > since)
        .order_by(Event.seq)
        .limit(limit)
    ).all()


def changes(session, keys, since, limit, *, now=None):
    """The signed page of events after `since` (at most `limit`), in sequence order, each with the
    state records of the names it touched; returns (compact JWS, payload).

    States are read after the events, so they may already include later acts; applying the pages
    in order always converges to the registry's state at `head`.
    """
    conn = session.connection()
    current_head = _head(conn)
    events = events_after(session, since, limit)
    touched = {e.seq: _affected(e) for e in events}
    states = states_of(conn, [n for names in touched.values() for n in names])
    entries = []
    for e in events:
        entries.append(
            {
                "seq": e.seq,
                "at": _iso_moment(e.at),
                "act": e.act,
                "names": [states.get(n) or {"name_normal": n, "status": "released"} for n in touched[e.seq]],
            }
        )
    payload = {
        "type": CHANGES_TYPE,
        "version": 2,
        "since": since,
        "next": entries[-1]["seq"] if entries else since,
        "head": max(current_head, entries[-1]["seq"] if entries else 0),
        "time": _iso_moment(now or dates.utcnow()),
        "changes": entries,
    }
    if touches_targets(conn, events):
        payload["targets"] = targets(conn)
    _, token = keys.sign_json(payload, typ=CHANGES_TYP)
    return token, payload


def fresh_manifest(keys, token, *, now=None):
    """The manifest `token` signed again with the current time: a snapshot at the head of a
    quiet registry may be days old, and carriers refuse a manifest signed longer ago than their
    freshness limit (a frozen or replayed feed)."""
    import base64

    body = token.split(".")[1]
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["time"] = _iso_moment(now or dates.utcnow())
    _, signed = keys.sign_json(payload, typ=SNAPSHOT_TYP)
    return signed
