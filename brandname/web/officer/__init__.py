"""Officer console: the queue, decisions, payments, revocations, search, audit trail, dashboard.

Roles: `officer` decides and confirms payments; `supervisor` also confirms or declines the
revocations another officer proposed; `admin` makes, disables and enables officer and supervisor
accounts and sees nothing else. Views call lifecycle acts.
"""

from functools import wraps

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from sqlalchemy import func, or_, select

from brandname import lifecycle, registry
from brandname.errors import DomainError, TooManyAttempts
from brandname.extensions import db, limiter
from brandname.lifecycle import accounts, reports
from brandname.lifecycle import charges as charge_ledger
from brandname.lifecycle import periodic_reports as report_queries
from brandname.rules import charges as charge_rules
from brandname.rules import dates, dossier
from brandname.rules import text as text_rules
from brandname.rules.names import normal_form, strip_diacritics
from brandname.store.models import (
    Account,
    Application,
    Brandname,
    Certificate,
    ChargeInvoice,
    ChargePayment,
    Document,
    Event,
    Holder,
    LegacyBatch,
    LegacyRow,
    Payment,
    RevocationProposal,
)
from brandname.web import charts as charts_svg
from brandname.web import site, tables, trail
from brandname.web.applicant import do_change_password, do_login, send_document
from brandname.web.site import actor, console_home, error_message, login_rate_limit, paginate
from brandname.web.site import lang as site_lang

bp = Blueprint("officer", __name__, url_prefix="/officer")
PAGE = 25


def _role_required(roles, enrolling=False):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            if not enrolling and current_app.config["STAFF_TOTP_REQUIRED"] and not current_user.totp_secret:
                # a staff account without its second factor does nothing before enrolling one
                return redirect(url_for("officer.second_factor"))
            return view(*args, **kwargs)

        return wrapper

    return decorator


# casework: officers and supervisors; an administrator of accounts does none
staff_required = _role_required(Account.CASEWORK_ROLES)
# any account that signs in at the console
console_required = _role_required(Account.STAFF_ROLES)
admin_required = _role_required(("admin",))
# the enrolment page itself, open to staff who have no second factor yet
enrolment_required = _role_required(Account.STAFF_ROLES, enrolling=True)


def supervisor_required(view):
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if current_user.role != "supervisor":
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def get_or_404(model, ident):
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_rate_limit, methods=["POST"])
def login():
    if current_user.is_authenticated and current_user.role in Account.STAFF_ROLES:
        return redirect(console_home(current_user))
    return do_login("officer/login.html", staff=True)


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(login_rate_limit, methods=["POST"])
def login_code():
    """The second step of a staff sign-in: the code of the authenticator app."""
    from flask import session as cookie

    account, next_url = site.pending_second_factor()
    if account is None:
        cookie.pop("second_factor", None)
        flash(_("Phiên đăng nhập đã hết hạn; vui lòng nhập lại mật khẩu."), "error")
        return redirect(url_for("officer.login"))
    if request.method == "POST":
        client_key, _known = site.sign_in_client(account.email)
        try:
            good = accounts.check_totp(
                db.session,
                account,
                request.form.get("code", ""),
                client_key=client_key,
                throttle=site.login_throttle(),
            )
        except TooManyAttempts as exc:
            return render_template("officer/login_code.html", message=error_message(exc)), exc.status
        if not good:
            message = _(
                "Mã xác thực không đúng hoặc đã được dùng. Nhập mã đang hiện trong ứng dụng xác thực."
            )
            return render_template("officer/login_code.html", message=message), 401
        cookie.pop("second_factor", None)
        login_user(site.LoginUser(account))
        return site.remember_device(redirect(next_url or console_home(account)), account.email)
    return render_template("officer/login_code.html")


@bp.route("/second-factor", methods=["GET", "POST"])
@enrolment_required
def second_factor():
    """A staff member turns on the second factor: scan the QR code, type the code it shows."""
    from flask import session as cookie

    if current_user.totp_secret:
        return render_template("officer/second_factor.html", enrolled=True)
    secret = cookie.get("totp_setup")
    if not isinstance(secret, str) or len(secret) != 32:
        secret = cookie["totp_setup"] = accounts.new_totp_secret()
    message = None
    if request.method == "POST":
        try:
            accounts.enrol_totp(
                db.session, current_user.account, secret=secret, code=request.form.get("code")
            )
        except DomainError as exc:
            message = error_message(exc)
        else:
            cookie.pop("totp_setup", None)
            flash(
                _("Đã bật xác thực hai lớp. Từ nay mỗi lần đăng nhập cần mã của ứng dụng xác thực."),
                "success",
            )
            return redirect(console_home(current_user))
    uri = accounts.totp_uri(current_user.email, secret, site.authority_names()["short"])
    return render_template(
        "officer/second_factor.html",
        enrolled=False,
        secret=secret,
        qr=_qr_data_uri(uri),
        required=current_app.config["STAFF_TOTP_REQUIRED"],
        message=message,
    ), (400 if message else 200)


def _qr_data_uri(text):
    import segno

    return segno.make(text, error="m").svg_data_uri(scale=4)


@bp.route("/password", methods=["GET", "POST"])
@console_required
def password():
    return do_change_password("officer/_layout.html")


# -- dashboard and queue --------------------------------------------------------------------


@bp.get("/")
@console_required
def dashboard():
    if current_user.role == "admin":
        return redirect(url_for("officer.staff_accounts"))  # the console's front page is casework
    now = dates.utcnow()
    figures = lifecycle.queries.dashboard(db.session, now)
    return render_template(
        "officer/dashboard.html",
        now=now,
        **figures,
    )


def _queue_filter():
    return lifecycle.queries.queue_filter(request.args, me=current_user.id)


def _caseworkers():
    return db.session.scalars(
        select(Account)
        .where(Account.role.in_(Account.CASEWORK_ROLES), Account.is_active_account.is_(True))
        .order_by(Account.full_name, Account.email)
    ).all()


@bp.get("/queue")
@staff_required
def queue():
    now = dates.utcnow()
    try:
        flt = _queue_filter()
    except DomainError as exc:
        flt, error = lifecycle.queries.QueueFilter(), exc
    else:
        error = None
    applications, page, pages, total = paginate(db.session, lifecycle.queries.queue(flt, now), size=50)
    warnings = {a.id: _warnings(a) for a in applications}
    return render_template(
        "officer/queue.html",
        applications=applications,
        warnings=warnings,
        now=now,
        page=page,
        pages=pages,
        total=total,
        flt=flt,
        args=flt.as_args(),
        mine=request.args.get("assignee") == "me",
        caseworkers=_caseworkers(),
        message=error_message(error) if error else None,
    ), (error.status if error else 200)


@bp.post("/applications/<int:application_id>/take")
@staff_required
def take(application_id):
    application = get_or_404(Application, application_id)
    try:
        lifecycle.take(db.session, application.id, actor=actor())
    except DomainError as exc:
        flash(error_message(exc), "error")
    else:
        flash(_("Anh/chị đã nhận xử lý hồ sơ số %(id)s.", id=application.id), "success")
    return redirect(url_for("officer.application", application_id=application.id))


@bp.post("/applications/<int:application_id>/assign")
@supervisor_required
def assign(application_id):
    application = get_or_404(Application, application_id)
    try:
        lifecycle.assign(db.session, application.id, actor=actor(), assignee_id=request.form.get("assignee"))
    except DomainError as exc:
        flash(error_message(exc), "error")
    else:
        flash(
            _(
                "Đã giao hồ sơ số %(id)s cho %(who)s.",
                id=application.id,
                who=application.assigned_to.full_name or application.assigned_to.email,
            ),
            "success",
        )
    return redirect(url_for("officer.application", application_id=application.id))


def _warnings(application):
    return lifecycle.queries.decision_warnings(db.session, application)


# -- one application ------------------------------------------------------------------------


def _events(*conditions):
    """The audit trail of a record, in words (web/trail.py)."""
    events = db.session.scalars(select(Event).where(or_(*conditions)).order_by(Event.seq)).all()
    return trail.describe(db.session, events)


def _render_application(application, *, status=200, error=None, form=None):
    chain = lifecycle.queries.dossier_chain(db.session, application)
    documents = lifecycle.queries.dossier_documents(db.session, application)
    return render_template(
        "officer/application.html",
        application=application,
        warnings=_warnings(application),
        comparison=lifecycle.queries.details_comparison(db.session, application),
        decisions=lifecycle.queries.warning_decisions(db.session, application.id),
        documents=documents,
        missing_documents=lifecycle.queries.missing_documents(db.session, application, documents),
        override_limit=dossier.OVERRIDE_REASON_LIMIT,
        request_limit=lifecycle.applications.DOCUMENTS_REQUEST_LIMIT,
        chain=chain,
        events=_events(Event.application_id == application.id),
        caseworkers=_caseworkers() if current_user.role == "supervisor" else [],
        now=dates.utcnow(),
        form=form or {},
        error=error,
        message=error_message(error) if error else None,
    ), status


@bp.route("/applications/new", methods=["GET", "POST"])
@staff_required
def paper_application():
    """An officer enters a Form 01 filed on paper, with the day and hour it was really received
    (by default the moment it is entered); the deadline counts from that receipt."""
    from brandname.web import forms, uploads

    form = request.form if request.method == "POST" else {"app_kind": "organization", "n-0-use_sms": "on"}

    def again(status=200, error=None, data=None, lost_files=()):
        data = data if data is not None else form
        return render_template(
            "applicant/apply.html",
            layout="officer/_layout.html",
            mode="paper",
            form=data,
            rows=forms.row_count(data, 1),
            holder=None,
            previous=None,
            brandname=None,
            error=error,
            message=error_message(error) if error else None,
            lost_files=list(lost_files),
        ), status

    if request.method == "GET":
        return again()[0]
    lost = [storage.filename for storage in request.files.values() if storage and storage.filename]
    if form.get("add_row"):
        more = forms.plain(form)
        more[f"n-{forms.row_count(form, 1)}-use_sms"] = "on"
        return again(data=more, lost_files=lost)
    if (form.get("remove_row") or "").isdigit():
        fewer = forms.without_row(forms.plain(form), int(form["remove_row"]))
        fewer.pop("remove_row", None)
        return again(data=fewer, lost_files=lost)
    files = forms.uploads_from_request(request.files, form)
    try:
        for _kind, filename, data in files:
            uploads.check(data, filename)
        filed = lifecycle.submit(
            db.session,
            applicant=forms.applicant_from_form(form),
            names=forms.name_rows_from_form(form),
            actor=actor(),
            commitments_confirmed=form.get("commitments") == "on",
            paper_received_at=forms.paper_receipt_from_form(form, dates.utcnow()),
            rules=registry.rules(),
        )
    except DomainError as exc:
        return again(exc.status, exc, lost_files=lost)
    for kind, filename, data in files:
        uploads.store(
            db.session,
            filed.id,
            data=data,
            filename=filename,
            kind=kind,
            actor=actor(),
            data_dir=current_app.config["DATA_DIR"],
        )
    flash(_("Đã nhập hồ sơ số %(id)s.", id=filed.id), "success")
    return redirect(url_for("officer.application", application_id=filed.id))


@bp.get("/applications/<int:application_id>")
@staff_required
def application(application_id):
    return _render_application(get_or_404(Application, application_id))[0]


@bp.post("/applications/<int:application_id>/approve")
@staff_required
def approve(application_id):
    application = get_or_404(Application, application_id)
    refuse = {
        rn.id: request.form.get(f"reason-{rn.id}", "")
        for rn in application.names
        if request.form.get(f"refuse-{rn.id}") == "on"
    }
    try:
        lifecycle.approve(
            db.session,
            application.id,
            actor=actor(),
            refuse=refuse,
            documents_override=request.form.get("documents_override"),
            rules=registry.rules(),
        )
    except DomainError as exc:
        return _render_application(application, status=exc.status, error=exc, form=request.form)
    flash(_("Đã chấp thuận hồ sơ số %(id)s.", id=application.id), "success")
    return redirect(url_for("officer.application", application_id=application.id))


@bp.post("/applications/<int:application_id>/request-documents")
@staff_required
def request_documents(application_id):
    """Ask the applicant for more documents (yêu cầu bổ sung hồ sơ); the deadline stops."""
    application = get_or_404(Application, application_id)
    try:
        lifecycle.request_documents(
            db.session,
            application.id,
            actor=actor(),
            message=request.form.get("documents_request"),
            rules=registry.rules(),
        )
    except DomainError as exc:
        return _render_application(application, status=exc.status, error=exc, form=request.form)
    flash(_("Đã gửi yêu cầu bổ sung hồ sơ số %(id)s.", id=application.id), "success")
    return redirect(url_for("officer.application", application_id=application.id))


@bp.post("/applications/<int:application_id>/reject")
@staff_required
def reject(application_id):
    application = get_or_404(Application, application_id)
    try:
        lifecycle.reject(
            db.session,
            application.id,
            actor=actor(),
            reasons=request.form.get("reasons"),
            rules=registry.rules(),
        )
    except DomainError as exc:
        return _render_application(application, status=exc.status, error=exc, form=request.form)
    flash(_("Đã từ chối hồ sơ số %(id)s.", id=application.id), "success")
    return redirect(url_for("officer.application", application_id=application.id))


@bp.post("/applications/<int:application_id>/names/<int:requested_id>/warning")
@staff_required
def decide_warning(application_id, requested_id):
    """The officer's decision on one confusion warning of a requested name."""
    application = get_or_404(Application, application_id)
    if requested_id not in {rn.id for rn in application.names}:
        abort(404)
    try:
        lifecycle.decide_warning(
            db.session,
            requested_id,
            actor=actor(),
            kind=request.form.get("kind", ""),
            name=request.form.get("name", ""),
            decision=request.form.get("decision", ""),
            note=request.form.get("note", ""),
        )
    except DomainError as exc:
        return _render_application(application, status=exc.status, error=exc, form=request.form)
    flash(_("Đã ghi quyết định về cảnh báo."), "success")
    return redirect(url_for("officer.application", application_id=application.id) + "#warnings")


@bp.route("/watch", methods=["GET", "POST"])
@staff_required
def watchlist():
    """The watch-list: protected names and sensitive words; adding one is an act."""
    error, status = None, 200
    if request.method == "POST":
        try:
            entry = lifecycle.add_watch_entry(
                db.session,
                actor=actor(),
                name=request.form.get("name", ""),
                category=request.form.get("category", ""),
                note=request.form.get("note", ""),
            )
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            flash(_("Đã thêm %(name)s vào danh sách theo dõi.", name=entry.name), "success")
            return redirect(url_for("officer.watchlist"))
    category = request.args.get("category") or None
    return render_template(
        "officer/watch.html",
        entries=lifecycle.queries.watch_entries(db.session, category),
        variants=lifecycle.queries.requested_variants(db.session),
        category=category,
        events=_events(Event.subject_type.in_(("watch_entry", "protected_variant"))),
        form=request.form if error else {},
        error=error,
        message=error_message(error) if error else None,
    ), status


@bp.post("/watch/<int:entry_id>/update")
@staff_required
def watch_update(entry_id):
    try:
        entry = lifecycle.update_watch_entry(
            db.session,
            entry_id,
            actor=actor(),
            category=request.form.get("category", ""),
            note=request.form.get("note", ""),
        )
    except DomainError as exc:
        flash(error_message(exc), "error")
    else:
        flash(_("Đã cập nhật %(name)s.", name=entry.name), "success")
    return redirect(url_for("officer.watchlist"))


@bp.post("/variants/<int:variant_id>/<any(approve, reject):decision>")
@staff_required
def variant_decision(variant_id, decision):
    """An officer's decision on one look-alike variant a holder asked to protect."""
    decide = lifecycle.approve_variant if decision == "approve" else lifecycle.reject_variant
    try:
        variant = decide(db.session, variant_id, actor=actor(), note=request.form.get("note", ""))
    except DomainError as exc:
        flash(error_message(exc), "error")
    else:
        if variant.status == "approved":
            flash(_("Đã bảo vệ biến thể %(name)s.", name=variant.name), "success")
        else:
            flash(_("Đã từ chối biến thể %(name)s.", name=variant.name), "success")
    return redirect(url_for("officer.watchlist") + "#variants")


@bp.post("/watch/<int:entry_id>/remove")
@staff_required
def watch_remove(entry_id):
    try:
        removed = lifecycle.remove_watch_entry(db.session, entry_id, actor=actor())
    except DomainError as exc:
        flash(error_message(exc), "error")
    else:
        flash(_("Đã bỏ %(name)s khỏi danh sách theo dõi.", name=removed["name"]), "success")
    return redirect(url_for("officer.watchlist"))


@bp.get("/documents/<int:document_id>")
@staff_required
def document(document_id):
    return send_document(get_or_404(Document, document_id))


# -- payments -------------------------------------------------------------------------------


@bp.get("/payments")
@staff_required
def payments():
    rows, page, pages, _total = paginate(
        db.session,
        select(Payment).where(Payment.status == "recorded").order_by(Payment.recorded_at, Payment.id),
        size=50,
    )
    return render_template("officer/payments.html", payments=rows, page=page, pages=pages)


@bp.post("/payments/<int:payment_id>/confirm")
@staff_required
def confirm_payment(payment_id):
    payment = get_or_404(Payment, payment_id)
    try:
        result = lifecycle.confirm_payment(
            db.session, payment.id, actor=actor(), keys=registry.keys(), rules=registry.rules()
        )
    except DomainError as exc:
        flash(error_message(exc), "error")
        return redirect(
            request.referrer
            if request.referrer and request.referrer.startswith(request.host_url)
            else url_for("officer.payments")
        )
    flash(
        _(
            "Đã xác nhận lệ phí; đã cấp %(n)s giấy chứng nhận: %(serials)s.",
            n=len(result.certificates),
            serials=", ".join(c.serial for c in result.certificates),
        ),
        "success",
    )
    return redirect(url_for("officer.application", application_id=payment.application_id))


# -- maintenance charges -------------------------------------------------------------------


@bp.get("/arrears")
@staff_required
def arrears():
    """Maintenance charges: payments awaiting confirmation, and invoices past their due date
    (those more than 30 days late are candidates for revocation on ground (b))."""
    today = dates.local_today()
    recorded = db.session.scalars(charge_ledger.recorded_charge_payments()).all()
    rows, page, pages, total = paginate(db.session, charge_ledger.overdue_invoices(today), size=50)
    return render_template(
        "officer/arrears.html",
        recorded=recorded,
        invoices=rows,
        page=page,
        pages=pages,
        total=total,
        today=today,
        in_arrears=lambda i: charge_rules.in_arrears(i.due_date, today),
        days_overdue=lambda i: charge_rules.days_overdue(i.due_date, today),
        schedule=registry.rules().charge_schedule,
    )


def _back_to_arrears():
    return redirect(url_for("officer.arrears"))


@bp.post("/charge-payments/<int:payment_id>/confirm")
@staff_required
def confirm_charge_payment(payment_id):
    payment = get_or_404(ChargePayment, payment_id)
    try:
        lifecycle.confirm_charge_payment(db.session, payment.id, actor=actor())
    except DomainError as exc:
        flash(error_message(exc), "error")
        return _back_to_arrears()
    flash(_("Đã xác nhận khoản nộp chi phí duy trì %(number)s.", number=payment.invoice.number), "success")
    return _back_to_arrears()


@bp.post("/charge-payments/<int:payment_id>/refuse")
@staff_required
def refuse_charge_payment(payment_id):
    payment = get_or_404(ChargePayment, payment_id)
    try:
        lifecycle.refuse_charge_payment(
            db.session, payment.id, actor=actor(), reason=request.form.get("reason")
        )
    except DomainError as exc:
        flash(error_message(exc), "error")
        return _back_to_arrears()
    flash(_("Đã không xác nhận khoản nộp %(ref)s.", ref=payment.reference), "success")
    return _back_to_arrears()


# -- names from before the decree (Art. 36) --------------------------------------------------


@bp.get("/legacy")
@staff_required
def legacy():
    """The review queue of carrier lists: pending rows, their warnings, the lists loaded."""
    batch_id = request.args.get("batch", type=int)
    status = request.args.get("status")
    status = status if status in LegacyRow.STATUSES else "pending"
    stmt = select(LegacyRow).where(LegacyRow.status == status)
    if batch_id:
        stmt = stmt.where(LegacyRow.batch_id == batch_id)
    rows, page, pages, total = paginate(
        db.session, stmt.order_by(LegacyRow.batch_id, LegacyRow.line), size=100
    )
    batches = db.session.scalars(select(LegacyBatch).order_by(LegacyBatch.id.desc()).limit(20)).all()
    pending = dict(
        db.session.execute(
            select(LegacyRow.batch_id, func.count())
            .where(LegacyRow.status == "pending")
            .group_by(LegacyRow.batch_id)
        ).all()
    )
    return render_template(
        "officer/legacy.html",
        rows=rows,
        page=page,
        pages=pages,
        total=total,
        batch_id=batch_id,
        status=status,
        batches=batches,
        pending=pending,
        warning_text=_legacy_warning,
        term_limit=dates.validity_end(dates.local_today()),
    )


def _legacy_warning(warning):
    from brandname.rules.legacy import warning_text

    vi, en = warning_text(warning)
    return en if site_lang() == "en" else vi


def _back_to_legacy():
    batch_id = request.form.get("batch", type=int)
    return redirect(url_for("officer.legacy", batch=batch_id) if batch_id else url_for("officer.legacy"))


@bp.post("/legacy/recognize")
@staff_required
def recognize_legacy():
    ids = request.form.getlist("row", type=int)
    try:
        result = lifecycle.recognize_legacy(
            db.session, ids, actor=actor(), keys=registry.keys(), rules=registry.rules()
        )
    except DomainError as exc:
        flash(error_message(exc), "error")
        return _back_to_legacy()
    flash(
        _(
            "Đã công nhận %(n)s tên: %(names)s.",
            n=len(result.brandnames),
            names=", ".join(bn.name for bn in result.brandnames),
        ),
        "success",
    )
    return _back_to_legacy()


@bp.post("/legacy/refuse")
@staff_required
def refuse_legacy():
    ids = request.form.getlist("row", type=int)
    try:
        rows = lifecycle.refuse_legacy(db.session, ids, actor=actor(), reason=request.form.get("reason"))
    except DomainError as exc:
        flash(error_message(exc), "error")
        return _back_to_legacy()
    flash(
        _("Đã từ chối %(n)s tên: %(names)s.", n=len(rows), names=", ".join(r.name for r in rows)), "success"
    )
    return _back_to_legacy()


@bp.post("/payments/<int:payment_id>/refuse")
@staff_required
def refuse_payment(payment_id):
    payment = get_or_404(Payment, payment_id)
    try:
        lifecycle.refuse_payment(db.session, payment.id, actor=actor(), reason=request.form.get("reason"))
    except DomainError as exc:
        flash(error_message(exc), "error")
        return redirect(url_for("officer.application", application_id=payment.application_id))
    flash(
        _("Đã không xác nhận khoản thanh toán %(ref)s; người đăng ký được báo lý do.", ref=payment.reference),
        "success",
    )
    return redirect(url_for("officer.application", application_id=payment.application_id))


# -- names, revocation, release -------------------------------------------------------------


def _render_name(bn, *, status=200, error=None, form=None):
    proposals = db.session.scalars(
        select(RevocationProposal)
        .where(RevocationProposal.brandname_id == bn.id)
        .order_by(RevocationProposal.id)
    ).all()
    app_ids = {bn.application_id} | {c.application_id for c in bn.certificates}
    app_ids.discard(None)
    events = _events(Event.name_normal == bn.name_normal, Event.application_id.in_(app_ids))
    rules = registry.rules()
    today = dates.local_today()
    return render_template(
        "officer/name.html",
        bn=bn,
        proposals=proposals,
        events=events,
        authorizations=lifecycle.active_authorizations(db.session, bn.id),
        # ground (b) only where a maintenance charge is in force (rules/charges.py)
        grounds={
            g: v
            for g, v in lifecycle.REVOCATION_GROUNDS.items()
            if g in lifecycle.TWO_PERSON_GROUNDS and (g != "arrears" or lifecycle.ground_b_available(rules))
        },
        invoices=db.session.scalars(
            select(ChargeInvoice)
            .where(ChargeInvoice.brandname_id == bn.id)
            .order_by(ChargeInvoice.period_start.desc())
        ).all(),
        arrears=charge_ledger.arrears_invoice(db.session, bn.id, today),
        arrears_awaiting=charge_ledger.arrears_invoice(db.session, bn.id, today, with_awaiting=True),
        today=today,
        form=form or {},
        error=error,
        message=error_message(error) if error else None,
    ), status


@bp.get("/names/<int:brandname_id>")
@staff_required
def name(brandname_id):
    return _render_name(get_or_404(Brandname, brandname_id))[0]


@bp.post("/names/<int:brandname_id>/propose-revocation")
@staff_required
def propose_revocation(brandname_id):
    bn = get_or_404(Brandname, brandname_id)
    ground = request.form.get("ground", "")
    fields = lifecycle.REVOCATION_GROUNDS.get(ground, (None, None, None, ()))[3]
    evidence = {f: request.form.get(f"{ground}-{f}", "") for f in fields}
    try:
        lifecycle.propose_revocation(
            db.session,
            bn.id,
            actor=actor(),
            ground=ground,
            evidence=evidence,
            note=request.form.get("note", ""),
            rules=registry.rules(),
        )
    except DomainError as exc:
        return _render_name(bn, status=exc.status, error=exc, form=request.form)
    flash(_("Đã gửi đề xuất thu hồi %(name)s; chờ lãnh đạo xác nhận.", name=bn.name), "success")
    return redirect(url_for("officer.name", brandname_id=bn.id))


@bp.post("/names/<int:brandname_id>/release")
@staff_required
def release(brandname_id):
    bn = get_or_404(Brandname, brandname_id)
    try:
        lifecycle.release(db.session, bn.id, actor=actor(), reason=request.form.get("reason"))
    except DomainError as exc:
        return _render_name(bn, status=exc.status, error=exc, form=request.form)
    flash(_("Đã giải phóng tên %(name)s.", name=bn.name), "success")
    return redirect(url_for("officer.name", brandname_id=bn.id))


@bp.get("/revocations")
@staff_required
def revocations():
    rows, page, pages, _total = paginate(
        db.session,
        select(RevocationProposal).order_by(
            (RevocationProposal.status != "proposed"),
            RevocationProposal.proposed_at.desc(),
            RevocationProposal.id.desc(),
        ),
        size=50,
    )
    proposers = {
        a.id: a
        for a in db.session.scalars(
            select(Account).where(
                Account.id.in_(
                    {p.proposed_by_id for p in rows} | {p.decided_by_id for p in rows if p.decided_by_id}
                )
            )
        )
    }
    return render_template(
        "officer/revocations.html", proposals=rows, accounts=proposers, page=page, pages=pages
    )


@bp.post("/revocations/<int:proposal_id>/confirm")
@supervisor_required
def confirm_revocation(proposal_id):
    proposal = get_or_404(RevocationProposal, proposal_id)
    try:
        lifecycle.confirm_revocation(db.session, proposal.id, actor=actor(), rules=registry.rules())
    except DomainError as exc:
        flash(error_message(exc), "error")
        return redirect(url_for("officer.revocations"))
    flash(_("Đã thu hồi tên %(name)s.", name=proposal.brandname.name), "success")
    return redirect(url_for("officer.revocations"))


@bp.post("/revocations/<int:proposal_id>/decline")
@supervisor_required
def decline_revocation(proposal_id):
    proposal = get_or_404(RevocationProposal, proposal_id)
    try:
        lifecycle.decline_revocation(
            db.session, proposal.id, actor=actor(), reason=request.form.get("reason")
        )
    except DomainError as exc:
        flash(error_message(exc), "error")
        return redirect(url_for("officer.revocations"))
    flash(_("Đã không xác nhận đề xuất thu hồi."), "success")
    return redirect(url_for("officer.revocations"))


# -- search and holders ---------------------------------------------------------------------


@bp.get("/search")
@staff_required
def search():
    q = " ".join((request.args.get("q") or "").split())
    holders = names = certificates = applications = []
    if q:
        # with or without diacritics ("sai gon" finds "Sài Gòn"); % and _ are taken literally
        folded = text_rules.fold(q)
        like = f"%{text_rules.like_escape(folded)}%"
        holders = db.session.scalars(
            select(Holder)
            .where(
                or_(
                    Holder.name_folded.like(like, escape="\\"),
                    func.lower(Holder.id_number).like(like, escape="\\"),
                    func.lower(Holder.email).like(like, escape="\\"),
                )
            )
            .order_by(Holder.name)
            .limit(50)
        ).all()
        names = db.session.scalars(
            select(Brandname)
            .where(
                Brandname.name_normal.like(
                    f"%{text_rules.like_escape(normal_form(strip_diacritics(q)))}%", escape="\\"
                )
            )
            .order_by(Brandname.name_normal, Brandname.id)
            .limit(50)
        ).all()
        certificates = db.session.scalars(
            select(Certificate)
            .where(func.lower(Certificate.serial).like(like, escape="\\"))
            .order_by(Certificate.serial)
            .limit(50)
        ).all()
        if q.isdigit():
            applications = [a for a in [db.session.get(Application, int(q))] if a]
    return render_template(
        "officer/search.html",
        q=q,
        holders=holders,
        names=names,
        certificates=certificates,
        applications=applications,
    )


@bp.get("/holders/<int:holder_id>")
@staff_required
def holder(holder_id):
    h = get_or_404(Holder, holder_id)
    names = db.session.scalars(
        select(Brandname).where(Brandname.holder_id == h.id).order_by(Brandname.name_normal)
    ).all()
    applications = db.session.scalars(
        select(Application).where(Application.holder_id == h.id).order_by(Application.received_at.desc())
    ).all()
    holder_accounts = db.session.scalars(select(Account).where(Account.holder_id == h.id)).all()
    filer = report_queries.Filer.holder(h.id)
    return render_template(
        "officer/holder.html",
        holder=h,
        names=names,
        applications=applications,
        accounts=holder_accounts,
        report_filings=report_queries.filings(db.session, filer),
        report_requests=report_queries.open_requests(db.session, filer),
    )


# -- staff accounts (administrator) ---------------------------------------------------------

ACCOUNT_TRAIL = 100


def _render_accounts(*, status=200, error=None, form=None):
    staff = db.session.scalars(
        select(Account).where(Account.role.in_(Account.STAFF_ROLES)).order_by(Account.email)
    ).all()
    makers = {a.id: a for a in staff}
    events = db.session.scalars(
        select(Event)
        .where(Event.subject_type == "account", Event.details["role"].as_string().in_(Account.STAFF_ROLES))
        .order_by(Event.seq.desc())
        .limit(ACCOUNT_TRAIL)
    ).all()
    return render_template(
        "officer/accounts.html",
        staff=staff,
        makers=makers,
        events=trail.describe(db.session, events),
        form=form or {},
        error=error,
        message=error_message(error) if error else None,
    ), status


@bp.route("/accounts", methods=["GET", "POST"])
@admin_required
def staff_accounts():
    if request.method == "POST":
        try:
            accounts.create_account(
                db.session,
                email=request.form.get("email"),
                password=request.form.get("password"),
                # administrators are made by the operator (create-officer --role admin)
                role=request.form.get("role")
                if request.form.get("role") in Account.CASEWORK_ROLES
                else "officer",
                full_name=" ".join((request.form.get("full_name") or "").split()),
                actor=actor(),
                min_score=current_app.config["PASSWORD_MIN_SCORE"],
            )
        except DomainError as exc:
            return _render_accounts(status=exc.status, error=exc, form=request.form)
        flash(_("Đã tạo tài khoản cán bộ."), "success")
        return redirect(url_for("officer.staff_accounts"))
    return _render_accounts()[0]


@bp.post("/accounts/<int:account_id>/active")
@admin_required
def set_active(account_id):
    try:
        accounts.set_active(
            db.session, account_id, request.form.get("active") == "1", actor_account=current_user.account
        )
    except DomainError as exc:
        return _render_accounts(status=exc.status, error=exc)
    flash(_("Đã cập nhật tài khoản."), "success")
    return redirect(url_for("officer.staff_accounts"))


# -- exports and statistics -----------------------------------------------------------------


def _download(table, fmt, filename):
    response = tables.download(table, fmt, filename)
    if response is None:
        abort(404)
    return response


@bp.get("/export/queue.<fmt>")
@staff_required
def export_queue(fmt):
    """The queue as filtered on screen, every page of it."""
    try:
        flt = _queue_filter()
    except DomainError as exc:
        return render_template("error.html", error=exc), exc.status
    stmt = lifecycle.queries.queue(flt, dates.utcnow())
    apps = db.session.scalars(stmt).all()
    warnings = {a.id: _warnings(a) for a in apps}
    table = reports.applications_table(db.session, stmt, warnings=warnings)
    return _download(table, fmt, f"ho-so-{dates.local_today():%Y%m%d}")


@bp.get("/export/names.<fmt>")
@staff_required
def export_names(fmt):
    return _download(
        reports.names_register(db.session), fmt, f"so-ten-dinh-danh-{dates.local_today():%Y%m%d}"
    )


@bp.get("/export/revocations.<fmt>")
@staff_required
def export_revocations(fmt):
    return _download(reports.revocations_table(db.session), fmt, f"thu-hoi-{dates.local_today():%Y%m%d}")


def _year():
    today = dates.local_today()
    years = reports.years_with_data(db.session, today)
    try:
        year = int(request.args.get("year", today.year))
    except ValueError:
        year = today.year
    return (year if year in years else today.year), years


@bp.get("/statistics")
@staff_required
def statistics():
    year, years = _year()
    stats = reports.monthly_statistics(db.session, year)
    months = [str(m) for m in range(1, 13)]
    series = dict(stats["series"])
    drawn = (
        (
            _("Hồ sơ tiếp nhận và quyết định theo tháng"),
            [
                (_("Hồ sơ tiếp nhận"), series["received"]),
                (_("Quyết định đúng hạn"), series["on_time"]),
                (_("Quyết định quá hạn"), series["late"]),
            ],
        ),
        (
            _("Giấy chứng nhận theo tháng"),
            [
                (_("Cấp mới"), series["issue"]),
                (_("Gia hạn"), series["renewal"]),
                (_("Cấp lại"), series["reissue"]),
            ],
        ),
        (
            _("Thu hồi theo căn cứ"),
            [(str(trail.ground_words(g)), values) for g, values in stats["revoked"].items()],
        ),
        (_("Lệ phí đã thu (đồng)"), [(_("Lệ phí đã thu (đồng)"), stats["fees"])]),
    )
    charts = [(title, charts_svg.bars(title, months, lines)) for title, lines in drawn]
    return render_template(
        "officer/statistics.html", stats=stats, year=year, years=years, charts=charts, months=months
    )


@bp.get("/export/statistics.<fmt>")
@staff_required
def export_statistics(fmt):
    year, _years = _year()
    table = reports.statistics_table(reports.monthly_statistics(db.session, year))
    return _download(table, fmt, f"thong-ke-{year}")


from brandname.web.officer import claims, periodic  # noqa: E402,F401  (the claims' and periodic reports' routes)
