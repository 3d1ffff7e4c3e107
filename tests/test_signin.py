"""Sign-in: sessions that end, throttling per account and client, the staff second factor,
sign-up that reveals no email, and password strength."""

import pytest

from tests.conftest import PASSWORD


def _session_cookie(client):
    return client.get_cookie("session").value


def _replay(app, cookie):
    """A fresh browser that presents a copied session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief


def test_sign_out_ends_the_session_everywhere(portal, app):
    stolen = _session_cookie(portal.a)
    assert _replay(app, stolen).get("/applicant/").status_code == 200
    other_device = portal.login(app.test_client(), "a@anhduong.vn")
    assert portal.a.post("/applicant/logout").status_code == 302
    response = _replay(app, stolen).get("/applicant/")
    assert response.status_code == 302 and "/applicant/login" in response.headers["Location"]
    assert other_device.get("/applicant/").status_code == 302  # every session of the account ended
    portal.login(portal.a, "a@anhduong.vn")
    assert portal.a.get("/applicant/").status_code == 200  # signing in again works


def test_password_change_ends_every_other_session(portal, app):
    stolen = _session_cookie(portal.officer)
    response = portal.officer.post(
        "/officer/password",
        data={"current": PASSWORD, "new": "a new password 1", "repeat": "a new password 1"},
    )
    assert response.status_code == 302
    assert _replay(app, stolen).get("/officer/").status_code == 302
    assert portal.officer.get("/officer/").status_code == 200  # the session that changed it goes on


def test_a_forged_or_old_style_session_id_signs_nobody_in(portal, app):
    from brandname.lifecycle import accounts

    session = portal.session
    assert accounts.account_for_session(session, str(portal.account_a.id)) is None
    assert accounts.account_for_session(session, f"{portal.account_a.id}:x") is None
    assert accounts.account_for_session(session, "") is None
    token = accounts.session_token(portal.account_a)
    assert accounts.account_for_session(session, token) is portal.account_a


# -- throttling per account and client ----------------------------------------------------------


def _attempt(client, email, password, staff=False, address="203.0.113.9"):
    url = "/officer/login" if staff else "/applicant/login"
    return client.post(
        url, data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def test_an_attackers_failures_do_not_lock_the_holder_out(portal, app, session):
    """Five wrong passwords from an attacker's address used to lock the supervisor out for all."""
    holder = app.test_client()
    _attempt(holder, "lanh.dao@cuc.gov.vn", PASSWORD, staff=True, address="198.51.100.7")  # known device
    holder.post("/applicant/logout")
    attacker = app.test_client()
    for _ in range(12):
        _attempt(attacker, "lanh.dao@cuc.gov.vn", "wrong password!", staff=True)
    response = _attempt(attacker, "lanh.dao@cuc.gov.vn", PASSWORD, staff=True)
    assert response.status_code == 429  # the attacker's client waits, even with the right password
    # the holder's known device, even from the attacker's own address, signs in
    response = _attempt(holder, "lanh.dao@cuc.gov.vn", PASSWORD, staff=True)
    assert response.status_code == 302
    # so does a new browser from another address
    response = _attempt(app.test_client(), "lanh.dao@cuc.gov.vn", PASSWORD, staff=True, address="192.0.2.44")
    assert response.status_code == 302


def test_delays_grow_and_the_message_says_when_to_retry(portal, app, session):
    from datetime import timedelta

    from brandname.errors import TooManyAttempts
    from brandname.lifecycle import accounts
    from brandname.rules import dates

    now = dates.utcnow()
    policy = accounts.Throttle(free=3, base_seconds=10, max_seconds=60)
    email, key = "a@anhduong.vn", "address:203.0.113.9"
    waits, moment = [], now
    for _ in range(7):
        try:
            accounts.authenticate(
                session, email, "wrong password!", client_key=key, now=moment, throttle=policy
            )
        except TooManyAttempts as exc:
            pytest.fail(f"refused before its wait ended: {exc}")
        row = accounts._throttle_row(session, email, key)
        if row.blocked_until:
            waits.append((row.blocked_until - moment).total_seconds())
            with pytest.raises(TooManyAttempts) as refused:
                accounts.authenticate(session, email, PASSWORD, client_key=key, now=moment, throttle=policy)
            assert refused.value.retry_at == row.blocked_until
            moment = row.blocked_until + timedelta(seconds=1)
    assert waits == [10, 20, 40, 60, 60]  # doubling, up to the cap
    # the right password after the wait signs in and forgets the count
    assert accounts.authenticate(session, email, PASSWORD, client_key=key, now=moment, throttle=policy)
    assert accounts._throttle_row(session, email, key) is None

    client = app.test_client()
    for _ in range(5):
        assert _attempt(client, email, "wrong password!").status_code == 401
    response = _attempt(client, email, PASSWORD)
    assert response.status_code == 429
    body = response.get_data(as_text=True)
    assert "Đăng nhập sai quá nhiều lần" in body and "thử lại sau 30 giây" in body and "giờ Việt Nam" in body


def test_unknown_clients_share_a_larger_allowance(portal, app, session):
    """An attacker who changes address for each guess still meets growing delays; the holder's
    known device does not."""
    from brandname.errors import TooManyAttempts
    from brandname.lifecycle import accounts

    policy = accounts.Throttle(free=5, shared_free=4)
    email = "can.bo@cuc.gov.vn"
    for i in range(4):
        accounts.authenticate(
            session, email, "wrong password!", client_key=f"address:10.0.0.{i}", throttle=policy
        )
    with pytest.raises(TooManyAttempts):
        accounts.authenticate(session, email, PASSWORD, client_key="address:10.0.0.99", throttle=policy)
    assert accounts.authenticate(
        session, email, PASSWORD, client_key="device:abc", known_device=True, throttle=policy
    )


def test_a_forged_device_cookie_is_no_known_device(portal, app):
    client = app.test_client()
    for _ in range(5):
        _attempt(client, "a@anhduong.vn", "wrong password!")
    client.set_cookie("brandname_device", '{"d":"x","e":[]}')
    assert _attempt(client, "a@anhduong.vn", PASSWORD).status_code == 429


# -- the staff second factor (TOTP) -------------------------------------------------------------


def _enrol(client, session, account):
    """Enrol the signed-in staff client; returns the TOTP of its new secret."""
    import re
    from datetime import timedelta

    import pyotp

    from brandname.rules import dates

    page = client.get("/officer/second-factor").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page  # the QR code for the authenticator app
    secret = re.search(r'id="totp-secret">([A-Z2-7]{32})<', page).group(1)
    totp = pyotp.TOTP(secret)
    earlier = dates.utcnow() - timedelta(seconds=30)  # an older step, so sign-in's code is a new one
    response = client.post("/officer/second-factor", data={"code": totp.at(earlier)})
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    session.refresh(account)
    assert account.totp_secret == secret
    return totp


def test_staff_enrol_then_sign_in_with_a_code_once(portal, app, session):
    from brandname.store.models import Event

    totp = _enrol(portal.supervisor, session, portal.account_supervisor)
    client = app.test_client()
    response = _attempt(client, "lanh.dao@cuc.gov.vn", PASSWORD, staff=True)
    assert response.status_code == 302 and response.headers["Location"].endswith("/officer/login/code")
    assert client.get("/officer/").status_code == 302  # the password alone signs nobody in
    assert client.post("/officer/login/code", data={"code": "000000"}).status_code == 401
    code = totp.now()
    response = client.post("/officer/login/code", data={"code": code})
    assert response.status_code == 302 and client.get("/officer/").status_code == 200
    # the same code, replayed in the same window by someone who also has the password, is refused
    other = app.test_client()
    _attempt(other, "lanh.dao@cuc.gov.vn", PASSWORD, staff=True)
    response = other.post("/officer/login/code", data={"code": code})
    assert response.status_code == 401 and "đã được dùng" in response.get_data(as_text=True)
    acts = [e.act for e in session.query(Event).filter(Event.subject_id == portal.account_supervisor.id)]
    assert "enrol_totp" in acts


def test_wrong_codes_slow_the_client_down(portal, app, session):
    _enrol(portal.officer, session, portal.account_officer)
    client = app.test_client()
    _attempt(client, "can.bo@cuc.gov.vn", PASSWORD, staff=True)
    for _ in range(5):
        assert client.post("/officer/login/code", data={"code": "123456"}).status_code == 401
    assert client.post("/officer/login/code", data={"code": "123456"}).status_code == 429


def test_a_code_step_older_than_the_last_accepted_is_refused(portal, session):
    from datetime import timedelta

    import pyotp

    from brandname.lifecycle import accounts
    from brandname.rules import dates

    now = dates.utcnow()
    secret = accounts.new_totp_secret()
    totp = pyotp.TOTP(secret)
    account = portal.account_officer
    accounts.enrol_totp(session, account, secret=secret, code=totp.at(now), now=now)
    assert not accounts.check_totp(
        session, account, totp.at(now), client_key="k", now=now
    )  # used at enrolment
    later = now + timedelta(seconds=30)
    assert accounts.check_totp(session, account, totp.at(later), client_key="k", now=later)
    assert not accounts.check_totp(session, account, totp.at(now), client_key="k", now=later)  # older step
    assert not accounts.check_totp(session, account, "12345x", client_key="k", now=later)


def test_second_factor_required_in_production(tmp_path, certs_dir, monkeypatch):
    """Production mode turns the requirement on unless the setting says otherwise."""
    from brandname import create_app

    def required(**config):
        app = create_app(
            {"SECRET_KEY": "x", "DATA_DIR": str(tmp_path), "CERTS_DIR": str(certs_dir), **config}
        )
        return app.config["STAFF_TOTP_REQUIRED"]

    monkeypatch.delenv("BRANDNAME_STAFF_TOTP_REQUIRED", raising=False)
    assert required(PRODUCTION=True) is True
    assert required(PRODUCTION=False) is False
    assert required(PRODUCTION=True, STAFF_TOTP_REQUIRED=False) is False
    assert required(PRODUCTION=False, STAFF_TOTP_REQUIRED=True) is True


def test_enrolment_is_required_when_the_setting_is_on(portal, app, session):
    app.config["STAFF_TOTP_REQUIRED"] = True
    try:
        response = portal.officer.get("/officer/")
        assert response.status_code == 302 and response.headers["Location"].endswith("/officer/second-factor")
        assert portal.officer.get("/officer/queue").status_code == 302
        _enrol(portal.officer, session, portal.account_officer)
        assert portal.officer.get("/officer/").status_code == 200
    finally:
        app.config["STAFF_TOTP_REQUIRED"] = False


def test_operator_resets_a_lost_second_factor(portal, app, session):
    from sqlalchemy import select

    from brandname.store.models import Event

    _enrol(portal.officer, session, portal.account_officer)
    result = app.test_cli_runner().invoke(
        args=["brandname", "reset-totp", "can.bo@cuc.gov.vn", "--reason", "mất điện thoại"]
    )
    assert result.exit_code == 0, result.output
    session.refresh(portal.account_officer)
    assert portal.account_officer.totp_secret is None
    assert portal.officer.get("/officer/").status_code == 302  # its sessions ended
    event = session.scalars(select(Event).where(Event.act == "reset_totp")).one()
    assert event.actor_kind == "operator" and event.details["reason"] == "mất điện thoại"
    # without a second factor the password alone signs in again (the setting is off in tests)
    assert _attempt(app.test_client(), "can.bo@cuc.gov.vn", PASSWORD, staff=True).status_code == 302
    result = app.test_cli_runner().invoke(args=["brandname", "reset-totp", "a@anhduong.vn", "--reason", "x"])
    assert result.exit_code == 1  # applicants have no second factor


# -- sign-up reveals no email --------------------------------------------------------------------


def _signup(client, *, code, email):
    return client.post(
        "/applicant/signup",
        data={
            "app_kind": "organization",
            "app_name": "Công ty TNHH Thử Nghiệm",
            "app_id_number": code,
            "app_address": "Số 2 Hàng Bài, Hoàn Kiếm, Hà Nội",
            "app_email": "lienhe@thunghiem.vn",
            "app_phone": "024 3825 1111",
            "app_legal_representative": "Nguyễn Văn An",
            "app_contact_person": "Trần Thị Bình",
            "email": email,
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    )


def _answer(response):
    # a cookie's value is the session's own random CSRF token: compare which cookies, not their values
    headers = {
        k: (v.split("=", 1)[0] if k == "Set-Cookie" else v)
        for k, v in response.headers.items()
        if k not in ("Date", "X-Request-ID", "Retry-After") and not k.startswith("X-RateLimit-")
    }
    return response.status_code, headers, response.get_data(as_text=True)


@pytest.mark.parametrize("taken", ["a@anhduong.vn", "lanh.dao@cuc.gov.vn"])  # an applicant's, a staff email
def test_sign_up_answers_alike_whether_or_not_the_email_exists(portal, app, session, taken):
    from sqlalchemy import func, select

    from brandname.store.models import Account, Holder, Outbox

    accounts_before = session.scalar(select(func.count()).select_from(Account))
    new = _answer(_signup(app.test_client(), code="0108880001", email="moi.toanh@thunghiem.vn"))
    existing = _answer(_signup(app.test_client(), code="0108880002", email=taken.upper()))
    assert new == existing
    assert new[0] == 200 and "Xem hộp thư của bạn" in new[2]
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Account)) == accounts_before + 1
    # nothing was made for the taken email: no holder for its enterprise code
    assert (
        session.scalar(select(func.count()).select_from(Holder).where(Holder.id_number == "0108880002")) == 0
    )
    welcome = session.scalars(select(Outbox).where(Outbox.to == "moi.toanh@thunghiem.vn")).one()
    assert "đã được tạo" in welcome.body
    attempts = select(Outbox).where(Outbox.to == taken, Outbox.key.startswith("signup-attempt:"))
    warned = session.scalars(attempts).one()
    assert (
        "có người dùng địa chỉ thư này để đăng ký" in warned.body
        and "không có tài khoản nào được tạo" in warned.body
    )
    assert "/officer/login" in warned.body if "cuc.gov.vn" in taken else "/applicant/login" in warned.body
    # the owner's password still works, and a second try the same day sends no second mail
    _signup(app.test_client(), code="0108880003", email=taken)
    assert len(session.scalars(attempts).all()) == 1


def test_sign_up_for_a_taken_enterprise_code_still_says_so(portal, app):
    """The enterprise code is public (the business register); refusing it names no email."""
    for email in ("moi.toanh@thunghiem.vn", "a@anhduong.vn"):
        response = _signup(app.test_client(), code="0101234567", email=email)
        assert response.status_code == 409 and "đã có trong sổ đăng ký" in response.get_data(as_text=True)


# -- password strength ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "weak, advice",
    [
        ("aaaaaaaaaa", 'Ký tự lặp lại như "aaa" rất dễ đoán.'),
        ("password123", "Đây là mật khẩu rất phổ biến."),
        ("anhduong2026", "Mật khẩu quá dễ đoán."),  # built from the applicant's own email
    ],
)
def test_weak_passwords_are_refused_with_advice(portal, weak, advice):
    import html

    response = portal.a.post("/applicant/password", data={"current": PASSWORD, "new": weak, "repeat": weak})
    body = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400 and "Mật khẩu quá dễ đoán." in body and advice in body
    portal.session.refresh(portal.account_a)
    from brandname.lifecycle import accounts

    assert accounts.check_password(portal.account_a, PASSWORD)  # nothing changed


def test_sign_up_and_staff_accounts_refuse_weak_passwords(portal, app):
    response = app.test_client().post(
        "/applicant/signup",
        data={
            "app_kind": "individual",
            "app_name": "Lê Văn Cường",
            "app_id_number": "001203009999",
            "app_address": "Hà Nội",
            "app_email": "cuong@example.vn",
            "app_phone": "0912 345 678",
            "email": "cuong@example.vn",
            "password": "password123",
            "password2": "password123",
        },
    )
    assert response.status_code == 400 and "Mật khẩu quá dễ đoán" in response.get_data(as_text=True)
    response = portal.admin.post(
        "/officer/accounts",
        data={"email": "moi@cuc.gov.vn", "password": "aaaaaaaaaa", "role": "officer", "full_name": "Lê Mới"},
    )
    assert response.status_code == 400 and "Mật khẩu quá dễ đoán" in response.get_data(as_text=True)


def test_minimum_score_is_a_setting_and_english_gets_zxcvbns_words(portal, app, session):
    from brandname.errors import InvalidInput
    from brandname.lifecycle import accounts

    with pytest.raises(InvalidInput) as refused:
        accounts._check_new_password("aaaaaaaaaa")
    assert refused.value.code == "weak_password" and 'Repeats like "aaa"' in refused.value.message_en
    accounts._check_new_password("aaaaaaaaaa", min_score=0)
    with pytest.raises(InvalidInput):
        accounts._check_new_password("a long password", min_score=4)
    accounts._check_new_password("sông Hồng chảy qua " * 6)  # longer than zxcvbn reads: scored, no error
    app.config["PASSWORD_MIN_SCORE"] = 0
    try:
        response = portal.a.post(
            "/applicant/password", data={"current": PASSWORD, "new": "aaaaaaaaaa", "repeat": "aaaaaaaaaa"}
        )
        assert response.status_code == 302
    finally:
        app.config["PASSWORD_MIN_SCORE"] = 3


# -- "forgot password" ---------------------------------------------------------------------------


def _reset_link(session, email):
    import re

    from sqlalchemy import select

    from brandname.store.models import Outbox

    mail = session.scalars(
        select(Outbox)
        .where(Outbox.to == email, Outbox.key.startswith("password-reset:"))
        .order_by(Outbox.id.desc())
    ).first()
    assert mail is not None and "dùng được một lần" in mail.body
    return re.search(r"https://brandname\.test(/applicant/reset/\S+)", mail.body).group(1)


def test_forgot_password_link_works_once_and_ends_every_session(portal, app, session):
    from brandname.lifecycle import accounts

    stolen = _session_cookie(portal.a)
    known = _answer(app.test_client().post("/applicant/forgot", data={"email": "a@anhduong.vn"}))
    unknown = _answer(app.test_client().post("/applicant/forgot", data={"email": "khong.co@example.vn"}))
    assert known == unknown and known[0] == 200  # the answer says nothing about the email
    link = _reset_link(session, "a@anhduong.vn")
    client = app.test_client()
    assert client.get(link).status_code == 200
    weak = client.post(link, data={"new": "password123", "repeat": "password123"})
    assert weak.status_code == 400 and "Mật khẩu quá dễ đoán" in weak.get_data(as_text=True)
    response = client.post(link, data={"new": "sông Hồng mùa nước nổi", "repeat": "sông Hồng mùa nước nổi"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/applicant/login")
    session.expire_all()
    assert accounts.check_password(portal.account_a, "sông Hồng mùa nước nổi")
    assert _replay(app, stolen).get("/applicant/").status_code == 302  # every old session ended
    assert portal.a.get("/applicant/").status_code == 302
    again = client.post(link, data={"new": "một mật khẩu khác hẳn", "repeat": "một mật khẩu khác hẳn"})
    assert again.status_code == 400 and "đã được dùng" in again.get_data(as_text=True)
    portal.login(app.test_client(), "a@anhduong.vn", password="sông Hồng mùa nước nổi")


def test_a_reset_link_expires_and_a_forged_one_is_refused(portal, app, session):
    from datetime import timedelta

    from brandname.errors import InvalidInput
    from brandname.lifecycle import accounts
    from brandname.rules import dates

    then = dates.utcnow() - timedelta(minutes=61)
    token = accounts.request_password_reset(session, "can.bo@cuc.gov.vn", minutes=60, now=then)
    assert token
    with pytest.raises(InvalidInput):
        accounts.reset_password(session, token, new="sông Hồng mùa nước nổi", repeat="sông Hồng mùa nước nổi")
    assert app.test_client().get(f"/applicant/reset/{token}").status_code == 400
    assert app.test_client().get("/applicant/reset/not-a-token").status_code == 400
    # a fresh link works, and one asked for again within two minutes is not sent twice
    fresh = accounts.request_password_reset(session, "can.bo@cuc.gov.vn")
    assert accounts.request_password_reset(session, "can.bo@cuc.gov.vn") is None
    account = accounts.reset_password(
        session, fresh, new="sông Hồng mùa nước nổi", repeat="sông Hồng mùa nước nổi"
    )
    assert account.email == "can.bo@cuc.gov.vn"
    from sqlalchemy import select

    from brandname.store.models import Event

    acts = [e.act for e in session.scalars(select(Event).where(Event.subject_id == account.id))]
    assert acts.count("request_password_reset") == 2 and acts[-1] == "reset_password"


# -- email verification: sign in at once, file only once the email is proved --------------------


def _new_signup(app, session, *, code="0108880009", email="moi@xacnhan.vn"):
    from sqlalchemy import select

    from brandname.store.models import Account

    assert _signup(app.test_client(), code=code, email=email).status_code == 200
    session.expire_all()
    return session.scalars(select(Account).where(Account.email == email)).one()


def test_a_new_account_signs_in_but_files_only_after_following_its_mailed_link(portal, app, session):
    import html

    from sqlalchemy import func, select

    from brandname.store.models import Application, Event
    from tests.conftest import mailed_link, org_applicant

    account = _new_signup(app, session)
    assert account.email_verified_at is None
    client = portal.login(app.test_client(), "moi@xacnhan.vn")
    home = html.unescape(client.get("/applicant/").get_data(as_text=True))
    assert "chưa xác nhận thư điện tử moi@xacnhan.vn" in home and "Gửi lại liên kết xác nhận" in home
    applicant = {**org_applicant(code="0108880009"), "name": "Công ty TNHH Thử Nghiệm"}
    refused = portal.apply(client, "XACNHAN", applicant=applicant)
    body = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 403 and "chưa xác nhận thư điện tử nên chưa nộp được hồ sơ" in body
    assert session.scalar(select(func.count()).select_from(Application)) == 0

    path, _token = mailed_link(session, "moi@xacnhan.vn", "/applicant/verify/")
    page = client.get(path)  # opening the link spends nothing: a mail scanner may fetch it
    assert page.status_code == 200 and "Xác nhận thư điện tử" in page.get_data(as_text=True)
    session.expire_all()
    assert session.get(type(account), account.id).email_verified_at is None
    assert client.post(path).status_code == 302
    session.expire_all()
    assert session.get(type(account), account.id).email_verified_at is not None
    event = session.scalars(
        select(Event).where(Event.act == "verify_email", Event.subject_id == account.id)
    ).one()
    assert (event.actor_kind, event.actor_id, event.subject_id) == ("applicant", account.id, account.id)
    assert "chưa xác nhận" not in html.unescape(client.get("/applicant/").get_data(as_text=True))
    portal.application_id(portal.apply(client, "XACNHAN", applicant=applicant))

    again = client.post(path)  # single use
    assert again.status_code == 400 and "đã được dùng" in html.unescape(again.get_data(as_text=True))


def test_an_unverified_account_cannot_submit_through_the_act_either(portal, app, session):
    from brandname import lifecycle
    from brandname.errors import NotAllowed
    from tests.conftest import name_entry, org_applicant

    account = _new_signup(app, session)
    with pytest.raises(NotAllowed) as refused:
        lifecycle.submit(
            session,
            applicant={**org_applicant(code="0108880009"), "name": "Công ty TNHH Thử Nghiệm"},
            names=[name_entry("XACNHAN")],
            actor=lifecycle.Actor.for_account(account),
            account_id=account.id,
            commitments_confirmed=True,
        )
    assert refused.value.code == "email_unverified"


def test_a_verification_link_expires_and_a_new_one_can_be_asked_for(portal, app, session):
    from datetime import timedelta

    from sqlalchemy import select

    from brandname.errors import InvalidInput
    from brandname.lifecycle import accounts
    from brandname.rules import dates
    from brandname.store.models import Outbox
    from tests.conftest import mailed_link

    account = _new_signup(app, session)
    _path, token = mailed_link(session, account.email, "/applicant/verify/")
    later = dates.utcnow() + timedelta(hours=accounts.VERIFICATION_HOURS, seconds=1)
    with pytest.raises(InvalidInput):
        accounts.verify_email(session, token, now=later)
    with pytest.raises(InvalidInput):
        accounts.verify_email(session, "not-a-token")
    client = portal.login(app.test_client(), account.email)
    # the sign-up's link is minutes old: pressing "send again" now sends nothing more
    too_soon = client.post("/applicant/verify/resend", follow_redirects=True)
    assert "Liên kết vừa được gửi" in too_soon.get_data(as_text=True)
    assert not session.scalars(select(Outbox).where(Outbox.key.startswith("email-verification:"))).all()
    fresh = accounts.request_email_verification(session, account, now=later)
    mail = session.scalars(select(Outbox).where(Outbox.key.startswith("email-verification:"))).one()
    assert mail.to == account.email and fresh in mail.body and fresh != token
    assert accounts.verify_email(session, fresh, now=later).email_verified_at == later
    assert accounts.request_email_verification(session, account) is None  # proved: nothing to send


def test_accounts_the_operator_makes_count_as_verified(app, session, monkeypatch):
    from sqlalchemy import select

    from brandname.lifecycle import accounts
    from brandname.store.models import Account

    monkeypatch.setenv("OFFICER_PASSWORD", PASSWORD)
    result = app.test_cli_runner().invoke(
        args=[
            "brandname",
            "create-officer",
            "mot@cuc.gov.vn",
            "--password-env",
            "OFFICER_PASSWORD",
            "--name",
            "Một",
        ]
    )
    assert result.exit_code == 0, result.output
    officer = session.scalars(select(Account).where(Account.email == "mot@cuc.gov.vn")).one()
    applicant = accounts.create_account(session, email="hai@nguoi.vn", password=PASSWORD)
    assert officer.email_verified_at is not None and applicant.email_verified_at is not None
