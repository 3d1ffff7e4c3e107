"""A periodic report (Art. 30–31) as a request carries it: the online form's figures, or the
signed form as a file; shared by the applicant portal and the carrier API."""

from flask import current_app

from brandname import lifecycle
from brandname.errors import InvalidInput
from brandname.rules import reporting
from brandname.web import uploads


def file_report(filer, *, actor, form, period=None, request_id=None, way, values=None, upload=None, notes=""):
    """File through lifecycle.file_report; `upload` is (filename, bytes) for a signed form.
    The file written for a refused filing is removed again."""
    chosen = reporting.form(form, filer.kind)
    if way == "document":
        if not upload or not upload[1]:
            raise InvalidInput(
                "Chọn tệp báo cáo đã ký để tải lên.", "Choose the signed report file to upload."
            )
        data_dir = current_app.config["DATA_DIR"]
        document = uploads.write_report_file(upload[1], upload[0], data_dir=data_dir)
        try:
            return lifecycle.file_report(
                _session(),
                filer,
                actor=actor,
                form=chosen.number,
                period=period,
                request_id=request_id,
                document=document,
                notes=notes,
                rules=_rules(),
            )
        except BaseException:
            uploads.remove_report_file(document, data_dir)
            raise
    if way != "online":
        raise InvalidInput(
            "Chọn hình thức nộp: tệp đã ký hoặc biểu mẫu trực tuyến.",
            "Choose how to file: the signed file or the online form.",
        )
    if not isinstance(values, dict):
        raise InvalidInput("Thiếu số liệu của biểu mẫu.", "The form's figures are missing.")
    return lifecycle.file_report(
        _session(),
        filer,
        actor=actor,
        form=chosen.number,
        period=period,
        request_id=request_id,
        figures=dict(values),
        notes=notes,
        rules=_rules(),
    )


def _session():
    from brandname.extensions import db

    return db.session


def _rules():
    from brandname import registry

    return registry.rules()
