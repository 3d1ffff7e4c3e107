"""A carrier's verified local copy of the registry: sync() from the API, check() offline.

    client = CarrierClient("https://registry.example", key="bnk_…", directory="/var/lib/bn")
    client.sync()                      # snapshot on first run, then the change feed
    client.check("VIETSUN", holder_id="0101234567").deliverable

The snapshot file must match the SHA-256 and size of its signed manifest; change pages must start
exactly at the local sequence number and run without gaps (see trust.py for the signatures).
Anything else raises a SyncError and leaves the local state, on disk and in memory, untouched.

Local state, in the client's folder:

    carrier-state.json       the pinned root, the sequence number, the current names file
    names-<seq>-<tag>.jsonl  one line per name (index.Entry)

A sync writes a new names file (only if names changed), then replaces carrier-state.json in one
rename: a crash leaves either the old state or the new one. Syncs of one folder take turns
(a lock file), so two processes can share it.
"""

import contextlib
import gc
import gzip
import hashlib
import json
import os
import secrets
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from brandname_carrier import index as index_
from brandname_carrier import merkle, note
from brandname_carrier.errors import (
    LogInconsistent,
    ReplayedData,
    StaleData,
    SyncError,
    TamperedData,
    refusal,
)
from brandname_carrier.rules import VN_TZ, local_today
from brandname_carrier.trust import (
    CHANGES_TYP,
    CHANGES_TYPE,
    SNAPSHOT_TYP,
    SNAPSHOT_TYPE,
    trusted_keys,
    verify_jws,
)

try:
    import fcntl
except ImportError:  # not POSIX: syncs of one folder must not overlap
    fcntl = None

STATE_FILE = "carrier-state.json"
STATE_FORMAT = 2
PAGE_LIMIT = 1000
USER_AGENT = "brandname-carrier-client/1"
# Data the registry signed longer ago than this is refused, and a local copy that old answers
# "stale": a revocation must not be hidden by an attacker who freezes or replays the feed.
DEFAULT_MAX_AGE = 24 * 3600
STALE = index_.Answer(False, None, "stale")


def _stale_check(name, holder_id=None, channel=None):
    return STALE


def urllib_transport(method, url, headers, body=None, timeout=60):
    """(status, headers, bytes) over HTTP(S) with the standard library."""
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


class CarrierClient:
    """A carrier's verified local copy of the registry: sync() from the API, check() offline.

    `transport(method, url, headers, body=None) -> (status, headers, bytes)` replaces HTTP (tests,
    proxies); `today` fixes the day answers are given for (tests), else it is today in Hanoi,
    followed across midnight by a timer thread."""

    def __init__(
        self,
        base_url=None,
        *,
        directory,
        key=None,
        transport=None,
        today=None,
        page_limit=PAGE_LIMIT,
        max_age=DEFAULT_MAX_AGE,
        clock=None,
        log_key=None,
    ):
        self.base_url = (base_url or "").rstrip("/")
        self.log_key = log_key  # the log's verifier key, if pinned by the operator
        self.key = key
        self.dir = Path(directory)
        self.transport = transport or urllib_transport
        self.page_limit = page_limit
        self._fixed_today = today
        self.max_age = max_age  # seconds; None or 0: no freshness limit
        self._clock = clock or (lambda: datetime.now(UTC))
        self._fresh_timer = None
        self._newest = None  # (signed time, highest seq) verified during the current sync
        self.state = None
        self._mutex = threading.RLock()  # one sync per client at a time
        self._flock_held = False
        self._index = index_.Index(self.today())
        self.check = self._index.checker()
        self._timer = None
        self._trust = None  # (monotonic time, pinned root, root PEM, keys) while following
        self._load()
        self._schedule_midnight()

    # -- answering ---------------------------------------------------------------------------
    def check(self, name, holder_id=None, channel=None):
        """Answer(deliverable, status, reason) for a message under `name` (from `holder_id`: an
        enterprise code, or the ID number the carrier verified for an individual customer; by
        `channel`: "sms" or "voice").

        Replaced per instance by the index's own function (see index.Index.checker)."""
        return self._index.checker()(name, holder_id, channel)

    def today(self):
        return self._fixed_today or local_today()

    def __len__(self):
        return len(self._index)

    @property
    def seq(self):
        return self.state["seq"] if self.state else None

    @property
    def state_path(self):
        return self.dir / STATE_FILE

    def entries(self):
        """Every name held, as index.Entry, read from the local names file."""
        if self.state is None:
            return
        with open(self.dir / self.state["names_file"], encoding="utf-8") as fh:
            yield from index_.read_entries(fh)

    def _schedule_midnight(self):
        if self._fixed_today is not None:
            return
        now = datetime.now(UTC).astimezone(VN_TZ)
        midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        self._timer = threading.Timer((midnight - now).total_seconds() + 1, self._midnight)
        self._timer.daemon = True
        self._timer.start()

    def _midnight(self):
        self._index.roll_to(self.today())
        self._schedule_midnight()

    def close(self):
        """Stop following the day (the timer thread); checks keep answering for the last one."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._fresh_timer is not None:
            self._fresh_timer.cancel()
            self._fresh_timer = None

    def _install(self, index):
        index.roll_to(self.today())  # midnight may have passed while it was built
        self._index = index
        self._arm_freshness()

    @property
    def signed_time(self):
        """The newest signed time verified (a UTC datetime), or None."""
        found = self.state.get("signed_time") if self.state else None
        return _parse_time(found) if found else None

    def _arm_freshness(self):
        """Answer from the index while the newest verified data is younger than max_age, and
        "stale" after (a timer switches over in a long-running process)."""
        if self._fresh_timer is not None:
            self._fresh_timer.cancel()
            self._fresh_timer = None
        signed = self.signed_time
        if not self.max_age or signed is None:
            self.check = self._index.checker()
            return
        left = (signed + timedelta(seconds=self.max_age) - self._clock()).total_seconds()
        if left <= 0:
            self.check = _stale_check
            return
        self.check = self._index.checker()
        if self._fixed_today is None:
            self._fresh_timer = threading.Timer(left, self._arm_freshness)
            self._fresh_timer.daemon = True
            self._fresh_timer.start()

    def _vet(self, payload, seq, what, *, replay=True):
        """Refuse a genuine document older than what was verified before, or older than the
        freshness limit; remember its signed time and sequence for the state."""
        try:
            signed = _parse_time(payload["time"])
        except (KeyError, TypeError, ValueError) as exc:
            raise refusal(
                TamperedData, f"{what} không có thời điểm ký hợp lệ.", f"The {what} has no valid signed time."
            ) from exc
        known = self.signed_time
        high = max(self.state.get("high_seq", self.state["seq"]) if self.state else 0, 0)
        if replay and ((known is not None and signed < known) or (self.state is not None and seq < high)):
            raise refusal(
                ReplayedData,
                f"{what} cũ hơn dữ liệu đã xác minh (bị phát lại?).",
                f"The {what} (seq {seq}, signed {payload['time']}) is older than data already verified "
                f"(seq {high}, signed {known.isoformat() if known else '-'}): an old answer was replayed.",
            )
        if self.max_age and signed < self._clock() - timedelta(seconds=self.max_age):
            raise refusal(
                StaleData,
                f"{what} được ký quá lâu ({payload['time']}); nguồn dữ liệu có thể bị đóng băng.",
                f"The {what} was signed at {payload['time']}, longer ago than the freshness limit of "
                f"{self.max_age} s: the feed may be frozen.",
            )
        newest = self._newest
        self._newest = (max(signed, newest[0]) if newest else signed, max(seq, newest[1] if newest else 0))

    # -- local state -------------------------------------------------------------------------
    def _read_state(self):
        try:
            data = json.loads(self.state_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        if data.get("format") not in (1, STATE_FORMAT):
            raise SyncError(f"unknown local state format in {self.state_path}")
        return data

    def _load(self):
        for attempt in (1, 2):
            state = self._read_state()
            if state is None:  # none yet, or deleted on purpose: the next sync starts afresh
                self.state = None
                return
            if state["format"] == 1:
                self._upgrade(state)
                return
            index = index_.Index(self.today())
            try:
                with open(self.dir / state["names_file"], encoding="utf-8") as fh, _bulk():
                    index.extend(index_.read_entries(fh))
            except FileNotFoundError:
                if attempt == 2:
                    raise
                continue  # a sync elsewhere replaced it after we read the state: read again
            index.set_targets(_targets(state.get("targets")))
            self.state = state
            self._install(index)
            return

    def _upgrade(self, old):
        """Format 1 (one JSON document with every name) to format 2, keeping the pinned root."""
        index = index_.Index(self.today())
        with self._locked(), _bulk():
            with _NamesFile(self.dir, old["seq"]) as out:

                def entries():
                    for normal, (name, status, until, holder, authorized, serial) in old["names"].items():
                        entry = index_.Entry(normal, name, status, until, holder, tuple(authorized), serial)
                        out.write(entry)
                        yield entry

                index.extend(entries())
            state = {k: v for k, v in old.items() if k not in ("names", "format")}
            self._commit({**state, "format": STATE_FORMAT, "names_file": out.name, "count": len(index)})
        self._install(index)

    @contextlib.contextmanager
    def _locked(self):
        """Syncs of one folder take turns, across threads and processes (re-entrant)."""
        with self._mutex:
            if self._flock_held:
                yield
                return
            self.dir.mkdir(parents=True, exist_ok=True)
            with open(self.dir / ".lock", "a") as lock:
                if fcntl is not None:
                    fcntl.flock(lock, fcntl.LOCK_EX)
                self._flock_held = True
                try:
                    yield
                finally:
                    self._flock_held = False

    def _commit(self, state):
        """Make `state` (and the names file it names) the local state, in one rename."""
        tmp = self.dir / f".{STATE_FILE}.{os.getpid()}.tmp"
        try:
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(state, fh, ensure_ascii=False)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.state_path)
        finally:
            tmp.unlink(missing_ok=True)
        previous = self.state["names_file"] if self.state and "names_file" in self.state else None
        # keep the previous names file a while: a process loading the old state may be reading it
        keep = {state["names_file"], previous}
        for path in self.dir.glob("names-*.jsonl"):
            if path.name not in keep:
                path.unlink(missing_ok=True)
        self.state = state

    # -- syncing -----------------------------------------------------------------------------
    def _get(self, path, *, auth=True):
        headers = {"Accept": "*/*", "User-Agent": USER_AGENT}
        if auth:
            if not self.key:
                raise SyncError("an API key is needed to sync (--key or BRANDNAME_CARRIER_KEY)")
            headers["Authorization"] = f"Bearer {self.key}"
        status, _, body = self.transport("GET", self.base_url + path, headers)
        if status != 200:
            try:
                detail = json.loads(body)
                detail = f"{detail.get('message_en')} / {detail.get('message')}"
            except (ValueError, AttributeError):
                detail = body[:200]
            raise SyncError(f"GET {path} answered {status}: {detail}")
        return body

    def sync(self, *, full=False, wait=None, trust_seconds=0):
        """Bring the local copy up to the registry's head; returns a summary dict.

        With `wait` (seconds), a registry with nothing new holds the request until the next act
        or that long (follow mode). `trust_seconds` reuses the registry's certificates fetched
        that recently instead of fetching them again.

        Raises SyncError (nothing changed locally) if anything fails to verify."""
        if not self.base_url:
            raise SyncError("the registry URL is unknown")
        with self._locked():
            if self._read_state() != self.state:  # another process synced this folder meanwhile
                self._load()
            pinned = self.state["root_pem"] if self.state else None
            root_pem, keys = self._trusted(pinned, trust_seconds)
            state = {
                "format": STATE_FORMAT,
                "registry": self.base_url,
                "root_pem": root_pem,
                "log": self._verified_log(),
            }
            self._newest = None
            with _bulk():
                # a copy from before the registry published its protected names has none of
                # them: start again from a snapshot, which carries them
                if self.state is None or full or "targets" not in self.state:
                    return self._sync_snapshot(keys, state)
                return self._sync_changes(keys, state, wait)

    # -- the transparency log -----------------------------------------------------------------
    def _log_verifier(self):
        known = (self.state or {}).get("log") or {}
        vkey = known.get("vkey")
        if self.log_key and vkey and self.log_key != vkey:
            raise refusal(
                LogInconsistent,
                "Khóa của sổ công khai khác khóa đã ghim.",
                "The transparency log's key differs from the pinned one.",
            )
        # pinned by the operator, else by the first sync (as the registry root is)
        vkey = self.log_key or vkey or self._get("/api/v1/tlog/vkey", auth=False).decode().strip()
        try:
            return vkey, note.Verifier.parse(vkey)
        except note.NoteError as exc:
            raise refusal(TamperedData, "Khóa của sổ công khai không hợp lệ.", f"Bad log key: {exc}") from exc

    def _verified_log(self):
        """The registry's current checkpoint, verified and shown to extend the one verified
        before (consistency proof); refused otherwise, before anything is changed."""
        vkey, verifier = self._log_verifier()
        try:
            signed = self._get("/tlog/checkpoint", auth=False).decode()
            new = note.open_checkpoint(signed, verifier)
        except (note.NoteError, UnicodeDecodeError) as exc:
            raise refusal(
                TamperedData,
                "Điểm kiểm tra của sổ công khai không có chữ ký hợp lệ.",
                f"The log checkpoint does not verify: {exc}",
            ) from exc
        known = (self.state or {}).get("log")
        if known:
            old = note.open_checkpoint(known["checkpoint"], verifier)
            self._require_extension(old, new)
        return {"vkey": vkey, "checkpoint": signed}

    def _consistency(self, size1, size2):
        body = json.loads(self._get(f"/api/v1/tlog/consistency?from={size1}&to={size2}", auth=False))
        return [bytes.fromhex(h) for h in body["hashes"]]

    def _require_extension(self, old, new):
        if new.size < old.size:
            raise refusal(
                ReplayedData,
                f"Điểm kiểm tra của sổ công khai ({new.size} mục) cũ hơn điểm đã xác minh ({old.size} mục):"
                " bị phát lại, hoặc sổ bị cắt ngắn.",
                f"The log checkpoint (size {new.size}) is older than the one verified before (size "
                f"{old.size}): an old answer was replayed, or the log was truncated.",
            )
        if new.size == old.size:
            if new.root != old.root:
                raise refusal(
                    LogInconsistent,
                    "Hai điểm kiểm tra cùng kích thước nhưng khác gốc: sổ bị rẽ nhánh.",
                    f"Two checkpoints of size {new.size} with different roots: a forked log.",
                )
            return
        if old.size == 0:
            return
        try:
            merkle.verify_consistency(
                old.size, new.size, old.root, new.root, self._consistency(old.size, new.size)
            )
        except (merkle.ProofError, ValueError, KeyError, TypeError) as exc:
            raise refusal(
                LogInconsistent,
                f"Sổ công khai ở {new.size} mục không nối tiếp sổ đã xác minh ở {old.size} mục.",
                f"The log of size {new.size} does not extend the one verified at size {old.size}: {exc}",
            ) from exc

    def log_view(self):
        """What this client verified of the log, to compare with other clients (split views)."""
        known = (self.state or {}).get("log")
        if not known:
            return None
        _, verifier = self._log_verifier()
        checkpoint = note.open_checkpoint(known["checkpoint"], verifier)
        return {
            "origin": checkpoint.origin,
            "size": checkpoint.size,
            "root": checkpoint.root.hex(),
            "vkey": known["vkey"],
            "checkpoint": known["checkpoint"],
        }

    def compare_view(self, other_checkpoint):
        """Check another client's signed checkpoint against this one's: both must be signed by
        the log and one must extend the other (proved by the registry). Raises LogInconsistent
        when they show two histories; returns a summary otherwise."""
        mine = self.log_view()
        if mine is None:
            raise SyncError("no verified checkpoint yet: sync first")
        _, verifier = self._log_verifier()
        try:
            theirs = note.open_checkpoint(other_checkpoint, verifier)
        except note.NoteError as exc:
            raise refusal(
                TamperedData, "Điểm kiểm tra kia không hợp lệ.", f"The other checkpoint: {exc}"
            ) from exc
        ours = note.open_checkpoint(mine["checkpoint"], verifier)
        older, newer = sorted((ours, theirs), key=lambda c: c.size)
        self._require_extension(older, newer)
        return {"consistent": True, "sizes": [ours.size, theirs.size]}

    def _trusted(self, pinned, max_age):
        found = self._trust
        if max_age > 0 and found and found[1] == pinned and time.monotonic() - found[0] < max_age:
            return found[2], found[3]
        root_pem, keys = trusted_keys(self._get("/api/v1/registry-certificate", auth=False), pinned)
        self._trust = (time.monotonic(), pinned, root_pem, keys)
        return root_pem, keys

    def follow(
        self, *, wait=25, stop=None, on_sync=None, on_error=None, retry_seconds=1.0, trust_seconds=300
    ):
        """Keep the local copy current until `stop` (a threading.Event) is set: each request for
        changes waits at the registry for the next act (up to `wait` s), so a revocation reaches
        `check` about as soon as it is committed. Every page is verified as by sync(); a refused
        one changes nothing and is retried after `retry_seconds`, with the certificates fetched
        again (the registry may have rotated its issuing key)."""
        stop = stop or threading.Event()
        while not stop.is_set():
            try:
                summary = self.sync(wait=wait, trust_seconds=trust_seconds)
            except SyncError as exc:
                self._trust = None
                if on_error is not None:
                    on_error(exc)
                stop.wait(retry_seconds)
                continue
            if on_sync is not None:
                on_sync(summary)

    def _sync_snapshot(self, keys, state):
        snapshot = self.dir / f".snapshot-{os.getpid()}-{secrets.token_hex(4)}.tmp"
        try:
            return self._sync_from(snapshot, keys, state)
        finally:
            snapshot.unlink(missing_ok=True)

    def _sync_from(self, snapshot, keys, state):
        snapshot_seq, count, targets = self._download_snapshot(keys, snapshot)
        index = index_.Index(self.today())
        seq, changes, pages, applied, newer_targets = self._changes(keys, snapshot_seq, index)
        if newer_targets is not None:
            targets = newer_targets
        stale = []  # registered spellings of names the changes replace
        with _NamesFile(self.dir, seq) as out:

            def listed(snapshot):
                for entry in snapshot:
                    if entry.name_normal not in changes:
                        out.write(entry)
                    else:  # a later state follows below
                        stale.append(index_.spelling_of(entry))
                    yield entry

            index.extend(listed(_snapshot_entries(snapshot)))
            if len(index) != count:
                raise refusal(
                    TamperedData,
                    "Số tên trong bản chụp khác bản kê khai.",
                    "The snapshot's name count differs from its manifest.",
                )
            for entry, _ in filter(None, changes.values()):
                out.write(entry)
        index.apply(changes, filter(None, stale))
        index.set_targets(_targets(targets))
        self._commit(
            {
                **state,
                **self._progress(seq),
                "names_file": out.name,
                "count": len(index),
                "targets": targets,
            }
        )
        self._install(index)
        return {"seq": seq, "names": len(index), "start": "snapshot", "pages": pages, "changes": applied}

    def _sync_changes(self, keys, state, wait=None):
        seq, changes, pages, applied, targets = self._changes(keys, self.state["seq"], self._index, wait)
        parsed = None
        if targets is None:
            targets = self.state.get("targets")
        else:
            parsed = _targets(targets)  # before anything changes: a malformed list is refused
        names_file, count = self.state["names_file"], self.state["count"]
        stale = []  # registered spellings of names the changes replace
        if changes:  # a new names file: the current one with the changes applied
            with _NamesFile(self.dir, seq) as out:
                with open(self.dir / names_file, encoding="utf-8") as current:
                    for line in current:
                        if index_.line_key(line) not in changes:
                            out.write_line(line)
                        else:
                            stale.extend(map(index_.spelling_of, index_.read_entries([line])))
                for entry, _ in filter(None, changes.values()):
                    out.write(entry)
            names_file, count = out.name, out.count
        self._commit(
            {**state, **self._progress(seq), "names_file": names_file, "count": count, "targets": targets}
        )
        self._index.apply(changes, filter(None, stale))
        if parsed is not None:
            self._index.set_targets(parsed)
        self._arm_freshness()
        return {"seq": seq, "names": len(self._index), "start": "local", "pages": pages, "changes": applied}

    def _progress(self, seq):
        progress = {"seq": seq, "synced_at": datetime.now(UTC).replace(microsecond=0).isoformat()}
        previous = self.state or {}
        newest = self._newest
        if newest is not None:
            progress["signed_time"] = newest[0].isoformat()
        elif previous.get("signed_time"):
            progress["signed_time"] = previous["signed_time"]
        progress["high_seq"] = max(seq, previous.get("high_seq", 0), newest[1] if newest else 0)
        return progress

    def _download_snapshot(self, keys, path):
        """(seq, name count) of the registry's current snapshot, verified and saved to `path`:
        parsed from there, its tens of megabytes are not held while the index grows."""
        manifest = verify_jws(self._get("/api/v1/snapshot/manifest"), keys, SNAPSHOT_TYP)
        if (
            manifest.get("type") != SNAPSHOT_TYPE
            or not isinstance(manifest.get("seq"), int)
            or not isinstance(manifest.get("count"), int)
        ):
            raise refusal(TamperedData, "Bản kê khai không đúng định dạng.", "Malformed snapshot manifest.")
        # a snapshot may lag the head (the change pages that follow must reach it): freshness only
        self._vet(manifest, manifest["seq"], "snapshot manifest / bản kê khai", replay=False)
        body = self._get(f"/api/v1/snapshot?seq={manifest['seq']}")
        if len(body) != manifest.get("size") or hashlib.sha256(body).hexdigest() != manifest.get("sha256"):
            raise refusal(
                TamperedData,
                "Tệp bản chụp không khớp với bản kê khai đã ký.",
                "The snapshot file does not match the SHA-256 of its signed manifest.",
            )
        path.write_bytes(body)
        # version 1 manifests published no protected names: None, not an empty list
        targets = manifest.get("targets")
        _targets(targets)  # refused here if malformed, before anything is built
        return manifest["seq"], manifest["count"], targets

    def _changes(self, keys, seq, index, wait=None):
        """Read and verify the change pages after `seq` up to the head.

        Returns (new seq, {normal: (Entry, index.pack(Entry)) or None if released}, pages, events,
        targets): the last state of each name touched, packed already so that applying it cannot
        fail, and the protected names of the last page that listed them (None if none did)."""
        changes = {}
        targets = None
        pages = applied = 0
        while True:
            page = verify_jws(
                self._get(
                    f"/api/v1/changes?since={seq}&limit={self.page_limit}"
                    + (f"&wait={int(wait)}" if wait else "")
                ),
                keys,
                CHANGES_TYP,
            )
            if page.get("type") != CHANGES_TYPE or not isinstance(page.get("changes"), list):
                raise refusal(TamperedData, "Trang thay đổi không đúng định dạng.", "Malformed change page.")
            if page.get("since") != seq:
                raise refusal(
                    ReplayedData,
                    "Trang thay đổi không bắt đầu từ số thứ tự đã có (bị phát lại?).",
                    f"The change page starts after {page.get('since')}, not after the local "
                    f"sequence {seq}: an old or foreign page was replayed.",
                )
            expected = seq
            for change in page["changes"]:
                expected += 1
                if not isinstance(change, dict) or change.get("seq") != expected:
                    raise refusal(
                        ReplayedData,
                        "Các sự kiện không liên tục hoặc sai thứ tự.",
                        f"Events out of order or missing: expected {expected}, got "
                        f"{change.get('seq') if isinstance(change, dict) else change!r}.",
                    )
                for record in change.get("names") or ():
                    _apply_record(changes, record, index)
                applied += 1
            if (
                page.get("next") != expected
                or not isinstance(page.get("head"), int)
                or page["head"] < expected
            ):
                raise refusal(
                    TamperedData,
                    "Số thứ tự tiếp theo không khớp.",
                    "The page's next/head sequence numbers do not match its events.",
                )
            self._vet(page, page["head"], "change page / trang thay đổi")
            if page.get("targets") is not None:
                _targets(page["targets"])
                targets = page["targets"]
            pages += 1
            seq = expected
            if not page["changes"] or seq >= page["head"]:
                return seq, changes, pages, applied, targets


@contextlib.contextmanager
def _bulk():
    """Build without the cyclic garbage collector: the index holds no cycles, and a collection
    every few hundred new objects over a heap growing by a million names costs more than the
    build itself."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _NamesFile:
    """A new names file, written under a hidden name and renamed into place once complete."""

    def __init__(self, folder, seq):
        self.name = f"names-{seq:012d}-{secrets.token_hex(4)}.jsonl"
        self.path = folder / self.name
        self.tmp = folder / f".{self.name}.tmp"
        self.count = 0

    def __enter__(self):
        self.fh = open(self.tmp, "w", encoding="utf-8", buffering=1 << 20)
        return self

    def write_line(self, line):
        self.fh.write(line)
        self.count += 1

    def write(self, entry):
        self.write_line(index_.entry_line(entry))

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self.fh.flush()
                os.fsync(self.fh.fileno())
                self.fh.close()
                os.replace(self.tmp, self.path)
        finally:
            self.fh.close()
            self.tmp.unlink(missing_ok=True)


def _apply_record(changes, record, index):
    normal = record.get("name_normal") if isinstance(record, dict) else None
    if not isinstance(normal, str):
        raise refusal(
            TamperedData, "Bản ghi thay đổi không đúng định dạng.", "Malformed record in a change page."
        )
    if record.get("status") == "released":
        changes[normal] = None
    else:
        entry = index_.entry_from_record(record)
        changes[normal] = (entry, index.pack(entry))


def _targets(published):
    """The protected and watched names as published (a signed manifest or change page, or the
    local state): a list of {"name", "category", "of"?}; None (not published) is no names."""
    if published is None:
        return []
    try:
        out = []
        for item in published:
            name, category = item["name"], item["category"]
            of = item.get("of") or name
            if not all(isinstance(v, str) and v for v in (name, category, of)):
                raise TypeError("target")
            out.append(index_.Target(name, category, of))
        return out
    except (TypeError, KeyError, AttributeError) as exc:
        raise refusal(
            TamperedData,
            "Danh sách tên được bảo vệ không đúng định dạng.",
            f"Malformed list of protected names: {str(published)[:120]}",
        ) from exc


def _snapshot_entries(path):
    try:
        with gzip.open(path) as lines:  # streamed: one line at a time
            for line in lines:
                try:
                    record = index_.json_line(line)
                except ValueError as exc:
                    raise refusal(
                        TamperedData, "Dòng bản chụp không phải JSON.", "A snapshot line is not JSON."
                    ) from exc
                yield index_.entry_from_record(record)
    except (OSError, EOFError) as exc:
        raise refusal(TamperedData, "Tệp bản chụp hỏng.", f"The snapshot file is corrupt: {exc}") from exc


def _parse_time(text):
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("a signed time without its UTC offset")
    return moment.astimezone(UTC)
