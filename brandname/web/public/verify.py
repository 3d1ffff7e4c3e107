"""Public verification: by certificate number and verification code (the QR code opens
/verify/<serial>?code=<code>) or by PDF upload."""

import logging

from flask import current_app, redirect, render_template, request, url_for

from brandname import registry
from brandname.certificates import untrusted, verification
from brandname.extensions import db, limiter, public_lookup_limit
from brandname.rules import privacy
from brandname.transparency import log as public_log
from brandname.web.public import bp

MAX_UPLOAD = 10 * 1024 * 1024
log = logging.getLogger(__name__)


def _upload_rate_limit():
    return current_app.config.get("VERIFY_UPLOAD_RATE_LIMIT", "10 per minute")


def _isolation():
    config = current_app.config
    return untrusted.Limits(
        timeout_seconds=float(config.get("VERIFY_PDF_TIMEOUT", 4)),
        cpu_seconds=int(config.get("VERIFY_PDF_CPU_SECONDS", 5)),
        memory_mb=int(config.get("VERIFY_PDF_MEMORY_MB", 1024)),
    )


def _issuers():
    keys = registry.keys()
    return keys, sorted(keys.issuers.values(), key=lambda i: i.not_before)


def _form_page(verdict=None, error=None, serial="", status=200):
    keys, issuers = _issuers()
    return render_template(
        "public/verify.html",
        verdict=verdict,
        error=error,
        serial=serial,
        issuers=issuers,
        current_kid=keys.current_kid,
        max_mb=MAX_UPLOAD // (1024 * 1024),
    ), status


def _to_certificate_page(serial, code):
    """The certificate's page for a serial and code typed into the form."""
    code = privacy.normal_code(code) or None
    return redirect(url_for("public.verify_serial", serial=serial.strip().upper(), code=code))


@bp.get("/verify")
@public_lookup_limit
def verify_form():
    serial = (request.args.get("serial") or "").strip()
    if serial:
        return _to_certificate_page(serial, request.args.get("code"))
    return _form_page()


@bp.post("/verify")
@limiter.limit(_upload_rate_limit)  # per client address: each check costs a process
def verify_upload():
    if request.content_length is not None and request.content_length > MAX_UPLOAD + 64 * 1024:
        return _form_page(
            error=("Tệp quá lớn: tối đa 10 MB.", "The file is too large: 10 MB at most."), status=413
        )
    upload = request.files.get("pdf")
    if upload is None or not upload.filename:
        serial = (request.form.get("serial") or "").strip()
        if serial:
            return _to_certificate_page(serial, request.form.get("code"))
        return _form_page(
            error=(
                "Hãy nhập số giấy chứng nhận hoặc chọn tệp PDF.",
                "Enter a certificate number or choose a PDF file.",
            ),
            status=400,
        )
    data = upload.stream.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        return _form_page(
            error=("Tệp quá lớn: tối đa 10 MB.", "The file is too large: 10 MB at most."), status=413
        )
    verdict = verification.verify_pdf(db.session, registry.keys(), data, isolation=_isolation())
    if not verdict["genuine"]:  # one line, never a traceback: forged files are expected here
        log.info(
            "verify upload not genuine: %s (%s bytes; %s)",
            verdict["problem"],
            len(data),
            (verdict.get("detail") or "")[:200].replace("\n", " "),
        )
    return _form_page(verdict=verdict)


@bp.get("/verify/<serial>")
@public_lookup_limit
def verify_serial(serial):
    info = verification.public_status(db.session, serial, request.args.get("code"))
    log_proof = (
        public_log.certificate_inclusion(db.session, info["serial"], registry.log_key())
        if info["found"]
        else None
    )
    return render_template("public/verify_status.html", info=info, log_proof=log_proof), (
        200 if info["found"] else 404
    )
