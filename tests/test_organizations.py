"""Several users per business: the administrator invites users by mail and removes them, every
member files and follows the organization's applications, and every act names who did it."""

import html
from datetime import timedelta

import pytest
from sqlalchemy import select

from brandname import lifecycle
from brandname.errors import Forbidden, InvalidInput, NotAllowed
from brandname.lifecycle import organizations
from brandname.store.models import Account, Event, Invitation, Outbox
from tests.conftest import PASSWORD, mailed_link, name_entry, org_applicant

NEW_PASSWORD = "mùa thu Hà Nội lá vàng"


def _text(response):
    return html.unescape(response.get_data(as_text=True))


def _invite(portal, email="lan@anhduong.vn", role="user", client=None):
    response = (client or portal.a).post("/applicant/members/invite", data={"email": email, "org_role": role})
    assert response.status_code == 302, _text(response)[:500]
    path, _token = mailed_link(portal.session, email, "/applicant/join/")
    return path


def _join(portal, path, email="lan@anhduong.vn", name="Phạm Thị Lan"):
    client = portal.app.test_client()
    response = client.post(
        path, data={"full_name": name, "password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302, _text(response)[:800]
    account = portal.session.scalars(select(Account).where(Account.email == email)).one()
    return client, account


def test_an_invited_user_files_and_follows_the_organizations_applications(portal, session):
    filed_by_admin = portal.application_id(portal.apply(portal.a, "ANHDUONG"))
    path = _invite(portal)
    mail = session.scalars(select(Outbox).where(Outbox.to == "lan@anhduong.vn")).one()
    assert "Công ty Cổ phần Ánh Dương" in mail.subject and "dùng được một lần" in mail.body
    page = portal.app.test_client().get(path)
    assert page.status_code == 200 and "Công ty Cổ phần Ánh Dương" in _text(page)

    lan, account = _join(portal, path)
    assert (account.holder_id, account.org_role) == (portal.account_a.holder_id, "user")
    assert account.email_verified_at is not None  # the invitation's link reached the mailbox
    # she sees what the administrator filed, and files herself
    assert "ANHDUONG" in _text(lan.get("/applicant/"))
    assert lan.get(f"/applicant/applications/{filed_by_admin}").status_code == 200
    filed_by_lan = portal.application_id(portal.apply(lan, "ANHDUONG2"))
    assert (
        portal.a.get(f"/applicant/applications/{filed_by_lan}").status_code == 200
    )  # and the admin sees hers
    submit = session.scalars(
        select(Event).where(Event.act == "submit", Event.application_id == filed_by_lan)
    ).one()
    assert (submit.actor_kind, submit.actor_id, submit.actor_label) == (
        "applicant",
        account.id,
        "lan@anhduong.vn",
    )
    # the dossier's history says who did what
    history = _text(portal.a.get(f"/applicant/applications/{filed_by_lan}"))
    assert "Người đăng ký Phạm Thị Lan (lan@anhduong.vn) nộp hồ sơ" in history
    # the other applicant still sees none of it
    assert portal.b.get(f"/applicant/applications/{filed_by_lan}").status_code == 404
    joined = session.scalars(select(Event).where(Event.act == "join_organization")).one()
    assert joined.actor_id == account.id and joined.details["invited_by_id"] == portal.account_a.id
    assert "nhận lời mời" in _text(portal.a.get("/applicant/members"))


def test_an_invitation_link_works_once(portal, session):
    path = _invite(portal)
    _join(portal, path)
    again = portal.app.test_client().post(
        path, data={"full_name": "Kẻ Khác", "password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert again.status_code == 400 and "đã được dùng" in _text(again)
    assert portal.app.test_client().get(path).status_code == 400
    assert session.scalars(select(Account).where(Account.full_name == "Kẻ Khác")).first() is None


def test_expired_withdrawn_and_replaced_invitations_do_not_work(portal, session):
    old = _invite(portal)
    new = _invite(portal)  # a second invitation to the same address replaces the first
    assert portal.app.test_client().get(old).status_code == 400
    invitation = session.scalars(select(Invitation).where(Invitation.withdrawn_at.is_(None))).one()
    token = new.rsplit("/", 1)[1]
    with pytest.raises(InvalidInput):
        organizations.invitation_for_token(session, token, now=invitation.expires_at + timedelta(seconds=1))
    assert portal.a.post(f"/applicant/invitations/{invitation.id}/withdraw").status_code == 302
    assert portal.app.test_client().get(new).status_code == 400


def test_a_removed_user_loses_the_organizations_applications_at_once(portal, session):
    application_id = portal.application_id(portal.apply(portal.a, "ANHDUONG"))
    lan, account = _join(portal, _invite(portal))
    assert lan.get(f"/applicant/applications/{application_id}").status_code == 200
    stale_actor = lifecycle.Actor.for_account(account)

    response = portal.a.post(f"/applicant/members/{account.id}/remove")
    assert response.status_code == 302
    # her open session ended: she is sent to sign in, and signing in again shows nothing of it
    gone = lan.get(f"/applicant/applications/{application_id}")
    assert gone.status_code == 302 and "/applicant/login" in gone.headers["Location"]
    again = portal.login(portal.app.test_client(), "lan@anhduong.vn", password=NEW_PASSWORD)
    assert again.get(f"/applicant/applications/{application_id}").status_code == 403
    home = again.get("/applicant/")
    assert home.status_code == 403 and "không còn thuộc tổ chức nào" in _text(home)
    # nor can anything she had already started file for the organization
    with pytest.raises(Forbidden):
        lifecycle.submit(
            session,
            applicant=org_applicant(),
            names=[name_entry("SAUKHIBO")],
            actor=stale_actor,
            account_id=account.id,
            commitments_confirmed=True,
        )
    event = session.scalars(select(Event).where(Event.act == "remove_member")).one()
    assert (event.actor_id, event.details["member_id"]) == (portal.account_a.id, account.id)
    session.expire_all()
    assert session.get(Account, account.id).holder_id is None


def test_mails_of_a_removed_users_filing_go_to_the_organization(portal, session):
    from brandname.notifications import messages
    from brandname.store.models import Application

    lan, account = _join(portal, _invite(portal))
    application_id = portal.application_id(portal.apply(lan, "ANHDUONG"))
    application = session.get(Application, application_id)
    assert messages._recipient(session, application) == "lan@anhduong.vn"
    portal.a.post(f"/applicant/members/{account.id}/remove")
    session.expire_all()
    assert (
        messages._recipient(session, session.get(Application, application_id)) == "lienhe@anhduong.vn"
    )  # Form 01's


def test_a_removed_users_email_no_longer_tracks_the_dossier_she_filed(portal, session):
    from brandname.lifecycle import tracking
    from brandname.store.models import Application

    lan, account = _join(portal, _invite(portal))
    code = session.get(Application, portal.application_id(portal.apply(lan, "ANHDUONG"))).code
    assert tracking.find(session, code, "lan@anhduong.vn") is not None
    portal.a.post(f"/applicant/members/{account.id}/remove")
    session.expire_all()
    assert tracking.find(session, code, "lan@anhduong.vn") is None
    assert tracking.find(session, code, "0101234567") is not None  # the organization still can


def test_the_last_administrator_cannot_be_removed_or_made_a_user(portal, session):
    admin = portal.account_a
    refused = portal.a.post(f"/applicant/members/{admin.id}/remove")
    assert refused.status_code == 409
    assert "ít nhất một quản trị" in _text(refused)
    with pytest.raises(NotAllowed) as demote:
        organizations.set_role(session, admin, admin.id, "user")
    assert demote.value.code == "last_admin"
    # with a second administrator, the first may step down, and then leave
    lan_client, lan = _join(portal, _invite(portal, role="admin"))
    assert lan.org_role == "admin"
    assert portal.a.post(f"/applicant/members/{admin.id}/role", data={"org_role": "user"}).status_code == 302
    session.expire_all()
    assert session.get(Account, admin.id).org_role == "user"
    # now Lan is the last administrator: she cannot leave either
    with pytest.raises(NotAllowed):
        organizations.remove_member(session, session.get(Account, lan.id), lan.id)
    assert lan_client.post(f"/applicant/members/{admin.id}/remove").status_code == 302


def test_only_administrators_invite_remove_and_name_administrators(portal, session):
    lan_client, lan = _join(portal, _invite(portal))
    assert lan_client.get("/applicant/members").status_code == 200  # users see who the members are
    assert "Mời người dùng" not in _text(lan_client.get("/applicant/members"))
    assert lan_client.post("/applicant/members/invite", data={"email": "x@anhduong.vn"}).status_code == 403
    assert lan_client.post(f"/applicant/members/{portal.account_a.id}/remove").status_code == 403
    assert lan_client.post(f"/applicant/members/{lan.id}/role", data={"org_role": "admin"}).status_code == 403
    # and an administrator acts on the members of their own organization only
    assert portal.a.post(f"/applicant/members/{portal.account_b.id}/remove").status_code == 404


def test_an_individual_invites_nobody(portal):
    response = portal.b.post("/applicant/members/invite", data={"email": "ban@example.vn"})
    assert response.status_code == 409
    assert "Chỉ tài khoản của tổ chức" in _text(response)


def test_an_existing_account_joins_with_its_password_unless_it_works_for_another_holder(portal, session):
    # an account of another holder cannot be moved by an invitation
    path = _invite(portal, email="b@example.vn")
    refused = portal.app.test_client().post(path, data={"current_password": PASSWORD})
    assert "một tổ chức, cá nhân khác" in _text(refused)
    # a person removed from one organization joins another with the same account and password
    lan_client, lan = _join(portal, _invite(portal))
    portal.a.post(f"/applicant/members/{lan.id}/remove")
    other = lifecycle.Actor.operator("test")
    from brandname.lifecycle.accounts import create_account
    from brandname.store.models import Holder

    holder = Holder(
        kind="organization",
        name="Công ty Khác",
        id_number="0109990001",
        created_at=lan.created_at,
        updated_at=lan.created_at,
    )
    session.add(holder)
    session.commit()
    boss = create_account(session, email="sep@khac.vn", password=PASSWORD, holder_id=holder.id, actor=other)
    _invitation, token = organizations.invite(session, boss, email="lan@anhduong.vn")
    with pytest.raises(InvalidInput):
        organizations.accept(session, token, current_password="sai mật khẩu rồi")
    joined = organizations.accept(session, token, current_password=NEW_PASSWORD)
    assert (joined.id, joined.holder_id, joined.org_role) == (lan.id, holder.id, "user")


def test_the_account_that_signs_up_for_an_organization_administers_it(portal):
    assert portal.account_a.org_role == "admin" and portal.account_a.is_org_admin


# -- races (PostgreSQL: SQLite serializes writers) -------------------------------------------------


@pytest.fixture
def two_admins(portal, session):
    _client, lan = _join(portal, _invite(portal, role="admin"))
    return portal.account_a.id, lan.id


def test_two_administrators_removing_each_other_at_once_leave_one(portal, two_admins, session):
    from tests.test_races import needs_server, run_concurrently

    if needs_server.args[0]:
        pytest.skip(needs_server.kwargs["reason"])
    from sqlalchemy import create_engine

    from brandname.extensions import db

    first, second = two_admins
    # taken before the race: either administrator may be the one removed
    holder_id = portal.account_a.holder_id
    engine = create_engine(db.engine.url, pool_size=2, max_overflow=0)
    try:

        def removes(actor_id, member_id):
            return lambda s: organizations.remove_member(s, s.get(Account, actor_id), member_id).id

        outcomes = run_concurrently(engine, [removes(first, second), removes(second, first)])
    finally:
        engine.dispose()
    kinds = sorted(kind for kind, _value in outcomes)
    # the loser acts either as the last administrator, or no longer as an administrator at all
    assert kinds == ["domain", "ok"], outcomes
    session.expire_all()
    admins = session.scalars(
        select(Account).where(Account.holder_id == holder_id, Account.org_role == "admin")
    ).all()
    assert len(admins) == 1


def test_one_invitation_accepted_twice_at_once_makes_one_member(portal, session):
    from tests.test_races import needs_server, run_concurrently

    if needs_server.args[0]:
        pytest.skip(needs_server.kwargs["reason"])
    from sqlalchemy import create_engine, func

    from brandname.extensions import db

    token = _invite(portal).rsplit("/", 1)[1]
    engine = create_engine(db.engine.url, pool_size=2, max_overflow=0)
    try:
        job = lambda name: (
            lambda s: (
                organizations.accept(  # noqa: E731
                    s, token, password=NEW_PASSWORD, repeat=NEW_PASSWORD, full_name=name
                ).id
            )
        )
        outcomes = run_concurrently(engine, [job("Một"), job("Hai")])
    finally:
        engine.dispose()
    assert sorted(kind for kind, _value in outcomes) == ["domain", "ok"], outcomes
    assert (
        session.scalar(select(func.count()).select_from(Account).where(Account.email == "lan@anhduong.vn"))
        == 1
    )
