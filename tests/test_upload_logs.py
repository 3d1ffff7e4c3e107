"""Forged PDF uploads are expected input: each leaves one log line with the reason, never a
traceback (applicant document upload and the public verify upload)."""

import io
import logging

from brandname.certificates import documents, signing
from brandname.certificates import pdf as certificate_pdf

from .conftest import PDF_BYTES


def _no_traceback(caplog):
    for record in caplog.records:
        assert record.exc_info is None, record.getMessage()
        assert "Traceback" not in record.getMessage()
    assert "Traceback" not in caplog.text


def _forgeries(keys, foreign_keys, cert):
    genuine = documents.certificate_pdf_path(cert).read_bytes()
    unsigned = certificate_pdf.render(
        cert.record, cert.signature, public_url="https://brandname.test", signer_title="Cục trưởng"
    )
    return [
        signing.sign_pdf(foreign_keys, unsigned),  # another registry's key
        genuine[: len(genuine) // 2],  # cut in half
        genuine[:-2000] + b"0" * 2000,  # tail overwritten
        b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
        b"%PDF-1.4\n" + bytes(range(256)) * 40,
    ]


def test_forged_pdf_at_public_verify_logs_one_line(client, keys, foreign_keys, registry_helper, caplog):
    cert = registry_helper.issue("VIETSUN").certificates[0]
    caplog.set_level(logging.DEBUG)
    for data in _forgeries(keys, foreign_keys, cert):
        caplog.clear()
        response = client.post(
            "/verify", data={"pdf": (io.BytesIO(data), "gcn.pdf")}, content_type="multipart/form-data"
        )
        assert response.status_code == 200
        assert 'data-verdict="not_genuine"' in response.get_data(as_text=True)
        _no_traceback(caplog)
        reasons = [r for r in caplog.records if "not genuine" in r.getMessage()]
        assert len(reasons) == 1 and "\n" not in reasons[0].getMessage()


def test_forged_pdf_as_applicant_document_logs_no_traceback(
    portal, keys, foreign_keys, registry_helper, caplog
):
    cert = registry_helper.issue("VIETSUN").certificates[0]
    app_id = portal.application_id(portal.apply(portal.a, "DOSSIER"))
    caplog.set_level(logging.DEBUG)
    for data in [*_forgeries(keys, foreign_keys, cert), PDF_BYTES]:
        caplog.clear()
        response = portal.a.post(
            f"/applicant/applications/{app_id}/documents",
            data={"doc-0-kind": "other", "doc-0-file": (io.BytesIO(data), "giay-phep.pdf")},
            content_type="multipart/form-data",
        )
        assert response.status_code in (302, 400)
        _no_traceback(caplog)
