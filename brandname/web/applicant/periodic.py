"""The holder's periodic reports (Art. 30–31, Form 04): what it owes, what it filed, and filing
one, online or as the signed form. Registered on the applicant blueprint."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from brandname import registry
from brandname.errors import DomainError
from brandname.extensions import db
from brandname.lifecycle import periodic_reports
from brandname.rules import dates, reporting
from brandname.store.models import ReportRequest
from brandname.web import filing
from brandname.web.applicant import applicant_required, bp
from brandname.web.site import actor, error_message
from brandname.web.site import lang as site_lang


def _filer():
    return periodic_reports.Filer.holder(current_user.holder_id)


@bp.get("/reports")
@applicant_required
def reports():
    today = dates.local_today()
    period, forms, requests = periodic_reports.due_for(
        db.session, _filer(), today=today, rules=registry.rules()
    )
    return render_template(
        "applicant/reports.html",
        period=period,
        forms=forms,
        requests=requests,
        filings=periodic_reports.filings(db.session, _filer()),
        today=today,
    )


def _target():
    """(form, period label, request) the page files for, from the query or the posted form."""
    source = request.form if request.method == "POST" else request.args
    request_id = source.get("request", type=int)
    if request_id:
        asked = db.session.get(ReportRequest, request_id)
        if asked is None or asked.filer != "holder" or asked.holder_id != current_user.holder_id:
            abort(404)
        return reporting.FORMS[asked.form], None, asked
    number = source.get("form") or "04"
    if number not in reporting.FORMS or reporting.FORMS[number].filer != "holder":
        abort(404)
    label = source.get("period") or registry.rules().report_calendar.due(dates.local_today()).label
    return reporting.FORMS[number], label, None


def _words(label):
    if not label:
        return None
    try:
        period = registry.rules().report_calendar.parse(label)
    except DomainError:
        return label
    return period.words_vi if site_lang() == "vi" else period.label


@bp.route("/reports/file", methods=["GET", "POST"])
@applicant_required
def file_report():
    chosen, label, asked = _target()
    error = None
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            filing.file_report(
                _filer(),
                actor=actor(),
                form=chosen.number,
                period=label,
                request_id=asked.id if asked else None,
                way=request.form.get("way"),
                values={k: request.form.get(k) for k in chosen.keys},
                upload=(upload.filename, upload.read()) if upload and upload.filename else None,
                notes=request.form.get("notes"),
            )
        except DomainError as exc:
            error = exc
        else:
            flash(_("Đã nộp báo cáo Mẫu số %(form)s.", form=chosen.number), "success")
            return redirect(url_for("applicant.reports"))
    return render_template(
        "applicant/report_form.html",
        chosen=chosen,
        period_label=label,
        period_words=_words(label),
        asked=asked,
        form=request.form if request.method == "POST" else {},
        way=request.form.get("way", "online"),
        error=error,
        message=error_message(error) if error else None,
    ), (error.status if error else 200)
