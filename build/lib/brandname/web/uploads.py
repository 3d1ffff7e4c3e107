"""Dossier uploads: recognize the type by its first bytes, keep the file under a random name.

Files live in DATA_DIR/uploads (outside the web root); the database row (lifecycle.attach_document)
keeps the original name, the detected type, the size and the SHA-256.
"""

import hashlib
import re
import secrets
from pathlib import Path

from brandname import lifecycle
from brandname.errors import InvalidInput

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


def upload_dir(data_dir):
    path = Path(data_dir) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(session, application_id, *, data, filename, kind, actor, data_dir, now=None):
    """Check, write under a random name, record; the file is removed again if recording fails."""
    content_type = check(data, filename)
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
