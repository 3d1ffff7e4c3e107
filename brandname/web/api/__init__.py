"""The JSON API under /api/v1: public endpoints here; carrier endpoints join this blueprint."""

from flask import Blueprint, current_app, jsonify, request

from brandname import lifecycle, registry
from brandname.extensions import db, limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/availability")
@limiter.limit(lambda: current_app.config.get("AVAILABILITY_RATE_LIMIT", "300 per minute"))  # per IP
def availability():
    name = request.args.get("name")
    if name is None:
        return jsonify(
            {
                "error": "invalid_input",
                "message": "Thiếu tham số name.",
                "message_en": "The name parameter is missing.",
            }
        ), 400
    return jsonify(lifecycle.availability(db.session, name))


@bp.get("/keys")
def keys():
    response = jsonify(registry.keys().jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


# Carrier endpoints and the OpenAPI document register on this blueprint.
from brandname.web.api import (  # noqa: E402,F401  # noqa: E402,F401  (operator endpoint, off unless a token is set; public search)
    carrier,
    certificates,  # noqa: E402,F401  (registers routes on bp)
    openapi,
    operator,
    reports,
    search,
    tlog,
)
