"""`brandname doctor` checks every kept certificate PDF whole: a truncated or altered file fails."""

from pathlib import Path

from brandname.certificates import documents
from brandname.ops import doctor


def test_truncated_kept_pdf_is_reported_and_doctor_exits_nonzero(app, session, keys, registry_helper):
    certs = [registry_helper.issue(name).certificates[0] for name in ("VIETSUN", "ANHDUONG")]
    paths = [documents.certificate_pdf_path(cert) for cert in certs]
    data_dir = Path(app.config["DATA_DIR"])
    assert doctor.check(session, keys, data_dir).ok
    data = paths[0].read_bytes()
    paths[0].write_bytes(data[: len(data) - 3000])  # the first bytes are still "%PDF-"
    found = doctor.check(session, keys, data_dir)
    assert not found.ok and found.counts == {"files": 1}
    assert str(paths[0]) in found.problems[0] and "does not verify" in found.problems[0]
    result = app.test_cli_runner().invoke(args=["brandname", "doctor"])
    assert result.exit_code == 1 and str(paths[0]) in result.output


def test_kept_pdf_with_a_changed_byte_fails_its_signature(app, session, keys, registry_helper):
    cert = registry_helper.issue("VIETSUN").certificates[0]
    path = documents.certificate_pdf_path(cert)
    data = bytearray(path.read_bytes())
    at = data.find(b"VIETSUN", 2000)
    data[at] = ord("X")
    path.write_bytes(bytes(data))
    found = doctor.check(session, keys, Path(app.config["DATA_DIR"]))
    assert found.counts == {"files": 1} and "does not verify" in found.problems[0]


def test_doctor_asks_to_rotate_an_issuing_key_without_the_document_signing_usages(session, own_keys):
    from cryptography import x509

    from brandname.certificates import signing

    assert doctor.check(session, own_keys, verify_all=False).counts.get("signing_key") is None
    current = own_keys.current.certificate
    code_signing_only = (
        x509.CertificateBuilder()
        .subject_name(current.subject)
        .issuer_name(own_keys.root_certificate.subject)
        .public_key(current.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(current.not_valid_before_utc)
        .not_valid_after(current.not_valid_after_utc)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
        .sign(signing._load_key(own_keys.dir / "root.key.pem", None), signing.hashes.SHA256())
    )
    path = own_keys.dir / "issuing" / f"issuing-{own_keys.current_kid}.cert.pem"
    path.write_bytes(code_signing_only.public_bytes(signing.serialization.Encoding.PEM))
    found = doctor.check(session, signing.KeyStore(own_keys.dir), verify_all=False)
    assert found.counts["signing_key"] == 1 and "rotate-key" in found.problems[0]
