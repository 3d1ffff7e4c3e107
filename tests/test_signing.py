import base64
import json
import stat

import pytest
from cryptography import x509
from joserfc import jws
from joserfc.jwk import KeySet

from brandname.signing import KeyStore, KeysMissing, SignatureInvalid, canonical_json


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
        flipped = sig[:index] + ("A" if sig[index] != "A" else "B") + sig[index + 1:]
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


def test_encrypted_keys_need_the_passphrase(tmp_path):
    store = KeyStore.create(tmp_path / "enc", passphrase="s3cret phrase")
    assert b"ENCRYPTED" in next((store.dir / "issuing").glob("*.key.pem")).read_bytes()
    payload, token = store.sign_json({"a": 1})
    assert store.verify(token, payload)
    wrong = KeyStore(tmp_path / "enc", passphrase="wrong")
    with pytest.raises(ValueError):
        wrong.sign_json({"a": 1})
