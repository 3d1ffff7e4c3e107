"""Periodic reports to the authority (Art. 30–31; Forms 04, 05, 06): a holder or a carrier files
its report for a period of the reporting calendar, or for an officer's ad-hoc request; an
officer asks for a report. Each filing and each request is an event. What is owed, what is
overdue and the export table of a period are read-only questions here too.

The calendar and the forms are `rules/reporting.py`; the file of a signed form is checked and
written by the caller (web/uploads.py) and only recorded here.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from brandname.errors import Conflict, Forbidden, InvalidInput, NotAllowed
from brandname.lifecycle._kernel import DEFAULT_RULES, Actor, act, fetch, moment, record_event, require_staff
from brandname.lifecycle.reports import Table, _local
from brandname.rules import dates, reporting
from brandname.store.models import Brandname, CarrierKey, Holder, PeriodicReport, ReportRequest


@dataclass(frozen=True)
class Filer:
    """Who reports: a holder (by its id) or a carrier (by its API key's row, one per carrier)."""

    kind: str
    id: int

    @property
    def key(self):
        return f"{self.kind}:{self.id}"

    @classmethod
    def holder(cls, holder_id):
        return cls("holder", int(holder_id))

    @classmethod
    def carrier(cls, carrier_key_id):
        return cls("carrier", int(carrier_key_id))


CARRIER_LABEL = "carrier:"


def carrier_actor(carrier_name):
    """The actor of a carrier's own filing through the API: no account, its API key's name."""
    return Actor("carrier", f"{CARRIER_LABEL}{carrier_name}")


def _may_file(actor, filer, row):
    if actor.is_staff:
        return
    if filer.kind == "holder" and actor.kind == "applicant" and actor.holder_id == filer.id:
        return
    if filer.kind == "carrier" and actor.kind == "carrier" and actor.label == f"{CARRIER_LABEL}{row.name}":
        return
    raise Forbidden(
        "Bạn không có quyền nộp báo cáo thay cho bên này.", "You may not file a report for this filer."
    )


def _filer_row(session, filer):
    if filer.kind == "holder":
        return fetch(session, Holder, filer.id, lock=False, what_vi="tổ chức, cá nhân", what_en="holder")
    if filer.kind == "carrier":
        return fetch(
            session, CarrierKey, filer.id, lock=False, what_vi="doanh nghiệp viễn thông", what_en="carrier"
        )
    raise InvalidInput("Bên nộp báo cáo không hợp lệ.", "Unknown kind of filer.")


def filer_name(row):
    return row.name


@act
def file_report(
    session,
    filer,
    *,
    actor,
    form,
    period=None,
    request_id=None,
    figures=None,
    notes="",
    document=None,
    now=None,
    rules=DEFAULT_RULES,
):
    """File the report of `form` for a period label of the calendar (`period`) or for an ad-hoc
    request (`request_id`): either the online form's `figures` or a signed `document` (a dict
    with original_filename, stored_name, content_type, size, sha256, already checked and
    written). One filing per filer, form and obligation; a late one is accepted and marked late."""
    now = moment(now)
    today = dates.local_date(now)
    row = _filer_row(session, filer)
    _may_file(actor, filer, row)
    chosen = reporting.form(form, filer.kind)
    request = None
    if request_id is not None:
        request = fetch(
            session, ReportRequest, request_id, what_vi="yêu cầu báo cáo", what_en="report request"
        )
        if (request.filer, request.holder_id or request.carrier_key_id) != (filer.kind, filer.id):
            raise Forbidden(
                "Yêu cầu báo cáo này không gửi cho bạn.", "This report request is not addressed to you."
            )
        if request.form != chosen.number:
            raise InvalidInput(
                f"Yêu cầu này cần Mẫu {request.form}, không phải Mẫu {chosen.number}.",
                f"This request asks for Form {request.form}, not Form {chosen.number}.",
            )
        if request.status != "open":
            raise NotAllowed(
                "Yêu cầu báo cáo này đã được trả lời.", "This report request was already answered."
            )
        start, end, due, label, obligation = (
            request.period_start,
            request.period_end,
            request.due_date,
            None,
            f"request:{request.id}",
        )
    else:
        chosen_period = rules.report_calendar.parse(period)
        if chosen_period.end >= today:
            raise NotAllowed(
                f"Kỳ báo cáo {chosen_period.words_vi} chưa kết thúc; báo cáo được nộp sau ngày "
                f"{chosen_period.end:%d/%m/%Y}.",
                f"The period {chosen_period.label} has not ended; its report is filed after {chosen_period.end:%d/%m/%Y}.",
            )
        start, end, due = chosen_period.start, chosen_period.end, chosen_period.due_date
        label, obligation = chosen_period.label, f"period:{chosen_period.label}"
    if (figures is None) == (document is None):
        raise InvalidInput(
            "Nộp một trong hai: tệp báo cáo đã ký hoặc số liệu theo biểu mẫu trực tuyến.",
            "File one of the two: the signed report as a file, or the figures of the online form.",
        )
    values = reporting.figures(chosen, figures) if figures is not None else None
    notes = reporting.notes(notes)
    if session.scalars(
        select(PeriodicReport.id).where(
            PeriodicReport.filer_key == filer.key,
            PeriodicReport.form == chosen.number,
            PeriodicReport.obligation == obligation,
        )
    ).first():
        raise Conflict(
            f"Báo cáo Mẫu {chosen.number} cho kỳ này đã được nộp.",
            f"The Form {chosen.number} report for this period was already filed.",
        )
    report = PeriodicReport(
        filer=filer.kind,
        filer_key=filer.key,
        holder_id=filer.id if filer.kind == "holder" else None,
        carrier_key_id=filer.id if filer.kind == "carrier" else None,
        form=chosen.number,
        obligation=obligation,
        period_label=label,
        request_id=request.id if request else None,
        period_start=start,
        period_end=end,
        due_date=due,
        way="online" if values is not None else "document",
        figures=values,
        notes=notes,
        filed_at=now,
        filed_by_id=actor.id,
        filed_by_label=actor.label,
        late=today > due,
        **(document or {}),
    )
    session.add(report)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(
            f"Báo cáo Mẫu {chosen.number} cho kỳ này đã được nộp.",
            f"The Form {chosen.number} report for this period was already filed.",
        ) from exc
    if request is not None:
        request.status = "filed"
    record_event(
        session,
        actor,
        "file_report",
        "periodic_report",
        report.id,
        now=now,
        details={
            "filer": filer.kind,
            "filer_name": filer_name(row),
            "holder_id": report.holder_id,
            "carrier_key_id": report.carrier_key_id,
            "form": chosen.number,
            "period": label,
            "request_id": report.request_id,
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "due_date": due.isoformat(),
            "way": report.way,
            "figures": values,
            "sha256": report.sha256,
            "late": report.late,
        },
    )
    return report


@act
def request_report(session, filer, *, actor, form, subject, period_start, period_end, due_date, now=None):
    """An officer asks one holder or carrier for a report outside the calendar, by `due_date`."""
    now = moment(now)
    require_staff(actor)
    row = _filer_row(session, filer)
    chosen = reporting.form(form, filer.kind)
    subject = " ".join(str(subject or "").split())
    if not subject:
        raise InvalidInput("Phải nêu nội dung cần báo cáo.", "Say what the report must cover.")
    if not all(isinstance(d, date) for d in (period_start, period_end, due_date)):
        raise InvalidInput("Thiếu kỳ báo cáo hoặc hạn nộp.", "The period or the due date is missing.")
    if period_end < period_start:
        raise InvalidInput(
            "Ngày cuối kỳ báo cáo phải sau ngày đầu kỳ.", "The period must end after it starts."
        )
    if due_date <= dates.local_date(now):
        raise InvalidInput("Hạn nộp phải sau ngày hôm nay.", "The due date must be after today.")
    request = ReportRequest(
        filer=filer.kind,
        holder_id=filer.id if filer.kind == "holder" else None,
        carrier_key_id=filer.id if filer.kind == "carrier" else None,
        form=chosen.number,
        subject=subject,
        period_start=period_start,
        period_end=period_end,
        due_date=due_date,
        status="open",
        requested_at=now,
        requested_by_id=actor.id,
    )
    session.add(request)
    session.flush()
    record_event(
        session,
        actor,
        "request_report",
        "report_request",
        request.id,
        now=now,
        details={
            "filer": filer.kind,
            "filer_name": filer_name(row),
            "holder_id": request.holder_id,
            "carrier_key_id": request.carrier_key_id,
            "form": chosen.number,
            "subject": subject,
            "period_start": period_start.isoformat(),
            "period_end": period_end.isoformat(),
            "due_date": due_date.isoformat(),
        },
    )
    return request


# -- read-only questions -----------------------------------------------------------------------


def holders_owing(session, period):
    """Holders that had a name in force at some time in the period: each owes Form 04."""
    return session.scalars(
        select(Holder)
        .where(
            Holder.id.in_(
                select(Brandname.holder_id).where(
                    Brandname.valid_from.is_not(None),
                    Brandname.valid_from <= period.end,
                    Brandname.valid_until >= period.start,
                )
            )
        )
        .order_by(Holder.name, Holder.id)
    ).all()


def carriers_owing(session, period):
    """Carriers whose API key was in force at some time in the period: each owes Forms 05 and 06."""
    rows = session.scalars(select(CarrierKey).order_by(CarrierKey.name)).all()
    return [
        c
        for c in rows
        if dates.local_date(c.created_at) <= period.end
        and (c.revoked_at is None or dates.local_date(c.revoked_at) >= period.start)
    ]


@dataclass
class Owed:
    """One report the calendar asks for in a period, and its filing if there is one."""

    filer: Filer
    name: str
    form: reporting.Form
    period: reporting.Period
    report: PeriodicReport | None

    @property
    def filed(self):
        return self.report is not None

    def overdue(self, today):
        return self.report is None and today > self.period.due_date


def owed(session, period):
    """Every report the period asks for, holders first, then carriers, with their filings."""
    filed = {
        (r.filer_key, r.form): r
        for r in session.scalars(
            select(PeriodicReport).where(PeriodicReport.obligation == f"period:{period.label}")
        )
    }
    rows = []
    for kind, filers in (
        ("holder", holders_owing(session, period)),
        ("carrier", carriers_owing(session, period)),
    ):
        for row in filers:
            filer = Filer(kind, row.id)
            for f in reporting.forms_for(kind):
                rows.append(Owed(filer, row.name, f, period, filed.get((filer.key, f.number))))
    return rows


def open_requests(session, filer=None):
    stmt = select(ReportRequest).where(ReportRequest.status == "open")
    if filer is not None:
        column = ReportRequest.holder_id if filer.kind == "holder" else ReportRequest.carrier_key_id
        stmt = stmt.where(ReportRequest.filer == filer.kind, column == filer.id)
    return session.scalars(stmt.order_by(ReportRequest.due_date, ReportRequest.id)).all()


def filings(session, filer):
    return session.scalars(
        select(PeriodicReport)
        .where(PeriodicReport.filer_key == filer.key)
        .order_by(PeriodicReport.filed_at.desc(), PeriodicReport.id.desc())
    ).all()


def due_for(session, filer, *, today, rules=DEFAULT_RULES):
    """What the filer still owes of the latest ended period, and its open requests."""
    period = rules.report_calendar.due(today)
    done = {r.form for r in filings(session, filer) if r.obligation == f"period:{period.label}"}
    if filer.kind == "holder":
        owing = {h.id for h in holders_owing(session, period)}
    else:
        owing = {c.id for c in carriers_owing(session, period)}
    forms = [f for f in reporting.forms_for(filer.kind) if filer.id in owing and f.number not in done]
    return period, forms, open_requests(session, filer)


@dataclass(frozen=True)
class Reminder:
    """A report a holder still owes whose due date is in a reminder window."""

    holder: Holder
    key: str
    what_vi: str
    what_en: str
    due_date: date
    window: int


def reminders_due(session, *, today, rules=DEFAULT_RULES):
    """The holders' reports not yet filed whose due date is 30, 7 or 1 days away (or closer):
    Form 04 of the latest ended period and of the current one (a 30-day window opens before a
    period ends when its report is due soon after), and every open ad-hoc request to a holder."""
    calendar = rules.report_calendar
    found = []
    for period in (calendar.due(today), calendar.containing(today)):
        window = reporting.reminder_window(period.due_date, today)
        if window is None:
            continue
        for item in owed(session, period):
            if item.filer.kind == "holder" and not item.filed:
                holder = session.get(Holder, item.filer.id)
                found.append(
                    Reminder(
                        holder,
                        f"{item.filer.key}:{item.form.number}:period:{period.label}",
                        f"Báo cáo Mẫu số {item.form.number} ({item.form.title_vi}) {period.words_vi}",
                        f"The Form {item.form.number} report for {period.label}",
                        period.due_date,
                        window,
                    )
                )
    for request in open_requests(session):
        window = reporting.reminder_window(request.due_date, today)
        if request.filer == "holder" and window is not None:
            found.append(
                Reminder(
                    request.holder,
                    f"holder:{request.holder_id}:{request.form}:request:{request.id}",
                    f"Báo cáo Mẫu số {request.form} theo yêu cầu số {request.id}",
                    f"The Form {request.form} report asked for in request {request.id}",
                    request.due_date,
                    window,
                )
            )
    return found


def period_table(session, period):
    """Every report of the period, and every report that answered a request about a time within
    it: the export of a period (one row per filing, the figures in their own columns), with the
    reports owed and not filed at the end."""
    fields = [f for number in sorted(reporting.FORMS) for f in reporting.FORMS[number].fields]
    table = Table(
        f"Báo cáo {period.label}",
        [
            "Bên báo cáo",
            "Loại",
            "Mẫu",
            "Kỳ báo cáo",
            "Theo yêu cầu số",
            "Hạn nộp",
            "Nộp lúc",
            "Nộp muộn",
            "Hình thức",
            "Tệp (SHA-256)",
            *[f"{f.label_vi} (Mẫu {_form_of(f)})" for f in fields],
            "Kiến nghị, đề xuất",
        ],
    )
    reports = session.scalars(
        select(PeriodicReport)
        .where(
            (PeriodicReport.obligation == f"period:{period.label}")
            | (
                PeriodicReport.request_id.is_not(None)
                & (PeriodicReport.period_start <= period.end)
                & (PeriodicReport.period_end >= period.start)
            )
        )
        .order_by(PeriodicReport.filer, PeriodicReport.form, PeriodicReport.filed_at, PeriodicReport.id)
    ).all()
    for r in reports:
        row = r.holder if r.filer == "holder" else r.carrier
        figures = r.figures or {}
        table.rows.append(
            [
                row.name if row else r.filer_key,
                FILER_WORDS[r.filer],
                r.form,
                f"{r.period_start:%d/%m/%Y} – {r.period_end:%d/%m/%Y}",
                r.request_id or "",
                r.due_date,
                _local(r.filed_at),
                "Có" if r.late else "Không",
                "Trực tuyến" if r.way == "online" else "Tệp đã ký",
                f"{r.original_filename} ({r.sha256})" if r.way == "document" else "",
                *[figures.get(f.key, "") if r.form == _form_of(f) else "" for f in fields],
                r.notes,
            ]
        )
    for item in owed(session, period):
        if not item.filed:
            table.rows.append(
                [
                    item.name,
                    FILER_WORDS[item.filer.kind],
                    item.form.number,
                    f"{period.start:%d/%m/%Y} – {period.end:%d/%m/%Y}",
                    "",
                    period.due_date,
                    None,
                    "Chưa nộp",
                    "",
                    "",
                    *["" for _ in fields],
                    "",
                ]
            )
    return table


FILER_WORDS = {"holder": "Tổ chức, cá nhân sử dụng tên định danh", "carrier": "Doanh nghiệp viễn thông"}


def _form_of(field):
    return next(n for n, f in reporting.FORMS.items() if field in f.fields)
