"""The JSON API under /api/v1: public endpoints here; carrier endpoints join this blueprint."""
from flask import Blueprint, jsonify, request

from .. import lifecycle, registry
from ..extensions import db

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/availability")
def availability():
    name = request.args.get("name")
    if name is None:
        return jsonify({"error": "invalid_input", "message": "Thiếu tham số name.",
                        "message_en": "The name parameter is missing."}), 400
    return jsonify(lifecycle.availability(db.session, name))


@bp.get("/keys")
def keys():
    response = jsonify(registry.keys().jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


from . import operator, search  # noqa: E402,F401  (operator endpoint, off unless a token is set; public search)
