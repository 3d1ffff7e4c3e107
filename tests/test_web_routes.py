"""Route tests for the three portals, for every role: anonymous, applicant A, applicant B,
officer, supervisor. Each sees and does exactly what its role allows."""

import re

from sqlalchemy import func, select

from brandname import lifecycle
from brandname.store.models import (
    Application,
    Authorization,
    Certificate,
    Document,
    Event,
    Outbox,
    Payment,
    RevocationProposal,
)

from .conftest import PASSWORD, PDF_BYTES, PNG_BYTES, Portal, org_applicant, person_applicant

CONSOLE_GETS = [
    "/officer/",
    "/officer/queue",
    "/officer/payments",
    "/officer/revocations",
    "/officer/search?q=a",
    "/officer/accounts",
]


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def text(response):
    return response.get_data(as_text=True)


def issued_for_a(portal, *names):
    """A applies through the portal; the officer approves; A pays; the officer confirms."""
    app_id = portal.application_id(portal.apply(portal.a, *names))
    assert portal.officer.post(f"/officer/applications/{app_id}/approve").status_code == 302
    assert (
        portal.a.post(f"/applicant/applications/{app_id}/payment", data={"reference": "FT26001"}).status_code
        == 302
    )
    payment = portal.session.scalars(select(Payment).where(Payment.application_id == app_id)).one()
    assert portal.officer.post(f"/officer/payments/{payment.id}/confirm").status_code == 302
    portal.session.expire_all()
    return app_id


# -- public -----------------------------------------------------------------------------------


def test_public_pages_for_everyone(portal):
    for client in (portal.anon, portal.a, portal.officer):
        for url in ("/", "/lookup", "/lookup?q=x", "/revocations"):
            assert client.get(url).status_code == 200, url


def test_lookup_prefix_then_substring_case_insensitive_paginated_no_individual_ids(
    portal, session, registry_helper
):
    registry_helper.issue("SUNMART", "ASUN", "SUNNY")
    # an individual's name: the ID number must never appear
    registry_helper.issue("SUNLEHOANG", applicant=person_applicant())
    body = text(portal.anon.get("/lookup?q=sUn"))
    found = re.findall(r'<td class="name-cell"[^>]*>([^<]+)</td>', body)
    assert found == ["SUNLEHOANG", "SUNMART", "SUNNY", "ASUN"]  # prefix matches first, then substring
    assert "001203004567" not in body and "Lê H. C." in body and "Lê Hoàng Cường" not in body
    assert "0101234567" in body  # an organization's code is public
    registry_helper.issue("SUN_MART 2", "SUNXMART")
    found = re.findall(r'<td class="name-cell"[^>]*>([^<]+)</td>', text(portal.anon.get("/lookup?q=sun_m")))
    assert found == ["SUN_MART 2"]  # "_" is a character here, not a LIKE wildcard
    found = re.findall(r'<td class="name-cell"[^>]*>([^<]+)</td>', text(portal.anon.get("/lookup?q=t%202")))
    assert found == ["SUN_MART 2"]
    for i in range(25):
        registry_helper.issue(f"PAGE{i:02d}")
    page1 = re.findall(r'<td class="name-cell"[^>]*>([^<]+)</td>', text(portal.anon.get("/lookup?q=page")))
    page2 = re.findall(
        r'<td class="name-cell"[^>]*>([^<]+)</td>', text(portal.anon.get("/lookup?q=page&page=2"))
    )
    assert len(page1) == 20 and len(page2) == 5 and not set(page1) & set(page2)
    assert "PAGE00" in page1 and "PAGE24" in page2


def test_revocation_notices_list_name_date_ground(portal, session, registry_helper, officer, supervisor):
    """Art. 29(2): each notice names the ground in words, its effective date, and for grounds a
    and đ the competent agency's document; expiry (ground c) is published too."""
    from datetime import date, datetime

    result = registry_helper.issue("GIVEUP", "SPAMMER", "OLDNAME")
    give, spam, old = result.brandnames
    lifecycle.give_up(session, give.id, actor=officer, now=datetime(2026, 4, 10, 3))
    proposal = lifecycle.propose_revocation(
        session,
        spam.id,
        actor=officer,
        ground="spam",
        evidence={
            "agency": "Cục A05, Bộ Công an",
            "conclusion_number": "12/KL-A05",
            "conclusion_date": "2026-03-01",
        },
    )
    lifecycle.confirm_revocation(session, proposal.id, actor=supervisor, now=datetime(2026, 4, 11, 3))
    lifecycle.expire(session, today=date(2029, 3, 2), now=datetime(2029, 3, 2, 1))
    body = text(portal.anon.get("/revocations"))
    rows = {name: body[body.index(name) :].split("</tr>")[0] for name in ("GIVEUP", "SPAMMER", "OLDNAME")}
    assert (
        "10/04/2026" in rows["GIVEUP"]
        and "điểm d khoản 1 Điều 29 Nghị định số 91/2020/NĐ-CP" in rows["GIVEUP"]
    )
    assert "11/04/2026" in rows["SPAMMER"] and "điểm a khoản 1 Điều 29" in rows["SPAMMER"]
    assert "Cục A05, Bộ Công an" in rows["SPAMMER"] and "12/KL-A05" in rows["SPAMMER"]
    assert "01/03/2026" in rows["SPAMMER"]
    assert "02/03/2029" in rows["OLDNAME"]
    assert (
        "điểm c khoản 1 Điều 29 Nghị định số 91/2020/NĐ-CP: tên định danh hết hạn sử dụng" in rows["OLDNAME"]
    )
    assert "holder_request" not in body and "spam" not in body.lower().replace("spammer", "")
    lookup = text(portal.anon.get("/lookup?q=OLDNAME"))
    assert "từ ngày 02/03/2029" in lookup and "điểm c khoản 1 Điều 29" in lookup  # as the notice says
    portal.anon.get("/lang/en")
    english = text(portal.anon.get("/revocations"))
    assert "point c, clause 1, Article 29 of Decree No. 91/2020/ND-CP" in english


def test_a_revocation_on_an_agency_ground_needs_the_agency(portal, session, registry_helper):
    bn = registry_helper.issue("NOAGENCY").brandnames[0]
    response = portal.officer.post(
        f"/officer/names/{bn.id}/propose-revocation",
        data={
            "ground": "authority_request",
            "authority_request-request_number": "7/CV",
            "authority_request-request_date": "2026-03-01",
        },
    )
    assert response.status_code == 400 and "cơ quan nhà nước có thẩm quyền" in text(response)
    assert session.scalar(select(func.count()).select_from(RevocationProposal)) == 0


# -- anonymous --------------------------------------------------------------------------------


def test_anonymous_never_reaches_portal_or_console(portal, session, registry_helper):
    application = registry_helper.submit("ANONTEST")
    for url in CONSOLE_GETS + [f"/officer/applications/{application.id}"]:
        response = portal.anon.get(url)
        assert response.status_code == 302 and "/officer/login" in response.headers["Location"], url
    for url in (
        "/applicant/",
        "/applicant/apply",
        "/applicant/names",
        f"/applicant/applications/{application.id}",
        "/applicant/notifications",
        "/applicant/notifications/1",
        "/applicant/drafts/1",
    ):
        response = portal.anon.get(url)
        assert response.status_code == 302 and "/applicant/login" in response.headers["Location"], url
    response = portal.anon.post(f"/officer/applications/{application.id}/approve")
    assert response.status_code == 302
    for url in (
        f"/applicant/applications/{application.id}/names/{application.names[0].id}/withdraw",
        "/applicant/drafts/1/delete",
        "/applicant/notifications/read",
    ):
        response = portal.anon.post(url)
        assert response.status_code == 302 and "/applicant/login" in response.headers["Location"], url
    session.refresh(application)
    assert application.status == "submitted"


# -- applicants -------------------------------------------------------------------------------


def test_signup_keeps_input_on_error_and_refuses_taken_holder(portal, app):
    client = app.test_client()
    data = {
        "app_kind": "organization",
        "app_name": "Công ty Sao Mai",
        "app_id_number": "0109998887",
        "app_address": "Hà Nội",
        "app_email": "lienhe@saomai.vn",
        "app_phone": "024 1234 5678",
        "app_legal_representative": "",
        "app_contact_person": "Phạm Dung",
        "email": "dung@saomai.vn",
        "password": PASSWORD,
        "password2": PASSWORD,
    }
    response = client.post("/applicant/signup", data=data)
    assert response.status_code == 400
    body = text(response)
    assert "Người đại diện theo pháp luật: bắt buộc" in body
    assert 'value="Công ty Sao Mai"' in body and 'value="dung@saomai.vn"' in body
    # A's enterprise code already belongs to a holder: nobody else can sign up as it
    taken = dict(data, app_legal_representative="X", app_id_number="0101234567", email="x@y.vn")
    response = client.post("/applicant/signup", data=taken)
    assert response.status_code == 409 and "đã có trong sổ đăng ký" in text(response)
    ok = dict(data, app_legal_representative="Phạm Văn Dũng")
    response = client.post("/applicant/signup", data=ok)
    assert response.status_code == 200 and "Xem hộp thư của bạn" in text(response)
    portal.login(client, "dung@saomai.vn")
    assert client.get("/applicant/").status_code == 200


def test_login_doors(portal, app, session):
    # staff cannot use the applicant door, applicants cannot use the console door
    response = app.test_client().post(
        "/applicant/login", data={"email": "can.bo@cuc.gov.vn", "password": PASSWORD}
    )
    assert response.status_code == 401 and "Cổng cán bộ" in text(response)
    response = app.test_client().post("/officer/login", data={"email": "b@example.vn", "password": PASSWORD})
    assert response.status_code == 401


def test_apply_with_documents_receipt_shown_and_mailed(portal, session):
    response = portal.apply(
        portal.a, "VIETSUN", "SunMart", files=[("enterprise_registration", "dkdn.pdf", PDF_BYTES)]
    )
    app_id = portal.application_id(response)
    application = session.get(Application, app_id)
    assert application.status == "submitted" and application.account_id == portal.account_a.id
    assert [rn.name for rn in application.names] == ["VIETSUN", "SunMart"]
    assert application.names[0].products == "Thẻ thành viên" and application.commitments_confirmed
    page = text(portal.a.get(f"/applicant/applications/{app_id}"))
    assert "Đã tiếp nhận hồ sơ số" in page and "dkdn.pdf" in page and "Rút hồ sơ" in page
    mail = session.scalars(select(Outbox).where(Outbox.key == f"received:{app_id}")).one()
    assert mail.to == "a@anhduong.vn" and str(app_id) in mail.subject


def test_apply_errors_keep_what_was_typed(portal, session):
    response = portal.apply(portal.a, "Ánh Dương", commitments="")
    assert response.status_code == 400
    body = text(response)
    assert "cam kết" in body
    response = portal.apply(portal.a, "Ánh Dương")
    assert response.status_code == 400
    body = text(response)
    assert "Ký tự không được phép" in body and "tên thứ 1" in body
    assert 'value="Ánh Dương"' in body and "Chăm sóc khách hàng" in body and "Thẻ thành viên" in body
    assert count(session, Application) == 0


def test_applicant_cannot_file_for_another_holder(portal, session):
    response = portal.apply(portal.b, "BNAME", applicant=person_applicant())
    assert response.status_code == 302
    # B edits the hidden fields to pose as A: the account's holder wins (kind and number are fixed)
    response = portal.apply(portal.b, "BTWO", applicant=org_applicant())
    app_id = portal.application_id(response)
    assert session.get(Application, app_id).holder_id == portal.account_b.holder_id


def test_b_cannot_reach_a_by_guessing_ids(portal, session):
    app_id = issued_for_a(portal, "ASECRET")
    extra = portal.application_id(portal.apply(portal.a, "ATWO", files=[("other", "x.png", PNG_BYTES)]))
    bn = lifecycle.find_brandname(session, "ASECRET")
    doc = session.scalars(select(Document).where(Document.application_id == extra)).one()
    lifecycle.authorize(
        session,
        bn.id,
        actor=lifecycle.Actor.for_account(portal.account_a),
        party_id_number="0312345678",
        party_name="Đại lý Tin Nhắn",
    )
    auth = session.scalars(select(Authorization)).one()
    gets = [
        f"/applicant/applications/{app_id}",
        f"/applicant/applications/{extra}",
        f"/applicant/documents/{doc.id}",
        f"/applicant/names/{bn.id}",
        f"/applicant/names/{bn.id}/certificate.pdf",
        f"/applicant/names/{bn.id}/reissue",
        f"/applicant/names/{bn.id}/renew",
        f"/applicant/applications/{app_id}/resubmit",
    ]
    for url in gets:
        assert portal.b.get(url).status_code == 404, url
    posts = [
        f"/applicant/applications/{extra}/withdraw",
        f"/applicant/applications/{extra}/payment",
        f"/applicant/applications/{extra}/documents",
        f"/applicant/names/{bn.id}/give-up",
        f"/applicant/names/{bn.id}/authorizations",
        f"/applicant/authorizations/{auth.id}/withdraw",
        f"/applicant/names/{bn.id}/reissue",
    ]
    for url in posts:
        assert portal.b.post(url, data={"confirm": "on", "reference": "X1"}).status_code == 404, url
    home = text(portal.b.get("/applicant/"))
    assert "ASECRET" not in home and "ATWO" not in home
    session.expire_all()
    assert session.get(Application, extra).status == "submitted"
    assert bn.status == "active" and auth.withdrawn_at is None
    # applicants never reach the console
    for url in CONSOLE_GETS + [f"/officer/applications/{app_id}", f"/officer/documents/{doc.id}"]:
        assert portal.a.get(url).status_code == 403, url
    assert portal.a.post(f"/officer/applications/{extra}/approve").status_code == 403
    session.expire_all()
    assert session.get(Application, extra).status == "submitted"


def test_withdraw_while_undecided_only(portal, session):
    app_id = portal.application_id(portal.apply(portal.a, "WDRAW"))
    assert portal.a.post(f"/applicant/applications/{app_id}/withdraw").status_code == 302
    session.expire_all()
    assert session.get(Application, app_id).status == "withdrawn"
    response = portal.a.post(f"/applicant/applications/{app_id}/withdraw")
    assert response.status_code == 409 and "Chỉ rút được" in text(response)


def test_reject_then_amend_and_resubmit(portal, session):
    app_id = portal.application_id(portal.apply(portal.a, "SAIGON1"))
    response = portal.officer.post(f"/officer/applications/{app_id}/reject", data={"reasons": ""})
    assert response.status_code == 400
    response = portal.officer.post(
        f"/officer/applications/{app_id}/reject",
        data={"reasons": "Thiếu giấy chứng nhận đăng ký doanh nghiệp"},
    )
    assert response.status_code == 302
    page = text(portal.a.get(f"/applicant/applications/{app_id}"))
    assert "Thiếu giấy chứng nhận đăng ký doanh nghiệp" in page and "Sửa và nộp lại" in page
    form = text(portal.a.get(f"/applicant/applications/{app_id}/resubmit"))
    assert 'value="SAIGON1"' in form and "Lý do từ chối lần trước" in form
    data = {
        "n-0-name": "SAIGON1",
        "n-0-purpose": "Thông báo đơn hàng",
        "n-0-use_sms": "on",
        "commitments": "on",
        **{f"app_{k}": v or "" for k, v in org_applicant().items()},
    }
    response = portal.a.post(f"/applicant/applications/{app_id}/resubmit", data=data)
    new_id = portal.application_id(response)
    new = session.get(Application, new_id)
    assert new.resubmission_of_id == app_id and new.status == "submitted"
    mails = session.scalars(select(Outbox.key)).all()
    assert f"decided:{app_id}:rejected" in mails and f"received:{new_id}" in mails


def test_full_path_pay_names_authorize_give_up(portal, session):
    app_id = issued_for_a(portal, "HANOIMART")
    application = session.get(Application, app_id)
    assert application.status == "issued"
    bn = lifecycle.find_brandname(session, "HANOIMART")
    names = text(portal.a.get("/applicant/names"))
    assert "HANOIMART" in names and bn.current_certificate.serial in names
    page = text(portal.a.get(f"/applicant/names/{bn.id}"))
    assert "Đề nghị cấp lại" in page and "Chưa đến thời hạn gia hạn" in page
    # renewal is not open 3 years ahead: the act refuses, the page keeps the input
    response = portal.a.post(
        f"/applicant/names/{bn.id}/renew",
        data={
            "n-0-purpose": "Mục đích mới",
            "n-0-use_sms": "on",
            "commitments": "on",
            **{f"app_{k}": v or "" for k, v in org_applicant().items()},
        },
    )
    assert response.status_code == 409 and "Chưa đến thời hạn gia hạn" in text(response)
    assert "Mục đích mới" in text(response)
    # authorizations
    response = portal.a.post(
        f"/applicant/names/{bn.id}/authorizations",
        data={"party_id_number": "0312345678", "party_name": "Đại lý Tin Nhắn"},
    )
    assert response.status_code == 302
    assert "0312345678" in text(portal.a.get(f"/applicant/names/{bn.id}"))
    response = portal.a.post(
        f"/applicant/names/{bn.id}/authorizations", data={"party_id_number": "!", "party_name": ""}
    )
    assert response.status_code == 400
    auth = session.scalars(select(Authorization)).one()
    assert portal.a.post(f"/applicant/authorizations/{auth.id}/withdraw").status_code == 302
    session.refresh(auth)
    assert auth.withdrawn_at is not None
    # reissue for a lost certificate goes through the officer like an issue
    response = portal.a.post(
        f"/applicant/names/{bn.id}/reissue",
        data={
            "reissue_reason": "lost",
            "commitments": "on",
            "n-0-purpose": "CSKH",
            "n-0-use_sms": "on",
            **{f"app_{k}": v or "" for k, v in org_applicant().items()},
        },
    )
    reissue_id = portal.application_id(response)
    assert session.get(Application, reissue_id).kind == "reissue"
    assert portal.a.post(f"/applicant/applications/{reissue_id}/withdraw").status_code == 302
    # give up needs the confirmation tick, then takes effect at once
    assert portal.a.post(f"/applicant/names/{bn.id}/give-up", data={}).status_code == 400
    assert (
        portal.a.post(
            f"/applicant/names/{bn.id}/give-up", data={"confirm": "on", "note": "Ngừng kinh doanh"}
        ).status_code
        == 302
    )
    session.refresh(bn)
    assert bn.status == "revoked" and bn.revocation_ground == "holder_request"
    assert "HANOIMART" in text(portal.anon.get("/revocations"))
    keys = set(session.scalars(select(Outbox.key)))
    assert {f"received:{app_id}", f"decided:{app_id}:approved", f"issued:{app_id}"} <= keys
    assert any(k.startswith(f"revoked:{bn.id}:") for k in keys)


def test_certificate_download(portal, session):
    issued_for_a(portal, "PDFNAME")
    bn = lifecycle.find_brandname(session, "PDFNAME")
    response = portal.a.get(f"/applicant/names/{bn.id}/certificate.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert "attachment" in response.headers["Content-Disposition"]
    assert bn.current_certificate.serial in response.headers["Content-Disposition"]


# -- officer and supervisor -------------------------------------------------------------------


def test_officer_console_pages(portal, session, registry_helper):
    registry_helper.issue("V1ETSUN")
    app_id = portal.application_id(portal.apply(portal.a, "VIETSUN", files=[("other", "x.png", PNG_BYTES)]))
    for url in CONSOLE_GETS[:-1]:
        assert portal.officer.get(url).status_code == 200, url
    assert portal.officer.get("/officer/accounts").status_code == 403  # the administrator's
    assert portal.supervisor.get("/officer/accounts").status_code == 403
    queue = text(portal.officer.get("/officer/queue"))
    assert "VIETSUN" in queue and "V1ETSUN" in queue  # the confusable warning lists what it resembles
    page = text(portal.officer.get(f"/officer/applications/{app_id}"))
    assert "V1ETSUN" in page and "x.png" in page and "nộp hồ sơ cấp mới số" in page
    doc = session.scalars(select(Document).where(Document.original_filename == "x.png")).one()
    response = portal.officer.get(f"/officer/documents/{doc.id}")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["Content-Disposition"].startswith("inline")
    bn = lifecycle.find_brandname(session, "V1ETSUN")
    name_page = text(portal.officer.get(f"/officer/names/{bn.id}"))
    assert bn.current_certificate.serial in name_page and "cấp giấy chứng nhận số" in name_page
    search = text(portal.officer.get("/officer/search?q=v1et"))
    assert "V1ETSUN" in search
    search = text(portal.officer.get(f"/officer/search?q={bn.current_certificate.serial}"))
    assert f"/officer/names/{bn.id}" in search
    assert "Công ty Cổ phần Ánh Dương" in text(portal.officer.get("/officer/search?q=ánh dương"))
    assert "Công ty Cổ phần Ánh Dương" in text(portal.officer.get("/officer/search?q=0101234"))
    assert portal.officer.get(f"/officer/holders/{bn.holder_id}").status_code == 200
    # staff have no applicant portal
    assert portal.officer.get("/applicant/").status_code == 403


def test_queue_oldest_first_overdue_marked_and_dashboard(portal, session, registry_helper):
    from datetime import datetime

    old = registry_helper.submit("OLDONE", now=datetime(2026, 1, 5, 2, 0))
    new = portal.application_id(portal.apply(portal.a, "NEWONE"))
    queue = text(portal.officer.get("/officer/queue"))
    assert queue.index("OLDONE") < queue.index("NEWONE")
    assert queue.count("row-overdue") == 1
    registry_helper.issue("EXPSOON", now=datetime(2023, 12, 20, 3, 0))  # valid until 2026-12-19
    dash = text(portal.officer.get("/officer/"))
    numbers = re.findall(r'<span class="stat-n">(\d+)</span>', dash)
    assert numbers[0] == "2"  # two awaiting a decision
    assert "1 quá hạn" in dash and f"/officer/applications/{old.id}" in dash
    assert new != old.id


def test_approve_with_per_name_refusal_then_payment(portal, session):
    app_id = portal.application_id(portal.apply(portal.a, "GOODNAME", "BADNAME"))
    application = session.get(Application, app_id)
    bad = application.names[1]
    response = portal.officer.post(
        f"/officer/applications/{app_id}/approve", data={f"refuse-{bad.id}": "on", f"reason-{bad.id}": ""}
    )
    assert response.status_code == 400  # a refusal needs its reason; the page is shown again
    response = portal.officer.post(
        f"/officer/applications/{app_id}/approve",
        data={f"refuse-{bad.id}": "on", f"reason-{bad.id}": "Trùng nhãn hiệu"},
    )
    assert response.status_code == 302
    session.expire_all()
    assert [rn.status for rn in application.names] == ["approved", "rejected"]
    page = text(portal.a.get(f"/applicant/applications/{app_id}"))
    assert "Trùng nhãn hiệu" in page and "Ghi nhận thanh toán" in page
    assert (
        portal.a.post(f"/applicant/applications/{app_id}/payment", data={"reference": ""}).status_code == 400
    )
    assert (
        portal.a.post(f"/applicant/applications/{app_id}/payment", data={"reference": "FT999"}).status_code
        == 302
    )
    payments = text(portal.officer.get("/officer/payments"))
    assert "FT999" in payments
    payment = session.scalars(select(Payment)).one()
    assert portal.officer.post(f"/officer/payments/{payment.id}/confirm").status_code == 302
    session.expire_all()
    assert application.status == "issued" and count(session, Certificate) == 1


def test_two_person_revocation_and_supervisor_only_acts(portal, session, registry_helper):
    bn = registry_helper.issue("SPAMNAME").brandnames[0]
    response = portal.officer.post(
        f"/officer/names/{bn.id}/propose-revocation",
        data={"ground": "spam", "spam-conclusion_number": "", "note": "Ghi chú giữ lại"},
    )
    assert response.status_code == 400 and "Ghi chú giữ lại" in text(response)
    response = portal.officer.post(
        f"/officer/names/{bn.id}/propose-revocation",
        data={
            "ground": "spam",
            "spam-agency": "Bộ Công an",
            "spam-conclusion_number": "15/KL-A05",
            "spam-conclusion_date": "2026-02-20",
        },
    )
    assert response.status_code == 302
    proposal = session.scalars(select(RevocationProposal)).one()
    # an officer cannot confirm; the supervisor can
    assert portal.officer.post(f"/officer/revocations/{proposal.id}/confirm").status_code == 403
    session.refresh(bn)
    assert bn.status == "active"
    listing = text(portal.supervisor.get("/officer/revocations"))
    assert "15/KL-A05" in listing and "Xác nhận thu hồi" in listing
    assert portal.supervisor.post(f"/officer/revocations/{proposal.id}/confirm").status_code == 302
    session.expire_all()
    assert bn.status == "revoked" and bn.revocation_ground == "spam"
    notices = text(portal.anon.get("/revocations"))
    assert "SPAMNAME" in notices and "điểm a khoản 1 Điều 29" in notices and "Bộ Công an" in notices
    # release needs a reason, then frees the name
    assert portal.officer.post(f"/officer/names/{bn.id}/release", data={"reason": ""}).status_code == 400
    assert (
        portal.officer.post(f"/officer/names/{bn.id}/release", data={"reason": "Kết luận bị hủy"}).status_code
        == 302
    )
    session.expire_all()
    assert bn.status == "released"


def test_supervisor_declines_and_manages_officers(portal, app, session, registry_helper, officer):
    bn = registry_helper.issue("DECLINE").brandnames[0]
    proposal = lifecycle.propose_revocation(
        session,
        bn.id,
        actor=lifecycle.Actor.for_account(portal.account_officer),
        ground="authority_request",
        evidence={"agency": "Bộ Công an", "request_number": "7/CV", "request_date": "2026-02-01"},
    )
    assert (
        portal.supervisor.post(
            f"/officer/revocations/{proposal.id}/decline", data={"reason": "Văn bản chưa hợp lệ"}
        ).status_code
        == 302
    )
    session.refresh(proposal)
    assert proposal.status == "declined"
    # staff accounts are the administrator's (dual control: supervisors make no accounts)
    assert portal.admin.get("/officer/accounts").status_code == 200
    response = portal.admin.post(
        "/officer/accounts",
        data={
            "email": "new.officer@cuc.gov.vn",
            "full_name": "Cán bộ Mới",
            "password": "short",
            "role": "officer",
        },
    )
    assert response.status_code == 400 and 'value="new.officer@cuc.gov.vn"' in text(response)
    response = portal.admin.post(
        "/officer/accounts",
        data={
            "email": "new.officer@cuc.gov.vn",
            "full_name": "Cán bộ Mới",
            "password": PASSWORD,
            "role": "officer",
        },
    )
    assert response.status_code == 302
    Portal.login(app.test_client(), "new.officer@cuc.gov.vn", staff=True)
    # disabling an officer stops them signing in
    target = portal.account_officer
    assert portal.admin.post(f"/officer/accounts/{target.id}/active", data={"active": "0"}).status_code == 302
    response = app.test_client().post("/officer/login", data={"email": target.email, "password": PASSWORD})
    assert response.status_code == 401
    assert portal.officer.post(
        f"/officer/accounts/{portal.account_supervisor.id}/active", data={"active": "0"}
    ).status_code in (302, 403)
    session.refresh(portal.account_supervisor)
    assert portal.account_supervisor.is_active_account
    # a disabled account's open session is no longer accepted
    assert portal.officer.get("/officer/").status_code == 302


def test_officer_actions_are_recorded_in_the_audit_trail(portal, session):
    app_id = portal.application_id(portal.apply(portal.a, "AUDITME"))
    portal.officer.post(f"/officer/applications/{app_id}/approve")
    events = session.scalars(select(Event).where(Event.application_id == app_id).order_by(Event.seq)).all()
    assert [e.act for e in events] == ["submit", "attach_document", "approve"]
    assert events[0].actor_label == "a@anhduong.vn" and events[2].actor_label == "can.bo@cuc.gov.vn"
    page = text(portal.officer.get(f"/officer/applications/{app_id}"))
    assert page.index("nộp hồ sơ cấp mới số") < page.index("Cán bộ can.bo chấp thuận tên AUDITME")


def test_auto_refused_competitor_is_told(portal, session):
    first = portal.application_id(portal.apply(portal.a, "RACE"))
    second = portal.application_id(portal.apply(portal.b, "RACE", applicant=person_applicant()))
    response = portal.officer.post(f"/officer/applications/{second}/approve")
    assert response.status_code == 409 and f"Hồ sơ số {first}" in text(response)
    assert portal.officer.post(f"/officer/applications/{first}/approve").status_code == 302
    session.expire_all()
    assert session.get(Application, second).status == "rejected"
    assert (
        session.scalars(select(Outbox).where(Outbox.key == f"decided:{second}:rejected")).one().to
        == "b@example.vn"
    )


def test_form_pages_render_and_add_a_row_without_javascript(portal, session):
    page = text(portal.a.get("/applicant/apply"))
    assert 'value="Công ty Cổ phần Ánh Dương"' in page and "readonly" in page  # pre-filled from the profile
    assert page.count('class="name-row"') == 1
    response = portal.a.post("/applicant/apply", data={"n-0-name": "KEEPME", "add_row": "1"})
    assert response.status_code == 200
    body = text(response)
    assert body.count('class="name-row"') == 2 and 'value="KEEPME"' in body
    assert count(session, Application) == 0  # adding a row submits nothing
    issued_for_a(portal, "FOLLOWUP")
    bn = lifecycle.find_brandname(session, "FOLLOWUP")
    for url, heading in (
        (f"/applicant/names/{bn.id}/reissue", "Đề nghị cấp lại Giấy chứng nhận cho FOLLOWUP"),
        (f"/applicant/names/{bn.id}/renew", "Đề nghị gia hạn tên định danh FOLLOWUP"),
    ):
        body = text(portal.a.get(url))
        assert heading in body and 'name="n-0-name"' not in body


def test_b_sees_only_own_data_in_lists(portal, session):
    issued_for_a(portal, "AONLY")
    b_app = portal.application_id(portal.apply(portal.b, "BONLY", applicant=person_applicant()))
    home_b = text(portal.b.get("/applicant/"))
    assert "BONLY" in home_b and "AONLY" not in home_b and "Lê Hoàng Cường" in home_b
    assert "AONLY" not in text(portal.b.get("/applicant/names"))
    assert "BONLY" not in text(portal.a.get("/applicant/"))
    assert portal.a.get(f"/applicant/applications/{b_app}").status_code == 404


# -- the whole access matrix: every console and portal endpoint x every role ------------------


def _world(portal, session):
    """One of everything, owned by A, so each endpoint has a real id to aim at."""
    app_id = portal.application_id(
        portal.apply(
            portal.a,
            "MATRIXA",
            files=[("other", "m.png", PNG_BYTES), ("enterprise_registration", "dk.pdf", PDF_BYTES)],
        )
    )
    pending = portal.application_id(
        portal.apply(portal.a, "PENDINGB", files=[])
    )  # not a near miss of MATRIXA
    portal.officer.post(f"/officer/applications/{app_id}/approve")
    portal.a.post(f"/applicant/applications/{app_id}/payment", data={"reference": "M1"})
    payment = session.scalars(select(Payment)).one()
    portal.officer.post(f"/officer/payments/{payment.id}/confirm")
    session.expire_all()
    bn = lifecycle.find_brandname(session, "MATRIXA")
    lifecycle.authorize(
        session,
        bn.id,
        actor=lifecycle.Actor.for_account(portal.account_a),
        party_id_number="0311112222",
        party_name="Đại lý",
    )
    proposal = lifecycle.propose_revocation(
        session,
        bn.id,
        actor=lifecycle.Actor.for_account(portal.account_officer),
        ground="spam",
        evidence={"agency": "Bộ Công an", "conclusion_number": "1/KL", "conclusion_date": "2026-01-02"},
    )
    ids = {
        "app": app_id,
        "pending": pending,
        "bn": bn.id,
        "holder": bn.holder_id,
        "doc": session.scalars(select(Document).where(Document.original_filename == "m.png")).one().id,
        "payment": payment.id,
        "proposal": proposal.id,
        "auth": session.scalars(select(Authorization)).one().id,
        "staff": portal.account_officer.id,
    }
    return ids


CONSOLE = [  # (method, url template, officer may, supervisor may, account administrator may)
    ("GET", "/officer/", True, True, False),
    ("GET", "/officer/queue", True, True, False),
    ("GET", "/officer/applications/{app}", True, True, False),
    ("GET", "/officer/documents/{doc}", True, True, False),
    ("GET", "/officer/payments", True, True, False),
    ("GET", "/officer/names/{bn}", True, True, False),
    ("GET", "/officer/holders/{holder}", True, True, False),
    ("GET", "/officer/revocations", True, True, False),
    ("GET", "/officer/search?q=m", True, True, False),
    ("GET", "/officer/accounts", False, False, True),
    ("GET", "/officer/applications/new", True, True, False),
    ("POST", "/officer/applications/{pending}/approve", True, True, False),
    ("POST", "/officer/applications/{pending}/reject", True, True, False),
    ("POST", "/officer/applications/{pending}/request-documents", True, True, False),
    ("POST", "/officer/payments/{payment}/confirm", True, True, False),
    ("POST", "/officer/names/{bn}/propose-revocation", True, True, False),
    ("POST", "/officer/names/{bn}/release", True, True, False),
    ("POST", "/officer/revocations/{proposal}/confirm", False, True, False),
    ("POST", "/officer/revocations/{proposal}/decline", False, True, False),
    ("POST", "/officer/accounts", False, False, True),
    ("POST", "/officer/accounts/{staff}/active", False, False, True),
]
PORTAL = [  # applicant endpoints on A's objects: A may, B gets 404
    ("GET", "/applicant/applications/{app}"),
    ("GET", "/applicant/documents/{doc}"),
    ("GET", "/applicant/names/{bn}"),
    ("GET", "/applicant/names/{bn}/reissue"),
    ("GET", "/applicant/names/{bn}/renew"),
    ("POST", "/applicant/applications/{pending}/payment"),
    ("POST", "/applicant/applications/{pending}/documents"),
    ("POST", "/applicant/applications/{pending}/supplement"),
    ("POST", "/applicant/names/{bn}/authorizations"),
    ("POST", "/applicant/authorizations/{auth}/withdraw"),
    ("POST", "/applicant/names/{bn}/give-up"),
    ("POST", "/applicant/applications/{pending}/withdraw"),
]


def test_access_matrix(portal, session):
    ids = _world(portal, session)
    before = session.scalar(select(func.count()).select_from(Event))

    def call(client, method, url):
        return client.get(url) if method == "GET" else client.post(url, data={})

    for method, template, officer_may, supervisor_may, admin_may in CONSOLE:
        url = template.format(**ids)
        response = call(portal.anon, method, url)
        assert response.status_code == 302 and "/officer/login" in response.headers["Location"], url
        for client in (portal.a, portal.b):
            assert call(client, method, url).status_code == 403, url
        if method == "GET":
            assert (call(portal.officer, method, url).status_code == 200) == officer_may, url
            assert (call(portal.supervisor, method, url).status_code == 200) == supervisor_may, url
            assert (call(portal.admin, method, url).status_code == 200) == admin_may, url
        else:
            if not officer_may:
                assert call(portal.officer, method, url).status_code == 403, url
            if not supervisor_may:
                assert call(portal.supervisor, method, url).status_code == 403, url
            if not admin_may:
                assert call(portal.admin, method, url).status_code == 403, url
    for method, template in PORTAL:
        url = template.format(**ids)
        response = call(portal.anon, method, url)
        assert response.status_code == 302 and "/applicant/login" in response.headers["Location"], url
        assert call(portal.b, method, url).status_code == 404, url
        assert call(portal.officer, method, url).status_code == 403, url
        if method == "GET":
            assert call(portal.a, method, url).status_code == 200, url
    # nobody without the right managed to change anything: no event was appended
    assert session.scalar(select(func.count()).select_from(Event)) == before


def test_queue_is_paginated_oldest_first(portal, session, registry_helper):
    from datetime import datetime, timedelta

    for i in range(55):
        registry_helper.submit(f"Q{i:03d}", now=datetime(2026, 3, 2, 1, 0) + timedelta(minutes=i))
    first = re.findall(r'<span class="name-cell">(Q\d+)</span>', text(portal.officer.get("/officer/queue")))
    second = re.findall(
        r'<span class="name-cell">(Q\d+)</span>', text(portal.officer.get("/officer/queue?page=2"))
    )
    assert first == [f"Q{i:03d}" for i in range(50)] and second == [f"Q{i:03d}" for i in range(50, 55)]
    assert portal.officer.get("/officer/queue?page=999").status_code == 200  # clamped to the last page


def test_officer_enters_a_paper_application(portal, session):
    page = portal.officer.get("/officer/applications/new")
    assert page.status_code == 200 and 'name="app_kind"' in text(page)
    assert portal.a.get("/officer/applications/new").status_code == 403
    assert portal.anon.get("/officer/applications/new").status_code == 302
    data = {
        "app_kind": "individual",
        "app_name": "Ngô Thị Mai",
        "app_id_number": "079188001234",
        "app_address": "Cần Thơ",
        "app_email": "mai@example.vn",
        "app_phone": "0901234567",
        "n-0-name": "MAISHOP",
        "n-0-purpose": "Bán hàng",
        "n-0-use_sms": "on",
    }
    response = portal.officer.post("/officer/applications/new", data=data)
    assert response.status_code == 400 and 'value="Ngô Thị Mai"' in text(response)  # no commitments
    import io

    response = portal.officer.post(
        "/officer/applications/new",
        content_type="multipart/form-data",
        data={
            **data,
            "commitments": "on",
            "doc-0-kind": "id_document",
            "doc-0-file": (io.BytesIO(PDF_BYTES), "cccd.pdf"),
        },
    )
    assert response.status_code == 302
    filed = session.scalars(select(Application).where(Application.account_id.is_(None))).one()
    assert filed.holder.kind == "individual" and filed.names[0].name == "MAISHOP"
    assert session.scalars(select(Document)).one().application_id == filed.id
    assert session.scalars(select(Outbox)).one().to == "mai@example.vn"
    event = session.scalars(select(Event).where(Event.act == "submit")).one()
    assert event.actor_label == "can.bo@cuc.gov.vn"


def test_everyone_changes_their_own_password(portal, app, session):
    for client, url, email, staff in (
        (portal.a, "/applicant/password", "a@anhduong.vn", False),
        (portal.officer, "/officer/password", "can.bo@cuc.gov.vn", True),
    ):
        assert client.get(url).status_code == 200
        response = client.post(
            url, data={"current": "wrong password", "new": "a new password 1", "repeat": "a new password 1"}
        )
        assert response.status_code == 400 and "Mật khẩu hiện tại không đúng" in text(response)
        response = client.post(
            url, data={"current": PASSWORD, "new": "a new password 1", "repeat": "a new password 1"}
        )
        assert response.status_code == 302
        Portal.login(app.test_client(), email, staff=staff, password="a new password 1")
        assert (
            app.test_client()
            .post(
                "/officer/login" if staff else "/applicant/login", data={"email": email, "password": PASSWORD}
            )
            .status_code
            == 401
        )
    assert portal.anon.get("/applicant/password").status_code == 302
    assert portal.a.get("/officer/password").status_code == 403
    assert portal.officer.get("/applicant/password").status_code == 403


def test_account_changes_are_audited(portal, session):
    """Creating, disabling and enabling staff accounts, password changes and lockouts are events."""
    from sqlalchemy import select

    from brandname.lifecycle import accounts
    from brandname.store.models import Account, Event

    def acts_for(email):
        return [
            (e.act, e.actor_label)
            for e in session.scalars(select(Event).where(Event.subject_type == "account").order_by(Event.seq))
            if e.details.get("email") == email
        ]

    response = portal.admin.post(
        "/officer/accounts",
        data={
            "email": "moi@cuc.gov.vn",
            "password": "a long enough password",
            "role": "officer",
            "full_name": "Cán bộ Mới",
        },
    )
    assert response.status_code == 302
    new = session.scalars(select(Account).where(Account.email == "moi@cuc.gov.vn")).one()
    admin = portal.account_admin
    accounts.set_active(session, new.id, False, actor_account=admin)
    accounts.set_active(session, new.id, True, actor_account=admin)
    accounts.change_password(
        session,
        new,
        current="a long enough password",
        new="another long password",
        repeat="another long password",
    )
    for _ in range(5):
        assert (
            accounts.authenticate(session, "moi@cuc.gov.vn", "wrong password", client_key="address:x") is None
        )
    assert acts_for("moi@cuc.gov.vn") == [
        ("create_account", admin.email),
        ("disable_account", admin.email),
        ("enable_account", admin.email),
        ("change_password", "moi@cuc.gov.vn"),
        ("throttle_sign_in", "system"),
    ]
    seqs = list(session.scalars(select(Event.seq).order_by(Event.seq)))
    assert seqs == list(range(1, len(seqs) + 1))
