"""Dossier uploads: type by magic bytes, 10 MB cap, random names outside the web root, who may
read them back, and the Content-Disposition rule."""

import hashlib
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from brandname import lifecycle
from brandname.errors import InvalidInput
from brandname.store.models import Document
from brandname.web import uploads

from .conftest import PDF_BYTES, PNG_BYTES

JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def upload(client, app_id, filename, content, kind="other"):
    return client.post(
        f"/applicant/applications/{app_id}/documents",
        data={"doc-0-kind": kind, "doc-0-file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def stored_files(app):
    folder = Path(app.config["DATA_DIR"]) / "uploads"
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize(
    "content,expected",
    [
        (PDF_BYTES, "application/pdf"),
        (PNG_BYTES, "image/png"),
        (JPEG_BYTES, "image/jpeg"),
        (b"GIF89a....", None),
        (b"<html><script>", None),
        (b"PK\x03\x04", None),
    ],
)
def test_sniff_by_magic_bytes(content, expected):
    assert uploads.sniff(content) == expected


def test_type_comes_from_content_not_extension(portal, app, session):
    app_id = portal.application_id(portal.apply(portal.a, "UPLOAD", files=[]))
    # a PNG named .pdf is a PNG
    assert upload(portal.a, app_id, "scan.pdf", PNG_BYTES).status_code == 302
    doc = session.scalars(select(Document)).one()
    assert doc.content_type == "image/png" and doc.original_filename == "scan.pdf"
    assert doc.size == len(PNG_BYTES) and doc.sha256 == hashlib.sha256(PNG_BYTES).hexdigest()
    # an HTML file named .pdf is refused, nothing is stored
    response = upload(portal.a, app_id, "evil.pdf", b"<html><script>alert(1)</script>")
    assert response.status_code == 400 and "không phải PDF, JPEG hoặc PNG" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Document)) == 1
    assert len(stored_files(app)) == 1


def test_size_limit_ten_megabytes(portal, app, session):
    app_id = portal.application_id(portal.apply(portal.a, "BIGFILE", files=[]))
    exactly = b"%PDF-" + b"0" * (uploads.MAX_BYTES - 5)
    assert upload(portal.a, app_id, "ok.pdf", exactly).status_code == 302
    response = upload(portal.a, app_id, "big.pdf", exactly + b"0")
    assert response.status_code == 400 and "10 MB" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Document)) == 1
    assert len(stored_files(app)) == 1
    with pytest.raises(InvalidInput):
        uploads.check(b"", "empty.pdf")


def test_stored_under_random_name_outside_web_root(portal, app, session):
    app_id = portal.application_id(
        portal.apply(
            portal.a,
            "RANDOM",
            files=[
                ("enterprise_registration", "../../etc/passwd.pdf", PDF_BYTES),
                ("trademark", "nhan-hieu.png", PNG_BYTES),
            ],
        )
    )
    docs = session.scalars(select(Document).order_by(Document.id)).all()
    assert [d.kind for d in docs] == ["enterprise_registration", "trademark"]
    assert docs[0].original_filename == "passwd.pdf"  # no directories survive
    files = stored_files(app)
    assert {f.name for f in files} == {d.stored_name for d in docs}
    for d in docs:
        assert len(d.stored_name.split(".")[0]) == 32 and d.original_filename not in d.stored_name
        assert (Path(app.config["DATA_DIR"]) / "uploads" / d.stored_name).stat().st_mode & 0o077 == 0
        assert portal.anon.get(f"/static/{d.stored_name}").status_code == 404
        assert portal.a.get(f"/uploads/{d.stored_name}").status_code == 404
    assert app_id == docs[0].application_id


def test_served_only_to_owner_and_officers(portal, session):
    portal.application_id(portal.apply(portal.a, "OWNERDOC", files=[("other", "a.pdf", PDF_BYTES)]))
    doc = session.scalars(select(Document)).one()
    response = portal.a.get(f"/applicant/documents/{doc.id}")
    assert response.status_code == 200 and response.data == PDF_BYTES
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    assert portal.officer.get(f"/officer/documents/{doc.id}").status_code == 200
    assert portal.supervisor.get(f"/officer/documents/{doc.id}").status_code == 200
    assert portal.b.get(f"/applicant/documents/{doc.id}").status_code == 404
    assert portal.b.get(f"/officer/documents/{doc.id}").status_code == 403
    assert portal.anon.get(f"/applicant/documents/{doc.id}").status_code == 302
    assert portal.anon.get(f"/officer/documents/{doc.id}").status_code == 302
    assert portal.a.get(f"/applicant/documents/{doc.id + 1}").status_code == 404


def test_anything_not_image_or_pdf_is_an_attachment(portal, app, session):
    """Only PDF/JPEG/PNG get in through the portal; a row of another type (say, imported by an
    operator) is still served safely: octet-stream, attachment."""
    app_id = portal.application_id(portal.apply(portal.a, "ATTACH", files=[]))
    folder = uploads.upload_dir(app.config["DATA_DIR"])
    (folder / ("0" * 32)).write_bytes(b"<html>not for the browser</html>")
    doc = lifecycle.attach_document(
        session,
        app_id,
        actor=lifecycle.Actor.for_account(portal.account_officer),
        kind="other",
        original_filename="note.html",
        stored_name="0" * 32,
        content_type="text/html",
        size=31,
        sha256="x" * 64,
    )
    response = portal.a.get(f"/applicant/documents/{doc.id}")
    assert response.status_code == 200
    assert response.mimetype == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert uploads.disposition(doc) == "attachment"


def test_no_upload_after_decision(portal, session):
    app_id = portal.application_id(portal.apply(portal.a, "LATEDOC"))
    assert portal.officer.post(f"/officer/applications/{app_id}/approve").status_code == 302
    response = upload(portal.a, app_id, "late.pdf", PDF_BYTES)
    assert response.status_code == 409
    assert session.scalar(select(func.count()).select_from(Document)) == 1  # the filing's own


def test_attach_document_is_one_event(portal, session):
    from brandname.store.models import Event

    app_id = portal.application_id(portal.apply(portal.a, "EVENTDOC", files=[("other", "a.png", PNG_BYTES)]))
    events = session.scalars(select(Event).where(Event.application_id == app_id).order_by(Event.seq)).all()
    assert [e.act for e in events] == ["submit", "attach_document"]
    assert events[1].details["sha256"] == hashlib.sha256(PNG_BYTES).hexdigest()


# -- quotas and the disk guard --------------------------------------------------------------


def test_quota_per_application_files_and_bytes(portal, app, session):
    app.config.update(UPLOAD_APPLICATION_FILES=2, UPLOAD_APPLICATION_MB=1)
    app_id = portal.application_id(portal.apply(portal.a, "QUOTAAPP", files=[]))
    assert upload(portal.a, app_id, "1.png", PNG_BYTES).status_code == 302
    assert upload(portal.a, app_id, "2.png", PNG_BYTES).status_code == 302
    refused = upload(portal.a, app_id, "3.png", PNG_BYTES)
    assert refused.status_code == 413 and "tối đa 2 tệp và 1 MB cho mỗi hồ sơ" in refused.get_data(
        as_text=True
    )
    app.config.update(UPLOAD_APPLICATION_FILES=20)
    big = b"%PDF-" + b"0" * (1024 * 1024)  # alone over the 1 MB of the application
    assert upload(portal.a, app_id, "big.pdf", big).status_code == 413
    assert session.scalar(select(func.count()).select_from(Document)) == 2
    assert len(stored_files(app)) == 2  # nothing written for a refused upload


def test_quota_per_account_across_applications(portal, app, session):
    app.config.update(UPLOAD_ACCOUNT_FILES=3)
    first = portal.application_id(portal.apply(portal.a, "QUOTAONE", files=[]))
    second = portal.application_id(portal.apply(portal.a, "QUOTATWO", files=[]))
    for i in range(2):
        assert upload(portal.a, first, f"{i}.png", PNG_BYTES).status_code == 302
    assert upload(portal.a, second, "x.png", PNG_BYTES).status_code == 302
    refused = upload(portal.a, second, "y.png", PNG_BYTES)
    assert refused.status_code == 413 and "cho mỗi tài khoản" in refused.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Document)) == 3


def test_disk_guard_refuses_uploads_when_the_volume_is_nearly_full(portal, app, session):
    app_id = portal.application_id(portal.apply(portal.a, "DISKFULL", files=[]))
    app.config.update(UPLOAD_MIN_FREE_MB=10**9)  # more than any disk: the guard is reached
    refused = upload(portal.a, app_id, "1.png", PNG_BYTES)
    assert refused.status_code == 507 and "bộ nhớ lưu trữ sắp đầy" in refused.get_data(as_text=True)
    assert stored_files(app) == []
    app.config.update(UPLOAD_MIN_FREE_MB=0)
    assert upload(portal.a, app_id, "1.png", PNG_BYTES).status_code == 302


def test_quota_defaults():
    quotas = uploads.Quotas.from_config({})
    assert (quotas.application_mb, quotas.application_files) == (50, 20)
    assert (quotas.account_mb, quotas.account_files, quotas.min_free_mb) == (200, 100, 1024)
