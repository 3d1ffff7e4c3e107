"""Reference carrier client: keep a verified local copy of the registry and answer offline.

    python -m brandname.carrier_client sync URL --key KEY --dir DIR
    python -m brandname.carrier_client check NAME [--holder ID] --dir DIR   (exit 0 if deliverable)

Embeddable:

    client = CarrierClient("https://registry.example", key="bnk_…", directory="/var/lib/bn")
    client.sync()                      # snapshot on first run, then the change feed
    client.check("VIETSUN", holder_id="0101234567").deliverable

Trust: on the first sync the registry root certificate (GET /api/v1/registry-certificate) is
pinned in the local state. Every later chain must carry the same root; every issuing certificate
must be signed by it (X.509 signature checked); every JWS must be ES256 under the key of one of
those issuing certificates (kid = RFC 7638 thumbprint). The snapshot file must match the SHA-256
and size of its signed manifest; change pages must start exactly at the local sequence number
and run without gaps. Anything else raises a SyncError and leaves the local state untouched:
the new state is written to a temporary file and renamed over the old one only at the end.
"""

import argparse
import functools
import gzip
import hashlib
import io
import json
import os
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import namedtuple
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from brandname.carriers import feed
from brandname.rules import dates
from brandname.rules import names as name_rules

STATE_FILE = "carrier-state.json"
STATE_FORMAT = 1
PAGE_LIMIT = 1000

Answer = namedtuple("Answer", "deliverable status reason")
NOT_REGISTERED = Answer(False, None, "not_registered")
_ANSWERS = {
    tuple(a): a
    for a in (
        Answer(True, "active", "ok"),
        Answer(False, "active", "holder_mismatch"),
        Answer(False, "reserved", "reserved"),
        Answer(False, "expired", "expired"),
        Answer(False, "revoked", "revoked"),
    )
}


class SyncError(Exception):
    """The registry's data could not be verified; the local state was not changed."""


class RegistryCertificateMismatch(SyncError):
    pass


class TamperedData(SyncError):
    pass


class ReplayedData(SyncError):
    pass


def _err(cls, vi, en):
    return cls(f"{en} / {vi}")


# -- transport -------------------------------------------------------------------------------


def urllib_transport(method, url, headers, body=None, timeout=60):
    """(status, headers, bytes) over HTTP(S) with the standard library."""
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


# -- trust -----------------------------------------------------------------------------------


def _load_chain(pem):
    try:
        certs = x509.load_pem_x509_certificates(pem if isinstance(pem, bytes) else pem.encode())
    except ValueError as exc:
        raise _err(
            TamperedData,
            "Chuỗi chứng thư không đọc được.",
            f"The registry certificate chain is not valid PEM: {exc}",
        ) from exc
    if not certs:
        raise _err(TamperedData, "Chuỗi chứng thư rỗng.", "The registry certificate chain is empty.")
    return certs


def _fingerprint(cert):
    return cert.fingerprint(cert.signature_hash_algorithm).hex()


def trusted_keys(chain_pem, pinned_root_pem=None):
    """{kid: ECKey} of the issuing certificates signed by the (pinned) root.

    Raises RegistryCertificateMismatch if the chain's root is not the pinned one."""
    certs = _load_chain(chain_pem)
    root = certs[0]
    if pinned_root_pem is not None:
        pinned = x509.load_pem_x509_certificate(pinned_root_pem.encode())
        if pinned.public_bytes(serialization.Encoding.DER) != root.public_bytes(serialization.Encoding.DER):
            raise _err(
                RegistryCertificateMismatch,
                "Chứng thư gốc của sổ đăng ký khác với chứng thư đã ghim; không đồng bộ.",
                f"The registry root certificate ({_fingerprint(root)[:16]}…) differs from the pinned "
                f"one ({_fingerprint(pinned)[:16]}…); refusing to sync. Remove the local state only "
                "if the registry announced a new root.",
            )
    try:
        root.verify_directly_issued_by(root)
    except Exception as exc:  # noqa: BLE001 - any failure means not a self-signed root
        raise _err(
            TamperedData,
            "Chứng thư gốc không tự ký hợp lệ.",
            f"The registry root is not a valid self-signed certificate: {exc}",
        ) from exc
    keys = {}
    for cert in certs[1:]:
        try:
            cert.verify_directly_issued_by(root)
        except Exception as exc:  # noqa: BLE001
            raise _err(
                TamperedData,
                "Chứng thư ký không do chứng thư gốc cấp.",
                f"An issuing certificate is not signed by the registry root: {exc}",
            ) from exc
        pem = cert.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        jwk = ECKey.import_key(pem)
        keys[jwk.thumbprint()] = jwk
    if not keys:
        raise _err(TamperedData, "Không có chứng thư ký nào.", "The chain has no issuing certificate.")
    root_pem = root.public_bytes(serialization.Encoding.PEM).decode("ascii")
    return root_pem, keys


def verify_jws(token, keys, typ):
    """The payload (parsed JSON) of a compact JWS signed by one of the trusted issuing keys."""
    if isinstance(token, bytes):
        token = token.decode("ascii", "replace")
    token = token.strip()
    try:
        header = json.loads(_b64(token.split(".")[0]))
    except (ValueError, IndexError) as exc:
        raise _err(TamperedData, "Dữ liệu ký không đúng định dạng JWS.", "Not a compact JWS.") from exc
    if header.get("alg") != "ES256":
        raise _err(
            TamperedData,
            "Thuật toán chữ ký không được chấp nhận.",
            f"Unexpected JWS algorithm {header.get('alg')!r}.",
        )
    key = keys.get(header.get("kid"))
    if key is None:
        raise _err(
            TamperedData,
            "Khóa ký không thuộc chuỗi chứng thư của sổ đăng ký.",
            f"The JWS key id {header.get('kid')!r} is not an issuing certificate of the registry.",
        )
    if header.get("typ") != typ:
        raise _err(
            TamperedData, "Loại dữ liệu ký không đúng.", f"Expected a {typ} JWS, got {header.get('typ')!r}."
        )
    try:
        obj = jws.deserialize_compact(token, key, algorithms=["ES256"])
    except (JoseError, ValueError) as exc:
        raise _err(
            TamperedData,
            "Chữ ký không hợp lệ: dữ liệu đã bị sửa đổi.",
            f"The signature does not verify: the data was altered ({exc}).",
        ) from exc
    try:
        return json.loads(obj.payload)
    except ValueError as exc:
        raise _err(TamperedData, "Nội dung ký không phải JSON.", "The signed payload is not JSON.") from exc


def _b64(text):
    import base64

    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# -- local index -----------------------------------------------------------------------------
# An entry is a list [name, status, valid_until, holder_id_number, [authorized ids], serial],
# compact enough for millions of names.


def _entry(record):
    if (
        not isinstance(record, dict)
        or not isinstance(record.get("name_normal"), str)
        or record.get("status") not in ("active", "reserved", "expired", "revoked")
    ):
        raise _err(
            TamperedData,
            "Bản ghi tên định danh không đúng định dạng.",
            f"Malformed name record: {str(record)[:120]}",
        )
    return [
        record.get("name"),
        record["status"],
        record.get("valid_until"),
        (record.get("holder") or {}).get("id_number"),
        [a["id_number"] for a in record.get("authorizations") or ()],
        record.get("serial"),
    ]


class CarrierClient:
    """A carrier's verified local copy of the registry: sync() from the API, check() offline."""

    def __init__(
        self, base_url=None, *, directory, key=None, transport=None, today=None, page_limit=PAGE_LIMIT
    ):
        self.base_url = (base_url or "").rstrip("/")
        self.key = key
        self.dir = Path(directory)
        self.transport = transport or urllib_transport
        self.page_limit = page_limit
        self._fixed_today = today
        self.state = None
        self.index = {}
        self._timer = None
        self._load()

    # -- local state -------------------------------------------------------------------------
    @property
    def state_path(self):
        return self.dir / STATE_FILE

    @property
    def seq(self):
        return self.state["seq"] if self.state else None

    def _load(self):
        if self.state_path.exists():
            data = json.loads(self.state_path.read_text(encoding="utf-8"))
            if data.get("format") != STATE_FORMAT:
                raise SyncError(f"unknown local state format in {self.state_path}")
            self.index = data.pop("names")
            self.state = data
        self._rebuild_answers()

    def _save(self, state, index):
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.dir / f".{STATE_FILE}.{os.getpid()}.tmp"
        try:
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump({**state, "names": index}, fh, ensure_ascii=False, separators=(",", ":"))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.state_path)
        finally:
            tmp.unlink(missing_ok=True)

    # -- checking ----------------------------------------------------------------------------
    def today(self):
        return self._fixed_today or dates.local_today()

    def _rebuild_answers(self):
        """A fresh memo of answers (after a load, a sync, and at local midnight): a repeated
        check is one C-level cache hit; a first check computes the answer from the index."""
        self._today_iso = self.today().isoformat()
        index, today_iso = self.index, self._today_iso

        def answer(name, holder_id=None):  # bound to this index and day, so a sync swaps both at once
            return self._answer(name, holder_id, index, today_iso)

        self.check = functools.lru_cache(maxsize=2 * len(index) + 65_536)(answer)
        self._schedule_midnight()

    def _schedule_midnight(self):
        if self._fixed_today is not None:
            return
        if self._timer is not None:
            self._timer.cancel()
        now = datetime.now(UTC).astimezone(dates.VN_TZ)
        midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        self._timer = threading.Timer((midnight - now).total_seconds() + 1, self._rebuild_answers)
        self._timer.daemon = True
        self._timer.start()

    def _answer(self, name, holder_id=None, index=None, today_iso=None):
        """Answer(deliverable, status, reason) for a message under `name` (from `holder_id`)."""
        if not isinstance(name, str):
            return NOT_REGISTERED
        entry = (self.index if index is None else index).get(name_rules.normal_form(name))
        if entry is None:
            return NOT_REGISTERED
        answer = feed.decide(entry[1], entry[2], entry[3], entry[4], holder_id, today_iso or self._today_iso)
        return _ANSWERS.get(answer) or Answer(*answer)

    def check(self, name, holder_id=None):  # replaced per instance by the memo above
        return self._answer(name, holder_id)

    # -- syncing -----------------------------------------------------------------------------
    def _get(self, path, *, auth=True):
        headers = {"Accept": "*/*", "User-Agent": "brandname-carrier-client/1"}
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

    def sync(self, *, full=False):
        """Bring the local index up to the registry's head; returns a summary dict.

        Raises SyncError (nothing changed locally) if anything fails to verify."""
        if not self.base_url:
            raise SyncError("the registry URL is unknown")
        pinned = self.state["root_pem"] if self.state else None
        chain = self._get("/api/v1/registry-certificate", auth=False)
        root_pem, keys = trusted_keys(chain, pinned)
        if self.state is None or full:
            seq, index = self._download_snapshot(keys)
            loaded_from = "snapshot"
        else:
            seq, index = self.state["seq"], dict(self.index)
            loaded_from = "local"
        seq, pages, applied = self._apply_changes(keys, seq, index)
        state = {
            "format": STATE_FORMAT,
            "registry": self.base_url,
            "root_pem": root_pem,
            "seq": seq,
            "synced_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        }
        self._save(state, index)
        self.state, self.index = state, index
        self._rebuild_answers()
        return {"seq": seq, "names": len(index), "start": loaded_from, "pages": pages, "changes": applied}

    def _download_snapshot(self, keys):
        manifest = verify_jws(self._get("/api/v1/snapshot/manifest"), keys, feed.SNAPSHOT_TYP)
        if manifest.get("type") != "brandname-snapshot" or not isinstance(manifest.get("seq"), int):
            raise _err(TamperedData, "Bản kê khai không đúng định dạng.", "Malformed snapshot manifest.")
        body = self._get(f"/api/v1/snapshot?seq={manifest['seq']}")
        if len(body) != manifest["size"] or hashlib.sha256(body).hexdigest() != manifest["sha256"]:
            raise _err(
                TamperedData,
                "Tệp bản chụp không khớp với bản kê khai đã ký.",
                "The snapshot file does not match the SHA-256 of its signed manifest.",
            )
        index = {}
        try:
            for line in gzip.GzipFile(fileobj=io.BytesIO(body)):  # streamed: one line at a time
                try:
                    record = json.loads(line)
                except ValueError as exc:
                    raise _err(
                        TamperedData, "Dòng bản chụp không phải JSON.", "A snapshot line is not JSON."
                    ) from exc
                entry = _entry(record)
                if record["name_normal"] in index:
                    raise _err(
                        TamperedData,
                        "Bản chụp có tên trùng lặp.",
                        f"The snapshot lists {record['name_normal']} twice.",
                    )
                index[record["name_normal"]] = entry
        except (OSError, EOFError) as exc:
            raise _err(TamperedData, "Tệp bản chụp hỏng.", f"The snapshot file is corrupt: {exc}") from exc
        if len(index) != manifest["count"]:
            raise _err(
                TamperedData,
                "Số tên trong bản chụp khác bản kê khai.",
                "The snapshot's name count differs from its manifest.",
            )
        return manifest["seq"], index

    def _apply_changes(self, keys, seq, index):
        pages = applied = 0
        while True:
            token = self._get(f"/api/v1/changes?since={seq}&limit={self.page_limit}")
            page = verify_jws(token, keys, feed.CHANGES_TYP)
            if page.get("type") != "brandname-changes" or not isinstance(page.get("changes"), list):
                raise _err(TamperedData, "Trang thay đổi không đúng định dạng.", "Malformed change page.")
            if page.get("since") != seq:
                raise _err(
                    ReplayedData,
                    "Trang thay đổi không bắt đầu từ số thứ tự đã có (bị phát lại?).",
                    f"The change page starts after {page.get('since')}, not after the local "
                    f"sequence {seq}: an old or foreign page was replayed.",
                )
            expected = seq
            for change in page["changes"]:
                expected += 1
                if change.get("seq") != expected:
                    raise _err(
                        ReplayedData,
                        "Các sự kiện không liên tục hoặc sai thứ tự.",
                        f"Events out of order or missing: expected {expected}, got {change.get('seq')}.",
                    )
                for record in change.get("names") or ():
                    normal = record.get("name_normal") if isinstance(record, dict) else None
                    if not isinstance(normal, str):
                        raise _err(
                            TamperedData,
                            "Bản ghi thay đổi không đúng định dạng.",
                            "Malformed record in a change page.",
                        )
                    if record.get("status") == "released":
                        index.pop(normal, None)
                    else:
                        index[normal] = _entry(record)
                applied += 1
            if (
                page.get("next") != expected
                or not isinstance(page.get("head"), int)
                or page["head"] < expected
            ):
                raise _err(
                    TamperedData,
                    "Số thứ tự tiếp theo không khớp.",
                    "The page's next/head sequence numbers do not match its events.",
                )
            pages += 1
            seq = expected
            if not page["changes"] or seq >= page["head"]:
                return seq, pages, applied


# -- command line ----------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m brandname.carrier_client", description="Carrier client of the brandname registry"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_sync = sub.add_parser("sync", help="download and verify the snapshot, then the changes")
    p_sync.add_argument("url")
    p_sync.add_argument("--key", default=os.environ.get("BRANDNAME_CARRIER_KEY"))
    p_sync.add_argument("--dir", required=True)
    p_sync.add_argument("--full", action="store_true", help="download the snapshot again")
    p_check = sub.add_parser("check", help="answer offline: exit 0 if deliverable")
    p_check.add_argument("name")
    p_check.add_argument("--holder", default=None, help="the sender's enterprise code")
    p_check.add_argument("--dir", required=True)
    args = parser.parse_args(argv)
    if args.command == "sync":
        try:
            client = CarrierClient(args.url, key=args.key, directory=args.dir)
            summary = client.sync(full=args.full)
        except SyncError as exc:
            print(f"sync refused, local state unchanged: {exc}", file=sys.stderr)
            return 2
        print(json.dumps(summary))
        return 0
    client = CarrierClient(directory=args.dir)
    if client.state is None:
        print("no local state: run `sync` first / chưa đồng bộ", file=sys.stderr)
        return 2
    answer = client.check(args.name, args.holder)
    print(json.dumps({"name": args.name, **answer._asdict(), "seq": client.seq}))
    return 0 if answer.deliverable else 1


if __name__ == "__main__":
    sys.exit(main())
