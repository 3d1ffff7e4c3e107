"""Public certificate endpoints: the registry's PEM chain and each certificate's signed record."""

from flask import Response, jsonify

from brandname import registry
from brandname.certificates import verification
from brandname.extensions import db
from brandname.web.api import bp


@bp.get("/registry-certificate")
def registry_certificate():
    """PEM: the registry root first, then every issuing certificate (oldest first)."""
    response = Response(registry.keys().pem_chain(), mimetype="application/x-pem-file")
    response.headers["Content-Disposition"] = 'inline; filename="brandname-registry-chain.pem"'
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/public/certificates/<serial>")
def public_certificate(serial):
    info = verification.status_of(db.session, serial)
    if not info["found"]:
        return jsonify(
            {
                "error": "not_found",
                "message": f"Không có giấy chứng nhận số {info['serial'] or serial} trong sổ đăng ký.",
                "message_en": f"No certificate {info['serial'] or serial} in the registry.",
            }
        ), 404
    return jsonify(
        {
            "serial": info["serial"],
            "record": info["record"],
            "signature": info["signature"],
            "kid": info["kid"],
            "status": info["status"],
            "superseded_by": info["superseded_by"],
            "revoked_at": info["revoked_at"],
            "ground": info["ground"],
        }
    )
