"""Shared fixtures. Every test gets an empty registry; on PostgreSQL (TEST_DATABASE_URL) each
pytest process works in a database of its own, created here and dropped at the end."""

import os
import uuid
from datetime import datetime

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import config
from brandname import create_app, lifecycle
from brandname.certificates.signing import KeyStore
from brandname.extensions import db
from brandname.lifecycle.accounts import create_account
from brandname.store.models import Base

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
NOW = datetime(2026, 3, 2, 3, 0, 0)  # Monday 10:00 in Hanoi


def _pg_url(raw):
    return make_url(config.database_url(raw))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A database for this pytest process: a file per test on SQLite, one fresh PG database."""
    if not TEST_DATABASE_URL:
        yield None
        return
    base = _pg_url(TEST_DATABASE_URL)
    name = f"bn_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name)
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def certs_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("certs")
    KeyStore.create(path)
    return path


@pytest.fixture
def app(tmp_path, database_url, certs_dir):
    uri = database_url or f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATA_DIR": str(tmp_path / "data"),
            "CERTS_DIR": str(certs_dir),
            "SQLALCHEMY_DATABASE_URI": uri,
            "PUBLIC_URL": "https://brandname.test",
            "WTF_CSRF_ENABLED": False,
        }
    )
    with app.app_context():
        if database_url:
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.session.commit()
        else:
            Base.metadata.create_all(db.engine)
        lifecycle.ensure_counters(db.session)
        db.session.commit()
        yield app
        db.session.remove()
        # Every test's engines close their connections now, not when collected: on PostgreSQL
        # a leaked pool per test would use up the server's connection slots.
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture
def session(app):
    return db.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def keys(app):
    from brandname import registry

    return registry.keys()


@pytest.fixture
def rules():
    return lifecycle.DEFAULT_RULES


def _account(session, email, role, holder_id=None):
    return create_account(
        session,
        email=email,
        password="correct horse battery",
        role=role,
        full_name=email.split("@")[0],
        holder_id=holder_id,
    )


@pytest.fixture
def officer(session):
    return lifecycle.Actor.for_account(_account(session, "officer@cuc.gov.vn", "officer"))


@pytest.fixture
def officer2(session):
    return lifecycle.Actor.for_account(_account(session, "officer2@cuc.gov.vn", "officer"))


@pytest.fixture
def supervisor(session):
    return lifecycle.Actor.for_account(_account(session, "chief@cuc.gov.vn", "supervisor"))


def org_applicant(code="0101234567", name="Công ty Cổ phần Ánh Dương"):
    return {
        "kind": "organization",
        "name": name,
        "id_number": code,
        "tax_code": code,
        "address": "Số 1 Trần Hưng Đạo, Hoàn Kiếm, Hà Nội",
        "email": "lienhe@anhduong.vn",
        "phone": "024 3825 1234",
        "legal_representative": "Nguyễn Văn An",
        "contact_person": "Trần Thị Bình",
    }


def person_applicant(number="001203004567"):
    return {
        "kind": "individual",
        "name": "Lê Hoàng Cường",
        "id_number": number,
        "address": "Số 5 Lê Lợi, Quận 1, TP. Hồ Chí Minh",
        "email": "cuong@example.vn",
        "phone": "0912345678",
    }


def name_entry(name, purpose="Thông báo giao dịch và chăm sóc khách hàng"):
    return {
        "name": name,
        "purpose": purpose,
        "use_sms": True,
        "use_voice": False,
        "products": "Dịch vụ ngân hàng",
        "sectors": "Tài chính",
        "carriers": "Viettel, VNPT",
    }


def required_documents(applicant):
    from brandname.rules import dossier

    return dossier.required_documents(applicant)


def attach(session, application, kind, actor, now=NOW):
    """Record a dossier document of `kind` (no bytes stored: the act records the upload)."""
    return lifecycle.attach_document(
        session,
        application.id,
        actor=actor,
        kind=kind,
        original_filename=f"{kind}.pdf",
        stored_name=uuid.uuid4().hex,
        content_type="application/pdf",
        size=100,
        sha256="0" * 64,
        now=now,
    )


class Registry:
    """Test helper that walks names through the lifecycle with a fixed clock."""

    def __init__(self, session, keys, officer, rules=lifecycle.DEFAULT_RULES):
        self.session, self.keys, self.officer, self.rules = session, keys, officer, rules

    def submit(self, *names, applicant=None, now=NOW, documents=None, **kw):
        """File Form 01 with the dossier's mandatory documents attached (Art. 24), unless
        `documents` names other kinds (`()` for none)."""
        applicant = applicant or org_applicant()
        application = lifecycle.submit(
            self.session,
            applicant=applicant,
            names=[name_entry(n) for n in names],
            actor=self.officer,
            commitments_confirmed=True,
            now=now,
            rules=self.rules,
            **kw,
        )
        for kind in required_documents(applicant) if documents is None else documents:
            attach(self.session, application, kind, self.officer, now=now)
        return application

    def approve(self, application, now=NOW, **kw):
        return lifecycle.approve(
            self.session, application.id, actor=self.officer, now=now, rules=self.rules, **kw
        )

    def decide_warnings(self, application, decision="not_confusable", note="khác chủ thể", now=NOW):
        """Record the officer's decision on every confusion warning of a pending application."""
        warnings = lifecycle.queries.decision_warnings(self.session, application)
        for rn in application.names:
            for w in warnings.get(rn.name, ()):
                lifecycle.decide_warning(
                    self.session,
                    rn.id,
                    actor=self.officer,
                    kind=w["kind"],
                    name=w["name"],
                    decision=decision,
                    note=note,
                    now=now,
                )

    def pay_and_issue(self, application, now=NOW):
        payment = lifecycle.record_payment(
            self.session, application.id, actor=self.officer, reference=f"FT{application.id:06d}", now=now
        )
        return lifecycle.confirm_payment(
            self.session, payment.id, actor=self.officer, keys=self.keys, now=now, rules=self.rules
        )

    def issue(self, *names, applicant=None, now=NOW):
        application = self.submit(*names, applicant=applicant, now=now)
        self.decide_warnings(application, now=now)
        self.approve(application, now=now)
        return self.pay_and_issue(application, now=now)

    def followup(self, kind, name, applicant=None, now=NOW, **kw):
        application = lifecycle.submit(
            self.session,
            kind=kind,
            brandname=name,
            applicant=applicant or org_applicant(),
            names=None,
            actor=self.officer,
            commitments_confirmed=True,
            now=now,
            rules=self.rules,
            **kw,
        )
        self.approve(application, now=now)
        return self.pay_and_issue(application, now=now)


@pytest.fixture
def registry_helper(session, keys, officer):
    return Registry(session, keys, officer)


@pytest.fixture
def empty_db_url(tmp_path):
    """An empty database (no tables) for tests that run the migrations themselves."""
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        return
    base = _pg_url(TEST_DATABASE_URL)
    name = f"bn_mig_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


# --- Signed certificate documents ---


@pytest.fixture
def own_keys(app, tmp_path):
    """Registry keys of this test alone (rotation tests must not touch the shared session keys)."""
    from brandname import registry

    path = tmp_path / "own-certs"
    KeyStore.create(path)
    app.config["CERTS_DIR"] = str(path)
    return registry.reload_keys()


@pytest.fixture
def foreign_keys(tmp_path_factory):
    """Another registry's keys: a different root. Documents they sign must never verify here."""
    return KeyStore.create(tmp_path_factory.mktemp("foreign-certs"))


# --- Carrier verification ---


@pytest.fixture
def carrier_key(session):
    """An active carrier API key (the key text)."""
    from brandname.carriers import keys as carriers

    _, key = carriers.create_carrier(session, "Viettel Test", now=NOW)
    return key


@pytest.fixture
def carrier_headers(carrier_key):
    return {"Authorization": f"Bearer {carrier_key}"}


# --- Web portals for applicants, officers and the public ---

PASSWORD = "correct horse battery"


def mailed_link(session, to, path):
    """The last link to `path` (e.g. "/applicant/verify/") mailed to `to`, from the outbox."""
    import re

    from sqlalchemy import select

    from brandname.store.models import Outbox

    bodies = session.scalars(select(Outbox.body).where(Outbox.to == to).order_by(Outbox.id.desc())).all()
    for body in bodies:
        found = re.search(re.escape(path) + r"([A-Za-z0-9_\-]+)", body)
        if found:
            return found.group(0), found.group(1)
    raise AssertionError(f"no mail to {to} with a link to {path}")


def verify_by_mail(session, account):
    """Confirm a sign-up's email with the token of the link mailed to it (the real act)."""
    from brandname.lifecycle.accounts import verify_email

    _path, token = mailed_link(session, account.email, "/applicant/verify/")
    return verify_email(session, token)


class Portal:
    """Signed-in test clients, one per role: anon, a (applicant A), b (applicant B), officer,
    supervisor, admin (the account administrator)."""

    def __init__(self, app, session):
        from brandname.lifecycle.accounts import register_applicant

        self.app, self.session = app, session
        self.account_a = register_applicant(
            session, email="a@anhduong.vn", password=PASSWORD, profile=org_applicant()
        )
        self.account_b = register_applicant(
            session, email="b@example.vn", password=PASSWORD, profile=person_applicant()
        )
        # each follows the link of its welcome mail, as its owner would, before filing anything
        verify_by_mail(session, self.account_a)
        verify_by_mail(session, self.account_b)
        # every sign-up queues its welcome mail; tests count the mails of what they do themselves
        from brandname.store.models import Outbox

        session.query(Outbox).filter(Outbox.key.startswith("account-created:")).delete()
        session.commit()
        self.account_officer = _account(session, "can.bo@cuc.gov.vn", "officer")
        self.account_supervisor = _account(session, "lanh.dao@cuc.gov.vn", "supervisor")
        self.account_admin = _account(session, "quan.tri@cuc.gov.vn", "admin")
        self.anon = app.test_client()
        self.a = self.login(app.test_client(), "a@anhduong.vn")
        self.b = self.login(app.test_client(), "b@example.vn")
        self.officer = self.login(app.test_client(), "can.bo@cuc.gov.vn", staff=True)
        self.supervisor = self.login(app.test_client(), "lanh.dao@cuc.gov.vn", staff=True)
        self.admin = self.login(app.test_client(), "quan.tri@cuc.gov.vn", staff=True)

    @staticmethod
    def login(client, email, staff=False, password=PASSWORD):
        url = "/officer/login" if staff else "/applicant/login"
        response = client.post(url, data={"email": email, "password": password})
        assert response.status_code == 302, response.data.decode()[:500]
        return client

    def apply(self, client, *names, files=None, applicant=None, **extra):
        """POST the Form 01 page; returns the response (302 to the application on success)."""
        applicant = applicant or org_applicant()
        data = {f"app_{k}": v or "" for k, v in applicant.items()}
        for i, name in enumerate(names):
            data.update(
                {
                    f"n-{i}-name": name,
                    f"n-{i}-purpose": "Chăm sóc khách hàng",
                    f"n-{i}-use_sms": "on",
                    f"n-{i}-products": "Thẻ thành viên",
                    f"n-{i}-sectors": "Bán lẻ",
                    f"n-{i}-carriers": "Viettel",
                }
            )
        data["commitments"] = "on"
        if files is None:  # the dossier's mandatory documents (Art. 24); `files=[]` for none
            # the portal files for the account's own holder: applicant B is an individual
            own = person_applicant() if client is getattr(self, "b", None) else applicant
            files = [(kind, f"{kind}.pdf", PDF_BYTES) for kind in required_documents(own)]
        for i, (kind, filename, content) in enumerate(files):
            import io

            data[f"doc-{i}-kind"] = kind
            data[f"doc-{i}-file"] = (io.BytesIO(content), filename)
        data.update(extra)
        return client.post("/applicant/apply", data=data, content_type="multipart/form-data")

    def application_id(self, response):
        assert response.status_code == 302, response.data.decode()[:2000]
        return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


@pytest.fixture
def portal(app, session, monkeypatch):
    # Argon2id with its strong default cost makes each sign-in slow; tests use a cheap instance.
    from argon2 import PasswordHasher

    from brandname.lifecycle import accounts

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    return Portal(app, session)


PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>"
    b"endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


# --- Long-term validation: a local RFC 3161 time-stamping authority ---


@pytest.fixture(scope="session")
def tsa(tmp_path_factory):
    """An RFC 3161 responder on 127.0.0.1 (pyHanko's DummyTimeStamper behind http.server) with a
    CA of its own, so signing at B-LT needs no network. `requests` counts the stamps it gave."""
    import threading
    from datetime import UTC, datetime, timedelta
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from types import SimpleNamespace

    from asn1crypto import keys as asn1_keys
    from asn1crypto import tsp
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    now = datetime.now(UTC)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA Root")])
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * 40))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(root_key, hashes.SHA256())
    )
    unit_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # the dummy TSA is RSA-only
    unit = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA Unit")]))
        .issuer_name(root_name)
        .public_key(unit_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * 30))  # outlives the registry's issuing keys
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(root_key, hashes.SHA256())
    )

    def asn1(cert):
        return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))

    stamper = DummyTimeStamper(
        asn1(unit),
        asn1_keys.PrivateKeyInfo.load(
            unit_key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
        certs_to_embed=[asn1(root)],
    )
    served = []

    class Responder(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            answer = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            served.append(self.headers.get("Content-Type"))
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Responder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    pem = tmp_path_factory.mktemp("tsa") / "tsa-root.pem"
    pem.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    yield SimpleNamespace(
        url=f"http://127.0.0.1:{server.server_address[1]}/tsa", root=root, pem=pem, requests=served
    )
    server.shutdown()
    server.server_close()
