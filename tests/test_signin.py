"""Sign-in: sessions that end, throttling per account and client, the staff second factor,
sign-up that reveals no email, and password strength."""

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
