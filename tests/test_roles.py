"""Dual control across accounts: who makes staff accounts, who decides revocations, and the
named person behind every staff account."""

import pytest
from sqlalchemy import select

from brandname import lifecycle
from brandname.errors import Forbidden, InvalidInput
from brandname.lifecycle import accounts
from brandname.store.models import Account, Event, RevocationProposal

from .conftest import PASSWORD, Portal

EVIDENCE = {"agency": "Bộ Công an", "request_number": "12/CV-A05", "request_date": "2026-02-20"}


def text(response):
    return response.get_data(as_text=True)


@pytest.fixture
def admin_account(session):
    return accounts.create_account(
        session, email="le.minh.quan@cuc.gov.vn", password=PASSWORD, role="admin", full_name="Lê Minh Quản"
    )


@pytest.fixture
def admin(app, admin_account):
    return Portal.login(app.test_client(), admin_account.email, staff=True)


def _propose(session, bn, account):
    return lifecycle.propose_revocation(
        session,
        bn.id,
        actor=lifecycle.Actor.for_account(account),
        ground="authority_request",
        evidence=EVIDENCE,
    )


# -- the attack: a supervisor makes an officer, proposes from it, confirms it ------------------


def test_supervisor_cannot_make_an_officer_to_revoke_alone(portal, app, session, registry_helper):
    bn = registry_helper.issue("MOTMINH").brandnames[0]
    response = portal.supervisor.post(
        "/officer/accounts",
        data={
            "email": "bu.nhin@cuc.gov.vn",
            "full_name": "Bù Nhìn",
            "password": PASSWORD,
            "role": "officer",
        },
    )
    assert response.status_code == 403
    assert session.scalars(select(Account).where(Account.email == "bu.nhin@cuc.gov.vn")).first() is None
    # nor through the acts themselves
    supervisor = lifecycle.Actor.for_account(portal.account_supervisor)
    with pytest.raises(Forbidden):
        accounts.create_account(
            session,
            email="bu.nhin@cuc.gov.vn",
            password=PASSWORD,
            role="officer",
            full_name="Bù Nhìn",
            actor=supervisor,
        )
    assert session.scalars(select(Account).where(Account.email == "bu.nhin@cuc.gov.vn")).first() is None
    # a supervisor cannot enable an account either (it would make them its enabler)
    portal.account_officer.is_active_account = False
    session.commit()
    assert (
        portal.supervisor.post(
            f"/officer/accounts/{portal.account_officer.id}/active", data={"active": "1"}
        ).status_code
        == 403
    )
    with pytest.raises(Forbidden):
        accounts.set_active(session, portal.account_officer.id, True, actor_account=portal.account_supervisor)
    session.refresh(portal.account_officer)
    assert not portal.account_officer.is_active_account
    assert bn.status == "active"


def test_no_confirming_a_proposal_of_an_account_one_created_or_enabled(session, registry_helper, supervisor):
    """Accounts a supervisor made before administrators existed keep their maker on record."""
    chief = session.get(Account, supervisor.id)
    made = accounts.create_account(
        session, email="do.toi.tao@cuc.gov.vn", password=PASSWORD, role="officer", full_name="Đỗ Tôi Tạo"
    )
    made.created_by_id = chief.id
    reopened = accounts.create_account(
        session, email="mo.lai@cuc.gov.vn", password=PASSWORD, role="officer", full_name="Mở Lại"
    )
    reopened.enabled_by_id = chief.id
    session.commit()
    for account, name in ((made, "TOITAO"), (reopened, "MOLAI")):
        bn = registry_helper.issue(name).brandnames[0]
        proposal = _propose(session, bn, account)
        with pytest.raises(Forbidden) as refused:
            lifecycle.confirm_revocation(session, proposal.id, actor=supervisor)
        assert "tạo hoặc mở khóa" in refused.value.message_vi
        assert "created or enabled" in refused.value.message_en
        with pytest.raises(Forbidden):
            lifecycle.decline_revocation(session, proposal.id, actor=supervisor, reason="Không đủ căn cứ")
        session.refresh(bn)
        session.refresh(proposal)
        assert bn.status == "active" and proposal.status == "proposed"
        # another supervisor, who neither made nor reopened the proposer, confirms
        other = accounts.create_account(
            session,
            email=f"lanh.dao.{name.lower()}@cuc.gov.vn",
            password=PASSWORD,
            role="supervisor",
            full_name="Lãnh Đạo Khác",
        )
        lifecycle.confirm_revocation(session, proposal.id, actor=lifecycle.Actor.for_account(other))
        session.refresh(bn)
        assert bn.status == "revoked"


def test_no_confirming_a_proposal_of_the_account_that_made_ones_own(session, registry_helper, supervisor):
    """The other way round: a supervisor's own maker proposes, and the made supervisor confirms."""
    maker = session.get(Account, supervisor.id)
    puppet = accounts.create_account(
        session,
        email="lanh.dao.moi@cuc.gov.vn",
        password=PASSWORD,
        role="supervisor",
        full_name="Lãnh Đạo Mới",
    )
    puppet.created_by_id = maker.id
    session.commit()
    bn = registry_helper.issue("NGUOCLAI").brandnames[0]
    proposal = _propose(session, bn, maker)
    with pytest.raises(Forbidden):
        lifecycle.confirm_revocation(session, proposal.id, actor=lifecycle.Actor.for_account(puppet))
    session.refresh(bn)
    assert bn.status == "active"


# -- the administrator: makes and enables staff accounts, does no casework --------------------


def test_administrator_makes_and_enables_staff_accounts(admin, admin_account, app, session):
    page = admin.get("/officer/accounts")
    assert page.status_code == 200
    response = admin.post(
        "/officer/accounts",
        data={
            "email": "can.bo.moi@cuc.gov.vn",
            "full_name": "  Phạm   Thu Dung ",
            "password": PASSWORD,
            "role": "officer",
        },
    )
    assert response.status_code == 302
    made = session.scalars(select(Account).where(Account.email == "can.bo.moi@cuc.gov.vn")).one()
    assert (made.role, made.full_name, made.created_by_id) == ("officer", "Phạm Thu Dung", admin_account.id)
    Portal.login(app.test_client(), made.email, staff=True)
    # the administrator cannot make another administrator from the console: the operator does
    response = admin.post(
        "/officer/accounts",
        data={"email": "qt2@cuc.gov.vn", "full_name": "Quản Trị Hai", "password": PASSWORD, "role": "admin"},
    )
    assert response.status_code == 302
    assert session.scalars(select(Account).where(Account.email == "qt2@cuc.gov.vn")).one().role == "officer"
    assert admin.post(f"/officer/accounts/{made.id}/active", data={"active": "0"}).status_code == 302
    assert admin.post(f"/officer/accounts/{made.id}/active", data={"active": "1"}).status_code == 302
    session.refresh(made)
    assert made.is_active_account and made.enabled_by_id == admin_account.id
    # the page's audit trail names the person behind each account and who acted
    page = text(admin.get("/officer/accounts"))
    assert "Phạm Thu Dung" in page and "Lê Minh Quản" in page
    assert "tạo tài khoản" in page and "mở khóa tài khoản" in page


def test_administrator_does_no_casework(admin, admin_account, portal, session, registry_helper):
    bn = registry_helper.issue("QUANTRI").brandnames[0]
    proposal = _propose(session, bn, portal.account_officer)
    response = admin.get("/officer/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/officer/accounts")
    for url in (
        "/officer/queue",
        "/officer/payments",
        "/officer/revocations",
        f"/officer/names/{bn.id}",
    ):
        assert admin.get(url).status_code == 403, url
    assert admin.post(f"/officer/revocations/{proposal.id}/confirm").status_code == 403
    assert (
        admin.post(
            f"/officer/names/{bn.id}/propose-revocation",
            data={
                "ground": "spam",
                "spam-agency": "Bộ Công an",
                "spam-conclusion_number": "1/KL",
                "spam-conclusion_date": "2026-03-01",
            },
        ).status_code
        == 403
    )
    actor = lifecycle.Actor.for_account(admin_account)
    with pytest.raises(Forbidden):
        lifecycle.confirm_revocation(session, proposal.id, actor=actor)
    with pytest.raises(Forbidden):
        lifecycle.decline_revocation(session, proposal.id, actor=actor, reason="x")
    lifecycle.decline_revocation(
        session, proposal.id, actor=lifecycle.Actor.for_account(portal.account_supervisor), reason="Chưa đủ"
    )
    with pytest.raises(Forbidden):
        _propose(session, bn, admin_account)
    session.refresh(bn)
    assert bn.status == "active"
    assert not session.scalars(
        select(RevocationProposal).where(RevocationProposal.status == "proposed")
    ).all()
    # their own password is theirs to change
    assert admin.get("/officer/password").status_code == 200


def test_administrator_signs_in_to_the_accounts_page(app, admin_account):
    response = app.test_client().post(
        "/officer/login", data={"email": admin_account.email, "password": PASSWORD}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/officer/accounts")


# -- a named person behind every staff account -------------------------------------------------


def test_staff_account_needs_a_named_person_recorded_in_its_creation(session):
    for role in ("officer", "supervisor", "admin"):
        with pytest.raises(InvalidInput) as refused:
            accounts.create_account(
                session, email=f"vo.danh.{role}@cuc.gov.vn", password=PASSWORD, role=role, full_name="   "
            )
        assert "Họ tên" in refused.value.message_vi
    assert not session.scalars(select(Account)).all()
    made = accounts.create_account(
        session, email="co.ten@cuc.gov.vn", password=PASSWORD, role="officer", full_name="Hoàng Minh Đức"
    )
    created = session.scalars(select(Event).where(Event.act == "create_account")).one()
    assert created.subject_id == made.id
    assert created.details["full_name"] == "Hoàng Minh Đức"
    assert created.details["role"] == "officer"


def test_cli_creates_an_administrator_with_a_name(app, session, monkeypatch):
    monkeypatch.setenv("ADMIN_PW", "a very long password")
    runner = app.test_cli_runner()
    base = ["brandname", "create-officer", "qt@cuc.gov.vn", "--password-env", "ADMIN_PW", "--role", "admin"]
    nameless = runner.invoke(args=base)
    assert nameless.exit_code != 0 and "--name" in nameless.output
    result = runner.invoke(args=[*base, "--name", "Lê Minh Quản"])
    assert result.exit_code == 0, result.output
    account = session.scalars(select(Account)).one()
    assert (account.role, account.full_name, account.created_by_id) == ("admin", "Lê Minh Quản", None)
    created = session.scalars(select(Event).where(Event.act == "create_account")).one()
    assert created.actor_label == "operator:create-officer" and created.details["full_name"] == "Lê Minh Quản"
