"""Claims of names already in the registry whose authorization waits for an officer: the queue,
the uploaded document, approval or refusal with the reason the claimant reads. Registered on the
officer blueprint."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from brandname import lifecycle, registry
from brandname.errors import DomainError
from brandname.extensions import db
from brandname.lifecycle import claims as claim_acts
from brandname.store.models import Claim
from brandname.web.applicant.claims import holder_names, send_claim_document
from brandname.web.officer import bp, get_or_404, staff_required
from brandname.web.site import actor, error_message


@bp.get("/claims")
@staff_required
def claims():
    waiting = claim_acts.review_queue(db.session)
    return render_template(
        "officer/claims.html",
        waiting=waiting,
        decided=claim_acts.recently_decided(db.session),
        names={c.holder_id: sorted(bn.name for bn in holder_names(c.holder_id)) for c in waiting},
    )


@bp.get("/claims/<int:claim_id>/document")
@staff_required
def claim_document(claim_id):
    return send_claim_document(get_or_404(Claim, claim_id))


@bp.post("/claims/<int:claim_id>/<any(approve, reject):decision>")
@staff_required
def claim_decision(claim_id, decision):
    claim = get_or_404(Claim, claim_id)
    try:
        if decision == "approve":
            lifecycle.approve_claim(db.session, claim.id, actor=actor(), rules=registry.rules())
        else:
            lifecycle.reject_claim(
                db.session, claim.id, request.form.get("reason"), actor=actor(), rules=registry.rules()
            )
    except DomainError as exc:
        flash(error_message(exc), "error")
        return redirect(url_for("officer.claims"))
    if decision == "approve":
        flash(
            _(
                "Đã chấp nhận: %(email)s nay quản lý %(name)s.",
                email=claim.account.email,
                name=claim.holder.name,
            ),
            "success",
        )
    else:
        flash(_("Đã từ chối yêu cầu nhận quyền %(name)s.", name=claim.holder.name), "success")
    return redirect(url_for("officer.claims"))
