"""Several users per business: an organization's members, their roles and invitations. No Flask.

Members are the applicant accounts of one holder (Account.holder_id); each is an administrator
("admin": invites and removes members, names other administrators) or a user ("user": files and
follows the holder's applications and names). The account that signs up for a holder is its
first administrator, and a holder always keeps at least one. An invitation is a single-use,
time-limited link mailed to the invited address (only the hash of its token is kept); opening it
proves the mailbox, so a member who joined through one needs no other email confirmation.

Like account changes, these are recorded as events (actor: the acting account) and committed
here, one transaction each.
"""

import secrets
from datetime import timedelta

from sqlalchemy import func, select, update

from brandname.errors import Conflict, Forbidden, InvalidInput, NotAllowed, NotFound
from brandname.lifecycle._kernel import Actor, record_event
from brandname.lifecycle.accounts import (
    MIN_SCORE,
    _check_new_password,
    _next_generation,
    _token_hash,
    check_password,
    create_account,
)
from brandname.rules import dates, form01
from brandname.store.models import Account, Holder, Invitation

INVITATION_DAYS = 7


def _audit(session, actor, act_name, holder, now, **details):
    return record_event(session, actor, act_name, "holder", holder.id, now=now, details=details)


def _require_admin(session, account):
    """The acting account's holder, if the account administers its members."""
    if account is None or account.role != "applicant" or account.holder_id is None:
        raise Forbidden(
            "Chỉ quản trị tài khoản của tổ chức mới làm được việc này.",
            "Only the organization's administrator may do this.",
        )
    holder = session.get(Holder, account.holder_id)
    if account.org_role != "admin":
        raise Forbidden(
            "Chỉ quản trị tài khoản của tổ chức mời, bỏ người dùng và giao quyền quản trị.",
            "Only the organization's administrator invites and removes users and names administrators.",
        )
    return holder


def _lock_holder(session, holder_id):
    """The holder's row, locked: two administrators changing members at once are serialized, so
    neither can leave the holder with no administrator."""
    return session.scalars(
        select(Holder)
        .where(Holder.id == holder_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def members(session, holder_id):
    """The holder's member accounts, administrators first."""
    return session.scalars(
        select(Account)
        .where(Account.holder_id == holder_id, Account.role == "applicant")
        .order_by(Account.org_role != "admin", Account.id)
    ).all()


def open_invitations(session, holder_id, *, now=None):
    now = now or dates.utcnow()
    return session.scalars(
        select(Invitation)
        .where(
            Invitation.holder_id == holder_id,
            Invitation.accepted_at.is_(None),
            Invitation.withdrawn_at.is_(None),
            Invitation.expires_at > now,
        )
        .order_by(Invitation.id)
    ).all()


def _admins(session, holder_id):
    return session.scalar(
        select(func.count())
        .select_from(Account)
        .where(Account.holder_id == holder_id, Account.role == "applicant", Account.org_role == "admin")
    )


def _role(role):
    if role not in Account.ORG_ROLES:
        raise InvalidInput("Vai trò không hợp lệ.", "Unknown role.")
    return role


def invite(
    session,
    account,
    *,
    email,
    role="user",
    days=INVITATION_DAYS,
    public_url="",
    authority=None,
    now=None,
):
    """An administrator invites a person by email. A second invitation to the same address
    replaces the first (its link stops working). Returns (invitation, token)."""
    from brandname.notifications import messages, outbox

    now = now or dates.utcnow()
    holder = _require_admin(session, account)
    role = _role(role)
    if holder.kind != "organization":
        raise NotAllowed(
            "Chỉ tài khoản của tổ chức mới mời thêm người dùng.",
            "Only an organization's account invites other users.",
        )
    email = (email or "").strip().lower()[:254]
    if not form01._EMAIL.match(email):
        raise InvalidInput("Thư điện tử không đúng định dạng.", "The email address is not valid.")
    existing = session.scalars(select(Account).where(Account.email == email)).first()
    if existing is not None and existing.holder_id == holder.id:
        raise Conflict(
            "Người này đã là thành viên của tổ chức.", "This person is already a member of the organization."
        )
    session.execute(
        update(Invitation)
        .where(
            Invitation.holder_id == holder.id,
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.withdrawn_at.is_(None),
        )
        .values(withdrawn_at=now)
    )
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        holder_id=holder.id,
        email=email,
        org_role=role,
        token_hash=_token_hash(token),
        invited_by_id=account.id,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(invitation)
    session.flush()
    event = _audit(
        session,
        Actor.for_account(account),
        "invite_member",
        holder,
        now,
        email=email,
        org_role=role,
        invitation_id=invitation.id,
        expires_at=invitation.expires_at.isoformat(),
    )
    mail = messages.invitation(invitation, holder, account, link=f"{public_url}/applicant/join/{token}")
    outbox.write(
        session, mail, event_seq=event.seq, now=now, authority=authority or messages.DEFAULT_AUTHORITY
    )
    session.commit()
    return invitation, token


def withdraw_invitation(session, account, invitation_id, *, now=None):
    now = now or dates.utcnow()
    holder = _require_admin(session, account)
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.holder_id != holder.id:
        raise NotFound("Không tìm thấy lời mời.", "No such invitation.")
    if invitation.accepted_at is not None or invitation.withdrawn_at is not None:
        raise NotAllowed(
            "Lời mời đã được dùng hoặc đã thu hồi.", "The invitation was already used or withdrawn."
        )
    invitation.withdrawn_at = now
    session.flush()
    _audit(
        session,
        Actor.for_account(account),
        "withdraw_invitation",
        holder,
        now,
        email=invitation.email,
        invitation_id=invitation.id,
    )
    session.commit()
    return invitation


def _invalid_invitation():
    return InvalidInput(
        "Liên kết mời không hợp lệ, đã được dùng, đã thu hồi hoặc đã hết hạn. Hãy đề nghị quản trị tài "
        "khoản của tổ chức gửi lời mời mới.",
        "The invitation link is not valid, was already used, was withdrawn or has expired. Ask the "
        "organization's administrator for a new invitation.",
        code="invalid_invitation",
    )


def invitation_for_token(session, token, *, now=None):
    """(invitation, holder, the account the invited email already has or None), or raise:
    unknown, used, withdrawn and expired links read alike."""
    now = now or dates.utcnow()
    if not token or len(token) > 100:
        raise _invalid_invitation()
    invitation = session.scalars(
        select(Invitation).where(Invitation.token_hash == _token_hash(token))
    ).first()
    if (
        invitation is None
        or invitation.accepted_at is not None
        or invitation.withdrawn_at is not None
        or invitation.expires_at <= now
    ):
        raise _invalid_invitation()
    holder = session.get(Holder, invitation.holder_id)
    existing = session.scalars(select(Account).where(Account.email == invitation.email)).first()
    return invitation, holder, existing


def accept(
    session,
    token,
    *,
    password=None,
    repeat=None,
    full_name="",
    current_password=None,
    now=None,
    min_score=MIN_SCORE,
):
    """Join the organization through an invitation. An invited address without an account makes
    one (a name and a new password); an address with an applicant account that belongs to no
    holder joins with it (its password asked again). An account of another holder, or a staff
    account, cannot join: one applicant account acts for one holder. Returns the account."""
    now = now or dates.utcnow()
    invitation, holder, existing = invitation_for_token(session, token, now=now)
    if existing is not None:
        if existing.role != "applicant" or existing.holder_id is not None:
            raise NotAllowed(
                "Thư điện tử này đã có tài khoản của một tổ chức, cá nhân khác (hoặc tài khoản cán bộ). Một tài "
                "khoản chỉ làm việc cho một tổ chức: hãy đề nghị quản trị mời một địa chỉ thư khác.",
                "This email already has an account of another holder (or a staff account). An account works "
                "for one holder only: ask the administrator to invite another address.",
            )
        if not existing.is_active_account or not check_password(existing, current_password or ""):
            raise InvalidInput("Mật khẩu không đúng.", "The password is wrong.")
    elif (password or "") != (repeat or ""):
        raise InvalidInput("Hai lần nhập mật khẩu không khớp.", "The two passwords do not match.")
    else:
        full_name = " ".join((full_name or "").split())
        if not full_name:
            raise InvalidInput("Hãy nhập họ tên của bạn.", "Enter your full name.")
        _check_new_password(
            password, min_score=min_score, user_inputs=(invitation.email, full_name, holder.name)
        )
    # spend the link first, guarded by its state, so two uses at once cannot both succeed
    spent = session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.accepted_at.is_(None),
            Invitation.withdrawn_at.is_(None),
        )
        .values(accepted_at=now)
    ).rowcount
    if spent != 1:
        session.rollback()
        raise _invalid_invitation()
    if existing is None:
        # no commit in between: the account and the spent link are one transaction
        account = create_account(
            session,
            email=invitation.email,
            password=password,
            role="applicant",
            full_name=full_name,
            holder_id=holder.id,
            now=now,
            actor=Actor("applicant", invitation.email, None, holder.id),
            min_score=min_score,
            commit=False,
        )
    else:
        account = existing
        account.holder_id = holder.id
    account.org_role = invitation.org_role
    # the link reached the mailbox: the email is proved
    account.email_verified_at = account.email_verified_at or now
    invitation.account_id = account.id
    session.flush()
    _audit(
        session,
        Actor.for_account(account),
        "join_organization",
        holder,
        now,
        email=account.email,
        org_role=account.org_role,
        invitation_id=invitation.id,
        invited_by_id=invitation.invited_by_id,
    )
    session.commit()
    return account


def _member(session, holder, account_id):
    member = session.get(Account, account_id)
    if member is None or member.holder_id != holder.id or member.role != "applicant":
        raise NotFound("Không tìm thấy thành viên này của tổ chức.", "No such member of the organization.")
    return member


def _last_admin():
    return NotAllowed(
        "Tổ chức phải luôn có ít nhất một quản trị tài khoản: hãy giao quyền quản trị cho người khác trước.",
        "The organization must always keep an administrator: make someone else an administrator first.",
        code="last_admin",
    )


def remove_member(session, account, member_id, *, now=None):
    """An administrator removes a member (themselves too, if another administrator stays). The
    member loses the holder's applications and names at once: every session of theirs ends."""
    now = now or dates.utcnow()
    _require_admin(session, account)
    holder = _lock_holder(session, account.holder_id)
    session.refresh(account)  # under the lock: an administrator demoted a moment ago acts no more
    _require_admin(session, account)
    member = _member(session, holder, member_id)
    if member.org_role == "admin" and _admins(session, holder.id) <= 1:
        raise _last_admin()
    role = member.org_role
    member.holder_id, member.org_role = None, None
    _next_generation(member)
    session.flush()
    _audit(
        session,
        Actor.for_account(account),
        "remove_member",
        holder,
        now,
        email=member.email,
        member_id=member.id,
        org_role=role,
    )
    session.commit()
    return member


def set_role(session, account, member_id, role, *, now=None):
    """An administrator makes a member an administrator, or an administrator a user again; the
    holder never loses its last administrator."""
    now = now or dates.utcnow()
    _require_admin(session, account)
    role = _role(role)
    holder = _lock_holder(session, account.holder_id)
    session.refresh(account)  # under the lock: an administrator demoted a moment ago acts no more
    _require_admin(session, account)
    member = _member(session, holder, member_id)
    if member.org_role == role:
        return member
    if member.org_role == "admin" and _admins(session, holder.id) <= 1:
        raise _last_admin()
    previous = member.org_role
    member.org_role = role
    session.flush()
    _audit(
        session,
        Actor.for_account(account),
        "set_member_role",
        holder,
        now,
        email=member.email,
        member_id=member.id,
        org_role=role,
        previous=previous,
    )
    session.commit()
    return member
