"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.

Hand-written: every route under /api/v1 must appear here (tests/test_openapi.py checks the app's
url_map against it and validates real responses against these schemas). JWS responses are
described as text; the schemas of their decoded payloads are components too
(`SnapshotManifest`, `ChangesPage`) and are referenced with the `x-jws-payload` extension.
"""

from flask import current_app, jsonify

from brandname.web.api import bp

NULLABLE_STRING = {"type": ["string", "null"]}
DAY = {"type": ["string", "null"], "format": "date"}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema, description):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error_response(description):
    return _json(_ref("Error"), description)


CARRIER_ERRORS = {
    "401": _error_response("Missing, wrong or revoked API key (WWW-Authenticate: Bearer)."),
    "429": _error_response("Too many requests for this API key (Retry-After tells when to retry)."),
}

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error", "message", "message_en"],
        "properties": {
            "error": {"type": "string", "description": "stable code, e.g. invalid_input, not_found"},
            "message": {"type": "string", "description": "Vietnamese"},
            "message_en": {"type": "string", "description": "English"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["path", "problem"],
                    "properties": {"path": {"type": "string"}, "problem": {"type": "string"}},
                },
            },
            "details": {"type": "object"},
            "max_items": {"type": "integer"},
            "head": {"type": "integer"},
            "limit": {"type": "string"},
            "status": {"enum": ["unregistered"], "description": "only for an impersonation risk (404)"},
            "deliverable": {"type": "boolean", "description": "only for an impersonation risk (404): false"},
            "reason": {"enum": ["impersonation_risk"], "description": "only for an impersonation risk (404)"},
            "lookalike_of": {
                "type": "array",
                "items": {"type": "string"},
                "description": "only with reason impersonation_risk: the registered names and the protected "
                "watch-list entries (state, bank, carrier, protected) the unregistered name resembles by "
                "sight, by sound or one edit away, and the holder's name for an approved variant it matches; "
                "the offline carrier client gives the same list from its snapshot (see ProtectedNames)",
            },
        },
    },
    "Authorization": {
        "type": "object",
        "required": ["id_number", "name"],
        "additionalProperties": False,
        "properties": {
            "id_number": {"type": "string", "description": "enterprise code of the authorized party"},
            "name": {"type": "string"},
        },
    },
    "Holder": {
        "type": "object",
        "required": ["name", "id_number"],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string"},
            "id_number": {"type": ["string", "null"], "description": "enterprise code; null for individuals"},
            "id_check": {
                "description": "individuals only (else null): the keyed hash of the holder's ID number. "
                "A carrier that verified its customer's number N compares hmac with "
                "HMAC-SHA-256(key = bytes of the hex salt, message = N without white space, upper-cased), "
                "in hex; the number itself is never published",
                "oneOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "required": ["salt", "hmac"],
                        "additionalProperties": False,
                        "properties": {
                            "salt": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                            "hmac": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                        },
                    },
                ],
            },
        },
    },
    "Channels": {
        "type": "array",
        "items": {"enum": ["sms", "voice"]},
        "description": "the forms of use the certificate names: SMS, voice calls or both (Art. 9.8, 13.8)",
    },
    "BrandnameState": {
        "type": "object",
        "required": [
            "name",
            "status",
            "channels",
            "holder",
            "serial",
            "valid_from",
            "valid_until",
            "revoked_at",
            "revocation_ground",
            "authorizations",
            "renewal_pending",
        ],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "description": "the holder's spelling"},
            "channels": _ref("Channels"),
            "status": {
                "enum": ["active", "reserved", "expired", "revoked"],
                "description": "an active name past its last valid day is reported expired, "
                "unless its renewal is pending",
            },
            "holder": _ref("Holder"),
            "serial": {
                "type": ["string", "null"],
                "description": "current certificate, e.g. BN-2026-0000123",
            },
            "valid_from": DAY,
            "valid_until": DAY,
            "revoked_at": {"type": ["string", "null"], "format": "date-time"},
            "revocation_ground": {
                "enum": [None, "spam", "arrears", "expired", "holder_request", "authority_request"]
            },
            "authorizations": {"type": "array", "items": _ref("Authorization")},
            "renewal_pending": {
                "type": "boolean",
                "description": "a renewal filed before the expiry is undecided or awaiting its fee "
                "(gia hạn đang xử lý): the name stays active past valid_until until the renewal is "
                "issued (a new valid_until) or ends without one (the name expires)",
            },
        },
    },
    "StateRecord": {
        "description": "a line of the snapshot or a name in a change entry (stored status; "
        "released names appear only in changes, as {name_normal, status: released})",
        "oneOf": [
            {
                "type": "object",
                "required": [
                    "name",
                    "name_normal",
                    "status",
                    "channels",
                    "holder",
                    "serial",
                    "valid_from",
                    "valid_until",
                    "revoked_at",
                    "revocation_ground",
                    "authorizations",
                    "renewal_pending",
                ],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string"},
                    "name_normal": {"type": "string"},
                    "channels": _ref("Channels"),
                    "status": {"enum": ["active", "reserved", "expired", "revoked"]},
                    "holder": _ref("Holder"),
                    "serial": NULLABLE_STRING,
                    "valid_from": DAY,
                    "valid_until": DAY,
                    "revoked_at": {"type": ["string", "null"], "format": "date-time"},
                    "revocation_ground": NULLABLE_STRING,
                    "authorizations": {"type": "array", "items": _ref("Authorization")},
                    "renewal_pending": {"type": "boolean"},
                },
            },
            {
                "type": "object",
                "required": ["name_normal", "status"],
                "additionalProperties": False,
                "properties": {"name_normal": {"type": "string"}, "status": {"const": "released"}},
            },
        ],
    },
    "VerifyRequest": {
        "type": "object",
        "required": ["items"],
        "additionalProperties": False,
        "properties": {
            "items": {
                "type": "array",
                "maxItems": 1000,
                "description": "an item that is not a VerifyItem is answered on its own with reason "
                "invalid_item and its errors; the other items are answered as usual",
                "items": {"anyOf": [_ref("VerifyItem"), {}]},
            }
        },
    },
    "VerifyItem": {
        "type": "object",
        "required": ["name"],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string"},
            "holder_id": {
                "type": ["string", "null"],
                "maxLength": 40,
                "description": "the sender: its enterprise code, or for an individual the ID "
                "number the carrier verified (compared by the registry, never stored or echoed)",
            },
            "channel": {
                "enum": ["sms", "voice", None],
                "description": "the form of use of the message; a name certified only for "
                "the other one answers channel_not_certified",
            },
        },
    },
    "VerifyResponse": {
        "type": "object",
        "required": ["results"],
        "additionalProperties": False,
        "properties": {
            "results": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "deliverable", "status", "reason"],
                    "additionalProperties": False,
                    "properties": {
                        "name": {
                            "type": ["string", "null"],
                            "description": "null for an item without a name",
                        },
                        "errors": {
                            "type": "array",
                            "description": "only with reason invalid_item: what is wrong with the item",
                            "items": {
                                "type": "object",
                                "required": ["path", "problem"],
                                "properties": {"path": {"type": "string"}, "problem": {"type": "string"}},
                            },
                        },
                        "deliverable": {"type": "boolean"},
                        "status": {
                            "enum": [None, "active", "reserved", "expired", "revoked", "unregistered"]
                        },
                        "lookalike_of": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "only with reason impersonation_risk: the registered names and the protected "
                            "watch-list entries (state, bank, carrier, protected) the unregistered name resembles by "
                            "sight, by sound or one edit away, and the holder's name for an approved variant it "
                            "matches; the offline carrier client answers alike",
                        },
                        "reason": {
                            "enum": [
                                "ok",
                                "not_registered",
                                "reserved",
                                "expired",
                                "revoked",
                                "channel_not_certified",
                                "holder_mismatch",
                                "invalid_item",
                                "impersonation_risk",
                            ],
                            "description": "impersonation_risk: not registered, and confusable with a "
                            "registered or protected name (status unregistered, lookalike_of lists them); "
                            "a harmless unregistered name answers not_registered",
                        },
                    },
                },
            }
        },
    },
    "ProtectedNames": {
        "type": "array",
        "description": "The protected names an unregistered name is compared with besides the registered ones "
        "(Art. 23(4)): the watch-list's state bodies, banks, carriers and protected names, and the look-alike "
        "variants officers approved for a holder. A name that matches one (brandname_carrier.rules.impersonates) "
        "is answered impersonation_risk with `of` in lookalike_of.",
        "items": {
            "type": "object",
            "required": ["name", "category", "of"],
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string"},
                "category": {"enum": ["state", "bank", "carrier", "protected", "variant"]},
                "of": {
                    "type": "string",
                    "description": "the name an answer lists: the holder's name for a variant",
                },
            },
        },
    },
    "SnapshotManifest": {
        "type": "object",
        "required": ["type", "version", "seq", "time", "count", "sha256", "size", "format"],
        "additionalProperties": False,
        "properties": {
            "type": {"const": "brandname-snapshot"},
            "version": {
                "enum": [1, 2],
                "description": "2 carries targets; a version 1 manifest has none (read as no protected names)",
            },
            "targets": {"$ref": "#/components/schemas/ProtectedNames"},
            "seq": {"type": "integer", "minimum": 0},
            "time": {"type": "string", "format": "date-time"},
            "count": {"type": "integer", "minimum": 0},
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "size": {"type": "integer", "minimum": 0},
            "format": {"const": "application/jsonl+gzip"},
        },
    },
    "ChangesPage": {
        "type": "object",
        "required": ["type", "version", "since", "next", "head", "time", "changes"],
        "additionalProperties": False,
        "properties": {
            "type": {"const": "brandname-changes"},
            "version": {"enum": [1, 2]},
            "targets": {
                "allOf": [{"$ref": "#/components/schemas/ProtectedNames"}],
                "description": "present when an event of the page changed the protected names: the whole list, "
                "which replaces the one held",
            },
            "since": {"type": "integer"},
            "next": {"type": "integer"},
            "head": {"type": "integer"},
            "time": {"type": "string", "format": "date-time"},
            "changes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["seq", "at", "act", "names"],
                    "additionalProperties": False,
                    "properties": {
                        "seq": {"type": "integer"},
                        "at": {"type": "string"},
                        "act": {"type": "string"},
                        "names": {"type": "array", "items": _ref("StateRecord")},
                    },
                },
            },
        },
    },
    "Availability": {
        "type": "object",
        "required": ["name", "valid", "errors", "available", "confusable_with", "warnings"],
        "properties": {
            "name": {"type": "string"},
            "valid": {"type": "boolean"},
            "available": {"type": "boolean"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["code", "message", "message_en"],
                    "properties": {
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "message_en": {"type": "string"},
                    },
                },
            },
            "confusable_with": {
                "type": "array",
                "items": {"type": "string"},
                "description": "registered names that look or sound the same (the lookalike and soundalike warnings)",
            },
            "registrable": {
                "type": "boolean",
                "description": "valid, free and unlike every registered name (a confusable name is refused)",
            },
            "reason": {"type": ["string", "null"], "description": "why it is not registrable (Vietnamese)"},
            "reason_en": {"type": ["string", "null"], "description": "the same in English"},
            "suggestion": {
                "type": "string",
                "description": "the name without diacritics, when only they make it invalid",
            },
            "warnings": {
                "type": "array",
                "description": "Art. 23(4): every reason an officer may find the name confusable; officers decide",
                "items": _ref("ConfusionWarning"),
            },
            "protected_variant_of": {
                "type": "string",
                "description": "present when the name is a look-alike variant an officer protected for the holder "
                "of this registered name: it is not available to anyone else (available and registrable false)",
            },
        },
    },
    "ConfusionWarning": {
        "type": "object",
        "required": ["kind", "name", "category"],
        "properties": {
            "kind": {
                "type": "string",
                "enum": ["lookalike", "soundalike", "near_miss", "watchlist"],
                "description": "lookalike: the same on a phone screen (0/O, 1/I/L, RN/M...); soundalike: "
                "the same read aloud in Vietnamese (PH/F, Y/I, K/C/Q, GI/D/Z, W/V, doubled letters, teen "
                "code); near_miss: one insertion, deletion, substitution or swap from a name of 5 or more "
                "characters; watchlist: matches an entry of the registry's watch-list",
            },
            "name": {"type": "string", "description": "the registered name or the watch-list entry"},
            "category": {
                "type": ["string", "null"],
                "enum": ["state", "bank", "carrier", "protected", "sensitive", None],
                "description": "the watch-list entry's category; null for registered names",
            },
            "match": {
                "type": "string",
                "enum": ["exact", "lookalike", "soundalike", "near_miss", "contains"],
                "description": "watchlist only: how the name matches the entry (contains: a sensitive word "
                "inside the name, without diacritics)",
            },
        },
    },
    "JWKSet": {
        "type": "object",
        "required": ["keys"],
        "properties": {
            "keys": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["kty", "crv", "x", "y", "kid", "alg"],
                    "properties": {
                        "kty": {"const": "EC"},
                        "crv": {"const": "P-256"},
                        "x": {"type": "string"},
                        "y": {"type": "string"},
                        "kid": {"type": "string"},
                        "alg": {"const": "ES256"},
                        "use": {"const": "sig"},
                    },
                },
            }
        },
    },
    "PublicCertificate": {
        "type": "object",
        "description": (
            "A certificate's public facts; for an organization also its signed canonical record and "
            "compact JWS. An individual's record (full name, address) is withheld: record and "
            "signature are null, the holder's name is masked and the PDF carries the full record"
        ),
        "properties": {
            "serial": {"type": "string"},
            "name": {"type": "string"},
            "holder": {
                "type": "object",
                "properties": {
                    "kind": {"enum": ["organization", "individual"]},
                    "name": {"type": "string"},
                    "id_number": {"type": ["string", "null"]},
                    "address": {"type": ["string", "null"]},
                },
            },
            "valid_from": {"type": "string", "format": "date"},
            "valid_until": {"type": "string", "format": "date"},
            "record": {"type": ["string", "null"]},
            "signature": {"type": ["string", "null"]},
            "kid": {"type": "string"},
            "log": {
                "description": (
                    "The issuing act's leaf in the transparency log and its RFC 9162 inclusion proof "
                    "(hex, deepest first) against the signed checkpoint given with it"
                ),
                "type": ["object", "null"],
                "required": ["index", "size", "leaf_hash", "root", "inclusion", "checkpoint"],
                "properties": {
                    "index": {"type": "integer", "minimum": 0},
                    "size": {"type": "integer", "minimum": 1},
                    "leaf_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                    "root": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                    "inclusion": {"type": "array", "items": {"type": "string", "pattern": "^[0-9a-f]{64}$"}},
                    "checkpoint": {"type": "string"},
                },
            },
        },
    },
}

BEARER = [{"carrierKey": []}]
JOSE_TEXT = {"application/jose": {"schema": {"type": "string", "pattern": r"^[\w-]+\.[\w-]+\.[\w-]+$"}}}


def document():
    paths = {
        "/api/v1/availability": {
            "get": {
                "summary": "Is a proposed sender name valid and free? (public, rate limited per IP)",
                "parameters": [
                    {"name": "name", "in": "query", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": _json(_ref("Availability"), "the answer"),
                    "400": _error_response("name missing"),
                    "429": _error_response("too many requests from this address"),
                },
            }
        },
        "/api/v1/keys": {
            "get": {
                "summary": "The registry's public signing keys (JWK Set, old keys included)",
                "responses": {"200": _json(_ref("JWKSet"), "JWK Set")},
            }
        },
        "/api/v1/registry-certificate": {
            "get": {
                "summary": "PEM chain: the registry root, then every issuing certificate (pin the root)",
                "responses": {
                    "200": {
                        "description": "PEM certificates",
                        "content": {"application/x-pem-file": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
        "/api/v1/public/certificates/{serial}": {
            "get": {
                "summary": "A certificate's public facts; an organization's signed record and JWS",
                "parameters": [
                    {"name": "serial", "in": "path", "required": True, "schema": {"type": "string"}},
                    {
                        "name": "code",
                        "in": "query",
                        "required": True,
                        "description": "the verification code printed next to the serial",
                        "schema": {"type": "string"},
                    },
                ],
                "responses": {
                    "200": _json(_ref("PublicCertificate"), "the certificate"),
                    "404": _error_response("no such serial, or the code is wrong"),
                    "429": _error_response("too many lookups from this address"),
                },
            }
        },
        "/api/v1/brandnames/{name}": {
            "get": {
                "summary": "State of a sender name (case-insensitive); ETag and Cache-Control set",
                "security": BEARER,
                "parameters": [
                    {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": _json(_ref("BrandnameState"), "the name's state"),
                    "304": {"description": "unchanged (If-None-Match)"},
                    "404": _error_response(
                        "never registered (or released); a name that could pass for a registered or "
                        "protected one also carries status unregistered, deliverable false, reason "
                        "impersonation_risk and lookalike_of"
                    ),
                    **CARRIER_ERRORS,
                },
            }
        },
        "/api/v1/verify": {
            "post": {
                "summary": "Bulk check: may messages be delivered under these names (and senders)?",
                "security": BEARER,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("VerifyRequest")}},
                },
                "responses": {
                    "200": _json(_ref("VerifyResponse"), "one result per item, same order"),
                    "400": _error_response(
                        "a malformed body (not JSON, nested too deep, no items list); `errors` lists each problem"
                    ),
                    "413": _error_response("more than 1000 items"),
                    **CARRIER_ERRORS,
                },
            }
        },
        "/api/v1/snapshot": {
            "get": {
                "summary": "gzip'd JSON lines (one StateRecord per line) of every name not released",
                "security": BEARER,
                "parameters": [
                    {
                        "name": "seq",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 0},
                        "description": "the snapshot named by a manifest (recent ones are kept)",
                    }
                ],
                "responses": {
                    "200": {
                        "description": "the file; X-Snapshot-Seq gives its sequence",
                        "content": {"application/gzip": {"schema": {"type": "string", "format": "binary"}}},
                    },
                    "400": _error_response("bad seq"),
                    "404": _error_response("that snapshot is no longer kept"),
                    **CARRIER_ERRORS,
                },
            }
        },
        "/api/v1/snapshot/manifest": {
            "get": {
                "summary": "Compact JWS (ES256) whose payload is a SnapshotManifest",
                "security": BEARER,
                "responses": {
                    "200": {
                        "description": "JWS",
                        "content": JOSE_TEXT,
                        "x-jws-payload": _ref("SnapshotManifest"),
                    },
                    **CARRIER_ERRORS,
                },
            }
        },
        "/api/v1/changes": {
            "get": {
                "summary": "Compact JWS (ES256) whose payload is a ChangesPage: the events after `since`",
                "security": BEARER,
                "parameters": [
                    {
                        "name": "since",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 0},
                    },
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "default": 1000},
                    },
                    {
                        "name": "wait",
                        "in": "query",
                        "required": False,
                        "description": "follow mode: when `since` is the head, hold the request until the "
                        "next act or this many seconds (then an empty page); at most "
                        "BRANDNAME_CARRIER_CHANGES_MAX_WAIT (30)",
                        "schema": {"type": "integer", "minimum": 0, "maximum": 30, "default": 0},
                    },
                ],
                "responses": {
                    "200": {"description": "JWS", "content": JOSE_TEXT, "x-jws-payload": _ref("ChangesPage")},
                    "400": _error_response(
                        "since missing, not a number or ahead of the registry; wait too long"
                    ),
                    **CARRIER_ERRORS,
                },
            }
        },
        "/api/v1/openapi.json": {
            "get": {
                "summary": "This document",
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    }
    from brandname.web.api import operator, reports, search, tlog

    paths.update(search.OPENAPI_PATHS)
    paths.update(reports.OPENAPI_PATHS)
    paths.update(tlog.OPENAPI_PATHS)
    paths.update(operator.OPENAPI_PATHS)
    for operations in paths.values():
        for operation in operations.values():
            # refused before any view (brandname/web/input.py), on every route alike
            operation["responses"].setdefault(
                "400",
                _error_response(
                    "malformed input: a control character (NUL, line break) in the path or query string"
                ),
            )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "brandname registry API",
            "version": "1",
            "description": "Sổ đăng ký tên định danh (Nghị định 91/2020/NĐ-CP) — carrier and public API. "
            "Errors are JSON {error, message (Vietnamese), message_en}.",
        },
        "servers": [{"url": current_app.config.get("PUBLIC_URL", "/")}],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "carrierKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "API key from `brandname create-carrier`",
                },
                **operator.OPENAPI_SECURITY_SCHEMES,
            },
        },
    }


@bp.get("/openapi.json")
def openapi_json():
    response = jsonify(document())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
