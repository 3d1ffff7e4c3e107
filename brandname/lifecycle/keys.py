"""The registry's own issuing keys: revoking one as compromised is an act with its event."""

from datetime import UTC

from brandname.errors import Conflict, InvalidInput, NotFound
from brandname.lifecycle._kernel import act, record_event
from brandname.rules import dates


@act
def revoke_issuing_key(session, keys, kid, *, actor, compromised_since=None, reason="", now=None):
    """Revoke issuing key `kid` as compromised (CRL reason keyCompromise), rotating to a new
    issuing key first when it is the one signing. Returns the kid that signs from now on.

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
    event.details = {**event.details, "current_kid": current}
    session.flush()
    return current
