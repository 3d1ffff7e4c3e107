"""A fake registry for the client's own tests, built with cryptography and joserfc only.

It signs what the real registry signs, in the same formats (see brandname/carriers/feed.py in
the server): a root CA and an issuing certificate, ES256 compact JWS with kid = RFC 7638
thumbprint of the issuing key, a signed snapshot manifest over a gzip JSON-lines snapshot, and
signed change pages that list, for each event, the current state of the names it touched.
"""

import base64
import gzip
import hashlib
import json
import urllib.parse
import zlib
from datetime import UTC, date, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID
from joserfc import jws
from joserfc.jwk import ECKey

from brandname_carrier import CHANGES_TYP, SNAPSHOT_TYP, CarrierClient, merkle, note

BASE = "https://registry.test"
KEY = "bnk_12345678_testkey"
TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


def canonical(data):
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_root():
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Test Registry Root"))
        .issuer_name(_name("Test Registry Root"))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def make_issuing(root_key, root_cert):
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Test Registry Issuing"))
        .issuer_name(root_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(root_key, hashes.SHA256())
    )
    return key, cert


def pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


class Signer:
    """An issuing key under a root: signs like the registry's KeyStore.sign_json."""

    def __init__(self, root=None):
        self.root_key, self.root_cert = root or make_root()
        key, self.cert = make_issuing(self.root_key, self.root_cert)
        private_pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        self.jwk = ECKey.import_key(private_pem)
        public_pem = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.kid = ECKey.import_key(public_pem).thumbprint()

    def sign(self, payload, typ):
        header = {"alg": "ES256", "kid": self.kid, "typ": typ}
        return jws.serialize_compact(header, canonical(payload), self.jwk, algorithms=["ES256"]).encode()

    def chain(self):
        return (pem(self.root_cert) + pem(self.cert)).encode()


def record(name, status="active", *, holder="0101234567", until="2029-03-01", auths=(), serial=None):
    """A state record as GET /api/v1/brandnames/<name> shows it."""
    return {
        "name": name,
        "name_normal": name.upper(),
        "status": status,
        "holder": {"name": "Công ty Thử nghiệm", "id_number": holder},
        "serial": serial or f"BN-2026-{zlib.crc32(name.encode()) % 10**7:07d}",
        "valid_from": "2026-03-02",
        "valid_until": until,
        "revoked_at": "2026-03-02T03:00:00Z" if status == "revoked" else None,
        "revocation_ground": "Art. 29" if status == "revoked" else None,
        "authorizations": [{"id_number": a, "name": "Đại lý"} for a in auths],
    }


class LogSigner:
    """The log's Ed25519 key: signs checkpoints as C2SP signed notes, like the registry's LogKey."""

    def __init__(self, origin="registry.test/log"):
        self.origin = origin
        self.key = Ed25519PrivateKey.generate()
        raw = self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.id = note.key_id(origin, raw)
        self.vkey = note.verifier_key_text(origin, raw)

    def checkpoint(self, size, root):
        text = f"{self.origin}\n{size}\n{base64.b64encode(root).decode()}\n"
        sig = base64.b64encode(self.id + self.key.sign(text.encode())).decode()
        return f"{text}\n\u2014 {self.origin} {sig}\n"


class FakeRegistry:
    """Names, an event log and the carrier endpoints, served through a transport function."""

    def __init__(self, signer=None):
        self.signer = signer or Signer()
        self.records = {}  # normal -> record
        self.events = []  # (seq, act, [normal, ...])
        self.snapshots = {}  # seq -> gzip bytes
        self.hooks = []  # (path, status, body) -> (status, body), to tamper with answers
        self.frozen_at = None  # a signed time that stops advancing (a frozen feed)
        self.log = []
        self.log_signer = LogSigner()
        self.tree = merkle.MemoryTree()  # the transparency log: one leaf per event
        self.entries = []
        self.targets = None  # the protected names, once published (snapshot manifest version 2)
        self.version = 2

    @property
    def head(self):
        return len(self.events)

    def _event(self, act, names):
        self.events.append((self.head + 1, act, names))
        entry = {
            "seq": self.head,
            "at": "2026-03-02T03:00:00Z",
            "act": act,
            "names": [self.records.get(n) or {"name_normal": n, "status": "released"} for n in names],
        }
        self.entries.append(canonical(entry))
        self.tree.append(merkle.leaf_hash(self.entries[-1]))

    # -- acts ------------------------------------------------------------------------------------
    def put(self, rec, act="issue"):
        self.records[rec["name_normal"]] = rec
        self._event(act, [rec["name_normal"]])
        return rec

    def release(self, name):
        self.records.pop(name.upper(), None)
        self._event("release", [name.upper()])

    def protect(self, targets):
        """The protected names become `targets` (a watch-list or variant act)."""
        self.targets = [dict(t) for t in targets]
        self._event("watch_add", [])

    def silent_event(self):
        """An event that touches no name (an account act)."""
        self._event("account", [])

    # -- documents -------------------------------------------------------------------------------
    def snapshot(self):
        """(manifest token, gzip bytes) at the head."""
        lines = [canonical(r) for r in self.records.values()]
        body = gzip.compress(b"".join(line + b"\n" for line in lines), mtime=0)
        self.snapshots[self.head] = body
        manifest = {
            "type": "brandname-snapshot",
            "version": self.version,
            "seq": self.head,
            "time": self.signed_time(),
            "count": len(lines),
            "sha256": hashlib.sha256(body).hexdigest(),
            "size": len(body),
            "format": "application/jsonl+gzip",
        }
        if self.version >= 2:
            manifest["targets"] = self.targets or []
        return self.signer.sign(manifest, SNAPSHOT_TYP), body

    def changes_payload(self, since, limit):
        events = [e for e in self.events if e[0] > since][:limit]
        entries = [
            {
                "seq": seq,
                "at": "2026-03-02T03:00:00Z",
                "act": act,
                "names": [self.records.get(n) or {"name_normal": n, "status": "released"} for n in names],
            }
            for seq, act, names in events
        ]
        page = {
            "type": "brandname-changes",
            "version": self.version,
            "since": since,
            "next": entries[-1]["seq"] if entries else since,
            "head": self.head,
            "time": self.signed_time(),
            "changes": entries,
        }
        if self.version >= 2 and any(act == "watch_add" for _, act, _ in events):
            page["targets"] = self.targets or []
        return page

    def signed_time(self):
        """Now, as the registry signs it (documents are signed when served)."""
        moment = self.frozen_at or datetime.now(UTC)
        return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")

    def changes(self, since, limit):
        return self.signer.sign(self.changes_payload(since, limit), CHANGES_TYP)

    # -- HTTP ------------------------------------------------------------------------------------
    def answer(self, method, path, headers):
        url = urllib.parse.urlsplit(path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/api/v1/registry-certificate":
            return 200, self.signer.chain()
        if url.path == "/api/v1/tlog/vkey":
            return 200, (self.log_signer.vkey + "\n").encode()
        if url.path == "/tlog/checkpoint":
            return 200, self.log_signer.checkpoint(len(self.tree), self.tree.root()).encode()
        if url.path.startswith("/tlog/tile/entries/"):
            index, _, width = url.path.removeprefix("/tlog/tile/entries/").partition(".p/")
            n = int(index.replace("x", "").replace("/", ""))
            chosen = self.entries[n * 256 : n * 256 + (int(width) if width else 256)]
            return 200, b"".join(len(e).to_bytes(2, "big") + e for e in chosen)
        if url.path == "/api/v1/tlog/consistency":
            proof = self.tree.consistency(int(query["from"]), int(query["to"]))
            return 200, canonical({"hashes": [h.hex() for h in proof]})
        if headers.get("Authorization") != f"Bearer {KEY}":
            return 401, canonical({"message": "Khóa API không hợp lệ.", "message_en": "Invalid API key."})
        if url.path == "/api/v1/snapshot/manifest":
            return 200, self.snapshot()[0]
        if url.path == "/api/v1/snapshot" and int(query["seq"]) in self.snapshots:
            return 200, self.snapshots[int(query["seq"])]
        if url.path == "/api/v1/changes":
            return 200, self.changes(int(query["since"]), int(query.get("limit", 1000)))
        return 404, canonical({"message": "Không tìm thấy.", "message_en": "Not found."})

    def transport(self, method, url, headers, body=None):
        assert url.startswith(BASE)
        path = url[len(BASE) :]
        status, data = self.answer(method, path, headers)
        for hook in self.hooks:
            status, data = hook(path, status, data)
        self.log.append((path, status))
        return status, {}, data

    def tamper(self, prefix, change):
        """Rewrite the bodies of answers to paths starting with `prefix`."""
        self.hooks.append(lambda p, s, d: (s, change(d)) if p.startswith(prefix) else (s, d))


@pytest.fixture
def registry():
    return FakeRegistry()


@pytest.fixture
def make_client(tmp_path, registry):
    def make(**kw):
        kw.setdefault("today", TODAY)
        kw.setdefault("directory", tmp_path / "carrier")
        return CarrierClient(BASE, key=KEY, transport=registry.transport, **kw)

    return make


def state_bytes(client):
    """Everything the client keeps on disk, by file name."""
    if not client.dir.exists():
        return {}
    return {p.name: p.read_bytes() for p in sorted(client.dir.iterdir()) if p.name != ".lock"}
