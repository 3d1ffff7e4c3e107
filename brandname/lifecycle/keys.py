"""The registry's own issuing keys: revoking one as compromised is an act with its event."""

from datetime import UTC

from sqlalchemy import select

from brandname.errors import Conflict, InvalidInput, NotFound
from brandname.lifecycle._kernel import act, record_event
from brandname.rules import dates
from brandname.store.models import Certificate


@act
def revoke_issuing_key(session, keys, kid, *, actor, compromised_since=None, reason="", now=None):
    """Revoke issuing key `kid` as compromised (CRL reason keyCompromise), rotating to a new
    issuing key first when it is the one signing. Returns the kid that signs from now on.
    The certificate records the key signed are signed again by that kid, in the same act.

    The event is written before the key store changes and committed after: a failure on disk
    rolls it back, so the audit trail never names a revocation that did not happen.
    """
    now = now or dates.utcnow()  # events keep naive UTC; the key store wants aware moments
    moment = now if now.tzinfo else now.replace(tzinfo=UTC)
    if compromised_since is not None and compromised_since.tzinfo is None:
        compromised_since = compromised_since.replace(tzinfo=UTC)
    issuer = keys.issuers.get(kid)
    if issuer is None:
        raise NotFound("Không có khóa cấp phát với mã này.", f"No issuing key {kid}.")
    if keys.revocation(kid) is not None:
        raise Conflict("Khóa cấp phát này đã bị thu hồi.", f"Issuing key {kid} is already revoked.")
    since = compromised_since or issuer.not_before
    if since > moment:
        raise InvalidInput(
            "Thời điểm lộ khóa không thể ở tương lai.", "The compromise cannot start in the future."
        )
    event = record_event(
        session,
        actor,
        "revoke_issuing_key",
        "issuing_key",
        now=now.replace(tzinfo=None),
        details={
            "kid": kid,
            "certificate_serial": format(issuer.certificate.serial_number, "x"),
            "reason": "key_compromise",
            "compromised_since": since.isoformat(),
            "was_current": kid == keys.current_kid,
            "note": " ".join((reason or "").split()),
        },
    )
    current = keys.revoke_issuing(kid, compromised_since=since, now=moment)
    resigned = _resign_records(session, keys, kid)
    event.details = {**event.details, "current_kid": current, "resigned_records": resigned}
    session.flush()
    return current


def _resign_records(session, keys, kid):
    """Sign again, with the key that signs now, every certificate record the compromised key
    signed: the record stays byte for byte, so PDFs made from now on carry a token that still
    verifies, while the compromised key's tokens no longer do."""
    count = 0
    for cert in session.scalars(select(Certificate).where(Certificate.kid == kid)):
        cert.signature, cert.kid = keys.sign(cert.record.encode("utf-8")), keys.current_kid
        count += 1
    return count
