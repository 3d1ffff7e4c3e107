"""The certificate document: Vietnamese text, layout facts, attachments, QR link, sample PNG."""

import json
import re
import shutil
import subprocess
import unicodedata
from io import BytesIO
from pathlib import Path

import pypdf
import pytest

from brandname.certificates import documents
from brandname.certificates import pdf as certificate_pdf
from brandname.store.models import Certificate

from .conftest import NOW, person_applicant

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def flat(text):
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def page_text(pdf_bytes):
    reader = pypdf.PdfReader(BytesIO(pdf_bytes))
    assert len(reader.pages) == 1
    return flat(reader.pages[0].extract_text())


def render(cert, **kw):
    options = dict(
        public_url="https://brandname.test", signer_title="Cục trưởng", signer_name="Nguyễn Văn Minh"
    )
    options.update(kw)
    options.setdefault("verification_code", cert.verification_code)
    return certificate_pdf.render(cert.record, cert.signature, **options)


@pytest.fixture
def renewed(session, registry_helper):
    registry_helper.issue("ANHDUONG")
    from datetime import datetime

    return registry_helper.followup("renewal", "ANHDUONG", now=datetime(2028, 12, 20, 3, 0)).certificates[0]


def expected_strings(cert, **kw):
    record = json.loads(cert.record)
    options = dict(
        public_url="https://brandname.test", signer_title="Cục trưởng", signer_name="Nguyễn Văn Minh"
    )
    options.update(kw)
    options.setdefault("verification_code", cert.verification_code)
    return [text for _, text in certificate_pdf.form_strings(record, **options)]


def test_every_vietnamese_string_of_the_form_is_extracted_back(renewed):
    pdf = render(renewed)
    text = page_text(pdf)
    strings = expected_strings(renewed)
    # the form itself: header, authority, title, number, holder, name, dates, replacement, signature
    for must in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "BỘ THÔNG TIN VÀ TRUYỀN THÔNG",
        "CỤC AN TOÀN THÔNG TIN",
        "GIẤY CHỨNG NHẬN TÊN ĐỊNH DANH",
        f"Số: {renewed.serial}",
        "Tên tổ chức: Công ty Cổ phần Ánh Dương",
        "Mã số doanh nghiệp: 0101234567",
        "Địa chỉ trụ sở chính: Số 1 Trần Hưng Đạo, Hoàn Kiếm, Hà Nội",
        "ANHDUONG",
        "3. Hình thức sử dụng: Tin nhắn (SMS)",
        "4. Hình thức cấp: Gia hạn",
        "5. Thời hạn hiệu lực: từ ngày 02/03/2029 đến hết ngày 01/03/2032.",
        f"thay thế Giấy chứng nhận số {renewed.previous_serial}",
        "Hà Nội, ngày 20 tháng 12 năm 2028",
        "CỤC TRƯỞNG",
        "(Đã ký số)",
        "Nguyễn Văn Minh",
        f"Mã xác thực: {renewed.verification_code[:5]}-{renewed.verification_code[5:]}",
        f"https://brandname.test/verify/{renewed.serial}?code={renewed.verification_code}",
    ):
        assert must in strings or any(must in s for s in strings), must
    for s in strings:
        # the address is printed on two lines under the QR code when it carries the code
        assert flat(s) in text or flat(s.replace("?code=", " ?code=")) in text, s


def test_title_and_terms_follow_the_decree(session, registry_helper, renewed):
    from datetime import datetime

    text = page_text(render(renewed))
    assert "GIẤY CHỨNG NHẬN TÊN ĐỊNH DANH" in text and "ĐĂNG KÝ TÊN" not in text
    # the renewal's term starts the day after the old expiry (1 March 2029), for three years
    assert "từ ngày 02/03/2029 đến hết ngày 01/03/2032" in text
    assert "Gia hạn (ngày gia hạn: 20/12/2028)" in text
    registry_helper.issue("BINHMINH")
    reissued = registry_helper.followup(
        "reissue", "BINHMINH", now=datetime(2026, 9, 15, 3, 0), reissue_reason="lost"
    ).certificates[0]
    text = page_text(render(reissued))
    assert "từ ngày 02/03/2026 đến hết ngày 01/03/2029" in text  # the original term
    assert "Cấp lại (ngày cấp lại: 15/09/2026)" in text


def test_pdftotext_reads_the_same_vietnamese(renewed, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) not installed")
    path = tmp_path / "c.pdf"
    path.write_bytes(render(renewed))
    out = flat(
        subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True).stdout.decode(
            "utf-8"
        )
    )
    for s in expected_strings(renewed):
        assert flat(s) in out or flat(s.replace("?code=", " ?code=")) in out, s


def test_bundled_font_has_every_glyph_the_form_uses(renewed):
    from reportlab.pdfbase import pdfmetrics

    certificate_pdf.register_fonts()
    used = set("".join(expected_strings(renewed))) | set(
        "ăâđêôơưĂÂĐÊÔƠƯàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
    )
    for font in (certificate_pdf.REGULAR, certificate_pdf.BOLD, certificate_pdf.ITALIC):
        face = pdfmetrics.getFont(font).face
        missing = [ch for ch in used if not ch.isspace() and ord(ch) not in face.charToGlyph]
        assert missing == [], (font, missing)
    licence = certificate_pdf.FONT_DIR / "LICENSE-DejaVu.txt"
    assert "Bitstream" in licence.read_text()


def test_individual_id_number_only_on_their_own_certificate(session, registry_helper):
    cert = registry_helper.issue("CUONGLE", applicant=person_applicant("001203004567")).certificates[0]
    record = json.loads(cert.record)
    assert record["holder"]["id_number"] is None
    assert "001203004567" not in cert.record
    text = page_text(render(cert, holder_id_number="001203004567"))
    assert "1. Cá nhân sử dụng tên định danh" in text
    assert "Họ và tên: Lê Hoàng Cường" in text
    assert "Số CMND/CCCD/Hộ chiếu: 001203004567" in text
    assert "Địa chỉ: Số 5 Lê Lợi, Quận 1, TP. Hồ Chí Minh" in text
    assert "Mã số doanh nghiệp" not in text
    assert "001203004567" not in page_text(render(cert))


def test_record_and_jws_are_embedded_files(renewed):
    pdf = render(renewed)
    files = certificate_pdf.read_attachments(pdf)
    assert files[certificate_pdf.RECORD_FILE] == renewed.record.encode("utf-8")
    assert files[certificate_pdf.SIGNATURE_FILE] == renewed.signature.encode("ascii")
    # and a generic reader sees them too
    attachments = pypdf.PdfReader(BytesIO(pdf)).attachments
    assert attachments[certificate_pdf.RECORD_FILE] == [renewed.record.encode("utf-8")]


def test_qr_code_and_link_open_the_public_verify_page(renewed, tmp_path):
    pdf = render(renewed)
    url = f"https://brandname.test/verify/{renewed.serial}?code={renewed.verification_code}"
    page = pypdf.PdfReader(BytesIO(pdf)).pages[0]
    uris = [
        a.get_object()["/A"]["/URI"]
        for a in page.get("/Annots", [])
        if a.get_object().get("/Subtype") == "/Link"
    ]
    assert uris == [url]
    if shutil.which("pdftoppm") is None or shutil.which("zbarimg") is None:
        pytest.skip("poppler-utils and zbar-tools are needed to decode the printed QR code")
    (tmp_path / "c.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(tmp_path / "c.pdf"), str(tmp_path / "c")],
        check=True,
    )
    decoded = (
        subprocess.run(
            ["zbarimg", "--quiet", "--raw", str(tmp_path / "c.png")], capture_output=True, check=True
        )
        .stdout.decode()
        .split()
    )
    assert decoded == [url]


def test_configured_signer_and_authority(app, session, registry_helper):
    app.config.update(SIGNER_TITLE="KT. Cục trưởng Phó Cục trưởng", SIGNER_NAME="Trần Thị Hoa")
    cert = registry_helper.issue("HOASEN").certificates[0]
    text = page_text(documents.build_certificate_pdf(cert))
    assert "KT. CỤC TRƯỞNG PHÓ CỤC TRƯỞNG" in text
    assert "Trần Thị Hoa" in text


def test_sample_certificate_png_artifact(app, session, registry_helper):
    """Renders the sample that a person looks at (test-artifacts/certificate-sample-1.png)."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils (pdftoppm) not installed")
    app.config.update(SIGNER_NAME="Nguyễn Văn Minh")
    registry_helper.issue("VIETSUN")
    from datetime import timedelta

    cert = registry_helper.followup(
        "reissue", "VIETSUN", now=NOW + timedelta(days=30), reissue_reason="lost"
    ).certificates[0]
    pdf = documents.build_certificate_pdf(cert)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "certificate-sample.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "100",
            "-png",
            "-singlefile",
            str(ARTIFACTS / "certificate-sample.pdf"),
            str(ARTIFACTS / "certificate-sample"),
        ],
        check=True,
    )
    png = ARTIFACTS / "certificate-sample.png"
    assert png.stat().st_size > 20_000
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_certificate_pdf_path_keeps_one_complete_file(app, session, registry_helper):
    cert = registry_helper.issue("KEEPME").certificates[0]
    path = documents.certificate_pdf_path(cert)
    assert path == Path(app.config["DATA_DIR"]) / "certificates" / f"{cert.serial}.pdf"
    first = path.read_bytes()
    stamp = path.stat().st_mtime_ns
    again = documents.certificate_pdf_path(session.get(Certificate, cert.id))
    assert again == path and path.stat().st_mtime_ns == stamp and path.read_bytes() == first
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary files left
    assert first.startswith(b"%PDF-") and b"%%EOF" in first[-32:]


def test_a_failed_render_leaves_no_file(app, session, registry_helper, monkeypatch):
    cert = registry_helper.issue("CRASHME").certificates[0]

    def boom(*a, **kw):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(documents.signing, "sign_pdf", boom)
    with pytest.raises(RuntimeError):
        documents.certificate_pdf_path(cert)
    folder = Path(app.config["DATA_DIR"]) / "certificates"
    assert list(folder.iterdir()) == []


def test_longest_holder_details_still_fit_one_page_without_truncation(renewed):
    record = json.loads(renewed.record)
    record["holder"]["name"] = (
        "Tổng công ty Cổ phần Đầu tư Phát triển Công nghiệp Thương mại Dịch vụ Xuất nhập khẩu Việt Nam "
    ) * 3
    record["holder"]["name"] = record["holder"]["name"][:300].strip()
    record["holder"]["address"] = (
        "Tầng 25, Tòa nhà Keangnam Landmark 72, Phạm Hùng, phường Mễ Trì, quận Nam Từ Liêm, Hà Nội; "
    ) * 6
    record["holder"]["address"] = record["holder"]["address"][:500].strip()
    record["authority"] = "Cục An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao, Bộ Công an"
    from brandname.certificates.signing import canonical_json

    text_record = canonical_json(record).decode()
    pdf = certificate_pdf.render(
        text_record,
        renewed.signature,
        public_url="https://brandname.test",
        signer_title="KT. Cục trưởng\nPhó Cục trưởng",
        signer_name="Trần Văn Bình",
    )
    text = page_text(pdf)  # asserts one page
    for _, s in certificate_pdf.form_strings(
        record,
        public_url="https://brandname.test",
        signer_title="KT. Cục trưởng\nPhó Cục trưởng",
        signer_name="Trần Văn Bình",
    ):
        assert flat(s) in text, s
    assert "BỘ CÔNG AN" in text and "CỤC AN NINH MẠNG VÀ PHÒNG, CHỐNG TỘI PHẠM" in text


def test_an_establishment_decision_is_labelled_as_such_on_the_certificate(session, registry_helper):
    """Art. 24: an organization established by decision is identified by the decision's number,
    printed as "Số quyết định thành lập", not as an enterprise code."""
    from .conftest import org_applicant

    cert = registry_helper.issue("BENHVIEN", applicant=org_applicant(code="1234/QĐ-BYT")).certificates[0]
    lines = expected_strings(cert)
    assert "Số quyết định thành lập: 1234/QĐ-BYT" in lines
    assert not any(line.startswith("Mã số doanh nghiệp") for line in lines)
    assert "Số quyết định thành lập: 1234/QĐ-BYT" in page_text(render(cert))
    other = registry_helper.issue("DOANHNGHIEP").certificates[0]
    assert "Mã số doanh nghiệp: 0101234567" in expected_strings(other)
