"""The carrier's periodic reports (Art. 30–31, Forms 05 and 06) over the API, authenticated by
its API key as every carrier endpoint: what it owes, and filing one as JSON figures or as the
signed form (multipart)."""

from flask import g, jsonify, request

from brandname import registry
from brandname.errors import DomainError, InvalidInput
from brandname.extensions import db
from brandname.lifecycle import periodic_reports
from brandname.rules import dates
from brandname.web import filing
from brandname.web.api.carrier import carrier_route


def _filer():
    return periodic_reports.Filer.carrier(g.carrier_id)


def _report(r):
    return {
        "id": r.id,
        "form": r.form,
        "period": r.period_label,
        "request_id": r.request_id,
        "period_start": r.period_start.isoformat(),
        "period_end": r.period_end.isoformat(),
        "due_date": r.due_date.isoformat(),
        "way": r.way,
        "figures": r.figures,
        "sha256": r.sha256,
        "filed_at": r.filed_at.isoformat() + "Z",
        "late": r.late,
    }


@carrier_route("/reports", methods=["GET"])
def carrier_reports():
    today = dates.local_today()
    period, forms, requests = periodic_reports.due_for(db.session, _filer(), today=today, rules=registry.rules())
    return jsonify(
        {
            "period": period.label,
            "period_start": period.start.isoformat(),
            "period_end": period.end.isoformat(),
            "due_date": period.due_date.isoformat(),
            "owed": [{"form": f.number, "title": f.title_vi, "figures": list(f.keys)} for f in forms],
            "requests": [
                {
                    "id": r.id,
                    "form": r.form,
                    "subject": r.subject,
                    "period_start": r.period_start.isoformat(),
                    "period_end": r.period_end.isoformat(),
                    "due_date": r.due_date.isoformat(),
                }
                for r in requests
            ],
            "filed": [_report(r) for r in periodic_reports.filings(db.session, _filer())],
        }
    )


def _error(exc):
    return jsonify(exc.as_dict()), exc.status


@carrier_route("/reports", methods=["POST"])
def carrier_file_report():
    actor = periodic_reports.carrier_actor(g.carrier_name)
    try:
        if request.mimetype == "multipart/form-data":
            upload = request.files.get("file")
            source, way = request.form, "document"
            values = None
            content = (upload.filename, upload.read()) if upload else None
        else:
            source = request.get_json(silent=True)
            if not isinstance(source, dict):
                raise InvalidInput("Thân yêu cầu phải là một đối tượng JSON.", "The body must be a JSON object.")
            way, values, content = "online", source.get("figures"), None
        request_id = source.get("request_id")
        if request_id is not None and not str(request_id).isdigit():
            raise InvalidInput("request_id phải là một số.", "request_id must be a number.")
        report = filing.file_report(
            _filer(),
            actor=actor,
            form=str(source.get("form") or ""),
            period=None if request_id else source.get("period"),
            request_id=int(request_id) if request_id else None,
            way=way,
            values=values,
            upload=content,
            notes=source.get("notes") or "",
        )
    except DomainError as exc:
        return _error(exc)
    return jsonify(_report(report)), 201
