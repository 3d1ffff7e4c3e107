"""Bulk issue: many names at once, for the carriers' legacy lists and for large demo registries.

The per-name path (submit → approve → pay → issue) costs a dozen statements per name; a carrier's
list of a million names needs a faster road that still writes the same things: a live Brandname
row, a signed certificate record (made by lifecycle's own `certificate_record` and the registry's
key store), and one event per name whose sequence number comes from the same gap-free counter.

Each batch is ONE transaction: the counters `event` and `serial` are advanced under their row lock
by the batch size (as `lifecycle.next_value` does one by one), rows are inserted with Core
statements, and the batch commits or rolls back as a whole. A rerun skips names that are already
in the registry for the same holder (idempotent), and refuses names someone else holds.
No Flask here.
"""

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace

from sqlalchemy import JSON, func, select, text, update

from brandname.errors import InvalidInput
from brandname.lifecycle import Actor, certificate_record, crash_point
from brandname.lifecycle.certificates import new_holder_check
from brandname.rules import dates
from brandname.rules import names as name_rules
from brandname.rules.form01 import validate_applicant
from brandname.rules.privacy import new_verification_code
from brandname.store.models import Brandname, Certificate, Counter, Event, Holder
from brandname.transparency.log import mark_events_written

LEGACY_ACT = "legacy_import"


class _HolderView(SimpleNamespace):
    """What `certificate_record` reads from a holder, without an ORM instance per row."""

    public_id_number = Holder.public_id_number


@dataclass
class NameRow:
    """One name to issue in bulk: already parsed, not yet validated."""

    line: int
    name: str
    holder: dict
    purpose: str = ""
    use_sms: bool = True
    use_voice: bool = False
    valid_from: date | None = None
    valid_until: date | None = None
    source: str = ""
    extra: dict = field(default_factory=dict)


@dataclass
class BulkReport:
    imported: int = 0
    skipped: int = 0
    rejected: list = field(default_factory=list)  # (line, message_vi, message_en)
    batches: int = 0

    @property
    def rejected_count(self):
        return len(self.rejected)


def next_values(session, name, count):
    """Reserve `count` consecutive values of a gap-free counter; return the first one.

    Same lock as lifecycle.next_value: the UPDATE holds the counter row until the transaction
    ends, so a rolled-back batch gives its numbers back."""
    updated = session.execute(
        update(Counter).where(Counter.name == name).values(value=Counter.value + count)
    ).rowcount
    if not updated:
        session.add(Counter(name=name, value=count))
        session.flush()
        return 1
    return session.scalar(select(Counter.value).where(Counter.name == name)) - count + 1


def allocate_ids(session, model, count):
    """`count` fresh primary keys for `model`, so batches insert without RETURNING.

    PostgreSQL: from the table's own sequence (what a plain INSERT would use). SQLite: the
    database has one writer at a time; a no-op write first takes that lock for this
    transaction, then max(id)+1.. cannot be taken by anyone else before the commit."""
    if not count:
        return []
    table = model.__table__
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        seq = session.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name})
        return session.scalars(
            text("SELECT nextval(CAST(:s AS regclass)) FROM generate_series(1, :n)"), {"s": seq, "n": count}
        ).all()
    session.execute(update(Counter).where(Counter.name == "serial").values(value=Counter.value))
    start = (session.scalar(select(func.max(table.c.id))) or 0) + 1
    return list(range(start, start + count))


def write_rows(session, table, rows):
    """Insert dict rows into a Core table, as fast as the backend allows, inside the session's
    transaction. PostgreSQL: COPY through psycopg; SQLite: the DBAPI's executemany with the
    columns' own SQLAlchemy bind processors (so stored values are exactly what the ORM writes)."""
    if not rows:
        return
    columns = [c for c in table.columns if c.name in rows[0]]
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name == "postgresql":
        json_cols = {c.name for c in columns if isinstance(c.type, JSON)}
        names = ", ".join(f'"{c.name}"' for c in columns)
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(
                    [
                        json.dumps(row[c.name])
                        if c.name in json_cols and row[c.name] is not None
                        else row[c.name]
                        for c in columns
                    ]
                )
        return
    processors = [(c.name, c.type.bind_processor(dialect)) for c in columns]
    placeholders = ", ".join("?" for _ in columns)
    sql = f'INSERT INTO "{table.name}" ({", ".join(c.name for c in columns)}) VALUES ({placeholders})'
    connection.exec_driver_sql(
        sql, [tuple(p(row[n]) if p else row[n] for n, p in processors) for row in rows]
    )


def validate_row(row):
    """Return (cleaned holder, errors as [(vi, en)])."""
    problems = []
    errs = name_rules.name_errors(row.name or "")
    if errs:
        problems.append(
            (
                "Tên định danh không hợp lệ: " + "; ".join(e.message_vi for e in errs),
                "Invalid sender name: " + "; ".join(e.message_en for e in errs),
            )
        )
    holder = None
    try:
        holder = validate_applicant(row.holder)
    except InvalidInput as exc:
        problems.append((exc.message_vi, exc.message_en))
    if not (row.use_sms or row.use_voice):
        problems.append(
            (
                "Chọn ít nhất một hình thức: tin nhắn hoặc cuộc gọi.",
                "Choose at least one form of use: SMS or voice calls.",
            )
        )
    if row.valid_from and row.valid_until and row.valid_until < row.valid_from:
        problems.append(("Ngày hết hạn trước ngày bắt đầu hiệu lực.", "valid_until is before valid_from."))
    return holder, problems


def issue_batch(session, rows, *, keys, rules, actor=None, now=None, report=None):
    """Issue one batch of NameRow as active names with signed records, in ONE transaction."""
    now = now or dates.utcnow()
    actor = actor or Actor.operator("bulk")
    report = report if report is not None else BulkReport()
    today = dates.local_date(now)
    try:
        _issue_batch(session, rows, keys=keys, rules=rules, actor=actor, now=now, today=today, report=report)
        crash_point("bulk_before_commit")
        session.commit()
    except BaseException:
        session.rollback()
        raise
    report.batches += 1
    return report


def _issue_batch(session, rows, *, keys, rules, actor, now, today, report):
    """Write one batch: holders, brandnames, certificates, events, in that order (see below)."""
    good = _valid_rows(rows, report)
    if not good:
        return
    todo = _not_yet_live(session, good, report)
    if not todo:
        return
    holder_ids = _holder_ids(session, todo, now)
    bn_ids = allocate_ids(session, Brandname, len(todo))
    bn_rows = _brandname_rows(todo, bn_ids, holder_ids, now=now, today=today)
    write_rows(session, Brandname.__table__, bn_rows)
    # The counters are taken in the lifecycle's order (event, then serial: confirm_payment records
    # its event before make_certificate draws a serial), so a bulk batch and an issuance cannot
    # deadlock. Certificate ids are allocated only after both counters are held.
    first_seq = next_values(session, "event", len(todo))
    first_serial = next_values(session, "serial", len(todo))
    cert_ids = allocate_ids(session, Certificate, len(todo))
    cert_rows = _certificate_rows(
        todo, bn_rows, cert_ids, first_serial, keys=keys, rules=rules, now=now, year=today.year
    )
    write_rows(session, Certificate.__table__, cert_rows)
    write_rows(
        session, Event.__table__, _event_rows(todo, bn_rows, cert_rows, first_seq, actor=actor, now=now)
    )
    mark_events_written(session)
    report.imported += len(todo)


def _valid_rows(rows, report):
    """Rows that pass validation, as (row, cleaned holder, normal form); the others go to the report.

    A name repeated inside the batch keeps its first occurrence: a repeat for the same holder is
    skipped as harmless, a repeat for another holder is rejected."""
    good, seen = [], {}
    for row in rows:
        holder, problems = validate_row(row)
        if problems:
            _reject(report, row.line, problems)
            continue
        normal = name_rules.normal_form(row.name)
        if normal not in seen:
            seen[normal] = (row.line, holder)
            good.append((row, holder, normal))
            continue
        first_line, first_holder = seen[normal]
        if _holder_key(first_holder) == _holder_key(holder):
            report.skipped += 1
            continue
        _reject(
            report,
            row.line,
            [
                (
                    f"Trùng với tên ở dòng {first_line} (chủ thể khác).",
                    f"Repeats the name on line {first_line} (another holder).",
                )
            ],
        )
    return good


def _holder_key(holder):
    return holder["kind"], holder["id_number"]


def _reject(report, line, problems):
    report.rejected.append((line, "; ".join(p[0] for p in problems), "; ".join(p[1] for p in problems)))


def _not_yet_live(session, good, report):
    """Drop the names already live: skipped when the same holder holds them already (a rerun),
    refused when anyone else does or the name is blocked."""
    live = _live_names(session, [normal for _, _, normal in good])
    todo = []
    for row, holder, normal in good:
        if normal not in live:
            todo.append((row, holder, normal))
            continue
        status, kind, id_number = live[normal]
        if (kind, id_number) == _holder_key(holder) and status == "active":
            report.skipped += 1
            continue
        report.rejected.append(
            (
                row.line,
                f"Tên {row.name} đã có trong sổ đăng ký (trạng thái: {status}) cho chủ thể khác "
                "hoặc đang bị phong tỏa.",
                f"{row.name} is already in the registry (status: {status}) for another holder or blocked.",
            )
        )
    return todo


def _live_names(session, normals):
    """{name_normal: (status, holder kind, holder id_number)} for those of `normals` not released."""
    return {
        bn_normal: (bn_status, kind, id_number)
        for bn_normal, bn_status, kind, id_number in session.execute(
            select(Brandname.name_normal, Brandname.status, Holder.kind, Holder.id_number)
            .join(Holder, Holder.id == Brandname.holder_id)
            .where(Brandname.name_normal.in_(normals), Brandname.status != "released")
        )
    }


def _holder_ids(session, todo, now):
    """{(kind, id_number): holder id} for every holder of the batch: existing holders are reused,
    the new ones inserted."""
    wanted = {_holder_key(h): h for _, h, _ in todo}
    holder_ids = _existing_holder_ids(session, wanted)
    new = [_holder_row(h, now) for key, h in wanted.items() if key not in holder_ids]
    if new:
        for h, hid in zip(new, allocate_ids(session, Holder, len(new))):
            h["id"] = hid
            holder_ids[_holder_key(h)] = hid
        write_rows(session, Holder.__table__, new)
    return holder_ids


def _existing_holder_ids(session, wanted):
    found = {}
    for hid, kind, id_number in session.execute(
        select(Holder.id, Holder.kind, Holder.id_number).where(
            Holder.id_number.in_(sorted({key[1] for key in wanted}))
        )
    ):
        if (kind, id_number) in wanted:
            found[(kind, id_number)] = hid
    return found


def _holder_row(holder, now):
    """A new holder row; the optional text fields are stored as '' rather than NULL."""
    return dict(
        holder,
        created_at=now,
        updated_at=now,
        **{k: (holder.get(k) or "") for k in ("name", "address", "email", "phone")},
    )


def _brandname_rows(todo, bn_ids, holder_ids, *, now, today):
    """Live brandname rows; without dates a name is valid from today for the standard term."""
    bn_rows = []
    for (row, holder, normal), bn_id in zip(todo, bn_ids):
        valid_from = row.valid_from or today
        valid_until = row.valid_until or dates.validity_end(valid_from)
        bn_rows.append(
            {
                "id": bn_id,
                "name": row.name,
                "name_normal": normal,
                **name_rules.keys(row.name),
                "holder_id": holder_ids[_holder_key(holder)],
                "status": "active",
                "use_sms": bool(row.use_sms),
                "use_voice": bool(row.use_voice),
                "purpose": row.purpose or "",
                "reserved_at": now,
                "valid_from": valid_from,
                "valid_until": valid_until,
                "application_id": None,
                "legacy_source": (row.source or None) and row.source[:200],
                "holder_check": new_holder_check(holder["kind"], holder["id_number"]),
            }
        )
    return bn_rows


def _certificate_rows(todo, bn_rows, cert_ids, first_serial, *, keys, rules, now, year):
    """Signed certificate records, one per brandname, numbered from `first_serial` on."""
    cert_rows = []
    for i, ((_row, holder, normal), bn) in enumerate(zip(todo, bn_rows)):
        cert = SimpleNamespace(
            serial=f"BN-{year}-{first_serial + i:07d}",
            kind="legacy",
            issued_at=now,
            valid_from=bn["valid_from"],
            valid_until=bn["valid_until"],
            previous_serial=None,
        )
        view = SimpleNamespace(
            name=bn["name"], name_normal=normal, use_sms=bn["use_sms"], use_voice=bn["use_voice"]
        )
        record, token = keys.sign_json(certificate_record(cert, view, _HolderView(**holder), rules))
        cert_rows.append(
            {
                "id": cert_ids[i],
                "serial": cert.serial,
                "brandname_id": bn["id"],
                "application_id": None,
                "kind": "legacy",
                "status": "current",
                "issued_at": now,
                "valid_from": cert.valid_from,
                "valid_until": cert.valid_until,
                "previous_serial": None,
                "superseded_by_serial": None,
                "record": record.decode("utf-8"),
                "signature": token,
                "kid": keys.current_kid,
                "verification_code": new_verification_code(),
            }
        )
    return cert_rows


def _event_rows(todo, bn_rows, cert_rows, first_seq, *, actor, now):
    """One event per name, numbered from `first_seq` on (the gap-free event sequence)."""
    return [
        {
            "seq": first_seq + i,
            "at": now,
            "actor_kind": actor.kind,
            "actor_id": actor.id,
            "actor_label": actor.label,
            "act": LEGACY_ACT,
            "subject_type": "certificate",
            "subject_id": cert["id"],
            "name_normal": bn["name_normal"],
            "application_id": None,
            "details": {
                "serial": cert["serial"],
                "valid_from": cert["valid_from"].isoformat(),
                "valid_until": cert["valid_until"].isoformat(),
                "holder_id": bn["holder_id"],
                "source": bn["legacy_source"],
                "line": row.line,
                **row.extra,
            },
        }
        for i, ((row, _, _), bn, cert) in enumerate(zip(todo, bn_rows, cert_rows))
    ]


def analyze(session):
    """Refresh the planner's statistics after a large load (a fresh PostgreSQL table has none
    until autovacuum comes by, and plans made without them can be very slow)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE holders, brandnames, certificates, events"))
    else:
        session.execute(text("PRAGMA analysis_limit=2000"))
        session.execute(text("ANALYZE"))
    session.commit()


def issue_many(
    session, rows, *, keys, rules, actor=None, now=None, batch_size=5000, progress=None, analyze_after=10_000
):
    """Issue an iterable of NameRow batch by batch (constant memory); return a BulkReport.

    After `analyze_after` or more new names the tables' statistics are refreshed."""
    report = BulkReport()
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= batch_size:
            issue_batch(session, batch, keys=keys, rules=rules, actor=actor, now=now, report=report)
            batch = []
            if progress:
                progress(report)
    if batch:
        issue_batch(session, batch, keys=keys, rules=rules, actor=actor, now=now, report=report)
        if progress:
            progress(report)
    if analyze_after is not None and report.imported >= analyze_after:
        analyze(session)
    return report


# -- the carriers' legacy CSV ----------------------------------------------------------------

CSV_COLUMNS = (
    "name",
    "holder_kind",
    "holder_name",
    "holder_id_number",
    "tax_code",
    "address",
    "email",
    "phone",
    "legal_representative",
    "contact_person",
    "use_sms",
    "use_voice",
    "purpose",
    "valid_from",
    "valid_until",
    "carrier",
)
REQUIRED_COLUMNS = ("name", "holder_kind", "holder_name", "holder_id_number")
_TRUE = {"1", "true", "yes", "y", "x", "có", "co"}
_FALSE = {"0", "false", "no", "n", "", "không", "khong"}


class CsvError(Exception):
    """The file as a whole cannot be read (missing columns)."""


def _flag(value, default):
    value = (value or "").strip().lower()
    if value == "":
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(value)


def _day(value):
    value = (value or "").strip()
    return date.fromisoformat(value) if value else None


def read_legacy_csv(fh, *, carrier, file_date, bad_rows):
    """Stream NameRow from a carrier's CSV (see README); unparsable rows go to `bad_rows`."""
    import csv

    reader = csv.DictReader(fh)
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise CsvError("missing columns: " + ", ".join(missing))
    reader.fieldnames = header
    for raw in reader:
        line = reader.line_num
        try:
            row_carrier = (raw.get("carrier") or "").strip() or carrier
            if not row_carrier:
                raise ValueError("carrier")
            yield NameRow(
                line=line,
                name=(raw.get("name") or "").strip(),
                holder={
                    "kind": (raw.get("holder_kind") or "").strip().lower(),
                    "name": raw.get("holder_name"),
                    "id_number": raw.get("holder_id_number"),
                    "tax_code": raw.get("tax_code"),
                    "address": raw.get("address"),
                    "email": raw.get("email"),
                    "phone": raw.get("phone"),
                    "legal_representative": raw.get("legal_representative"),
                    "contact_person": raw.get("contact_person"),
                },
                purpose=" ".join((raw.get("purpose") or "").split()),
                use_sms=_flag(raw.get("use_sms"), True),
                use_voice=_flag(raw.get("use_voice"), False),
                valid_from=_day(raw.get("valid_from")),
                valid_until=_day(raw.get("valid_until")),
                source=f"{row_carrier} ({file_date.isoformat()})",
                extra={"carrier": row_carrier, "file_date": file_date.isoformat()},
            )
        except ValueError as exc:
            what = str(exc)
            if what == "carrier":
                bad_rows.append(
                    (
                        line,
                        "Thiếu tên doanh nghiệp viễn thông (cột carrier hoặc --carrier).",
                        "The carrier is missing (carrier column or --carrier).",
                    )
                )
            else:
                bad_rows.append(
                    (
                        line,
                        f"Giá trị không hợp lệ: {what!r} (ngày dạng YYYY-MM-DD, cờ 0/1).",
                        f"Invalid value: {what!r} (dates as YYYY-MM-DD, flags 0/1).",
                    )
                )


def file_date_of(path):
    return datetime.fromtimestamp(path.stat().st_mtime).date()
