"""The transparency log over HTTP: C2SP tlog-tiles under /tlog, JSON proofs under /api/v1/tlog.

Tiles and entry bundles never change once served (a partial tile has its width in its path), so
they are cached for a year; the checkpoint is signed fresh for each request and never cached.
"""

from flask import Blueprint, Response, jsonify, request

from brandname import registry
from brandname.extensions import db
from brandname.transparency import log
from brandname.web.api import bp

tiles = Blueprint("tlog", __name__, url_prefix="/tlog")

IMMUTABLE = "public, max-age=31536000, immutable"


def _bad(message_vi, message_en, status=400):
    return jsonify({"error": "invalid_input", "message": message_vi, "message_en": message_en}), status


def _not_found():
    return Response("not found\n", status=404, mimetype="text/plain")


@tiles.get("/checkpoint")
def checkpoint():
    _, _, note = log.signed_checkpoint(db.session, registry.log_key())
    response = Response(note, mimetype="text/plain; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response


def _tile(index, read):
    """A tile (or entry bundle) by its C2SP path; 404 for a malformed path or one the tree lacks."""
    try:
        n, width = log.parse_tile_path(index)
    except ValueError:
        return _not_found()
    data = read(n, width)
    if data is None:
        return _not_found()
    response = Response(data, mimetype="application/octet-stream")
    response.headers["Cache-Control"] = IMMUTABLE
    return response


@tiles.get("/tile/entries/<path:index>")
def entries_tile(index):
    return _tile(index, lambda n, width: log.entries_tile(db.session, n, width))


@tiles.get("/tile/<int:level>/<path:index>")
def hash_tile(level, index):
    if level > 5:
        return _not_found()
    return _tile(index, lambda n, width: log.tile(db.session, level, n, width))


@bp.get("/tlog/vkey")
def vkey():
    response = Response(registry.log_key().vkey + "\n", mimetype="text/plain; charset=utf-8")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _int_args(*names):
    values = []
    for name in names:
        raw = request.args.get(name, "")
        if not raw.isdigit() or len(raw) > 18:
            raise ValueError(name)
        values.append(int(raw))
    return values


def _proof(first, second, prove, rule_vi, rule_en):
    try:
        a, b = _int_args(first, second)
        proof = prove(db.session, a, b)
    except ValueError as exc:
        return _bad(
            f"Tham số không hợp lệ: {exc}. Cần {rule_vi} kích thước sổ.",
            f"Invalid parameters: {exc}. Needs {rule_en} the log's size.",
        )
    return jsonify({first: a, second: b, "hashes": [h.hex() for h in proof]})


@bp.get("/tlog/inclusion")
def inclusion():
    return _proof("index", "size", log.inclusion, "index < size ≤", "index < size ≤")


@bp.get("/tlog/consistency")
def consistency():
    return _proof("from", "to", log.consistency, "from ≤ to ≤", "from ≤ to ≤")


def _proof_schema(first, second):
    return {
        "type": "object",
        "required": [first, second, "hashes"],
        "properties": {
            first: {"type": "integer", "minimum": 0},
            second: {"type": "integer", "minimum": 0},
            "hashes": {"type": "array", "items": {"type": "string", "pattern": "^[0-9a-f]{64}$"}},
        },
    }


def _int_param(name, description):
    return {
        "name": name,
        "in": "query",
        "required": True,
        "description": description,
        "schema": {"type": "integer"},
    }


_ERROR = {
    "description": "",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}

OPENAPI_PATHS = {
    "/api/v1/tlog/vkey": {
        "get": {
            "summary": "The transparency log's verifier key (C2SP signed-note form): pin it",
            "responses": {
                "200": {
                    "description": "<name>+<key id>+<key>",
                    "content": {"text/plain": {"schema": {"type": "string"}}},
                }
            },
        }
    },
    "/api/v1/tlog/inclusion": {
        "get": {
            "summary": "RFC 9162 inclusion proof of leaf `index` in the tree of `size` leaves (deepest first)",
            "parameters": [
                _int_param("index", "leaf index (event seq - 1)"),
                _int_param("size", "tree size"),
            ],
            "responses": {
                "200": {
                    "description": "the proof",
                    "content": {"application/json": {"schema": _proof_schema("index", "size")}},
                },
                "400": {**_ERROR, "description": "index or size outside the log"},
            },
        }
    },
    "/api/v1/tlog/consistency": {
        "get": {
            "summary": "RFC 9162 consistency proof from the tree of `from` leaves to the tree of `to` leaves",
            "parameters": [_int_param("from", "older tree size"), _int_param("to", "newer tree size")],
            "responses": {
                "200": {
                    "description": "the proof",
                    "content": {"application/json": {"schema": _proof_schema("from", "to")}},
                },
                "400": {**_ERROR, "description": "sizes outside the log"},
            },
        }
    },
}
