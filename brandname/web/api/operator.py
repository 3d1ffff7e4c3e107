"""A minimal operator JSON endpoint, off unless BRANDNAME_OPERATOR_TOKEN is set.

It exists so that automation (and the two-instance race test) can drive the approval act over
HTTP before the officer console exists on this branch: `POST /api/v1/operator/applications/<id>/approve`
with `Authorization: Bearer <token>`. The view is thin: lifecycle.approve does the work, acting
as `operator:api` in the event log. Without a configured token the route answers 404.
"""

import hmac

from flask import abort, current_app, jsonify, request

from brandname import lifecycle, registry
from brandname.extensions import db
from brandname.web.api import bp


def _operator():
    token = current_app.config.get("OPERATOR_TOKEN") or ""
    if not token:
        abort(404)
    given = request.headers.get("Authorization", "")
    if not given.startswith("Bearer ") or not hmac.compare_digest(given[7:].encode(), token.encode()):
        return None
    return lifecycle.Actor.operator("api")


@bp.post("/operator/applications/<int:application_id>/approve")
def operator_approve(application_id):
    actor = _operator()
    if actor is None:
        return jsonify(
            {
                "error": "unauthorized",
                "message": "Thiếu hoặc sai mã truy cập của người vận hành.",
                "message_en": "Missing or wrong operator token.",
            }
        ), 401
    application = lifecycle.approve(
        db.session, application_id, actor=actor, rules=registry.rules()
    ).application
    return jsonify(
        {
            "application_id": application.id,
            "status": application.status,
            "fee_vnd": application.fee_vnd,
            "approved": [rn.name for rn in application.names if rn.status == "approved"],
        }
    )


# Merged into the OpenAPI document by web/api/openapi.py: `paths.update(OPENAPI_PATHS)`.
_ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
OPENAPI_PATHS = {
    "/api/v1/operator/applications/{application_id}/approve": {
        "post": {
            "summary": "Operator automation: approve an application (off unless BRANDNAME_OPERATOR_TOKEN is set)",
            "security": [{"operatorToken": []}],
            "parameters": [
                {"name": "application_id", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "responses": {
                "200": {
                    "description": "approved",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["application_id", "status", "fee_vnd", "approved"],
                                "properties": {
                                    "application_id": {"type": "integer"},
                                    "status": {"type": "string"},
                                    "fee_vnd": {"type": ["integer", "null"]},
                                    "approved": {"type": "array", "items": {"type": "string"}},
                                },
                            }
                        }
                    },
                },
                "401": {"description": "missing or wrong token", **_ERROR},
                "404": {"description": "no such application, or the route is off", **_ERROR},
                "409": {
                    "description": "conflict (another application won the name), not awaiting a decision, "
                    "or `warnings_undecided`: a confusion warning of a name has no officer's decision yet",
                    **_ERROR,
                },
            },
        }
    },
}
OPENAPI_SECURITY_SCHEMES = {
    "operatorToken": {"type": "http", "scheme": "bearer", "description": "BRANDNAME_OPERATOR_TOKEN"}
}
