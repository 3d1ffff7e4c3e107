"""`brandname doctor`: check the whole registry's invariants and list every problem found.

Read-only. Checks:
- every active name has exactly one current certificate, whose JWS verifies against the registry
  keys over exactly the stored record, and whose record matches the certificate and name rows;
- every certificate is complete (record, signature, kid) and its signature verifies;
- issued applications have their certificates and certificates point at issued applications
  (a crash in the middle of issuance leaves neither half);
- at most one live row per name;
- the event sequence runs 1..N with no gap and no duplicate; the counters are at least the
  highest value used;
- kept PDF files (DATA_DIR/certificates/*.pdf) are whole, their PAdES signature verifies over
  the whole file and they carry exactly their certificate's record and JWS; present for certificates
  the database marks as rendered (when the certificates table has such a column).
No Flask here: the caller passes the session, the key store and the data folder.
"""

import json
import os
import re
from pathlib import Path

from sqlalchemy import and_, func, inspect, select

from brandname.certificates import pdf as certificate_pdf
from brandname.certificates import signing
from brandname.certificates.signing import SignatureInvalid
from brandname.store.models import Application, Brandname, Certificate, Counter, Event, Holder

MAX_PER_CHECK = 20
_SERIAL_NO = re.compile(r"^BN-\d{4}-(\d+)$")


class Findings:
    def __init__(self):
        self.problems = []
        self._counts = {}

    def add(self, check, message):
        n = self._counts.get(check, 0) + 1
        self._counts[check] = n
        if n <= MAX_PER_CHECK:
            self.problems.append(f"[{check}] {message}")
        elif n == MAX_PER_CHECK + 1:
            self.problems.append(f"[{check}] … more problems of this kind (counted below)")

    @property
    def counts(self):
        return dict(self._counts)

    @property
    def ok(self):
        return not self._counts


def check(session, keys, data_dir=None, *, verify_all=True, chunk=5000):
    """Run every check; return Findings (problems listed, counted per check)."""
    found = Findings()
    _check_signing_key(keys, found)
    _check_active_names(session, keys, found)
    if verify_all:
        _check_all_certificates(session, keys, found, chunk)
    _check_applications(session, found)
    _check_unique_live(session, found)
    _check_events(session, found)
    _check_counters(session, found)
    if data_dir is not None:
        _check_files(session, Path(data_dir), found, keys)
    return found


def _check_signing_key(keys, found):
    problem = signing.issuing_usage_problem(keys.current.certificate)
    if problem:
        found.add("signing_key", f"current issuing certificate {keys.current_kid}: {problem}")


def _check_active_names(session, keys, found):
    current = dict(
        session.execute(
            select(Certificate.brandname_id, func.count())
            .where(Certificate.status == "current")
            .group_by(Certificate.brandname_id)
            .having(func.count() > 1)
        ).all()
    )
    for bn_id, n in current.items():
        found.add("current_certificate", f"brandname id {bn_id} has {n} current certificates")
    stmt = (
        select(
            Brandname.id,
            Brandname.name,
            Brandname.name_normal,
            Brandname.valid_until,
            Holder.kind,
            Holder.id_number,
            Certificate.serial,
            Certificate.record,
            Certificate.signature,
            Certificate.valid_until,
        )
        .join(Holder, Holder.id == Brandname.holder_id)
        .outerjoin(
            Certificate, and_(Certificate.brandname_id == Brandname.id, Certificate.status == "current")
        )
        .where(Brandname.status == "active")
        .order_by(Brandname.id)
    )
    for (
        _bn_id,
        name,
        normal,
        valid_until,
        h_kind,
        h_id,
        serial,
        record,
        signature,
        c_until,
    ) in session.execute(stmt.execution_options(yield_per=5000)):
        if serial is None:
            found.add("current_certificate", f"active name {name} has no current certificate")
            continue
        try:
            keys.verify(signature, (record or "").encode("utf-8"))
            data = json.loads(record)
        except (SignatureInvalid, ValueError) as exc:
            found.add("signature", f"{serial} ({name}): {exc}")
            continue
        expected = {
            "serial": serial,
            "name": name,
            "name_normal": normal,
            "valid_until": valid_until.isoformat() if valid_until else None,
        }
        for key, value in expected.items():
            if data.get(key) != value:
                found.add(
                    "record_mismatch",
                    f"{serial} ({name}): record {key}={data.get(key)!r}, registry {value!r}",
                )
        if c_until != valid_until:
            found.add(
                "record_mismatch",
                f"{serial} ({name}): certificate valid_until {c_until} ≠ name valid_until {valid_until}",
            )
        holder = data.get("holder") or {}
        public_id = h_id if h_kind == "organization" else None
        if holder.get("kind") != h_kind or holder.get("id_number") != public_id:
            found.add("record_mismatch", f"{serial} ({name}): record holder differs from the name's holder")


def _check_all_certificates(session, keys, found, chunk):
    stmt = select(
        Certificate.serial, Certificate.record, Certificate.signature, Certificate.kid, Certificate.status
    ).order_by(Certificate.id)
    for serial, record, signature, kid, status in session.execute(stmt.execution_options(yield_per=chunk)):
        if not record or not signature or not kid:
            found.add("incomplete_certificate", f"{serial}: record, signature or kid is empty")
            continue
        if status != "current":  # current ones were verified with their names above
            try:
                header, _ = keys.verify(signature, record.encode("utf-8"))
            except SignatureInvalid as exc:
                found.add("signature", f"{serial}: {exc}")
                continue
            if header.get("kid") != kid:
                found.add("signature", f"{serial}: kid column {kid} ≠ JWS header {header.get('kid')}")


def _check_applications(session, found):
    issued_without = (
        session.execute(
            select(Application.id).where(
                Application.status == "issued",
                ~select(Certificate.id).where(Certificate.application_id == Application.id).exists(),
            )
        )
        .scalars()
        .all()
    )
    for app_id in issued_without:
        found.add("half_issued", f"application {app_id} is issued but has no certificate")
    orphans = session.execute(
        select(Certificate.serial, Application.id, Application.status)
        .join(Application, Application.id == Certificate.application_id)
        .where(Application.status != "issued")
    ).all()
    for serial, app_id, status in orphans:
        found.add("half_issued", f"certificate {serial} belongs to application {app_id} in status {status}")


def _check_unique_live(session, found):
    for normal, n in session.execute(
        select(Brandname.name_normal, func.count())
        .where(Brandname.status != "released")
        .group_by(Brandname.name_normal)
        .having(func.count() > 1)
    ):
        found.add("duplicate_name", f"{normal} has {n} live rows")


def _check_events(session, found):
    total, distinct, low, high = session.execute(
        select(func.count(), func.count(func.distinct(Event.seq)), func.min(Event.seq), func.max(Event.seq))
    ).one()
    if total == 0:
        return
    if distinct != total:
        found.add("event_sequence", f"{total - distinct} duplicate sequence numbers")
    if low != 1:
        found.add("event_sequence", f"the sequence starts at {low}, not 1")
    if high != distinct:
        expected = 1
        for (seq,) in session.execute(
            select(Event.seq).order_by(Event.seq).execution_options(yield_per=10000)
        ):
            if seq > expected:
                found.add("event_sequence", f"gap: {expected}..{seq - 1} missing")
            expected = seq + 1


def _check_counters(session, found):
    counters = dict(session.execute(select(Counter.name, Counter.value)).all())
    max_seq = session.scalar(select(func.max(Event.seq))) or 0
    if counters.get("event", 0) < max_seq:
        found.add("counter", f"event counter {counters.get('event')} < highest sequence {max_seq}")
    max_serial = 0
    # serials are BN-YYYY-NNNNNNN with one counter across years: the longest, then highest, wins
    for (serial,) in session.execute(
        select(Certificate.serial)
        .order_by(func.length(Certificate.serial).desc(), func.substr(Certificate.serial, 9).desc())
        .limit(1)
    ):
        m = _SERIAL_NO.match(serial)
        if m:
            max_serial = int(m.group(1))
    if counters.get("serial", 0) < max_serial:
        found.add("counter", f"serial counter {counters.get('serial')} < highest serial number {max_serial}")


def _rendered_marker():
    """A column that marks a certificate's PDF as kept, if the certificates table has one."""
    columns = {c.key for c in inspect(Certificate).columns}
    for name in ("pdf_rendered_at", "rendered_at", "pdf_sha256", "pdf_path", "pdf_rendered"):
        if name in columns:
            return name
    return None


def _pdf_path_for(data_dir, serial):
    # the layout of documents.certificate_pdf_path: DATA_DIR/certificates/<serial>.pdf
    return data_dir / "certificates" / f"{serial}.pdf"


def _kept_pdfs(folder):
    """The kept PDFs one by one (os.scandir, no list of 100k paths in memory)."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.endswith(".pdf") and entry.is_file():
                yield Path(entry.path)


def _check_kept_pdf(keys, path, data, record, signature):
    """A problem with one kept PDF in words, or None: whole, signed by the registry over the
    whole file, and carrying exactly the certificate's record and JWS."""
    if not data.startswith(b"%PDF-"):
        return "not a PDF file"
    check = signing.check_pdf(keys, data)
    if not check.ok:
        return f"signature does not verify ({check.problem}: {(check.detail or '')[:120]})"
    files = certificate_pdf.read_attachments(data)
    if files.get(certificate_pdf.RECORD_FILE) != (record or "").encode("utf-8"):
        return "embedded record differs from the certificate's record"
    if (files.get(certificate_pdf.SIGNATURE_FILE) or b"").decode("ascii", "replace").strip() != signature:
        return "embedded JWS differs from the certificate's signature"
    return None


def _check_files(session, data_dir, found, keys=None):
    folder = data_dir / "certificates"
    if folder.is_dir():
        _check_kept_folder(session, folder, found, keys)
    _check_marked(session, data_dir, found)


def _check_kept_folder(session, folder, found, keys):
    for path in _kept_pdfs(folder):
        try:
            data = path.read_bytes()  # one file at a time: memory stays flat
        except OSError as exc:
            found.add("files", f"{path}: unreadable ({exc.strerror})")
            continue
        row = session.execute(
            select(Certificate.record, Certificate.signature).where(Certificate.serial == path.stem)
        ).first()
        if not data.startswith(b"%PDF-"):
            found.add("files", f"{path}: not a PDF file")
        elif row is None:
            found.add("files", f"{path}: no certificate with serial {path.stem}")
        elif keys is not None:
            problem = _check_kept_pdf(keys, path, data, row.record, row.signature)
            if problem:
                found.add("files", f"{path}: {problem}")
        del data


def _check_marked(session, data_dir, found):
    marker = _rendered_marker()
    if marker is None:
        return
    column = getattr(Certificate, marker)
    for serial, value in session.execute(
        select(Certificate.serial, column).where(column.isnot(None)).execution_options(yield_per=5000)
    ):
        if value is False:
            continue
        path = Path(value) if marker == "pdf_path" else _pdf_path_for(data_dir, serial)
        if not path.is_absolute():
            path = data_dir / path
        if not path.exists():
            found.add("files", f"{serial}: marked as rendered ({marker}) but {path} is missing")
