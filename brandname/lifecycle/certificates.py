"""Fees and certificates (Art. 26-28): the holder records the payment, an officer confirms it, and the
certificate is issued, reissued or renewed in the same transaction.
"""

import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from brandname.errors import Conflict, InvalidInput, NotAllowed
from brandname.lifecycle._kernel import (
    DEFAULT_RULES,
    Result,
    act,
    crash_point,
    fetch,
    lock_brandnames,
    moment,
    next_value,
    record_event,
    require_holder_or_staff,
    require_staff,
)
from brandname.lifecycle.applications import take_holder_details
from brandname.rules import dates, fees, privacy
from brandname.store.models import (
    Application,
    Brandname,
    Certificate,
    Payment,
)
from brandname_carrier.rules import holder_check


@act
def record_payment(session, application_id, *, actor, reference, amount_vnd=None, now=None):
    """The applicant records how the fee was paid; an officer confirms it later."""
    now = moment(now)
    application = fetch(session, Application, application_id, what_vi="hồ sơ", what_en="application")
    require_holder_or_staff(actor, application.holder_id)
    if application.status != "approved":
        raise NotAllowed(
            "Chỉ nộp lệ phí cho hồ sơ đã được chấp thuận và chưa cấp.",
            "A fee is paid only for an approved application not yet issued.",
        )
    # a renewal's deadline is what keeps its name in force past the old expiry: a payment after it
    # carries nothing (the renewal lapses at the next daily run)
    if application.kind == "renewal" and application.payment_due_at and now > application.payment_due_at:
        due = dates.local_date(application.payment_due_at)
        raise NotAllowed(
            f"Đã quá hạn nộp lệ phí của hồ sơ số {application.id} (hạn: {due:%d/%m/%Y}).",
            f"The fee of application {application.id} was due by {due.isoformat()}.",
        )
    reference, amount = fees.payment_reference_and_amount(reference, amount_vnd, application.fee_vnd)
    key = reference_key(reference)
    _refuse_duplicate_reference(session, key, reference, application)
    payment = Payment(
        application_id=application.id,
        amount_vnd=amount,
        reference=reference,
        reference_key=key,
        status="recorded",
        recorded_at=now,
        recorded_by_id=actor.id,
    )
    try:
        # a savepoint: a racing act recording the same reference commits first and the unique
        # index refuses this one, with the same message as the check above
        with session.begin_nested():
            session.add(payment)
            session.flush()
    except IntegrityError as exc:
        if "uq_payments_live_reference" not in str(exc.orig) and "reference_key" not in str(exc.orig):
            raise
        raise _duplicate(reference, same_application=False) from exc
    record_event(
        session,
        actor,
        "record_payment",
        "payment",
        payment.id,
        now=now,
        application_id=application.id,
        details={"reference": reference, "amount_vnd": amount},
    )
    return payment


def reference_key(reference):
    """The reference as compared for duplicates: no spaces, upper case."""
    return "".join(reference.split()).upper()


def _duplicate(reference, *, same_application):
    if same_application:
        return Conflict(
            f"Mã giao dịch {reference} đã được ghi nhận cho hồ sơ này; không cần ghi lại.",
            f"The payment reference {reference} is already recorded for this application.",
        )
    return Conflict(
        f"Mã giao dịch {reference} đã được ghi nhận cho một khoản lệ phí khác. Kiểm tra lại mã trên "
        "chứng từ chuyển khoản; nếu mã đúng, liên hệ Cục.",
        f"The payment reference {reference} is already recorded for another fee. Check the code on the "
        "transfer receipt; if it is right, contact the Authority.",
    )


def _refuse_duplicate_reference(session, key, reference, application):
    other = session.scalars(
        select(Payment).where(Payment.reference_key == key, Payment.status != "refused").limit(1)
    ).first()
    if other is not None:
        raise _duplicate(reference, same_application=other.application_id == application.id)


MAX_REFUSAL_REASON = 500


@act
def refuse_payment(session, payment_id, *, actor, reason, now=None):
    """An officer refuses a wrongly recorded payment (a wrong reference, no such transfer); the
    applicant reads the reason and may record the right reference."""
    now = moment(now)
    require_staff(actor)
    reason = " ".join((reason or "").split())
    if not reason or len(reason) > MAX_REFUSAL_REASON:
        raise InvalidInput(
            f"Nêu lý do không xác nhận khoản thanh toán (tối đa {MAX_REFUSAL_REASON} ký tự); "
            "người đăng ký sẽ đọc lý do này.",
            f"Give the reason the payment is refused (at most {MAX_REFUSAL_REASON} characters); "
            "the applicant reads it.",
        )
    payment = fetch(session, Payment, payment_id, what_vi="khoản thanh toán", what_en="payment")
    if payment.status != "recorded":
        raise NotAllowed("Khoản thanh toán này đã được xử lý.", "This payment was already handled.")
    payment.status, payment.refused_at, payment.refused_by_id = "refused", now, actor.id
    payment.refusal_reason = reason
    session.flush()
    record_event(
        session,
        actor,
        "refuse_payment",
        "payment",
        payment.id,
        now=now,
        application_id=payment.application_id,
        details={"reference": payment.reference, "amount_vnd": payment.amount_vnd, "reason": reason},
    )
    return payment


@act
def confirm_payment(session, payment_id, *, actor, keys, now=None, rules=DEFAULT_RULES):
    """An officer confirms the fee; the certificates are issued in the same transaction."""
    now = moment(now)
    require_staff(actor)
    payment = fetch(session, Payment, payment_id, what_vi="khoản thanh toán", what_en="payment")
    application = fetch(session, Application, payment.application_id, what_vi="hồ sơ", what_en="application")
    if payment.status != "recorded":
        raise NotAllowed("Khoản thanh toán này đã được xử lý.", "This payment was already handled.")
    if application.status != "approved":
        raise NotAllowed(
            f"Hồ sơ số {application.id} không chờ lệ phí (trạng thái: {application.status}).",
            f"Application {application.id} is not awaiting its fee (status: {application.status}).",
        )
    if payment.amount_vnd < (application.fee_vnd or 0):
        raise NotAllowed(
            f"Số tiền {payment.amount_vnd:,} đồng thấp hơn lệ phí {application.fee_vnd:,} đồng.",
            f"The amount {payment.amount_vnd:,} VND is below the fee {application.fee_vnd:,} VND.",
        )
    # Lock the names this issuance touches BEFORE the event counter: every act takes its row
    # locks first and the counter last, so a revocation racing a renewal cannot deadlock.
    lock_brandnames(
        session,
        [application.brandname_id]
        if application.kind != "issue"
        else [rn.brandname_id for rn in application.names if rn.status == "approved"],
    )
    payment.status, payment.confirmed_at, payment.confirmed_by_id = "confirmed", now, actor.id
    session.flush()
    record_event(
        session,
        actor,
        "confirm_payment",
        "payment",
        payment.id,
        now=now,
        application_id=application.id,
        details={"reference": payment.reference, "amount_vnd": payment.amount_vnd},
    )
    result = Result(applications=[application])
    _issue(session, application, actor=actor, keys=keys, now=now, rules=rules, result=result)
    return result


def certificate_record(cert, brandname, holder, rules):
    return {
        "type": "brandname-certificate",
        "version": 1,
        "serial": cert.serial,
        "kind": cert.kind,
        "name": brandname.name,
        "name_normal": brandname.name_normal,
        "forms_of_use": [f for f, on in (("sms", brandname.use_sms), ("voice", brandname.use_voice)) if on],
        "holder": {
            "kind": holder.kind,
            "name": holder.name,
            "id_number": holder.public_id_number(),
            "address": holder.address,
        },
        "issued_at": cert.issued_at.replace(microsecond=0).isoformat() + "Z",
        "valid_from": cert.valid_from.isoformat(),
        "valid_until": cert.valid_until.isoformat(),
        "previous_serial": cert.previous_serial,
        "authority": rules.authority,
    }


def new_holder_check(kind, id_number):
    """The "<salt>:<hmac>" carriers compare an individual holder's ID number against, with a
    fresh random salt (a name's hash says nothing about the holder's other names); None for an
    organization, whose enterprise code is published as it is."""
    if kind != "individual":
        return None
    salt = secrets.token_hex(16)
    return f"{salt}:{holder_check(salt, id_number)}"


def make_certificate(
    session, brandname, *, kind, keys, now, rules, application_id=None, valid_from, valid_until
):
    """Add a signed certificate for `brandname`; supersede its current one. Part of an act."""
    previous = session.scalars(
        select(Certificate)
        .where(Certificate.brandname_id == brandname.id, Certificate.status == "current")
        .with_for_update()
    ).first()
    serial_no = next_value(session, "serial")
    cert = Certificate(
        serial=f"BN-{dates.local_date(now).year}-{serial_no:07d}",
        brandname_id=brandname.id,
        application_id=application_id,
        kind=kind,
        status="current",
        issued_at=now,
        valid_from=valid_from,
        valid_until=valid_until,
        previous_serial=previous.serial if previous else None,
        record="",
        signature="",
        kid="",
        verification_code=privacy.new_verification_code(),
    )
    brandname.holder_check = new_holder_check(brandname.holder.kind, brandname.holder.id_number)
    record, token = keys.sign_json(certificate_record(cert, brandname, brandname.holder, rules))
    cert.record, cert.signature, cert.kid = record.decode("utf-8"), token, keys.current_kid
    if previous is not None:
        previous.status, previous.superseded_by_serial = "superseded", cert.serial
    session.add(cert)
    session.flush()
    crash_point("after_certificate_insert")
    return cert


def _issue(session, application, *, actor, keys, now, rules, result):
    today = dates.local_date(now)
    holder = application.holder
    take_holder_details(session, holder, application, actor=actor, now=now)
    if application.kind == "issue":
        for rn in application.names:
            if rn.status != "approved":
                continue
            bn = fetch(session, Brandname, rn.brandname_id, what_vi="tên định danh", what_en="sender name")
            if bn.status != "reserved":
                raise NotAllowed(
                    f"Tên {bn.name} không còn được giữ chỗ (trạng thái: {bn.status}).",
                    f"{bn.name} is no longer reserved (status: {bn.status}).",
                )
            bn.status, bn.valid_from, bn.valid_until = "active", today, dates.validity_end(today)
            cert = make_certificate(
                session,
                bn,
                kind="issue",
                keys=keys,
                now=now,
                rules=rules,
                application_id=application.id,
                valid_from=today,
                valid_until=bn.valid_until,
            )
            rn.status = "issued"
            _after_issue(session, actor, bn, cert, application, now, result)
    else:
        bn = fetch(
            session, Brandname, application.brandname_id, what_vi="tên định danh", what_en="sender name"
        )
        # a renewal filed before expiry keeps its name in force past the old last day until it
        # is decided and paid; a reissue needs a name still within its term
        in_force = bn.status == "active" and (
            bn.valid_until >= today or (application.kind == "renewal" and bn.renewal_pending)
        )
        if not in_force:
            raise NotAllowed(
                f"Tên {bn.name} không còn hoạt động (trạng thái: {bn.status}); không thể "
                f"{'gia hạn' if application.kind == 'renewal' else 'cấp lại'}.",
                f"{bn.name} is no longer active (status: {bn.status}); cannot {application.kind}.",
            )
        rn = application.names[0]
        bn.purpose, bn.use_sms, bn.use_voice = rn.purpose, rn.use_sms, rn.use_voice
        current = session.scalars(
            select(Certificate).where(Certificate.brandname_id == bn.id, Certificate.status == "current")
        ).first()
        if application.kind == "renewal":
            # Art. 28: the new term follows the old one with no gap, whatever day it is confirmed.
            valid_from = bn.valid_until + timedelta(days=1)
            bn.valid_until = dates.renewed_validity_end(bn.valid_until)
            bn.renewal_pending = False
        else:
            # Art. 27: a reissued certificate carries the term it replaces; the PDF shows the
            # reissue date on its own.
            valid_from = current.valid_from if current is not None else bn.valid_from
        cert = make_certificate(
            session,
            bn,
            kind=application.kind,
            keys=keys,
            now=now,
            rules=rules,
            application_id=application.id,
            valid_from=valid_from,
            valid_until=bn.valid_until,
        )
        rn.status = "issued"
        _after_issue(session, actor, bn, cert, application, now, result)
    application.status, application.closed_at = "issued", now
    session.flush()


def _after_issue(session, actor, bn, cert, application, now, result):
    session.flush()
    result.brandnames.append(bn)
    result.certificates.append(cert)
    result.events.append(
        record_event(
            session,
            actor,
            application.kind,
            "certificate",
            cert.id,
            now=now,
            name_normal=bn.name_normal,
            application_id=application.id,
            details={
                "serial": cert.serial,
                "previous_serial": cert.previous_serial,
                "valid_from": cert.valid_from.isoformat(),
                "valid_until": cert.valid_until.isoformat(),
                "holder_id": bn.holder_id,
            },
        )
    )
