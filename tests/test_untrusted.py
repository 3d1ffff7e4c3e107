"""Hostile PDFs on the public check: refused before parsing, or parsed in a limited child process."""

import logging
from io import BytesIO

import pytest

from brandname.certificates import documents, signing, untrusted
from brandname.certificates import pdf as certificate_pdf

from .pdf_attacks import field_bomb

NO_PRESCAN = dict(
    max_objects=10**9, max_object_streams=10**9, max_signature_fields=10**9, max_inflated_bytes=10**12
)


@pytest.fixture
def genuine(registry_helper):
    cert = registry_helper.issue("VIETSUN").certificates[0]
    return documents.certificate_pdf_path(cert).read_bytes()


def rss_mb():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def upload(client, data):
    return client.post(
        "/verify", data={"pdf": (BytesIO(data), "gcn.pdf")}, content_type="multipart/form-data"
    )


def test_prescan_passes_an_ordinary_certificate(genuine):
    assert untrusted.prescan(genuine) is None


def test_prescan_refuses_object_streams_fields_objects_and_inflation():
    assert "object streams" in untrusted.prescan(field_bomb(20))
    loose = untrusted.Limits(max_object_streams=100)
    assert "inflated" in untrusted.prescan(field_bomb(6), loose)  # 6 x 4 MB > 16 MB
    small = field_bomb(6, inflated=64 * 1024)
    assert untrusted.prescan(small, loose) == "6 signature fields (at most 4)"
    assert "objects" in untrusted.prescan(small, untrusted.Limits(max_object_streams=100, max_objects=10))
    assert untrusted.prescan(small, untrusted.Limits(max_object_streams=100, max_signature_fields=6)) is None


def test_isolated_check_gives_the_in_process_answer(keys, genuine):
    isolated = untrusted.check_isolated(keys, genuine)
    assert isolated.check == signing.check_pdf(keys, genuine)
    assert isolated.check.ok and isolated.check.kid == keys.current_kid
    files = certificate_pdf.read_attachments(genuine)
    assert isolated.files == {
        name: files[name]
        for name in (certificate_pdf.RECORD_FILE, certificate_pdf.SIGNATURE_FILE, certificate_pdf.LOG_FILE)
    }


def test_the_child_is_killed_at_the_wall_clock_limit(keys, genuine):
    untrusted.check_isolated(keys, genuine)  # the fork server is up
    bomb = field_bomb(60)
    # No timing here (the bench measures speed): the answer itself says the parent killed the child.
    answer = untrusted.check_isolated(keys, bomb, untrusted.Limits(timeout_seconds=0.5, **NO_PRESCAN))
    assert answer.check.problem == "check_limit" and "killed" in answer.check.detail


def test_the_child_stops_at_its_cpu_limit(keys, genuine):
    untrusted.check_isolated(keys, genuine)
    limits = untrusted.Limits(timeout_seconds=60, cpu_seconds=1, **NO_PRESCAN)
    answer = untrusted.check_isolated(keys, field_bomb(60), limits)
    assert answer.check.problem == "check_limit" and "status" in answer.check.detail


def test_field_bomb_upload_is_refused_fast_and_memory_returns(client, genuine):
    assert "Tệp PDF là bản thật" in upload(client, genuine).get_data(
        as_text=True
    )  # warm: fork server started
    bomb = field_bomb(40)
    assert len(bomb) < 200 * 1024
    before = rss_mb()
    response = upload(client, bomb)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Tệp PDF không hợp lệ" in html and "cấu trúc PDF bất thường" in html
    assert "object streams" in html
    assert rss_mb() - before < 20
    client.get("/lang/en")
    assert "PDF structure is abnormal" in upload(client, bomb).get_data(as_text=True)


def test_isolation_bounds_a_bomb_that_passes_the_prescan(app, client, genuine, monkeypatch):
    upload(client, genuine)
    app.config["VERIFY_PDF_TIMEOUT"] = 1.0
    monkeypatch.setattr(untrusted, "prescan", lambda data, limits=None: None)
    bomb = field_bomb(60)
    before = rss_mb()
    html = upload(client, bomb).get_data(as_text=True)
    assert "vượt quá giới hạn thời gian hoặc bộ nhớ" in html
    assert rss_mb() - before < 20


def test_forged_upload_logs_one_line_without_traceback(client, keys, foreign_keys, registry_helper, caplog):
    cert = registry_helper.issue("VIETSUN").certificates[0]
    unsigned = certificate_pdf.render(
        cert.record, cert.signature, public_url="https://brandname.test", signer_title="Cục trưởng"
    )
    forged = signing.sign_pdf(foreign_keys, unsigned)
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        html = upload(client, forged).get_data(as_text=True)
    assert "không phải của cơ quan cấp" in html
    assert not [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]
    ours = [r for r in caplog.records if r.name == "brandname.web.public.verify"]
    assert len(ours) == 1 and "foreign_key" in ours[0].getMessage()
    assert "\n" not in ours[0].getMessage()


def test_upload_is_rate_limited_per_client(app, client):
    app.config["VERIFY_UPLOAD_RATE_LIMIT"] = "2 per minute"
    codes = [upload(client, b"not a pdf").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    other = app.test_client()
    response = other.post(
        "/verify",
        data={"pdf": (BytesIO(b"x"), "a.pdf")},
        content_type="multipart/form-data",
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert response.status_code == 200
