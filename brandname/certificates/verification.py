"""Checking certificates: by serial (the registry's word) and by uploaded PDF (is this file genuine?).

No Flask here: the public pages, the API and the CLI call these with a session and the key store.
"""

import json

from sqlalchemy import select

from brandname.certificates import pdf as certificate_pdf
from brandname.certificates import signing, untrusted
from brandname.rules import dates, grounds, privacy
from brandname.store.models import Certificate

STATUS_TEXT = {
    "active": ("Đang có hiệu lực", "Active"),
    "superseded": ("Đã được thay thế", "Superseded"),
    "expired": ("Đã hết hạn", "Expired"),
    "revoked": ("Đã bị thu hồi", "Revoked"),
}

PROBLEMS = {
    **untrusted.PROBLEMS,
    "not_pdf": ("Tệp không phải là tệp PDF đọc được.", "The file is not a readable PDF."),
    "unsigned": ("Tệp PDF không có chữ ký số.", "The PDF carries no digital signature."),
    "several_signatures": (
        "Tệp PDF có nhiều hơn một chữ ký; giấy chứng nhận do cơ quan cấp chỉ có một chữ ký.",
        "The PDF carries more than one signature; the registry's certificate has one.",
    ),
    "broken": (
        "Chữ ký số bị hỏng: nội dung tệp đã bị thay đổi sau khi ký.",
        "The digital signature is broken: the file was changed after it was signed.",
    ),
    "foreign_key": (
        "Tệp được ký bằng khóa không phải của cơ quan cấp (không xác thực được với chứng "
        "thư gốc của sổ đăng ký).",
        "The file was signed with a key that is not the registry's (it does not chain to the registry root).",
    ),
    "issuer_revoked": (
        "Khóa ký của sổ đăng ký dùng cho tệp này đã bị thu hồi vì bị lộ; chữ ký không còn giá trị. "
        "Hãy tải lại giấy chứng nhận từ sổ đăng ký.",
        "The registry key that signed this file was revoked as compromised; the signature no longer "
        "counts. Download the certificate again from the registry.",
    ),
    "issuer_not_valid": (
        "Chứng thư ký của sổ đăng ký không có hiệu lực vào thời điểm ký hoặc kiểm tra.",
        "The registry's signing certificate was not valid at the signing or checking time.",
    ),
    "modified_after_signing": (
        "Tệp đã bị bổ sung nội dung sau khi được ký.",
        "Content was added to the file after it was signed.",
    ),
    "no_record": (
        "Tệp không chứa bản ghi gốc của giấy chứng nhận (certificate.json, certificate.jws).",
        "The PDF does not carry the certificate record (certificate.json, certificate.jws).",
    ),
    "unknown_serial": (
        "Số giấy chứng nhận {serial} không có trong sổ đăng ký.",
        "Certificate number {serial} is not in the registry.",
    ),
    "record_mismatch": (
        "Bản ghi đính kèm trong tệp không khớp với bản ghi của sổ đăng ký cho giấy chứng nhận {serial}.",
        "The record embedded in the file does not match the registry's record of certificate {serial}.",
    ),
    "log_entry_mismatch": (
        "Vị trí trong sổ công khai đính kèm trong tệp không khớp với sổ của cơ quan cấp.",
        "The transparency-log entry embedded in the file does not match the registry's log.",
    ),
    "signature_mismatch": (
        "Chữ ký JWS đính kèm trong tệp không khớp với chữ ký của sổ đăng ký.",
        "The JWS embedded in the file differs from the registry's signature.",
    ),
    "record_signature_invalid": (
        "Chữ ký JWS của bản ghi đính kèm không hợp lệ.",
        "The JWS over the embedded record does not verify.",
    ),
}


def _iso(value):
    return value.isoformat() if value is not None else None


def _ground_text(ground):
    if ground is None:
        return None, None
    return grounds.legal_ground(ground, "vi"), grounds.legal_ground(ground, "en")


def certificate_status(cert, today=None):
    """active | superseded | expired | revoked for one certificate, as of `today` (Hanoi)."""
    today = today or dates.local_today()
    bn = cert.brandname
    if cert.status == "superseded":
        return "superseded"
    if bn.revoked_at is not None and bn.revocation_ground != "expired":
        return "revoked"
    # a renewal filed before the expiry and still pending keeps the current certificate in force
    pending = bn.status == "active" and bn.renewal_pending and cert.status == "current"
    if bn.status == "expired" or bn.expired_at is not None or (cert.valid_until < today and not pending):
        return "expired"
    if bn.status == "released":  # released without a revocation on record: it had expired
        return "expired"
    return "active"


def status_of(session, serial, today=None):
    """What the registry says about certificate `serial`, as plain data for pages and the API."""
    serial = (serial or "").strip().upper()
    cert = (
        session.scalars(select(Certificate).where(Certificate.serial == serial)).first() if serial else None
    )
    if cert is None:
        return {"found": False, "serial": serial}
    bn = cert.brandname
    status = certificate_status(cert, today)
    ground_vi, ground_en = _ground_text(bn.revocation_ground) if status == "revoked" else (None, None)
    status_vi, status_en = STATUS_TEXT[status]
    return {
        "found": True,
        "serial": cert.serial,
        "kind": cert.kind,
        "name": bn.name,
        # public answers: an individual's name masked, no address (the PDF carries them in full)
        "holder_name": privacy.public_holder_name(bn.holder.kind, bn.holder.name),
        "holder_kind": bn.holder.kind,
        "holder_address": privacy.public_holder_address(bn.holder.kind, bn.holder.address),
        # an individual's signed record holds their full name and address: compared with an
        # uploaded PDF's, never published
        "record_public": bn.holder.kind == "organization",
        "holder_id_number": bn.holder.public_id_number(),
        "status": status,
        "status_text": status_vi,
        "status_text_en": status_en,
        "current": status == "active",
        # a renewal filed in time is undecided or awaiting its fee (gia hạn đang xử lý)
        "renewal_pending": status == "active" and bool(bn.renewal_pending),
        "superseded_by": cert.superseded_by_serial,
        "previous_serial": cert.previous_serial,
        "revoked_at": _iso(bn.revoked_at) if status == "revoked" else None,
        "revoked_on": _iso(dates.local_date(bn.revoked_at)) if status == "revoked" else None,
        "revoked_on_text": certificate_pdf.vn_date(dates.local_date(bn.revoked_at))
        if status == "revoked"
        else None,
        "ground": bn.revocation_ground if status == "revoked" else None,
        "ground_text": ground_vi,
        "ground_text_en": ground_en,
        "issued_at": _iso(cert.issued_at),
        "issued_on": _iso(dates.local_date(cert.issued_at)),
        "issued_on_text": certificate_pdf.vn_date(dates.local_date(cert.issued_at)),
        "valid_from_text": certificate_pdf.vn_date(cert.valid_from),
        "valid_until_text": certificate_pdf.vn_date(cert.valid_until),
        "valid_from": _iso(cert.valid_from),
        "valid_until": _iso(cert.valid_until),
        "record": cert.record,
        "signature": cert.signature,
        "kid": cert.kid,
        "verification_code": cert.verification_code,
    }


def public_status(session, serial, code, today=None):
    """status_of as the public sees it: a certificate is found only with its verification code.

    Without the right code the answer is the same as for a serial the registry never issued, so
    walking the (sequential) serials reveals nothing the public name lookup does not show."""
    info = status_of(session, serial, today)
    if info["found"] and not privacy.code_matches(info["verification_code"], code):
        return {"found": False, "serial": info["serial"]}
    return info


def _verdict(problem, serial=None, check=None, status=None):
    vi, en = PROBLEMS[problem]
    detail = check.detail if check else ""
    return {
        "genuine": False,
        "problem": problem,
        "detail": detail,
        "reason": vi.format(serial=serial or "?", detail=detail),
        "reason_en": en.format(serial=serial or "?", detail=detail),
        "serial": serial,
        "pdf_kid": check.kid if check else None,
        "signer": check.signer if check else None,
        "status": status,
    }


def verify_pdf(session, keys, data, today=None, isolation=None):
    """Is `data` a genuine certificate PDF of this registry, and what is that certificate's status?

    Genuine means: one PAdES signature, intact, covering the whole file, by one of the registry's
    issuing keys under its root; the embedded record and JWS are exactly the registry's for that
    serial, and the JWS verifies. Garbage input gets an answer, never an exception.

    With `isolation` (an untrusted.Limits) the file is pre-scanned and parsed in a limited child
    process, as the public upload does; without it, here (the operator's CLI).
    """
    if isolation is not None:
        isolated = untrusted.check_isolated(keys, data, isolation)
        check, files = isolated.check, isolated.files
    else:
        check = signing.check_pdf(keys, data)
        files = None
    if not check.ok:
        return _verdict(check.problem, check=check)
    if files is None:
        files = certificate_pdf.read_attachments(bytes(data))
    record_bytes = files.get(certificate_pdf.RECORD_FILE)
    jws_bytes = files.get(certificate_pdf.SIGNATURE_FILE)
    if not record_bytes or not jws_bytes:
        return _verdict("no_record", check=check)
    try:
        serial = json.loads(record_bytes.decode("utf-8"))["serial"]
        token = jws_bytes.decode("ascii").strip()
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return _verdict("no_record", check=check)
    if not isinstance(serial, str):
        return _verdict("no_record", check=check)
    status = status_of(session, serial, today)
    if not status["found"]:
        return _verdict("unknown_serial", serial, check)
    if record_bytes != status["record"].encode("utf-8"):
        return _verdict("record_mismatch", serial, check, status)
    if token != status["signature"]:
        return _verdict("signature_mismatch", serial, check, status)
    try:
        keys.verify(token, record_bytes)
    except signing.SignatureInvalid:
        return _verdict("record_signature_invalid", serial, check, status)
    log_index = _embedded_log_index(session, serial, files)
    if log_index is False:
        return _verdict("log_entry_mismatch", serial, check, status)
    return {
        "genuine": True,
        "problem": None,
        "reason": "Tệp là giấy chứng nhận do sổ đăng ký cấp, chữ ký số hợp lệ.",
        "reason_en": "The file is a certificate issued by the registry; its digital signature is valid.",
        "serial": serial,
        "pdf_kid": check.kid,
        "signer": check.signer,
        "signed_at": _iso(check.signed_at),
        "status": status,
        "log_index": log_index,
    }


def _embedded_log_index(session, serial, files):
    """The leaf index the PDF names if it is the registry's leaf of that certificate; None when
    the PDF names none (made before the log); False when it names another."""
    from brandname.transparency import log

    data = files.get(certificate_pdf.LOG_FILE)
    if data is None:
        return None
    found = log.certificate_leaf(session, serial)
    try:
        embedded = json.loads(data)
        index, leaf = embedded["log_index"], embedded["leaf_hash"]
    except (ValueError, KeyError, TypeError):
        return False
    if found is None or (index, leaf) != (found[0], found[1].hex()):
        return False
    return index


def summary_lines(verdict):
    """Plain-text verdict (Vietnamese, then English) for the CLI."""
    lines = []
    if verdict["genuine"]:
        lines.append("THẬT: " + verdict["reason"])
        lines.append("GENUINE: " + verdict["reason_en"])
    else:
        lines.append("KHÔNG HỢP LỆ: " + verdict["reason"])
        lines.append("NOT GENUINE: " + verdict["reason_en"])
    status = verdict.get("status")
    if status and status.get("found"):
        lines.extend(status_sentences(status))
    return lines


def status_sentences(status):
    """One Vietnamese and one English sentence saying where certificate `status` stands."""
    serial, name = status["serial"], status["name"]
    kind = status["status"]
    if kind == "active":
        vi = (
            f"Giấy chứng nhận {serial} (tên định danh {name}) đang có hiệu lực đến hết ngày "
            f"{_vn(status['valid_until'])}."
        )
        en = f"Certificate {serial} ({name}) is active until {_vn(status['valid_until'])} inclusive."
    elif kind == "superseded":
        vi = f"Giấy chứng nhận {serial} đã được thay thế bởi giấy chứng nhận số {status['superseded_by']}."
        en = f"Certificate {serial} has been superseded by certificate {status['superseded_by']}."
    elif kind == "expired":
        vi = (
            f"Giấy chứng nhận {serial} (tên định danh {name}) đã hết hạn; hiệu lực đến hết ngày "
            f"{_vn(status['valid_until'])}."
        )
        en = f"Certificate {serial} ({name}) has expired; it was valid until {_vn(status['valid_until'])}."
    else:
        vi = (
            f"Giấy chứng nhận {serial} (tên định danh {name}) đã bị thu hồi ngày "
            f"{_vn(status['revoked_on'])}; căn cứ: {status['ground_text']}."
        )
        en = (
            f"Certificate {serial} ({name}) was revoked on {_vn(status['revoked_on'])}; ground: "
            f"{status['ground_text_en']}."
        )
    return [vi, en]


def _vn(iso_day):
    return certificate_pdf.vn_date(iso_day) if iso_day else "?"
