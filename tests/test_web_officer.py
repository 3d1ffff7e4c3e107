"""The officer console's tools and the fixes to its pages: confirmation of irreversible acts,
the audit trail in words, search, assignment, queue filters, exports and statistics."""

import re

from sqlalchemy import select

from brandname import lifecycle
from brandname.store.models import Application, Payment, RevocationProposal


def text(response):
    return response.get_data(as_text=True)


def confirm_forms(html):
    """{form action: data-confirm text} for every form on the page that asks for confirmation."""
    out = {}
    for tag in re.findall(r"<form\b[^>]*>", html):
        action = re.search(r'action="([^"]+)"', tag)
        confirm = re.search(r'data-confirm="([^"]+)"', tag)
        if action:
            out[action.group(1)] = confirm.group(1) if confirm else None
    return out


# -- confirmation of irreversible acts ------------------------------------------------------


def test_every_irreversible_form_asks_for_confirmation_naming_the_name(
    portal, session, registry_helper, officer, supervisor
):
    app_id = portal.application_id(portal.apply(portal.a, "XACNHAN"))
    page = text(portal.officer.get(f"/officer/applications/{app_id}"))
    forms = confirm_forms(page)
    for act in ("approve", "reject"):
        message = forms[f"/officer/applications/{app_id}/{act}"]
        assert message and "XACNHAN" in message and str(app_id) in message, act
    assert 'src="/static/confirm.js"' in page and 'id="confirm-dialog"' in page
    # the applicant's withdrawal
    forms = confirm_forms(text(portal.a.get(f"/applicant/applications/{app_id}")))
    assert "XACNHAN" in forms[f"/applicant/applications/{app_id}/withdraw"]

    # payment confirmation, on the application page and on the payments list
    portal.officer.post(f"/officer/applications/{app_id}/approve")
    portal.a.post(f"/applicant/applications/{app_id}/payment", data={"reference": "FT0001"})
    payment = session.scalars(select(Payment)).one()
    for url in (f"/officer/applications/{app_id}", "/officer/payments"):
        message = confirm_forms(text(portal.officer.get(url)))[f"/officer/payments/{payment.id}/confirm"]
        assert message and "XACNHAN" in message and "FT0001" in message, url

    # revocation: confirm and decline name the name; release too
    bn = registry_helper.issue("THUHOI").brandnames[0]
    lifecycle.propose_revocation(
        session,
        bn.id,
        actor=officer,
        ground="authority_request",
        evidence={"agency": "Bộ Công an", "request_number": "1/CV", "request_date": "2026-03-01"},
    )
    forms = confirm_forms(text(portal.supervisor.get("/officer/revocations")))
    confirmations = [v for k, v in forms.items() if k.startswith("/officer/revocations/")]
    assert len(confirmations) == 2 and all(v and "THUHOI" in v for v in confirmations)
    gone = registry_helper.issue("BOCHOI").brandnames[0]
    lifecycle.give_up(session, gone.id, actor=officer)
    forms = confirm_forms(text(portal.officer.get(f"/officer/names/{gone.id}")))
    assert "BOCHOI" in forms[f"/officer/names/{gone.id}/release"]


def test_confirm_script_is_static_and_allowed_by_the_csp(portal):
    response = portal.anon.get("/static/confirm.js")
    assert response.status_code == 200 and "showModal" in text(response)
    page = portal.anon.get("/")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text(page))  # no inline script


# -- the audit trail in words ----------------------------------------------------------------


def test_audit_trail_in_words_hanoi_time_raw_record_behind_a_toggle(portal, session, registry_helper):
    from datetime import datetime

    application = registry_helper.submit("LOIVAN", "KHACTEN", now=datetime(2026, 3, 2, 3, 0))
    refused = [rn for rn in application.names if rn.name == "KHACTEN"][0]
    response = portal.officer.post(
        f"/officer/applications/{application.id}/approve",
        data={f"refuse-{refused.id}": "on", f"reason-{refused.id}": "Trùng nhãn hiệu đã bảo hộ"},
    )
    assert response.status_code == 302
    page = text(portal.officer.get(f"/officer/applications/{application.id}"))
    trail = page[page.index("Nhật ký xử lý") :]
    assert "Cán bộ can.bo chấp thuận tên LOIVAN" in trail
    assert "từ chối tên KHACTEN: Trùng nhãn hiệu đã bảo hộ" in trail
    assert f"nộp hồ sơ cấp mới số {application.id}, tên LOIVAN, KHACTEN" in trail
    assert "02/03/2026 10:00" in trail  # 03:00 UTC is 10:00 in Hanoi
    assert "<code>approve</code>" not in trail and "{&#39;" not in trail
    raw = trail[trail.index("<details") : trail.index("</details>")]
    assert "Chi tiết bản ghi" in raw and '"act": "submit"' in raw
    # in English, the same events in English words
    portal.officer.get("/lang/en")
    english = text(portal.officer.get(f"/officer/applications/{application.id}"))
    assert "Officer can.bo approved the names LOIVAN" in english


def test_revocation_in_the_trail_names_its_ground_and_evidence(portal, session, registry_helper, supervisor):
    bn = registry_helper.issue("RACTIN").brandnames[0]
    portal.officer.post(
        f"/officer/names/{bn.id}/propose-revocation",
        data={
            "ground": "spam",
            "spam-agency": "Bộ Công an",
            "spam-conclusion_number": "12/KL-A05",
            "spam-conclusion_date": "2026-03-01",
        },
    )
    proposal_id = session.scalars(select(RevocationProposal.id)).one()
    assert portal.supervisor.post(f"/officer/revocations/{proposal_id}/confirm").status_code == 302
    page = text(portal.officer.get(f"/officer/names/{bn.id}"))
    trail = page[page.index("Nhật ký xử lý") :]
    assert "Lãnh đạo lanh.dao thu hồi tên RACTIN" in trail
    assert "Cán bộ can.bo đề xuất thu hồi tên RACTIN" in trail
    assert (
        "điểm a khoản 1 Điều 29 Nghị định số 91/2020/NĐ-CP: tên định danh được sử dụng để gửi tin nhắn rác"
        in trail
        and "Ngày kết luận: 01/03/2026" in trail
    )
    assert "cấp giấy chứng nhận số" in trail


# -- the revocation form speaks in words -----------------------------------------------------


def test_revocation_form_errors_are_words_not_field_codes(portal, session, registry_helper):
    bn = registry_helper.issue("LOIFORM").brandnames[0]
    response = portal.officer.post(
        f"/officer/names/{bn.id}/propose-revocation",
        data={"ground": "spam", "spam-agency": "Bộ Công an", "spam-conclusion_number": "1/KL"},
    )
    body = text(response)
    assert response.status_code == 400 and "Thiếu căn cứ chứng minh: ngày kết luận." in body
    assert "conclusion_date" not in re.sub(r'(name|id|for)="[^"]*"', "", body)
    response = portal.officer.post(
        f"/officer/names/{bn.id}/propose-revocation",
        data={
            "ground": "spam",
            "spam-agency": "Bộ Công an",
            "spam-conclusion_number": "1/KL",
            "spam-conclusion_date": "31/02/2026",
        },
    )
    assert "Ngày kết luận không hợp lệ" in text(response)
    response = portal.officer.post(f"/officer/names/{bn.id}/propose-revocation", data={"ground": "bogus"})
    assert "Căn cứ này không thu hồi theo đề xuất của cán bộ." in text(response)
    portal.officer.get("/lang/en")
    response = portal.officer.post(
        f"/officer/names/{bn.id}/propose-revocation",
        data={
            "ground": "authority_request",
            "authority_request-agency": "Bộ Công an",
            "authority_request-request_number": "HD1",
        },
    )
    assert "Missing evidence: the date of the request." in text(response)
    # ground (b) with no maintenance charge in force: refused in words, whatever is typed
    response = portal.officer.post(
        f"/officer/names/{bn.id}/propose-revocation", data={"ground": "arrears", "arrears-invoice": "HD1"}
    )
    assert "No maintenance charge is in force" in text(response)
    # a date typed dd/mm/yyyy is accepted and kept as a date
    response = portal.officer.post(
        f"/officer/names/{bn.id}/propose-revocation",
        data={
            "ground": "spam",
            "spam-agency": "Bộ Công an",
            "spam-conclusion_number": "1/KL",
            "spam-conclusion_date": "01/03/2026",
        },
    )
    assert response.status_code == 302
    assert session.scalars(select(RevocationProposal)).one().evidence["conclusion_date"] == "2026-03-01"


# -- dates as dd/mm/yyyy ---------------------------------------------------------------------

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def test_revoked_name_lookup_and_notices_show_dd_mm_yyyy(
    portal, session, registry_helper, officer, supervisor
):
    from brandname.store.models import Outbox

    bn = registry_helper.issue("NGAYTHU").brandnames[0]
    proposal = lifecycle.propose_revocation(
        session,
        bn.id,
        actor=officer,
        ground="spam",
        evidence={"agency": "Bộ Công an", "conclusion_number": "12/KL", "conclusion_date": "2026-03-01"},
    )
    lifecycle.confirm_revocation(session, proposal.id, actor=supervisor)
    session.refresh(bn)
    day = (
        bn.revoked_at.replace(tzinfo=__import__("datetime").timezone.utc)
        .astimezone(__import__("brandname.rules.dates", fromlist=["VN_TZ"]).VN_TZ)
        .strftime("%d/%m/%Y")
    )
    lookup = text(portal.anon.get("/lookup?q=ngaythu"))
    assert f"từ ngày {day}" in lookup and "điểm a khoản 1 Điều 29" in lookup
    for url in ("/lookup?q=ngaythu", "/revocations"):
        assert not ISO_DATE.search(re.sub(r'<time datetime="[^"]*"', "", text(portal.anon.get(url)))), url
    officer_pages = [text(portal.officer.get(u)) for u in ("/officer/revocations", f"/officer/names/{bn.id}")]
    for page in officer_pages:
        visible = re.sub(r"<details.*?</details>|<time datetime=\"[^\"]*\"", "", page, flags=re.DOTALL)
        assert not ISO_DATE.search(visible)
    assert "01/03/2026" in officer_pages[0]
    for mail in session.scalars(select(Outbox)):
        assert not ISO_DATE.search(mail.subject + mail.body), mail.key


# -- officer search --------------------------------------------------------------------------


def test_officer_search_ignores_diacritics_and_takes_wildcards_literally(portal, session, registry_helper):
    from .conftest import org_applicant

    registry_helper.issue("SAIGON", applicant=org_applicant("0301112223", "Công ty TNHH Sài Gòn Xanh"))
    registry_helper.issue("TRAMPT", applicant=org_applicant("0301112224", "Công ty Trăm_Phần 100% Việt"))

    def holders(q):
        page = text(portal.officer.get("/officer/search", query_string={"q": q}))
        return set(re.findall(r'<a href="/officer/holders/\d+">([^<]+)</a>', page))

    for q in ("sai gon", "SAI GON", "Sài Gòn", "sài gòn xanh", "cong ty tnhh sai"):
        assert holders(q) == {"Công ty TNHH Sài Gòn Xanh"}, q
    assert holders("viet") == {"Công ty Trăm_Phần 100% Việt"}
    # % and _ are characters, not wildcards
    assert holders("%") == {"Công ty Trăm_Phần 100% Việt"}
    assert holders("100%") == {"Công ty Trăm_Phần 100% Việt"}
    assert holders("m_p") == {"Công ty Trăm_Phần 100% Việt"}
    assert holders("_") == {"Công ty Trăm_Phần 100% Việt"}
    assert holders("n_x") == set() and holders("s%n") == set()
    page = text(portal.officer.get("/officer/search", query_string={"q": "saigon"}))
    assert "SAIGON" in page
    page = text(portal.officer.get("/officer/search", query_string={"q": "s_igon"}))
    assert "SAIGON" not in page


# -- the dossier's mandatory document --------------------------------------------------------


def test_the_officer_sees_whether_the_mandatory_document_is_attached(portal, session):
    from .conftest import PDF_BYTES

    bare = portal.application_id(portal.apply(portal.a, "THIEUGIAY", files=[]))
    page = portal.officer.get(f"/officer/applications/{bare}").get_data(as_text=True)
    assert 'id="dossier-missing"' in page
    assert (
        "Giấy chứng nhận đăng ký doanh nghiệp / quyết định thành lập"
        in page.split('id="dossier-missing"')[1][:400]
    )
    full = portal.application_id(
        portal.apply(portal.a, "DUGIAY", files=[("enterprise_registration", "dkkd.pdf", PDF_BYTES)])
    )
    page = portal.officer.get(f"/officer/applications/{full}").get_data(as_text=True)
    assert 'id="dossier-complete"' in page and 'id="dossier-missing"' not in page
    portal.officer.get("/lang/en")
    page = portal.officer.get(f"/officer/applications/{bare}").get_data(as_text=True)
    assert "lacks its mandatory document" in page


# -- confusable warnings stay on the record --------------------------------------------------


def warning_cell(html, name):
    row = re.search(rf'<td class="name-cell"[^>]*>{name}</td>.*?</tr>', html, re.S).group(0)
    return re.sub(r"<[^>]+>", " ", row)


def test_confusable_warning_stays_on_the_record_after_the_decision(portal, session, registry_helper):
    registry_helper.issue("SAOMAI")
    refused = portal.application_id(portal.apply(portal.a, "SA0MAI"))
    approved = portal.application_id(portal.apply(portal.b, "5AOMA1"))
    for app_id, name in ((refused, "SA0MAI"), (approved, "5AOMA1")):
        assert "SAOMAI" in warning_cell(text(portal.officer.get(f"/officer/applications/{app_id}")), name)
    portal.officer.post(f"/officer/applications/{refused}/reject", data={"reasons": "Dễ nhầm với SAOMAI."})
    # approving waits for the officer's decision on the warning; the page says which name lacks one
    undecided = portal.officer.post(f"/officer/applications/{approved}/approve")
    assert undecided.status_code == 409
    assert "Chưa ghi kết luận về mọi cảnh báo dễ nhầm lẫn của tên 5AOMA1" in text(undecided)
    warnings_panel = text(undecided)[text(undecided).index('id="warnings"') :]
    assert "Chưa có kết luận: cần ghi trước khi chấp thuận tên này." in warnings_panel
    assert session.get(Application, approved).status == "submitted"
    portal.officer.get("/lang/en")
    english = text(portal.officer.post(f"/officer/applications/{approved}/approve"))
    assert "Not every confusion warning of 5AOMA1 has a recorded decision" in english
    portal.officer.get("/lang/vi")
    requested = session.get(Application, approved).names[0]
    warning = lifecycle.queries.decision_warnings(session, requested.application)["5AOMA1"][0]
    decided = portal.officer.post(
        f"/officer/applications/{approved}/names/{requested.id}/warning",
        data={
            "kind": warning["kind"],
            "name": "SAOMAI",
            "decision": "not_confusable",
            "note": "khác lĩnh vực",
        },
    )
    assert decided.status_code == 302
    assert "Chưa có kết luận" not in text(portal.officer.get(f"/officer/applications/{approved}"))
    assert portal.officer.post(f"/officer/applications/{approved}/approve").status_code == 302
    for app_id, name in ((refused, "SA0MAI"), (approved, "5AOMA1")):
        page = text(portal.officer.get(f"/officer/applications/{app_id}"))
        assert "SAOMAI" in warning_cell(page, name), app_id
    trail = page[page.index("Nhật ký xử lý") :]
    assert "kết luận tên 5AOMA1 không gây nhầm lẫn với SAOMAI" in trail and "khác lĩnh vực" in trail
    assert "chấp thuận tên 5AOMA1" in trail


# -- assignment ------------------------------------------------------------------------------


def queue_rows(html):
    """{application id: the row's text} of the queue table."""
    rows = {}
    for row in re.findall(r"<tr[^>]*>\s*<td><a href=\"/officer/applications/(\d+)\">.*?</tr>", html, re.S):
        rows[int(row)] = None
    for ident, body in re.findall(r'<a href="/officer/applications/(\d+)">(.*?)</tr>', html, re.S):
        rows[int(ident)] = " ".join(re.sub(r"<[^>]+>", " ", body).split())
    return rows


def test_an_officer_takes_a_dossier_and_a_supervisor_reassigns_it(portal, session, registry_helper):
    from brandname.errors import Conflict, Forbidden
    from brandname.store.models import Application, Event

    mine = registry_helper.submit("NHANVIEC")
    other = registry_helper.submit("CHUANHAN")
    response = portal.officer.post(f"/officer/applications/{mine.id}/take")
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Application, mine.id).assigned_to_id == portal.account_officer.id
    rows = queue_rows(text(portal.officer.get("/officer/queue")))
    assert "can.bo" in rows[mine.id] and "Chưa ai nhận" in rows[other.id]
    # "my dossiers"
    assert set(queue_rows(text(portal.officer.get("/officer/queue?assignee=me")))) == {mine.id}
    assert set(queue_rows(text(portal.officer.get("/officer/queue?assignee=none")))) == {other.id}

    # another caseworker cannot take it; only a supervisor reassigns
    supervisor = lifecycle.Actor.for_account(portal.account_supervisor)
    try:
        lifecycle.take(session, mine.id, actor=supervisor)
    except Conflict as exc:
        assert "can.bo" in exc.message_vi
    else:
        raise AssertionError("a held dossier was taken")
    officer = lifecycle.Actor.for_account(portal.account_officer)
    try:
        lifecycle.assign(session, other.id, actor=officer, assignee_id=portal.account_officer.id)
    except Forbidden:
        pass
    else:
        raise AssertionError("an officer assigned a dossier")
    response = portal.supervisor.post(
        f"/officer/applications/{mine.id}/assign", data={"assignee": portal.account_supervisor.id}
    )
    assert response.status_code == 302
    page = text(portal.supervisor.get(f"/officer/applications/{mine.id}"))
    assert "Đang do lanh.dao xử lý" in page
    acts = session.scalars(
        select(Event.act).where(Event.application_id == mine.id, Event.act.in_(("take", "assign")))
    ).all()
    assert acts == ["take", "assign"]
    assert "nhận xử lý hồ sơ số" in page and "giao hồ sơ số" in page  # the trail in words
    # an assignee must do casework; nothing changes otherwise
    response = portal.supervisor.post(
        f"/officer/applications/{other.id}/assign", data={"assignee": portal.account_admin.id}
    )
    session.expire_all()
    assert session.get(Application, other.id).assigned_to_id is None
    assert "Người được giao phải là cán bộ" in text(
        portal.supervisor.get(f"/officer/applications/{other.id}")
    )
    # a decided dossier is not assigned any more
    lifecycle.reject(session, other.id, actor=officer, reasons="Thiếu giấy tờ.")
    portal.officer.post(f"/officer/applications/{other.id}/take")
    session.expire_all()
    assert session.get(Application, other.id).assigned_to_id is None


# -- queue filters and sorting ----------------------------------------------------------------


def _queue(portal, **args):
    response = portal.officer.get("/officer/queue", query_string=args)
    return response.status_code, list(queue_rows(text(response)))


def test_queue_filters_and_sorting(portal, session, registry_helper):
    from datetime import timedelta

    from .conftest import NOW, org_applicant

    early = registry_helper.submit("SOMNHAT", now=NOW - timedelta(days=10))
    registry_helper.issue("MATTROI")
    warned = registry_helper.submit("MATTR0I", now=NOW)  # resembles a registered name
    renewal = lifecycle.submit(
        session,
        kind="reissue",
        brandname="MATTROI",
        applicant=org_applicant(),
        names=None,
        actor=registry_helper.officer,
        commitments_confirmed=True,
        reissue_reason="lost",
        now=NOW + timedelta(days=2),
    )
    decided = registry_helper.submit("DAXONG", now=NOW)
    lifecycle.reject(session, decided.id, actor=registry_helper.officer, reasons="Không đủ điều kiện.")
    lifecycle.take(session, warned.id, actor=lifecycle.Actor.for_account(portal.account_officer))

    assert _queue(portal) == (200, [early.id, warned.id, renewal.id])  # received, earliest first
    assert _queue(portal, sort="-received")[1] == [renewal.id, warned.id, early.id]
    assert _queue(portal, sort="due")[1][0] == early.id
    assert _queue(portal, kind="reissue")[1] == [renewal.id]
    assert _queue(portal, kind="renewal")[1] == []
    assert _queue(portal, status="rejected")[1] == [decided.id]
    assert set(_queue(portal, status="all")[1]) >= {early.id, warned.id, renewal.id, decided.id}
    assert _queue(portal, warning="1")[1] == [warned.id]
    assert _queue(portal, assignee=str(portal.account_officer.id))[1] == [warned.id]
    assert _queue(portal, overdue="1")[1] == [early.id, warned.id, renewal.id]  # the clock is today
    # received between two Hanoi days, both inclusive; dd/mm/yyyy or ISO
    assert _queue(portal, **{"from": "02/03/2026", "to": "2026-03-02"})[1] == [warned.id]
    assert _queue(portal, **{"from": "2026-03-03"})[1] == [renewal.id]
    # bad input: a clear message, the default queue
    status, _rows = _queue(portal, **{"from": "31/02/2026"})
    assert status == 400
    page = text(portal.officer.get("/officer/queue", query_string={"from": "hôm qua"}))
    assert "không hợp lệ: hãy ghi ngày theo dạng dd/mm/yyyy" in page
    assert _queue(portal, status="bogus")[0] == 400


# -- exports ----------------------------------------------------------------------------------


def test_exports_as_csv_with_bom_and_xlsx(portal, session, registry_helper, officer):
    from io import BytesIO

    from openpyxl import load_workbook

    from .conftest import org_applicant

    registry_helper.issue("XUATFILE", applicant=org_applicant("0309998887", "Công ty Đồng Xuân"))
    gone = registry_helper.issue("THUHOIX").brandnames[0]
    lifecycle.give_up(session, gone.id, actor=officer)
    pending = registry_helper.submit("CHOXUAT", applicant=org_applicant("0309998886", "Công ty Sài Gòn"))

    response = portal.officer.get("/officer/export/queue.csv?kind=issue")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the byte-order mark
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Số hồ sơ,Loại hồ sơ,Trạng thái,Người đăng ký")
    assert len(lines) == 2 and f"{pending.id},Cấp mới" in lines[1] and "Công ty Sài Gòn" in lines[1]

    response = portal.officer.get("/officer/export/names.xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Tên định danh", "Trạng thái", "Tổ chức, cá nhân sử dụng")
    register = {r[0]: r for r in rows[1:]}
    assert register["XUATFILE"][1] == "Đang hoạt động" and register["XUATFILE"][2] == "Công ty Đồng Xuân"
    assert register["THUHOIX"][1] == "Đã thu hồi"
    assert register["XUATFILE"][5].strftime("%d/%m/%Y") == "02/03/2026"

    sheet = load_workbook(BytesIO(portal.officer.get("/officer/export/revocations.xlsx").get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Tên định danh", "Ngày thu hồi", "Căn cứ") and rows[1][0] == "THUHOIX"
    assert "Điểm d khoản 1 Điều 29" in rows[1][2]
    csv_text = portal.officer.get("/officer/export/revocations.csv").get_data().decode("utf-8-sig")
    assert "THUHOIX" in csv_text and re.search(r"\d\d/\d\d/\d{4}", csv_text)
    # staff only
    assert portal.a.get("/officer/export/names.csv").status_code == 403
    assert portal.officer.get("/officer/export/names.pdf").status_code == 404


# -- statistics -------------------------------------------------------------------------------


def test_monthly_statistics_table_charts_and_export(portal, session, registry_helper, officer):
    from datetime import timedelta
    from io import BytesIO

    from openpyxl import load_workbook

    from brandname.lifecycle import reports

    from .conftest import NOW

    registry_helper.issue("THANGBA")  # March: received, decided on time, issued, fee
    late = registry_helper.submit("TREHAN", now=NOW)
    lifecycle.reject(session, late.id, actor=officer, reasons="Trễ.", now=NOW + timedelta(days=5))
    bn = registry_helper.issue("THANGTU", now=NOW + timedelta(days=31)).brandnames[0]  # April
    registry_helper.followup("reissue", "THANGTU", now=NOW + timedelta(days=40), reissue_reason="lost")
    lifecycle.give_up(session, bn.id, actor=officer, now=NOW + timedelta(days=45))

    stats = reports.monthly_statistics(session, 2026)
    series = stats["series"]
    assert series["received"][2] == 2 and series["received"][3] == 2
    assert series["on_time"][2] == 1 and series["late"][2] == 1
    assert series["issue"][2] == 1 and series["issue"][3] == 1 and series["reissue"][3] == 1
    assert stats["revoked"]["holder_request"][3] == 1
    assert stats["fees"][2] > 0 and sum(stats["fees"]) > stats["fees"][2]

    response = portal.officer.get("/officer/statistics?year=2026")
    html = text(response)
    assert response.status_code == 200 and html.count("<svg") == 4
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) and "style=" not in html
    row = re.search(r'<tr data-series="received">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r'<td class="num">(?:<strong>)?(\d+)', row) == ["0", "0", "2", "2"] + ["0"] * 8 + ["4"]
    sheet = load_workbook(
        BytesIO(portal.officer.get("/officer/export/statistics.xlsx?year=2026").get_data())
    ).active
    rows = {r[0]: r for r in sheet.iter_rows(values_only=True)}
    assert rows["Chỉ tiêu"][1] == "Tháng 1" and rows["Hồ sơ tiếp nhận"][3:5] == (2, 2)
    assert rows["Hồ sơ tiếp nhận"][13] == 4


# -- paper dossiers: the real receipt time -----------------------------------------------------


def test_a_paper_dossier_counts_its_deadline_from_its_real_receipt(portal, session):
    from datetime import timedelta

    from brandname.rules import dates
    from brandname.store.models import Application

    data = {
        "app_kind": "organization",
        "app_name": "Công ty Giấy Tờ",
        "app_id_number": "0301239999",
        "app_address": "Đà Nẵng",
        "app_email": "giay@example.vn",
        "app_phone": "0236 3888 999",
        "app_legal_representative": "Hồ Văn Giấy",
        "app_contact_person": "Hồ Thị Tờ",
        "n-0-name": "GIAYTO",
        "n-0-purpose": "Thông báo",
        "n-0-use_sms": "on",
        "commitments": "on",
    }
    day = dates.local_today() - timedelta(days=3)
    for bad, words in (
        ({"received_day": (day + timedelta(days=10)).isoformat()}, "không được ở tương lai"),
        ({"received_day": (day - timedelta(days=40)).strftime("%d/%m/%Y")}, "không được sớm hơn 30 ngày"),
        ({"received_day": "31/02/2026"}, "Ngày giờ tiếp nhận không hợp lệ"),
    ):
        response = portal.officer.post("/officer/applications/new", data={**data, **bad})
        assert response.status_code == 400 and words in text(response), bad
        assert session.scalars(select(Application)).all() == []
    response = portal.officer.post(
        "/officer/applications/new",
        data={**data, "received_day": day.strftime("%d/%m/%Y"), "received_time": "09:30"},
    )
    assert response.status_code == 302, re.findall(r"notice-error.*?</div>", text(response), re.S)
    filed = session.scalars(select(Application)).one()
    assert filed.on_paper and dates.local_date(filed.received_at) == day
    assert filed.received_at.hour == 2 and filed.received_at.minute == 30  # 09:30 in Hanoi
    assert filed.decision_due_at == dates.decision_deadline(
        filed.received_at, lifecycle.DEFAULT_RULES.holidays
    )
    assert filed.decision_due_at < dates.utcnow()  # received three days ago: already overdue
    row = queue_rows(text(portal.officer.get("/officer/queue")))[filed.id]
    assert "hồ sơ giấy" in row and "Quá hạn" in row and day.strftime("%d/%m/%Y") in row
    # only staff date a receipt
    from brandname.errors import Forbidden

    from .conftest import name_entry, org_applicant

    try:
        lifecycle.submit(
            session,
            applicant=org_applicant(),
            names=[name_entry("TUKHAI")],
            actor=lifecycle.Actor.for_account(portal.account_a),
            commitments_confirmed=True,
            paper_received_at=dates.utcnow() - timedelta(days=1),
        )
    except Forbidden:
        pass
    else:
        raise AssertionError("an applicant dated its own receipt")


# -- change-of-details reissue: before and after ------------------------------------------------


def test_change_of_details_reissue_shows_before_and_after(portal, session, registry_helper):
    from .conftest import org_applicant

    old = registry_helper.issue("DOIDIACHI").certificates[0]
    moved = {**org_applicant(), "address": "25 Lý Thường Kiệt, Hoàn Kiếm, Hà Nội"}
    reissue = lifecycle.submit(
        session,
        kind="reissue",
        brandname="DOIDIACHI",
        applicant=moved,
        names=None,
        actor=registry_helper.officer,
        commitments_confirmed=True,
        reissue_reason="changed_details",
    )

    def compared():
        html = text(portal.officer.get(f"/officer/applications/{reissue.id}"))
        assert f"Thay đổi so với giấy chứng nhận số {old.serial}" in html
        rows = re.findall(r'<tr class="(changed|same)" data-field="(\w+)">(.*?)</tr>', html, re.S)
        return {f: (c, " ".join(re.sub(r"<[^>]+>", " ", body).split())) for c, f, body in rows}

    rows = compared()
    assert rows["address"][0] == "changed"
    assert "Số 1 Trần Hưng Đạo" in rows["address"][1] and "25 Lý Thường Kiệt" in rows["address"][1]
    assert rows["holder_name"][0] == "same" and rows["forms_of_use"][0] == "same"
    # once issued, the comparison still shows the certificate it replaced
    registry_helper.approve(reissue)
    registry_helper.pay_and_issue(reissue)
    rows = compared()
    assert rows["address"][0] == "changed" and "Số 1 Trần Hưng Đạo" in rows["address"][1]
    # a new issue has no comparison
    assert "Thay đổi so với giấy chứng nhận" not in text(
        portal.officer.get(f"/officer/applications/{old.application_id}")
    )


def test_the_variants_acts_read_as_sentences_in_the_watch_list_trail(portal, session, registry_helper):
    bn = registry_helper.issue("SAOVIET").brandnames[0]
    holder = lifecycle.Actor("applicant", "an@saoviet.vn", None, bn.holder_id)
    asked = lifecycle.request_variant(session, bn.id, actor=holder, name="SVPay")
    lifecycle.approve_variant(session, asked.id, actor=registry_helper.officer)
    refused = lifecycle.request_variant(session, bn.id, actor=holder, name="SVMoney")
    lifecycle.reject_variant(session, refused.id, actor=registry_helper.officer, note="Không giống tên")
    page = text(portal.officer.get("/officer/watch"))
    trail = page[page.index("Nhật ký xử lý") :]
    assert "đề nghị bảo vệ biến thể SVPay của tên SAOVIET" in trail
    assert "bảo vệ biến thể SVPay của tên SAOVIET" in trail
    assert "từ chối bảo vệ biến thể SVMoney của tên SAOVIET" in trail and "Không giống tên" in trail
    assert "thực hiện thao tác" not in trail  # every act in words
    portal.officer.get("/lang/en")
    english = text(portal.officer.get("/officer/watch"))
    assert "protected the variant SVPay of SAOVIET" in english
    assert "refused to protect the variant SVMoney of SAOVIET" in english
