"""Registry keys: PAdES signing and validation of PDFs, foreign keys, tampering, key rotation."""

import base64
import json
import os
import shutil
import stat
from datetime import UTC
from io import BytesIO

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from joserfc import jws
from joserfc.jwk import KeySet
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select

from brandname.certificates import signing
from brandname.certificates.signing import KeysMissing, KeyStore, SignatureInvalid, canonical_json
from brandname.store.models import Certificate

from .conftest import Registry


def blank_pdf(text="Tài liệu thử"):
    buf = BytesIO()
    c = Canvas(buf)
    c.drawString(72, 720, "brandname test document")
    c.setTitle(text)
    c.showPage()
    c.save()
    return buf.getvalue()


def pyhanko_status(keys, data):
    reader = PdfFileReader(BytesIO(data))
    [sig] = reader.embedded_signatures
    root = asn1_x509.Certificate.load(keys.root_certificate.public_bytes(signing.serialization.Encoding.DER))
    return sig, validate_pdf_signature(sig, ValidationContext(trust_roots=[root], allow_fetching=False))


def test_pdf_signature_is_pades_intact_valid_and_trusted_with_the_root(keys):
    signed = signing.sign_pdf(keys, blank_pdf())
    sig, status = pyhanko_status(keys, signed)
    assert status.intact and status.valid and status.trusted
    assert status.bottom_line
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES baseline
    assert sig.sig_object_type == "/Sig"
    # a certification signature: DocMDP, no changes allowed
    assert sig.docmdp_level == fields.MDPPerm.NO_CHANGES and status.docmdp_ok
    # the chain is embedded: the issuing certificate and the registry root
    embedded = {cc.chosen.subject.human_friendly for cc in sig.signed_data["certificates"]}
    assert any("Issuing" in s for s in embedded) and any("Root" in s for s in embedded)
    assert status.signing_cert.dump() == keys.current.certificate.public_bytes(
        signing.serialization.Encoding.DER
    )
    check = signing.check_pdf(keys, signed)
    assert check.ok and check.kid == keys.current_kid


def test_one_changed_byte_in_the_signed_range_breaks_the_signature(keys):
    signed = signing.sign_pdf(keys, blank_pdf())
    # the page content stream is compressed; change a byte of the document information instead
    position = signed.index(b"/Producer")
    assert position < signed.index(b"/ByteRange")  # inside the first signed range
    tampered = bytearray(signed)
    tampered[position + 3] ^= 0x01
    check = signing.check_pdf(keys, bytes(tampered))
    assert check.problem == "broken", check
    # and the same with pyHanko directly
    _, status = pyhanko_status(keys, bytes(tampered))
    assert not status.intact


def test_any_single_byte_flip_anywhere_in_the_signed_ranges_is_caught(keys):
    signed = signing.sign_pdf(keys, blank_pdf())
    sig = PdfFileReader(BytesIO(signed)).embedded_signatures[0]
    start1, len1, start2, len2 = [int(x) for x in sig.sig_object["/ByteRange"]]
    positions = list(range(start1, start1 + len1, max(1, len1 // 37))) + list(
        range(start2, start2 + len2, max(1, len2 // 23))
    )
    for pos in positions:
        tampered = bytearray(signed)
        tampered[pos] ^= 0x20
        assert not signing.check_pdf(keys, bytes(tampered)).ok, pos


def test_a_foreign_key_is_refused_with_its_own_reason(keys, foreign_keys):
    signed = signing.sign_pdf(foreign_keys, blank_pdf())
    assert signing.check_pdf(foreign_keys, signed).ok  # valid for its own registry...
    check = signing.check_pdf(keys, signed)  # ...but not for ours
    assert check.problem == "foreign_key" and check.kid is None


def test_changes_appended_after_signing_are_refused(keys):
    signed = signing.sign_pdf(keys, blank_pdf())
    writer = IncrementalPdfFileWriter(BytesIO(signed))
    writer.root["/Lang"] = signing_pdf_string("en")
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    check = signing.check_pdf(keys, out.getvalue())
    assert check.problem == "modified_after_signing"


def signing_pdf_string(text):
    from pyhanko.pdf_utils.generic import pdf_string

    return pdf_string(text)


@pytest.mark.parametrize("data", [b"", b"hello world", b"%PDF-1.7\n garbage", b"\x00" * 4096, "not bytes"])
def test_garbage_is_answered_not_raised(keys, data):
    check = signing.check_pdf(keys, data)
    assert check.problem in ("not_pdf", "unsigned", "broken")


def test_unsigned_and_truncated_pdfs(keys):
    assert signing.check_pdf(keys, blank_pdf()).problem == "unsigned"
    signed = signing.sign_pdf(keys, blank_pdf())
    assert not signing.check_pdf(keys, signed[: len(signed) // 2]).ok


def test_rotation_keeps_old_documents_and_records_valid(session, officer, own_keys):
    helper = Registry(session, own_keys, officer)
    old_kid = own_keys.current_kid
    before = helper.issue("ROTATE1").certificates[0]
    old_pdf = signing.sign_pdf(own_keys, blank_pdf())
    new_kid = own_keys.rotate()
    assert new_kid != old_kid and own_keys.current_kid == new_kid
    assert set(own_keys.issuers) == {old_kid, new_kid}
    # a fresh store from disk sees both; the old PDF and the old record still verify
    reloaded = KeyStore(own_keys.dir)
    assert reloaded.current_kid == new_kid
    check = signing.check_pdf(reloaded, old_pdf)
    assert check.ok and check.kid == old_kid
    assert reloaded.verify(before.signature, before.record.encode())[0]["kid"] == old_kid
    # new signatures use the new key
    after = helper.issue("ROTATE2").certificates[0]
    assert after.kid == new_kid
    assert signing.check_pdf(reloaded, signing.sign_pdf(own_keys, blank_pdf())).kid == new_kid
    # the chain lists the root then both issuing certificates, oldest first
    chain = x509.load_pem_x509_certificates(reloaded.pem_chain().encode())
    assert chain[0] == reloaded.root_certificate
    assert [c.not_valid_before_utc for c in chain[1:]] == sorted(c.not_valid_before_utc for c in chain[1:])
    assert len(chain) == 3


def test_encrypted_pkcs8_keys_sign_pdfs(tmp_path):
    store = KeyStore.create(tmp_path / "enc", passphrase="mật khẩu dài 2026")
    key_file = next((tmp_path / "enc" / "issuing").glob("*.key.pem"))
    assert b"ENCRYPTED PRIVATE KEY" in key_file.read_bytes()
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    signed = signing.sign_pdf(KeyStore(tmp_path / "enc", "mật khẩu dài 2026"), blank_pdf())
    assert signing.check_pdf(store, signed).ok
    with pytest.raises(ValueError):  # the wrong passphrase cannot decrypt the key
        signing.sign_pdf(KeyStore(tmp_path / "enc", "wrong"), blank_pdf())


def test_jws_records_of_all_certificates_verify(session, keys, registry_helper):
    registry_helper.issue("ALPHA1", "BETA2")
    registry_helper.followup("reissue", "ALPHA1", reissue_reason="lost")
    certs = session.scalars(select(Certificate)).all()
    assert len(certs) == 3
    for cert in certs:
        header, payload = keys.verify(cert.signature, cert.record.encode("utf-8"))
        assert header["kid"] == cert.kid and payload == cert.record.encode("utf-8")
    with pytest.raises(signing.SignatureInvalid):
        keys.verify(certs[0].signature, certs[1].record.encode("utf-8"))


def test_signatures_by_an_issuing_certificate_that_expired_later_still_verify(keys):
    from datetime import datetime, timedelta

    signed = signing.sign_pdf(keys, blank_pdf())
    later = datetime.now(UTC) + timedelta(days=365 * 6)  # issuing certificate long expired
    assert later > keys.current.not_after
    check = signing.check_pdf(keys, signed, at=later)
    assert check.ok and check.kid == keys.current_kid
    # validation as of a moment before the issuing certificate existed fails: time is checked
    earlier = keys.current.not_before - timedelta(days=1)
    assert signing.check_pdf(keys, signed, at=earlier).problem == "issuer_not_valid"


# --- records (JWS) and the key store ---


@pytest.fixture
def store(tmp_path):
    return KeyStore.create(tmp_path / "certs")


def test_private_keys_are_not_world_readable(store):
    for path in store.dir.rglob("*.key.pem"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_create_refuses_to_overwrite_and_ensure_reuses(store):
    with pytest.raises(FileExistsError):
        KeyStore.create(store.dir)
    again, created = KeyStore.ensure(store.dir)
    assert created is False and again.current_kid == store.current_kid


def test_missing_keys_are_reported(tmp_path):
    with pytest.raises(KeysMissing):
        KeyStore(tmp_path / "nothing")


def test_canonical_json_is_stable():
    assert canonical_json({"b": 1, "a": "Việt"}) == '{"a":"Việt","b":1}'.encode()


def test_record_verifies_and_any_changed_byte_does_not(store):
    payload, token = store.sign_json({"serial": "BN-2026-0000001", "name": "VIETSUN"})
    header, signed = store.verify(token, payload)
    assert header == {"alg": "ES256", "kid": store.current_kid} and signed == payload
    with pytest.raises(SignatureInvalid):
        store.verify(token, payload.replace(b"VIETSUN", b"VIETSUM"))
    head, body, sig = token.split(".")
    for index in range(0, len(sig), 7):
        flipped = sig[:index] + ("A" if sig[index] != "A" else "B") + sig[index + 1 :]
        with pytest.raises(SignatureInvalid):
            store.verify(f"{head}.{body}.{flipped}")
    forged_body = base64.urlsafe_b64encode(b'{"name":"OTHER"}').rstrip(b"=").decode()
    with pytest.raises(SignatureInvalid):
        store.verify(f"{head}.{forged_body}.{sig}")
    with pytest.raises(SignatureInvalid):
        store.verify("not a token")


def test_foreign_key_is_refused(store, tmp_path):
    foreign = KeyStore.create(tmp_path / "foreign")
    _, token = foreign.sign_json({"serial": "X"})
    with pytest.raises(SignatureInvalid, match="unknown key id"):
        store.verify(token)


def test_any_jose_library_verifies_with_the_published_jwks(store):
    payload, token = store.sign_json({"serial": "BN-1"})
    key_set = KeySet.import_key_set(store.jwks())
    obj = jws.deserialize_compact(token, key_set, algorithms=["ES256"])
    assert obj.payload == payload


def test_rotation_keeps_old_signatures_verifiable(store):
    old_kid = store.current_kid
    old_payload, old_token = store.sign_json({"n": 1})
    new_kid = store.rotate()
    assert new_kid != old_kid and store.current_kid == new_kid
    _, new_token = store.sign_json({"n": 2})
    assert json.loads(base64.urlsafe_b64decode(new_token.split(".")[0] + "=="))["kid"] == new_kid
    assert store.verify(old_token, old_payload)[0]["kid"] == old_kid
    reloaded = KeyStore(store.dir)
    assert set(reloaded.issuers) == {old_kid, new_kid}
    assert {k["kid"] for k in reloaded.jwks()["keys"]} == {old_kid, new_kid}


def test_issuing_certificates_chain_to_the_root(store):
    store.rotate()
    pem = store.pem_chain()
    certs = x509.load_pem_x509_certificates(pem.encode())
    root, issuing = certs[0], certs[1:]
    assert root.subject == root.issuer and len(issuing) == 2
    for cert in issuing:
        cert.verify_directly_issued_by(root)


def test_issuing_certificates_carry_the_document_signing_usages_and_not_code_signing(store):
    usages = store.current.certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    dotted = {oid.dotted_string for oid in usages}
    assert dotted == {"1.3.6.1.5.5.7.3.36", "1.3.6.1.5.5.7.3.4", "1.2.840.113583.1.1.5"}
    assert x509.oid.ExtendedKeyUsageOID.CODE_SIGNING not in usages
    assert signing.issuing_usage_problem(store.current.certificate) is None
    store.rotate()
    assert signing.issuing_usage_problem(store.current.certificate) is None


def test_an_issuing_certificate_with_code_signing_only_is_flagged_for_rotation(store):
    root_key = signing._load_key(store.dir / "root.key.pem", None)
    old = (
        x509.CertificateBuilder()
        .subject_name(store.current.certificate.subject)
        .issuer_name(store.root_certificate.subject)
        .public_key(store.current.certificate.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(store.current.not_before)
        .not_valid_after(store.current.not_after)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
        .sign(root_key, signing.hashes.SHA256())
    )
    problem = signing.issuing_usage_problem(old)
    assert "1.3.6.1.5.5.7.3.36" in problem and "1.3.6.1.5.5.7.3.4" in problem and "rotate-key" in problem


def _nss_trusting(root_pem_path, folder):
    import subprocess

    folder.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{folder}", "--empty-password"], check=True)
    subprocess.run(
        [
            "certutil",
            "-A",
            "-d",
            f"sql:{folder}",
            "-n",
            "registry-root",
            "-t",
            "CT,C,C",
            "-i",
            str(root_pem_path),
        ],
        check=True,
    )
    return folder


def _pdfsig_trusting_root(pdf_path, root_pem_path, nss_folder):
    """What poppler's pdfsig reports on a PDF when an NSS database trusts the registry root."""
    import subprocess

    nss = _nss_trusting(root_pem_path, nss_folder)
    return subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss}", str(pdf_path)], capture_output=True, text=True
    ).stdout


@pytest.mark.skipif(
    not (shutil.which("pdfsig") and shutil.which("certutil")),
    reason="needs poppler-utils (pdfsig) and libnss3-tools (certutil); .ci/run installs them",
)
def test_poppler_pdfsig_trusts_the_signature_when_the_registry_root_is_trusted(store, tmp_path):
    """Poppler (Okular, Evince) checks the signer through NSS, which wants a document-signing usage."""
    import subprocess

    path = tmp_path / "certificate.pdf"
    path.write_bytes(signing.sign_pdf(store, blank_pdf()))
    out = _pdfsig_trusting_root(path, store.dir / "root.cert.pem", tmp_path / "nss")
    assert "Signature Validation: Signature is Valid." in out
    assert "Certificate Validation: Certificate is Trusted." in out
    assert "Total document signed" in out
    # and without the root in the NSS database the same file is not trusted: the check can fail
    bare = tmp_path / "bare"
    bare.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{bare}", "--empty-password"], check=True)
    out = subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{bare}", str(path)], capture_output=True, text=True
    ).stdout
    assert "Signature is Valid." in out and "Certificate is Trusted." not in out
