"""App-bound glue for certificate documents: render + sign once, keep the file, hand it out again."""

import os
import tempfile
from pathlib import Path

from flask import current_app

from brandname import lifecycle, registry
from brandname.certificates import pdf as certificate_pdf
from brandname.certificates import signing


def certificate_dir():
    path = Path(current_app.config["DATA_DIR"]) / "certificates"
    path.mkdir(parents=True, exist_ok=True)
    return path


def build_certificate_pdf(certificate, keys=None):
    """Render and sign the PDF of `certificate` (a models.Certificate); returns the bytes."""
    keys = keys or registry.keys()
    config = current_app.config
    holder = certificate.brandname.holder
    # An individual's ID number is printed on their own certificate only; it is in no record.
    holder_id = holder.id_number if holder.kind == "individual" else None
    unsigned = certificate_pdf.render(
        certificate.record,
        certificate.signature,
        public_url=config["PUBLIC_URL"],
        signer_title=config.get("SIGNER_TITLE") or "Cục trưởng",
        signer_name=config.get("SIGNER_NAME") or "",
        holder_id_number=holder_id,
        verification_code=certificate.verification_code,
        log_entry=log_entry_of(certificate),
    )
    return signing.sign_pdf(
        keys, unsigned, reason=f"Giấy chứng nhận số {certificate.serial}", location="Hà Nội"
    )


def log_entry_of(certificate):
    """The issuing act's place in the transparency log, as the PDF embeds it (None before the
    act is in the log: a PDF rendered inside the issuing transaction)."""
    from brandname.extensions import db
    from brandname.transparency import log

    found = log.certificate_leaf(db.session, certificate.serial)
    if found is None:
        return None
    index, leaf = found
    return signing.canonical_json(
        {"log_origin": registry.log_origin(), "log_index": index, "leaf_hash": leaf.hex()}
    )


def certificate_pdf_path(certificate):
    """The kept PDF of `certificate` under DATA_DIR/certificates/<serial>.pdf, made on first use.

    Written to a temporary file in the same folder and moved into place, so a crash never leaves
    half a file and concurrent first requests both end with one complete file.
    """
    target = certificate_dir() / f"{certificate.serial}.pdf"
    if target.exists():
        return target
    data = build_certificate_pdf(certificate)
    fd, tmp = tempfile.mkstemp(prefix=f".{certificate.serial}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            half = len(data) // 2
            fh.write(data[:half])
            fh.flush()
            lifecycle.crash_point("pdf_half_written")
            fh.write(data[half:])
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def mail_attachment(session, reference):
    """The file an outbox reference names, for `notifications.deliver`: a certificate's signed
    PDF (the kept file, made on first use)."""
    from sqlalchemy import select

    from brandname.store.models import Certificate

    if reference.get("kind") != "certificate":
        raise ValueError(f"unknown attachment kind {reference.get('kind')!r}")
    certificate = session.scalars(select(Certificate).where(Certificate.serial == reference["serial"])).one()
    return f"{certificate.serial}.pdf", "application/pdf", certificate_pdf_path(certificate).read_bytes()
