"""Signed notes and checkpoints: the published example of golang.org/x/mod/sumdb/note (the Go
reference implementation of the C2SP signed-note format) verifies; any change is refused."""

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from brandname_carrier import note

# golang.org/x/mod/sumdb/note, the package documentation's example
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT
    + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def test_the_go_reference_note_verifies():
    verifier = note.Verifier.parse(GO_VKEY)
    assert verifier.name == "PeterNeumann" and verifier.id.hex() == "c74f20a3"
    assert note.open_note(GO_NOTE, verifier) == GO_TEXT


@pytest.mark.parametrize(
    "changed",
    [
        GO_NOTE.replace("cryptography", "cryptographY"),
        GO_NOTE.replace("x08go", "x08gp"),
        GO_NOTE.replace("\u2014 ", "-- "),
        GO_NOTE[:-1],
        GO_TEXT,
    ],
)
def test_a_changed_note_is_refused(changed):
    with pytest.raises(note.NoteError):
        note.open_note(changed, note.Verifier.parse(GO_VKEY))


@pytest.mark.parametrize(
    "vkey",
    [
        GO_VKEY.replace("c74f20a3", "c74f20a4"),  # id does not match
        GO_VKEY.replace("+ARpc", "+AhpC"),  # not Ed25519
        "PeterNeumann+c74f20a3",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ],
)
def test_malformed_verifier_keys_are_refused(vkey):
    with pytest.raises(note.NoteError):
        note.Verifier.parse(vkey)


def sign(key, name, text):
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    sig = base64.b64encode(note.key_id(name, raw) + key.sign(text.encode())).decode()
    return f"{text}\n\u2014 {name} {sig}\n", note.verifier_key_text(name, raw)


def test_checkpoints_parse_and_check_their_origin():
    key = Ed25519PrivateKey.generate()
    root = bytes(range(32))
    text = f"example.vn/log\n12\n{base64.b64encode(root).decode()}\n"
    signed, vkey = sign(key, "example.vn/log", text)
    checkpoint = note.open_checkpoint(signed, note.Verifier.parse(vkey))
    assert (checkpoint.origin, checkpoint.size, checkpoint.root) == ("example.vn/log", 12, root)
    other, other_vkey = sign(key, "other.vn/log", text)
    with pytest.raises(note.NoteError, match="another log"):
        note.open_checkpoint(other, note.Verifier.parse(other_vkey))
    # a line from an unknown key is ignored; the known key still decides
    stranger = Ed25519PrivateKey.generate()
    extra = sign(stranger, "witness.vn", text)[0].split("\n\n")[1]
    assert note.open_checkpoint(signed + extra, note.Verifier.parse(vkey)).size == 12
    for bad in ("example.vn/log\n012\n", "example.vn/log\nx\n", "example.vn/log\n1\nAAAA\n"):
        bad_signed, _ = sign(key, "example.vn/log", bad + ("" if bad.count("\n") > 2 else "AAAA\n"))
        with pytest.raises(note.NoteError):
            note.open_checkpoint(bad_signed, note.Verifier.parse(vkey))
