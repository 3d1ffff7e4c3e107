"""Authorizations: a holder lets another party (an agency, an aggregator) send under its name."""

from sqlalchemy import select

from brandname.errors import Conflict, InvalidInput, NotAllowed
from brandname.lifecycle._kernel import (
    act,
    fetch,
    moment,
    record_event,
    require_holder_or_staff,
)
from brandname.store.models import (
    Authorization,
    Brandname,
)


@act
def authorize(session, brandname_id, *, actor, party_id_number, party_name, now=None):
    """The holder allows another party (by enterprise code) to send under the name."""
    now = moment(now)
    bn = fetch(session, Brandname, brandname_id, what_vi="tên định danh", what_en="sender name")
    require_holder_or_staff(actor, bn.holder_id)
    party_id_number = "".join((party_id_number or "").split()).upper()
    party_name = " ".join((party_name or "").split())
    if (
        not party_id_number.replace("-", "").isalnum()
        or not 6 <= len(party_id_number) <= 20
        or not party_name
    ):
        raise InvalidInput(
            "Nhập mã số doanh nghiệp (6–20 chữ và số) và tên bên được ủy quyền.",
            "Enter the authorized party's enterprise code (6–20 letters and digits) and name.",
        )
    if bn.status not in ("active", "reserved"):
        raise NotAllowed("Chỉ ủy quyền cho tên đang hoạt động.", "Only an active name can be delegated.")
    if session.scalars(
        select(Authorization).where(
            Authorization.brandname_id == bn.id,
            Authorization.party_id_number == party_id_number,
            Authorization.withdrawn_at.is_(None),
        )
    ).first():
        raise Conflict(
            "Bên này đã được ủy quyền cho tên định danh này.",
            "This party is already authorized for this name.",
        )
    auth = Authorization(
        brandname_id=bn.id, party_id_number=party_id_number, party_name=party_name, created_at=now
    )
    session.add(auth)
    session.flush()
    record_event(
        session,
        actor,
        "authorize",
        "authorization",
        auth.id,
        now=now,
        name_normal=bn.name_normal,
        details={"party_id_number": party_id_number, "party_name": party_name},
    )
    return auth


@act
def withdraw_authorization(session, authorization_id, *, actor, now=None):
    now = moment(now)
    auth = fetch(session, Authorization, authorization_id, what_vi="ủy quyền", what_en="authorization")
    bn = session.get(Brandname, auth.brandname_id)
    require_holder_or_staff(actor, bn.holder_id)
    if auth.withdrawn_at is not None:
        raise NotAllowed("Ủy quyền này đã được thu hồi.", "This authorization was already withdrawn.")
    auth.withdrawn_at = now
    session.flush()
    record_event(
        session,
        actor,
        "withdraw_authorization",
        "authorization",
        auth.id,
        now=now,
        name_normal=bn.name_normal,
        details={"party_id_number": auth.party_id_number},
    )
    return auth
