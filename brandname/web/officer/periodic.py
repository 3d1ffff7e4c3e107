"""The officers' view of the periodic reports (Art. 30–31): a period's reports owed, filed and
overdue, the ad-hoc requests and making one, a filed report's file, the export of a period and
the trail of filings and requests. Registered on the officer blueprint."""

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from brandname import lifecycle, registry
from brandname.errors import DomainError, InvalidInput
from brandname.extensions import db
from brandname.lifecycle import periodic_reports
from brandname.rules import dates, reporting
from brandname.store.models import CarrierKey, Event, Holder, PeriodicReport
from brandname.web import trail
from brandname.web.applicant import send_document
from brandname.web.officer import _download, bp, get_or_404, staff_required
from brandname.web.site import actor, error_message

TRAIL = 100
# rows of a list shown on the page; the export has every one
SHOWN = 500


def _period(label=None):
    calendar = registry.rules().report_calendar
    if not label:
        return calendar.due(dates.local_today())
    try:
        return calendar.parse(label)
    except DomainError:
        abort(404)


def _render(*, status=200, error=None, form=None):
    today = dates.local_today()
    period = _period(request.args.get("period"))
    owed = periodic_reports.owed(db.session, period)
    events = db.session.scalars(
        select(Event)
        .where(Event.act.in_(("file_report", "request_report")))
        .order_by(Event.seq.desc())
        .limit(TRAIL)
    ).all()
    calendar = registry.rules().report_calendar
    return render_template(
        "officer/reports.html",
        period=period,
        previous=calendar.previous(period),
        following=calendar.containing(period.end + timedelta(days=1)),
        overdue=[o for o in owed if o.overdue(today)],
        owed=owed,
        shown=SHOWN,
        requests=periodic_reports.open_requests(db.session),
        today=today,
        holders=db.session.scalars(select(Holder).order_by(Holder.name)).all(),
        carriers=db.session.scalars(select(CarrierKey).order_by(CarrierKey.name)).all(),
        forms=reporting.FORMS,
        events=trail.describe(db.session, events),
        calendar=calendar,
        form=form or {},
        error=error,
        message=error_message(error) if error else None,
    ), status


@bp.get("/reports")
@staff_required
def periodic_reports_page():
    return _render()[0]


def _day(value, what_vi, what_en):
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise InvalidInput(f"{what_vi} không hợp lệ.", f"The {what_en} is not a valid date.") from None


@bp.post("/reports/requests")
@staff_required
def request_report():
    kind, _sep, ident = (request.form.get("filer") or "").partition(":")
    try:
        if kind not in reporting.FILERS or not ident.isdigit():
            raise InvalidInput("Chọn bên phải báo cáo.", "Choose who must report.")
        lifecycle.request_report(
            db.session,
            periodic_reports.Filer(kind, int(ident)),
            actor=actor(),
            form=request.form.get("form"),
            subject=request.form.get("subject"),
            period_start=_day(request.form.get("period_start"), "Ngày đầu kỳ", "period's first day"),
            period_end=_day(request.form.get("period_end"), "Ngày cuối kỳ", "period's last day"),
            due_date=_day(request.form.get("due_date"), "Hạn nộp", "due date"),
        )
    except DomainError as exc:
        return _render(status=exc.status, error=exc, form=request.form)
    flash(_("Đã gửi yêu cầu báo cáo."), "success")
    return redirect(url_for("officer.periodic_reports_page"))


@bp.get("/reports/<int:report_id>/file")
@staff_required
def report_file(report_id):
    report = get_or_404(PeriodicReport, report_id)
    if report.way != "document":
        abort(404)
    return send_document(report)


@bp.get("/export/reports-<label>.<fmt>")
@staff_required
def export_reports(label, fmt):
    period = _period(label)
    return _download(periodic_reports.period_table(db.session, period), fmt, f"bao-cao-{period.label}")
