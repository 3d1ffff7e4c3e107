"""VietQR on the fee panel: the payload follows the NAPAS/EMVCo format, carries the payee, the
amount and the dossier's transfer content, ends with a correct CRC, and the PNG decodes."""

import binascii
import shutil
import subprocess

import pytest

from brandname import create_app
from brandname.rules import vietqr
from brandname.store.models import Application
from tests.conftest import NOW

PAYEE = {
    "PAYEE_BANK_BIN": "970415",
    "PAYEE_ACCOUNT": "113366668888",
    "PAYEE_BANK_NAME": "VietinBank — Chi nhánh Hà Nội",
    "PAYEE_ACCOUNT_NAME": "CUC AN TOAN THONG TIN",
}


def test_crc_is_crc16_ccitt_false():
    # the catalogue check value of CRC-16/CCITT-FALSE, and the standard library's CRC-CCITT
    assert vietqr.crc16_ccitt_false(b"123456789") == 0x29B1
    for data in (b"", b"000201010212", b"HS12 LE PHI TDD"):
        assert vietqr.crc16_ccitt_false(data) == binascii.crc_hqx(data, 0xFFFF)


def test_payload_fields_and_crc():
    payee = vietqr.Payee("970415", "113366668888", "VietinBank", "CUC ATTT")
    text = vietqr.payload(payee, 200000, "HS12 lệ phí TĐD")
    fields = vietqr.parse(text)
    assert list(fields) == ["00", "01", "38", "53", "54", "58", "62", "63"]
    assert fields["00"] == "01" and fields["01"] == "12"
    merchant = vietqr.parse(fields["38"])
    assert merchant == {"00": "A000000727", "01": "00069704150112113366668888", "02": "QRIBFTTA"}
    assert vietqr.parse(merchant["01"]) == {"00": "970415", "01": "113366668888"}
    assert fields["53"] == "704" and fields["54"] == "200000" and fields["58"] == "VN"
    assert vietqr.parse(fields["62"]) == {"08": "HS12 LE PHI TDD"}
    assert text[-8:-4] == "6304" and vietqr.crc_ok(text)
    assert text[-4:] == f"{binascii.crc_hqx(text[:-4].encode(), 0xFFFF):04X}"
    broken = text[:-5] + ("0" if text[-5] != "0" else "1") + text[-4:]
    assert not vietqr.crc_ok(broken)


def test_transfer_content_is_plain_ascii_of_at_most_25_characters():
    assert vietqr.transfer_content("Hồ sơ 12: lệ phí đăng ký") == "HO SO 12 LE PHI DANG KY"
    assert len(vietqr.transfer_content("x" * 60)) == 25


def test_payee_settings_are_checked():
    assert vietqr.Payee.from_config("", "") is None
    with pytest.raises(ValueError):
        vietqr.Payee.from_config("9704", "123")
    with pytest.raises(ValueError):
        vietqr.Payee.from_config("970415", "12-34")
    with pytest.raises(ValueError):
        create_app({"PAYEE_BANK_BIN": "abc", "PAYEE_ACCOUNT": "1", "TESTING": True})


@pytest.fixture
def approved_id(portal, session, registry_helper):
    application_id = portal.application_id(portal.apply(portal.a, "ANHDUONG"))
    registry_helper.approve(session.get(Application, application_id), now=NOW)
    return application_id


def test_without_a_payee_the_panel_says_so_and_offers_no_code(portal, approved_id):
    page = portal.a.get(f"/applicant/applications/{approved_id}").data.decode()
    assert "chưa công bố tài khoản nhận lệ phí" in page
    assert portal.a.get(f"/applicant/applications/{approved_id}/vietqr.png").status_code == 404


@pytest.mark.skipif(
    shutil.which("zbarimg") is None, reason="zbarimg not installed (apt-get install zbar-tools)"
)
def test_fee_panel_gives_the_account_amount_content_and_a_qr_banking_apps_read(
    app, portal, session, approved_id, tmp_path
):
    app.config.update(PAYEE)
    app.extensions.pop("brandname_payee", None)
    page = portal.a.get(f"/applicant/applications/{approved_id}").data.decode()
    code = session.get(Application, approved_id).code
    content = f"{code.replace('-', ' ')} LE PHI TDD"
    assert len(content) == 25
    for text in (
        "113366668888",
        "VietinBank — Chi nhánh Hà Nội",
        "CUC AN TOAN THONG TIN",
        content,
        "200.000",
    ):
        assert text in page, text
    response = portal.a.get(f"/applicant/applications/{approved_id}/vietqr.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["Cache-Control"] == "private, no-store"
    png = tmp_path / "vietqr.png"
    png.write_bytes(response.data)
    decoded = subprocess.run(
        ["zbarimg", "--raw", "-q", str(png)], capture_output=True, text=True, check=True
    ).stdout.strip()
    fields = vietqr.parse(decoded)
    merchant = vietqr.parse(fields["38"])
    assert merchant["00"] == "A000000727" and merchant["02"] == "QRIBFTTA"
    assert vietqr.parse(merchant["01"]) == {"00": "970415", "01": "113366668888"}
    assert (fields["53"], fields["54"], fields["58"]) == ("704", "200000", "VN")
    assert vietqr.parse(fields["62"])["08"] == content
    assert decoded[-4:] == f"{binascii.crc_hqx(decoded[:-4].encode(), 0xFFFF):04X}"
    # another applicant's code does not exist for them
    assert portal.b.get(f"/applicant/applications/{approved_id}/vietqr.png").status_code == 404
