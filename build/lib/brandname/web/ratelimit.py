"""In-memory rate-limit storage for Flask-Limiter with one sweeper thread.

limits' MemoryStorage starts a fresh 10 ms timer thread whenever its previous one has finished,
so a busy worker starts about a hundred threads a second, each start waiting for the GIL: on
the carrier hot path that cost more than the lookup itself. Counting is unchanged (a key's
expiry is checked on every read); only the memory clean-up moves to one long-lived daemon
thread. Selected with RATELIMIT_STORAGE_URI = "brandname-memory://" (the default when REDIS_URL
is not set); Redis remains the storage for several workers or hosts.
"""

import threading
import time
import weakref

from limits.storage import MemoryStorage


class SweptMemoryStorage(MemoryStorage):
    STORAGE_SCHEME = ["brandname-memory"]
    SWEEP_SECONDS = 1.0

    def _MemoryStorage__schedule_expiry(self):  # replaces the per-10 ms timer threads
        sweeper = getattr(self, "_sweeper", None)
        if sweeper is None or not sweeper.is_alive():
            with _start_lock:
                sweeper = getattr(self, "_sweeper", None)
                if sweeper is None or not sweeper.is_alive():
                    self._sweeper = threading.Thread(
                        target=_sweep, args=(weakref.ref(self),), name="ratelimit-sweeper", daemon=True
                    )
                    self._sweeper.start()


def _sweep(ref):
    """Expire old counters every SWEEP_SECONDS until the storage itself is gone."""
    while True:
        storage = ref()
        if storage is None:
            return
        pause = storage.SWEEP_SECONDS
        storage._MemoryStorage__expire_events()
        del storage
        time.sleep(pause)


_start_lock = threading.Lock()
