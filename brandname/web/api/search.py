"""Public JSON search: `GET /api/v1/search?q=TEXT&page=1&per_page=20&mode=auto|prefix|substring`.

A read-only public lookup, so it reads through registry.read_session() (the replica when
DATABASE_READ_URL is set). The view only parses arguments; brandname/search.py does the work.
"""

from flask import jsonify, request

from brandname import registry
from brandname.extensions import public_lookup_limit
from brandname.store import search
from brandname.web.api import bp


@bp.get("/search")
@public_lookup_limit
def search_names():
    mode = request.args.get("mode", "auto")
    if mode not in ("auto", "prefix", "substring"):
        return jsonify(
            {
                "error": "invalid_input",
                "message": "Tham số mode phải là auto, prefix hoặc substring.",
                "message_en": "mode must be auto, prefix or substring.",
            }
        ), 400
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", 20))
    except ValueError:
        return jsonify(
            {
                "error": "invalid_input",
                "message": "page và per_page phải là số nguyên.",
                "message_en": "page and per_page must be integers.",
            }
        ), 400
    result = search.search_names(
        registry.read_session(), request.args.get("q", ""), page, per_page, mode=mode
    )
    response = jsonify(result.as_dict())
    response.headers["Cache-Control"] = "public, max-age=30"
    return response


# Merged into the OpenAPI document by web/api/openapi.py: `paths.update(OPENAPI_PATHS)`.
_RESULT = {
    "type": "object",
    "required": ["name", "status", "valid_from", "valid_until", "holder_kind", "holder_name"],
    "properties": {
        "name": {"type": "string"},
        "status": {"enum": ["reserved", "active", "expired", "revoked"]},
        "valid_from": {"type": ["string", "null"], "format": "date"},
        "valid_until": {"type": ["string", "null"], "format": "date"},
        "holder_kind": {"enum": ["organization", "individual"]},
        "holder_name": {
            "type": "string",
            "description": "an organization's name in full; an individual's masked (Nguyễn V. A.)",
        },
        "holder_id_number": {
            "type": ["string", "null"],
            "description": "enterprise code of an organization; null for individuals",
        },
        "renewal_pending": {
            "type": "boolean",
            "description": "a renewal filed before the expiry is undecided or awaiting its fee: "
            "the name stays in force past valid_until (gia hạn đang xử lý)",
        },
    },
}
OPENAPI_PATHS = {
    "/api/v1/search": {
        "get": {
            "summary": "Public name search: prefix, or substring (prefix matches first); paginated",
            "parameters": [
                {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}},
                {
                    "name": "page",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "integer", "minimum": 1, "maximum": 50, "default": 1},
                },
                {
                    "name": "per_page",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
                },
                {
                    "name": "mode",
                    "in": "query",
                    "required": False,
                    "schema": {"enum": ["auto", "prefix", "substring"], "default": "auto"},
                },
            ],
            "responses": {
                "200": {
                    "description": "one page",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["query", "mode", "page", "per_page", "has_next", "results"],
                                "properties": {
                                    "query": {"type": "string"},
                                    "mode": {"enum": ["prefix", "substring", "none"]},
                                    "page": {"type": "integer"},
                                    "per_page": {"type": "integer"},
                                    "has_next": {"type": "boolean"},
                                    "results": {"type": "array", "items": _RESULT},
                                },
                            }
                        }
                    },
                },
                "400": {
                    "description": "bad mode, page or per_page",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
            },
        }
    },
}
