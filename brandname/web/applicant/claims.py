"""Claiming names already in the registry: an account of no holder names the business by its
code, proves control with the code mailed to the email on record or with an uploaded
authorization, and then holds its names. Registered on the applicant blueprint."""

from types import SimpleNamespace

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from brandname import lifecycle, registry
from brandname.errors import DomainError, InvalidInput
from brandname.extensions import db, limiter
from brandname.lifecycle import claims as claim_acts
from brandname.rules import claims as claim_rules
from brandname.store.models import Brandname, Claim
from brandname.web import uploads
from brandname.web.applicant import bp, send_document
from brandname.web.site import actor, error_message, login_rate_limit


def _claimant():
    if current_user.role != "applicant":
        abort(403)


def _own_claim(claim_id):
    claim = db.session.get(Claim, claim_id)
    if claim is None or claim.account_id != current_user.id:
        abort(404)
    return claim


@bp.route("/claim", methods=["GET", "POST"])
@login_required
def claim():
    _claimant()
    form, error = (
        request.form if request.method == "POST" else {"id_number": request.args.get("code", "")},
        None,
    )
    if request.method == "POST" and current_user.holder_id is None:
        try:
            started = lifecycle.start_claim(db.session, request.form.get("id_number"), actor=actor())
        except DomainError as exc:
            error = exc
        else:
            return redirect(url_for("applicant.claim_detail", claim_id=started.id))
    return render_template(
        "applicant/claim.html",
        form=form,
        error=error,
        message=error_message(error) if error else None,
        claims=claim_acts.claims_of(db.session, current_user.id),
    ), (error.status if error else 200)


def _render_claim(claim, *, status=200, error=None):
    holder = claim.holder
    return render_template(
        "applicant/claim_detail.html",
        claim=claim,
        holder=holder,
        masked_email=claim_rules.mask_email(holder.email),
        names=sorted(bn.name for bn in holder_names(holder.id)),
        minutes=current_app.config["CLAIM_CODE_MINUTES"],
        error=error,
        message=error_message(error) if error else None,
    ), status


def holder_names(holder_id):
    return db.session.scalars(
        select(Brandname).where(Brandname.holder_id == holder_id, Brandname.status != "released")
    ).all()


@bp.get("/claim/<int:claim_id>")
@login_required
def claim_detail(claim_id):
    _claimant()
    return _render_claim(_own_claim(claim_id))


@bp.post("/claim/<int:claim_id>/send")
@login_required
@limiter.limit(login_rate_limit)
def claim_send(claim_id):
    _claimant()
    claim = _own_claim(claim_id)
    try:
        sent = lifecycle.send_claim_code(
            db.session,
            claim.id,
            actor=actor(),
            minutes=current_app.config["CLAIM_CODE_MINUTES"],
            public_url=current_app.config["PUBLIC_URL"],
            authority=(registry.rules().authority, registry.rules().authority_en),
        )
    except DomainError as exc:
        return _render_claim(claim, status=exc.status, error=exc)
    flash(
        _(
            "Đã gửi mã xác nhận tới %(email)s, thư điện tử trong hồ sơ của tổ chức. Mã dùng được %(minutes)s phút.",
            email=sent.masked_email,
            minutes=current_app.config["CLAIM_CODE_MINUTES"],
        ),
        "success",
    )
    return redirect(url_for("applicant.claim_detail", claim_id=claim.id))


@bp.post("/claim/<int:claim_id>/confirm")
@login_required
@limiter.limit(login_rate_limit)
def claim_confirm(claim_id):
    _claimant()
    claim = _own_claim(claim_id)
    try:
        lifecycle.confirm_claim_code(db.session, claim.id, request.form.get("code"), actor=actor())
    except DomainError as exc:
        db.session.expire_all()
        return _render_claim(_own_claim(claim_id), status=exc.status, error=exc)
    flash(
        _("Đã nhận quyền: bạn là quản trị tài khoản của %(name)s.", name=claim.holder.name),
        "success",
    )
    return redirect(url_for("applicant.names"))


@bp.post("/claim/<int:claim_id>/authorization")
@login_required
def claim_authorization(claim_id):
    _claimant()
    claim = _own_claim(claim_id)
    upload = request.files.get("file")
    data_dir = current_app.config["DATA_DIR"]
    stored = None
    try:
        if upload is None or not upload.filename:
            raise InvalidInput("Hãy chọn tệp giấy ủy quyền.", "Choose the authorization file.")
        # checked and kept as a dossier file is (type by content, size, free space)
        stored = uploads.write_report_file(upload.read(), upload.filename, data_dir=data_dir)
        lifecycle.submit_claim_authorization(db.session, claim.id, actor=actor(), document=stored)
    except DomainError as exc:
        uploads.remove_report_file(stored, data_dir)
        return _render_claim(claim, status=exc.status, error=exc)
    flash(_("Đã gửi giấy ủy quyền; cán bộ của Cục sẽ xem xét và báo kết quả qua thư điện tử."), "success")
    return redirect(url_for("applicant.claim_detail", claim_id=claim.id))


def send_claim_document(claim):
    if not claim.document:
        abort(404)
    return send_document(SimpleNamespace(**claim.document))


@bp.get("/claim/<int:claim_id>/document")
@login_required
def claim_document(claim_id):
    _claimant()
    return send_claim_document(_own_claim(claim_id))
