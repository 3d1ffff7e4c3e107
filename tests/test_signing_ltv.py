"""Long-term validation of certificate PDFs: PAdES B-LT with a local RFC 3161 responder, the
root's CRL over the issuing certificates, and an issuing key revoked as compromised."""

import shutil
import time
from datetime import UTC, datetime, timedelta
from io import BytesIO
from urllib.parse import urlsplit

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import select

from brandname.certificates import signing
from brandname.certificates.signing import KeyStore
from brandname.store.models import Event

from .test_signing import blank_pdf

CRL_URL = "https://brandname.test/pki/issuing.crl"  # the test app's PUBLIC_URL + the CRL path


@pytest.fixture
def ltv_keys(app, tmp_path, tsa):
    """Registry keys of this test alone, wired as the app wires them, with the local TSA."""
    from brandname import registry

    path = tmp_path / "ltv-certs"
    KeyStore.create(path, crl_url=CRL_URL)
    app.config.update(CERTS_DIR=str(path), TSA_URL=tsa.url, TSA_CERTS=str(tsa.pem))
    return registry.reload_keys()


def _asn1(cert):
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def pyhanko_ltv(data, anchors, tsa_root, at, extra_crls=()):
    """pyHanko's own long-term check of a PDF: the timestamp as of `at` against the TSA's root,
    the signer as of the timestamp with the revocation data the file's DSS carries (plus
    `extra_crls`, a CRL fetched later); nothing is fetched."""
    [embedded] = PdfFileReader(BytesIO(data)).embedded_signatures
    stamped_at = signing.signature_timestamp(embedded)
    signer_context = DocumentSecurityStore.read_dss(embedded.reader).as_validation_context(
        {
            "trust_roots": [_asn1(anchors)],
            "crls": list(extra_crls),
            "moment": stamped_at,
            "retroactive_revinfo": True,
            "revocation_mode": "require",
            "allow_fetching": False,
        }
    )
    tsa_context = ValidationContext(trust_roots=[_asn1(tsa_root)], moment=at, allow_fetching=False)
    return validate_pdf_signature(embedded, signer_context, ts_validation_context=tsa_context)


def test_with_a_tsa_the_pdf_carries_a_timestamp_and_a_dss_with_the_chain_and_the_crl(ltv_keys, tsa):
    before = len(tsa.requests)
    signed = signing.sign_pdf(ltv_keys, blank_pdf())
    assert len(tsa.requests) > before and tsa.requests[-1] == "application/timestamp-query"
    reader = PdfFileReader(BytesIO(signed))
    [embedded] = reader.embedded_signatures
    stamped_at = signing.signature_timestamp(embedded)
    assert stamped_at is not None and abs(stamped_at - datetime.now(UTC)) < timedelta(minutes=1)
    # the DSS holds the root's CRL (exactly the one the registry publishes) and the chain
    assert signing.dss_crls(reader) == [ltv_keys.crl_der()]
    dss_certs = {c.dump() for c in DocumentSecurityStore.read_dss(reader).load_certs()}
    assert _asn1(ltv_keys.current.certificate).dump() in dss_certs
    assert _asn1(ltv_keys.root_certificate).dump() in dss_certs
    # the DSS is in the signed revision: the signature still covers the whole file
    status = validate_pdf_signature(
        embedded,
        ValidationContext(trust_roots=[_asn1(ltv_keys.root_certificate)], allow_fetching=False),
        ts_validation_context=ValidationContext(trust_roots=[_asn1(tsa.root)], allow_fetching=False),
    )
    assert status.bottom_line and status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.timestamp_validity.trusted
    check = signing.check_pdf(ltv_keys, signed)
    assert check.ok and check.signed_at == stamped_at


def test_without_a_tsa_the_pdf_is_b_b_with_no_timestamp_and_no_dss(keys):
    assert keys.tsa_url is None
    signed = signing.sign_pdf(keys, blank_pdf())
    reader = PdfFileReader(BytesIO(signed))
    assert signing.signature_timestamp(reader.embedded_signatures[0]) is None
    assert "/DSS" not in reader.root and signing.dss_crls(reader) == []


def test_pyhanko_validates_the_pdf_after_its_issuing_certificate_expired(ltv_keys, tsa):
    signed = signing.sign_pdf(ltv_keys, blank_pdf())
    later = datetime.now(UTC) + timedelta(days=365 * 10)
    assert later > ltv_keys.current.not_after  # the issuing certificate has long expired
    status = pyhanko_ltv(signed, ltv_keys.root_certificate, tsa.root, later)
    assert status.bottom_line and status.trusted and not status.revoked
    assert status.timestamp_validity.trusted
    # the plain check as of that date refuses it: only the timestamp and the DSS carry it
    plain = validate_pdf_signature(
        PdfFileReader(BytesIO(signed)).embedded_signatures[0],
        ValidationContext(trust_roots=[_asn1(ltv_keys.root_certificate)], moment=later, allow_fetching=False),
    )
    assert not plain.trusted
    # the registry's own check agrees, with its keys and with the public certificates only
    assert signing.check_pdf(ltv_keys, signed, at=later).ok
    public = signing.PublicKeys.from_pem_chain(
        ltv_keys.pem_chain(), crl_der=ltv_keys.crl_der(), tsa_roots=[tsa.root]
    )
    assert signing.check_pdf(public, signed, at=later).ok


def test_a_pdf_signed_with_a_key_revoked_as_compromised_no_longer_validates(ltv_keys, tsa, client):
    old_kid = ltv_keys.current_kid
    old_certificate = ltv_keys.current.certificate
    stamped = signing.sign_pdf(ltv_keys, blank_pdf())
    assert signing.check_pdf(ltv_keys, stamped).ok
    new_kid = ltv_keys.revoke_issuing(old_kid)
    assert new_kid != old_kid and ltv_keys.current_kid == new_kid
    crl = x509.load_der_x509_crl(client.get("/pki/issuing.crl").data)
    entry = crl.get_revoked_certificate_by_serial_number(old_certificate.serial_number)
    reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    assert reason == x509.ReasonFlags.key_compromise
    # revoked from the certificate's start: before the timestamp of anything it signed
    assert entry.revocation_date_utc == old_certificate.not_valid_before_utc
    assert entry.revocation_date_utc < signing.signature_timestamp(
        PdfFileReader(BytesIO(stamped)).embedded_signatures[0]
    )
    # pyHanko, given the CRL now published, calls the signer revoked, now and years later
    for at in (datetime.now(UTC), datetime.now(UTC) + timedelta(days=365 * 10)):
        status = pyhanko_ltv(
            stamped, ltv_keys.root_certificate, tsa.root, at, [crl.public_bytes(serialization.Encoding.DER)]
        )
        assert status.revoked and not status.bottom_line
        check = signing.check_pdf(ltv_keys, stamped, at=at)
        assert check.problem == "issuer_revoked" and check.kid == old_kid
    # the new key's PDFs validate; the revoked one is still listed, so old records can be read
    fresh = signing.sign_pdf(ltv_keys, blank_pdf())
    assert signing.check_pdf(ltv_keys, fresh).ok and signing.check_pdf(ltv_keys, fresh).kid == new_kid
    assert pyhanko_ltv(fresh, ltv_keys.root_certificate, tsa.root, datetime.now(UTC)).bottom_line
    with pytest.raises(ValueError, match="already revoked"):
        ltv_keys.revoke_issuing(old_kid)


def test_a_b_b_pdf_of_a_compromised_key_is_refused_too(own_keys):
    signed = signing.sign_pdf(own_keys, blank_pdf())  # no TSA: the signer's own clock
    kid = own_keys.current_kid
    assert signing.check_pdf(own_keys, signed).ok
    own_keys.revoke_issuing(kid)
    assert signing.check_pdf(own_keys, signed).problem == "issuer_revoked"
    later = datetime.now(UTC) + timedelta(days=365 * 6)  # also on the expired-issuer path
    assert signing.check_pdf(own_keys, signed, at=later).problem == "issuer_revoked"


def test_a_key_compromised_only_since_later_keeps_what_it_timestamped_before(ltv_keys, tsa):
    signed = signing.sign_pdf(ltv_keys, blank_pdf())
    kid = ltv_keys.current_kid
    time.sleep(1.1)  # a CRL names whole seconds: the compromise starts after the stamp's second
    since = datetime.now(UTC)
    ltv_keys.revoke_issuing(kid, compromised_since=since)
    assert ltv_keys.revocation(kid) == (since.replace(microsecond=0), "key_compromise")
    # the stamp predates the compromise: RFC 5280 semantics keep the signature...
    assert signing.check_pdf(ltv_keys, signed).ok
    # ...but a B-B signature's own clock proves nothing, and one made after is refused
    with pytest.raises(ValueError, match="still to come"):
        ltv_keys.revoke_issuing(ltv_keys.current_kid, compromised_since=since + timedelta(days=1))


def test_the_crl_is_served_at_the_url_the_issuing_certificates_name_and_verifies(ltv_keys, client):
    named = signing.crl_url_of(ltv_keys.current.certificate)
    assert named == CRL_URL
    response = client.get(urlsplit(named).path)
    assert response.status_code == 200 and response.mimetype == "application/pkix-crl"
    crl = x509.load_der_x509_crl(response.data)
    assert crl.issuer == ltv_keys.root_certificate.subject
    assert crl.is_signature_valid(ltv_keys.root_certificate.public_key())
    assert crl.last_update_utc <= datetime.now(UTC) < crl.next_update_utc
    assert len(crl) == 0  # nothing revoked yet
    # keys made before the registry named a CRL get one by rotating
    rotated = KeyStore.create(ltv_keys.dir.parent / "old-certs")
    assert signing.crl_url_of(rotated.current.certificate) is None
    assert signing.crl_url_of(KeyStore(rotated.dir, crl_url=CRL_URL).current.certificate) is None
    fresh = KeyStore(rotated.dir, crl_url=CRL_URL)
    fresh.rotate()
    assert signing.crl_url_of(fresh.current.certificate) == CRL_URL


def test_the_crl_is_reissued_when_a_day_old_with_a_higher_number(ltv_keys):
    first = ltv_keys.crl()
    again = ltv_keys.crl(now=datetime.now(UTC) + timedelta(days=2))
    assert signing.crl_number(again) == signing.crl_number(first) + 1
    assert again.next_update_utc > first.next_update_utc
    assert x509.load_der_x509_crl((ltv_keys.dir / signing.CRL_FILE).read_bytes()) == again


def test_the_cli_revokes_an_issuing_key_rotates_logs_an_event_and_drops_kept_pdfs(
    app, ltv_keys, session, client
):
    from pathlib import Path

    kid = ltv_keys.current_kid
    kept = Path(app.config["DATA_DIR"]) / "certificates"
    kept.mkdir(parents=True, exist_ok=True)
    (kept / "BN-1.pdf").write_bytes(signing.sign_pdf(ltv_keys, blank_pdf()))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["brandname", "revoke-issuing-key", kid, "--reason", "khóa bị lộ"])
    assert result.exit_code == 0, result.output
    assert f"issuing key {kid} revoked as compromised" in result.output
    assert "1 kept PDFs" in result.output and not (kept / "BN-1.pdf").exists()
    from brandname import registry

    keys = registry.keys()
    assert keys.current_kid != kid and keys.revocation(kid)[1] == "key_compromise"
    [event] = session.scalars(select(Event).where(Event.act == "revoke_issuing_key")).all()
    assert event.subject_type == "issuing_key" and event.actor_label == "operator:revoke-issuing-key"
    assert event.details["kid"] == kid and event.details["current_kid"] == keys.current_kid
    assert event.details["reason"] == "key_compromise" and event.details["note"] == "khóa bị lộ"
    served = x509.load_der_x509_crl(client.get("/pki/issuing.crl").data)
    assert served.get_revoked_certificate_by_serial_number(keys.issuers[kid].certificate.serial_number)
    # again: refused, nothing changes
    again = runner.invoke(args=["brandname", "revoke-issuing-key", kid])
    assert again.exit_code != 0 and "already revoked" in again.output
    assert session.scalars(select(Event).where(Event.act == "revoke_issuing_key")).all() == [event]
    unknown = runner.invoke(args=["brandname", "revoke-issuing-key", "no-such-kid"])
    assert unknown.exit_code != 0 and "No issuing key" in unknown.output


def test_an_unreachable_tsa_fails_the_signing_instead_of_dropping_to_b_b(ltv_keys):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ltv_keys.tsa_url = f"http://127.0.0.1:{port}/tsa"
    from pyhanko.sign.timestamps import TimestampRequestError

    with pytest.raises(TimestampRequestError):
        signing.sign_pdf(ltv_keys, blank_pdf())


@pytest.mark.skipif(
    not (shutil.which("pdfsig") and shutil.which("certutil")),
    reason="needs poppler-utils (pdfsig) and libnss3-tools (certutil); .ci/run installs them",
)
def test_poppler_still_trusts_a_b_lt_pdf_and_sees_the_whole_document_signed(ltv_keys, tmp_path):
    from .test_signing import _pdfsig_trusting_root

    path = tmp_path / "certificate.pdf"
    path.write_bytes(signing.sign_pdf(ltv_keys, blank_pdf()))
    out = _pdfsig_trusting_root(path, ltv_keys.dir / "root.cert.pem", tmp_path / "nss")
    assert "Signature Validation: Signature is Valid." in out
    assert "Certificate Validation: Certificate is Trusted." in out
    assert "Total document signed" in out


def test_a_revocation_by_another_process_reaches_a_running_store(ltv_keys):
    worker = KeyStore(ltv_keys.dir, crl_url=CRL_URL)  # a web worker's store, loaded before
    old_kid = worker.current_kid
    signed = signing.sign_pdf(worker, blank_pdf())
    worker.crl()  # cached in memory
    operator = KeyStore(ltv_keys.dir, crl_url=CRL_URL)  # the CLI's
    new_kid = operator.revoke_issuing(old_kid)
    # the worker signs with the new key at once and refuses what the old one signed
    assert signing.check_pdf(worker, signing.sign_pdf(worker, blank_pdf())).kid == new_kid
    assert worker.current_kid == new_kid
    _, token = worker.sign_json({"n": 1})
    assert worker.verify(token)[0]["kid"] == new_kid
    assert signing.check_pdf(worker, signed).problem == "issuer_revoked"
    # reissuing the CRL a day later starts from the file, so the revocation stays on it
    later = worker.crl(now=datetime.now(UTC) + timedelta(days=2))
    assert later.get_revoked_certificate_by_serial_number(worker.issuers[old_kid].certificate.serial_number)
    assert KeyStore(ltv_keys.dir).revocation(old_kid)[1] == "key_compromise"


def test_the_isolated_upload_check_gets_the_crl_and_the_tsa_roots(ltv_keys):
    from brandname.certificates import untrusted

    signed = signing.sign_pdf(ltv_keys, blank_pdf())
    later = datetime.now(UTC) + timedelta(days=365 * 10)
    checked = untrusted.check_isolated(ltv_keys, signed, at=later).check
    assert checked.ok and checked.signed_at == signing.signature_timestamp(
        PdfFileReader(BytesIO(signed)).embedded_signatures[0]
    )
    ltv_keys.revoke_issuing(ltv_keys.current_kid)
    assert untrusted.check_isolated(ltv_keys, signed).check.problem == "issuer_revoked"


def test_a_tsa_without_certificates_to_trust_is_a_clear_error(ltv_keys):
    ltv_keys.tsa_roots = []
    with pytest.raises(ValueError, match="BRANDNAME_TSA_CERTS"):
        signing.sign_pdf(ltv_keys, blank_pdf())


def test_signing_at_b_lt_logs_no_fetching_warning(ltv_keys, caplog):
    with caplog.at_level("WARNING", logger="pyhanko"):
        signing.sign_pdf(ltv_keys, blank_pdf())
    assert not [r for r in caplog.records if "fetching" in r.getMessage()]


def test_with_an_offline_root_a_stale_crl_refuses_b_b_but_not_b_lt(ltv_keys, tmp_path):
    stamped = signing.sign_pdf(ltv_keys, blank_pdf())
    ltv_keys.tsa_url = None  # the same key without a TSA: B-B
    plain = signing.sign_pdf(ltv_keys, blank_pdf())
    root_key = signing._load_key(ltv_keys.dir / "root.key.pem", None)
    stale = signing._make_crl(
        root_key, ltv_keys.root_certificate, [], 9, datetime.now(UTC) - timedelta(days=signing.CRL_DAYS + 5)
    )
    (ltv_keys.dir / signing.CRL_FILE).write_bytes(stale.public_bytes(serialization.Encoding.DER))
    (ltv_keys.dir / "root.key.pem").rename(tmp_path / "offline-root.key.pem")  # taken offline
    assert ltv_keys.crl() == stale  # served as it is, not renewed
    assert signing.check_pdf(ltv_keys, plain).problem == "issuer_not_valid"
    assert signing.check_pdf(ltv_keys, stamped).ok


def test_revoking_a_compromised_key_re_signs_the_records_it_signed_and_its_tokens_stop_verifying(
    app, ltv_keys, session, officer
):
    from brandname.store.models import Certificate

    from .conftest import Registry

    Registry(session, ltv_keys, officer).issue("ANHDUONG")
    kid = ltv_keys.current_kid
    cert = session.scalars(select(Certificate)).one()
    old_token, record = cert.signature, cert.record.encode("utf-8")
    assert cert.kid == kid
    result = app.test_cli_runner().invoke(args=["brandname", "revoke-issuing-key", "--", kid])
    assert result.exit_code == 0, result.output
    assert "1 certificate records re-signed" in result.output
    from brandname import registry

    keys = registry.keys()
    session.expire_all()
    cert = session.get(Certificate, cert.id)
    # the same record, signed again by the key that signs now
    assert cert.record.encode("utf-8") == record and cert.kid == keys.current_kid != kid
    header, payload = keys.verify(cert.signature, record)
    assert header["kid"] == keys.current_kid and payload == record
    with pytest.raises(signing.SignatureInvalid, match="revoked"):
        keys.verify(old_token, record)
    [event] = session.scalars(select(Event).where(Event.act == "revoke_issuing_key")).all()
    assert event.details["resigned_records"] == 1
