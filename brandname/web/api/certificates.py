"""Public certificate endpoints: the registry's PEM chain, the CRL over its issuing
certificates, and each certificate's signed record."""

from flask import Blueprint, Response, jsonify, request

from brandname import registry
from brandname.certificates import verification
from brandname.extensions import db, public_lookup_limit
from brandname.transparency import log
from brandname.web.api import bp

# Outside /api/v1: the address is printed in every issuing certificate, so it must never move.
pki = Blueprint("pki", __name__, url_prefix="/pki")


@pki.get("/issuing.crl")
def issuing_crl():
    """DER: the root's CRL over the issuing certificates (RFC 5280), as their CRL distribution
    point names it."""
    response = Response(registry.keys().crl_der(), mimetype="application/pkix-crl")
    response.headers["Content-Disposition"] = 'inline; filename="issuing.crl"'
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/registry-certificate")
def registry_certificate():
    """PEM: the registry root first, then every issuing certificate (oldest first)."""
    response = Response(registry.keys().pem_chain(), mimetype="application/x-pem-file")
    response.headers["Content-Disposition"] = 'inline; filename="brandname-registry-chain.pem"'
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/public/certificates/<serial>")
@public_lookup_limit
def public_certificate(serial):
    """The certificate's public facts, with `?code=` its verification code (printed on it)."""
    info = verification.public_status(db.session, serial, request.args.get("code"))
    if not info["found"]:
        shown = info["serial"] or serial
        return jsonify(
            {
                "error": "not_found",
                "message": (
                    f"Không có giấy chứng nhận số {shown} trong sổ đăng ký, hoặc mã xác thực không đúng."
                ),
                "message_en": f"No certificate {shown} in the registry, or the verification code is wrong.",
            }
        ), 404
    public = info["record_public"]
    return jsonify(
        {
            "serial": info["serial"],
            "name": info["name"],
            "holder": {
                "kind": info["holder_kind"],
                "name": info["holder_name"],
                "id_number": info["holder_id_number"],
                "address": info["holder_address"],
            },
            "valid_from": info["valid_from"],
            "valid_until": info["valid_until"],
            # an individual's signed record (and its JWS, which carries it) holds their name and
            # address: the holder of the PDF has both; the public gets the facts above
            "record": info["record"] if public else None,
            "signature": info["signature"] if public else None,
            "kid": info["kid"],
            "status": info["status"],
            "superseded_by": info["superseded_by"],
            "revoked_at": info["revoked_at"],
            "ground": info["ground"],
            # the issuing act's leaf in the public log, proved against the current checkpoint
            "log": log.certificate_inclusion(db.session, info["serial"], registry.log_key()),
        }
    )
