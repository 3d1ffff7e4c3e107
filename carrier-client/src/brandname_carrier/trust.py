"""Trust in the registry's data: the pinned root, its issuing certificates, signed documents.

On the first sync the registry root certificate is pinned. Every later chain must carry the same
root; every issuing certificate must be signed by it (X.509 signature checked); every JWS must be
ES256 under the key of one of those issuing certificates (kid = RFC 7638 thumbprint) and carry the
`typ` of the document expected.
"""

import base64
import json

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from brandname_carrier.errors import RegistryCertificateMismatch, TamperedData, refusal

# The JWS `typ` of the signed snapshot manifest and of a change page, and the `type` inside their
# payloads. The registry signs with these values and the client insists on them, so a manifest
# can never be passed off as a change page or the reverse.
SNAPSHOT_TYP = "brandname-snapshot-manifest"
CHANGES_TYP = "brandname-changes"
SNAPSHOT_TYPE = "brandname-snapshot"
CHANGES_TYPE = "brandname-changes"


def _load_chain(pem):
    try:
        certs = x509.load_pem_x509_certificates(pem if isinstance(pem, bytes) else pem.encode())
    except ValueError as exc:
        raise refusal(
            TamperedData,
            "Chuỗi chứng thư không đọc được.",
            f"The registry certificate chain is not valid PEM: {exc}",
        ) from exc
    if not certs:
        raise refusal(TamperedData, "Chuỗi chứng thư rỗng.", "The registry certificate chain is empty.")
    return certs


def _fingerprint(cert):
    return cert.fingerprint(cert.signature_hash_algorithm).hex()


def trusted_keys(chain_pem, pinned_root_pem=None):
    """{kid: ECKey} of the issuing certificates signed by the (pinned) root.

    Raises RegistryCertificateMismatch if the chain's root is not the pinned one."""
    certs = _load_chain(chain_pem)
    root = certs[0]
    if pinned_root_pem is not None:
        pinned = x509.load_pem_x509_certificate(pinned_root_pem.encode())
        if pinned.public_bytes(serialization.Encoding.DER) != root.public_bytes(serialization.Encoding.DER):
            raise refusal(
                RegistryCertificateMismatch,
                "Chứng thư gốc của sổ đăng ký khác với chứng thư đã ghim; không đồng bộ.",
                f"The registry root certificate ({_fingerprint(root)[:16]}…) differs from the pinned "
                f"one ({_fingerprint(pinned)[:16]}…); refusing to sync. Remove the local state only "
                "if the registry announced a new root.",
            )
    try:
        root.verify_directly_issued_by(root)
    except Exception as exc:  # noqa: BLE001 - any failure means not a self-signed root
        raise refusal(
            TamperedData,
            "Chứng thư gốc không tự ký hợp lệ.",
            f"The registry root is not a valid self-signed certificate: {exc}",
        ) from exc
    keys = {}
    for cert in certs[1:]:
        try:
            cert.verify_directly_issued_by(root)
        except Exception as exc:  # noqa: BLE001
            raise refusal(
                TamperedData,
                "Chứng thư ký không do chứng thư gốc cấp.",
                f"An issuing certificate is not signed by the registry root: {exc}",
            ) from exc
        pem = cert.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        jwk = ECKey.import_key(pem)
        keys[jwk.thumbprint()] = jwk
    if not keys:
        raise refusal(TamperedData, "Không có chứng thư ký nào.", "The chain has no issuing certificate.")
    root_pem = root.public_bytes(serialization.Encoding.PEM).decode("ascii")
    return root_pem, keys


def verify_jws(token, keys, typ):
    """The payload (parsed JSON) of a compact JWS signed by one of the trusted issuing keys."""
    if isinstance(token, bytes):
        token = token.decode("ascii", "replace")
    token = token.strip()
    try:
        header = json.loads(_b64(token.split(".")[0]))
    except (ValueError, IndexError) as exc:
        raise refusal(TamperedData, "Dữ liệu ký không đúng định dạng JWS.", "Not a compact JWS.") from exc
    if not isinstance(header, dict):
        raise refusal(TamperedData, "Dữ liệu ký không đúng định dạng JWS.", "Not a compact JWS.")
    if header.get("alg") != "ES256":
        raise refusal(
            TamperedData,
            "Thuật toán chữ ký không được chấp nhận.",
            f"Unexpected JWS algorithm {header.get('alg')!r}.",
        )
    key = keys.get(header.get("kid"))
    if key is None:
        raise refusal(
            TamperedData,
            "Khóa ký không thuộc chuỗi chứng thư của sổ đăng ký.",
            f"The JWS key id {header.get('kid')!r} is not an issuing certificate of the registry.",
        )
    if header.get("typ") != typ:
        raise refusal(
            TamperedData, "Loại dữ liệu ký không đúng.", f"Expected a {typ} JWS, got {header.get('typ')!r}."
        )
    try:
        obj = jws.deserialize_compact(token, key, algorithms=["ES256"])
    except (JoseError, ValueError) as exc:
        raise refusal(
            TamperedData,
            "Chữ ký không hợp lệ: dữ liệu đã bị sửa đổi.",
            f"The signature does not verify: the data was altered ({exc}).",
        ) from exc
    try:
        return json.loads(obj.payload)
    except ValueError as exc:
        raise refusal(
            TamperedData, "Nội dung ký không phải JSON.", "The signed payload is not JSON."
        ) from exc


def _b64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
