"""Claiming names already in the registry (paper filings, legacy imports): the code's rules, the
acts, the applicant's and the officer's pages."""

from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest

from brandname.rules import claims as claim_rules

T0 = datetime(2026, 3, 2, 3, 0, 0)


# -- the one-time code's rules --------------------------------------------------------------


def test_a_code_has_six_digits_from_the_secure_source_and_keeps_leading_zeros(monkeypatch):
    codes = {claim_rules.new_code() for _ in range(200)}
    assert all(len(c) == 6 and c.isdigit() for c in codes) and len(codes) > 150
    monkeypatch.setattr(claim_rules.secrets, "randbelow", lambda n: 42)
    assert claim_rules.new_code() == "000042"


def test_only_a_salted_hash_is_kept_and_only_the_right_code_matches():
    salt, other_salt = claim_rules.new_salt(), claim_rules.new_salt()
    stored = claim_rules.hash_code("123456", salt)
    assert "123456" not in stored and len(stored) == 64
    assert stored != claim_rules.hash_code("123456", other_salt)  # the salt changes the hash
    assert claim_rules.code_matches("123456", salt, stored)
    assert claim_rules.code_matches(" 123-456 ", salt, stored)  # typed with a space or dash
    for wrong in ("123457", "12345", "1234567", "abcdef", "", None):
        assert not claim_rules.code_matches(wrong, salt, stored)
    assert not claim_rules.code_matches("123456", salt, None)


def test_a_code_expires_after_its_minutes():
    until = claim_rules.expires_at(T0)
    assert until == T0 + timedelta(minutes=15)
    assert claim_rules.expires_at(T0, minutes=5) == T0 + timedelta(minutes=5)
    assert not claim_rules.is_expired(until, until - timedelta(seconds=1))
    assert claim_rules.is_expired(until, until)
    assert claim_rules.is_expired(None, T0)


def test_five_wrong_attempts_lock_a_code():
    assert claim_rules.attempts_left(0) == 5 and claim_rules.attempts_left(4) == 1
    assert claim_rules.attempts_left(7) == 0
    assert not claim_rules.is_locked(4) and claim_rules.is_locked(5)


def test_three_codes_an_hour_per_claim():
    sent = [T0, T0 + timedelta(minutes=10)]
    assert claim_rules.next_send_at(sent, T0 + timedelta(minutes=20)) is None
    sent.append((T0 + timedelta(minutes=20)).isoformat())  # stored as ISO text
    assert claim_rules.next_send_at(sent, T0 + timedelta(minutes=30)) == T0 + timedelta(hours=1)
    # an hour after the first, one more may go
    assert claim_rules.next_send_at(sent, T0 + timedelta(hours=1)) is None


@pytest.mark.parametrize(
    ("email", "shown"),
    [
        ("nguyen.van@example.vn", "n***@e***.vn"),
        ("lienhe@saomai.com.vn", "l***@s***.com.vn"),
        ("a@mail.cty.vn", "a***@m***.vn"),
        ("X@Y.VN", "X***@Y***.VN"),
        ("", ""),
        ("no-at-sign", ""),
    ],
)
def test_the_email_on_record_is_shown_masked(email, shown):
    assert claim_rules.mask_email(email) == shown


# -- the acts -------------------------------------------------------------------------------

from sqlalchemy import select  # noqa: E402

from brandname import lifecycle  # noqa: E402
from brandname.errors import Conflict, Forbidden, InvalidInput, NotAllowed, NotFound, TooManyAttempts  # noqa: E402
from brandname.store.models import Account, Brandname, Claim, Event, Holder, Outbox  # noqa: E402

from .conftest import NOW, _account, org_applicant  # noqa: E402

PAPER_CODE = "0107770001"


@contextmanager
def refused(kind, text_vi):
    """Like pytest.raises, matching the Vietnamese message (the one the portal shows first)."""
    with pytest.raises(kind) as caught:
        yield caught
    assert text_vi in caught.value.message_vi, caught.value.message_vi


ON_RECORD = "lienhe@saomai.vn"


def paper_holder(registry_helper, *names, email=ON_RECORD):
    """A holder whose names an officer entered from a paper dossier: no portal account."""
    applicant = dict(org_applicant(code=PAPER_CODE, name="Công ty TNHH Sao Mai"), email=email)
    registry_helper.issue(*(names or ("SAOMAI",)), applicant=applicant)
    return registry_helper.session.scalars(select(Holder).where(Holder.id_number == PAPER_CODE)).one()


def claimant(session, email="giamdoc@saomai.vn"):
    return lifecycle.Actor.for_account(_account(session, email, "applicant"))


def mailed_code(session, to=ON_RECORD):
    import re

    body = session.scalars(
        select(Outbox.body)
        .where(Outbox.to == to, Outbox.key.startswith("claim-code:"))
        .order_by(Outbox.id.desc())
    ).first()
    return re.search(r"Mã xác nhận: (\d{6})", body).group(1)


def test_a_paper_holder_is_claimed_with_the_code_mailed_to_the_email_on_record(session, registry_helper):
    holder = paper_holder(registry_helper, "SAOMAI", "SAOMAIPAY")
    actor = claimant(session)
    claim = lifecycle.start_claim(session, f" {PAPER_CODE} ", actor=actor, now=NOW)
    assert claim.status == "open" and claim.holder_id == holder.id
    # starting again resumes the same claim
    assert lifecycle.start_claim(session, PAPER_CODE, actor=actor, now=NOW).id == claim.id
    sent = lifecycle.send_claim_code(session, claim.id, actor=actor, now=NOW)
    assert sent.masked_email == "l***@s***.vn"
    code = mailed_code(session)
    assert code == sent.code
    # the mail went to the address on record; only a salted hash of the code is kept, no event has it
    stored = session.get(Claim, claim.id)
    assert stored.code_hash and code not in stored.code_hash and stored.code_salt
    assert not any(code in str(e.details) for e in session.scalars(select(Event)))
    assert session.scalars(select(Outbox).where(Outbox.to == "giamdoc@saomai.vn")).all() == []

    with refused(InvalidInput, "Còn 4 lần thử"):
        lifecycle.confirm_claim_code(
            session, claim.id, "000000" if code != "000000" else "111111", actor=actor, now=NOW
        )
    assert session.get(Claim, claim.id).code_attempts == 1  # the wrong try was kept
    granted = lifecycle.confirm_claim_code(session, claim.id, code, actor=actor, now=NOW)
    assert granted.status == "granted" and granted.method == "code"
    account = session.get(Account, actor.id)
    assert account.holder_id == holder.id and account.org_role == "admin"
    names = session.scalars(select(Brandname.name).where(Brandname.holder_id == account.holder_id)).all()
    assert sorted(names) == ["SAOMAI", "SAOMAIPAY"]
    acts = [
        e.act for e in session.scalars(select(Event).where(Event.subject_type == "claim").order_by(Event.seq))
    ]
    assert acts == ["start_claim", "send_claim_code", "claim_code_wrong", "grant_claim"]
    decided = session.scalars(select(Outbox).where(Outbox.to == "giamdoc@saomai.vn")).one()
    assert "nay là quản trị tài khoản của Công ty TNHH Sao Mai" in decided.body
    # claimed once: nobody else can start a claim for it now
    with refused(Conflict, "đã có tài khoản"):
        lifecycle.start_claim(session, PAPER_CODE, actor=claimant(session, "khac@example.vn"), now=NOW)


def test_claims_are_refused_clearly(session, registry_helper):
    holder = paper_holder(registry_helper)
    actor = claimant(session)
    with refused(NotFound, "Không có tổ chức, cá nhân nào mang mã số 0109999999"):
        lifecycle.start_claim(session, "0109999999", actor=actor, now=NOW)
    with pytest.raises(InvalidInput):
        lifecycle.start_claim(session, "  ", actor=actor, now=NOW)
    # a holder that has a portal account is not claimed: its administrator invites
    member = _account(session, "member@anhduong.vn", "applicant")
    other = registry_helper.session.scalars(select(Holder).where(Holder.id == holder.id)).one()
    signed_up = registry_helper.submit(
        "KHAC", applicant=org_applicant(code="0101112223", name="Công ty Khác")
    )
    member.holder_id, member.org_role = signed_up.holder_id, "admin"
    session.commit()
    with refused(Conflict, "Công ty Khác đã có tài khoản"):
        lifecycle.start_claim(session, "0101112223", actor=actor, now=NOW)
    # an account that already works for a holder claims no other
    with refused(NotAllowed, "một tài khoản chỉ làm việc cho một tổ chức"):
        lifecycle.start_claim(session, other.id_number, actor=lifecycle.Actor.for_account(member), now=NOW)
    # staff do not claim, and a claim is the claimant's own
    with pytest.raises(Forbidden):
        lifecycle.start_claim(session, PAPER_CODE, actor=registry_helper.officer, now=NOW)
    claim = lifecycle.start_claim(session, PAPER_CODE, actor=actor, now=NOW)
    with pytest.raises(NotFound):
        lifecycle.send_claim_code(session, claim.id, actor=claimant(session, "la@example.vn"), now=NOW)


def test_five_wrong_codes_lock_the_code_and_a_new_code_starts_again(session, registry_helper):
    paper_holder(registry_helper)
    actor = claimant(session)
    claim = lifecycle.start_claim(session, PAPER_CODE, actor=actor, now=NOW)
    code = lifecycle.send_claim_code(session, claim.id, actor=actor, now=NOW).code
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    for left in (4, 3, 2, 1):
        with refused(InvalidInput, f"Còn {left} lần"):
            lifecycle.confirm_claim_code(session, claim.id, wrong, actor=actor, now=NOW)
    with refused(TooManyAttempts, "5 lần"):
        lifecycle.confirm_claim_code(session, claim.id, wrong, actor=actor, now=NOW)
    with refused(TooManyAttempts, "không dùng được nữa"):
        lifecycle.confirm_claim_code(session, claim.id, code, actor=actor, now=NOW)  # even the right one
    assert session.get(Account, actor.id).holder_id is None
    fresh = lifecycle.send_claim_code(session, claim.id, actor=actor, now=NOW).code
    assert lifecycle.confirm_claim_code(session, claim.id, fresh, actor=actor, now=NOW).status == "granted"


def test_a_code_expires_after_the_configured_minutes(session, registry_helper):
    paper_holder(registry_helper)
    actor = claimant(session)
    claim = lifecycle.start_claim(session, PAPER_CODE, actor=actor, now=NOW)
    code = lifecycle.send_claim_code(session, claim.id, actor=actor, now=NOW, minutes=5).code
    assert session.get(Claim, claim.id).code_expires_at == NOW + timedelta(minutes=5)
    with refused(NotAllowed, "hết hạn"):
        lifecycle.confirm_claim_code(session, claim.id, code, actor=actor, now=NOW + timedelta(minutes=5))
    # a code sent again replaces the old one: the old code works no more
    new = lifecycle.send_claim_code(session, claim.id, actor=actor, now=NOW + timedelta(minutes=6)).code
    if new != code:
        with pytest.raises(InvalidInput):
            lifecycle.confirm_claim_code(session, claim.id, code, actor=actor, now=NOW + timedelta(minutes=7))
    later = NOW + timedelta(minutes=8)
    assert lifecycle.confirm_claim_code(session, claim.id, new, actor=actor, now=later).status == "granted"


def test_three_codes_an_hour_per_claim_are_sent(session, registry_helper):
    paper_holder(registry_helper)
    actor = claimant(session)
    claim = lifecycle.start_claim(session, PAPER_CODE, actor=actor, now=NOW)
    for minutes in (0, 1, 2):
        lifecycle.send_claim_code(session, claim.id, actor=actor, now=NOW + timedelta(minutes=minutes))
    with refused(TooManyAttempts, "Đã gửi 3 mã trong một giờ"):
        lifecycle.send_claim_code(session, claim.id, actor=actor, now=NOW + timedelta(minutes=30))
    sent = session.scalars(select(Outbox).where(Outbox.key.startswith("claim-code:"))).all()
    assert len(sent) == 3
    lifecycle.send_claim_code(session, claim.id, actor=actor, now=NOW + timedelta(minutes=61))


def test_without_an_email_on_record_only_an_officer_approved_authorization_claims(
    session, registry_helper, officer
):
    holder = paper_holder(registry_helper)
    holder.email = ""  # a legacy list may carry no email at all
    session.commit()
    actor = claimant(session)
    claim = lifecycle.start_claim(session, PAPER_CODE, actor=actor, now=NOW)
    with refused(NotAllowed, "không có thư điện tử") as no_email:
        lifecycle.send_claim_code(session, claim.id, actor=actor, now=NOW)
    assert no_email.value.code == "no_email_on_record"
    document = {
        "original_filename": "uy-quyen.pdf",
        "stored_name": "abc.pdf",
        "content_type": "application/pdf",
        "size": 10,
        "sha256": "0" * 64,
    }
    with pytest.raises(NotAllowed):  # nothing to decide before an authorization arrives
        lifecycle.approve_claim(session, claim.id, actor=officer, now=NOW)
    lifecycle.submit_claim_authorization(session, claim.id, actor=actor, document=document, now=NOW)
    assert session.get(Claim, claim.id).status == "review"
    with pytest.raises(Forbidden):
        lifecycle.approve_claim(session, claim.id, actor=actor, now=NOW)
    with refused(InvalidInput, "lý do"):
        lifecycle.reject_claim(session, claim.id, "  ", actor=officer, now=NOW)
    lifecycle.reject_claim(
        session, claim.id, "Giấy ủy quyền không có chữ ký của người đại diện.", actor=officer, now=NOW
    )
    refused_mail = session.scalars(select(Outbox).where(Outbox.key == f"claim-decided:{claim.id}")).one()
    assert (
        refused_mail.to == "giamdoc@saomai.vn" and "không có chữ ký của người đại diện" in refused_mail.body
    )
    with refused(NotAllowed, "bị từ chối"):
        lifecycle.submit_claim_authorization(session, claim.id, actor=actor, document=document, now=NOW)
    again = lifecycle.start_claim(session, PAPER_CODE, actor=actor, now=NOW)
    assert again.id != claim.id
    lifecycle.submit_claim_authorization(session, again.id, actor=actor, document=document, now=NOW)
    granted = lifecycle.approve_claim(session, again.id, actor=officer, now=NOW)
    assert (
        granted.status == "granted"
        and granted.method == "authorization"
        and granted.decided_by_id == officer.id
    )
    assert session.get(Account, actor.id).holder_id == holder.id


def test_the_code_shows_in_the_portal_by_its_subject_only(session, registry_helper):
    """When the email on record is also an account's, that account's copy in the portal hides the code."""
    from brandname.store.models import Notification

    holder = paper_holder(registry_helper)
    owner = _account(session, "ketoan@saomai.vn", "applicant")
    holder.email = owner.email
    session.commit()
    actor = claimant(session)
    claim = lifecycle.start_claim(session, PAPER_CODE, actor=actor, now=NOW)
    code = lifecycle.send_claim_code(session, claim.id, actor=actor, now=NOW).code
    assert mailed_code(session, to=owner.email) == code
    copy = session.scalars(select(Notification).where(Notification.account_id == owner.id)).one()
    assert copy.kind == "claim-code" and code not in copy.body and code not in copy.subject


def test_a_claim_overtaken_by_another_sends_no_more_codes(session, registry_helper):
    paper_holder(registry_helper)
    first, second = claimant(session, "mot@saomai.vn"), claimant(session, "hai@saomai.vn")
    won = lifecycle.start_claim(session, PAPER_CODE, actor=first, now=NOW)
    late = lifecycle.start_claim(session, PAPER_CODE, actor=second, now=NOW)
    code = lifecycle.send_claim_code(session, won.id, actor=first, now=NOW).code
    lifecycle.confirm_claim_code(session, won.id, code, actor=first, now=NOW)
    with refused(Conflict, "đã có tài khoản"):
        lifecycle.send_claim_code(session, late.id, actor=second, now=NOW)
    document = {"original_filename": "a.pdf", "stored_name": "a.pdf", "content_type": "application/pdf"}
    with refused(Conflict, "đã có tài khoản"):
        lifecycle.submit_claim_authorization(session, late.id, actor=second, document=document, now=NOW)


def test_two_claims_for_one_holder_one_wins(session, registry_helper):
    """Both claimants hold a right code; the second to confirm hears that the holder is taken."""
    paper_holder(registry_helper)
    first, second = claimant(session, "mot@saomai.vn"), claimant(session, "hai@saomai.vn")
    claims = [lifecycle.start_claim(session, PAPER_CODE, actor=a, now=NOW) for a in (first, second)]
    codes = [
        lifecycle.send_claim_code(session, c.id, actor=a, now=NOW).code
        for c, a in zip(claims, (first, second))
    ]
    lifecycle.confirm_claim_code(session, claims[0].id, codes[0], actor=first, now=NOW)
    with refused(Conflict, "đã có tài khoản"):
        lifecycle.confirm_claim_code(session, claims[1].id, codes[1], actor=second, now=NOW)
    assert session.get(Account, second.id).holder_id is None
    assert session.scalars(select(Claim.account_id).where(Claim.status == "granted")).all() == [first.id]


# -- the applicant's and the officer's pages ------------------------------------------------

from .conftest import PASSWORD, PDF_BYTES, Portal  # noqa: E402


def _text(response):
    return response.get_data(as_text=True)


def _signup_form(code=PAPER_CODE, email="giamdoc@saomai.vn", **extra):
    profile = dict(org_applicant(code=code, name="Công ty TNHH Sao Mai"), email="moi@saomai.vn")
    return {
        **{f"app_{k}": v for k, v in profile.items()},
        "email": email,
        "password": PASSWORD,
        "password2": PASSWORD,
        **extra,
    }


def test_a_sign_up_for_a_code_on_record_leads_to_the_claim_and_the_mailed_code_gives_the_names(
    portal, app, session, registry_helper
):
    holder = paper_holder(registry_helper, "SAOMAI", "SAOMAIPAY")
    anon = app.test_client()
    taken = anon.post("/applicant/signup", data=_signup_form())
    body = _text(taken)
    # the dead end is gone: the page offers the claim instead of "contact the Authority"
    assert taken.status_code == 409 and "Liên hệ Cục" not in body
    assert 'id="signup-claim"' in body and "Tạo tài khoản và nhận quyền" in body
    made = anon.post("/applicant/signup", data=_signup_form(claim="1"))
    assert made.status_code == 200 and "Xem hộp thư của bạn" in _text(made)
    account = session.scalars(select(Account).where(Account.email == "giamdoc@saomai.vn")).one()
    assert account.holder_id is None
    # the record on file stands: nothing the sign-up typed changed it
    assert session.get(Holder, holder.id).email == ON_RECORD

    client = app.test_client()
    signed_in = client.post("/applicant/login", data={"email": account.email, "password": PASSWORD})
    assert signed_in.headers["Location"].endswith("/applicant/claim")
    home = client.get("/applicant/")
    assert home.status_code == 403 and "/applicant/claim" in _text(home)
    page = client.get("/applicant/claim")
    assert page.status_code == 200 and "Nhận quyền với tên đã đăng ký" in _text(page)

    missing = client.post("/applicant/claim", data={"id_number": "0109999999"})
    assert missing.status_code == 404 and "Không có tổ chức, cá nhân nào mang mã số 0109999999" in _text(
        missing
    )
    started = client.post("/applicant/claim", data={"id_number": PAPER_CODE})
    assert started.status_code == 302
    detail_url = started.headers["Location"]
    detail = _text(client.get(detail_url))
    assert "l***@s***.vn" in detail and ON_RECORD not in detail
    assert "SAOMAI, SAOMAIPAY" in detail and 'id="claim-confirm"' not in detail

    assert client.post(detail_url + "/send").status_code == 302
    detail = _text(client.get(detail_url))
    assert "Đã gửi mã xác nhận tới l***@s***.vn" in detail and 'id="claim-confirm"' in detail
    code = mailed_code(session)
    wrong = client.post(detail_url + "/confirm", data={"code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 400 and "Còn 4 lần thử" in _text(wrong)
    # another applicant cannot see or use the claim
    assert portal.b.get(detail_url).status_code == 404
    assert portal.b.post(detail_url + "/confirm", data={"code": code}).status_code == 404
    done = client.post(detail_url + "/confirm", data={"code": code})
    assert done.status_code == 302 and done.headers["Location"].endswith("/applicant/names")
    names = _text(client.get("/applicant/names"))
    assert "SAOMAI" in names and "SAOMAIPAY" in names and "Đã nhận quyền" in names
    assert client.get("/applicant/").status_code == 200


def test_an_officer_decides_an_uploaded_authorization_and_the_claimant_reads_the_reason(
    portal, app, session, registry_helper
):
    holder = paper_holder(registry_helper)
    holder.email = ""
    session.commit()
    claimant_account = _account(session, "giamdoc@saomai.vn", "applicant")
    client = Portal.login(app.test_client(), claimant_account.email)
    detail_url = client.post("/applicant/claim", data={"id_number": PAPER_CODE}).headers["Location"]
    page = _text(client.get(detail_url))
    assert 'id="no-email"' in page and 'id="send-code"' not in page
    refused = client.post(detail_url + "/send")
    assert refused.status_code == 409 and "không có thư điện tử" in _text(refused)
    import io

    bad = client.post(
        detail_url + "/authorization",
        data={"file": (io.BytesIO(b"not a pdf"), "uy-quyen.pdf")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 400 and "không phải PDF, JPEG hoặc PNG" in _text(bad)
    sent = client.post(
        detail_url + "/authorization",
        data={"file": (io.BytesIO(PDF_BYTES), "uy-quyen.pdf")},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302
    assert 'id="claim-review"' in _text(client.get(detail_url))
    claim = session.scalars(select(Claim)).one()

    # the officer's queue: the document, then a refusal with its reason
    assert portal.a.get("/officer/claims").status_code in (302, 403)
    queue = _text(portal.officer.get("/officer/claims"))
    assert "Công ty TNHH Sao Mai" in queue and "uy-quyen.pdf" in queue and "giamdoc@saomai.vn" in queue
    document = portal.officer.get(f"/officer/claims/{claim.id}/document")
    assert document.status_code == 200 and document.data == PDF_BYTES
    no_reason = portal.officer.post(f"/officer/claims/{claim.id}/reject", data={"reason": ""})
    assert no_reason.status_code == 302 and session.get(Claim, claim.id).status == "review"
    reason = "Giấy ủy quyền thiếu chữ ký của người đại diện theo pháp luật."
    assert (
        portal.officer.post(f"/officer/claims/{claim.id}/reject", data={"reason": reason}).status_code == 302
    )
    page = _text(client.get(detail_url))
    assert 'id="claim-rejected"' in page and reason in page
    mail = session.scalars(select(Outbox).where(Outbox.key == f"claim-decided:{claim.id}")).one()
    assert mail.to == "giamdoc@saomai.vn" and reason in mail.body

    again = client.post("/applicant/claim", data={"id_number": PAPER_CODE}).headers["Location"]
    client.post(
        again + "/authorization",
        data={"file": (io.BytesIO(PDF_BYTES), "uy-quyen-2.pdf")},
        content_type="multipart/form-data",
    )
    second = session.scalars(select(Claim).where(Claim.status == "review")).one()
    assert portal.officer.post(f"/officer/claims/{second.id}/approve").status_code == 302
    session.expire_all()
    assert session.get(Account, claimant_account.id).holder_id == holder.id
    assert "SAOMAI" in _text(client.get("/applicant/names"))
    assert "Chấp nhận" in _text(portal.officer.get("/officer/claims"))
