"""Names from before the decree (Art. 36): carrier lists go into a review queue, an officer
recognizes or refuses each row, and a recognized row becomes a name through the ordinary
certificate path (holder, signed certificate of kind `legacy`). No Flask here.

Loading a list is one act per chunk of rows (`queue_legacy_rows`), so a list of any length is
read in constant memory: the rows of earlier chunks are found again in the queue itself (by normal
form and look-alike key, both indexed), nothing is kept between chunks.
"""

from dataclasses import dataclass, field

from sqlalchemy import insert, select, update

from brandname.errors import InvalidInput, NotAllowed, NotFound
from brandname.lifecycle._kernel import (
    DEFAULT_RULES,
    Result,
    act,
    moment,
    record_event,
    require_staff,
)
from brandname.lifecycle.applications import _holder_for
from brandname.lifecycle.certificates import make_certificate
from brandname.rules import dates
from brandname.rules import legacy as legacy_rules
from brandname.rules import names as name_rules
from brandname.store.models import Brandname, LegacyBatch, LegacyRow

IMPORTER = "legacy_import"
MAX_REASON = 1000


@dataclass
class _Seen:
    """The rows of the chunk being checked that passed so far: {normal form: line},
    {confusable key: (line, normal form)}."""

    names: dict = field(default_factory=dict)
    keys: dict = field(default_factory=dict)


@dataclass
class RowOutcome:
    """What happened to one row, for the operator's summary."""

    line: int
    name: str
    status: str  # pending | refused
    problems: list = field(default_factory=list)  # [(vi, en)]
    warnings: list = field(default_factory=list)  # [(vi, en)]
    term_cut: bool = False


@act
def open_legacy_batch(session, *, filename, carrier, file_date, actor, now=None):
    """Start a list: the batch its rows will belong to."""
    now = moment(now)
    batch = LegacyBatch(
        filename=(filename or "")[:255],
        carrier=(carrier or "")[:100],
        file_date=file_date,
        imported_at=now,
        imported_by=actor.label,
        rows_total=0,
        rows_refused=0,
        rows_warned=0,
    )
    session.add(batch)
    session.flush()
    record_event(
        session,
        actor,
        "legacy_batch",
        "legacy_batch",
        batch.id,
        now=now,
        details={"filename": batch.filename, "carrier": batch.carrier, "file_date": file_date.isoformat()},
    )
    return batch


@act
def queue_legacy_rows(session, batch_id, rows, *, actor, unreadable=(), now=None):
    """Check a chunk of a list's rows and put them in the review queue; return a RowOutcome per
    line, in line order. `rows` have the attributes of `ops.bulk.NameRow`; `unreadable` are
    (line, vi, en) for lines the reader could not parse. One `legacy_queue` event per chunk."""
    now = moment(now)
    today = dates.local_date(now)
    batch = session.get(LegacyBatch, batch_id, with_for_update=True)
    if batch is None:
        raise NotFound(f"Không tìm thấy danh sách {batch_id}.", f"No list {batch_id}.")
    rows = list(rows)
    normals = [name_rules.normal_form(r.name or "") for r in rows]
    ckeys = [name_rules.confusable_key(r.name or "") for r in rows]
    # earlier chunks of this list are in the queue already, under this batch's id
    known = _Known(
        batch_id=batch.id,
        live=_live_by_normal(session, normals),
        live_keys=_live_by_key(session, ckeys),
        queued=_queued_by_normal(session, normals),
        queued_keys=_queued_by_key(session, ckeys),
    )
    seen = _Seen()

    outcomes, records = [], []
    for line, vi, en in unreadable:
        problem = legacy_rules.unreadable(vi, en)
        outcomes.append(RowOutcome(line, "", "refused", [(vi, en)]))
        records.append(_record(batch, line=line, status="refused", problems=[problem], now=now, actor=actor))
    for row, normal, ckey in zip(rows, normals, ckeys):
        check = legacy_rules.check_row(
            row.name,
            row.holder,
            use_sms=row.use_sms,
            use_voice=row.use_voice,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            today=today,
        )
        problems, warnings = _against_others(row, normal, ckey, check, seen, known)
        status = "refused" if problems else "pending"
        outcomes.append(
            RowOutcome(
                row.line,
                row.name,
                status,
                [(p.message_vi, p.message_en) for p in problems],
                [legacy_rules.warning_text(w) for w in warnings],
                term_cut=not problems and legacy_rules.term_exceeds(row.valid_until, today),
            )
        )
        records.append(
            _record(
                batch,
                line=row.line,
                status=status,
                problems=problems,
                now=now,
                actor=actor,
                row=row,
                holder=check.holder if not problems else row.holder,
                normal=normal,
                ckey=ckey,
                warnings=warnings,
            )
        )
    if records:
        session.execute(insert(LegacyRow), records)
    refused = [o for o in outcomes if o.status == "refused"]
    warned = sum(1 for o in outcomes if o.warnings)
    session.execute(
        update(LegacyBatch)
        .where(LegacyBatch.id == batch.id)
        .values(
            rows_total=LegacyBatch.rows_total + len(outcomes),
            rows_refused=LegacyBatch.rows_refused + len(refused),
            rows_warned=LegacyBatch.rows_warned + warned,
        )
    )
    outcomes.sort(key=lambda o: o.line)
    record_event(
        session,
        actor,
        "legacy_queue",
        "legacy_batch",
        batch.id,
        now=now,
        details={
            "lines": [outcomes[0].line, outcomes[-1].line] if outcomes else [],
            "queued": len(outcomes) - len(refused),
            "warned": warned,
            "refused": [[o.line, r.get("refusal_code")] for o, r in _refused_codes(outcomes, records)],
        },
    )
    return outcomes


@dataclass
class _Known:
    """What the registry and the queue hold of one chunk's names and look-alike keys: live
    {normal: status}, live_keys {key: [normal]}, queued {normal: [(batch id, line)]}, queued_keys
    {key: [(normal, batch id, line)]}."""

    batch_id: int
    live: dict
    live_keys: dict
    queued: dict
    queued_keys: dict


def _against_others(row, normal, ckey, check, seen, known):
    """(problems, warnings) of a row once compared with the list so far (this chunk's rows in
    `seen`, earlier chunks' in the queue), the registry and the other lists still waiting."""
    problems = list(check.problems)
    if problems:
        return problems, []
    queued = known.queued.get(normal, ())
    same_list = [line for batch_id, line in queued if batch_id == known.batch_id]
    if normal in seen.names or same_list:
        problems.append(legacy_rules.duplicate_in_file(seen.names.get(normal) or min(same_list)))
    elif normal in known.live:
        problems.append(legacy_rules.already_registered(row.name, known.live[normal]))
    elif queued:
        problems.append(legacy_rules.already_queued(row.name, *min(queued)))
    if problems:
        return problems, []
    warnings = [
        legacy_rules.confusable_warning(other, "registry")
        for other in known.live_keys.get(ckey, ())
        if other != normal
    ]
    in_list = [(line, other) for other, b, line in known.queued_keys.get(ckey, ()) if b == known.batch_id]
    if ckey in seen.keys:
        in_list.append(seen.keys[ckey])
    in_list = [(line, other) for line, other in in_list if other != normal]
    if in_list:
        first_line, first_name = min(in_list)
        warnings.append(legacy_rules.confusable_warning(first_name, "file", first_line))
    others = {other for other, b, _line in known.queued_keys.get(ckey, ()) if b != known.batch_id}
    warnings += [legacy_rules.confusable_warning(other, "queue") for other in sorted(others - {normal})]
    seen.names[normal] = row.line
    seen.keys.setdefault(ckey, (row.line, normal))
    return problems, warnings


def _refused_codes(outcomes, records):
    by_line = {r["line"]: r for r in records}
    return [(o, by_line[o.line]) for o in outcomes if o.status == "refused"]


def _record(
    batch, *, line, status, problems, now, actor, row=None, holder=None, normal="", ckey="", warnings=()
):
    """The legacy_rows insert of one line. A row refused here is decided by the importer."""
    holder = holder if isinstance(holder, dict) else {}
    refused = status == "refused"
    return {
        "batch_id": batch.id,
        "line": line,
        "name": ((row.name if row else "") or "")[:60],
        "name_normal": (normal or "")[:60],
        "confusable_key": (ckey or "")[:80],
        "holder": {k: v for k, v in holder.items() if v is not None},
        "holder_name": str(holder.get("name") or "")[:300],
        "purpose": (row.purpose if row else "") or "",
        "use_sms": bool(row.use_sms) if row else True,
        "use_voice": bool(row.use_voice) if row else False,
        "valid_from_filed": row.valid_from if row else None,
        "valid_until_filed": row.valid_until if row else None,
        "source": ((row.source if row else "") or batch.carrier)[:200],
        "extra": dict(row.extra) if row else {},
        "status": status,
        "warnings": list(warnings),
        "refusal_code": problems[0].code if refused else None,
        "refusal_reason": "; ".join(p.message_vi for p in problems) if refused else None,
        "term_cut": False,
        "decided_at": now if refused else None,
        "decided_by_id": None,
        "decided_by_label": actor.label if refused else None,
    }


def _live_by_normal(session, normals):
    wanted = sorted({n for n in normals if n})
    if not wanted:
        return {}
    return dict(
        session.execute(
            select(Brandname.name_normal, Brandname.status).where(
                Brandname.name_normal.in_(wanted), Brandname.status != "released"
            )
        ).all()
    )


def _live_by_key(session, ckeys):
    wanted = sorted({k for k in ckeys if k})
    out = {}
    if wanted:
        for key, normal in session.execute(
            select(Brandname.confusable_key, Brandname.name_normal).where(
                Brandname.confusable_key.in_(wanted), Brandname.status != "released"
            )
        ):
            out.setdefault(key, []).append(normal)
    return out


def _queued_by_normal(session, normals):
    wanted = sorted({n for n in normals if n})
    out = {}
    if wanted:
        for normal, batch_id, line in session.execute(
            select(LegacyRow.name_normal, LegacyRow.batch_id, LegacyRow.line).where(
                LegacyRow.name_normal.in_(wanted), LegacyRow.status == "pending"
            )
        ):
            out.setdefault(normal, []).append((batch_id, line))
    return out


def _queued_by_key(session, ckeys):
    wanted = sorted({k for k in ckeys if k})
    out = {}
    if wanted:
        for key, normal, batch_id, line in session.execute(
            select(LegacyRow.confusable_key, LegacyRow.name_normal, LegacyRow.batch_id, LegacyRow.line).where(
                LegacyRow.confusable_key.in_(wanted), LegacyRow.status == "pending"
            )
        ):
            out.setdefault(key, []).append((normal, batch_id, line))
    return out


# -- the officer's decisions ------------------------------------------------------------------


def _lock_pending(session, row_ids, *, several_need_no_warning):
    """The rows, locked in id order and re-read under the lock; each must still be pending, and
    several at once only when none of them carries a warning."""
    ids = sorted({int(i) for i in row_ids})
    if not ids:
        raise InvalidInput("Chọn ít nhất một dòng.", "Choose at least one row.")
    rows = session.scalars(
        select(LegacyRow)
        .where(LegacyRow.id.in_(ids))
        .order_by(LegacyRow.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    if len(rows) != len(ids):
        raise NotFound("Không tìm thấy dòng cần xét.", "A row to decide was not found.")
    for row in rows:
        if row.status != "pending":
            raise NotAllowed(
                f"Tên {row.name} (dòng {row.line}) đã được quyết định (trạng thái: {row.status}).",
                f"{row.name} (line {row.line}) was already decided (status: {row.status}).",
            )
    if several_need_no_warning and len(rows) > 1:
        warned = [r.name for r in rows if r.warnings]
        if warned:
            raise NotAllowed(
                "Tên có cảnh báo phải được xét riêng từng tên: " + ", ".join(warned) + ".",
                "Names with a warning must be decided one at a time: " + ", ".join(warned) + ".",
            )
    return rows


@act
def recognize_legacy(session, row_ids, *, actor, keys, now=None, rules=DEFAULT_RULES):
    """An officer recognizes pending rows: each becomes an active name with a signed certificate
    (kind `legacy`), its term from today and at most 3 years (a longer carrier term is cut)."""
    now = moment(now)
    require_staff(actor)
    today = dates.local_date(now)
    rows = _lock_pending(session, row_ids, several_need_no_warning=True)
    result = Result()
    made = []
    for row in rows:
        if legacy_rules.is_expired(row.valid_until_filed, today):
            problem = legacy_rules.expired_problem(row.valid_until_filed)
            raise NotAllowed(problem.message_vi, problem.message_en)
        taken = session.scalar(
            select(Brandname.status).where(
                Brandname.name_normal == row.name_normal, Brandname.status != "released"
            )
        )
        if taken is not None:
            problem = legacy_rules.already_registered(row.name, taken)
            raise NotAllowed(problem.message_vi, problem.message_en)
        valid_from, valid_until, cut = legacy_rules.recognized_term(row.valid_until_filed, today)
        term = {
            "valid_from": valid_from.isoformat(),
            "valid_until": valid_until.isoformat(),
            "valid_until_filed": row.valid_until_filed.isoformat() if row.valid_until_filed else None,
            "term_cut": cut,
        }
        holder = _holder_for(session, row.holder, now)
        bn = Brandname(
            name=row.name,
            name_normal=row.name_normal,
            confusable_key=row.confusable_key,
            holder=holder,
            holder_id=holder.id,
            status="active",
            use_sms=row.use_sms,
            use_voice=row.use_voice,
            purpose=row.purpose or "",
            reserved_at=now,
            valid_from=valid_from,
            valid_until=valid_until,
            legacy_source=row.source[:200] or None,
        )
        session.add(bn)
        session.flush()
        made.append((row, bn, holder, cut, term))
    # the order every act keeps: rows and unique indexes first (the holders, the live names, all of
    # them), then the event counter, then the serial; so racing acts queue and cannot deadlock
    for row, bn, holder, cut, term in made:
        record_event(
            session,
            actor,
            "legacy_recognize",
            "legacy_row",
            row.id,
            now=now,
            name_normal=row.name_normal,
            details={"batch_id": row.batch_id, "line": row.line, "name": row.name, **term},
        )
        cert = make_certificate(
            session,
            bn,
            kind="legacy",
            keys=keys,
            now=now,
            rules=rules,
            valid_from=bn.valid_from,
            valid_until=bn.valid_until,
        )
        record_event(
            session,
            actor,
            "legacy",
            "certificate",
            cert.id,
            now=now,
            name_normal=bn.name_normal,
            details={
                "serial": cert.serial,
                "previous_serial": None,
                "holder_id": holder.id,
                "source": bn.legacy_source,
                "batch_id": row.batch_id,
                "line": row.line,
                **term,
                **(row.extra or {}),
            },
        )
        row.status, row.decided_at, row.decided_by_id, row.decided_by_label = (
            "recognized",
            now,
            actor.id,
            actor.label,
        )
        row.valid_from, row.valid_until, row.term_cut, row.brandname_id = (
            bn.valid_from,
            bn.valid_until,
            cut,
            bn.id,
        )
        result.brandnames.append(bn)
        result.certificates.append(cert)
    session.flush()
    return result


@act
def refuse_legacy(session, row_ids, *, actor, reason, now=None):
    """An officer refuses pending rows, with the reason written on each."""
    now = moment(now)
    require_staff(actor)
    reason = " ".join((reason or "").split())
    if not reason or len(reason) > MAX_REASON:
        raise InvalidInput(
            f"Ghi lý do từ chối (tối đa {MAX_REASON} ký tự).",
            f"Write the reason for refusing (at most {MAX_REASON} characters).",
        )
    rows = _lock_pending(session, row_ids, several_need_no_warning=True)
    for row in rows:
        row.status, row.decided_at, row.decided_by_id, row.decided_by_label = (
            "refused",
            now,
            actor.id,
            actor.label,
        )
        row.refusal_code, row.refusal_reason = "officer", reason
        record_event(
            session,
            actor,
            "legacy_refuse",
            "legacy_row",
            row.id,
            now=now,
            details={"batch_id": row.batch_id, "line": row.line, "name": row.name, "reason": reason},
        )
    session.flush()
    return rows
