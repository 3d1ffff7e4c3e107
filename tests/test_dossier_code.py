"""The dossier code (mã hồ sơ): given at submission, shown to the applicant and the officer, in
the receipt mail and the fee's transfer content."""

from datetime import datetime

from sqlalchemy import select

from brandname.rules import dossier_code
from brandname.store.models import Application, Outbox


def test_a_code_carries_the_hanoi_month_and_six_unconfusable_characters():
    code = dossier_code.new_code(datetime(2026, 12, 31, 17, 30))  # 1 January 2027 in Hanoi
    assert code.startswith("BN-2701-") and dossier_code.PATTERN.match(code)
    assert not set("01ILOUV") & set(dossier_code.ALPHABET)
    assert len({dossier_code.new_code(datetime(2026, 12, 3)) for _ in range(200)}) == 200


def test_a_typed_code_is_read_in_its_canonical_form():
    assert dossier_code.normalize(" bn 2612 abcdef ") == "BN-2612-ABCDEF"
    assert dossier_code.normalize("BN2612ABCDEF") == "BN-2612-ABCDEF"
    for wrong in ("", None, "BN-2612-ABCDE0", "XX-2612-ABCDEF", "BN-2612-ABCDEFG", "BN-26A2-ABCDEF"):
        assert dossier_code.normalize(wrong) is None, wrong


def test_every_submission_gets_its_own_code_shown_to_applicant_officer_and_in_the_mail(portal, session):
    first = portal.application_id(portal.apply(portal.a, "ANHDUONG"))
    second = portal.application_id(portal.apply(portal.a, "DUONGANH"))
    codes = [session.get(Application, i).code for i in (first, second)]
    assert all(dossier_code.PATTERN.match(c) for c in codes) and codes[0] != codes[1]
    assert codes[0] in portal.a.get(f"/applicant/applications/{first}").data.decode()
    assert codes[0] in portal.officer.get(f"/officer/applications/{first}").data.decode()
    mail = session.scalars(select(Outbox).where(Outbox.key == f"received:{first}")).one()
    assert f"Mã hồ sơ: {codes[0]}" in mail.body


def _pdf_text(data):
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_receipt_pdf_gives_code_times_applicant_names_documents_and_due_date(portal, session):
    from .conftest import PDF_BYTES

    response = portal.apply(
        portal.a, "ANHDUONG", "DUONGANH", files=[("enterprise_registration", "dkkd.pdf", PDF_BYTES)]
    )
    application = session.get(Application, portal.application_id(response))
    response = portal.a.get(f"/applicant/applications/{application.id}/receipt.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    text = " ".join(_pdf_text(response.data).split())
    received = dossier_code_time(application.received_at)
    due = dossier_code_time(application.decision_due_at)
    for field in (
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        f"Mã hồ sơ: {application.code}",
        f"Thời điểm tiếp nhận: {received}",
        f"Ngày hẹn trả kết quả: {due}",
        "Công ty Cổ phần Ánh Dương",
        "Mã số doanh nghiệp: 0101234567",
        "ANHDUONG, DUONGANH",
        "Giấy chứng nhận đăng ký doanh nghiệp / quyết định thành lập: dkkd.pdf",
        "Đơn đề nghị cấp tên định danh (Mẫu số 01), nộp trực tuyến",
    ):
        assert field in text, field
    # staff may print it; another applicant, or nobody signed in, may not
    assert portal.officer.get(f"/applicant/applications/{application.id}/receipt.pdf").status_code == 200
    assert portal.b.get(f"/applicant/applications/{application.id}/receipt.pdf").status_code == 404
    assert portal.anon.get(f"/applicant/applications/{application.id}/receipt.pdf").status_code in (302, 401)
    page = portal.a.get(f"/applicant/applications/{application.id}").data.decode()
    assert f"/applicant/applications/{application.id}/receipt.pdf" in page


def dossier_code_time(moment):
    from datetime import timedelta

    return (moment + timedelta(hours=7)).strftime("%d/%m/%Y %H:%M")
