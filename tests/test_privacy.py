"""Individual holders on public answers (Decree 13/2023/NĐ-CP): the name masked, no address, no
ID number; organizations in full. The certificate PDF still carries the full signed record."""

import json
from io import BytesIO

import pytest

from brandname.certificates import documents
from brandname.certificates import pdf as certificate_pdf
from brandname.rules import privacy

from .conftest import org_applicant, person_applicant

FULL_NAME = "Lê Hoàng Cường"
ADDRESS = "Số 5 Lê Lợi, Quận 1, TP. Hồ Chí Minh"
ID_NUMBER = "001203004567"


@pytest.mark.parametrize(
    "name,masked",
    [
        ("Nguyễn Văn An", "Nguyễn V. A."),
        ("Lê Hoàng Cường", "Lê H. C."),
        ("  Trần   Thị  Bình ", "Trần T. B."),
        ("Đặng Ánh", "Đặng Á."),
        ("Madonna", "M."),
        ("", ""),
    ],
)
def test_mask_person_name(name, masked):
    assert privacy.mask_person_name(name) == masked


def test_public_holder_name_keeps_organizations_whole():
    assert privacy.public_holder_name("organization", "Công ty Cổ phần Ánh Dương") == (
        "Công ty Cổ phần Ánh Dương"
    )
    assert privacy.public_holder_name("individual", "Nguyễn Văn An") == "Nguyễn V. A."
    assert privacy.public_holder_address("individual", ADDRESS) is None
    assert privacy.public_holder_address("organization", "Số 1 Tràng Tiền") == "Số 1 Tràng Tiền"


@pytest.fixture
def person_cert(registry_helper):
    return registry_helper.issue("CUONGLE", applicant=person_applicant(ID_NUMBER)).certificates[0]


@pytest.fixture
def org_cert(registry_helper):
    return registry_helper.issue("ANHDUONG", applicant=org_applicant()).certificates[0]


def public_urls(cert):
    return [
        f"/verify/{cert.serial}?code={cert.verification_code}",
        f"/api/v1/public/certificates/{cert.serial}?code={cert.verification_code}",
        f"/lookup?q={cert.brandname.name}",
        f"/api/v1/search?q={cert.brandname.name}",
    ]


def text_of(response):
    """The answer as text, JSON with its non-ASCII letters unescaped."""
    if response.is_json:
        return json.dumps(response.get_json(), ensure_ascii=False)
    return response.get_data(as_text=True)


def assert_hidden(response, cert):
    text = text_of(response)
    for secret in (FULL_NAME, "Hoàng", "Cường", "Lê Lợi", "Quận 1", ID_NUMBER):
        assert secret not in text
    # the JWS carries the record in base64url: it must not be there either
    assert cert.signature.split(".")[1] not in text


def test_public_answers_mask_an_individual(client, person_cert):
    for url in public_urls(person_cert):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_hidden(response, person_cert)
        assert "Lê H. C." in text_of(response), url
    body = client.get(public_urls(person_cert)[1]).get_json()
    assert body["record"] is None and body["signature"] is None  # the JWS would carry the record
    assert body["holder"] == {"kind": "individual", "name": "Lê H. C.", "id_number": None, "address": None}
    assert body["name"] == "CUONGLE" and body["status"] == "active"


def test_public_answers_show_an_organization_in_full(client, keys, org_cert):
    holder = org_applicant()
    for url in public_urls(org_cert):
        response = client.get(url)
        assert response.status_code == 200, url
        assert holder["name"] in text_of(response), url
    body = client.get(public_urls(org_cert)[1]).get_json()
    assert body["record"] == org_cert.record and body["signature"] == org_cert.signature
    assert (
        body["holder"]["address"] == holder["address"] and body["holder"]["id_number"] == holder["id_number"]
    )
    keys.verify(body["signature"], body["record"].encode())


def test_the_pdf_still_carries_the_full_signed_record(client, keys, person_cert):
    data = documents.certificate_pdf_path(person_cert).read_bytes()
    record = certificate_pdf.read_attachments(data)[certificate_pdf.RECORD_FILE]
    assert record == person_cert.record.encode()
    holder = json.loads(record)["holder"]
    assert holder["name"] == FULL_NAME and holder["address"] == ADDRESS
    jws = certificate_pdf.read_attachments(data)[certificate_pdf.SIGNATURE_FILE].decode()
    keys.verify(jws, record)
    response = client.post(
        "/verify", data={"pdf": (BytesIO(data), "gcn.pdf")}, content_type="multipart/form-data"
    )
    assert response.status_code == 200 and "Tệp PDF là bản thật" in response.get_data(as_text=True)
    assert_hidden(response, person_cert)


# -- public lookups are rate-limited per client ------------------------------------------------


@pytest.fixture
def limited_client(app):
    app.config["PUBLIC_LOOKUP_RATE_LIMIT"] = "5 per minute"
    return app.test_client()


def test_public_lookups_share_one_allowance_per_client(limited_client, person_cert):
    urls = public_urls(person_cert)
    statuses = [limited_client.get(urls[i % len(urls)]).status_code for i in range(5)]
    assert statuses == [200] * 5
    # every public lookup route is refused now, whichever the harvester turns to
    for url in urls:
        response = limited_client.get(url, headers={"Accept": "application/json"})
        assert response.status_code == 429, url
        body = response.get_json()
        assert body["error"] == "rate_limited"
        assert "tối đa 5 lần mỗi phút" in body["message"] and "Vui lòng thử lại sau" in body["message"]
        assert "at most 5 times per minute" in body["message_en"]
        assert 1 <= body["retry_after"] <= 60 and response.headers.get("Retry-After")
        assert_hidden(response, person_cert)
    page = limited_client.get(urls[0])
    assert page.status_code == 429 and "Bạn đã tra cứu quá nhiều lần" in page.get_data(as_text=True)
    # another client has its own allowance
    other = limited_client.get(urls[0], environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200


def test_public_lookup_limit_has_a_default(app):
    import config

    assert config.Config.PUBLIC_LOOKUP_RATE_LIMIT == "60 per minute"
    assert app.config["PUBLIC_LOOKUP_RATE_LIMIT"]


# -- serials on public URLs cannot be walked without the verification code ---------------------


def test_verification_code_is_random_base32(person_cert, org_cert):
    codes = {person_cert.verification_code, org_cert.verification_code}
    assert len(codes) == 2
    for code in codes:
        assert len(code) == 10 and set(code) <= set(privacy.CODE_ALPHABET)
    assert privacy.code_matches(org_cert.verification_code, org_cert.verification_code.lower())
    assert not privacy.code_matches(org_cert.verification_code, "")


def test_without_the_code_a_serial_reveals_nothing(client, person_cert, org_cert):
    for cert in (person_cert, org_cert):
        wrong = "AAAAAAAAAA" if cert.verification_code != "AAAAAAAAAA" else "BBBBBBBBBB"
        for suffix in ("", f"?code={wrong}", "?code="):
            page = client.get(f"/verify/{cert.serial}{suffix}")
            unknown = client.get("/verify/BN-2026-0009999" + suffix)
            assert page.status_code == unknown.status_code == 404
            html = page.get_data(as_text=True)
            assert cert.brandname.name not in html and "mã xác thực không đúng" in html
            api = client.get(f"/api/v1/public/certificates/{cert.serial}{suffix}")
            assert api.status_code == 404 and api.get_json()["error"] == "not_found"
            assert set(api.get_json()) == {"error", "message", "message_en"}
            assert cert.brandname.name not in text_of(api)


def test_qr_code_and_printed_code_on_the_pdf(app, person_cert, tmp_path):
    import shutil
    import subprocess

    import pypdf

    data = documents.certificate_pdf_path(person_cert).read_bytes()
    code = person_cert.verification_code
    text = " ".join(pypdf.PdfReader(BytesIO(data)).pages[0].extract_text().split())
    assert f"Số: {person_cert.serial}" in text and f"Mã xác thực: {code[:5]}-{code[5:]}" in text
    if shutil.which("pdftoppm") is None or shutil.which("zbarimg") is None:
        pytest.skip("poppler-utils and zbar-tools are needed to decode the printed QR code")
    (tmp_path / "c.pdf").write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(tmp_path / "c.pdf"), str(tmp_path / "c")],
        check=True,
    )
    decoded = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(tmp_path / "c.png")], capture_output=True, check=True
    )
    url = decoded.stdout.decode().strip()
    assert url == f"https://brandname.test/verify/{person_cert.serial}?code={code}"
    response = app.test_client().get(url.removeprefix("https://brandname.test"))
    assert response.status_code == 200 and "Lê H. C." in response.get_data(as_text=True)
