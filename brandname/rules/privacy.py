"""What the public may see of a holder, and the verification code that opens a certificate's
public page. Pure Python, no Flask, no DB.

An individual's name and address are personal data (Decree 13/2023/NĐ-CP): public answers show
the name masked and no address. An organization's name and address are public facts of its
business registration and stay in full. The full record stays with whoever holds the PDF.
"""

import hmac
import secrets

# RFC 4648 base32 letters: no 0/1/8/9, so a code read off paper is not confused with O/I/B/g
CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
CODE_LENGTH = 10  # 50 bits: guessing one certificate's code takes ~10^15 tries
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})


def mask_person_name(name):
    """'Nguyễn Văn An' → 'Nguyễn V. A.': the family name, then the initials of the other words."""
    words = (name or "").split()
    if not words:
        return ""
    if len(words) == 1:
        return words[0][0] + "."
    return " ".join([words[0], *(w[0] + "." for w in words[1:])])


def public_holder_name(kind, name):
    """The holder's name as public pages and the public API show it."""
    return name if kind == "organization" else mask_person_name(name)


def public_holder_address(kind, address):
    """An organization's head-office address; never an individual's home address."""
    return address if kind == "organization" else None


def new_verification_code():
    """A fresh random code printed on the certificate next to its serial and put in its QR code."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normal_code(text):
    """The code as typed: case, spaces and dashes ignored; 0/1/8 read as O/I/B."""
    return "".join((text or "").upper().replace("-", "").split()).translate(_LOOKALIKES)


def code_matches(expected, given):
    """Does `given` (as typed) open the certificate whose code is `expected`? Constant time."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode("ascii"), normal_code(given).encode("utf-8"))
