"""Public JSON search: `GET /api/v1/search?q=TEXT&page=1&per_page=20&mode=auto|prefix|substring`.

A read-only public lookup, so it reads through registry.read_session() (the replica when
DATABASE_READ_URL is set). The view only parses arguments; brandname/search.py does the work.
"""
from flask import jsonify, request

from .. import registry, search
from . import bp


@bp.get("/search")
def search_names():
    mode = request.args.get("mode", "auto")
    if mode not in ("auto", "prefix", "substring"):
        return jsonify({"error": "invalid_input", "message": "Tham số mode phải là auto, prefix hoặc substring.",
                        "message_en": "mode must be auto, prefix or substring."}), 400
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", 20))
    except ValueError:
        return jsonify({"error": "invalid_input", "message": "page và per_page phải là số nguyên.",
                        "message_en": "page and per_page must be integers."}), 400
    result = search.search_names(registry.read_session(), request.args.get("q", ""), page, per_page, mode=mode)
    response = jsonify(result.as_dict())
    response.headers["Cache-Control"] = "public, max-age=30"
    return response
