"""C2SP signed notes and tlog checkpoints: parsing and Ed25519 verification.

A signed note is UTF-8 text ending in a newline, a blank line, then signature lines
"— <key name> <base64(key id || signature)>". The key id is the first 4 bytes of
SHA-256(key name || 0x0A || 0x01 || public key) for Ed25519 (signature type 0x01); a verifier key
is "<name>+<hex key id>+<base64(0x01 || public key)>". A checkpoint is a note whose text is the
origin line, the tree size in decimal and the base64 root hash, then optional extension lines.
"""

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

ED25519 = 0x01
DASH = "\u2014 "
MAX_NOTE = 1 << 20
MAX_SIGNATURES = 100


class NoteError(ValueError):
    """A note, checkpoint or verifier key that is malformed or not signed by the expected key."""


def key_id(name, public_raw):
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public_raw).digest()[:4]


def _valid_name(name):
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def verifier_key_text(name, public_raw):
    if not _valid_name(name):
        raise NoteError(f"invalid key name {name!r}")
    return (
        f"{name}+{key_id(name, public_raw).hex()}+{base64.b64encode(bytes([ED25519]) + public_raw).decode()}"
    )


@dataclass(frozen=True)
class Verifier:
    name: str
    id: bytes
    public: Ed25519PublicKey

    @classmethod
    def parse(cls, vkey):
        """From the verifier-key text; refuses an id that does not match the key."""
        try:
            name, hex_id, b64 = vkey.strip().split("+", 2)  # the base64 may hold a "+"
            raw = base64.b64decode(b64, validate=True)
            ident = bytes.fromhex(hex_id)
        except ValueError as exc:
            raise NoteError(f"malformed verifier key: {exc}") from None
        if not _valid_name(name) or len(ident) != 4 or len(raw) != 33 or raw[0] != ED25519:
            raise NoteError("malformed verifier key (name, id or Ed25519 key)")
        if key_id(name, raw[1:]) != ident:
            raise NoteError("the verifier key's id does not match its name and key")
        return cls(name, ident, Ed25519PublicKey.from_public_bytes(raw[1:]))


def open_note(data, verifier):
    """The text of a signed note if `verifier` signed it; raise NoteError otherwise.

    Lines from unknown keys are ignored; a line that claims the verifier's name and id but does
    not verify rejects the note."""
    if isinstance(data, str):
        data = data.encode()
    if len(data) > MAX_NOTE:
        raise NoteError("note too large")
    try:
        whole = data.decode("utf-8")
    except UnicodeDecodeError:
        raise NoteError("note is not UTF-8") from None
    cut = whole.rfind("\n\n")
    if cut < 0 or not whole.endswith("\n"):
        raise NoteError("note has no signature block")
    text, block = whole[: cut + 1], whole[cut + 2 :]
    lines = block[:-1].split("\n")
    if not lines or len(lines) > MAX_SIGNATURES:
        raise NoteError("note has no or too many signature lines")
    for line in lines:
        if not line.startswith(DASH):
            raise NoteError("malformed signature line")
        name, _, b64 = line[len(DASH) :].partition(" ")
        try:
            sig = base64.b64decode(b64, validate=True)
        except ValueError:
            raise NoteError("malformed signature line") from None
        if len(sig) < 5:
            raise NoteError("malformed signature line")
        if name != verifier.name or sig[:4] != verifier.id:
            continue
        try:
            verifier.public.verify(sig[4:], text.encode())
        except InvalidSignature:
            raise NoteError("the signature of the expected key does not verify") from None
        return text
    raise NoteError(f"the note is not signed by {verifier.name}")


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    text: str

    @classmethod
    def parse_text(cls, text, origin=None):
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise NoteError("a checkpoint has an origin, a size and a root hash")
        size_text, root_text = lines[1], lines[2]
        if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
            raise NoteError("malformed tree size")
        try:
            root = base64.b64decode(root_text, validate=True)
        except ValueError:
            raise NoteError("malformed root hash") from None
        if len(root) != 32:
            raise NoteError("the root hash is not 32 bytes")
        if origin is not None and lines[0] != origin:
            raise NoteError(f"checkpoint of another log ({lines[0]!r}, expected {origin!r})")
        return cls(lines[0], int(size_text), root, text)


def open_checkpoint(data, verifier, origin=None):
    """A verified Checkpoint from a signed note (origin checked when given)."""
    return Checkpoint.parse_text(open_note(data, verifier), origin or verifier.name)
