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
    period, forms, requests = periodic_reports.due_for(
        db.session, _filer(), today=today, rules=registry.rules()
    )
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
                raise InvalidInput(
                    "Thân yêu cầu phải là một đối tượng JSON.", "The body must be a JSON object."
                )
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


# Merged into the OpenAPI document by web/api/openapi.py: `paths.update(OPENAPI_PATHS)`.
_ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_BEARER = [{"carrierKey": []}]
_FILED = {
    "type": "object",
    "required": ["id", "form", "period_start", "period_end", "due_date", "way", "filed_at", "late"],
    "properties": {
        "id": {"type": "integer"},
        "form": {"enum": ["05", "06"]},
        "period": {
            "type": ["string", "null"],
            "description": "the calendar's period (2026, 2026-H1, 2026-Q3)",
        },
        "request_id": {"type": ["integer", "null"]},
        "period_start": {"type": "string", "format": "date"},
        "period_end": {"type": "string", "format": "date"},
        "due_date": {"type": "string", "format": "date"},
        "way": {"enum": ["online", "document"]},
        "figures": {"type": ["object", "null"], "additionalProperties": {"type": "integer"}},
        "sha256": {"type": ["string", "null"]},
        "filed_at": {"type": "string"},
        "late": {"type": "boolean"},
    },
}
_CARRIER_ERRORS = {
    "401": {"description": "missing, wrong or revoked API key", **_ERROR},
    "429": {"description": "too many requests for this API key", **_ERROR},
}
OPENAPI_PATHS = {
    "/api/v1/reports": {
        "get": {
            "summary": "The carrier's periodic reports (Art. 30–31): what it owes for the latest ended period, "
            "the authority's open requests, and what it filed",
            "security": _BEARER,
            "responses": {
                "200": {
                    "description": "owed, requested and filed reports",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["period", "due_date", "owed", "requests", "filed"],
                                "properties": {
                                    "period": {"type": "string"},
                                    "period_start": {"type": "string", "format": "date"},
                                    "period_end": {"type": "string", "format": "date"},
                                    "due_date": {"type": "string", "format": "date"},
                                    "owed": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["form", "figures"],
                                            "properties": {
                                                "form": {"enum": ["05", "06"]},
                                                "title": {"type": "string"},
                                                "figures": {"type": "array", "items": {"type": "string"}},
                                            },
                                        },
                                    },
                                    "requests": {"type": "array", "items": {"type": "object"}},
                                    "filed": {"type": "array", "items": _FILED},
                                },
                            }
                        }
                    },
                },
                **_CARRIER_ERRORS,
            },
        },
        "post": {
            "summary": "File a periodic report (Form 05 or 06): JSON {form, period | request_id, figures, notes}, "
            "or multipart with form, period | request_id and the signed form as `file` (PDF, JPEG, PNG)",
            "security": _BEARER,
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["form", "figures"],
                            "properties": {
                                "form": {"enum": ["05", "06"]},
                                "period": {"type": "string"},
                                "request_id": {"type": "integer"},
                                "figures": {"type": "object", "additionalProperties": {"type": "integer"}},
                                "notes": {"type": "string"},
                            },
                        }
                    },
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["form", "file"],
                            "properties": {
                                "form": {"type": "string"},
                                "period": {"type": "string"},
                                "request_id": {"type": "integer"},
                                "file": {"type": "string", "contentMediaType": "application/octet-stream"},
                            },
                        }
                    },
                },
            },
            "responses": {
                "201": {"description": "filed", "content": {"application/json": {"schema": _FILED}}},
                "400": {"description": "wrong figures (details.fields names each) or file", **_ERROR},
                "403": {"description": "a request addressed to someone else", **_ERROR},
                "404": {"description": "no such request", **_ERROR},
                "409": {"description": "already filed, or the period has not ended", **_ERROR},
                **_CARRIER_ERRORS,
            },
        },
    }
}
