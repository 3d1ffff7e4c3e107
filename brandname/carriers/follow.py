"""Wake carriers' waiting change requests when the event log grows.

`GET /api/v1/changes?since=S&wait=W` answers at once when there are events after S; at the head
it waits up to W seconds for the next act. One `HeadWatcher` per process learns of new events:
on PostgreSQL a thread LISTENs on the channel every act NOTIFYs at its commit (so an act on any
instance sharing the database wakes the waiters of every instance), and reads the head again
every second in case a notification was missed (bulk imports write events without an act); on
SQLite the thread reads the head every `poll_seconds` while anyone waits. The thread ends after
`idle_seconds` with nobody waiting (the next waiter starts another) or when the engine is
disposed. No Flask here.
"""

import logging
import threading
import time

from sqlalchemy import event, func, select

from brandname.lifecycle._kernel import EVENTS_CHANNEL
from brandname.store.models import Event

log = logging.getLogger(__name__)


class HeadWatcher:
    """The newest event sequence number this process knows of, and a way to wait for a newer one."""

    def __init__(self, engine, *, poll_seconds=0.1, listen=True, idle_seconds=30):
        self.engine = engine
        self.poll_seconds = poll_seconds
        self.idle_seconds = idle_seconds
        self._last_wait = time.monotonic()
        self.listen = listen and engine.dialect.name == "postgresql"
        self.head = None
        self.waiting = 0
        self._cond = threading.Condition()
        self._thread = None
        self._stop = threading.Event()
        event.listen(engine, "engine_disposed", lambda _engine: self.stop())

    # -- learning of new events ----------------------------------------------------------------
    def read_head(self):
        with self.engine.connect() as conn:
            return conn.execute(select(func.coalesce(func.max(Event.seq), 0))).scalar_one()

    def _advance(self, seq):
        with self._cond:
            if self.head is None or seq > self.head:
                self.head = seq
                self._cond.notify_all()

    def _idle(self):
        """True (and the thread forgotten, so the next waiter starts one) once nobody has waited
        for idle_seconds; called by the thread itself."""
        with self._cond:
            if self._stop.is_set() or (
                self.waiting == 0 and time.monotonic() - self._last_wait > self.idle_seconds
            ):
                self._thread = None
                self.head = None  # unknown again until the next thread reads it
                return True
            return False

    def _start(self):
        with self._cond:
            if self._stop.is_set():
                return
            if self._thread is not None and self._thread.is_alive():
                return
            target = self._listen_loop if self.listen else self._poll_loop
            self._thread = threading.Thread(target=target, name="brandname-head-watcher", daemon=True)
            self._thread.start()

    def _poll_loop(self):
        while not self._idle():
            with self._cond:
                if self.waiting == 0:
                    self._cond.wait(1.0)  # nobody to wake: no reads
                    continue
            try:
                self._advance(self.read_head())
            except Exception:  # noqa: BLE001 - the database may come back
                log.warning("reading the event head failed", exc_info=True)
            self._stop.wait(self.poll_seconds)

    def _listen_loop(self):
        import psycopg

        url = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while not self._idle():
            try:
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {EVENTS_CHANNEL}")
                    self._advance(self.read_head())  # anything committed before we listened
                    while not self._idle():
                        got = False
                        for note in conn.notifies(timeout=1.0, stop_after=64):
                            got = True
                            if note.payload.isdigit():
                                self._advance(int(note.payload))
                        if not got:
                            self._advance(self.read_head())  # a quiet second: check anyway
            except Exception as exc:  # noqa: BLE001 - reconnect after a pause
                log.warning("LISTEN %s failed (%s); retrying in 1 s", EVENTS_CHANNEL, str(exc).strip()[:200])
                self._stop.wait(1.0)

    def stop(self):
        self._stop.set()
        with self._cond:
            self._cond.notify_all()

    # -- waiting -------------------------------------------------------------------------------
    def wait_beyond(self, seq, timeout):
        """Block until an event after `seq` is known or `timeout` seconds have passed; returns
        the head as last known (it may still be `seq`). Holds no database connection."""
        self._start()
        deadline = time.monotonic() + timeout
        with self._cond:
            self.waiting += 1
            self._last_wait = time.monotonic()
            self._cond.notify_all()  # the poller wakes for its first waiter
            try:
                while self.head is None or self.head <= seq:
                    left = deadline - time.monotonic()
                    if left <= 0 or self._stop.is_set():
                        break
                    self._cond.wait(left)
                return self.head if self.head is not None else seq
            finally:
                self.waiting -= 1
                self._last_wait = time.monotonic()
