"""Checking certificates: by serial, by uploaded PDF, through the API, the public pages and the CLI."""

import json
from datetime import date, timedelta
from io import BytesIO

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from brandname import lifecycle, registry
from brandname.certificates import documents, signing, verification
from brandname.certificates import pdf as certificate_pdf

from .conftest import NOW, Registry, person_applicant

LATER = NOW + timedelta(days=40)


@pytest.fixture
def issued(registry_helper):
    return registry_helper.issue("VIETSUN").certificates[0]


def signed_pdf(cert):
    return documents.certificate_pdf_path(cert).read_bytes()


def pdf_with(keys, record_text, jws, **kw):
    unsigned = certificate_pdf.render(
        record_text, jws, public_url="https://brandname.test", signer_title="Cục trưởng", **kw
    )
    return signing.sign_pdf(keys, unsigned)


# -- status_of ------------------------------------------------------------------------------


def test_status_active(session, issued):
    info = verification.status_of(session, issued.serial)
    assert info["found"] and info["status"] == "active" and info["current"]
    assert info["name"] == "VIETSUN" and info["holder_name"] == "Công ty Cổ phần Ánh Dương"
    assert info["record"] == issued.record and info["signature"] == issued.signature
    assert info["kid"] == issued.kid
    assert (info["valid_from"], info["valid_until"]) == ("2026-03-02", "2029-03-01")
    assert verification.status_of(session, issued.serial.lower())["found"]  # typed in lower case


def test_status_superseded(session, registry_helper, issued):
    new = registry_helper.followup("reissue", "VIETSUN", now=LATER, reissue_reason="lost").certificates[0]
    info = verification.status_of(session, issued.serial)
    assert info["status"] == "superseded" and info["superseded_by"] == new.serial
    assert verification.status_of(session, new.serial)["status"] == "active"
    assert verification.status_of(session, new.serial)["previous_serial"] == issued.serial


def test_status_expired(session, issued):
    lifecycle.expire(session, today=date(2029, 3, 2))
    info = verification.status_of(session, issued.serial)
    assert info["status"] == "expired" and info["revoked_at"] is None
    # also when the daily job has not run yet: the last valid day is past
    assert verification.status_of(session, issued.serial, today=date(2029, 3, 2))["status"] == "expired"


def test_expired_before_the_daily_job(session, issued):
    assert verification.status_of(session, issued.serial, today=date(2029, 3, 1))["status"] == "active"
    assert verification.status_of(session, issued.serial, today=date(2029, 3, 2))["status"] == "expired"


def test_status_revoked(session, officer, issued):
    lifecycle.give_up(session, issued.brandname_id, actor=officer, request_note="Ngừng kinh doanh", now=LATER)
    info = verification.status_of(session, issued.serial)
    assert info["status"] == "revoked" and info["ground"] == "holder_request"
    assert info["revoked_on"] == "2026-04-11"
    assert info["ground_text"].startswith("điểm d khoản 1 Điều 29 Nghị định số 91/2020/NĐ-CP: theo đề nghị")
    assert info["ground_text_en"].startswith("point d, clause 1, Article 29")


def test_status_unknown(session):
    assert verification.status_of(session, "BN-2026-9999999") == {"found": False, "serial": "BN-2026-9999999"}
    assert verification.status_of(session, "")["found"] is False


# -- verify_pdf -----------------------------------------------------------------------------


def test_genuine_pdf(session, keys, issued):
    verdict = verification.verify_pdf(session, keys, signed_pdf(issued))
    assert verdict["genuine"] is True and verdict["problem"] is None
    assert verdict["serial"] == issued.serial and verdict["status"]["status"] == "active"
    assert verdict["pdf_kid"] == keys.current_kid


def test_genuine_but_superseded(session, keys, registry_helper, issued):
    old_pdf = signed_pdf(issued)
    new = registry_helper.followup("reissue", "VIETSUN", now=LATER, reissue_reason="lost").certificates[0]
    verdict = verification.verify_pdf(session, keys, old_pdf)
    assert verdict["genuine"] is True
    assert verdict["status"]["status"] == "superseded" and verdict["status"]["superseded_by"] == new.serial


def test_one_changed_byte_fails(session, keys, issued):
    data = bytearray(signed_pdf(issued))
    position = data.index(b"/Producer")
    data[position + 2] ^= 0x01
    verdict = verification.verify_pdf(session, keys, bytes(data))
    assert verdict["genuine"] is False and verdict["problem"] == "broken"
    assert "bị thay đổi" in verdict["reason"] and "changed" in verdict["reason_en"]


def test_swapped_record_after_signing_fails(session, keys, registry_helper, issued):
    other = registry_helper.issue("SUNMART").certificates[0]
    data = signed_pdf(issued)
    writer = IncrementalPdfFileWriter(BytesIO(data))
    # replace the embedded record's stream by the other certificate's record, as a later revision
    names = writer.root["/Names"]["/EmbeddedFiles"]["/Names"]
    for i in range(0, len(names), 2):
        if str(names[i]) == certificate_pdf.RECORD_FILE:
            ref = names[i + 1]["/EF"].raw_get("/F")
            stream = ref.get_object()
            stream._data = other.record.encode()  # noqa: SLF001 - test tampering
            stream._encoded_data = None  # noqa: SLF001
            writer.mark_update(ref)
    out = BytesIO()
    writer.write(out)
    tampered = out.getvalue()
    assert certificate_pdf.read_attachments(tampered)[certificate_pdf.RECORD_FILE] == other.record.encode()
    verdict = verification.verify_pdf(session, keys, tampered)
    assert verdict["genuine"] is False and verdict["problem"] == "modified_after_signing"


def test_embedded_record_not_matching_the_registry_fails(session, keys, issued):
    forged = json.loads(issued.record)
    forged["valid_until"] = "2039-03-01"
    forged_text = signing.canonical_json(forged).decode()
    verdict = verification.verify_pdf(session, keys, pdf_with(keys, forged_text, issued.signature))
    assert verdict["genuine"] is False and verdict["problem"] == "record_mismatch"
    assert "không khớp" in verdict["reason"] and "does not match" in verdict["reason_en"]
    assert verdict["status"]["status"] == "active"  # the registry's word still shown


def test_embedded_jws_not_matching_fails(session, keys, issued):
    _, other_jws = keys.sign_json({"something": "else"})
    verdict = verification.verify_pdf(session, keys, pdf_with(keys, issued.record, other_jws))
    assert verdict["genuine"] is False and verdict["problem"] == "signature_mismatch"


def test_unknown_serial_fails(session, keys, issued):
    record = json.loads(issued.record)
    record["serial"] = "BN-2026-7777777"
    text = signing.canonical_json(record).decode()
    _, jws = keys.sign_json(record)
    verdict = verification.verify_pdf(session, keys, pdf_with(keys, text, jws))
    assert verdict["genuine"] is False and verdict["problem"] == "unknown_serial"
    assert "BN-2026-7777777" in verdict["reason"]


def test_foreign_key_fails_with_a_clear_reason(session, keys, foreign_keys, issued):
    # the exact same content, signed by another registry's key
    unsigned = certificate_pdf.render(
        issued.record, issued.signature, public_url="https://brandname.test", signer_title="Cục trưởng"
    )
    verdict = verification.verify_pdf(session, keys, signing.sign_pdf(foreign_keys, unsigned))
    assert verdict["genuine"] is False and verdict["problem"] == "foreign_key"
    assert "không phải của cơ quan cấp" in verdict["reason"]
    assert "not the registry's" in verdict["reason_en"]


def test_pdf_without_record_fails(session, keys):
    from reportlab.pdfgen.canvas import Canvas

    buf = BytesIO()
    c = Canvas(buf)
    c.drawString(72, 720, "no record")
    c.showPage()
    c.save()
    verdict = verification.verify_pdf(session, keys, signing.sign_pdf(keys, buf.getvalue()))
    assert verdict["genuine"] is False and verdict["problem"] == "no_record"


@pytest.mark.parametrize("data", [b"", b"GIF89a....", b"%PDF-1.4\n%%EOF", bytes(range(256)) * 10])
def test_garbage_gets_an_answer(session, keys, data):
    verdict = verification.verify_pdf(session, keys, data)
    assert verdict["genuine"] is False and verdict["reason"] and verdict["reason_en"]


def test_pdf_signed_before_rotation_still_verifies(app, session, officer, own_keys):
    helper = Registry(session, own_keys, officer)
    cert = helper.issue("ROTATED").certificates[0]
    old_kid = own_keys.current_kid
    pdf = documents.certificate_pdf_path(cert).read_bytes()
    result = app.test_cli_runner().invoke(args=["brandname", "rotate-key"])
    assert result.exit_code == 0, result.output
    keys = registry.keys()
    assert keys.current_kid != old_kid and old_kid in keys.issuers
    verdict = verification.verify_pdf(session, keys, pdf)
    assert verdict["genuine"] and verdict["pdf_kid"] == old_kid
    new = Registry(session, keys, officer).issue("FRESHKEY").certificates[0]
    assert new.kid == keys.current_kid
    new_verdict = verification.verify_pdf(session, keys, documents.certificate_pdf_path(new).read_bytes())
    assert new_verdict["genuine"] and new_verdict["pdf_kid"] == keys.current_kid


# -- API ------------------------------------------------------------------------------------


def test_registry_certificate_chain(client, keys):
    response = client.get("/api/v1/registry-certificate")
    assert response.status_code == 200
    assert response.mimetype == "application/x-pem-file"
    chain = x509.load_pem_x509_certificates(response.data)
    assert chain[0] == keys.root_certificate
    assert {c.fingerprint(hashes.SHA256()) for c in chain[1:]} == {
        i.certificate.fingerprint(hashes.SHA256()) for i in keys.issuers.values()
    }
    for cert in chain[1:]:
        cert.verify_directly_issued_by(chain[0])


def test_public_certificate_record(client, keys, issued):
    response = client.get(f"/api/v1/public/certificates/{issued.serial}?code={issued.verification_code}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["record"] == issued.record and body["signature"] == issued.signature
    assert body["kid"] == issued.kid and body["status"] == "active"
    header, payload = keys.verify(body["signature"], body["record"].encode())
    assert header["kid"] == body["kid"]


def test_public_certificate_never_shows_an_individuals_id(client, registry_helper):
    cert = registry_helper.issue("CUONGLE", applicant=person_applicant("001203004567")).certificates[0]
    response = client.get(f"/api/v1/public/certificates/{cert.serial}?code={cert.verification_code}")
    assert b"001203004567" not in response.data
    page = client.get(f"/verify/{cert.serial}?code={cert.verification_code}")
    assert page.status_code == 200 and b"001203004567" not in page.data


def test_public_certificate_unknown_is_404_json(client):
    response = client.get("/api/v1/public/certificates/BN-2026-0000404")
    assert response.status_code == 404
    body = response.get_json()
    assert body["error"] == "not_found" and "BN-2026-0000404" in body["message"]


# -- public pages ---------------------------------------------------------------------------


def page(client, url):
    response = client.get(url)
    return response.status_code, response.get_data(as_text=True)


def test_verify_page_active(client, issued):
    code, html = page(client, f"/verify/{issued.serial}?code={issued.verification_code}")
    assert code == 200
    assert "Đang có hiệu lực" in html and 'data-verdict="valid"' in html and "VIETSUN" in html
    assert "từ ngày 02/03/2026 đến hết ngày 01/03/2029" in html
    assert "Ngày cấp</dt><dd>02/03/2026" in html
    # the issuer in words; the raw signed record only behind a toggle
    assert "Cơ quan cấp</dt><dd>Cục An toàn thông tin" in html
    assert "<details" in html and issued.record.replace('"', "&#34;")[:40] in html


def test_verify_page_superseded(client, registry_helper, issued):
    new = registry_helper.followup("reissue", "VIETSUN", now=LATER, reissue_reason="lost").certificates[0]
    code, html = page(client, f"/verify/{issued.serial}?code={issued.verification_code}")
    assert code == 200 and 'data-verdict="superseded"' in html
    assert f"đã được thay thế bởi giấy chứng nhận số {new.serial}" in html


def test_verify_page_expired(client, session, issued):
    lifecycle.expire(session, today=date(2029, 3, 2))
    code, html = page(client, f"/verify/{issued.serial}?code={issued.verification_code}")
    assert code == 200 and "đã hết hạn ngày 01/03/2029" in html and 'data-verdict="expired"' in html


def test_verify_page_revoked(client, session, officer, issued):
    lifecycle.give_up(session, issued.brandname_id, actor=officer, now=LATER)
    code, html = page(client, f"/verify/{issued.serial}?code={issued.verification_code}")
    assert code == 200 and "Đã bị thu hồi" in html and 'data-verdict="revoked"' in html
    assert "thu hồi ngày 11/04/2026" in html
    assert (
        "điểm d khoản 1 Điều 29 Nghị định số 91/2020/NĐ-CP: theo đề nghị của tổ chức, cá nhân sử dụng tên định danh"
        in html
    )


def test_verify_page_unknown_serial_is_404(client):
    code, html = page(client, "/verify/BN-2026-0000404")
    assert code == 404 and "không có trong sổ đăng ký" in html


def test_verify_form_lists_issuing_certificates_and_redirects_serials(client, keys, issued):
    code, html = page(client, "/verify")
    assert code == 200 and 'name="pdf"' in html and 'name="serial"' in html
    assert 'name="csrf_token"' in html
    for kid in keys.issuers:
        assert kid in html
    assert 'name="code"' in html
    typed = f"{issued.verification_code[:5].lower()}-{issued.verification_code[5:]}"
    response = client.get(f"/verify?serial={issued.serial.lower()}&code={typed}")
    target = f"/verify/{issued.serial}?code={issued.verification_code}"
    assert response.status_code == 302 and response.headers["Location"].endswith(target)
    response = client.post("/verify", data={"serial": issued.serial, "code": issued.verification_code})
    assert response.status_code == 302 and response.headers["Location"].endswith(target)
    assert client.get(target).status_code == 200


def upload(client, data, filename="gcn.pdf"):
    return client.post("/verify", data={"pdf": (BytesIO(data), filename)}, content_type="multipart/form-data")


def test_verify_upload_genuine(client, issued):
    response = upload(client, signed_pdf(issued))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="verdict status-active verdict-genuine"' in html and 'data-verdict="valid"' in html
    assert "Tệp PDF là bản thật" in html and "Đang có hiệu lực" in html and issued.serial in html


def upload_verdict(html):
    """The class, the heading and the text of the upload's verdict box."""
    import re

    box = re.search(
        r'<section class="verdict ([^"]*)"[^>]*data-verdict="([^"]+)"[^>]*>(.*?)</section>', html, re.S
    )
    return box.group(1), box.group(2), re.sub(r"<[^>]+>", " ", box.group(3))


def test_a_genuine_pdf_of_a_revoked_certificate_never_looks_valid(client, session, officer, issued):
    data = signed_pdf(issued)
    lifecycle.give_up(session, issued.brandname_id, actor=officer, now=LATER)
    classes, verdict, words = upload_verdict(upload(client, data).get_data(as_text=True))
    assert verdict == "revoked" and "status-revoked" in classes and "genuine" not in classes
    assert "Không còn hiệu lực: đã bị thu hồi ngày 11/04/2026" in words
    assert "KHÔNG CÒN HIỆU LỰC" in words and "căn cứ: điểm d khoản 1 Điều 29" in words
    assert "đang có hiệu lực" not in words.lower()
    client.get("/lang/en")
    classes, verdict, words = upload_verdict(upload(client, data).get_data(as_text=True))
    assert "No longer valid: revoked on 11/04/2026" in words and "at the request of the organization" in words
    assert "is active" not in words


def test_a_genuine_pdf_of_a_superseded_certificate_names_its_successor(client, registry_helper, issued):
    data = signed_pdf(issued)
    new = registry_helper.followup("reissue", "VIETSUN", now=LATER, reissue_reason="lost").certificates[0]
    classes, verdict, words = upload_verdict(upload(client, data).get_data(as_text=True))
    assert verdict == "superseded" and "status-superseded" in classes and "genuine" not in classes
    assert f"đã được thay thế bởi giấy chứng nhận số {new.serial}" in words
    assert "KHÔNG CÒN HIỆU LỰC" in words


def test_a_genuine_pdf_of_an_expired_certificate_says_expired(client, session, issued):
    data = signed_pdf(issued)
    lifecycle.expire(session, today=date(2029, 3, 2))
    classes, verdict, words = upload_verdict(upload(client, data).get_data(as_text=True))
    assert verdict == "expired" and "status-expired" in classes and "genuine" not in classes
    assert "đã hết hạn ngày 01/03/2029" in words


def test_verify_upload_forged_and_garbage(client, keys, foreign_keys, issued):
    unsigned = certificate_pdf.render(
        issued.record, issued.signature, public_url="https://brandname.test", signer_title="Cục trưởng"
    )
    html = upload(client, signing.sign_pdf(foreign_keys, unsigned)).get_data(as_text=True)
    assert "Tệp PDF không hợp lệ" in html and "không phải của cơ quan cấp" in html
    response = upload(client, b"this is not a pdf", "note.txt")
    assert response.status_code == 200
    assert "không phải là tệp PDF" in response.get_data(as_text=True)


def test_verify_upload_too_large(client):
    response = upload(client, b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024 + 100 * 1024))
    assert response.status_code == 413 and "tối đa 10 MB" in response.get_data(as_text=True)


def test_verify_upload_nothing(client):
    response = client.post("/verify", data={})
    assert response.status_code == 400


# -- CLI ------------------------------------------------------------------------------------


def test_cli_certificate_pdf_and_verify(app, session, registry_helper, issued, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "vietsun.pdf"
    result = runner.invoke(args=["brandname", "certificate-pdf", "vietsun", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == documents.certificate_pdf_path(issued).read_bytes()
    result = runner.invoke(args=["brandname", "verify", str(out)])
    assert result.exit_code == 0, result.output
    assert "GENUINE" in result.output and "đang có hiệu lực" in result.output

    registry_helper.followup("reissue", "VIETSUN", now=LATER, reissue_reason="lost")
    result = runner.invoke(args=["brandname", "verify", str(out)])
    assert result.exit_code == 1 and "GENUINE" in result.output and "superseded" in result.output

    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"junk")
    result = runner.invoke(args=["brandname", "verify", "--json", str(junk)])
    assert result.exit_code == 1
    assert json.loads(result.output)["problem"] == "not_pdf"

    result = runner.invoke(args=["brandname", "certificate-pdf", "NOSUCH", "--out", str(tmp_path / "x.pdf")])
    assert result.exit_code == 1


def test_cli_verify_revoked_exits_1(app, session, officer, issued, tmp_path):
    out = tmp_path / "c.pdf"
    out.write_bytes(signed_pdf(issued))
    lifecycle.give_up(session, issued.brandname_id, actor=officer, now=LATER)
    result = app.test_cli_runner().invoke(args=["brandname", "verify", str(out)])
    assert result.exit_code == 1 and "revoked" in result.output and "GENUINE" in result.output
