"""The registry's keys and signatures. The only module that touches private keys.

Layout of the certs folder (development keys are made by `brandname init`):
  root.key.pem, root.cert.pem        the registry root (a CA that signs issuing certificates)
  issuing/issuing-<kid>.key.pem, .cert.pem   issuing keys, ECDSA P-256; kid is the RFC 7638 thumbprint
  issuing/CURRENT                    the kid that signs new records
  issuing.crl                        the root's CRL over the issuing certificates (DER)
  log.key.pem                        Ed25519 key of the transparency log's checkpoints
Older issuing certificates stay, so records signed before a rotation still verify.
"""

import base64
import json
import logging
import os
import stat
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

ALG = "ES256"
ORGANIZATION = "Cuc An toan thong tin"  # X.509 names stay ASCII for the widest tool support
ROOT_YEARS = 20
ISSUING_YEARS = 5
CRL_FILE = "issuing.crl"
# A CRL says "valid until nextUpdate"; it is reissued once a day, so one that a worker failed to
# renew still lasts weeks, and every PDF's DSS carries one that was current when it was signed.
CRL_DAYS = 30
CRL_RENEW = timedelta(days=1)


class SignatureInvalid(Exception):
    """A signature, key id or signed payload did not verify."""


class KeysMissing(Exception):
    """No registry keys in the configured folder: run `flask --app wsgi brandname init`."""


def canonical_json(data):
    """Deterministic JSON bytes: sorted keys, no insignificant white space, UTF-8."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True)
class IssuingCertificate:
    kid: str
    certificate: x509.Certificate
    public_jwk: ECKey

    @property
    def not_before(self):
        return self.certificate.not_valid_before_utc

    @property
    def not_after(self):
        return self.certificate.not_valid_after_utc

    @property
    def subject(self):
        return self.certificate.subject.rfc4514_string()

    def pem(self):
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _write_private(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)


def _write_public(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _key_pem(key, passphrase):
    enc = (
        serialization.BestAvailableEncryption(passphrase.encode())
        if passphrase
        else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc)


def _load_key(path, passphrase):
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise PermissionError(f"{path} must not be readable by group or others (chmod 600)")
    return serialization.load_pem_private_key(
        path.read_bytes(), password=passphrase.encode() if passphrase else None
    )


def _thumbprint(public_key):
    pem = public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    jwk = ECKey.import_key(pem)
    return jwk.thumbprint(), jwk


def _name(common_name):
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _now():
    return datetime.now(UTC)


def _make_root(now):
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name("Brandname Registry Root")
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365 * ROOT_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


# What the issuing certificates sign: documents. documentSigning (RFC 9336) for readers that
# follow it, emailProtection because NSS-based readers (poppler: Okular, Evince, pdfsig) accept
# a document signer only with that usage, and Adobe's "Authentic Documents" for Acrobat. Code
# signing is not among them: poppler refuses a certificate that carries it alone.
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")
ADOBE_AUTHENTIC_DOCUMENTS = x509.ObjectIdentifier("1.2.840.113583.1.1.5")
ISSUING_USAGES = [DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION, ADOBE_AUTHENTIC_DOCUMENTS]


def _make_issuing(root_key, root_cert, now, crl_url=None, days=None):
    key = ec.generate_private_key(ec.SECP256R1())
    kid, _ = _thumbprint(key.public_key())
    days = days or 365 * ISSUING_YEARS
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(f"Brandname Registry Issuing {now:%Y-%m-%d} {kid[:8]}"))
        .issuer_name(root_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(min(now + timedelta(days=days), root_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(ISSUING_USAGES),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_cert.public_key()), critical=False
        )
    )
    if crl_url:
        # Where a validator finds out whether this key was revoked (RFC 5280 4.2.1.13).
        builder = builder.add_extension(
            x509.CRLDistributionPoints(
                [x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)]
            ),
            critical=False,
        )
    return kid, key, builder.sign(root_key, hashes.SHA256())


def crl_url_of(certificate):
    """The CRL address named in `certificate`'s distribution points, or None."""
    try:
        points = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except x509.ExtensionNotFound:
        return None
    for point in points:
        for name in point.full_name or ():
            if isinstance(name, x509.UniformResourceIdentifier):
                return name.value
    return None


def _make_crl(root_key, root_cert, revoked, number, now):
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(root_cert.subject)
        .last_update(now - timedelta(minutes=5))
        .next_update(now + timedelta(days=CRL_DAYS))
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_cert.public_key()), critical=False
        )
    )
    for entry in revoked:
        builder = builder.add_revoked_certificate(entry)
    return builder.sign(root_key, hashes.SHA256())


def crl_number(crl):
    try:
        return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    except x509.ExtensionNotFound:
        return 0


def revocation_of(crl, certificate):
    """(revocation date, reason name) of `certificate` on `crl`, or None when it is not revoked."""
    if crl is None:
        return None
    entry = crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
    if entry is None:
        return None
    try:
        reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason.name
    except x509.ExtensionNotFound:
        reason = "unspecified"
    return entry.revocation_date_utc, reason


def issuing_usage_problem(certificate):
    """Why `certificate` is unfit to sign certificate PDFs for every reader, or None.

    Issuing certificates made before the registry listed the document-signing usages carried
    code signing instead; poppler-based readers refuse those, so the key must be rotated.
    """
    try:
        usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return None  # no EKU at all restricts nothing
    missing = [oid.dotted_string for oid in ISSUING_USAGES if oid not in usages]
    if missing:
        return f"extended key usage lacks {', '.join(missing)}; run `flask --app wsgi brandname rotate-key`"
    return None


class PublicKeys:
    """The registry's public certificates only (root and issuing): enough to check a PDF.

    What an isolated checker process is given instead of the key store: it never sees a key.
    """

    def __init__(self, root_certificate, issuing_certificates, current_kid=None, crl_der=None, tsa_roots=()):
        self.root_certificate = root_certificate
        self.issuers = {}
        for cert in issuing_certificates:
            kid, jwk = _thumbprint(cert.public_key())
            self.issuers[kid] = IssuingCertificate(kid, cert, jwk)
        self.current_kid = current_kid
        self._crl_der = crl_der
        self.tsa_roots = list(tsa_roots)

    def crl_der(self):
        return self._crl_der

    @classmethod
    def from_pem_chain(cls, pem_chain, crl_der=None, tsa_roots=()):
        """From `KeyStore.pem_chain()`: the root first, then the issuing certificates."""
        certs = x509.load_pem_x509_certificates(pem_chain.encode("ascii"))
        return cls(certs[0], certs[1:], crl_der=crl_der, tsa_roots=tsa_roots)


class LogKey:
    """The transparency log's own Ed25519 key: it signs checkpoints as C2SP signed notes.

    Separate from the issuing keys (certificates and records keep their ES256 keys) and never
    rotated with them: carriers and monitors pin its verifier key. Kept as `log.key.pem` in the
    registry's key folder, made on first use.
    """

    FILE = "log.key.pem"

    def __init__(self, certs_dir, name, passphrase=None):
        from brandname_carrier import note

        path = Path(certs_dir) / self.FILE
        if not path.exists():
            _write_private(path, _key_pem(ed25519.Ed25519PrivateKey.generate(), passphrase))
        self._key = _load_key(path, passphrase)
        self.name = name
        self._public_raw = self._key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.vkey = note.verifier_key_text(name, self._public_raw)
        self._id = note.key_id(name, self._public_raw)

    def sign_note(self, text):
        """`text` (newline-terminated, no blank line) with this key's signature line appended."""
        if not text.endswith("\n") or "\n\n" in text:
            raise ValueError("a note's text ends with one newline and holds no blank line")
        signature = base64.b64encode(self._id + self._key.sign(text.encode())).decode()
        return f"{text}\n\u2014 {self.name} {signature}\n"


class KeyStore:
    """Loads the registry root and issuing certificates; signs with the current issuing key."""

    def __init__(self, certs_dir, passphrase=None, *, crl_url=None, tsa_url=None, tsa_roots=()):
        self.dir = Path(certs_dir)
        self._passphrase = passphrase or None
        # Named in new issuing certificates; where GET /pki/issuing.crl is served.
        self.crl_url = crl_url or None
        # An RFC 3161 time-stamping authority, and the certificates it chains to: with both,
        # PDFs are signed at PAdES B-LT (timestamp, and the chain and CRL in the DSS).
        self.tsa_url = tsa_url or None
        self.tsa_roots = list(tsa_roots)
        self._crl = None
        root_path = self.dir / "root.cert.pem"
        current_path = self.dir / "issuing" / "CURRENT"
        if not root_path.exists() or not current_path.exists():
            raise KeysMissing(f"no registry keys in {self.dir}; run `flask --app wsgi brandname init`")
        self.root_certificate = x509.load_pem_x509_certificate(root_path.read_bytes())
        self.issuers = {}
        for cert_path in sorted((self.dir / "issuing").glob("issuing-*.cert.pem")):
            cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
            kid, jwk = _thumbprint(cert.public_key())
            self.issuers[kid] = IssuingCertificate(kid, cert, jwk)
        self.current_kid = current_path.read_text().strip()
        if self.current_kid not in self.issuers:
            raise KeysMissing(f"current issuing certificate {self.current_kid} is missing")
        self._signing_key = None
        self._jwk_cache = None
        self._current_stamp = self._stamp("issuing/CURRENT")
        self._crl_stamp = None

    # -- creation and rotation ------------------------------------------------------------
    @classmethod
    def exists(cls, certs_dir):
        return (Path(certs_dir) / "issuing" / "CURRENT").exists()

    @classmethod
    def create(cls, certs_dir, passphrase=None, now=None, *, crl_url=None, issuing_days=None):
        """Make a development root and a first issuing key; refuses to overwrite existing keys."""
        certs_dir = Path(certs_dir)
        if cls.exists(certs_dir) or (certs_dir / "root.key.pem").exists():
            raise FileExistsError(f"registry keys already exist in {certs_dir}")
        now = now or _now()
        root_key, root_cert = _make_root(now)
        _write_private(certs_dir / "root.key.pem", _key_pem(root_key, passphrase))
        _write_public(certs_dir / "root.cert.pem", root_cert.public_bytes(serialization.Encoding.PEM))
        cls._add_issuing(certs_dir, root_key, root_cert, passphrase, now, crl_url, issuing_days)
        _write_public(
            certs_dir / CRL_FILE,
            _make_crl(root_key, root_cert, [], 1, now).public_bytes(serialization.Encoding.DER),
        )
        return cls(certs_dir, passphrase, crl_url=crl_url)

    @classmethod
    def ensure(cls, certs_dir, passphrase=None, crl_url=None):
        """Load the keys, creating development keys first when the folder has none."""
        if not cls.exists(certs_dir):
            return cls.create(certs_dir, passphrase, crl_url=crl_url), True
        return cls(certs_dir, passphrase, crl_url=crl_url), False

    @staticmethod
    def _add_issuing(certs_dir, root_key, root_cert, passphrase, now, crl_url=None, days=None):
        kid, key, cert = _make_issuing(root_key, root_cert, now, crl_url, days)
        _write_private(certs_dir / "issuing" / f"issuing-{kid}.key.pem", _key_pem(key, passphrase))
        _write_public(
            certs_dir / "issuing" / f"issuing-{kid}.cert.pem", cert.public_bytes(serialization.Encoding.PEM)
        )
        # CURRENT is switched last, so a crash mid-rotation leaves the old key in charge.
        _write_public(certs_dir / "issuing" / "CURRENT", kid.encode() + b"\n")
        return kid

    def _reload(self):
        self.__init__(
            self.dir, self._passphrase, crl_url=self.crl_url, tsa_url=self.tsa_url, tsa_roots=self.tsa_roots
        )

    def rotate(self, now=None, days=None):
        """A new issuing key under the same root; returns its kid. Old ones keep verifying."""
        root_key = _load_key(self.dir / "root.key.pem", self._passphrase)
        kid = self._add_issuing(
            self.dir, root_key, self.root_certificate, self._passphrase, now or _now(), self.crl_url, days
        )
        self._reload()
        return kid

    # -- revocation of issuing keys -------------------------------------------------------
    def crl(self, now=None):
        """The root's current CRL over the issuing certificates, reissued when a day old.

        Without the root key at hand (an offline root), the last CRL written is served as it is.
        """
        now = now or _now()
        self.refresh()
        crl = self._crl
        if crl is None or now - crl.last_update_utc > CRL_RENEW:
            root_path = self.dir / "root.key.pem"
            if root_path.exists():
                # from the file, never from memory: another process may have revoked a key since
                crl = self._write_crl(_load_key(root_path, self._passphrase), self._read_crl(), [], now)
                self._crl, self._crl_stamp = crl, self._stamp(CRL_FILE)
        return crl

    def _stamp(self, name):
        try:
            st = (self.dir / name).stat()
        except FileNotFoundError:
            return None
        return st.st_mtime_ns, st.st_size, st.st_ino

    def _read_crl(self):
        path = self.dir / CRL_FILE
        return x509.load_der_x509_crl(path.read_bytes()) if path.exists() else None

    def refresh(self):
        """Catch up with what another process (the operator's CLI) changed in the key folder: a
        rotation (issuing/CURRENT) reloads the store, a new CRL is read. One stat per file."""
        if self._stamp("issuing/CURRENT") != self._current_stamp:
            self._reload()
        if self._crl is None or self._stamp(CRL_FILE) != self._crl_stamp:
            self._crl_stamp = self._stamp(CRL_FILE)
            self._crl = self._read_crl()

    def crl_der(self, now=None):
        crl = self.crl(now)
        return crl.public_bytes(serialization.Encoding.DER) if crl is not None else None

    def _write_crl(self, root_key, previous, added, now):
        entries = list(previous) if previous is not None else []
        number = (crl_number(previous) if previous is not None else 0) + 1
        crl = _make_crl(root_key, self.root_certificate, entries + list(added), number, now)
        _write_public(self.dir / CRL_FILE, crl.public_bytes(serialization.Encoding.DER))
        return crl

    def revocation(self, kid):
        """(revocation date, reason) of issuing key `kid` on the current CRL, or None."""
        return revocation_of(self.crl(), self.issuers[kid].certificate)

    def revoke_issuing(self, kid, *, compromised_since=None, now=None):
        """Revoke issuing key `kid` as compromised: a new issuing key first if it is the current
        one, then a CRL naming it (reason keyCompromise). Returns the kid now signing.

        The entry's revocation date is the moment from which the key is not trusted:
        `compromised_since`, by default the certificate's start, since nobody can tell when a
        stolen key was first used. Validators compare that date with a signature's time, so every
        signature made with the key from then on, timestamped or not, stops validating.
        """
        now = now or _now()
        if kid not in self.issuers:
            raise KeyError(f"unknown issuing key {kid}")
        if self.revocation(kid) is not None:
            raise ValueError(f"issuing key {kid} is already revoked")
        certificate = self.issuers[kid].certificate
        since = compromised_since or certificate.not_valid_before_utc
        if since > now:
            raise ValueError("a key cannot be compromised since a moment still to come")
        # rotation first: a crash between the two leaves a valid key in charge, never a revoked one
        if kid == self.current_kid:
            self.rotate(now)
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(certificate.serial_number)
            .revocation_date(since)
            .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
            .add_extension(x509.InvalidityDate(since.replace(tzinfo=None)), critical=False)
            .build()
        )
        root_key = _load_key(self.dir / "root.key.pem", self._passphrase)
        self._crl = self._write_crl(root_key, self._read_crl(), [entry], now)
        self._crl_stamp = self._stamp(CRL_FILE)
        self._pdf_signer_cache = None
        return self.current_kid

    def log_key(self, name):
        """The transparency log's key, under the log's origin `name` (cached per name)."""
        cached = getattr(self, "_log_key", None)
        if cached is None or cached.name != name:
            cached = self._log_key = LogKey(self.dir, name, self._passphrase)
        return cached

    # -- signing --------------------------------------------------------------------------
    @property
    def current(self):
        return self.issuers[self.current_kid]

    def _private_key(self):
        if self._signing_key is None:
            self._signing_key = _load_key(
                self.dir / "issuing" / f"issuing-{self.current_kid}.key.pem", self._passphrase
            )
        return self._signing_key

    def _private_jwk(self):
        return ECKey.import_key(_key_pem(self._private_key(), None))

    def sign(self, payload, typ=None):
        """Compact JWS (ES256, kid in the header) over `payload` bytes."""
        self.refresh()
        header = {"alg": ALG, "kid": self.current_kid}
        if typ:
            header["typ"] = typ
        jwk = self._jwk_cache
        if jwk is None:
            jwk = self._jwk_cache = self._private_jwk()
        return jws.serialize_compact(header, payload, jwk, algorithms=[ALG])

    def sign_json(self, data, typ=None):
        """Sign the canonical JSON of `data`; returns (canonical bytes, compact JWS)."""
        payload = canonical_json(data)
        return payload, self.sign(payload, typ)

    def verify(self, token, expected_payload=None):
        """Verify a compact JWS against the registry's issuing keys; return (header, payload).

        With `expected_payload`, the signed bytes must equal it exactly.
        """
        try:
            header_b64 = token.split(".", 1)[0]
            header = json.loads(_b64decode(header_b64))
        except (ValueError, AttributeError, IndexError) as exc:
            raise SignatureInvalid("not a compact JWS") from exc
        if header.get("alg") != ALG:
            raise SignatureInvalid(f"unexpected algorithm {header.get('alg')!r}")
        issuer = self.issuers.get(header.get("kid"))
        if issuer is None:
            raise SignatureInvalid(f"unknown key id {header.get('kid')!r}")
        if self.revocation(header["kid"]) is not None:
            # revoked keys are revoked as compromised: nothing they signed can be told from a forgery
            raise SignatureInvalid(f"key {header['kid']!r} was revoked as compromised")
        try:
            obj = jws.deserialize_compact(token, issuer.public_jwk, algorithms=[ALG])
        except (JoseError, ValueError) as exc:
            raise SignatureInvalid(f"signature does not verify: {exc}") from exc
        if expected_payload is not None and obj.payload != expected_payload:
            raise SignatureInvalid("signed payload differs from the record")
        return header, obj.payload

    # -- publication ----------------------------------------------------------------------
    def jwks(self):
        keys = []
        for kid, issuer in self.issuers.items():
            jwk = issuer.public_jwk.as_dict(private=False)
            jwk.update({"kid": kid, "use": "sig", "alg": ALG})
            keys.append(jwk)
        return {"keys": keys}

    def pem_chain(self):
        """Root first, then every issuing certificate, oldest first."""
        parts = [self.root_certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")]
        for issuer in sorted(self.issuers.values(), key=lambda i: i.not_before):
            parts.append(issuer.pem())
        return "".join(parts)


def _b64decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# -- PDF documents (PAdES) ----------------------------------------------------------------
# pyHanko is imported lazily: only the document paths pay for it.

PDF_FIELD = "RegistrySignature"


@dataclass(frozen=True)
class PdfSignatureCheck:
    """What pyHanko found about the one registry signature of a PDF.

    `problem` is None when the signature is intact, valid, chains to the registry root with one of
    the registry's issuing certificates, and covers the whole file; otherwise it is one of
    not_pdf, unsigned, several_signatures, broken, foreign_key, issuer_revoked, issuer_not_valid,
    modified_after_signing.
    """

    problem: str | None
    kid: str | None = None
    signer: str | None = None
    signed_at: datetime | None = None
    detail: str = ""

    @property
    def ok(self):
        return self.problem is None


def _asn1_certificate(cert):
    from asn1crypto import x509 as asn1_x509

    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _pdf_signer(keys):
    """A pyHanko signer for the current issuing key; its chain (issuing + root) is embedded."""
    if hasattr(keys, "refresh"):
        keys.refresh()
    if keys.revocation(keys.current_kid) is not None:
        # a compromised key signs nothing more, whatever state this process was left in
        raise SignatureInvalid(f"issuing key {keys.current_kid} is revoked; run `rotate-key`")
    cached = getattr(keys, "_pdf_signer_cache", None)
    if cached is not None and cached[0] == keys.current_kid:
        return cached[1]
    from asn1crypto import keys as asn1_keys
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key_der = keys._private_key().private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    signer = signers.SimpleSigner(
        signing_cert=_asn1_certificate(keys.current.certificate),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([_asn1_certificate(keys.root_certificate)]),
        embed_roots=True,
    )
    keys._pdf_signer_cache = (keys.current_kid, signer)
    return signer


TSA_TIMEOUT_SECONDS = 10


def _timestamper(keys):
    url = getattr(keys, "tsa_url", None)
    if not url:
        return None
    if not keys.tsa_roots:
        # a timestamp nobody can chain is no evidence; pyHanko would refuse it with a path error
        raise ValueError("BRANDNAME_TSA_URL is set but BRANDNAME_TSA_CERTS names no certificate to trust")
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(url, timeout=TSA_TIMEOUT_SECONDS)


class _NoFetchingWarning(logging.Filter):
    """pyHanko warns on every signature that embeds validation data without fetching any; the
    registry fetches nothing on purpose (the CRL is its own), so the line is noise."""

    def filter(self, record):
        return "fetching is not allowed" not in record.getMessage()


def _quiet_fetching_warning():
    logger = logging.getLogger("pyhanko.sign.signers.pdf_signer")
    if not any(isinstance(f, _NoFetchingWarning) for f in logger.filters):
        logger.addFilter(_NoFetchingWarning())


def sign_pdf(keys, pdf_bytes, *, reason=None, location=None, timestamper=None):
    """Sign `pdf_bytes` with the registry's current issuing key: a PAdES certification signature,
    DocMDP "no changes allowed", chain embedded.

    With a time-stamping authority (`keys.tsa_url`, or `timestamper`) the signature is PAdES
    B-LT: an RFC 3161 signature timestamp, and a DSS holding the chain and the root's current
    CRL, written in the signed revision itself (so the signature still covers the whole file).
    Without one it is B-B: the signing time is the registry's own clock.

    Returns the signed PDF: the input plus one incremental update holding the signature.
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.signers.pdf_signer import DSSContentSettings, SigDSSPlacementPreference

    timestamper = timestamper or _timestamper(keys)
    long_term = {}
    if timestamper is not None:
        from pyhanko_certvalidator import ValidationContext

        _quiet_fetching_warning()

        crl = keys.crl_der()
        long_term = {
            "embed_validation_info": True,
            "validation_context": ValidationContext(
                trust_roots=[_asn1_certificate(keys.root_certificate)]
                + [_asn1_certificate(c) for c in keys.tsa_roots],
                crls=[crl] if crl else [],
                allow_fetching=False,
            ),
            # VRI entries would force the DSS into a revision of its own after the signature
            "dss_settings": DSSContentSettings(
                placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE, include_vri=False
            ),
        }
    writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes), strict=False)
    meta = signers.PdfSignatureMetadata(
        field_name=PDF_FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        reason=reason,
        location=location,
        **long_term,
    )
    out = BytesIO()
    signers.PdfSigner(meta, signer=_pdf_signer(keys), timestamper=timestamper).sign_pdf(writer, output=out)
    return out.getvalue()


def signature_timestamp(embedded):
    """The genTime of the RFC 3161 timestamp on `embedded` (a pyHanko EmbeddedPdfSignature), or None."""
    from pyhanko.sign.validation import generic_cms

    for token in generic_cms.extract_tst_data_iter(embedded.signer_info, signed=False):
        return token["encap_content_info"]["content"].parsed["gen_time"].native
    return None


def dss_crls(reader):
    """The CRLs (DER) in a PDF's document security store; [] without one."""
    from pyhanko.pdf_utils.decode_limits import DecodePurpose
    from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError

    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return []
    return [ref.get_object().read_data(DecodePurpose.CRL) for ref in dss.crls]


def _validation_context(keys, moment=None, reader=None):
    """The registry root as the only anchor; revocation from the registry's current CRL and any
    in the file's DSS. A CRL issued after `moment` still counts (retroactive): a key revoked
    later as compromised since before `moment` is revoked at `moment`."""
    from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError
    from pyhanko_certvalidator import ValidationContext

    crl = keys.crl_der() if hasattr(keys, "crl_der") else None
    kwargs = {
        "trust_roots": [_asn1_certificate(keys.root_certificate)],
        "other_certs": [_asn1_certificate(i.certificate) for i in keys.issuers.values()],
        "crls": [crl] if crl else [],
        "allow_fetching": False,
        "moment": moment,
        "retroactive_revinfo": True,
        # with the registry's CRL at hand, an issuing key must be on it or not: no guessing;
        # older issuing certificates name no distribution point, so "if declared" is not enough
        "revocation_mode": "require" if crl else "soft-fail",
    }
    if reader is not None:
        try:
            return DocumentSecurityStore.read_dss(reader).as_validation_context(kwargs)
        except NoDSSFoundError:
            pass
    return ValidationContext(**kwargs)


def _tsa_context(keys, at):
    from pyhanko_certvalidator import ValidationContext

    roots = [_asn1_certificate(c) for c in getattr(keys, "tsa_roots", ())]
    if not roots:
        return None
    return ValidationContext(trust_roots=roots, allow_fetching=False, moment=at)


def _our_issuer(keys, signing_cert):
    if signing_cert is None:
        return None
    der = signing_cert.dump()
    for issuer in keys.issuers.values():
        if issuer.certificate.public_bytes(serialization.Encoding.DER) == der:
            return issuer
    return None


def pdf_signer_kid(keys, pdf_bytes):
    """The kid of the registry issuing key whose certificate signed `pdf_bytes`, without judging
    the signature; None for anything else."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        signatures = PdfFileReader(BytesIO(bytes(pdf_bytes)), strict=False).embedded_signatures
        issuer = _our_issuer(keys, signatures[0].signer_cert) if len(signatures) == 1 else None
    except Exception:  # noqa: BLE001 - an unreadable file has no signer
        return None
    return issuer.kid if issuer is not None else None


def _validate(keys, embedded, reader, at):
    """pyHanko's status of `embedded`, the registry issuer that signed it and the signing time:
    as of a trusted timestamp when there is one, else as of `at` or the self-reported time."""
    from pyhanko.sign.validation import validate_pdf_signature

    status = None
    timestamped_at = signature_timestamp(embedded)
    tsa = _tsa_context(keys, at) if timestamped_at is not None else None
    if tsa is not None:
        status = validate_pdf_signature(
            embedded, _validation_context(keys, timestamped_at, reader), ts_validation_context=tsa
        )
        stamp = status.timestamp_validity
        if stamp is None or not (stamp.intact and stamp.valid and stamp.trusted):
            status = None  # an untrusted timestamp proves no time: judge it as B-B
    if status is not None:
        issuer = _our_issuer(keys, status.signing_cert)
        signed_at = timestamped_at
    else:
        status = validate_pdf_signature(embedded, _validation_context(keys, at, reader))
        issuer = _our_issuer(keys, status.signing_cert)
        signed_at = embedded.self_reported_timestamp
        if (
            status.intact
            and status.valid
            and not status.trusted
            and issuer is not None
            and signed_at is not None
            and issuer.not_before <= signed_at <= issuer.not_after
            and (at or _now()) > issuer.not_after
        ):
            status = validate_pdf_signature(embedded, _validation_context(keys, signed_at, reader))
    return status, issuer, signed_at


def check_pdf(keys, pdf_bytes, at=None):
    """Validate the registry signature in `pdf_bytes`, the registry root as the only trust anchor.

    Validated as of `at` (default now). A signature with an RFC 3161 timestamp from a trusted
    time-stamping authority (`keys.tsa_roots`) is judged as of the timestamp: its issuing
    certificate may have expired since, and the registry's CRL (and the one in the file's DSS)
    says whether its key was revoked before that moment. Without one (B-B), a signature by one of
    the registry's issuing certificates that has since expired is validated as of its
    self-reported signing time instead: the registry keeps its old issuing certificates precisely
    so that what it signed stays verifiable.
    Never raises on bad input; the answer's `problem` says what is wrong.
    """
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    if not isinstance(pdf_bytes, (bytes, bytearray)) or b"%PDF-" not in bytes(pdf_bytes[:1024]):
        return PdfSignatureCheck("not_pdf", detail="no PDF header")
    try:
        reader = PdfFileReader(BytesIO(bytes(pdf_bytes)), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:  # noqa: BLE001 - any parse failure means "not a readable PDF"
        return PdfSignatureCheck("not_pdf", detail=f"{type(exc).__name__}: {exc}")
    if not signatures:
        return PdfSignatureCheck("unsigned", detail="no signed signature field")
    if len(signatures) > 1:
        return PdfSignatureCheck("several_signatures", detail=f"{len(signatures)} signatures")
    embedded = signatures[0]
    try:
        status, issuer, signed_at = _validate(keys, embedded, reader, at)
    except Exception as exc:  # noqa: BLE001 - a malformed signature is a broken one
        return PdfSignatureCheck("broken", detail=f"{type(exc).__name__}: {exc}")
    kid = issuer.kid if issuer is not None else None
    signer = status.signing_cert.subject.human_friendly if status.signing_cert is not None else None
    if not status.intact or not status.valid:
        return PdfSignatureCheck(
            "broken", kid, signer, signed_at, detail=f"intact={status.intact} valid={status.valid}"
        )
    if kid is None:
        return PdfSignatureCheck(
            "foreign_key", kid, signer, signed_at, detail=f"trusted={status.trusted} signer={signer}"
        )
    if status.revoked:
        return PdfSignatureCheck(
            "issuer_revoked", kid, signer, signed_at, detail=f"signer={signer} {status.summary()}"
        )
    if not status.trusted:
        return PdfSignatureCheck(
            "issuer_not_valid", kid, signer, signed_at, detail=f"trusted={status.trusted} signer={signer}"
        )
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return PdfSignatureCheck(
            "modified_after_signing", kid, signer, signed_at, detail=f"coverage={status.coverage.name}"
        )
    return PdfSignatureCheck(None, kid, signer, signed_at, detail=status.summary())
