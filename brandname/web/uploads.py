"""Dossier uploads: recognize the type by its first bytes, keep the file under a random name.

Files live in DATA_DIR/uploads (outside the web root); the database row (lifecycle.attach_document)
keeps the original name, the detected type, the size and the SHA-256.
"""

import hashlib
import re
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, has_app_context
from sqlalchemy import func, select

from brandname import lifecycle
from brandname.errors import DomainError, InvalidInput
from brandname.store.models import Document

MAX_BYTES = 10 * 1024 * 1024
INLINE_TYPES = ("application/pdf", "image/jpeg", "image/png")
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def sniff(data):
    """The content type from the magic bytes, or None when it is not PDF, JPEG or PNG."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


def clean_filename(name):
    """A display name: no directories, no control characters, at most 200 characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f\"]", "", name).strip() or "tai-lieu"
    return name[-200:]


def check(data, filename):
    """Return the detected type of an upload or raise InvalidInput (nothing is stored)."""
    shown = clean_filename(filename)
    if not data:
        raise InvalidInput(f"Tệp {shown} trống.", f"The file {shown} is empty.")
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"Tệp {shown} vượt quá 10 MB.", f"The file {shown} is larger than 10 MB.")
    content_type = sniff(data)
    if content_type is None:
        raise InvalidInput(
            f"Tệp {shown} không phải PDF, JPEG hoặc PNG (kiểm tra theo nội dung tệp, không theo đuôi tên).",
            f"The file {shown} is not a PDF, JPEG or PNG (checked by its content, not its extension).",
        )
    return content_type


class QuotaExceeded(DomainError):
    status = 413
    code = "quota_exceeded"


class StorageFull(DomainError):
    status = 507
    code = "storage_full"


@dataclass(frozen=True)
class Quotas:
    """How much one application and one account may keep, and the free space the uploads volume
    keeps for the registry's own files (certificates, the database on the same disk)."""

    application_mb: int = 50
    application_files: int = 20
    account_mb: int = 200
    account_files: int = 100
    min_free_mb: int = 1024

    @classmethod
    def from_config(cls, config):
        return cls(
            application_mb=int(config.get("UPLOAD_APPLICATION_MB", cls.application_mb)),
            application_files=int(config.get("UPLOAD_APPLICATION_FILES", cls.application_files)),
            account_mb=int(config.get("UPLOAD_ACCOUNT_MB", cls.account_mb)),
            account_files=int(config.get("UPLOAD_ACCOUNT_FILES", cls.account_files)),
            min_free_mb=int(config.get("UPLOAD_MIN_FREE_MB", cls.min_free_mb)),
        )


def _used(session, where):
    count, total = session.execute(
        select(func.count(Document.id), func.coalesce(func.sum(Document.size), 0)).where(where)
    ).one()
    return count, total


def check_room(session, application_id, *, size, actor, data_dir, quotas):
    """Refuse an upload of `size` bytes that would pass a quota or fill the uploads volume."""
    mb = 1024 * 1024
    count, total = _used(session, Document.application_id == application_id)
    if count + 1 > quotas.application_files or total + size > quotas.application_mb * mb:
        raise QuotaExceeded(
            f"Hồ sơ đã đạt giới hạn tài liệu: tối đa {quotas.application_files} tệp và "
            f"{quotas.application_mb} MB cho mỗi hồ sơ (đang có {count} tệp, {total / mb:.1f} MB).",
            f"The application has reached its document limit: at most {quotas.application_files} "
            f"files and {quotas.application_mb} MB per application ({count} files, {total / mb:.1f} MB now).",
        )
    if actor is not None and actor.id is not None:
        count, total = _used(session, Document.uploaded_by_id == actor.id)
        if count + 1 > quotas.account_files or total + size > quotas.account_mb * mb:
            raise QuotaExceeded(
                f"Tài khoản đã đạt giới hạn tải lên: tối đa {quotas.account_files} tệp và "
                f"{quotas.account_mb} MB cho mỗi tài khoản (đang có {count} tệp, {total / mb:.1f} MB).",
                f"The account has reached its upload limit: at most {quotas.account_files} files and "
                f"{quotas.account_mb} MB per account ({count} files, {total / mb:.1f} MB now).",
            )
    free = shutil.disk_usage(upload_dir(data_dir)).free
    if free - size < quotas.min_free_mb * mb:
        raise StorageFull(
            "Hệ thống tạm thời không nhận tệp tải lên vì bộ nhớ lưu trữ sắp đầy; vui lòng thử lại sau.",
            "Uploads are paused for now because the registry's storage is nearly full; try again later.",
        )


def upload_dir(data_dir):
    path = Path(data_dir) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(session, application_id, *, data, filename, kind, actor, data_dir, now=None, quotas=None):
    """Check, write under a random name, record; the file is removed again if recording fails."""
    content_type = check(data, filename)
    if quotas is None:
        quotas = Quotas.from_config(current_app.config) if has_app_context() else Quotas()
    check_room(session, application_id, size=len(data), actor=actor, data_dir=data_dir, quotas=quotas)
    stored_name = secrets.token_hex(16) + EXTENSIONS[content_type]
    path = upload_dir(data_dir) / stored_name
    path.write_bytes(data)
    path.chmod(0o600)
    try:
        return lifecycle.attach_document(
            session,
            application_id,
            actor=actor,
            kind=kind,
            original_filename=clean_filename(filename),
            stored_name=stored_name,
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            now=now,
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def path_of(document, data_dir):
    return upload_dir(data_dir) / document.stored_name


def disposition(document):
    """'inline' for images and PDF, 'attachment' for anything else."""
    return "inline" if document.content_type in INLINE_TYPES else "attachment"


def write_report_file(data, filename, *, data_dir, quotas=None):
    """Check a signed report (Art. 30–31) as a dossier file is checked and write it under a
    random name; returns what `lifecycle.file_report` records. The caller removes the file
    (`remove_report_file`) when the filing is refused."""
    content_type = check(data, filename)
    if quotas is None:
        quotas = Quotas.from_config(current_app.config) if has_app_context() else Quotas()
    if shutil.disk_usage(upload_dir(data_dir)).free - len(data) < quotas.min_free_mb * 1024 * 1024:
        raise StorageFull(
            "Hệ thống tạm thời không nhận tệp tải lên vì bộ nhớ lưu trữ sắp đầy; vui lòng thử lại sau.",
            "Uploads are paused for now because the registry's storage is nearly full; try again later.",
        )
    stored_name = secrets.token_hex(16) + EXTENSIONS[content_type]
    path = upload_dir(data_dir) / stored_name
    path.write_bytes(data)
    path.chmod(0o600)
    return {
        "original_filename": clean_filename(filename),
        "stored_name": stored_name,
        "content_type": content_type,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def remove_report_file(document, data_dir):
    if document:
        (upload_dir(data_dir) / document["stored_name"]).unlink(missing_ok=True)
